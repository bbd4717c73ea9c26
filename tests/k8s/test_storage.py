# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The storage stage (roles/rook_ceph) through the real pinned Rook charts: the Ceph custom resources the charts
make from the rendered values (StorageClasses, encryption, Vault KMS, networks), read from the objects."""

import json
import os
import subprocess
import sys

import pytest
import yaml

import chart_render
import checks
from conftest import BIN, REPO, releases

# The collection (collections/ansible_collections/privateai/deepseek_dify links to the repository) and the unit
# tests' helpers.
sys.path.insert(0, os.path.join(REPO, "collections"))
sys.path.insert(0, os.path.join(REPO, "tests", "unit", "plugins", "plugin_utils"))

import test_k8s_storage as unit  # noqa: E402  (the role defaults as the unit tests read them)

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_storage  # noqa: E402


def cluster_objects(render_dir):
    """{kind: [object]} the rook-ceph-cluster chart renders from the storage stage's values."""
    found = [(r, v) for stage, r, v in releases(render_dir) if stage == "storage" and r["chart"] == "rook-ceph-cluster"]
    assert len(found) == 1, found
    return by_kind(chart_render.render_release(*found[0]))


def by_kind(objects):
    out = {}
    for obj in objects:
        out.setdefault(obj["kind"], []).append(obj)
    return out


def test_storage_classes_of_each_inventory(renders):
    for name in ("prod", "prod-h100x8", "h200x8-single"):
        objects = cluster_objects(renders[name])
        classes = dict((o["metadata"]["name"], o) for o in objects["StorageClass"])
        assert sorted(classes) == ["ceph-block", "ceph-bucket", "ceph-filesystem"], name
        assert classes["ceph-block"]["provisioner"].endswith("rbd.csi.ceph.com")
        assert classes["ceph-filesystem"]["provisioner"].endswith("cephfs.csi.ceph.com")
        assert classes["ceph-bucket"]["provisioner"].endswith("ceph.rook.io/bucket")
        default = classes["ceph-block"]["metadata"].get("annotations", {}).get("storageclass.kubernetes.io/is-default-class")
        assert default == "true", name


# (render, hosts, replicas, mons)
SHAPES = [("prod", 4, 3, 3), ("prod-h100x8", 3, 3, 3), ("h200x8-single", 1, 1, 1)]


@pytest.mark.parametrize("name,hosts,replicas,mons", SHAPES, ids=[s[0] for s in SHAPES])
def test_osds_replicas_and_encryption_per_inventory(renders, name, hosts, replicas, mons):
    objects = cluster_objects(renders[name])
    spec = objects["CephCluster"][0]["spec"]
    assert len(spec["storage"]["nodes"]) == hosts and spec["storage"]["useAllDevices"] is False
    assert all(d["name"].startswith("/dev/disk/by-id/") for n in spec["storage"]["nodes"] for d in n["devices"])
    assert spec["storage"]["config"]["encryptedDevice"] == "true"
    assert spec["mon"]["count"] == mons
    assert objects["CephBlockPool"][0]["spec"]["replicated"]["size"] == replicas
    assert objects["CephFilesystem"][0]["spec"]["dataPools"][0]["replicated"]["size"] == replicas


# (render, addressRanges expected: the subnets of privateai_fabric, or none on a host network)
NETWORKS = [("prod", ["10.224.0.0/24"]), ("prod-h100x8", ["10.224.0.0/24"]), ("h200x8-single", None)]


@pytest.mark.parametrize("name,ranges", NETWORKS, ids=[n[0] for n in NETWORKS])
def test_ceph_networks_on_the_fabric(renders, name, ranges):
    network = cluster_objects(renders[name])["CephCluster"][0]["spec"]["network"]
    assert network["provider"] == "host"
    if ranges is None:
        assert "addressRanges" not in network
    else:
        assert network["addressRanges"] == {"public": ranges, "cluster": ranges}


