# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The storage preflight's disk decision: which disks of which storage node Rook may take.

Pure Python, run on the controller with every storage node's ``block_devices_info`` result (through the
``storage_disks`` filter), so the cluster-wide rules (replicas against hosts) see all nodes at once.

Per node, the inputs are the storage role's variables (their meaning is defined here and in
docs/storage.md):

- ``rook_ceph_devices``: the disks, each by ``/dev/disk/by-id/...`` path, ``serial:<serial>``,
  ``wwn:<wwn>`` (or a mapping ``{serial: ...}``, ``{wwn: ...}``, ``{by_id: ...}``) or, with a warning, a
  kernel name (``sdb``, ``/dev/nvme1n1``), which can move at the next reboot;
- ``rook_ceph_device_filter``: instead of a list, every disk matching ``min_size``/``max_size`` (bytes or
  ``960G``, ``3.5TiB``), ``model`` (shell pattern), ``nvme_only``, ``rotational``; disks the running system
  uses (root, boot, swap, mounted, stacked devices, multipath paths) are left out with the reason;
- ``rook_ceph_wipe_devices``: disks whose old content may be destroyed, by serial or WWN only;
- ``rook_ceph_allow_kernel_names``: acknowledges kernel names on a node with more than one disk.

Cluster-wide: ``rook_ceph_replicas``, ``rook_ceph_failure_domain`` (``host`` or ``osd``),
``rook_ceph_allow_single_replica`` and ``rook_ceph_wipe_confirm``, the serials/WWNs of the disks to wipe
in this run, given again on the command line: a wipe list left in the inventory destroys nothing by itself.

Nothing here imports Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import json
import re

FAILURE_DOMAINS = ("host", "osd")
BOOT_MOUNTS = ("/boot", "/boot/efi", "/efi")
FILTER_KEYS = ("min_size", "max_size", "model", "nvme_only", "rotational")
NODE_KEYS = ("block_devices", "devices", "device_filter", "wipe_devices", "allow_kernel_names")
_KERNEL_NAME_RE = re.compile(r"^(/dev/)?((sd|vd|xvd|hd)[a-z]+|nvme\d+n\d+|loop\d+|dm-\d+|md\d+|mmcblk\d+)$")
_SIZE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGTP]?)(i?)B?\s*$", re.IGNORECASE)
_SAFE_VALUE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]*$")
_POWERS = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5}


def parse_size(value):
    """Bytes from an int or a text like ``960G``, ``3.84TB`` (powers of 1000) or ``3.5TiB`` (powers of 1024)."""
    if isinstance(value, bool):
        raise ValueError("not a size")
    if isinstance(value, int):
        if value < 0:
            raise ValueError("negative")
        return value
    match = _SIZE_RE.match(str(value))
    if not match:
        raise ValueError("not a size")
    number, unit, binary = match.groups()
    base = 1024 if binary or not unit else 1000
    return int(float(number) * base ** _POWERS[unit.upper()])


def human(size):
    if size is None:
        return "unknown size"
    for unit, power in (("TB", 4), ("GB", 3), ("MB", 2)):
        if size >= 1000 ** power:
            return "%.2f %s" % (size / 1000.0 ** power, unit)
    return "%d bytes" % size


def norm_wwn(value):
    text = str(value or "").strip().lower()
    for prefix in ("wwn-", "0x", "naa.", "eui.", "t10."):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text


def disk_label(disk):
    """How messages name a disk: kernel name with serial (the serial is what is on the label of the drive)."""
    ids = []
    if disk.get("serial"):
        ids.append("serial %s" % disk["serial"])
    if disk.get("wwn"):
        ids.append("WWN %s" % disk["wwn"])
    if not ids:
        ids.append("no serial or WWN")
    return "%s (%s)" % (disk.get("name"), ", ".join(ids))


