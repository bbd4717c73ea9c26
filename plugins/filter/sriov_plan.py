# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: sriov_plan
short_description: Check a node's SR-IOV settings against what rdma_info found and plan its virtual functions
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Matches each wanted physical function (by interface name) with the SR-IOV capable functions
    M(privateai.deepseek_dify.rdma_info) found, and plans every virtual function with a MAC address (Ethernet) or
    node and port GUIDs (InfiniBand), trust and spoof checking.
  - Generated MACs are locally administered (C(02:...)) and GUIDs start with C(02), both derived from the node name,
    the interface and the VF index, so they are the same on every run and differ between nodes.
  - Returns every problem of the node at once, each naming the node and the value, for the role to gather across nodes.
  - The inventory value itself (each entry a dict with an C(interface) name of a valid syntax, C(num_vfs) a whole
    number from 0, C(trust) and C(spoofchk) booleans, C(macs) MAC addresses, one per VF) is checked on every node,
    with or without SR-IOV hardware. Values YAML types differently but that mean the same are accepted, as Ansible's
    argument specs accept them (V("4") for 4, V(yes) for true, a comma-separated string of MACs).
positional: facts, node
options:
  _input:
    description:
      - The wanted physical functions, each with C(interface), C(num_vfs), and optionally C(trust) (true),
        C(spoofchk) (false), C(macs) (one per VF; generated when absent).
    type: list
    elements: dict
    required: true
  facts:
    description: The registered result of M(privateai.deepseek_dify.rdma_info) on the node.
    type: dict
    required: true
  node:
    description: The node's name (inventory_hostname), used in the problems and for the generated addresses.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Plan the virtual functions
  ansible.builtin.set_fact:
    sriov_vf_plan: "{{ sriov_devices | privateai.deepseek_dify.sriov_plan(probe, inventory_hostname) }}"
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    capable: {description: Whether the node has an SR-IOV capable function, type: bool}
    reason: {description: Why there is nothing to do (starts with C(no SR-IOV capable device)), type: str}
    functions:
      description: >-
        Per wanted physical function, C(interface), C(pci_address), C(sriov_totalvfs), C(num_vfs), C(infiniband), and
        C(vfs), each with C(index), C(mac) or C(guid), C(trust), C(spoofchk).
      type: list
      elements: dict
    problems: {description: Every problem, naming node and value, type: list, elements: str}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import sriov as _sriov

vf_mac = _sriov.vf_mac
vf_guid = _sriov.vf_guid


def sriov_plan(wanted, facts, node):
    try:
        return _sriov.sriov_plan(wanted, facts, node)
    except _sriov.SriovError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    """SR-IOV planning (the logic is in plugin_utils/sriov.py)."""

    def filters(self):
        return {"sriov_plan": sriov_plan}
