# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: stage_changes
type: aggregate
short_description: Counts the changed and failed tasks of each stage for the run report
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Counts, per stage, the task results that changed something and those that failed. A play's results are
    counted under each of its tags; every stage playbook tags its plays with the stage name, so the count of a
    stage is the one under its name.
  - Writes the counts as JSON to the file O(path) after every changed or failed result, so the role run_report
    (last in site.yml, also after a failure) reads what changed so far.
  - Enable it in ansible.cfg (C(callbacks_enabled = privateai.deepseek_dify.stage_changes)); the repository's
    ansible.cfg does.
requirements:
  - enabled in callbacks_enabled
options:
  path:
    description: The JSON file, overwritten when a playbook starts.
    type: path
    default: ~/.ansible/privateai/stage-changes.json
    env:
      - name: PRIVATEAI_STAGE_CHANGES_FILE
    ini:
      - section: privateai_stage_changes
        key: path
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "privateai.deepseek_dify.stage_changes"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._tags = []
        self._counts = {}

    def _path(self):
        return os.path.expanduser(self.get_option("path"))

    def _write(self):
        path = self._path()
        try:
            directory = os.path.dirname(path)
            if directory and not os.path.isdir(directory):
                os.makedirs(directory, 0o700)
            with open(path + ".tmp", "w") as handle:
                json.dump(self._counts, handle, sort_keys=True)
            os.rename(path + ".tmp", path)
        except (IOError, OSError) as exc:
            self._display.warning("stage_changes: cannot write %s: %s" % (path, exc))

    def v2_playbook_on_start(self, playbook):
        self._counts = {}
        self._write()

    def v2_playbook_on_play_start(self, play):
        self._tags = sorted(set(str(tag) for tag in play.tags or [] if str(tag) not in ("always", "never")))
        for tag in self._tags:
            self._counts.setdefault(tag, {"changed": 0, "failed": 0})
        self._write()

    def _count(self, key):
        for tag in self._tags:
            self._counts.setdefault(tag, {"changed": 0, "failed": 0})[key] += 1
        if self._tags:
            self._write()

    def v2_runner_on_ok(self, result):
        if result._result.get("changed"):
            self._count("changed")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors:
            self._count("failed")

    def v2_runner_on_unreachable(self, result):
        self._count("failed")
