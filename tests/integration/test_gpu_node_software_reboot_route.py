"""The reboot step of the GPU node software stage (playbooks/gpu_node_software.yml, roles/node_maintenance
tasks/reboot.yml) on a throwaway lab node: the driver role leaves a reboot pending, and the step decides how the node
reboots.

- No cluster configured (no kubeconfig, or render mode): the plain path through roles/node_reboot stays; in the lab
  it refuses to reboot a container and reports the reasons.
- A kubeconfig whose API server does not answer (a closed port on this machine, the unreachable-API pattern of
  tests/k8s/test_apply_preflight.py): the stage stops at the node, naming it, the API server and the fix; nothing is
  drained or rebooted, in check mode and not; node_maintenance_reboot_without_api: true takes the plain path instead.
- The driver step before it (tasks/driver_route.yml): with that kubeconfig and a driver change pending (another
  pinned version), the stage stops at the node before any package changes; the node's package state is unchanged.

The node gets the signed stand-in apt repository of TEST-DOUBLE packages (tests/standins) and install_without_gpu,
so the real driver role installs "580" packages and then finds their kernel module installed but not loaded.
"""

import socket
import subprocess
import sys
import uuid

import pytest

from conftest import GPU_SOFTWARE_STANDIN as GOOD, REPO, Nodes, _podman, IMAGE

PLAYBOOK = "playbooks/gpu_node_software.yml"
# A sentinel credential: it must never appear in the output.
TOKEN = "SENTINEL-reboot-route-token-%s" % uuid.uuid4().hex[:8]
PENDING = "nvidia_driver: the nvidia kernel module"


@pytest.fixture(scope="module")
def gpu_node(tmp_path_factory):
    name = "privateai-it-%s" % uuid.uuid4().hex[:8]
    directory = tmp_path_factory.mktemp("reboot-route")
    standin = directory / "standin"
    subprocess.run([sys.executable, "%s/tests/standins/build_apt_repo.py" % REPO, str(standin)], check=True,
                   capture_output=True)
    try:
        _podman("run", "-d", "--name", name, "--hostname", name, "--systemd=always", "--label", "io.privateai.test=1",
                IMAGE, "/sbin/init")
        _podman("cp", str(standin), "%s:/srv/standin" % name)
        nodes = Nodes([name], directory)
        nodes.sh(name, "mkdir -p /root/apt-off && mv /etc/apt/sources.list.d/* /root/apt-off/ 2>/dev/null;"
                       " rm -f /etc/apt/sources.list /var/lib/apt/lists/*debian*")
        yield nodes
    finally:
        _podman("rm", "-f", name, check=False)


def boot_id(nodes):
    return nodes.sh(nodes.names[0], "cat /proc/sys/kernel/random/boot_id").stdout.strip()


def unreachable_kubeconfig(path):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more: connections are refused
    server = "https://127.0.0.1:%d" % port
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: ops@site\n"
        "clusters:\n- name: site\n  cluster:\n    server: %s\n"
        "contexts:\n- name: ops@site\n  context: {cluster: site, user: ops}\n"
        "users:\n- name: ops\n  user: {token: %s}\n" % (server, TOKEN))
    path.chmod(0o600)
    return server, str(path)


def flat(result):
    return " ".join((result.stdout + result.stderr).split())


def test_without_a_cluster_the_driver_reboot_keeps_the_plain_path(gpu_node):
    name = gpu_node.names[0]
    before = boot_id(gpu_node)
    result = gpu_node.playbook(PLAYBOOK, gpu_node.inventory(group_vars=GOOD))
    out = flat(result)
    assert result.returncode == 0, result.stdout[-4000:]
    # The driver role left a reboot pending (installed, not loaded), and the step routed it to node_reboot.
    assert ("node_maintenance: %s (Kubernetes node %s): not part of a cluster: no kubeconfig is configured "
            "(privateai_kubeconfig is empty); reboot (no drain), for: %s" % (name, name, PENDING)) in out, out[-4000:]
    assert ("node_reboot: %s: reboot requested, not performed because it is a container (the lab), whose kernel belongs "
            "to the host: %s" % (name, PENDING)) in out
    # No drain: the cluster check and the drained play had no node.
    assert "Cordon and drain the node" not in out and "Check the kubeconfig, the context and the API server" not in out
    assert boot_id(gpu_node) == before

    # Render mode (the lab's setting) is no cluster either; check mode changes nothing.
    result = gpu_node.playbook(PLAYBOOK, gpu_node.inventory(group_vars=dict(GOOD, privateai_k8s_mode="render")), "--check")
    out = flat(result)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "not part of a cluster: privateai_k8s_mode is render (the Kubernetes stages only render)" in out, out[-4000:]
    assert "reboot requested, not performed because it is a container" in out


