# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The harness can fail: a misspelt values key, a manifest missing a required field, a wrong type,
a stale chart pin and a stale allowlist entry are each reported, by name."""

import copy
import os

import checks
from conftest import rendered_files, run_playbook


def _doc(render_dir, fragment):
    path = [p for p in rendered_files(render_dir, "manifests") if fragment in os.path.basename(p)][0]
    return checks.load_documents(path)[0]


def test_misspelt_values_key_from_the_inventory_is_reported(tmp_path):
    """A typo in gpu_operator_values_extra renders fine (Helm would silently ignore it) and the key check names it."""
    render_dir = str(tmp_path / "render")
    result = run_playbook("prod", render_dir, {"gpu_operator_values_extra": {"dcgmExporter": {"servicMonitor": {"enabled": True}}}})
    assert result.returncode == 0, result.stdout[-3000:]
    values = checks.load_documents(os.path.join(render_dir, "gpu_operator", "helm", "gpu-operator.values.yaml"))[0]
    problems = checks.check_values_keys("gpu-operator", values, os.path.join(checks.CHART_VALUES, "gpu-operator"),
                                        checks.load_allowlist())
    assert len(problems) == 1, problems
    assert "'dcgmExporter.servicMonitor'" in problems[0] and "not declared" in problems[0]


def test_misspelt_and_mistyped_keys_in_every_chart_shape():
    chart_dir = os.path.join(checks.CHART_VALUES, "cert-manager")
    # Top level, nested, under a subchart key, and a wrong type that values.schema.json rejects.
    problems = checks.check_values_keys("cert-manager", {"replicaCont": 2, "webhook": {"replicaCount": "two"}}, chart_dir)
    assert any("'replicaCont'" in p for p in problems), problems
    assert any("values.schema.json" in p and "webhook" in p for p in problems), problems
    nfd = os.path.join(checks.CHART_VALUES, "gpu-operator")
    problems = checks.check_values_keys("gpu-operator", {"node-feature-discovery": {"imag": {"repository": "x"}},
                                                         "driver": {"enabled": "false"}}, nfd)
    assert any("'node-feature-discovery.imag'" in p for p in problems), problems
    assert any("'driver.enabled' is a string" in p for p in problems), problems
    # Free-form maps accept any key below them; declared keys pass.
    assert checks.check_values_keys("gpu-operator", {"operator": {"nodeSelector": {"any/label": "x"}},
                                                     "daemonsets": {"labels": {"a": "b"}}}, nfd) == []


def test_allowlisted_key_passes_only_with_its_entry():
    chart_dir = os.path.join(checks.CHART_VALUES, "gpu-operator")
    values = {"hostPaths": {"kubeletRootDir": "/var/lib/k0s/kubelet"}}
    assert checks.check_values_keys("gpu-operator", values, chart_dir) != []
    assert checks.check_values_keys("gpu-operator", values, chart_dir, checks.load_allowlist()) == []
    assert checks.allowlist_problems(checks.load_allowlist()) == []
    stale = [{"chart": "gpu-operator", "key": "driver.enabled", "template": "t", "reason": "r"}]
    assert "declared by the chart now" in checks.allowlist_problems(stale)[0]


def test_custom_resource_missing_a_required_field_is_reported(rendered_variant):
    render_dir = rendered_variant[1]
    cert = _doc(render_dir, "-certificate-dify")
    assert checks.validate_manifest(cert) == []
    broken = copy.deepcopy(cert)
    del broken["spec"]["secretName"]
    errors = checks.validate_manifest(broken)
    assert errors and "'secretName' is a required property" in errors[0]
    policy = _doc(render_dir, "nicclusterpolicy")
    broken = copy.deepcopy(policy)
    del broken["spec"]["sriovDevicePlugin"]["image"]
    assert any("'image' is a required property" in e for e in checks.validate_manifest(broken))
    broken = copy.deepcopy(policy)
    broken["spec"]["sriovDevicePlugin"]["imag"] = "typo"
    assert any("imag" in e for e in checks.validate_manifest(broken))


def test_core_kind_missing_a_required_field_or_mistyped_is_reported(rendered):
    configmap = _doc(rendered[1], "configmap")
    assert checks.validate_manifest(configmap) == []
    broken = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"ports": [{"name": "http"}]}}
    errors = checks.validate_manifest(broken)
    assert errors and "port" in errors[0], errors  # ServicePort.port is required
    broken = copy.deepcopy(configmap)
    broken["data"]["exclusive"] = 3
    assert checks.validate_manifest(broken), "an integer in ConfigMap data must be rejected"
    broken = copy.deepcopy(configmap)
    broken["metadata"]["labelz"] = {}
    assert checks.validate_manifest(broken), "an unknown field must be rejected (strict)"


def test_reference_versions_are_read_from_sources_md():
    reference = checks.reference_versions()
    assert reference["gpu-operator"] == "v26.7.0"
    assert reference["network-operator"] == "26.4.1"
    assert reference["cert-manager"] == "v1.21.1"
    assert reference["istio/base"] == "1.30.3"


def test_stale_pin_in_the_inventory_is_named(tmp_path):
    render_dir = str(tmp_path / "render")
    result = run_playbook("prod", render_dir, "cert_manager_chart_version=v1.20.0")
    assert result.returncode == 0, result.stdout[-3000:]
    problems = checks.pinned_version_problems(render_dir)
    assert len(problems) == 1, problems
    assert "cert_manager: release cert-manager pins chart cert-manager v1.20.0" in problems[0]
    assert "are for v1.21.1" in problems[0] and "stale" in problems[0]
