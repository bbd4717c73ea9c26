# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: podman_pipelining
author:
  - privateai.deepseek_dify maintainers (@privateai)
short_description: Run tasks in podman containers with pipelining (the local lab and Molecule)
version_added: "0.1.0"
description:
  - The containers.podman.podman connection with Ansible pipelining. A module is sent on the standard
    input of one C(podman exec -i), instead of a temporary directory, a copy, a C(chmod), a run and a
    removal (five C(podman exec) calls, each about 0.1 s of CPU).
  - Meant for systemd test nodes (the lab of this collection, Molecule). Everything else (file transfer
    through the container's mount, options) is the containers.podman connection's.
  - Pipelining is used when it is enabled (C(pipelining = True) under C([connection]) in C(ansible.cfg),
    C(ANSIBLE_PIPELINING) or C(ansible_pipelining)); otherwise this behaves exactly as containers.podman.podman.
extends_documentation_fragment:
  - connection_pipelining
requirements:
  - the containers.podman collection
  - podman on the control node
options:
  remote_addr:
    description: The name or ID of the container.
    default: inventory_hostname
    vars:
      - name: ansible_host
      - name: inventory_hostname
      - name: ansible_podman_host
  remote_user:
    description: User (name or UID) that runs commands inside the container.
    ini:
      - section: defaults
        key: remote_user
    env:
      - name: ANSIBLE_REMOTE_USER
    vars:
      - name: ansible_user
  podman_extra_args:
    description: Extra arguments for the podman command line.
    default: ''
    ini:
      - section: defaults
        key: podman_extra_args
    vars:
      - name: ansible_podman_extra_args
    env:
      - name: ANSIBLE_PODMAN_EXTRA_ARGS
  podman_executable:
    description: The podman executable.
    default: podman
    vars:
      - name: ansible_podman_executable
    env:
      - name: ANSIBLE_PODMAN_EXECUTABLE
"""

import shlex

from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.connection import ensure_connect

from ansible_collections.containers.podman.plugins.connection.podman import Connection as PodmanConnection


class Connection(PodmanConnection):
    """containers.podman.podman with pipelining: module data goes to `podman exec -i` on stdin."""

    transport = "privateai.deepseek_dify.podman_pipelining"
    has_pipelining = True

    @ensure_connect
    def exec_command(self, cmd, in_data=None, sudoable=False):
        if in_data is None:
            return super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
        # ConnectionBase.exec_command only records the call; skip the parent's, which would not pass -i.
        exec_args = ["exec", "-i"]
        if self.user:
            exec_args.extend(("--user", self.user))
        return self._podman(exec_args, shlex.split(to_native(cmd, errors="surrogate_or_strict")), in_data)
