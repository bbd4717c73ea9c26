# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gpu_health on the synthetic snapshots: every check fires on some snapshot with the right severity,
GPU and evidence; healthy snapshots (synthetic and recorded) give nothing at warning or above."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_health
from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_snapshot

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "nvml")
HEALTHY = ["synthetic-hgx-h100x8-nvswitch.json", "synthetic-pcie-4gpu-2numa.json",
           "synthetic-a100x4-nvlink-bridge-pairs.json", "h100x1.json", "h100x2-nvswitch.json", "h200x2-nvswitch.json",
           "h200x4-nvswitch.json"]


def load(name):
    return gpu_snapshot.load(os.path.join(FIXTURES, name))


def findings(name, thresholds=None):
    return gpu_health.findings(load(name), thresholds)


def brief(found):
    return [(f["severity"], f["gpu"], f["check"]) for f in found]


# Every finding, in order (GPU by GPU, then XID events), of every unhealthy synthetic snapshot.
EXPECTED = {
    "synthetic-unhealthy-ecc.json": [("critical", 3, "ecc_uncorrected")],
    "synthetic-unhealthy-remap-pending.json": [("warning", 5, "row_remap_pending")],
    "synthetic-unhealthy-remap-failure.json": [("critical", 2, "row_remap_failure")],
    "synthetic-unhealthy-v100-retired-pages.json": [("warning", 1, "retired_pages_pending")],
    "synthetic-unhealthy-nvlink-inactive.json": [("critical", 6, "nvlink_inactive")],
    "synthetic-unhealthy-pcie-degraded.json": [("critical", 1, "pcie_width")],
    "synthetic-unhealthy-thermal-slowdown.json": [("critical", 4, "clocks_hw_thermal"), ("warning", 4, "temperature_margin")],
    "synthetic-unhealthy-xid79.json": [("critical", 0, "xid")],
    "synthetic-unhealthy-fabric-incomplete.json": [("critical", i, "fabric_state") for i in range(8)],
    "synthetic-unhealthy-power-capped.json": [("warning", 7, "power_capped")],
    "synthetic-unhealthy-gpu-lost.json": [("critical", 3, "gpu_unreachable"), ("critical", None, "xid"),
                                          ("warning", None, "xid")],
    "synthetic-unhealthy-combined.json": [
        ("critical", 0, "clocks_hw_slowdown"), ("warning", 0, "clocks_sw_thermal"), ("critical", 0, "clocks_hw_power_brake"),
        ("warning", 1, "pcie_replays"),
        ("warning", 2, "nvlink_errors"), ("warning", 2, "nvlink_errors"), ("warning", 2, "nvlink_errors"),
        ("critical", 3, "fabric_status"),
        ("info", 4, "persistence_off"),
        ("critical", 5, "ecc_uncorrected"), ("warning", 5, "row_remap_pending"),
        ("critical", 5, "xid"), ("warning", 5, "xid"),
    ],
    "synthetic-pcie-4gpu-2numa.json": [
        ("info", 0, "persistence_off"), ("info", 1, "persistence_off"), ("info", 2, "pcie_gen"), ("info", 2, "persistence_off"),
        ("info", 3, "pcie_gen"), ("info", 3, "persistence_off")],
    "synthetic-no-driver.json": [],
}

ALL_CHECKS = {"ecc_uncorrected", "row_remap_failure", "row_remap_pending", "retired_pages_pending", "temperature_margin",
              "power_capped", "pcie_width", "pcie_gen", "pcie_replays", "nvlink_inactive", "nvlink_errors", "fabric_state",
              "fabric_status", "persistence_off", "xid", "gpu_unreachable"} | set(
    "clocks_" + name for name, dummy, dummy2 in gpu_health.CLOCK_EVENTS.values())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_findings_of_each_snapshot(name):
    assert brief(findings(name)) == EXPECTED[name]


def test_every_check_is_produced_by_some_snapshot():
    produced = set()
    for name in EXPECTED:
        produced.update(f["check"] for f in findings(name))
    assert produced == ALL_CHECKS
    assert {"clocks_hw_slowdown", "clocks_sw_thermal", "clocks_hw_thermal", "clocks_hw_power_brake"} <= produced


