# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import block_devices as bd

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures", "lsblk")


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def disks_of(name, **kwargs):
    kwargs.setdefault("sysfs_root", None)
    kwargs.setdefault("by_id_dir", None)
    result = bd.collect(fixture(name), **kwargs)
    return dict((d["name"], d) for d in result["disks"]), result["not_disks"]


def write_sysfs(root, recorded):
    """A fake /sys/block from the recorded attributes of ci-vm-virtio.sysfs.json."""
    for kname, attrs in recorded["block"].items():
        base = os.path.join(str(root), "block", kname)
        os.makedirs(os.path.join(base, "holders"))
        for attr, value in attrs.items():
            if attr == "holders":
                for holder in value:
                    os.makedirs(os.path.join(base, "holders", holder))
                continue
            path = os.path.join(base, attr)
            if not os.path.isdir(os.path.dirname(path)):
                os.makedirs(os.path.dirname(path))
            with open(path, "w") as handle:
                handle.write(value + "\n")
    return str(root)


# --- recorded: the CI VM (Debian 12, util-linux 2.38.1, virtio disk, no udev database) ---

def test_recorded_ci_vm_lists_the_root_disk_and_no_zram():
    disks, not_disks = disks_of("ci-vm-virtio.json")
    assert list(disks) == ["vda"]
    assert not_disks == ["zram0 (disk)"]
    vda = disks["vda"]
    assert vda["size"] == 274877906944
    assert vda["holds_root"] is True
    assert vda["mounted"] is True
    assert vda["blank"] is False
    # No udev database there: lsblk knows neither filesystem nor serial
    assert vda["fstype"] is None and vda["serial"] is None


def test_recorded_ci_vm_sysfs_fills_what_lsblk_lacks(tmp_path):
    recorded = json.loads(fixture("ci-vm-virtio.sysfs.json"))
    root = write_sysfs(tmp_path / "sys", recorded)
    disks, dummy = disks_of("ci-vm-virtio.json", sysfs_root=root)
    assert disks["vda"]["serial"] == "overlayblk"
    assert disks["vda"]["rotational"] is True
    assert disks["vda"]["sysfs_holders"] == []


# --- synthetic storage node (one disk per case, named in the fixture) ---

SYNTHETIC_CASES = [
    # name, signatures, flags that must be true, flags that must be false
    ("nvme0n1", ["gpt partition table", "partitions nvme0n1p1 (vfat), nvme0n1p2 (ext4)"],
     ["holds_root", "holds_boot", "mounted", "nvme"], ["blank", "multipath_member"]),
    ("nvme1n1", [], ["blank", "nvme"], ["mounted", "holds_root"]),
    ("sdb", ["ext4 filesystem"], ["rotational"], ["blank", "mounted", "nvme"]),
    ("sdc", ["LVM physical volume", "in use by lvm vg_old-data"], [], ["blank", "mounted"]),
    ("sdd", ["LVM physical volume"], [], ["blank", "mounted"]),
    ("sde", ["Ceph BlueStore label"], ["bluestore_label"], ["blank", "mounted"]),
    ("sdf", ["gpt partition table", "partitions sdf1 (xfs)"], ["mounted"], ["blank", "holds_root"]),
    ("sdg", ["multipath member", "in use by mpath mpatha"], ["multipath_member"], ["blank"]),
]


@pytest.mark.parametrize("name,signatures,true_flags,false_flags", SYNTHETIC_CASES,
                         ids=[c[0] for c in SYNTHETIC_CASES])
def test_synthetic_node_signatures(name, signatures, true_flags, false_flags):
    disks, dummy = disks_of("synthetic-storage-node.json")
    disk = disks[name]
    assert disk["signatures"] == signatures
    for flag in true_flags:
        assert disk[flag] is True, flag
    for flag in false_flags:
        assert disk[flag] is False, flag


def test_synthetic_node_leaves_out_cd_and_zram():
    disks, not_disks = disks_of("synthetic-storage-node.json")
    assert not_disks == ["sr0 (rom)", "zram0 (disk)"]
    assert sorted(disks) == ["nvme0n1", "nvme1n1", "nvme2n1", "sdb", "sdc", "sdd", "sde", "sdf", "sdg", "sdh"]
    assert disks["sdf"]["all_mountpoints"] == ["/data"]
    assert disks["nvme0n1"]["partitions"][1]["mountpoints"] == ["/"]


def test_synthetic_util_linux_234_strings_are_typed():
    disks, dummy = disks_of("synthetic-util-linux-2.34.json")
    assert disks["sda"]["size"] == 480103981056
    assert disks["sda"]["rotational"] is False
    assert disks["sda"]["holds_root"] is True
    assert disks["sdb"]["blank"] is True
    assert disks["sdb"]["path"] == "/dev/sdb"


# --- probe results fill empty lsblk columns ---

