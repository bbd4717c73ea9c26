# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: awx_objects
short_description: The AWX objects of the site (credential types, project, job templates, workflow, surveys, notifications)
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Builds, from the stage list C(privateai_stages), the parameters of every awx.awx module call of
    C(playbooks/awx_configure.yml) - one job template per stage (plus the preflight and the run report), the workflow
    chaining them in C(site.yml) order (the run report after any failure), surveys for the model and the driver
    version, the limit as a launch prompt, credential types for a kubeconfig and a HashiCorp Vault token, and the
    notifications.
  - Problems of the settings are returned in C(problems), each naming the variable and the value.
positional: settings
options:
  _input:
    description: The stages (C(privateai_stages)).
    type: list
    elements: dict
    required: true
  settings:
    description: C({organization, project, scm_url, scm_branch, inventory, execution_environment, credentials, notifications, prefix}).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The AWX objects
  ansible.builtin.set_fact:
    awx: "{{ privateai_stages | privateai.deepseek_dify.awx_objects({'organization': 'Default', 'project': 'privateai',
             'scm_url': 'https://git.example.org/privateai.git', 'inventory': 'prod'}) }}"
"""

RETURN = r"""
_value:
  description: C({problems, credential_types, project, job_templates, workflow, notifications}).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.awx_config import awx_objects as _awx_objects


def awx_objects(stages, settings):
    if not isinstance(stages, list) or not isinstance(settings, dict):
        raise AnsibleFilterError("awx_objects: give the stage list and a settings mapping")
    return _awx_objects(stages, settings)


class FilterModule(object):
    """AWX as code."""

    def filters(self):
        return {"awx_objects": awx_objects}
