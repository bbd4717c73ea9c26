# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: platform_stage
short_description: Check a platform role's settings and build its Kubernetes stage
version_added: "0.3.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the variables of one of the platform roles (C(cert_manager), C(gpu_operator), C(network_operator)) by
    name, converts each one as the role's argument spec declares it (the string C("4") is the integer 4, C(ture) is
    refused, not read as false), checks the syntax of every value written into a file or a label and every
    combination the cluster would refuse later, and builds the stage (Helm release and manifests) as data from the
    converted values.
  - Returns every problem at once, each naming the variable, the value and the fix; the stage is built only when
    there is no problem. A variable with the role's prefix that the role does not know is a problem (a misspelt name).
  - The logic lives in C(plugins/plugin_utils/k8s_platform.py); the shared syntax checks in C(plugins/plugin_utils/validate.py).
positional: role
extends_documentation_fragment:
  - privateai.deepseek_dify.stage_filter
options:
  role:
    description: The role.
    type: str
    choices: [cert_manager, gpu_operator, network_operator]
    required: true
  credentials_dir:
    description: C(privateai_credentials_dir) (cert_manager only); refused when it is a file.
    type: str
"""

EXAMPLES = r"""
- name: Check the settings and build the stage
  ansible.builtin.set_fact:
    __gpu_operator_plan: >-
      {{ dict(_names | zip(query('ansible.builtin.vars', *_names))) | privateai.deepseek_dify.platform_stage('gpu_operator') }}
  vars:
    _names: "{{ query('ansible.builtin.varnames', '^gpu_operator_') | reject('equalto', 'gpu_operator_k8s_stage') | list }}"
"""

RETURN = r"""
_value:
  description: The result.
  type: dict
  contains:
    problems: {description: Every problem, each naming the variable and the value, type: list, elements: str}
    warnings: {description: What works but deserves a look (an unchecked extra-values key, an unmirrored image), type: list, elements: str}
    enabled: {description: Whether the stage renders anything, type: bool}
    stage: {description: "C({name, releases, manifests}) for privateai.deepseek_dify.k8s_render_apply; null on problems or when disabled", type: dict}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform

_ROLES = {
    "cert_manager": k8s_platform.cert_manager_stage,
    "gpu_operator": k8s_platform.gpu_operator_stage,
    "network_operator": k8s_platform.network_operator_stage,
}


def platform_stage(variables, role, credentials_dir=None):
    if role not in _ROLES:
        raise AnsibleFilterError("platform_stage: role is %r, give one of %s" % (role, ", ".join(sorted(_ROLES))))
    settings = k8s_platform.filter_settings("platform_stage", variables, role + "_", ignore=(role + "_k8s_stage",))
    if role == "cert_manager":
        return _ROLES[role](settings, credentials_dir=k8s_platform.plain(credentials_dir))
    return _ROLES[role](settings)


class FilterModule(object):
    """Platform stages."""

    def filters(self):
        return {"platform_stage": platform_stage}