def _show(value):
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def parse_selector(entry):
    """A rook_ceph_devices entry as (kind, value); kind is by_id, serial, wwn or kernel. Raises ValueError."""
    if isinstance(entry, dict):
        keys = [k for k in ("by_id", "serial", "wwn", "name") if entry.get(k)]
        if len(keys) != 1 or len(entry) != 1:
            raise ValueError("a mapping names the disk with exactly one of by_id, serial, wwn")
        kind, value = keys[0], str(entry[keys[0]]).strip()
        if kind == "name":
            kind = "kernel" if _KERNEL_NAME_RE.match(value) else "by_id"
        return _checked(kind, value)
    if not isinstance(entry, str) or not entry.strip():
        raise ValueError("expected a text or a mapping")
    value = entry.strip()
    if value.startswith("/dev/disk/by-id/"):
        return _checked("by_id", value)
    for kind in ("serial", "wwn"):
        if value.lower().startswith(kind + ":"):
            return _checked(kind, value[len(kind) + 1:].strip())
    if _KERNEL_NAME_RE.match(value):
        return "kernel", value.rsplit("/", 1)[-1]
    raise ValueError("not a /dev/disk/by-id path, serial:<serial>, wwn:<wwn> or kernel name")


def _checked(kind, value):
    if kind == "by_id":
        if not value.startswith("/dev/disk/by-id/") or not _SAFE_VALUE_RE.match(value[len("/dev/disk/by-id/"):]):
            raise ValueError("a by-id name is /dev/disk/by-id/<letters, digits, . _ : + ->")
    elif kind == "kernel":
        if not _KERNEL_NAME_RE.match(value):
            raise ValueError("not a kernel disk name")
        value = value.rsplit("/", 1)[-1]
    elif not _SAFE_VALUE_RE.match(value):
        raise ValueError("a %s is letters, digits and . _ : + -" % kind)
    return kind, value


def matches(kind, value, disk):
    if kind == "kernel":
        return value in (disk.get("name"), disk.get("kname"))
    if kind == "serial":
        return bool(disk.get("serial")) and disk["serial"] == value
    if kind == "wwn":
        wanted = norm_wwn(value)
        return bool(wanted) and wanted in (norm_wwn(disk.get("wwn")), norm_wwn(disk.get("wwid")))
    # by_id: the link itself when udev listed it, else what the link name is made of
    if value in (disk.get("by_id") or []):
        return True
    base = value[len("/dev/disk/by-id/"):]
    if base.startswith("wwn-"):
        return matches("wwn", base, disk)
    serial = disk.get("serial")
    return bool(serial) and (base.endswith("_" + serial) or base.endswith("-" + serial))


def parse_wipe_entry(entry):
    """A rook_ceph_wipe_devices (or rook_ceph_wipe_confirm) entry as (kind, value); kind is serial, wwn or any."""
    if isinstance(entry, dict):
        kind, value = parse_selector(entry)
        if kind not in ("serial", "wwn"):
            raise ValueError("disks to wipe are named by serial or WWN, never by kernel name or path")
        return kind, value
    if not isinstance(entry, str) or not entry.strip():
        raise ValueError("expected a serial or WWN")
    value = entry.strip()
    for kind in ("serial", "wwn"):
        if value.lower().startswith(kind + ":"):
            return _checked(kind, value[len(kind) + 1:].strip())
    if "/" in value or _KERNEL_NAME_RE.match(value):
        raise ValueError("disks to wipe are named by serial or WWN, never by kernel name or path")
    if not _SAFE_VALUE_RE.match(value):
        raise ValueError("a serial or WWN is letters, digits and . _ : + -")
    return "any", value


def wipe_matches(kind, value, disk):
    if kind == "any":
        return matches("serial", value, disk) or matches("wwn", value, disk)
    return matches(kind, value, disk)


