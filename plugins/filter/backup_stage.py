# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: backup_stage
short_description: Check the backup role's settings and build the backup stage (Velero, snapshot classes, daily Schedule)
version_added: "0.5.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the variables of the C(backup) role by name, converts each setting as the role's argument spec declares it,
    checks the syntax of every value written into a file, a label or the dump hook's command (cron expression, time
    zone, durations, bucket, S3 endpoint and Secret, selector labels, dump folder), and builds the stage C(backup) as
    data from the converted values - the C(velero) Helm release with its BackupStorageLocation, the bucket claim on
    the object store, VolumeSnapshotClasses for the Ceph drivers, the volume policy skipping the model weights and
    the daily Schedule with the PostgreSQL dump pre-hook.
  - Returns every problem at once, each naming the variable, the value and the fix.
  - The logic lives in C(plugins/plugin_utils/k8s_backup.py).
extends_documentation_fragment:
  - privateai.deepseek_dify.stage_filter
options: {}
"""

EXAMPLES = r"""
- name: Check the settings and build the stage
  ansible.builtin.set_fact:
    __backup_plan: "{{ dict(_names | zip(query('ansible.builtin.vars', *_names))) | privateai.deepseek_dify.backup_stage }}"
  vars:
    _names: "{{ query('ansible.builtin.varnames', '^backup_') | list }}"
"""

RETURN = r"""
_value:
  description: The result.
  type: dict
  contains:
    problems: {description: Every problem, each naming the variable and the value, type: list, elements: str}
    warnings: {description: What works but deserves a look (backups kept on the same cluster), type: list, elements: str}
    enabled: {description: Whether the stage renders anything, type: bool}
    stage: {description: "C({name, releases, manifests}) for privateai.deepseek_dify.k8s_render_apply; null on problems", type: dict}
    outputs: {description: "C(namespace), C(schedule), C(storage_location) (when a stage is built)", type: dict}
"""

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_backup, k8s_platform


def backup_stage(variables):
    settings = k8s_platform.filter_settings("backup_stage", variables, "backup_", ignore=k8s_backup.PUBLISHED)
    return k8s_backup.backup_stage(settings)


class FilterModule(object):
    """Backup stage."""

    def filters(self):
        return {"backup_stage": backup_stage}
