# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filters gpu_node_summary and gpu_consistency: their documentation matches their signature,
bad input is refused with a filter error, and they work from a template (ansible-core's own Jinja
plumbing, on localhost)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import inspect
import os
import subprocess
import sys

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.filter import gpu_consistency as consistency_plugin
from ansible_collections.privateai.deepseek_dify.plugins.filter import gpu_node_summary as summary_plugin

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
FIXTURE = os.path.join(REPO, "tests", "unit", "fixtures", "nvml", "h100x2-nvswitch.json")


@pytest.mark.parametrize("plugin, name", [(consistency_plugin, "gpu_consistency"), (summary_plugin, "gpu_node_summary")])
def test_documentation_matches_the_filter(plugin, name):
    doc = yaml.safe_load(plugin.DOCUMENTATION)
    yaml.safe_load(plugin.EXAMPLES)
    ret = yaml.safe_load(plugin.RETURN)
    assert doc["name"] == name
    assert list(plugin.FilterModule().filters()) == [name]
    func = plugin.FilterModule().filters()[name]
    params = list(inspect.signature(func).parameters)
    assert "_input" in doc["options"] and doc["options"]["_input"]["required"] is True
    assert sorted(k for k in doc["options"] if k != "_input") == sorted(params[1:])
    assert [p.strip() for p in doc["positional"].split(",")] == params[1:1 + len(doc["positional"].split(","))]
    assert "_value" in ret
    for option, spec in doc["options"].items():
        if option != "_input" and "default" in spec:
            assert inspect.signature(func).parameters[option].default == spec["default"], option


def test_consistency_refuses_what_is_not_a_dictionary():
    with pytest.raises(AnsibleFilterError, match="must be a dictionary"):
        consistency_plugin.gpu_consistency(["node-1"])
    with pytest.raises(AnsibleFilterError, match="the summary of node-1 must be a dictionary"):
        consistency_plugin.gpu_consistency({"node-1": "2x H100"})
    with pytest.raises(AnsibleFilterError, match="groups must be a dictionary"):
        consistency_plugin.gpu_consistency({}, ["a"])


def test_node_summary_refuses_bad_input():
    with pytest.raises(AnsibleFilterError, match="fail_on must be critical, warning or never"):
        summary_plugin.gpu_node_summary({}, {}, {}, fail_on="info")
    with pytest.raises(AnsibleFilterError, match="topology"):
        summary_plugin.gpu_node_summary({}, "not a dict")


def test_filters_work_from_a_template(tmp_path):
    """Both filters from Jinja, with gpu_gate_info's result and the three modules' results registered from a
    snapshot (both give the same summary; the old name nvidia_gpu_facts still runs nvidia_gpu_info); the second
    node is the first with another driver version."""
    playbook = tmp_path / "play.yml"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - privateai.deepseek_dify.nvidia_gpu_info: {snapshot: "%(fixture)s"}
      register: facts
    - privateai.deepseek_dify.nvlink_topology: {snapshot: "%(fixture)s", expect_fully_connected: true}
      register: topo
    - privateai.deepseek_dify.gpu_health: {snapshot: "%(fixture)s"}
      register: health
    - privateai.deepseek_dify.gpu_gate_info: {snapshot: "%(fixture)s", expect_fully_connected: true}
      register: gate
    - privateai.deepseek_dify.nvidia_gpu_facts: {snapshot: "%(fixture)s"}
      register: old_name
    - ansible.builtin.set_fact:
        one: "{{ facts | privateai.deepseek_dify.gpu_node_summary(topo, health, expect_gpus=true) }}"
        from_gate: "{{ gate | privateai.deepseek_dify.gpu_node_summary(expect_gpus=true) }}"
    - ansible.builtin.set_fact:
        result: >-
          {{ {'gpu01': one, 'gpu02': one | combine({'driver_version': '570.86.15'}), 'gpu03': one}
             | privateai.deepseek_dify.gpu_consistency }}
    - ansible.builtin.assert:
        that:
          - one.gpu_count == 2
          - one.problems == []
          - from_gate == one
          - old_name.gpus == facts.gpus
          - gate.facts.gpus == facts.gpus
          - not result.consistent
          - result.rows | length == 1
          - result.rows[0].node == 'gpu02'
          - result.rows[0].field == 'driver_version'
          - result.rows[0].found == '570.86.15'
          - result.rows[0].expected == '580.159.04 (majority, 2 of 3 nodes)'
          - "'gpu02 | driver_version | 570.86.15' in result.table"
          - result.groups.all.reference.gpu_count == 2
""" % {"fixture": FIXTURE})
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    playbook_cmd = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    result = subprocess.run([playbook_cmd, str(playbook), "-i", "localhost,", "-c", "local",
                             "-e", "ansible_python_interpreter=%s" % sys.executable],
                            cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
