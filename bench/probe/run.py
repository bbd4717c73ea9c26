"""bench/probe: how long our GPU probe takes against nvidia-smi, on a GPU node.

(a) in process: the full probe (what gpu_gate_info runs: one NVML snapshot + facts + topology + health
    through module_utils, nvmlInit included) against `nvidia-smi -q` and `nvidia-smi topo -m` run as processes.
(b) through Ansible: bench/probe/gate.yml (one gpu_gate_info task, as the gpu_validate role runs it) and
    bench/probe/modules.yml (the three modules used alone) against a playbook of two
    ansible.builtin.command tasks running the same two nvidia-smi commands, and a playbook without tasks
    (ansible-playbook's own start, subtracted to give each playbook's per-node task cost).
Each figure is the median of --repeat runs (after one warm-up), with the ratio beside it.

Usage (from the repository root, on a GPU node with ansible-core and pynvml; tests/gpu/run_gate_bench.sh runs it):
    python3 bench/probe/run.py --repeat 15 --ansible-repeat 5 --out results.json
then python3 bench/probe/report.py regenerates RESULTS.md from every bench/probe/results-*.json.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "collections"))

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import (  # noqa: E402
    gpu_health, gpu_module, gpu_snapshot)

EMPTY_PLAYBOOK = """---
- name: no tasks (ansible-playbook's own start)
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks: []
"""

COMMANDS_PLAYBOOK = """---
- name: nvidia-smi as two command tasks
  hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: nvidia-smi -q
      ansible.builtin.command: nvidia-smi -q
      changed_when: false
    - name: nvidia-smi topo -m
      ansible.builtin.command: nvidia-smi topo -m
      changed_when: false
"""


def run_command(argv):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def timed(func, repeat):
    func()  # warm-up
    samples = []
    for dummy in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return {"median_ms": round(statistics.median(samples) * 1000, 1),
            "samples_ms": [round(s * 1000, 1) for s in samples]}


GATE_PARAMS = {"expect_gpu_count": None, "expect_fully_connected": False, "expect_min_nvlinks_per_pair": None,
               "fail_on": "never"}


def full_probe():
    """What gpu_gate_info does in process: one snapshot with every part, then facts, topology and health."""
    snap = gpu_snapshot.collect(run_command=run_command, parts=gpu_module.GATE_PARTS)
    gpu_module.gate_result(snap, GATE_PARAMS, gpu_health.merge_thresholds({}), replayed=False)
    return snap


def nvml_init_only():
    import pynvml  # pylint: disable=import-outside-toplevel
    pynvml.nvmlInit()
    pynvml.nvmlShutdown()


def process(argv):
    return lambda: subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)


def ansible_playbook():
    found = shutil.which("ansible-playbook")
    return [found] if found else [sys.executable, "-m", "ansible", "playbook"]


def ratios(b):
    """Each playbook against the two command tasks: whole playbook runs (ratio, gate_ratio), and per-node task
    cost, the playbook less ansible-playbook's own start (the empty playbook)."""
    theirs = b["nvidia_smi_command_tasks_playbook"]["median_ms"]
    start = b["empty_playbook"]["median_ms"]
    out = {"ratio": round(b["our_modules_playbook"]["median_ms"] / theirs, 3),
           "gate_ratio": round(b["gate_module_playbook"]["median_ms"] / theirs, 3)}
    if theirs > start:
        for key, name in (("gate", "gate_module_playbook"), ("modules", "our_modules_playbook"),
                          ("commands", "nvidia_smi_command_tasks_playbook")):
            out["%s_task_ms" % key] = round(b[name]["median_ms"] - start, 1)
        out["gate_task_ratio"] = round(out["gate_task_ms"] / out["commands_task_ms"], 3)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--ansible-repeat", type=int, default=5)
    parser.add_argument("--out", default="bench-probe.json")
    args = parser.parse_args()

    snap = full_probe()
    result = {"host": socket.gethostname(), "gpus": len(snap["gpus"]),
              "gpu_name": snap["gpus"][0]["name"] if snap["gpus"] else None,
              "driver": snap["driver_version"], "python": sys.version.split()[0], "repeat": args.repeat}
    a = {
        "our_full_probe": timed(full_probe, args.repeat),
        "nvml_init_shutdown": timed(nvml_init_only, args.repeat),
        "nvidia_smi_q": timed(process(["nvidia-smi", "-q"]), args.repeat),
        "nvidia_smi_topo_m": timed(process(["nvidia-smi", "topo", "-m"]), args.repeat),
    }
    ours = a["our_full_probe"]["median_ms"]
    a["ratio_vs_nvidia_smi_q"] = round(ours / a["nvidia_smi_q"]["median_ms"], 3)
    a["ratio_vs_both_commands"] = round(ours / (a["nvidia_smi_q"]["median_ms"] + a["nvidia_smi_topo_m"]["median_ms"]), 3)
    result["in_process"] = a
    profile = {}
    gpu_snapshot.collect(run_command=run_command, profile=profile)
    result["nvml_call_profile_ms"] = dict(
        (name, {"calls": calls, "total_ms": round(seconds * 1000, 2)})
        for name, (calls, seconds) in sorted(profile.items(), key=lambda item: -item[1][1]))

    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    with tempfile.TemporaryDirectory() as tmp:
        commands = os.path.join(tmp, "commands.yml")
        with open(commands, "w") as handle:
            handle.write(COMMANDS_PLAYBOOK)
        empty = os.path.join(tmp, "empty.yml")
        with open(empty, "w") as handle:
            handle.write(EMPTY_PLAYBOOK)

        def play(path):
            cmd = ansible_playbook() + [path]
            return lambda: subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          check=True)
        b = {"gate_module_playbook": timed(play(os.path.join(ROOT, "bench", "probe", "gate.yml")), args.ansible_repeat),
             "our_modules_playbook": timed(play(os.path.join(ROOT, "bench", "probe", "modules.yml")), args.ansible_repeat),
             "nvidia_smi_command_tasks_playbook": timed(play(commands), args.ansible_repeat),
             "empty_playbook": timed(play(empty), args.ansible_repeat)}
    b.update(ratios(b))
    result["through_ansible"] = b
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=1, sort_keys=True)
    print(json.dumps(result, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
