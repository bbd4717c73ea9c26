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

Where the disks come from is ``rook_ceph_disk_source``: ``probe`` (the default in apply mode) runs the host disk
decision (plugins/plugin_utils/storage_disks.py) over each node's ``block_devices_info`` result and lists the chosen
disks by their /dev/disk/by-id link; ``inventory`` (the default in render mode, where the nodes may not be reachable)
takes the inventory's ``rook_ceph_devices`` as declared: by-id paths and ``wwn:`` entries become Rook ``devices``
(``wwn:`` as its udev by-id link), ``serial:`` entries a ``devicePathFilter`` on the by-id links, a kernel name only
with ``rook_ceph_allow_kernel_names``, and of ``rook_ceph_device_filter`` only ``nvme_only`` (Rook's ``deviceFilter``).
``rook_ceph_mode: external`` connects to a Ceph cluster the site runs: no disks, no OSDs, StorageClasses only.

``health(cluster, planned_osds, accepted_warnings)`` judges a CephCluster's ``.status`` after apply (HEALTH_OK,
HEALTH_WARN only for accepted check codes, the planned OSD count) and says what is still missing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import ipaddress
import os
import re

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import chart_values
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import storage_disks as sd
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

# Per-node variables of the host disk decision (read per storage node, not as role settings).
NODE_VARIABLES = ("rook_ceph_devices", "rook_ceph_device_filter", "rook_ceph_wipe_devices", "rook_ceph_wipe_confirm",
                  "rook_ceph_allow_kernel_names", "rook_ceph_include_loop_devices")
# Facts the role publishes (not settings).
PUBLISHED = ("rook_ceph_k8s_stage", "rook_ceph_outputs")
EXTERNAL_KEYS = ("rbd_pool", "filesystem_name", "filesystem_data_pool", "rgw_endpoint", "mon_secret",
                 "mon_endpoints_configmap", "rbd_provisioner_secret", "rbd_node_secret", "cephfs_provisioner_secret",
                 "cephfs_node_secret", "rgw_admin_secret")
# Names the upstream import script (create-external-cluster-resources.py, import-external-cluster.sh) gives them.
EXTERNAL_DEFAULTS = {"mon_secret": "rook-ceph-mon", "mon_endpoints_configmap": "rook-ceph-mon-endpoints",
                     "rbd_provisioner_secret": "rook-csi-rbd-provisioner", "rbd_node_secret": "rook-csi-rbd-node",
                     "cephfs_provisioner_secret": "rook-csi-cephfs-provisioner",
                     "cephfs_node_secret": "rook-csi-cephfs-node", "rgw_admin_secret": "rgw-admin-ops-user"}
# A node's inputs of the host disk decision (storage_disks.decide).
DECISION_KEYS = ("block_devices", "devices", "device_filter", "wipe_devices", "allow_kernel_names")
HEALTH_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]*$")
NVME_FILTER = "^nvme[0-9]+n[0-9]+$"
KMS_KEYS = ("address", "token_secret", "backend_path", "secret_engine", "namespace", "tls_server_name", "ca_secret")
BY_ID = "/dev/disk/by-id/"
CSI_IMAGES = {"cephcsi": "cephcsi/cephcsi", "registrar": "sig-storage/csi-node-driver-registrar",
              "provisioner": "sig-storage/csi-provisioner", "snapshotter": "sig-storage/csi-snapshotter",
              "attacher": "sig-storage/csi-attacher", "resizer": "sig-storage/csi-resizer",
              "csiAddons": "csiaddons/k8s-sidecar"}


def _by_id_of_wwn(value):
    """The udev /dev/disk/by-id link of a WWN: nvme-eui.<id> for an NVMe EUI, else wwn-0x<id>."""
    if value.lower().startswith("eui."):
        return BY_ID + "nvme-eui." + sd.norm_wwn(value)
    return BY_ID + "wwn-0x" + sd.norm_wwn(value)


def _serial_filter(serials):
    """Rook's devicePathFilter (a Go regular expression on a disk's /dev/disk/by-id links) for these serials: udev
    ends each link of a disk (nvme-<model>_<serial>, ata-<model>_<serial>, scsi-...) with its serial."""
    return "^/dev/disk/by-id/[^/]+[_-](%s)$" % "|".join(re.escape(serial) for serial in serials)