@pytest.mark.parametrize("name", HEALTHY)
def test_healthy_snapshots_have_nothing_at_warning_or_above(name):
    found = findings(name)
    assert [f for f in found if f["severity"] != "info"] == []
    summary = gpu_health.summarize(found, "warning")
    assert summary["healthy"] is True and summary["failing"] == []


def test_every_finding_has_the_documented_shape():
    for name in EXPECTED:
        for f in findings(name):
            assert sorted(f) == ["check", "evidence", "gpu", "message", "severity"]
            assert f["severity"] in gpu_health.SEVERITIES
            assert f["message"] and f["evidence"]


# ------------------------------------------------------------------------------------------------
# evidence and messages, check by check
# ------------------------------------------------------------------------------------------------

def one(name, check, gpu=None):
    found = [f for f in findings(name) if f["check"] == check and (gpu is None or f["gpu"] == gpu)]
    assert len(found) == 1, found
    return found[0]


def test_ecc_uncorrected():
    f = one("synthetic-unhealthy-ecc.json", "ecc_uncorrected")
    assert f["evidence"] == {"ecc_uncorrected_volatile": 2, "ecc_uncorrected_aggregate": 5}
    assert f["message"].startswith("2 volatile uncorrectable ECC errors")
    assert "reset the GPU" in f["message"]


def test_row_remapping():
    f = one("synthetic-unhealthy-remap-pending.json", "row_remap_pending")
    assert f["evidence"] == {"remapped_rows": [0, 1, 1, 0]}
    assert "reset the GPU" in f["message"]
    f = one("synthetic-unhealthy-remap-failure.json", "row_remap_failure")
    assert f["evidence"] == {"remapped_rows": [0, 8, 0, 1]}
    assert "RMA" in f["message"]


def test_retired_pages_pending():
    f = one("synthetic-unhealthy-v100-retired-pages.json", "retired_pages_pending")
    assert (f["gpu"], f["evidence"]) == (1, {"retired_pages_pending": 1})


def test_clock_event_reasons_each_bit():
    combined = "synthetic-unhealthy-combined.json"
    for check, severity in (("clocks_hw_slowdown", "critical"), ("clocks_sw_thermal", "warning"),
                            ("clocks_hw_power_brake", "critical")):
        f = one(combined, check)
        assert (f["gpu"], f["severity"], f["evidence"]["clock_event_reasons"]) == (0, severity, "0xa8")
    f = one("synthetic-unhealthy-thermal-slowdown.json", "clocks_hw_thermal")
    assert (f["severity"], f["evidence"]) == ("critical", {"clock_event_reasons": "0x40", "temperature": 86})
    assert "HW_THERMAL" in f["message"]


@pytest.mark.parametrize("bit, check", [(0x8, "clocks_hw_slowdown"), (0x20, "clocks_sw_thermal"),
                                        (0x40, "clocks_hw_thermal"), (0x80, "clocks_hw_power_brake")])
def test_each_clock_bit_alone(bit, check):
    snap = load("synthetic-hgx-h100x8-nvswitch.json")
    snap["gpus"][2]["clock_event_reasons"] = bit | 0x1  # GPU idle (0x1) is no finding
    assert brief(gpu_health.findings(snap)) == [(gpu_health.CLOCK_EVENTS[bit][1], 2, check)]


def test_harmless_clock_reasons_are_no_finding():
    snap = load("synthetic-hgx-h100x8-nvswitch.json")
    snap["gpus"][0]["clock_event_reasons"] = 0x1 | 0x2 | 0x4 | 0x10 | 0x100  # idle, app clocks, SW power cap, sync boost
    assert gpu_health.findings(snap) == []


def test_temperature_margin():
    f = one("synthetic-unhealthy-thermal-slowdown.json", "temperature_margin")
    assert (f["gpu"], f["severity"], f["evidence"]) == (4, "warning", {"temperature": 86, "temperature_slowdown": 89})
    assert f["message"] == "86 C is 3 C from the slowdown threshold 89 C (margin wanted: 10 C)"
    assert [f for f in findings("synthetic-unhealthy-thermal-slowdown.json", {"temperature_margin_c": 3})
            if f["check"] == "temperature_margin"] == []
    assert len([f for f in findings("synthetic-unhealthy-thermal-slowdown.json", {"temperature_margin_c": 4})
                if f["check"] == "temperature_margin"]) == 1
    # with a 60 C margin every idle HGX GPU (30-35 C, slowdown 89 C) is too close
    assert brief(findings("synthetic-hgx-h100x8-nvswitch.json", {"temperature_margin_c": 60})) == [
        ("warning", i, "temperature_margin") for i in range(8)]


