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
  - Validates each network definition (C(name), C(interface), C(subnet) present, names and interfaces unique,
    C(mtu) in range) and plans it with P(privateai.deepseek_dify.fabric_addresses#filter).
  - Returns every problem of every network and node together, so the rdma role fails once before any change.
positional: nodes, overrides, default_mtu
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

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.filter.fabric_addresses import fabric_addresses

_KNOWN_KEYS = ("name", "interface", "subnet", "start", "gateway", "reserved", "mtu", "order")


def fabric_plan(networks, nodes, overrides=None, default_mtu=4092):
    if not isinstance(networks, (list, tuple)):
        raise AnsibleFilterError("fabric_plan: the networks must be a list of dicts, got %s" % type(networks).__name__)
    overrides = dict(overrides or {})
    problems, planned, names, interfaces = [], [], {}, {}
    for position, net in enumerate(networks):
        label = "network %d" % (position + 1)
        if not isinstance(net, dict):
            problems.append("%s: %r is not a dict with name, interface and subnet" % (label, net))
            continue
        if net.get("name"):
            label = "network %s" % net["name"]
        missing = [key for key in ("name", "interface", "subnet") if not net.get(key)]
        if missing:
            problems.append("%s: %s missing" % (label, ", ".join(missing)))
        unknown = sorted(str(k) for k in net if k not in _KNOWN_KEYS)
        if unknown:
            problems.append("%s: unknown key%s %s (known: %s)"
                            % (label, "" if len(unknown) == 1 else "s", ", ".join(unknown), ", ".join(_KNOWN_KEYS)))
        duplicate = False
        if net.get("name") in names:
            problems.append("%s: the name is used twice (networks %d and %d)" % (label, names[net["name"]], position + 1))
            duplicate = True
        if net.get("interface") in interfaces:
            problems.append("%s: interface %s is already used by network %s" % (label, net["interface"], interfaces[net["interface"]]))
            duplicate = True
        mtu = net.get("mtu", default_mtu)
        try:
            mtu = int(mtu)
            if not 576 <= mtu <= 65520:
                raise ValueError
        except (TypeError, ValueError):
            problems.append("%s: mtu %r is not between 576 and 65520" % (label, net.get("mtu")))
        if missing or unknown or duplicate:
            continue
        names[net["name"]] = position + 1
        interfaces[net["interface"]] = net["name"]
        own = dict((node, ov[net["name"]]) for node, ov in overrides.items() if isinstance(ov, dict) and net["name"] in ov)
        try:
            plan = fabric_addresses(nodes, net["subnet"], start=net.get("start", 1), gateway=net.get("gateway"),
                                    reserved=net.get("reserved") or [], overrides=own, order=net.get("order", "given"),
                                    name=net["name"])
        except AnsibleFilterError as exc:
            problems.append("%s: %s" % (label, exc))
            continue
        problems.extend(plan["problems"])
        plan.update(interface=net["interface"], gateway=net.get("gateway"), mtu=mtu)
        planned.append(plan)
    known = set(str(n["name"]) for n in networks if isinstance(n, dict) and n.get("name"))
    for node in sorted(overrides):
        ov = overrides[node]
        if ov in (None, ""):
            continue
        if not isinstance(ov, dict):
            problems.append("node %s: rdma_address_overrides must map network names to addresses, got %r" % (node, ov))
            continue
        for name in sorted(set(ov) - known):
            problems.append("node %s: rdma_address_overrides names network %s (%s), which is not defined (networks: %s)"
                            % (node, name, ov[name], ", ".join(sorted(known)) or "none"))
    return {"networks": planned, "problems": problems}


class FilterModule(object):
    """Fabric network planning."""

    def filters(self):
        return {"fabric_plan": fabric_plan}
