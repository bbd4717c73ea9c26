"""Bad input stops the network stage (playbooks/network.yml) on every node before anything changes.

Two throwaway nodes (no RDMA hardware). The address plan is checked for the whole inventory at once in the
first play; "nothing changed" is checked on the nodes: no networkd file and no rdma-core package.
"""

PLAYBOOK = "playbooks/network.yml"


def fabric(subnet, start, **extra):
    network = {"name": "ib0", "interface": "ib0", "subnet": subnet, "start": start}
    network.update(extra)
    return {"privateai_fabric": {"type": "infiniband", "rate_gbps": 100, "networks": [network]}}


def assert_untouched(node_pair):
    for name in node_pair.names:
        assert node_pair.sh(name, "ls /etc/systemd/network/ 2>/dev/null | grep -c privateai").stdout.strip() in ("", "0")
        assert node_pair.sh(name, "dpkg-query -W -f='${Status}' rdma-core 2>/dev/null | grep -q 'ok installed'").returncode != 0


def test_subnet_too_small_and_gateway_collision_are_listed_together(node_pair):
    inventory = node_pair.inventory(group_vars=fabric("10.224.0.0/30", 2, gateway="10.224.0.2"))
    result = node_pair.playbook(PLAYBOOK, inventory)
    assert result.returncode != 0, result.stdout[-2000:]
    out = " ".join(result.stdout.split())
    first, second = node_pair.names
    # Both nodes and both kinds of problem appear in one failure, before any change.
    assert first in out and second in out, out[-3000:]
    assert "10.224.0.2" in out and "gateway" in out, out[-3000:]
    assert "broadcast" in out or "too small" in out or "no address left" in out, out[-3000:]
    assert_untouched(node_pair)


def test_two_nodes_pinned_to_one_address_are_named(node_pair):
    first, second = node_pair.names
    inventory = node_pair.inventory(group_vars=fabric("10.224.0.0/24", 11),
                                    host_vars={first: {"rdma_address_overrides": {"ib0": "10.224.0.50"}},
                                               second: {"rdma_address_overrides": {"ib0": "10.224.0.50"}}})
    result = node_pair.playbook(PLAYBOOK, inventory)
    assert result.returncode != 0, result.stdout[-2000:]
    out = " ".join(result.stdout.split())
    assert "10.224.0.50" in out and first in out and second in out, out[-3000:]
    assert_untouched(node_pair)
