# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Syntax checks for the host roles' inventory values, and the conversion of those values by a role's
argument spec.

Every value a host role writes into a file (chrony.conf, modules-load.d, journald, logrotate, sysctl.d,
apt sources and preferences) or hands to a command is checked here before any node changes. Each check
takes one value and returns None when it is good, or a short sentence saying what the value must look
like. ``check_role_inputs`` converts the values with the role's argument spec (as Ansible does), applies
the checks named for each variable and returns the converted values with every problem at once.

Pure functions: no Ansible controller objects (the action plugin role_inputs is the thin caller).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.six import string_types

_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_KERNEL_MODULE = re.compile(r"^[A-Za-z0-9_-]{1,55}$")
# Debian policy 5.6.1: lower case letters, digits, + - . ; at least two characters, starting alphanumeric.
# An optional :arch qualifier (nvidia-driver:amd64) is allowed.
_DEB_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$")
# Debian policy 5.6.12: [epoch:]upstream[-revision]
_APT_VERSION = re.compile(r"^([0-9]+:)?[0-9][A-Za-z0-9.+~:-]*$")
_SYSTEMD_SIZE = re.compile(r"^[0-9]+(\.[0-9]+)?[KMGTPE]?$")
_LOGROTATE_SIZE = re.compile(r"^[0-9]+[kMG]?$")
_TIMESPAN_UNITS = ("usec", "us", "µs", "msec", "ms", "seconds", "second", "sec", "s", "minutes", "minute", "min", "m",
                   "hours", "hour", "hr", "h", "days", "day", "d", "weeks", "week", "w", "months", "month", "M",
                   "years", "year", "y")
