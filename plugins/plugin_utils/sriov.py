# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SR-IOV planning (filter sriov_plan, role sriov): pure functions, run on the controller.

check_devices() checks the inventory value sriov_devices on every node, hardware or not; sriov_plan() adds what
depends on the node's hardware (the interface exists, can have VFs, allows that many). Bad input never raises.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.network_input import (
    syntax_problem, to_bool, to_int, to_list)

MAC_RE = re.compile(r"^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$")
DEVICE_KEYS = ("interface", "num_vfs", "trust", "spoofchk", "macs")
# The kernel's limit on VFs of one physical function (PCI SR-IOV TotalVFs is 16 bits).
MAX_VFS = 65535
IPOIB_TYPE = 32


class SriovError(Exception):
    """A call that no inventory value can cause (the facts are not rdma_info's result)."""


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


def check_devices(wanted, node, variable="sriov_devices"):
    """(entries, problems): sriov_devices checked and converted without looking at the hardware.

    Each entry comes back as {interface, num_vfs (int), trust (bool), spoofchk (bool), macs (list or None)}; an
    entry with a problem is left out. Every problem starts with the node and names the variable and the value.
    """
    problems, entries, seen = [], [], set()
    if wanted is None:
        wanted = []
    if not isinstance(wanted, (list, tuple)):
        return [], ["node %s: %s: %r is not a list of physical functions (each a dict with interface and num_vfs)"
                    % (node, variable, wanted)]
    for position, entry in enumerate(wanted):
        if not isinstance(entry, dict) or not entry.get("interface"):
            problems.append("node %s: %s entry %d has no interface: %r" % (node, variable, position + 1, entry))
            continue
        name = entry["interface"]
        label = "node %s: %s %s" % (node, variable, name)
        found = []
        bad_name = syntax_problem("interface", "%s entry %d: interface" % (variable, position + 1), name)
        if bad_name:
            problems.append("node %s: %s" % (node, bad_name))
            continue
        unknown = sorted(str(k) for k in entry if k not in DEVICE_KEYS)
        if unknown:
            found.append("%s: unknown key%s %s (known: %s)"
                         % (label, "" if len(unknown) == 1 else "s", ", ".join(unknown), ", ".join(DEVICE_KEYS)))
        if name in seen:
            found.append("%s: the interface is listed twice" % label)
        seen.add(name)
        num_vfs, problem = to_int("%s: num_vfs" % label, entry.get("num_vfs"), minimum=0, maximum=MAX_VFS)
        if problem:
            found.append(problem + " (a count of virtual functions, 0 to %d)" % MAX_VFS)
        flags = {}
        for key, default in (("trust", True), ("spoofchk", False)):
            flags[key], problem = to_bool("%s: %s" % (label, key), entry.get(key, default))
            if problem:
                found.append(problem)
        macs = entry.get("macs")
        if macs is not None:
            macs, problem = to_list("%s: macs" % label, macs)
            if problem:
                found.append(problem)
            else:
                bad = [str(m) for m in macs if not MAC_RE.match(str(m))]
                if bad:
                    found.append("%s: macs %s %s not MAC addresses (aa:bb:cc:dd:ee:ff)"
                                 % (label, ", ".join(bad), "is" if len(bad) == 1 else "are"))
                elif num_vfs is not None and len(macs) != num_vfs:
                    found.append("%s: macs must be %d MAC addresses, one per VF; got %d" % (label, num_vfs, len(macs)))
        problems.extend(found)
        if not found:
            entries.append({"interface": name, "num_vfs": num_vfs, "trust": flags["trust"],
                            "spoofchk": flags["spoofchk"], "macs": [str(m).lower() for m in macs] if macs else None})
    return entries, problems


def sriov_plan(wanted, facts, node):
    """The node's plan: {capable, reason, functions, problems}. Problems of the inventory value come first and do not
    depend on the hardware; those that need the hardware (the interface, its VF limit) follow."""
    if not isinstance(facts, dict) or "sriov" not in facts or "interfaces" not in facts:
        raise SriovError("sriov_plan: facts must be the registered result of privateai.deepseek_dify.rdma_info")
    entries, problems = check_devices(wanted, node)
    capable = dict((f["interface"], f) for f in facts["sriov"])
    for function in facts["sriov"]:
        for name in function.get("interfaces", []):
            capable.setdefault(name, function)
    plan = {"capable": bool(capable), "reason": None, "functions": [], "problems": problems}
    if not capable:
        plan["reason"] = ("no SR-IOV capable device: no network interface's PCI function reports sriov_totalvfs above 0 "
                          "(on ConnectX, enable SR-IOV in the firmware with mlxconfig SRIOV_EN=1 NUM_OF_VFS=<n>)")
        return plan
    if not wanted:
        plan["reason"] = "sriov_devices is empty: nothing to configure on the SR-IOV capable %s" % ", ".join(sorted(capable))
        return plan
    capable_text = ", ".join("%s (%d VFs at most)" % (f["interface"], f["sriov_totalvfs"]) for f in facts["sriov"])
    for entry in entries:
        name, num_vfs = entry["interface"], entry["num_vfs"]
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
        if entry["macs"] is not None and infiniband:
            problems.append("node %s: interface %s is InfiniBand: its VFs get GUIDs, not macs" % (node, name))
            continue
        vfs = []
        for index in range(num_vfs):
            vf = {"index": index, "trust": entry["trust"], "spoofchk": entry["spoofchk"]}
            if infiniband:
                vf["guid"] = vf_guid(node, name, index)
            else:
                vf["mac"] = entry["macs"][index] if entry["macs"] else vf_mac(node, name, index)
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
