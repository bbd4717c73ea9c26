# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of privateai.deepseek_dify.weights_wait: polls the weights download Jobs through kubernetes.core
(k8s_info for the Job and its pod, k8s_log for the pod's last progress lines) and shows each poll's verdict
(plugins/plugin_utils/weights_progress.py) until every Job completes, one fails or its time is up."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.errors import AnsibleActionFail
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import weights_progress as wp

display = Display()


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("downloads", "kubeconfig", "context", "poll_interval"))

    def _k8s(self, module, args, task_vars):
        args = dict(args)
        for key in ("kubeconfig", "context"):
            if self._task.args.get(key):
                args[key] = self._task.args[key]
        return self._execute_module(module_name="kubernetes.core." + module, module_args=args, task_vars=task_vars)

    def _poll(self, download, task_vars):
        """(Job object or None, last progress record or None); AnsibleActionFail when the API cannot be read."""
        found = self._k8s("k8s_info", {"api_version": "batch/v1", "kind": "Job", "name": download["job"],
                                       "namespace": download["namespace"]}, task_vars)
        if found.get("failed"):
            raise AnsibleActionFail("weights_wait: cannot read Job %s/%s from the Kubernetes API: %s"
                                    % (download["namespace"], download["job"], found.get("msg")))
        jobs = found.get("resources") or []
        if not jobs:
            return None, None
        pods = self._k8s("k8s_info", {"api_version": "v1", "kind": "Pod", "namespace": download["namespace"],
                                      "label_selectors": ["job-name=%s" % download["job"]]}, task_vars)
        started = [p for p in pods.get("resources") or []
                   if ((p.get("status") or {}).get("phase")) in ("Running", "Succeeded", "Failed")]
        if pods.get("failed") or not started:
            return jobs[0], None
        newest = sorted(started, key=lambda p: (p.get("metadata") or {}).get("creationTimestamp") or "")[-1]
        log = self._k8s("k8s_log", {"name": newest["metadata"]["name"], "namespace": download["namespace"],
                                    "tail_lines": 50}, task_vars)
        if log.get("failed"):
            return jobs[0], None
        text = log.get("log") if isinstance(log.get("log"), string_types) else "\n".join(log.get("log_lines") or [])
        return jobs[0], wp.parse_progress(text)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        downloads = self._task.args.get("downloads") or []
        keys = ("job", "namespace", "repo", "timeout")
        if not isinstance(downloads, list) or not all(isinstance(d, dict) and all(k in d for k in keys)
                                                      for d in downloads):
            raise AnsibleActionFail("weights_wait: downloads must be the stage's list of {job, namespace, repo, "
                                    "bytes, timeout} (the serving_stage filter's downloads), got %r" % (downloads,))
        try:
            interval = float(self._task.args.get("poll_interval", 30))
        except (TypeError, ValueError):
            interval = -1
        if interval <= 0:
            raise AnsibleActionFail("weights_wait: poll_interval must be a positive number of seconds, got %r"
                                    % (self._task.args.get("poll_interval"),))
        result.update(changed=False, downloads=[])
        if self._task.check_mode:
            result.update(skipped=True, msg="check mode: the download Jobs were not created, nothing to wait for")
            return result
        started = time.time()
        pending = list(downloads)
        verdicts = dict((d["job"], None) for d in downloads)
        while pending:
            elapsed = time.time() - started
            for download in list(pending):
                job, record = self._poll(download, task_vars)
                verdict = wp.judge(download, job, record, elapsed, int(download["timeout"]))
                verdicts[download["job"]] = verdict
                display.display("weights: %s" % verdict["message"])
                if verdict["done"]:
                    pending.remove(download)
            failed = [v for v in verdicts.values() if v and v["failed"]]
            if failed:
                result.update(failed=True, downloads=[verdicts[d["job"]] for d in downloads],
                              msg="weights_wait: %s" % "; ".join(v["message"] for v in failed))
                return result
            if pending:
                time.sleep(interval)
        result["downloads"] = [verdicts[d["job"]] for d in downloads]
        result["msg"] = "; ".join(v["message"] for v in result["downloads"]) or "no download Job"
        return result
