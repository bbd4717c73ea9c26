# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain-Python logic behind the rdma_info module: RDMA devices, ports and SR-IOV from sysfs.

Everything is read from a sysfs root (``/sys`` on a node, a fake tree in the unit tests) following
the kernel's documented ABI (Documentation/ABI/stable/sysfs-class-infiniband, sysfs-class-net,
sysfs-bus-pci):

- ``class/infiniband/<dev>`` is a symlink into the PCI tree; ``<dev>/device`` is the PCI function
  (``numa_node``, ``sriov_totalvfs``, ``sriov_numvfs``, ``physfn`` on a virtual function);
- ``<dev>/fw_ver``, ``node_type`` (``1: CA``), ``node_guid``;
- ``<dev>/ports/<n>/state`` (``4: ACTIVE``), ``phys_state`` (``5: LinkUp``), ``rate``
  (``400 Gb/sec (4X NDR)``), ``link_layer`` (``InfiniBand`` or ``Ethernet``);
- ``<dev>/ports/<n>/gids/<i>`` (eight groups of four hex digits), ``gid_attrs/types/<i>``
  (``IB/RoCE v1`` or ``RoCE v2``) and ``gid_attrs/ndevs/<i>`` (the netdev of a RoCE GID). Reading the
  attributes of an empty GID entry fails with EINVAL on a real kernel; that is treated as "no value".
- ``class/net/<if>/device`` is the PCI function of a network interface.

Nothing here imports Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import ipaddress
import os
import re

LINK_LAYERS = ("InfiniBand", "Ethernet")
ROCE_V2 = "RoCE v2"
ZERO_GID = ipaddress.IPv6Address(0)
_RATE_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*Gb/sec")


class RdmaError(Exception):
    """Bad input to the planner, named by option and value."""


