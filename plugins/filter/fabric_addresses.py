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

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

try:
    import netaddr
except ImportError:
    netaddr = None


def _natural_key(name):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(name))]


def _reserved_set(entries, problems, name):
    reserved = netaddr.IPSet()
    labels = []
    for entry in entries or []:
        text = str(entry).strip()
        try:
            if "-" in text:
                first, last = [part.strip() for part in text.split("-", 1)]
                block = netaddr.IPRange(first, last)
            else:
                block = netaddr.IPNetwork(text)
        except (netaddr.AddrFormatError, ValueError, TypeError) as exc:
            problems.append("fabric %s: reserved entry %r is not an address, CIDR or range (%s)" % (name, entry, to_native(exc)))
            continue
        reserved.update(netaddr.IPSet(block))
        labels.append((netaddr.IPSet(block), text))
    return reserved, labels


def fabric_addresses(nodes, subnet, start=1, gateway=None, reserved=None, overrides=None, order="given", name="fabric"):
    if netaddr is None:
        raise AnsibleFilterError("fabric_addresses needs the Python library netaddr on the controller "
                                 "(pip install netaddr), as ansible.utils.ipaddr does")
    if not isinstance(nodes, (list, tuple)):
        raise AnsibleFilterError("fabric_addresses: the input must be a list of node names, got %s" % type(nodes).__name__)
    if order not in ("given", "sorted"):
        raise AnsibleFilterError("fabric_addresses: order must be 'given' or 'sorted', got %r" % (order,))
    overrides = dict(overrides or {})
    unique = []
    for node in nodes:
        if node not in unique:
            unique.append(str(node))
    if order == "sorted":
        unique.sort(key=_natural_key)

    plan = {"name": name, "subnet": str(subnet), "prefixlen": None, "addresses": {}, "cidrs": {}, "sources": {},
            "usable": 0, "problems": []}
    problems = plan["problems"]
    try:
        net = netaddr.IPNetwork(str(subnet))
    except (netaddr.AddrFormatError, ValueError, TypeError) as exc:
        problems.append("fabric %s: subnet %r is not a network in CIDR form (%s)" % (name, subnet, to_native(exc)))
        return plan
    if "/" not in str(subnet):
        problems.append("fabric %s: subnet %r has no prefix length (write it as CIDR, for example 10.224.0.0/24)" % (name, subnet))
        return plan
    if net.ip != net.network:
        problems.append("fabric %s: subnet %s has host bits set; the network is %s/%d" % (name, subnet, net.network, net.prefixlen))
        return plan
    try:
        start = int(start)
    except (TypeError, ValueError):
        problems.append("fabric %s: start %r is not a number" % (name, start))
        return plan
    if start < 0:
        problems.append("fabric %s: start %d is negative" % (name, start))
        return plan
    plan["subnet"] = str(net.cidr)
    plan["prefixlen"] = net.prefixlen

    # Usable range: IPv4 loses network and broadcast except in /31 and /32; IPv6 loses the subnet-router anycast.
    first, last = int(net.first), int(net.last)
    special = {}
    if net.version == 4 and net.prefixlen <= 30:
        special[first] = "the network address of %s" % net.cidr
        special[last] = "the broadcast address of %s" % net.cidr
        usable_first, usable_last = first + 1, last - 1
    elif net.version == 6 and net.prefixlen <= 126:
        special[first] = "the subnet-router anycast address of %s" % net.cidr
        usable_first, usable_last = first + 1, last
    else:
        usable_first, usable_last = first, last
    plan["usable"] = usable_last - usable_first + 1

    gateway_ip = None
    if gateway:
        try:
            gateway_ip = netaddr.IPAddress(str(gateway).split("/", maxsplit=1)[0])
        except (netaddr.AddrFormatError, ValueError, TypeError):
            problems.append("fabric %s: gateway %r is not an address" % (name, gateway))
        else:
            if gateway_ip not in net:
                problems.append("fabric %s: gateway %s is outside %s" % (name, gateway_ip, net.cidr))
            else:
                special[int(gateway_ip)] = "the gateway of fabric %s" % name
    reserved_set, reserved_labels = _reserved_set(reserved, problems, name)

    unknown = sorted(set(overrides) - set(unique), key=_natural_key)
    for node in unknown:
        problems.append("fabric %s: override for %s (%s), which is not one of the planned nodes" % (name, node, overrides[node]))

    taken = {}
    beyond = []
    for position, node in enumerate(unique):
        if node in overrides and overrides[node] not in (None, ""):
            raw = str(overrides[node]).strip()
            address, _sep, prefix = raw.partition("/")
            try:
                ip = netaddr.IPAddress(address)
            except (netaddr.AddrFormatError, ValueError, TypeError):
                problems.append("node %s: override %r for fabric %s is not an IP address" % (node, overrides[node], name))
                continue
            if prefix and prefix != str(net.prefixlen):
                problems.append("node %s: override %s for fabric %s has prefix /%s, the subnet is %s"
                                % (node, raw, name, prefix, net.cidr))
                continue
            if ip.version != net.version or ip not in net:
                problems.append("node %s: override %s for fabric %s is outside %s" % (node, ip, name, net.cidr))
                continue
            source = "override"
        else:
            value = first + start + position
            if value > usable_last:
                beyond.append(node)
                needed = netaddr.IPAddress(value, net.version) if value <= (2 ** 32 - 1 if net.version == 4 else 2 ** 128 - 1) else None
                problems.append("node %s: position %d needs %s, past the last usable address %s of %s"
                                % (node, position, needed if needed is not None else "an address", netaddr.IPAddress(usable_last, net.version), net.cidr))
                continue
            ip = netaddr.IPAddress(value, net.version)
            source = "position %d" % position
        value = int(ip)
        if value in special:
            problems.append("node %s: %s (%s) is %s" % (node, ip, source, special[value]))
        elif ip in reserved_set:
            label = [text for block, text in reserved_labels if ip in block][0]
            problems.append("node %s: %s (%s) is reserved (%s)" % (node, ip, source, label))
        if value in taken:
            other, other_source = taken[value]
            problems.append("fabric %s: %s is planned for both %s (%s) and %s (%s)" % (name, ip, other, other_source, node, source))
        else:
            taken[value] = (node, source)
        plan["addresses"][node] = str(ip)
        plan["cidrs"][node] = "%s/%d" % (ip, net.prefixlen)
        plan["sources"][node] = source
    if beyond:
        planned = [n for n in unique if n not in overrides]
        problems.append("fabric %s: subnet %s is too small: %d planned nodes from offset %d, room for %d; "
                        "use a larger subnet or a smaller start"
                        % (name, net.cidr, len(planned), start, max(0, usable_last - (first + start) + 1)))
    return plan


class FilterModule(object):
    """Fabric address planning."""

    def filters(self):
        return {"fabric_addresses": fabric_addresses}
