# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks and stage building of the storage stage's Kubernetes side (role rook_ceph, stage ``storage``).

``rook_ceph_stage(settings, nodes, fabric)`` takes the role's variables by name (as the inventory gave them), the
storage nodes with their per-node disk choice (``[{"name": ..., "devices": [...], "device_filter": {...}}]``) and
``privateai_fabric``; converts every value as the role's argument spec declares it, checks each value's syntax and
the combinations Ceph would refuse later (replicas above the hosts, a Vault KMS without address or token Secret, a
StorageClass name the site already has), and builds the two Helm releases (the Rook operator chart and the
rook-ceph-cluster chart) as data from the converted values, only when there is no problem.

Render mode takes the devices from the inventory (``rook_ceph_devices`` per node, by-id paths or kernel names);
the host disk decision (plugins/plugin_utils/storage_disks.py) is not wired in here yet.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress
import os
import re

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import chart_values
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

# Per-node variables of the host disk decision (read per storage node, not as role settings).
NODE_VARIABLES = ("rook_ceph_devices", "rook_ceph_device_filter", "rook_ceph_wipe_devices", "rook_ceph_wipe_confirm",
                  "rook_ceph_allow_kernel_names")
# Facts the role publishes (not settings).
PUBLISHED = ("rook_ceph_k8s_stage", "rook_ceph_outputs")
KMS_KEYS = ("address", "token_secret", "backend_path", "secret_engine", "namespace", "tls_server_name", "ca_secret")
BY_ID = "/dev/disk/by-id/"
CSI_IMAGES = {"cephcsi": "cephcsi/cephcsi", "registrar": "sig-storage/csi-node-driver-registrar",
              "provisioner": "sig-storage/csi-provisioner", "snapshotter": "sig-storage/csi-snapshotter",
              "attacher": "sig-storage/csi-attacher", "resizer": "sig-storage/csi-resizer",
              "csiAddons": "csiaddons/k8s-sidecar"}


def _device_name(node, index, entry):
    """The name Rook takes for an inventory device entry (render mode), or a problem."""
    where = "rook_ceph_devices[%d] of node %s" % (index, node)
    if not isinstance(entry, str) or not entry:
        return None, ("%s is %s: in render mode give a /dev/disk/by-id/ path (serial:/wwn: forms need the host disk "
                      "decision, which is not wired into the render yet)" % (where, v.describe(entry)))
    if entry.startswith(BY_ID):
        rest = entry[len(BY_ID):]
        if not rest or v.plain_path(entry) is not None:
            return None, "%s is '%s': give a /dev/disk/by-id/ path of letters, digits, - _ . only" % (where, entry)
        return entry, None
    name = entry[len("/dev/"):] if entry.startswith("/dev/") else entry
    if v.kernel_module(name) is None and "/" not in name and ":" not in name:
        return name, None
    return None, ("%s is '%s': in render mode give a /dev/disk/by-id/ path or a kernel name (serial:/wwn: forms need "
                  "the host disk decision, which is not wired into the render yet)" % (where, entry))


def _nodes(reader, nodes):
    out = []
    for node in nodes or []:
        name = node.get("name")
        problems = v.check_dns_subdomain("storage node name", name)
        problems += v.check_label_value("storage node name (the label kubernetes.io/hostname)", name)
        reader.add(problems)
        devices, filt = node.get("devices"), node.get("device_filter")
        if devices and filt:
            reader.add(["node %s has both rook_ceph_devices and rook_ceph_device_filter: keep one" % name])
        if not devices:
            reader.add(["node %s: rook_ceph_devices is %s: in render mode give the node's disks as /dev/disk/by-id/ "
                        "paths (rook_ceph_device_filter needs the host disk decision, which is not wired into the "
                        "render yet)" % (name, v.describe(devices))])
            continue
        if not isinstance(devices, list):
            reader.add(["node %s: rook_ceph_devices is %s: give a list of disks" % (name, v.describe(devices))])
            continue
        chosen = []
        for index, entry in enumerate(devices):
            device, problem = _device_name(name, index, entry)
            if problem:
                reader.add([problem])
            elif device in chosen:
                reader.add(["node %s: rook_ceph_devices names %s twice: list each disk once" % (name, device)])
            else:
                chosen.append(device)
        if not problems:
            out.append({"name": name, "devices": chosen})
    return out


