# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible.module_utils import basic

from ansible_collections.privateai.deepseek_dify.plugins.modules import block_devices_info
from ansible_collections.privateai.deepseek_dify.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    exit_json,
    fail_json,
    set_module_args,
)

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures", "lsblk")


@pytest.fixture(autouse=True)
def patch_module(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


class FakeCommands(object):
    """Test double for the commands the module runs: canned lsblk and blkid answers, every call recorded."""

    def __init__(self, lsblk_out, blkid=None):
        self.lsblk_out = lsblk_out
        self.blkid = blkid or {}
        self.calls = []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return "/usr/bin/%s" % name

    def run_command(self, args, **kwargs):
        self.calls.append(list(args))
        if args[0].endswith("lsblk"):
            return 0, self.lsblk_out, ""
        path = args[-1]
        if path in self.blkid:
            return 0, self.blkid[path], ""
        return 2, "", ""


def install(monkeypatch, fake):
    monkeypatch.setattr(basic.AnsibleModule, "get_bin_path",
                        lambda module, name, required=False, opt_dirs=None: fake.get_bin_path(name, required))
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda module, args, **kw: fake.run_command(args, **kw))


def run(args, expect_fail=False):
    with set_module_args(args):
        with pytest.raises(AnsibleFailJson if expect_fail else AnsibleExitJson) as exc:
            block_devices_info.main()
    return exc.value.args[0]


def read(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def test_recorded_json_is_read_without_running_anything(monkeypatch):
    fake = FakeCommands("{}")
    install(monkeypatch, fake)
    result = run({"lsblk_json": read("synthetic-storage-node.json"), "_ansible_check_mode": True})
    assert fake.calls == []
    assert result["changed"] is False
    assert result["source"] == "lsblk_json"
    names = [d["name"] for d in result["disks"]]
    assert names[:3] == ["nvme0n1", "nvme1n1", "nvme2n1"]
    assert result["not_disks"] == ["sr0 (rom)", "zram0 (disk)"]
    json.dumps(result)


def test_recorded_json_as_parsed_data():
    result = run({"lsblk_json": json.loads(read("ci-vm-virtio.json"))})
    assert [d["name"] for d in result["disks"]] == ["vda"]
    assert result["disks"][0]["holds_root"] is True


def test_live_run_probes_each_disk_and_finds_ext4_and_bluestore(monkeypatch, tmp_path):
    # Two file-backed "disks": one with a BlueStore label in its first bytes, one with ext4 per blkid
    bluestore = tmp_path / "disk-bluestore"
    bluestore.write_bytes(b"bluestore block device\n0c6f2a1e-1111-2222-3333-444455556666\n" + b"\0" * 4000)
    ext4 = tmp_path / "disk-ext4"
    ext4.write_bytes(b"\0" * 4096)
    lsblk = json.dumps({"blockdevices": [
        {"name": "sdx", "path": str(bluestore), "type": "disk", "size": 4096, "fstype": None},
        {"name": "sdy", "path": str(ext4), "type": "disk", "size": 4096, "fstype": None}]})
    fake = FakeCommands(lsblk, blkid={str(ext4): "DEVNAME=%s\nTYPE=ext4\nUSAGE=filesystem\n" % ext4})
    install(monkeypatch, fake)
    result = run({"sysfs_root": str(tmp_path / "no-sys"), "by_id_dir": str(tmp_path / "no-by-id")})
    assert fake.calls[0] == ["/usr/bin/lsblk", "--json", "--bytes", "--output-all"]
    assert ["/usr/bin/blkid", "-p", "-o", "export", str(ext4)] in fake.calls
    disks = dict((d["name"], d) for d in result["disks"])
    assert disks["sdx"]["signatures"] == ["Ceph BlueStore label"]
    assert disks["sdy"]["signatures"] == ["ext4 filesystem"]
    assert disks["sdy"]["fstype"] == "ext4"
    assert result["source"] == "lsblk"


def test_unreadable_disk_is_not_called_blank(monkeypatch, tmp_path):
    lsblk = json.dumps({"blockdevices": [{"name": "sdz", "path": str(tmp_path / "missing"), "type": "disk", "size": 1}]})
    install(monkeypatch, FakeCommands(lsblk))
    result = run({"sysfs_root": str(tmp_path), "by_id_dir": str(tmp_path)})
    disk = result["disks"][0]
    assert disk["blank"] is False
    assert disk["probe_errors"] and disk["probe_errors"][0].startswith("cannot read its first 4096 bytes")


def test_lsblk_failure_fails_with_its_message(monkeypatch):
    fake = FakeCommands("")
    install(monkeypatch, fake)
    monkeypatch.setattr(basic.AnsibleModule, "run_command", lambda self, args, **kw: (32, "", "lsblk: boom"))
    result = run({}, expect_fail=True)
    assert result["msg"] == "Failed to list the block devices due to: lsblk exited with 32: lsblk: boom"


def test_bad_recorded_json_fails_naming_the_source():
    result = run({"lsblk_json": "{\"nothing\": 1}"}, expect_fail=True)
    assert result["msg"].startswith("Failed to read the block devices from lsblk_json due to: lsblk output has no "
                                    "'blockdevices' list")
