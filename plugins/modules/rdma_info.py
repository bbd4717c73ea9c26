#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: rdma_info
short_description: RDMA devices and ports (InfiniBand, RoCE), SR-IOV functions and the NCCL settings that follow, from sysfs
version_added: "0.1.0"
description:
  - Reads C(/sys/class/infiniband), C(/sys/class/net) and the PCI functions behind them; changes nothing.
  - Per RDMA device, the firmware version, node type and GUID, PCI function, NUMA node, whether it is an SR-IOV
    virtual function; per port, the state, physical state, rate, link layer (V(InfiniBand) or V(Ethernet) for RoCE),
    its network interfaces and, on RoCE ports, the GID table and the RoCE v2 GID index NCCL should use.
  - Physical functions that can carry SR-IOV virtual functions (C(sriov_totalvfs) above 0), with their current count.
  - The NCCL environment that follows (C(NCCL_IB_HCA), C(NCCL_IB_GID_INDEX) on RoCE, C(NCCL_SOCKET_IFNAME),
    C(GLOO_SOCKET_IFNAME)) from the active ports of physical functions; virtual functions are left to pods.
  - A node without RDMA hardware returns RV(rdma_present=false) with the reason; that is not a failure unless
    an expectation asks for ports.
  - The expectations (O(expect_ports_active), O(expect_min_active_ports), O(expect_min_rate_gbps),
    O(expect_link_layer)) fail the module naming each device and port that misses them, with all facts returned.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.attributes.read_only
options:
  expect_ports_active:
    description:
      - Ports that must be C(ACTIVE), as device names (V(mlx5_0)), device and port (V(mlx5_0:1)) or shell patterns
        (V(mlx5_*)). A pattern that matches no port of a physical function is a problem too.
    type: list
    elements: str
    default: []
  expect_min_active_ports:
    description: At least this many active ports (of O(expect_link_layer) when given) on physical functions.
    type: int
  expect_min_rate_gbps:
    description:
      - Every active port (of O(expect_link_layer) when given) and every port named in O(expect_ports_active)
        must run at this rate or faster, in Gb/s (V(400) for NDR, V(200) for HDR, V(100) for EDR).
    type: float
  expect_link_layer:
    description:
      - The link layer of the fabric. Every port named in O(expect_ports_active) must have it; other ports may differ
        (a RoCE management NIC on an InfiniBand node), but only ports of this link layer count for
        O(expect_min_active_ports) and O(expect_min_rate_gbps).
      - Also limits the NCCL settings to ports of this link layer, so a RoCE management NIC does not end up in
        C(NCCL_IB_HCA) of an InfiniBand cluster.
    type: str
    choices: [InfiniBand, Ethernet]
  gid_family:
    description: Which RoCE v2 GID to prefer for C(NCCL_IB_GID_INDEX), the IPv4-mapped one or a global IPv6 one.
    type: str
    choices: [ipv4, ipv6]
    default: ipv4
  sysfs_root:
    description: Root of the sysfs tree. Only tests change it.
    type: path
    default: /sys
notes:
  - C(NCCL_IB_HCA) and C(NCCL_SOCKET_IFNAME) entries are prefixes to NCCL (V(mlx5_1) also selects V(mlx5_10));
    the values start with C(=), NCCL's exact-match marker, when a listed name is a prefix of another name on the node.
seealso:
  - module: privateai.deepseek_dify.nvidia_gpu_info
"""

EXAMPLES = r"""
- name: Read the RDMA fabric of the node
  privateai.deepseek_dify.rdma_info:
  register: rdma

- name: Check four NDR ports and keep the NCCL settings
  privateai.deepseek_dify.rdma_info:
    expect_ports_active: ["mlx5_*"]
    expect_min_active_ports: 4
    expect_min_rate_gbps: 400
    expect_link_layer: InfiniBand
  register: rdma

- name: Show the NCCL environment the model servers need
  ansible.builtin.debug:
    msg: "{{ rdma.nccl_env }}"
"""

RETURN = r"""
rdma_present:
  description: Whether the node has at least one RDMA device.
  returned: always
  type: bool
reason:
  description: Why there is no RDMA device (starts with C(no RDMA hardware)), V(null) when there is one.
  returned: always
  type: str
  sample: "no RDMA hardware: /sys/class/infiniband does not exist (no RDMA NIC, or the ib_core driver is not loaded)"
devices:
  description: One entry per RDMA device, in natural order (mlx5_2 before mlx5_10).
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: Device name, type: str, sample: mlx5_0}
    node_type: {description: Node type, type: str, sample: CA}
    node_guid: {description: Node GUID, type: str}
    fw_ver: {description: Firmware version, type: str, sample: "28.39.1002"}
    board_id: {description: Board id (PSID on ConnectX), type: str}
    numa_node: {description: NUMA node of the PCI function (-1 when the platform does not say), type: int}
    is_vf: {description: Whether the device is an SR-IOV virtual function, type: bool}
    pci:
      description: >-
        The PCI function: address, vendor, device, numa_node, sriov_totalvfs, sriov_numvfs, is_vf, physfn,
        vf_count_present.
      type: dict
    ports: {description: "The ports, each as in RV(ports).", type: list, elements: dict}
