# Read-only probe of everything host_baseline manages, in one call (tasks/probe.yml).
# Argument: JSON {"names": [...], "files": [...], "dirs": [...], "packages": [...], "units": [...]}.
# Prints JSON with, per name, its first address (getent hosts, so /etc/hosts then DNS, as NCCL,
# Ray and kubelet resolve it) or null; per file "sha1 mode owner group" or null; per directory
# true/false; per package its dpkg status word or null; per unit "active-state enabled-state".
import grp
import hashlib
import json
import os
import pwd
import socket
import subprocess
import sys


def resolve(name):
    try:
        return socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM)[0][4][0]
    except (socket.gaierror, UnicodeError):
        return None


def file_state(path):
    try:
        st = os.stat(path)
        with open(path, "rb") as handle:
            digest = hashlib.sha1(handle.read()).hexdigest()
    except OSError:
        return None
    owner = pwd.getpwuid(st.st_uid).pw_name
    group = grp.getgrgid(st.st_gid).gr_name
    return "%s %04o %s %s" % (digest, st.st_mode & 0o7777, owner, group)


def packages(names):
    if not names:
        return {}
    out = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\\n"] + names,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, universal_newlines=True, check=False).stdout
    found = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    return dict((n, found.get(n)) for n in names)


def unit_state(unit):
    def ask(verb):
        return subprocess.run(["systemctl", verb, unit], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              universal_newlines=True, check=False).stdout.strip() or "unknown"
    return "%s %s" % (ask("is-active"), ask("is-enabled"))


def main(request):
    return {
        "names": dict((n, resolve(n)) for n in request.get("names", [])),
        "files": dict((f, file_state(f)) for f in request.get("files", [])),
        "dirs": dict((d, os.path.isdir(d)) for d in request.get("dirs", [])),
        "packages": packages(request.get("packages", [])),
        "units": dict((u, unit_state(u)) for u in request.get("units", [])),
    }


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1])), sort_keys=True))
