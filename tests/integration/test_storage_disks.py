"""The storage preflight's disk decision on a lab node that sees two file-backed loop devices.

One image carries an ext4 filesystem (made with mkfs.ext4), one a leftover Ceph BlueStore label (its first
bytes, as an OSD writes them), the third is blank. The node is a privileged
throwaway container (without --privileged the container has the device nodes but not their sysfs entries, and
lsblk fails with "failed to get sysfs name"). block_devices_info runs in the container; the decision
(storage_disks filter) on the controller. Needs root and free loop devices on this machine; skipped otherwise.
"""

import json
import os
import shutil
import subprocess
import uuid

import pytest

from conftest import IMAGE, hosts_yml, run_playbook

PLAYBOOK = "tests/integration/playbooks/storage_disks_preflight.yml"
SIZE = 71 * 1024 * 1024  # an odd size, so no other loop device on this machine matches the filter case


def _run(*cmd):
    return subprocess.run(list(cmd), capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def loop_disks(tmp_path_factory):
    if os.geteuid() != 0 or not shutil.which("losetup") or not shutil.which("mkfs.ext4"):
        pytest.skip("loop devices need root, losetup and mkfs.ext4 on this machine")
    directory = tmp_path_factory.mktemp("loop")
    attached = []
    try:
        for name in ("ext4", "bluestore", "blank"):
            image = directory / ("%s.img" % name)
            with open(str(image), "wb") as handle:
                handle.truncate(SIZE)
            if name == "ext4":
                made = _run("mkfs.ext4", "-q", "-F", str(image))
                assert made.returncode == 0, made.stderr
            if name == "bluestore":
                with open(str(image), "r+b") as handle:
                    handle.write(b"bluestore block device\n0c6f2a1e-1111-2222-3333-444455556666\n")
            result = _run("losetup", "--find", "--show", str(image))
            if result.returncode != 0:
                pytest.skip("no loop device can be attached here: %s" % result.stderr.strip())
            attached.append(result.stdout.strip())
        yield {"ext4": attached[0], "bluestore": attached[1], "blank": attached[2]}
    finally:
        for device in attached:  # only the devices this test attached
            _run("losetup", "--detach", device)


@pytest.fixture(scope="module")
def storage_node(tmp_path_factory, loop_disks):
    name = "privateai-it-%s" % uuid.uuid4().hex[:8]
    started = _run("podman", "run", "-d", "--name", name, "--hostname", name, "--privileged", "--systemd=always",
                   "--label", "io.privateai.test=1", IMAGE, "/sbin/init")
    assert started.returncode == 0, started.stderr
    directory = tmp_path_factory.mktemp("storage")
    inventory = directory / "hosts.yml"
    inventory.write_text(hosts_yml([name]))
    try:
        yield name, inventory, directory
    finally:
        _run("podman", "rm", "-f", name)


def decide(storage_node, inputs, **extra):
    name, inventory, directory = storage_node
    out = directory / ("plan-%s.json" % uuid.uuid4().hex[:6])
    variables = dict({"storage_test_inputs": inputs, "storage_test_out": str(out)}, **extra)
    result = run_playbook(PLAYBOOK, inventory, "-e", json.dumps(variables))
    plan = json.loads(out.read_text()) if out.exists() else None
    return result, plan


def kernel(device):
    return device.rsplit("/", 1)[-1]


def test_disk_with_a_filesystem_is_refused_and_named(storage_node, loop_disks):
    disk = kernel(loop_disks["ext4"])
    result, plan = decide(storage_node, {"devices": [disk], "allow_kernel_names": True})
    assert result.returncode != 0, result.stdout[-2000:]
    assert plan is None  # the run stopped before anything was decided on
    out = " ".join(result.stdout.split())
    assert "Storage disk decision refused" in out, out[-3000:]
    assert "%s: %s (no serial or WWN) refused: it carries ext4 filesystem" % (storage_node[0], disk) in out, out[-3000:]


def test_blank_disk_is_accepted(storage_node, loop_disks):
    disk = kernel(loop_disks["blank"])
    result, plan = decide(storage_node, {"devices": [disk], "allow_kernel_names": True})
    assert result.returncode == 0, result.stdout[-3000:]
    node = plan["nodes"][storage_node[0]]
    assert [o["name"] for o in node["osds"]] == [disk]
    assert node["rook_devices"] == [{"name": loop_disks["blank"]}]
    assert node["wipe"] == []
    assert any("is a kernel name" in w for w in plan["warnings"])


def test_filter_refuses_the_disks_with_data_and_not_the_blank_one(storage_node, loop_disks):
    flt = {"min_size": SIZE, "max_size": SIZE}
    result, plan = decide(storage_node, {"device_filter": flt})
    assert result.returncode != 0, result.stdout[-2000:]
    out = " ".join(result.stdout.split())
    assert "Storage disk decision refused (2 problems" in out, out[-3000:]
    assert "%s (no serial or WWN) refused: it carries ext4 filesystem" % kernel(loop_disks["ext4"]) in out, out[-3000:]
    assert "%s (no serial or WWN) refused: it carries Ceph BlueStore label" % kernel(loop_disks["bluestore"]) in out, out[-3000:]
    assert "%s (no serial or WWN) refused" % kernel(loop_disks["blank"]) not in out