def in_use(disk):
    """Why the running system uses the disk (never taken, never wiped), empty when it does not."""
    reasons = []
    if disk.get("holds_root"):
        reasons.append("holds the root file system")
    if disk.get("holds_boot"):
        reasons.append("holds the boot file system")
    if disk.get("holds_swap"):
        reasons.append("holds a swap area")
    mounts = [m for m in disk.get("all_mountpoints") or [] if m not in ("/", "[SWAP]") + BOOT_MOUNTS]
    if mounts:
        reasons.append("mounted at %s" % ", ".join(mounts))
    if disk.get("multipath_member"):
        reasons.append("is one path of a multipath device (Rook must not write to a single path)")
    holders = [h for h in disk.get("holders") or [] if h.get("type") != "mpath"]
    if holders:
        reasons.append("in use by %s" % ", ".join("%s %s" % (h.get("type"), h.get("name")) for h in holders))
    if disk.get("read_only"):
        reasons.append("is read-only")
    return reasons


def data_found(disk):
    """What the disk carries (partition table, filesystem, LVM, Ceph), empty when blank."""
    return [s for s in disk.get("signatures") or [] if not s.startswith("in use by ") and not s.startswith("held by ")]


def rook_name(disk):
    """The name Rook's CephCluster gets: a /dev/disk/by-id link (wwn- first), else the device path."""
    links = disk.get("by_id") or []
    for prefix in ("wwn-", "nvme-eui.", "nvme-", "scsi-3", "ata-", ""):
        for link in links:
            if link.rsplit("/", 1)[-1].startswith(prefix):
                return link
    return disk.get("path")


def _filter_problems(host, flt):
    problems = []
    if not isinstance(flt, dict):
        return ["%s: rook_ceph_device_filter %s is not a mapping; fix: give keys among %s"
                % (host, _show(flt), ", ".join(FILTER_KEYS))], None
    unknown = sorted(set(flt) - set(FILTER_KEYS))
    if unknown:
        problems.append("%s: rook_ceph_device_filter has unknown keys %s; fix: use only %s"
                        % (host, ", ".join(unknown), ", ".join(FILTER_KEYS)))
    parsed = {}
    for key in ("min_size", "max_size"):
        if flt.get(key) is not None:
            try:
                parsed[key] = parse_size(flt[key])
            except ValueError:
                problems.append("%s: rook_ceph_device_filter.%s %s is not a size; fix: bytes or a number with "
                                "K/M/G/T (powers of 1000) or KiB/MiB/GiB/TiB" % (host, key, _show(flt[key])))
    if "min_size" in parsed and "max_size" in parsed and parsed["min_size"] > parsed["max_size"]:
        problems.append("%s: rook_ceph_device_filter.min_size %s is above max_size %s; fix: swap them"
                        % (host, _show(flt["min_size"]), _show(flt["max_size"])))
    for key in ("nvme_only", "rotational"):
        if flt.get(key) is not None:
            if not isinstance(flt[key], bool):
                problems.append("%s: rook_ceph_device_filter.%s %s is not true or false" % (host, key, _show(flt[key])))
            else:
                parsed[key] = flt[key]
    if flt.get("model") is not None:
        if not isinstance(flt["model"], str) or not flt["model"].strip():
            problems.append("%s: rook_ceph_device_filter.model %s is not a shell pattern text"
                            % (host, _show(flt["model"])))
        else:
            parsed["model"] = flt["model"].strip()
    if not parsed and not problems:
        problems.append("%s: rook_ceph_device_filter is empty, which would take every disk; fix: give at least "
                        "one of %s" % (host, ", ".join(FILTER_KEYS)))
    return problems, parsed


def filter_matches(flt, disk):
    size = disk.get("size")
    if "min_size" in flt and (size is None or size < flt["min_size"]):
        return False
    if "max_size" in flt and (size is None or size > flt["max_size"]):
        return False
    if flt.get("nvme_only") and not disk.get("nvme"):
        return False
    if "rotational" in flt and disk.get("rotational") is not flt["rotational"]:
        return False
    if "model" in flt and not fnmatch.fnmatchcase(disk.get("model") or "", flt["model"]):
        return False
    return True