@pytest.mark.parametrize("check", [False, True], ids=["apply", "check mode"])
def test_a_configured_cluster_that_does_not_answer_stops_the_node(gpu_node, tmp_path, check):
    name = gpu_node.names[0]
    before = boot_id(gpu_node)
    server, kubeconfig = unreachable_kubeconfig(tmp_path / "kubeconfig")
    inventory = gpu_node.inventory(group_vars=dict(GOOD, privateai_kubeconfig=kubeconfig, privateai_kube_context="ops@site",
                                                   cluster_access_api_timeout=3))
    result = gpu_node.playbook(PLAYBOOK, inventory, *(["--check"] if check else []))
    out = flat(result)
    assert result.returncode != 0, result.stdout[-4000:]
    assert ("node_maintenance: %s (Kubernetes node %s) needs a reboot (%s" % (name, name, PENDING)) in out, out[-4000:]
    assert ("its API server %s (context ops@site, kubeconfig %s) did not answer: no TCP connection to 127.0.0.1:%s within "
            "3 s" % (server, kubeconfig, server.rsplit(":", 1)[1])) in out
    assert "it is neither drained nor rebooted blindly" in out
    assert "set node_maintenance_reboot_without_api: true to reboot it without draining" in out
    assert "fatal: [%s]" % name in result.stdout
    # Stopped at the decision: neither the plain reboot step nor a drain ran; the node is up as before.
    assert "reboot requested, not performed" not in out and "Cordon and drain the node" not in out
    assert "PLAY [Drain, reboot, GPU gate" not in result.stdout
    assert boot_id(gpu_node) == before
    assert TOKEN not in result.stdout + result.stderr


def test_the_allow_flag_reboots_plainly_when_the_api_does_not_answer(gpu_node, tmp_path):
    server, kubeconfig = unreachable_kubeconfig(tmp_path / "kubeconfig")
    inventory = gpu_node.inventory(group_vars=dict(GOOD, privateai_kubeconfig=kubeconfig, cluster_access_api_timeout=3,
                                                   node_maintenance_reboot_without_api=True))
    result = gpu_node.playbook(PLAYBOOK, inventory, "--check")
    out = flat(result)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "rebooted WITHOUT draining because node_maintenance_reboot_without_api is true" in out, out[-4000:]
    assert server in out
    assert "reboot requested, not performed because it is a container" in out
    assert TOKEN not in result.stdout + result.stderr


def driver_packages(nodes):
    return nodes.sh(nodes.names[0], "dpkg-query -W -f '${Package}=${Version} ${Status}\\n' 'nvidia*' 'libnvidia*' "
                                    "2>/dev/null | sort").stdout


def test_a_driver_change_stops_before_any_package_when_the_cluster_does_not_answer(gpu_node, tmp_path):
    # The first test installed the newest stand-in driver (580.105.08); asking for 580.95.05 is a driver change.
    name = gpu_node.names[0]
    before = driver_packages(gpu_node)
    assert "nvidia-driver-cuda=580.105.08-1 hold ok installed" in before, before
    server, kubeconfig = unreachable_kubeconfig(tmp_path / "kubeconfig")
    inventory = gpu_node.inventory(group_vars=dict(GOOD, nvidia_driver_version="580.95.05", privateai_kubeconfig=kubeconfig,
                                                   privateai_kube_context="ops@site", cluster_access_api_timeout=3))
    result = gpu_node.playbook(PLAYBOOK, inventory)
    out = flat(result)
    assert result.returncode != 0, result.stdout[-4000:]
    assert ("node_maintenance: %s (Kubernetes node %s): its driver would change (" % (name, name)) in out, out[-4000:]
    assert "nvidia-driver-cuda 580.105.08-1 -> 580.95.05-1" in out
    assert "no TCP connection to 127.0.0.1:%s within 3 s" % server.rsplit(":", 1)[1] in out
    assert "nothing was installed" in out and "node_maintenance_reboot_without_api: true to install and reboot" in out
    # Stopped before the driver role's changes: no repository, pin or package task ran, no drain play started.
    assert "Install the driver packages at the resolved versions" not in out
    assert "PLAY [Drain, install the driver" not in result.stdout
    assert driver_packages(gpu_node) == before
    assert TOKEN not in result.stdout + result.stderr
