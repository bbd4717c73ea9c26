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
  - privateai.deepseek_dify.gpu_probe.health
options: {}
seealso:
  - module: privateai.deepseek_dify.gpu_gate_info
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

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_module


def main():
    module = AnsibleModule(argument_spec=gpu_module.argument_spec(gpu_module.HEALTH_ARGS), supports_check_mode=True)
    thresholds = gpu_module.thresholds_or_fail(module)
    snap = gpu_module.get_snapshot(module, parts=gpu_module.HEALTH_PARTS,
                                   xid_lookback_hours=module.params["xid_lookback_hours"])
    result, failing = gpu_module.health_result(snap, thresholds, module.params["fail_on"],
                                               replayed=bool(module.params["snapshot"]))
    failure = gpu_module.health_failure(failing, module.params["fail_on"])
    if failure:
        module.fail_json(msg=failure, changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
