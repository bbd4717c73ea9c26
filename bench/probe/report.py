"""Writes bench/probe/RESULTS.md from the results-*.json files that bench/probe/run.py produced
on the GPU machines (tests/gpu/run_device_checks.sh runs it)."""

import glob
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rows = []
    for path in sorted(glob.glob(os.path.join(HERE, "results-*.json"))):
        with open(path) as handle:
            rows.append((os.path.basename(path), json.load(handle)))
    rows.sort(key=lambda r: r[1]["gpus"])
    out = ["# bench/probe: our GPU probe against nvidia-smi", "",
           "Each figure is the median of the runs listed in the JSON file (15 in process, 5 through Ansible, after "
           "one warm-up). Machines: this workplace's lent GPU machines (Firecracker VMs, driver 580.159.04, "
           "Python 3.12, ansible-core 2.19.14 from wheels). The 1-GPU machine was an H100; the 2- and 4-GPU requests "
           "were served with H200s (same Hopper NVSwitch generation, NV18 between every pair).", "",
           "## (a) In process: full probe vs nvidia-smi processes", "",
           "| machine | GPUs | our full probe (ms) | nvmlInit+Shutdown (ms) | `nvidia-smi -q` (ms) | `nvidia-smi topo -m` (ms) "
           "| ours / `-q` | ours / both | goal (ours < `-q`) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, r in rows:
        a = r["in_process"]
        out.append("| %s (%s) | %d | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f | %s |" % (
            r["gpu_name"], name, r["gpus"], a["our_full_probe"]["median_ms"], a["nvml_init_shutdown"]["median_ms"],
            a["nvidia_smi_q"]["median_ms"], a["nvidia_smi_topo_m"]["median_ms"], a["ratio_vs_nvidia_smi_q"],
            a["ratio_vs_both_commands"], "met" if a["ratio_vs_nvidia_smi_q"] < 1 else "NOT met"))
    out += ["", "The full probe is `gpu_snapshot.collect()` (nvmlInit, every per-GPU, NVLink, pair and health reading, "
            "sysfs, the kernel log) followed by the facts, topology and health functions. NVLink error counters are read "
            "for all links of a GPU in one `nvmlDeviceGetFieldValues` call: one `nvmlDeviceGetNvLinkErrorCounter` call "
            "costs about 1.2 ms on these GPUs, and reading them one by one made the 2-GPU probe 327 ms (1.45x "
            "`nvidia-smi -q`) before the change, 125 ms after.", "",
            "## (b) Through Ansible: the gate's modules vs two command tasks", "",
            "| machine | GPUs | three modules, as gpu_validate runs them (ms) | two `ansible.builtin.command` tasks (ms) "
            "| ratio | goal (<= 1) |", "|---|---:|---:|---:|---:|---|"]
    for name, r in rows:
        b = r["through_ansible"]
        out.append("| %s (%s) | %d | %.0f | %.0f | %.2f | %s |" % (
            r["gpu_name"], name, r["gpus"], b["our_modules_playbook"]["median_ms"],
            b["nvidia_smi_command_tasks_playbook"]["median_ms"], b["ratio"], "met" if b["ratio"] <= 1 else "NOT met"))
    out += ["", "Not met. Through Ansible every task is a module run, a Python start with Ansible's module runtime "
            "(about 0.5-0.7 s a task on these machines, 0.23 s on the 2-core CI machine), which is several times our "
            "whole in-process probe. Three module tasks therefore cost more than two command tasks however fast the "
            "probe is; `async` does not help, since each launch and each status poll is itself a module run. Meeting "
            "this goal needs the gate to run one module that returns facts, topology and health together; the three "
            "modules stay usable alone. That is left for a follow-up.", ""]
    with open(os.path.join(HERE, "RESULTS.md"), "w") as handle:
        handle.write("\n".join(out))


if __name__ == "__main__":
    main()
