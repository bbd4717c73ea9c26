# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: k8s_apply_problems
short_description: The problems the apply preflight of a Kubernetes stage found, from its task results
version_added: "0.3.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the registered result of M(privateai.deepseek_dify.kubeconfig_info) and, as options, those of the TCP wait
    for the API server, the version request, C(helm version) and C(helm show chart) per release, and returns every
    problem as one list of messages, each naming the server, context, kubeconfig file, chart or version and the fix.
  - A task skipped because an earlier one failed adds nothing; the earlier problem is the one reported.
  - Used by the role privateai.deepseek_dify.k8s_render_apply before anything is applied.
positional: tcp, cluster, helm, charts
options:
  _input:
    description: Registered result of M(privateai.deepseek_dify.kubeconfig_info) (C(problems), C(server), C(host), C(port), C(context)).
    type: dict
    required: true
  tcp:
    description: Registered result of M(ansible.builtin.wait_for) for the API server's host and port (C(state) only on success).
    type: dict
  cluster:
    description: Registered result of M(kubernetes.core.k8s_cluster_info) (C(version.server.kubernetes) on success).
    type: dict
  helm:
    description: Registered result of C(helm version --short) (C(rc), C(stderr)).
    type: dict
  charts:
    description: Registered loop result of C(helm show chart) over the releases (C(results), each with C(item), C(rc), C(stdout)).
    type: dict
  kubeconfig_path:
    description: The kubeconfig file, named in the messages.
    type: str
    default: ""
  min_version:
    description: Oldest Kubernetes version accepted, C(MAJOR.MINOR).
    type: str
    default: "1.30"
  api_timeout:
    description: Seconds the TCP wait waited, named in the message.
    type: int
    default: 10
  helm_binary:
    description: The helm binary, named in the message.
    type: str
    default: helm
"""

EXAMPLES = r"""
- name: Assert the cluster, helm and every chart are ready
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join('; ') }}"
  vars:
    problems: >-
      {{ kubeconfig_result | privateai.deepseek_dify.k8s_apply_problems(tcp=tcp_result, cluster=cluster_result,
         helm=helm_result, charts=charts_result, kubeconfig_path=privateai_kubeconfig) }}
"""

RETURN = r"""
_value:
  description: The problems, in the order the checks ran; empty when the cluster, helm and every chart are ready.
  type: list
  elements: str
"""

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_apply_preflight


def k8s_apply_problems(kubeconfig, tcp=None, cluster=None, helm=None, charts=None, kubeconfig_path="", min_version="1.30",
                       api_timeout=10, helm_binary="helm"):
    return k8s_apply_preflight.preflight_problems(
        kubeconfig, tcp=tcp, cluster=cluster, helm=helm, charts=charts, kubeconfig_path=str(kubeconfig_path),
        min_version=str(min_version), api_timeout=api_timeout, helm_binary=str(helm_binary))


class FilterModule(object):
    """Problems of the apply preflight of privateai.deepseek_dify.k8s_render_apply."""

    def filters(self):
        return {"k8s_apply_problems": k8s_apply_problems}
