# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import rdma
from ansible_collections.privateai.deepseek_dify.tests.unit.rdma_sysfs import gid_text


def _port(facts, port_id):
    return [p for p in facts["ports"] if p["id"] == port_id][0]


# --- parsing what the kernel prints ---------------------------------------------------------------

@pytest.mark.parametrize("text, gbps", [
    ("400 Gb/sec (4X NDR)", 400.0),
    ("200 Gb/sec (4X HDR)", 200.0),
    ("100 Gb/sec (4X EDR)", 100.0),
    ("2.5 Gb/sec (1X SDR)", 2.5),
    ("53.125 Gb/sec (1X HDR)", 53.125),
    ("invalid", None),
    ("", None),
    (None, None),
])
def test_parse_rate(text, gbps):
    assert rdma.parse_rate(text) == gbps


def test_parse_gid_reads_ipv4_mapped_and_skips_empty_entries():
    assert str(rdma.parse_gid("0000:0000:0000:0000:0000:ffff:c0a8:640b").ipv4_mapped) == "192.168.100.11"
    assert rdma.parse_gid("0000:0000:0000:0000:0000:0000:0000:0000") is None
    assert rdma.parse_gid("garbage") is None
    assert rdma.parse_gid(None) is None


def test_gid_text_is_what_sysfs_prints():
    assert gid_text("192.168.100.11") == "0000:0000:0000:0000:0000:ffff:c0a8:640b"
    assert gid_text("fe80::e42:a1ff:fe00:1") == "fe80:0000:0000:0000:0e42:a1ff:fe00:0001"


def test_natural_order_of_device_names():
    names = ["mlx5_10", "mlx5_2", "mlx5_1", "ib0.8001", "ib0"]
    assert sorted(names, key=rdma.natural_key) == ["ib0", "ib0.8001", "mlx5_1", "mlx5_2", "mlx5_10"]


# --- ConnectX-7 NDR host --------------------------------------------------------------------------

def test_ndr_host_reads_devices_through_the_class_symlinks(fake_sysfs):
    fs = fake_sysfs("connectx7-ndr")
    # The class entry is a symlink into the PCI tree, as on a real host.
    assert os.path.islink(os.path.join(fs.root, "class", "infiniband", "mlx5_0"))
    facts = rdma.collect(fs.root)
    assert facts["rdma_present"] is True
    assert facts["reason"] is None
    assert [d["name"] for d in facts["devices"]] == ["mlx5_0", "mlx5_1", "mlx5_2", "mlx5_3"]
    dev = facts["devices"][2]
    assert dev["fw_ver"] == "28.39.1002"
    assert dev["node_type"] == "CA"
    assert dev["numa_node"] == 1
    assert dev["pci"]["address"] == "0000:37:00.0"
    assert dev["pci"]["vendor"] == "0x15b3"
    assert dev["is_vf"] is False
    port = dev["ports"][0]
    assert port["state"] == "ACTIVE" and port["state_code"] == 4
    assert port["phys_state"] == "LinkUp" and port["phys_state_code"] == 5
    assert port["rate_gbps"] == 400.0
    assert port["link_layer"] == "InfiniBand"
    assert port["netdev"] == "ibp3s0"
    assert port["gids"] == []  # GIDs are only listed for RoCE ports
    assert port["roce_v2_gid_index"] is None
    assert facts["active_ports"] == ["mlx5_0:1", "mlx5_1:1", "mlx5_2:1", "mlx5_3:1"]


def test_ndr_host_nccl_settings(fake_sysfs):
    facts = rdma.collect(fake_sysfs("connectx7-ndr").root)
    assert facts["nccl_env"] == {
        "NCCL_IB_HCA": "mlx5_0:1,mlx5_1:1,mlx5_2:1,mlx5_3:1",
        "NCCL_SOCKET_IFNAME": "ibp1s0,ibp2s0,ibp3s0,ibp4s0",
        "GLOO_SOCKET_IFNAME": "ibp1s0,ibp2s0,ibp3s0,ibp4s0",
    }
    assert "NCCL_IB_GID_INDEX" not in facts["nccl_env"]  # InfiniBand needs no GID index
    assert facts["nccl_notes"] == []


