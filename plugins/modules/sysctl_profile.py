#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: sysctl_profile
short_description: Persist a set of kernel parameters in one sysctl.d file and apply the ones that drifted
version_added: "0.1.0"
description:
  - Writes every key of O(settings) to one file under C(/etc/sysctl.d) (sorted, byte-identical across runs)
    and writes to C(/proc/sys) only the keys whose live value differs from the wanted one.
  - Reads and applies the whole profile in one module call, where M(ansible.posix.sysctl) takes one call
    per key; on fifty nodes with a dozen keys that is the difference between seconds and minutes.
  - Keys the running kernel does not expose (a module not loaded, a key that is not namespaced inside a
    container) are reported by name with the reason, and fail the task or warn as O(unavailable) says.
  - Inside a container use O(scope=namespaced), so only C(net.*) keys are written and the host's
    C(vm.*), C(kernel.*) and C(fs.*) values are never touched.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  settings:
    description:
      - Kernel parameters and their wanted values, for example C(net.ipv4.tcp_congestion_control=bbr).
      - Values with several fields (C(net.ipv4.tcp_rmem)) are given as one string or as a list; they are compared
        with the live value field by field, whatever the whitespace.
    type: dict
    required: true
  path:
    description: The sysctl.d file that persists O(settings) across reboots.
    type: path
    default: /etc/sysctl.d/90-privateai.conf
  apply:
    description: Write drifted keys to the running kernel. With V(false) only the file is managed.
    type: bool
    default: true
  scope:
    description:
      - V(all) applies every key (a host).
      - V(namespaced) applies only C(net.*) keys and reports the rest as owned by the host (a container).
    type: str
    choices: [all, namespaced]
    default: all
  unavailable:
    description:
      - What to do when keys cannot be applied here.
      - V(fail) fails before the file is written (for keys the kernel does not expose) naming every such key.
      - V(warn) persists and applies what it can and warns with the list.
    type: str
    choices: [fail, warn]
    default: fail
  header:
    description: Comment written at the top of the file.
    type: str
    default: Managed by Ansible (privateai.deepseek_dify). Local changes are overwritten.
  proc_sys_root:
    description: Root of the sysctl tree. Only tests change it.
    type: path
    default: /proc/sys
notes:
  - Applying a key changes the running kernel at once; C(net.core.default_qdisc) affects only queueing disciplines
    created afterwards (new interfaces, or after a reboot).
seealso:
  - module: ansible.posix.sysctl
"""

EXAMPLES = r"""
- name: Persist and apply network tuning for GPU/RDMA nodes
  privateai.deepseek_dify.sysctl_profile:
    path: /etc/sysctl.d/90-privateai-baseline.conf
    settings:
      net.core.default_qdisc: fq
      net.ipv4.tcp_congestion_control: bbr
      net.ipv4.tcp_rmem: "4096 87380 134217728"

- name: Same profile inside a container, where only net.* belongs to us
  privateai.deepseek_dify.sysctl_profile:
    settings: "{{ my_sysctls }}"
    scope: namespaced
    unavailable: warn
"""

RETURN = r"""
file_changed:
  description: Whether the persisted file was (or in check mode would be) rewritten.
  returned: always
  type: bool
applied:
  description: Keys written to the running kernel, with their value before and after.
  returned: always
  type: dict
  sample: {"net.ipv4.tcp_congestion_control": {"before": "cubic", "after": "bbr"}}
in_sync:
  description: Keys already at the wanted value.
  returned: always
  type: list
  elements: str
unavailable:
  description: Keys persisted but not applied here, each with the reason.
  returned: always
  type: dict
  sample: {"net.core.netdev_max_backlog": "absent", "vm.swappiness": "host-owned"}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import sysctl as sysctl_utils


def main():
    module = AnsibleModule(
        argument_spec=dict(
            settings=dict(type="dict", required=True),
            path=dict(type="path", default="/etc/sysctl.d/90-privateai.conf"),
            apply=dict(type="bool", default=True),
            scope=dict(type="str", choices=["all", "namespaced"], default="all"),
            unavailable=dict(type="str", choices=["fail", "warn"], default="fail"),
            header=dict(type="str", default="Managed by Ansible (privateai.deepseek_dify). Local changes are overwritten."),
            proc_sys_root=dict(type="path", default="/proc/sys"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        result, warning = sysctl_utils.ensure_profile(
            params["settings"], params["path"], params["header"], apply_live=params["apply"], scope=params["scope"],
            unavailable_mode=params["unavailable"], proc_sys_root=params["proc_sys_root"], check_mode=module.check_mode,
            diff=module._diff, atomic_move=module.atomic_move)
    except sysctl_utils.SysctlProfileFailure as exc:
        module.fail_json(msg=to_native(exc), **exc.details)
    if warning:
        module.warn(warning)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
