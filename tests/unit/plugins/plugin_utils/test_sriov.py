# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.sriov import (
    SriovError, check_devices, sriov_plan, vf_guid, vf_mac)
from ansible_collections.privateai.deepseek_dify.plugins.module_utils import rdma


def test_vf_addresses_are_stable_local_and_distinct():
    mac = vf_mac("gpu01", "ens1f0np0", 3)
    assert mac == vf_mac("gpu01", "ens1f0np0", 3)
    assert mac.startswith("02:") and mac.endswith(":03")
    assert mac != vf_mac("gpu02", "ens1f0np0", 3)
    assert vf_guid("gpu01", "ib0", 258).endswith(":01:02")
    assert len(vf_guid("gpu01", "ib0", 0).split(":")) == 8


def test_plans_vfs_on_the_capable_roce_pf(fake_sysfs):
    facts = rdma.collect(fake_sysfs("roce", totalvfs=16).root)
    plan = sriov_plan([{"interface": "ens1f0np0", "num_vfs": 4, "spoofchk": True}], facts, "gpu01")
    assert plan["problems"] == []
    assert plan["capable"] is True
    function = plan["functions"][0]
    assert (function["pci_address"], function["num_vfs"], function["sriov_totalvfs"], function["infiniband"]) == (
        "0000:17:00.0", 4, 16, False)
    assert [vf["mac"] for vf in function["vfs"]] == [vf_mac("gpu01", "ens1f0np0", i) for i in range(4)]
    assert all(vf["trust"] is True and vf["spoofchk"] is True for vf in function["vfs"])


def test_infiniband_pf_gets_guids(fake_sysfs):
    fs = fake_sysfs()
    fs.ib_hca("mlx5_0", "ib0", totalvfs=8)
    plan = sriov_plan([{"interface": "ib0", "num_vfs": 2}], rdma.collect(fs.root), "gpu01")
    assert plan["problems"] == []
    assert [sorted(vf) for vf in plan["functions"][0]["vfs"]] == [["guid", "index", "spoofchk", "trust"]] * 2
    assert plan["functions"][0]["infiniband"] is True


def test_every_bad_entry_is_reported_naming_node_and_value(fake_sysfs):
    fs = fake_sysfs("roce", totalvfs=16)
    fs.ib_hca("mlx5_1", "ib0")  # no sriov_totalvfs
    plan = sriov_plan([
        {"interface": "ens1f0np0", "num_vfs": 32},
        {"interface": "ens9f0", "num_vfs": 2},
        {"interface": "ib0", "num_vfs": 1},
        {"interface": "ens1f0np0", "num_vfs": 1},
        {"num_vfs": 1},
        {"interface": "lo", "num_vfs": "many", "vlan": 3},
    ], rdma.collect(fs.root), "gpu01")
    # The inventory value's own problems first (they do not depend on the hardware), then the hardware's.
    assert plan["problems"] == [
        "node gpu01: sriov_devices ens1f0np0: the interface is listed twice",
        "node gpu01: sriov_devices entry 5 has no interface: {'num_vfs': 1}",
        "node gpu01: sriov_devices lo: unknown key vlan (known: interface, num_vfs, trust, spoofchk, macs)",
        "node gpu01: sriov_devices lo: num_vfs: 'many' is not a whole number (a count of virtual functions, 0 to 65535)",
        "node gpu01: interface ens1f0np0: num_vfs 32 is above its sriov_totalvfs 16 (raise NUM_OF_VFS in the firmware "
        "or ask for fewer)",
        "node gpu01: interface ens9f0 (sriov_devices) does not exist; SR-IOV capable here: ens1f0np0 (16 VFs at most)",
        "node gpu01: interface ib0 (sriov_devices) cannot have VFs (its PCI function reports no sriov_totalvfs); "
        "SR-IOV capable here: ens1f0np0 (16 VFs at most)",
    ]


def test_given_macs_are_checked(fake_sysfs):
    facts = rdma.collect(fake_sysfs("roce").root)
    plan = sriov_plan([{"interface": "ens1f0np0", "num_vfs": 2, "macs": ["02:00:00:00:00:01", "zz"]}], facts, "n1")
    assert plan["problems"] == ["node n1: sriov_devices ens1f0np0: macs zz is not MAC addresses (aa:bb:cc:dd:ee:ff)"]
    plan = sriov_plan([{"interface": "ens1f0np0", "num_vfs": 2, "macs": ["02:00:00:00:00:01", "02:00:00:00:00:01"]}], facts, "n1")
    assert plan["problems"] == ["node n1: MAC 02:00:00:00:00:01 is given to both ens1f0np0 VF 0 and ens1f0np0 VF 1"]


def test_no_capable_device_is_a_reason_not_a_problem(fake_sysfs):
    plan = sriov_plan([{"interface": "ens1f0np0", "num_vfs": 4}], rdma.collect(fake_sysfs("none").root), "lab1")
    assert plan["capable"] is False
    assert plan["problems"] == []
    assert plan["reason"].startswith("no SR-IOV capable device: ")


