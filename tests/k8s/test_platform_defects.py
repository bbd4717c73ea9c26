# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Regression tests for the platform defects of issue 11 §4, each one rendering what the roles write through the
real upstream chart (chart_render) and asserting on the objects Helm would create.

The roles render with ansible-playbook (render mode, as tests/k8s/conftest.py does); then each Helm release of
the rendered releases.yaml is rendered through its chart package in ../shared/charts with the rendered values
file, and every object is validated (kubernetes-validate strict, CRD schemas, label syntax).
"""

import json
import os

import pytest
import yaml

import chart_render
import checks
from conftest import rendered_files, run_playbook

MIRROR_SECRET = "mirror-login"
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}

# Behind a registry that needs a login, with the SR-IOV device plugin and the secondary network on InfiniBand.
MIRROR_SRIOV_VARS = {
    "gpu_operator_image_registry": "registry.example.internal:5000/nvcr.io",
    "gpu_operator_nfd_image_repository": "registry.example.internal:5000/registry.k8s.io/nfd/node-feature-discovery",
    "gpu_operator_image_pull_secrets": [MIRROR_SECRET],
    "gpu_operator_cdi_enabled": False,
    "network_operator_image_registry": "registry.example.internal:5000/nvcr.io",
    "network_operator_image_pull_secrets": [MIRROR_SECRET],
    "network_operator_nfd_enabled": True,
    "network_operator_device_plugin": "sriov",
    "network_operator_secondary_network": True,
    "network_operator_ip_pool_subnet": "10.230.0.0/16",
    "network_operator_rdma_devices": [
        {"name": "mlx5_0", "netdev": "ibp24s0", "link_layer": "InfiniBand", "vendor_id": "15b3"},
    ],
    "cert_manager_image_pull_secrets": [MIRROR_SECRET],
}


@pytest.fixture(scope="module")
def mirror_sriov(tmp_path_factory):
    render_dir = str(tmp_path_factory.mktemp("render-mirror-sriov"))
    result = run_playbook("prod-h100x8", render_dir, MIRROR_SRIOV_VARS)
    assert result.returncode == 0, "render failed:\n%s" % result.stdout[-6000:]
    return render_dir


@pytest.fixture(scope="module")
def single_node(renders):
    """The h200x8-single inventory as it is, rendered once for the session (conftest.RENDERS)."""
    return renders["h200x8-single"]


def chart_objects(render_dir, stage):
    """{release name: objects} of every Helm release the stage rendered, through the real chart; every object valid."""
    helm = os.path.join(render_dir, stage, "helm")
    with open(os.path.join(helm, "releases.yaml")) as handle:
        releases = yaml.safe_load(handle)["releases"]
    out = {}
    for release in releases:
        values = checks.load_documents(os.path.join(helm, release["values_file"]))[0]
        objects, problems = chart_render.render_and_validate(release, values)
        assert problems == [], "%s/%s does not render to valid objects:\n%s" % (stage, release["name"], "\n".join(problems))
        out[release["name"]] = objects
    return out


def manifests(render_dir, stage):
    out = []
    for path in rendered_files(os.path.join(render_dir, stage), "manifests"):
        out.extend(checks.load_documents(path))
    return out


def pod_specs(objects):
    """(object name, pod spec) of every workload: Deployments, DaemonSets, Jobs (hooks included), Pods."""
    out = []
    for obj in objects:
        spec = obj.get("spec") or {}
        if obj.get("kind") == "Pod":
            out.append((chart_render.object_name(obj), spec))
        elif isinstance(spec.get("template"), dict) and isinstance(spec["template"].get("spec"), dict):
            out.append((chart_render.object_name(obj), spec["template"]["spec"]))
        elif obj.get("kind") == "CronJob":
            out.append((chart_render.object_name(obj), spec["jobTemplate"]["spec"]["template"]["spec"]))
    return out


def tolerates_control_plane(pod_spec):
    for toleration in pod_spec.get("tolerations") or []:
        if toleration.get("key") == CONTROL_PLANE_TAINT["key"] and toleration.get("effect") in (None, "", "NoSchedule") \
                and (toleration.get("operator") == "Exists" or toleration.get("value", "") == ""):
            return True
    return False


def only(objects, kind, name=None):
    found = [o for o in objects if o.get("kind") == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, "%d %s %s objects" % (len(found), kind, name or "")
    return found[0]


# --- Network Operator behind a registry that needs a login ---------------------------------------------------------


def test_network_operator_pull_secrets_in_every_pod_including_hook_jobs(mirror_sriov):
    objects = chart_objects(mirror_sriov, "network_operator")["network-operator"]
    specs = pod_specs(objects)
    kinds = sorted(set(name.split(" ")[0] for name, _spec in specs))
    assert "Deployment" in kinds and "Job" in kinds, kinds  # the operator and its hook Jobs
    assert any(name.startswith("DaemonSet") and "node-feature-discovery" in name for name, _spec in specs), specs
    for name, spec in specs:
        assert spec.get("imagePullSecrets") == [{"name": MIRROR_SECRET}], name
    policy = only(manifests(mirror_sriov, "network_operator"), "NicClusterPolicy")
    assert policy["spec"]["sriovDevicePlugin"]["imagePullSecrets"] == [MIRROR_SECRET]


# --- GPU Operator pull secrets: DCGM exporter and NFD ------------------------------------------------------------------


def test_gpu_operator_pull_secrets_reach_dcgm_exporter_and_nfd_pods(mirror_sriov):
    objects = chart_objects(mirror_sriov, "gpu_operator")["gpu-operator"]
    policy = only(objects, "ClusterPolicy")
    with_image = sorted(key for key, value in policy["spec"].items() if isinstance(value, dict) and "repository" in value)
    assert "dcgmExporter" in with_image and "devicePlugin" in with_image
    for component in with_image:
        assert policy["spec"][component].get("imagePullSecrets") == [MIRROR_SECRET], component
    nfd = [(name, spec) for name, spec in pod_specs(objects) if "node-feature-discovery" in name]
    assert len(nfd) >= 3, [name for name, _spec in nfd]  # master, worker, garbage collector
    for name, spec in pod_specs(objects):
        assert spec.get("imagePullSecrets") == [{"name": MIRROR_SECRET}], name
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            assert container["image"].startswith("registry.example.internal:5000/"), (name, container["image"])


# --- Single-node inventory: the control-plane taint --------------------------------------------------------------------


def test_single_node_every_platform_pod_tolerates_the_control_plane(single_node):
    for stage, release in (("cert_manager", "cert-manager"), ("gpu_operator", "gpu-operator")):
        specs = pod_specs(chart_objects(single_node, stage)[release])
        assert specs, stage
        for name, spec in specs:
            assert tolerates_control_plane(spec), "%s: %s does not tolerate the control-plane taint" % (stage, name)
    policy = only(chart_objects(single_node, "gpu_operator")["gpu-operator"], "ClusterPolicy")
    assert tolerates_control_plane({"tolerations": policy["spec"]["daemonsets"]["tolerations"]})


def test_multi_node_inventory_adds_no_control_plane_toleration(mirror_sriov):
    specs = pod_specs(chart_objects(mirror_sriov, "cert_manager")["cert-manager"])
    assert specs and not any(tolerates_control_plane(spec) for _name, spec in specs)


# --- Device plugin configs and MIG strategy -------------------------------------------------------------------------


def test_no_mps_config_under_mixed_mig_and_mps_refused(tmp_path):
    render_dir = str(tmp_path / "mixed")
    result = run_playbook("prod", render_dir, "gpu_operator_mig_strategy=mixed")
    assert result.returncode == 0, result.stdout[-3000:]
    config_map = only(manifests(render_dir, "gpu_operator"), "ConfigMap", "privateai-device-plugin-config")
    assert sorted(config_map["data"]) == ["exclusive", "time-slicing"]
    for text in config_map["data"].values():
        assert yaml.safe_load(text)["flags"]["migStrategy"] == "mixed"
    refused = run_playbook("prod", str(tmp_path / "mps"), "gpu_operator_mig_strategy=mixed", "gpu_operator_sharing=mps")
    assert refused.returncode != 0
    assert "gpu_operator_sharing is mps but gpu_operator_mig_strategy is mixed" in refused.stdout
    assert not os.path.exists(str(tmp_path / "mps" / "gpu_operator"))


# --- GPU isolation -----------------------------------------------------------------------------------------------------


def test_gpu_isolation_cdi_by_default(single_node):
    policy = only(chart_objects(single_node, "gpu_operator")["gpu-operator"], "ClusterPolicy")
    assert policy["spec"]["cdi"]["enabled"] is True
    assert not any(e.get("name") == "DEVICE_LIST_STRATEGY" for e in policy["spec"]["devicePlugin"].get("env") or [])


def test_gpu_isolation_volume_mounts_without_cdi(mirror_sriov):
    policy = only(chart_objects(mirror_sriov, "gpu_operator")["gpu-operator"], "ClusterPolicy")
    assert policy["spec"]["cdi"]["enabled"] is False
    assert {"name": "DEVICE_LIST_STRATEGY", "value": "volume-mounts"} in policy["spec"]["devicePlugin"]["env"]


# --- SR-IOV over InfiniBand with the secondary network ------------------------------------------------------------------


def test_sriov_infiniband_gets_cni_pool_and_attachment(mirror_sriov):
    objects = manifests(mirror_sriov, "network_operator")
    assert chart_render.validate_objects(objects, "network_operator manifests") == []
    policy = only(objects, "NicClusterPolicy")
    resource = json.loads(policy["spec"]["sriovDevicePlugin"]["config"])["resourceList"][0]
    daemonset = only(objects, "DaemonSet")
    pod = daemonset["spec"]["template"]["spec"]
    assert pod["containers"][0]["image"] == "registry.example.internal:5000/nvcr.io/nvidia/mellanox/ib-sriov-cni:network-operator-v26.4.1"
    assert pod["imagePullSecrets"] == [{"name": MIRROR_SECRET}]
    assert pod["affinity"]["nodeAffinity"] == policy["spec"]["nodeAffinity"]
    pool = only(objects, "IPPool")
    assert pool["spec"]["subnet"] == "10.230.0.0/16"
    assert pool["metadata"]["namespace"] == daemonset["metadata"]["namespace"]  # nv-ipam reads pools in its namespace
    nad = only(objects, "NetworkAttachmentDefinition")
    config = json.loads(nad["spec"]["config"])
    assert config["type"] == "ib-sriov"
    assert config["ipam"] == {"type": "nv-ipam", "poolName": pool["metadata"]["name"]}
    assert nad["metadata"]["annotations"]["k8s.v1.cni.cncf.io/resourceName"] == "%s/%s" % (
        resource["resourcePrefix"], resource["resourceName"])
    assert "ipoib" in policy["spec"]["secondaryNetwork"] and "nvIpam" in policy["spec"]


# --- Bad input is refused before anything is rendered, every problem at once ---------------------------------------


def test_bad_gpu_operator_input_refused_at_once_before_rendering(tmp_path):
    # Values the argument spec lets through (right types) that the cluster or Helm would refuse or ignore later.
    render_dir = str(tmp_path / "bad")
    result = run_playbook("prod", render_dir, {
        "gpu_operator_chart_archive": chart_render.chart_archive("gpu-operator", "v26.7.0"),
        "gpu_operator_values_extra": {"dcgmExporter": {"enabeld": False}},
        "gpu_operator_mig_config_default": "all 1g.10gb",
        "gpu_operator_mig_strategy": "mixed",
        "gpu_operator_sharing": "mps",
        "gpu_operator_image_registry": "https://nvcr.io",
    })
    assert result.returncode != 0
    assert "gpu_operator: 4 problem(s):" in result.stdout, result.stdout[-3000:]
    for expected in ("gpu_operator_mig_config_default is 'all 1g.10gb'",
                     "gpu_operator_sharing is mps but gpu_operator_mig_strategy is mixed",
                     "gpu_operator_image_registry is 'https://nvcr.io'",
                     "gpu_operator_values_extra: key dcgmExporter.enabeld is not a value of the chart"):
        assert expected in result.stdout, expected
    assert not os.path.exists(os.path.join(render_dir, "gpu_operator"))


def test_unknown_values_extra_key_refused_against_the_chart_archive(tmp_path):
    render_dir = str(tmp_path / "extra")
    archive = chart_render.chart_archive("gpu-operator", "v26.7.0")
    result = run_playbook("prod", render_dir, {"gpu_operator_chart_archive": archive,
                                               "gpu_operator_values_extra": {"dcgmExporter": {"enabeld": False},
                                                                             "devicePlugin": {"env": [{"name": "A", "value": "b"}]}}})
    assert result.returncode != 0
    assert ("gpu_operator_values_extra: key dcgmExporter.enabeld is not a value of the chart (Helm would ignore it "
            "silently)") in result.stdout
    assert "devicePlugin" not in result.stdout.split("problem(s)")[-1]
    assert not os.path.exists(os.path.join(render_dir, "gpu_operator"))
    unchecked = run_playbook("prod", str(tmp_path / "warn"), {"gpu_operator_values_extra": {"dcgmExporter": {"enabeld": False}}})
    assert unchecked.returncode == 0
    assert "gpu_operator_values_extra is not checked against the chart in render mode" in unchecked.stdout


# TEST DOUBLE of `helm pull CHART --repo URL --version V --destination DIR` (no helm and no chart repository can be
# reached here): copies the package of that chart and version from ../shared/charts, records its arguments, and
# fails the way helm does for a version the "repository" lacks.
HELM_PULL_TEST_DOUBLE = """#!/usr/bin/env bash
set -u
echo "$@" >> "%(log)s"
[ "${1:-}" = pull ] || { echo "Error: unknown command \\"${1:-}\\" for \\"helm\\"" >&2; exit 1; }
chart="$2"; shift 2; version=""; dest="."
while [ $# -gt 0 ]; do
  case "$1" in --version) version="$2"; shift 2 ;; --destination) dest="$2"; shift 2 ;; *) shift ;; esac
