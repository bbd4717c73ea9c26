# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dify_bootstrap_inputs
short_description: Check the dify_bootstrap role's settings and work out the models and defaults to set in Dify
version_added: "0.4.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the variables of the role C(dify_bootstrap) by name, converts each one as the role's argument spec declares
    it and checks it - the console URL, the admin's email address, the plugin package path, the served models - and,
    in apply mode, that the password files exist and hold passwords Dify accepts (the values are never returned).
  - Returns every problem at once, each naming the variable, the value (never a password's) and the fix.
  - The logic lives in C(plugins/plugin_utils/dify_bootstrap.py).
extends_documentation_fragment:
  - privateai.deepseek_dify.stage_filter
options:
  mode:
    description: V(apply) (Dify is contacted, the password files must exist) or V(render) (nothing is contacted).
    type: str
    default: apply
"""

EXAMPLES = r"""
- name: Check the settings
  ansible.builtin.set_fact:
    __dify_bootstrap_plan: >-
      {{ dict(_names | zip(query('ansible.builtin.vars', *_names)))
         | privateai.deepseek_dify.dify_bootstrap_inputs(mode=privateai_k8s_mode | default('apply')) }}
  vars:
    _names: "{{ query('ansible.builtin.varnames', '^dify_bootstrap_') }}"
"""

RETURN = r"""
_value:
  description: The result.
  type: dict
  contains:
    enabled: {description: Whether the role does anything, type: bool}
    contact: {description: Whether Dify is contacted (apply mode), type: bool}
    problems: {description: Every problem, type: list, elements: str}
    warnings: {description: What works but deserves a look, type: list, elements: str}
    settings: {description: The converted settings (without the dify_bootstrap_ prefix), type: dict}
    models: {description: The converted models (name, served_name, kind, base_url, max_model_len), type: list}
    defaults: {description: "Default model per Dify model type (llm, text-embedding, rerank)", type: dict}
"""

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import dify_bootstrap
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform


def dify_bootstrap_inputs(variables, mode="apply"):
    settings = k8s_platform.filter_settings("dify_bootstrap_inputs", variables, dify_bootstrap.PREFIX)
    return dify_bootstrap.bootstrap_inputs(settings, mode=k8s_platform.plain(mode))


class FilterModule(object):
    """The Dify bootstrap inputs."""

    def filters(self):
        return {"dify_bootstrap_inputs": dify_bootstrap_inputs}
