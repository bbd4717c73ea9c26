# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dr_failover_plan
short_description: Check the failover/failback settings; plan an action's rbd commands from the mirror status
version_added: "0.5.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Without O(status), takes the variables of the C(dr_failover) role by name, converts and checks them (the action
    failover, demote, resync, failback or status; pool, Rook namespace, the confirmation that must name the pool,
    force, render mode and the saved status file) and returns the C(rbd mirror pool status) command line for the
    Ceph toolbox.
  - With O(status), checks the action's preconditions against the JSON that
    C(rbd mirror pool status --verbose --format json) printed on this site (which site is primary for each image,
    split-brain, the peer's rbd-mirror up, images still syncing) and returns the commands to run, or the problems,
    each naming the pool, the image and the fix.
  - The logic lives in C(plugins/plugin_utils/dr.py).
options:
  _input:
    description: The role's variables as a mapping of name to value.
    type: dict
    required: true
  status:
    description: The output of C(rbd mirror pool status --verbose --format json) on this site.
    type: str
"""

EXAMPLES = r"""
- name: Plan
  ansible.builtin.set_fact:
    __plan: "{{ dr_vars | privateai.deepseek_dify.dr_failover_plan }}"

- name: The steps of the action against this site's status
  ansible.builtin.set_fact:
    __steps: "{{ dr_vars | privateai.deepseek_dify.dr_failover_plan(status=__status.stdout) }}"
"""

RETURN = r"""
_value:
  description:
    - Without O(status), the plan C({problems, settings, status_command, promote_command}).
    - With O(status), the steps C({action, pool, problems, commands, notes, changes, summary}); C(commands) are argv
      lists for the toolbox, empty when there are problems or nothing to do.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import dr, k8s_platform


def dr_failover_plan(variables, status=None):
    if not isinstance(variables, dict):
        raise AnsibleFilterError("dr_failover_plan: the input is %r, give the role's variables as a mapping" % (variables,))
    plan = dr.action_plan(k8s_platform.settings_of(variables, "dr_failover_"))
    if status is None:
        return plan
    if plan["problems"]:
        raise AnsibleFilterError("dr_failover_plan: the settings have problems, check them before the status: %s"
                                 % "; ".join(plan["problems"]))
    return dr.step_plan(plan, str(status))


class FilterModule(object):
    """Disaster recovery: failover and failback."""

    def filters(self):
        return {"dr_failover_plan": dr_failover_plan}
