# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each poll of the weights wait says (plugins/plugin_utils/weights_progress.py), as a case table."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import weights_progress as wp

GB = 1000 ** 3
DOWNLOAD = {"job": "deepseek-r1-weights", "namespace": "serving", "repo": "deepseek-ai/DeepSeek-R1",
            "bytes": 688 * GB, "timeout": 10920}


def record(done, total=688 * GB, **extra):
    out = {"state": "running", "bytes_done": done, "bytes_total": total, "files_done": 40, "files_total": 174,
           "bytes_per_s": 0, "refetched": [], "error": None}
    out.update(extra)
    return out


def line(rec):
    return wp.PROGRESS_PREFIX + json.dumps(rec)


RUNNING = {"status": {"active": 1}}
COMPLETE = {"status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}}
DEADLINE = {"status": {"failed": 1, "conditions": [{"type": "Failed", "status": "True", "reason": "DeadlineExceeded",
                                                    "message": "Job was active longer than specified deadline"}]}}
BACKOFF = {"status": {"failed": 4, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                                                   "message": "Job has reached the specified backoff limit"}]}}

# (id, job, record, elapsed, expected state, percent, fragments of the message)
CASES = [
    ("no pod yet", RUNNING, None, 5, "running", None, ["deepseek-ai/DeepSeek-R1", "no progress yet"]),
    ("listing", RUNNING, record(0, state="listing"), 5, "running", 0.0, ["listing the repository"]),
    ("a quarter", RUNNING, record(172 * GB), 600, "running", 25.0,
     ["25.0 %", "172.0 GB of 688.0 GB", "40 of 174 files"]),
    ("with rate: time left", RUNNING, record(344 * GB, bytes_per_s=GB), 600, "running", 50.0,
     ["1.00 GB/s", "about 6 min left"]),
    ("refetched shard", RUNNING, record(GB, refetched=["model-00001-of-00163.safetensors"]), 60, "running",
     0.1, ["checksum mismatch", "model-00001-of-00163.safetensors"]),
    ("complete", COMPLETE, record(688 * GB, state="complete"), 900, "complete", 100.0,
     ["complete and verified", "688.0 GB", "serving/deepseek-r1-weights"]),
    ("complete without a log", COMPLETE, None, 900, "complete", 100.0, ["complete and verified", "all files"]),
    ("deadline", DEADLINE, record(300 * GB, error=None), 10920, "failed", 43.6,
     ["DeadlineExceeded", "43.6 %", "model_serving_weights_download_gb_per_s", "resumes"]),
    ("checksum refused", BACKOFF, record(5 * GB, state="failed",
                                         error="model-00002.safetensors: sha256 aa, the listing says bb"), 300,
     "failed", 0.7, ["BackoffLimitExceeded", "model-00002.safetensors: sha256 aa, the listing says bb",
                     "kubectl -n serving logs job/deepseek-r1-weights"]),
    ("timeout", RUNNING, record(100 * GB), 10920, "timeout", 14.5,
     ["not complete after 10920 s", "688.0 GB", "14.5 %", "model_serving_download_timeout"]),
    ("job missing", None, None, 1, "failed", None, ["serving/deepseek-r1-weights not found", "apply mode"]),
]


@pytest.mark.parametrize("job, rec, elapsed, state, pct, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_judge(job, rec, elapsed, state, pct, fragments):
    verdict = wp.judge(DOWNLOAD, job, rec, elapsed, DOWNLOAD["timeout"])
    assert verdict["state"] == state
    assert verdict["done"] is (state == "complete")
    assert verdict["failed"] is (state in ("failed", "timeout"))
    assert verdict["percent"] == pct
    for fragment in fragments:
        assert fragment in verdict["message"], verdict["message"]


def test_parse_progress_takes_the_last_whole_record():
    log = "\n".join(["starting", line(record(GB)), "model-1: sha256 x: removed, fetching it again",
                     line(record(2 * GB)), wp.PROGRESS_PREFIX + '{"bytes_done": 3'])
    assert wp.parse_progress(log)["bytes_done"] == 2 * GB


@pytest.mark.parametrize("log", [None, "", "no progress here", wp.PROGRESS_PREFIX + "[1, 2]",
                                 wp.PROGRESS_PREFIX + '{"bytes_total": "many"}'])
def test_parse_progress_without_a_record(log):
    assert wp.parse_progress(log) is None


def test_prefix_is_the_downloaders():
    from ansible_collections.privateai.deepseek_dify.plugins.module_utils import weights_fetch
    assert wp.PROGRESS_PREFIX == weights_fetch.PROGRESS_PREFIX
