# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import network_input as ni
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

# kind, value, accepted
SYNTAX_CASES = [
    ("interface", "ibp1s0", True),
    ("interface", "ens1f0np0.100", True),
    ("interface", "ib0:1", False),          # ':' is an alias label, not an interface
    ("interface", "ib 0", False),
    ("interface", "x" * 16, False),        # IFNAMSIZ
    ("interface", "ib0\nName=eth0", False),
    ("interface", 0, False),
    ("interface", "", False),
    ("interface", "..", False),
    ("interface", "-ib0", False),
    ("interface", "_ib0", True),            # the kernel's rule (validate.py), was refused by a stricter copy
    ("network_name", "ib-rail0", True),
    ("network_name", "rail/0", False),
    ("network_name", "..", False),
    ("module", "mlx5_ib", True),
    ("module", "nvidia-peermem", True),
    ("module", "mlx5_ib ib_umad", False),
    ("module", "a" * 56, False),            # MODULE_NAME_LEN, was accepted by a looser copy
    ("unit", "privateai-sriov-vfs.service", False),  # the role appends .service itself
    ("unit", "privateai-sriov-vfs", True),
    ("unit", "vfs@ib0", True),
    ("unit", "vfs service", False),
    ("path", "/etc/privateai/sriov-vfs.conf", True),
    ("path", "/usr/local/libexec/privateai-sriov-vfs", True),
    ("path", "etc/relative.conf", False),
    ("path", "/etc/with space.conf", False),
    ("path", "/etc/$(reboot)", False),
    ("path", "/etc/../shadow", False),
    ("path", "/etc/dir/", False),
]


@pytest.mark.parametrize("kind, value, accepted", SYNTAX_CASES, ids=["%s %r" % (c[0], c[1]) for c in SYNTAX_CASES])
def test_syntax(kind, value, accepted):
    problem = ni.syntax_problem(kind, "some_var", value)
    if accepted:
        assert problem is None
    else:
        assert problem == "some_var: %r is not %s" % (value, ni.HINTS[kind])


# converter, value, (result, problem)
CONVERT_CASES = [
    (lambda v: ni.to_int("n", v, minimum=0), "4", (4, None)),
    (lambda v: ni.to_int("n", v, minimum=0), 4, (4, None)),
    (lambda v: ni.to_int("n", v, minimum=0), -1, (None, "n: -1 is not at least 0")),
    (lambda v: ni.to_int("n", v, maximum=9), 10, (None, "n: 10 is not at most 9")),
    (lambda v: ni.to_int("n", v), False, (None, "n: False is not a whole number")),
    (lambda v: ni.to_int("n", v), "4.5", (None, "n: '4.5' is not a whole number")),
    (lambda v: ni.to_bool("b", v), "yes", (True, None)),
    (lambda v: ni.to_bool("b", v), "off", (False, None)),
    (lambda v: ni.to_bool("b", v), 0, (False, None)),
    (lambda v: ni.to_bool("b", v), "sure", (None, "b: 'sure' is not a boolean (true or false)")),
    (lambda v: ni.to_bool("b", v), [], (None, "b: [] is not a boolean (true or false)")),
    (lambda v: ni.to_list("l", v), "a, b,,c", (["a", "b", "c"], None)),
    (lambda v: ni.to_list("l", v), ["a"], (["a"], None)),
    (lambda v: ni.to_list("l", v), {"a": 1}, (None, "l: {'a': 1} is not a list")),
]


@pytest.mark.parametrize("convert, value, expected", CONVERT_CASES, ids=["%d %r" % (i, c[1]) for i, c in enumerate(CONVERT_CASES)])
def test_conversions_follow_ansible_argument_specs(convert, value, expected):
    assert convert(value) == expected


@pytest.mark.parametrize("value, problem", [
    ("infiniband", None),
    ("roce", None),
    ("none", None),
    ("infiniban", "privateai_fabric.type: 'infiniban' is not one of infiniband, roce, none (none when "
                  "privateai_fabric.type is not set)"),
    (None, "privateai_fabric.type: None is not one of infiniband, roce, none (none when privateai_fabric.type is not set)"),
])
def test_fabric_type(value, problem):
    assert ni.fabric_type_problem(value) == problem


def test_role_values_every_problem_at_once_named_by_node_and_variable():
    problems = ni.role_value_problems({
        "rdma_kernel_modules": "ib_umad, mlx5 ib",           # a list given as one string: split, then checked
        "rdma_interface_overrides": {"rail1": "ibp2s0", "rail0": "ib p1"},
        "rdma_networkd_dir": "/etc/systemd/network",
        "sriov_unit_name": "vfs;reboot",
        "sriov_script_path": "relative/script",
    }, node="gpu01")
    assert problems == [
        "node gpu01: rdma_interface_overrides[rail0]: 'ib p1' is not " + ni.HINTS["interface"],
        "node gpu01: rdma_kernel_modules entry 2: 'mlx5 ib' is not " + ni.HINTS["module"],
        "node gpu01: sriov_script_path: 'relative/script' is not " + ni.HINTS["path"],
        "node gpu01: sriov_unit_name: 'vfs;reboot' is not " + ni.HINTS["unit"],
    ]


def test_role_values_of_the_wrong_shape():
    assert ni.role_value_problems({"rdma_interface_overrides": ["ib0"], "rdma_kernel_modules": {"a": 1}}) == [
        "rdma_interface_overrides: ['ib0'] is not a mapping of network name to interface name",
        "rdma_kernel_modules: {'a': 1} is not a list",
    ]


def test_good_role_values_have_no_problem():
    assert ni.role_value_problems({"rdma_kernel_modules": ["ib_umad", "rdma_ucm"], "rdma_interface_overrides": {},
                                   "sriov_facts_file": "/etc/ansible/facts.d/privateai_sriov.fact"}) == []


def test_an_unknown_variable_is_a_programming_error():
    with pytest.raises(ValueError, match="no check is known for rdma_stack"):
        ni.role_value_problems({"rdma_stack": "inbox"})


@pytest.mark.parametrize("kind, rule", [("interface", "interface_name"), ("module", "kernel_module"),
                                        ("path", "plain_path"), ("network_name", "file_name_part")])
@pytest.mark.parametrize("value", ["ib0", "_ib0", "-ib0", ".", "..", "ib0:1", "x" * 15, "x" * 16, "mlx5_ib", "a" * 56,
                                   "/etc/x.conf", "/etc/../x", "ib 0", 7])
def test_rules_are_validate_rules(kind, rule, value):
    """The network stage has no rule of its own: it agrees with validate.py on every value."""
    assert (ni.syntax_problem(kind, "x", value) is None) == (getattr(v, rule)(value) is None)