def test_power_capped():
    f = one("synthetic-unhealthy-power-capped.json", "power_capped")
    assert (f["gpu"], f["evidence"]) == (7, {"enforced_mw": 500000, "default_mw": 700000})
    assert f["message"] == "power limit 500 W is below the default 700 W"


def test_pcie_width_gen_and_replays():
    f = one("synthetic-unhealthy-pcie-degraded.json", "pcie_width")
    assert (f["gpu"], f["severity"], f["evidence"]) == (1, "critical", {"width": 8, "width_max": 16})
    assert "x8 of x16" in f["message"]
    f = one("synthetic-pcie-4gpu-2numa.json", "pcie_gen", gpu=3)
    assert (f["severity"], f["evidence"]) == ("info", {"gen": 1, "gen_max": 4})
    f = one("synthetic-unhealthy-combined.json", "pcie_replays")
    assert (f["gpu"], f["severity"], f["evidence"]) == (1, "warning", {"replay_counter": 312})
    assert f["message"] == "312 PCIe replays (threshold 100): the link is noisy"
    assert [f for f in findings("synthetic-unhealthy-combined.json", {"pcie_replay_counter": 312})
            if f["check"] == "pcie_replays"] == []  # above the threshold, not at it
    assert len([f for f in findings("synthetic-unhealthy-combined.json", {"pcie_replay_counter": 311})
                if f["check"] == "pcie_replays"]) == 1


def test_nvlink_inactive():
    f = one("synthetic-unhealthy-nvlink-inactive.json", "nvlink_inactive")
    assert (f["gpu"], f["evidence"]) == (6, {"inactive_links": [7]})
    assert f["message"] == "NVLink 7 inactive (17 of 18 active)"


def test_nvlink_errors():
    found = [f for f in findings("synthetic-unhealthy-combined.json") if f["check"] == "nvlink_errors"]
    assert [f["evidence"] for f in found] == [
        {"link": 3, "counter": "dl_replay", "value": 150},
        {"link": 3, "counter": "dl_recovery", "value": 2},
        {"link": 3, "counter": "dl_crc", "value": 120},
    ]
    assert found[0]["message"] == "NVLink 3: 150 dl_replay errors (threshold 100)"
    raised = findings("synthetic-unhealthy-combined.json", {"nvlink_replay": 200, "nvlink_recovery": 3, "nvlink_crc": 121})
    assert [f for f in raised if f["check"] == "nvlink_errors"] == []


def test_nvlink_error_counters_below_threshold_are_quiet():
    # Synthetic data: the synthetic HGX H100 x8 snapshot (all counters 0) given 11 CRC errors on GPU0 link 0, a
    # count below the default threshold (100) such as a busy link may accumulate. No recorded reading has any: every
    # NVLink error counter in h100x1, h100x2-nvswitch, h200x2-nvswitch and h200x4-nvswitch is 0.
    snap = load("synthetic-hgx-h100x8-nvswitch.json")
    assert all(v == 0 for g in snap["gpus"] for link in g["nvlinks"] for v in link.get("errors", {}).values())
    snap["gpus"][0]["nvlinks"][0]["errors"]["dl_crc"] = 11
    assert gpu_health.findings(snap) == []
    assert [f["evidence"] for f in gpu_health.findings(snap, {"nvlink_crc": 11})] == [
        {"link": 0, "counter": "dl_crc", "value": 11}]
    # a recovery is reported from the first one on (default threshold 1), a threshold of 0 does not mean "always"
    snap["gpus"][0]["nvlinks"][0]["errors"]["dl_recovery"] = 1
    assert [f["evidence"]["counter"] for f in gpu_health.findings(snap)] == ["dl_recovery"]
    snap["gpus"][0]["nvlinks"][0]["errors"]["dl_recovery"] = 0
    assert gpu_health.findings(snap, {"nvlink_recovery": 0, "nvlink_replay": 0}) == []


