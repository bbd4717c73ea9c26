# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: restore_report
short_description: The time each restore step took and the total against the recovery time objective
version_added: "0.5.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - The logic lives in C(plugins/plugin_utils/restore.py).
options:
  _input:
    description: The steps in order, each C({name, seconds}) (C(seconds) null - skipped).
    type: list
    elements: dict
    required: true
  objective_minutes:
    description: The recovery time objective in minutes.
    type: int
    required: true
"""

EXAMPLES = r"""
- name: Report
  ansible.builtin.debug:
    msg: "{{ (steps | privateai.deepseek_dify.restore_report(15)).lines }}"
"""

RETURN = r"""
_value:
  description: The report.
  type: dict
  contains:
    seconds: {description: Total seconds, type: float}
    objective_seconds: {description: The objective in seconds, type: int}
    within_objective: {description: Whether the total is within the objective, type: bool}
    steps: {description: The steps as given, type: list, elements: dict}
    lines: {description: The report as text lines, type: list, elements: str}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform, restore


def restore_report(steps, objective_minutes):
    if not isinstance(steps, list) or not all(isinstance(s, dict) and "name" in s for s in steps):
        raise AnsibleFilterError("restore_report: the input is %r, give a list of {name, seconds}" % (steps,))
    return restore.report(k8s_platform.plain(steps), int(objective_minutes))


class FilterModule(object):
    """Restore report."""

    def filters(self):
        return {"restore_report": restore_report}