def _disks_of(host, entry):
    found = entry.get("block_devices")
    if isinstance(found, dict):
        found = found.get("disks")
    if not isinstance(found, list) or not all(isinstance(d, dict) for d in found):
        return None
    return found


def _names(disks):
    return ", ".join(disk_label(d) for d in disks) or "none"


def _wipe_list(host, entry, problems):
    wipe = []
    raw = entry.get("wipe_devices")
    if raw is None:
        return wipe
    if not isinstance(raw, list):
        problems.append("%s: rook_ceph_wipe_devices %s is not a list; fix: a list of serials or WWNs" % (host, _show(raw)))
        return wipe
    for item in raw:
        try:
            wipe.append((item, parse_wipe_entry(item)))
        except ValueError as exc:
            problems.append("%s: rook_ceph_wipe_devices entry %s refused: %s; fix: name the disk by its serial or "
                            "WWN (lsblk -o NAME,SERIAL,WWN)" % (host, _show(item), exc))
    return wipe


def _confirm_list(wipe_confirm, problems):
    if wipe_confirm in (None, "", []):
        return []
    if isinstance(wipe_confirm, str):
        items = [x.strip() for x in wipe_confirm.split(",") if x.strip()]
    elif isinstance(wipe_confirm, list):
        items = wipe_confirm
    else:
        problems.append("rook_ceph_wipe_confirm %s refused: a yes is not enough; fix: name again, for this run "
                        "only (-e), the serial or WWN of each disk to wipe" % _show(wipe_confirm))
        return []
    parsed = []
    for item in items:
        try:
            parsed.append((item, parse_wipe_entry(item)))
        except ValueError as exc:
            problems.append("rook_ceph_wipe_confirm entry %s refused: %s" % (_show(item), exc))
    return parsed