ports:
  description: Every port of every device.
  returned: always
  type: list
  elements: dict
  contains:
    id: {description: Device and port as NCCL names them, type: str, sample: "mlx5_0:1"}
    device: {description: Device name, type: str}
    port: {description: Port number, type: int}
    state: {description: Logical state, type: str, sample: ACTIVE}
    phys_state: {description: Physical state, type: str, sample: LinkUp}
    active: {description: Whether the state is ACTIVE, type: bool}
    rate: {description: Rate as the kernel prints it, type: str, sample: "400 Gb/sec (4X NDR)"}
    rate_gbps: {description: Rate in Gb/s, type: float, sample: 400.0}
    link_layer: {description: InfiniBand or Ethernet (RoCE), type: str}
    netdev: {description: The port's network interface (IPoIB or the RoCE netdev), type: str}
    netdevs: {description: Every network interface of the port (IPoIB P_Key children too), type: list, elements: str}
    gids:
      description: Non-empty GID entries of a RoCE port (index, gid, type, netdev, ipv4, link_local).
      type: list
      elements: dict
    roce_v2_gid_index: {description: The GID index for NCCL_IB_GID_INDEX on a RoCE port, type: int}
active_ports:
  description: Active ports of physical functions, as C(device:port).
  returned: always
  type: list
  elements: str
  sample: ["mlx5_0:1", "mlx5_1:1"]
interfaces:
  description: Every network interface of the node (C(/sys/class/net)) with its PCI function, state, MTU and SR-IOV counts.
  returned: always
  type: dict
sriov:
  description: Physical functions able to carry SR-IOV virtual functions (sriov_totalvfs above 0).
  returned: always
  type: list
  elements: dict
  contains:
    interface: {description: Its first network interface, type: str}
    pci_address: {description: PCI address, type: str}
    sriov_totalvfs: {description: Most virtual functions the function (firmware) allows, type: int}
    sriov_numvfs: {description: Virtual functions present now, type: int}
nccl_env:
  description: The NCCL settings that follow from the active fabric ports; only those that apply are present.
  returned: always
  type: dict
  sample: {"NCCL_IB_HCA": "mlx5_0:1,mlx5_1:1", "NCCL_SOCKET_IFNAME": "ib0,ib1", "GLOO_SOCKET_IFNAME": "ib0,ib1"}
nccl_notes:
  description: Why a setting is missing (no active port, no RoCE v2 IPv4 GID, differing GID indexes).
  returned: always
  type: list
  elements: str
problems:
  description: Every expectation missed, naming device and port; the module fails when there is one.
  returned: always
  type: list
  elements: str
  sample: ["mlx5_1 port 1: state DOWN (physical state Polling), expected ACTIVE"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import rdma


def main():
    module = AnsibleModule(
        argument_spec=dict(
            expect_ports_active=dict(type="list", elements="str", default=[]),
            expect_min_active_ports=dict(type="int"),
            expect_min_rate_gbps=dict(type="float"),
            expect_link_layer=dict(type="str", choices=list(rdma.LINK_LAYERS)),
            gid_family=dict(type="str", choices=["ipv4", "ipv6"], default="ipv4"),
            sysfs_root=dict(type="path", default="/sys"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        facts = rdma.collect(params["sysfs_root"], gid_family=params["gid_family"], link_layer=params["expect_link_layer"])
    except (IOError, OSError) as exc:
        module.fail_json(msg="Failed to read the RDMA devices under '%s' due to: %s" % (params["sysfs_root"], to_native(exc)))
    for iface in facts["interfaces"].values():
        iface.pop("pci_path", None)

    problems = rdma.check_expectations(
        facts["devices"],
        expect_ports_active=params["expect_ports_active"],
        expect_min_rate_gbps=params["expect_min_rate_gbps"],
        expect_link_layer=params["expect_link_layer"],
        expect_min_active_ports=params["expect_min_active_ports"],
    )
    facts["problems"] = problems
    if problems:
        hint = facts["reason"] if not facts["rdma_present"] else (
            "check the cables and the subnet manager (opensm or the switch's) for ports not ACTIVE, "
            "the HCA/switch port speed for low rates, and the port mode (mlxconfig LINK_TYPE_P1) for the link layer")
        module.fail_json(msg="Failed to meet the RDMA expectations on this node: %s. Fix: %s."
                         % ("; ".join(problems), hint), **facts)
    module.exit_json(changed=False, **facts)


if __name__ == "__main__":
    main()
