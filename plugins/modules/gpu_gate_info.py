#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gpu_gate_info
short_description: The GPU gate's one read per node - GPU facts, NVLink topology and health from one NVML snapshot
version_added: "0.1.0"
description:
  - Reads NVML (through pynvml), sysfs and the kernel log once; changes nothing.
  - Returns in one result what M(privateai.deepseek_dify.nvidia_gpu_info) (RV(facts)),
    M(privateai.deepseek_dify.nvlink_topology) (RV(topology)) and M(privateai.deepseek_dify.gpu_health) (RV(health))
    return, computed by the same code from one snapshot. One module run instead of three is what makes the
    C(gpu_validate) role's per-node probe cheaper than two C(nvidia-smi) command tasks (C(bench/probe/RESULTS.md)).
  - Fails when an NVLink expectation or a health finding at O(fail_on) fails, with every result still returned
    (RV(problems) lists both kinds), so a caller can collect it with C(failed_when).
  - Returns plain results, no C(ansible_facts); register them.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.gpu_probe.health
  - privateai.deepseek_dify.gpu_probe.topology
  - privateai.deepseek_dify.gpu_probe
  - privateai.deepseek_dify.attributes
options: {}
seealso:
  - module: privateai.deepseek_dify.nvidia_gpu_info
  - module: privateai.deepseek_dify.nvlink_topology
  - module: privateai.deepseek_dify.gpu_health
"""

EXAMPLES = r"""
- name: The gate on an HGX H100 node, in one module run
  privateai.deepseek_dify.gpu_gate_info:
    expect_gpus: true
    expect_gpu_count: 8
    expect_fully_connected: true
    expect_min_nvlinks_per_pair: 18
    fail_on: critical
  register: gate

- name: Show what was found
  ansible.builtin.debug:
    msg: >-
      {{ gate.gpu_count }}x {{ gate.facts.gpus[0].name }}, driver {{ gate.facts.driver_version }},
      {{ gate.topology.shape }}, {{ gate.health.counts.critical }} critical findings

- name: Replay a recorded snapshot, reporting instead of failing
  privateai.deepseek_dify.gpu_gate_info:
    snapshot: tests/unit/fixtures/nvml/h100x2-nvswitch.json
    fail_on: never
"""

RETURN = r"""
gpu_count:
  description: GPUs found, as in RV(facts) (0 without driver or GPUs).
  returned: always
  type: int
reason:
  description: When RV(gpu_count=0), why, as in RV(facts).
  returned: always
  type: str
facts:
  description: What M(privateai.deepseek_dify.nvidia_gpu_info) returns (driver and CUDA versions, C(gpus), ...).
  returned: always
  type: dict
topology:
  description:
    - What M(privateai.deepseek_dify.nvlink_topology) returns (C(matrix), C(nvlink_counts), C(shape), C(problems), ...).
  returned: always
  type: dict
health:
  description:
    - What M(privateai.deepseek_dify.gpu_health) returns (C(findings), C(counts), C(healthy), C(thresholds), ...).
  returned: always
  type: dict
problems:
  description: The unmet NVLink expectations and the health failures at O(fail_on), one text each (the task fails when there are any).
  returned: always
  type: list
  elements: str
probe_seconds:
  description: Time the live probe took.
  returned: when the live backend ran
  type: float
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_module


def main():
    module = AnsibleModule(argument_spec=gpu_module.argument_spec(gpu_module.TOPOLOGY_ARGS, gpu_module.HEALTH_ARGS),
                           supports_check_mode=True)
    params = module.params
    thresholds = gpu_module.thresholds_or_fail(module)
    snap = gpu_module.get_snapshot(module, parts=gpu_module.GATE_PARTS, xid_lookback_hours=params["xid_lookback_hours"])
    result, failing = gpu_module.gate_result(snap, params, thresholds, replayed=bool(params["snapshot"]))
    failures = [m for m in (gpu_module.topology_failure(result["topology"]),
                            gpu_module.health_failure(failing, params["fail_on"])) if m]
    if failures:
        module.fail_json(msg="; ".join(failures), changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
