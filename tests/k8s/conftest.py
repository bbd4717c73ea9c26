# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Renders the Kubernetes stages with ansible-playbook (render mode, no cluster) for the tests here.

Cost model (issue 10 §4): each render below is ONE ansible-playbook run of every Kubernetes stage playbook
(K8S_PLAYBOOKS) for one inventory, all renders started at once on first use and shared by every test of the
session; everything after that (real-chart renders, validation, wrong inputs) runs in process. A new stage adds
its playbook and stages to K8S_PLAYBOOKS, not a render.
"""

import json
import os
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import checks  # noqa: E402

REPO = checks.REPO
BIN = os.path.dirname(sys.executable)

# The Kubernetes stage playbooks in site order, each with the stages it renders (<render_dir>/<stage>/).
K8S_PLAYBOOKS = (
    ("playbooks/k8s_platform.yml", ("cert_manager", "gpu_operator", "network_operator")),
    ("playbooks/storage.yml", ("storage",)),
    ("playbooks/model_serving.yml", ("model_serving",)),
    ("playbooks/dify.yml", ("cloudnative_pg", "dify")),
    ("playbooks/security.yml", ("security",)),
    ("playbooks/observability.yml", ("observability",)),
    ("playbooks/backup.yml", ("backup",)),
)
PLAYBOOK = os.path.join(REPO, K8S_PLAYBOOKS[0][0])
STAGES = tuple(stage for _playbook, stages in K8S_PLAYBOOKS for stage in stages)

# A variant that exercises what the example inventories leave at their defaults: the SR-IOV device plugin
# fed with rdma_facts-shaped devices, MPS as the default sharing, a mirror registry, image pull secrets,
# certificates for services, the allowlisted kubelet root dir, and extra chart values.
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
    # An inventory's extra chart values reach the chart (test_our_values_reach_the_rendered_objects).
    "gpu_operator_values_extra": {"dcgmExporter": {"serviceMonitor": {"interval": "30s"}}},
    # Every serving object kind: a ServiceMonitor per model, an image mirror for the engines and the controller.
    "model_serving_service_monitor": True,
    "model_serving_image_registry": "registry.example.internal:5000",
    "model_serving_lws_image_registry": "registry.example.internal:5000",
    "model_serving_image_pull_secrets": ["mirror-login"],
    "cert_manager_certificates": [
        {"name": "dify", "namespace": "dify", "dns_names": ["dify.example.internal"]},
        {"name": "model-gateway", "namespace": "serving", "dns_names": ["llm.example.internal", "llm"],
         "ip_addresses": ["192.0.2.50"]},
    ],
}

# Every render of the session: name -> (inventory, extra vars). The three example inventories the issue names
# (4 nodes x 2 A100 80GB with 100G InfiniBand; one node of 8x H200; two nodes of 8x H100 with 400G InfiniBand)
# and the variant above.
RENDERS = {
    "prod": ("prod", ()),
    "h200x8-single": ("h200x8-single", ()),
    "prod-h100x8": ("prod-h100x8", ()),
    "prod-h100x8+variant": ("prod-h100x8", (VARIANT_EXTRA_VARS,)),
}
# Rendered a second time, alongside the others, into its own directory: test_render_is_deterministic compares.
# The variant, since it renders the most (certificates in two namespaces, the SR-IOV network objects, pull secrets).
AGAIN = "prod-h100x8+variant"
# Stages that render no Helm values for a render (the single H200 node has no RDMA fabric, and its model fits one
# node: no LeaderWorkerSet controller).
EMPTY_STAGES = {"h200x8-single": ("network_operator", "model_serving")}


def _command(inventory, render_dir, extra, mode, playbooks):
    assert os.path.isdir(os.path.join(REPO, "inventories", inventory)), "no inventory %s" % inventory
    cmd = [os.path.join(BIN, "ansible-playbook")] + list(playbooks) + [
        "-i", os.path.join(REPO, "inventories", inventory),
        "-e", "privateai_k8s_mode=%s" % mode, "-e", "privateai_render_dir=%s" % render_dir,
        # The serving API key is generated where the Secret is written (apply mode): beside the render, not into
        # the inventory's credentials directory of the checkout.
        "-e", "model_serving_api_key_file=%s.serving-api-key" % render_dir,
        "-e", "dify_credentials_dir=%s.dify-credentials" % render_dir]
    for item in extra:
        cmd += ["-e", item if isinstance(item, str) else json.dumps(item)]
    return cmd


def _env(json_output=False, env=None):
    full_env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                    ANSIBLE_FORCE_COLOR="0", PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    if json_output:
        full_env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    full_env.update(env or {})
    return full_env


def run_playbook(inventory, render_dir, *extra, env=None, playbook=None, mode="render", json_output=False):
    """Run the Kubernetes stage playbooks (or one ``playbook``); returns the CompletedProcess (text output)."""
    playbooks = [playbook] if playbook else [os.path.join(REPO, p) for p, _stages in K8S_PLAYBOOKS]
    return subprocess.run(_command(inventory, render_dir, extra, mode, playbooks), cwd=REPO,
                          env=_env(json_output, env), capture_output=True, text=True, timeout=600, check=False)


def run_one_playbook(playbook, inventory, render_dir, *extra):
    """Run one stage playbook (a path relative to the repository) in render mode; returns the CompletedProcess."""
    return run_playbook(inventory, render_dir, *extra, playbook=os.path.join(REPO, playbook))


def tree(root):
    """{relative path: (bytes, mode)} of every file under root."""
    out = {}
    for base, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(base, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, root)] = (handle.read(), os.stat(path).st_mode & 0o777)
    return out


@pytest.fixture(scope="session")
def renders(tmp_path_factory):
    """{render name: render dir} of every render in RENDERS (and AGAIN + " again"), each one ansible-playbook run
    of all stage playbooks, started together (at most one per CPU at a time) the first time a test needs one."""
    playbooks = [os.path.join(REPO, p) for p, _stages in K8S_PLAYBOOKS]
    pending = list(RENDERS.items()) + [(AGAIN + " again", RENDERS[AGAIN])]
    running, done, failures = [], {}, []
    started = time.time()
    while pending or running:
        while pending and len(running) < max(os.cpu_count() or 1, 2):
            name, (inventory, extra) = pending.pop(0)
            render_dir = str(tmp_path_factory.mktemp("render-" + name.replace("+", "-").replace(" ", "-")))
            log = open(os.path.join(render_dir + ".log"), "w+")
            proc = subprocess.Popen(_command(inventory, render_dir, extra, "render", playbooks), cwd=REPO, env=_env(),
                                    stdout=log, stderr=subprocess.STDOUT, text=True)
            running.append((name, render_dir, proc, log))
        for item in list(running):
            name, render_dir, proc, log = item
            if proc.poll() is None:
                continue
            running.remove(item)
            log.seek(0)
            output = log.read()
            log.close()
            if proc.returncode != 0:
                failures.append("render %s failed (rc %d):\n%s" % (name, proc.returncode, output[-6000:]))
            done[name] = render_dir
        time.sleep(0.2)
    sys.stderr.write("\ntests/k8s: %d renders (%d playbook(s) each) in %.0f s\n"
                     % (len(done), len(playbooks), time.time() - started))
    assert not failures, "\n".join(failures)
    return done


@pytest.fixture(scope="session", params=sorted(RENDERS))
def rendered(request, renders):
    """(render name, render dir) of each render in RENDERS."""
    return request.param, renders[request.param]


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


def releases(render_dir):
    """[(stage, release dict, values dict)] of every Helm release rendered under render_dir, in stage order."""
    out = []
    for stage in sorted(os.listdir(render_dir)):
        helm = os.path.join(render_dir, stage, "helm")
        if not os.path.isfile(os.path.join(helm, "releases.yaml")):
            continue
        for release in checks.load_documents(os.path.join(helm, "releases.yaml"))[0]["releases"]:
            out.append((stage, release, checks.load_documents(os.path.join(helm, release["values_file"]))[0]))
    return out
