# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: storage_wipe_targets
short_description: Check the disks the storage decision wipes against the node's disks just before the wipe
version_added: "0.4.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the C(wipe) list of one node from the disk decision (P(privateai.deepseek_dify.storage_disks#filter) or
    C(rook_ceph_stage)'s C(disks)) and a fresh M(privateai.deepseek_dify.block_devices_info) result of that node, and
    returns the disks to wipe now - each still found by its serial or WWN at the same path, not used by the running
    system, of a known size - or the problems that forbid any wipe.
  - The logic lives in C(plugins/plugin_utils/storage_disks.py).
positional: host
options:
  _input:
    description: The planned wipes of the node (records with C(path), C(serial), C(wwn)).
    type: list
    elements: dict
    required: true
  host:
    description: The node's name, for the messages.
    type: str
    required: true
  found:
    description: The fresh block_devices_info result of the node (or its C(disks)).
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Check the disks to wipe again, just before wiping
  ansible.builtin.set_fact:
    wipe_now: "{{ planned_wipes | privateai.deepseek_dify.storage_wipe_targets(inventory_hostname, fresh_probe) }}"
"""

RETURN = r"""
_value:
  description: The disks to wipe and the problems.
  type: dict
  contains:
    targets:
      description: Each disk to wipe, with C(path), C(name), C(serial), C(wwn), C(size), C(found) and C(label).
      type: list
      elements: dict
    problems:
      description: Why nothing may be wiped (a disk not found, moved, in use); empty when the targets may be wiped.
      type: list
      elements: str
"""

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import storage_disks as _sd


def storage_wipe_targets(planned, host, found):
    return _sd.wipe_targets(host, k8s_platform.plain(planned), k8s_platform.plain(found))


class FilterModule(object):
    """The disks to wipe, checked again just before the wipe."""

    def filters(self):
        return {"storage_wipe_targets": storage_wipe_targets}
