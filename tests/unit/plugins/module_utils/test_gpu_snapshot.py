# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gpu_snapshot: the replay backend (load) and the live backend (collect) run against a fake pynvml
(fake_pynvml.FakePynvml, a test double built from the snapshot format) and a fake sysfs tree.

Round trip: collect(pynvml=FakePynvml(snapshot)) must give back the snapshot's gpus, pairs, sysfs and
kernel log. What it cannot reproduce, and is therefore not compared:
- ``source`` ("live on <host>"), ``probe_seconds`` and ``kernel_log_source`` describe the run, not the node;
- sysfs paths are found under the fake tree's root; they are compared after mapping that root to /sys;
- ``cpu_affinity`` depends on os.cpu_count() (collect asks NVML for that many CPUs' worth of words), so
  os.cpu_count() is set to the snapshot machine's CPU count.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import functools
import json
import os
import sys

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_snapshot
from ansible_collections.privateai.deepseek_dify.tests.unit.plugins.module_utils.fake_pynvml import (
    FakePynvml, FakeSysfs, NVMLError)

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "nvml")
LIVE_SYNTHETIC = [
    "synthetic-hgx-h100x8-nvswitch.json", "synthetic-pcie-4gpu-2numa.json", "synthetic-a100x4-nvlink-bridge-pairs.json",
    "synthetic-unhealthy-v100-retired-pages.json", "synthetic-unhealthy-combined.json", "synthetic-unhealthy-gpu-lost.json",
    "synthetic-unhealthy-nvlink-inactive.json", "synthetic-unhealthy-xid79.json", "synthetic-unhealthy-fabric-incomplete.json",
]
NOT_RUN = ("source", "probe_seconds", "kernel_log_source", "reference")


def load(name):
    return gpu_snapshot.load(os.path.join(FIXTURES, name))


