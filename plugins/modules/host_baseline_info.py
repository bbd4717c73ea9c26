#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: host_baseline_info
short_description: Read, in one call, the state of everything the host baseline manages
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Resolves host names, fingerprints files, checks directories, and reads dpkg package and systemd unit states, so
    the host_baseline role can compare the node with the wanted state in one round trip and act only where it differs.
  - Read-only; it never changes the node.
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.attributes.read_only
options:
  names:
    description: Host names to resolve the way NCCL, Ray and kubelet do (C(/etc/hosts), then DNS).
    type: list
    elements: str
    default: []
  files:
    description: Files to fingerprint.
    type: list
    elements: path
    default: []
  dirs:
    description: Directories whose existence to report.
    type: list
    elements: path
    default: []
  packages:
    description: Debian packages whose dpkg status to report.
    type: list
    elements: str
    default: []
  units:
    description: systemd units whose active and enabled states to report.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Read what the baseline manages
  privateai.deepseek_dify.host_baseline_info:
    names: ["{{ ansible_facts.hostname }}"]
    files: [/etc/chrony/chrony.conf]
    dirs: [/etc/chrony]
    packages: [chrony]
    units: [chrony]
  register: __host_baseline_probe
"""

RETURN = r"""
names:
  description: Each name's first address, or null when it does not resolve.
  returned: always
  type: dict
  sample: {"gpu01": "10.0.0.11", "gpu99.invalid": null}
files:
  description: Each file's C(<sha1> <mode> <owner> <group>), or null when it does not exist.
  returned: always
  type: dict
  sample: {"/etc/chrony/chrony.conf": "5f1d... 0644 root root"}
dirs:
  description: Whether each directory exists.
  returned: always
  type: dict
  sample: {"/etc/chrony": true}
packages:
  description: Each package's dpkg status word (C(installed), C(config-files), ...), or null when dpkg does not know it.
  returned: always
  type: dict
  sample: {"chrony": "installed", "logrotate": null}
units:
  description: Each unit's C(<is-active> <is-enabled>).
  returned: always
  type: dict
  sample: {"chrony": "active enabled"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import host_state


def main():
    module = AnsibleModule(
        argument_spec=dict(
            names=dict(type="list", elements="str", default=[]),
            files=dict(type="list", elements="path", default=[]),
            dirs=dict(type="list", elements="path", default=[]),
            packages=dict(type="list", elements="str", default=[]),
            units=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params

    def run(argv):
        return module.run_command(argv, check_rc=False)

    state = host_state.read_state(params["names"], params["files"], params["dirs"], params["packages"], params["units"],
                                  run)
    module.exit_json(changed=False, **state)


if __name__ == "__main__":
    main()