def _decide_node(host, entry, confirmed, problems, warnings):
    result = {"osds": [], "rook_devices": [], "wipe": [], "refused": [], "excluded": [], "warnings": []}
    unknown = sorted(set(entry) - set(NODE_KEYS))
    if unknown:
        problems.append("%s: unknown storage inputs %s; fix: use only %s" % (host, ", ".join(unknown), ", ".join(NODE_KEYS)))
    disks = _disks_of(host, entry)
    if disks is None:
        problems.append("%s: no block_devices_info result for this storage node (got %s); fix: run "
                        "privateai.deepseek_dify.block_devices_info on it first"
                        % (host, _show(entry.get("block_devices"))[:80]))
        return result
    devices = entry.get("devices") or []
    flt = entry.get("device_filter")
    allow_kernel = entry.get("allow_kernel_names", False)
    if not isinstance(allow_kernel, bool):
        problems.append("%s: rook_ceph_allow_kernel_names %s is not true or false" % (host, _show(allow_kernel)))
        allow_kernel = False
    wipe = _wipe_list(host, entry, problems)
    if not isinstance(devices, list):
        problems.append("%s: rook_ceph_devices %s is not a list; fix: a list of /dev/disk/by-id paths, "
                        "serial:<serial> or wwn:<wwn>" % (host, _show(devices)))
        devices = []
    if devices and flt:
        problems.append("%s: both rook_ceph_devices and rook_ceph_device_filter are set; fix: keep one of them"
                        % host)
        return result
    if not devices and not flt:
        problems.append("%s: no disks chosen for Ceph (rook_ceph_devices and rook_ceph_device_filter are both "
                        "empty); disks there: %s; fix: list the disks by /dev/disk/by-id path, serial or WWN"
                        % (host, _names(disks)))
        return result

    chosen = []  # (disk, named explicitly)
    if devices:
        for item in devices:
            try:
                kind, value = parse_selector(item)
            except ValueError as exc:
                problems.append("%s: rook_ceph_devices entry %s refused: %s; fix: use /dev/disk/by-id/..., "
                                "serial:<serial> or wwn:<wwn>" % (host, _show(item), exc))
                continue
            hits = [d for d in disks if matches(kind, value, d)]
            if not hits:
                problems.append("%s: rook_ceph_devices entry %s matches no disk; disks there: %s"
                                % (host, _show(item), _names(disks)))
                continue
            if len(hits) > 1:
                problems.append("%s: rook_ceph_devices entry %s matches several disks (%s); fix: name one by its "
                                "/dev/disk/by-id path or WWN" % (host, _show(item), _names(hits)))
                continue
            disk = hits[0]
            if kind == "kernel":
                text = ("%s: rook_ceph_devices entry %s is a kernel name, which can name another disk after a "
                        "reboot; it is %s now; use /dev/disk/by-id or serial:/wwn: instead"
                        % (host, _show(item), disk_label(disk)))
                if len(disks) > 1 and not allow_kernel:
                    problems.append(text + " (or acknowledge with rook_ceph_allow_kernel_names: true; this node "
                                    "has %d disks)" % len(disks))
                    continue
                result["warnings"].append(text)
            if any(disk is c for c, dummy in chosen):
                problems.append("%s: %s is listed twice in rook_ceph_devices" % (host, disk_label(disk)))
                continue
            chosen.append((disk, True))
    else:
        filter_problems, parsed = _filter_problems(host, flt)
        problems.extend(filter_problems)
        if filter_problems:
            return result
        for disk in disks:
            if filter_matches(parsed, disk):
                reasons = in_use(disk)
                if reasons:
                    result["excluded"].append({"disk": disk.get("name"), "serial": disk.get("serial"),
                                               "reason": "; ".join(reasons)})
                else:
                    chosen.append((disk, False))

    for disk, named in chosen:
        label = disk_label(disk)
        listed = [item for item, (kind, value) in wipe if wipe_matches(kind, value, disk)]
        reasons = in_use(disk)
        if reasons:
            problems.append("%s: %s refused: %s; it cannot be an OSD and is never wiped; fix: remove it from "
                            "rook_ceph_devices" % (host, label, "; ".join(reasons)))
            result["refused"].append({"disk": disk.get("name"), "serial": disk.get("serial"), "reasons": reasons})
            continue
        if disk.get("probe_errors"):
            problems.append("%s: %s refused: it could not be checked for data (%s); fix: run block_devices_info "
                            "as root with probe_signatures" % (host, label, "; ".join(disk["probe_errors"])))
            result["refused"].append({"disk": disk.get("name"), "serial": disk.get("serial"),
                                      "reasons": list(disk["probe_errors"])})
            continue
        found = data_found(disk)
        record = {"name": disk.get("name"), "path": disk.get("path"), "rook_name": rook_name(disk),
                  "serial": disk.get("serial"), "wwn": disk.get("wwn"), "size": disk.get("size"),
                  "by_id": list(disk.get("by_id") or []), "wipe": False, "found": found}
        if found:
            if not listed:
                problems.append("%s: %s refused: it carries %s; fix: pick another disk, or if its data may be "
                                "destroyed, list its serial in rook_ceph_wipe_devices and confirm with "
                                "-e rook_ceph_wipe_confirm=%s for that run"
                                % (host, label, "; ".join(found), disk.get("serial") or disk.get("wwn") or "<wwn>"))
                result["refused"].append({"disk": disk.get("name"), "serial": disk.get("serial"), "reasons": found})
                continue
            if not any(wipe_matches(kind, value, disk) for dummy, (kind, value) in confirmed):
                problems.append("%s: %s carries %s and is listed in rook_ceph_wipe_devices, but "
                                "rook_ceph_wipe_confirm does not name it for this run; fix: to destroy its data "
                                "pass -e rook_ceph_wipe_confirm=%s" % (host, label, "; ".join(found),
                                                                       disk.get("serial") or disk.get("wwn")))
                result["refused"].append({"disk": disk.get("name"), "serial": disk.get("serial"),
                                          "reasons": found + ["wipe not confirmed"]})
                continue
            record["wipe"] = True
            result["wipe"].append(record)
        elif listed:
            result["warnings"].append("%s: %s is listed in rook_ceph_wipe_devices but is blank; nothing to wipe"
                                      % (host, label))
        if not found and disk.get("probed") is False:
            result["warnings"].append("%s: %s was not probed (recorded lsblk output only): it is blank according to "
                                      "lsblk alone, which shows no filesystem without a udev database; run "
                                      "block_devices_info on the node before anything is applied" % (host, label))
        if not disk.get("by_id"):
            result["warnings"].append("%s: %s has no /dev/disk/by-id link here; Rook gets %s"
                                      % (host, label, record["rook_name"]))
        result["osds"].append(record)
        result["rook_devices"].append({"name": record["rook_name"]})
    for item, (kind, value) in wipe:
        if not any(wipe_matches(kind, value, d) for d, dummy in chosen):
            if any(wipe_matches(kind, value, d) for d in disks):
                result["warnings"].append("%s: rook_ceph_wipe_devices entry %s is not a chosen OSD disk; it is "
                                          "not wiped" % (host, _show(item)))
    warnings.extend(result["warnings"])
    return result


