# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

import pytest
import yaml

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from role_defaults import role_settings  # noqa: E402  (the shared test helper)


# What the templated defaults evaluate to for these tests (the roles' defaults read the inventory there).
TEMPLATED = {
    "cert_manager_ca_cert_file": "/nonexistent/internal-ca.crt",
    "cert_manager_ca_key_file": "/nonexistent/internal-ca.key",
    "network_operator_enabled": True,
    "network_operator_fabric_type": "infiniband",
    "network_operator_resource_name": "rdma_shared_device",
}


def defaults(role, **overrides):
    """The role's defaults/main.yml as the role would pass them, with ``overrides``."""
    # the *_tolerate_control_plane defaults: false
    return role_settings(role, TEMPLATED, fallback=False, **overrides)


# The gpu_operator stage renders two ConfigMaps: the device plugin's configs and the DCGM exporter's metrics CSV.
DEVICE_PLUGIN_CONFIG = "privateai-device-plugin-config"
STAGES = {"cert_manager": kp.cert_manager_stage, "gpu_operator": kp.gpu_operator_stage,
          "network_operator": kp.network_operator_stage}


def run(role, **overrides):
    return STAGES[role](defaults(role, **overrides))


def values(result):
    return result["stage"]["releases"][0]["values"]


def manifest(result, kind, name=None):
    found = [m["definition"] for m in result["stage"]["manifests"] if m["definition"]["kind"] == kind
             and name in (None, m["definition"]["metadata"]["name"])]
    assert len(found) == 1, "%d %s manifests" % (len(found), kind)
    return found[0]


@pytest.mark.parametrize("role", sorted(STAGES))
def test_defaults_are_good(role):
    result = run(role)
    assert result["problems"] == []
    assert result["stage"]["name"] == role
    assert result["chart"] == {"name": role.replace("_", "-"), "version": result["stage"]["releases"][0]["version"],
                               "repo_url": result["stage"]["releases"][0]["repo_url"], "archive": ""}


