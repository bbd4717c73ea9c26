#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: nvidia_gpu_info
short_description: NVIDIA driver, CUDA driver and per-GPU facts, read through NVML
version_added: "0.1.0"
description:
  - Reads NVML (through pynvml) and sysfs; changes nothing.
  - Per GPU, the index, name, UUID, PCI bus id, memory, compute capability, persistence mode, MIG mode
    (current and pending), power limits, NUMA node and CPU affinity (falling back to sysfs), and ECC mode.
  - A node without GPUs or without a driver returns RV(gpu_count=0) with the reason.
  - Returns plain results, no C(ansible_facts) (hence C(_info)); register them. The old name C(nvidia_gpu_facts)
    redirects here.
  - M(privateai.deepseek_dify.gpu_gate_info) returns the same facts together with the topology and health from one
    snapshot.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.gpu_probe
options: {}
seealso:
  - module: privateai.deepseek_dify.gpu_gate_info
  - module: privateai.deepseek_dify.nvlink_topology
  - module: privateai.deepseek_dify.gpu_health
"""

EXAMPLES = r"""
- name: Read the GPU facts
  privateai.deepseek_dify.nvidia_gpu_info:
  register: gpu

- name: Same, from a recorded snapshot
  privateai.deepseek_dify.nvidia_gpu_info:
    snapshot: tests/unit/fixtures/nvml/h100x2-nvswitch.json
"""

RETURN = r"""
gpu_count:
  description: Number of GPUs NVML reports (0 without driver or GPUs).
  returned: always
  type: int
reason:
  description: When RV(gpu_count=0), why (no driver, no pynvml, a driver/library mismatch, no GPU); V(null) otherwise.
  returned: always
  type: str
driver_version:
  description: NVIDIA driver version (NVML).
  returned: always
  type: str
  sample: "580.159.04"
kernel_module_version:
  description:
    - Version of the loaded nvidia kernel module (C(/sys/module/nvidia/version)), V(null) when none is loaded.
    - After a driver upgrade without a reboot it is still the old version and NVML fails to start (driver/library version mismatch); RV(reason) then says so.
  returned: always
  type: str
cuda_driver_version:
  description: Highest CUDA version the driver supports, as major.minor.
  returned: always
  type: str
  sample: "13.0"
gpus:
  description: One entry per GPU.
  returned: always
  type: list
  elements: dict
  contains:
    index: {description: NVML index, type: int}
    name: {description: Product name, type: str}
    uuid: {description: GPU UUID, type: str}
    pci_bus_id: {description: PCI bus id (NVML form), type: str}
    memory_total_mib: {description: Memory in MiB, type: int}
    compute_capability: {description: CUDA compute capability, type: str, sample: "9.0"}
    persistence_mode: {description: Persistence mode enabled, type: bool}
    mig_mode: {description: "MIG mode: current and pending (V(null) where unsupported)", type: dict}
    power_limit_w: {description: "Power limits in watts: enforced, default, min, max", type: dict}
    numa_node: {description: "NUMA node (NVML, else sysfs)", type: int}
    numa_source: {description: "Where numa_node came from: nvml, sysfs or none", type: str}
    cpu_affinity: {description: CPUs local to the GPU, type: str, sample: "0-31"}
    ecc_mode: {description: "ECC mode: current and pending", type: dict}
probe_seconds:
  description: Time the live probe took.
  returned: when the live backend ran
  type: float
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_module


def main():
    module = AnsibleModule(argument_spec=gpu_module.argument_spec(), supports_check_mode=True)
    snap = gpu_module.get_snapshot(module, parts=gpu_module.FACTS_PARTS)
    module.exit_json(changed=False, **gpu_module.facts_result(snap))


if __name__ == "__main__":
    main()
