#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: apt_package_versions
short_description: Resolve packages to exact versions from a Debian repository index, before installing anything
version_added: "0.1.0"
description:
  - Reads the C(Packages) index of one or more repositories (over HTTP(S) or from a C(file:) URL), or the
    indexes C(apt) already downloaded, and picks the exact version of every requested package.
  - A package or version that is not there fails the task with the package, the repository and the OS named,
    every such package at once. Use it before a repository is configured or an C(apt install) runs, so a mirror
    that lacks the wanted driver stops the play before the node changes.
  - Read-only. The index is read without verifying its signature; that happens when C(apt) uses the
    repository. This module only plans.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.attributes.read_only
options:
  repositories:
    description:
      - Repositories whose index is read directly. Either this or O(apt_lists).
    type: list
    elements: dict
    default: []
    suboptions:
      url:
        description: Base URL of the repository (C(https://...), C(http://...) or C(file:/path)).
        type: str
        required: true
      suite:
        description: Suite, or C(/) for a flat repository such as NVIDIA's CUDA and container toolkit repositories.
        type: str
        default: /
      components:
        description: Components of a non-flat repository.
        type: list
        elements: str
        default: [main]
  apt_lists:
    description: Read the indexes C(apt update) already stored in O(lists_dir) (the distribution's repositories).
    type: bool
    default: false
  lists_dir:
    description: Where C(apt) keeps downloaded indexes.
    type: path
    default: /var/lib/apt/lists
  packages:
    description: Names of the packages to resolve.
    type: list
    elements: str
    required: true
  version:
    description:
      - Exact upstream version every package must have (V(580.95.05)); any Debian revision of it matches, the newest wins.
      - Empty or omitted takes the newest version (of O(branch) when given).
    type: str
  branch:
    description: Only versions of this branch (first dotted field, V(580)); the newest wins.
    type: str
  arch:
    description: Debian architecture. Default is the node's (C(dpkg --print-architecture)).
    type: str
  os_label:
    description: How messages name the operating system, for example V(Debian 12).
    type: str
    default: this OS
  timeout:
    description: Seconds to wait for each index download.
    type: int
    default: 30
  validate_certs:
    description: Verify HTTPS certificates of the repository.
    type: bool
    default: true
notes:
  - C(Packages.gz) is tried before C(Packages), C(Packages.xz) is not read.
seealso:
  - module: ansible.builtin.apt
  - module: ansible.builtin.deb822_repository
"""

EXAMPLES = r"""
- name: Check the internal mirror holds driver 580.95.05 before configuring it
  privateai.deepseek_dify.apt_package_versions:
    repositories:
      - url: https://mirror.example.internal/nvidia/cuda/debian12/x86_64/
    packages: [nvidia-driver-cuda, nvidia-kernel-open-dkms]
    version: "580.95.05"
    os_label: Debian 12
  register: driver_plan

- name: Newest driver of branch 580 from the distribution (Ubuntu -server packages)
  privateai.deepseek_dify.apt_package_versions:
    apt_lists: true
    packages: [nvidia-headless-580-server, nvidia-utils-580-server]
    branch: "580"
"""

RETURN = r"""
packages:
  description: Every requested package with the exact version chosen (the form C(apt) takes as C(name=version)).
  returned: success
  type: dict
  sample: {"nvidia-driver-cuda": "580.95.05-1"}
specs:
  description: The same as C(name=version) strings, in the order of O(packages), as M(ansible.builtin.apt) takes them.
  returned: success
  type: list
  elements: str
  sample: ["nvidia-driver-cuda=580.95.05-1"]
available:
  description: For every package, the versions that matched the request, oldest first.
  returned: success
  type: dict
  sample: {"nvidia-driver-cuda": ["580.82.07-1", "580.95.05-1"]}
sources:
  description: The index files read.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.urls import open_url

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import apt_index


def main():
    module = AnsibleModule(
        argument_spec=dict(
            repositories=dict(type="list", elements="dict", default=[], options=dict(
                url=dict(type="str", required=True),
                suite=dict(type="str", default="/"),
                components=dict(type="list", elements="str", default=["main"]),
            )),
            apt_lists=dict(type="bool", default=False),
            lists_dir=dict(type="path", default="/var/lib/apt/lists"),
            packages=dict(type="list", elements="str", required=True),
            version=dict(type="str"),
            branch=dict(type="str"),
            arch=dict(type="str"),
            os_label=dict(type="str", default="this OS"),
            timeout=dict(type="int", default=30),
            validate_certs=dict(type="bool", default=True),
        ),
        required_one_of=[("repositories", "apt_lists")],
        supports_check_mode=True,
    )
    params = module.params
    arch = params["arch"]
    if not arch:
        rc, out, err = module.run_command(["dpkg", "--print-architecture"])
        if rc != 0:
            module.fail_json(msg="Failed to find the Debian architecture of this node due to: %s. "
                                 "Set the arch option." % (err.strip() or "dpkg --print-architecture failed"))
        arch = out.strip()

    def opener(url):
        return open_url(url, timeout=params["timeout"], validate_certs=params["validate_certs"],
                        http_agent="ansible-privateai")

    sources = []
    try:
        indexes, sources, where = apt_index.repository_indexes(params["repositories"], arch, opener)
        if params["apt_lists"]:
            list_indexes, list_paths = apt_index.apt_list_indexes(params["lists_dir"], arch)
            indexes.extend(list_indexes)
            sources.extend(list_paths)
            where.append("the apt sources configured on this node")
    except apt_index.IndexReadError as exc:
        module.fail_json(msg=to_native(exc), sources=sources + exc.sources)

    label = "%s for %s %s" % (" and ".join(where), params["os_label"], arch)
    try:
        requests = [dict(name=name, version=params["version"], branch=params["branch"]) for name in params["packages"]]
        resolved = apt_index.resolve(apt_index.merge(indexes), requests, label)
    except apt_index.AptIndexError as exc:
        module.fail_json(msg="Failed to resolve packages due to: %s. Mirror the missing versions, or request a version "
                             "the repository has." % to_native(exc), sources=sources)
    module.exit_json(
        changed=False,
        packages=dict((name, item["version"]) for name, item in resolved.items()),
        specs=["%s=%s" % (name, resolved[name]["version"]) for name in params["packages"]],
        available=dict((name, item["available"]) for name, item in resolved.items()),
        sources=sources,
    )


if __name__ == "__main__":
    main()
