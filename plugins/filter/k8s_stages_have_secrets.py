# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: k8s_stages_have_secrets
short_description: Whether Kubernetes stages hold secrets
version_added: "0.3.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - True when any manifest of the stages is a C(Secret) object or marked C(secret), or any Helm release is marked
    C(secret), the rule the filter P(privateai.deepseek_dify.k8s_render_plan#filter) uses for file modes and for
    leaving secrets out in render mode.
  - The role privateai.deepseek_dify.k8s_render_apply hides the task that plans the stages (C(no_log)) when so.
  - Malformed stages are not an error here; the plan reports them.
options:
  _input:
    description: The stages, each C({name, releases, manifests}).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Plan the stages, not logged when they hold secrets
  ansible.builtin.set_fact:
    plan: "{{ stages | privateai.deepseek_dify.k8s_render_plan('/srv/render', 'apply') }}"
  no_log: "{{ stages | privateai.deepseek_dify.k8s_stages_have_secrets }}"
"""

RETURN = r"""
_value:
  description: Whether any stage holds a secret.
  type: bool
"""

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_render


def k8s_stages_have_secrets(stages):
    return k8s_render.stages_have_secrets(stages)


class FilterModule(object):
    """Whether Kubernetes stages hold secrets."""

    def filters(self):
        return {"k8s_stages_have_secrets": k8s_stages_have_secrets}
