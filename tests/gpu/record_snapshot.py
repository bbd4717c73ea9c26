"""Records an NVML snapshot of this machine (format: docs/gpu-snapshot.md) for the replay backend.

Usage (on a GPU node, from the repository root):
    python3 tests/gpu/record_snapshot.py OUT.json

Besides the snapshot it keeps, under "reference", what nvidia-smi printed on the same machine
(`nvidia-smi topo -m`, the driver line of `nvidia-smi -q`), so unit tests can compare our
matrix with nvidia-smi's without a GPU.
"""

import datetime
import json
import os
import socket
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "collections"))

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_snapshot  # noqa: E402


def run_command(argv):
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    except OSError as exc:
        return 127, "", str(exc)
    return proc.returncode, proc.stdout, proc.stderr


def main(out):
    snap = gpu_snapshot.collect(run_command=run_command)
    snap["source"] = "recorded on %s (%s GPUs) %s by tests/gpu/record_snapshot.py" % (
        socket.gethostname(), len(snap["gpus"]), datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"))
    rc, topo, err = run_command(["nvidia-smi", "topo", "-m"])
    snap["reference"] = {"nvidia-smi topo -m": topo if rc == 0 else "ERR: %s" % err.strip()}
    with open(out, "w") as handle:
        json.dump(snap, handle, indent=1, sort_keys=True)
        handle.write("\n")
    print("recorded %d GPUs (driver %s) in %s" % (len(snap["gpus"]), snap["driver_version"], out))


if __name__ == "__main__":
    main(sys.argv[1])
