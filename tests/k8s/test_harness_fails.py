# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The harness can fail: a misspelt values key, a manifest missing a required field, a wrong type,
a stale chart pin and a stale allowlist entry are each reported, by name. All in process (no playbook run):
wrong inputs are applied to what the session's renders wrote. test_wrong_inputs.py does the same through the
real charts."""

import copy
import os

import pytest

import chart_render
import checks
from conftest import rendered_files


def _doc(render_dir, fragment):
    path = [p for p in rendered_files(render_dir, "manifests") if fragment in os.path.basename(p)][0]
    return checks.load_documents(path)[0]


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


def test_custom_resource_missing_a_required_field_is_reported(renders):
    render_dir = renders["prod-h100x8+variant"]
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


def test_core_kind_missing_a_required_field_or_mistyped_is_reported(renders):
    configmap = _doc(renders["prod"], "configmap")
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


def test_stale_pin_is_named(renders, tmp_path):
    """A pin that differs from the reference (cert_manager_chart_version=v1.20.0 in an inventory) is named, and
    rendering it through the real chart fails naming chart and version, as ../shared/charts has no such package."""
    import shutil
    render_dir = str(tmp_path / "render")
    shutil.copytree(renders["prod"], render_dir)
    path = os.path.join(render_dir, "cert_manager", "helm", "releases.yaml")
    text = open(path).read()
    assert "version: v1.21.1" in text
    open(path, "w").write(text.replace("version: v1.21.1", "version: v1.20.0"))
    problems = checks.pinned_version_problems(render_dir)
    assert len(problems) == 1, problems
    assert "cert_manager: release cert-manager pins chart cert-manager v1.20.0" in problems[0]
    assert "are for v1.21.1" in problems[0] and "stale" in problems[0]
    release = checks.load_documents(path)[0]["releases"][0]
    problems = chart_render.render_and_validate(release, {})[1]
    assert len(problems) == 1 and "chart cert-manager version v1.20.0: no package cert-manager-v1.20.0.tgz" in problems[0]
    assert "present: cert-manager-v1.21.1.tgz" in problems[0]


KEY_CASES = [
    # (id, chart folder, values, the one problem expected)
    ("toleration-field-misspelt", "gpu-operator",
     {"daemonsets": {"tolerations": [{"key": "a", "operator": "Exists", "efect": "NoSchedule"}]}},
     "gpu-operator: values key 'daemonsets.tolerations[0].efect' is not a field of a Kubernetes Toleration "
     "(effect, key, operator, tolerationSeconds, value)"),
    ("toleration-seconds-a-string", "gpu-operator",
     {"operator": {"tolerations": [{"key": "a", "operator": "Exists", "tolerationSeconds": "60"}]}},
     "gpu-operator: values key 'operator.tolerations[0].tolerationSeconds' is a string ('60'), a Kubernetes Toleration "
     "takes an integer"),
    ("toleration-a-string", "gpu-operator", {"daemonsets": {"tolerations": ["nvidia.com/gpu"]}},
     "gpu-operator: values key 'daemonsets.tolerations[0]' is a string, the chart passes a Kubernetes Toleration (a map) through"),
    ("toleration-in-a-subchart", "network-operator",
     {"node-feature-discovery": {"worker": {"tolerations": [{"key": "a", "operator": "Exist"}]}}},
     "network-operator: values key 'node-feature-discovery.worker.tolerations[0].operator' is 'Exist', a Kubernetes "
     "Toleration takes one of 'Exists', 'Equal'"),
    ("number-for-a-string", "gpu-operator", {"dcgmExporter": {"serviceMonitor": {"interval": 15}}},
     "gpu-operator: values key 'dcgmExporter.serviceMonitor.interval' is an integer (15), the chart's default is a "
     "string ('15s')"),
    ("string-for-a-number", "gpu-operator", {"driver": {"startupProbe": {"periodSeconds": "10s"}}},
     "gpu-operator: values key 'driver.startupProbe.periodSeconds' is a string ('10s'), the chart's default is "
     "an integer (10)"),
    ("subchart-a-scalar", "gpu-operator", {"node-feature-discovery": "disabled"},
     "gpu-operator: values key 'node-feature-discovery' is a string ('disabled'), the chart passes it to its subchart "
     "node-feature-discovery, which takes a map of its values (enable or disable it with the chart's own key)"),
    ("label-value-not-a-string", "gpu-operator", {"daemonsets": {"labels": {"tier": True}}},
     "gpu-operator: values key 'daemonsets.labels.tier' is a boolean (True); labels and annotations take strings (quote it)"),
    ("selector-requirement-misspelt", "cert-manager",
     {"webhook": {"validatingWebhookConfiguration": {"namespaceSelector": {"matchExpressions": [
         {"key": "cert-manager.io/disable-validation", "operator": "NotIn", "value": ["true"]}]}}}},
     "cert-manager: values key 'webhook.validatingWebhookConfiguration.namespaceSelector.matchExpressions[0].value' is "
     "not a field of a Kubernetes LabelSelectorRequirement (key, operator, values)"),
    ("list-for-a-scalar", "gpu-operator", {"mig": {"strategy": ["single"]}},
     "gpu-operator: values key 'mig.strategy' is a list, the chart's default is a string ('single')"),
]


@pytest.mark.parametrize("case_id, chart, values, expected", KEY_CASES, ids=[c[0] for c in KEY_CASES])
def test_key_check_names_list_items_types_and_subchart_scalars(case_id, chart, values, expected):
    problems = checks.check_values_keys(chart, values, os.path.join(checks.CHART_VALUES, chart))
    assert problems == [expected], case_id


def test_key_check_accepts_what_kubernetes_accepts():
    """Fields the chart's default items do not show but the Kubernetes type has, and free-form maps, pass."""
    chart_dir = os.path.join(checks.CHART_VALUES, "gpu-operator")
    values = {"daemonsets": {"tolerations": [{"key": "a", "operator": "Equal", "value": "b", "effect": "NoExecute",
                                              "tolerationSeconds": 30}], "labels": {"team": "ml"}},
              "driver": {"upgradePolicy": {"maxUnavailable": 2}},  # int-or-string: the default is '25%'
              "operator": {"nodeSelector": {"kubernetes.io/os": "linux"}, "resources": {"limits": {"cpu": "1"}}}}
    assert checks.check_values_keys("gpu-operator", values, chart_dir) == []


