# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dr_failover_plan
short_description: Check the failover settings and build the rbd commands; judge the mirror status
version_added: "0.5.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Without O(status), takes the variables of the C(dr_failover) role by name, converts and checks them (pool, Rook
    namespace, the confirmation that must name the pool, force) and returns the C(rbd mirror pool status) and
    C(rbd mirror pool promote) command lines for the Ceph toolbox.
  - With O(status), judges the JSON that C(rbd mirror pool status --format json) printed.
  - The logic lives in C(plugins/plugin_utils/dr.py).
options:
  _input:
    description: The role's variables as a mapping of name to value.
    type: dict
    required: true
  status:
    description: The output of C(rbd mirror pool status --format json).
    type: str
"""

EXAMPLES = r"""
- name: Plan
  ansible.builtin.set_fact:
    __plan: "{{ dr_vars | privateai.deepseek_dify.dr_failover_plan }}"
"""

RETURN = r"""
_value:
  description: The plan, or with O(status) the judged status C({health, images, summary, problem}).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import dr, k8s_platform


def dr_failover_plan(variables, status=None):
    if not isinstance(variables, dict):
        raise AnsibleFilterError("dr_failover_plan: the input is %r, give the role's variables as a mapping" % (variables,))
    if status is not None:
        return dr.mirror_status(str(status))
    return dr.failover_plan(k8s_platform.settings_of(variables, "dr_failover_"))


class FilterModule(object):
    """Disaster recovery failover."""

    def filters(self):
        return {"dr_failover_plan": dr_failover_plan}