def decide(nodes, storage_nodes=None, replicas=3, failure_domain="host", allow_single_replica=False,
           wipe_confirm=None):
    """The disk decision for every storage node; see the module docstring for the inputs.

    Returns ``ok``, ``problems`` (every refusal at once, each naming node, disk with serial, value and fix),
    ``warnings``, ``nodes`` (per host: ``osds``, ``rook_devices`` for the CephCluster, ``wipe``, ``refused``,
    ``excluded``), ``osd_count``, ``hosts_with_osds`` and the replica settings.
    """
    problems = []
    warnings = []
    if not isinstance(nodes, dict):
        return {"ok": False, "problems": ["storage disk decision input must map each storage node to its inputs, "
                                          "got %s" % type(nodes).__name__], "warnings": [], "nodes": {}}
    if storage_nodes is None:
        storage_nodes = sorted(nodes)
    elif not isinstance(storage_nodes, list) or not storage_nodes:
        problems.append("storage_nodes %s is not a non-empty list of hosts" % _show(storage_nodes))
        storage_nodes = []
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
        problems.append("rook_ceph_replicas %s is not a whole number of at least 1; fix: 3 for production"
                        % _show(replicas))
        replicas = None
    elif replicas == 1 and allow_single_replica is not True:
        problems.append("rook_ceph_replicas 1 keeps a single copy of the data (a lost disk loses it); fix: 3, or "
                        "rook_ceph_allow_single_replica: true for a test cluster")
    if failure_domain not in FAILURE_DOMAINS:
        problems.append("rook_ceph_failure_domain %s is not one of %s" % (_show(failure_domain), ", ".join(FAILURE_DOMAINS)))
        failure_domain = None
    confirmed = _confirm_list(wipe_confirm, problems)

    decided = {}
    for host in storage_nodes:
        entry = nodes.get(host)
        if not isinstance(entry, dict):
            problems.append("%s: in storage_nodes but no storage inputs were given for it" % host)
            continue
        decided[host] = _decide_node(host, entry, confirmed, problems, warnings)
        if not decided[host]["osds"] and not any(p.startswith(host + ": ") for p in problems):
            excluded = "; ".join("%s (%s)" % (e["disk"], e["reason"]) for e in decided[host]["excluded"])
            problems.append("%s: no eligible disk for an OSD (%s); fix: add a blank disk or widen the selection"
                            % (host, "left out: " + excluded if excluded else "nothing matched"))

    for item, (kind, value) in confirmed:
        if not any(o["wipe"] and wipe_matches(kind, value, {"serial": o["serial"], "wwn": o["wwn"]})
                   for n in decided.values() for o in n["osds"]):
            warnings.append("rook_ceph_wipe_confirm entry %s names no disk that is listed for wiping and carries "
                            "data; nothing is wiped for it" % _show(item))

    counts = dict((host, len(n["osds"])) for host, n in decided.items())
    osd_count = sum(counts.values())
    hosts_with_osds = len([h for h, c in counts.items() if c])
    table = ", ".join("%s: %d" % (h, counts.get(h, 0)) for h in storage_nodes)
    if replicas is not None and failure_domain == "host" and len(storage_nodes) < replicas:
        problems.append("rook_ceph_replicas %d with failure domain host needs %d storage nodes, storage_nodes has %d "
                        "(%s); fix: add storage nodes or lower the replicas"
                        % (replicas, replicas, len(storage_nodes), ", ".join(storage_nodes)))
    elif replicas is not None and failure_domain == "host" and hosts_with_osds < replicas:
        problems.append("rook_ceph_replicas %d with failure domain host needs OSD disks on %d hosts, found them on %d "
                        "(OSD disks per node: %s)" % (replicas, replicas, hosts_with_osds, table))
    if replicas is not None and failure_domain == "osd" and osd_count < replicas:
        problems.append("rook_ceph_replicas %d with failure domain osd needs %d OSD disks, found %d (per node: %s)"
                        % (replicas, replicas, osd_count, table))
    if replicas is not None and failure_domain == "osd" and hosts_with_osds < 2 <= replicas:
        warnings.append("failure domain osd with all OSDs on one host: losing that host loses every copy")
    return {
        "ok": not problems,
        "problems": problems,
        "warnings": warnings,
        "nodes": decided,
        "osd_count": osd_count,
        "hosts_with_osds": hosts_with_osds,
        "replicas": replicas,
        "failure_domain": failure_domain,
        "wipe_count": sum(len(n["wipe"]) for n in decided.values()),
    }