def _fabric_ranges(fabric):
    """CIDRs of the fabric the network stage plans (privateai_fabric), for Ceph's public and cluster networks."""
    if not isinstance(fabric, dict) or fabric.get("type", "none") in ("none", "", None):
        return [], []
    ranges, problems = [], []
    for index, network in enumerate(fabric.get("networks") or []):
        subnet = network.get("subnet") if isinstance(network, dict) else None
        try:
            ranges.append(str(ipaddress.ip_network(u"%s" % subnet, strict=True)))
        except ValueError:
            problems.append("privateai_fabric.networks[%d].subnet is %s: give a CIDR such as 10.224.0.0/24"
                            % (index, v.describe(subnet)))
    return ranges, problems


def _kms(reader):
    kms = reader.read("rook_ceph_kms", v.to_dict)
    if not kms:
        return None
    problems = v.unknown_keys("rook_ceph_kms", kms, KMS_KEYS)
    address = kms.get("address")
    if not isinstance(address, str) or not address.startswith(("https://", "http://")) or v.one_line(address):
        problems.append("rook_ceph_kms.address is %s: give the Vault address, such as https://vault.example.internal:8200"
                        % v.describe(address))
    if not kms.get("token_secret"):
        problems.append("rook_ceph_kms.token_secret is %s: give the name of the Secret in the Rook namespace that "
                        "holds the Vault token (key token)" % v.describe(kms.get("token_secret")))
    for key in ("token_secret", "ca_secret"):
        if kms.get(key):
            problems += v.check_dns_subdomain("rook_ceph_kms." + key, kms[key])
    for key in ("backend_path", "namespace", "tls_server_name"):
        if key in kms and (not isinstance(kms[key], str) or v.one_line(kms[key]) or not kms[key].strip()):
            problems.append("rook_ceph_kms.%s is %s: give one line of text" % (key, v.describe(kms[key])))
    if kms.get("secret_engine", "kv") not in ("kv", "transit"):
        problems.append("rook_ceph_kms.secret_engine is %s: give kv or transit" % v.describe(kms.get("secret_engine")))
    reader.add(problems)
    return None if problems else kms


MIRRORING_KEYS = ("enabled", "mode", "snapshot_interval", "peer_secrets", "daemons")
MIRROR_INTERVAL_RE = re.compile(r"^[1-9][0-9]*[mhd]$")


def _rbd_mirroring(reader):
    """RBD mirroring of the block pool to a second site (disaster recovery, docs/operations.md): the pool's mirroring
    settings and the rbd-mirror daemons; the peer is a Secret holding the other site's bootstrap token."""
    mirroring = reader.read("rook_ceph_rbd_mirroring", v.to_dict)
    if not mirroring or mirroring.get("enabled") is False:
        return None
    problems = v.unknown_keys("rook_ceph_rbd_mirroring", mirroring, MIRRORING_KEYS)
    if mirroring.get("enabled", True) is not True:
        problems.append("rook_ceph_rbd_mirroring.enabled is %s: give true or false" % v.describe(mirroring.get("enabled")))
    mode = mirroring.get("mode", "image")
    if mode not in ("image", "pool"):
        problems.append("rook_ceph_rbd_mirroring.mode is %s: give image (snapshot-based, per image) or pool"
                        % v.describe(mode))
    interval = mirroring.get("snapshot_interval", "1h")
    if not isinstance(interval, str) or not MIRROR_INTERVAL_RE.match(interval):
        problems.append("rook_ceph_rbd_mirroring.snapshot_interval is %s: give minutes, hours or days such as 15m, 1h "
                        "or 1d (the recovery point: at most this much is lost)" % v.describe(interval))
    peers = mirroring.get("peer_secrets", [])
    if not isinstance(peers, list):
        problems.append("rook_ceph_rbd_mirroring.peer_secrets is %s: give a list of Secret names" % v.describe(peers))
        peers = []
    for index, name in enumerate(peers):
        problems += v.check_dns_subdomain("rook_ceph_rbd_mirroring.peer_secrets[%d]" % index, name)
    daemons = mirroring.get("daemons", 1)
    if not isinstance(daemons, int) or isinstance(daemons, bool) or not 1 <= daemons <= 3:
        problems.append("rook_ceph_rbd_mirroring.daemons is %s: give 1 to 3 rbd-mirror daemons" % v.describe(daemons))
    reader.add(problems)
    if problems:
        return None
    return {"mode": mode, "snapshot_interval": interval, "peer_secrets": list(peers), "daemons": daemons}