# (role, overrides, the one problem expected): a case of each class of bad input of issue 10 §3.
BAD_CASES = [
    # a value written into a label, checked for its syntax (nodes get nvidia.com/mig.config=<value>)
    ("gpu_operator", {"gpu_operator_mig_config_default": "all 1g.10gb"},
     "gpu_operator_mig_config_default is 'all 1g.10gb': a Kubernetes label value is empty or at most 63"),
    ("network_operator", {"network_operator_node_selector": {"feature.node.kubernetes.io/pci-15b3.present": True}},
     "network_operator_node_selector[feature.node.kubernetes.io/pci-15b3.present] is True: label values are strings"),
    # a combination the target refuses later
    ("cert_manager", {"cert_manager_ca_key_size": 4096},
     "cert_manager_ca_key_size is 4096 but cert_manager_ca_key_algorithm is ECDSA: cert-manager accepts 256, 384, 521"),
    ("cert_manager", {"cert_manager_certificate_key_algorithm": "RSA"},
     "cert_manager_certificate_key_size is 256 but cert_manager_certificate_key_algorithm is RSA"),
    ("gpu_operator", {"gpu_operator_sharing": "mps", "gpu_operator_mig_strategy": "mixed"},
     "gpu_operator_sharing is mps but gpu_operator_mig_strategy is mixed: the device plugin refuses MPS"),
    # a typo of a boolean
    ("gpu_operator", {"gpu_operator_cdi_enabled": "ture"}, "gpu_operator_cdi_enabled is 'ture': give true or false"),
    ("network_operator", {"network_operator_secondary_network": "flase"},
     "network_operator_secondary_network is 'flase': give true or false"),
    # an enumerated value checked before it is used as a dictionary key
    ("gpu_operator", {"gpu_operator_sharing": "MPS"}, "gpu_operator_sharing is 'MPS': give one of none, time-slicing, mps"),
    ("cert_manager", {"cert_manager_ca_key_algorithm": "EC"}, "cert_manager_ca_key_algorithm is 'EC': give one of RSA"),
    # syntax of names, registries, durations
    ("cert_manager", {"cert_manager_namespace": "Cert_Manager"}, "cert_manager_namespace is 'Cert_Manager': give a DNS label"),
    ("gpu_operator", {"gpu_operator_image_registry": "https://nvcr.io"}, "gpu_operator_image_registry is 'https://nvcr.io'"),
    ("gpu_operator", {"gpu_operator_nfd_image_repository": "registry.k8s.io/nfd:v1"},
     "gpu_operator_nfd_image_repository is 'registry.k8s.io/nfd:v1'"),
    ("cert_manager", {"cert_manager_ca_duration": "10y"}, "cert_manager_ca_duration is '10y': give whole hours"),
    ("network_operator", {"network_operator_components_version": "bad tag"}, "network_operator_components_version is 'bad tag'"),
    # pull secrets are names; the role writes {name: ...} where a chart wants it
    ("network_operator", {"network_operator_image_pull_secrets": [{"name": "x"}]},
     "network_operator_image_pull_secrets[0] is {'name': 'x'}: give the Secret's name only"),
    # a misspelt variable
    ("gpu_operator", {"gpu_operator_sharing_replica": 4}, "gpu_operator_sharing_replica is not a setting of this role"),
    # tolerations
    ("gpu_operator", {"gpu_operator_daemonset_tolerations": [{"key": "x", "operator": "Exist"}]},
     "gpu_operator_daemonset_tolerations[0]: operator is 'Exist': give Exists or Equal"),
    # the secondary network with SR-IOV needs a pool
    ("network_operator", {"network_operator_device_plugin": "sriov", "network_operator_secondary_network": True},
     "network_operator_ip_pool_subnet is empty but network_operator_secondary_network is true"),
    ("network_operator", {"network_operator_device_plugin": "sriov", "network_operator_secondary_network": True,
                          "network_operator_ip_pool_subnet": "10.230.0.1/16"}, "network_operator_ip_pool_subnet is '10.230.0.1/16'"),
    ("network_operator", {"network_operator_rdma_devices": [{"name": "mlx5_0", "netdev": "ibp24s0", "link_layer": "IB"}]},
     "network_operator_rdma_devices[0] (mlx5_0): link_layer is 'IB': give InfiniBand or Ethernet"),
    ("network_operator", {"network_operator_fabric_type": "none"}, "network_operator_fabric_type is 'none'"),
    ("cert_manager", {"cert_manager_certificates": [{"name": "dify", "namespace": "dify", "dns_names": ["Dify.Example"]}]},
     "cert_manager_certificates[0].dns_names[0] is 'Dify.Example': give a DNS name"),
    ("cert_manager", {"cert_manager_certificates": [{"name": "dify", "namespace": "dify", "dns_names": ["d"], "dns": 1}]},
     "cert_manager_certificates[0]: unknown key 'dns'"),
]


@pytest.mark.parametrize("role, overrides, expected", BAD_CASES, ids=[c[2][:60] for c in BAD_CASES])
def test_bad_input_is_refused_naming_variable_and_value(role, overrides, expected):
    result = run(role, **overrides)
    assert result["stage"] is None, "a stage was built despite %s" % result["problems"]
    assert len(result["problems"]) == 1, result["problems"]
    assert result["problems"][0].startswith(expected), result["problems"]


def test_every_problem_at_once():
    result = run("gpu_operator", gpu_operator_cdi_enabled="ture", gpu_operator_sharing="MPS",
                 gpu_operator_namespace="GPU", gpu_operator_sharing_replicas="many")
    assert len(result["problems"]) == 4
    assert result["stage"] is None


# Values YAML typed differently but meaning one thing are accepted, and the stage uses the converted value.
def test_unambiguous_strings_are_converted_and_used():
    result = run("gpu_operator", gpu_operator_sharing_replicas="4", gpu_operator_sharing="time-slicing",
                 gpu_operator_cdi_enabled="yes", gpu_operator_wait_timeout="900")
    assert result["problems"] == []
    assert values(result)["cdi"]["enabled"] is True
    assert result["stage"]["releases"][0]["wait_timeout"] == 900
    config = yaml.safe_load(manifest(result, "ConfigMap", DEVICE_PLUGIN_CONFIG)["data"]["time-slicing"])
    assert config["sharing"]["timeSlicing"]["resources"][0]["replicas"] == 4
    cm = run("cert_manager", cert_manager_replicas="2")
    assert values(cm)["replicaCount"] == 2 and values(cm)["webhook"]["podDisruptionBudget"]["enabled"] is True


