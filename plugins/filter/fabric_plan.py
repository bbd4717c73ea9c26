# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: fabric_plan
short_description: Check the fabric network definitions and plan every node's address on each, all problems at once
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Validates each network definition (C(name), C(interface), C(subnet) present, names and interfaces unique and of
    a syntax that can be written into networkd and netplan files, C(mtu) and C(start) whole numbers in range (V("4")
    counts as 4), C(reserved) a list or a comma-separated string, no two subnets overlapping) and plans it with
    P(privateai.deepseek_dify.fabric_addresses#filter).
  - Returns every problem of every network and node together, so the rdma role fails once before any change.
positional: nodes, overrides, default_mtu, variable
options:
  _input:
    description:
      - The network definitions, each a dict with C(name), C(interface) (the IPoIB or RoCE interface on every node),
        C(subnet), and optional C(start) (1), C(gateway), C(reserved) ([]), C(mtu), C(order) (V(given)).
    type: list
    elements: dict
    required: true
  nodes:
    description: Node names in inventory order.
    type: list
    elements: str
    required: true
  overrides:
    description: Node name to a dict of network name to the address that node must have.
    type: dict
    default: {}
  default_mtu:
    description: MTU of a network that gives none.
    type: int
    default: 4092
  variable:
    description: The variable the networks come from, named in every problem.
    type: str
    default: rdma_networks
seealso:
  - plugin: privateai.deepseek_dify.fabric_addresses
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Plan the fabric networks once for the play
  ansible.builtin.set_fact:
    plan: >-
      {{ privateai_fabric.networks | privateai.deepseek_dify.fabric_plan(groups['gpu_nodes'],
         dict(groups['gpu_nodes'] | zip(groups['gpu_nodes'] | map('extract', hostvars)
              | map(attribute='rdma_address_overrides', default={})))) }}
  run_once: true
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    networks:
      description: >-
        Each valid network with C(name), C(interface), C(subnet), C(prefixlen), C(gateway), C(mtu) and, per node,
        C(addresses), C(cidrs) and C(sources).
      type: list
      elements: dict
    problems: {description: Every problem, naming network, node and value, type: list, elements: str}
"""

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.fabric import fabric_plan


class FilterModule(object):
    """Fabric network planning (the logic is in plugin_utils/fabric.py)."""

    def filters(self):
        return {"fabric_plan": fabric_plan}
