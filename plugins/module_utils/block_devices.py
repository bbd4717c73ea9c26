# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain-Python logic behind the block_devices_info module: the disks of a node and what they carry.

Sources, in this order of trust:

- ``lsblk --json --bytes --output-all`` (util-linux): the device tree. Since util-linux 2.37 the JSON
  has real booleans and numbers and a ``mountpoints`` list; older versions print every value as a
  string (``"rota": "1"``, ``"size": "1000204886016"``) and a single ``mountpoint``. Both are read.
  Without a udev database (containers, minimal hosts) lsblk leaves FSTYPE, PTTYPE, SERIAL, WWN and
  MODEL empty, so empty values are filled from the next sources.
- sysfs (``/sys/block/<kname>``): ``queue/rotational``, ``removable``, ``ro``, ``size`` (512-byte
  sectors), ``device/model``, ``device/serial`` or ``serial`` (virtio), ``wwid`` or ``device/wwid``
  (NVMe, SCSI), ``holders/`` (device-mapper users: LVM, multipath, dm-crypt).
- ``/dev/disk/by-id``: the stable names udev made for each disk (absent without udev).
- Signatures probed on the device itself when asked (``blkid -p``, the low-level probe that does not
  trust a cache, and the first 4 KiB: a Ceph BlueStore OSD starts with ``bluestore block device``).
  blkid names: ``LVM2_member`` (LVM physical volume), ``ceph_bluestore``, ``linux_raid_member``,
  ``crypto_LUKS``, ``mpath_member`` (set by multipath's udev rules), PTTYPE ``gpt``/``dos``.

Nothing here imports Ansible; the module passes in the command runner and the file reader.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

BLUESTORE_MAGIC = b"bluestore block device"
HEAD_BYTES = 4096
# Device types lsblk lists at the top of the tree that are never OSD candidates.
NON_DISK_TYPES = ("rom", "loop")
# Kernel names of memory-backed devices (zram swap, ramdisks): never disks.
_MEMORY_DEV_RE = re.compile(r"^(zram|ram)\d+$")
# How each signature is named in messages.
FSTYPE_NAMES = {
    "LVM2_member": "LVM physical volume",
    "ceph_bluestore": "Ceph BlueStore label",
    "linux_raid_member": "Linux RAID member",
    "crypto_LUKS": "LUKS encryption header",
    "mpath_member": "multipath member",
    "swap": "swap area",
}
BOOT_MOUNTS = ("/boot", "/boot/efi", "/efi")


class BlockDevicesError(Exception):
    """The lsblk output cannot be read."""


def _bool(value):
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("0", "false", "no"):
        return False
    return None


def _int(value):
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _text(value):
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def load_lsblk(data):
    """The ``blockdevices`` list of lsblk's JSON, given as text or already parsed."""
    if isinstance(data, (bytes, bytearray)):
        data = data.decode("utf-8", "replace")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise BlockDevicesError("lsblk output is not JSON: %s" % exc)
    if not isinstance(data, dict) or not isinstance(data.get("blockdevices"), list):
        raise BlockDevicesError("lsblk output has no 'blockdevices' list (expected the output of "
                                "'lsblk --json --bytes --output-all')")
    return data["blockdevices"]


def _mountpoints(dev):
    points = dev.get("mountpoints")
    if points is None:
        points = [dev.get("mountpoint")]
    return [p for p in (_text(x) for x in points) if p]


def normalize(dev):
    """One lsblk entry (without children) in the collection's names and types."""
    return {
        "name": _text(dev.get("name")),
        "kname": _text(dev.get("kname")) or _text(dev.get("name")),
        "path": _text(dev.get("path")) or ("/dev/%s" % _text(dev.get("name"))),
        "type": _text(dev.get("type")),
        "size": _int(dev.get("size")),
        "rotational": _bool(dev.get("rota")),
        "removable": _bool(dev.get("rm")),
        "read_only": _bool(dev.get("ro")),
        "model": _text(dev.get("model")),
        "vendor": _text(dev.get("vendor")),
        "serial": _text(dev.get("serial")),
        "wwn": _text(dev.get("wwn")),
        "tran": _text(dev.get("tran")),
        "hctl": _text(dev.get("hctl")),
        "pttype": _text(dev.get("pttype")),
        "fstype": _text(dev.get("fstype")),
        "uuid": _text(dev.get("uuid")),
        "label": _text(dev.get("label")),
        "partlabel": _text(dev.get("partlabel")),
        "parttypename": _text(dev.get("parttypename")),
        "mountpoints": _mountpoints(dev),
    }


def _walk(dev, depth=0):
    """Every descendant of an lsblk entry (partitions, LVM volumes, dm devices) with its depth."""
    for child in dev.get("children") or []:
        yield child, depth + 1
        yield from _walk(child, depth + 1)


def read_sysfs(sysfs_root, kname):
    """What sysfs says about a whole disk; missing attributes are None."""
    base = os.path.join(sysfs_root, "block", kname)

    def read(*parts):
        try:
            with open(os.path.join(base, *parts), "r") as handle:
                return handle.read().strip() or None
        except (IOError, OSError, UnicodeDecodeError):
            return None

    try:
        holders = sorted(os.listdir(os.path.join(base, "holders")))
    except (IOError, OSError):
        holders = []
    sectors = _int(read("size"))
    return {
        "present": os.path.isdir(base),
        "rotational": _bool(read("queue", "rotational")),
        "removable": _bool(read("removable")),
        "read_only": _bool(read("ro")),
        "size": sectors * 512 if sectors is not None else None,
        "model": read("device", "model"),
        "serial": read("device", "serial") or read("serial"),
        "wwid": read("wwid") or read("device", "wwid"),
        "holders": holders,
        "loop_backing_file": read("loop", "backing_file"),
    }


def read_by_id(by_id_dir):
    """{device path: [by-id links]} from /dev/disk/by-id (empty when the directory does not exist)."""
    links = {}
    try:
        names = sorted(os.listdir(by_id_dir))
    except (IOError, OSError):
        return links
    for name in names:
        link = os.path.join(by_id_dir, name)
        target = os.path.realpath(link)
        links.setdefault(target, []).append(link)
    return links


def parse_blkid_export(text):
    """``blkid -p -o export`` output as a dict (TYPE, PTTYPE, USAGE, UUID, ...)."""
    values = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            values[key.strip()] = value.strip()
    return values


def has_bluestore_label(head):
    """Whether the first bytes of a device carry a Ceph BlueStore label."""
    return bool(head) and head[:len(BLUESTORE_MAGIC)] == BLUESTORE_MAGIC


def _describe_fstype(fstype):
    return FSTYPE_NAMES.get(fstype, "%s filesystem" % fstype)


def signatures(disk, children):
    """What a disk carries that an OSD would destroy, as short phrases naming each find."""
    found = []
    if disk.get("pttype"):
        found.append("%s partition table" % disk["pttype"])
    if disk.get("fstype"):
        found.append(_describe_fstype(disk["fstype"]))
    if disk.get("bluestore_label") and disk.get("fstype") != "ceph_bluestore":
        found.append(FSTYPE_NAMES["ceph_bluestore"])
    parts = [c for c in children if c["type"] == "part"]
    if parts:
        found.append("partitions %s" % ", ".join(
            "%s (%s)" % (p["name"], p["fstype"]) if p.get("fstype") else p["name"] for p in parts))
    holders = [c for c in children if c["type"] != "part"]
    if holders:
        found.append("in use by %s" % ", ".join("%s %s" % (c["type"], c["name"]) for c in holders))
    for name in disk.get("sysfs_holders") or []:
        if not any(c.get("kname") == name for c in children):
            found.append("held by %s" % name)
    return found


def loop_serial(backing_file):
    """The serial a loop device is given: its backing file's name, characters outside letters, digits and . _ : + -
    replaced by _ (a deleted backing file's " (deleted)" dropped)."""
    name = os.path.basename(backing_file.replace(" (deleted)", "").rstrip("/"))
    return re.sub(r"[^A-Za-z0-9._:+-]", "_", name) or None


def build_disk(dev, sysfs=None, by_id=None, probe=None):
    """The record of one top-level device: lsblk's facts filled from sysfs, by-id links and the probe."""
    disk = normalize(dev)
    sysfs = sysfs or {}
    for key in ("rotational", "removable", "read_only", "size", "model", "serial"):
        if disk.get(key) is None and sysfs.get(key) is not None:
            disk[key] = sysfs[key]
    disk["wwid"] = sysfs.get("wwid")
    disk["by_id"] = sorted(by_id or [])
    disk["sysfs_holders"] = list(sysfs.get("holders") or [])
    if sysfs.get("loop_backing_file"):
        disk["loop_backing_file"] = sysfs["loop_backing_file"]
        if not disk.get("serial"):
            # A loop device (listed only for tests) has no serial: its backing file's name stands for one, so a
            # file-backed test disk can be named, listed for wiping and confirmed like a real one.
            disk["serial"] = loop_serial(sysfs["loop_backing_file"])
    probe = probe or {}
    blkid = probe.get("blkid") or {}
    disk["probed"] = bool(probe)
    disk["probe_errors"] = list(probe.get("errors") or [])
    if disk["fstype"] is None and blkid.get("TYPE"):
        disk["fstype"] = blkid["TYPE"]
    if disk["pttype"] is None and blkid.get("PTTYPE"):
        disk["pttype"] = blkid["PTTYPE"]
    disk["bluestore_label"] = bool(probe.get("bluestore_label")) or disk["fstype"] == "ceph_bluestore"
    disk["nvme"] = disk["tran"] == "nvme" or bool(re.match(r"^nvme\d+n\d+$", disk["kname"] or ""))
    disk["multipath_member"] = disk["fstype"] == "mpath_member"

    children = []
    mounts = list(disk["mountpoints"])
    for child, depth in _walk(dev):
        entry = normalize(child)
        entry["depth"] = depth
        children.append(entry)
        mounts.extend(entry["mountpoints"])
        if entry["type"] == "mpath":
            disk["multipath_member"] = True
    disk["partitions"] = [dict((k, c[k]) for k in ("name", "path", "size", "fstype", "partlabel", "parttypename",
                                                   "uuid", "mountpoints")) for c in children if c["type"] == "part"]
    disk["holders"] = [dict((k, c[k]) for k in ("name", "type", "fstype", "mountpoints"))
                       for c in children if c["type"] != "part"]
    disk["all_mountpoints"] = sorted(set(mounts))
    disk["mounted"] = bool(mounts)
    disk["holds_root"] = "/" in mounts
    disk["holds_boot"] = any(m in BOOT_MOUNTS for m in mounts)
    disk["holds_swap"] = "[SWAP]" in mounts or disk["fstype"] == "swap" or any(
        c["fstype"] == "swap" for c in children)
    disk["signatures"] = signatures(disk, children)
    disk["blank"] = not disk["signatures"] and not disk["mounted"] and not disk["probe_errors"]
    return disk


def is_candidate_type(dev, include_loop=False):
    """Whether a top-level lsblk entry is a disk worth listing (not a CD, RAM disk or, unless asked, a loop)."""
    kind = _text(dev.get("type"))
    name = _text(dev.get("kname")) or _text(dev.get("name")) or ""
    if _MEMORY_DEV_RE.match(name):
        return False
    if kind == "loop":
        return include_loop
    return kind not in NON_DISK_TYPES


def collect(lsblk_data, sysfs_root="/sys", by_id_dir="/dev/disk/by-id", include_loop=False, probe=None):
    """Every disk of the node as a list of records (see the module's RETURN), and notes on what was skipped.

    ``probe`` is a callable ``probe(path) -> {"blkid": {...}, "bluestore_label": bool, "errors": [...]}`` or None
    (recorded input).
    """
    devices = load_lsblk(lsblk_data)
    links = read_by_id(by_id_dir) if by_id_dir else {}
    disks = []
    not_disks = []
    for dev in devices:
        if not isinstance(dev, dict):
            raise BlockDevicesError("lsblk output lists a device that is not an object: %r" % (dev,))
        name = _text(dev.get("name"))
        if not is_candidate_type(dev, include_loop):
            not_disks.append("%s (%s)" % (name, _text(dev.get("type"))))
            continue
        kname = _text(dev.get("kname")) or name
        sysfs = read_sysfs(sysfs_root, kname) if sysfs_root else {}
        path = _text(dev.get("path")) or "/dev/%s" % name
        found = probe(path) if probe else None
        disks.append(build_disk(dev, sysfs, links.get(path, []), found))
    return {"disks": disks, "not_disks": not_disks}
