# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_storage as ks

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from role_defaults import role_settings  # noqa: E402  (the shared test helper)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
FABRIC = {"type": "infiniband", "networks": [{"name": "ib0", "subnet": "10.224.0.0/24"}]}


def defaults(**overrides):
    """roles/rook_ceph/defaults/main.yml as the role passes it (templated defaults evaluated to false; the disk
    source, whose default follows privateai_k8s_mode, as the inventory's)."""
    return role_settings("rook_ceph", {"rook_ceph_disk_source": "inventory"}, fallback=False, **overrides)


def nodes(count, devices=("/dev/disk/by-id/nvme-DISK_A",)):
    return [{"name": "stor%02d.example.internal" % index, "devices": list(devices)} for index in range(1, count + 1)]


def values(result, chart):
    return [r["values"] for r in result["stage"]["releases"] if r["chart"] == chart][0]


# (id, overrides, node count, node list override, text every problem list must contain)
BAD = [
    ("replicas above hosts", {"rook_ceph_replicas": 3}, 2, None, ["rook_ceph_replicas is 3 but storage_nodes has 2 host(s)"]),
    ("single replica unacknowledged", {"rook_ceph_replicas": 1}, 1, None, ["rook_ceph_allow_single_replica"]),
    ("replicas not a number", {"rook_ceph_replicas": "three"}, 3, None, ["rook_ceph_replicas"]),
    ("vault without address or token", {"rook_ceph_kms": {"backend_path": "rook"}}, 3, None,
     ["rook_ceph_kms.address is None", "rook_ceph_kms.token_secret is None"]),
    ("vault unknown key", {"rook_ceph_kms": {"address": "https://v:8200", "token_secret": "t", "tokn": 1}}, 3, None,
     ["tokn"]),
    ("class collides with the site's", {"rook_ceph_existing_storage_classes": ["ceph-filesystem"]}, 3, None,
     ["rook_ceph_filesystem_storage_class is 'ceph-filesystem': the site already has"]),
    ("two classes of one name", {"rook_ceph_bucket_storage_class": "ceph-block"}, 3, None, ["three different names"]),
    ("class not a DNS label", {"rook_ceph_block_storage_class": "Ceph_Block"}, 3, None, ["rook_ceph_block_storage_class"]),
    ("path that moves", {}, 0, [{"name": "stor01", "devices": ["/dev/disk/by-path/pci-0000:01:00.0-nvme-1"]}],
     ["rook_ceph_devices[0] of node stor01 is '/dev/disk/by-path/pci-0000:01:00.0-nvme-1'"]),
    ("kernel name unacknowledged", {}, 0, [{"name": "stor01", "devices": ["sdb"]}],
     ["rook_ceph_devices[0] of node stor01 is 'sdb', a kernel name", "rook_ceph_allow_kernel_names: true"]),
    ("filter size needs the probe", {}, 0, [{"name": "stor01", "device_filter": {"min_size": "1T"}}],
     ["node stor01: rook_ceph_device_filter.min_size is '1T': with rook_ceph_disk_source inventory"]),
    ("no disks", {}, 0, [{"name": "stor01"}], ["node stor01: rook_ceph_devices is None"]),
    ("disk source unknown", {"rook_ceph_disk_source": "lsblk"}, 3, None, ["rook_ceph_disk_source"]),
    ("external without pool", {"rook_ceph_mode": "external", "rook_ceph_external": {"filesystem_name": "fs"}}, 0, [],
     ["rook_ceph_external.rbd_pool is None", "filesystem_name and filesystem_data_pool"]),
    ("external bad endpoint", {"rook_ceph_mode": "external",
                               "rook_ceph_external": {"rbd_pool": "rbd", "rgw_endpoint": "https://rgw"}}, 0, [],
     ["rook_ceph_external.rgw_endpoint is 'https://rgw'"]),
    ("external unknown key", {"rook_ceph_mode": "external", "rook_ceph_external": {"rbd_pool": "rbd", "pool": "x"}},
     0, [], ["rook_ceph_external: unknown key 'pool'"]),
    ("accepted warning not a code", {"rook_ceph_health_accepted_warnings": ["clock skew"]}, 3, None,
     ["rook_ceph_health_accepted_warnings[0] is 'clock skew'"]),
    ("health timeout too short", {"rook_ceph_health_timeout": 5}, 3, None, ["rook_ceph_health_timeout is 5"]),
    ("disk twice", {}, 0, [{"name": "stor01", "devices": ["nvme1n1", "/dev/nvme1n1"], "allow_kernel_names": True}],
     ["names nvme1n1 twice"]),
    ("no storage nodes", {}, 0, [], ["storage_nodes is empty"]),
    ("misspelt variable", {"rook_ceph_replica": 3}, 3, None, ["rook_ceph_replica is not a setting"]),
    ("bad mirror", {"rook_ceph_image_registry": "https://mirror"}, 3, None, ["rook_ceph_image_registry"]),
]


