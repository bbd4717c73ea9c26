# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: node_maintenance_report
short_description: What a rolling node maintenance did - nodes done, the node it stopped at and why, nodes not started
version_added: "0.5.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - The logic lives in C(plugins/plugin_utils/node_maintenance.py).
options:
  _input:
    description: The hosts in rollout order.
    type: list
    elements: str
    required: true
  results:
    description: "C({host: {state, step, reason, node}}) of the hosts the rollout reached (C(state) done or failed)."
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Report
  ansible.builtin.debug:
    msg: "{{ (ansible_play_hosts_all | privateai.deepseek_dify.node_maintenance_report(results)).lines }}"
"""

RETURN = r"""
_value:
  description: The report.
  type: dict
  contains:
    done: {description: Hosts done, type: list, elements: str}
    failed: {description: "C({host, node, step, reason}) of the node the rollout stopped at, or null", type: dict}
    not_started: {description: Hosts not started, type: list, elements: str}
    stopped: {description: Whether the rollout stopped at a failing node, type: bool}
    lines: {description: The report as text lines, type: list, elements: str}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform, node_maintenance


def node_maintenance_report(nodes, results):
    if not isinstance(nodes, list) or not isinstance(results, dict):
        raise AnsibleFilterError("node_maintenance_report: give the hosts as a list and the results as a mapping")
    return node_maintenance.rollout_report(k8s_platform.plain(nodes), k8s_platform.plain(results))


class FilterModule(object):
    """Node maintenance report."""

    def filters(self):
        return {"node_maintenance_report": node_maintenance_report}
