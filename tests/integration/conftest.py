"""Integration tests against throwaway lab containers (the image from scripts/lab-image).

Each test gets its own systemd container, reached through the podman connection, and the stage
playbook is run for real with ansible-playbook.
"""

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IMAGE = os.environ.get("LAB_IMAGE", "localhost/privateai-debian12-systemd:latest")
# The GPU node software stage's settings that point its roles at the stand-in apt repository (tests/standins,
# built into /srv/standin on the test nodes) and let them install without a GPU: the good inputs of the tests of that
# stage (test_gpu_node_software_bad_input.py, test_gpu_node_software_reboot_route.py).
GPU_SOFTWARE_STANDIN = {
    "nvidia_driver_source": "mirror",
    "nvidia_driver_mirror_url": "file:/srv/standin/repo/",
    "nvidia_driver_mirror_key": "/srv/standin/key.asc",
    "nvidia_driver_install_without_gpu": True,
    "nvidia_container_toolkit_repo_url": "file:/srv/standin/repo/",
    "nvidia_container_toolkit_repo_key": "/srv/standin/key.asc",
    "nvidia_container_toolkit_install_without_gpu": True,
}
# As scripts/lib.sh does: the lab's podman settings (runc, ulimits) unless the caller chose others.
os.environ.setdefault("CONTAINERS_CONF", os.path.join(REPO, "lab", "containers.conf"))
# ansible-playbook of the interpreter running the tests (the venv's), also when the venv is not activated.
_VENV_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
ANSIBLE_PLAYBOOK = _VENV_PLAYBOOK if os.path.exists(_VENV_PLAYBOOK) else "ansible-playbook"


def _podman(*args, check=True):
    return subprocess.run(["podman"] + list(args), check=check, capture_output=True, text=True)


@pytest.fixture(scope="session", autouse=True)
def _needs_podman_and_image():
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed: run scripts/bootstrap")
    if _podman("image", "exists", IMAGE, check=False).returncode != 0:
        pytest.fail("lab image %s is missing: run scripts/lab-image" % IMAGE)


def hosts_yml(names):
    """An inventory of throwaway containers, all in gpu_nodes, reached through podman exec as root."""
    return ("all:\n"
            "  vars:\n"
            "    ansible_connection: containers.podman.podman\n"
            "    ansible_python_interpreter: /usr/bin/python3\n"
            "    ansible_become: false\n"
            "  children:\n"
            "    gpu_nodes:\n"
            "      hosts:\n" + "".join("        %s:\n" % n for n in names))


def run_playbook(playbook, inventory, *extra, **env_extra):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0", **env_extra)
    cmd = [ANSIBLE_PLAYBOOK, os.path.join(REPO, playbook), "-i", str(inventory)] + list(extra)
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)


class Node:
    def __init__(self, name, tmp_path):
        self.name = name
        self.inventory = tmp_path / "hosts.yml"
        self.inventory.write_text(hosts_yml([name]))

    def sh(self, command):
        return _podman("exec", self.name, "sh", "-c", command, check=False)

    def playbook(self, playbook, *extra):
        return run_playbook(playbook, self.inventory, *extra)


@pytest.fixture
def node(tmp_path):
    name = "privateai-it-%s" % uuid.uuid4().hex[:8]
    _podman("run", "-d", "--name", name, "--hostname", name, "--systemd=always", "--cap-add", "NET_ADMIN",
            "--security-opt", "unmask=/proc/sys", "--label", "io.privateai.test=1", IMAGE, "/sbin/init")
    try:
        yield Node(name, tmp_path)
    finally:
        _podman("rm", "-f", name, check=False)


class Nodes:
    """Several throwaway nodes in one inventory directory (hosts.yml, group_vars/, host_vars/), for
    stages that compare nodes with each other. Hosts are the container names, all in gpu_nodes."""

    def __init__(self, names, directory):
        self.names = names
        self.dir = directory

    def sh(self, name, command):
        return _podman("exec", name, "sh", "-c", command, check=False)

    def put(self, name, text, dest):
        """Write text to dest on one node (through a file, as podman cp does)."""
        src = self.dir / ("put-%s-%s" % (name, os.path.basename(dest)))
        src.write_text(text)
        _podman("cp", str(src), "%s:%s" % (name, dest))

    def inventory(self, group_vars=None, host_vars=None):
        """Write the inventory directory and return its path. Vars are dicts, written as JSON (valid YAML)."""
        inv = self.dir / ("inventory-%s" % uuid.uuid4().hex[:6])
        (inv / "group_vars").mkdir(parents=True)
        (inv / "host_vars").mkdir()
        (inv / "hosts.yml").write_text(hosts_yml(self.names))
        (inv / "group_vars" / "all.yml").write_text(json.dumps(group_vars or {}))
        for name, values in (host_vars or {}).items():
            (inv / "host_vars" / ("%s.yml" % name)).write_text(json.dumps(values))
        return inv

    def playbook(self, playbook, inventory, *extra, **env_extra):
        return run_playbook(playbook, inventory, *extra, **env_extra)


@pytest.fixture(scope="module")
def node_pair(tmp_path_factory):
    """Two throwaway nodes shared by the tests of one module (they must leave the nodes as they found them,
    or only add files of their own)."""
    names = ["privateai-it-%s" % uuid.uuid4().hex[:8] for dummy in range(2)]
    try:
        for name in names:
            _podman("run", "-d", "--name", name, "--hostname", name, "--systemd=always", "--label", "io.privateai.test=1",
                    IMAGE, "/sbin/init")
        yield Nodes(names, tmp_path_factory.mktemp("nodes"))
    finally:
        for name in names:
            _podman("rm", "-f", name, check=False)