def test_list_items_compared_with_the_charts_default_item(tmp_path):
    """A list that is no Kubernetes type the check knows: its items are compared with the chart's default items."""
    (tmp_path / "values.yaml").write_text("backends:\n  - name: a\n    port: 80\n    tls: false\nempty: []\n")
    values = {"backends": [{"name": "b", "port": "81", "tsl": True}, "c"], "empty": [{"anything": 1}]}
    assert checks.check_values_keys("demo", values, str(tmp_path)) == [
        "demo: values key 'backends[0].port' is a string ('81'), the chart's default is an integer (80)",
        "demo: values key 'backends[0].tsl' is not declared by the chart (values.yaml); Helm would ignore it. Fix the "
        "spelling, or allowlist it in tests/k8s/values-allowlist.yml naming the template that reads it",
        "demo: values key 'backends[1]' is a string, the chart's default items are maps with keys name, port, tls",
    ]


API_SERVER_CASES = [
    # (id, object fragment, expected problem)
    ("label-value-too-long", {"metadata": {"labels": {"app": "x" * 64}}}, "$.metadata.labels.app: label value"),
    ("label-value-ends-with-dash", {"spec": {"selector": {"matchLabels": {"app": "web-"}}}},
     "$.spec.selector.matchLabels.app: label value 'web-' must be"),
    ("label-key-prefix-upper-case", {"metadata": {"labels": {"Example.com/app": "x"}}},
     "$.metadata.labels.Example.com/app: label key 'Example.com/app': prefix 'Example.com' is not a DNS subdomain"),
    ("annotation-key-with-space", {"metadata": {"annotations": {"my note": "anything at all goes in a value"}}},
     "$.metadata.annotations.my note: label key 'my note': name 'my note' must be"),
    ("node-selector-value-a-number", {"spec": {"nodeSelector": {"gpu": 8}}}, "$.spec.nodeSelector.gpu: label value 8 is not a string"),
    ("quantity-with-a-space", {"spec": {"containers": [{"resources": {"requests": {"memory": "1 Gi"}}}]}},
     "$.spec.containers[0].resources.requests.memory: '1 Gi' is not a quantity"),
    ("quantity-a-boolean", {"spec": {"resources": {"limits": {"nvidia.com/gpu": True}}}},
     "$.spec.resources.limits.nvidia.com/gpu: True is not a quantity"),
    ("toleration-effect", {"spec": {"tolerations": [{"key": "a", "effect": "NoSchedul"}]}},
     "$.spec.tolerations[0].effect: 'NoSchedul' is not one of NoSchedule, PreferNoSchedule, NoExecute"),
]


@pytest.mark.parametrize("case_id, obj, expected", API_SERVER_CASES, ids=[c[0] for c in API_SERVER_CASES])
def test_what_the_api_server_would_reject_beyond_the_schemas(case_id, obj, expected):
    problems = chart_render.api_server_problems(obj)
    assert len(problems) == 1 and problems[0].startswith(expected), (case_id, problems)


def test_valid_labels_annotations_quantities_and_tolerations_pass():
    obj = {"metadata": {"labels": {"app.kubernetes.io/name": "gpu-operator", "empty": "", "a": "A_b.c-9"},
                        "annotations": {"example.com/note": "any text, even with spaces: 100%"}},
           "spec": {"nodeSelector": {"nvidia.com/gpu.present": "true"},
                    "tolerations": [{"operator": "Exists"}, {"key": "k", "operator": "Equal", "value": "v", "effect": "NoExecute"}],
                    "containers": [{"resources": {"limits": {"cpu": "500m", "memory": "1.5Gi", "nvidia.com/gpu": 8},
                                                  "requests": {"cpu": 0.25, "ephemeral-storage": "1e3"}}}]}}
    assert chart_render.api_server_problems(obj) == []
