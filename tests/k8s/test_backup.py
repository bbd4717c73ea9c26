# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup stage (roles/backup) as rendered for the example inventories: the Velero chart's objects made from our
values, the Schedule, bucket claim and snapshot classes against their CRD schemas, and the snapshot classes against
the storage stage's own StorageClasses."""

import json
import os
import subprocess

import pytest

import chart_render
import checks
from conftest import BIN, REPO, releases


def stage_files(render_dir):
    folder = os.path.join(render_dir, "backup", "manifests")
    return [checks.load_documents(os.path.join(folder, name))[0] for name in sorted(os.listdir(folder))]


def velero_objects(render_dir):
    found = [(r, v) for stage, r, v in releases(render_dir) if stage == "backup"]
    assert len(found) == 1 and found[0][0]["chart"] == "velero", found
    return chart_render.render_release(*found[0])


@pytest.mark.parametrize("name", ["prod", "prod-h100x8", "h200x8-single"])
def test_schedule_location_and_classes_of_each_inventory(renders, name):
    docs = stage_files(renders[name])
    assert chart_render.validate_objects(docs, "backup") == []
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == ["ConfigMap", "Namespace", "ObjectBucketClaim", "Schedule", "VolumeSnapshotClass",
                     "VolumeSnapshotClass"]
    schedule = [d for d in docs if d["kind"] == "Schedule"][0]
    assert schedule["spec"]["schedule"] == "0 3 * * *" and schedule["spec"]["template"]["storageLocation"] == "default"
    objects = velero_objects(renders[name])
    location = [o for o in objects if o["kind"] == "BackupStorageLocation"]
    assert len(location) == 1 and location[0]["metadata"]["name"] == "default"
    assert location[0]["spec"]["objectStorage"] == {"bucket": "privateai-backups"}
    assert location[0]["spec"]["config"]["s3Url"] == "http://rook-ceph-rgw-ceph-objectstore.rook-ceph.svc:80"
    assert chart_render.validate_objects(location, "velero BackupStorageLocation") == []
    server = [o for o in objects if o["kind"] == "Deployment"][0]["spec"]["template"]["spec"]
    args = server["containers"][0]["args"]
    assert "--features=EnableCSI" in args and "--default-snapshot-move-data=true" in args
    assert server["containers"][0]["envFrom"] == [{"secretRef": {"name": "privateai-backups"}}]
    assert [c["name"] for c in server["initContainers"]] == ["velero-plugin-for-aws"]
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "DaemonSet"] == ["node-agent"]


def test_snapshot_classes_name_the_drivers_of_the_storage_classes(renders):
    """The VolumeSnapshotClasses' drivers are the provisioners of the Ceph StorageClasses the storage stage renders."""
    from test_storage import cluster_objects

    provisioners = set(o["provisioner"] for o in cluster_objects(renders["prod"])["StorageClass"]
                       if o["metadata"]["name"] in ("ceph-block", "ceph-filesystem"))
    drivers = set(d["driver"] for d in stage_files(renders["prod"]) if d["kind"] == "VolumeSnapshotClass")
    assert drivers == provisioners and len(drivers) == 2


def test_weights_class_skipped_is_the_storage_stage_rwx_class(renders):
    policy = [d for d in stage_files(renders["prod"]) if d["kind"] == "ConfigMap"][0]
    assert json.loads(policy["data"]["policy.yaml"])["volumePolicies"][0]["conditions"] == {
        "storageClass": ["ceph-filesystem"]}


def test_bad_input_stops_the_playbook_before_anything_is_rendered(tmp_path):
    render_dir = str(tmp_path / "render")
    command = [os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, "playbooks", "backup.yml"),
               "-i", os.path.join(REPO, "inventories", "prod"), "-e", "privateai_k8s_mode=render",
               "-e", "privateai_render_dir=" + render_dir,
               "-e", json.dumps({"backup_schedule_cron": "3am", "backup_time_zone": "Beijing",
                                 "backup_location": "s3", "backup_s3": {"url": "https://s3.example.internal"}})]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "backup: 4 problem(s)" in output, output[-3000:]
    for part in ("backup_schedule_cron is '3am'", "backup_time_zone is 'Beijing'", "backup_s3.bucket is None",
                 "backup_s3.credentials_secret is None"):
        assert part in output
    assert not os.path.exists(render_dir), "files were rendered although the input was refused"


def test_apply_mode_against_an_unreachable_api_fails_before_anything_changes(tmp_path):
    # Alone (no storage stage in the run): the off-site S3 location.
    checks.apply_against_unreachable_api(tmp_path, "backup.yml", {
        "backup_location": "s3", "backup_s3": {"url": "https://s3.example.internal", "bucket": "site-a",
                                               "credentials_secret": "s3"}})