done
src="%(charts)s/${chart##*/}-${version}.tgz"
[ -f "$src" ] || { echo "Error: chart \\"${chart##*/}\\" version \\"$version\\" not found" >&2; exit 1; }
cp "$src" "$dest/"
"""


def test_apply_mode_checks_values_extra_against_the_pulled_chart(tmp_path):
    log = tmp_path / "helm.log"
    double = tmp_path / "helm"
    double.write_text(HELM_PULL_TEST_DOUBLE % {"log": log, "charts": chart_render.CHARTS})
    double.chmod(0o755)
    render_dir = str(tmp_path / "apply")
    result = run_playbook("prod", render_dir, {"k8s_render_apply_helm_binary": str(double),
                                               "network_operator_values_extra": {"operator": {"tolerations": [], "replicas": 2}}},
                          mode="apply")
    assert result.returncode != 0
    assert ("network_operator_values_extra: key operator.replicas is not a value of the chart (Helm would ignore it "
            "silently)") in result.stdout, result.stdout[-3000:]
    calls = log.read_text().split("\n")
    assert calls[0].startswith("pull network-operator --repo https://helm.ngc.nvidia.com/nvidia --version 26.4.1 --destination ")
    assert not os.path.exists(render_dir) or os.listdir(render_dir) == []
