# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Action plugin of privateai.deepseek_dify.role_inputs: converts a role's variables with its own argument spec,
runs the syntax checks the role names (plugin_utils/host_input.py) and fails listing every problem."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.host_input import check_role_inputs, known_check

try:  # ansible-core 2.19 and later template only the strings marked as trusted templates
    from ansible.template import trust_as_template
except ImportError:  # earlier versions template every string
    def trust_as_template(value):
        return value

# This collection's roles (plugins/action/../../roles).
_ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")


def _trusted(value):
    """The strings of a value from the role's own defaults, marked as templates (as Ansible treats them in the role)."""
    if isinstance(value, string_types):
        return trust_as_template(value)
    if isinstance(value, list):
        return [_trusted(item) for item in value]
    if isinstance(value, dict):
        return dict((key, _trusted(item)) for key, item in value.items())
    return value


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("role", "checks", "entry_point", "prefix", "fail_on_problems"))

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
        fail_on_problems = self._task.args.get("fail_on_problems", True)
        if not isinstance(fail_on_problems, bool):
            raise AnsibleActionFail("fail_on_problems must be true or false, got %r" % (fail_on_problems,))
        raw = self._templar.template(dict((name, task_vars[name]) for name in options if name in task_vars))
        if self._task.args.get("role"):
            # Outside the role the play does not see its defaults: take the role's own defaults (and the internal
            # variables of its vars/main.yml they may refer to) for what the inventory does not set, so a default
            # derived from a shared variable (rdma_fabric_type from privateai_fabric.type) is checked too.
            defaults = self._load(os.path.join(role_path, "defaults", "main.yml"))
            # The role's own files are as trusted as its tasks (Ansible templates them when it runs the role).
            missing = dict((name, _trusted(defaults[name])) for name in options if name not in raw and name in defaults)
            if missing:
                scope = _trusted(dict(self._load(os.path.join(role_path, "vars", "main.yml"))))
                scope.update(_trusted(defaults))
                scope.update(task_vars)
                templar = self._templar.copy_with_new_env(available_variables=scope)
                for name, value in missing.items():
                    try:
                        raw[name] = templar.template(value)
                    except AnsibleError:
                        # A default that needs what only the role's own run has (facts, registered results): the
                        # argument spec's default stands in, as it did before defaults were read here.
                        continue
        try:
            converted, problems = check_role_inputs(options, raw, checks)
        except ValueError as exc:
            raise AnsibleActionFail(str(exc))
        result["changed"] = False
        result["problems"] = problems
        if problems and not fail_on_problems:
            # Collecting mode (the whole-inventory preflight): the problems are returned, the task succeeds.
            host = task_vars.get("inventory_hostname", "?")
            result["msg"] = "%s on %s: %d bad input value(s)" % (role_name, host, len(problems))
            return result
        if problems:
            result["failed"] = True
            result["msg"] = "%s on %s: %d bad input value(s), nothing was changed:\n- %s" % (
                role_name, task_vars.get("inventory_hostname", "?"), len(problems), "\n- ".join(problems))
            return result
        result["settings"] = dict((name[len(prefix):] if name.startswith(prefix) else name, value)
                                  for name, value in converted.items())
        result["msg"] = "%s: %d settings converted and checked" % (role_name, len(converted))
        return result
