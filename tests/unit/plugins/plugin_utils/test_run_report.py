# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run report built from recorded and synthetic NVML snapshots (tests/unit/fixtures/nvml): the topology as
data, the SVG picture, escaping of every value, no credential content, the AWX stats."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_health, gpu_module, gpu_snapshot
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import run_report as rr

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "nvml")
PARAMS = {"expect_fully_connected": False, "expect_min_nvlinks_per_pair": None, "fail_on": "critical",
          "xid_lookback_hours": 24}


def gate(name):
    """What gpu_gate_info returns for a snapshot (the module's own function)."""
    snap = gpu_snapshot.load(os.path.join(FIXTURES, name + ".json"))
    result, dummy = gpu_module.gate_result(snap, PARAMS, gpu_health.merge_thresholds(None), True)
    return result


@pytest.mark.parametrize("fixture, gpus, nvswitch, links, nics, numa, healthy", [
    # recorded on real machines
    ("h100x1", 1, False, 0, 0, ["none"], True),
    ("h200x2-nvswitch", 2, True, 2, 0, ["none"], True),
    ("h200x4-nvswitch", 4, True, 4, 0, ["none"], True),
    # synthetic (made by make_synthetic.py), named as such
    ("synthetic-hgx-h100x8-nvswitch", 8, True, 8, 4, ["0", "1"], True),
    ("synthetic-a100x4-nvlink-bridge-pairs", 4, False, 2, None, None, True),
    ("synthetic-pcie-4gpu-2numa", 4, False, 0, 3, ["0", "1"], True),
    ("synthetic-unhealthy-nvlink-inactive", 8, True, 8, 4, ["0", "1"], False),
])
def test_node_topology_from_snapshots(fixture, gpus, nvswitch, links, nics, numa, healthy):
    node = rr.node_entry(fixture, gate(fixture))
    assert node["gpu_count"] == gpus and len(node["gpus"]) == gpus
    assert node["nvswitch"] is nvswitch
    assert len(node["links"]) == links
    if nics is not None:
        assert len(node["nics"]) == nics
    if numa is not None:
        assert node["numa_nodes"] == numa
    assert node["healthy"] is healthy
    assert node["driver_version"]
    assert node["status"].startswith("%dx " % gpus)


def test_an_inactive_nvlink_is_an_unhealthy_red_link_in_the_picture():
    node = rr.node_entry("gpu07", gate("synthetic-unhealthy-nvlink-inactive"))
    bad = [link for link in node["links"] if not link["healthy"]]
    assert [(l["a"], l["b"], l["count"]) for l in bad] == [("GPU6", "NVSwitch", 17)]
    assert "link 7 not active" in bad[0]["note"] and "17 of 18 links" in bad[0]["note"]
    svg = rr.serialize(rr.topology_svg(node))
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    unhealthy = [g for g in root.iter(ns + "g") if "unhealthy" in g.get("class", "")]
    assert len(unhealthy) == 1
    assert unhealthy[0].find(ns + "line").get("stroke") == rr.BAD_COLOUR
    healthy = [g for g in root.iter(ns + "g") if g.get("class") == "nvlink"]
    assert len(healthy) == 7 and all(g.find(ns + "line").get("stroke") == rr.OK_COLOUR for g in healthy)
    # 8 GPUs, 4 NICs, the switch, 2 NUMA nodes
    assert len([g for g in root.iter(ns + "g") if g.get("class") == "gpu"]) == 8
    assert len([g for g in root.iter(ns + "g") if g.get("class") == "nic"]) == 4
    assert len([g for g in root.iter(ns + "g") if g.get("class") == "nvswitch"]) == 1
    assert sorted(t.text for t in root.iter(ns + "text") if (t.text or "").startswith("NUMA")) == ["NUMA 0", "NUMA 1"]


def test_direct_nvlink_pairs_are_drawn_between_gpus():
    node = rr.node_entry("a100", gate("synthetic-a100x4-nvlink-bridge-pairs"))
    pairs = sorted((l["a"], l["b"]) for l in node["links"])
    assert pairs == [("GPU0", "GPU1"), ("GPU2", "GPU3")]
    root = ET.fromstring(rr.serialize(rr.topology_svg(node)))
    assert len(list(root.iter("{http://www.w3.org/2000/svg}path"))) == 2


@pytest.mark.parametrize("value, escaped", [
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("a & b", "a &amp; b"),
])
def test_text_is_escaped(value, escaped):
    assert rr.serialize(rr.el("p", {}, value)) == "<p>%s</p>" % escaped