def test_disabled_role_checks_nothing_else():
    result = run("gpu_operator", gpu_operator_enabled=False, gpu_operator_sharing="MPS")
    assert result == {"problems": [], "warnings": [], "enabled": False, "stage": None, "values_extra": {}, "chart": None}


def test_credentials_dir_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / "credentials"
    path.write_text(u"not a directory")
    result = kp.cert_manager_stage(defaults("cert_manager"), credentials_dir=str(path))
    assert result["problems"] == ["privateai_credentials_dir is '%s', which is a file: give a directory (secrets are "
                                  "kept there, one file each, mode 0600)" % path]
    assert kp.cert_manager_stage(defaults("cert_manager"), credentials_dir=str(tmp_path))["problems"] == []
    assert kp.cert_manager_stage(defaults("cert_manager"), credentials_dir=str(tmp_path / "new"))["problems"] == []


def test_provided_ca_needs_both_files_and_renders_a_secret(tmp_path):
    missing = run("cert_manager", cert_manager_ca_source="provided")
    assert [p.split(" '")[0] for p in missing["problems"]] == [
        "cert_manager_ca_source is provided but cert_manager_ca_cert_file", "cert_manager_ca_source is provided but cert_manager_ca_key_file"]
    (tmp_path / "ca.crt").write_text(u"CERT")
    (tmp_path / "ca.key").write_text(u"KEY")
    result = run("cert_manager", cert_manager_ca_source="provided", cert_manager_ca_cert_file=str(tmp_path / "ca.crt"),
                 cert_manager_ca_key_file=str(tmp_path / "ca.key"))
    secret = [m for m in result["stage"]["manifests"] if m.get("secret")]
    assert len(secret) == 1 and secret[0]["definition"]["data"]["tls.key"] == "S0VZ"
    kinds = [m["definition"]["kind"] for m in result["stage"]["manifests"]]
    assert kinds == ["Namespace", "Secret", "ClusterIssuer"]


# --- §4 defects: the values and manifests the roles build -----------------------------------------------------


def test_network_operator_pull_secrets_are_names_where_the_chart_wraps_them():
    result = run("network_operator", network_operator_image_pull_secrets=["mirror-login"], network_operator_nfd_enabled=True)
    assert values(result)["imagePullSecrets"] == ["mirror-login"]
    assert values(result)["node-feature-discovery"]["imagePullSecrets"] == [{"name": "mirror-login"}]
    policy = manifest(result, "NicClusterPolicy")
    assert policy["spec"]["rdmaSharedDevicePlugin"]["imagePullSecrets"] == ["mirror-login"]


def test_gpu_operator_pull_secrets_reach_dcgm_exporter_and_nfd():
    result = run("gpu_operator", gpu_operator_image_pull_secrets=["mirror-login"])
    vals = values(result)
    for component in ("operator", "dcgmExporter", "dcgm", "devicePlugin", "validator", "gfd", "migManager"):
        assert vals[component]["imagePullSecrets"] == ["mirror-login"], component
    assert vals["node-feature-discovery"]["imagePullSecrets"] == [{"name": "mirror-login"}]


def test_gpu_operator_warns_when_the_mirror_does_not_cover_nfd():
    result = run("gpu_operator", gpu_operator_image_registry="registry.example.internal/nvcr.io")
    assert result["problems"] == [] and len(result["warnings"]) == 1
    assert "gpu_operator_nfd_image_repository is still registry.k8s.io" in result["warnings"][0]
    covered = run("gpu_operator", gpu_operator_image_registry="registry.example.internal/nvcr.io",
                  gpu_operator_nfd_image_repository="registry.example.internal/registry.k8s.io/nfd/node-feature-discovery")
    assert covered["warnings"] == []


