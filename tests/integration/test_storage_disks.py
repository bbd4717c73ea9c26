"""The storage preflight's disk decision and the wipe on a lab node that sees file-backed loop devices.

One image carries an ext4 filesystem (made with mkfs.ext4), one a leftover Ceph BlueStore label (its first
bytes, as an OSD writes them), the third is blank, a fourth carries ext4 and is wiped. A loop device has no serial:
block_devices_info gives it its backing file's name as one, so it can be listed for wiping and confirmed. The node is a privileged
throwaway container (without --privileged the container has the device nodes but not their sysfs entries, and
lsblk fails with "failed to get sysfs name"). block_devices_info runs in the container; the decision
(storage_disks filter) on the controller. Needs root and free loop devices on this machine; skipped otherwise.
"""

import json
import os
import shutil
import socket
import subprocess
import uuid

import pytest
import yaml

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
    serials = {}
    try:
        for name in ("ext4", "bluestore", "blank", "wipe"):
            image = directory / ("PRIVATEAI-%s-%s.img" % (name.upper(), uuid.uuid4().hex[:6]))
            with open(str(image), "wb") as handle:
                handle.truncate(SIZE)
            if name in ("ext4", "wipe"):
                made = _run("mkfs.ext4", "-q", "-F", str(image))
                assert made.returncode == 0, made.stderr
            if name == "bluestore":
                with open(str(image), "r+b") as handle:
                    handle.write(b"bluestore block device\n0c6f2a1e-1111-2222-3333-444455556666\n")
            result = _run("losetup", "--find", "--show", str(image))
            if result.returncode != 0:
                pytest.skip("no loop device can be attached here: %s" % result.stderr.strip())
            attached.append(result.stdout.strip())
            serials[name] = image.name
        yield {"ext4": attached[0], "bluestore": attached[1], "blank": attached[2], "wipe": attached[3],
               "serial": serials}
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


def decide(storage_node, inputs, *options, **extra):
    name, inventory, directory = storage_node
    out = directory / ("plan-%s.json" % uuid.uuid4().hex[:6])
    variables = dict({"storage_test_inputs": inputs, "storage_test_out": str(out)}, **extra)
    result = run_playbook(PLAYBOOK, inventory, "-e", json.dumps(variables), *options)
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
    assert "%s: %s (serial %s) refused: it carries ext4 filesystem" % (
        storage_node[0], disk, loop_disks["serial"]["ext4"]) in out, out[-3000:]


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
    # ext4, BlueStore, and the ext4 disk the wipe tests use later
    assert "Storage disk decision refused (3 problems" in out, out[-3000:]
    serial = loop_disks["serial"]
    assert "%s (serial %s) refused: it carries ext4 filesystem" % (kernel(loop_disks["ext4"]), serial["ext4"]) in out, out[-3000:]
    assert "%s (serial %s) refused: it carries Ceph BlueStore label" % (
        kernel(loop_disks["bluestore"]), serial["bluestore"]) in out, out[-3000:]
    assert "%s (serial %s) refused" % (kernel(loop_disks["blank"]), serial["blank"]) not in out


def by_serial(loop_disks, name):
    return {"devices": ["serial:%s" % loop_disks["serial"][name]], "wipe_devices": [loop_disks["serial"][name]]}


def test_disk_listed_for_wiping_without_the_confirmation_is_still_refused(storage_node, loop_disks):
    result, plan = decide(storage_node, by_serial(loop_disks, "wipe"))
    assert result.returncode != 0
    assert plan is None
    out = " ".join(result.stdout.split())
    assert ("%s (serial %s) carries ext4 filesystem and is listed in rook_ceph_wipe_devices, but rook_ceph_wipe_confirm "
            "does not name it for this run" % (kernel(loop_disks["wipe"]), loop_disks["serial"]["wipe"])) in out, out[-3000:]


def test_confirmed_wipe_in_check_mode_wipes_nothing(storage_node, loop_disks):
    serial = loop_disks["serial"]["wipe"]
    result, plan = decide(storage_node, by_serial(loop_disks, "wipe"), "--check", "--diff",
                          storage_test_wipe_confirm=serial)
    assert result.returncode == 0, result.stdout[-3000:]
    out = " ".join(result.stdout.split())
    assert "rook_ceph: would wipe %s (serial %s) at %s: before ext4 filesystem; after blank" % (
        kernel(loop_disks["wipe"]), serial, loop_disks["wipe"]) in out, out[-3000:]
    assert _run("blkid", "-p", "-o", "value", "-s", "TYPE", loop_disks["wipe"]).stdout.strip() == "ext4"