@pytest.mark.parametrize("overrides,count,given,expected", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_is_refused_with_every_problem(overrides, count, given, expected):
    result = ks.rook_ceph_stage(defaults(**overrides), nodes(count) if given is None else given, FABRIC)
    assert result["stage"] is None
    text = "\n".join(result["problems"])
    for part in expected:
        assert part in text, text


def test_several_problems_come_at_once():
    result = ks.rook_ceph_stage(defaults(rook_ceph_replicas=4, rook_ceph_kms={"address": "vault"},
                                         rook_ceph_existing_storage_classes=["ceph-block"]), nodes(3), None)
    # address, token Secret, the colliding class, replicas above the hosts
    assert len(result["problems"]) == 4, result["problems"]


# (id, replicas, allow single, hosts, warning expected)
REPLICAS = [
    ("three", 3, False, 3, None),
    ("two warns", 2, False, 2, "rook_ceph_replicas is 2"),
    ("one with the acknowledgement warns", 1, True, 1, "ONE copy"),
]


@pytest.mark.parametrize("replicas,allow,hosts,warning", [c[1:] for c in REPLICAS], ids=[c[0] for c in REPLICAS])
def test_replicas_reach_every_pool(replicas, allow, hosts, warning):
    result = ks.rook_ceph_stage(defaults(rook_ceph_replicas=replicas, rook_ceph_allow_single_replica=allow),
                                nodes(hosts), None)
    assert result["problems"] == []
    cluster = values(result, "rook-ceph-cluster")
    assert cluster["cephBlockPools"][0]["spec"]["replicated"]["size"] == replicas
    assert cluster["cephFileSystems"][0]["spec"]["dataPools"][0]["replicated"]["size"] == replicas
    assert cluster["cephObjectStores"][0]["spec"]["dataPool"]["replicated"]["size"] == replicas
    assert cluster["cephClusterSpec"]["mon"]["count"] == (3 if hosts >= 3 else 1)
    if warning:
        assert any(warning in w for w in result["warnings"]), result["warnings"]
    else:
        assert result["warnings"] == []


def test_nodes_devices_and_placement_come_from_the_inventory():
    given = [{"name": "gpu01", "devices": ["/dev/disk/by-id/nvme-A", "/dev/nvme2n1"], "allow_kernel_names": True},
             {"name": "gpu02", "devices": ["sdb"], "allow_kernel_names": True},
             {"name": "gpu03", "devices": ["/dev/disk/by-id/nvme-C"]}]
    spec = values(ks.rook_ceph_stage(defaults(), given, None), "rook-ceph-cluster")["cephClusterSpec"]
    assert spec["storage"]["useAllDevices"] is False and spec["storage"]["useAllNodes"] is False
    assert spec["storage"]["nodes"] == [
        {"name": "gpu01", "devices": [{"name": "/dev/disk/by-id/nvme-A"}, {"name": "nvme2n1"}]},
        {"name": "gpu02", "devices": [{"name": "sdb"}]},
        {"name": "gpu03", "devices": [{"name": "/dev/disk/by-id/nvme-C"}]}]
    terms = spec["placement"]["all"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"][0]["values"] == ["gpu01", "gpu02", "gpu03"]


# (id, fabric, fabric_network setting, expected network)
NETWORKS = [
    ("fabric subnets", FABRIC, True,
     {"provider": "host", "addressRanges": {"public": ["10.224.0.0/24"], "cluster": ["10.224.0.0/24"]}}),
    ("no fabric: host network", {"type": "none"}, True, {"provider": "host"}),
    ("fabric ignored when turned off", FABRIC, False, {"provider": "host"}),
]


@pytest.mark.parametrize("fabric,use,expected", [c[1:] for c in NETWORKS], ids=[c[0] for c in NETWORKS])
def test_ceph_networks(fabric, use, expected):
    result = ks.rook_ceph_stage(defaults(rook_ceph_fabric_network=use), nodes(3), fabric)
    assert values(result, "rook-ceph-cluster")["cephClusterSpec"]["network"] == expected


def test_encryption_with_kubernetes_secrets_and_with_vault():
    plain = values(ks.rook_ceph_stage(defaults(), nodes(3), None), "rook-ceph-cluster")["cephClusterSpec"]
    assert plain["storage"]["config"] == {"encryptedDevice": "true"}
    assert "security" not in plain
    kms = {"address": "https://vault.example.internal:8200", "token_secret": "rook-vault-token", "backend_path": "ceph"}
    spec = values(ks.rook_ceph_stage(defaults(rook_ceph_kms=kms), nodes(3), None), "rook-ceph-cluster")["cephClusterSpec"]
    assert spec["security"]["kms"] == {"tokenSecretName": "rook-vault-token", "connectionDetails": {
        "KMS_PROVIDER": "vault", "VAULT_ADDR": "https://vault.example.internal:8200", "VAULT_BACKEND_PATH": "ceph",
        "VAULT_SECRET_ENGINE": "kv"}}
    off = values(ks.rook_ceph_stage(defaults(rook_ceph_encryption=False), nodes(3), None), "rook-ceph-cluster")
    assert "config" not in off["cephClusterSpec"]["storage"]


# (id, site default class, block is default)
DEFAULT_CLASS = [("no site default", "", True), ("site has a default", "local-path", False)]


@pytest.mark.parametrize("site,is_default", [c[1:] for c in DEFAULT_CLASS], ids=[c[0] for c in DEFAULT_CLASS])
def test_storage_classes_and_outputs(site, is_default):
    result = ks.rook_ceph_stage(defaults(rook_ceph_site_default_storage_class=site), nodes(3), None)
    cluster = values(result, "rook-ceph-cluster")
    assert cluster["cephBlockPools"][0]["storageClass"]["isDefault"] is is_default
    assert cluster["cephFileSystems"][0]["storageClass"]["name"] == "ceph-filesystem"
    assert cluster["cephObjectStores"][0]["storageClass"]["name"] == "ceph-bucket"
    assert result["outputs"] == {"rwo_storage_class": "ceph-block", "rwx_storage_class": "ceph-filesystem",
                                 "bucket_storage_class": "ceph-bucket",
                                 "object_store_endpoint": "http://rook-ceph-rgw-ceph-objectstore.rook-ceph.svc:80"}


def test_mirror_registry_reaches_every_image():
    result = ks.rook_ceph_stage(defaults(rook_ceph_image_registry="registry.example.internal:5000"), nodes(3), None)
    operator = values(result, "rook-ceph")
    assert operator["image"]["repository"] == "registry.example.internal:5000/rook/ceph"
    assert operator["csi"]["cephcsi"]["repository"] == "registry.example.internal:5000/cephcsi/cephcsi"
    assert values(result, "rook-ceph-cluster")["cephImage"]["repository"] == "registry.example.internal:5000/ceph/ceph"
    upstream = values(ks.rook_ceph_stage(defaults(), nodes(3), None), "rook-ceph")
    assert "image" not in upstream and "csi" not in upstream


def test_disabled_renders_nothing():
    result = ks.rook_ceph_stage(defaults(rook_ceph_enabled=False), [], None)
    assert result["enabled"] is False and result["stage"] is None and result["problems"] == []


CHARTS = os.path.join(os.path.dirname(os.path.realpath(ROOT)), "shared", "charts")  # ../shared/charts
# (id, variable, archive variable, chart file, extra values, problem expected or None)
EXTRA = [
    ("operator key known", "rook_ceph_values_extra", "rook_ceph_chart_archive", "rook-ceph-v1.20.6.tgz",
     {"logLevel": "DEBUG"}, None),
    ("operator key misspelt", "rook_ceph_values_extra", "rook_ceph_chart_archive", "rook-ceph-v1.20.6.tgz",
     {"logLevle": "DEBUG"}, "logLevle"),
    ("cluster key known", "rook_ceph_cluster_values_extra", "rook_ceph_cluster_chart_archive",
     "rook-ceph-cluster-v1.20.6.tgz", {"toolbox": {"enabled": True}}, None),
    ("cluster key misspelt", "rook_ceph_cluster_values_extra", "rook_ceph_cluster_chart_archive",
     "rook-ceph-cluster-v1.20.6.tgz", {"toolbx": {"enabled": True}}, "toolbx"),
]


@pytest.mark.parametrize("variable,archive_variable,archive,extra,problem", [c[1:] for c in EXTRA],
                         ids=[c[0] for c in EXTRA])
def test_extra_values_checked_against_the_chart_archive(variable, archive_variable, archive, extra, problem):
    path = os.path.join(CHARTS, archive)
    if not os.path.isfile(path):
        pytest.skip("chart archive %s not present" % path)
    result = ks.rook_ceph_stage(defaults(**{variable: extra, archive_variable: path}), nodes(3), None)
    if problem is None:
        assert result["problems"] == []
        assert any(extra.items() <= r["values"].items() for r in result["stage"]["releases"])
    else:
        assert any(variable in p and problem in p for p in result["problems"]), result["problems"]


def test_extra_values_without_archive_warn():
    result = ks.rook_ceph_stage(defaults(rook_ceph_values_extra={"logLevel": "DEBUG"}), nodes(3), None)
    assert result["problems"] == []
    assert any("rook_ceph_values_extra is not checked" in w for w in result["warnings"]), result["warnings"]


# --- where the disks come from -----------------------------------------------------------------------------------

# (id, the node's inputs, the CephCluster storage.nodes[] entry Rook gets, planned OSDs)
INVENTORY_FORMS = [
    ("by-id path", {"devices": ["/dev/disk/by-id/nvme-A_S1"]}, {"devices": [{"name": "/dev/disk/by-id/nvme-A_S1"}]}, 1),
    ("wwn: of a SAS disk becomes its wwn- link", {"devices": ["wwn:0x5000C500A1B2C301"]},
     {"devices": [{"name": "/dev/disk/by-id/wwn-0x5000c500a1b2c301"}]}, 1),
    ("wwn: of an NVMe EUI becomes its nvme-eui. link", {"devices": [{"wwn": "eui.36344730542000010025384500000001"}]},
     {"devices": [{"name": "/dev/disk/by-id/nvme-eui.36344730542000010025384500000001"}]}, 1),
    ("serials become a devicePathFilter on the by-id links", {"devices": ["serial:S64HNE0T200001", {"serial": "ZA1.B+2"}]},
     {"devicePathFilter": r"^/dev/disk/by-id/[^/]+[_-](S64HNE0T200001|ZA1\.B\+2)$"}, 2),
    ("mixed", {"devices": ["/dev/disk/by-id/nvme-A_S1", "serial:S2"]},
     {"devices": [{"name": "/dev/disk/by-id/nvme-A_S1"}], "devicePathFilter": "^/dev/disk/by-id/[^/]+[_-](S2)$"}, 2),
    ("kernel name acknowledged", {"devices": ["/dev/sdb"], "allow_kernel_names": True}, {"devices": [{"name": "sdb"}]}, 1),
    ("nvme_only filter becomes Rook's deviceFilter", {"device_filter": {"nvme_only": True}},
     {"deviceFilter": "^nvme[0-9]+n[0-9]+$"}, None),
]


@pytest.mark.parametrize("given,entry,planned", [c[1:] for c in INVENTORY_FORMS], ids=[c[0] for c in INVENTORY_FORMS])
def test_inventory_disk_forms_reach_the_ceph_cluster(given, entry, planned):
    node = dict(given, name="stor01")
    result = ks.rook_ceph_stage(defaults(rook_ceph_replicas=1, rook_ceph_allow_single_replica=True), [node], None)
    assert result["problems"] == []
    spec = values(result, "rook-ceph-cluster")["cephClusterSpec"]
    assert spec["storage"]["nodes"] == [dict(entry, name="stor01")]
    assert result["health"]["planned_osds"] == planned
    assert result["disks"] is None  # no host decision in inventory mode


def probe_nodes(count=3, per_node=None):
    """Storage nodes with block_devices_info results from the synthetic recording (serials made per host)."""
    import test_storage_disks as disks_unit  # the synthetic storage node, as the disk decision's tests read it

    out = []
    for number in range(1, count + 1):
        found = disks_unit.synthetic_disks(number)
        nvme1 = [d for d in found if d["name"] == "nvme1n1"][0]
        nvme1["by_id"] = ["/dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_%s" % nvme1["serial"]]
        node = {"name": "st%d" % number, "block_devices": {"disks": found},
                "devices": ["serial:%s" % nvme1["serial"], "serial:%s" % disks_unit.serial("nvme2n1", number)]}
        node.update((per_node or {}).get("st%d" % number, {}))
        out.append(node)
    return out


def test_probe_mode_renders_the_host_decision_by_stable_name():
    result = ks.rook_ceph_stage(defaults(rook_ceph_disk_source="probe"), probe_nodes(), None)
    assert result["problems"] == []
    nodes_spec = values(result, "rook-ceph-cluster")["cephClusterSpec"]["storage"]["nodes"]
    assert nodes_spec[0] == {"name": "st1", "devices": [
        {"name": "/dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_S64HNE0T2000011"}, {"name": "/dev/nvme2n1"}]}
    assert result["health"]["planned_osds"] == 6
    assert result["disks"]["osd_count"] == 6


def test_probe_mode_refuses_data_and_missing_results_of_every_node_at_once():
    import test_storage_disks as disks_unit

    given = probe_nodes(per_node={"st2": {"devices": ["serial:%s" % disks_unit.serial("sdb", 2)]},
                                  "st3": {"block_devices": None}})
    result = ks.rook_ceph_stage(defaults(rook_ceph_disk_source="probe"), given, None)
    assert result["stage"] is None
    text = "\n".join(result["problems"])
    assert "st2: sdb (serial %s" % disks_unit.serial("sdb", 2) in text and "refused: it carries" in text, text
    assert "st3: no block_devices_info result for this storage node" in text, text
    assert "needs OSD disks on 3 hosts, found them on 1" in text, text


def test_probe_mode_wipes_only_what_is_listed_and_confirmed():
    import test_storage_disks as disks_unit

    sdb = disks_unit.serial("sdb", 1)
    given = probe_nodes(per_node={"st1": {"devices": ["serial:%s" % sdb], "wipe_devices": [sdb]}})
    refused = ks.rook_ceph_stage(defaults(rook_ceph_disk_source="probe"), given, None)
    assert "rook_ceph_wipe_confirm does not name it for this run" in "\n".join(refused["problems"])
    confirmed = ks.rook_ceph_stage(defaults(rook_ceph_disk_source="probe"), given, None, wipe_confirm=sdb)
    assert confirmed["problems"] == []
    assert [w["serial"] for w in confirmed["disks"]["nodes"]["st1"]["wipe"]] == [sdb]


def test_probe_mode_replicas_checked_once():
    result = ks.rook_ceph_stage(defaults(rook_ceph_disk_source="probe"), probe_nodes(2), None)
    replica_problems = [p for p in result["problems"] if "rook_ceph_replicas" in p]
    assert len(replica_problems) == 1 and "needs 3 storage nodes, storage_nodes has 2" in replica_problems[0]


# --- resources ---------------------------------------------------------------------------------------------------

# (id, hosts, disks per host, osd cpu, mon memory)
SIZES = [("3 hosts x 2 disks", 3, 2, "2", "2Gi"), ("4 hosts x 8 disks", 4, 8, "1", "4Gi"),
         ("1 host x 1 disk", 1, 1, "2", "2Gi")]


@pytest.mark.parametrize("hosts,disks,osd_cpu,mon_memory", [c[1:] for c in SIZES], ids=[c[0] for c in SIZES])
def test_resources_follow_the_nodes_and_disks(hosts, disks, osd_cpu, mon_memory):
    devices = ["/dev/disk/by-id/nvme-D_%d" % i for i in range(disks)]
    result = ks.rook_ceph_stage(defaults(rook_ceph_replicas=min(hosts, 3), rook_ceph_allow_single_replica=True),
                                nodes(hosts, devices), None)
    cluster = values(result, "rook-ceph-cluster")
    res = cluster["cephClusterSpec"]["resources"]
    assert res["osd"]["requests"]["cpu"] == osd_cpu and res["osd"]["requests"]["memory"] == "4Gi"
    assert res["mon"]["requests"]["memory"] == mon_memory
    assert cluster["cephFileSystems"][0]["spec"]["metadataServer"]["resources"] == res["mds"]
    assert cluster["cephObjectStores"][0]["spec"]["gateway"]["resources"] == res["rgw"]
    assert set(res) == {"mon", "mgr", "osd", "mds", "rgw"}


def test_toolbox_is_optional():
    assert values(ks.rook_ceph_stage(defaults(), nodes(3), None), "rook-ceph-cluster")["toolbox"]["enabled"] is False
    assert values(ks.rook_ceph_stage(defaults(rook_ceph_toolbox=True), nodes(3), None),
                  "rook-ceph-cluster")["toolbox"]["enabled"] is True


# --- external mode -----------------------------------------------------------------------------------------------

EXTERNAL = {"rbd_pool": "site-rbd", "filesystem_name": "sitefs", "filesystem_data_pool": "sitefs-data",
            "rgw_endpoint": "rgw.example.internal:8080", "rbd_node_secret": "site-rbd-node"}


def test_external_mode_connects_makes_classes_and_no_osds():
    result = ks.rook_ceph_stage(defaults(rook_ceph_mode="external", rook_ceph_external=EXTERNAL), [], None)
    assert result["problems"] == []
    cluster = values(result, "rook-ceph-cluster")
    assert cluster["cephClusterSpec"]["external"] == {"enable": True}
    assert "storage" not in cluster["cephClusterSpec"]
    assert cluster["cephBlockPools"] == [] and cluster["cephFileSystems"] == []
    assert cluster["cephObjectStores"][0]["spec"]["gateway"] == {
        "port": 8080, "externalRgwEndpoints": [{"hostname": "rgw.example.internal"}]}
    classes = dict((m["definition"]["metadata"]["name"], m["definition"]) for m in result["stage"]["manifests"]
                   if m["definition"]["kind"] == "StorageClass")
    assert sorted(classes) == ["ceph-block", "ceph-filesystem"]
    assert classes["ceph-block"]["parameters"]["pool"] == "site-rbd"
    assert classes["ceph-block"]["parameters"]["csi.storage.k8s.io/node-stage-secret-name"] == "site-rbd-node"
    assert classes["ceph-filesystem"]["parameters"]["fsName"] == "sitefs"
    assert result["health"]["planned_osds"] is None and result["health"]["external"] is True
    assert result["outputs"]["object_store_endpoint"] == "http://rgw.example.internal:8080"
    assert {"kind": "ConfigMap", "name": "rook-ceph-mon-endpoints", "namespace": "rook-ceph"} in result["external_connection"]
    assert {"kind": "Secret", "name": "site-rbd-node", "namespace": "rook-ceph"} in result["external_connection"]


def test_external_mode_without_file_system_or_gateway_names_no_such_class():
    result = ks.rook_ceph_stage(defaults(rook_ceph_mode="external", rook_ceph_external={"rbd_pool": "rbd"}), [], None)
    assert result["problems"] == []
    assert result["outputs"] == {"rwo_storage_class": "ceph-block", "rwx_storage_class": "",
                                 "bucket_storage_class": "", "object_store_endpoint": ""}
    assert [c["storage_class"] for c in result["health"]["claims"]] == ["ceph-block"]


# --- health after apply (status JSON shaped like Rook's CephCluster .status; synthetic) ------------------------

def synthetic_cluster(phase="Ready", health="HEALTH_OK", details=None, osds=6):
    return {"status": {"phase": phase, "message": "Cluster created successfully", "state": "Created",
                       "ceph": {"health": health, "details": details or {},
                                "versions": {"osd": {"ceph version 20.2.4 (abc) tentacle (stable)": osds} if osds else {},
                                             "mon": {"ceph version 20.2.4 (abc) tentacle (stable)": 3}}}}}


CLOCK = {"MON_CLOCK_SKEW": {"message": "clock skew detected on mon.b", "severity": "HEALTH_WARN"}}
NOOUT = {"OSDMAP_FLAGS": {"message": "noout flag(s) set", "severity": "HEALTH_WARN"}}
# (id, cluster, planned, accepted, ok, text every missing list must contain)
HEALTH = [
    ("ok", synthetic_cluster(), 6, [], True, []),
    ("ok, OSD count not planned", synthetic_cluster(osds=2), None, [], True, []),
    ("warn accepted", synthetic_cluster(health="HEALTH_WARN", details=CLOCK), 6, ["MON_CLOCK_SKEW"], True, []),
    ("warn not accepted", synthetic_cluster(health="HEALTH_WARN", details=dict(CLOCK, **NOOUT)), 6, ["MON_CLOCK_SKEW"],
     False, ["HEALTH_WARN: OSDMAP_FLAGS: noout flag(s) set"]),
    ("warn without details yet", synthetic_cluster(health="HEALTH_WARN"), 6, ["MON_CLOCK_SKEW"], False, ["no details yet"]),
    ("error", synthetic_cluster(health="HEALTH_ERR", details={"MON_DOWN": {"message": "1/3 mons down"}}), 6, [], False,
     ["Ceph reports HEALTH_ERR: MON_DOWN: 1/3 mons down"]),
    ("osds missing", synthetic_cluster(osds=4), 6, [], False, ["4 OSD(s) running, 6 planned"]),
    ("no osds yet and progressing", synthetic_cluster(phase="Progressing", health=None, osds=0), 6, [], False,
     ["phase Progressing", "no health yet", "0 OSD(s) running, 6 planned"]),
    ("no status", {"metadata": {"name": "ceph"}}, 6, [], False, ["has no status yet"]),
    ("external connected", synthetic_cluster(phase="Connected", osds=9), None, [], True, []),
]


@pytest.mark.parametrize("cluster,planned,accepted,ok,expected", [c[1:] for c in HEALTH], ids=[c[0] for c in HEALTH])
def test_health_judges_the_ceph_cluster_status(cluster, planned, accepted, ok, expected):
    judged = ks.health(cluster, planned, accepted)
    assert judged["ok"] is ok, judged
    text = "\n".join(judged["missing"])
    assert (text == "") is ok
    for part in expected:
        assert part in text, text


def test_health_plan_has_a_test_claim_of_each_class():
    result = ks.rook_ceph_stage(defaults(), nodes(3), None)
    claims = result["health"]["claims"]
    assert [(c["definition"]["kind"], c["storage_class"]) for c in claims] == [
        ("PersistentVolumeClaim", "ceph-block"), ("PersistentVolumeClaim", "ceph-filesystem"),
        ("ObjectBucketClaim", "ceph-bucket")]
    assert claims[1]["definition"]["spec"]["accessModes"] == ["ReadWriteMany"]
    assert result["health"]["planned_osds"] == 3 and result["health"]["timeout"] == 1800
    assert ks.rook_ceph_stage(defaults(rook_ceph_health_test_pvcs=False), nodes(3), None)["health"]["claims"] == []