CONTROL_PLANE = {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}


@pytest.mark.parametrize("tolerate", [True, False])
def test_control_plane_toleration_is_stage_wide(tolerate):
    cm = values(run("cert_manager", cert_manager_tolerate_control_plane=tolerate))
    gpu = values(run("gpu_operator", gpu_operator_tolerate_control_plane=tolerate))
    net = run("network_operator", network_operator_tolerate_control_plane=tolerate)
    placed = [cm.get("tolerations", []), cm["webhook"].get("tolerations", []), cm["cainjector"].get("tolerations", []),
              cm.get("startupapicheck", {}).get("tolerations", []), gpu["daemonsets"]["tolerations"],
              gpu["node-feature-discovery"].get("gc", {}).get("tolerations", []),
              gpu["operator"].get("tolerations", []),
              manifest(net, "NicClusterPolicy")["spec"]["tolerations"]]
    for tolerations in placed:
        assert (CONTROL_PLANE in tolerations) is tolerate, tolerations


@pytest.mark.parametrize("strategy, configs", [("none", ["exclusive", "mps", "time-slicing"]),
                                               ("single", ["exclusive", "mps", "time-slicing"]),
                                               ("mixed", ["exclusive", "time-slicing"])])
def test_device_plugin_configs_valid_for_the_mig_strategy(strategy, configs):
    result = run("gpu_operator", gpu_operator_mig_strategy=strategy)
    data = manifest(result, "ConfigMap", DEVICE_PLUGIN_CONFIG)["data"]
    assert sorted(data) == configs
    for text in data.values():
        assert yaml.safe_load(text)["flags"]["migStrategy"] == strategy


def test_gpu_isolation_settings():
    cdi = values(run("gpu_operator"))
    assert cdi["cdi"]["enabled"] is True and "env" not in cdi["devicePlugin"]
    mounts = values(run("gpu_operator", gpu_operator_cdi_enabled=False))
    assert mounts["cdi"]["enabled"] is False
    assert mounts["devicePlugin"]["env"] == [{"name": "DEVICE_LIST_STRATEGY", "value": "volume-mounts"}]


@pytest.mark.parametrize("fabric, cni", [("infiniband", "ib-sriov"), ("roce", "sriov")])
def test_sriov_secondary_network_gets_cni_pool_and_attachment(fabric, cni):
    result = run("network_operator", network_operator_fabric_type=fabric, network_operator_device_plugin="sriov",
                 network_operator_resource_name="sriov_rdma_vf", network_operator_secondary_network=True,
                 network_operator_ip_pool_subnet="10.230.0.0/16", network_operator_image_pull_secrets=["mirror-login"])
    assert result["problems"] == []
    daemonset = manifest(result, "DaemonSet")
    container = daemonset["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nvcr.io/nvidia/mellanox/%s-cni:network-operator-v26.4.1" % cni
    assert daemonset["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "mirror-login"}]
    pool = manifest(result, "IPPool")
    assert pool["spec"]["subnet"] == "10.230.0.0/16" and pool["metadata"]["namespace"] == "nvidia-network-operator"
    nad = manifest(result, "NetworkAttachmentDefinition")
    config = json.loads(nad["spec"]["config"])
    assert (config["type"], config["ipam"]) == (cni, {"type": "nv-ipam", "poolName": "privateai-rdma"})
    assert nad["metadata"]["annotations"] == {"k8s.v1.cni.cncf.io/resourceName": "nvidia.com/sriov_rdma_vf"}
    plain = run("network_operator", network_operator_device_plugin="sriov", network_operator_resource_name="sriov_rdma_vf")
    assert [m["definition"]["kind"] for m in plain["stage"]["manifests"]] == ["Namespace", "NicClusterPolicy"]


def test_plain_strips_wrapper_types():
    class Wrapped(str):
        pass

    out = kp.plain({Wrapped("k"): [Wrapped("v"), 1, True, None, 1.5]})
    assert out == {"k": ["v", 1, True, None, 1.5]}
    assert list(out)[0].__class__ is str and out["k"][0].__class__ is str
