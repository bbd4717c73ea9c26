# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.fabric import (
    FabricError, fabric_addresses, fabric_plan)

NODES = ["gpu01", "gpu02", "gpu03", "gpu04"]


def test_addresses_follow_inventory_position():
    plan = fabric_addresses(NODES, "10.224.0.0/24", start=11, name="ib0")
    assert plan["problems"] == []
    assert plan["addresses"] == {"gpu01": "10.224.0.11", "gpu02": "10.224.0.12", "gpu03": "10.224.0.13", "gpu04": "10.224.0.14"}
    assert plan["cidrs"]["gpu04"] == "10.224.0.14/24"
    assert plan["sources"]["gpu03"] == "position 2"
    assert plan["prefixlen"] == 24
    assert plan["usable"] == 254


def test_same_input_same_plan_and_appending_keeps_existing_addresses():
    before = fabric_addresses(NODES, "10.224.0.0/24", start=11)
    assert fabric_addresses(list(NODES), "10.224.0.0/24", start=11) == before
    after = fabric_addresses(NODES + ["gpu05"], "10.224.0.0/24", start=11)
    assert all(after["addresses"][n] == before["addresses"][n] for n in NODES)
    assert after["addresses"]["gpu05"] == "10.224.0.15"


def test_sorted_order_is_natural():
    plan = fabric_addresses(["gpu10", "gpu2", "gpu1"], "10.0.0.0/24", order="sorted")
    assert plan["addresses"] == {"gpu1": "10.0.0.1", "gpu2": "10.0.0.2", "gpu10": "10.0.0.3"}


def test_repeated_names_count_once():
    # gpu_nodes that are also storage_nodes appear twice in the joined groups
    plan = fabric_addresses(["gpu01", "gpu02", "gpu01"], "10.0.0.0/24")
    assert plan["addresses"] == {"gpu01": "10.0.0.1", "gpu02": "10.0.0.2"}


def test_override_replaces_one_address_and_moves_no_other():
    plan = fabric_addresses(NODES, "10.224.0.0/24", start=11, overrides={"gpu02": "10.224.0.200/24"})
    assert plan["problems"] == []
    assert plan["addresses"] == {"gpu01": "10.224.0.11", "gpu02": "10.224.0.200", "gpu03": "10.224.0.13", "gpu04": "10.224.0.14"}
    assert plan["sources"]["gpu02"] == "override"


# --- conflicts ------------------------------------------------------------------------------------

def test_override_colliding_with_a_planned_address_names_both_nodes():
    plan = fabric_addresses(NODES, "10.224.0.0/24", start=11, name="ib0", overrides={"gpu04": "10.224.0.12"})
    assert plan["problems"] == ["fabric ib0: 10.224.0.12 is planned for both gpu02 (position 1) and gpu04 (override)"]


def test_two_overrides_on_one_address():
    plan = fabric_addresses(NODES, "10.224.0.0/24", start=11, name="ib0",
                            overrides={"gpu01": "10.224.0.99", "gpu03": "10.224.0.99"})
    assert plan["problems"] == ["fabric ib0: 10.224.0.99 is planned for both gpu01 (override) and gpu03 (override)"]


def test_network_broadcast_gateway_and_reserved_collisions_all_reported():
    plan = fabric_addresses(
        ["n1", "n2", "n3", "n4", "n5"], "10.0.0.0/24", start=1, name="roce0", gateway="10.0.0.1",
        reserved=["10.0.0.3", "10.0.0.4-10.0.0.4"],
        overrides={"n4": "10.0.0.0", "n5": "10.0.0.255"})
    assert plan["problems"] == [
        "node n1: 10.0.0.1 (position 0) is the gateway of fabric roce0",
        "node n3: 10.0.0.3 (position 2) is reserved (10.0.0.3)",
        "node n4: 10.0.0.0 (override) is the network address of 10.0.0.0/24",
        "node n5: 10.0.0.255 (override) is the broadcast address of 10.0.0.0/24",
    ]


def test_start_zero_lands_on_the_network_address():
    plan = fabric_addresses(["n1"], "10.0.0.0/24", start=0)
    assert plan["problems"] == ["node n1: 10.0.0.0 (position 0) is the network address of 10.0.0.0/24"]