def test_nvlink_crc_counters_of_older_recordings():
    """Recordings made before the field-value read hold crc_flit/crc_data/ecc_data per link."""
    snap = load("synthetic-hgx-h100x8-nvswitch.json")
    snap["gpus"][1]["nvlinks"][5]["errors"] = {"dl_replay": 0, "dl_recovery": 0, "crc_flit": 101, "crc_data": 230,
                                               "ecc_data": 40}
    assert [(f["gpu"], f["evidence"]) for f in gpu_health.findings(snap)] == [
        (1, {"link": 5, "counter": "crc_flit", "value": 101}), (1, {"link": 5, "counter": "crc_data", "value": 230})]


def test_fabric_state_and_status():
    f = one("synthetic-unhealthy-fabric-incomplete.json", "fabric_state", gpu=0)
    assert (f["severity"], f["evidence"]) == ("critical", {"state": 2, "status": 0})
    assert "IN_PROGRESS" in f["message"] and "802" in f["message"]
    f = one("synthetic-unhealthy-combined.json", "fabric_status")
    assert (f["gpu"], f["severity"], f["evidence"]) == (3, "critical", {"state": 3, "status": 23})
    assert "23" in f["message"]


def test_fabric_not_supported_is_no_finding():
    # NVSwitch VM (recorded H200 pair): links go to the switch but the guest sees fabric state 0
    snap = load("h200x2-nvswitch.json")
    assert snap["gpus"][0]["fabric"] == {"state": 0, "status": 0}
    assert [f for f in gpu_health.findings(snap) if f["check"].startswith("fabric")] == []


def test_persistence_off():
    f = one("synthetic-unhealthy-combined.json", "persistence_off")
    assert (f["gpu"], f["severity"], f["evidence"]) == (4, "info", {"persistence_mode": 0})


def test_gpu_unreachable():
    f = one("synthetic-unhealthy-gpu-lost.json", "gpu_unreachable")
    assert (f["gpu"], f["severity"], f["evidence"]) == (3, "critical", {"handle_error": "ERR:GPU is lost"})
    assert "GPU is lost" in f["message"]


# ------------------------------------------------------------------------------------------------
# XID
# ------------------------------------------------------------------------------------------------

def test_xid_critical_attributed_to_the_gpu_by_pci_address():
    snap = load("synthetic-unhealthy-xid79.json")
    f = one("synthetic-unhealthy-xid79.json", "xid")
    assert (f["gpu"], f["severity"], f["evidence"]["xid"]) == (0, "critical", 79)
    assert f["evidence"]["line"] == snap["kernel_log"][1]
    assert f["message"] == "XID 79 in the kernel log"


def test_application_xid_is_ignored_unless_told_otherwise():
    assert 13 in gpu_health.DEFAULT_THRESHOLDS["xid_ignore"]
    found = findings("synthetic-unhealthy-xid79.json", {"xid_ignore": []})
    assert [(f["severity"], f["gpu"], f["evidence"]["xid"]) for f in found if f["check"] == "xid"] == [
        ("warning", 2, 13), ("critical", 0, 79)]


def test_xid_warning_and_critical_lists():
    found = [f for f in findings("synthetic-unhealthy-combined.json") if f["check"] == "xid"]
    assert [(f["severity"], f["gpu"], f["evidence"]["xid"]) for f in found] == [("critical", 5, 94), ("warning", 5, 63)]
    found = [f for f in findings("synthetic-unhealthy-combined.json", {"xid_critical": [63]}) if f["check"] == "xid"]
    assert [(f["severity"], f["evidence"]["xid"]) for f in found] == [("warning", 94), ("critical", 63)]


def test_xid_for_an_unknown_pci_address():
    found = [f for f in findings("synthetic-unhealthy-gpu-lost.json") if f["check"] == "xid"]
    assert [(f["severity"], f["gpu"], f["evidence"]["xid"]) for f in found] == [("critical", None, 79), ("warning", None, 154)]
    assert found[0]["message"] == "XID 79 in the kernel log (for a PCI address no GPU has)"


