# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain-Python logic behind the sysctl_profile module.

A profile is a dict of sysctl keys to wanted values. This module renders it to a sysctl.d file,
reads the live values under /proc/sys, decides what to apply, and applies it. Nothing here imports
Ansible, so it is unit-tested directly against a fake /proc/sys tree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

# Keys under these prefixes belong to the network namespace, so a container may own them.
# Everything else (vm.*, kernel.*, fs.*) belongs to the host kernel.
NAMESPACED_PREFIXES = ("net.",)

REASON_ABSENT = "absent"
REASON_REFUSED = "refused"
REASON_HOST_OWNED = "host-owned"
REASON_NOT_APPLIED = "not-applied"

REASON_TEXT = {
    REASON_ABSENT: "not exposed by this kernel or network namespace (module not loaded, or not namespaced)",
    REASON_REFUSED: "the kernel refused the write (read-only in this namespace, or the value is out of range)",
    REASON_HOST_OWNED: "not namespaced: in a container the host kernel owns it, so it is persisted but not applied",
    REASON_NOT_APPLIED: "written, but the kernel reports a different value",
}


class SysctlProfileError(Exception):
    """Bad input, named by key and value."""


def normalize_value(value):
    """Render a wanted value the way the kernel prints it: fields joined by one space."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        if not value or any(v is None or isinstance(v, (list, tuple, dict)) for v in value):
            raise SysctlProfileError("a list value must hold one or more numbers or strings")
        return " ".join(normalize_value(v) for v in value)
    text = " ".join(str(value).split())
    if text == "":
        raise SysctlProfileError("empty value")
    return text


def normalize_settings(settings):
    """Validate and normalize a {key: value} profile; raise naming every bad entry at once."""
    if not isinstance(settings, dict):
        raise SysctlProfileError("settings must be a dict of sysctl key to value, got %s" % type(settings).__name__)
    problems = []
    result = {}
    for key in sorted(settings, key=str):
        value = settings[key]
        if not isinstance(key, str) or not key or any(c.isspace() for c in key) or "=" in key:
            problems.append("key %r is not a sysctl name (expected for example net.ipv4.tcp_congestion_control)" % (key,))
            continue
        if key.startswith((".", "/")) or ".." in key or "//" in key:
            problems.append("key %r is not a sysctl name" % (key,))
            continue
        if value is None or isinstance(value, dict):
            problems.append("value of %s is %r: give a string, a number or a list of numbers" % (key, value))
            continue
        try:
            result[key] = normalize_value(value)
        except SysctlProfileError as exc:
            what = "empty" if str(exc) == "empty value" else "%r (%s)" % (value, exc)
            problems.append("value of %s is %s: give the value to set, or remove the key" % (key, what))
    if problems:
        raise SysctlProfileError("; ".join(problems))
    return result


def is_namespaced(key):
    """True for keys of the network namespace, in dotted (net.ipv4...) or slash (net/ipv4/...) form."""
    first = key.split("/", 1)[0] if "/" in key else key.split(".", 1)[0]
    return first + "." in NAMESPACED_PREFIXES


def key_to_path(key, proc_sys_root="/proc/sys"):
    """net.ipv4.tcp_rmem -> /proc/sys/net/ipv4/tcp_rmem. A key written with '/' keeps its dots
    (the sysctl(8) form for interface names such as eth0.100)."""
    parts = key.split("/") if "/" in key else key.split(".")
    return os.path.join(proc_sys_root, *parts)


def render_file(settings, header):
    """Deterministic sysctl.d content: header comment lines, then sorted key = value lines."""
    lines = ["# %s" % line if line else "#" for line in header.splitlines()]
    for key in sorted(settings):
        lines.append("%s = %s" % (key, settings[key]))
    return "\n".join(lines) + "\n"


def read_live(key, proc_sys_root="/proc/sys"):
    """The live value, normalized; None when the key does not exist here."""
    path = key_to_path(key, proc_sys_root)
    try:
        with open(path, "r") as handle:
            return " ".join(handle.read().split())
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        raise


def write_live(key, value, proc_sys_root="/proc/sys"):
    path = key_to_path(key, proc_sys_root)
    with open(path, "w") as handle:
        handle.write(value + "\n")


def plan(settings, scope="all", proc_sys_root="/proc/sys"):
    """Compare wanted with live values.

    Returns a dict with:
      to_apply: {key: {"before": live, "after": wanted}}
      in_sync: sorted list of keys already at the wanted value
      unavailable: {key: reason} for keys that cannot be applied here (absent, or host-owned in
        namespaced scope)
    """
    if scope not in ("all", "namespaced"):
        raise SysctlProfileError("scope is %r: use 'all' (a host) or 'namespaced' (a container)" % (scope,))
    result = {"to_apply": {}, "in_sync": [], "unavailable": {}}
    for key in sorted(settings):
        wanted = settings[key]
        if scope == "namespaced" and not is_namespaced(key):
            result["unavailable"][key] = REASON_HOST_OWNED
            continue
        live = read_live(key, proc_sys_root)
        if live is None:
            result["unavailable"][key] = REASON_ABSENT
        elif live == wanted:
            result["in_sync"].append(key)
        else:
            result["to_apply"][key] = {"before": live, "after": wanted}
    return result


def apply(to_apply, proc_sys_root="/proc/sys"):
    """Write each drifted key and read it back.

    Returns (applied, unavailable): applied maps key -> {before, after}; unavailable maps
    key -> reason for writes the kernel refused or did not take.
    """
    applied = {}
    unavailable = {}
    for key in sorted(to_apply):
        change = to_apply[key]
        try:
            write_live(key, change["after"], proc_sys_root)
        except (IOError, OSError) as exc:
            if exc.errno in (errno.EINVAL, errno.EROFS, errno.EACCES, errno.EPERM):
                unavailable[key] = REASON_REFUSED
                continue
            if exc.errno == errno.ENOENT:
                unavailable[key] = REASON_ABSENT
                continue
            raise
        now = read_live(key, proc_sys_root)
        if now != change["after"]:
            unavailable[key] = REASON_NOT_APPLIED
            continue
        applied[key] = change
    return applied, unavailable


def describe_unavailable(unavailable):
    """One line per reason, naming its keys (sorted), for warnings and failure messages."""
    by_reason = {}
    for key, reason in unavailable.items():
        by_reason.setdefault(reason, []).append(key)
    return ["%s: %s" % (", ".join(sorted(keys)), REASON_TEXT.get(reason, reason))
            for reason, keys in sorted(by_reason.items(), key=lambda item: sorted(item[1])[0])]
