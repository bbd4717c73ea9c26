"""Verify sriov on the nodes: the VF configuration, script and unit, and the recorded state.

In the rdma scenario (one scenario for both roles of the network stage): rdma-node-1's sriov role read a fake sysfs
tree with a ConnectX-7 allowing 16 VFs and asked for 4 (molecule.yml); rdma-node-2 is a plain container without an
SR-IOV capable device. Each test takes the fixture of the node it
checks and runs once, so the count of passed tests is the count of checks made.
"""

import hashlib
import json
import re

import pytest
import testinfra

# Every test names its node through a fixture below (podman exec into the container named as the platform); none
# runs per host of the inventory.
testinfra_hosts = []

FACTS = "/etc/ansible/facts.d/privateai_sriov.fact"
UNIT = "privateai-sriov-vfs.service"
CONF = "/etc/privateai/sriov-vfs.conf"
SCRIPT = "/usr/local/libexec/privateai-sriov-vfs"


@pytest.fixture(scope="module")
def capable_node():
    return testinfra.get_host("podman://rdma-node-1")


@pytest.fixture(scope="module")
def plain_node():
    return testinfra.get_host("podman://rdma-node-2")


def _mac(node, interface, index):
    digest = hashlib.sha1(("%s/%s" % (node, interface)).encode()).hexdigest()
    return "02:%s:%s:%s:%s:%02x" % (digest[0:2], digest[2:4], digest[4:6], digest[6:8], index)


def test_vf_configuration(capable_node):
    lines = [line for line in capable_node.file(CONF).content_string.splitlines() if line and not line.startswith("#")]
    assert lines == ["pf ens1f0np0 4"] + [
        "vf ens1f0np0 %d mac %s on off" % (i, _mac("rdma-node-1", "ens1f0np0", i)) for i in range(4)]


def test_unit_enabled_valid_and_left_stopped_in_a_container(capable_node):
    host = capable_node
    assert host.service(UNIT).is_enabled
    assert not host.service(UNIT).is_running  # the PCI functions are the host's
    unit = host.file("/etc/systemd/system/" + UNIT).content_string
    assert "After=sys-subsystem-net-devices-ens1f0np0.device" in unit
    assert "Before=network-pre.target" in unit
    assert "ExecStart=/bin/bash %s %s" % (SCRIPT, CONF) in unit
    verify = host.run("systemd-analyze verify /etc/systemd/system/%s" % UNIT)
    assert verify.rc == 0, verify.stderr
    assert host.file(SCRIPT).mode == 0o755
    assert host.run("bash -n %s" % SCRIPT).rc == 0


def test_script_sets_the_vf_count_through_sysfs_and_reports_each_vf_it_could_not_set(capable_node):
    """Run the script against a copy of the fake tree. It writes sriov_numvfs (0 -> 4); the fake PF is no kernel
    interface, so each of the 4 per-VF `ip link set` calls fails, and the script must say so in its exit status
    (1) rather than claim success. Exit 1 here means exactly that: the count was set, the VF addresses were not."""
    host = capable_node
    host.run_expect([0], "rm -rf /tmp/sys-copy && cp -a /opt/privateai-fake-roce/sys /tmp/sys-copy")
    result = host.run("SRIOV_SYSFS_ROOT=/tmp/sys-copy bash %s %s" % (SCRIPT, CONF))
    assert "ens1f0np0: 0 -> 4 VFs" in result.stdout
    assert "the kernel refused" not in result.stderr  # the count itself was accepted
    assert host.run("ip link show ens1f0np0").rc != 0  # why the per-VF calls fail: no such kernel interface
    assert result.stderr.count('Cannot find device "ens1f0np0"') == 4, result.stderr
    assert result.rc == 1
    numvfs = host.file("/tmp/sys-copy/class/net/ens1f0np0/device/sriov_numvfs").content_string.strip()
    assert numvfs == "4"
    # Run again: the count is already 4, so sysfs is left alone (no 4 -> 0 -> 4 that would drop live VFs).
    again = host.run("SRIOV_SYSFS_ROOT=/tmp/sys-copy bash %s %s" % (SCRIPT, CONF))
    assert "VFs" not in again.stdout and again.rc == 1


def test_capable_node_record(capable_node):
    host = capable_node
    record = json.loads(host.file(FACTS).content_string)
    assert record["capable"] is True
    assert record["configured"] == ["ens1f0np0"]
    assert record["num_vfs"] == {"ens1f0np0": 4}
    assert record["capable_functions"][0]["sriov_totalvfs"] == 16
    # In a container the kernel command line is the host's: no GRUB drop-in
    assert record["iommu_params"] == []
    assert not host.file("/etc/default/grub.d/90-privateai-iommu.cfg").exists


def test_node_without_sriov_says_so_and_skips(plain_node):
    host = plain_node
    record = json.loads(host.file(FACTS).content_string)
    assert record["capable"] is False
    assert re.match(r"^no SR-IOV capable device: ", record["reason"])
    assert record["configured"] == []
    assert not host.file(CONF).exists
    assert not host.file("/etc/systemd/system/" + UNIT).exists
