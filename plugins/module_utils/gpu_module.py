# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the GPU modules share: their options, how they get a snapshot, and how each of the three
results (facts, topology, health) is built from it and judged.

nvidia_gpu_info, nvlink_topology and gpu_health each build one result; gpu_gate_info builds all
three from one snapshot. Every piece is written once here, so the gate returns exactly what the
three modules return.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import (
    gpu_facts, gpu_health, gpu_snapshot, gpu_topology)

COMMON_ARGS = dict(
    snapshot=dict(type="path"),
    expect_gpus=dict(type="bool", default=False),
    sysfs_root=dict(type="path", default="/sys"),
)

TOPOLOGY_ARGS = dict(
    expect_gpu_count=dict(type="int"),
    expect_fully_connected=dict(type="bool", default=False),
    expect_min_nvlinks_per_pair=dict(type="int"),
)

HEALTH_ARGS = dict(
    fail_on=dict(type="str", choices=["critical", "warning", "never"], default="critical"),
    thresholds=dict(type="dict", default={}),
    xid_lookback_hours=dict(type="int", default=24),
)

# What each result needs read beyond the basic per-GPU facts (gpu_snapshot.collect parts).
FACTS_PARTS = ()
TOPOLOGY_PARTS = ("nvlink", "pairs", "sysfs")
HEALTH_PARTS = ("nvlink", "health", "xid")


def argument_spec(*extra):
    """COMMON_ARGS plus the given option dicts, as a new dict."""
    spec = dict(COMMON_ARGS)
    for options in extra:
        spec.update(options)
    return spec


def get_snapshot(module, parts, xid_lookback_hours=24):
    """The replay snapshot when O(snapshot) is set, else a live one. Fails the module with the file
    and reason for an unusable snapshot, and with the reason when GPUs were expected but none found."""
    params = module.params
    if params["snapshot"]:
        try:
            snap = gpu_snapshot.load(params["snapshot"])
        except gpu_snapshot.SnapshotError as exc:
            module.fail_json(msg="Failed to read the NVML snapshot '%s' due to: %s" % (params["snapshot"], exc))
    else:
        snap = gpu_snapshot.collect(sysfs_root=params["sysfs_root"],
                                    run_command=module.run_command if "xid" in parts else None,
                                    xid_lookback_hours=xid_lookback_hours, parts=parts)
    if params["expect_gpus"] and not snap["gpus"]:
        module.fail_json(msg="Failed to find NVIDIA GPUs on this node (expect_gpus is true): %s. Install the driver "
                             "(role nvidia_driver) or remove the node from gpu_nodes."
                             % (snap.get("reason") or "NVML reports 0 GPUs"),
                         gpu_count=0, reason=snap.get("reason"))
    return snap


def no_gpu_reason(snap):
    if snap["gpus"]:
        return None
    return snap.get("reason") or "NVML reports 0 GPUs"


def thresholds_or_fail(module):
    """The health thresholds in force (defaults with O(thresholds) over them); fails the module on a bad key or value."""
    try:
        return gpu_health.merge_thresholds(module.params["thresholds"])
    except gpu_health.ThresholdError as exc:
        module.fail_json(msg="Failed to read the thresholds option due to: %s" % exc)


def facts_result(snap):
    """What nvidia_gpu_info returns."""
    return gpu_facts.facts(snap)


def topology_result(snap, params):
    """What nvlink_topology returns, with the expectations of params checked into ``problems``."""
    topo = gpu_topology.topology(snap)
    topo["reason"] = no_gpu_reason(snap)
    topo["problems"] = gpu_topology.check_expectations(
        topo, params.get("expect_gpu_count"), params.get("expect_fully_connected"),
        params.get("expect_min_nvlinks_per_pair"))
    return topo


def topology_failure(topo):
    """The failure message for unmet NVLink expectations, None when all are met."""
    if not topo["problems"]:
        return None
    return "Failed the NVLink topology expectations on this node: %s" % "; ".join(topo["problems"])


def health_result(snap, thresholds, fail_on, replayed):
    """(what gpu_health returns, the findings at fail_on or worse). replayed: the snapshot came from a file."""
    found = gpu_health.findings(snap, thresholds)
    summary = gpu_health.summarize(found, fail_on)
    result = dict(gpu_count=len(snap["gpus"]), reason=no_gpu_reason(snap), findings=found,
                  counts=summary["counts"], healthy=summary["healthy"], thresholds=thresholds,
                  kernel_log_source=snap.get("kernel_log_source", "recorded" if replayed else "not read"))
    return result, summary["failing"]


def health_failure(failing, fail_on):
    """The failure message for the failing findings, None when there are none."""
    if not failing:
        return None
    texts = ["%s %s: %s" % ("GPU%d" % f["gpu"] if f["gpu"] is not None else "node", f["severity"], f["message"])
             for f in failing]
    return "Failed the GPU health check (fail_on=%s): %s" % (fail_on, "; ".join(texts))


GATE_PARTS = tuple(sorted(set(FACTS_PARTS + TOPOLOGY_PARTS + HEALTH_PARTS)))


def gate_result(snap, params, thresholds, replayed):
    """(what gpu_gate_info returns, the health findings at fail_on or worse). The result holds the three results
    from one snapshot and ``problems``: every unmet NVLink expectation and failing health finding as text."""
    facts = facts_result(snap)
    topo = topology_result(snap, params)
    health, failing = health_result(snap, thresholds, params["fail_on"], replayed)
    problems = list(topo["problems"]) + [
        "%s %s %s: %s" % ("GPU%d" % f["gpu"] if f["gpu"] is not None else "node", f["severity"], f["check"],
                          f["message"]) for f in failing]
    result = dict(gpu_count=facts["gpu_count"], reason=facts["reason"], facts=facts, topology=topo, health=health,
                  problems=problems)
    if "probe_seconds" in snap:
        result["probe_seconds"] = snap["probe_seconds"]
    return result, failing