def test_vault_kms_reaches_the_ceph_cluster():
    kms = {"address": "https://vault.example.internal:8200", "token_secret": "rook-vault-token",
           "backend_path": "privateai/ceph", "secret_engine": "kv", "tls_server_name": "vault.example.internal"}
    result = k8s_storage.rook_ceph_stage(unit.defaults(rook_ceph_kms=kms), unit.nodes(3), unit.FABRIC)
    assert result["problems"] == []
    release = [r for r in result["stage"]["releases"] if r["chart"] == "rook-ceph-cluster"][0]
    objects, problems = chart_render.render_and_validate(release, release["values"])
    assert problems == []
    security = by_kind(objects)["CephCluster"][0]["spec"]["security"]["kms"]
    assert security["tokenSecretName"] == "rook-vault-token"
    assert security["connectionDetails"] == {"KMS_PROVIDER": "vault", "VAULT_ADDR": "https://vault.example.internal:8200",
                                             "VAULT_BACKEND_PATH": "privateai/ceph", "VAULT_SECRET_ENGINE": "kv",
                                             "VAULT_TLS_SERVER_NAME": "vault.example.internal"}


def test_mirror_registry_reaches_the_operator_images():
    result = k8s_storage.rook_ceph_stage(unit.defaults(rook_ceph_image_registry="registry.example.internal:5000"),
                                         unit.nodes(3), None)
    release = [r for r in result["stage"]["releases"] if r["chart"] == "rook-ceph"][0]
    objects, problems = chart_render.render_and_validate(release, release["values"])
    assert problems == []
    operator = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "rook-ceph-operator"][0]
    assert operator["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example.internal:5000/rook/ceph:v1.20.6"


def test_apply_mode_against_an_unreachable_api_fails_before_anything_changes(tmp_path):
    """playbooks/storage.yml alone in apply mode: the preflight of k8s_render_apply stops it, as for the platform."""
    # The example nodes do not exist: the disks as the inventory declares them (the probe is the next test's).
    checks.apply_against_unreachable_api(tmp_path, "storage.yml", "rook_ceph_disk_source=inventory")


def test_apply_mode_probe_of_unreachable_storage_nodes_names_every_node_before_anything_changes(tmp_path):
    """Apply mode probes the storage nodes' disks (rook_ceph_disk_source probe); prod's nodes do not exist: the
    decision names each node without a block_devices_info result, in one failure, and nothing is rendered."""
    render_dir = str(tmp_path / "render")
    command = [os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, "playbooks", "storage.yml"),
               "-i", os.path.join(REPO, "inventories", "prod"), "-e", "privateai_k8s_mode=apply",
               "-e", "privateai_render_dir=" + render_dir, "-e", "ansible_ssh_common_args='-o ConnectTimeout=3'"]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    # each node, and the replicas that no node's disks can carry
    assert "rook_ceph: 5 problem(s)" in output, output[-3000:]
    for node in ("gpu01", "gpu02", "gpu03", "gpu04"):
        assert "%s.example.internal: no block_devices_info result for this storage node" % node in output, output[-3000:]
    assert "Failed to connect to the host" in output
    assert not os.path.exists(render_dir), "files were rendered although the disks were not decided"


def test_bad_input_stops_the_playbook_before_anything_is_rendered(tmp_path):
    """Replicas above the hosts, a Vault KMS without token Secret, a class the site has and a kernel name not
    acknowledged on each node: all named in one failure, nothing written."""
    render_dir = str(tmp_path / "render")
    command = [os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, "playbooks", "storage.yml"),
               "-i", os.path.join(REPO, "inventories", "prod-h100x8"), "-e", "privateai_k8s_mode=render",
               "-e", "privateai_render_dir=" + render_dir,
               "-e", json.dumps({"rook_ceph_replicas": 4, "rook_ceph_kms": {"address": "https://vault.example.internal:8200"},
                                 "rook_ceph_existing_storage_classes": ["ceph-filesystem"],
                                 # extra vars reach every storage node: each one's kernel name is refused, by node
                                 "rook_ceph_devices": ["sdb"]})]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "rook_ceph: 6 problem(s)" in output, output[-3000:]
    for node in ("stor01", "stor02", "stor03"):
        assert "rook_ceph_devices[0] of node %s.example.internal is 'sdb', a kernel name" % node in output
    assert "rook_ceph_replicas is 4 but storage_nodes has 3 host(s)" in output
    assert "rook_ceph_kms.token_secret is None" in output
    assert "rook_ceph_filesystem_storage_class is 'ceph-filesystem': the site already has" in output
    assert not os.path.exists(render_dir), "files were rendered although the input was refused"