def test_capable_but_nothing_wanted(fake_sysfs):
    plan = sriov_plan([], rdma.collect(fake_sysfs("roce").root), "n1")
    assert plan["reason"] == "sriov_devices is empty: nothing to configure on the SR-IOV capable ens1f0np0"
    assert plan["functions"] == []


def test_facts_of_the_wrong_shape_raise():
    # Not an inventory value: the role passes what rdma_info returned.
    with pytest.raises(SriovError, match="registered result"):
        sriov_plan([], {"rdma_present": False}, "n1")


def test_bad_inventory_values_are_refused_on_a_node_without_sriov_hardware(fake_sysfs):
    plan = sriov_plan([{"interface": "ens1f0np0", "num_vfs": -1}], rdma.collect(fake_sysfs("none").root), "lab1")
    assert plan["capable"] is False
    assert plan["problems"] == [
        "node lab1: sriov_devices ens1f0np0: num_vfs: -1 is not between 0 and 65535 (a count of virtual functions, "
        "0 to 65535)"]


# sriov_devices values: accepted (with the converted entry) or refused (with the problem), without hardware.
DEVICE_CASES = [
    # id, sriov_devices, expected entries, expected problems
    ("num_vfs, trust and spoofchk as strings YAML did not type",
     [{"interface": "ens1f0np0", "num_vfs": "4", "trust": "no", "spoofchk": "yes"}],
     [{"interface": "ens1f0np0", "num_vfs": 4, "trust": False, "spoofchk": True, "macs": None}], []),
    ("defaults: trust on, spoof checking off", [{"interface": "ens1f0np0", "num_vfs": 0}],
     [{"interface": "ens1f0np0", "num_vfs": 0, "trust": True, "spoofchk": False, "macs": None}], []),
    ("macs as one comma-separated string", [{"interface": "e1", "num_vfs": 2, "macs": "02:00:00:00:00:0A,02:00:00:00:00:0b"}],
     [{"interface": "e1", "num_vfs": 2, "trust": True, "spoofchk": False, "macs": ["02:00:00:00:00:0a", "02:00:00:00:00:0b"]}],
     []),
    ("negative VF count", [{"interface": "e1", "num_vfs": -2}], [],
     ["node n1: sriov_devices e1: num_vfs: -2 is not between 0 and 65535 (a count of virtual functions, 0 to 65535)"]),
    ("VF count missing", [{"interface": "e1"}], [],
     ["node n1: sriov_devices e1: num_vfs: None is not a whole number (a count of virtual functions, 0 to 65535)"]),
    ("VF count a fraction", [{"interface": "e1", "num_vfs": 2.5}], [],
     ["node n1: sriov_devices e1: num_vfs: 2.5 is not a whole number (a count of virtual functions, 0 to 65535)"]),
    ("trust not a boolean", [{"interface": "e1", "num_vfs": 1, "trust": "maybe"}], [],
     ["node n1: sriov_devices e1: trust: 'maybe' is not a boolean (true or false)"]),
    ("interface that would break the VF configuration line", [{"interface": "e1 5", "num_vfs": 1}], [],
     ["node n1: sriov_devices entry 1: interface: 'e1 5' is not an interface name of at most 15 letters, digits, '.', "
      "'_' or '-', as `ip -br link` shows it"]),
    ("the list given as one string", "e1", [],
     ["node n1: sriov_devices: 'e1' is not a list of physical functions (each a dict with interface and num_vfs)"]),
    ("one entry given as a dict, not a list", {"interface": "e1", "num_vfs": 1}, [],
     ["node n1: sriov_devices: {'interface': 'e1', 'num_vfs': 1} is not a list of physical functions (each a dict "
      "with interface and num_vfs)"]),
    ("macs count differs from the VFs", [{"interface": "e1", "num_vfs": 2, "macs": ["02:00:00:00:00:01"]}], [],
     ["node n1: sriov_devices e1: macs must be 2 MAC addresses, one per VF; got 1"]),
    ("every problem of one entry at once", [{"interface": "e1", "num_vfs": "x", "trust": 3, "spoofchk": "nah"}], [],
     ["node n1: sriov_devices e1: num_vfs: 'x' is not a whole number (a count of virtual functions, 0 to 65535)",
      "node n1: sriov_devices e1: trust: 3 is not a boolean (true or false)",
      "node n1: sriov_devices e1: spoofchk: 'nah' is not a boolean (true or false)"]),
    ("nothing wanted", None, [], []),
]


@pytest.mark.parametrize("wanted, entries, problems", [case[1:] for case in DEVICE_CASES],
                         ids=[case[0] for case in DEVICE_CASES])
def test_sriov_devices_values(wanted, entries, problems):
    assert check_devices(wanted, "n1") == (entries, problems)
