#!/usr/bin/env bash
# Everything the GPU issue checks on a real GPU node, in one go (what we ran on the 1-, 2- and
# 4-GPU H100 machines). From the repository root:
#   bash tests/gpu/run_device_checks.sh OUTDIR
# Needs: the NVIDIA driver, pynvml, ansible-core (if .whl/ holds wheels, they are installed into
# /tmp/site first: the GPU machines have no network).
set -uo pipefail
out="${1:-/tmp/gpu-checks}"
mkdir -p "$out"
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH} PATH=/tmp/site/bin:$PATH
fi
export PYTHONUNBUFFERED=1 ANSIBLE_LOCAL_TEMP=/tmp/ansible-local
n=$(nvidia-smi -L | wc -l)
rc=0
echo "== $n GPUs: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | sort | uniq -c | tr '\n' ' ')"
echo "== record snapshot"
python3 tests/gpu/record_snapshot.py "$out/snapshot-h100x$n.json" || rc=1
echo "== modules through ansible-playbook vs nvidia-smi topo -m"
python3 tests/gpu/compare_topology.py "$out/compare-h100x$n" || rc=1
cp "$out/compare-h100x$n/compare.txt" "$out/compare-h100x$n.txt" 2>/dev/null
echo "== bench/probe"
python3 bench/probe/run.py --repeat 15 --ansible-repeat 5 --out "$out/probe-h100x$n.json" || rc=1
exit $rc