def test_parse_xids():
    gpus = load("synthetic-hgx-h100x8-nvswitch.json")["gpus"]
    lines = [
        "1795913999.551034 hgx kernel: NVRM: Xid (PCI:0000:18:00): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.",
        "[Sat Nov 28 02:59:40 2026] NVRM: Xid (PCI:00000000:9A:00): 48, pid=1, name=x, An uncorrectable double bit error",
        "2026-11-28T02:59:40+0000 NVRM: Xid (PCI:0000:3c:00.0): 92, pid=1, High single-bit ECC error rate",
        "NVRM: GPU at PCI:0000:18:00: GPU-...",
        "NVRM: Xid (PCI:0000:4e:00): 31, pid=1, name=x, MMU Fault",
    ]
    assert [(gpu, xid) for gpu, xid, dummy in gpu_health.parse_xids(lines, gpus)] == [
        (0, 79), (4, 48), (3, 92), (None, 31)]


# ------------------------------------------------------------------------------------------------
# thresholds and summary
# ------------------------------------------------------------------------------------------------

def test_merge_thresholds_defaults_and_overrides():
    assert gpu_health.merge_thresholds(None) == gpu_health.DEFAULT_THRESHOLDS
    merged = gpu_health.merge_thresholds({"temperature_margin_c": 15, "xid_ignore": [13, 31], "nvlink_crc": 0.5})
    assert merged["temperature_margin_c"] == 15 and merged["xid_ignore"] == [13, 31] and merged["nvlink_crc"] == 0.5
    assert merged["pcie_replay_counter"] == 100
    assert gpu_health.DEFAULT_THRESHOLDS["temperature_margin_c"] == 10  # the defaults are not modified


def test_merge_thresholds_refuses_unknown_keys():
    with pytest.raises(gpu_health.ThresholdError) as err:
        gpu_health.merge_thresholds({"temperature_margin": 5})
    assert "unknown threshold 'temperature_margin'" in str(err.value)
    assert "temperature_margin_c" in str(err.value)  # names the known ones


@pytest.mark.parametrize("key, value", [
    ("temperature_margin_c", "15"), ("temperature_margin_c", -1), ("temperature_margin_c", True),
    ("temperature_margin_c", None), ("pcie_replay_counter", [100]),
    ("xid_ignore", 13), ("xid_ignore", "13"), ("xid_ignore", [13, "31"]), ("xid_critical", [79.0]),
    ("xid_critical", [True]),
])
def test_merge_thresholds_refuses_bad_types(key, value):
    with pytest.raises(gpu_health.ThresholdError) as err:
        gpu_health.merge_thresholds({key: value})
    assert key in str(err.value) and repr(value) in str(err.value)


def test_findings_refuse_bad_thresholds():
    with pytest.raises(gpu_health.ThresholdError):
        findings("synthetic-unhealthy-ecc.json", {"bogus": 1})


def test_summarize_fail_on():
    ecc = findings("synthetic-unhealthy-ecc.json")
    capped = findings("synthetic-unhealthy-power-capped.json")
    info_only = findings("synthetic-pcie-4gpu-2numa.json")

    summary = gpu_health.summarize(ecc, "critical")
    assert summary["counts"] == {"critical": 1, "warning": 0, "info": 0}
    assert summary["healthy"] is False
    assert brief(summary["failing"]) == [("critical", 3, "ecc_uncorrected")]
    assert brief(gpu_health.summarize(ecc, "warning")["failing"]) == [("critical", 3, "ecc_uncorrected")]
    assert gpu_health.summarize(ecc, "never")["failing"] == []
    assert gpu_health.summarize(ecc, "never")["healthy"] is False  # never only stops failing

    assert gpu_health.summarize(capped, "critical")["failing"] == []
    assert gpu_health.summarize(capped, "critical")["healthy"] is True
    assert brief(gpu_health.summarize(capped, "warning")["failing"]) == [("warning", 7, "power_capped")]

    assert gpu_health.summarize(info_only, "warning")["failing"] == []
    assert gpu_health.summarize(info_only, "warning")["counts"] == {"critical": 0, "warning": 0, "info": 6}

    combined = gpu_health.summarize(findings("synthetic-unhealthy-combined.json"), "warning")
    assert combined["counts"] == {"critical": 5, "warning": 7, "info": 1}
    assert len(combined["failing"]) == 12
