# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks of the network stage (roles rdma and sriov), run on the controller.

Every value the stage writes into a file (networkd .network files, the netplan file, modules-load.d files, the
SR-IOV configuration, script and unit, the GRUB drop-in) goes through a syntax check here first, and every value
YAML may type differently from what it means (the string "4" for a count, "yes" for a boolean, a comma-separated
string for a list) is converted the way Ansible's own argument specs convert it. Each problem names the variable,
the value and the fix; nothing here raises for bad input.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.common.validation import check_type_bool, check_type_int, check_type_list

# Values of privateai_fabric.type (and of rdma_fabric_type / network_operator_fabric_type that follow it).
FABRIC_TYPES = ("infiniband", "roce", "none")
# The one fallback when the inventory has no privateai_fabric.type: no RDMA fabric is configured.
FABRIC_TYPE_FALLBACK = "none"

# A Linux interface name as the stage writes it into networkd Name=, a netplan key, a systemd device unit name and
# the whitespace-separated SR-IOV configuration: at most 15 characters (IFNAMSIZ), no whitespace, '/' or ':'.
INTERFACE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$")
# A fabric network name, used in file names (60-privateai-rdma-<name>.network) and comments.
NETWORK_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$")
# A kernel module name as modules-load.d reads it (one per line).
MODULE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# A systemd unit name without its .service suffix.
UNIT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,200}$")
# An absolute path that may appear unquoted in a unit's ExecStart, a shell script or a configuration line.
PATH_RE = re.compile(r"^/[A-Za-z0-9_.+/-]*[A-Za-z0-9_+-]$")

HINTS = {
    "interface": "an interface name of at most 15 letters, digits, '.', '_' or '-', as `ip -br link` shows it",
    "network_name": "a name of letters, digits, '.', '_' or '-' (it becomes part of a file name)",
    "module": "a kernel module name of letters, digits, '_' or '-'",
    "unit": "a systemd unit name of letters, digits, '.', '_', '@' or '-', without .service",
    "path": "an absolute path of letters, digits, '.', '_', '+', '-' and '/' (no spaces or quotes)",
}
_PATTERNS = {
    "interface": INTERFACE_RE,
    "network_name": NETWORK_NAME_RE,
    "module": MODULE_RE,
    "unit": UNIT_RE,
    "path": PATH_RE,
}


def syntax_problem(kind, variable, value):
    """None when value is a valid `kind`, else a problem naming the variable, the value and what it must be."""
    if isinstance(value, str) and _PATTERNS[kind].match(value) and ".." not in value.split("/"):
        return None
    return "%s: %r is not %s" % (variable, value, HINTS[kind])


def to_int(variable, value, minimum=None, maximum=None):
    """(int, None) or (None, problem). Accepts what Ansible's type int accepts ("4"), refuses booleans."""
    try:
        if isinstance(value, bool):
            raise TypeError("a boolean")
        number = check_type_int(value)
    except TypeError:
        return None, "%s: %r is not a whole number" % (variable, value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        if maximum is None:
            bounds = "at least %d" % minimum
        elif minimum is None:
            bounds = "at most %d" % maximum
        else:
            bounds = "between %d and %d" % (minimum, maximum)
        return None, "%s: %r is not %s" % (variable, value, bounds)
    return number, None


def to_bool(variable, value):
    """(bool, None) or (None, problem). Accepts what Ansible's type bool accepts (yes/no, true/false, on/off, 1/0)."""
    try:
        return check_type_bool(value), None
    except TypeError:
        return None, "%s: %r is not a boolean (true or false)" % (variable, value)


def to_list(variable, value):
    """(list, None) or (None, problem). A string is split at commas, as Ansible's type list does."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()], None
    try:
        return list(check_type_list(value)), None
    except TypeError:
        return None, "%s: %r is not a list" % (variable, value)


def fabric_type_problem(value, variable="privateai_fabric.type"):
    """None when value is one of FABRIC_TYPES, else the problem (a typo never reaches a dictionary lookup)."""
    if isinstance(value, str) and value in FABRIC_TYPES:
        return None
    return "%s: %r is not one of %s (%s when privateai_fabric.type is not set)" % (
        variable, value, ", ".join(FABRIC_TYPES), FABRIC_TYPE_FALLBACK)


# The role variables whose values end up in files, by kind. Lists and dicts are checked element by element.
ROLE_VALUE_KINDS = {
    "rdma_kernel_modules": "module_list",
    "rdma_kernel_modules_file": "path",
    "rdma_gpudirect_modules_file": "path",
    "rdma_networkd_dir": "path",
    "rdma_netplan_file": "path",
    "rdma_facts_file": "path",
    "rdma_interface_overrides": "interface_map",
    "sriov_unit_name": "unit",
    "sriov_config_file": "path",
    "sriov_script_path": "path",
    "sriov_grub_dropin": "path",
    "sriov_facts_file": "path",
}


def role_value_problems(values, node=None):
    """Every syntax problem of the given role variables ({variable: value}, see ROLE_VALUE_KINDS), each problem
    starting with the node when one is given. Unknown variables are a programming error (ValueError)."""
    problems = []
    for variable in sorted(values):
        if variable not in ROLE_VALUE_KINDS:
            raise ValueError("role_value_problems: no check is known for %s" % variable)
        kind, value = ROLE_VALUE_KINDS[variable], values[variable]
        if kind == "module_list":
            items, problem = to_list(variable, value)
            found = [problem] if problem else [syntax_problem("module", "%s entry %d" % (variable, i + 1), item)
                                               for i, item in enumerate(items)]
        elif kind == "interface_map":
            if not isinstance(value, dict):
                found = ["%s: %r is not a mapping of network name to interface name" % (variable, value)]
            else:
                found = [syntax_problem("interface", "%s[%s]" % (variable, key), value[key]) for key in sorted(value, key=str)]
        else:
            found = [syntax_problem(kind, variable, value)]
        problems.extend(p for p in found if p)
    if node is not None:
        problems = ["node %s: %s" % (node, p) for p in problems]
    return problems
