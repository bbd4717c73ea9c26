# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GPU health findings from a snapshot: each with a severity, the GPU, the check, a message that
says what to do, and the evidence (the NVML values it was decided on)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.privateai.deepseek_dify.plugins.module_utils.gpu_snapshot import (
    XID_RE, is_error, sysfs_bus_id)
from ansible_collections.privateai.deepseek_dify.plugins.module_utils.gpu_topology import (
    FABRIC_STATE)

SEVERITIES = ("critical", "warning", "info")
RANK = {"critical": 3, "warning": 2, "info": 1, "never": 99}

# clocks event reasons (nvmlClocksEventReason*) that mean the hardware is protecting itself
CLOCK_EVENTS = {
    0x8: ("hw_slowdown", "critical", "hardware slowdown (HW_SLOWDOWN): clocks cut by the GPU, check power and cooling"),
    0x20: ("sw_thermal", "warning", "software thermal slowdown (SW_THERMAL): the driver slows the GPU to cool it"),
    0x40: ("hw_thermal", "critical", "hardware thermal slowdown (HW_THERMAL): the GPU is overheating"),
    0x80: ("hw_power_brake", "critical", "hardware power brake (HW_POWER_BRAKE): external power brake asserted"),
}

DEFAULT_THRESHOLDS = {
    # XIDs caused by applications, not the GPU (NVIDIA's XID catalogue): never reported
    "xid_ignore": [13, 31, 43, 45, 68],
    # XIDs that take a GPU out of service
    "xid_critical": [48, 61, 62, 64, 74, 79, 94, 95, 119, 120, 140],
    "temperature_margin_c": 10,
    "pcie_replay_counter": 100,
    "nvlink_replay": 100,
    "nvlink_recovery": 1,
    "nvlink_crc": 100,
}


class ThresholdError(Exception):
    pass


def merge_thresholds(overrides):
    merged = dict(DEFAULT_THRESHOLDS)
    for key, value in (overrides or {}).items():
        if key not in DEFAULT_THRESHOLDS:
            raise ThresholdError("unknown threshold %r: known ones are %s" % (key, ", ".join(sorted(DEFAULT_THRESHOLDS))))
        if isinstance(DEFAULT_THRESHOLDS[key], list):
            if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                raise ThresholdError("threshold %s must be a list of XID numbers, got %r" % (key, value))
        elif not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ThresholdError("threshold %s must be a number >= 0, got %r" % (key, value))
        merged[key] = value
    return merged


def _finding(severity, gpu, check, message, **evidence):
    return {"severity": severity, "gpu": gpu, "check": check, "message": message, "evidence": evidence}


def _num(value):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def parse_xids(lines, gpus):
    """[(gpu index or None, xid, line)] from kernel log lines; the PCI address NVRM prints
    (domain:bus:device) is matched to a GPU's bus id."""
    by_prefix = {}
    for g in gpus:
        if not is_error(g.get("pci_bus_id", "ERR:")):
            full = sysfs_bus_id(g["pci_bus_id"])  # 0000:17:00.0
            by_prefix[full.rsplit(".", 1)[0]] = g["index"]
            by_prefix[full] = g["index"]
    events = []
    for line in lines:
        m = XID_RE.search(line)
        if not m:
            continue
        pci = m.group(1).lower()
        if re.match(r"^[0-9a-f]{8}:", pci):
            pci = pci[4:]
        events.append((by_prefix.get(pci), int(m.group(2)), line.strip()))
    return events