PROBE_CASES = [
    ("ext4 found by blkid", {"blkid": {"TYPE": "ext4", "USAGE": "filesystem"}}, ["ext4 filesystem"], True),
    ("gpt found by blkid", {"blkid": {"PTTYPE": "gpt"}}, ["gpt partition table"], True),
    ("bluestore label in the first bytes", {"blkid": {}, "bluestore_label": True}, ["Ceph BlueStore label"], True),
    ("nothing found", {"blkid": {}, "bluestore_label": False}, [], True),
    ("unreadable disk", {"blkid": {}, "errors": ["cannot read its first 4096 bytes: EPERM"]}, [], False),
]


@pytest.mark.parametrize("case,probe,signatures,known", PROBE_CASES, ids=[c[0] for c in PROBE_CASES])
def test_probe_fills_signatures(case, probe, signatures, known):
    dev = {"name": "loop0", "type": "loop", "size": 67108864, "fstype": None, "pttype": None}
    disk = bd.build_disk(dev, {}, [], probe)
    assert disk["signatures"] == signatures
    assert disk["probed"] is True
    assert disk["blank"] is (known and not signatures)


def test_bluestore_magic_and_blkid_export():
    assert bd.has_bluestore_label(b"bluestore block device\n6f1c2d3e-0000\n") is True
    assert bd.has_bluestore_label(b"\0" * 4096) is False
    assert bd.has_bluestore_label(b"") is False
    assert bd.parse_blkid_export("DEVNAME=/dev/loop0\nUUID=327c\nTYPE=ext4\nUSAGE=filesystem\n") == {
        "DEVNAME": "/dev/loop0", "UUID": "327c", "TYPE": "ext4", "USAGE": "filesystem"}


def test_loop_devices_only_when_asked():
    data = {"blockdevices": [{"name": "loop0", "type": "loop", "size": 1}, {"name": "vdb", "type": "disk", "size": 2}]}
    assert [d["name"] for d in bd.collect(data, sysfs_root=None, by_id_dir=None)["disks"]] == ["vdb"]
    assert [d["name"] for d in bd.collect(data, sysfs_root=None, by_id_dir=None, include_loop=True)["disks"]] == [
        "loop0", "vdb"]


def test_by_id_links_are_attached(tmp_path):
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    target = tmp_path / "sdb"
    target.write_text("")
    os.symlink(str(target), str(by_id / "wwn-0x5000c500a1b2c301"))
    os.symlink(str(target), str(by_id / "scsi-35000c500a1b2c301"))
    data = {"blockdevices": [{"name": "sdb", "path": str(target), "type": "disk", "size": 2}]}
    disk = bd.collect(data, sysfs_root=None, by_id_dir=str(by_id))["disks"][0]
    assert disk["by_id"] == [str(by_id / "scsi-35000c500a1b2c301"), str(by_id / "wwn-0x5000c500a1b2c301")]


@pytest.mark.parametrize("text", ["not json", json.dumps({"devices": []}), json.dumps([1, 2])])
def test_unreadable_lsblk_output_is_refused(text):
    with pytest.raises(bd.BlockDevicesError):
        bd.load_lsblk(text)


# --- recorded: the GPU machine (2x H200 VM, Ubuntu 24.04, util-linux 2.39.3, no udev database) ---

def test_recorded_gpu_vm_root_and_driver_disks_are_in_use():
    disks, not_disks = disks_of("gpu-h200-vm-virtio.json")
    assert sorted(disks) == ["vda", "vdb"]
    assert not_disks == ["zram0 (disk)"]
    assert disks["vda"]["holds_root"] is True
    assert disks["vdb"]["holds_root"] is False
    assert disks["vdb"]["all_mountpoints"] == ["/usr/local/nvidia"]
    assert disks["vdb"]["read_only"] is True
    assert disks["vdb"]["size"] == 318332928
    assert not any(d["blank"] for d in disks.values())


# (id, backing file, serial)
LOOP_SERIALS = [("plain", "/tmp/loop/PRIVATEAI-EXT4-1a2b.img", "PRIVATEAI-EXT4-1a2b.img"),
                ("spaces and deleted", "/tmp/my disk.img (deleted)", "my_disk.img")]


@pytest.mark.parametrize("backing,serial", [c[1:] for c in LOOP_SERIALS], ids=[c[0] for c in LOOP_SERIALS])
def test_loop_device_takes_its_backing_file_name_as_serial(backing, serial):
    dev = {"name": "loop3", "type": "loop", "size": 67108864, "fstype": None, "pttype": None}
    assert bd.build_disk(dev, {"loop_backing_file": backing}, [], None)["serial"] == serial
    disk = bd.build_disk(dict(dev, type="disk", name="sdb", serial="ZA1"), {"loop_backing_file": backing}, [], None)
    assert disk["serial"] == "ZA1"  # a real serial is kept
