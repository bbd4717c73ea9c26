#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kube_apiserver_security_info
short_description: Report whether a control-plane node's kube-apiserver runs with the audit Policy and the encryption config
version_added: "0.4.0"
description:
  - Reads the running kube-apiserver's command line (C(/proc/<pid>/cmdline)), else the static Pod manifest of
    kubeadm/Kubespray (C(/etc/kubernetes/manifests/kube-apiserver.yaml)) or RKE2
    (C(/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml)), and reports its audit and encryption-at-rest
    flags against the files the security stage renders.
  - Read-only; never fails on what it finds (see RV(problems)).
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.attributes.read_only
options:
  audit_policy_path:
    description: Where the audit Policy should be (C(--audit-policy-file)); empty does not check it.
    type: str
    default: ""
  encryption_config_path:
    description: Where the EncryptionConfiguration should be (C(--encryption-provider-config)); empty does not check it.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Does the API server audit and encrypt Secrets as rendered?
  privateai.deepseek_dify.kube_apiserver_security_info:
    audit_policy_path: /etc/kubernetes/audit-policy.yaml
    encryption_config_path: /etc/kubernetes/encryption-config.yaml
  register: apiserver
"""

RETURN = r"""
found:
  description: Whether a kube-apiserver process or static Pod manifest was found.
  returned: always
  type: bool
source:
  description: C(process), or the manifest read.
  returned: always
  type: str
audit:
  description: The audit flags, C(policy_file), C(active) (a policy and a log or webhook), C(expected), C(matches).
  returned: always
  type: dict
encryption:
  description: The encryption flags, C(config_file), C(active), C(expected), C(matches).
  returned: always
  type: dict
problems:
  description: What differs from the rendered files, each naming the flag, the path and the variable.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import apiserver_flags


def main():
    module = AnsibleModule(
        argument_spec=dict(audit_policy_path=dict(type="str", default=""),
                           encryption_config_path=dict(type="str", default="")),
        supports_check_mode=True,
    )
    if apiserver_flags.yaml is None:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=apiserver_flags.YAML_IMPORT_ERROR)
    result = apiserver_flags.inspect(module.params["audit_policy_path"], module.params["encryption_config_path"])
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
