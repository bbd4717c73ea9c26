"""Runs the GPU modules through ansible-playbook against this machine and compares the
nvlink_topology matrix and gpu_gate_info's with `nvidia-smi topo -m`, cell by cell (GPU and NIC columns),
and gpu_gate_info's facts, topology and health with what the three modules returned alone
(OUTDIR/gate-vs-modules.txt).

Usage (on a GPU node with ansible-core and pynvml, from the repository root):
    python3 tests/gpu/compare_topology.py [OUTDIR]
Without GPUs, on a recorded snapshot (the modules read it; nvidia-smi is not run, so only the gate is
compared with the modules):
    python3 tests/gpu/compare_topology.py OUTDIR --snapshot tests/unit/fixtures/nvml/h100x2-nvswitch.json
Exit code 0 when every cell matches and the gate agrees with the modules; the comparison is printed and
written to OUTDIR/compare.txt.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "collections"))

from ansible_collections.privateai.deepseek_dify.plugins.module_utils.gpu_topology import parse_nvidia_smi_topo  # noqa: E402


def ansible_playbook():
    found = shutil.which("ansible-playbook")
    if found:
        return [found]
    return [sys.executable, "-m", "ansible", "playbook"]


def main(outdir, snapshot=None):
    os.makedirs(outdir, exist_ok=True)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    cmd = ansible_playbook() + [os.path.join(ROOT, "tests", "gpu", "probe.yml"), "-e", "gpu_probe_out=%s" % outdir]
    if snapshot:
        cmd += ["-e", "gpu_probe_snapshot=%s" % os.path.abspath(snapshot)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    with open(os.path.join(outdir, "playbook.log"), "w") as handle:
        handle.write(proc.stdout)
    if proc.returncode != 0:
        print(proc.stdout[-4000:])
        print("ansible-playbook failed (exit %d)" % proc.returncode)
        return 2
    with open(os.path.join(outdir, "modules.json")) as handle:
        results = json.load(handle)
    if snapshot:
        theirs = results["topology"]["matrix"]
        lines = ["snapshot %s: gpu_gate_info's matrix against nvlink_topology's (no nvidia-smi)" % snapshot]
        matrices = (("gpu_gate_info", results["gate"]["topology"]["matrix"]),)
    else:
        smi_text = subprocess.run(["nvidia-smi", "topo", "-m"], stdout=subprocess.PIPE, universal_newlines=True,
                                  check=True).stdout
        theirs = parse_nvidia_smi_topo(smi_text)
        lines = ["nvidia-smi topo -m:", smi_text]
        matrices = (("nvlink_topology", results["topology"]["matrix"]),
                    ("gpu_gate_info", results["gate"]["topology"]["matrix"]))
    differ = 0
    for label, ours in matrices:
        compared, bad = compare_cells(ours, theirs, lines, label)
        differ += bad + (compared == 0)
    report = "\n".join(lines)
    print(report)
    with open(os.path.join(outdir, "compare.txt"), "w") as handle:
        handle.write(report + "\n")
    mismatches = gate_vs_modules(results)
    agreed = "gpu_gate_info returned the same facts, topology and health findings as the three modules"
    text = "\n".join(mismatches or [agreed])
    print(text)
    with open(os.path.join(outdir, "gate-vs-modules.txt"), "w") as handle:
        handle.write(text + "\n")
    return 0 if differ == 0 and not mismatches else 1


def compare_cells(ours, theirs, lines, label):
    """Append the cell-by-cell comparison of one matrix; (cells compared, cells that differ)."""
    lines.append("%s, cell by cell (row, column, ours, nvidia-smi):" % label)
    match = differ = 0
    for row in sorted(set(ours) | set(theirs), key=lambda r: int(r[3:])):
        cols = sorted(set(ours.get(row, {})) | set(theirs.get(row, {})), key=lambda c: (c[:3], int(c[3:])))
        for col in cols:
            a, b = ours.get(row, {}).get(col), theirs.get(row, {}).get(col)
            same = a == b
            match += same
            differ += not same
            lines.append("%-6s %-6s %-6s %-6s %s" % (row, col, a, b, "ok" if same else "DIFFERENT"))
    lines.append("%s: %d cells match, %d differ" % (label, match, differ))
    return match + differ, differ


# Readings that move between two reads a few hundred milliseconds apart, left out of the comparison.
VOLATILE = ("changed", "invocation", "probe_seconds", "failed", "msg")


def _stable(result):
    return dict((k, v) for k, v in result.items() if k not in VOLATILE)


def gate_vs_modules(results):
    """What differs between the gate's parts and the three modules' results (facts and topology whole; health by the
    checks found per GPU, since temperatures and power move between reads)."""
    gate = results["gate"]
    found = []
    for part in ("facts", "topology"):
        if _stable(gate[part]) != _stable(results[part]):
            found.append("gpu_gate_info %s differs from the module's: %s" % (part, sorted(
                k for k in set(_stable(gate[part])) | set(_stable(results[part]))
                if _stable(gate[part]).get(k) != _stable(results[part]).get(k))))

    def checks(health):
        return sorted((f["gpu"] if f["gpu"] is not None else -1, f["check"]) for f in health.get("findings", []))
    if checks(gate["health"]) != checks(results["health"]):
        found.append("gpu_gate_info health findings %s differ from gpu_health's %s"
                     % (checks(gate["health"]), checks(results["health"])))
    return found


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("outdir", nargs="?", default="/tmp/gpu-probe")
    parser.add_argument("--snapshot", help="recorded snapshot to read instead of the GPUs (no nvidia-smi)")
    args = parser.parse_args()
    sys.exit(main(args.outdir, args.snapshot))
