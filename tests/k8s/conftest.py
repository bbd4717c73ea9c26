# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Renders the Kubernetes stages with ansible-playbook (render mode, no cluster) for the tests here."""

import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import checks  # noqa: E402

REPO = checks.REPO
PLAYBOOK = os.path.join(REPO, "playbooks", "k8s_platform.yml")
BIN = os.path.dirname(sys.executable)

# The three example inventories the issue names: 4 nodes x 2 A100 80GB (IB 100G), one node of 8x H200,
# two nodes of 8x H100 with 400G InfiniBand.
INVENTORIES = ("prod", "h200x8-single", "prod-h100x8")

# A variant that exercises what the example inventories leave at their defaults: the SR-IOV device plugin
# fed with rdma_facts-shaped devices, MPS as the default sharing, a mirror registry, image pull secrets,
# certificates for services, and the allowlisted kubelet root dir.
VARIANT_EXTRA_VARS = {
    "network_operator_device_plugin": "sriov",
    "network_operator_secondary_network": True,
    "network_operator_ip_pool_subnet": "10.230.0.0/16",
    "network_operator_rdma_devices": [
        {"name": "mlx5_0", "netdev": "ibp24s0", "link_layer": "InfiniBand", "vendor_id": "15b3"},
        {"name": "mlx5_1", "netdev": "ibp41s0", "link_layer": "InfiniBand", "vendor_id": "15b3"},
        {"name": "mlx5_2", "netdev": "enp1s0f0np0", "link_layer": "Ethernet", "vendor_id": "15b3"},
    ],
    "gpu_operator_sharing": "mps",
    "gpu_operator_sharing_replicas": 8,
    "gpu_operator_image_registry": "registry.example.internal:5000/nvcr.io",
    "gpu_operator_image_pull_secrets": ["mirror-login"],
    "gpu_operator_kubelet_root_dir": "/var/lib/k0s/kubelet",
    "network_operator_image_registry": "registry.example.internal:5000/nvcr.io",
    "cert_manager_image_registry": "registry.example.internal:5000",
    "cert_manager_replicas": 2,
    "cert_manager_certificates": [
        {"name": "dify", "namespace": "dify", "dns_names": ["dify.example.internal"]},
        {"name": "model-gateway", "namespace": "serving", "dns_names": ["llm.example.internal", "llm"],
         "ip_addresses": ["192.0.2.50"]},
    ],
}


def run_playbook(inventory, render_dir, *extra, env=None, playbook=PLAYBOOK, mode="render", json_output=False):
    """Run the platform playbook; returns the CompletedProcess (stdout+stderr as text)."""
    assert os.path.isdir(os.path.join(REPO, "inventories", inventory)), "no inventory %s" % inventory
    cmd = [os.path.join(BIN, "ansible-playbook"), playbook, "-i", os.path.join(REPO, "inventories", inventory),
           "-e", "privateai_k8s_mode=%s" % mode, "-e", "privateai_render_dir=%s" % render_dir]
    for item in extra:
        cmd += ["-e", item if isinstance(item, str) else json.dumps(item)]
    full_env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                    ANSIBLE_FORCE_COLOR="0", PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    if json_output:
        full_env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    full_env.update(env or {})
    return subprocess.run(cmd, cwd=REPO, env=full_env, capture_output=True, text=True, timeout=600, check=False)


def tree(root):
    """{relative path: (bytes, mode)} of every file under root."""
    out = {}
    for base, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(base, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, root)] = (handle.read(), os.stat(path).st_mode & 0o777)
    return out


def _render(tmp_path_factory, name, inventory, *extra):
    render_dir = str(tmp_path_factory.mktemp("render-" + name))
    result = run_playbook(inventory, render_dir, *extra)
    assert result.returncode == 0, "render of %s failed:\n%s\n%s" % (inventory, result.stdout[-6000:], result.stderr[-3000:])
    return render_dir


@pytest.fixture(scope="session", params=INVENTORIES)
def rendered(request, tmp_path_factory):
    """(inventory name, render dir) of each example inventory, rendered once per session."""
    return request.param, _render(tmp_path_factory, request.param, request.param)


@pytest.fixture(scope="session")
def rendered_variant(tmp_path_factory):
    return "prod-h100x8+variant", _render(tmp_path_factory, "variant", "prod-h100x8", VARIANT_EXTRA_VARS)


def rendered_files(render_dir, kind):
    """Paths of rendered manifests (kind='manifests') or Helm values files (kind='values')."""
    out = []
    for base, _dirs, files in os.walk(render_dir):
        for name in sorted(files):
            if kind == "manifests" and os.path.basename(base) == "manifests":
                out.append(os.path.join(base, name))
            elif kind == "values" and os.path.basename(base) == "helm" and name.endswith(".values.yaml"):
                out.append(os.path.join(base, name))
    return sorted(out)