def test_ndr_host_meets_ndr_expectations(fake_sysfs):
    facts = rdma.collect(fake_sysfs("connectx7-ndr").root)
    assert rdma.check_expectations(facts["devices"], expect_ports_active=["mlx5_*"], expect_min_rate_gbps=400,
                                   expect_link_layer="InfiniBand", expect_min_active_ports=4) == []


def test_nccl_hca_list_switches_to_exact_match_when_a_name_prefixes_another(fake_sysfs):
    fs = fake_sysfs()
    for i in (1, 10):
        fs.ib_hca("mlx5_%d" % i, "ib%d" % i, guid_suffix=i)
    env, _notes = rdma.nccl_settings(rdma.read_devices(fs.root), rdma.read_interfaces(fs.root))
    # NCCL would read "mlx5_1" as a prefix matching mlx5_10 too; "=" makes it exact.
    assert env["NCCL_IB_HCA"] == "=mlx5_1:1,mlx5_10:1"
    assert env["NCCL_SOCKET_IFNAME"] == "=ib1,ib10"


# --- HDR host with a port down --------------------------------------------------------------------

def test_down_polling_port_is_read_and_left_out_of_nccl(fake_sysfs):
    facts = rdma.collect(fake_sysfs("hdr-down").root)
    down = _port(facts, "mlx5_1:1")
    assert (down["state"], down["phys_state"], down["active"]) == ("DOWN", "Polling", False)
    assert down["netdev"] == "ib1"
    assert facts["active_ports"] == ["mlx5_0:1"]
    assert facts["nccl_env"]["NCCL_IB_HCA"] == "mlx5_0:1"
    assert facts["nccl_env"]["NCCL_SOCKET_IFNAME"] == "ib0"


def test_down_port_fails_the_expectation_naming_device_and_port(fake_sysfs):
    facts = rdma.collect(fake_sysfs("hdr-down").root)
    problems = rdma.check_expectations(facts["devices"], expect_ports_active=["mlx5_0", "mlx5_1:1"])
    assert problems == ["mlx5_1 port 1: state DOWN (physical state Polling), expected ACTIVE"]


def test_hdr_rate_below_ndr_expectation_names_device_port_and_rate(fake_sysfs):
    facts = rdma.collect(fake_sysfs("hdr-down").root)
    problems = rdma.check_expectations(facts["devices"], expect_min_rate_gbps=400, expect_link_layer="InfiniBand")
    assert problems == ["mlx5_0 port 1: rate 200 Gb/sec (4X HDR), expected at least 400 Gb/sec"]


def test_too_few_active_ports_and_unknown_pattern_are_reported_together(fake_sysfs):
    facts = rdma.collect(fake_sysfs("hdr-down").root)
    problems = rdma.check_expectations(facts["devices"], expect_ports_active=["mlx5_7"], expect_min_active_ports=2)
    assert problems == [
        "mlx5_7: no such RDMA port (present: mlx5_0:1, mlx5_1:1)",
        "1 active RDMA port (mlx5_0:1), expected at least 2",
    ]


# --- RoCE host ------------------------------------------------------------------------------------

def test_roce_gid_table_and_v2_ipv4_index(fake_sysfs):
    facts = rdma.collect(fake_sysfs("roce").root)
    port = _port(facts, "mlx5_0:1")
    assert port["link_layer"] == "Ethernet"
    assert port["netdev"] == "ens1f0np0"
    assert [(g["index"], g["type"]) for g in port["gids"]] == [
        (0, "IB/RoCE v1"), (1, "RoCE v2"), (2, "IB/RoCE v1"), (3, "RoCE v2"), (4, "IB/RoCE v1"), (5, "RoCE v2")]
    assert port["gids"][3]["ipv4"] == "192.168.100.11"
    assert port["gids"][1]["link_local"] is True
    # v2 and IPv4-mapped: index 3, not the link-local v2 at 1 nor the v1 IPv4 entry at 2
    assert port["roce_v2_gid_index"] == 3
    assert port["roce_v2_gid_candidates"] == [3]
    assert facts["nccl_env"] == {"NCCL_IB_HCA": "mlx5_0:1", "NCCL_IB_GID_INDEX": "3",
                                 "NCCL_SOCKET_IFNAME": "ens1f0np0", "GLOO_SOCKET_IFNAME": "ens1f0np0"}


