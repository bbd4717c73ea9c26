"""Verify rdma on the nodes: packages, the files written, and the recorded state.

rdma-node-1 read a fake sysfs tree with four ConnectX-7 NDR ports (molecule.yml); rdma-node-2 is a plain
container without RDMA hardware. Tests of what every node has take the `host` fixture (run once per node); tests
of one node take that node's fixture (run once), so the count of passed tests is the count of checks made.
The SR-IOV checks of the same nodes are in test_sriov.py (one scenario for both roles of the network stage).
"""

import json
import os

import pytest
import testinfra

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
# The nodes are podman containers named as the platforms: testinfra talks to them with podman exec, which is much
# faster than a round of ansible per command (what made verify the slowest step of the scenario).
testinfra_hosts = ["podman://rdma-node-1", "podman://rdma-node-2"]

PACKAGES = ["rdma-core", "ibverbs-providers", "ibverbs-utils", "rdmacm-utils", "infiniband-diags", "perftest"]
FACTS = "/etc/ansible/facts.d/privateai_rdma.fact"


@pytest.fixture(scope="module")
def hardware_node():
    return testinfra.get_host("podman://rdma-node-1")


@pytest.fixture(scope="module")
def plain_node():
    return testinfra.get_host("podman://rdma-node-2")


@pytest.fixture(scope="module")
def hardware_node_through_ansible():
    return testinfra.get_host("ansible://rdma-node-1", ansible_inventory=INVENTORY)


def _record(host):
    f = host.file(FACTS)
    assert f.mode == 0o644
    return json.loads(f.content_string)


def test_user_space_packages_on_every_node(host):
    missing = [p for p in PACKAGES if not host.package(p).is_installed]
    assert missing == []
    # The diagnostics the operators use are there
    assert host.exists("ibstat") and host.exists("ib_write_bw") and host.exists("ibv_devinfo")


def test_networkd_not_started_in_a_container(host):
    # The container's network is podman's: files are written, networkd is left alone.
    assert not host.service("systemd-networkd").is_running


def test_hardware_node_files(hardware_node):
    host = hardware_node
    modules = host.file("/etc/modules-load.d/90-privateai-rdma.conf").content_string.split("\n")
    assert [m for m in modules if m and not m.startswith("#")] == ["ib_umad", "rdma_ucm", "ib_ipoib", "mlx5_ib"]
    rail0 = host.file("/etc/systemd/network/60-privateai-rdma-ib-rail0.network")
    assert rail0.mode == 0o644
    lines = rail0.content_string.splitlines()
    # rdma-node-1 is the first node of gpu_nodes then storage_nodes: start 11
    for line in ("Name=ibp1s0", "MTUBytes=4092", "Address=10.224.0.11/24", "RequiredForOnline=no"):
        assert line in lines
    rail1 = host.file("/etc/systemd/network/60-privateai-rdma-ib-rail1.network").content_string.splitlines()
    for line in ("Name=ibp2s0", "MTUBytes=2044", "Address=10.224.1.100/24"):  # the host_vars override
        assert line in rail1
    assert "# This node's address from the plan: override" in rail1


def test_hardware_node_record(hardware_node):
    record = _record(hardware_node)
    assert record["hardware"] is True
    assert record["reason"] is None
    assert record["container"] is True
    assert record["active_ports"] == ["mlx5_0:1", "mlx5_1:1", "mlx5_2:1", "mlx5_3:1"]
    assert record["nccl_env"]["NCCL_IB_HCA"] == "mlx5_0:1,mlx5_1:1,mlx5_2:1,mlx5_3:1"
    assert record["nccl_env"]["NCCL_SOCKET_IFNAME"] == "ibp1s0,ibp2s0,ibp3s0,ibp4s0"
    assert record["addresses"] == {"ibp1s0": "10.224.0.11/24", "ibp2s0": "10.224.1.100/24"}
    assert record["gpudirect"] is False  # no NVIDIA driver in the fake tree
    assert record["skipped"] == []


def test_hardware_node_records_its_rdma_ports_for_the_network_operator(hardware_node):
    """The shape network_operator_rdma_devices takes; playbooks/k8s_platform.yml reads it back from here."""
    ports = _record(hardware_node)["rdma_ports"]
    assert ports == [{"name": "mlx5_%d" % i, "netdev": "ibp%ds0" % (i + 1), "link_layer": "InfiniBand",
                      "vendor_id": "15b3"} for i in range(4)]


def test_hardware_node_facts_file_reads_back_as_local_facts(hardware_node_through_ansible):
    # What k8s_platform.yml's fact-reading play gets: ansible_local.privateai_rdma
    result = hardware_node_through_ansible.ansible("setup", "gather_subset=!all,!min,local filter=ansible_local", check=False)
    local = result["ansible_facts"]["ansible_local"]
    assert [p["netdev"] for p in local["privateai_rdma"]["rdma_ports"]] == ["ibp1s0", "ibp2s0", "ibp3s0", "ibp4s0"]


def test_node_without_hardware_says_so_and_skips(plain_node):
    host = plain_node
    record = _record(host)
    assert record["hardware"] is False
    assert record["reason"].startswith("no RDMA hardware: /sys/class/infiniband")
    assert record["skipped"] == ["kernel modules", "fabric addressing", "GPUDirect RDMA", "port verification"]
    assert record["packages"] == PACKAGES
    assert record["nccl_env"] == {}
    assert record["rdma_ports"] == []
    assert not host.file("/etc/modules-load.d/90-privateai-rdma.conf").exists
    assert host.run("ls /etc/systemd/network/60-privateai-rdma-*.network").rc != 0