def test_attribute_values_are_escaped_and_bad_names_refused():
    assert rr.serialize(rr.el("a", {"title": '"><script>'})) == '<a title="&quot;&gt;&lt;script&gt;"></a>'
    with pytest.raises(ValueError, match="not an attribute name"):
        rr.serialize(rr.el("a", {"onclick x": "1"}))
    with pytest.raises(ValueError, match="not an element name"):
        rr.el("a b")


def report_of(*fixtures, **extra):
    inputs = {"inventory": "lab", "generated": "2026-11-30 04:00 UTC",
              "nodes": [{"name": f, "gate": gate(f), "rdma_ports": [{"name": "mlx5_0", "netdev": "ib0"}],
                         "reboot_reasons": ["new kernel module"] if f == "h100x1" else []} for f in fixtures],
              "stages": [{"name": "host_baseline", "title": "Host baseline"}, {"name": "network", "title": "Network"}],
              "selected": ["host_baseline"], "changes": {"host_baseline": {"changed": 3, "failed": 0}},
              "serving_plan": {"models": [{"name": "deepseek-ai/DeepSeek-R1-Distill-Llama-70B", "served_name": "r1-70b",
                                           "kind": "chat", "workload": "LeaderWorkerSet", "replicas": 1, "nodes": 2,
                                           "gpus_per_replica": 4, "parallel": {"text": "TP2 PP2"}, "max_model_len": 32768,
                                           "memory_per_gpu": {"gpu_memory_bytes": 80 << 30, "budget_bytes": 72 << 30,
                                                              "weights_bytes": 35 << 30, "reserve_bytes": 5 << 30,
                                                              "kv_cache_bytes": 32 << 30, "kv_tokens": 100000}}]},
              "endpoints": {"model API r1-70b": "http://r1-70b.privateai-serving.svc:8000/v1"},
              "credentials": {"model API key": "/srv/privateai/credentials/model-api-key"},
              "warnings": ["storage: two copies <only>"]}
    inputs.update(extra)
    return rr.from_run(inputs)


def test_report_files_from_recorded_snapshots():
    out = report_of("h100x1", "h200x2-nvswitch", "h200x4-nvswitch", "synthetic-hgx-h100x8-nvswitch")
    report = json.loads(out["json"])
    assert report["summary"] == {"nodes": 4, "gpus": 15, "unhealthy_nodes": [], "reboots_pending": ["h100x1"],
                                 "models": ["r1-70b"], "warnings": 1}
    assert report["serving"][0]["memory_gib_per_gpu"] == {
        "gpu": 80.0, "budget": 72.0, "weights": 35.0, "reserve": 5.0, "kv_cache": 32.0}
    assert [(s["name"], s["ran"], s["changed"]) for s in report["stages"]] == [("host_baseline", True, 3), ("network", False, 0)]
    html = out["html"]
    assert html.count("<svg") == 4
    # self-contained: no script, no stylesheet or font from elsewhere, no URL but the SVG namespace and the endpoint
    assert "<script" not in html and "<link" not in html and "@import" not in html and "url(" not in html
    assert set(re.findall(r"https?://[^\s\"<]+", html)) == {
        "http://www.w3.org/2000/svg", "http://r1-70b.privateai-serving.svc:8000/v1"}
    assert 'name="viewport"' in html
    assert "storage: two copies &lt;only&gt;" in html
    assert "/srv/privateai/credentials/model-api-key" in html and "/srv/privateai/credentials/model-api-key" in out["markdown"]
    assert "Reboot pending: new kernel module" in html
    assert out["stats"]["privateai_report"]["stages_changed"] == {"host_baseline": 3}
    assert "\\<only\\>" in out["markdown"]


@pytest.mark.parametrize("credentials", [
    {"dify admin": "password: hunter2"},
    {"api key": "relative/path"},
    {"api key": 42},
])
def test_credentials_must_be_file_paths_never_values(credentials):
    with pytest.raises(ValueError, match="must be the path of a file"):
        report_of("h100x1", credentials=credentials)


def test_a_failed_run_says_so():
    out = report_of("h100x1", failed="failed in stage network")
    assert out["report"]["result"] == "failed"
    assert "Result: failed" in out["html"] and "failed in stage network" in out["markdown"]
    assert out["stats"]["privateai_report"]["result"] == "failed"


def test_from_run_needs_a_mapping():
    with pytest.raises(ValueError, match="must be a mapping"):
        rr.from_run(["x"])