def _node_name(reader, name):
    problems = v.check_dns_subdomain("storage node name", name)
    problems += v.check_label_value("storage node name (the label kubernetes.io/hostname)", name)
    reader.add(problems)
    return not problems


def _inventory_node(reader, warnings, node):
    """One node's disks as the inventory declares them (rook_ceph_disk_source: inventory), or None."""
    name = node.get("name")
    good = _node_name(reader, name)
    devices, filt = node.get("devices"), node.get("device_filter")
    if devices and filt:
        reader.add(["node %s has both rook_ceph_devices and rook_ceph_device_filter: keep one" % name])
        return None
    if not devices and not filt:
        reader.add(["node %s: rook_ceph_devices is %s and there is no rook_ceph_device_filter: give the node's disks as "
                    "/dev/disk/by-id/ paths, serial: or wwn: entries" % (name, v.describe(devices))])
        return None
    allow_kernel = node.get("allow_kernel_names") or False
    if not isinstance(allow_kernel, bool):
        reader.add(["node %s: rook_ceph_allow_kernel_names is %s: give true or false" % (name, v.describe(allow_kernel))])
        allow_kernel = False
    out = {"name": name, "devices": [], "serials": [], "device_filter": None, "count": None}
    if filt:
        if not isinstance(filt, dict):
            reader.add(["node %s: rook_ceph_device_filter is %s: give a mapping" % (name, v.describe(filt))])
            return None
        problems = []
        for key in sorted(filt):
            if key == "nvme_only" and filt[key] is True:
                continue
            problems.append("node %s: rook_ceph_device_filter.%s is %s: with rook_ceph_disk_source inventory only "
                            "nvme_only: true can be given to Rook (its deviceFilter on kernel names); set "
                            "rook_ceph_disk_source: probe for the host disk decision, or list the disks"
                            % (name, key, v.describe(filt[key])))
        reader.add(problems)
        if problems or not filt:
            return None
        out["device_filter"] = NVME_FILTER
        warnings.append("node %s: rook_ceph_device_filter nvme_only in inventory mode: Rook takes every blank NVMe "
                        "namespace of the node; the number of OSDs is known only once Rook has looked" % name)
        return out if good else None
    if not isinstance(devices, list):
        reader.add(["node %s: rook_ceph_devices is %s: give a list of disks" % (name, v.describe(devices))])
        return None
    seen = []
    for index, entry in enumerate(devices):
        where = "rook_ceph_devices[%d] of node %s" % (index, name)
        try:
            kind, value = sd.parse_selector(entry)
        except ValueError as err:
            reader.add(["%s is %s: %s; give a /dev/disk/by-id/ path, serial:<serial> or wwn:<wwn>"
                        % (where, v.describe(entry), err)])
            continue
        if kind == "kernel":
            text = ("%s is '%s', a kernel name, which can name another disk after a reboot; use a /dev/disk/by-id/ "
                    "path, serial: or wwn:" % (where, value))
            if not allow_kernel:
                reader.add([text + " (or acknowledge with rook_ceph_allow_kernel_names: true on that node)"])
                continue
            warnings.append(text)
        device = _by_id_of_wwn(value) if kind == "wwn" else value
        if (kind, device) in seen:
            reader.add(["node %s: rook_ceph_devices names %s twice: list each disk once" % (name, device)])
            continue
        seen.append((kind, device))
        if kind == "serial":
            out["serials"].append(value)
        else:
            out["devices"].append(device)
    out["count"] = len(seen)
    return out if good and seen else None


def _inventory_nodes(reader, warnings, nodes):
    out = []
    for node in nodes or []:
        decided = _inventory_node(reader, warnings, node)
        if decided is not None:
            out.append(decided)
    return out


