# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup stage's input checks and building (plugins/plugin_utils/k8s_backup.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_backup as kb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from role_defaults import role_settings  # noqa: E402  (the shared test helper)

# The templated defaults as a run with the storage stage gives them (rook_ceph_outputs).
TEMPLATED = {"backup_tolerate_control_plane": False, "backup_bucket_storage_class": "ceph-bucket",
             "backup_object_store_endpoint": "http://rook-ceph-rgw-ceph-objectstore.rook-ceph.svc:80",
             "backup_model_weights_storage_class": "ceph-filesystem"}
S3 = {"url": "https://s3.backup.example.internal", "bucket": "site-a-backups", "region": "eu-west-1",
      "credentials_secret": "offsite-s3", "prefix": "privateai/prod"}


def defaults(**overrides):
    """roles/backup/defaults/main.yml as the role passes it (templated defaults as TEMPLATED gives them)."""
    return role_settings("backup", TEMPLATED, **overrides)


def manifests(result, kind):
    return [m["definition"] for m in result["stage"]["manifests"] if m["definition"]["kind"] == kind]


def values(result):
    return result["stage"]["releases"][0]["values"]


# (id, overrides, text every problem list must contain)
BAD = [
    ("cron of four fields", {"backup_schedule_cron": "0 3 * *"}, ["backup_schedule_cron is '0 3 * *'"]),
    ("cron with a shell word", {"backup_schedule_cron": "0 3 * * $(reboot)"}, ["backup_schedule_cron"]),
    ("time zone not IANA", {"backup_time_zone": "Beijing time"}, ["backup_time_zone is 'Beijing time'"]),
    ("retention not a duration", {"backup_retention": "30 days"}, ["backup_retention is '30 days'"]),
    ("no namespace to back up", {"backup_included_namespaces": []}, ["backup_included_namespaces is empty"]),
    ("namespace not a label", {"backup_included_namespaces": ["Dify"]}, ["backup_included_namespaces[0]"]),
    ("unknown location", {"backup_location": "nfs"}, ["backup_location"]),
    ("object store without the storage stage", {"backup_bucket_storage_class": "", "backup_object_store_endpoint": ""},
     ["backup_location is object_store but backup_bucket_storage_class is ''"]),
    ("s3 without settings", {"backup_location": "s3"}, ["backup_location is s3 but backup_s3 is empty"]),
    ("s3 without bucket or Secret", {"backup_location": "s3", "backup_s3": {"url": "https://s3.example.internal"}},
     ["backup_s3.bucket is None", "backup_s3.credentials_secret is None"]),
    ("s3 url with a path and unknown key", {"backup_location": "s3", "backup_s3": dict(S3, url="s3.example", key="x")},
     ["backup_s3.url is 's3.example'", "key"]),
    ("dump folder with a space", {"backup_postgres_dump_dir": "/var/lib/postgresql/data/my dump"},
     ["backup_postgres_dump_dir is '/var/lib/postgresql/data/my dump'"]),
    ("dump without selector", {"backup_postgres_selector": {}}, ["backup_postgres_selector is empty"]),
    ("selector value not a label", {"backup_postgres_selector": {"cnpg.io/instanceRole": "primary db"}},
     ["backup_postgres_selector"]),
    ("plugin image not a reference", {"backup_aws_plugin_image": "velero plugin"}, ["backup_aws_plugin_image"]),
    ("misspelt variable", {"backup_schedule": "0 3 * * *"}, ["backup_schedule is not a setting"]),
]


