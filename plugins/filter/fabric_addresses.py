# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: fabric_addresses
short_description: Plan one address per node in a fabric subnet from the nodes' inventory position
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Gives the node at position I(i) of the list the address I(network + start + i) of O(subnet), so every run and
    every controller plans the same addresses, whatever C(--limit) says. Addresses given in O(overrides) replace the
    planned one of their node and move no other node.
  - Checks the whole plan at once and returns every problem, each naming the node and the value; it never raises
    for a bad plan, so a role can gather the problems of several fabrics and fail once.
  - Problems are two nodes on one address, an address equal to the network, broadcast or gateway address or inside
    O(reserved), an override outside the subnet or not an address, and a subnet too small for the nodes
    (exhaustion, each node past the end named with the address it would need).
  - Uses netaddr, as M(ansible.utils.ipaddr) does; IPv4 and IPv6 subnets. An IPv4 subnet's network and broadcast
    addresses are not usable except in a /31 or /32 (RFC 3021); an IPv6 subnet's first address (the subnet-router
    anycast address) is not usable.
positional: subnet
options:
  _input:
    description: Node names in inventory order (for example C(groups['gpu_nodes'])). Repeated names count once.
    type: list
    elements: str
    required: true
  subnet:
    description: The fabric's subnet in CIDR form, for example V(10.224.0.0/24).
    type: str
    required: true
  start:
    description: Offset of the first node's address from the network address (V(1) gives the first node C(.1)).
    type: int
    default: 1
  gateway:
    description: The subnet's gateway, if any; no node may have it.
    type: str
  reserved:
    description: Addresses no node may have, as addresses, CIDRs (V(10.224.0.240/28)) or ranges (V(10.224.0.1-10.224.0.9)).
    type: list
    elements: str
    default: []
  overrides:
    description: Node name to the address it must have (from host_vars), with or without the subnet's prefix length.
    type: dict
    default: {}
  order:
    description:
      - V(given) keeps the input order (inventory order); V(sorted) sorts the names naturally first (gpu2 before gpu10).
      - Either way a node added at the end of the list leaves every other address as it was; a node inserted before
        others shifts them, so pin addresses with O(overrides) when the order may change.
    type: str
    choices: [given, sorted]
    default: given
  name:
    description: The fabric's name, used in the problems.
    type: str
    default: fabric
"""

EXAMPLES = r"""
- name: Plan the IPoIB addresses of every GPU and storage node
  ansible.builtin.set_fact:
    ib0_plan: >-
      {{ (groups['gpu_nodes'] + groups['storage_nodes']) | unique
         | privateai.deepseek_dify.fabric_addresses('10.224.0.0/24', start=11, name='ib0',
             overrides={'stor03.example.internal': '10.224.0.200'}) }}
  run_once: true

- name: Stop on a bad plan, with every problem
  ansible.builtin.assert:
    that: ib0_plan.problems | length == 0
    fail_msg: "{{ ib0_plan.problems | join('; ') }}"
  run_once: true
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    name: {description: The fabric's name, type: str}
    subnet: {description: The subnet as given, normalised, type: str, sample: 10.224.0.0/24}
    prefixlen: {description: Its prefix length, type: int, sample: 24}
    addresses: {description: Node to address, type: dict, sample: {"gpu01": "10.224.0.11"}}
    cidrs: {description: Node to address with the prefix length, type: dict, sample: {"gpu01": "10.224.0.11/24"}}
    sources: {description: Node to V(position N) or V(override), type: dict}
    usable: {description: Number of usable addresses in the subnet, type: int}
    problems: {description: Every problem, each naming the node and the value; empty when the plan is good, type: list}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import fabric as _fabric


def fabric_addresses(nodes, subnet, start=1, gateway=None, reserved=None, overrides=None, order="given", name="fabric"):
    try:
        return _fabric.fabric_addresses(nodes, subnet, start=start, gateway=gateway, reserved=reserved,
                                        overrides=overrides, order=order, name=name)
    except _fabric.FabricError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    """Fabric address planning (the logic is in plugin_utils/fabric.py)."""

    def filters(self):
        return {"fabric_addresses": fabric_addresses}
