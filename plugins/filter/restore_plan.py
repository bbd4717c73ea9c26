# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: restore_plan
short_description: Check the restore settings, pick the backup to restore and build the Velero Restore
version_added: "0.5.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the variables of the C(restore) role by name and converts and checks each (backup and schedule names,
    namespaces, durations, URLs), every problem at once.
  - Given the Velero Backups read from the cluster, picks the named backup (it must have completed) or the newest
    completed one of C(restore_schedule), and builds the C(velero.io/v1) Restore named O(restore_name) as data.
  - The logic lives in C(plugins/plugin_utils/restore.py).
extends_documentation_fragment:
  - privateai.deepseek_dify.stage_filter
options:
  backups:
    description: The Velero Backup objects (C(resources) of C(kubernetes.core.k8s_info)); omitted - the settings only.
    type: list
    elements: dict
  restore_name:
    description: Name of the Restore to build.
    type: str
"""

EXAMPLES = r"""
- name: Pick the backup
  ansible.builtin.set_fact:
    __restore_plan: "{{ restore_vars | privateai.deepseek_dify.restore_plan(__backups.resources, 'daily-restore-1') }}"
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    problems: {description: Every problem, each naming the variable and the value, type: list, elements: str}
    settings: {description: The converted settings, type: dict}
    backup: {description: "C({name, completed}) of the backup to restore (with O(backups))", type: dict}
    restore: {description: The Restore object (with O(backups) and no problem), type: dict}
"""

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform, restore


def restore_plan(variables, backups=None, restore_name=None):
    checked = restore.restore_settings(k8s_platform.filter_settings("restore_plan", variables, "restore_",
                                                                    ignore=("restore_outputs",)))
    out = {"problems": list(checked["problems"]), "settings": checked["settings"], "backup": None, "restore": None}
    if backups is None or out["problems"]:
        return out
    s = checked["settings"]
    picked = restore.pick_backup(k8s_platform.plain(backups), s["backup"], "" if s["backup"] else s["schedule"])
    out["backup"] = {"name": picked["name"], "completed": picked["completed"]}
    if picked["problem"]:
        out["problems"].append(picked["problem"])
    else:
        out["restore"] = restore.restore_object(restore_name, picked["name"], s)
    return out


class FilterModule(object):
    """Restore."""

    def filters(self):
        return {"restore_plan": restore_plan}
