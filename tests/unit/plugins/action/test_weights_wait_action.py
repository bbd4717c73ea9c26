# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The weights_wait action plugin against a Kubernetes API test double standing in for the kubernetes.core modules
it runs (k8s_info for the Job and its pods, k8s_log for the pod's log)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from unittest.mock import MagicMock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.privateai.deepseek_dify.plugins.action import weights_wait
from ansible_collections.privateai.deepseek_dify.plugins.module_utils.weights_fetch import PROGRESS_PREFIX

GB = 1000 ** 3
DOWNLOAD = {"job": "r1-weights", "namespace": "serving", "repo": "deepseek-ai/DeepSeek-R1", "bytes": 10 * GB,
            "timeout": 3600}
POD = {"metadata": {"name": "r1-weights-abcde", "creationTimestamp": "2026-11-30T04:00:00Z"},
       "status": {"phase": "Running"}}


class KubernetesApiDouble(object):
    """TEST DOUBLE of the kubernetes.core modules: each poll returns the next (job status, bytes done) of a script."""

    def __init__(self, script, unreachable=False):
        self.script = list(script)
        self.calls = []
        self.unreachable = unreachable
        self.current = None

    def __call__(self, module_name=None, module_args=None, task_vars=None, **kwargs):
        self.calls.append((module_name, dict(module_args)))
        if self.unreachable:
            return {"failed": True, "msg": "Failed to get client due to HTTPSConnectionPool(host='10.0.0.1', "
                                           "port=6443): Max retries exceeded"}
        if module_name == "kubernetes.core.k8s_info" and module_args["kind"] == "Job":
            self.current = self.script.pop(0) if len(self.script) > 1 else self.script[0]
            status, _done = self.current
            return {"resources": [{"status": status}] if status is not None else []}
        if module_name == "kubernetes.core.k8s_info":
            return {"resources": [POD]}
        _status, done = self.current
        record = {"state": "running", "bytes_done": done, "bytes_total": 10 * GB, "files_done": 1,
                  "files_total": 5, "bytes_per_s": GB}
        return {"log": "starting\n%s%s\n" % (PROGRESS_PREFIX, json.dumps(record))}


def run_action(args, api, monkeypatch, check_mode=False, clock=None):
    task = MagicMock(name="task double")
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    connection = MagicMock(name="connection double")
    connection._shell.tmpdir = "/tmp/unused"
    loader = DataLoader()
    action = weights_wait.ActionModule(task, connection, MagicMock(name="play context double"), loader,
                                       Templar(loader=loader), None)
    monkeypatch.setattr(action, "_execute_module", api)
    shown = []
    monkeypatch.setattr(weights_wait.display, "display", lambda msg, *a, **k: shown.append(msg))
    sleeps = []
    monkeypatch.setattr(weights_wait.time, "sleep", sleeps.append)
    if clock is not None:
        monkeypatch.setattr(weights_wait.time, "time", clock)
    return action.run(task_vars={}), shown, sleeps


RUNNING = {"active": 1}
COMPLETE = {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}


def test_shows_bytes_and_percent_at_every_poll_until_complete(monkeypatch):
    api = KubernetesApiDouble([(RUNNING, 2 * GB), (RUNNING, 5 * GB), (COMPLETE, 10 * GB)])
    result, shown, sleeps = run_action({"downloads": [DOWNLOAD], "kubeconfig": "/k", "context": "c",
                                        "poll_interval": 7}, api, monkeypatch)
    assert not result.get("failed"), result
    assert shown[0].startswith("weights: deepseek-ai/DeepSeek-R1: 20.0 % (2.0 GB of 10.0 GB)")
    assert "50.0 % (5.0 GB of 10.0 GB)" in shown[1]
    assert "complete and verified" in shown[2]
    assert sleeps == [7.0, 7.0]
    assert result["downloads"][0]["state"] == "complete"
    # Every call reached the cluster the task names.
    assert all(args["kubeconfig"] == "/k" and args["context"] == "c" for _name, args in api.calls)
    logs = [args for name, args in api.calls if name == "kubernetes.core.k8s_log"]
    assert logs[0]["name"] == "r1-weights-abcde" and logs[0]["tail_lines"] == 50


def test_failed_job_fails_with_its_reason(monkeypatch):
    failed = {"failed": 4, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                           "message": "Job has reached the specified backoff limit"}]}
    api = KubernetesApiDouble([(RUNNING, GB), (failed, GB)])
    result, shown, _sleeps = run_action({"downloads": [DOWNLOAD]}, api, monkeypatch)
    assert result["failed"] is True
    assert "BackoffLimitExceeded" in result["msg"] and "serving/r1-weights" in result["msg"]
    assert len(shown) == 2


def test_time_up_fails_naming_the_bandwidth(monkeypatch):
    ticks = iter([0, 0, 4000])
    api = KubernetesApiDouble([(RUNNING, GB)])
    result, _shown, _sleeps = run_action({"downloads": [DOWNLOAD]}, api, monkeypatch,
                                         clock=lambda: next(ticks))
    assert result["failed"] is True
    assert "not complete after 3600 s" in result["msg"]
    assert "model_serving_weights_download_gb_per_s" in result["msg"]


def test_unreachable_api_fails_cleanly(monkeypatch):
    api = KubernetesApiDouble([(RUNNING, 0)], unreachable=True)
    with pytest.raises(AnsibleActionFail) as err:
        run_action({"downloads": [DOWNLOAD]}, api, monkeypatch)
    assert "cannot read Job serving/r1-weights from the Kubernetes API" in str(err.value)
    assert "Max retries exceeded" in str(err.value)


def test_job_not_created_fails(monkeypatch):
    api = KubernetesApiDouble([(None, 0)])
    result, _shown, _sleeps = run_action({"downloads": [DOWNLOAD]}, api, monkeypatch)
    assert result["failed"] is True and "not found" in result["msg"]


def test_check_mode_skips_without_calling_the_api(monkeypatch):
    api = KubernetesApiDouble([(RUNNING, 0)])
    result, _shown, _sleeps = run_action({"downloads": [DOWNLOAD]}, api, monkeypatch, check_mode=True)
    assert result["skipped"] is True and api.calls == []


def test_no_download_returns_at_once(monkeypatch):
    api = KubernetesApiDouble([(RUNNING, 0)])
    result, shown, _sleeps = run_action({"downloads": []}, api, monkeypatch)
    assert not result.get("failed") and result["downloads"] == [] and shown == [] and api.calls == []


@pytest.mark.parametrize("args, message", [
    ({"downloads": "r1"}, "downloads must be"),
    ({"downloads": [{"job": "x"}]}, "downloads must be"),
    ({"downloads": [DOWNLOAD], "poll_interval": 0}, "poll_interval must be a positive"),
])
def test_bad_arguments(args, message, monkeypatch):
    with pytest.raises(AnsibleActionFail) as err:
        run_action(args, KubernetesApiDouble([(RUNNING, 0)]), monkeypatch)
    assert message in str(err.value)
