# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network filters are thin: registered under their names, passing through to plugin_utils, turning a
programming error into AnsibleFilterError. Their logic is tested in tests/unit/plugins/plugin_utils."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.filter import fabric_addresses, fabric_plan, network_input_problems, sriov_plan


@pytest.mark.parametrize("module, name", [
    (fabric_addresses, "fabric_addresses"),
    (fabric_plan, "fabric_plan"),
    (sriov_plan, "sriov_plan"),
    (network_input_problems, "network_input_problems"),
])
def test_registered_under_its_name(module, name):
    assert module.FilterModule().filters()[name] is getattr(module, name)


def test_fabric_addresses_passes_through_and_raises_filter_errors():
    assert fabric_addresses.fabric_addresses(["a"], "10.0.0.0/24", start="5")["cidrs"] == {"a": "10.0.0.5/24"}
    with pytest.raises(AnsibleFilterError, match="must be a list of node names"):
        fabric_addresses.fabric_addresses("a", "10.0.0.0/24")


def test_fabric_plan_passes_through():
    plan = fabric_plan.fabric_plan([{"name": "ib0", "interface": "ib0", "subnet": "10.0.0.0/24"}], ["a"], {}, 4092)
    assert (plan["problems"], plan["networks"][0]["cidrs"]) == ([], {"a": "10.0.0.1/24"})


def test_sriov_plan_raises_filter_errors():
    with pytest.raises(AnsibleFilterError, match="registered result"):
        sriov_plan.sriov_plan([], {}, "n1")


def test_network_input_problems_passes_through_and_raises_filter_errors():
    assert network_input_problems.network_input_problems({"sriov_unit_name": "a b"}, "n1") == [
        "node n1: sriov_unit_name: 'a b' is not a systemd unit name of letters, digits, '.', '_', '@' or '-', without .service"]
    with pytest.raises(AnsibleFilterError, match="must be a dict"):
        network_input_problems.network_input_problems(["sriov_unit_name"])
    with pytest.raises(AnsibleFilterError, match="no check is known"):
        network_input_problems.network_input_problems({"other": 1})
