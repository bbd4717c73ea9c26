#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: nvlink_topology
short_description: GPU-to-GPU and GPU-to-NIC topology with nvidia-smi topo -m semantics, and expectations on it
version_added: "0.1.0"
description:
  - Reads NVML (through pynvml) and sysfs; changes nothing.
  - Returns the full GPU matrix with C(nvidia-smi topo -m) cells (X, NV#, PIX, PXB, PHB, NODE, SYS), per-link NVLink
    state, version, remote device type and error counters, P2P status, NVSwitch presence and fabric state, the
    NVLink-connected islands, GPU to RDMA NIC affinity from sysfs PCI paths, and the matrix as text.
  - Expectations (O(expect_gpu_count), O(expect_fully_connected), O(expect_min_nvlinks_per_pair)) fail the task
    with every GPU pair that misses them and what was found.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.gpu_probe
  - privateai.deepseek_dify.gpu_probe.topology
options: {}
seealso:
  - module: privateai.deepseek_dify.gpu_gate_info
"""

EXAMPLES = r"""
- name: An HGX H100 node must be fully connected with 18 links per pair
  privateai.deepseek_dify.nvlink_topology:
    expect_gpus: true
    expect_gpu_count: 8
    expect_fully_connected: true
    expect_min_nvlinks_per_pair: 18
  register: topo

- name: Show the matrix
  ansible.builtin.debug:
    msg: "{{ topo.matrix_text.split('\n') }}"
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
matrix:
  description: Row per GPU, a cell per GPU and NIC column, as in C(nvidia-smi topo -m).
  returned: always
  type: dict
  sample: {"GPU0": {"GPU0": "X", "GPU1": "NV18", "NIC0": "PIX"}}
matrix_text:
  description: The matrix as text, tab separated, with CPU and NUMA affinity and a legend.
  returned: always
  type: str
nvlink_counts:
  description: Active NVLinks between each ordered GPU pair that has any.
  returned: always
  type: dict
links:
  description: Per GPU, each NVLink with state, version, remote PCI id, remote device type and error counters.
  returned: always
  type: dict
p2p:
  description: Per ordered GPU pair, P2P read, write, nvlink and atomics status (OK or the NVML reason).
  returned: always
  type: dict
nvswitch:
  description: Whether any GPU has an active NVLink to an NVSwitch.
  returned: always
  type: bool
fabric_state:
  description: Per GPU, the NVSwitch fabric state (COMPLETED when trained) or the NVML error.
  returned: always
  type: dict
islands:
  description: Groups of GPUs connected by NVLink.
  returned: always
  type: list
  elements: list
nics:
  description: RDMA devices found under /sys/class/infiniband, in NIC column order.
  returned: always
  type: list
  elements: str
cpu_affinity:
  description: Per GPU, the CPUs local to it.
  returned: always
  type: dict
numa_affinity:
  description: Per GPU, its NUMA node.
  returned: always
  type: dict
shape:
  description: Node-independent summary of the NVLink shape, compared across nodes by the gpu_validate role.
  returned: always
  type: str
  sample: "8 GPUs via NVSwitch: NV18 x56"
problems:
  description: Expectations not met (the task fails when there are any).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_module


def main():
    module = AnsibleModule(argument_spec=gpu_module.argument_spec(gpu_module.TOPOLOGY_ARGS), supports_check_mode=True)
    snap = gpu_module.get_snapshot(module, parts=gpu_module.TOPOLOGY_PARTS)
    topo = gpu_module.topology_result(snap, module.params)
    failure = gpu_module.topology_failure(topo)
    if failure:
        module.fail_json(msg=failure, **topo)
    module.exit_json(changed=False, **topo)


if __name__ == "__main__":
    main()
