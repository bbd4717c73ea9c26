# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every include_role/import_role with tasks_from in the stage playbooks names an entry point of the role's
meta/argument_specs.yml, so Ansible validates the role's variables before the included tasks run.

tasks_from: preflight.yml (with the extension) matches no entry point named preflight: Ansible then validates
nothing, silently. That is how the network stage once ran without argument validation."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PREFIX = "privateai.deepseek_dify."


def _includes(node):
    """(module, args) of every include_role/import_role anywhere below node."""
    if isinstance(node, list):
        for item in node:
            yield from _includes(item)
    elif isinstance(node, dict):
        for key in ("ansible.builtin.include_role", "ansible.builtin.import_role", "include_role", "import_role"):
            if isinstance(node.get(key), dict):
                yield key, node[key]
        for value in node.values():
            if isinstance(value, (list, dict)):
                yield from _includes(value)


def _cases():
    cases = []
    playbooks = os.path.join(REPO, "playbooks")
    # The playbooks and the task files they include (playbooks/tasks/).
    for path in sorted(glob.glob(os.path.join(playbooks, "*.yml")) + glob.glob(os.path.join(playbooks, "tasks", "*.yml"))):
        with open(path) as handle:
            plays = yaml.safe_load(handle) or []
        for _key, args in _includes(plays):
            if "tasks_from" in args and str(args.get("name", "")).startswith(PREFIX):
                cases.append((os.path.relpath(path, playbooks), args["name"][len(PREFIX):], args["tasks_from"]))
    return cases


# The whole-inventory preflight includes these on purpose without an entry point: it converts every role's inputs
# itself and keeps the problems (role_inputs with fail_on_problems false, the stage filters of tasks/inputs.yml), so
# one host's bad value must not stop Ansible before the problems of the others are gathered.
COLLECTING = [
    ("tasks/preflight_stage_inputs.yml", "{{ _preflight_item.role }}", "inputs"),
    ("preflight.yml", "host_baseline", "os"),
    ("preflight.yml", "k8s_render_apply", "cluster_checks"),
]
CASES = [case for case in _cases() if case not in COLLECTING]


def test_the_collecting_includes_of_the_preflight_are_all_still_there():
    assert sorted(set(_cases()) & set(COLLECTING)) == sorted(COLLECTING)


def test_the_network_stage_is_among_the_cases():
    assert ("network.yml", "rdma", "checks") in CASES and ("network.yml", "sriov", "checks") in CASES


@pytest.mark.parametrize("playbook, role, tasks_from", CASES, ids=["%s %s %s" % c for c in CASES])
def test_tasks_from_names_an_argument_spec_entry_point(playbook, role, tasks_from):
    with open(os.path.join(REPO, "roles", role, "meta", "argument_specs.yml")) as handle:
        entry_points = yaml.safe_load(handle)["argument_specs"]
    assert tasks_from in entry_points, "%s: tasks_from %r of role %s is not an entry point (%s)" % (
        playbook, tasks_from, role, ", ".join(sorted(entry_points)))
    assert os.path.exists(os.path.join(REPO, "roles", role, "tasks", tasks_from + ".yml"))
