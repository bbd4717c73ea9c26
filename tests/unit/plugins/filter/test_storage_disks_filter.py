# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.filter.storage_disks import FilterModule

BLANK = {"name": "vdb", "path": "/dev/vdb", "type": "disk", "size": 10 ** 12, "serial": "BLANK1", "signatures": [],
         "mountpoints": [], "all_mountpoints": [], "holders": [], "by_id": ["/dev/disk/by-id/virtio-BLANK1"]}
EXT4 = dict(BLANK, name="vdc", path="/dev/vdc", serial="EXT4DISK", signatures=["ext4 filesystem"], by_id=[])


def storage_disks():
    return FilterModule().filters()["storage_disks"]


def test_filter_returns_the_rook_devices():
    result = storage_disks()({"s1": {"block_devices": {"disks": [BLANK]}, "devices": ["serial:BLANK1"]}},
                             ["s1"], replicas=1, allow_single_replica=True)
    assert result["ok"] is True
    assert result["nodes"]["s1"]["rook_devices"] == [{"name": "/dev/disk/by-id/virtio-BLANK1"}]


def test_filter_raises_with_every_problem():
    with pytest.raises(AnsibleFilterError) as exc:
        storage_disks()({"s1": {"block_devices": {"disks": [BLANK, EXT4]}, "devices": ["serial:EXT4DISK"]}}, ["s1"])
    text = str(exc.value)
    assert text.startswith("Storage disk decision refused (2 problems, nothing was changed):")
    assert "s1: vdc (serial EXT4DISK) refused: it carries ext4 filesystem" in text
    assert "rook_ceph_replicas 3 with failure domain host needs 3 storage nodes, storage_nodes has 1" in text


def test_filter_without_fail_returns_the_problems():
    result = storage_disks()({"s1": {"block_devices": {"disks": [EXT4]}, "devices": ["serial:EXT4DISK"]}},
                             replicas=1, allow_single_replica=True, fail=False)
    assert result["ok"] is False
    assert result["problems"][0].startswith("s1: vdc (serial EXT4DISK) refused")


def test_filter_refuses_a_list_input():
    with pytest.raises(AnsibleFilterError, match="must map each storage node"):
        storage_disks()([BLANK])
