# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: node_maintenance_route
short_description: Decide how a node that needs a reboot is rebooted - plainly, drained through the maintenance, or not
version_added: "0.5.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the node's pending reboot reasons and the control host's cluster checks and returns the route - C(none) (no
    reason pending), C(plain) (roles/node_reboot; no cluster configured, or the node is not one of its Nodes), C(drain)
    (cordon, drain, reboot, GPU gate, Ready, uncordon through roles/node_maintenance; a registered Node), or C(stop)
    (a cluster is configured but its API did not answer, and O(allow_without_api) is false).
  - With O(driver_planned) it decides instead, BEFORE any package changes, how the driver stage installs a driver
    change - C(live) (in place - the packages do not change, a first install, not part of a cluster, or not a registered
    Node), C(drain) (cordon, drain, install, reboot, GPU gate, Ready, uncordon through roles/node_maintenance with the
    driver_upgrade action) or C(stop) (a cluster is configured but its API did not answer, and O(allow_without_api) is
    false); the result then carries C(change) (C(first), C(none) or C(change)) and C(changes) instead of C(reasons).
  - The logic lives in C(plugins/plugin_utils/node_maintenance.py) (C(cluster_state), C(reboot_route),
    C(driver_change), C(driver_route)).
options:
  _input:
    description:
      - The reasons still pending on the node (C(privateai_reboot_reasons) less C(node_reboot_resolved)).
      - Not used with O(driver_planned) (give an empty list).
    type: list
    elements: str
    required: true
  host:
    description: The inventory host.
    type: str
    required: true
  node:
    description: Its Kubernetes node name.
    type: str
    required: true
  mode:
    description: C(privateai_k8s_mode); anything but C(apply) means no cluster.
    type: str
    default: apply
  kubeconfig_path:
    description: C(privateai_kubeconfig); empty means no cluster.
    type: str
    default: ""
  kubeconfig_exists:
    description: Whether that file exists on the control host (absent - no cluster yet).
    type: bool
    default: false
  kubeconfig:
    description: Registered result of M(privateai.deepseek_dify.kubeconfig_info) (C(problems), C(server), C(host), C(port), C(context)).
    type: dict
  tcp:
    description: Registered result of M(ansible.builtin.wait_for) for the API server (C(state) only on success).
    type: dict
  lookup:
    description: Registered result of M(kubernetes.core.k8s_info) for the Node (C(resources) on an answer).
    type: dict
  allow_without_api:
    description: C(node_maintenance_reboot_without_api) - reboot plainly when the API does not answer.
    type: bool
    default: false
  api_timeout:
    description: Seconds the TCP wait waited, named in the message.
    type: int
    default: 10
  driver_installed:
    description: The node's installed driver packages (C(packages) of M(privateai.deepseek_dify.nvidia_driver_info)).
    type: dict
  driver_planned:
    description:
      - The exact driver package versions the stage would install (C(packages) of
        M(privateai.deepseek_dify.apt_package_versions)); given, the filter decides the driver change's route.
    type: dict
"""

EXAMPLES = r"""
- name: Decide the route of this node's reboot
  ansible.builtin.set_fact:
    route: >-
      {{ ['nvidia_driver: the nvidia kernel module 580.105.08 is installed but not loaded']
         | privateai.deepseek_dify.node_maintenance_route(host=inventory_hostname, node='gpu01', mode='apply',
             kubeconfig_path='/srv/kubeconfig', kubeconfig_exists=true, kubeconfig=kc, tcp=tcp, lookup=node_info) }}

- name: Decide, before any package changes, how this node's driver change is installed
  ansible.builtin.set_fact:
    driver_route: >-
      {{ [] | privateai.deepseek_dify.node_maintenance_route(host=inventory_hostname, node='gpu01', mode='apply',
             kubeconfig_path='/srv/kubeconfig', kubeconfig_exists=true, kubeconfig=kc, tcp=tcp, lookup=node_info,
             driver_installed=driver_before.packages, driver_planned=driver_plan.packages) }}
"""

RETURN = r"""
_value:
  description: The route.
  type: dict
  contains:
    route: {description: "C(none), C(plain), C(drain) or C(stop); with O(driver_planned) C(live), C(drain) or C(stop)", type: str}
    node: {description: The Kubernetes node name, type: str}
    reasons: {description: The pending reasons (not with O(driver_planned)), type: list, elements: str}
    change: {description: "With O(driver_planned) - C(first) (no driver package installed), C(none) or C(change)", type: str}
    changes: {description: "With O(driver_planned) - each package that moves, C(name old -> new)", type: list, elements: str}
    why: {description: Why this route, type: str}
    message: {description: "One line for the operator; for C(stop) it names the node, the API server and the fix", type: str}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform, node_maintenance


def node_maintenance_route(reasons, host, node, mode="apply", kubeconfig_path="", kubeconfig_exists=False, kubeconfig=None,
                           tcp=None, lookup=None, allow_without_api=False, api_timeout=10, driver_installed=None,
                           driver_planned=None):
    if not isinstance(reasons, list):
        raise AnsibleFilterError("node_maintenance_route: give the pending reboot reasons as a list")
    cluster = node_maintenance.cluster_state(str(mode), str(kubeconfig_path or ""), bool(kubeconfig_exists),
                                             k8s_platform.plain(kubeconfig), k8s_platform.plain(tcp), api_timeout)
    if driver_planned is not None:
        change = node_maintenance.driver_change(k8s_platform.plain(driver_installed), k8s_platform.plain(driver_planned))
        out = node_maintenance.driver_route(str(host), str(node), change, cluster, k8s_platform.plain(lookup),
                                            bool(allow_without_api))
        out["change"] = change["state"]
        return out
    return node_maintenance.reboot_route(str(host), str(node), k8s_platform.plain(reasons), cluster,
                                         k8s_platform.plain(lookup), bool(allow_without_api))


class FilterModule(object):
    """Route of a node's reboot."""

    def filters(self):
        return {"node_maintenance_route": node_maintenance_route}
