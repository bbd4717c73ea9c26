"""playbooks/k8s_platform.yml run alone takes the Network Operator's RDMA devices from the ports the network
stage recorded on the GPU nodes (the local facts file /etc/ansible/facts.d/privateai_rdma.fact, key rdma_ports);
the inventory's explicit network_operator_rdma_devices still wins.

One throwaway node carries a recorded facts file (as the rdma role writes it on a node with two InfiniBand ports);
the platform playbook renders (no cluster) with the prod inventory's settings and that node as the only GPU node.
"""

import json
import os
import shutil

from conftest import REPO, hosts_yml, run_playbook

PLAYBOOK = "playbooks/k8s_platform.yml"
PORTS = [{"name": "mlx5_0", "netdev": "ibp24s0", "link_layer": "InfiniBand", "vendor_id": "15b3"},
         {"name": "mlx5_1", "netdev": "ibp41s0", "link_layer": "InfiniBand", "vendor_id": "15b3"}]


def _inventory(tmp_path, name):
    inv = tmp_path / "inventory"
    shutil.copytree(os.path.join(REPO, "inventories", "prod", "group_vars"), str(inv / "group_vars"))
    # Host vars beat the prod group_vars (ansible_user deploy, become): the throwaway node is reached as root.
    (inv / "hosts.yml").write_text(hosts_yml([name]).replace(
        "        %s:\n" % name, "        %s:\n          ansible_user: root\n          ansible_become: false\n" % name))
    return inv


def _rendered_text(render_dir):
    texts = []
    for base, _dirs, files in os.walk(render_dir):
        for file_name in files:
            with open(os.path.join(base, file_name), errors="replace") as handle:
                texts.append(handle.read())
    return "\n".join(texts)


def _render(tmp_path, inventory, label, *extra):
    render_dir = tmp_path / ("render-" + label)
    result = run_playbook(PLAYBOOK, inventory, "-e", "privateai_k8s_mode=render", "-e", "privateai_render_dir=%s" % render_dir,
                          *extra)
    assert result.returncode == 0, (result.stdout[-4000:], result.stderr[-2000:])
    return _rendered_text(str(render_dir))


def test_platform_alone_uses_the_recorded_ports_and_the_inventory_still_wins(node, tmp_path):
    node.sh("mkdir -p /etc/ansible/facts.d")
    facts = tmp_path / "privateai_rdma.fact"
    facts.write_text(json.dumps({"hardware": True, "rdma_ports": PORTS}))
    os.system("podman cp %s %s:/etc/ansible/facts.d/privateai_rdma.fact" % (facts, node.name))
    assert node.sh("cat /etc/ansible/facts.d/privateai_rdma.fact").stdout.count("ibp24s0") == 1
    inventory = _inventory(tmp_path, node.name)

    # Render mode reads no node unless asked (it describes the intended hardware): the devices are selected by
    # vendor and link type, so the recorded netdevs appear nowhere.
    plain = _render(tmp_path, inventory, "plain")
    assert "ibp24s0" not in plain and "ibp41s0" not in plain

    # Asked to read the nodes (what apply mode does by default): the recorded ports reach the Network Operator.
    read = _render(tmp_path, inventory, "read", "-e", "privateai_k8s_read_node_facts=true")
    assert "ibp24s0" in read and "ibp41s0" in read

    # The inventory's own devices win over what the node recorded.
    own = [{"name": "mlx5_7", "netdev": "ibp99s0", "link_layer": "InfiniBand", "vendor_id": "15b3"}]
    explicit = _render(tmp_path, inventory, "explicit", "-e", "privateai_k8s_read_node_facts=true",
                       "-e", json.dumps({"network_operator_rdma_devices": own}))
    assert "ibp99s0" in explicit and "ibp24s0" not in explicit
