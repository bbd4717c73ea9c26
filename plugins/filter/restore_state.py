# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: restore_state
short_description: How far a Velero Restore got - running, done or failed, with the reason
version_added: "0.5.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Reads a C(velero.io/v1) Restore as C(kubernetes.core.k8s_info) returns it and judges its phase.
  - The logic lives in C(plugins/plugin_utils/restore.py).
options:
  _input:
    description: The Restore object (an empty mapping when it is not there yet).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Wait for the restore
  kubernetes.core.k8s_info:
    api_version: velero.io/v1
    kind: Restore
    namespace: velero
    name: daily-restore-1
  register: __restore
  until: (__restore.resources[0] | default({}) | privateai.deepseek_dify.restore_state).state != 'running'
  retries: 360
  delay: 10
"""

RETURN = r"""
_value:
  description: The judgement.
  type: dict
  contains:
    state: {description: "C(running), C(done) or C(failed)", type: str}
    phase: {description: Velero's phase, type: str}
    message: {description: What happened and where to look, type: str}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform, restore


def restore_state(obj):
    if not isinstance(obj, dict):
        raise AnsibleFilterError("restore_state: the input is %r, give the Restore object" % (obj,))
    return restore.restore_state(k8s_platform.plain(obj))


class FilterModule(object):
    """Restore state."""

    def filters(self):
        return {"restore_state": restore_state}
