# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: storage_disks
short_description: Decide per storage node which disks Rook-Ceph may take, refusing every disk that holds data
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes, per storage node, its M(privateai.deepseek_dify.block_devices_info) result and its storage variables, and
    decides which disks become OSDs. Runs once on the controller so the replica rule sees every node.
  - A disk is named by C(/dev/disk/by-id) path, C(serial:<serial>) or C(wwn:<wwn>) in C(devices); a kernel name
    (C(sdb)) is accepted with a warning, and on a node with more than one disk only with C(allow_kernel_names).
    Or C(device_filter) takes every disk within C(min_size)/C(max_size), matching C(model) (shell pattern),
    C(nvme_only), C(rotational); disks the system uses (root, boot, swap, mounted, stacked, multipath paths) are
    left out with the reason.
  - A chosen disk with a partition table, filesystem, LVM, RAID or Ceph BlueStore signature is refused naming what
    was found, unless it is in C(wipe_devices) by serial or WWN B(and) O(wipe_confirm) names it again for this run;
    only then is it returned in C(wipe). A disk the running system uses is refused even then.
  - Too few OSD disks for O(replicas) under O(failure_domain) (hosts with OSDs, or OSDs) refuses the run with
    the numbers, as does a storage node without an eligible disk.
  - With O(fail) (the default), raises listing every problem at once; with O(fail=false) returns them in C(problems).
positional: storage_nodes
options:
  _input:
    description:
      - Per storage node (inventory hostname), a mapping with C(block_devices) (the module's result, or its
        C(disks) list), C(devices) (V(rook_ceph_devices)), C(device_filter) (V(rook_ceph_device_filter)),
        C(wipe_devices) (V(rook_ceph_wipe_devices)) and C(allow_kernel_names) (V(rook_ceph_allow_kernel_names)).
    type: dict
    required: true
  storage_nodes:
    description: The hosts that must carry OSDs; defaults to every host of the input.
    type: list
    elements: str
  replicas:
    description: Copies of each object (V(rook_ceph_replicas)). V(1) needs O(allow_single_replica).
    type: int
    default: 3
  failure_domain:
    description: Where copies must differ (V(rook_ceph_failure_domain)), V(host) or V(osd).
    type: str
    default: host
  allow_single_replica:
    description: Accept a single copy of the data (V(rook_ceph_allow_single_replica)); test clusters only.
    type: bool
    default: false
  wipe_confirm:
    description:
      - Serials or WWNs (a list or a comma-separated text) of the disks whose data is destroyed in this run
        (V(rook_ceph_wipe_confirm)); pass it with C(-e), never keep it in the inventory.
    type: raw
  fail:
    description: Raise when there is a problem instead of returning it.
    type: bool
    default: true
seealso:
  - module: privateai.deepseek_dify.block_devices_info
"""

EXAMPLES = r"""
- name: Read the disks of every storage node
  privateai.deepseek_dify.block_devices_info:
  register: storage_found

- name: Gather each node's inputs from its own variables
  ansible.builtin.set_fact:
    storage_disk_inputs:
      block_devices: "{{ storage_found }}"
      devices: "{{ rook_ceph_devices }}"
      wipe_devices: "{{ rook_ceph_wipe_devices }}"
      allow_kernel_names: "{{ rook_ceph_allow_kernel_names }}"

- name: Decide the OSD disks of every storage node at once (fails listing every problem)
  ansible.builtin.set_fact:
    storage_disk_plan: >-
      {{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'storage_disk_inputs')))
         | privateai.deepseek_dify.storage_disks(groups['storage_nodes'], replicas=rook_ceph_replicas,
                                                  wipe_confirm=rook_ceph_wipe_confirm | default(none)) }}
  run_once: true

# A node's CephCluster devices: storage_disk_plan.nodes[inventory_hostname].rook_devices
# The disks to wipe first (listed and confirmed): storage_disk_plan.nodes[inventory_hostname].wipe
"""

RETURN = r"""
_value:
  description: The decision.
  type: dict
  contains:
    ok:
      description: No problem.
      type: bool
    problems:
      description: Every refusal, each naming the node, the disk (kernel name and serial), the value and the fix.
      type: list
      elements: str
    warnings:
      description: Kernel names used, disks without by-id links, wipe entries that wipe nothing.
      type: list
      elements: str
    nodes:
      description:
        - Per host, C(osds) (name, path, rook_name, serial, wwn, size, by_id, wipe, found), C(rook_devices) (the
          CephCluster C(devices) entries), C(wipe) (the OSDs whose data is destroyed first), C(refused) and
          C(excluded) (disks left out by the filter, with the reason).
      type: dict
    osd_count:
      description: OSD disks over all nodes.
      type: int
    hosts_with_osds:
      description: Nodes with at least one OSD disk.
      type: int
    wipe_count:
      description: Disks that will be wiped.
      type: int
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import storage_disks as _sd


def _plain(value):
    if isinstance(value, Mapping):
        return dict((k, _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def storage_disks(nodes, storage_nodes=None, replicas=3, failure_domain="host", allow_single_replica=False,
                  wipe_confirm=None, fail=True):
    if not isinstance(nodes, Mapping):
        raise AnsibleFilterError("storage_disks input must map each storage node to its inputs, got %s"
                                 % type(nodes).__name__)
    result = _sd.decide(_plain(nodes), storage_nodes=_plain(storage_nodes), replicas=replicas,
                        failure_domain=failure_domain, allow_single_replica=allow_single_replica,
                        wipe_confirm=_plain(wipe_confirm))
    if fail and not result["ok"]:
        raise AnsibleFilterError("Storage disk decision refused (%d problems, nothing was changed):\n- %s"
                                 % (len(result["problems"]), "\n- ".join(result["problems"])))
    return result


class FilterModule(object):
    """The storage preflight's disk decision."""

    def filters(self):
        return {
            "storage_disks": storage_disks,
        }
