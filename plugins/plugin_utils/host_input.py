# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Syntax checks for the host roles' inventory values, and the conversion of those values by a role's
argument spec.

Every value a host role writes into a file (chrony.conf, modules-load.d, journald, logrotate, sysctl.d,
apt sources and preferences) or hands to a command is checked here before any node changes. The syntax
rules themselves live in validate.py (one rule per thing, shared with the other stages); this module holds
the host roles' own checks (chrony arguments, sysctl and package-version maps) and the check table that
names them. Each check takes one value and returns None when it is good, or a short sentence saying what
the value must look like. ``check_role_inputs`` converts the values with the role's argument spec (as Ansible does), applies
the checks named for each variable and returns the converted values with every problem at once.

Pure functions: no Ansible controller objects (the action plugin role_inputs is the thin caller).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.six import string_types

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

_MAKESTEP = re.compile(r"^[0-9]+(\.[0-9]+)? -?[0-9]+$")


def _is_text(value):
    return isinstance(value, string_types)


def chrony_allow(value):
    """A chrony allow argument: all, an address, a network in CIDR form, or a host name."""
    if value == "all":
        return None
    if _is_text(value) and "/" in value:
        try:
            ipaddress.ip_network(value, strict=False)
            return None
        except ValueError:
            return "must be all, an address, a network such as 10.0.0.0/8, or a host name"
    if v.hostname(value) is None:
        return None
    return "must be all, an address, a network such as 10.0.0.0/8, or a host name"


def chrony_makestep(value):
    if _is_text(value) and _MAKESTEP.match(value):
        return None
    return "must be '<threshold seconds> <limit>', for example '1.0 3'"


def sysctl_settings(value):
    """A dict of kernel parameters: each key a sysctl name, each value one line of text, a number or a boolean."""
    if not isinstance(value, dict):
        return "must be a dictionary of kernel parameter names to values"
    problems = []
    for key in sorted(value, key=str):
        if v.sysctl_key(key) is not None:
            problems.append("key %r is not a kernel parameter name (such as net.ipv4.ip_forward)" % (key,))
            continue
        item = value[key]
        # booleans are numbers here (sysctl_profile writes true as 1)
        if not isinstance(item, (int, float) + string_types) \
                or (_is_text(item) and (not item.strip() or v.one_line(item.replace("\t", " ")) is not None)):
            problems.append("%s = %r must be a number or one line of text" % (key, item))
    return "; ".join(problems) or None


def package_versions(value):
    """A dict of Debian package name to exact version (an apt pin)."""
    if not isinstance(value, dict):
        return "must be a dictionary of package names to versions"
    problems = []
    for key in sorted(value, key=str):
        if v.deb_package(key) is not None:
            problems.append("%r is not a Debian package name" % (key,))
        elif not value[key] or v.apt_version(value[key]) is not None:
            problems.append("%s: %r is not a Debian package version" % (key, value[key]))
    return "; ".join(problems) or None


# Checks applied to a whole value (dicts, numbers) rather than to each element of a list.
WHOLE_VALUE_CHECKS = {
    "sysctl_settings": sysctl_settings,
    "package_versions": package_versions,
    "positive": v.positive,
    "not_negative": v.not_negative,
}

ELEMENT_CHECKS = {
    "hostname": v.hostname,
    "chrony_allow": chrony_allow,
    "chrony_makestep": chrony_makestep,
    "kernel_module": v.kernel_module,
    "deb_package": v.deb_package,
    "deb_package_pattern": v.deb_package_pattern,
    "apt_version": v.apt_version,
    "systemd_size": v.systemd_size,
    "logrotate_size": v.logrotate_size,
    "systemd_timespan": v.systemd_timespan,
    "systemd_calendar": v.systemd_calendar,
    "absolute_path": v.absolute_path,
    "log_glob": v.log_glob,
    "one_line": v.one_line,
    "apt_url": v.apt_url,
    "apt_suite": v.apt_suite,
    "apt_component": v.apt_component,
    "apt_key": v.apt_key,
    "file_name": v.file_name,
    "unit_name": v.unit_name,
}

CHECKS = dict(ELEMENT_CHECKS, **WHOLE_VALUE_CHECKS)
# <check>_or_empty: the empty string means "not set" and passes (cross-variable rules stay with the role).
OR_EMPTY = "_or_empty"


def known_check(check):
    base = check[:-len(OR_EMPTY)] if check.endswith(OR_EMPTY) else check
    return base in ELEMENT_CHECKS or check in WHOLE_VALUE_CHECKS


def check_value(check, value):
    """Apply one named check to a converted value; a list is checked element by element.

    Returns a list of problem sentences (empty when the value is good)."""
    if not known_check(check):
        raise ValueError("unknown check %r (known: %s; element checks also as <name>%s)"
                         % (check, ", ".join(sorted(CHECKS)), OR_EMPTY))
    if check.endswith(OR_EMPTY):
        if value == "":
            return []
        check = check[:-len(OR_EMPTY)]
    if check in WHOLE_VALUE_CHECKS:
        problem = WHOLE_VALUE_CHECKS[check](value)
        return [] if problem is None else [problem]
    function = ELEMENT_CHECKS[check]
    if isinstance(value, list):
        problems = []
        for item in value:
            problem = function(item)
            if problem is not None:
                problems.append("item %r %s" % (item, problem))
        return problems
    problem = function(value)
    return [] if problem is None else [problem]


def _list_given_as_string(value):
    """A list option given as one string: unambiguous only when it is a single item (no comma, no whitespace).

    Ansible's argument spec would split 'a,b' at commas and take 'a b' or 'a\\nallow all' as one item."""
    return _is_text(value) and (not value.strip() or "," in value or re.search(r"\s", value) is not None)


def check_role_inputs(argument_spec, values, checks=None):
    """Convert ``values`` with a role's argument spec (options) and run the named syntax checks.

    :arg argument_spec: the ``options`` of a role entry point (meta/argument_specs.yml).
    :arg values: the raw values of the role's variables (as templated from the inventory).
    :arg checks: variable name -> check name or list of check names (keys of CHECKS).
    :returns: (converted, problems): converted holds every option of the spec, problems one sentence each,
        naming the variable, the value and what it must be.
    """
    checks = checks or {}
    problems = []
    for name in sorted(checks):
        if name not in argument_spec:
            raise ValueError("check given for %s, which the argument spec does not have" % name)
    provided = dict((k, v) for k, v in values.items() if k in argument_spec)
    as_string = set()
    for name in sorted(provided):
        if argument_spec[name].get("type") == "list" and _list_given_as_string(provided[name]):
            as_string.add(name)
            problems.append("%s is the single string %r: give a YAML list, one item each (for example [a, b])"
                            % (name, provided[name]))
    result = ArgumentSpecValidator(argument_spec).validate(provided)
    converted = result.validated_parameters
    problems.extend(result.error_messages)
    for name in sorted(checks):
        quoted = "'%s'" % name
        if name in as_string or name not in converted or converted[name] is None or any(quoted in m for m in result.error_messages):
            continue
        value = converted[name]
        wanted = checks[name]
        for check in ([wanted] if _is_text(wanted) else wanted):
            for problem in check_value(check, value):
                if isinstance(value, (list, dict)):
                    problems.append("%s: %s" % (name, problem))
                else:
                    problems.append("%s: %r %s" % (name, value, problem))
    return converted, problems
