"""Verify sriov on the nodes: the VF configuration, script and unit, and the recorded state.

sriov-node-1 read a fake sysfs tree with a ConnectX-7 allowing 16 VFs and asked for 4 (molecule.yml);
sriov-node-2 is a plain container without an SR-IOV capable device.
"""

import hashlib
import json
import os
import re

import testinfra.utils.ansible_runner

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("all")

FACTS = "/etc/ansible/facts.d/privateai_sriov.fact"
UNIT = "privateai-sriov-vfs.service"
CONF = "/etc/privateai/sriov-vfs.conf"
SCRIPT = "/usr/local/libexec/privateai-sriov-vfs"


def _mac(node, interface, index):
    digest = hashlib.sha1(("%s/%s" % (node, interface)).encode()).hexdigest()
    return "02:%s:%s:%s:%s:%02x" % (digest[0:2], digest[2:4], digest[4:6], digest[6:8], index)


def test_vf_configuration(host):
    if host.backend.get_hostname() != "sriov-node-1":
        return
    lines = [line for line in host.file(CONF).content_string.splitlines() if line and not line.startswith("#")]
    assert lines == ["pf ens1f0np0 4"] + [
        "vf ens1f0np0 %d mac %s on off" % (i, _mac("sriov-node-1", "ens1f0np0", i)) for i in range(4)]


def test_unit_enabled_valid_and_left_stopped_in_a_container(host):
    if host.backend.get_hostname() != "sriov-node-1":
        return
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


def test_script_sets_the_vf_count_through_sysfs(host):
    """Run the script against a copy of the fake tree: it writes sriov_numvfs, then the per-VF `ip link`
    calls fail (the fake PF is no kernel interface), which it reports in its exit status."""
    if host.backend.get_hostname() != "sriov-node-1":
        return
    host.run_expect([0], "rm -rf /tmp/sys-copy && cp -a /opt/privateai-fake/sys /tmp/sys-copy")
    result = host.run("SRIOV_SYSFS_ROOT=/tmp/sys-copy bash %s %s" % (SCRIPT, CONF))
    assert "ens1f0np0: 0 -> 4 VFs" in result.stdout
    assert result.rc == 1
    numvfs = host.file("/tmp/sys-copy/class/net/ens1f0np0/device/sriov_numvfs").content_string.strip()
    assert numvfs == "4"


def test_capable_node_record(host):
    if host.backend.get_hostname() != "sriov-node-1":
        return
    record = json.loads(host.file(FACTS).content_string)
    assert record["capable"] is True
    assert record["configured"] == ["ens1f0np0"]
    assert record["num_vfs"] == {"ens1f0np0": 4}
    assert record["capable_functions"][0]["sriov_totalvfs"] == 16
    # In a container the kernel command line is the host's: no GRUB drop-in
    assert record["iommu_params"] == []
    assert not host.file("/etc/default/grub.d/90-privateai-iommu.cfg").exists


def test_node_without_sriov_says_so_and_skips(host):
    if host.backend.get_hostname() != "sriov-node-2":
        return
    record = json.loads(host.file(FACTS).content_string)
    assert record["capable"] is False
    assert re.match(r"^no SR-IOV capable device: ", record["reason"])
    assert record["configured"] == []
    assert not host.file(CONF).exists
    assert not host.file("/etc/systemd/system/" + UNIT).exists
