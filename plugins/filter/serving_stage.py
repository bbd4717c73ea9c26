# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: serving_stage
short_description: Check the model serving role's settings, plan the models and build the serving stage
version_added: "0.4.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the variables of the role C(model_serving) by name, converts each one as the role's argument spec declares
    it, checks the syntax of every value written into a manifest, plans the models with the serving planner
    (C(plugins/module_utils/serving_planner.py)) and builds the stage (LeaderWorkerSet controller release when a model
    spans nodes, Namespace, API key Secret, weights volume and download Jobs, Deployments or LeaderWorkerSets,
    Services, PodDisruptionBudgets, ServiceMonitors) as data from the converted values and the plan.
  - Returns every problem at once, each naming the variable, the value and the fix; a model the planner refuses is a
    problem naming the model and the numbers. The stage is built only when there is no problem.
  - The logic lives in C(plugins/plugin_utils/k8s_serving.py).
extends_documentation_fragment:
  - privateai.deepseek_dify.stage_filter
options:
  api_key:
    description: The engines' API key, written into the Secret marked secret; empty writes a placeholder (for a render
      that does not write secrets).
    type: str
"""

EXAMPLES = r"""
- name: Check the settings, plan the models and build the stage
  ansible.builtin.set_fact:
    __model_serving_plan: >-
      {{ dict(_names | zip(query('ansible.builtin.vars', *_names))) | privateai.deepseek_dify.serving_stage }}
  vars:
    _names: "{{ query('ansible.builtin.varnames', '^model_serving_') | reject('equalto', 'model_serving_k8s_stage') | list }}"
"""

RETURN = r"""
_value:
  description: The result.
  type: dict
  contains:
    problems: {description: Every problem, each naming the variable and the value, type: list, elements: str}
    warnings: {description: What works but deserves a look, type: list, elements: str}
    enabled: {description: Whether the stage renders anything, type: bool}
    plan: {description: The serving plan (as the serving_plan module returns it); null on problems, type: dict}
    stage: {description: "C({name, releases, manifests}) for privateai.deepseek_dify.k8s_render_apply; null on problems", type: dict}
    outputs:
      description:
        - "What later stages read (C(model_serving_outputs)): C({namespace, api_key_secret: {name, key}, api_key_file,
          models: [{name, served_name, kind, base_url, max_model_len, reasoning}]}); empty when the stage is off or on
          problems."
      type: dict
"""

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_serving


def serving_stage(variables, api_key=None):
    settings = k8s_platform.filter_settings("serving_stage", variables, "model_serving_", ignore=k8s_serving.PUBLISHED)
    return k8s_serving.serving_stage(settings, api_key=k8s_platform.plain(api_key) or None)


class FilterModule(object):
    """The model serving stage."""

    def filters(self):
        return {"serving_stage": serving_stage}