def test_roce_gid_ipv6_family_prefers_global_v2(fake_sysfs):
    facts = rdma.collect(fake_sysfs("roce").root, gid_family="ipv6")
    assert _port(facts, "mlx5_0:1")["roce_v2_gid_index"] == 5


def test_roce_port_without_ipv4_v2_gid_is_noted(fake_sysfs):
    fs = fake_sysfs()
    pci = fs.pci_function()
    dev = fs.rdma_device("mlx5_0", pci)
    fs.port(dev, 1, rate="100 Gb/sec (4X EDR)", link_layer="Ethernet", gids=[
        (0, "fe80::1", "IB/RoCE v1", "eth2"), (1, "fe80::1", "RoCE v2", "eth2")])
    fs.netdev("eth2", pci)
    facts = rdma.collect(fs.root)
    assert _port(facts, "mlx5_0:1")["roce_v2_gid_index"] is None  # link-local only
    assert "NCCL_IB_GID_INDEX" not in facts["nccl_env"]
    assert facts["nccl_notes"] == ["no RoCE v2 GID on mlx5_0:1: give the port's netdev an IP address"]


def test_roce_ports_with_different_gid_indexes_are_not_given_one_index(fake_sysfs):
    fs = fake_sysfs()
    for i, index in ((0, 3), (1, 5)):
        pci = fs.pci_function()
        dev = fs.rdma_device("mlx5_%d" % i, pci)
        fs.port(dev, 1, link_layer="Ethernet", gids=[(index, "10.0.%d.1" % i, "RoCE v2", "eth%d" % i)])
        fs.netdev("eth%d" % i, pci)
    facts = rdma.collect(fs.root)
    assert "NCCL_IB_GID_INDEX" not in facts["nccl_env"]
    assert "mlx5_0:1=3, mlx5_1:1=5" in facts["nccl_notes"][0]


def test_link_layer_expectation_on_roce_port(fake_sysfs):
    facts = rdma.collect(fake_sysfs("roce").root)
    assert rdma.check_expectations(facts["devices"], expect_link_layer="InfiniBand", expect_ports_active=["mlx5_0"],
                                   expect_min_active_ports=1) == [
        "mlx5_0 port 1: link layer Ethernet, expected InfiniBand",
        "0 active InfiniBand RDMA ports (none), expected at least 1"]
    assert rdma.check_expectations(facts["devices"], expect_link_layer="Ethernet", expect_min_rate_gbps=200) == []


def test_other_link_layer_ports_are_neither_counted_nor_failed(fake_sysfs):
    """An InfiniBand fabric port beside an active RoCE management NIC: only the IB port counts."""
    fs = fake_sysfs()
    fs.ib_hca("mlx5_0", "ib0", rate="100 Gb/sec (4X EDR)", guid_suffix=1)
    pci = fs.pci_function()
    dev = fs.rdma_device("mlx5_1", pci)
    fs.port(dev, 1, rate="25 Gb/sec (1X EDR)", link_layer="Ethernet", gids=[(3, "10.0.0.5", "RoCE v2", "eno1np0")])
    fs.netdev("eno1np0", pci)
    facts = rdma.collect(fs.root, link_layer="InfiniBand")
    assert rdma.check_expectations(facts["devices"], expect_link_layer="InfiniBand", expect_min_rate_gbps=100,
                                   expect_min_active_ports=1) == []
    assert rdma.check_expectations(facts["devices"], expect_link_layer="InfiniBand", expect_min_active_ports=2) == [
        "1 active InfiniBand RDMA port (mlx5_0:1), expected at least 2"]
    assert facts["nccl_env"]["NCCL_IB_HCA"] == "mlx5_0:1"
    assert facts["nccl_env"]["NCCL_SOCKET_IFNAME"] == "ib0"