def _probe_nodes(reader, warnings, nodes, s, wipe_confirm):
    """Every node's disks from the host disk decision over its block_devices_info result (rook_ceph_disk_source:
    probe); the decision also checks the replicas against the hosts that have OSD disks."""
    inputs, names = {}, []
    for node in nodes or []:
        name = node.get("name")
        names.append(name)
        if not _node_name(reader, name):
            continue
        inputs[name] = dict((key, node[key]) for key in DECISION_KEYS if node.get(key) is not None)
        inputs[name].setdefault("block_devices", None)
    replicas = s["replicas"] if s["replicas"] is not None and 1 <= s["replicas"] <= 7 else 1
    decision = sd.decide(inputs, storage_nodes=[n for n in names if n in inputs] or None, replicas=replicas,
                         failure_domain=s["failure_domain"] or "host", allow_single_replica=True,
                         wipe_confirm=wipe_confirm)
    reader.add(decision["problems"])
    warnings.extend(decision["warnings"])
    storage = []
    for name in names:
        node = decision.get("nodes", {}).get(name)
        if node and node["osds"]:
            storage.append({"name": name, "devices": [d["name"] for d in node["rook_devices"]], "serials": [],
                            "device_filter": None, "count": len(node["osds"])})
    return storage, decision


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


def _external(reader, mode):
    external = reader.read("rook_ceph_external", v.to_dict)
    if mode != "external" or external is None:
        return None
    problems = v.unknown_keys("rook_ceph_external", external, EXTERNAL_KEYS)
    out = dict(EXTERNAL_DEFAULTS)
    for key in EXTERNAL_KEYS:
        value = external.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            problems.append("rook_ceph_external.%s is %s: give a name" % (key, v.describe(value)))
        elif key == "rgw_endpoint":
            host, sep, port = value.rpartition(":")
            if not sep or not port.isdigit() or not 0 < int(port) < 65536 or v.hostname(host) is not None:
                problems.append("rook_ceph_external.rgw_endpoint is '%s': give host:port of the site's RADOS Gateway, "
                                "such as rgw.example.internal:8080" % value)
        elif key in ("rbd_pool", "filesystem_data_pool", "filesystem_name"):
            if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", value):
                problems.append("rook_ceph_external.%s is '%s': give a Ceph pool or file system name (letters, digits, "
                                ". _ -)" % (key, value))
        else:
            problems += v.check_dns_subdomain("rook_ceph_external." + key, value)
        out[key] = value
    if not external.get("rbd_pool"):
        problems.append("rook_ceph_external.rbd_pool is %s: give the site's RBD pool for the block StorageClass "
                        "(rook_ceph_mode external)" % v.describe(external.get("rbd_pool")))
    if bool(external.get("filesystem_name")) != bool(external.get("filesystem_data_pool")):
        problems.append("rook_ceph_external.filesystem_name and filesystem_data_pool are %s and %s: give both (the "
                        "CephFS StorageClass) or neither" % (v.describe(external.get("filesystem_name")),
                                                             v.describe(external.get("filesystem_data_pool"))))
    reader.add(problems)
    return None if problems else out


