# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: preflight_host_problems
short_description: The problems of one host's preflight reading (clock, free disk, name resolution)
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Compares the host's clock with the control node's, the free space of the file systems holding the given paths
    with what is wanted, and reports a host that cannot resolve its own name. Each problem names the host, the value
    and the fix.
positional: host, control_epoch, max_skew, free_disk_gib
options:
  _input:
    description: C({epoch, mounts, resolves, hostname}); C(mounts) as the mount facts give them.
    type: dict
    required: true
  host:
    description: The host's inventory name.
    type: str
    required: true
  control_epoch:
    description: The control node's clock, seconds since the epoch, read at about the same time.
    type: float
    required: true
  max_skew:
    description: The largest difference allowed, in seconds.
    type: float
    required: true
  free_disk_gib:
    description: Path to the free GiB wanted on its file system.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The host's problems
  ansible.builtin.set_fact:
    problems: >-
      {{ reading | privateai.deepseek_dify.preflight_host_problems(inventory_hostname, now(utc=true).timestamp(), 30,
                                                                   {'/': 5, '/var': 10}) }}
"""

RETURN = r"""
_value:
  description: The problems, empty when the host is fine.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.preflight import host_problems


def preflight_host_problems(reading, host, control_epoch, max_skew, free_disk_gib):
    try:
        return host_problems(host, reading, control_epoch, max_skew, free_disk_gib)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError("preflight_host_problems: %s" % exc)


class FilterModule(object):
    """Host checks of the preflight."""

    def filters(self):
        return {"preflight_host_problems": preflight_host_problems}
