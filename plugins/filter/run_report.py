# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: run_report
short_description: The run report (JSON, Markdown, self-contained HTML with a GPU topology picture) from the run's facts
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Builds the report of a run as data (per node GPUs, driver, NVLink or NVSwitch and NIC topology, health
    findings, RDMA ports, reboots; the serving plan per model with its memory per GPU; endpoints; the paths of the
    credential files, never their content; what changed per stage; every warning) and renders it as JSON, Markdown
    and one HTML page with an inline SVG per node, without external fonts or scripts.
  - HTML and SVG are built as element trees and every value is escaped (plugins/plugin_utils/run_report.py).
options:
  _input:
    description:
      - "C({inventory, generated, failed, nodes, stages, selected, changes, serving_plan, endpoints, credentials,
        warnings}); C(nodes) items C({name, gate, summary, rdma_ports, reboot_reasons, rebooted}) where C(gate) is
        what M(privateai.deepseek_dify.gpu_gate_info) returned (published by the GPU gate as C(gpu_validate_gate))."
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Build the report
  ansible.builtin.set_fact:
    report: "{{ inputs | privateai.deepseek_dify.run_report }}"
"""

RETURN = r"""
_value:
  description: C({report, json, markdown, html, stats}); C(stats) is the summary for C(set_stats).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.run_report import from_run


def run_report(inputs):
    try:
        return from_run(inputs)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("run_report: %s" % exc)


class FilterModule(object):
    """The run report."""

    def filters(self):
        return {"run_report": run_report}