def rook_ceph_stage(settings, nodes=None, fabric=None, wipe_confirm=None):
    # Per-node variables come with the nodes; published facts are not settings.
    settings = dict((name, value) for name, value in settings.items() if name not in NODE_VARIABLES + PUBLISHED)
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
    s["mode"] = reader.read("rook_ceph_mode", v.to_choice, ("internal", "external"))
    s["external"] = _external(reader, s["mode"])
    if s["mode"] == "external" and s["rbd_mirroring"]:
        reader.add(["rook_ceph_rbd_mirroring is set but rook_ceph_mode is external: the site's own Ceph mirrors its "
                    "pools; leave rook_ceph_rbd_mirroring empty"])
    s["disk_source"] = reader.read("rook_ceph_disk_source", v.to_choice, ("probe", "inventory"))
    s["health_timeout"] = reader.read("rook_ceph_health_timeout", v.to_int)
    if s["health_timeout"] is not None and s["health_timeout"] < 60:
        reader.add(["rook_ceph_health_timeout is %d: give seconds, at least 60 (OSDs take minutes)" % s["health_timeout"]])
    s["health_test_pvcs"] = reader.read("rook_ceph_health_test_pvcs", v.to_bool)
    s["accepted_warnings"] = reader.read("rook_ceph_health_accepted_warnings", v.to_list)
    for index, code in enumerate(s["accepted_warnings"] or []):
        if not isinstance(code, str) or not HEALTH_CODE_RE.match(code):
            reader.add(["rook_ceph_health_accepted_warnings[%d] is %s: give a Ceph health check code such as "
                        "MON_CLOCK_SKEW" % (index, v.describe(code))])
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
    # Nodes, replicas, failure domain (none of it in external mode: the site's cluster has its own OSDs).
    warnings = []
    storage, decision = [], None
    internal = s["mode"] != "external"
    probe = s["disk_source"] == "probe"
    if internal and not nodes:
        reader.add(["storage_nodes is empty: list the nodes whose disks become OSDs under storage_nodes"])
    elif internal and probe:
        storage, decision = _probe_nodes(reader, warnings, nodes, s, wipe_confirm)
    elif internal:
        storage = _inventory_nodes(reader, warnings, nodes)
    replicas = s["replicas"]
    if replicas is not None and internal:
        if not 1 <= replicas <= 7:
            reader.add(["rook_ceph_replicas is %d: give 3 (2 for a small cluster, 1 for a lab)" % replicas])
        elif replicas == 1 and not s["allow_single_replica"]:
            reader.add(["rook_ceph_replicas is 1: one copy loses data with any disk; set rook_ceph_allow_single_replica: "
                        "true for a lab or test cluster, else give 3"])
        elif s["failure_domain"] == "host" and nodes and replicas > len(nodes) and not probe:
            # (with the probe, the disk decision says it, with the OSD disks per node)
            reader.add(["rook_ceph_replicas is %d but storage_nodes has %d host(s) (%s) with failure domain host: give "
                        "%d or fewer, or add storage nodes" % (replicas, len(nodes),
                                                               ", ".join(str(n.get("name")) for n in nodes), len(nodes))])
        if replicas == 2:
            warnings.append("rook_ceph_replicas is 2: losing one host leaves a single copy of every object; 3 is the "
                            "safe choice")
        elif replicas == 1 and s["allow_single_replica"]:
            warnings.append("rook_ceph_replicas is 1 (rook_ceph_allow_single_replica): every object has ONE copy; "
                            "a failed disk loses data. For a lab or a single-node pilot only")
    ranges, fabric_problems = _fabric_ranges(fabric) if s["fabric_network"] and internal else ([], [])
    reader.add(fabric_problems)

    _check_values_extra(reader, warnings, common, s)

    def build():
        if not internal:
            return _build_external(common, s)
        return _build(common, s, storage, ranges)

    result = kp._result(reader, common, build, "rook-ceph")
    result["warnings"] = warnings + result["warnings"]
    result["disks"] = decision
    if result["stage"] is not None:
        result["outputs"] = outputs(common, s)
        result["health"] = _health_plan(common, s, storage)
        result["external_connection"] = external_connection(common["namespace"], s) if not internal else []
    return result


def _health_plan(common, s, storage):
    """What apply mode waits for: the CephCluster, the planned OSDs (None when Rook decides, as with deviceFilter),
    and the StorageClasses each provisioned once by a test claim."""
    counts = [node["count"] for node in storage]
    planned = None if s["mode"] == "external" or any(c is None for c in counts) else sum(counts)
    claims = test_claims(common["namespace"], s) if s["health_test_pvcs"] else []
    return {"namespace": common["namespace"], "cluster_name": s["cluster_name"], "external": s["mode"] == "external",
            "planned_osds": planned, "accepted_warnings": list(s["accepted_warnings"] or []),
            "timeout": s["health_timeout"], "claims": claims}