def gpu_findings(g, thresholds):
    idx = g["index"]
    if is_error(g.get("handle_error")):
        # nvmlDeviceGetHandleByIndex failed (NVML_ERROR_GPU_IS_LOST after XID 79, ...): nothing else could be read
        return [_finding("critical", idx, "gpu_unreachable", "NVML cannot open the GPU (%s): drain the node; a lost GPU "
                         "needs a reset or a reboot" % g["handle_error"][4:], handle_error=g["handle_error"])]
    out = []
    vol = _num(g.get("ecc_uncorrected_volatile"))
    if vol:
        out.append(_finding("critical", idx, "ecc_uncorrected", "%d volatile uncorrectable ECC errors since the last driver "
                            "load: drain the node and reset the GPU" % vol, ecc_uncorrected_volatile=vol,
                            ecc_uncorrected_aggregate=g.get("ecc_uncorrected_aggregate")))
    rows = g.get("remapped_rows")
    if isinstance(rows, list) and len(rows) == 4:
        corr, unc, pending, failure = rows
        if failure:
            out.append(_finding("critical", idx, "row_remap_failure", "row remapping failed: the GPU needs replacing (RMA)",
                                remapped_rows=rows))
        if pending:
            out.append(_finding("warning", idx, "row_remap_pending", "row remapping pending: reset the GPU to apply it",
                                remapped_rows=rows))
    if g.get("retired_pages_pending") == 1:
        out.append(_finding("warning", idx, "retired_pages_pending", "page retirement pending: reset the GPU to apply it",
                            retired_pages_pending=1))
    reasons = _num(g.get("clock_event_reasons"))
    if reasons:
        for bit, (name, severity, text) in sorted(CLOCK_EVENTS.items()):
            if reasons & bit:
                out.append(_finding(severity, idx, "clocks_" + name, text, clock_event_reasons="0x%x" % reasons,
                                    temperature=g.get("temperature")))
    temp, slowdown = _num(g.get("temperature")), _num(g.get("temperature_slowdown"))
    if temp is not None and slowdown is not None and slowdown - temp < thresholds["temperature_margin_c"]:
        out.append(_finding("warning", idx, "temperature_margin", "%d C is %d C from the slowdown threshold %d C (margin "
                            "wanted: %d C)" % (temp, slowdown - temp, slowdown, thresholds["temperature_margin_c"]),
                            temperature=temp, temperature_slowdown=slowdown))
    power = g.get("power_limit") or {}
    enforced, default = _num(power.get("enforced")), _num(power.get("default"))
    if enforced is not None and default is not None and enforced < default:
        out.append(_finding("warning", idx, "power_capped", "power limit %d W is below the default %d W"
                            % (enforced // 1000, default // 1000), enforced_mw=enforced, default_mw=default))
    pcie = g.get("pcie") or {}
    width, width_max = _num(pcie.get("width")), _num(pcie.get("width_max"))
    if width is not None and width_max is not None and width < width_max:
        out.append(_finding("critical", idx, "pcie_width", "PCIe link runs x%d of x%d: reseat the card or check the riser"
                            % (width, width_max), width=width, width_max=width_max))
    gen, gen_max = _num(pcie.get("gen")), _num(pcie.get("gen_max"))
    if gen is not None and gen_max is not None and gen < gen_max:
        out.append(_finding("info", idx, "pcie_gen", "PCIe link at gen %d of %d (GPUs lower the generation when idle)"
                            % (gen, gen_max), gen=gen, gen_max=gen_max))
    replays = _num(pcie.get("replay_counter"))
    if replays is not None and replays > thresholds["pcie_replay_counter"]:
        out.append(_finding("warning", idx, "pcie_replays", "%d PCIe replays (threshold %d): the link is noisy"
                            % (replays, thresholds["pcie_replay_counter"]), replay_counter=replays))
    links = [l for l in g.get("nvlinks", []) if not is_error(l.get("state"))]
    if links:
        down = [l["link"] for l in links if l.get("state") != 1]
        if down:
            out.append(_finding("critical", idx, "nvlink_inactive", "NVLink%s %s inactive (%d of %d active)"
                                % ("s" if len(down) > 1 else "", ", ".join(str(d) for d in down),
                                   len(links) - len(down), len(links)), inactive_links=down))
        for l in links:
            errors = l.get("errors") or {}
            # dl_crc: the scoped field value (live backend); crc_flit / crc_data: the per-link counters
            for counter, key in (("dl_replay", "nvlink_replay"), ("dl_recovery", "nvlink_recovery"),
                                 ("dl_crc", "nvlink_crc"), ("crc_flit", "nvlink_crc"), ("crc_data", "nvlink_crc")):
                value = _num(errors.get(counter))
                if value is not None and value >= max(thresholds[key], 1) and (key != "nvlink_recovery" or value):
                    out.append(_finding("warning", idx, "nvlink_errors", "NVLink %d: %d %s errors (threshold %s)"
                                        % (l["link"], value, counter, thresholds[key]), link=l["link"], counter=counter,
                                        value=value))
    fabric = g.get("fabric")
    # State 0 (NOT_SUPPORTED) is what GPUs without a fabric, and VMs whose host manages the fabric,
    # report: only a fabric that exists and is not trained (NOT_STARTED, IN_PROGRESS) is a problem.
    if isinstance(fabric, dict) and fabric.get("state") not in (0, None):
        state = fabric.get("state")
        if state != 3:
            out.append(_finding("critical", idx, "fabric_state", "NVSwitch fabric state %s, not COMPLETED: CUDA fails with "
                                "error 802 until nvidia-fabricmanager (same branch as the driver) has trained the fabric"
                                % FABRIC_STATE.get(state, state), state=state, status=fabric.get("status")))
        elif fabric.get("status") not in (0, None):
            out.append(_finding("critical", idx, "fabric_status", "NVSwitch fabric registration failed (NVML status %s)"
                                % fabric.get("status"), state=state, status=fabric.get("status")))
    if g.get("persistence_mode") == 0:
        out.append(_finding("info", idx, "persistence_off", "persistence mode is off (enable nvidia-persistenced)",
                            persistence_mode=0))
    return out


def findings(snapshot, thresholds=None):
    """Every finding for a snapshot, GPU by GPU, then XID events."""
    thresholds = merge_thresholds(thresholds)
    out = []
    for g in snapshot.get("gpus", []):
        out.extend(gpu_findings(g, thresholds))
    for gpu, xid, line in parse_xids(snapshot.get("kernel_log", []), snapshot.get("gpus", [])):
        if xid in thresholds["xid_ignore"]:
            continue
        severity = "critical" if xid in thresholds["xid_critical"] else "warning"
        out.append(_finding(severity, gpu, "xid", "XID %d in the kernel log%s" % (
            xid, "" if gpu is not None else " (for a PCI address no GPU has)"), xid=xid, line=line))
    return out


def summarize(found, fail_on):
    """Counts per severity, whether the node is healthy, and whether the module must fail."""
    counts = dict((s, sum(1 for f in found if f["severity"] == s)) for s in SEVERITIES)
    failing = [f for f in found if RANK[f["severity"]] >= RANK[fail_on]]
    return {"counts": counts, "healthy": counts["critical"] == 0, "failing": failing}
