#!/usr/bin/env bash
# The one-module GPU gate on a real GPU node (issue 11 §2): bench/probe with gpu_gate_info beside the three
# modules and the two nvidia-smi command tasks, and the gate's result on the live GPUs saved as JSON.
# From the repository root:
#   bash tests/gpu/run_gate_bench.sh OUTDIR
# Writes to OUTDIR: results-<model>x<n>-gate.json (bench/probe/run.py; copy it to bench/probe/ and run
# python3 bench/probe/report.py to regenerate RESULTS.md), RESULTS.md (already regenerated with it), gate.json
# and modules.json (tests/gpu/probe.yml, run by tests/gpu/compare_topology.py: gpu_gate_info and the three
# modules through ansible-playbook), compare.txt (both topology matrices against nvidia-smi topo -m),
# gate-vs-modules.txt (the gate's results against the three modules'), and a log per step.
# Exits non-zero if any step failed.
# Needs: the NVIDIA driver, pynvml, ansible-core (if .whl/ holds wheels, they are installed into /tmp/site
# first: the GPU machines have no network). Through this workplace's device machine: carry .whl and run
#   bash tests/gpu/run_gate_bench.sh "$OUT/gate"
# (about 2 minutes on 1-4 GPUs: bench/probe runs each of four playbooks 6 times).
#
# Without GPUs (CI, review):
#   bash tests/gpu/run_gate_bench.sh OUTDIR --dry-run SNAPSHOT
# runs only what works on a recorded snapshot: tests/gpu/probe.yml on SNAPSHOT through ansible-playbook
# (gate.json, modules.json), the gate compared with the three modules, and report.py over bench/probe's
# results (RESULTS.md in OUTDIR; bench/probe is not touched). No nvidia-smi, no bench/probe/run.py.
set -uo pipefail
out="${1:?usage: run_gate_bench.sh OUTDIR [--dry-run SNAPSHOT]}"
dry_snapshot=""
if [ "${2:-}" = "--dry-run" ]; then
  dry_snapshot="$(realpath "${3:?--dry-run needs a snapshot file}")"
fi
mkdir -p "$out"
out="$(realpath "$out")"
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH} PATH=/tmp/site/bin:$PATH
fi
export PYTHONUNBUFFERED=1 ANSIBLE_LOCAL_TEMP=/tmp/ansible-local ANSIBLE_CONFIG="$PWD/ansible.cfg"
rc=0
step() {  # step NAME COMMAND...: run, log to OUTDIR/NAME.log, remember a failure
  local name="$1"
  shift
  echo "== $name"
  if "$@" >"$out/$name.log" 2>&1; then
    tail -n 3 "$out/$name.log"
  else
    echo "FAILED: $name (exit $?), end of $out/$name.log:"
    tail -n 40 "$out/$name.log"
    rc=1
  fi
}

report() {  # RESULTS.md as it will read once OUTDIR's results-*.json are in bench/probe/
  mkdir -p "$out/report-input"
  cp bench/probe/results-*.json "$out/report-input/"
  cp "$out"/results-*.json "$out/report-input/" 2>/dev/null
  step report python3 bench/probe/report.py --dir "$out/report-input" --out "$out/RESULTS.md"
}

if [ -n "$dry_snapshot" ]; then
  echo "== dry run on $dry_snapshot (no GPU used)"
  step compare python3 tests/gpu/compare_topology.py "$out" --snapshot "$dry_snapshot"
  report
  exit $rc
fi

n=$(nvidia-smi -L | wc -l)
model=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1 | grep -oiE '[A-Z][0-9]{2,3}' | head -n 1 \
  | tr '[:upper:]' '[:lower:]')
model=${model:-gpu}
echo "== $n GPUs: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | sort | uniq -c | tr '\n' ' ')"
step compare python3 tests/gpu/compare_topology.py "$out"
step bench python3 bench/probe/run.py --repeat "${GATE_BENCH_REPEAT:-15}" --ansible-repeat "${GATE_BENCH_ANSIBLE_REPEAT:-5}" --out "$out/results-${model}x$n-gate.json"
report
exit $rc
