"""Bad input stops the network stage (playbooks/network.yml) on every node before anything changes.

Two throwaway nodes without RDMA or SR-IOV hardware, so every refusal here is of an inventory value, never of the
hardware. Each bad run carries several bad values at once (the stage lists every problem of every node together).
"Nothing changed" is checked with what the stage does write on such nodes when the input is good (the user-space
RDMA packages and the two local facts files): the last test runs good input and sees those files appear.
"""

PLAYBOOK = "playbooks/network.yml"
RDMA_FACT = "/etc/ansible/facts.d/privateai_rdma.fact"
SRIOV_FACT = "/etc/ansible/facts.d/privateai_sriov.fact"


def network(name, subnet, **extra):
    net = {"name": name, "interface": name, "subnet": subnet}
    net.update(extra)
    return net


def fabric(*networks, **extra):
    value = {"type": "infiniband", "rate_gbps": 100, "networks": list(networks)}
    value.update(extra)
    return {"privateai_fabric": value}


def flat(result):
    return " ".join((result.stdout + result.stderr).split())


def assert_untouched(node_pair):
    for name in node_pair.names:
        for path in (RDMA_FACT, SRIOV_FACT):
            assert node_pair.sh(name, "test -e %s" % path).returncode != 0, "%s: %s was written" % (name, path)
        installed = node_pair.sh(name, "dpkg-query -W -f='${Status}' rdma-core 2>/dev/null | grep -q 'ok installed'")
        assert installed.returncode != 0, "%s: rdma-core was installed" % name


def test_typo_in_the_fabric_type_and_a_list_given_as_a_string_are_refused_by_the_argument_spec(node_pair):
    # privateai_fabric.type reaches rdma_fabric_type, privateai_fabric.networks rdma_networks: the network stage's
    # include of the rdma role names the entry point of its argument spec, so Ansible validates both before any task.
    inventory = node_pair.inventory(group_vars={"privateai_fabric": {"type": "infiniban", "networks": "ib0"}})
    result = node_pair.playbook(PLAYBOOK, inventory)
    out = flat(result)
    assert result.returncode != 0, out[-3000:]
    assert "Validation of arguments failed" in out, out[-3000:]
    assert "rdma_fabric_type must be one of: infiniband, roce, none, got: infiniban" in out, out[-3000:]
    assert "rdma_networks" in out and "dict" in out, out[-3000:]
    for name in node_pair.names:
        assert "fatal: [%s]" % name in out, out[-3000:]
    # No template error from a dictionary lookup with the typo
    assert "_rdma_link_layer" not in out and "has no attribute" not in out, out[-3000:]
    assert_untouched(node_pair)


def test_every_bad_value_of_both_roles_on_every_node_is_listed_at_once(node_pair):
    first, second = node_pair.names
    inventory = node_pair.inventory(
        group_vars=fabric(
            network("ib0", "10.224.0.0/24", start=11),
            network("ib1", "10.224.0.128/25", mtu="jumbo"),              # overlaps ib0; mtu not a number
            network("ib2", "10.225.0.0/30", start=2, gateway="10.225.0.2"),  # too small, gateway taken
            network("ib 3", "10.226.0.0/24"),                            # name and interface of a bad syntax
        ),
        host_vars={
            first: {"rdma_address_overrides": {"ib0": "10.224.0.50"},
                    "sriov_devices": [{"interface": "ens1f0np0", "num_vfs": -1}],
                    "node_reboot_throttle": 0},                 # Ansible's "no limit": every node at once
            second: {"rdma_address_overrides": {"ib0": "10.224.0.50"},
                     "sriov_devices": [{"interface": "ens1f0np0", "num_vfs": 2, "trust": "maybe"}],
                     "rdma_kernel_modules": ["ib_umad", "mlx5 ib"]},
        })
    result = node_pair.playbook(PLAYBOOK, inventory)
    out = flat(result)
    assert result.returncode != 0, out[-4000:]
    expected = [
        # rdma: the plan of every network and node
        "networks ib0 (10.224.0.0/24) and ib1 (10.224.0.128/25) overlap",
        "rdma_networks (privateai_fabric.networks) network ib1: mtu: 'jumbo' is not a whole number",
        "10.225.0.2 (position 0) is the gateway of fabric ib2",
        "subnet 10.225.0.0/30 is too small",
        "rdma_networks (privateai_fabric.networks) network ib 3: name: 'ib 3' is not a name",
        "fabric ib0: 10.224.0.50 is planned for both %s (override) and %s (override)" % (first, second),
        # rdma: a value written into a file, on one node
        "node %s: rdma_kernel_modules entry 2: 'mlx5 ib' is not a kernel module name" % second,
        # sriov, refused on nodes without SR-IOV hardware
        "node %s: sriov_devices ens1f0np0: num_vfs: -1 is not between 0 and 65535" % first,
        "node %s: sriov_devices ens1f0np0: trust: 'maybe' is not a boolean" % second,
        # node_reboot ends the stage: its settings are refused with the rest, before the network changes
        "node %s: node_reboot_throttle: 0 must be a whole number of at least 1" % first,
    ]
    missing = [text for text in expected if text not in out]
    assert missing == [], out[-5000:]
    # One stop for everything, before any change on any node
    assert "nothing was changed on any node" in out, out[-3000:]
    assert out.count("fatal: [") == 1 and "FAILED! => assertion: _network_problems | length == 0" in out, out[-3000:]
    assert_untouched(node_pair)


def test_good_input_typed_differently_is_accepted_and_the_stage_writes_its_records(node_pair):
    """Runs last: it changes the nodes (the facts files), which the tests above assert did not happen."""
    first, second = node_pair.names
    inventory = node_pair.inventory(
        group_vars=dict(fabric(network("ib0", "10.224.0.0/24", start="11", mtu="2044"),
                               network("ib1", "10.224.1.0/24", start=1, reserved="10.224.1.100, 10.224.1.101")),
                        rdma_stack="none"),
        host_vars={first: {"sriov_devices": [{"interface": "ens1f0np0", "num_vfs": "4", "trust": "no"}]}})
    result = node_pair.playbook(PLAYBOOK, inventory)
    out = flat(result)
    assert result.returncode == 0, out[-4000:]
    for name in node_pair.names:
        rdma = node_pair.sh(name, "cat %s" % RDMA_FACT)
        assert rdma.returncode == 0, rdma.stderr
        assert '"hardware": false' in rdma.stdout and '"rdma_ports": []' in rdma.stdout, rdma.stdout
        sriov = node_pair.sh(name, "cat %s" % SRIOV_FACT)
        assert sriov.returncode == 0 and '"capable": false' in sriov.stdout, sriov.stdout
