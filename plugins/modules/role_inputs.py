#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: role_inputs
short_description: Convert a role's variables with its argument spec and check the syntax of every value
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Reads the C(meta/argument_specs.yml) of the role it runs in (or of the collection role named by O(role)), converts the role's variables with it exactly
    as Ansible's argument spec validation does (the string V("4") for an integer becomes V(4), V(yes) for a boolean
    becomes V(true)), and returns the converted values in RV(settings), so the role's tasks and templates use them
    instead of the raw inventory values.
  - A list option given as one string is accepted only when the string is one item (no comma, no whitespace);
    otherwise it is refused, because Ansible would split it at commas or keep a line break inside one item.
  - Then runs the syntax checks named in O(checks), by default the role's table C(_<role>_input_checks) in its
    C(vars/main.yml), (host name, kernel module name, systemd size, time span, path,
    apt URL, Debian package name and version, one line of text, ...) on the converted values.
  - Every problem of the host is listed at once, naming the variable and the value; nothing is changed on the node.
  - This is an action plugin that runs on the controller; it does not connect to the node.
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.attributes.read_only
options:
  role:
    description:
      - A role of this collection whose settings to check, for a play that checks every role of a stage before the
        first one changes anything. The default is the role the task runs in.
    type: str
  checks:
    description:
      - Variable name to the name of a check, or a list of names. A list value is checked item by item.
      - Any check of a single value can be written C(<check>_or_empty), which lets the empty string (not set) pass.
      - The default is the dictionary C(_<role>_input_checks) of the role's C(vars/main.yml).
      - "Checks: V(hostname), V(chrony_allow), V(chrony_makestep), V(kernel_module), V(deb_package), V(apt_version),
        V(systemd_size), V(logrotate_size), V(systemd_timespan), V(systemd_calendar), V(absolute_path), V(log_glob),
        V(one_line), V(deb_package_pattern), V(apt_url), V(apt_suite), V(apt_component), V(apt_key), V(file_name), V(unit_name), V(positive),
        V(not_negative), V(sysctl_settings), V(package_versions)."
    type: dict
  entry_point:
    description: The entry point of the role's argument spec.
    type: str
    default: main
  prefix:
    description: Stripped from the variable names in RV(settings). The default is the role's name and C(_).
    type: str
  fail_on_problems:
    description:
      - V(true) fails the task listing every problem. V(false) is the collecting mode of the whole-inventory
        preflight C(playbooks/preflight.yml). The task then succeeds and returns the problems in RV(problems), so the
        problems of every role, stage and host can be reported together in one message.
      - With O(role) set, a variable the inventory does not set is taken from the role's C(defaults/main.yml)
        (templated with the role's C(vars/main.yml) and the host's variables), so defaults derived from shared
        variables are checked as the role would see them.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Convert and check the settings of the role this task runs in, with the checks of its vars/main.yml
  privateai.deepseek_dify.role_inputs:
  register: __host_baseline_in

- name: Check the settings of other roles before the first of them changes anything
  privateai.deepseek_dify.role_inputs:
    role: "{{ item }}"
  loop: [nvidia_driver, nvidia_dcgm, node_reboot]

- name: Collect the problems of a role without failing (the whole-inventory preflight)
  privateai.deepseek_dify.role_inputs:
    role: rdma
    fail_on_problems: false
  register: __preflight_rdma

- name: Name the checks explicitly
  privateai.deepseek_dify.role_inputs:
    checks:
      host_baseline_chrony_servers: hostname
      host_baseline_kernel_modules: kernel_module
      host_baseline_journald_system_max_use: systemd_size

- name: Use a converted value
  ansible.builtin.debug:
    msg: "{{ __host_baseline_in.settings.chrony_servers }}"
"""

RETURN = r"""
settings:
  description: Every option of the role's argument spec, converted, keyed by its name without O(prefix).
  returned: when every value is good
  type: dict
  sample: {"chrony_servers": ["ntp1.example.org"], "logrotate_keep": 8}
problems:
  description: One sentence per bad value, naming the variable and the value.
  returned: always
  type: list
  elements: str
  sample: ["host_baseline_kernel_modules: item 'br netfilter' must be a kernel module name (letters, digits, '_' and '-')"]
"""
