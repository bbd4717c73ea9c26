"""Integration tests against throwaway lab containers (the image from scripts/lab-image).

Each test gets its own systemd container, reached through the podman connection, and the stage
playbook is run for real with ansible-playbook.
"""

import os
import shutil
import subprocess
import uuid

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
IMAGE = os.environ.get("LAB_IMAGE", "localhost/privateai-debian12-systemd:latest")


def _podman(*args, check=True):
    return subprocess.run(["podman"] + list(args), check=check, capture_output=True, text=True)


@pytest.fixture(scope="session", autouse=True)
def _needs_podman_and_image():
    if shutil.which("podman") is None:
        pytest.fail("podman is not installed: run scripts/bootstrap")
    if _podman("image", "exists", IMAGE, check=False).returncode != 0:
        pytest.fail("lab image %s is missing: run scripts/lab-image" % IMAGE)


class Node:
    def __init__(self, name, tmp_path):
        self.name = name
        self.inventory = tmp_path / "hosts.yml"
        self.inventory.write_text(
            "all:\n"
            "  vars:\n"
            "    ansible_connection: containers.podman.podman\n"
            "    ansible_python_interpreter: /usr/bin/python3\n"
            "    ansible_become: false\n"
            "  children:\n"
            "    gpu_nodes:\n"
            "      hosts:\n"
            "        %s:\n" % name
        )

    def sh(self, command):
        return _podman("exec", self.name, "sh", "-c", command, check=False)

    def playbook(self, playbook, *extra):
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_FORCE_COLOR="0")
        cmd = ["ansible-playbook", os.path.join(REPO, playbook), "-i", str(self.inventory)] + list(extra)
        return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def node(tmp_path):
    name = "privateai-it-%s" % uuid.uuid4().hex[:8]
    _podman("run", "-d", "--name", name, "--hostname", name, "--systemd=always", "--cap-add", "NET_ADMIN",
            "--security-opt", "unmask=/proc/sys", "--label", "io.privateai.test=1", IMAGE, "/sbin/init")
    try:
        yield Node(name, tmp_path)
    finally:
        _podman("rm", "-f", name, check=False)
