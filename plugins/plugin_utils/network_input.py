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

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

# Values of privateai_fabric.type (and of rdma_fabric_type / network_operator_fabric_type that follow it).
FABRIC_TYPES = ("infiniband", "roce", "none")
# The one fallback when the inventory has no privateai_fabric.type: no RDMA fabric is configured.
FABRIC_TYPE_FALLBACK = "none"

# What each kind of value must be, as the network stage words its problems. The rules are validate.py's:
# interface names as the stage writes them into networkd Name=, a netplan key, a systemd device unit name and the
# whitespace-separated SR-IOV configuration; network names become part of file names
# (60-privateai-rdma-<name>.network); modules go one per line into modules-load.d; the unit name is written
# without its .service suffix (the role adds it); paths stand unquoted in ExecStart, a script or a configuration line.
HINTS = {
    "interface": "an interface name of at most 15 letters, digits, '.', '_' or '-', as `ip -br link` shows it",
    "network_name": "a name of letters, digits, '.', '_' or '-' (it becomes part of a file name)",
    "module": "a kernel module name of letters, digits, '_' or '-'",
    "unit": "a systemd unit name of letters, digits, '.', '_', '@' or '-', without .service",
    "path": "an absolute path of letters, digits, '.', '_', '+', '-' and '/' (no spaces or quotes)",
}


def _unit_without_suffix(value):
    """The sriov role appends .service itself, so a name that already ends in it would become x.service.service."""
    if v.unit_name(value) is None and not value.endswith(".service"):
        return None
    return HINTS["unit"]


_RULES = {
    "interface": v.interface_name,
    "network_name": v.file_name_part,
    "module": v.kernel_module,
    "unit": _unit_without_suffix,
    "path": v.plain_path,
}


def syntax_problem(kind, variable, value):
    """None when value is a valid `kind`, else a problem naming the variable, the value and what it must be."""
    if _RULES[kind](value) is None:
        return None
    return "%s: %r is not %s" % (variable, value, HINTS[kind])


# The converters are validate.py's (Ansible's argument-spec conversions); these give the network stage's
# (value, problem) pairs and its wording, and the bounds its counts have.

def to_int(variable, value, minimum=None, maximum=None):
    """(int, None) or (None, problem). Accepts what Ansible's type int accepts ("4"), refuses booleans."""
    try:
        number = v.to_int(variable, value)
    except v.Invalid:
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
        return v.to_bool(variable, value), None
    except v.Invalid:
        return None, "%s: %r is not a boolean (true or false)" % (variable, value)


def to_list(variable, value):
    """(list, None) or (None, problem). A string is split at commas, as Ansible's type list does."""
    try:
        return v.to_list(variable, value), None
    except v.Invalid:
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
