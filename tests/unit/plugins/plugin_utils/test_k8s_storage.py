# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_storage as ks

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
FABRIC = {"type": "infiniband", "networks": [{"name": "ib0", "subnet": "10.224.0.0/24"}]}


def defaults(**overrides):
    """roles/rook_ceph/defaults/main.yml as the role passes it (templated defaults evaluated to false)."""
    with open(os.path.join(ROOT, "roles", "rook_ceph", "defaults", "main.yml")) as handle:
        settings = yaml.safe_load(handle)
    for name, value in settings.items():
        if isinstance(value, str) and "{{" in value:
            settings[name] = False
    settings.update(overrides)
    return settings


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
    ("serial form in render mode", {}, 0, [{"name": "stor01", "devices": ["serial:S64HNE0T200001"]}],
     ["rook_ceph_devices[0] of node stor01 is 'serial:S64HNE0T200001'"]),
    ("filter only in render mode", {}, 0, [{"name": "stor01", "device_filter": {"min_size": "1T"}}],
     ["node stor01: rook_ceph_devices is None"]),
    ("disk twice", {}, 0, [{"name": "stor01", "devices": ["nvme1n1", "/dev/nvme1n1"]}], ["names nvme1n1 twice"]),
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
    given = [{"name": "gpu01", "devices": ["/dev/disk/by-id/nvme-A", "/dev/nvme2n1"]},
             {"name": "gpu02", "devices": ["sdb"]}, {"name": "gpu03", "devices": ["/dev/disk/by-id/nvme-C"]}]
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
