# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restore's logic (plugins/plugin_utils/restore.py): settings, which backup, the Restore, its state, the report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import restore

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from role_defaults import role_settings  # noqa: E402  (the shared test helper)

TEMPLATED = {"restore_schedule": "daily", "restore_velero_namespace": "velero"}


def defaults(**overrides):
    """roles/restore/defaults/main.yml as the role passes it (templated defaults as TEMPLATED gives them)."""
    return role_settings("restore", TEMPLATED, **overrides)


def backup(name, phase, completed, schedule="daily"):
    item = {"metadata": {"name": name, "labels": {"velero.io/schedule-name": schedule} if schedule else {}},
            "status": {"phase": phase, "startTimestamp": completed, "completionTimestamp": completed}}
    if phase != "Completed":
        del item["status"]["completionTimestamp"]
    return item


BACKUPS = [
    backup("daily-20261128030000", "Completed", "2026-11-28T03:04:10Z"),
    backup("daily-20261129030000", "Completed", "2026-11-29T03:05:01Z"),
    backup("daily-20261130030000", "PartiallyFailed", "2026-11-30T03:04:55Z"),
    backup("before-upgrade", "Completed", "2026-11-29T18:00:00Z", schedule=None),
    backup("daily-20261130040000", "InProgress", "2026-11-30T04:00:00Z"),
]

# (id, backups, name, schedule, picked, text of the problem)
PICK = [
    ("newest completed of the schedule", BACKUPS, "", "daily", "daily-20261129030000", None),
    ("newest completed of any schedule", BACKUPS, "", "", "before-upgrade", None),
    ("named and completed", BACKUPS, "daily-20261128030000", "", "daily-20261128030000", None),
    ("named but partially failed", BACKUPS, "daily-20261130030000", "", None,
     "restore_backup is 'daily-20261130030000': that backup is PartiallyFailed, not Completed"),
    ("named but unknown", BACKUPS, "daily-1999", "", None, "Velero has no backup of that name"),
    ("none completed", [BACKUPS[2], BACKUPS[4]], "", "daily", None, "no completed backup of schedule daily"),
    ("no backups at all", [], "", "daily", None, "(newest: none)"),
]


@pytest.mark.parametrize("backups,name,schedule,picked,problem", [c[1:] for c in PICK], ids=[c[0] for c in PICK])
def test_pick_backup(backups, name, schedule, picked, problem):
    result = restore.pick_backup(backups, name, schedule)
    assert result["name"] == picked
    if problem:
        assert problem in result["problem"]
    else:
        assert result["problem"] is None and result["completed"].startswith("2026-11-")


# (id, status, state, text of the message)
STATES = [
    ("not started", {}, "running", "not started"),
    ("in progress", {"phase": "InProgress"}, "running", "InProgress"),
    ("waiting for the data mover", {"phase": "WaitingForPluginOperations"}, "running", "WaitingForPluginOperations"),
    ("completed", {"phase": "Completed"}, "done", "restore completed"),
    ("completed with warnings", {"phase": "Completed", "warnings": 3}, "done", "with 3 warning(s)"),
    ("partially failed", {"phase": "PartiallyFailed", "errors": 2}, "failed", "PartiallyFailed (2 error(s))"),
    ("failed validation", {"phase": "FailedValidation", "validationErrors": ["backup not found"]}, "failed",
     "FailedValidation (backup not found)"),
    ("failed", {"phase": "Failed", "failureReason": "timed out"}, "failed", "velero restore logs r1"),
]


@pytest.mark.parametrize("status,state,message", [c[1:] for c in STATES], ids=[c[0] for c in STATES])
def test_restore_state(status, state, message):
    result = restore.restore_state({"metadata": {"name": "r1"}, "status": status})
    assert result["state"] == state
    assert message in result["message"]


# (id, steps, objective, within, total)
REPORTS = [
    ("within", [{"name": "Velero restore", "seconds": 420.0}, {"name": "Dify answers", "seconds": 95.5},
                {"name": "model smoke test", "seconds": 12.0}], 15, True, 527.5),
    ("over", [{"name": "Velero restore", "seconds": 1300.0}, {"name": "Dify answers", "seconds": 60.0}], 15, False, 1360.0),
    ("skipped steps do not count", [{"name": "Velero restore", "seconds": 100.0}, {"name": "Dify answers", "seconds": None}],
     15, True, 100.0),
    ("exactly the objective", [{"name": "Velero restore", "seconds": 900.0}], 15, True, 900.0),
]


@pytest.mark.parametrize("steps,objective,within,total", [c[1:] for c in REPORTS], ids=[c[0] for c in REPORTS])
def test_report_against_the_objective(steps, objective, within, total):
    result = restore.report(steps, objective)
    assert result["within_objective"] is within and result["seconds"] == total
    assert result["objective_seconds"] == objective * 60
    assert len(result["lines"]) == len(steps) + 1
    assert ("within" if within else "OVER") in result["lines"][-1]
    assert all(("skipped" in line) == (step["seconds"] is None) for line, step in zip(result["lines"], steps))


# (id, overrides, text every problem list must contain)
BAD = [
    ("backup name not a name", {"restore_backup": "Daily Backup"}, ["restore_backup"]),
    ("namespace not a label", {"restore_namespaces": ["Dify"]}, ["restore_namespaces[0]"]),
    ("policy unknown", {"restore_existing_resource_policy": "replace"}, ["restore_existing_resource_policy"]),
    ("objective zero", {"restore_objective_minutes": 0}, ["restore_objective_minutes is 0"]),
    ("dify url without scheme", {"restore_dify_url": "dify-api:5001/health"}, ["restore_dify_url is 'dify-api:5001/health'"]),
    ("report file relative", {"restore_report_file": "report.json"}, ["restore_report_file is 'report.json'"]),
    ("misspelt variable", {"restore_objective": 15}, ["restore_objective is not a setting"]),
]


@pytest.mark.parametrize("overrides,expected", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_settings(overrides, expected):
    problems = restore.restore_settings(defaults(**overrides))["problems"]
    text = "\n".join(problems)
    for part in expected:
        assert part in text, text


def test_defaults_are_good_and_build_the_restore():
    checked = restore.restore_settings(defaults(restore_namespaces=["dify"]))
    assert checked["problems"] == []
    obj = restore.restore_object("privateai-restore-1", "daily-20261129030000", checked["settings"])
    assert obj == {"apiVersion": "velero.io/v1", "kind": "Restore",
                   "metadata": {"name": "privateai-restore-1", "namespace": "velero",
                                "labels": {"app.kubernetes.io/managed-by": "privateai.deepseek_dify"}},
                   "spec": {"backupName": "daily-20261129030000", "restorePVs": True, "existingResourcePolicy": "none",
                            "includedNamespaces": ["dify"]}}
    everything = restore.restore_object("r", "b", restore.restore_settings(defaults())["settings"])
    assert "includedNamespaces" not in everything["spec"]
