# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: sriov_plan
short_description: Check a node's SR-IOV settings against what rdma_facts found and plan its virtual functions
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Matches each wanted physical function (by interface name) with the SR-IOV capable functions
    M(privateai.deepseek_dify.rdma_facts) found, and plans every virtual function with a MAC address (Ethernet) or
    node and port GUIDs (InfiniBand), trust and spoof checking.
  - Generated MACs are locally administered (C(02:...)) and GUIDs start with C(02), both derived from the node name,
    the interface and the VF index, so they are the same on every run and differ between nodes.
  - Returns every problem of the node at once, each naming the node and the value, for the role to gather across nodes.
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
    description: The registered result of M(privateai.deepseek_dify.rdma_facts) on the node.
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

import hashlib
import re

from ansible.errors import AnsibleFilterError

_MAC_RE = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")
_KNOWN = ("interface", "num_vfs", "trust", "spoofchk", "macs")
IPOIB_TYPE = 32


def _seed(node, interface):
    return hashlib.sha1(("%s/%s" % (node, interface)).encode("utf-8")).hexdigest()


def vf_mac(node, interface, index):
    """Locally administered unicast MAC, stable per node, interface and VF index."""
    digest = _seed(node, interface)
    return "02:%s:%s:%s:%s:%02x" % (digest[0:2], digest[2:4], digest[4:6], digest[6:8], index % 256)


def vf_guid(node, interface, index):
    """A VF GUID (node_guid and port_guid) for an InfiniBand PF, stable per node, interface and VF index."""
    digest = _seed(node, interface)
    return "02:%s:%s:%s:%s:%s:%02x:%02x" % (digest[0:2], digest[2:4], digest[4:6], digest[6:8], digest[8:10],
                                            (index >> 8) & 0xff, index & 0xff)


def sriov_plan(wanted, facts, node):
    if not isinstance(wanted, (list, tuple)):
        raise AnsibleFilterError("sriov_plan: the wanted functions must be a list of dicts, got %s" % type(wanted).__name__)
    if not isinstance(facts, dict) or "sriov" not in facts or "interfaces" not in facts:
        raise AnsibleFilterError("sriov_plan: facts must be the registered result of privateai.deepseek_dify.rdma_facts")
    capable = dict((f["interface"], f) for f in facts["sriov"])
    for function in facts["sriov"]:
        for name in function.get("interfaces", []):
            capable.setdefault(name, function)
    plan = {"capable": bool(capable), "reason": None, "functions": [], "problems": []}
    problems = plan["problems"]
    if not capable:
        plan["reason"] = ("no SR-IOV capable device: no network interface's PCI function reports sriov_totalvfs above 0 "
                          "(on ConnectX, enable SR-IOV in the firmware with mlxconfig SRIOV_EN=1 NUM_OF_VFS=<n>)")
        return plan
    if not wanted:
        plan["reason"] = "sriov_devices is empty: nothing to configure on the SR-IOV capable %s" % ", ".join(sorted(capable))
        return plan
    capable_text = ", ".join("%s (%d VFs at most)" % (f["interface"], f["sriov_totalvfs"]) for f in facts["sriov"])
    seen = set()
    for position, entry in enumerate(wanted):
        if not isinstance(entry, dict) or not entry.get("interface"):
            problems.append("node %s: sriov_devices entry %d has no interface: %r" % (node, position + 1, entry))
            continue
        name = str(entry["interface"])
        unknown = sorted(str(k) for k in entry if k not in _KNOWN)
        if unknown:
            problems.append("node %s: sriov_devices %s: unknown key%s %s (known: %s)"
                            % (node, name, "" if len(unknown) == 1 else "s", ", ".join(unknown), ", ".join(_KNOWN)))
        if name in seen:
            problems.append("node %s: sriov_devices lists %s twice" % (node, name))
            continue
        seen.add(name)
        try:
            num_vfs = int(entry.get("num_vfs"))
            if num_vfs < 0:
                raise ValueError
        except (TypeError, ValueError):
            problems.append("node %s: sriov_devices %s: num_vfs %r is not a count of VFs" % (node, name, entry.get("num_vfs")))
            continue
        if name not in facts["interfaces"]:
            problems.append("node %s: interface %s (sriov_devices) does not exist; SR-IOV capable here: %s"
                            % (node, name, capable_text))
            continue
        if name not in capable:
            problems.append("node %s: interface %s (sriov_devices) cannot have VFs (its PCI function reports no "
                            "sriov_totalvfs); SR-IOV capable here: %s" % (node, name, capable_text))
            continue
        function = capable[name]
        if num_vfs > function["sriov_totalvfs"]:
            problems.append("node %s: interface %s: num_vfs %d is above its sriov_totalvfs %d (raise NUM_OF_VFS in the "
                            "firmware or ask for fewer)" % (node, name, num_vfs, function["sriov_totalvfs"]))
            continue
        infiniband = facts["interfaces"][name].get("type") == IPOIB_TYPE
        macs = entry.get("macs")
        if macs is not None:
            if infiniband:
                problems.append("node %s: interface %s is InfiniBand: its VFs get GUIDs, not macs" % (node, name))
                continue
            bad = [m for m in macs if not _MAC_RE.match(str(m))] if isinstance(macs, list) else [macs]
            if bad or len(macs) != num_vfs:
                problems.append("node %s: interface %s: macs must be %d MAC addresses, one per VF%s"
                                % (node, name, num_vfs, "; not MACs: %s" % ", ".join(str(b) for b in bad) if bad else
                                   "; got %d" % len(macs)))
                continue
        vfs = []
        for index in range(num_vfs):
            vf = {"index": index, "trust": bool(entry.get("trust", True)), "spoofchk": bool(entry.get("spoofchk", False))}
            if infiniband:
                vf["guid"] = vf_guid(node, name, index)
            else:
                vf["mac"] = str(macs[index]).lower() if macs else vf_mac(node, name, index)
            vfs.append(vf)
        plan["functions"].append({
            "interface": name,
            "pci_address": function["pci_address"],
            "sriov_totalvfs": function["sriov_totalvfs"],
            "sriov_numvfs": function["sriov_numvfs"],
            "num_vfs": num_vfs,
            "infiniband": infiniband,
            "vfs": vfs,
        })
    macs_seen = {}
    for function in plan["functions"]:
        for vf in function["vfs"]:
            mac = vf.get("mac")
            if mac in macs_seen:
                problems.append("node %s: MAC %s is given to both %s and %s VF %d" % (node, mac, macs_seen[mac], function["interface"], vf["index"]))
            elif mac:
                macs_seen[mac] = "%s VF %d" % (function["interface"], vf["index"])
    return plan


class FilterModule(object):
    """SR-IOV planning."""

    def filters(self):
        return {"sriov_plan": sriov_plan}