def rook_ceph_stage(settings, nodes=None, fabric=None):
    settings = dict(settings)
    # Empty registry: each image from its upstream registry (docker.io, quay.io, registry.k8s.io); _common checks a
    # registry's syntax, so it sees the upstream of the operator image in place of the empty value.
    upstream = settings.get("rook_ceph_image_registry") == ""
    if upstream:
        settings["rook_ceph_image_registry"] = "docker.io"
    reader = v.Reader(settings)
    common = kp._common(reader, "rook_ceph")
    if upstream:
        common["image_registry"] = ""
    if not common["enabled"]:
        return kp._result(reader, common, None, "rook-ceph")
    s = {}
    for name in ("cluster_release_name", "cluster_chart_archive", "ceph_image_repository", "ceph_image_tag",
                 "block_storage_class", "filesystem_storage_class", "bucket_storage_class", "site_default_storage_class",
                 "cluster_name", "object_store_name", "filesystem_name", "block_pool_name"):
        s[name] = reader.read("rook_ceph_" + name, v.to_str)
    for name in ("allow_single_replica", "encryption", "toolbox", "fabric_network"):
        s[name] = reader.read("rook_ceph_" + name, v.to_bool)
    s["replicas"] = reader.read("rook_ceph_replicas", v.to_int)
    s["failure_domain"] = reader.read("rook_ceph_failure_domain", v.to_choice, ("host", "osd"))
    s["existing_storage_classes"] = reader.read("rook_ceph_existing_storage_classes", v.to_list)
    s["cluster_values_extra"] = reader.read("rook_ceph_cluster_values_extra", v.to_dict)
    s["kms"] = _kms(reader)
    s["rbd_mirroring"] = _rbd_mirroring(reader)
    for name in ("cluster_release_name", "cluster_name", "object_store_name", "filesystem_name", "block_pool_name",
                 "block_storage_class", "filesystem_storage_class", "bucket_storage_class"):
        if s[name] is not None:
            reader.add(v.check_dns_label("rook_ceph_" + name, s[name]))
    if s["site_default_storage_class"]:
        reader.add(v.check_dns_subdomain("rook_ceph_site_default_storage_class", s["site_default_storage_class"]))
    if s["ceph_image_repository"] is not None:
        reader.add(v.check_repository("rook_ceph_ceph_image_repository", s["ceph_image_repository"]))
    if s["ceph_image_tag"] is not None:
        reader.add(v.check_tag("rook_ceph_ceph_image_tag", s["ceph_image_tag"]))
    if s["cluster_chart_archive"]:
        s["cluster_chart_archive"] = os.path.expanduser(s["cluster_chart_archive"])
        if not os.path.isfile(s["cluster_chart_archive"]):
            reader.add(["rook_ceph_cluster_chart_archive is '%s': no such file on the control node (helm pull the pinned "
                        "rook-ceph-cluster chart there, or leave it empty to use rook_ceph_chart_repo_url)"
                        % s["cluster_chart_archive"]])
    # Collisions with the StorageClasses the site declared.
    existing = []
    for index, name in enumerate(s["existing_storage_classes"] or []):
        problems = v.check_dns_subdomain("rook_ceph_existing_storage_classes[%d]" % index, name)
        reader.add(problems)
        if not problems:
            existing.append(name)
    for key in ("block_storage_class", "filesystem_storage_class", "bucket_storage_class"):
        if s[key] in existing:
            reader.add(["rook_ceph_%s is '%s': the site already has a StorageClass of that name "
                        "(rook_ceph_existing_storage_classes); give another name" % (key, s[key])])
    ours = [s[k] for k in ("block_storage_class", "filesystem_storage_class", "bucket_storage_class") if s[k]]
    if len(set(ours)) != len(ours):
        reader.add(["rook_ceph_block_storage_class, rook_ceph_filesystem_storage_class and rook_ceph_bucket_storage_class "
                    "are %s: give three different names" % ", ".join(ours)])
    # Nodes, replicas, failure domain.
    storage = _nodes(reader, nodes)
    warnings = []
    if not nodes:
        reader.add(["storage_nodes is empty: list the nodes whose disks become OSDs under storage_nodes"])
    replicas = s["replicas"]
    if replicas is not None:
        if not 1 <= replicas <= 7:
            reader.add(["rook_ceph_replicas is %d: give 3 (2 for a small cluster, 1 for a lab)" % replicas])
        elif replicas == 1 and not s["allow_single_replica"]:
            reader.add(["rook_ceph_replicas is 1: one copy loses data with any disk; set rook_ceph_allow_single_replica: "
                        "true for a lab or test cluster, else give 3"])
        elif s["failure_domain"] == "host" and nodes and replicas > len(nodes):
            reader.add(["rook_ceph_replicas is %d but storage_nodes has %d host(s) (%s) with failure domain host: give "
                        "%d or fewer, or add storage nodes" % (replicas, len(nodes),
                                                               ", ".join(str(n.get("name")) for n in nodes), len(nodes))])
        if replicas == 2:
            warnings.append("rook_ceph_replicas is 2: losing one host leaves a single copy of every object; 3 is the "
                            "safe choice")
        elif replicas == 1 and s["allow_single_replica"]:
            warnings.append("rook_ceph_replicas is 1 (rook_ceph_allow_single_replica): every object has ONE copy; "
                            "a failed disk loses data. For a lab or a single-node pilot only")
    ranges, fabric_problems = _fabric_ranges(fabric) if s["fabric_network"] else ([], [])
    reader.add(fabric_problems)

    _check_values_extra(reader, warnings, common, s)

    def build():
        return _build(common, s, storage, ranges)

    result = kp._result(reader, common, build, "rook-ceph")
    result["warnings"] = warnings + result["warnings"]
    if result["stage"] is not None:
        result["outputs"] = outputs(common, s)
    return result


