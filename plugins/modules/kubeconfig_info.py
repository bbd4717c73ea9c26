#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kubeconfig_info
short_description: Describe one context of a kubeconfig file without revealing its credentials
version_added: "0.2.0"
description:
  - Reads a kubeconfig file on the host it runs on (the Ansible control node for the Kubernetes stages) and returns the
    context's cluster, user and namespace names and the API server URL, host and port.
  - Never returns tokens, passwords, client keys or certificates, so the result may be registered and printed.
  - A missing file, a file that is not a kubeconfig, a context the file does not have or a cluster without a server
    URL is reported in RV(problems), each naming the file and the context; with O(fail_on_problems=true) the
    module fails with all of them in one message.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.attributes.read_only
options:
  kubeconfig:
    description: Path of the kubeconfig file.
    type: path
    required: true
  context:
    description: Context to describe. Empty means the file's C(current-context).
    type: str
  fail_on_problems:
    description: Fail when a problem is found, instead of returning it in RV(problems).
    type: bool
    default: true
seealso:
  - module: kubernetes.core.k8s_cluster_info
"""

EXAMPLES = r"""
- name: Check the kubeconfig and context before touching the cluster
  privateai.deepseek_dify.kubeconfig_info:
    kubeconfig: "{{ privateai_kubeconfig }}"
    context: "{{ privateai_kube_context }}"
  register: kubeconfig

- name: Collect the problems instead of failing
  privateai.deepseek_dify.kubeconfig_info:
    kubeconfig: /etc/rancher/rke2/rke2.yaml
    context: default
    fail_on_problems: false
  register: kubeconfig
"""

RETURN = r"""
context:
  description: The context described (the file's current-context when none was given).
  returned: always
  type: str
  sample: kubernetes-admin@cluster.local
contexts:
  description: Names of every context in the file.
  returned: always
  type: list
  elements: str
cluster:
  description: Name of the context's cluster.
  returned: always
  type: str
user:
  description: Name of the context's user (the name only, never its credentials).
  returned: always
  type: str
namespace:
  description: The context's default namespace, if it sets one.
  returned: always
  type: str
server:
  description: API server URL of the context's cluster.
  returned: always
  type: str
  sample: https://k8s-api.example.internal:6443
host:
  description: Host name or address of RV(server).
  returned: always
  type: str
port:
  description: TCP port of RV(server) (443 when the URL has none).
  returned: always
  type: int
proxy_url:
  description: The cluster's C(proxy-url), when the API server is reached through a proxy.
  returned: always
  type: str
insecure:
  description: Whether the cluster entry sets C(insecure-skip-tls-verify).
  returned: always
  type: bool
problems:
  description: Every problem found, each naming the file and the context. Empty when the context is usable.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import kubeconfig as kubeconfig_utils


def main():
    module = AnsibleModule(
        argument_spec=dict(
            kubeconfig=dict(type="path", required=True),
            context=dict(type="str"),
            fail_on_problems=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    if kubeconfig_utils.yaml is None:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=kubeconfig_utils.YAML_IMPORT_ERROR)
    result = kubeconfig_utils.describe(module.params["kubeconfig"], module.params["context"])
    result.pop("path", None)
    if result["problems"] and module.params["fail_on_problems"]:
        module.fail_json(msg="; ".join(result["problems"]), **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
