"""Runs the GPU modules through ansible-playbook against this machine and compares the
nvlink_topology matrix with `nvidia-smi topo -m`, cell by cell (GPU and NIC columns).

Usage (on a GPU node with ansible-core and pynvml, from the repository root):
    python3 tests/gpu/compare_topology.py [OUTDIR]
Exit code 0 when every cell matches; the comparison is printed and written to OUTDIR/compare.txt.
"""

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


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    cmd = ansible_playbook() + [os.path.join(ROOT, "tests", "gpu", "probe.yml"), "-e", "gpu_probe_out=%s" % outdir]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    with open(os.path.join(outdir, "playbook.log"), "w") as handle:
        handle.write(proc.stdout)
    if proc.returncode != 0:
        print(proc.stdout[-4000:])
        print("ansible-playbook failed (exit %d)" % proc.returncode)
        return 2
    with open(os.path.join(outdir, "modules.json")) as handle:
        ours = json.load(handle)["topology"]["matrix"]
    smi_text = subprocess.run(["nvidia-smi", "topo", "-m"], stdout=subprocess.PIPE, universal_newlines=True,
                              check=True).stdout
    theirs = parse_nvidia_smi_topo(smi_text)
    lines = ["nvidia-smi topo -m:", smi_text, "cell by cell (row, column, ours, nvidia-smi):"]
    match = differ = 0
    for row in sorted(set(ours) | set(theirs), key=lambda r: int(r[3:])):
        cols = sorted(set(ours.get(row, {})) | set(theirs.get(row, {})), key=lambda c: (c[:3], int(c[3:])))
        for col in cols:
            a, b = ours.get(row, {}).get(col), theirs.get(row, {}).get(col)
            same = a == b
            match += same
            differ += not same
            lines.append("%-6s %-6s %-6s %-6s %s" % (row, col, a, b, "ok" if same else "DIFFERENT"))
    lines.append("%d cells match, %d differ" % (match, differ))
    report = "\n".join(lines)
    print(report)
    with open(os.path.join(outdir, "compare.txt"), "w") as handle:
        handle.write(report + "\n")
    return 0 if differ == 0 and match > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gpu-probe"))