def test_inventory_disk_forms_reach_rook_through_the_real_chart():
    """serial: entries (devicePathFilter), wwn: entries (by-id links) and nvme_only (deviceFilter), as the CephCluster
    CRD schema and the chart's values take them."""
    given = [{"name": "stor01", "devices": ["serial:S64HNE0T200001", "wwn:0x5000c500a1b2c301"]},
             {"name": "stor02", "device_filter": {"nvme_only": True}},
             {"name": "stor03", "devices": ["/dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_S64HNE0T200003"]}]
    result = k8s_storage.rook_ceph_stage(unit.defaults(), given, unit.FABRIC)
    assert result["problems"] == []
    release = [r for r in result["stage"]["releases"] if r["chart"] == "rook-ceph-cluster"][0]
    assert chart_render.release_problems(release, release["values"]) == []
    nodes = dict((n["name"], n) for n in by_kind(chart_render.render_release(release, release["values"]))[
        "CephCluster"][0]["spec"]["storage"]["nodes"])
    assert nodes["stor01"]["devicePathFilter"] == "^/dev/disk/by-id/[^/]+[_-](S64HNE0T200001)$"
    assert nodes["stor01"]["devices"] == [{"name": "/dev/disk/by-id/wwn-0x5000c500a1b2c301"}]
    assert nodes["stor02"] == {"name": "stor02", "deviceFilter": "^nvme[0-9]+n[0-9]+$"}
    assert result["health"]["planned_osds"] is None  # Rook decides how many NVMe namespaces stor02 has


def test_external_mode_renders_classes_and_no_osds(tmp_path):
    """rook_ceph_mode external on the prod inventory: the CephCluster connects (external.enable), no pools and no
    OSDs, the StorageClasses name the site's pools; everything valid against the schemas."""
    import conftest  # looked up by name: pylint resolves "conftest" to tests/integration/conftest.py

    run_one_playbook, rendered_files = getattr(conftest, "run_one_playbook"), getattr(conftest, "rendered_files")
    external = {"rbd_pool": "site-rbd", "filesystem_name": "sitefs", "filesystem_data_pool": "sitefs-data",
                "rgw_endpoint": "10.20.0.5:8080"}
    render_dir = str(tmp_path / "render")
    result = run_one_playbook("playbooks/storage.yml", "prod", render_dir,
                              {"rook_ceph_mode": "external", "rook_ceph_external": external})
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    objects = cluster_objects(render_dir)
    spec = objects["CephCluster"][0]["spec"]
    assert spec["external"] == {"enable": True}
    assert "CephBlockPool" not in objects and "CephFilesystem" not in objects
    assert objects["CephObjectStore"][0]["spec"]["gateway"]["externalRgwEndpoints"] == [{"ip": "10.20.0.5"}]
    assert [o["metadata"]["name"] for o in objects["StorageClass"]] == ["ceph-bucket"]
    classes = []
    for path in rendered_files(render_dir, "manifests"):
        with open(path) as handle:
            classes += [o for o in yaml.safe_load_all(handle) if o and o["kind"] == "StorageClass"]
    assert chart_render.validate_objects(classes, "storage manifests") == []
    by_name = dict((c["metadata"]["name"], c) for c in classes)
    assert sorted(by_name) == ["ceph-block", "ceph-filesystem"]
    assert by_name["ceph-block"]["provisioner"] == "rook-ceph.rbd.csi.ceph.com"
    assert by_name["ceph-block"]["parameters"]["pool"] == "site-rbd"
    assert by_name["ceph-filesystem"]["parameters"]["fsName"] == "sitefs"
    for release, values in [(r, v) for stage, r, v in releases(render_dir) if stage == "storage"]:
        assert chart_render.release_problems(release, values) == [], release["chart"]
