# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: preflight_message
short_description: One message listing every preflight problem, grouped by stage and naming the host
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Groups the problems gathered by the whole-inventory preflight by stage (in the order of O(stage_order)),
    names the host of each and drops repeats (a problem of a value shared by every node is listed once per host).
  - Returns the empty string when there is no problem.
positional: stage_order
options:
  _input:
    description: The problems, each C({stage, host, problem}).
    type: list
    elements: dict
    required: true
  stage_order:
    description: Stage names in site order; stages not named come after them.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Stop with every problem at once
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | privateai.deepseek_dify.preflight_message(privateai_stages | map(attribute='name')) }}"
"""

RETURN = r"""
_value:
  description: The message, one line per problem under a C([stage]) line.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.preflight import problems_message


def preflight_message(problems, stage_order=None):
    if not isinstance(problems, list):
        raise AnsibleFilterError("preflight_message: the input must be a list of {stage, host, problem}")
    try:
        return problems_message(problems, list(stage_order or []))
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("preflight_message: %s" % exc)


class FilterModule(object):
    """The preflight's message."""

    def filters(self):
        return {"preflight_message": preflight_message}