def test_claims(namespace, s):
    """One small claim per StorageClass the stage makes, created, waited for Bound and deleted after apply."""
    claims = []
    for key, access in (("block_storage_class", "ReadWriteOnce"), ("filesystem_storage_class", "ReadWriteMany")):
        if s["mode"] == "external" and key == "filesystem_storage_class" and not s["external"].get("filesystem_name"):
            continue
        name = "privateai-probe-%s" % s[key]
        claims.append({"storage_class": s[key], "definition": {
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name[:63], "namespace": namespace, "labels": dict(kp.LABELS)},
            "spec": {"accessModes": [access], "storageClassName": s[key], "resources": {"requests": {"storage": "1Gi"}}}}})
    if s["mode"] != "external" or s["external"].get("rgw_endpoint"):
        name = "privateai-probe-%s" % s["bucket_storage_class"]
        claims.append({"storage_class": s["bucket_storage_class"], "definition": {
            "apiVersion": "objectbucket.io/v1alpha1", "kind": "ObjectBucketClaim",
            "metadata": {"name": name[:63], "namespace": namespace, "labels": dict(kp.LABELS)},
            "spec": {"generateBucketName": "privateai-probe", "storageClassName": s["bucket_storage_class"]}}})
    return claims


def health(cluster, planned_osds=None, accepted_warnings=()):
    """Judge a CephCluster object (its .status as Rook writes it) after apply.

    Returns ``{"ok", "missing": [what is not there yet, each a sentence], "health", "osds"}``: HEALTH_OK, or
    HEALTH_WARN whose every check code is in ``accepted_warnings``; the OSDs Ceph reports running
    (``status.ceph.versions.osd``) equal to ``planned_osds`` when that is known; the cluster phase Ready
    (Connected in external mode).
    """
    missing = []
    status = (cluster or {}).get("status") if isinstance(cluster, dict) else None
    if not isinstance(status, dict):
        return {"ok": False, "missing": ["the CephCluster has no status yet (the operator has not reconciled it)"],
                "health": None, "osds": None}
    phase = status.get("phase")
    if phase not in ("Ready", "Connected"):
        missing.append("the CephCluster is in phase %s (%s), not Ready" % (phase, status.get("message") or "no message"))
    ceph = status.get("ceph") if isinstance(status.get("ceph"), dict) else {}
    state = ceph.get("health")
    details = ceph.get("details") if isinstance(ceph.get("details"), dict) else {}
    accepted = set(accepted_warnings or ())
    if state == "HEALTH_WARN":
        unaccepted = sorted(code for code in details if code not in accepted)
        if unaccepted or not details:
            missing.append("Ceph reports HEALTH_WARN: %s (accept a check only by naming it in "
                           "rook_ceph_health_accepted_warnings)" % ("; ".join(
                               "%s: %s" % (code, (details[code] or {}).get("message", "")) for code in unaccepted)
                               or "no details yet"))
    elif state != "HEALTH_OK":
        missing.append("Ceph reports %s%s" % (state or "no health yet", (": " + "; ".join(
            "%s: %s" % (code, (details[code] or {}).get("message", "")) for code in sorted(details))) if details else ""))
    versions = ceph.get("versions") if isinstance(ceph.get("versions"), dict) else {}
    osd_versions = versions.get("osd") if isinstance(versions.get("osd"), dict) else {}
    osds = sum(n for n in osd_versions.values() if isinstance(n, int) and not isinstance(n, bool))
    if planned_osds is not None and osds != planned_osds:
        missing.append("%d OSD(s) running, %d planned (one per disk the storage preflight chose)" % (osds, planned_osds))
    return {"ok": not missing, "missing": missing, "health": state, "osds": osds}


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
    """What later stages read: the RWO, RWX and bucket StorageClasses and the object store endpoint (in external
    mode only the classes the site's cluster serves; an empty name where it has none)."""
    if s["mode"] == "external":
        ext = s["external"]
        return {"rwo_storage_class": s["block_storage_class"],
                "rwx_storage_class": s["filesystem_storage_class"] if ext.get("filesystem_name") else "",
                "bucket_storage_class": s["bucket_storage_class"] if ext.get("rgw_endpoint") else "",
                "object_store_endpoint": "http://%s" % ext["rgw_endpoint"] if ext.get("rgw_endpoint") else ""}
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
    storage_spec = {"useAllNodes": False, "useAllDevices": False, "nodes": [_storage_node(node) for node in storage]}
    if s["encryption"]:
        storage_spec["config"] = {"encryptedDevice": "true"}
    spec = {
        "mon": {"count": mons, "allowMultiplePerNode": False},
        "mgr": {"count": 2 if hosts >= 2 else 1, "allowMultiplePerNode": False},
        "network": network,
        "storage": storage_spec,
        "placement": placement,
        "dashboard": {"enabled": True, "ssl": True},
        "resources": resources(storage),
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
                                              "resources": copy.deepcopy(resources(storage)["mds"])}},
                  "storageClass": {"enabled": True, "name": s["filesystem_storage_class"], "isDefault": False,
                                   "pool": "data0", "reclaimPolicy": "Delete", "allowVolumeExpansion": True,
                                   "volumeBindingMode": "Immediate", "parameters": _secret_params("cephfs", namespace)}}
    objects = {"name": s["object_store_name"],
               "spec": {"metadataPool": _pool(s), "dataPool": _pool(s), "preservePoolsOnDelete": True,
                        "gateway": {"port": 80, "instances": 2 if hosts >= 2 else 1,
                                    "placement": copy.deepcopy(placement["all"]),
                                    "resources": copy.deepcopy(resources(storage)["rgw"])}},
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


def _storage_node(node):
    """A CephCluster storage.nodes[] entry: the disks by name (by-id links), the serials as a devicePathFilter, or
    Rook's deviceFilter."""
    out = {"name": node["name"]}
    if node["devices"]:
        out["devices"] = [{"name": d} for d in node["devices"]]
    if node.get("serials"):
        out["devicePathFilter"] = _serial_filter(node["serials"])
    if node.get("device_filter"):
        out["deviceFilter"] = node["device_filter"]
    return out


def resources(storage):
    """Requests and limits of the Ceph daemons, sized from the storage nodes and their OSD disks.

    OSDs: 4 GiB memory each (the BlueStore osd_memory_target default), limit 8 GiB; 2 CPUs each up to 4 OSDs per
    node, 1 above (storage shares the GPU nodes). Mons and mgrs: their maps grow with the OSDs, more memory above
    12 OSDs (or when Rook decides the count). MDS (CephFS metadata of model weights, few large files) and RGW:
    fixed.
    """
    counts = [node.get("count") for node in storage]
    known = all(c is not None for c in counts)
    osds = sum(counts) if known else None
    per_node = max(counts) if known and counts else None
    large = osds is None or osds > 12
    return {"mon": {"requests": {"cpu": "1", "memory": "4Gi" if large else "2Gi"},
                    "limits": {"memory": "4Gi" if large else "2Gi"}},
            "mgr": {"requests": {"cpu": "1" if large else "500m", "memory": "2Gi" if large else "1Gi"},
                    "limits": {"memory": "4Gi" if large else "2Gi"}},
            "osd": {"requests": {"cpu": "1" if per_node is None or per_node > 4 else "2", "memory": "4Gi"},
                    "limits": {"memory": "8Gi"}},
            "mds": {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "4Gi"}},
            "rgw": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"memory": "2Gi"}}}


