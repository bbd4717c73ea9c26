# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wrong inputs fail, naming release, values key and object: each case puts one wrong value into the values file
the prod render wrote for a release and runs chart_render.release_problems on it (the values key check, then the
real chart through Helm's engine, then every object it renders), in process. A playbook run would add nothing
here: the roles pass gpu_operator_values_extra and friends into that file as they are (the variant render checks
that they reach the chart)."""

import copy

import pytest

import chart_render
from conftest import releases

LONG = "x" * 64

# id, release, values to merge into ours, fragments that must all appear in the problems (release, values key,
# the object or what refused it). The first two are the issue's; the others are ours.
CASES = [
    ("toleration-field-misspelt", "gpu-operator",
     {"daemonsets": {"tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "efect": "NoSchedule"}]}},
     ["release gpu-operator: gpu-operator: values key 'daemonsets.tolerations[0].efect' is not a field of a Kubernetes Toleration",
      "release gpu-operator: ClusterPolicy cluster-policy: $.spec.daemonsets.tolerations[0]: Additional properties are not allowed ('efect' was unexpected)"]),
    ("servicemonitor-interval-a-number", "gpu-operator",
     {"dcgmExporter": {"serviceMonitor": {"enabled": True, "interval": 15}}},
     ["release gpu-operator: gpu-operator: values key 'dcgmExporter.serviceMonitor.interval' is an integer (15), the chart's default is a string ('15s')",
      "release gpu-operator: ClusterPolicy cluster-policy: $.spec.dcgmExporter.serviceMonitor.interval: 15 is not of type 'string'"]),
    ("schema-rejects-a-number-for-a-string", "cert-manager",
     {"prometheus": {"servicemonitor": {"enabled": True, "interval": 60}}},
     ["release cert-manager: cert-manager: values key 'prometheus.servicemonitor.interval' is an integer (60)",
      "release cert-manager (chart cert-manager v1.21.1, namespace cert-manager): Helm refused to render it: values don't meet "
      "the specifications of the schema(s)", "at '/prometheus/servicemonitor/interval': got number, want string"]),
    ("template-ranges-over-a-string", "gpu-operator",
     {"operator": {"imagePullSecrets": "mirror-login"}},
     ["release gpu-operator: gpu-operator: values key 'operator.imagePullSecrets' is a string ('mirror-login'), the chart expects a list",
      "release gpu-operator (chart gpu-operator v26.7.0, namespace gpu-operator): Helm refused to render it:",
      "range can't iterate over mirror-login"]),
    ("resource-quantity-invalid", "gpu-operator",
     {"operator": {"resources": {"limits": {"cpu": "lots"}}}},
     ["release gpu-operator: Deployment gpu-operator/gpu-operator: $.spec.template.spec.containers[0].resources.limits.cpu: "
      "'lots' is not a quantity"]),
    ("label-value-too-long", "gpu-operator",
     {"daemonsets": {"labels": {"team": LONG}}},
     ["release gpu-operator: ClusterPolicy cluster-policy: $.spec.daemonsets.labels.team: label value '%s' must be at most 63" % LONG]),
    ("label-value-a-number", "cert-manager",
     {"podLabels": {"tier": 1}},
     ["release cert-manager: cert-manager: values key 'podLabels.tier' is an integer (1); labels and annotations take strings",
      "release cert-manager: Deployment cert-manager/cert-manager: $.spec.template.metadata.labels.tier: 1 is not of type 'string'"]),
    ("toleration-effect-misspelt", "cert-manager",
     {"tolerations": [{"key": "dedicated", "operator": "Equal", "value": "infra", "effect": "NoSchedul"}]},
     ["release cert-manager: cert-manager: values key 'tolerations[0].effect' is 'NoSchedul', a Kubernetes Toleration takes one of",
      "release cert-manager: Deployment cert-manager/cert-manager: $.spec.template.spec.tolerations[0].effect: 'NoSchedul' is not one of"]),
    ("subchart-given-a-scalar", "gpu-operator",
     {"node-feature-discovery": False},
     ["release gpu-operator: gpu-operator: values key 'node-feature-discovery' is a boolean (False), the chart passes it to its subchart",
      "release gpu-operator (chart gpu-operator v26.7.0, namespace gpu-operator): Helm refused to render it: type mismatch on node-feature-discovery"]),
    ("list-where-a-map-is-expected", "network-operator",
     {"operator": {"tolerations": "node-role.kubernetes.io/control-plane"}},
     ["release network-operator: network-operator: values key 'operator.tolerations' is a string",
      "release network-operator: Deployment nvidia-network-operator/network-operator: $.spec.template.spec.tolerations: "
      "'node-role.kubernetes.io/control-plane' is not of type 'array'"]),
]

# Keys the chart does not read render fine (Helm ignores them): only the key check can name them, and nothing
# wrong comes out of the chart, which is why the key check stays next to the real render.
UNDECLARED = [
    ("misspelt-key", "gpu-operator", {"dcgmExporter": {"servicMonitor": {"enabled": True}}},
     "release gpu-operator: gpu-operator: values key 'dcgmExporter.servicMonitor' is not declared by the chart"),
    ("misspelt-key-in-a-subchart", "network-operator", {"node-feature-discovery": {"imag": {"repository": "x"}}},
     "release network-operator: network-operator: values key 'node-feature-discovery.imag' is not declared by the chart"),
]


def _merge(base, over):
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


@pytest.fixture(scope="module")
def ours(renders):
    """{release name: (release, values)} of what the prod render wrote."""
    return {release["name"]: (release, values) for _stage, release, values in releases(renders["prod"])}


@pytest.mark.parametrize("case_id, name, wrong, expected", CASES, ids=[c[0] for c in CASES])
def test_wrong_input_fails_naming_release_key_and_object(ours, case_id, name, wrong, expected):
    release, values = ours[name]
    assert chart_render.release_problems(release, values) == [], "our own values must pass before %s is tried" % case_id
    problems = chart_render.release_problems(release, _merge(copy.deepcopy(values), wrong))
    text = "\n".join(problems)
    assert [fragment for fragment in expected if fragment not in text] == [], text


@pytest.mark.parametrize("case_id, name, wrong, expected", UNDECLARED, ids=[c[0] for c in UNDECLARED])
def test_undeclared_key_is_named_though_the_chart_renders(ours, case_id, name, wrong, expected):
    release, values = ours[name]
    changed = _merge(copy.deepcopy(values), wrong)
    _objects, render_problems = chart_render.render_and_validate(release, changed)
    assert render_problems == [], "%s: the chart ignores the key, nothing wrong comes out" % case_id
    assert chart_render.release_problems(release, changed) == [expected + " (values.yaml); Helm would ignore it. Fix the spelling, "
                                                               "or allowlist it in tests/k8s/values-allowlist.yml naming the template that reads it"]


def test_render_cache_returns_copies_and_renders_each_input_once(ours):
    release, values = ours["gpu-operator"]
    first = chart_render.render_release(release, values)
    first[0]["kind"] = "Mutated"
    assert chart_render.render_release(release, values)[0]["kind"] != "Mutated"
    key = [k for k in chart_render._CACHE if k[0] == "gpu-operator" and k[2] == "gpu-operator"]
    assert key, "the render was not cached"
    size = len(chart_render._CACHE)
    chart_render.render_release(release, copy.deepcopy(values))
    assert len(chart_render._CACHE) == size


def test_missing_chart_package_is_named():
    with pytest.raises(chart_render.ChartNotFound, match=r"chart gpu-operator version v25\.10\.0: no package gpu-operator-v25\.10\.0\.tgz"):
        chart_render.chart_archive("gpu-operator", "v25.10.0")
    assert chart_render.chart_archive("istiod", "1.30.3").endswith("/istio/istiod-1.30.3.tgz")


def test_helm_separator_without_newline_is_split():
    """cert-manager's rbac.yaml renders '---# comment': split as Helm does, or PyYAML rejects the file."""
    files = {"c/templates/a.yaml": "---# Permission to approve\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
                                   "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
             "c/templates/NOTES.txt": "Thank you for installing --- not YAML: {{"}
    assert [o["metadata"]["name"] for o in chart_render.parse_rendered(files)] == ["a", "b"]
