#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: k8s_render_files
short_description: Write the files of Kubernetes render plans in one step, on the control node
version_added: "0.3.0"
description:
  - Takes the render plans of one or more Kubernetes stages (the C(plans) the filter
    P(privateai.deepseek_dify.k8s_render_plan#filter) returns) and writes every file of every stage in one task,
    on the Ansible control node (this is an action plugin, so it runs where C(ansible-playbook) runs, whatever host the
    task is for, and sends nothing to a target).
  - Directories C(<stage>), C(<stage>/helm) and C(<stage>/manifests) are created mode 0750. Each file is written only
    when its bytes or mode differ, to a temporary file in the same directory that is then renamed over the old one;
    mode 0600 for secrets, 0644 otherwise.
  - With O(prune), every other entry of C(<stage>/helm) and C(<stage>/manifests) is removed, so the directory holds
    exactly what would be applied.
  - Every problem that stops the write (a file where a directory must be, a directory where a file must be, a file
    outside its stage's directories, a plan with problems) is found before anything is changed and reported in one
    message.
  - The result and the diff never hold the content of a secret file (nor of any file that was mode 0600), so the task
    needs no C(no_log). The task's arguments do hold the content, so do not print them.
  - This file only documents the plugin; the code is the action plugin of the same name.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
attributes:
  check_mode:
    support: full
    details:
      - By default the files are written in check mode too (O(write_in_check_mode)), because they are the run's output and a
        dry run of the apply that follows reads them. With O(write_in_check_mode=false) check mode writes and removes
        nothing and reports what would change.
  diff_mode:
    support: full
    details:
      - Before and after text of every created, changed or removed file that is not a secret; for secrets, and for
        any file that was mode 0600 before (the mode of every secret written), only the path and mode.
  idempotent:
    support: full
options:
  plans:
    description:
      - The render plans, each with C(stage), C(dir), C(helm_dir), C(manifests_dir), C(files) (each C({path, content,
        secret})) and C(skipped_secrets), as the filter P(privateai.deepseek_dify.k8s_render_plan#filter) returns them
        in C(plans). A plan that still lists C(problems) is refused.
    type: list
    elements: dict
    required: true
  prune:
    description: Remove the entries of C(<stage>/helm) and C(<stage>/manifests) that the plan does not list.
    type: bool
    default: true
  write_in_check_mode:
    description:
      - Write the files in check mode too. Set it to V(false) to make check mode write nothing; a dry run of the apply
        then needs the files from an earlier run.
    type: bool
    default: true
seealso:
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: Plan two stages
  ansible.builtin.set_fact:
    render_plan: "{{ [stage_a, stage_b] | privateai.deepseek_dify.k8s_render_plan('/srv/render', 'render') }}"

- name: Write every file of both stages in one step
  privateai.deepseek_dify.k8s_render_files:
    plans: "{{ render_plan.plans }}"
  register: written

- name: In check mode, only report what would change
  privateai.deepseek_dify.k8s_render_files:
    plans: "{{ render_plan.plans }}"
    write_in_check_mode: false
"""

RETURN = r"""
stages:
  description: Per stage, what was done; paths are relative to the render directory (the parent of the stage's directory).
  returned: success
  type: list
  elements: dict
  contains:
    stage:
      description: Stage name.
      type: str
    dir:
      description: The stage's directory.
      type: str
    created:
      description: Files that did not exist.
      type: list
      elements: str
    updated:
      description: Files whose content or mode changed.
      type: list
      elements: str
    removed:
      description: Entries no longer rendered that were removed (O(prune)).
      type: list
      elements: str
    unchanged:
      description: Number of files already as rendered.
      type: int
    directories:
      description: Directories created or set to mode 0750.
      type: list
      elements: str
    skipped_secrets:
      description: Secret files the plan left out (render mode without secrets), not written.
      type: list
      elements: str
  sample:
    - stage: cert_manager
      dir: cert_manager
      created: []
      updated: [cert_manager/helm/cert-manager.values.yaml]
      removed: [cert_manager/manifests/04-certificate-old.yaml]
      unchanged: 4
      directories: []
      skipped_secrets: [cert_manager/manifests/02-secret-privateai-root-ca.yaml]
skipped_secrets:
  description: The C(skipped_secrets) of every stage, in one list.
  returned: success
  type: list
  elements: str
written:
  description: Whether the files were written (false in check mode with O(write_in_check_mode=false)).
  returned: success
  type: bool
problems:
  description: Every reason the plans could not be written; nothing was changed.
  returned: failure
  type: list
  elements: str
"""
