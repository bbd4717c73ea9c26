# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test double: fake sysfs trees with RDMA NICs, laid out as the kernel documents them.

Built from Documentation/ABI/stable/sysfs-class-infiniband, sysfs-class-net and sysfs-bus-pci and
from what a ConnectX-7 host shows. As on a real host, the class directories hold symlinks into the
PCI device tree, and every ``device`` link points at the PCI function:

    sys/devices/pci0000:16/0000:16:02.0/0000:17:00.0/               PCI function (vendor, device,
        numa_node, sriov_totalvfs, sriov_numvfs, virtfnN -> VF, physfn on a VF)
        .../infiniband/mlx5_0/{fw_ver,node_type,node_guid,ports/1/...}, device -> ../../../0000:17:00.0
        .../net/ib0/{operstate,mtu,type,dev_port,...}, device -> ../../../0000:17:00.0
    sys/class/infiniband/mlx5_0 -> ../../devices/pci0000:16/0000:16:02.0/0000:17:00.0/infiniband/mlx5_0
    sys/class/net/ib0 -> ../../devices/pci0000:16/0000:16:02.0/0000:17:00.0/net/ib0

Attribute text is what the kernel prints: ``4: ACTIVE``, ``5: LinkUp``, ``400 Gb/sec (4X NDR)``,
GIDs as eight groups of four hex digits, ``RoCE v2`` / ``IB/RoCE v1`` GID types. Unused GID entries
are all zeros and their gid_attrs are absent (the kernel answers EINVAL when they are read).

