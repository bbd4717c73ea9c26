#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: block_devices_info
short_description: The disks of a node with what they carry (partitions, filesystems, LVM, Ceph), from lsblk and sysfs
version_added: "0.1.0"
description:
  - Runs C(lsblk --json --bytes --output-all) and reads C(/sys/block) and C(/dev/disk/by-id); changes nothing.
  - Per disk, the size, whether it is rotational, model, serial, WWN, transport (V(nvme) for an NVMe namespace),
    its stable C(/dev/disk/by-id) names, partitions, the filesystem, LVM, RAID, multipath and Ceph BlueStore
    signatures found, the devices stacked on it, every mount point below it and whether it holds the root, boot
    or swap file system.
  - Without a udev database (containers, minimal hosts) lsblk leaves the filesystem type, partition table, serial
    and model empty; they are filled from sysfs and, with O(probe_signatures), from C(blkid -p) (the low-level
    probe, no cache) and the first 4 KiB of the disk, where a Ceph BlueStore OSD carries C(bluestore block device).
  - The decision which disks Rook may take is not made here; it runs on the controller with every node's result,
    in the P(privateai.deepseek_dify.storage_disks#filter) filter.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.attributes.read_only
options:
  lsblk_json:
    description:
      - Output of C(lsblk --json --bytes --output-all) recorded earlier (text or the parsed data), read instead of
        running lsblk. Used for review without hardware and in tests; sysfs, the by-id links and the probe of this
        host are then not read, unless O(sysfs_root), O(probe_signatures) or a O(by_id_dir) other than the default
        are given.
    type: raw
  include_loop:
    description:
      - List loop devices too (file-backed test disks). Real nodes leave this off.
      - >-
        A loop device has no serial; its backing file's name is reported as its C(serial) (characters a serial cannot
        hold replaced by an underscore), so a test disk can be named and listed for wiping.
    type: bool
    default: false
  probe_signatures:
    description:
      - Run C(blkid -p) on each disk and read its first 4 KiB for a Ceph BlueStore label. Reads only.
      - Defaults to V(true) when lsblk runs here and V(false) with O(lsblk_json).
    type: bool
  sysfs_root:
    description:
      - Root of the sysfs tree. Only tests change it. Defaults to V(/sys) when lsblk runs here, and to no sysfs with
        O(lsblk_json).
    type: path
  by_id_dir:
    description: Directory of the stable disk names. Only tests change it.
    type: path
    default: /dev/disk/by-id
notes:
  - Needs root for C(blkid -p) and the BlueStore check (the disks are opened read-only).
  - Kernel names (C(sdb), C(nvme0n1)) are listed, but can change at the next reboot; refer to disks by serial, WWN
    or their C(/dev/disk/by-id) name.
seealso:
  - plugin: privateai.deepseek_dify.storage_disks
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Read the disks of every storage node
  privateai.deepseek_dify.block_devices_info:
  register: storage_disks_found

- name: Read a recorded lsblk output instead (review without hardware)
  privateai.deepseek_dify.block_devices_info:
    lsblk_json: "{{ lookup('ansible.builtin.file', 'recorded/storage-1-lsblk.json') }}"
  register: storage_disks_found
