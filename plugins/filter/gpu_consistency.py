# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: gpu_consistency
short_description: Compare GPU node summaries across nodes and tabulate every node that deviates
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes one summary per node (the P(privateai.deepseek_dify.gpu_node_summary#filter) of what
    M(privateai.deepseek_dify.gpu_gate_info) returned on it) and compares the nodes group by group.
  - Compared fields are C(gpu_count), C(gpu_model), C(driver_version), C(cuda_driver_version) and
    C(nvlink_shape). Each node is held against an explicit expected value when one is given (the node's own
    C(expected), else the O(expected) option), otherwise against the single most common value of its group; when the
    group is split evenly there is no majority and every node of that field is listed.
  - Nodes without GPUs are left out of the comparison. Such a node is a deviation when its summary says
    GPUs are expected (C(expect_gpus)), and is only reported when it does not.
  - The problems a node has on its own (NVLink pairs below expectations, failing health findings, module errors)
    are listed in the same table.
positional: groups, expected
options:
  _input:
    description: Node summaries, keyed by inventory hostname.
    type: dict
    required: true
  groups:
    description:
      - "Group key of each host (C({host: key})). Hosts are compared only within their group."
      - A host missing here uses the C(group) of its summary, else C(all).
    type: dict
  expected:
    description:
      - "Explicit values every node is held against instead of its group's majority, for example
        C({driver_version: 580.159.04, gpu_count: 8})."
      - A node summary's own C(expected) wins over it.
    type: dict
seealso:
  - plugin: privateai.deepseek_dify.gpu_node_summary
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Compare every node of the play once
  ansible.builtin.set_fact:
    cluster: >-
      {{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'gpu_validate_summary')))
         | privateai.deepseek_dify.gpu_consistency }}
  run_once: true

- name: Fail with the table of every deviating node
  ansible.builtin.fail:
    msg: "{{ cluster.table }}"
  when: not cluster.consistent
  run_once: true

# With two A100 and two H100 nodes, compare each kind only with its own:
#   summaries | privateai.deepseek_dify.gpu_consistency({'a1': 'a100', 'a2': 'a100', 'h1': 'h100', 'h2': 'h100'})
# With an explicit driver version (a node on another version deviates even if most nodes run it):
#   summaries | privateai.deepseek_dify.gpu_consistency(expected={'driver_version': '580.159.04'})
"""

RETURN = r"""
_value:
  description: The comparison.
  type: dict
  contains:
    consistent:
      description: No node deviates.
      type: bool
    table:
      description:
        - Fixed-width text table, one row per deviation (node, group when there are several, field, what the node
          has, and the expected or majority value), under a title line. Empty when consistent.
      type: str
    rows:
      description: The table's rows, each with C(node), C(field), C(found), C(expected) (and C(group)).
      type: list
      elements: dict
    deviations:
      description: The rows of each deviating node, keyed by host (C(field), C(found), C(expected)).
      type: dict
    groups:
      description:
        - Per group, its C(hosts), C(nodes_with_gpus), the C(reference) value of each compared field (the majority,
          V(null) when split or when no node has GPUs) and C(values) (how many nodes have each value).
      type: dict
    nodes:
      description: One status line per host (its GPUs, driver, NVLink shape and health, or why it has none).
      type: dict
    nodes_with_gpus:
      description: Hosts with at least one GPU.
      type: list
      elements: str
    nodes_without_gpus:
      description: Hosts without GPUs.
      type: list
      elements: str
    gpu_total:
      description: GPUs over all hosts.
      type: int
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import gpu_consistency as _gc


def _mapping(value, name, allow_none=True):
    if value is None and allow_none:
        return None
    if not isinstance(value, Mapping):
        raise AnsibleFilterError("%s must be a dictionary, got %s" % (name, type(value).__name__))
    return dict(value)


def gpu_consistency(summaries, groups=None, expected=None):
    summaries = _mapping(summaries, "gpu_consistency input (node summaries keyed by host)", allow_none=False)
    for host, summary in summaries.items():
        if not isinstance(summary, Mapping):
            raise AnsibleFilterError("gpu_consistency: the summary of %s must be a dictionary (the output of "
                                     "gpu_node_summary), got %s" % (host, type(summary).__name__))
    return _gc.check(dict((h, dict(s)) for h, s in summaries.items()), _mapping(groups, "groups"),
                     _mapping(expected, "expected"))


class FilterModule(object):
    """The GPU gate's cross-node comparison."""

    def filters(self):
        return {
            "gpu_consistency": gpu_consistency,
        }