def _check_values_extra(reader, warnings, common, s):
    """Helm ignores a values key its chart does not know without a word: every key of the extra values is checked
    against the chart archive when one is given; without one a warning says it is not checked."""
    for variable, extra, archive, chart, archive_variable in (
            ("rook_ceph_values_extra", common["values_extra"], common["chart_archive"], "rook-ceph",
             "rook_ceph_chart_archive"),
            ("rook_ceph_cluster_values_extra", s["cluster_values_extra"], s["cluster_chart_archive"],
             "rook-ceph-cluster", "rook_ceph_cluster_chart_archive")):
        if not extra:
            continue
        if archive and os.path.isfile(archive):
            try:
                reference = chart_values.load_archive(archive)
            except chart_values.ChartError as err:
                reader.add(["%s is '%s': not a chart archive (%s)" % (archive_variable, archive, err)])
                continue
            reader.add(chart_values.unknown_keys(variable, extra, reference))
        elif not archive:
            warnings.append("%s is not checked against the chart without %s: set it to the %s %s archive (helm pull) "
                            "to check every key here" % (variable, archive_variable, chart, common["chart_version"]))


def outputs(common, s):
    """What later stages read: the RWO, RWX and bucket StorageClasses and the object store endpoint."""
    return {"rwo_storage_class": s["block_storage_class"], "rwx_storage_class": s["filesystem_storage_class"],
            "bucket_storage_class": s["bucket_storage_class"],
            "object_store_endpoint": "http://rook-ceph-rgw-%s.%s.svc:80" % (s["object_store_name"], common["namespace"])}