def test_bad_overrides_are_named():
    plan = fabric_addresses(NODES, "10.224.0.0/24", name="ib0",
                            overrides={"gpu01": "10.225.0.1", "gpu02": "not-an-ip", "gpu03": "10.224.0.50/16",
                                       "gpu99": "10.224.0.60"})
    assert plan["problems"] == [
        "fabric ib0: override for gpu99 (10.224.0.60), which is not one of the planned nodes",
        "node gpu01: override 10.225.0.1 for fabric ib0 is outside 10.224.0.0/24",
        "node gpu02: override 'not-an-ip' for fabric ib0 is not an IP address",
        "node gpu03: override 10.224.0.50/16 for fabric ib0 has prefix /16, the subnet is 10.224.0.0/24",
    ]


# --- exhaustion -----------------------------------------------------------------------------------

def test_subnet_too_small_names_every_node_past_the_end():
    nodes = ["gpu%02d" % i for i in range(1, 9)]
    plan = fabric_addresses(nodes, "10.0.0.0/29", start=1, name="ib0")  # 6 usable: .1 - .6
    assert plan["usable"] == 6
    assert plan["problems"] == [
        "node gpu07: position 6 needs 10.0.0.7, past the last usable address 10.0.0.6 of 10.0.0.0/29",
        "node gpu08: position 7 needs 10.0.0.8, past the last usable address 10.0.0.6 of 10.0.0.0/29",
        "fabric ib0: subnet 10.0.0.0/29 is too small: 8 planned nodes from offset 1, room for 6; "
        "use a larger subnet or a smaller start",
    ]
    assert sorted(plan["addresses"]) == nodes[:6]


def test_start_offset_counts_against_the_room():
    plan = fabric_addresses(["a", "b"], "10.0.0.0/30", start=2)  # usable .1 .2
    assert plan["problems"][0] == "node b: position 1 needs 10.0.0.3, past the last usable address 10.0.0.2 of 10.0.0.0/30"
    assert "room for 1" in plan["problems"][1]


def test_slash_31_uses_both_addresses():
    plan = fabric_addresses(["a", "b"], "10.0.0.0/31", start=0)
    assert plan["problems"] == []
    assert plan["addresses"] == {"a": "10.0.0.0", "b": "10.0.0.1"}


# --- IPv6 and malformed input ---------------------------------------------------------------------

def test_ipv6_subnet():
    plan = fabric_addresses(["a", "b"], "fd00:10::/64", start=1)
    assert plan["problems"] == []
    assert plan["cidrs"] == {"a": "fd00:10::1/64", "b": "fd00:10::2/64"}
    assert fabric_addresses(["a"], "fd00:10::/64", start=0)["problems"] == [
        "node a: fd00:10:: (position 0) is the subnet-router anycast address of fd00:10::/64"]


@pytest.mark.parametrize("subnet, problem", [
    ("10.0.0.0", "has no prefix length"),
    ("10.0.0.5/24", "has host bits set; the network is 10.0.0.0/24"),
    ("banana/24", "is not a network in CIDR form"),
])
def test_bad_subnet_is_one_problem(subnet, problem):
    plan = fabric_addresses(NODES, subnet, name="ib0")
    assert len(plan["problems"]) == 1
    assert plan["problems"][0].startswith("fabric ib0: subnet ")
    assert problem in plan["problems"][0]
    assert plan["addresses"] == {}


def test_bad_gateway_and_reserved_entries():
    plan = fabric_addresses(["a"], "10.0.0.0/24", start=5, name="ib0", gateway="10.9.9.1", reserved=["10.0.0.x"])
    assert plan["problems"][0] == "fabric ib0: gateway 10.9.9.1 is outside 10.0.0.0/24"
    assert plan["problems"][1].startswith("fabric ib0: reserved entry '10.0.0.x' is not an address, CIDR or range")


def test_node_list_of_the_wrong_type_raises():
    # Not an inventory value: the role passes the nodes of the address groups.
    with pytest.raises(FabricError, match="must be a list of node names"):
        fabric_addresses("gpu01", "10.0.0.0/24")


