"""One node's bad input stops the GPU node software stage (playbooks/gpu_node_software.yml) on every node before any
change: the play is any_errors_fatal and checks the settings of all its roles first.

Two throwaway nodes get the signed stand-in apt repository of TEST-DOUBLE packages (tests/standins, as the Molecule
scenarios' prepare step does) and install_without_gpu, so with good input the stage would write the driver
repository, its pin and the packages on both; the check-mode run at the end shows that it would.
"""

import re
import subprocess
import sys

import pytest

from conftest import GPU_SOFTWARE_STANDIN as GOOD, REPO, _podman

PLAYBOOK = "playbooks/gpu_node_software.yml"


@pytest.fixture(scope="module")
def gpu_pair(node_pair, tmp_path_factory):
    standin = tmp_path_factory.mktemp("standin")
    subprocess.run([sys.executable, "%s/tests/standins/build_apt_repo.py" % REPO, str(standin)], check=True,
                   capture_output=True)
    for name in node_pair.names:
        _podman("cp", str(standin), "%s:/srv/standin" % name)
        # No Debian mirror in the test: only the stand-in repository the inventory names.
        node_pair.sh(name, "mkdir -p /root/apt-off && mv /etc/apt/sources.list.d/* /root/apt-off/ 2>/dev/null;"
                           " rm -f /etc/apt/sources.list /var/lib/apt/lists/*debian*")
    return node_pair


def assert_untouched(nodes):
    for name in nodes.names:
        assert nodes.sh(name, "ls /etc/apt/sources.list.d/ /etc/apt/preferences.d/ | grep -c privateai").stdout.strip() == "0"
        assert nodes.sh(name, "dpkg-query -W -f='${Status}' nvidia-driver-cuda nvidia-container-toolkit 2>/dev/null"
                              " | grep -q 'ok installed'").returncode != 0


def test_one_nodes_bad_input_stops_every_node_before_any_change(gpu_pair):
    first, second = gpu_pair.names
    inventory = gpu_pair.inventory(group_vars=GOOD, host_vars={second: {
        # a reboot throttle of 0 is Ansible's "no limit": every node at once
        "node_reboot_throttle": 0,
        # a typo of a boolean, which "| bool" used to read as false
        "nvidia_dcgm_enabled": "ture",
        # free text that would reach the pin file
        "nvidia_container_toolkit_version": "1.18.0-1\nPin-Priority: -1",
        # the reboot step's drain (roles/node_maintenance): too short for any PodDisruptionBudget to allow an eviction
        "node_maintenance_drain_timeout": 5,
    }})
    result = gpu_pair.playbook(PLAYBOOK, inventory)
    assert result.returncode != 0
    out = " ".join(result.stdout.split()).replace("''", "'")
    assert "node_reboot_throttle: 0 must be a whole number of at least 1" in out, out[-4000:]
    assert "argument 'nvidia_dcgm_enabled' is of type str and we were unable to convert to bool" in out
    assert "'ture' is not a valid boolean" in out
    assert "nvidia_container_toolkit_version: '1.18.0-1\\nPin-Priority: -1' must be a Debian package version" in out
    # ... in the same message as the node maintenance settings the reboot step would drain with.
    assert "node maintenance (reboot step): node_maintenance_drain_timeout is 5: give 30 or more" in out
    count = re.search(r"gpu_node_software on %s: (\d+) bad input value\(s\), nothing was changed" % re.escape(second), out)
    assert count and int(count.group(1)) >= 4, out[-4000:]
    # The good node passed its checks, and still no role started on either node.
    assert re.search(r"ok: \[%s\] => \(item=node_reboot\)" % re.escape(first), result.stdout), result.stdout[-4000:]
    assert "TASK [privateai.deepseek_dify.nvidia_driver" not in result.stdout
    # any_errors_fatal: the good node stops too, the reboot play never starts
    assert "PLAY [Reboot the GPU nodes" not in result.stdout
    assert re.search(r"%s\s*: ok=\d+\s+changed=0\s+unreachable=0\s+failed=0" % re.escape(first), result.stdout), \
        result.stdout[-2000:]
    assert_untouched(gpu_pair)


def test_with_good_input_the_stage_would_change_both_nodes(gpu_pair):
    # What the test above asserts unchanged is what the stage writes: check mode reports changes on both nodes.
    inventory = gpu_pair.inventory(group_vars=GOOD)
    result = gpu_pair.playbook(PLAYBOOK, inventory, "--check")
    assert result.returncode == 0, result.stdout[-4000:]
    for name in gpu_pair.names:
        changed = re.search(r"%s\s*: ok=\d+\s+changed=(\d+)" % re.escape(name), result.stdout)
        assert changed and int(changed.group(1)) > 0, result.stdout[-3000:]
    assert_untouched(gpu_pair)
