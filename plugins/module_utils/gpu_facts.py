# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Driver and per-GPU facts from a snapshot."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.privateai.deepseek_dify.plugins.module_utils.gpu_snapshot import is_error
from ansible_collections.privateai.deepseek_dify.plugins.module_utils.gpu_topology import cpus_text


def cuda_version(value):
    """13000 -> '13.0', 12040 -> '12.4'."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return "%d.%d" % (value // 1000, (value % 1000) // 10)


def _ok(value):
    return None if is_error(value) else value


def _pair(value, first="current", second="pending"):
    if not isinstance(value, list) or len(value) != 2:
        return {first: None, second: None}
    return {first: bool(value[0]), second: bool(value[1])}


def _watts(value):
    return value // 1000 if isinstance(value, int) and not isinstance(value, bool) else None


def gpu(g):
    cc = g.get("compute_capability")
    mem = g.get("memory_total")
    power = g.get("power_limit") or {}
    persistence = g.get("persistence_mode")
    return {
        "index": g["index"],
        "name": _ok(g.get("name")),
        "uuid": _ok(g.get("uuid")),
        "pci_bus_id": _ok(g.get("pci_bus_id")),
        "memory_total_mib": mem // (1024 * 1024) if isinstance(mem, int) else None,
        "compute_capability": "%d.%d" % tuple(cc) if isinstance(cc, list) and len(cc) == 2 else None,
        "persistence_mode": bool(persistence) if isinstance(persistence, int) else None,
        "mig_mode": _pair(g.get("mig_mode")),
        "power_limit_w": dict((k, _watts(power.get(k))) for k in ("enforced", "default", "min", "max")),
        "numa_node": g.get("numa_node"),
        "numa_source": g.get("numa_source", "none"),
        "cpu_affinity": cpus_text(g.get("cpu_affinity")) if g.get("cpu_affinity") else None,
        "ecc_mode": _pair(g.get("ecc_mode")),
    }


def facts(snapshot):
    gpus = [gpu(g) for g in snapshot.get("gpus", [])]
    result = {
        "gpu_count": len(gpus),
        "reason": None if gpus else (snapshot.get("reason") or "NVML reports 0 GPUs"),
        "driver_version": _ok(snapshot.get("driver_version")),
        "kernel_module_version": snapshot.get("kernel_module_version"),
        "cuda_driver_version": cuda_version(snapshot.get("cuda_driver_version")),
        "gpus": gpus,
    }
    if "probe_seconds" in snapshot:
        result["probe_seconds"] = snapshot["probe_seconds"]
    return result
