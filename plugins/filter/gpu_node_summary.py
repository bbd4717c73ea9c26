# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: gpu_node_summary
short_description: One node's GPU summary from what the GPU gate module (or the three GPU modules) returned on it
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Turns the registered result of M(privateai.deepseek_dify.gpu_gate_info), or the three registered results of
    M(privateai.deepseek_dify.nvidia_gpu_info), M(privateai.deepseek_dify.nvlink_topology) and
    M(privateai.deepseek_dify.gpu_health) (also when they failed an expectation, since their data is still returned),
    into the summary that P(privateai.deepseek_dify.gpu_consistency#filter) compares across nodes.
  - With O(topology) and O(health) both omitted and no C(gpus) in the input, the input is taken as a
    M(privateai.deepseek_dify.gpu_gate_info) result (the gpu_validate role's form). Both forms give the same summary.
  - The summary has C(gpu_count), C(reason) (why there is no GPU), C(driver_version), C(cuda_driver_version),
    C(kernel_module_version), C(gpu_model) (one name, or each model with its count when a node mixes them),
    C(gpu_models), C(memory_total_mib), C(nvlink_shape), C(nvswitch), C(islands), C(nvlink_counts), C(health)
    (C(counts), C(healthy), C(failing), C(kernel_log_source)), C(expect_gpus), C(expected), C(group), C(problems)
    (rows with C(field), C(found), C(expected)) and a one-line C(status).
  - A module result without C(gpu_count) (the module failed for another reason than an expectation, such as an
    unreadable snapshot) becomes a problem row with the module's name and message.
positional: topology, health
options:
  _input:
    description:
      - The registered result of M(privateai.deepseek_dify.gpu_gate_info), or of
        M(privateai.deepseek_dify.nvidia_gpu_info) when O(topology) and O(health) are given.
    type: dict
    required: true
  topology:
    description: The registered result of M(privateai.deepseek_dify.nvlink_topology); its C(problems) become problem rows.
    type: dict
  health:
    description:
      - The registered result of M(privateai.deepseek_dify.gpu_health); findings at O(fail_on) or worse become problem
        rows.
    type: dict
  expect_gpus:
    description: Whether this node must have GPUs (a node without any is then a deviation).
    type: bool
    default: true
  expected:
    description:
      - Explicit values for this node (C(gpu_count), C(gpu_model), C(driver_version), C(cuda_driver_version),
        C(nvlink_shape)); V(null) or missing ones are held against the group's majority.
    type: dict
  group:
    description: The group this node is compared within.
    type: str
    default: all
  fail_on:
    description: Health findings of this severity or worse are problems; V(never) makes none.
    type: str
    choices: [critical, warning, never]
    default: critical
  expect_fully_connected:
    description: What nvlink_topology was asked (only words the expected column of NVLink problems).
    type: bool
    default: false
  min_nvlinks_per_pair:
    description: What nvlink_topology was asked (only words the expected column of NVLink problems).
    type: int
seealso:
  - plugin: privateai.deepseek_dify.gpu_consistency
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Read the GPUs, their NVLink topology and health in one module run
  privateai.deepseek_dify.gpu_gate_info:
    fail_on: never
  register: gate_result

- name: Summarise this node
  ansible.builtin.set_fact:
    gpu_summary: "{{ gate_result | privateai.deepseek_dify.gpu_node_summary(expect_gpus=true, expected={'gpu_count': 8}) }}"

# The same from the three modules used alone
- name: Read the GPUs
  privateai.deepseek_dify.nvidia_gpu_info:
  register: facts_result

- name: Read the topology
  privateai.deepseek_dify.nvlink_topology:
  register: topology_result

- name: Read the health
  privateai.deepseek_dify.gpu_health:
  register: health_result

- name: Summarise this node from the three results
  ansible.builtin.set_fact:
    gpu_summary: >-
      {{ facts_result | privateai.deepseek_dify.gpu_node_summary(topology_result, health_result,
         expect_gpus=true, expected={'gpu_count': 8}) }}
"""

RETURN = r"""
_value:
  description: The node summary (keys listed in the description).
  type: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import gpu_consistency as _gc


def _mapping(value, name):
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AnsibleFilterError("gpu_node_summary: %s must be a dictionary, got %s" % (name, type(value).__name__))
    return dict(value)


def gpu_node_summary(facts, topology=None, health=None, expect_gpus=True, expected=None, group=_gc.DEFAULT_GROUP,
                     fail_on="critical", expect_fully_connected=False, min_nvlinks_per_pair=None):
    if fail_on not in ("critical", "warning", "never"):
        raise AnsibleFilterError("gpu_node_summary: fail_on must be critical, warning or never, got %r" % (fail_on,))
    options = dict(expect_gpus=expect_gpus, expected=_mapping(expected, "expected"), group=group, fail_on=fail_on,
                   expect_fully_connected=expect_fully_connected, min_nvlinks_per_pair=min_nvlinks_per_pair)
    if topology is None and health is None and not (isinstance(facts, Mapping) and "gpus" in facts):
        return _gc.gate_node_summary(_mapping(facts, "the input (the gpu_gate_info result)"), **options)
    return _gc.node_summary(_mapping(facts, "the input (the nvidia_gpu_info result)"),
                            _mapping(topology, "topology (the nvlink_topology result)"),
                            _mapping(health, "health (the gpu_health result)"), **options)


class FilterModule(object):
    """One node's GPU summary for the GPU gate."""

    def filters(self):
        return {"gpu_node_summary": gpu_node_summary}