_TIMESPAN = re.compile(r"^(\s*[0-9]+(\.[0-9]+)?\s*(%s)?)+\s*$" % "|".join(re.escape(u) for u in _TIMESPAN_UNITS))
_CALENDAR = re.compile(r"^[A-Za-z0-9*:,./~ +-]+$")
_SYSCTL_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:/@*-]*$")
_MAKESTEP = re.compile(r"^[0-9]+(\.[0-9]+)? -?[0-9]+$")
_APT_SUITE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._+~-]*(/[A-Za-z0-9._+~-]*)*/?|/)$")
_APT_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+/-]*$")
_APT_URL = re.compile(r"^(https?://[^\s/$.?#][^\s]*|file:/[^\s]*)$")
_FILE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_UNIT_NAME = re.compile(r"^[A-Za-z0-9:_.@\\-]+(\.(service|socket|timer|target|path|mount))?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _is_text(value):
    return isinstance(value, string_types)


def hostname(value):
    """A DNS name (RFC 1123 labels) or an IPv4/IPv6 address."""
    if not _is_text(value) or not value:
        return "must be a host name or an IP address"
    try:
        ipaddress.ip_address(value)
        return None
    except ValueError:
        pass
    name = value[:-1] if value.endswith(".") else value
    if len(name) > 253 or not all(_HOST_LABEL.match(label) for label in name.split(".")):
        return "must be a host name or an IP address (letters, digits, '-' and '.', no spaces or line breaks)"
    return None


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
    if hostname(value) is None:
        return None
    return "must be all, an address, a network such as 10.0.0.0/8, or a host name"


def chrony_makestep(value):
    if _is_text(value) and _MAKESTEP.match(value):
        return None
    return "must be '<threshold seconds> <limit>', for example '1.0 3'"


def kernel_module(value):
    if _is_text(value) and _KERNEL_MODULE.match(value):
        return None
    return "must be a kernel module name (letters, digits, '_' and '-')"


def deb_package_pattern(value):
    """A Debian package name that may hold the roles' placeholders {branch} and {kernel}."""
    if _is_text(value) and deb_package(value.replace("{branch}", "580").replace("{kernel}", "6.1.0-28-amd64")) is None:
        return None
    return "must be a Debian package name (lower case letters, digits, '+', '-', '.'), placeholders {branch} and {kernel} allowed"


def deb_package(value):
    if _is_text(value) and _DEB_PACKAGE.match(value):
        return None
    return "must be a Debian package name (lower case letters, digits, '+', '-', '.'; optionally ':<arch>')"


def apt_version(value):
    """An exact Debian version, or empty for 'any'."""
    if value is None or value == "":
        return None
    if _is_text(value) and _APT_VERSION.match(value):
        return None
    return "must be a Debian package version such as 580.95.05-0ubuntu1 (or empty)"


def systemd_size(value):
    if _is_text(value) and _SYSTEMD_SIZE.match(value):
        return None
    return "must be a size such as 512M, 4G or 1T (bytes with an optional K, M, G, T, P or E)"


def logrotate_size(value):
    if _is_text(value) and _LOGROTATE_SIZE.match(value):
        return None
    return "must be a logrotate size such as 100k, 500M or 1G"


def systemd_timespan(value):
    if _is_text(value) and value.strip() and _TIMESPAN.match(value) and not _CONTROL.search(value):
        return None
    return "must be a systemd time span such as 1month, 2weeks or 7d"


def systemd_calendar(value):
    """A loose check of an OnCalendar expression: one line of its characters."""
    if _is_text(value) and value.strip() and _CALENDAR.match(value):
        return None
    return "must be one systemd calendar expression such as hourly or *-*-* 03:00:00"


def absolute_path(value):
    if _is_text(value) and value.startswith("/") and not re.search(r"\s|[\x00-\x1f\x7f]", value) \
            and "/../" not in value + "/":
        return None
    return "must be an absolute path without spaces, line breaks or '..'"


def log_glob(value):
    """A logrotate path or glob: absolute, no whitespace (logrotate splits on it), no braces (they open a block)."""
    if absolute_path(value) is None and not re.search(r"[{}\"']", value):
        return None
    return "must be an absolute path or glob without spaces, quotes, braces or line breaks"


def one_line(value):
    """Free text that goes verbatim into one line of a file or a command: printable, no line break."""
    if _is_text(value) and not _CONTROL.search(value):
        return None
    return "must be one line of text (no line breaks or control characters)"


def apt_url(value):
    if _is_text(value) and _APT_URL.match(value):
        return None
    return "must be a repository URL starting with http://, https:// or file:/ without spaces"


def apt_suite(value):
    if _is_text(value) and _APT_SUITE.match(value):
        return None
    return "must be a suite such as bookworm, a path such as debian12/x86_64/ or the flat suite /"


def apt_component(value):
    if _is_text(value) and _APT_COMPONENT.match(value):
        return None
    return "must be a component name such as main (letters, digits, '.', '_', '-')"


def apt_key(value):
    """A signing key given as a URL, an absolute path on the node, or an armoured block."""
    if not _is_text(value) or not value.strip():
        return "must be a key URL, an absolute path on the node or an armoured PGP block"
    text = value.strip()
    if text.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----") and text.endswith("-----END PGP PUBLIC KEY BLOCK-----"):
        return None
    if apt_url(text) is None or absolute_path(text) is None:
        return None
    return "must be a key URL, an absolute path on the node or an armoured PGP block"


def file_name(value):
    if _is_text(value) and _FILE_NAME.match(value):
        return None
    return "must be a file name of lower case letters, digits, '.', '_' and '-'"


def unit_name(value):
    if _is_text(value) and _UNIT_NAME.match(value):
        return None
    return "must be a systemd unit name such as nvidia-dcgm or nvidia-dcgm.service"


def positive(value):
    """A count or a number of seconds whose zero means something dangerous (Ansible's 'no limit')."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return None
    return "must be a whole number of at least 1"


def not_negative(value):
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return None
    return "must be a whole number of at least 0"


def sysctl_settings(value):
    """A dict of kernel parameters: each key a sysctl name, each value one line of text, a number or a boolean."""
    if not isinstance(value, dict):
        return "must be a dictionary of kernel parameter names to values"
    problems = []
    for key in sorted(value, key=str):
        if not _is_text(key) or not _SYSCTL_KEY.match(key):
            problems.append("key %r is not a kernel parameter name (such as net.ipv4.ip_forward)" % (key,))
            continue
        item = value[key]
        # booleans are numbers here (sysctl_profile writes true as 1)
        if not isinstance(item, (int, float) + string_types) \
                or (_is_text(item) and (not item.strip() or _CONTROL.search(item.replace("\t", " ")))):
            problems.append("%s = %r must be a number or one line of text" % (key, item))
    return "; ".join(problems) or None


def package_versions(value):
    """A dict of Debian package name to exact version (an apt pin)."""
    if not isinstance(value, dict):
        return "must be a dictionary of package names to versions"
    problems = []
    for key in sorted(value, key=str):
        if deb_package(key) is not None:
            problems.append("%r is not a Debian package name" % (key,))
        elif not value[key] or apt_version(value[key]) is not None:
            problems.append("%s: %r is not a Debian package version" % (key, value[key]))
    return "; ".join(problems) or None


# Checks applied to a whole value (dicts, numbers) rather than to each element of a list.
WHOLE_VALUE_CHECKS = {
    "sysctl_settings": sysctl_settings,
    "package_versions": package_versions,
    "positive": positive,
    "not_negative": not_negative,
}

ELEMENT_CHECKS = {
    "hostname": hostname,
    "chrony_allow": chrony_allow,
    "chrony_makestep": chrony_makestep,
    "kernel_module": kernel_module,
    "deb_package": deb_package,
    "deb_package_pattern": deb_package_pattern,
    "apt_version": apt_version,
    "systemd_size": systemd_size,
    "logrotate_size": logrotate_size,
    "systemd_timespan": systemd_timespan,
    "systemd_calendar": systemd_calendar,
    "absolute_path": absolute_path,
    "log_glob": log_glob,
    "one_line": one_line,
    "apt_url": apt_url,
    "apt_suite": apt_suite,
    "apt_component": apt_component,
    "apt_key": apt_key,
    "file_name": file_name,
    "unit_name": unit_name,
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