The same builder writes the trees the Molecule scenarios copy onto their nodes (``python -m``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import os
import sys

STATES = {"DOWN": 1, "INIT": 2, "ARMED": 3, "ACTIVE": 4, "ACTIVE_DEFER": 5}
PHYS_STATES = {"Sleep": 1, "Polling": 2, "Disabled": 3, "PortConfigurationTraining": 4, "LinkUp": 5,
               "LinkErrorRecovery": 6, "Phy Test": 7}
GID_TABLE_SIZE = 8
MELLANOX = "0x15b3"
CONNECTX7 = "0x1021"
CONNECTX7_VF = "0x101e"


def gid_text(address):
    """An IPv6 address (or an IPv4 one, which becomes ::ffff:a.b.c.d) as sysfs prints a GID."""
    addr = ipaddress.ip_address(address)
    if addr.version == 4:
        addr = ipaddress.IPv6Address("::ffff:" + str(addr))
    hexes = "%032x" % int(addr)
    return ":".join(hexes[i:i + 4] for i in range(0, 32, 4))


class FakeSysfs(object):
    """A fake /sys under ``root`` (pass ``root`` as the module's sysfs_root)."""

    def __init__(self, root):
        self.root = str(root)
        self._bus = 0x16
        for sub in ("devices", os.path.join("class", "infiniband"), os.path.join("class", "net")):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)

    def write(self, path, text):
        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as handle:
            handle.write("%s\n" % (text,))

    def read(self, path):
        with open(os.path.join(self.root, path)) as handle:
            return handle.read()

    def _link(self, path, target):
        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        os.symlink(target, full)

    # --- PCI functions --------------------------------------------------------------------------
    def pci_function(self, numa_node=0, totalvfs=None, numvfs=0, device=CONNECTX7, parent=None, function=0):
        """A PCI function below its own root port (or below ``parent``'s bridge). Returns its path
        relative to root, e.g. devices/pci0000:16/0000:16:02.0/0000:17:00.0."""
        if parent is None:
            bus = self._bus
            self._bus += 0x10
            bridge = "devices/pci0000:%02x/0000:%02x:02.0" % (bus, bus)
            address = "0000:%02x:00.%d" % (bus + 1, function)
        else:
            bridge = os.path.dirname(parent)
            address = os.path.basename(parent)[:-1] + str(function)
        path = "%s/%s" % (bridge, address)
        self.write(path + "/vendor", MELLANOX)
        self.write(path + "/device", device)
        self.write(path + "/numa_node", numa_node)
        if totalvfs is not None:
            self.write(path + "/sriov_totalvfs", totalvfs)
            self.write(path + "/sriov_numvfs", numvfs)
        return path

    def add_vf(self, pf_path, index, function):
        """A virtual function of ``pf_path`` (physfn link on it, virtfnN link on the PF)."""
        path = self.pci_function(device=CONNECTX7_VF, parent=pf_path, function=function)
        numa = self.read(pf_path + "/numa_node").strip()
        self.write(path + "/numa_node", numa)
        self._link(path + "/physfn", "../" + os.path.basename(pf_path))
        self._link(pf_path + "/virtfn%d" % index, "../" + os.path.basename(path))
        return path

    # --- RDMA devices and network interfaces -------------------------------------------------------
    def rdma_device(self, name, pci_path, fw_ver="28.39.1002", node_guid="0c42:a103:00f1:2e3a", board_id="MT_0000000838"):
        dev = "%s/infiniband/%s" % (pci_path, name)
        self.write(dev + "/node_type", "1: CA")
        self.write(dev + "/node_guid", node_guid)
        self.write(dev + "/sys_image_guid", node_guid)
        self.write(dev + "/fw_ver", fw_ver)
        self.write(dev + "/board_id", board_id)
        self.write(dev + "/hca_type", "MT4129")
        self._link(dev + "/device", "../../../" + os.path.basename(pci_path))
        self._link("class/infiniband/" + name, "../../" + dev)
        return dev

    def port(self, dev, number=1, state="ACTIVE", phys_state="LinkUp", rate="400 Gb/sec (4X NDR)",
             link_layer="InfiniBand", gids=None, lid="0x12"):
        """One port. ``gids``: list of (index, address, type, netdev) for the GID table; an
        InfiniBand port gets its fe80:: port GID at index 0 when none is given."""
        port = "%s/ports/%d" % (dev, number)
        self.write(port + "/state", "%d: %s" % (STATES[state], state))
        self.write(port + "/phys_state", "%d: %s" % (PHYS_STATES[phys_state], phys_state))
        self.write(port + "/rate", rate)
        self.write(port + "/link_layer", link_layer)
        self.write(port + "/lid", lid if link_layer == "InfiniBand" else "0x0")
        self.write(port + "/sm_lid", "0x1" if link_layer == "InfiniBand" else "0x0")
        if gids is None and link_layer == "InfiniBand":
            gids = [(0, "fe80::e42:a103:f1:2e3a", None, None)]
        filled = dict((g[0], g) for g in gids or [])
        for index in range(GID_TABLE_SIZE):
            if index in filled:
                _i, address, gid_type, netdev = filled[index]
                self.write("%s/gids/%d" % (port, index), gid_text(address))
                if gid_type:
                    self.write("%s/gid_attrs/types/%d" % (port, index), gid_type)
                if netdev:
                    self.write("%s/gid_attrs/ndevs/%d" % (port, index), netdev)
            else:
                self.write("%s/gids/%d" % (port, index), gid_text("::"))
        return port

    def netdev(self, name, pci_path, dev_port=0, operstate="up", mtu=1500, arp_type=1, mac="0c:42:a1:00:00:01",
               pkey=None):
        """A network interface on a PCI function (type 32 is IPoIB, 1 Ethernet)."""
        path = "%s/net/%s" % (pci_path, name)
        self.write(path + "/operstate", operstate)
        self.write(path + "/mtu", mtu)
        self.write(path + "/type", arp_type)
        self.write(path + "/address", mac)
        self.write(path + "/dev_port", dev_port)
        self.write(path + "/dev_id", "0x%x" % dev_port)
        if pkey:
            self.write(path + "/pkey", pkey)
        self._link(path + "/device", "../../../" + os.path.basename(pci_path))
        self._link("class/net/" + name, "../../" + path)
        return path

    def virtual_netdev(self, name, mtu=1500):
        """An interface without a PCI function (lo, a bridge, a podman veth)."""
        path = "devices/virtual/net/%s" % name
        self.write(path + "/operstate", "unknown" if name == "lo" else "up")
        self.write(path + "/mtu", mtu)
        self.write(path + "/type", 772 if name == "lo" else 1)
        self._link("class/net/" + name, "../../" + path)
        return path

    # --- whole hosts --------------------------------------------------------------------------------
    def ib_hca(self, name, netdev, rate="400 Gb/sec (4X NDR)", state="ACTIVE", phys_state="LinkUp", numa_node=0,
               totalvfs=None, numvfs=0, guid_suffix=1):
        """A single-port ConnectX-7 in InfiniBand mode with its IPoIB interface."""
        pci = self.pci_function(numa_node=numa_node, totalvfs=totalvfs, numvfs=numvfs)
        guid = "0c42:a103:00f1:%04x" % guid_suffix
        dev = self.rdma_device(name, pci, node_guid=guid)
        self.port(dev, 1, state=state, phys_state=phys_state, rate=rate, link_layer="InfiniBand",
                  gids=[(0, "fe80::e42:a103:f1:%x" % guid_suffix, None, None)])
        self.netdev(netdev, pci, operstate="up" if state == "ACTIVE" else "down", mtu=4092, arp_type=32,
                    mac="00:00:10:49:fe:80:00:00:00:00:00:00:0c:42:a1:03:00:f1:%02x:%02x"
                        % (guid_suffix >> 8, guid_suffix & 0xff),
                    pkey="0xffff")
        return pci