def _build_external(common, s):
    """External mode: Rook connects to the site's Ceph (CephCluster external.enable, the connection Secret and
    ConfigMap the site imported), makes no pools and no OSDs; the StorageClasses name the site's pools."""
    namespace = common["namespace"]
    registry = common["image_registry"]
    ext = s["external"]
    operator = {"crds": {"enabled": True}, "enableDiscoveryDaemon": False}
    if registry:
        operator["image"] = {"repository": _mirror(registry, "rook/ceph")}
        operator["csi"] = dict((key, {"repository": _mirror(registry, path)}) for key, path in sorted(CSI_IMAGES.items()))
    if common["image_pull_secrets"]:
        operator["imagePullSecrets"] = [{"name": name} for name in common["image_pull_secrets"]]
    spec = {"external": {"enable": True}, "crashCollector": {"disable": True},
            "healthCheck": {"daemonHealth": {"mon": {"disabled": False, "interval": "45s"}}}}
    objects = []
    if ext.get("rgw_endpoint"):
        host, dummy, port = ext["rgw_endpoint"].rpartition(":")
        endpoint = {"ip": host} if _is_ip(host) else {"hostname": host}
        objects.append({"name": s["object_store_name"],
                        "spec": {"gateway": {"port": int(port), "externalRgwEndpoints": [endpoint]}},
                        "storageClass": {"enabled": True, "name": s["bucket_storage_class"], "reclaimPolicy": "Delete",
                                         "volumeBindingMode": "Immediate", "parameters": {"region": "us-east-1"}}})
    cluster = {"operatorNamespace": namespace, "clusterName": s["cluster_name"], "toolbox": {"enabled": s["toolbox"]},
               "cephClusterSpec": spec, "cephBlockPools": [], "cephFileSystems": [], "cephObjectStores": objects}
    cluster_common = dict(common, release_name=s["cluster_release_name"], chart_archive=s["cluster_chart_archive"],
                          values_extra=s["cluster_values_extra"])
    default_block = not s["site_default_storage_class"]
    rbd = dict(_secret_params("rbd", namespace), clusterID=namespace, pool=ext["rbd_pool"], imageFormat="2",
               imageFeatures="layering", **{"csi.storage.k8s.io/fstype": "ext4"})
    _external_secrets(rbd, ext, "rbd", namespace)
    classes = [_storage_class(s["block_storage_class"], "%s.rbd.csi.ceph.com" % namespace, rbd, default_block)]
    if ext.get("filesystem_name"):
        cephfs = dict(_secret_params("cephfs", namespace), clusterID=namespace, fsName=ext["filesystem_name"],
                      pool=ext["filesystem_data_pool"])
        _external_secrets(cephfs, ext, "cephfs", namespace)
        classes.append(_storage_class(s["filesystem_storage_class"], "%s.cephfs.csi.ceph.com" % namespace, cephfs, False))
    manifests = [kp._namespace(namespace, dict(kp.LABELS, **{"pod-security.kubernetes.io/enforce": "privileged"}),
                               "the CSI node plugins run privileged")]
    manifests += [{"phase": "post", "description": "StorageClass on the site's Ceph (external mode)", "definition": c}
                  for c in classes]
    return {"name": "storage",
            "releases": [kp._release(common, "rook-ceph", operator), kp._release(cluster_common, "rook-ceph-cluster", cluster)],
            "manifests": manifests}


