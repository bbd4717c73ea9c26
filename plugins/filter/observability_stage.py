# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: observability_stage
short_description: Check the observability role's settings and build the monitoring stage (kube-prometheus-stack, monitors, alerts)
version_added: "0.5.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the variables of the C(observability) role by name, converts each setting as the role's argument spec
    declares it, checks the syntax of every value written into a file or a label (durations, sizes, receivers, Secret
    file paths, thresholds), and builds the stage C(observability) as data from the converted values - the
    C(kube-prometheus-stack) Helm release, the Grafana admin Secret, a ServiceMonitor per scrape target and the
    C(privateai-alerts) PrometheusRule.
  - Returns every problem at once, each naming the variable, the value and the fix.
  - The logic lives in C(plugins/plugin_utils/k8s_observability.py).
extends_documentation_fragment:
  - privateai.deepseek_dify.stage_filter
options:
  owned:
    description: >-
      Scrape targets whose own stage already renders a monitor (C(dcgm_exporter), C(model_serving), C(cert_manager));
      the stage renders none for them.
    type: list
    elements: str
    default: []
  admin_password:
    description: Grafana's admin password; without it the Secret holds a placeholder (render mode writes no Secret).
    type: str
"""

EXAMPLES = r"""
- name: Check the settings and build the stage
  ansible.builtin.set_fact:
    __observability_plan: >-
      {{ dict(_names | zip(query('ansible.builtin.vars', *_names)))
         | privateai.deepseek_dify.observability_stage(['model_serving']) }}
  vars:
    _names: "{{ query('ansible.builtin.varnames', '^observability_') | list }}"
"""

RETURN = r"""
_value:
  description: The result.
  type: dict
  contains:
    problems: {description: Every problem, each naming the variable and the value, type: list, elements: str}
    warnings: {description: What works but deserves a look (no storage class, no receiver), type: list, elements: str}
    enabled: {description: Whether the stage renders anything, type: bool}
    stage: {description: "C({name, releases, manifests}) for privateai.deepseek_dify.k8s_render_apply; null on problems", type: dict}
    outputs: {description: "C(namespace), C(prometheus_url), C(alertmanager_url), C(grafana_url) (when a stage is built)", type: dict}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_observability, k8s_platform


def observability_stage(variables, owned=None, admin_password=None):
    settings = k8s_platform.filter_settings("observability_stage", variables, "observability_",
                                            ignore=k8s_observability.PUBLISHED)
    if owned is not None and not isinstance(owned, list):
        raise AnsibleFilterError("observability_stage: owned is %r, give a list of scrape target names" % (owned,))
    return k8s_observability.observability_stage(settings, k8s_platform.plain(owned or []),
                                                 k8s_platform.plain(admin_password))


class FilterModule(object):
    """Monitoring stage."""

    def filters(self):
        return {"observability_stage": observability_stage}