def connectx7_ndr_host(root):
    """An 8-GPU node's fabric: four ConnectX-7 NDR 400 ports (two per NUMA node), all ACTIVE,
    plus lo and a management interface without RDMA."""
    fs = FakeSysfs(root)
    fs.virtual_netdev("lo", mtu=65536)
    for i in range(4):
        fs.ib_hca("mlx5_%d" % i, "ibp%ds0" % (i + 1), numa_node=i // 2, guid_suffix=i + 1)
    return fs


def hdr_host_with_down_port(root):
    """Two ConnectX-7 ports at HDR 200: mlx5_0 ACTIVE, mlx5_1 DOWN and Polling (no cable or no SM)."""
    fs = FakeSysfs(root)
    fs.virtual_netdev("lo", mtu=65536)
    fs.ib_hca("mlx5_0", "ib0", rate="200 Gb/sec (4X HDR)", guid_suffix=1)
    fs.ib_hca("mlx5_1", "ib1", rate="200 Gb/sec (4X HDR)", state="DOWN", phys_state="Polling", guid_suffix=2,
              numa_node=1)
    return fs


def roce_host(root, totalvfs=16, numvfs=0, vfs=0):
    """A ConnectX-7 in Ethernet mode (RoCE), 200 Gb/s, with a full GID table: IPv6 link-local v1/v2,
    IPv4-mapped v1/v2, a global IPv6 pair; VF-capable (sriov_totalvfs), optionally with ``vfs`` VFs
    present (each an RDMA device of its own, as mlx5 VFs are)."""
    fs = FakeSysfs(root)
    fs.virtual_netdev("lo", mtu=65536)
    pci = fs.pci_function(numa_node=1, totalvfs=totalvfs, numvfs=numvfs)
    dev = fs.rdma_device("mlx5_0", pci)
    fs.port(dev, 1, rate="200 Gb/sec (4X HDR)", link_layer="Ethernet", gids=[
        (0, "fe80::e42:a1ff:fe00:1", "IB/RoCE v1", "ens1f0np0"),
        (1, "fe80::e42:a1ff:fe00:1", "RoCE v2", "ens1f0np0"),
        (2, "192.168.100.11", "IB/RoCE v1", "ens1f0np0"),
        (3, "192.168.100.11", "RoCE v2", "ens1f0np0"),
        (4, "2001:db8:100::11", "IB/RoCE v1", "ens1f0np0"),
        (5, "2001:db8:100::11", "RoCE v2", "ens1f0np0"),
    ])
    fs.netdev("ens1f0np0", pci, mtu=9000, mac="0c:42:a1:00:00:01")
    for i in range(vfs):
        vf = fs.add_vf(pci, i, function=2 + i)
        vf_dev = fs.rdma_device("mlx5_%d" % (i + 2), vf, node_guid="0000:0000:0000:0000")
        fs.port(vf_dev, 1, rate="200 Gb/sec (4X HDR)", link_layer="Ethernet", gids=[
            (0, "fe80::e42:a1ff:fe10:%x" % i, "IB/RoCE v1", "ens1f0v%d" % i),
            (1, "fe80::e42:a1ff:fe10:%x" % i, "RoCE v2", "ens1f0v%d" % i),
        ])
        fs.netdev("ens1f0v%d" % i, vf, mac="02:00:00:00:00:%02x" % i)
    return fs


def no_rdma_host(root, with_class_dir=False):
    """A host without RDMA hardware: lo and an Ethernet NIC without SR-IOV. With ``with_class_dir``
    class/infiniband exists but is empty (ib_core loaded, no device)."""
    fs = FakeSysfs(root)
    if not with_class_dir:
        os.rmdir(os.path.join(fs.root, "class", "infiniband"))
    fs.virtual_netdev("lo", mtu=65536)
    pci = fs.pci_function()
    fs.write(pci + "/vendor", "0x8086")
    fs.netdev("eno1", pci, mac="3c:ec:ef:00:00:01")
    return fs


HOSTS = {
    "connectx7-ndr": connectx7_ndr_host,
    "hdr-down": hdr_host_with_down_port,
    "roce": roce_host,
    "none": no_rdma_host,
}


if __name__ == "__main__":
    # python tests/unit/rdma_sysfs.py KIND ROOT: write one fake tree (used by the Molecule scenarios).
    if len(sys.argv) != 3 or sys.argv[1] not in HOSTS:
        sys.exit("usage: %s {%s} ROOT" % (sys.argv[0], "|".join(sorted(HOSTS))))
    HOSTS[sys.argv[1]](sys.argv[2])
    print(json.dumps({"kind": sys.argv[1], "root": sys.argv[2]}))
