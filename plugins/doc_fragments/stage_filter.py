# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The input every stage filter takes (plugins/filter/*_stage.py, restore_plan, dify_bootstrap_inputs).

    Only DOCUMENTATION can be shared this way: ansible-core merges fragments into DOCUMENTATION alone and reads each
    plugin's RETURN as written (ansible.utils.plugin_docs.get_docstring), so the stage filters' RETURN stays in
    each file."""

    DOCUMENTATION = r"""
options:
  _input:
    description:
      - The role's variables as a mapping of name to value, for example from the C(ansible.builtin.varnames) and
        C(ansible.builtin.vars) lookups. Only the names with the role's prefix are read; the facts the role
        publishes are left out. Anything but a mapping is refused, naming the filter.
    type: dict
    required: true
"""
