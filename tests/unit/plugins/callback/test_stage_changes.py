# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stage_changes callback counts changed and failed results under each tag of the play, in a JSON file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from unittest.mock import MagicMock

from ansible_collections.privateai.deepseek_dify.plugins.callback.stage_changes import CallbackModule


def result_double(**values):
    result = MagicMock(name="task result double")
    result._result = values
    return result


def play_double(tags):
    play = MagicMock(name="play double")
    play.tags = tags
    return play


def test_counts_per_stage_tag(tmp_path):
    path = tmp_path / "changes.json"
    callback = CallbackModule()
    callback.get_option = lambda name: {"path": str(path)}[name]  # option lookup double (no plugin loader here)
    callback.v2_playbook_on_start(MagicMock(name="playbook double"))
    assert json.loads(path.read_text()) == {}
    callback.v2_playbook_on_play_start(play_double(["preflight", "always"]))
    callback.v2_runner_on_ok(result_double(changed=False))
    callback.v2_playbook_on_play_start(play_double(["gpu_node_software", "gpu_software", "node_reboot"]))
    callback.v2_runner_on_ok(result_double(changed=True))
    callback.v2_runner_on_ok(result_double(changed=True))
    callback.v2_runner_on_failed(result_double(), ignore_errors=True)
    callback.v2_runner_on_failed(result_double())
    callback.v2_playbook_on_play_start(play_double(["network"]))
    callback.v2_runner_on_unreachable(result_double())
    counts = json.loads(path.read_text())
    assert counts["preflight"] == {"changed": 0, "failed": 0}
    assert counts["gpu_node_software"] == {"changed": 2, "failed": 1}
    assert counts["node_reboot"] == {"changed": 2, "failed": 1}
    assert counts["network"] == {"changed": 0, "failed": 1}
    assert "always" not in counts
