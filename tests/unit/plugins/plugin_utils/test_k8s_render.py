# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest
import yaml

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_render

RELEASE = {"name": "gpu-operator", "chart": "gpu-operator", "version": "v26.7.0", "namespace": "gpu-operator",
           "repo_url": "https://helm.ngc.nvidia.com/nvidia", "values": {"driver": {"enabled": False}, "b": [2, 1]}}
NAMESPACE = {"phase": "pre", "definition": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gpu-operator"}}}
ISSUER = {"definition": {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": {"name": "privateai-ca"},
                         "spec": {"ca": {"secretName": "privateai-root-ca"}}},
          "wait": True, "wait_condition": {"type": "Ready", "status": "True"}}
SECRET = {"definition": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ca", "namespace": "cert-manager"},
                         "data": {"tls.key": "c2VjcmV0"}}}


def stage(**kw):
    out = {"name": "gpu_operator", "releases": [copy.deepcopy(RELEASE)], "manifests": [copy.deepcopy(ISSUER), copy.deepcopy(NAMESPACE)]}
    out.update(kw)
    return out


def test_plan_layout_order_and_apply_entries():
    plan = k8s_render.build_plan(stage(), "/r", mode="apply")
    assert plan["problems"] == []
    assert [f["path"] for f in plan["files"]] == [
        "/r/gpu_operator/helm/gpu-operator.values.yaml",
        "/r/gpu_operator/helm/releases.yaml",
        "/r/gpu_operator/manifests/01-namespace-gpu-operator.yaml",  # pre phase first, whatever the list order
        "/r/gpu_operator/manifests/02-clusterissuer-privateai-ca.yaml",
    ]
    assert [m["phase"] for m in plan["manifests"]] == ["pre", "post"]
    assert plan["manifests"][1]["wait_condition"] == {"type": "Ready", "status": "True"}
    release = plan["releases"][0]
    assert (release["chart_ref"], release["chart_repo_url"], release["values_file"]) == (
        "gpu-operator", "https://helm.ngc.nvidia.com/nvidia", "/r/gpu_operator/helm/gpu-operator.values.yaml")
    values = [f for f in plan["files"] if f["path"].endswith(".values.yaml")][0]["content"]
    assert yaml.safe_load(values) == RELEASE["values"]  # values exactly, list order kept
    assert values.index("b:") < values.index("driver:")  # keys sorted


def test_oci_and_archive_sources():
    oci = dict(RELEASE, repo_url="oci://registry.example.internal/charts/")
    archive = dict(RELEASE, repo_url=None, archive="/srv/charts/gpu-operator-v26.7.0.tgz")
    oci_rel = k8s_render.build_plan(stage(releases=[oci]), "/r")["releases"][0]
    assert (oci_rel["chart_ref"], oci_rel["chart_repo_url"]) == ("oci://registry.example.internal/charts/gpu-operator", None)
    arc_rel = k8s_render.build_plan(stage(releases=[archive]), "/r")["releases"][0]
    assert (arc_rel["chart_ref"], arc_rel["chart_repo_url"]) == ("/srv/charts/gpu-operator-v26.7.0.tgz", None)


def test_same_input_same_bytes_and_literal_multiline():
    data = {"z": 1, "a": {"y": "line1\nline2\n", "x": [True, None, 1.5]}}
    one, two = k8s_render.dump_yaml(data, "# h\n"), k8s_render.dump_yaml(copy.deepcopy(data), "# h\n")
    assert one == two
    assert one == "# h\n---\na:\n  x:\n    - true\n    - null\n    - 1.5\n  y: |\n    line1\n    line2\nz: 1\n"
    assert yaml.safe_load(one) == data


def test_str_subclasses_render_as_plain_strings():
    class Tagged(str):
        pass
    assert k8s_render.dump_yaml({"k": Tagged("v")}) == "---\nk: v\n"


@pytest.mark.parametrize("bad, message", [
    ({"version": "^1.2"}, "version '^1.2' must be one exact chart version"),
    ({"version": "latest"}, "must be one exact chart version"),
    ({"name": "GPU_Operator"}, "name 'GPU_Operator' must be a DNS label"),
    ({"namespace": "Gpu"}, "namespace 'Gpu' must be a DNS label"),
    ({"repo_url": None}, "give exactly one of repo_url"),
    ({"archive": "/x.tgz"}, "give exactly one of repo_url"),
    ({"repo_url": "ftp://x"}, "must start with https://"),
    ({"wait_timeout": 0}, "wait_timeout 0 must be a positive number"),
    ({"values": ["a"]}, "values must be a dict"),
    ({"valuse": {}}, "unknown keys valuse"),
])
def test_release_problems_name_the_release_and_the_value(bad, message):
    release = dict(RELEASE, **bad)
    problems = k8s_render.build_plan(stage(releases=[release]), "/r")["problems"]
    assert len(problems) == 1 and message in problems[0], problems
    assert problems[0].startswith("stage gpu_operator, release")


