"""bench/probe: how long our GPU probe takes against nvidia-smi, on a GPU node.

(a) in process: the full probe (NVML snapshot + facts + topology + health through module_utils,
    nvmlInit included) against `nvidia-smi -q` and `nvidia-smi topo -m` run as processes.
(b) through Ansible: bench/probe/modules.yml (the three modules, as the gpu_validate role runs them)
    against a playbook of two
    ansible.builtin.command tasks running the same two nvidia-smi commands.
Each figure is the median of --repeat runs (after one warm-up), with the ratio beside it.

Usage (from the repository root, on a GPU node with ansible-core and pynvml):
    python3 bench/probe/run.py --repeat 15 --ansible-repeat 5 --out results.json
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
    gpu_facts, gpu_health, gpu_snapshot, gpu_topology)

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


def full_probe():
    snap = gpu_snapshot.collect(run_command=run_command)
    gpu_facts.facts(snap)
    gpu_topology.topology(snap)
    gpu_health.findings(snap)
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
        ours_cmd = ansible_playbook() + [os.path.join(ROOT, "bench", "probe", "modules.yml")]
        theirs_cmd = ansible_playbook() + [commands]

        def play(cmd):
            return lambda: subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          check=True)
        b = {"our_modules_playbook": timed(play(ours_cmd), args.ansible_repeat),
             "nvidia_smi_command_tasks_playbook": timed(play(theirs_cmd), args.ansible_repeat)}
    b["ratio"] = round(b["our_modules_playbook"]["median_ms"] / b["nvidia_smi_command_tasks_playbook"]["median_ms"], 3)
    result["through_ansible"] = b
    with open(args.out, "w") as handle:
        json.dump(result, handle, indent=1, sort_keys=True)
    print(json.dumps(result, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