def test_confirmed_wipe_destroys_the_data_and_the_disk_is_then_accepted(storage_node, loop_disks):
    serial = loop_disks["serial"]["wipe"]
    result, plan = decide(storage_node, by_serial(loop_disks, "wipe"), storage_test_wipe_confirm=serial)
    assert result.returncode == 0, result.stdout[-3000:]
    assert [w["serial"] for w in plan["nodes"][storage_node[0]]["wipe"]] == [serial]
    assert "changed: [%s] => (item=%s (serial %s))" % (storage_node[0], kernel(loop_disks["wipe"]), serial) in result.stdout
    # on the test machine too: no signature left, first and last MiB zero
    assert _run("blkid", "-p", loop_disks["wipe"]).returncode == 2
    with open(loop_disks["wipe"], "rb") as handle:
        assert handle.read(1024 * 1024) == b"\0" * (1024 * 1024)
        handle.seek(SIZE - 1024 * 1024)
        assert handle.read(1024 * 1024) == b"\0" * (1024 * 1024)
    # the next run, without a confirmation and with the wipe list still in the inventory, accepts it as blank
    again, plan = decide(storage_node, by_serial(loop_disks, "wipe"))
    assert again.returncode == 0, again.stdout[-3000:]
    node = plan["nodes"][storage_node[0]]
    assert [o["serial"] for o in node["osds"]] == [serial] and node["wipe"] == []
    assert any("is listed in rook_ceph_wipe_devices but is blank; nothing to wipe" in w for w in plan["warnings"])


def storage_playbook(storage_node, devices):
    """playbooks/storage.yml itself, render mode, disks probed on the lab node (rook_ceph_disk_source probe)."""
    name, dummy, directory = storage_node
    inventory = directory / "storage-hosts.yml"
    inventory.write_text(hosts_yml([name]) + "    storage_nodes:\n      hosts:\n        %s:\n" % name)
    render_dir = directory / ("render-%s" % uuid.uuid4().hex[:6])
    variables = {"privateai_k8s_mode": "render", "privateai_render_dir": str(render_dir),
                 "rook_ceph_disk_source": "probe", "rook_ceph_include_loop_devices": True, "rook_ceph_replicas": 1,
                 "rook_ceph_allow_single_replica": True, "rook_ceph_devices": devices}
    result = run_playbook("playbooks/storage.yml", inventory, "-e", json.dumps(variables))
    values = None
    path = render_dir / "storage" / "helm"
    if path.is_dir():
        cluster = [p for p in sorted(path.iterdir()) if p.name.endswith(".values.yaml") and "cluster" in p.name]
        values = yaml.safe_load(cluster[0].read_text()) if cluster else None
    return result, values


def test_storage_playbook_renders_the_probed_decision(storage_node, loop_disks):
    result, values = storage_playbook(storage_node, ["serial:%s" % loop_disks["serial"]["blank"]])
    assert result.returncode == 0, result.stdout[-3000:]
    nodes = values["cephClusterSpec"]["storage"]["nodes"]
    # no udev in the container: no by-id link, so Rook gets the device path (with a warning)
    assert nodes == [{"name": storage_node[0], "devices": [{"name": loop_disks["blank"]}]}]
    assert "has no /dev/disk/by-id link here" in result.stdout


def test_storage_playbook_refuses_a_disk_with_data_before_rendering(storage_node, loop_disks):
    serial = loop_disks["serial"]["ext4"]
    result, values = storage_playbook(storage_node, ["serial:%s" % serial, "serial:%s" % loop_disks["serial"]["blank"]])
    assert result.returncode != 0
    assert values is None  # nothing rendered
    out = " ".join(result.stdout.split())
    assert "rook_ceph: 1 problem(s)" in out, out[-3000:]
    assert "%s: %s (serial %s) refused: it carries ext4 filesystem" % (
        storage_node[0], kernel(loop_disks["ext4"]), serial) in out, out[-3000:]


def test_apply_mode_wipes_nothing_when_the_api_server_does_not_answer(storage_node, loop_disks, tmp_path):
    """The wipe is confirmed, but a run that cannot apply must not have wiped: the storage playbook asks the API
    server first and stops, the disk keeps its filesystem."""
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "lab",
        "clusters": [{"name": "lab", "cluster": {"server": "https://127.0.0.1:%d" % port}}],
        "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "lab"}}],
        "users": [{"name": "lab", "user": {"token": "test-double-token"}}]}))
    name, dummy, directory = storage_node
    inventory = directory / "storage-hosts.yml"
    inventory.write_text(hosts_yml([name]) + "    storage_nodes:\n      hosts:\n        %s:\n" % name)
    serial = loop_disks["serial"]["ext4"]
    variables = {"privateai_k8s_mode": "apply", "privateai_render_dir": str(tmp_path / "render"),
                 "privateai_kubeconfig": str(kubeconfig), "rook_ceph_include_loop_devices": True,
                 "rook_ceph_replicas": 1, "rook_ceph_allow_single_replica": True,
                 "rook_ceph_devices": ["serial:%s" % serial], "rook_ceph_wipe_devices": [serial],
                 "rook_ceph_wipe_confirm": serial}
    result = run_playbook("playbooks/storage.yml", inventory, "-e", json.dumps(variables))
    assert result.returncode != 0
    out = " ".join(result.stdout.split())
    assert "rook_ceph: the API server (kubeconfig %s, context current) does not answer" % kubeconfig in out, out[-3000:]
    assert "nothing was wiped" in out
    assert _run("blkid", "-p", "-o", "value", "-s", "TYPE", loop_disks["ext4"]).stdout.strip() == "ext4"
    assert not (tmp_path / "render").exists()