def _external_secrets(params, ext, kind, namespace):
    """The CSI Secrets the site imported, by the names the inventory gives (defaults: the import script's)."""
    for key, secret in (("provisioner", ext["%s_provisioner_secret" % kind]),
                        ("controller-expand", ext["%s_provisioner_secret" % kind]),
                        ("controller-publish", ext["%s_provisioner_secret" % kind]),
                        ("node-stage", ext["%s_node_secret" % kind])):
        params["csi.storage.k8s.io/%s-secret-name" % key] = secret
        params["csi.storage.k8s.io/%s-secret-namespace" % key] = namespace


def _storage_class(name, provisioner, parameters, default):
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": name, "labels": dict(kp.LABELS),
                         "annotations": {"storageclass.kubernetes.io/is-default-class": "true" if default else "false"}},
            "provisioner": provisioner, "parameters": parameters, "reclaimPolicy": "Delete",
            "allowVolumeExpansion": True, "volumeBindingMode": "Immediate"}


def _is_ip(text):
    try:
        ipaddress.ip_address(u"%s" % text)
    except ValueError:
        return False
    return True


def external_connection(namespace, s):
    """The Secrets and ConfigMap the site's import made, which external mode needs before anything is applied."""
    ext = s["external"]
    names = [("ConfigMap", ext["mon_endpoints_configmap"]), ("Secret", ext["mon_secret"]),
             ("Secret", ext["rbd_provisioner_secret"]), ("Secret", ext["rbd_node_secret"])]
    if ext.get("filesystem_name"):
        names += [("Secret", ext["cephfs_provisioner_secret"]), ("Secret", ext["cephfs_node_secret"])]
    if ext.get("rgw_endpoint"):
        names.append(("Secret", ext["rgw_admin_secret"]))
    return [{"kind": kind, "name": name, "namespace": namespace} for kind, name in names]
