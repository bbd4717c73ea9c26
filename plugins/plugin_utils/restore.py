# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of playbooks/restore.yml (role restore): its settings, which backup to restore, the Velero Restore
object, how far a restore got, and the report against the recovery time objective.

- ``restore_settings(settings)``: converts and checks the role's variables; ``{problems, settings}``;
- ``pick_backup(backups, name, schedule)``: the named backup, or the newest Completed one (of the schedule);
  ``{name, problem, completed}``;
- ``restore_object(name, backup, settings)``: the ``velero.io/v1`` Restore as data;
- ``restore_state(restore)``: ``{state: running|done|failed, phase, message}`` of a Restore read back;
- ``report(steps, objective_minutes)``: the time each step took, the total against the objective, as data and lines.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

SCHEDULE_LABEL = "velero.io/schedule-name"
RUNNING = ("", "New", "InProgress", "WaitingForPluginOperations", "WaitingForPluginOperationsPartiallyFailed",
           "Finalizing", "FinalizingPartiallyFailed")
DONE = ("Completed",)
POLICIES = ("none", "update")


def restore_settings(settings):
    reader = v.Reader(dict(settings))
    s = {}
    s["backup"] = reader.read("restore_backup", v.to_str)
    if s["backup"]:
        reader.add(v.check_dns_subdomain("restore_backup", s["backup"]))
    s["schedule"] = reader.read("restore_schedule", v.to_str)
    if s["schedule"]:
        reader.add(v.check_dns_subdomain("restore_schedule", s["schedule"]))
    s["namespaces"] = reader.read("restore_namespaces", v.to_list)
    for index, name in enumerate(s["namespaces"] or []):
        reader.add(v.check_dns_label("restore_namespaces[%d]" % index, name))
    s["velero_namespace"] = reader.read("restore_velero_namespace", v.to_str, check=v.check_dns_label)
    s["existing_resource_policy"] = reader.read("restore_existing_resource_policy", v.to_choice, POLICIES)
    for name, low in (("objective_minutes", 1), ("wait_timeout", 60), ("dify_timeout", 10)):
        s[name] = reader.read("restore_" + name, v.to_int)
        if s[name] is not None and s[name] < low:
            reader.add(["restore_%s is %d: give %d or more" % (name, s[name], low)])
    s["dify_url"] = reader.read("restore_dify_url", v.to_str)
    if s["dify_url"] and (not s["dify_url"].startswith(("http://", "https://")) or v.one_line(s["dify_url"])):
        reader.add(["restore_dify_url is '%s': give the URL Dify's API answers on, such as "
                    "http://dify-api.dify.svc:5001/health, or empty to skip that check" % s["dify_url"]])
    s["smoke_test"] = reader.read("restore_smoke_test", v.to_bool)
    s["report_file"] = reader.read("restore_report_file", v.to_str)
    if s["report_file"] and v.absolute_path(s["report_file"]) is not None:
        reader.add(["restore_report_file is '%s': it %s, or empty" % (s["report_file"],
                                                                      v.absolute_path(s["report_file"]))])
    for name in reader.unread():
        reader.add(["%s is not a setting of the restore (a misspelt variable would be ignored): remove or correct it"
                    % name])
    return {"problems": reader.problems, "settings": s}


def _phase(item):
    return ((item or {}).get("status") or {}).get("phase") or ""


def _name(item):
    return ((item or {}).get("metadata") or {}).get("name") or ""


def _finished(item):
    status = (item or {}).get("status") or {}
    return status.get("completionTimestamp") or status.get("startTimestamp") or ""


def pick_backup(backups, name="", schedule=""):
    """The backup to restore: ``name`` when given (it must have completed), else the newest Completed backup, of
    ``schedule`` when given. Velero's timestamps are RFC 3339 in UTC, so they sort as text."""
    items = [b for b in backups or [] if isinstance(b, dict)]
    completed = sorted((b for b in items if _phase(b) in DONE), key=lambda b: (_finished(b), _name(b)))
    summary = ", ".join("%s (%s)" % (_name(b), _phase(b) or "no phase") for b in
                        sorted(items, key=lambda b: (_finished(b), _name(b)))[-5:]) or "none"
    if name:
        found = [b for b in items if _name(b) == name]
        if not found:
            return {"name": None, "completed": None,
                    "problem": "restore_backup is '%s': Velero has no backup of that name (newest: %s); give one of "
                               "velero backup get, or leave it empty for the newest completed" % (name, summary)}
        if _phase(found[0]) not in DONE:
            phase = _phase(found[0]) or "without a phase"
            return {"name": None, "completed": None,
                    "problem": "restore_backup is '%s': that backup is %s, not Completed; give a completed one "
                               "(velero backup describe %s says what failed)" % (name, phase, name)}
        return {"name": name, "completed": _finished(found[0]), "problem": None}
    if schedule:
        completed = [b for b in completed if ((b.get("metadata") or {}).get("labels") or {}).get(SCHEDULE_LABEL) == schedule]
    if not completed:
        return {"name": None, "completed": None,
                "problem": "no completed backup%s to restore (newest: %s): run playbooks/backup.yml and wait for the "
                           "schedule, or velero backup create --from-schedule %s" % (
                               " of schedule %s" % schedule if schedule else "", summary, schedule or "daily")}
    latest = completed[-1]
    return {"name": _name(latest), "completed": _finished(latest), "problem": None}


def restore_object(name, backup, s):
    spec = {"backupName": backup, "restorePVs": True,
            "existingResourcePolicy": s["existing_resource_policy"]}
    if s["namespaces"]:
        spec["includedNamespaces"] = list(s["namespaces"])
    return {"apiVersion": "velero.io/v1", "kind": "Restore",
            "metadata": {"name": name, "namespace": s["velero_namespace"],
                         "labels": {"app.kubernetes.io/managed-by": "privateai.deepseek_dify"}},
            "spec": spec}


def restore_state(restore):
    """How far a Restore read back from the cluster got."""
    phase = _phase(restore)
    status = (restore or {}).get("status") or {}
    if phase in RUNNING:
        return {"state": "running", "phase": phase or "New", "message": "restore is %s" % (phase or "not started yet")}
    if phase in DONE:
        warnings = status.get("warnings", 0)
        return {"state": "done", "phase": phase,
                "message": "restore completed%s" % (" with %d warning(s)" % warnings if warnings else "")}
    detail = []
    if status.get("failureReason"):
        detail.append(status["failureReason"])
    for error in status.get("validationErrors") or []:
        detail.append(error)
    if status.get("errors"):
        detail.append("%d error(s)" % status["errors"])
    return {"state": "failed", "phase": phase,
            "message": "restore %s is %s%s: velero restore describe %s --details and velero restore logs %s say why"
                       % (_name(restore), phase, " (%s)" % "; ".join(str(d) for d in detail) if detail else "",
                          _name(restore), _name(restore))}


def report(steps, objective_minutes):
    """``steps``: [{name, seconds}] in order (seconds None: skipped). The total against the objective."""
    total = sum(step["seconds"] for step in steps if step.get("seconds") is not None)
    objective = objective_minutes * 60
    within = total <= objective
    lines = ["%-34s %s" % (step["name"], "skipped" if step.get("seconds") is None else "%6.0f s" % step["seconds"])
             for step in steps]
    lines.append("%-34s %6.0f s (%.1f min) %s the %d-minute objective" % (
        "total", total, total / 60.0, "within" if within else "OVER", objective_minutes))
    return {"seconds": round(total, 1), "objective_seconds": objective, "within_objective": within,
            "steps": [dict(step) for step in steps], "lines": lines}
