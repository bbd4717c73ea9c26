# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gpu_topology on the synthetic and recorded NVML snapshots.

The expected matrices below are written out by hand from each machine's design (see the
snapshot's `source` and tests/unit/fixtures/nvml/make_synthetic.py), in the layout of
`nvidia-smi topo -m`, and compared cell by cell. The recorded snapshots carry what nvidia-smi
printed on the same machine; there our matrix must equal nvidia-smi's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_snapshot
from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_topology as topo_mod

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "nvml")
HGX = "synthetic-hgx-h100x8-nvswitch.json"
PCIE = "synthetic-pcie-4gpu-2numa.json"
A100 = "synthetic-a100x4-nvlink-bridge-pairs.json"
INACTIVE = "synthetic-unhealthy-nvlink-inactive.json"
LOST = "synthetic-unhealthy-gpu-lost.json"


def _has_nvidia_smi_matrix(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return "nvidia-smi topo -m" in json.load(handle).get("reference", {})


# every recorded snapshot that carries nvidia-smi's matrix (new recordings join automatically)
RECORDED_WITH_REFERENCE = sorted(n for n in os.listdir(FIXTURES) if n.endswith(".json") and not n.startswith("synthetic-")
                                 and _has_nvidia_smi_matrix(n))
HEALTHY_SYNTHETIC = [HGX, PCIE, A100]


def load(name):
    return gpu_snapshot.load(os.path.join(FIXTURES, name))


def table(text):
    """A hand-written matrix ('GPU0  X  NV18 ...' rows under a header row) -> {row: {column: cell}}."""
    lines = [line.split() for line in text.strip().splitlines()]
    header = lines[0]
    return dict((row[0], dict(zip(header, row[1:]))) for row in lines[1:])


def assert_matrix(found, expected):
    """Cell by cell, so a failure names the cell."""
    assert sorted(found) == sorted(expected)
    for row in expected:
        assert sorted(found[row]) == sorted(expected[row]), row
        for col in expected[row]:
            assert (row, col, found[row][col]) == (row, col, expected[row][col])


HGX_MATRIX = table("""
      GPU0 GPU1 GPU2 GPU3 GPU4 GPU5 GPU6 GPU7 NIC0 NIC1 NIC2 NIC3
GPU0  X    NV18 NV18 NV18 NV18 NV18 NV18 NV18 PIX  NODE SYS  SYS
GPU1  NV18 X    NV18 NV18 NV18 NV18 NV18 NV18 PIX  NODE SYS  SYS
GPU2  NV18 NV18 X    NV18 NV18 NV18 NV18 NV18 NODE PIX  SYS  SYS
GPU3  NV18 NV18 NV18 X    NV18 NV18 NV18 NV18 NODE PIX  SYS  SYS
GPU4  NV18 NV18 NV18 NV18 X    NV18 NV18 NV18 SYS  SYS  PIX  NODE
GPU5  NV18 NV18 NV18 NV18 NV18 X    NV18 NV18 SYS  SYS  PIX  NODE
GPU6  NV18 NV18 NV18 NV18 NV18 NV18 X    NV18 SYS  SYS  NODE PIX
GPU7  NV18 NV18 NV18 NV18 NV18 NV18 NV18 X    SYS  SYS  NODE PIX
""")

# GPU0/GPU1 and mlx5_0 on the downstream ports of one leaf switch that hangs below switch A: PIX
PCIE_MATRIX = table("""
      GPU0 GPU1 GPU2 GPU3 NIC0 NIC1 NIC2
GPU0  X    PIX  PXB  SYS  PIX  NODE SYS
GPU1  PIX  X    PXB  SYS  PIX  NODE SYS
GPU2  PXB  PXB  X    SYS  PXB  NODE SYS
GPU3  SYS  SYS  SYS  X    SYS  SYS  PHB
""")

A100_MATRIX = table("""
      GPU0 GPU1 GPU2 GPU3 NIC0
GPU0  X    NV12 NODE SYS  SYS
GPU1  NV12 X    PHB  SYS  SYS
GPU2  NODE PHB  X    NV12 SYS
GPU3  SYS  SYS  NV12 X    PHB
""")

INACTIVE_MATRIX = table("""
      GPU0 GPU1 GPU2 GPU3 GPU4 GPU5 GPU6 GPU7 NIC0 NIC1 NIC2 NIC3
GPU0  X    NV18 NV18 NV18 NV18 NV18 NV17 NV18 PIX  NODE SYS  SYS
GPU1  NV18 X    NV18 NV18 NV18 NV18 NV17 NV18 PIX  NODE SYS  SYS
GPU2  NV18 NV18 X    NV18 NV18 NV18 NV17 NV18 NODE PIX  SYS  SYS
GPU3  NV18 NV18 NV18 X    NV18 NV18 NV17 NV18 NODE PIX  SYS  SYS
GPU4  NV18 NV18 NV18 NV18 X    NV18 NV17 NV18 SYS  SYS  PIX  NODE
GPU5  NV18 NV18 NV18 NV18 NV18 X    NV17 NV18 SYS  SYS  PIX  NODE
GPU6  NV17 NV17 NV17 NV17 NV17 NV17 X    NV17 SYS  SYS  NODE PIX
GPU7  NV18 NV18 NV18 NV18 NV18 NV18 NV17 X    SYS  SYS  NODE PIX
""")

# GPU3 answered NVML_ERROR_GPU_IS_LOST: nothing relates it to anything ("?"), the rest is unchanged
LOST_MATRIX = table("""
      GPU0 GPU1 GPU2 GPU3 GPU4 GPU5 GPU6 GPU7 NIC0 NIC1 NIC2 NIC3
GPU0  X    NV18 NV18 ?    NV18 NV18 NV18 NV18 PIX  NODE SYS  SYS
GPU1  NV18 X    NV18 ?    NV18 NV18 NV18 NV18 PIX  NODE SYS  SYS
GPU2  NV18 NV18 X    ?    NV18 NV18 NV18 NV18 NODE PIX  SYS  SYS
GPU3  ?    ?    ?    X    ?    ?    ?    ?    ?    ?    ?    ?
GPU4  NV18 NV18 NV18 ?    X    NV18 NV18 NV18 SYS  SYS  PIX  NODE
GPU5  NV18 NV18 NV18 ?    NV18 X    NV18 NV18 SYS  SYS  PIX  NODE
GPU6  NV18 NV18 NV18 ?    NV18 NV18 X    NV18 SYS  SYS  NODE PIX
GPU7  NV18 NV18 NV18 ?    NV18 NV18 NV18 X    SYS  SYS  NODE PIX
""")


@pytest.mark.parametrize("name, expected", [
    (HGX, HGX_MATRIX), (PCIE, PCIE_MATRIX), (A100, A100_MATRIX), (INACTIVE, INACTIVE_MATRIX), (LOST, LOST_MATRIX),
], ids=["hgx", "pcie", "a100", "nvlink-inactive", "gpu-lost"])
def test_matrix_cell_by_cell(name, expected):
    assert_matrix(topo_mod.topology(load(name))["matrix"], expected)


def test_every_nvidia_smi_code_appears_on_the_synthetic_snapshots():
    cells = set()
    for name in HEALTHY_SYNTHETIC + [INACTIVE]:
        for row in topo_mod.topology(load(name))["matrix"].values():
            cells.update(row.values())
    assert {"X", "PIX", "PXB", "PHB", "NODE", "SYS"} <= cells
    assert {"NV18", "NV17", "NV12"} <= cells
    # the GPU-GPU cells alone (NVML ancestors) and the NIC cells alone (sysfs paths) also cover the PCIe codes
    gpu_cells, nic_cells = set(), set()
    for name in HEALTHY_SYNTHETIC:
        for row in topo_mod.topology(load(name))["matrix"].values():
            gpu_cells.update(v for k, v in row.items() if k.startswith("GPU"))
            nic_cells.update(v for k, v in row.items() if k.startswith("NIC"))
    assert {"PIX", "PXB", "PHB", "NODE", "SYS"} <= gpu_cells
    assert {"PIX", "PXB", "PHB", "NODE", "SYS"} <= nic_cells


@pytest.mark.parametrize("name", HEALTHY_SYNTHETIC + [LOST])
def test_nvml_ancestor_agrees_with_the_sysfs_pci_paths(name):
    """Each GPU pair's NVML common ancestor names the same cell as pci_cell() on the two sysfs paths:
    the snapshots are self-consistent, and pci_cell reads PCIe trees as NVML does."""
    snap = load(name)
    paths = snap["sysfs"]["gpu_paths"]
    by_index = dict((g["index"], g) for g in snap["gpus"])
    checked = 0
    for key, pair in snap["pairs"].items():
        a, b = (by_index[int(i)] for i in key.split("-"))
        cell = topo_mod.pci_cell(paths[gpu_snapshot.sysfs_bus_id(a["pci_bus_id"])],
                                 paths[gpu_snapshot.sysfs_bus_id(b["pci_bus_id"])], a["numa_node"], b["numa_node"])
        assert (key, cell) == (key, topo_mod.ANCESTOR_CELL[pair["ancestor"]])
        checked += 1
    assert checked == len(snap["pairs"]) > 0


@pytest.mark.parametrize("path_a, path_b, numa_a, numa_b, expected", [
    # two root ports of one host bridge
    ("/sys/devices/pci0000:20/0000:20:01.1/0000:21:00.0", "/sys/devices/pci0000:20/0000:20:03.1/0000:22:00.0", 0, 0, "PHB"),
    # two host bridges, one NUMA node / two NUMA nodes / NUMA unknown
    ("/sys/devices/pci0000:00/0000:00:03.1/0000:01:00.0", "/sys/devices/pci0000:20/0000:20:01.1/0000:21:00.0", 0, 0, "NODE"),
    ("/sys/devices/pci0000:00/0000:00:03.1/0000:01:00.0", "/sys/devices/pci0000:40/0000:40:01.1/0000:41:00.0", 0, 1, "SYS"),
    ("/sys/devices/pci0000:00/0000:00:03.1/0000:01:00.0", "/sys/devices/pci0000:20/0000:20:01.1/0000:21:00.0", None, None,
     "SYS"),
    # one switch directly below the root port
    ("/sys/devices/pci0000:15/0000:15:01.0/0000:16:00.0/0000:17:00.0/0000:18:00.0",
     "/sys/devices/pci0000:15/0000:15:01.0/0000:16:00.0/0000:17:01.0/0000:19:00.0", 0, 0, "PIX"),
    # a leaf switch below another switch: still a single switch between the two (NVML SINGLE)
    ("/sys/devices/pci0000:40/0000:40:01.1/0000:41:00.0/0000:42:00.0/0000:43:00.0/0000:44:00.0/0000:45:00.0",
     "/sys/devices/pci0000:40/0000:40:01.1/0000:41:00.0/0000:42:00.0/0000:43:00.0/0000:44:02.0/0000:47:00.0", 0, 0, "PIX"),
    # leaf switch on one side, parent switch on the other: two switches (NVML MULTIPLE)
    ("/sys/devices/pci0000:40/0000:40:01.1/0000:41:00.0/0000:42:00.0/0000:43:00.0/0000:44:00.0/0000:45:00.0",
     "/sys/devices/pci0000:40/0000:40:01.1/0000:41:00.0/0000:42:01.0/0000:48:00.0", 0, 0, "PXB"),
    # two functions of one device
    ("/sys/devices/pci0000:c0/0000:c0:01.1/0000:c1:00.0", "/sys/devices/pci0000:c0/0000:c0:01.1/0000:c1:00.1", 1, 1, "PIX"),
    # an unknown path (no sysfs entry) is not a relation
    (None, "/sys/devices/pci0000:c0/0000:c0:01.1/0000:c1:00.0", 1, 1, "?"),
])
def test_pci_cell(path_a, path_b, numa_a, numa_b, expected):
    assert topo_mod.pci_cell(path_a, path_b, numa_a, numa_b) == expected
    # the relation is symmetric
    assert topo_mod.pci_cell(path_b, path_a, numa_b, numa_a) == expected  # pylint: disable=arguments-out-of-order


def test_nic_columns_follow_sysfs_order_and_names():
    topo = topo_mod.topology(load(PCIE))
    assert topo["nics"] == ["mlx5_0", "mlx5_1", "mlx5_2"]
    assert topo_mod.nic_columns(load(PCIE)) == {
        0: {"mlx5_0": "PIX", "mlx5_1": "NODE", "mlx5_2": "SYS"},
        1: {"mlx5_0": "PIX", "mlx5_1": "NODE", "mlx5_2": "SYS"},
        2: {"mlx5_0": "PXB", "mlx5_1": "NODE", "mlx5_2": "SYS"},
        3: {"mlx5_0": "SYS", "mlx5_1": "SYS", "mlx5_2": "PHB"},
    }
    assert topo_mod.topology(load(HGX))["nics"] == ["mlx5_0", "mlx5_1", "mlx5_2", "mlx5_3"]


def test_nic_cell_is_unknown_without_the_gpu_sysfs_path():
    snap = load(HGX)
    del snap["sysfs"]["gpu_paths"]["0000:18:00.0"]
    matrix = topo_mod.topology(snap)["matrix"]
    assert [matrix["GPU0"]["NIC%d" % k] for k in range(4)] == ["?", "?", "?", "?"]
    assert [matrix["GPU1"]["NIC%d" % k] for k in range(4)] == ["PIX", "NODE", "SYS", "SYS"]


@pytest.mark.parametrize("name, islands", [
    (HGX, [["GPU0", "GPU1", "GPU2", "GPU3", "GPU4", "GPU5", "GPU6", "GPU7"]]),
    (A100, [["GPU0", "GPU1"], ["GPU2", "GPU3"]]),
    (PCIE, [["GPU0"], ["GPU1"], ["GPU2"], ["GPU3"]]),
    (LOST, [["GPU0", "GPU1", "GPU2", "GPU4", "GPU5", "GPU6", "GPU7"], ["GPU3"]]),
    ("h100x2-nvswitch.json", [["GPU0", "GPU1"]]),
    ("h100x1.json", [["GPU0"]]),
])
def test_islands(name, islands):
    assert topo_mod.topology(load(name))["islands"] == islands


@pytest.mark.parametrize("name, nvswitch", [
    (HGX, True), (INACTIVE, True), (A100, False), (PCIE, False), ("h100x2-nvswitch.json", True),
    ("h200x2-nvswitch.json", True), ("h200x4-nvswitch.json", True), ("h100x1.json", False),
])
def test_nvswitch_flag(name, nvswitch):
    assert topo_mod.topology(load(name))["nvswitch"] is nvswitch


def test_nvswitch_flag_needs_an_active_switch_link():
    snap = load(HGX)
    for g in snap["gpus"]:
        for link in g["nvlinks"]:
            if link["state"] == 1:
                link["state"] = 0
    topo = topo_mod.topology(snap)
    assert topo["nvswitch"] is False
    assert topo["nvlink_counts"] == {}
    assert topo["matrix"]["GPU0"]["GPU1"] == "PIX"  # back to the NVML ancestor (10, one switch)
    assert topo["matrix"]["GPU0"]["GPU2"] == "NODE"
    assert topo["matrix"]["GPU0"]["GPU4"] == "SYS"


def test_nvlink_counts():
    assert topo_mod.topology(load(A100))["nvlink_counts"] == {
        "GPU0-GPU1": 12, "GPU1-GPU0": 12, "GPU2-GPU3": 12, "GPU3-GPU2": 12}
    counts = topo_mod.topology(load(HGX))["nvlink_counts"]
    assert len(counts) == 56 and set(counts.values()) == {18}
    counts = topo_mod.topology(load(INACTIVE))["nvlink_counts"]
    assert counts["GPU6-GPU0"] == counts["GPU0-GPU6"] == 17
    assert counts["GPU0-GPU7"] == 18
    assert topo_mod.topology(load(PCIE))["nvlink_counts"] == {}


@pytest.mark.parametrize("name, shape", [
    (HGX, "8 GPUs via NVSwitch: NV18 x56"),
    (INACTIVE, "8 GPUs via NVSwitch: NV17 x14, NV18 x42"),
    (A100, "4 GPUs: NODE x2, NV12 x4, PHB x2, SYS x4"),
    (PCIE, "4 GPUs: PIX x2, PXB x4, SYS x6"),
    ("h100x2-nvswitch.json", "2 GPUs via NVSwitch: NV18 x2"),
    ("h100x1.json", "1 GPU: no peers"),
])
def test_shape(name, shape):
    assert topo_mod.topology(load(name))["shape"] == shape


def test_shape_ignores_nic_columns_and_gpu_order():
    a = topo_mod.topology(load(HGX))
    b = copy.deepcopy(a)
    for row in b["matrix"].values():
        for col in list(row):
            if col.startswith("NIC"):
                row[col] = "SYS"
    assert topo_mod.shape(b) == topo_mod.shape(a)


def test_links_p2p_fabric_and_affinity():
    topo = topo_mod.topology(load(HGX))
    links = topo["links"]["GPU0"]
    assert len(links) == 18  # the recorded "ERR:Invalid Argument" past link 17 is not a link
    assert links[0] == {"link": 0, "state": "active", "version": 6, "remote_pci": "FFFFFFFF:FF:FF.0",
                        "remote_type": "SWITCH", "errors": {"dl_replay": 0, "dl_recovery": 0, "dl_crc": 0}}
    assert topo["p2p"]["GPU0-GPU7"] == {"read": "OK", "write": "OK", "nvlink": "OK", "atomics": "OK"}
    assert len(topo["p2p"]) == 56
    assert set(topo["fabric_state"].values()) == {"COMPLETED"}
    assert topo["cpu_affinity"]["GPU0"] == "0-55,112-167"
    assert topo["cpu_affinity"]["GPU7"] == "56-111,168-223"
    assert topo["numa_affinity"] == {"GPU0": 0, "GPU1": 0, "GPU2": 0, "GPU3": 0, "GPU4": 1, "GPU5": 1, "GPU6": 1, "GPU7": 1}

    topo = topo_mod.topology(load(A100))
    assert [(l["link"], l["remote_pci"], l["remote_type"]) for l in topo["links"]["GPU2"]] == [
        (k, "00000000:41:00.0", "GPU") for k in range(12)]
    assert topo["p2p"]["GPU0-GPU1"]["nvlink"] == "OK"
    assert topo["p2p"]["GPU0-GPU2"] == {"read": "OK", "write": "OK", "nvlink": "NOT_SUPPORTED", "atomics": "NOT_SUPPORTED"}
    assert topo["fabric_state"]["GPU0"] == "ERR:Not Supported"
    assert topo["cpu_affinity"]["GPU3"] == "32-63,96-127"

    topo = topo_mod.topology(load(PCIE))
    assert topo["links"]["GPU0"] == []  # link 0 answered Not Supported: no NVLink at all
    assert topo["p2p"]["GPU0-GPU3"] == {"read": "CHIPSET_NOT_SUPPORTED", "write": "OK", "nvlink": "NOT_SUPPORTED",
                                        "atomics": "NOT_SUPPORTED"}
    assert topo["p2p"]["GPU0-GPU1"]["read"] == "OK"

    topo = topo_mod.topology(load(INACTIVE))
    assert [l["state"] for l in topo["links"]["GPU6"]].count("inactive") == 1
    assert topo["links"]["GPU6"][7]["state"] == "inactive"

    topo = topo_mod.topology(load("synthetic-unhealthy-fabric-incomplete.json"))
    assert set(topo["fabric_state"].values()) == {"IN_PROGRESS"}


# ------------------------------------------------------------------------------------------------
# check_expectations
# ------------------------------------------------------------------------------------------------

def test_expectations_met_on_the_hgx():
    topo = topo_mod.topology(load(HGX))
    assert topo_mod.check_expectations(topo, expect_gpu_count=8, expect_fully_connected=True,
                                       expect_min_nvlinks_per_pair=18) == []


def test_expectations_name_the_pair_and_what_was_found_on_the_a100_pairs():
    topo = topo_mod.topology(load(A100))
    assert topo_mod.check_expectations(topo, expect_fully_connected=True) == [
        "GPU0-GPU2: not connected by NVLink (found NODE)",
        "GPU0-GPU3: not connected by NVLink (found SYS)",
        "GPU1-GPU2: not connected by NVLink (found PHB)",
        "GPU1-GPU3: not connected by NVLink (found SYS)",
    ]
    assert topo_mod.check_expectations(topo, expect_min_nvlinks_per_pair=12) == [
        "GPU0-GPU2: 0 NVLinks, expected at least 12 (found NODE)",
        "GPU0-GPU3: 0 NVLinks, expected at least 12 (found SYS)",
        "GPU1-GPU2: 0 NVLinks, expected at least 12 (found PHB)",
        "GPU1-GPU3: 0 NVLinks, expected at least 12 (found SYS)",
    ]
    assert topo_mod.check_expectations(topo, expect_gpu_count=8) == ["expected 8 GPUs, found 4"]


def test_expectations_min_links_on_a_degraded_nvswitch_node():
    topo = topo_mod.topology(load(INACTIVE))
    assert topo_mod.check_expectations(topo, expect_fully_connected=True) == []
    assert topo_mod.check_expectations(topo, expect_min_nvlinks_per_pair=18) == [
        "GPU%d-GPU6: 17 NVLinks, expected at least 18 (found NV17)" % i for i in range(6)] + [
        "GPU6-GPU7: 17 NVLinks, expected at least 18 (found NV17)"]
    assert topo_mod.check_expectations(topo, expect_min_nvlinks_per_pair=17) == []


def test_expectations_on_a_lost_gpu():
    topo = topo_mod.topology(load(LOST))
    problems = topo_mod.check_expectations(topo, expect_gpu_count=8, expect_fully_connected=True)
    assert problems == ["GPU%d-GPU3: not connected by NVLink (found ?)" % i for i in range(3)] + [
        "GPU3-GPU%d: not connected by NVLink (found ?)" % i for i in range(4, 8)]


# ------------------------------------------------------------------------------------------------
# nvidia-smi text
# ------------------------------------------------------------------------------------------------

# The layout nvidia-smi 580 prints with RDMA NICs (header underlined with ANSI codes, NIC rows, a NIC
# legend); cells of the synthetic HGX's GPU0/GPU4 with two of its NICs.
NVIDIA_SMI_WITH_NICS = (
    "\t\x1b[4mGPU0\tGPU1\tNIC0\tNIC1\tCPU Affinity\tNUMA Affinity\tGPU NUMA ID\x1b[0m\n"
    "GPU0\t X \tNV18\tPIX\tSYS\t0-55,112-167\t0\t\tN/A\n"
    "GPU1\tNV18\t X \tSYS\tPIX\t56-111,168-223\t1\t\tN/A\n"
    "NIC0\tPIX\tSYS\t X \tSYS\n"
    "NIC1\tSYS\tPIX\tSYS\t X \n"
    "\n"
    "Legend:\n"
    "\n"
    "  X    = Self\n"
    "  SYS  = Connection traversing PCIe as well as the SMP interconnect between NUMA nodes (e.g., QPI/UPI)\n"
    "  NV#  = Connection traversing a bonded set of # NVLinks\n"
    "\n"
    "NIC Legend:\n"
    "\n"
    "  NIC0: mlx5_0\n"
    "  NIC1: mlx5_2\n"
)


def test_parse_nvidia_smi_topo_with_nics():
    assert topo_mod.parse_nvidia_smi_topo(NVIDIA_SMI_WITH_NICS) == {
        "GPU0": {"GPU0": "X", "GPU1": "NV18", "NIC0": "PIX", "NIC1": "SYS"},
        "GPU1": {"GPU0": "NV18", "GPU1": "X", "NIC0": "SYS", "NIC1": "PIX"},
    }
    assert topo_mod.parse_nvidia_smi_topo("") == {}


@pytest.mark.parametrize("name, expected", [
    ("h100x2-nvswitch.json", {"GPU0": {"GPU0": "X", "GPU1": "NV18"}, "GPU1": {"GPU0": "NV18", "GPU1": "X"}}),
    ("h200x2-nvswitch.json", {"GPU0": {"GPU0": "X", "GPU1": "NV18"}, "GPU1": {"GPU0": "NV18", "GPU1": "X"}}),
    ("h200x4-nvswitch.json", dict(("GPU%d" % i, dict(("GPU%d" % j, "X" if i == j else "NV18") for j in range(4)))
                                  for i in range(4))),
    ("h100x1.json", {"GPU0": {"GPU0": "X"}}),
])
def test_parse_nvidia_smi_topo_on_real_output(name, expected):
    assert topo_mod.parse_nvidia_smi_topo(load(name)["reference"]["nvidia-smi topo -m"]) == expected


def test_the_real_readings_are_compared():
    assert {"h100x1.json", "h100x2-nvswitch.json", "h200x2-nvswitch.json", "h200x4-nvswitch.json"} <= set(
        RECORDED_WITH_REFERENCE)


@pytest.mark.parametrize("name", RECORDED_WITH_REFERENCE)
def test_recorded_matrix_equals_nvidia_smi_cell_by_cell(name):
    snap = load(name)
    reference = topo_mod.parse_nvidia_smi_topo(snap["reference"]["nvidia-smi topo -m"])
    matrix = topo_mod.topology(snap)["matrix"]
    assert len(reference) == len(snap["gpus"]) > 0
    compared = 0
    for row, cells in reference.items():
        for col, cell in cells.items():
            if col.startswith("GPU"):
                assert (row, col, matrix[row][col]) == (row, col, cell)
                compared += 1
    assert compared == len(snap["gpus"]) ** 2


@pytest.mark.parametrize("name", HEALTHY_SYNTHETIC + [LOST])
def test_matrix_text_parses_back_to_the_matrix(name):
    topo = topo_mod.topology(load(name))
    assert topo_mod.parse_nvidia_smi_topo(topo["matrix_text"]) == topo["matrix"]


def test_matrix_text_layout():
    lines = topo_mod.topology(load(A100))["matrix_text"].splitlines()
    assert lines[0] == "\tGPU0\tGPU1\tGPU2\tGPU3\tNIC0\tCPU Affinity\tNUMA Affinity"
    assert lines[1] == "GPU0\t X \tNV12\tNODE\tSYS\tSYS\t0-31,64-95\t0"
    assert lines[4] == "GPU3\tSYS\tSYS\tNV12\t X \tPHB\t32-63,96-127\t1"
    assert lines[5] == "NIC0: mlx5_0"
    assert lines[-1].startswith("Legend:")
    lines = topo_mod.topology(load("h100x2-nvswitch.json"))["matrix_text"].splitlines()
    assert lines[1] == "GPU0\t X \tNV18\tN/A\tN/A"  # that VM reported neither NUMA node nor CPU affinity