def wipe_targets(host, planned, disks):
    """The disks to wipe now on ``host``, checked again against a fresh ``block_devices_info`` result just before the
    wipe: the disk the decision named (same serial or WWN) is still at the same path and still not used by the
    running system. Returns ``{"targets": [{path, name, serial, wwn, size, found}], "problems": [...]}``; any problem
    means nothing may be wiped."""
    targets, problems = [], []
    if isinstance(disks, dict):
        disks = disks.get("disks")
    if not isinstance(disks, list):
        return {"targets": [], "problems": ["%s: no fresh block_devices_info result to check the disks to wipe against"
                                            % host]}
    for record in planned or []:
        ids = [(kind, record.get(kind)) for kind in ("serial", "wwn") if record.get(kind)]
        label = disk_label(record)
        if not ids:
            problems.append("%s: %s has no serial or WWN; disks are wiped only by serial or WWN" % (host, label))
            continue
        hits = [d for d in disks if any(matches(kind, value, d) for kind, value in ids)]
        if len(hits) != 1:
            problems.append("%s: %s: %s on the node now; nothing is wiped, run again"
                            % (host, label, "not found" if not hits else "found %d times (%s)" % (len(hits), _names(hits))))
            continue
        disk = hits[0]
        if disk.get("path") != record.get("path"):
            problems.append("%s: %s moved from %s to %s since the decision; nothing is wiped, run again"
                            % (host, label, record.get("path"), disk.get("path")))
            continue
        reasons = in_use(disk)
        if reasons:
            problems.append("%s: %s is in use now (%s); it is never wiped" % (host, label, "; ".join(reasons)))
            continue
        if not isinstance(disk.get("size"), int) or disk["size"] < 2 * 1024 * 1024 or disk["size"] % 512:
            problems.append("%s: %s has size %s; a disk to wipe has a known size of whole 512-byte sectors, at "
                            "least 2 MiB" % (host, label, _show(disk.get("size"))))
            continue
        targets.append({"path": disk["path"], "name": disk.get("name"), "serial": disk.get("serial"),
                        "wwn": disk.get("wwn"), "size": disk["size"], "found": data_found(disk), "label": label})
    return {"targets": targets, "problems": problems}
