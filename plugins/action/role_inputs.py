# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of privateai.deepseek_dify.role_inputs: converts a role's variables with its own argument spec,
runs the syntax checks the role names (plugin_utils/host_input.py) and fails listing every problem."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible.errors import AnsibleActionFail
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.host_input import check_role_inputs, known_check

# This collection's roles (plugins/action/../../roles).
_ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("role", "checks", "entry_point", "prefix"))

    def _role(self):
        """(short name, directory) of the role named by the role option, else of the role running the task."""
        name = self._task.args.get("role")
        if name:
            if not isinstance(name, string_types) or not re.match(r"^[a-z][a-z0-9_]*$", name.split(".")[-1]):
                raise AnsibleActionFail("role must be the name of a role of this collection, got %r" % (name,))
            short = name.split(".")[-1]
            return short, os.path.join(_ROLES_DIR, short)
        role = getattr(self._task, "_role", None)
        if role is None:
            raise AnsibleActionFail("role_inputs outside a role needs the role option")
        return role.get_name(include_role_fqcn=False).split(".")[-1], role._role_path

    def _load(self, path):
        if not os.path.exists(path):
            return {}
        return self._loader.load_from_file(path) or {}

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        role_name, role_path = self._role()
        entry_point = self._task.args.get("entry_point", "main")
        spec_file = os.path.join(role_path, "meta", "argument_specs.yml")
        try:
            options = self._load(spec_file)["argument_specs"][entry_point].get("options") or {}
        except (KeyError, TypeError):
            raise AnsibleActionFail("%s has no entry point %s" % (spec_file, entry_point))
        checks = self._task.args.get("checks")
        if checks is None:
            # The role's own table, vars/main.yml: _<role>_input_checks
            checks = self._load(os.path.join(role_path, "vars", "main.yml")).get("_%s_input_checks" % role_name) or {}
        if not isinstance(checks, dict):
            raise AnsibleActionFail("checks must be a dictionary of variable name to check name(s)")
        for name, wanted in checks.items():
            for check in [wanted] if isinstance(wanted, string_types) else wanted:
                if not known_check(check):
                    raise AnsibleActionFail("checks: %s names the unknown check %s" % (name, check))
        prefix = self._task.args.get("prefix", role_name + "_")
        raw = dict((name, task_vars[name]) for name in options if name in task_vars)
        raw = self._templar.template(raw)
        try:
            converted, problems = check_role_inputs(options, raw, checks)
        except ValueError as exc:
            raise AnsibleActionFail(str(exc))
        result["changed"] = False
        result["problems"] = problems
        if problems:
            result["failed"] = True
            result["msg"] = "%s on %s: %d bad input value(s), nothing was changed:\n- %s" % (
                role_name, task_vars.get("inventory_hostname", "?"), len(problems), "\n- ".join(problems))
            return result
        result["settings"] = dict((name[len(prefix):] if name.startswith(prefix) else name, value)
                                  for name, value in converted.items())
        result["msg"] = "%s: %d settings converted and checked" % (role_name, len(converted))
        return result