def test_nccl_link_layer_filter_drops_other_ports(fake_sysfs):
    facts = rdma.collect(fake_sysfs("roce").root, link_layer="InfiniBand")
    assert facts["nccl_env"] == {}
    assert facts["nccl_notes"] == ["no active RDMA port with link layer InfiniBand: NCCL falls back to TCP sockets"]


# --- SR-IOV ---------------------------------------------------------------------------------------

def test_vf_capable_pf_is_listed_with_its_limits(fake_sysfs):
    facts = rdma.collect(fake_sysfs("roce", totalvfs=16, numvfs=0).root)
    assert facts["sriov"] == [{
        "interface": "ens1f0np0", "interfaces": ["ens1f0np0"], "pci_address": "0000:17:00.0",
        "sriov_totalvfs": 16, "sriov_numvfs": 0, "numa_node": 1}]


def test_vfs_are_marked_and_kept_out_of_nccl_and_sriov_lists(fake_sysfs):
    fs = fake_sysfs("roce", numvfs=2, vfs=2)
    facts = rdma.collect(fs.root)
    assert [(d["name"], d["is_vf"]) for d in facts["devices"]] == [("mlx5_0", False), ("mlx5_2", True), ("mlx5_3", True)]
    vf = facts["devices"][1]
    assert vf["pci"]["physfn"] == "0000:17:00.0"
    assert facts["devices"][0]["pci"]["vf_count_present"] == 2
    assert facts["interfaces"]["ens1f0v0"]["is_vf"] is True
    # The VFs are for pods: neither in NCCL_IB_HCA nor in the active ports of the node
    assert facts["nccl_env"]["NCCL_IB_HCA"] == "mlx5_0:1"
    assert facts["active_ports"] == ["mlx5_0:1"]
    assert [f["interface"] for f in facts["sriov"]] == ["ens1f0np0"]
    assert facts["sriov"][0]["sriov_numvfs"] == 2


def test_pf_with_zero_totalvfs_is_not_sriov_capable(fake_sysfs):
    # mlx5 firmware with SRIOV_EN=0 shows sriov_totalvfs 0
    facts = rdma.collect(fake_sysfs("roce", totalvfs=0).root)
    assert facts["sriov"] == []


# --- a host with none -------------------------------------------------------------------------------

@pytest.mark.parametrize("with_class_dir, why", [
    (False, "does not exist"),
    (True, "lists no device"),
])
def test_host_without_rdma_says_so(fake_sysfs, with_class_dir, why):
    fs = fake_sysfs("none", with_class_dir=with_class_dir)
    facts = rdma.collect(fs.root)
    assert facts["rdma_present"] is False
    assert facts["reason"].startswith("no RDMA hardware: ")
    assert why in facts["reason"]
    assert facts["devices"] == [] and facts["ports"] == [] and facts["sriov"] == []
    assert facts["nccl_env"] == {}
    assert sorted(facts["interfaces"]) == ["eno1", "lo"]
    assert facts["interfaces"]["lo"]["pci_address"] is None
    assert facts["interfaces"]["eno1"]["pci_address"] == "0000:17:00.0"


def test_expectations_fail_on_a_host_without_rdma(fake_sysfs):
    facts = rdma.collect(fake_sysfs("none").root)
    assert rdma.check_expectations(facts["devices"], expect_min_active_ports=1, expect_ports_active=["mlx5_0"]) == [
        "mlx5_0: no such RDMA port (present: none)",
        "0 active RDMA ports (none), expected at least 1",
    ]


def test_unreadable_gid_attributes_count_as_absent(fake_sysfs):
    """A real kernel answers EINVAL on gid_attrs of unused entries; a directory in place of the file
    makes open() fail the same way here."""
    fs = fake_sysfs("roce")
    attr = os.path.join(fs.root, "class", "infiniband", "mlx5_0", "ports", "1", "gid_attrs", "types", "6")
    os.makedirs(attr)
    facts = rdma.collect(fs.root)
    assert [g["index"] for g in _port(facts, "mlx5_0:1")["gids"]] == [0, 1, 2, 3, 4, 5]
