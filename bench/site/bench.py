"""Runs site.yml once to converge, then REPEAT times more (the idempotent runs), each with the callback
ansible.posix.profile_roles; appends one row per idempotent run to results.tsv (rows of the same label
are replaced): wall seconds, changed count, whole-machine CPU seconds, 1-minute load average before
and after, and the seconds per role (JSON)."""

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time

ROLE_LINE = re.compile(r"^(\S.*?) -+ ([0-9.]+)s$")
COLUMNS = ["label", "run", "nodes", "seconds", "changed", "cpu_s", "load1_before", "load1_after", "git", "roles", "ctl_cpu_s"]


def cpu_seconds():
    with open("/proc/stat") as handle:
        fields = handle.readline().split()
    return sum(int(fields[i]) for i in (1, 2, 3, 6, 7)) / os.sysconf("SC_CLK_TCK")  # user nice system irq softirq


def load1():
    with open("/proc/loadavg") as handle:
        return float(handle.read().split()[0])


def children_cpu():
    """CPU seconds of this process's waited-for children: ansible-playbook, its workers and their podman exec calls
    (not the module runs inside the nodes, and not the other users of the machine)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_site(args):
    env = dict(os.environ, ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_roles", PROFILE_ROLES_SUMMARY_ONLY="true")
    cmd = ["ansible-playbook", "site.yml", "-i", args.inventory, "-e", "privateai_render_dir=%s" % args.render_dir]
    load_before, cpu0, ctl0, start = load1(), cpu_seconds(), children_cpu(), time.time()
    proc = subprocess.run(cmd, cwd=args.tree, env=env, capture_output=True, text=True, check=False)
    seconds, cpu, ctl = time.time() - start, cpu_seconds() - cpu0, children_cpu() - ctl0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-6000:] + proc.stderr[-3000:])
        raise SystemExit("site.yml failed (exit %d) in %s" % (proc.returncode, args.tree))
    changed = sum(int(n) for n in re.findall(r" changed=(\d+)", proc.stdout))
    roles, in_recap = {}, False
    for line in proc.stdout.splitlines():
        if line.startswith("ROLES RECAP"):
            in_recap = True
            continue
        match = ROLE_LINE.match(line.strip()) if in_recap else None
        if match and match.group(1) != "total":
            roles[match.group(1)] = float(match.group(2))
    return {"seconds": seconds, "changed": changed, "cpu_s": cpu, "load1_before": load_before, "load1_after": load1(),
            "roles": roles, "ctl_cpu_s": ctl}


def main():
    parser = argparse.ArgumentParser()
    for opt in ("label", "tree", "inventory", "render_dir", "results"):
        parser.add_argument("--" + opt.replace("_", "-"), required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--rev", default="", help="the tree's commit, for a tree that is not a git checkout")
    args = parser.parse_args()
    git = args.rev or subprocess.run(["git", "-C", args.tree, "rev-parse", "--short", "HEAD"], capture_output=True,
                                     text=True, check=False).stdout.strip() or "export"
    first = run_site(args)
    print("%s: converge run %.1f s (changed=%d)" % (args.label, first["seconds"], first["changed"]), file=sys.stderr)
    rows = []
    for index in range(1, args.repeat + 1):
        res = run_site(args)
        print("%s: idempotent run %d: %.1f s (changed=%d, load %.2f -> %.2f)" % (
            args.label, index, res["seconds"], res["changed"], res["load1_before"], res["load1_after"]), file=sys.stderr)
        rows.append([args.label, str(index), str(args.nodes), "%.2f" % res["seconds"], str(res["changed"]),
                     "%.2f" % res["cpu_s"], "%.2f" % res["load1_before"], "%.2f" % res["load1_after"], git,
                     json.dumps(res["roles"], sort_keys=True), "%.2f" % res["ctl_cpu_s"]])
    kept = []
    if os.path.exists(args.results):
        with open(args.results) as handle:
            kept = [line.rstrip("\n").split("\t") for line in handle][1:]
    kept = [row for row in kept if row and row[0] != args.label]
    with open(args.results, "w") as handle:
        handle.write("\t".join(COLUMNS) + "\n")
        for row in kept + rows:
            handle.write("\t".join(row) + "\n")


if __name__ == "__main__":
    main()
