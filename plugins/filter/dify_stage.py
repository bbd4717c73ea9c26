# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: dify_stage
short_description: Check the dify role's settings and build the Dify stage (database, Redis, buckets, Dify chart)
version_added: "0.5.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the variables of the C(dify) role by name, converts each one as the role's argument spec declares it, checks
    the syntax of every value written into a manifest, a Helm value or a label and what Dify would refuse later (an
    admin e-mail that is not an address, a password without letters and digits, an unsupported vector store, an
    external database without host or password Secret, a plugin package that does not exist), and builds the stage
    C(dify) as data from the converted values.
  - Returns every problem at once, each naming the variable, the value and the fix.
  - The logic lives in C(plugins/plugin_utils/k8s_dify.py).
extends_documentation_fragment:
  - privateai.deepseek_dify.stage_filter
options:
  secrets:
    description: >-
      The generated credentials by name (secret_key, plugin_daemon_key, inner_api_key, sandbox_key, init_password,
      admin_password, db_password, redis_password, weaviate_api_key), written into the Secrets marked secret; empty
      writes placeholders (for a render that does not write secrets).
    type: dict
  security:
    description: >-
      The inventory's C(security_enabled) and C(security_oidc_issuer_url) (the dify stage runs before the security
      stage): with C(dify_console_auth_enabled) the console goes behind oauth2-proxy, which needs both; missing keys
      count as the security role's defaults (enabled, no issuer).
    type: dict
"""

EXAMPLES = r"""
- name: Check the settings and build the stage
  ansible.builtin.set_fact:
    __dify_plan: "{{ dict(_names | zip(query('ansible.builtin.vars', *_names))) | privateai.deepseek_dify.dify_stage }}"
  vars:
    _names: "{{ query('ansible.builtin.varnames', '^dify_') | reject('in', ['dify_k8s_stage', 'dify_outputs']) | list }}"
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
    outputs: {description: "namespace, console/API/app URLs, admin e-mail and credential files (when a stage is built)", type: dict}
    credential_files: {description: "The file of each generated credential under dify_credentials_dir", type: dict}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_dify, k8s_platform


def dify_stage(variables, secrets=None, security=None):
    settings = k8s_platform.filter_settings("dify_stage", variables, "dify_", ignore=k8s_dify.PUBLISHED)
    if secrets is not None and not isinstance(secrets, dict):
        raise AnsibleFilterError("dify_stage: secrets is a %s, give a mapping of name to value" % type(secrets).__name__)
    if security is not None and not isinstance(security, dict):
        raise AnsibleFilterError("dify_stage: security is a %s, give a mapping of name to value" % type(security).__name__)
    result = k8s_dify.dify_stage(settings, k8s_platform.plain(secrets) or None, k8s_platform.plain(security) or {})
    result["credential_files"] = k8s_dify.credential_files(settings.get("dify_credentials_dir", "."))
    return result


def cloudnative_pg_stage(variables):
    settings = k8s_platform.filter_settings("cloudnative_pg_stage", variables, "cloudnative_pg_",
                                            ignore=("cloudnative_pg_k8s_stage",))
    return k8s_dify.cloudnative_pg_stage(settings)


class FilterModule(object):
    """The Dify stage and its PostgreSQL operator."""

    def filters(self):
        return {"dify_stage": dify_stage, "cloudnative_pg_stage": cloudnative_pg_stage}