def _mirror(registry, path):
    return "%s/%s" % (registry, path)


def _secret_params(kind, namespace):
    prov, node = "rook-csi-%s-provisioner" % kind, "rook-csi-%s-node" % kind
    out = {}
    for key, name in (("provisioner", prov), ("controller-expand", prov), ("controller-publish", prov),
                      ("node-stage", node)):
        out["csi.storage.k8s.io/%s-secret-name" % key] = name
        out["csi.storage.k8s.io/%s-secret-namespace" % key] = namespace
    return out


def _pool(s):
    # Rook refuses a pool of size 1 that requires a safe replica size.
    replicated = {"size": s["replicas"], "requireSafeReplicaSize": s["replicas"] > 1}
    return {"failureDomain": s["failure_domain"], "replicated": replicated}


def _build(common, s, storage, ranges):
    namespace = common["namespace"]
    registry = common["image_registry"]
    names = [node["name"] for node in storage]
    hosts = len(names)
    tolerations = kp._with_control_plane([], common["tolerate_control_plane"])
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": list(names)}]}]}}}
    placement = {"all": {"nodeAffinity": copy.deepcopy(affinity["nodeAffinity"])}}
    if tolerations:
        placement["all"]["tolerations"] = copy.deepcopy(tolerations)

    # --- operator chart
    operator = {"crds": {"enabled": True}, "enableDiscoveryDaemon": False}
    if registry:
        operator["image"] = {"repository": _mirror(registry, "rook/ceph")}
        operator["csi"] = dict((key, {"repository": _mirror(registry, path)}) for key, path in sorted(CSI_IMAGES.items()))
    if common["image_pull_secrets"]:
        operator["imagePullSecrets"] = [{"name": name} for name in common["image_pull_secrets"]]
    if tolerations:
        operator["tolerations"] = copy.deepcopy(tolerations)

    # --- cluster chart
    mons = 3 if hosts >= 3 else 1
    network = {"provider": "host"}
    if ranges:
        network["addressRanges"] = {"public": list(ranges), "cluster": list(ranges)}
    storage_spec = {"useAllNodes": False, "useAllDevices": False,
                    "nodes": [{"name": node["name"], "devices": [{"name": d} for d in node["devices"]]} for node in storage]}
    if s["encryption"]:
        storage_spec["config"] = {"encryptedDevice": "true"}
    spec = {
        "mon": {"count": mons, "allowMultiplePerNode": False},
        "mgr": {"count": 2 if hosts >= 2 else 1, "allowMultiplePerNode": False},
        "network": network,
        "storage": storage_spec,
        "placement": placement,
        "dashboard": {"enabled": True, "ssl": True},
        "resources": _resources(hosts),
    }
    if s["kms"]:
        kms = s["kms"]
        details = {"KMS_PROVIDER": "vault", "VAULT_ADDR": kms["address"],
                   "VAULT_BACKEND_PATH": kms.get("backend_path", "rook"),
                   "VAULT_SECRET_ENGINE": kms.get("secret_engine", "kv")}
        if kms.get("namespace"):
            details["VAULT_NAMESPACE"] = kms["namespace"]
        if kms.get("tls_server_name"):
            details["VAULT_TLS_SERVER_NAME"] = kms["tls_server_name"]
        if kms.get("ca_secret"):
            details["VAULT_CACERT"] = kms["ca_secret"]
        spec["security"] = {"kms": {"connectionDetails": details, "tokenSecretName": kms["token_secret"]}}
    default_block = not s["site_default_storage_class"]
    block_spec = _pool(s)
    if s["rbd_mirroring"]:
        mirroring = s["rbd_mirroring"]
        block_spec["mirroring"] = {"enabled": True, "mode": mirroring["mode"],
                                   "snapshotSchedules": [{"interval": mirroring["snapshot_interval"]}]}
        if mirroring["peer_secrets"]:
            block_spec["mirroring"]["peers"] = {"secretNames": list(mirroring["peer_secrets"])}
    block = {"name": s["block_pool_name"], "spec": block_spec,
             "storageClass": {"enabled": True, "name": s["block_storage_class"], "isDefault": default_block,
                              "reclaimPolicy": "Delete", "allowVolumeExpansion": True, "volumeBindingMode": "Immediate",
                              "parameters": dict(_secret_params("rbd", namespace), **{
                                  "imageFormat": "2", "imageFeatures": "layering",
                                  "csi.storage.k8s.io/fstype": "ext4"})}}
    filesystem = {"name": s["filesystem_name"],
                  "spec": {"metadataPool": {"replicated": {"size": s["replicas"]}, "failureDomain": s["failure_domain"]},
                           "dataPools": [dict(_pool(s), name="data0")],
                           "metadataServer": {"activeCount": 1, "activeStandby": True,
                                              "placement": copy.deepcopy(placement["all"]),
                                              "resources": {"requests": {"cpu": "1", "memory": "4Gi"},
                                                            "limits": {"memory": "4Gi"}}}},
                  "storageClass": {"enabled": True, "name": s["filesystem_storage_class"], "isDefault": False,
                                   "pool": "data0", "reclaimPolicy": "Delete", "allowVolumeExpansion": True,
                                   "volumeBindingMode": "Immediate", "parameters": _secret_params("cephfs", namespace)}}
    objects = {"name": s["object_store_name"],
               "spec": {"metadataPool": _pool(s), "dataPool": _pool(s), "preservePoolsOnDelete": True,
                        "gateway": {"port": 80, "instances": 2 if hosts >= 2 else 1,
                                    "placement": copy.deepcopy(placement["all"]),
                                    "resources": {"requests": {"cpu": "1", "memory": "1Gi"},
                                                  "limits": {"memory": "2Gi"}}}},
               "storageClass": {"enabled": True, "name": s["bucket_storage_class"], "reclaimPolicy": "Delete",
                                "volumeBindingMode": "Immediate", "parameters": {"region": "us-east-1"}}}
    cluster = {"operatorNamespace": namespace, "clusterName": s["cluster_name"],
               "toolbox": {"enabled": s["toolbox"]},
               "cephImage": {"repository": _mirror(registry, "ceph/ceph") if registry else s["ceph_image_repository"],
                             "tag": s["ceph_image_tag"]},
               "cephClusterSpec": spec,
               "cephBlockPools": [block], "cephFileSystems": [filesystem], "cephObjectStores": [objects]}
    if tolerations:
        cluster["toolbox"]["tolerations"] = copy.deepcopy(tolerations)
    cluster_common = dict(common, release_name=s["cluster_release_name"], chart_archive=s["cluster_chart_archive"],
                          values_extra=s["cluster_values_extra"])
    manifests = [kp._namespace(namespace, dict(kp.LABELS, **{"pod-security.kubernetes.io/enforce": "privileged"}),
                               "the OSDs, CSI node plugins and the discovery run privileged")]
    if s["rbd_mirroring"]:
        manifests.append({"phase": "post", "description": "rbd-mirror daemons: the block pool mirrored to the peer site",
                          "definition": {"apiVersion": "ceph.rook.io/v1", "kind": "CephRBDMirror",
                                         "metadata": {"name": "rbd-mirror", "namespace": namespace,
                                                      "labels": dict(kp.LABELS)},
                                         "spec": {"count": s["rbd_mirroring"]["daemons"],
                                                  "placement": copy.deepcopy(placement["all"])}}})
    return {"name": "storage",
            "releases": [kp._release(common, "rook-ceph", operator), kp._release(cluster_common, "rook-ceph-cluster", cluster)],
            "manifests": manifests}


def _resources(hosts):
    """Requests and limits of the Ceph daemons; OSD memory follows the BlueStore default target (4 GiB)."""
    mon_memory = "2Gi" if hosts < 5 else "4Gi"
    return {"mon": {"requests": {"cpu": "1", "memory": mon_memory}, "limits": {"memory": mon_memory}},
            "mgr": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
            "osd": {"requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"memory": "8Gi"}}}