# Inventory values of one network: what is accepted (with what it means) and what is refused (with the problem).
ADDRESS_CASES = [
    # id, keyword arguments, expected cidrs of gpu01/gpu02 or None, expected problems
    ("start as a string means the number", dict(start="11"), ["10.0.0.11/24", "10.0.0.12/24"], []),
    ("reserved as one comma-separated string", dict(start=1, reserved="10.0.0.1, 10.0.0.3"),
     ["10.0.0.1/24", "10.0.0.2/24"], ["node gpu01: 10.0.0.1 (position 0) is reserved (10.0.0.1)"]),
    ("reserved as one CIDR string (not split into characters)", dict(start=1, reserved="10.0.0.0/28"),
     ["10.0.0.1/24", "10.0.0.2/24"], ["node gpu01: 10.0.0.1 (position 0) is reserved (10.0.0.0/28)",
                                      "node gpu02: 10.0.0.2 (position 1) is reserved (10.0.0.0/28)"]),
    ("negative start", dict(start=-1), None, ["fabric ib0: start: -1 is not at least 0"]),
    ("start not a number", dict(start="eleven"), None, ["fabric ib0: start: 'eleven' is not a whole number"]),
    ("start a boolean", dict(start=True), None, ["fabric ib0: start: True is not a whole number"]),
    ("reserved of the wrong type", dict(reserved={"a": 1}), ["10.0.0.1/24", "10.0.0.2/24"],
     ["fabric ib0: reserved: {'a': 1} is not a list"]),
    ("order typo", dict(order="sortd"), None, ["fabric ib0: order 'sortd' is not one of given, sorted"]),
]


@pytest.mark.parametrize("kwargs, cidrs, problems", [case[1:] for case in ADDRESS_CASES],
                         ids=[case[0] for case in ADDRESS_CASES])
def test_inventory_values_of_one_network(kwargs, cidrs, problems):
    plan = fabric_addresses(["gpu01", "gpu02"], "10.0.0.0/24", name="ib0", **kwargs)
    assert plan["problems"] == problems
    if cidrs is None:
        assert plan["cidrs"] == {}
    else:
        assert [plan["cidrs"][n] for n in ("gpu01", "gpu02")] == cidrs


# --- fabric_plan: several networks, their definitions and the overrides -------------------------------


def test_plan_two_rails_with_defaults():
    plan = fabric_plan([{"name": "rail0", "interface": "ibp1s0", "subnet": "10.224.0.0/24", "start": 11},
                        {"name": "rail1", "interface": "ibp2s0", "subnet": "10.224.1.0/24", "start": 11, "mtu": 2044}],
                       NODES, {"gpu02": {"rail1": "10.224.1.99"}}, 4092)
    assert plan["problems"] == []
    rail0, rail1 = plan["networks"]
    assert (rail0["interface"], rail0["mtu"], rail0["cidrs"]["gpu02"]) == ("ibp1s0", 4092, "10.224.0.12/24")
    assert (rail1["mtu"], rail1["cidrs"]["gpu02"], rail1["sources"]["gpu02"]) == (2044, "10.224.1.99/24", "override")


def test_plan_reports_every_problem_of_every_network_at_once():
    plan = fabric_plan([
        {"name": "ib", "interface": "ib0", "subnet": "10.0.0.0/30"},             # 2 usable for 4 nodes
        {"name": "ib", "interface": "ib0", "subnet": "10.1.0.0/24"},             # same name and interface
        {"interface": "ib1"},                                                     # name and subnet missing
        {"name": "roce", "interface": "eth2", "subnet": "10.2.0.0/24", "mtu": 100000, "vlan": 5},
    ], NODES, {"gpu01": {"ib": "10.0.0.2", "storage": "10.9.9.9"}})
    assert plan["problems"] == [
        "rdma_networks: fabric ib: 10.0.0.2 is planned for both gpu01 (override) and gpu02 (position 1)",
        "rdma_networks: node gpu03: position 2 needs 10.0.0.3, past the last usable address 10.0.0.2 of 10.0.0.0/30",
        "rdma_networks: node gpu04: position 3 needs 10.0.0.4, past the last usable address 10.0.0.2 of 10.0.0.0/30",
        "rdma_networks: fabric ib: subnet 10.0.0.0/30 is too small: 3 planned nodes from offset 1, room for 2; "
        "use a larger subnet or a smaller start",
        "rdma_networks network ib: the name is used twice (networks 1 and 2)",
        "rdma_networks network ib: interface ib0 is already used by network ib",
        "rdma_networks network 3: name, subnet missing",
        "rdma_networks network roce: unknown key vlan (known: name, interface, subnet, start, gateway, reserved, mtu, order)",
        "rdma_networks network roce: mtu: 100000 is not between 576 and 65520",
        "node gpu01: rdma_address_overrides names network storage (10.9.9.9), which is not defined in rdma_networks "
        "(networks: ib, roce)",
    ]


