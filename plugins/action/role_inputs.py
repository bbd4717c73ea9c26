# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of privateai.deepseek_dify.role_inputs: converts the calling role's variables with its own
argument spec, runs the named syntax checks (plugin_utils/host_input.py) and fails listing every problem."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.host_input import CHECKS, check_role_inputs


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("checks", "entry_point", "prefix"))

    def _role_options(self, entry_point):
        role = getattr(self._task, "_role", None)
        if role is None:
            raise AnsibleActionFail("role_inputs runs inside a role: it reads the role's meta/argument_specs.yml")
        path = os.path.join(role._role_path, "meta", "argument_specs.yml")
        data = self._loader.load_from_file(path) or {}
        try:
            return role.get_name(include_role_fqcn=False), data["argument_specs"][entry_point].get("options") or {}
        except (KeyError, TypeError):
            raise AnsibleActionFail("%s has no entry point %s" % (path, entry_point))

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        checks = self._task.args.get("checks") or {}
        entry_point = self._task.args.get("entry_point", "main")
        if not isinstance(checks, dict):
            raise AnsibleActionFail("checks must be a dictionary of variable name to check name(s)")
        for name, wanted in checks.items():
            for check in [wanted] if isinstance(wanted, string_types) else wanted:
                if check not in CHECKS:
                    raise AnsibleActionFail("checks: %s names the unknown check %s (known: %s)"
                                            % (name, check, ", ".join(sorted(CHECKS))))
        role_name, options = self._role_options(entry_point)
        prefix = self._task.args.get("prefix", role_name.split(".")[-1] + "_")
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
        result["msg"] = "%d settings converted and checked" % len(converted)
        return result