@pytest.mark.parametrize("overrides,expected", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_is_refused_with_every_problem(overrides, expected):
    result = kb.backup_stage(defaults(**overrides))
    assert result["stage"] is None
    text = "\n".join(result["problems"])
    for part in expected:
        assert part in text, text


def test_several_problems_come_at_once():
    result = kb.backup_stage(defaults(backup_schedule_cron="3am", backup_time_zone="CET+1", backup_retention="month"))
    assert len(result["problems"]) == 3, result["problems"]


def test_defaults_back_up_to_the_object_store_at_three():
    result = kb.backup_stage(defaults())
    assert result["problems"] == []
    assert [w for w in result["warnings"] if "stay on this cluster's Ceph" in w]
    claim = manifests(result, "ObjectBucketClaim")[0]
    assert claim["spec"] == {"bucketName": "privateai-backups", "storageClassName": "ceph-bucket"}
    location = values(result)["configuration"]["backupStorageLocation"]
    assert location == [{"name": "default", "provider": "aws", "bucket": "privateai-backups", "default": True,
                         "config": {"region": "us-east-1", "s3ForcePathStyle": "true",
                                    "s3Url": "http://rook-ceph-rgw-ceph-objectstore.rook-ceph.svc:80"}}]
    # The bucket claim's Secret (the keys Rook generates) as Velero's environment; no secret in the values.
    assert values(result)["credentials"] == {"useSecret": False, "extraSecretRef": "privateai-backups"}
    schedule = manifests(result, "Schedule")[0]["spec"]
    assert schedule["schedule"] == "0 3 * * *"
    assert schedule["template"]["ttl"] == "720h" and schedule["template"]["includedNamespaces"] == ["dify", "serving"]
    assert schedule["template"]["snapshotMoveData"] is True and values(result)["deployNodeAgent"] is True
    assert result["outputs"] == {"namespace": "velero", "schedule": "daily", "storage_location": "default"}


def test_offsite_s3_takes_the_site_secret():
    result = kb.backup_stage(defaults(backup_location="s3", backup_s3=S3))
    assert result["problems"] == [] and result["warnings"] == []
    assert manifests(result, "ObjectBucketClaim") == []
    location = values(result)["configuration"]["backupStorageLocation"][0]
    assert location["credential"] == {"name": "offsite-s3", "key": "cloud"}
    assert location["prefix"] == "privateai/prod" and location["config"]["s3Url"] == S3["url"]
    assert location["config"]["region"] == "eu-west-1"
    assert values(result)["credentials"] == {"useSecret": False}


def test_time_zone_reaches_the_cron_expression():
    schedule = manifests(kb.backup_stage(defaults(backup_time_zone="Asia/Shanghai", backup_schedule_cron="30 2 * * 1-5")),
                         "Schedule")[0]
    assert schedule["spec"]["schedule"] == "CRON_TZ=Asia/Shanghai 30 2 * * 1-5"


def test_the_postgres_dump_runs_before_the_snapshot_on_the_primary():
    hooks = manifests(kb.backup_stage(defaults()), "Schedule")[0]["spec"]["template"]["hooks"]["resources"]
    assert len(hooks) == 1
    hook = hooks[0]
    assert hook["includedNamespaces"] == ["dify"]
    assert hook["labelSelector"] == {"matchLabels": {"cnpg.io/instanceRole": "primary"}}
    command = hook["pre"][0]["exec"]
    assert command["container"] == "postgres" and command["onError"] == "Fail" and command["timeout"] == "10m"
    assert command["command"][:2] == ["/bin/sh", "-c"]
    assert "pg_dumpall --clean --if-exists -f /var/lib/postgresql/data/privateai-dump/dumpall.sql.partial" in command["command"][2]
    assert "post" not in hook
    off = manifests(kb.backup_stage(defaults(backup_postgres_dump=False)), "Schedule")[0]["spec"]["template"]
    assert "hooks" not in off


# (id, include weights, weights class, expected policy ConfigMap)
WEIGHTS = [
    ("weights skipped", False, "ceph-filesystem", True),
    ("weights asked for", True, "ceph-filesystem", False),
    ("no weights class known", False, "", False),
]


@pytest.mark.parametrize("include,storage_class,policy", [c[1:] for c in WEIGHTS], ids=[c[0] for c in WEIGHTS])
def test_model_weights_are_skipped_unless_asked(include, storage_class, policy):
    result = kb.backup_stage(defaults(backup_include_model_weights=include,
                                      backup_model_weights_storage_class=storage_class))
    maps = manifests(result, "ConfigMap")
    template = manifests(result, "Schedule")[0]["spec"]["template"]
    if policy:
        assert json.loads(maps[0]["data"]["policy.yaml"]) == {
            "version": "v1", "volumePolicies": [{"conditions": {"storageClass": ["ceph-filesystem"]},
                                                 "action": {"type": "skip"}}]}
        assert template["resourcePolicy"] == {"kind": "configmap", "name": maps[0]["metadata"]["name"]}
    else:
        assert maps == [] and "resourcePolicy" not in template


def test_snapshot_classes_follow_the_rook_namespace():
    classes = manifests(kb.backup_stage(defaults(backup_ceph_namespace="ceph")), "VolumeSnapshotClass")
    assert sorted(c["driver"] for c in classes) == ["ceph.cephfs.csi.ceph.com", "ceph.rbd.csi.ceph.com"]
    assert all(c["metadata"]["labels"]["velero.io/csi-volumesnapshot-class"] == "true" for c in classes)
    assert all(c["parameters"]["clusterID"] == "ceph" for c in classes)
    assert manifests(kb.backup_stage(defaults(backup_volume_snapshot_classes=False)), "VolumeSnapshotClass") == []


def test_mirror_reaches_every_image():
    result = kb.backup_stage(defaults(backup_image_registry="registry.example.internal:5000",
                                      backup_image_pull_secrets=["mirror-login"]))
    assert values(result)["image"] == {"repository": "registry.example.internal:5000/velero/velero",
                                       "imagePullSecrets": ["mirror-login"]}
    assert values(result)["kubectl"]["image"]["repository"] == "registry.example.internal:5000/kubectl"
    assert values(result)["initContainers"][0]["image"] == "registry.example.internal:5000/velero/velero-plugin-for-aws:v1.14.0"


def test_disabled_renders_nothing():
    result = kb.backup_stage(defaults(backup_enabled=False))
    assert result["enabled"] is False and result["stage"] is None and result["problems"] == []
