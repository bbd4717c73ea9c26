# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain-Python logic behind the sysctl_profile module.

A profile is a dict of sysctl keys to wanted values. This module renders it to a sysctl.d file,
reads the live values under /proc/sys, decides what to apply, applies it and writes the file
(ensure_profile, the whole of what the module does; the module only parses its arguments). Nothing here
imports Ansible (the module passes its atomic_move in), so it is unit-tested directly against a fake
/proc/sys tree.
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


class SysctlProfileFailure(Exception):
    """The profile cannot be applied; ``details`` are the result fields the module returns with the failure."""

    def __init__(self, message, **details):
        super(SysctlProfileFailure, self).__init__(message)
        self.details = details


def read_file(path):
    """Current text of the profile file, or None when there is none."""
    if not os.path.exists(path):
        return None
    with open(path, "r") as handle:
        return handle.read()


def write_file(path, text, atomic_move):
    """Write ``text`` to ``path`` (mode 0644) through a temporary file in the same directory and ``atomic_move``."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise SysctlProfileFailure("Failed to write '%s' due to: directory '%s' does not exist" % (path, directory))
    tmp_path = os.path.join(directory, ".%s.tmp" % os.path.basename(path))
    with open(tmp_path, "w") as handle:
        handle.write(text)
    os.chmod(tmp_path, 0o644)
    atomic_move(tmp_path, path)
    os.chmod(path, 0o644)


def ensure_profile(settings, path, header, apply_live=True, scope="all", unavailable_mode="fail",
                   proc_sys_root="/proc/sys", check_mode=False, diff=False, atomic_move=None):
    """Persist ``settings`` in ``path`` and apply the drifted keys to the running kernel.

    Returns (result, warning): the module's result fields and a warning text or None. Raises
    SysctlProfileFailure with the message and result fields of a failure. In check mode nothing is written.
    """
    try:
        settings = normalize_settings(settings)
    except SysctlProfileError as exc:
        raise SysctlProfileFailure("Failed to validate the settings for '%s' due to: %s" % (path, exc))

    wanted_text = render_file(settings, header)
    current_text = read_file(path)
    file_changed = current_text != wanted_text

    try:
        decision = plan(settings, scope, proc_sys_root)
    except (IOError, OSError) as exc:
        raise SysctlProfileFailure("Failed to read the live kernel parameters under '%s' due to: %s" % (proc_sys_root, exc))
    unavailable = dict(decision["unavailable"])

    absent = dict((k, v) for k, v in unavailable.items() if v == REASON_ABSENT)
    if absent and apply_live and unavailable_mode == "fail":
        raise SysctlProfileFailure(
            "Failed to apply sysctl profile '%s': these keys do not exist in the running kernel: %s. "
            "Load the kernel module that provides them before this task, or remove them from the settings."
            % (path, "; ".join(describe_unavailable(absent))),
            unavailable=unavailable,
        )

    to_apply = decision["to_apply"] if apply_live else {}
    if check_mode:
        applied = to_apply
    else:
        if file_changed:
            write_file(path, wanted_text, atomic_move)
        try:
            applied, refused = apply(to_apply, proc_sys_root)
        except (IOError, OSError) as exc:
            raise SysctlProfileFailure("Failed to write the live kernel parameters under '%s' due to: %s"
                                       % (proc_sys_root, exc))
        unavailable.update(refused)
        if refused and unavailable_mode == "fail":
            raise SysctlProfileFailure(
                "Failed to apply sysctl profile '%s' (the file was written): %s. Fix or remove these keys."
                % (path, "; ".join(describe_unavailable(refused))),
                applied=applied, unavailable=unavailable, changed=bool(applied) or file_changed,
            )

    warning = None
    if unavailable and unavailable_mode == "warn":
        warning = "sysctl profile '%s': persisted but not applied here: %s" % (path, "; ".join(describe_unavailable(unavailable)))

    result = dict(
        changed=file_changed or bool(applied),
        file_changed=file_changed,
        applied=applied,
        in_sync=decision["in_sync"],
        unavailable=unavailable,
    )
    if diff:
        before_live = "".join("%s = %s\n" % (k, v["before"]) for k, v in sorted(to_apply.items()))
        after_live = "".join("%s = %s\n" % (k, v["after"]) for k, v in sorted(to_apply.items()))
        result["diff"] = [
            dict(before_header=path, after_header=path, before=current_text or "", after=wanted_text),
            dict(before_header="running kernel", after_header="running kernel", before=before_live, after=after_live),
        ]
    return result, warning