NET = {"name": "ib0", "interface": "ib0", "subnet": "10.224.0.0/24"}

# Inventory values of the network list: accepted (the planned networks' names and MTUs) or refused (the problems).
PLAN_CASES = [
    # id, networks, expected (name, mtu) of the planned networks, expected problems
    ("mtu as a string means the number", [dict(NET, mtu="2044")], [("ib0", 2044)], []),
    ("two networks in one subnet", [NET, dict(NET, name="ib1", interface="ib1", subnet="10.224.0.128/25")],
     [("ib0", 4092), ("ib1", 4092)],
     ["rdma_networks: networks ib0 (10.224.0.0/24) and ib1 (10.224.0.128/25) overlap; give each fabric network its "
      "own subnet"]),
    ("the list given as one string", "ib0", [],
     ["rdma_networks: 'ib0' is not a list of networks (each a dict with name, interface and subnet)"]),
    ("one network given as a dict, not a list", NET, [],
     ["rdma_networks: {'name': 'ib0', 'interface': 'ib0', 'subnet': '10.224.0.0/24'} is not a list of networks "
      "(each a dict with name, interface and subnet)"]),
    ("an entry given as a string", ["ib0"], [],
     ["rdma_networks network 1: 'ib0' is not a dict with name, interface and subnet"]),
    ("interface name that cannot be written into a networkd or netplan file",
     [dict(NET, interface="ib0\nAddress=1.2.3.4")], [],
     ["rdma_networks network ib0: interface: 'ib0\\nAddress=1.2.3.4' is not an interface name of at most 15 letters, "
      "digits, '.', '_' or '-', as `ip -br link` shows it"]),
    ("interface name too long for Linux", [dict(NET, interface="ibp1s0f0-rail0-x")], [],
     ["rdma_networks network ib0: interface: 'ibp1s0f0-rail0-x' is not an interface name of at most 15 letters, "
      "digits, '.', '_' or '-', as `ip -br link` shows it"]),
    ("network name that would leave the networkd directory", [dict(NET, name="../x")], [],
     ["rdma_networks network ../x: name: '../x' is not a name of letters, digits, '.', '_' or '-' (it becomes part of "
      "a file name)"]),
    ("mtu not a number", [dict(NET, mtu="jumbo")], [],
     ["rdma_networks network ib0: mtu: 'jumbo' is not a whole number"]),
    ("overlap found even when one of the networks has another problem",
     [NET, dict(NET, name="ib1", interface="ib1", mtu="jumbo"), dict(NET, name="ib2", interface="ib2", subnet="10.0.0.1/8")],
     [("ib0", 4092), ("ib2", 4092)],
     ["rdma_networks network ib1: mtu: 'jumbo' is not a whole number",
      "rdma_networks: fabric ib2: subnet 10.0.0.1/8 has host bits set; the network is 10.0.0.0/8",
      "rdma_networks: networks ib0 (10.224.0.0/24) and ib1 (10.224.0.0/24) overlap; give each fabric network its own "
      "subnet"]),
]


@pytest.mark.parametrize("networks, planned, problems", [case[1:] for case in PLAN_CASES],
                         ids=[case[0] for case in PLAN_CASES])
def test_inventory_values_of_the_network_list(networks, planned, problems):
    plan = fabric_plan(networks, ["gpu01", "gpu02"])
    assert plan["problems"] == problems
    assert [(n["name"], n["mtu"]) for n in plan["networks"]] == planned


def test_problems_name_the_variable_given():
    plan = fabric_plan([dict(NET, mtu=1)], ["gpu01"], variable="rdma_networks (privateai_fabric.networks)")
    assert plan["problems"] == ["rdma_networks (privateai_fabric.networks) network ib0: mtu: 1 is not between 576 and 65520"]
