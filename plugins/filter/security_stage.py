# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: security_stage
short_description: Check the security role's settings and build the security stage
version_added: "0.4.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the variables of the C(security) role by name, converts each setting as the role's argument spec declares
    it, checks the syntax of every value written into a manifest and the combinations that would break the stack
    later, and builds the stage C(security) (the security namespace and the NetworkPolicies of the flow table) as
    data from the converted values.
  - Returns every problem at once, each naming the variable, the value and the fix.
  - The logic lives in C(plugins/plugin_utils/k8s_security.py).
extends_documentation_fragment:
  - privateai.deepseek_dify.stage_filter
options:
  secrets:
    description: >-
      C({client_secret, cookie_secret}) written into the oauth2-proxy credentials Secret (marked secret); without
      them it holds placeholders (a render that does not write secrets).
    type: dict
  stack:
    description: >-
      The other stages' image settings (C(gpu_operator_image_registry), C(model_serving_vllm_image),
      C(rook_ceph_image_registry), C(dify_images), C(cloudnative_pg_image_registry), ... as set);
      C(security_image_registries) must admit every image they pull. Also C(model_serving_weights_source),
      C(model_serving_weights_endpoint) and C(dify_plugin_pip_mirror_url) (a warning when the weights Jobs or the
      plugin daemon would need egress nothing opens). Also the platform stages' C(<role>_enabled) settings, which
      decide the platform namespaces that are default-denied, and C(rook_ceph_mode), C(backup_location),
      C(backup_s3), C(observability_alert_receivers) (the platform flows they need).
    type: dict
  require_secrets:
    description: Refuse a missing OIDC client secret (apply mode, or a render that writes secrets).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Check the settings and build the stage
  ansible.builtin.set_fact:
    __security_plan: "{{ dict(_names | zip(query('ansible.builtin.vars', *_names))) | privateai.deepseek_dify.security_stage }}"
  vars:
    _names: "{{ query('ansible.builtin.varnames', '^security_') | list }}"
"""

RETURN = r"""
_value:
  description: The result.
  type: dict
  contains:
    problems: {description: Every problem, each naming the variable and the value, type: list, elements: str}
    warnings: {description: What works but deserves a look, type: list, elements: str}
    enabled: {description: Whether the stage renders anything, type: bool}
    stage: {description: "C({name, releases, manifests}) for privateai.deepseek_dify.k8s_render_apply; null on problems", type: dict}
    outputs: {description: "C(namespace) and C(flows) (the flow table of this inventory) when a stage is built", type: dict}
"""

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform, k8s_security


def security_stage(variables, secrets=None, require_secrets=False, stack=None):
    settings = k8s_platform.filter_settings("security_stage", variables, "security_",
                                            ignore=k8s_security.PUBLISHED + k8s_security.TASK_ONLY)
    stack = k8s_platform.plain(stack or {})
    return k8s_security.security_stage(settings, secrets=k8s_platform.plain(secrets) or None,
                                       require_secrets=bool(require_secrets),
                                       stack_images=k8s_security.stack_images(stack, settings),
                                       stack=dict((k, v) for k, v in stack.items()
                                                  if k in k8s_security.EGRESS_VARIABLES + k8s_security.PLATFORM_VARIABLES
                                                  and not (isinstance(v, str) and "{{" in v)))


class FilterModule(object):
    """Security stage."""

    def filters(self):
        return {"security_stage": security_stage}
