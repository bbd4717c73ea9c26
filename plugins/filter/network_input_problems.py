# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: network_input_problems
short_description: Syntax problems of the network stage's role variables that end up in files
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Checks each given variable of the rdma and sriov roles whose value is written into a file (modules-load.d
    entries, interface names in networkd and netplan files, paths in the SR-IOV unit and script, the unit name)
    and returns every problem at once, each naming the node, the variable, the value and what it must be.
  - Known variables are C(rdma_kernel_modules), C(rdma_interface_overrides), C(sriov_unit_name) and the file paths
    C(rdma_kernel_modules_file), C(rdma_gpudirect_modules_file), C(rdma_networkd_dir), C(rdma_netplan_file),
    C(rdma_facts_file), C(sriov_config_file), C(sriov_script_path), C(sriov_grub_dropin), C(sriov_facts_file).
positional: node
options:
  _input:
    description: Variable name to its value.
    type: dict
    required: true
  node:
    description: The node's name, put before each problem.
    type: str
"""

EXAMPLES = r"""
- name: Check the values the sriov role writes into files
  ansible.builtin.set_fact:
    problems: >-
      {{ {'sriov_unit_name': sriov_unit_name, 'sriov_script_path': sriov_script_path}
         | privateai.deepseek_dify.network_input_problems(inventory_hostname) }}
"""

RETURN = r"""
_value:
  description: Every problem, empty when every value is good.
  type: list
  elements: str
  sample: ["node gpu01: rdma_kernel_modules entry 2: 'mlx5 ib' is not a kernel module name of letters, digits, '_' or '-'"]
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.network_input import role_value_problems


def network_input_problems(values, node=None):
    if not isinstance(values, dict):
        raise AnsibleFilterError("network_input_problems: the input must be a dict of variable name to value")
    try:
        return role_value_problems(values, node)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    """Input checks of the network stage (the logic is in plugin_utils/network_input.py)."""

    def filters(self):
        return {"network_input_problems": network_input_problems}
