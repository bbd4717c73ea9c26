# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: chart_values_unknown
short_description: Keys of extra Helm values that the chart does not declare
version_added: "0.3.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Reads the chart archive (C(.tgz), with its subcharts) on the control node and returns a problem for every key
    path of the given values that neither the chart's C(values.yaml) nor its C(values.schema.json) declares; Helm would
    ignore such a key silently. Keys below free-form maps (C(nodeSelector), C(labels), C(resources), ...) and below
    maps whose default is empty are not checked.
  - Keys the chart's templates read without declaring them are allowed per chart (the list is in
    C(plugins/plugin_utils/k8s_platform.py), each entry explained in C(tests/k8s/values-allowlist.yml)).
positional: archive, variable, chart
options:
  _input:
    description: The extra values (a role's C(<role>_values_extra)).
    type: dict
    required: true
  archive:
    description: Path of the chart archive on the control node.
    type: path
    required: true
  variable:
    description: The variable the values come from, named in each problem.
    type: str
    required: true
  chart:
    description: The chart's name (selects the allowed undeclared keys).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Check gpu_operator_values_extra against the pinned chart
  ansible.builtin.set_fact:
    __problems: >-
      {{ gpu_operator_values_extra | privateai.deepseek_dify.chart_values_unknown('/srv/charts/gpu-operator-v26.7.0.tgz',
         'gpu_operator_values_extra', 'gpu-operator') }}
"""

RETURN = r"""
_value:
  description: One problem per unknown key, naming the variable and the key path; empty when every key is known.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import chart_values, k8s_platform


def chart_values_unknown(extra, archive, variable, chart):
    try:
        reference = chart_values.load_archive(archive)
    except chart_values.ChartError as err:
        raise AnsibleFilterError("chart_values_unknown: %s (checking %s): %s" % (archive, variable, err))
    return chart_values.unknown_keys(variable, extra, reference, k8s_platform.UNDECLARED_VALUES.get(chart, ()))


class FilterModule(object):
    """Helm values keys."""

    def filters(self):
        return {"chart_values_unknown": chart_values_unknown}
