# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: rook_ceph_health
short_description: Judge a CephCluster's status after apply (health, accepted warnings, OSD count)
version_added: "0.4.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the CephCluster object (as C(kubernetes.core.k8s_info) returns it) and says whether Ceph is healthy - phase
    Ready (Connected in external mode), HEALTH_OK or HEALTH_WARN whose every check code is accepted, and the OSDs
    Ceph reports running equal to the planned count - and what is still missing.
  - The logic lives in C(plugins/plugin_utils/k8s_storage.py).
positional: planned_osds, accepted_warnings
options:
  _input:
    description: The CephCluster object, or an empty mapping when it does not exist yet.
    type: dict
    required: true
  planned_osds:
    description: The OSDs the storage preflight planned; null when Rook decides the count (deviceFilter, external mode).
    type: int
  accepted_warnings:
    description: Ceph health check codes under which HEALTH_WARN counts as healthy.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Judge the cluster
  ansible.builtin.debug:
    msg: "{{ (cluster.resources | first | default({})) | privateai.deepseek_dify.rook_ceph_health(6, ['MON_CLOCK_SKEW']) }}"
"""

RETURN = r"""
_value:
  description: The judgement.
  type: dict
  contains:
    ok: {description: Healthy with the planned OSDs, type: bool}
    missing: {description: What is still missing, each a sentence, type: list, elements: str}
    health: {description: Ceph's health (HEALTH_OK, HEALTH_WARN, HEALTH_ERR) or null, type: str}
    osds: {description: OSDs Ceph reports running, type: int}
"""

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform, k8s_storage


def rook_ceph_health(cluster, planned_osds=None, accepted_warnings=None):
    return k8s_storage.health(k8s_platform.plain(cluster), planned_osds, k8s_platform.plain(accepted_warnings) or [])


class FilterModule(object):
    """Ceph health after apply."""

    def filters(self):
        return {"rook_ceph_health": rook_ceph_health}
