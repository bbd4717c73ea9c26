# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the wait for the weights download Jobs says at each poll (action plugin weights_wait).

The download Job's program (plugins/module_utils/weights_fetch.py) prints a ``PRIVATEAI-PROGRESS {json}`` line at
every interval: state, bytes done and total, files done and total, rate, error. ``parse_progress`` takes the last
one from the Job pod's log; ``judge`` combines it with the Job's status and the time waited into one verdict:
``{state: running|complete|failed, done, failed, percent, message}``. The message names the repository, the bytes
and percent, the rate and the time left, or, for a failure, the Job's condition, the downloader's error and the fix.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.privateai.deepseek_dify.plugins.module_utils.weights_fetch import PROGRESS_PREFIX

GB = 1000 ** 3


def parse_progress(log):
    """The last progress record of a log (text), or None. Lines that are not whole records are ignored."""
    if not isinstance(log, str):
        return None
    found = None
    for line in log.splitlines():
        index = line.find(PROGRESS_PREFIX)
        if index < 0:
            continue
        try:
            record = json.loads(line[index + len(PROGRESS_PREFIX):])
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("bytes_total"), int):
            found = record
    return found


def gb(value):
    return "%.1f GB" % (float(value) / GB)


def percent(record):
    if not record or not record.get("bytes_total"):
        return None
    return round(100.0 * min(record.get("bytes_done", 0), record["bytes_total"]) / record["bytes_total"], 1)


def _condition(job, kind):
    for condition in ((job or {}).get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind and str(condition.get("status")) == "True":
            return condition
    return None


def _progress_text(download, record):
    if not record:
        return "%s: no progress yet (the Job's pod is starting or pulling its image)" % download["repo"]
    if record.get("state") == "listing":
        return "%s: listing the repository's files" % download["repo"]
    text = "%s: %.1f %% (%s of %s), %d of %d files" % (
        download["repo"], percent(record) or 0.0, gb(record.get("bytes_done", 0)), gb(record["bytes_total"]),
        record.get("files_done", 0), record.get("files_total", 0))
    rate = record.get("bytes_per_s") or 0
    if rate > 0:
        left = max(0, record["bytes_total"] - record.get("bytes_done", 0)) / float(rate)
        text += ", %.2f GB/s, about %d min left" % (rate / float(GB), int(left // 60) + 1)
    if record.get("refetched"):
        text += "; fetched again after a checksum mismatch: %s" % ", ".join(record["refetched"])
    return text


def judge(download, job, record, elapsed, timeout):
    """The verdict of one poll. ``download``: {job, namespace, repo, bytes, timeout}; ``job``: the Job object or None
    (not found); ``record``: parse_progress of its pod's log or None; ``elapsed``/``timeout``: seconds."""
    name = "%s/%s" % (download["namespace"], download["job"])
    out = {"job": download["job"], "repo": download["repo"], "percent": percent(record), "done": False,
           "failed": False, "state": "running"}
    if job is None:
        out.update(failed=True, state="failed",
                   message="Job %s not found: the stage's apply did not create it (run the model_serving playbook "
                           "in apply mode) or it was deleted" % name)
        return out
    if _condition(job, "Complete") or ((job.get("status") or {}).get("succeeded") or 0) >= 1:
        size = gb(record["bytes_total"]) if record and record.get("bytes_total") else "all files"
        out.update(done=True, state="complete", percent=100.0,
                   message="%s: complete and verified (%s), Job %s" % (download["repo"], size, name))
        return out
    failed = _condition(job, "Failed")
    if failed:
        why = (record or {}).get("error") or failed.get("message") or ""
        fix = {"DeadlineExceeded": "raise model_serving_weights_download_gb_per_s to the real bandwidth or set "
                                   "model_serving_download_timeout; a new run resumes where this one stopped",
               "BackoffLimitExceeded": "fix the cause above (kubectl -n %s logs job/%s), delete the Job and run "
                                       "again; what was downloaded is kept" % (download["namespace"], download["job"])}
        out.update(failed=True, state="failed",
                   message="Job %s failed (%s)%s%s; %s" % (
                       name, failed.get("reason") or "Failed", (": " + why) if why else "",
                       (" at %.1f %%" % percent(record)) if record else "",
                       fix.get(failed.get("reason"),
                               "see kubectl -n %s logs job/%s" % (download["namespace"], download["job"]))))
        return out
    if elapsed >= timeout:
        out.update(failed=True, state="timeout",
                   message="%s: not complete after %d s (the wait sized from %s at the declared bandwidth); last: "
                           "%s. Raise model_serving_weights_download_gb_per_s to the real bandwidth or set "
                           "model_serving_download_timeout; the Job goes on and a new run resumes the wait"
                           % (download["repo"], timeout, gb(download.get("bytes") or 0),
                              _progress_text(download, record)))
        return out
    out["message"] = _progress_text(download, record)
    return out
