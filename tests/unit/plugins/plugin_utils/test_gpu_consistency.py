# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gpu_consistency (plugin_utils): node summaries from real module results (gpu_gate_info, and the three GPU
modules used alone, run in-process on snapshot files; every summary test runs on both routes), then the
cross-node comparison and its table."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os

import pytest

from ansible.module_utils import basic

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import gpu_consistency as gc
from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_snapshot
from ansible_collections.privateai.deepseek_dify.plugins.modules import gpu_gate_info, gpu_health, nvidia_gpu_info, nvlink_topology
from ansible_collections.privateai.deepseek_dify.tests.unit.plugins.modules.utils import (
    AnsibleExitJson, AnsibleFailJson, exit_json, fail_json, set_module_args)

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "nvml", "h100x2-nvswitch.json")
H100 = "NVIDIA H100 80GB HBM3"
NO_PYNVML = "the pynvml module is not installed (pip package nvidia-ml-py)"


@pytest.fixture(autouse=True)
def patch_module(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


def base():
    with open(FIXTURE) as handle:
        return json.load(handle)


def _run(module, args):
    """The module's result as `register` sees it, whether it exited or failed."""
    with set_module_args(args):
        try:
            module.main()
        except (AnsibleExitJson, AnsibleFailJson) as exc:
            return exc.args[0]
    raise AssertionError("module neither exited nor failed")


def _summary_from_modules(path, options):
    facts = _run(nvidia_gpu_info, {"snapshot": path})
    topo_args = {"snapshot": path, "expect_fully_connected": options["expect_fully_connected"]}
    if options["min_nvlinks_per_pair"]:
        topo_args["expect_min_nvlinks_per_pair"] = options["min_nvlinks_per_pair"]
    topology = _run(nvlink_topology, topo_args)
    health = _run(gpu_health, {"snapshot": path, "fail_on": options["fail_on"]})
    return gc.node_summary(facts, topology, health, **options)


def _summary_from_gate(path, options):
    args = {"snapshot": path, "expect_fully_connected": options["expect_fully_connected"],
            "fail_on": options["fail_on"]}
    if options["min_nvlinks_per_pair"]:
        args["expect_min_nvlinks_per_pair"] = options["min_nvlinks_per_pair"]
    return gc.gate_node_summary(_run(gpu_gate_info, args), **options)


@pytest.fixture(params=[_summary_from_modules, _summary_from_gate], ids=["three-modules", "gate"])
def node(tmp_path, request):
    """node(snapshot dict, **options) -> the summary gpu_validate builds, from gpu_gate_info's result (the role's
    route) or from the three modules' results (the filter's other form); both must give the same summary."""
    counter = [0]

    def build(snap, expect_gpus=True, expected=None, group="all", fail_on="critical", fully_connected=False,
              min_links=None):
        counter[0] += 1
        path = tmp_path / ("snap-%d.json" % counter[0])
        path.write_text(json.dumps(snap))
        return request.param(str(path), dict(expect_gpus=expect_gpus, expected=expected, group=group, fail_on=fail_on,
                                             expect_fully_connected=fully_connected, min_nvlinks_per_pair=min_links))

    return build


def no_gpu(reason=NO_PYNVML):
    return gpu_snapshot.empty(reason)


def other_driver(version="570.86.15"):
    snap = base()
    snap["driver_version"] = version
    return snap


def thin_links(active=12):
    """Both GPUs with only `active` of their 18 NVLinks up."""
    snap = base()
    for g in snap["gpus"]:
        for link in g["nvlinks"]:
            if link["link"] >= active:
                link["state"] = 0
    return snap


def ecc_errors(count=3):
    snap = base()
    snap["gpus"][0]["ecc_uncorrected_volatile"] = count
    return snap


def rows_of(result):
    return [(r["node"], r["field"]) for r in result["rows"]]


# ---------------------------------------------------------------------------------------------
# node_summary
# ---------------------------------------------------------------------------------------------

def test_summary_of_a_healthy_h100_node(node):
    s = node(base(), fully_connected=True, min_links=18)
    assert s["gpu_count"] == 2
    assert s["reason"] is None
    assert s["driver_version"] == "580.159.04"
    assert s["cuda_driver_version"] == "13.0"
    assert s["gpu_model"] == H100
    assert s["gpu_models"] == [H100, H100]
    assert s["nvswitch"] is True
    assert s["nvlink_shape"].startswith("2 GPUs via NVSwitch")
    assert s["health"]["healthy"] is True
    assert s["problems"] == []
    assert s["status"].startswith("2x %s, driver 580.159.04 (CUDA 13.0), 2 GPUs via NVSwitch" % H100)


def test_summary_without_pynvml_says_why_and_whether_expected(node):
    s = node(no_gpu(), expect_gpus=False)
    assert s["gpu_count"] == 0
    assert s["reason"] == NO_PYNVML
    assert s["driver_version"] is None
    assert s["problems"] == []
    assert s["status"] == "no NVIDIA GPU (%s), not expected here" % NO_PYNVML
    expected = node(no_gpu(), expect_gpus=True)
    assert expected["status"].startswith("no NVIDIA GPU (%s), but GPUs are expected" % NO_PYNVML)


def test_thin_nvlink_pairs_and_inactive_links_are_problems(node):
    s = node(thin_links(12), fully_connected=True, min_links=18)
    nvlink = [p for p in s["problems"] if p["field"] == "nvlink"]
    assert nvlink == [{"field": "nvlink", "found": "GPU0-GPU1: 12 NVLinks (NV12)",
                       "expected": "every GPU pair on NVLink, at least 18 NVLinks per pair"}]
    health = [p for p in s["problems"] if p["field"] == "health"]
    assert [p["found"].split(":")[0] for p in health] == ["GPU0 critical nvlink_inactive", "GPU1 critical nvlink_inactive"]
    assert all(p["expected"] == "no critical finding" for p in health)
    assert s["health"]["healthy"] is False
    assert s["status"].endswith("; 3 problems")


def test_health_fail_on_decides_which_findings_are_problems(node):
    assert [p["field"] for p in node(ecc_errors(), fail_on="critical")["problems"]] == ["health"]
    never = node(ecc_errors(), fail_on="never")
    assert never["problems"] == []
    assert never["health"]["counts"]["critical"] == 1  # still counted
    assert never["health"]["healthy"] is False


def test_module_errors_become_one_row_per_message():
    broken = {"failed": True, "msg": "Failed to read the NVML snapshot '/x' due to: cannot read snapshot /x"}
    s = gc.node_summary(broken, broken, {"failed": True, "msg": "other"})
    assert s["problems"] == [
        {"field": "nvidia_gpu_info, nvlink_topology", "found": broken["msg"], "expected": "the module to run"},
        {"field": "gpu_health", "found": "other", "expected": "the module to run"},
    ]


@pytest.mark.parametrize("gate, row", [
    ({"failed": True, "msg": "Failed to read the NVML snapshot '/x' due to: cannot read snapshot /x"},
     {"field": "gpu_gate_info", "found": "Failed to read the NVML snapshot '/x' due to: cannot read snapshot /x",
      "expected": "the module to run"}),
    ("not a result", {"field": "gpu_gate_info", "found": "no result", "expected": "the module to run"}),
], ids=["unreadable-snapshot", "no-result"])
def test_a_gate_that_failed_before_reading_is_one_row_naming_it(gate, row):
    s = gc.gate_node_summary(gate)
    assert s["problems"] == [row]
    assert (s["gpu_count"], s["driver_version"]) == (None, None)


def test_a_gate_stopped_by_expect_gpus_is_a_node_without_gpus():
    gate = {"failed": True, "msg": "Failed to find NVIDIA GPUs ...", "gpu_count": 0, "reason": NO_PYNVML}
    s = gc.gate_node_summary(gate, expect_gpus=True)
    assert s["problems"] == []  # the missing GPUs are the comparison's row, not a module error
    assert (s["gpu_count"], s["reason"]) == (0, NO_PYNVML)
    assert s["status"] == "no NVIDIA GPU (%s), but GPUs are expected (gpu_validate_expect_gpus)" % NO_PYNVML


@pytest.mark.parametrize("name", ["h100x2-nvswitch.json", "synthetic-unhealthy-combined.json",
                                  "synthetic-a100x4-nvlink-bridge-pairs.json", "synthetic-no-driver.json"])
def test_both_routes_give_the_same_summary(tmp_path, name):
    path = os.path.join(os.path.dirname(FIXTURE), name)
    options = dict(expect_gpus=True, expected={"gpu_count": 8}, group="all", fail_on="warning",
                   expect_fully_connected=True, min_nvlinks_per_pair=18)
    assert _summary_from_gate(path, options) == _summary_from_modules(path, options)


def test_mixed_models_in_one_node_are_named_with_counts(node):
    snap = base()
    snap["gpus"][1]["name"] = "NVIDIA H100 PCIe"
    assert node(snap)["gpu_model"] == "NVIDIA H100 80GB HBM3 x1, NVIDIA H100 PCIe x1"


def test_explicit_expectations_drop_nulls():
    s = gc.node_summary({"gpu_count": 0, "reason": "x"}, {}, {},
                        expected={"gpu_count": None, "driver_version": "580.159.04", "gpu_model": ""})
    assert s["expected"] == {"driver_version": "580.159.04"}


# ---------------------------------------------------------------------------------------------
# check: consistency across nodes
# ---------------------------------------------------------------------------------------------

def test_identical_nodes_are_consistent(node):
    a = node(base())
    result = gc.check({"gpu01": a, "gpu02": copy.deepcopy(a), "gpu03": copy.deepcopy(a)})
    assert result["consistent"] is True
    assert result["table"] == ""
    assert result["rows"] == [] and result["deviations"] == {}
    assert result["gpu_total"] == 6
    assert result["nodes_with_gpus"] == ["gpu01", "gpu02", "gpu03"]
    ref = result["groups"]["all"]["reference"]
    assert ref["gpu_count"] == 2  # the original value, not its text
    assert ref["driver_version"] == "580.159.04" and ref["gpu_model"] == H100 and ref["cuda_driver_version"] == "13.0"


def test_the_odd_driver_out_is_held_against_the_majority(node):
    result = gc.check({"gpu01": node(base()), "gpu02": node(other_driver()), "gpu03": node(base())})
    assert result["consistent"] is False
    assert rows_of(result) == [("gpu02", "driver_version")]
    assert result["rows"][0]["found"] == "570.86.15"
    assert result["rows"][0]["expected"] == "580.159.04 (majority, 2 of 3 nodes)"
    assert list(result["deviations"]) == ["gpu02"]
    assert result["table"].splitlines()[0] == "GPU gate: 1 of 3 nodes deviates"
    assert result["groups"]["all"]["values"]["driver_version"] == {"580.159.04": 2, "570.86.15": 1}


def test_an_even_split_has_no_majority_and_lists_every_node(node):
    result = gc.check({"node-1": node(base()), "node-2": node(other_driver())})
    assert rows_of(result) == [("node-1", "driver_version"), ("node-2", "driver_version")]
    assert result["rows"][1]["expected"] == "no majority: 580.159.04 on 1 node, 570.86.15 on 1 node"
    assert result["groups"]["all"]["reference"]["driver_version"] is None
    table = result["table"]
    assert "node-2" in table and "570.86.15" in table and "580.159.04" in table


def test_an_explicit_expected_value_wins_over_the_majority(node):
    summaries = {"gpu01": node(other_driver()), "gpu02": node(other_driver()), "gpu03": node(base())}
    result = gc.check(summaries, expected={"driver_version": "580.159.04"})
    assert rows_of(result) == [("gpu01", "driver_version"), ("gpu02", "driver_version")]
    assert result["rows"][0]["expected"] == "580.159.04 (expected)"
    # the node's own expectation (from its host vars) wins over the argument
    summaries = {"gpu01": node(other_driver(), expected={"driver_version": "570.86.15"}), "gpu02": node(base())}
    result = gc.check(summaries, expected={"driver_version": "580.159.04"})
    assert rows_of(result) == []


def test_expected_count_compares_as_text(node):
    # a templated inventory value ("{{ privateai_expected_gpu.count_per_node }}") may arrive as text
    assert gc.check({"a": node(base(), expected={"gpu_count": "2"})})["consistent"] is True
    result = gc.check({"a": node(base(), expected={"gpu_count": 8})})
    assert result["rows"] == [{"node": "a", "field": "gpu_count", "found": "2", "expected": "8 (expected)"}]


def test_count_model_and_shape_deviations(node):
    one_gpu = base()
    one_gpu["gpus"] = one_gpu["gpus"][:1]
    one_gpu["pairs"] = {}
    other_model = base()
    for g in other_model["gpus"]:
        g["name"] = "NVIDIA H200"
    result = gc.check({"g1": node(base()), "g2": node(base()), "g3": node(one_gpu), "g4": node(other_model)})
    assert rows_of(result) == [("g3", "gpu_count"), ("g3", "nvlink_shape"), ("g4", "gpu_model")]
    assert result["rows"][0]["expected"] == "2 (majority, 3 of 4 nodes)"


def test_a_node_without_gpus_among_gpu_nodes_is_a_deviation_and_not_compared_further(node):
    result = gc.check({"gpu01": node(base()), "gpu02": node(no_gpu("no NVIDIA driver: NVML says 'Driver Not Loaded'")),
                       "gpu03": node(base())})
    assert result["rows"] == [{"node": "gpu02", "field": "gpu_count",
                               "found": "0: no NVIDIA driver: NVML says 'Driver Not Loaded'",
                               "expected": "2 (majority, 2 of 2 nodes)"}]
    assert result["nodes_without_gpus"] == ["gpu02"]


def test_a_node_without_gpus_uses_the_explicit_count_or_says_at_least_one(node):
    result = gc.check({"a": node(no_gpu(), expected={"gpu_count": 8})})
    assert result["rows"][0]["expected"] == "8 (expected)"
    result = gc.check({"a": node(no_gpu()), "b": node(no_gpu())})
    assert [r["expected"] for r in result["rows"]] == ["at least 1 (gpu_validate_expect_gpus)"] * 2


def test_lab_nodes_without_gpus_that_expect_none_pass(node):
    summaries = {"node-1": node(no_gpu(), expect_gpus=False), "node-2": node(no_gpu(), expect_gpus=False)}
    result = gc.check(summaries)
    assert result["consistent"] is True
    assert result["gpu_total"] == 0
    assert result["nodes_without_gpus"] == ["node-1", "node-2"]
    assert result["nodes"]["node-1"] == "no NVIDIA GPU (%s), not expected here" % NO_PYNVML
    assert result["groups"]["all"]["reference"] == dict((f, None) for f in gc.COMPARED)


def test_groups_are_compared_separately(node):
    h200 = base()
    for g in h200["gpus"]:
        g["name"] = "NVIDIA H200"
    summaries = {"a1": node(base(), group="h100"), "a2": node(base(), group="h100"),
                 "b1": node(h200, group="h200"), "b2": node(h200, group="h200")}
    result = gc.check(summaries)
    assert result["consistent"] is True
    assert sorted(result["groups"]) == ["h100", "h200"]
    assert result["groups"]["h200"]["reference"]["gpu_model"] == "NVIDIA H200"
    # the same nodes as one group: an even split of models
    result = gc.check(summaries, groups=dict((h, "all") for h in summaries))
    assert [f for n, f in rows_of(result)] == ["gpu_model"] * 4


def test_the_table_names_the_group_when_there_are_several(node):
    result = gc.check({"a1": node(base()), "a2": node(base()), "a3": node(other_driver())},
                      groups={"a1": "x", "a2": "x", "a3": "x"})
    assert "group" not in result["table"].splitlines()[1]  # one group: no column
    result = gc.check({"a1": node(base()), "a2": node(base()), "a3": node(other_driver()), "b1": node(base())},
                      groups={"a1": "x", "a2": "x", "a3": "x", "b1": "y"})
    assert result["rows"] == [{"node": "a3", "group": "x", "field": "driver_version", "found": "570.86.15",
                               "expected": "580.159.04 (majority, 2 of 3 nodes)"}]
    lines = result["table"].splitlines()
    assert lines[0] == "GPU gate: 1 of 4 nodes deviates (compared within 2 groups: x, y)"
    assert lines[1].split(" | ")[:3] == ["node", "group", "field         "]


def test_per_node_problems_join_the_table(node):
    result = gc.check({"gpu01": node(base()), "gpu02": node(ecc_errors())})
    assert rows_of(result) == [("gpu02", "health")]
    assert result["rows"][0]["found"].startswith("GPU0 critical ecc_uncorrected: 3 volatile uncorrectable ECC errors")


# ---------------------------------------------------------------------------------------------
# render_table
# ---------------------------------------------------------------------------------------------

def test_table_is_fixed_width_with_one_row_per_deviation():
    rows = [{"node": "gpu01", "field": "driver_version", "found": "570.86.15", "expected": "580.159.04 (majority, 3 of 4 nodes)"},
            {"node": "gpu-long-name-02", "field": "gpu_count", "found": "0: no driver", "expected": "8 (expected)"}]
    lines = gc.render_table(rows, title="T").splitlines()
    assert lines[0] == "T"
    assert lines[1].split(" | ")[0].rstrip() == "node"
    assert lines[1].endswith("majority/expected")
    assert set(lines[2]) == {"-", "+"}
    # the column separators line up on every line
    bars = [[i for i, c in enumerate(line) if c == "|"] for line in (lines[1], lines[3], lines[4])]
    assert bars[0] == bars[1] == bars[2]
    assert [i for i, c in enumerate(lines[2]) if c == "+"] == bars[0]
    assert lines[3].startswith("gpu01            | driver_version | 570.86.15")


def test_long_values_wrap_onto_continuation_lines():
    long = "GPU0 critical ecc_uncorrected: " + "x" * 150
    lines = gc.render_table([{"node": "n", "field": "health", "found": long, "expected": "no critical finding"}]).splitlines()
    body = lines[2:]
    assert len(body) == 3  # 150+ characters at 64 per line
    assert body[0].startswith("n    | health | GPU0 critical")
    assert body[1].startswith("     |        | ")
    assert all(len(line.split(" | ")[2].rstrip()) <= gc.WRAP for line in body)
    assert "no critical finding" in body[0] and "no critical finding" not in body[1]