def test_every_problem_is_listed_at_once_and_nothing_planned():
    manifests = [copy.deepcopy(NAMESPACE), copy.deepcopy(NAMESPACE), {"definition": {"kind": "ConfigMap", "metadata": {"name": "x"}}},
                 dict(copy.deepcopy(ISSUER), phase="later")]
    plan = k8s_render.build_plan(stage(releases=[RELEASE, RELEASE], manifests=manifests), "/r")
    text = "\n".join(plan["problems"])
    for expected in ("release name gpu-operator is used twice", "Namespace gpu-operator is defined twice",
                     "definition has no apiVersion", "phase 'later' must be one of pre, post"):
        assert expected in text
    assert plan["files"] == [] and plan["releases"] == []


def test_secrets_are_left_out_in_render_mode_unless_asked():
    secret_release = dict(RELEASE, name="with-secret", secret=True)
    st = stage(releases=[RELEASE, secret_release], manifests=[copy.deepcopy(SECRET)])
    render = k8s_render.build_plan(st, "/r", mode="render")
    assert sorted(render["skipped_secrets"]) == ["/r/gpu_operator/helm/with-secret.values.yaml",
                                                 "/r/gpu_operator/manifests/01-secret-ca.yaml"]
    assert not [f for f in render["files"] if f["secret"]]
    index = yaml.safe_load([f for f in render["files"] if f["path"].endswith("releases.yaml")][0]["content"])
    assert [r["values_file"] for r in index["releases"]] == ["gpu-operator.values.yaml", None]
    for plan in (k8s_render.build_plan(st, "/r", mode="render", render_secrets=True), k8s_render.build_plan(st, "/r", mode="apply")):
        secrets = sorted(f["path"] for f in plan["files"] if f["secret"])
        assert secrets == ["/r/gpu_operator/helm/with-secret.values.yaml", "/r/gpu_operator/manifests/01-secret-ca.yaml"]
        assert plan["skipped_secrets"] == []


def test_unrenderable_value_is_a_problem_not_a_crash():
    release = dict(RELEASE, values={"x": float("nan")})
    problems = k8s_render.build_plan(stage(releases=[release]), "/r")["problems"]
    assert problems and "cannot be rendered" in problems[0]
    with pytest.raises(k8s_render.K8sRenderError, match="key 1 is not a string"):
        k8s_render.to_plain({1: "a"})


def test_plans_of_several_stages():
    out = k8s_render.build_plans([stage(), stage(name="cert_manager"), stage()], "/r")
    assert out["problems"] == ["stage gpu_operator is listed twice"]
    assert [p["stage"] for p in out["plans"]] == ["gpu_operator", "cert_manager", "gpu_operator"]
    assert k8s_render.build_plans("x", "/r")["problems"] == ["stages must be a list, got str"]
    assert "stage name 'Bad-Name'" in k8s_render.build_plan(stage(name="Bad-Name"), "/r")["problems"][0]


def test_manifest_filenames():
    assert k8s_render.manifest_filename(3, {"kind": "NicClusterPolicy", "metadata": {"name": "nic-cluster-policy"}}) == \
        "03-nicclusterpolicy-nic-cluster-policy.yaml"


# Each case: the stages, whether they hold a secret (the rule the plan uses for modes and for render mode).
HAVE_SECRETS = [
    ("none", [stage()], False),
    ("a Secret object", [stage(), stage(name="b", manifests=[copy.deepcopy(SECRET)])], True),
    ("a manifest marked secret", [stage(manifests=[dict(copy.deepcopy(NAMESPACE), secret=True)])], True),
    ("a release marked secret", [stage(releases=[dict(RELEASE, secret=True)])], True),
    ("malformed stages are not an error here", ["x", {"name": "y", "manifests": "z", "releases": [1]}], False),
    ("not a list", "stages", False),
]


@pytest.mark.parametrize("stages, expected", [c[1:] for c in HAVE_SECRETS], ids=[c[0] for c in HAVE_SECRETS])
def test_stages_have_secrets(stages, expected):
    assert k8s_render.stages_have_secrets(stages) is expected
    if expected:  # the same rule as the plan's: something in the plan is secret
        plan = k8s_render.build_plans(stages, "/r", mode="apply")
        assert [f for p in plan["plans"] for f in p["files"] if f["secret"]]
