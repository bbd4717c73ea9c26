# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only reading of what host_baseline manages (the logic of the host_baseline_info module).

Per name its first address (getaddrinfo, so /etc/hosts then DNS, as NCCL, Ray and kubelet resolve it) or
None; per file "sha1 mode owner group" or None; per directory whether it exists; per package its dpkg status
word or None; per systemd unit "active-state enabled-state". Commands run through the ``run`` callable the
module passes in (AnsibleModule.run_command), so the functions are unit-tested with a test double.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import grp
import hashlib
import os
import pwd
import socket


def resolve(name):
    try:
        return socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM)[0][4][0]
    except (socket.gaierror, UnicodeError):
        return None


def _owner(uid, table, attribute):
    try:
        return getattr(table(uid), attribute)
    except KeyError:
        return str(uid)


def file_state(path):
    """'<sha1> <mode> <owner> <group>' of a regular file, None when it cannot be read."""
    try:
        st = os.stat(path)
        with open(path, "rb") as handle:
            digest = hashlib.sha1(handle.read()).hexdigest()
    except (IOError, OSError):
        return None
    return "%s %04o %s %s" % (digest, st.st_mode & 0o7777, _owner(st.st_uid, pwd.getpwuid, "pw_name"),
                              _owner(st.st_gid, grp.getgrgid, "gr_name"))


def package_states(names, run):
    """dpkg status word (installed, config-files, ...) of each package, None when dpkg does not know it."""
    if not names:
        return {}
    dummy, out, dummy_err = run(["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\\n"] + list(names))
    found = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    return dict((name, found.get(name)) for name in names)


def unit_state(unit, run):
    """'<is-active> <is-enabled>' of a systemd unit (each 'unknown' when systemctl prints nothing)."""
    def ask(verb):
        dummy, out, dummy_err = run(["systemctl", verb, unit])
        return out.strip() or "unknown"
    return "%s %s" % (ask("is-active"), ask("is-enabled"))


def read_state(names=(), files=(), dirs=(), packages=(), units=(), run=None):
    return {
        "names": dict((name, resolve(name)) for name in names),
        "files": dict((path, file_state(path)) for path in files),
        "dirs": dict((path, os.path.isdir(path)) for path in dirs),
        "packages": package_states(list(packages), run),
        "units": dict((unit, unit_state(unit, run)) for unit in units),
    }
