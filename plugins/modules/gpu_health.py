#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gpu_health
short_description: GPU health findings (ECC, row remapping, XIDs, throttling, PCIe, NVLink, fabric) read through NVML
version_added: "0.1.0"
description:
  - Reads NVML (through pynvml), sysfs and the kernel log; changes nothing.
  - Each finding has a severity (critical, warning, info), the GPU, the check, a message saying what to do, and the
    evidence it was decided on.
  - Checks are volatile uncorrectable ECC errors, pending or failed row remapping, pending retired pages, recent
    XID errors in the kernel log (application XIDs ignored), clock event reasons (HW slowdown, thermal, power brake),
    temperature margin to the slowdown threshold, a power cap below the default, PCIe link width or generation below
    its maximum, PCIe replays, inactive or erroring NVLinks, persistence mode, an NVSwitch fabric not COMPLETED, and a
    GPU that NVML counts but cannot open (check C(gpu_unreachable), for example NVML_ERROR_GPU_IS_LOST after XID 79).
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.gpu_probe
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  fail_on:
    description: Fail the task when a finding of this severity or worse exists; V(never) only reports.
    type: str
    choices: [critical, warning, never]
    default: critical
  thresholds:
    description:
      - Overrides of the default thresholds; unknown keys are refused.
      - C(temperature_margin_c) (10), C(pcie_replay_counter) (100), C(nvlink_replay) (100), C(nvlink_recovery) (1),
        C(nvlink_crc) (100), C(xid_ignore) (application XIDs 13, 31, 43, 45, 68),
        C(xid_critical) (48, 61, 62, 64, 74, 79, 94, 95, 119, 120, 140; other XIDs are warnings).
    type: dict
    default: {}
  xid_lookback_hours:
    description: How far back the kernel log is read for XID errors (live backend).
    type: int
    default: 24
"""

EXAMPLES = r"""
- name: Stop a node with critical GPU problems
  privateai.deepseek_dify.gpu_health:
    fail_on: critical
    thresholds:
      temperature_margin_c: 15

- name: Report only
  privateai.deepseek_dify.gpu_health:
    fail_on: never
  register: health
"""

RETURN = r"""
gpu_count:
  description: Number of GPUs.
  returned: always
  type: int
reason:
  description: Why no GPU was found, when RV(gpu_count=0).
  returned: always
  type: str
findings:
  description: Every finding, GPU by GPU, then XID events.
  returned: always
  type: list
  elements: dict
  contains:
    severity: {description: "critical, warning or info", type: str}
    gpu: {description: "GPU index (null for an XID on an unknown PCI address)", type: int}
    check: {description: "Name of the check, for example ecc_uncorrected, xid, nvlink_inactive", type: str}
    message: {description: "What was found and what to do", type: str}
    evidence: {description: "The NVML values the finding was decided on", type: dict}
counts:
  description: Number of findings per severity.
  returned: always
  type: dict
healthy:
  description: No critical finding.
  returned: always
  type: bool
kernel_log_source:
  description: Where XID errors were read from (journalctl, dmesg, /dev/kmsg), or why they could not be read.
  returned: always
  type: str
thresholds:
  description: The thresholds in force.
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_health, gpu_module


def main():
    args = dict(gpu_module.COMMON_ARGS)
    args.update(
        fail_on=dict(type="str", choices=["critical", "warning", "never"], default="critical"),
        thresholds=dict(type="dict", default={}),
        xid_lookback_hours=dict(type="int", default=24),
    )
    module = AnsibleModule(argument_spec=args, supports_check_mode=True)
    try:
        thresholds = gpu_health.merge_thresholds(module.params["thresholds"])
    except gpu_health.ThresholdError as exc:
        module.fail_json(msg="Failed to read the thresholds option due to: %s" % exc)
    snap = gpu_module.get_snapshot(module, parts=("nvlink", "health", "xid"),
                                   xid_lookback_hours=module.params["xid_lookback_hours"])
    found = gpu_health.findings(snap, thresholds)
    summary = gpu_health.summarize(found, module.params["fail_on"])
    result = dict(changed=False, gpu_count=len(snap["gpus"]), reason=gpu_module.no_gpu_reason(snap), findings=found,
                  counts=summary["counts"], healthy=summary["healthy"], thresholds=thresholds,
                  kernel_log_source=snap.get("kernel_log_source", "recorded" if module.params["snapshot"] else "not read"))
    if summary["failing"]:
        module.fail_json(msg="Failed the GPU health check (fail_on=%s): %s" % (
            module.params["fail_on"], "; ".join("%s %s: %s" % ("GPU%d" % f["gpu"] if f["gpu"] is not None else "node",
                                                               f["severity"], f["message"])
                                                for f in summary["failing"])), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
