# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""nvidia_gpu_info, nvlink_topology, gpu_health and gpu_gate_info run in-process: on snapshot files (replay backend)
and on a fake node (live backend: the fake pynvml from tests/unit/plugins/module_utils/fake_pynvml.py
installed as the ``pynvml`` module, a fake sysfs tree, a fake kernel log)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import functools
import json
import os
import sys

import pytest

from ansible.module_utils import basic

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_health as gpu_health_utils
from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_snapshot
from ansible_collections.privateai.deepseek_dify.plugins.modules import gpu_gate_info
from ansible_collections.privateai.deepseek_dify.plugins.modules import gpu_health as gpu_health_module
from ansible_collections.privateai.deepseek_dify.plugins.modules import nvidia_gpu_info, nvlink_topology
from ansible_collections.privateai.deepseek_dify.tests.unit.plugins.module_utils.fake_pynvml import (
    FakePynvml, FakeSysfs)
from ansible_collections.privateai.deepseek_dify.tests.unit.plugins.modules.utils import (
    AnsibleExitJson, AnsibleFailJson, exit_json, fail_json, set_module_args)

FIXTURES = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "nvml"))
NO_DRIVER_REASON = "no NVIDIA driver: NVML says 'NVML Shared Library Not Found'"


def fixture(name):
    return os.path.join(FIXTURES, name)


def raw(name):
    with open(fixture(name)) as handle:
        return json.load(handle)


