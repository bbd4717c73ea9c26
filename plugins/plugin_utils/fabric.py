# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fabric address planning (filters fabric_addresses and fabric_plan, role rdma): pure functions, run on the
controller. Bad input never raises: every problem is returned, naming the variable, the network, the node and the
value. Programming errors (the node list not a list, netaddr missing) raise FabricError.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.network_input import (
    syntax_problem, to_int, to_list)

try:
    import netaddr
except ImportError:
    netaddr = None

ORDERS = ("given", "sorted")
NETWORK_KEYS = ("name", "interface", "subnet", "start", "gateway", "reserved", "mtu", "order")
MTU_MIN, MTU_MAX = 576, 65520


class FabricError(Exception):
    """A call that no inventory value can cause (wrong argument types, netaddr missing)."""


def _natural_key(name):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(name))]


def _reserved_set(entries, problems, name):
    reserved = netaddr.IPSet()
    labels = []
    entries, problem = to_list("fabric %s: reserved" % name, [] if entries is None else entries)
    if problem:
        problems.append(problem)
        entries = []
    for entry in entries:
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
        raise FabricError("fabric_addresses needs the Python library netaddr on the controller "
                          "(pip install netaddr), as ansible.utils.ipaddr does")
    if not isinstance(nodes, (list, tuple)):
        raise FabricError("fabric_addresses: the input must be a list of node names, got %s" % type(nodes).__name__)
    overrides = dict(overrides or {})
    unique = []
    for node in nodes:
        if node not in unique:
            unique.append(str(node))
    plan = {"name": name, "subnet": str(subnet), "prefixlen": None, "addresses": {}, "cidrs": {}, "sources": {},
            "usable": 0, "problems": []}
    problems = plan["problems"]
    if order not in ORDERS:
        problems.append("fabric %s: order %r is not one of %s" % (name, order, ", ".join(ORDERS)))
        return plan
    if order == "sorted":
        unique.sort(key=_natural_key)
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
    start, problem = to_int("fabric %s: start" % name, start, minimum=0)
    if problem:
        problems.append(problem)
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


def fabric_plan(networks, nodes, overrides=None, default_mtu=4092, variable="rdma_networks"):
    """Check every network definition of `variable` and plan each with fabric_addresses.

    Returns {networks: [valid plans with interface, gateway, mtu], problems: [...]}: each problem names the variable,
    the network and the value. Two networks whose subnets overlap are a problem (each fabric or rail has its own).
    """
    problems, planned, names, interfaces, subnets = [], [], {}, {}, []
    if not isinstance(networks, (list, tuple)):
        problems.append("%s: %r is not a list of networks (each a dict with name, interface and subnet)"
                        % (variable, networks))
        return {"networks": planned, "problems": problems}
    overrides = dict(overrides or {})
    for position, net in enumerate(networks):
        label = "%s network %d" % (variable, position + 1)
        if not isinstance(net, dict):
            problems.append("%s: %r is not a dict with name, interface and subnet" % (label, net))
            continue
        if net.get("name"):
            label = "%s network %s" % (variable, net["name"])
        subnets.append((net.get("name") or str(position + 1), _network_or_none(net.get("subnet"))))
        missing = [key for key in ("name", "interface", "subnet") if not net.get(key)]
        if missing:
            problems.append("%s: %s missing" % (label, ", ".join(missing)))
        unknown = sorted(str(k) for k in net if k not in NETWORK_KEYS)
        if unknown:
            problems.append("%s: unknown key%s %s (known: %s)"
                            % (label, "" if len(unknown) == 1 else "s", ", ".join(unknown), ", ".join(NETWORK_KEYS)))
        bad_syntax = [p for p in (
            syntax_problem("network_name", "%s: name" % label, net["name"]) if net.get("name") else None,
            syntax_problem("interface", "%s: interface" % label, net["interface"]) if net.get("interface") else None,
        ) if p]
        problems.extend(bad_syntax)
        duplicate = False
        if not bad_syntax and net.get("name") and net["name"] in names:
            problems.append("%s: the name is used twice (networks %d and %d)" % (label, names[net["name"]], position + 1))
            duplicate = True
        if not bad_syntax and net.get("interface") and net["interface"] in interfaces:
            problems.append("%s: interface %s is already used by network %s"
                            % (label, net["interface"], interfaces[net["interface"]]))
            duplicate = True
        mtu, problem = to_int("%s: mtu" % label, net.get("mtu", default_mtu), minimum=MTU_MIN, maximum=MTU_MAX)
        if problem:
            problems.append(problem)
        if missing or unknown or duplicate or bad_syntax or problem:
            continue
        names[net["name"]] = position + 1
        interfaces[net["interface"]] = net["name"]
        own = dict((node, ov[net["name"]]) for node, ov in overrides.items() if isinstance(ov, dict) and net["name"] in ov)
        plan = fabric_addresses(nodes, net["subnet"], start=net.get("start", 1), gateway=net.get("gateway"),
                                reserved=net.get("reserved"), overrides=own, order=net.get("order", "given"),
                                name=net["name"])
        problems.extend("%s: %s" % (variable, p) for p in plan["problems"])
        plan.update(interface=net["interface"], gateway=net.get("gateway"), mtu=mtu)
        planned.append(plan)
    problems.extend(_overlaps(subnets, variable))
    known = set(str(n["name"]) for n in networks if isinstance(n, dict) and n.get("name"))
    for node in sorted(overrides):
        ov = overrides[node]
        if ov in (None, ""):
            continue
        if not isinstance(ov, dict):
            problems.append("node %s: rdma_address_overrides must map network names to addresses, got %r" % (node, ov))
            continue
        for name in sorted(set(ov) - known, key=str):
            problems.append("node %s: rdma_address_overrides names network %s (%s), which is not defined in %s "
                            "(networks: %s)" % (node, name, ov[name], variable, ", ".join(sorted(known)) or "none"))
    return {"networks": planned, "problems": problems}


def _network_or_none(subnet):
    """The subnet as a network when it is a valid CIDR network (no host bits), else None (fabric_addresses says why)."""
    try:
        net = netaddr.IPNetwork(str(subnet))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None
    return net if "/" in str(subnet) and net.ip == net.network else None


def _overlaps(subnets, variable):
    """Problems for every pair of networks (name, network or None) whose subnets overlap."""
    problems = []
    nets = [(name, net) for name, net in subnets if net is not None]
    for index, (name, net) in enumerate(nets):
        for other_name, other in nets[index + 1:]:
            if net.version == other.version and (net.first <= other.last and other.first <= net.last):
                problems.append("%s: networks %s (%s) and %s (%s) overlap; give each fabric network its own subnet"
                                % (variable, name, net.cidr, other_name, other.cidr))
    return problems