"""

RETURN = r"""
disks:
  description: Every disk of the node (no partitions, RAM disks, CD drives; loop devices only with O(include_loop)).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: "Kernel name (can change at reboot)"
      type: str
      sample: sdb
    path:
      description: "Device path"
      type: str
      sample: /dev/sdb
    by_id:
      description: "Its /dev/disk/by-id links (empty without udev)"
      type: list
      elements: str
    type:
      description: "lsblk device type"
      type: str
      sample: disk
    size:
      description: "Size in bytes"
      type: int
      sample: 3840755982336
    rotational:
      description: "Spinning disk"
      type: bool
    model:
      description: "Model"
      type: str
    serial:
      description: "Serial number"
      type: str
    wwn:
      description: "World wide name as lsblk reports it"
      type: str
      sample: "0x5002538e40a1b2c3"
    wwid:
      description: "WWID from sysfs (NVMe, SCSI)"
      type: str
    tran:
      description: "Transport (sata, sas, nvme, usb)"
      type: str
    nvme:
      description: "Whether the disk is an NVMe namespace"
      type: bool
    pttype:
      description: "Partition table type (gpt, dos)"
      type: str
    fstype:
      description: "Signature on the whole disk (ext4, xfs, LVM2_member, ceph_bluestore, mpath_member)"
      type: str
    bluestore_label:
      description: "A Ceph BlueStore label was found"
      type: bool
    multipath_member:
      description: "The disk is one path of a multipath device"
      type: bool
    partitions:
      description: "Its partitions (name, path, size, fstype, partlabel, parttypename, uuid, mountpoints)"
      type: list
      elements: dict
    holders:
      description: "Devices stacked on it or its partitions (LVM volumes, dm-crypt, multipath, RAID)"
      type: list
      elements: dict
    all_mountpoints:
      description: "Every mount point on the disk or below it"
      type: list
      elements: str
    mounted:
      description: "Something on the disk is mounted"
      type: bool
    holds_root:
      description: "The root file system is on the disk"
      type: bool
    holds_boot:
      description: "/boot, /boot/efi or /efi is on the disk"
      type: bool
    holds_swap:
      description: "A swap area is on the disk"
      type: bool
    signatures:
      description: "What was found that an OSD would destroy, one phrase each"
      type: list
      elements: str
      sample: ["gpt partition table", "partitions sdb1 (ext4)"]
    blank:
      description: "Nothing found and nothing mounted"
      type: bool
    probed:
      description: "Whether blkid and the BlueStore check ran on it"
      type: bool
    probe_errors:
      description: Why the probe could not read the disk; such a disk is not known to be blank.
      type: list
      elements: str
not_disks:
  description: Top-level devices not listed as disks, with their type.
  returned: always
  type: list
  elements: str
  sample: ["sr0 (rom)", "zram0 (disk)"]
source:
  description: Where the tree came from, V(lsblk) or V(lsblk_json).
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import block_devices


def _prober(module):
    blkid = module.get_bin_path("blkid")

    def probe(path):
        found = {"blkid": {}, "bluestore_label": False, "errors": []}
        if blkid:
            # -p: low-level probe of the device itself; rc 2 without a message means nothing was found.
            rc, out, err = module.run_command([blkid, "-p", "-o", "export", path])
            if rc == 0:
                found["blkid"] = block_devices.parse_blkid_export(out)
            elif rc != 2 or err.strip():
                found["errors"].append("blkid -p exited with %s: %s" % (rc, err.strip()))
        else:
            found["errors"].append("blkid is not installed (util-linux)")
        try:
            with open(path, "rb") as handle:
                found["bluestore_label"] = block_devices.has_bluestore_label(handle.read(block_devices.HEAD_BYTES))
        except (IOError, OSError) as exc:
            found["errors"].append("cannot read its first %d bytes: %s" % (block_devices.HEAD_BYTES, to_native(exc)))
        return found

    return probe


def main():
    module = AnsibleModule(
        argument_spec=dict(
            lsblk_json=dict(type="raw"),
            include_loop=dict(type="bool", default=False),
            probe_signatures=dict(type="bool"),
            sysfs_root=dict(type="path"),
            by_id_dir=dict(type="path", default="/dev/disk/by-id"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    recorded = params["lsblk_json"] is not None
    if recorded:
        data, source = params["lsblk_json"], "lsblk_json"
        sysfs_root = params["sysfs_root"]
        by_id_dir = params["by_id_dir"] if params["by_id_dir"] != "/dev/disk/by-id" else None
    else:
        lsblk = module.get_bin_path("lsblk", required=True)
        rc, data, err = module.run_command([lsblk, "--json", "--bytes", "--output-all"])
        if rc != 0:
            module.fail_json(msg="Failed to list the block devices due to: lsblk exited with %s: %s" % (rc, err.strip()))
        source = "lsblk"
        sysfs_root = params["sysfs_root"] or "/sys"
        by_id_dir = params["by_id_dir"]
    probe_on = params["probe_signatures"] if params["probe_signatures"] is not None else not recorded
    try:
        result = block_devices.collect(data, sysfs_root=sysfs_root, by_id_dir=by_id_dir,
                                       include_loop=params["include_loop"],
                                       probe=_prober(module) if probe_on else None)
    except block_devices.BlockDevicesError as exc:
        module.fail_json(msg="Failed to read the block devices from %s due to: %s" % (source, to_native(exc)))
    module.exit_json(changed=False, source=source, **result)


if __name__ == "__main__":
    main()