@pytest.fixture(autouse=True)
def patch_module(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


def run(module, args):
    """(failed, result) of one in-process run."""
    with set_module_args(args):
        try:
            module.main()
        except AnsibleExitJson as exc:
            return False, exc.args[0]
        except AnsibleFailJson as exc:
            return True, exc.args[0]
    raise AssertionError("the module neither exited nor failed")


@pytest.fixture
def fake_node(tmp_path, monkeypatch):
    """Install a fake node made from a snapshot: ``pynvml`` is the fake, /sys is a fake tree,
    journalctl answers the snapshot's kernel log. Returns the sysfs_root to pass to the modules."""

    def install(snap, init_error=None, kernel_module_version=None):
        monkeypatch.setitem(sys.modules, "pynvml", FakePynvml(snap, init_error=init_error))
        monkeypatch.setattr(os, "cpu_count", lambda: 224)
        fs = FakeSysfs(tmp_path / "sys", snap, kernel_module_version=kernel_module_version)
        lines = "\n".join(snap.get("kernel_log", []))

        def run_command(self, argv, **kwargs):
            assert argv[0] in ("journalctl", "dmesg"), argv
            return 0, lines + "\n", ""

        monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
        monkeypatch.setattr(gpu_snapshot, "read_kernel_xids",
                            functools.partial(gpu_snapshot.read_kernel_xids, which=lambda name: "/usr/bin/" + name))
        return fs.root

    return install


# ------------------------------------------------------------------------------------------------
# shared behaviour: snapshot option, expect_gpus
# ------------------------------------------------------------------------------------------------

MODULES = [nvidia_gpu_info, nvlink_topology, gpu_health_module, gpu_gate_info]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_no_gpu_snapshot_gives_zero_gpus_with_the_reason(module):
    failed, result = run(module, {"snapshot": fixture("synthetic-no-driver.json")})
    assert failed is False
    assert (result["gpu_count"], result["reason"], result["changed"]) == (0, NO_DRIVER_REASON, False)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_expect_gpus_fails_with_the_reason(module):
    failed, result = run(module, {"snapshot": fixture("synthetic-no-driver.json"), "expect_gpus": True})
    assert failed is True
    assert result["msg"] == ("Failed to find NVIDIA GPUs on this node (expect_gpus is true): %s. Install the driver "
                             "(role nvidia_driver) or remove the node from gpu_nodes." % NO_DRIVER_REASON)
    assert (result["gpu_count"], result["reason"]) == (0, NO_DRIVER_REASON)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_expect_gpus_passes_with_gpus(module):
    failed, result = run(module, {"snapshot": fixture("synthetic-a100x4-nvlink-bridge-pairs.json"), "expect_gpus": True})
    assert failed is False
    assert (result["gpu_count"], result["reason"]) == (4, None)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_missing_snapshot_fails_naming_the_path(module, tmp_path):
    path = str(tmp_path / "no-such-snapshot.json")
    failed, result = run(module, {"snapshot": path})
    assert failed is True
    assert result["msg"].startswith("Failed to read the NVML snapshot '%s' due to: cannot read snapshot %s: " % (path, path))


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_unusable_snapshot_fails_naming_the_path(module, tmp_path):
    path = tmp_path / "snapshot.json"
    path.write_text(u"gpus: []\n")  # YAML, not JSON
    failed, result = run(module, {"snapshot": str(path)})
    assert failed is True
    assert "'%s'" % path in result["msg"] and "is not JSON" in result["msg"]
    path.write_text(u'{"format": "nvidia-smi-q/1", "gpus": [], "pairs": {}}')
    failed, result = run(module, {"snapshot": str(path)})
    assert failed is True
    assert result["msg"] == ("Failed to read the NVML snapshot '%s' due to: snapshot %s is not in format "
                             "privateai-nvml-snapshot/1 (found format 'nvidia-smi-q/1')" % (path, path))


def test_driver_mismatch_live_names_the_reboot(fake_node):
    sysfs = fake_node(raw("synthetic-no-driver.json"), init_error="RM has detected an NVML/RM version mismatch.",
                      kernel_module_version="570.172.08")
    failed, result = run(nvidia_gpu_info, {"sysfs_root": sysfs, "expect_gpus": True})
    assert failed is True
    assert "driver/library version mismatch: the loaded kernel module is 570.172.08" in result["msg"]
    assert "reboot the node" in result["msg"]
    failed, result = run(nvidia_gpu_info, {"sysfs_root": sysfs})
    assert failed is False
    assert (result["gpu_count"], result["kernel_module_version"]) == (0, "570.172.08")
    assert result["reason"] == raw("synthetic-driver-mismatch.json")["reason"]


# ------------------------------------------------------------------------------------------------
# nvidia_gpu_info
# ------------------------------------------------------------------------------------------------

def test_facts_from_a_snapshot():
    failed, result = run(nvidia_gpu_info, {"snapshot": fixture("synthetic-hgx-h100x8-nvswitch.json")})
    assert failed is False
    assert (result["gpu_count"], result["driver_version"], result["cuda_driver_version"]) == (8, "580.159.04", "13.0")
    assert [g["pci_bus_id"] for g in result["gpus"]] == [
        "00000000:18:00.0", "00000000:1A:00.0", "00000000:3A:00.0", "00000000:3C:00.0",
        "00000000:9A:00.0", "00000000:9C:00.0", "00000000:BA:00.0", "00000000:BC:00.0"]


@pytest.mark.parametrize("name", ["synthetic-hgx-h100x8-nvswitch.json", "synthetic-pcie-4gpu-2numa.json",
                                  "synthetic-unhealthy-gpu-lost.json"])
def test_facts_live_equal_facts_replayed(fake_node, name):
    replayed = run(nvidia_gpu_info, {"snapshot": fixture(name)})[1]
    failed, live = run(nvidia_gpu_info, {"sysfs_root": fake_node(raw(name))})
    assert failed is False
    assert isinstance(live.pop("probe_seconds"), float)
    assert live == replayed


# ------------------------------------------------------------------------------------------------
# nvlink_topology
# ------------------------------------------------------------------------------------------------

def test_topology_expectations_met():
    failed, result = run(nvlink_topology, {"snapshot": fixture("synthetic-hgx-h100x8-nvswitch.json"), "expect_gpus": True,
                                           "expect_gpu_count": 8, "expect_fully_connected": True,
                                           "expect_min_nvlinks_per_pair": 18})
    assert failed is False
    assert result["problems"] == []
    assert result["shape"] == "8 GPUs via NVSwitch: NV18 x56"
    assert result["matrix"]["GPU0"]["NIC0"] == "PIX"


def test_topology_fully_connected_fails_on_the_a100_pairs():
    failed, result = run(nvlink_topology, {"snapshot": fixture("synthetic-a100x4-nvlink-bridge-pairs.json"),
                                           "expect_fully_connected": True})
    assert failed is True
    assert result["msg"] == (
        "Failed the NVLink topology expectations on this node: GPU0-GPU2: not connected by NVLink (found NODE); "
        "GPU0-GPU3: not connected by NVLink (found SYS); GPU1-GPU2: not connected by NVLink (found PHB); "
        "GPU1-GPU3: not connected by NVLink (found SYS)")
    assert len(result["problems"]) == 4
    assert result["islands"] == [["GPU0", "GPU1"], ["GPU2", "GPU3"]]  # the whole topology comes with the failure


def test_topology_min_links_and_count_fail_naming_what_was_found():
    failed, result = run(nvlink_topology, {"snapshot": fixture("synthetic-unhealthy-nvlink-inactive.json"),
                                           "expect_gpu_count": 8, "expect_min_nvlinks_per_pair": 18})
    assert failed is True
    assert "GPU0-GPU6: 17 NVLinks, expected at least 18 (found NV17)" in result["msg"]
    assert "GPU6-GPU7: 17 NVLinks, expected at least 18 (found NV17)" in result["msg"]
    assert len(result["problems"]) == 7
    failed, result = run(nvlink_topology, {"snapshot": fixture("synthetic-pcie-4gpu-2numa.json"), "expect_gpu_count": 8})
    assert failed is True
    assert result["problems"] == ["expected 8 GPUs, found 4"]


def test_topology_without_gpus():
    failed, result = run(nvlink_topology, {"snapshot": fixture("synthetic-no-driver.json"), "expect_gpu_count": 8})
    assert failed is True
    assert result["problems"] == ["expected 8 GPUs, found 0"]
    assert result["reason"] == NO_DRIVER_REASON
    failed, result = run(nvlink_topology, {"snapshot": fixture("synthetic-no-driver.json")})
    assert failed is False
    assert (result["matrix"], result["islands"], result["nvswitch"]) == ({}, [], False)


@pytest.mark.parametrize("name", ["synthetic-hgx-h100x8-nvswitch.json", "synthetic-pcie-4gpu-2numa.json",
                                  "synthetic-a100x4-nvlink-bridge-pairs.json"])
def test_topology_live_equals_topology_replayed(fake_node, name):
    replayed = run(nvlink_topology, {"snapshot": fixture(name)})[1]
    failed, live = run(nvlink_topology, {"sysfs_root": fake_node(raw(name))})
    assert failed is False
    for key in ("matrix", "nvlink_counts", "links", "p2p", "islands", "nics", "cpu_affinity", "numa_affinity",
                "shape", "nvswitch", "fabric_state"):
        assert (key, live[key]) == (key, replayed[key])


# ------------------------------------------------------------------------------------------------
# gpu_health
# ------------------------------------------------------------------------------------------------

def test_health_fails_on_critical_by_default():
    failed, result = run(gpu_health_module, {"snapshot": fixture("synthetic-unhealthy-ecc.json")})
    assert failed is True
    assert result["msg"] == ("Failed the GPU health check (fail_on=critical): GPU3 critical: 2 volatile uncorrectable "
                             "ECC errors since the last driver load: drain the node and reset the GPU")
    assert (result["healthy"], result["counts"]) == (False, {"critical": 1, "warning": 0, "info": 0})
    assert [f["check"] for f in result["findings"]] == ["ecc_uncorrected"]


def test_health_fail_on_never_only_reports():
    failed, result = run(gpu_health_module, {"snapshot": fixture("synthetic-unhealthy-ecc.json"), "fail_on": "never"})
    assert failed is False
    assert (result["healthy"], result["counts"]["critical"]) == (False, 1)
    assert result["findings"][0]["evidence"] == {"ecc_uncorrected_volatile": 2, "ecc_uncorrected_aggregate": 5}


def test_health_fail_on_warning():
    capped = fixture("synthetic-unhealthy-power-capped.json")
    failed, result = run(gpu_health_module, {"snapshot": capped})
    assert failed is False
    assert (result["healthy"], result["counts"]) == (True, {"critical": 0, "warning": 1, "info": 0})
    failed, result = run(gpu_health_module, {"snapshot": capped, "fail_on": "warning"})
    assert failed is True
    assert result["msg"] == ("Failed the GPU health check (fail_on=warning): GPU7 warning: power limit 500 W is below "
                             "the default 700 W")
    # info findings never fail
    failed, result = run(gpu_health_module, {"snapshot": fixture("synthetic-pcie-4gpu-2numa.json"), "fail_on": "warning"})
    assert failed is False
    assert result["counts"] == {"critical": 0, "warning": 0, "info": 6}


def test_health_healthy_node():
    failed, result = run(gpu_health_module, {"snapshot": fixture("synthetic-hgx-h100x8-nvswitch.json"), "fail_on": "warning"})
    assert failed is False
    assert (result["healthy"], result["findings"], result["gpu_count"]) == (True, [], 8)


def test_health_names_a_lost_gpu_and_its_unattributed_xids():
    failed, result = run(gpu_health_module, {"snapshot": fixture("synthetic-unhealthy-gpu-lost.json")})
    assert failed is True
    assert result["msg"] == (
        "Failed the GPU health check (fail_on=critical): GPU3 critical: NVML cannot open the GPU (GPU is lost): drain "
        "the node; a lost GPU needs a reset or a reboot; node critical: XID 79 in the kernel log (for a PCI address no "
        "GPU has)")


def test_health_thresholds_option():
    failed, result = run(gpu_health_module, {"snapshot": fixture("synthetic-unhealthy-thermal-slowdown.json"),
                                             "fail_on": "never", "thresholds": {"temperature_margin_c": 2}})
    assert failed is False
    assert [f["check"] for f in result["findings"]] == ["clocks_hw_thermal"]
    assert result["thresholds"]["temperature_margin_c"] == 2
    assert result["thresholds"]["xid_critical"] == [48, 61, 62, 64, 74, 79, 94, 95, 119, 120, 140]


@pytest.mark.parametrize("thresholds, text", [
    ({"temp_margin": 5}, "unknown threshold 'temp_margin'"),
    ({"xid_ignore": "13,31"}, "threshold xid_ignore must be a list of XID numbers, got '13,31'"),
    ({"pcie_replay_counter": -5}, "threshold pcie_replay_counter must be a number >= 0, got -5"),
])
def test_health_bad_thresholds_fail(thresholds, text):
    failed, result = run(gpu_health_module, {"snapshot": fixture("synthetic-hgx-h100x8-nvswitch.json"),
                                             "thresholds": thresholds})
    assert failed is True
    assert result["msg"].startswith("Failed to read the thresholds option due to: ")
    assert text in result["msg"]


@pytest.mark.parametrize("name", ["synthetic-unhealthy-combined.json", "synthetic-unhealthy-xid79.json",
                                  "synthetic-unhealthy-gpu-lost.json", "synthetic-unhealthy-v100-retired-pages.json"])
def test_health_live_equals_health_replayed(fake_node, name):
    replayed = run(gpu_health_module, {"snapshot": fixture(name), "fail_on": "never"})[1]
    failed, live = run(gpu_health_module, {"sysfs_root": fake_node(copy.deepcopy(raw(name))), "fail_on": "never"})
    assert failed is False
    assert live["findings"] == replayed["findings"]
    assert live["findings"]  # each of these snapshots has findings
    assert live["kernel_log_source"] == "journalctl"


# ------------------------------------------------------------------------------------------------
# gpu_gate_info: the three results from one snapshot
# ------------------------------------------------------------------------------------------------

ALL_FIXTURES = sorted(n for n in os.listdir(FIXTURES) if n.endswith(".json"))
# Results that carry the module run itself, not what was read.
RUN_KEYS = ("changed", "failed", "msg", "invocation")


def _without_run(result):
    return dict((k, v) for k, v in result.items() if k not in RUN_KEYS)


# (fixture, topology options, fail_on) -> the gate's parts equal the three modules' results, whether they pass
# or fail; case table over every recorded and synthetic snapshot, plus expectation cases.
GATE_CASES = [(name, {}, "never") for name in ALL_FIXTURES] + [
    ("h100x2-nvswitch.json", {"expect_fully_connected": True, "expect_min_nvlinks_per_pair": 18}, "critical"),
    ("synthetic-a100x4-nvlink-bridge-pairs.json", {"expect_fully_connected": True}, "critical"),
    ("synthetic-hgx-h100x8-nvswitch.json", {"expect_gpu_count": 4, "expect_min_nvlinks_per_pair": 18}, "warning"),
    ("synthetic-unhealthy-combined.json", {}, "critical"),
    ("synthetic-unhealthy-thermal-slowdown.json", {}, "warning"),
]


@pytest.mark.parametrize("name, topo_args, fail_on", GATE_CASES,
                         ids=["%s-%s-%s" % (c[0][:-5], "+".join(sorted(c[1])) or "plain", c[2]) for c in GATE_CASES])
def test_gate_returns_what_the_three_modules_return(name, topo_args, fail_on):
    snap = {"snapshot": fixture(name)}
    facts = run(nvidia_gpu_info, snap)[1]
    topo_failed, topo = run(nvlink_topology, dict(snap, **topo_args))
    health_failed, health = run(gpu_health_module, dict(snap, fail_on=fail_on))
    failed, gate = run(gpu_gate_info, dict(snap, fail_on=fail_on, **topo_args))
    assert gate["facts"] == _without_run(facts)
    assert gate["topology"] == _without_run(topo)
    assert gate["health"] == _without_run(health)
    assert (gate["gpu_count"], gate["reason"], gate["changed"]) == (facts["gpu_count"], facts["reason"], False)
    # The gate fails exactly when one of the two checking modules does, with both messages.
    assert failed is (topo_failed or health_failed)
    if failed:
        assert gate["msg"] == "; ".join(r["msg"] for f, r in ((topo_failed, topo), (health_failed, health)) if f)
    else:
        assert "msg" not in gate
    failing = gpu_health_utils.summarize(health["findings"], fail_on)["failing"]
    assert len(gate["problems"]) == len(topo["problems"]) + len(failing)
    assert gate["problems"][:len(topo["problems"])] == topo["problems"]


def test_gate_problems_name_the_pair_and_the_finding():
    failed, gate = run(gpu_gate_info, {"snapshot": fixture("synthetic-unhealthy-nvlink-inactive.json"),
                                       "expect_min_nvlinks_per_pair": 18})
    assert failed is True
    assert gate["problems"][0] == "GPU0-GPU6: 17 NVLinks, expected at least 18 (found NV17)"
    assert any(p.startswith("GPU") and " critical nvlink_inactive: " in p for p in gate["problems"]), gate["problems"]
    assert gate["msg"].startswith("Failed the NVLink topology expectations on this node: GPU0-GPU6: 17 NVLinks")
    assert "; Failed the GPU health check (fail_on=critical): " in gate["msg"]


def test_gate_refuses_bad_thresholds_before_reading():
    failed, result = run(gpu_gate_info, {"snapshot": "/nonexistent.json", "thresholds": {"nvlink_crc": -1}})
    assert failed is True
    assert result["msg"] == "Failed to read the thresholds option due to: threshold nvlink_crc must be a number >= 0, got -1"


@pytest.mark.parametrize("name", ["synthetic-hgx-h100x8-nvswitch.json", "synthetic-unhealthy-combined.json",
                                  "synthetic-pcie-4gpu-2numa.json"])
def test_gate_live_reads_nvml_once_and_equals_the_replay(fake_node, monkeypatch, name):
    sysfs = fake_node(copy.deepcopy(raw(name)))
    collected = []
    real_collect = gpu_snapshot.collect

    def counting_collect(**kwargs):
        collected.append(kwargs["parts"])
        return real_collect(**kwargs)

    monkeypatch.setattr(gpu_snapshot, "collect", counting_collect)
    failed, live = run(gpu_gate_info, {"sysfs_root": sysfs, "fail_on": "never"})
    assert failed is False
    assert collected == [("health", "nvlink", "pairs", "sysfs", "xid")]  # one snapshot with every part
    replayed = run(gpu_gate_info, {"snapshot": fixture(name), "fail_on": "never"})[1]
    assert live["facts"]["gpus"] == replayed["facts"]["gpus"]
    assert live["topology"]["matrix"] == replayed["topology"]["matrix"]
    assert live["health"]["findings"] == replayed["health"]["findings"]
    assert live["health"]["kernel_log_source"] == "journalctl"
    assert live["probe_seconds"] >= 0
