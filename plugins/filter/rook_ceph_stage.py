# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: rook_ceph_stage
short_description: Check the rook_ceph role's settings and build the storage stage (Rook operator and Ceph cluster)
version_added: "0.4.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the variables of the C(rook_ceph) role by name, the storage nodes with their disks and C(privateai_fabric),
    converts each setting as the role's argument spec declares it, checks the syntax of every value written into a
    file or a label and the combinations Ceph would refuse later (replicas above the hosts, a Vault KMS without
    address or token Secret, a StorageClass name the site already has), and builds the stage C(storage) (the
    C(rook-ceph) and C(rook-ceph-cluster) Helm releases) as data from the converted values.
  - Returns every problem at once, each naming the variable (or node and disk), the value and the fix.
  - The logic lives in C(plugins/plugin_utils/k8s_storage.py).
extends_documentation_fragment:
  - privateai.deepseek_dify.stage_filter
options:
  nodes:
    description: >-
      The storage nodes, each C({name, devices, device_filter, wipe_devices, allow_kernel_names, block_devices})
      (C(rook_ceph_devices), C(rook_ceph_device_filter), C(rook_ceph_wipe_devices), C(rook_ceph_allow_kernel_names)
      of that host and its block_devices_info result).
    type: list
    elements: dict
    required: true
  fabric:
    description: C(privateai_fabric); its networks' subnets become Ceph's public and cluster networks.
    type: dict
  wipe_confirm:
    description: >-
      C(rook_ceph_wipe_confirm) of this run (serials or WWNs, a list or comma-separated text): with
      C(rook_ceph_disk_source=probe), the listed disks holding data that may be wiped.
    type: raw
"""

EXAMPLES = r"""
- name: Check the settings and build the stage
  ansible.builtin.set_fact:
    __rook_ceph_plan: >-
      {{ dict(_names | zip(query('ansible.builtin.vars', *_names)))
         | privateai.deepseek_dify.rook_ceph_stage(_nodes, privateai_fabric | default({})) }}
  vars:
    _names: "{{ query('ansible.builtin.varnames', '^rook_ceph_') | list }}"
    _nodes: "{{ groups['storage_nodes'] | map('extract', hostvars) | list }}"
"""

RETURN = r"""
_value:
  description: The result.
  type: dict
  contains:
    problems: {description: Every problem, each naming the variable and the value, type: list, elements: str}
    warnings: {description: What works but deserves a look (fewer than 3 replicas), type: list, elements: str}
    enabled: {description: Whether the stage renders anything, type: bool}
    stage: {description: "C({name, releases, manifests}) for privateai.deepseek_dify.k8s_render_apply; null on problems", type: dict}
    outputs: {description: "The RWO, RWX and bucket StorageClasses and the object store endpoint (when a stage is built)", type: dict}
    disks: {description: "The host disk decision (rook_ceph_disk_source probe), else null", type: dict}
    health: {description: "What apply mode waits for: planned_osds, accepted_warnings, timeout, claims", type: dict}
    external_connection: {description: "External mode: the Secrets and ConfigMap that must exist before apply", type: list, elements: dict}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform, k8s_storage


def rook_ceph_stage(variables, nodes, fabric=None, wipe_confirm=None):
    settings = k8s_platform.filter_settings("rook_ceph_stage", variables, "rook_ceph_",
                                            ignore=k8s_storage.NODE_VARIABLES + k8s_storage.PUBLISHED)
    if not isinstance(nodes, list):
        raise AnsibleFilterError("rook_ceph_stage: nodes is %r, give a list of {name, devices, device_filter}" % (nodes,))
    return k8s_storage.rook_ceph_stage(settings, k8s_platform.plain(nodes), k8s_platform.plain(fabric),
                                       wipe_confirm=k8s_platform.plain(wipe_confirm))


class FilterModule(object):
    """Storage stage."""

    def filters(self):
        return {"rook_ceph_stage": rook_ceph_stage}
