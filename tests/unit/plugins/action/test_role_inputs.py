# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role_inputs action plugin against the collection's real roles (their argument specs and check tables)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.privateai.deepseek_dify.plugins.action.role_inputs import ActionModule


def run_action(args, task_vars):
    task = MagicMock(name="task double")
    task.args = args
    task.async_val = 0
    task.check_mode = False
    task._role = None
    connection = MagicMock(name="connection double")
    connection._shell.tmpdir = "/tmp/unused"
    loader = DataLoader()
    action = ActionModule(task, connection, MagicMock(name="play context double"), loader, Templar(loader=loader), None)
    return action.run(task_vars=task_vars)


def test_converts_and_strips_the_role_prefix():
    result = run_action({"role": "node_reboot"}, {"node_reboot_throttle": "3", "node_reboot_enabled": "no",
                                                  "inventory_hostname": "gpu01"})
    assert not result.get("failed"), result
    assert result["settings"]["throttle"] == 3
    assert result["settings"]["enabled"] is False
    # defaults come from the argument spec when the play does not see the role's defaults
    assert result["settings"]["timeout"] == 1800
    assert result["problems"] == []


def test_lists_every_problem_with_the_host_and_the_variable():
    result = run_action({"role": "privateai.deepseek_dify.node_reboot"},
                        {"node_reboot_throttle": 0, "node_reboot_message": "bye\nnow", "inventory_hostname": "gpu01"})
    assert result["failed"] is True
    assert "settings" not in result
    assert result["msg"].startswith("node_reboot on gpu01: 2 bad input value(s), nothing was changed:")
    assert "node_reboot_throttle: 0 must be a whole number of at least 1" in result["msg"]
    assert "node_reboot_message: 'bye\\nnow' must be one line of text" in result["msg"]


@pytest.mark.parametrize("args, message", [
    ({"role": "node_reboot", "checks": {"node_reboot_throttle": "positiv"}}, "unknown check positiv"),
    ({"role": "node_reboot", "checks": {"node_reboot_throtle": "positive"}}, "node_reboot_throtle"),
    ({"role": "../etc"}, "role must be the name of a role of this collection"),
    ({}, "role_inputs outside a role needs the role option"),
    ({"role": "node_reboot", "entry_point": "hold"}, "has no entry point hold"),
])
def test_programming_errors_fail_the_task(args, message):
    with pytest.raises(AnsibleActionFail, match=message):
        run_action(args, {})


@pytest.mark.parametrize("task_vars, expected", [
    # (what the inventory gives, the problems reported without failing the task)
    ({"node_reboot_throttle": 0}, ["node_reboot_throttle: 0 must be a whole number of at least 1"]),
    ({"node_reboot_throttle": 0, "node_reboot_message": "a\nb"},
     ["node_reboot_message: 'a\\nb' must be one line of text (no line breaks or control characters)",
      "node_reboot_throttle: 0 must be a whole number of at least 1"]),
    ({"node_reboot_throttle": 2}, []),
])
def test_collecting_mode_returns_the_problems_without_failing(task_vars, expected):
    result = run_action({"role": "node_reboot", "fail_on_problems": False}, dict(task_vars, inventory_hostname="gpu01"))
    assert not result.get("failed"), result
    assert sorted(result["problems"]) == sorted(expected)
    assert ("settings" in result) == (not expected)


def test_collecting_mode_must_be_a_boolean():
    with pytest.raises(AnsibleActionFail, match="fail_on_problems must be true or false"):
        run_action({"role": "node_reboot", "fail_on_problems": "no"}, {})


@pytest.mark.parametrize("fabric, problem", [
    # rdma_fabric_type's default is privateai_fabric.type: outside the role the role's defaults are still checked
    ({"type": "infiniban"}, "rdma_fabric_type must be one of"),
    ({"type": "roce"}, None),
])
def test_a_default_derived_from_a_shared_variable_is_checked_outside_the_role(fabric, problem):
    result = run_action({"role": "rdma", "fail_on_problems": False},
                        {"privateai_fabric": fabric, "inventory_hostname": "gpu01"})
    if problem is None:
        assert result["problems"] == [], result["problems"]
        assert result["settings"]["fabric_type"] == fabric["type"]
    else:
        assert any(problem in p for p in result["problems"]), result["problems"]
        assert any("infiniban" in p for p in result["problems"]), result["problems"]


def test_a_default_that_cannot_be_evaluated_outside_the_role_falls_back_to_the_spec_default(monkeypatch):
    # node_reboot_timeout's default made to need a fact the play has not gathered
    from ansible_collections.privateai.deepseek_dify.plugins.action import role_inputs as action_module
    real_load = action_module.ActionModule._load

    def load_double(self, path):
        data = real_load(self, path)
        if path.endswith("defaults/main.yml"):
            data = dict(data, node_reboot_timeout="{{ ansible_facts.not_gathered }}")
        return data

    monkeypatch.setattr(action_module.ActionModule, "_load", load_double)
    result = run_action({"role": "node_reboot", "fail_on_problems": False}, {"inventory_hostname": "gpu01"})
    assert result["problems"] == []
    assert result["settings"]["timeout"] == 1800
