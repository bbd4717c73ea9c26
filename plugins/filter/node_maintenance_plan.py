# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: node_maintenance_plan
short_description: Check the node maintenance settings and cut the nodes into batches
version_added: "0.5.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the variables of the C(node_maintenance) role by name and the nodes to maintain, converts and checks every
    setting (action, batch size, timeouts) and every node's Kubernetes name (each once), every problem at once, and
    cuts the nodes into batches of C(node_maintenance_batch_size) in inventory order.
  - The logic lives in C(plugins/plugin_utils/node_maintenance.py).
options:
  _input:
    description: The role's variables as a mapping of name to value.
    type: dict
    required: true
  nodes:
    description: The nodes in inventory order, each C({host, node}) (inventory host, Kubernetes node name).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Plan the rollout
  ansible.builtin.set_fact:
    __plan: "{{ settings | privateai.deepseek_dify.node_maintenance_plan([{'host': 'gpu01', 'node': 'gpu01'}]) }}"
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    problems: {description: Every problem, each naming the variable or node and the value, type: list, elements: str}
    settings: {description: The converted settings, type: dict}
    batches: {description: "The batches, each a list of C({host, node}) (empty on problems)", type: list, elements: list}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform, node_maintenance

PER_NODE = ("node_maintenance_node_name",)


def node_maintenance_plan(variables, nodes):
    if not isinstance(variables, dict) or not isinstance(nodes, list):
        raise AnsibleFilterError("node_maintenance_plan: give the role's variables as a mapping and the nodes as a list")
    settings = k8s_platform.settings_of(variables, "node_maintenance_", ignore=PER_NODE)
    return node_maintenance.maintenance_plan(settings, k8s_platform.plain(nodes))


class FilterModule(object):
    """Node maintenance plan."""

    def filters(self):
        return {"node_maintenance_plan": node_maintenance_plan}
