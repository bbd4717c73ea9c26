# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks and stage building of the backup stage (role backup, stage ``backup``).

``backup_stage(settings)`` takes the role's variables by name (as the inventory gave them), converts every value as
the role's argument spec declares it, checks each value's syntax and the combinations Velero would refuse later, and
builds as data, only when there is no problem:

- the Velero Helm release (pinned, mirror-overridable) with CSI snapshots, the data mover (node agent) that copies
  each snapshot's data into the backup location, and the AWS (S3) plugin; the BackupStorageLocation on the storage
  stage's object store (an ObjectBucketClaim whose Secret gives Velero its keys) or on the site's off-site S3;
- VolumeSnapshotClasses for the Ceph RBD and CephFS drivers, marked for Velero;
- the daily Schedule (cron, time zone, retention), with a pre-hook that writes a consistent logical dump of Dify's
  PostgreSQL (pg_dumpall on the primary, into its data volume) before the volumes are snapshotted, and a resource
  policy that skips the model weights' volumes (re-downloadable) unless asked.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import re

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

PUBLISHED = ("backup_k8s_stage", "backup_outputs")
LOCATIONS = ("object_store", "s3")
S3_KEYS = ("url", "bucket", "region", "credentials_secret", "credentials_key", "prefix")
CRON_FIELD_RE = re.compile(r"^[0-9*/,-]+$")
TIME_ZONE_RE = re.compile(r"^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2})$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
PREFIX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$")
UPSTREAM = {"velero": "docker.io/velero/velero", "kubectl": "registry.k8s.io/kubectl"}
SNAPSHOT_CLASS_LABEL = "velero.io/csi-volumesnapshot-class"


def check_cron(name, value):
    """A five-field cron expression (minute hour day month weekday) of digits, '*', '/', ',' and '-'."""
    fields = value.split() if isinstance(value, str) else []
    if len(fields) != 5 or not all(CRON_FIELD_RE.match(f) for f in fields) or v.one_line(value) is not None:
        return ["%s is %s: give a five-field cron expression such as '0 3 * * *' (03:00 every day)"
                % (name, v.describe(value))]
    return []


def check_time_zone(name, value):
    if value and not TIME_ZONE_RE.match(value):
        return ["%s is %s: give an IANA time zone such as Asia/Shanghai or UTC, or empty for the Velero server's (UTC)"
                % (name, v.describe(value))]
    return []


def _s3(reader):
    s3 = reader.read("backup_s3", v.to_dict)
    if not s3:
        return s3
    problems = v.unknown_keys("backup_s3", s3, S3_KEYS)
    if not isinstance(s3.get("url"), str) or not URL_RE.match(s3["url"]):
        problems.append("backup_s3.url is %s: give the S3 endpoint, such as https://s3.backup.example.internal"
                        % v.describe(s3.get("url")))
    if not isinstance(s3.get("bucket"), str) or not BUCKET_RE.match(s3["bucket"]):
        problems.append("backup_s3.bucket is %s: give the bucket name (3-63 lower-case letters, digits, '.', '-')"
                        % v.describe(s3.get("bucket")))
    if not s3.get("credentials_secret"):
        problems.append("backup_s3.credentials_secret is %s: give the Secret in the Velero namespace that holds the "
                        "S3 keys as an AWS credentials file (key cloud)" % v.describe(s3.get("credentials_secret")))
    else:
        problems += v.check_dns_subdomain("backup_s3.credentials_secret", s3["credentials_secret"])
    if "credentials_key" in s3 and (not isinstance(s3["credentials_key"], str) or
                                    not re.match(r"^[-._a-zA-Z0-9]+$", s3["credentials_key"])):
        problems.append("backup_s3.credentials_key is %s: give a Secret key name" % v.describe(s3["credentials_key"]))
    if "region" in s3 and (not isinstance(s3["region"], str) or not re.match(r"^[a-z0-9-]+$", s3["region"])):
        problems.append("backup_s3.region is %s: give a region such as us-east-1" % v.describe(s3["region"]))
    if "prefix" in s3 and (not isinstance(s3["prefix"], str) or not PREFIX_RE.match(s3["prefix"])):
        problems.append("backup_s3.prefix is %s: give a folder in the bucket (letters, digits, . _ / -)"
                        % v.describe(s3["prefix"]))
    reader.add(problems)
    return None if problems else s3


def read_settings(reader):
    s = {}
    s["location"] = reader.read("backup_location", v.to_choice, LOCATIONS)
    for name in ("bucket_storage_class", "object_store_endpoint", "bucket_name", "schedule_name", "time_zone",
                 "model_weights_storage_class", "ceph_namespace", "postgres_namespace", "postgres_container",
                 "postgres_dump_dir", "aws_plugin_image"):
        s[name] = reader.read("backup_" + name, v.to_str)
    s["s3"] = _s3(reader)
    s["cron"] = reader.read("backup_schedule_cron", v.to_str, check=check_cron)
    s["retention"] = reader.read("backup_retention", v.to_str, check=v.check_go_duration)
    s["postgres_dump_timeout"] = reader.read("backup_postgres_dump_timeout", v.to_str, check=v.check_go_duration)
    s["included_namespaces"] = reader.read("backup_included_namespaces", v.to_list)
    for index, name in enumerate(s["included_namespaces"] or []):
        reader.add(v.check_dns_label("backup_included_namespaces[%d]" % index, name))
    if s["included_namespaces"] == []:
        reader.add(["backup_included_namespaces is empty: give the namespaces to back up, such as [dify, serving]"])
    for name in ("snapshot_move_data", "include_model_weights", "volume_snapshot_classes", "postgres_dump",
                 "service_monitor"):
        s[name] = reader.read("backup_" + name, v.to_bool)
    s["postgres_selector"] = reader.read("backup_postgres_selector", v.to_dict)
    if s["postgres_selector"] is not None:
        if not s["postgres_selector"] and s["postgres_dump"]:
            reader.add(["backup_postgres_selector is empty: give the labels of Dify's PostgreSQL primary pod, such "
                        "as {cnpg.io/instanceRole: primary}"])
        reader.add(v.check_labels("backup_postgres_selector", s["postgres_selector"]))
    for name in ("schedule_name", "bucket_name"):
        if s[name] is not None:
            reader.add(v.check_dns_label("backup_" + name, s[name]))
    for name in ("ceph_namespace", "postgres_namespace", "postgres_container"):
        if s[name] is not None:
            reader.add(v.check_dns_label("backup_" + name, s[name]))
    for name in ("bucket_storage_class", "model_weights_storage_class"):
        if s[name]:
            reader.add(v.check_dns_subdomain("backup_" + name, s[name]))
    if s["time_zone"] is not None:
        reader.add(check_time_zone("backup_time_zone", s["time_zone"]))
    if s["postgres_dump_dir"] is not None and v.plain_path(s["postgres_dump_dir"]) is not None:
        reader.add(["backup_postgres_dump_dir is %s: it %s (it stands in the dump hook's shell command)"
                    % (v.describe(s["postgres_dump_dir"]), v.plain_path(s["postgres_dump_dir"]))])
    if s["aws_plugin_image"] is not None:
        reader.add(v.check_image_reference("backup_aws_plugin_image", s["aws_plugin_image"]))
    # The location.
    if s["location"] == "object_store":
        if not s["bucket_storage_class"] or not s["object_store_endpoint"]:
            reader.add(["backup_location is object_store but backup_bucket_storage_class is %s and "
                        "backup_object_store_endpoint is %s (no storage stage output): run the storage stage in the "
                        "same run, name the bucket class and endpoint, or set backup_location: s3 with backup_s3"
                        % (v.describe(s["bucket_storage_class"]), v.describe(s["object_store_endpoint"]))])
        elif not URL_RE.match(s["object_store_endpoint"]):
            reader.add(["backup_object_store_endpoint is %s: give the object store's URL, such as "
                        "http://rook-ceph-rgw-ceph-objectstore.rook-ceph.svc:80" % v.describe(s["object_store_endpoint"])])
    elif s["location"] == "s3" and s["s3"] == {}:
        reader.add(["backup_location is s3 but backup_s3 is empty: give {url, bucket, credentials_secret}"])
    return s


def backup_stage(settings):
    settings = dict(settings)
    upstream = settings.get("backup_image_registry") == ""
    if upstream:
        settings["backup_image_registry"] = "docker.io"
    reader = v.Reader(settings)
    common = kp._common(reader, "backup")
    if upstream:
        common["image_registry"] = ""
    if not common["enabled"]:
        return kp._result(reader, common, None, "velero")
    s = read_settings(reader)
    warnings = []
    if s["location"] == "object_store":
        warnings.append("backup_location is object_store: the backups stay on this cluster's Ceph; for disaster "
                        "recovery give an off-site S3 (backup_location: s3) or mirror the bucket (docs/operations.md)")

    def build():
        return _build(common, s)

    result = kp._result(reader, common, build, "velero")
    result["warnings"] = warnings + result["warnings"]
    if result["stage"] is not None:
        result["outputs"] = {"namespace": common["namespace"], "schedule": s["schedule_name"],
                             "storage_location": "default"}
    return result


def _image(registry, upstream_path, default):
    """The image from the mirror (registry + the upstream path without its host), else as given."""
    if not registry:
        return default
    return "%s/%s" % (registry, upstream_path.split("/", 1)[1])


def _repository_and_tag(reference):
    repository, _sep, tag = reference.rpartition(":")
    return repository, tag


def _location(common, s):
    if s["location"] == "object_store":
        return ({"name": "default", "provider": "aws", "bucket": s["bucket_name"], "default": True,
                 "config": {"region": "us-east-1", "s3ForcePathStyle": "true", "s3Url": s["object_store_endpoint"]}},
                # The ObjectBucketClaim's Secret (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) as Velero's environment.
                {"useSecret": False, "extraSecretRef": s["bucket_name"]})
    s3 = s["s3"]
    location = {"name": "default", "provider": "aws", "bucket": s3["bucket"], "default": True,
                "config": {"region": s3.get("region", "us-east-1"), "s3ForcePathStyle": "true", "s3Url": s3["url"]},
                "credential": {"name": s3["credentials_secret"], "key": s3.get("credentials_key", "cloud")}}
    if s3.get("prefix"):
        location["prefix"] = s3["prefix"]
    return location, {"useSecret": False}


def _values(common, s):
    registry = common["image_registry"]
    tolerations = kp._with_control_plane([], common["tolerate_control_plane"])
    location, credentials = _location(common, s)
    plugin = _image(registry, s["aws_plugin_image"], s["aws_plugin_image"])
    values = {
        "initContainers": [{"name": "velero-plugin-for-aws", "image": plugin, "imagePullPolicy": "IfNotPresent",
                            "volumeMounts": [{"mountPath": "/target", "name": "plugins"}]}],
        "configuration": {"backupStorageLocation": [location], "volumeSnapshotLocation": [],
                          "features": "EnableCSI", "defaultSnapshotMoveData": s["snapshot_move_data"]},
        "credentials": credentials,
        "backupsEnabled": True,
        # No provider snapshots: volumes are snapshotted through CSI (the VolumeSnapshotClasses below).
        "snapshotsEnabled": False,
        # The data mover copies each snapshot's data into the backup location.
        "deployNodeAgent": s["snapshot_move_data"],
        "metrics": {"enabled": True, "serviceMonitor": {"enabled": s["service_monitor"], "autodetect": False}},
    }
    if registry:
        values["image"] = {"repository": _image(registry, UPSTREAM["velero"], "")}
        values["kubectl"] = {"image": {"repository": _image(registry, UPSTREAM["kubectl"], "")}}
    if common["image_pull_secrets"]:
        values.setdefault("image", {})["imagePullSecrets"] = list(common["image_pull_secrets"])
    if tolerations:
        values["tolerations"] = copy.deepcopy(tolerations)
        values["nodeAgent"] = {"tolerations": copy.deepcopy(tolerations)}
    return values


def _snapshot_classes(s):
    out = []
    for kind, name in (("rbd", "ceph-block-snapshot"), ("cephfs", "ceph-filesystem-snapshot")):
        secret = "rook-csi-%s-provisioner" % kind
        out.append({"phase": "post", "description": "CSI snapshots of the Ceph %s volumes, used by Velero" % kind,
                    "definition": {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotClass",
                                   "metadata": {"name": name, "labels": dict(kp.LABELS, **{SNAPSHOT_CLASS_LABEL: "true"})},
                                   "driver": "%s.%s.csi.ceph.com" % (s["ceph_namespace"], kind),
                                   "deletionPolicy": "Delete",
                                   "parameters": {"clusterID": s["ceph_namespace"],
                                                  "csi.storage.k8s.io/snapshotter-secret-name": secret,
                                                  "csi.storage.k8s.io/snapshotter-secret-namespace": s["ceph_namespace"]}}})
    return out


def resource_policy(s):
    """Velero's volume policy: skip the volumes of the model weights' class (re-downloadable) unless asked."""
    return {"version": "v1", "volumePolicies": [{"conditions": {"storageClass": [s["model_weights_storage_class"]]},
                                                 "action": {"type": "skip"}}]}


def dump_command(s):
    """The pre-hook: a consistent logical dump of every database of the primary, into its data volume (so the
    volume snapshot that follows carries it), written to a temporary file and renamed when complete."""
    folder = s["postgres_dump_dir"]
    return ["/bin/sh", "-c", "mkdir -p %s && pg_dumpall --clean --if-exists -f %s/dumpall.sql.partial && "
                             "mv %s/dumpall.sql.partial %s/dumpall.sql" % (folder, folder, folder, folder)]


def schedule(common, s, policy_name):
    cron = s["cron"] if not s["time_zone"] else "CRON_TZ=%s %s" % (s["time_zone"], s["cron"])
    template = {"includedNamespaces": list(s["included_namespaces"]), "storageLocation": "default",
                "ttl": s["retention"], "snapshotVolumes": True, "snapshotMoveData": s["snapshot_move_data"],
                "defaultVolumesToFsBackup": False}
    if policy_name:
        template["resourcePolicy"] = {"kind": "configmap", "name": policy_name}
    if s["postgres_dump"]:
        template["hooks"] = {"resources": [{
            "name": "postgres-dump", "includedNamespaces": [s["postgres_namespace"]],
            "labelSelector": {"matchLabels": dict(s["postgres_selector"])},
            "pre": [{"exec": {"container": s["postgres_container"], "command": dump_command(s), "onError": "Fail",
                              "timeout": s["postgres_dump_timeout"]}}]}]}
    return {"apiVersion": "velero.io/v1", "kind": "Schedule",
            "metadata": {"name": s["schedule_name"], "namespace": common["namespace"], "labels": dict(kp.LABELS)},
            "spec": {"schedule": cron, "useOwnerReferencesInBackup": False, "template": template}}


def _build(common, s):
    namespace = common["namespace"]
    manifests = [kp._namespace(namespace, dict(kp.LABELS, **{"pod-security.kubernetes.io/enforce": "privileged"}),
                               "Velero; its node agent reads the pods' volumes on the host")]
    if s["location"] == "object_store":
        manifests.append({"phase": "pre", "description": "the backup bucket on the storage stage's object store",
                          "definition": {"apiVersion": "objectbucket.io/v1alpha1", "kind": "ObjectBucketClaim",
                                         "metadata": {"name": s["bucket_name"], "namespace": namespace,
                                                      "labels": dict(kp.LABELS)},
                                         "spec": {"bucketName": s["bucket_name"],
                                                  "storageClassName": s["bucket_storage_class"]}}})
    policy_name = None
    if not s["include_model_weights"] and s["model_weights_storage_class"]:
        policy_name = "backup-volume-policy"
        manifests.append({"phase": "pre", "description": "skip the model weights' volumes (re-downloadable)",
                          "definition": {"apiVersion": "v1", "kind": "ConfigMap",
                                         "metadata": {"name": policy_name, "namespace": namespace,
                                                      "labels": dict(kp.LABELS)},
                                         # JSON is YAML: Velero reads the policy as YAML.
                                         "data": {"policy.yaml": json.dumps(resource_policy(s), sort_keys=True)}}})
    if s["volume_snapshot_classes"]:
        manifests += _snapshot_classes(s)
    manifests.append({"phase": "post", "description": "the daily backup (docs/operations.md)",
                      "definition": schedule(common, s, policy_name)})
    return {"name": "backup", "releases": [kp._release(common, "velero", _values(common, s))], "manifests": manifests}