def raw(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return json.load(handle)


def machine_cpus(snap):
    cpus = [c for g in snap["gpus"] for c in (g.get("cpu_affinity") or [])]
    return max(cpus) + 1 if cpus else 1


class FakeJournal(object):
    """run_command for read_kernel_xids: answers journalctl with the snapshot's kernel log lines
    mixed with other kernel lines (which collect must drop)."""

    def __init__(self, lines, rc=0):
        self.lines = lines
        self.rc = rc
        self.argvs = []

    def __call__(self, argv):
        self.argvs.append(list(argv))
        noise = ["1795900000.000001 host kernel: mlx5_core 0000:19:00.0: Port module event: module 0, Cable plugged",
                 "1795900000.000002 host kernel: NVRM: loading NVIDIA UNIX x86_64 Kernel Module  580.159.04"]
        return self.rc, "\n".join(noise + list(self.lines)) + "\n", ""


@pytest.fixture
def live(tmp_path, monkeypatch):
    """collect() on a fake node made from a snapshot: returns (collected, fake pynvml, fake sysfs, journal)."""
    original = gpu_snapshot.read_kernel_xids
    monkeypatch.setattr(gpu_snapshot, "read_kernel_xids",
                        functools.partial(original, which=lambda name: "/usr/bin/" + name))

    def run(snap, **kwargs):
        monkeypatch.setattr(os, "cpu_count", lambda: machine_cpus(snap))
        fake = FakePynvml(snap, init_error=kwargs.pop("init_error", None))
        fs = FakeSysfs(tmp_path / "sys", snap, kernel_module_version=kwargs.pop("kernel_module_version", None))
        journal = FakeJournal(snap.get("kernel_log", []))
        collected = gpu_snapshot.collect(sysfs_root=fs.root, run_command=journal, pynvml=fake, **kwargs)
        return collected, fake, fs, journal

    return run


# ------------------------------------------------------------------------------------------------
# load
# ------------------------------------------------------------------------------------------------

def test_load_missing_file_names_it(tmp_path):
    path = str(tmp_path / "nope.json")
    with pytest.raises(gpu_snapshot.SnapshotError) as err:
        gpu_snapshot.load(path)
    assert str(err.value).startswith("cannot read snapshot %s: " % path)
    assert "No such file" in str(err.value)


def test_load_not_json_names_it(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(u'{"format": "privateai-nvml-snapshot/1", "gpus": [')
    with pytest.raises(gpu_snapshot.SnapshotError) as err:
        gpu_snapshot.load(str(path))
    assert str(err.value).startswith("snapshot %s is not JSON: " % path)


@pytest.mark.parametrize("content, found", [
    ({"format": "privateai-nvml-snapshot/0", "gpus": [], "pairs": {}}, "'privateai-nvml-snapshot/0'"),
    ({"gpus": [], "pairs": {}}, "None"),
    ([1, 2], "None"),
])
def test_load_wrong_format_names_it(tmp_path, content, found):
    path = tmp_path / "other.json"
    path.write_text(json.dumps(content))
    with pytest.raises(gpu_snapshot.SnapshotError) as err:
        gpu_snapshot.load(str(path))
    assert str(err.value) == "snapshot %s is not in format privateai-nvml-snapshot/1 (found format %s)" % (path, found)


@pytest.mark.parametrize("missing", ["gpus", "pairs"])
def test_load_incomplete_names_it(tmp_path, missing):
    content = {"format": gpu_snapshot.FORMAT, "gpus": [], "pairs": {}}
    del content[missing]
    path = tmp_path / "part.json"
    path.write_text(json.dumps(content))
    with pytest.raises(gpu_snapshot.SnapshotError) as err:
        gpu_snapshot.load(str(path))
    assert str(err.value) == "snapshot %s has no '%s'" % (path, missing)


def test_load_fills_optional_sections(tmp_path):
    path = tmp_path / "min.json"
    path.write_text(json.dumps({"format": gpu_snapshot.FORMAT, "gpus": [], "pairs": {}}))
    snap = gpu_snapshot.load(str(path))
    assert snap["sysfs"] == {"gpu_paths": {}, "nics": []}
    assert snap["kernel_log"] == []


def test_every_fixture_loads_and_synthetic_ones_say_so():
    names = sorted(n for n in os.listdir(FIXTURES) if n.endswith(".json"))
    assert len([n for n in names if n.startswith("synthetic-")]) >= 16
    for name in names:
        snap = load(name)
        if name.startswith("synthetic-"):
            assert snap["source"].startswith("synthetic: "), name
            for g in snap["gpus"]:
                assert "handle_error" in g or g["name"].startswith(("NVIDIA ", "Tesla ")), name
            # every ordered pair of the GPUs NVML could open, and nothing else
            opened = [g["index"] for g in snap["gpus"] if "handle_error" not in g]
            assert sorted(snap["pairs"]) == sorted("%d-%d" % (a, b) for a in opened for b in opened if a != b), name


@pytest.mark.parametrize("nvml, sysfs", [
    ("00000000:18:00.0", "0000:18:00.0"), ("00000000:9A:00.0", "0000:9a:00.0"), ("0000:C1:00.0", "0000:c1:00.0"),
])
def test_sysfs_bus_id(nvml, sysfs):
    assert gpu_snapshot.sysfs_bus_id(nvml) == sysfs


# ------------------------------------------------------------------------------------------------
# collect against the fake pynvml: round trip
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", LIVE_SYNTHETIC)
def test_collect_round_trips_the_snapshot(live, name):
    snap = raw(name)
    collected, fake, fs, journal = live(copy.deepcopy(snap))
    for key in ("format", "nvml_available", "reason", "driver_version", "cuda_driver_version", "nvml_version",
                "kernel_module_version"):
        assert (key, collected[key]) == (key, snap[key])
    assert len(collected["gpus"]) == len(snap["gpus"])
    for mine, theirs in zip(collected["gpus"], snap["gpus"]):
        for key in sorted(set(mine) | set(theirs)):
            assert (mine["index"], key, mine.get(key)) == (theirs["index"], key, theirs.get(key))
    assert collected["pairs"] == snap["pairs"]
    assert collected["kernel_log"] == snap["kernel_log"]
    sysfs = {"gpu_paths": dict((bdf, fs.to_sys(p)) for bdf, p in collected["sysfs"]["gpu_paths"].items()),
             "nics": [dict(nic, path=fs.to_sys(nic["path"])) for nic in collected["sysfs"]["nics"]]}
    assert sysfs == snap["sysfs"]
    assert set(collected) - set(snap) <= set(NOT_RUN)
    assert collected["source"].startswith("live on ")
    assert collected["kernel_log_source"] == "journalctl"
    assert isinstance(collected["probe_seconds"], float)
    # NVML was opened once and closed once, and every question was asked of an initialised library
    names = [c[0] for c in fake.calls]
    assert names[0] == "nvmlInit" and names[-1] == "nvmlShutdown" and names.count("nvmlShutdown") == 1


def test_collect_asks_nvml_with_the_real_constants(live):
    collected, fake, dummy, dummy2 = live(raw("synthetic-hgx-h100x8-nvswitch.json"))
    ecc = [c[1][1:] for c in fake.calls if c[0] == "nvmlDeviceGetTotalEccErrors"]
    assert set(ecc) == {(1, 0), (1, 1)}  # UNCORRECTED x (VOLATILE, AGGREGATE)
    assert {c[1][1] for c in fake.calls if c[0] == "nvmlDeviceGetTemperature"} == {0}  # NVML_TEMPERATURE_GPU
    assert {c[1][1] for c in fake.calls if c[0] == "nvmlDeviceGetTemperatureThreshold"} == {1}  # SLOWDOWN
    assert {c[1][2] for c in fake.calls if c[0] == "nvmlDeviceGetP2PStatus"} == {0, 1, 2, 3}
    # NVLink error counters: one nvmlDeviceGetFieldValues call per GPU for all links (scoped fields 161-163)
    fields = [c[1][1] for c in fake.calls if c[0] == "nvmlDeviceGetFieldValues"]
    assert len(fields) == 8
    assert sorted(fields[0]) == sorted((fid, link) for fid in (161, 162, 163) for link in range(18))
    assert "nvmlDeviceGetNvLinkErrorCounter" not in [c[0] for c in fake.calls]
    # links are walked until NVML refuses the link number (18 links, then Invalid Argument for link 18)
    states = [c[1][1] for c in fake.calls if c[0] == "nvmlDeviceGetNvLinkState" and c[1][0].index == 0]
    assert states == list(range(19))
    assert collected["gpus"][0]["nvlinks"][-1] == {"link": 18, "state": "ERR:Invalid Argument"}


def test_collect_falls_back_to_per_link_error_counters(live):
    """Where a field value is not answered, every counter is read with nvmlDeviceGetNvLinkErrorCounter
    (the five NVML counters: what older recordings hold)."""
    snap = raw("synthetic-a100x4-nvlink-bridge-pairs.json")
    for g in snap["gpus"]:
        for link in g["nvlinks"][:-1]:
            link["errors"] = {"dl_replay": 0, "dl_recovery": 0, "crc_flit": 3, "crc_data": 1, "ecc_data": 0}
    collected, fake, dummy, dummy2 = live(copy.deepcopy(snap))
    assert [g["nvlinks"] for g in collected["gpus"]] == [g["nvlinks"] for g in snap["gpus"]]
    assert {c[1][2] for c in fake.calls if c[0] == "nvmlDeviceGetNvLinkErrorCounter"} == {0, 1, 2, 3, 4}
    assert len([c for c in fake.calls if c[0] == "nvmlDeviceGetNvLinkErrorCounter"]) == 4 * 12 * 5


def test_collect_reads_the_kernel_log_for_the_lookback(live):
    dummy, dummy2, dummy3, journal = live(raw("synthetic-unhealthy-xid79.json"), xid_lookback_hours=6)
    assert journal.argvs[0][0] == "journalctl"
    assert "-k" in journal.argvs[0]
    assert journal.argvs[0][journal.argvs[0].index("--since") + 1] == "-6h"


def test_collect_falls_back_to_sysfs_for_numa_and_cpus(live):
    snap = raw("synthetic-hgx-h100x8-nvswitch.json")
    snap["gpus"][0]["numa_source"] = "sysfs"  # the fake answers nvmlDeviceGetNumaNodeId NOT_SUPPORTED
    snap["gpus"][5]["numa_source"] = "sysfs"
    expected_cpus = snap["gpus"][5]["cpu_affinity"]
    snap["gpus"][5]["cpu_affinity"] = None  # ... and nvmlDeviceGetCpuAffinity NOT_SUPPORTED
    collected, dummy, fs, dummy2 = live(snap)
    assert (collected["gpus"][0]["numa_node"], collected["gpus"][0]["numa_source"]) == (0, "sysfs")
    assert (collected["gpus"][5]["numa_node"], collected["gpus"][5]["numa_source"]) == (1, "sysfs")
    assert collected["gpus"][5]["cpu_affinity"] is None  # no local_cpulist in the tree yet
    with open(fs.path("bus", "pci", "devices", "0000:9c:00.0", "local_cpulist"), "w") as handle:
        handle.write("56-111,168-223\n")
    collected = gpu_snapshot.collect(sysfs_root=fs.root, pynvml=FakePynvml(snap), parts=())
    assert collected["gpus"][5]["cpu_affinity"] == expected_cpus


def test_collect_numa_unknown_everywhere(live):
    snap = raw("synthetic-a100x4-nvlink-bridge-pairs.json")
    snap["gpus"][2]["numa_source"] = "none"
    snap["gpus"][2]["numa_node"] = None  # FakeSysfs writes -1, as the kernel does without NUMA
    collected = live(snap)[0]
    assert (collected["gpus"][2]["numa_node"], collected["gpus"][2]["numa_source"]) == (None, "none")


def test_collect_parts_limit_what_is_read(live):
    collected, fake, dummy, journal = live(raw("synthetic-hgx-h100x8-nvswitch.json"), parts=())
    names = set(c[0] for c in fake.calls)
    assert "nvmlDeviceGetNvLinkState" not in names and "nvmlDeviceGetTopologyCommonAncestor" not in names
    assert "nvmlDeviceGetTotalEccErrors" not in names
    assert collected["pairs"] == {} and journal.argvs == []
    assert collected["gpus"][0]["name"] == "NVIDIA H100 80GB HBM3"
    assert "nvlinks" not in collected["gpus"][0] and "ecc_uncorrected_volatile" not in collected["gpus"][0]


def test_collect_count_failure_is_the_reason(live):
    snap = raw("synthetic-hgx-h100x8-nvswitch.json")
    fake = FakePynvml(snap)

    def count():
        raise NVMLError(999)
    fake.nvmlDeviceGetCount = count
    collected = gpu_snapshot.collect(sysfs_root="/nonexistent", pynvml=fake, parts=())
    assert (collected["nvml_available"], collected["gpus"]) == (True, [])
    assert collected["reason"] == "nvmlDeviceGetCount failed: ERR:Unknown Error"


# ------------------------------------------------------------------------------------------------
# collect when NVML cannot start
# ------------------------------------------------------------------------------------------------

def test_collect_without_the_driver_library(live):
    collected, fake, dummy, dummy2 = live(raw("synthetic-no-driver.json"), init_error="NVML Shared Library Not Found")
    expected = raw("synthetic-no-driver.json")
    assert collected["reason"] == expected["reason"] == "no NVIDIA driver: NVML says 'NVML Shared Library Not Found'"
    assert (collected["nvml_available"], collected["gpus"], collected["pairs"]) == (False, [], {})
    assert collected["kernel_module_version"] is None
    assert [c[0] for c in fake.calls] == ["nvmlInit"]  # nothing else asked, no shutdown of what never started


def test_collect_with_the_driver_not_loaded(live):
    collected = live(raw("synthetic-no-driver.json"), init_error="Driver Not Loaded")[0]
    assert collected["reason"] == "no NVIDIA driver: NVML says 'Driver Not Loaded'"


def test_collect_after_a_driver_upgrade_without_reboot(live):
    expected = raw("synthetic-driver-mismatch.json")
    collected = live(raw("synthetic-no-driver.json"), init_error="RM has detected an NVML/RM version mismatch.",
                     kernel_module_version="570.172.08")[0]
    assert collected["reason"] == expected["reason"]
    assert "reboot" in collected["reason"] and "570.172.08" in collected["reason"]
    assert collected["kernel_module_version"] == "570.172.08"
    assert collected["nvml_available"] is False


def test_collect_other_init_failure(live):
    collected = live(raw("synthetic-no-driver.json"), init_error="Insufficient Permissions")[0]
    assert collected["reason"] == "NVML initialisation failed: Insufficient Permissions"


def test_collect_without_pynvml(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import pynvml raises ImportError
    collected = gpu_snapshot.collect(sysfs_root="/nonexistent")
    assert collected["reason"] == "the pynvml module is not installed (pip package nvidia-ml-py)"
    assert (collected["nvml_available"], collected["gpus"]) == (False, [])


# ------------------------------------------------------------------------------------------------
# nvml_driver_version: nvidia_driver_info's NVML path
# ------------------------------------------------------------------------------------------------

# (driver_version in the fake's snapshot, nvmlInit error) -> (version, error), and whether NVML was shut down
DRIVER_VERSION_CASES = [
    ("580.159.04", None, ("580.159.04", None), True),
    ("580.159.04", "RM has detected an NVML/RM version mismatch.", (None, "RM has detected an NVML/RM version mismatch."),
     False),
    ("580.159.04", "Driver Not Loaded", (None, "Driver Not Loaded"), False),
    ("ERR:Unknown Error", None, (None, "Unknown Error"), True),
]


@pytest.mark.parametrize("version, init_error, expected, shut_down", DRIVER_VERSION_CASES,
                         ids=["answers", "mismatch", "no-driver", "call-fails"])
def test_nvml_driver_version(version, init_error, expected, shut_down):
    snap = raw("synthetic-no-driver.json")
    snap["driver_version"] = version
    fake = FakePynvml(snap, init_error=init_error)
    assert gpu_snapshot.nvml_driver_version(pynvml=fake) == expected
    names = [name for name, dummy in fake.calls]
    assert names == (["nvmlInit", "nvmlSystemGetDriverVersion", "nvmlShutdown"] if shut_down else ["nvmlInit"])


def test_nvml_driver_version_without_pynvml(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import pynvml raises ImportError
    assert gpu_snapshot.nvml_driver_version() == (None, None)


# ------------------------------------------------------------------------------------------------
# the pieces
# ------------------------------------------------------------------------------------------------

def test_collect_sysfs_on_a_fake_tree(tmp_path):
    snap = raw("synthetic-pcie-4gpu-2numa.json")
    fs = FakeSysfs(tmp_path / "sys", snap)
    found = gpu_snapshot.collect_sysfs(["0000:45:00.0", "0000:c1:00.0", "0000:99:00.0"], fs.root)
    assert dict((k, fs.to_sys(v)) for k, v in found["gpu_paths"].items()) == {
        "0000:45:00.0": snap["sysfs"]["gpu_paths"]["0000:45:00.0"],
        "0000:c1:00.0": snap["sysfs"]["gpu_paths"]["0000:c1:00.0"],
    }  # 0000:99:00.0 does not exist: left out
    assert [(n["name"], n["pci"], n["numa_node"]) for n in found["nics"]] == [
        ("mlx5_0", "0000:47:00.0", 0), ("mlx5_1", "0000:61:00.0", 0), ("mlx5_2", "0000:c2:00.0", 1)]
    assert gpu_snapshot.collect_sysfs(["0000:45:00.0"], str(tmp_path / "empty")) == {"gpu_paths": {}, "nics": []}


def test_read_kernel_xids_sources(monkeypatch):
    xid = "1795913999.551034 h kernel: NVRM: Xid (PCI:0000:18:00): 79, pid='<unknown>', GPU has fallen off the bus."
    journal = FakeJournal([xid])
    assert gpu_snapshot.read_kernel_xids(journal, 24, which=lambda n: "/usr/bin/" + n) == ("journalctl", [xid])
    assert gpu_snapshot.read_kernel_xids(FakeJournal([], rc=1), 24, which=lambda n: "/usr/bin/" + n) == ("journalctl", [])
    # no journalctl: dmesg
    journal = FakeJournal([xid])
    source, lines = gpu_snapshot.read_kernel_xids(journal, 24, which=lambda n: None if n == "journalctl" else "/bin/" + n)
    assert (source, lines, journal.argvs[0][0]) == ("dmesg", [xid], "dmesg")
    # neither: /dev/kmsg, or nothing
    monkeypatch.setattr(gpu_snapshot, "_read_kmsg", lambda: ["NVRM: Xid (PCI:0000:18:00): 48, pid=1, DBE", "other"])
    assert gpu_snapshot.read_kernel_xids(journal, 24, which=lambda n: None) == (
        "/dev/kmsg", ["NVRM: Xid (PCI:0000:18:00): 48, pid=1, DBE"])
    monkeypatch.setattr(gpu_snapshot, "_read_kmsg", lambda: None)
    source, lines = gpu_snapshot.read_kernel_xids(journal, 24, which=lambda n: None)
    assert source.startswith("unavailable") and lines == []
    assert gpu_snapshot.read_kernel_xids(None) == ("not read", [])


def test_nvml_errors_become_err_values():
    fake = FakePynvml(raw("synthetic-pcie-4gpu-2numa.json"))
    fake.nvmlInit()
    call = gpu_snapshot._Nvml(fake)
    handle = call("nvmlDeviceGetHandleByIndex", 0)
    assert call("nvmlDeviceGetMigMode", handle) == "ERR:Not Supported"
    assert call("nvmlDeviceGetNvLinkState", handle, 0) == "ERR:Not Supported"
    assert call("nvmlDeviceGetNoSuchThing", handle) == "ERR:Function Not Found"
    assert call("nvmlDeviceGetName", handle) == "NVIDIA L40S"
    assert call("nvmlDeviceGetPciInfo", handle).busId == b"00000000:45:00.0"