def natural_key(name):
    """Sort mlx5_2 before mlx5_10, ens1f0 before ens10f0."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(name))]


def _read(path):
    """Content of a sysfs attribute without the trailing newline; None when absent or unreadable.

    The kernel answers EINVAL (or EAGAIN) when reading the attributes of an unused GID entry or
    the rate of a port without a valid speed; such reads mean "no value", not an error.
    """
    try:
        with open(path, "r") as handle:
            return handle.read().strip()
    except (IOError, OSError, UnicodeDecodeError):
        return None


def _read_int(path):
    text = _read(path)
    if text is None:
        return None
    try:
        return int(text, 0)
    except ValueError:
        return None


def _listdir(path):
    try:
        return sorted(os.listdir(path), key=natural_key)
    except (IOError, OSError):
        return []


def _numbered(text):
    """'4: ACTIVE' -> (4, 'ACTIVE'); 'ACTIVE' -> (None, 'ACTIVE'); None -> (None, None)."""
    if text is None:
        return None, None
    code, sep, word = text.partition(":")
    if sep and code.strip().isdigit():
        return int(code), word.strip()
    return None, text.strip()


def parse_rate(text):
    """'400 Gb/sec (4X NDR)' -> 400.0, '2.5 Gb/sec (1X SDR)' -> 2.5; None when unparsable."""
    if not text:
        return None
    match = _RATE_RE.match(text)
    return float(match.group(1)) if match else None


def parse_gid(text):
    """'fe80:0000:...:0001' -> IPv6Address, None for an empty or unreadable entry."""
    if not text:
        return None
    try:
        gid = ipaddress.IPv6Address(text)
    except ValueError:
        return None
    return None if gid == ZERO_GID else gid


def _pci_function(device_link):
    """Facts of the PCI function a ``device`` symlink points at (None when there is no link)."""
    if not os.path.exists(device_link):
        return None
    real = os.path.realpath(device_link)
    physfn = os.path.join(real, "physfn")
    virtfns = [n for n in _listdir(real) if n.startswith("virtfn") and n[6:].isdigit()]
    return {
        "address": os.path.basename(real),
        "path": real,
        "vendor": _read(os.path.join(real, "vendor")),
        "device": _read(os.path.join(real, "device")),
        "numa_node": _read_int(os.path.join(real, "numa_node")),
        "sriov_totalvfs": _read_int(os.path.join(real, "sriov_totalvfs")),
        "sriov_numvfs": _read_int(os.path.join(real, "sriov_numvfs")),
        "is_vf": os.path.exists(physfn),
        "physfn": os.path.basename(os.path.realpath(physfn)) if os.path.exists(physfn) else None,
        "vf_count_present": len(virtfns),
    }


def read_interfaces(sysfs_root="/sys"):
    """Every entry of class/net: name -> facts (PCI function address or None for virtual ones)."""
    base = os.path.join(sysfs_root, "class", "net")
    result = {}
    for name in _listdir(base):
        path = os.path.join(base, name)
        pci = _pci_function(os.path.join(path, "device"))
        dev_port = _read_int(os.path.join(path, "dev_port"))
        if dev_port is None:
            dev_port = _read_int(os.path.join(path, "dev_id"))
        result[name] = {
            "name": name,
            "pci_address": pci["address"] if pci else None,
            "pci_path": pci["path"] if pci else None,
            "dev_port": dev_port,
            "operstate": _read(os.path.join(path, "operstate")),
            "mtu": _read_int(os.path.join(path, "mtu")),
            "address": _read(os.path.join(path, "address")),
            "type": _read_int(os.path.join(path, "type")),
            "pkey": _read(os.path.join(path, "pkey")),
            "sriov_totalvfs": pci["sriov_totalvfs"] if pci else None,
            "sriov_numvfs": pci["sriov_numvfs"] if pci else None,
            "is_vf": pci["is_vf"] if pci else False,
            "numa_node": pci["numa_node"] if pci else None,
        }
    return result


def _gid_table(port_path):
    """Non-empty GID entries: [{index, gid, type, netdev, ipv4}] sorted by index."""
    entries = []
    for name in _listdir(os.path.join(port_path, "gids")):
        if not name.isdigit():
            continue
        gid = parse_gid(_read(os.path.join(port_path, "gids", name)))
        if gid is None:
            continue
        mapped = gid.ipv4_mapped
        entries.append({
            "index": int(name),
            "gid": str(gid),
            "type": _read(os.path.join(port_path, "gid_attrs", "types", name)),
            "netdev": _read(os.path.join(port_path, "gid_attrs", "ndevs", name)) or None,
            "ipv4": str(mapped) if mapped is not None else None,
            "link_local": gid.is_link_local,
        })
    return sorted(entries, key=lambda e: e["index"])


def select_roce_gid(gids, family="ipv4"):
    """The GID index NCCL should use on a RoCE port (NCCL_IB_GID_INDEX).

    The RoCE v2 entry whose address is IPv4-mapped (::ffff:a.b.c.d) is preferred, as NCCL users set it
    (and as NCCL's own auto-selection does with NCCL_IB_ADDR_FAMILY=AF_INET); with ``family='ipv6'`` a
    RoCE v2 global (not link-local) IPv6 entry is preferred instead. The lowest index wins among equals.
    Returns (index or None, candidates list of indexes of that kind).
    """
    v2 = [g for g in gids if g["type"] == ROCE_V2]
    ipv4 = [g["index"] for g in v2 if g["ipv4"]]
    ipv6 = [g["index"] for g in v2 if not g["ipv4"] and not g["link_local"]]
    order = (ipv4, ipv6) if family == "ipv4" else (ipv6, ipv4)
    for candidates in order:
        if candidates:
            return candidates[0], candidates
    return None, []


def _port_netdevs(port_number, gids, device_pci_path, interfaces):
    """Network interfaces of one port: the RoCE GID netdevs, else the interfaces on the same PCI
    function whose dev_port is port-1 (IPoIB ib0 and its P_Key children such as ib0.8001)."""
    names = []
    for entry in gids:
        if entry["netdev"] and entry["netdev"] not in names:
            names.append(entry["netdev"])
    if not names and device_pci_path:
        for name, iface in interfaces.items():
            if iface["pci_path"] == device_pci_path and iface["dev_port"] in (None, port_number - 1):
                names.append(name)
    # The parent interface first: no dot (ib0 before ib0.8001), then natural order.
    return sorted(names, key=lambda n: ("." in n, natural_key(n)))


def read_devices(sysfs_root="/sys", interfaces=None, gid_family="ipv4"):
    """Every RDMA device under class/infiniband with its PCI function and ports."""
    if interfaces is None:
        interfaces = read_interfaces(sysfs_root)
    base = os.path.join(sysfs_root, "class", "infiniband")
    devices = []
    for name in _listdir(base):
        path = os.path.join(base, name)
        pci = _pci_function(os.path.join(path, "device"))
        _code, node_type = _numbered(_read(os.path.join(path, "node_type")))
        device = {
            "name": name,
            "node_type": node_type,
            "node_guid": _read(os.path.join(path, "node_guid")),
            "fw_ver": _read(os.path.join(path, "fw_ver")),
            "board_id": _read(os.path.join(path, "board_id")),
            "hca_type": _read(os.path.join(path, "hca_type")),
            "pci": dict((k, v) for k, v in (pci or {}).items() if k != "path") or None,
            "numa_node": pci["numa_node"] if pci else None,
            "is_vf": bool(pci and pci["is_vf"]),
            "ports": [],
        }
        for port_name in _listdir(os.path.join(path, "ports")):
            if not port_name.isdigit():
                continue
            port_path = os.path.join(path, "ports", port_name)
            state_code, state = _numbered(_read(os.path.join(port_path, "state")))
            phys_code, phys_state = _numbered(_read(os.path.join(port_path, "phys_state")))
            rate = _read(os.path.join(port_path, "rate"))
            link_layer = _read(os.path.join(port_path, "link_layer"))
            gids = _gid_table(port_path)
            port = {
                "device": name,
                "port": int(port_name),
                "id": "%s:%s" % (name, port_name),
                "state": state,
                "state_code": state_code,
                "phys_state": phys_state,
                "phys_state_code": phys_code,
                "active": state == "ACTIVE",
                "rate": rate,
                "rate_gbps": parse_rate(rate),
                "link_layer": link_layer,
                "lid": _read(os.path.join(port_path, "lid")),
                "sm_lid": _read(os.path.join(port_path, "sm_lid")),
                "netdevs": _port_netdevs(int(port_name), gids, pci["path"] if pci else None, interfaces),
                "gids": gids if link_layer == "Ethernet" else [],
                "roce_v2_gid_index": None,
                "roce_v2_gid_candidates": [],
                "is_vf": device["is_vf"],
                "numa_node": device["numa_node"],
            }
            port["netdev"] = port["netdevs"][0] if port["netdevs"] else None
            if link_layer == "Ethernet":
                port["roce_v2_gid_index"], port["roce_v2_gid_candidates"] = select_roce_gid(gids, gid_family)
            device["ports"].append(port)
        devices.append(device)
    return devices


def sriov_functions(interfaces):
    """Physical functions that can have virtual functions (sriov_totalvfs > 0), one per PCI function,
    named by their first network interface."""
    by_pci = {}
    for name in sorted(interfaces, key=natural_key):
        iface = interfaces[name]
        if iface["is_vf"] or not iface["pci_address"] or not iface["sriov_totalvfs"]:
            continue
        if iface["pci_address"] in by_pci:
            by_pci[iface["pci_address"]]["interfaces"].append(name)
            continue
        by_pci[iface["pci_address"]] = {
            "interface": name,
            "interfaces": [name],
            "pci_address": iface["pci_address"],
            "sriov_totalvfs": iface["sriov_totalvfs"],
            "sriov_numvfs": iface["sriov_numvfs"] or 0,
            "numa_node": iface["numa_node"],
        }
    return sorted(by_pci.values(), key=lambda f: natural_key(f["interface"]))


def _exact_if_ambiguous(names, universe):
    """NCCL matches NCCL_IB_HCA and NCCL_SOCKET_IFNAME entries as prefixes (mlx5_1 also selects
    mlx5_10): prefix the list with '=' (exact match) when any listed name is a prefix of another name."""
    bare = [n.split(":")[0] for n in names]
    for name in bare:
        for other in universe:
            if other != name and other.startswith(name):
                return "=" + ",".join(names)
    return ",".join(names)


def nccl_settings(devices, interfaces, link_layer=None):
    """NCCL_IB_HCA, NCCL_IB_GID_INDEX, NCCL_SOCKET_IFNAME (and GLOO_SOCKET_IFNAME) for this node.

    The fabric ports are the active ports of physical functions (virtual functions belong to pods),
    of ``link_layer`` when given. Returns (env dict with only the settings that apply, notes list).
    """
    ports = [p for d in devices if not d["is_vf"] for p in d["ports"]
             if p["active"] and (link_layer is None or p["link_layer"] == link_layer)]
    ports.sort(key=lambda p: (natural_key(p["device"]), p["port"]))
    env, notes = {}, []
    if not ports:
        notes.append("no active RDMA port%s: NCCL falls back to TCP sockets"
                     % ("" if link_layer is None else " with link layer %s" % link_layer))
        return env, notes
    env["NCCL_IB_HCA"] = _exact_if_ambiguous([p["id"] for p in ports], [d["name"] for d in devices])
    roce = [p for p in ports if p["link_layer"] == "Ethernet"]
    if roce:
        indexes = sorted(set(p["roce_v2_gid_index"] for p in roce if p["roce_v2_gid_index"] is not None))
        missing = [p["id"] for p in roce if p["roce_v2_gid_index"] is None]
        if missing:
            notes.append("no RoCE v2 GID on %s: give the port's netdev an IP address" % ", ".join(missing))
        if len(indexes) == 1:
            env["NCCL_IB_GID_INDEX"] = str(indexes[0])
        elif len(indexes) > 1:
            notes.append("the RoCE ports have their RoCE v2 IPv4 GID at different indexes (%s): NCCL takes one "
                         "NCCL_IB_GID_INDEX for all, so set NCCL_IB_ROCE_VERSION_NUM=2 and NCCL_IB_ADDR_FAMILY=AF_INET "
                         "instead" % ", ".join("%s=%s" % (p["id"], p["roce_v2_gid_index"]) for p in roce))
    netdevs = []
    for port in ports:
        if port["netdev"] and port["netdev"] not in netdevs:
            netdevs.append(port["netdev"])
    if netdevs:
        env["NCCL_SOCKET_IFNAME"] = _exact_if_ambiguous(netdevs, list(interfaces))
        env["GLOO_SOCKET_IFNAME"] = env["NCCL_SOCKET_IFNAME"]
    else:
        notes.append("the active ports have no network interface (IPoIB not loaded?): NCCL_SOCKET_IFNAME not set")
    return env, notes


def _match(pattern, port):
    """A pattern selects ports by device (mlx5_0, mlx5_*) or device and port (mlx5_0:1)."""
    if ":" in pattern:
        dev, _sep, num = pattern.rpartition(":")
        return fnmatch.fnmatchcase(port["device"], dev) and fnmatch.fnmatchcase(str(port["port"]), num)
    return fnmatch.fnmatchcase(port["device"], pattern)


def check_expectations(devices, expect_ports_active=None, expect_min_rate_gbps=None, expect_link_layer=None,
                       expect_min_active_ports=None):
    """Problems (strings naming device and port) against the expectations; [] when all hold.

    - expect_ports_active: patterns (``mlx5_0``, ``mlx5_*``, ``mlx5_0:1``); every matching port of a
      physical function must be ACTIVE, and every pattern must match a port;
    - expect_min_active_ports: at least this many active ports (of expect_link_layer when given);
    - expect_min_rate_gbps: every active port (of expect_link_layer when given) and every expected port
      runs at this rate or faster;
    - expect_link_layer: every expected port has it (other ports, such as a RoCE management NIC on an
      InfiniBand node, may differ); it also limits the ports counted and rate-checked above.
    """
    problems = []
    pf_ports = [p for d in devices if not d["is_vf"] for p in d["ports"]]
    named = []
    for pattern in expect_ports_active or []:
        matched = [p for p in pf_ports if _match(pattern, p)]
        if not matched:
            problems.append("%s: no such RDMA port (present: %s)"
                            % (pattern, ", ".join(p["id"] for p in pf_ports) or "none"))
        for port in matched:
            if port not in named:
                named.append(port)
    for port in named:
        if not port["active"]:
            problems.append("%s port %d: state %s (physical state %s), expected ACTIVE"
                            % (port["device"], port["port"], port["state"] or "unknown", port["phys_state"] or "unknown"))
    active = [p for p in pf_ports if p["active"]]
    if expect_link_layer:
        for port in named:
            if port["link_layer"] != expect_link_layer:
                problems.append("%s port %d: link layer %s, expected %s"
                                % (port["device"], port["port"], port["link_layer"] or "unknown", expect_link_layer))
    relevant = [p for p in active if expect_link_layer is None or p["link_layer"] == expect_link_layer]
    if expect_min_active_ports is not None and len(relevant) < expect_min_active_ports:
        problems.append("%d active %sRDMA port%s (%s), expected at least %d"
                        % (len(relevant), expect_link_layer + " " if expect_link_layer else "",
                           "" if len(relevant) == 1 else "s",
                           ", ".join(p["id"] for p in relevant) or "none", expect_min_active_ports))
    if expect_min_rate_gbps is not None:
        for port in relevant + [p for p in named if p["active"] and p not in relevant]:
            if port["rate_gbps"] is None or port["rate_gbps"] < float(expect_min_rate_gbps):
                problems.append("%s port %d: rate %s, expected at least %s Gb/sec"
                                % (port["device"], port["port"], port["rate"] or "unknown",
                                   _fmt_number(expect_min_rate_gbps)))
    return problems


def _fmt_number(value):
    value = float(value)
    return str(int(value)) if value.is_integer() else str(value)


def collect(sysfs_root="/sys", gid_family="ipv4", link_layer=None):
    """All RDMA and SR-IOV facts of the node under ``sysfs_root``."""
    interfaces = read_interfaces(sysfs_root)
    devices = read_devices(sysfs_root, interfaces, gid_family)
    env, notes = nccl_settings(devices, interfaces, link_layer)
    ports = [p for d in devices for p in d["ports"]]
    ib_class = os.path.join(sysfs_root, "class", "infiniband")
    if devices:
        reason = None
    elif os.path.isdir(ib_class):
        reason = "no RDMA hardware: %s lists no device (no RDMA NIC, or its driver such as mlx5_ib is not loaded)" % ib_class
    else:
        reason = "no RDMA hardware: %s does not exist (no RDMA NIC, or the ib_core driver is not loaded)" % ib_class
    return {
        "rdma_present": bool(devices),
        "reason": reason,
        "devices": devices,
        "ports": ports,
        "active_ports": [p["id"] for p in ports if p["active"] and not p["is_vf"]],
        "interfaces": interfaces,
        "sriov": sriov_functions(interfaces),
        "nccl_env": env,
        "nccl_notes": notes,
    }
