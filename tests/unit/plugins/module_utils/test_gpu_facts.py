# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gpu_facts: driver and per-GPU facts from snapshots."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_facts
from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_snapshot

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "nvml")


def load(name):
    return gpu_snapshot.load(os.path.join(FIXTURES, name))


@pytest.mark.parametrize("value, expected", [
    (13000, "13.0"), (12040, "12.4"), (12020, "12.2"), (11080, "11.8"), (None, None), (True, None),
    ("ERR:Function Not Found", None), ("13000", None),
])
def test_cuda_version(value, expected):
    assert gpu_facts.cuda_version(value) == expected


def test_hgx_facts():
    facts = gpu_facts.facts(load("synthetic-hgx-h100x8-nvswitch.json"))
    assert facts["gpu_count"] == 8
    assert facts["reason"] is None
    assert (facts["driver_version"], facts["kernel_module_version"], facts["cuda_driver_version"]) == (
        "580.159.04", "580.159.04", "13.0")
    assert "probe_seconds" not in facts  # replayed, not probed
    assert facts["gpus"][0] == {
        "index": 0,
        "name": "NVIDIA H100 80GB HBM3",
        "uuid": facts["gpus"][0]["uuid"],
        "pci_bus_id": "00000000:18:00.0",
        "memory_total_mib": 81559,
        "compute_capability": "9.0",
        "persistence_mode": True,
        "mig_mode": {"current": False, "pending": False},
        "power_limit_w": {"enforced": 700, "default": 700, "min": 200, "max": 700},
        "numa_node": 0,
        "numa_source": "nvml",
        "cpu_affinity": "0-55,112-167",
        "ecc_mode": {"current": True, "pending": True},
    }
    assert facts["gpus"][0]["uuid"].startswith("GPU-")
    assert [g["numa_node"] for g in facts["gpus"]] == [0, 0, 0, 0, 1, 1, 1, 1]
    assert facts["gpus"][7]["cpu_affinity"] == "56-111,168-223"
    assert len(set(g["uuid"] for g in facts["gpus"])) == 8


def test_pcie_facts_with_unsupported_fields():
    facts = gpu_facts.facts(load("synthetic-pcie-4gpu-2numa.json"))
    gpu = facts["gpus"][3]
    assert (gpu["name"], gpu["memory_total_mib"], gpu["compute_capability"]) == ("NVIDIA L40S", 46068, "8.9")
    assert gpu["mig_mode"] == {"current": None, "pending": None}  # ERR:Not Supported
    assert gpu["persistence_mode"] is False
    assert gpu["power_limit_w"] == {"enforced": 350, "default": 350, "min": 100, "max": 350}
    assert (gpu["numa_node"], gpu["cpu_affinity"]) == (1, "32-63,96-127")


def test_recorded_facts_with_unrecorded_fields():
    facts = gpu_facts.facts(load("h100x2-nvswitch.json"))
    gpu = facts["gpus"][1]
    assert gpu["power_limit_w"] == {"enforced": None, "default": None, "min": None, "max": None}
    assert (gpu["numa_node"], gpu["numa_source"], gpu["cpu_affinity"]) == (None, "none", None)
    assert facts["cuda_driver_version"] == "13.0"


def test_no_driver_facts():
    snap = load("synthetic-no-driver.json")
    facts = gpu_facts.facts(snap)
    assert facts == {"gpu_count": 0, "reason": snap["reason"], "driver_version": None, "kernel_module_version": None,
                     "cuda_driver_version": None, "gpus": []}
    assert facts["reason"].startswith("no NVIDIA driver: ")


def test_zero_gpus_without_reason():
    snap = load("synthetic-no-driver.json")
    snap.update(nvml_available=True, reason=None, driver_version="580.159.04")
    assert gpu_facts.facts(snap)["reason"] == "NVML reports 0 GPUs"


def test_mismatch_facts_keep_the_loaded_module_version():
    facts = gpu_facts.facts(load("synthetic-driver-mismatch.json"))
    assert facts["kernel_module_version"] == "570.172.08"
    assert "reboot" in facts["reason"]


def test_lost_gpu_facts():
    facts = gpu_facts.facts(load("synthetic-unhealthy-gpu-lost.json"))
    assert facts["gpu_count"] == 8
    lost = facts["gpus"][3]
    assert lost["index"] == 3
    assert (lost["name"], lost["pci_bus_id"], lost["memory_total_mib"], lost["compute_capability"]) == (None, None, None, None)
    assert lost["mig_mode"] == {"current": None, "pending": None}
    assert facts["gpus"][4]["name"] == "NVIDIA H100 80GB HBM3"


def test_probe_seconds_is_passed_on():
    snap = load("synthetic-a100x4-nvlink-bridge-pairs.json")
    snap["probe_seconds"] = 0.0457
    assert gpu_facts.facts(snap)["probe_seconds"] == 0.0457
