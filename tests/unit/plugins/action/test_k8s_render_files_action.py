# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin's own part: its options, check mode, diff and failure reporting (the writing itself
is tested in tests/unit/plugins/plugin_utils/test_k8s_render_files.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
from types import SimpleNamespace

import pytest
from ansible.errors import AnsibleActionFail

from ansible_collections.privateai.deepseek_dify.plugins.action.k8s_render_files import ActionModule
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_render

SECRET_MARK = "c2VjcmV0LXZhbHVl"
STAGE = {"name": "demo", "releases": [],
         "manifests": [{"definition": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "d"},
                                       "data": {"k": "v"}}},
                       {"definition": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "d"},
                                       "data": {"k": SECRET_MARK}}}]}


class TaskDouble(object):
    """Test double of ansible.playbook.task.Task: only what ActionBase.run and the plugin read."""

    def __init__(self, args, check_mode=False, diff=False):
        self.args, self.check_mode, self.diff = args, check_mode, diff
        self.async_val = 0
        self.action = "privateai.deepseek_dify.k8s_render_files"


def run(args, **task):
    connection_double = SimpleNamespace(_shell=SimpleNamespace(tmpdir=None))
    action = ActionModule(TaskDouble(args, **task), connection_double, None, None, None)
    return action.run(task_vars={})


def plans(root):
    return k8s_render.build_plans([STAGE], str(root), mode="apply")["plans"]


def test_writes_and_reports_per_stage(tmp_path):
    result = run({"plans": plans(tmp_path)})
    assert result["changed"] is True and result["written"] is True and "diff" not in result
    assert result["stages"][0]["created"] == ["demo/manifests/01-configmap-cm.yaml", "demo/manifests/02-secret-s.yaml"]
    assert result["msg"] == "demo: 2 created, 0 updated, 0 removed, 0 unchanged"
    assert os.stat(str(tmp_path / "demo/manifests/02-secret-s.yaml")).st_mode & 0o777 == 0o600
    assert run({"plans": plans(tmp_path)})["changed"] is False


@pytest.mark.parametrize("write_in_check_mode, written", [(True, True), (False, False)])
def test_check_mode_writes_only_when_asked(tmp_path, write_in_check_mode, written):
    result = run({"plans": plans(tmp_path / "r"), "write_in_check_mode": write_in_check_mode}, check_mode=True)
    assert result["changed"] is True and result["written"] is written
    assert os.path.exists(str(tmp_path / "r/demo/manifests/01-configmap-cm.yaml")) is written
    assert result["msg"].endswith("(check mode: nothing written)") is not written


def test_diff_only_with_diff_mode_and_without_secrets(tmp_path):
    result = run({"plans": plans(tmp_path)}, diff=True)
    assert [d["before_header"].split(" ")[0] for d in result["diff"]] == [
        "demo/manifests/01-configmap-cm.yaml", "demo/manifests/02-secret-s.yaml"]
    assert "k: v" in result["diff"][0]["after"]
    assert SECRET_MARK not in json.dumps(result)


def test_problems_fail_the_task_naming_them_all(tmp_path):
    (tmp_path / "demo").write_text("a file")
    result = run({"plans": plans(tmp_path)})
    assert result["failed"] is True and len(result["problems"]) == 1
    assert result["msg"].startswith("k8s_render_files: 1 problem(s), nothing was written: stage demo: ")
    assert "is a file where the directory" in result["msg"]


def test_unknown_option_is_refused():
    with pytest.raises(AnsibleActionFail, match="prnue"):
        run({"plans": [], "prnue": True})
