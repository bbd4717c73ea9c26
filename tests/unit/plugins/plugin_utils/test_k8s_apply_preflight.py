# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.filter.k8s_apply_problems import k8s_apply_problems
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_apply_preflight

KC_PATH = "/site/credentials/kubeconfig"
KUBECONFIG = {"problems": [], "server": "https://k8s-api.example.internal:6443", "host": "k8s-api.example.internal",
              "port": 6443, "context": "ops@site", "proxy_url": None}
TCP_OK = {"state": "started", "elapsed": 0}
TCP_FAILED = {"failed": False, "msg": "Timeout when waiting for k8s-api.example.internal:6443", "elapsed": 10}
SKIPPED = {"skipped": True, "changed": False}
CLUSTER_OK = {"version": {"server": {"kubernetes": {"major": "1", "minor": "31", "gitVersion": "v1.31.4"}}}}
HELM_OK = {"rc": 0, "stdout": "v3.18.4+gd80839c", "stderr": ""}
RELEASE = {"name": "gpu-operator", "chart_ref": "gpu-operator", "version": "v26.7.0", "archive": None,
           "chart_repo_url": "https://helm.ngc.nvidia.com/nvidia"}


def chart(rc=0, stdout="apiVersion: v2\nname: gpu-operator\nversion: v26.7.0\n", stderr="", **item):
    return {"rc": rc, "stdout": stdout, "stderr": stderr, "item": dict(RELEASE, **item)}


def problems(kubeconfig=None, tcp=None, cluster=None, helm=None, charts=None, **kw):
    return k8s_apply_preflight.preflight_problems(
        KUBECONFIG if kubeconfig is None else kubeconfig, tcp=TCP_OK if tcp is None else tcp,
        cluster=CLUSTER_OK if cluster is None else cluster, helm=HELM_OK if helm is None else helm,
        charts={"results": [chart()]} if charts is None else charts, kubeconfig_path=KC_PATH, **kw)


def test_everything_ready_is_no_problem():
    assert problems() == []


# Each case: the results that differ from a ready cluster, and the texts of the one problem expected.
CASES = [
    ("kubeconfig problems, nothing dialled", dict(kubeconfig=dict(KUBECONFIG, problems=["kubeconfig /x does not exist"]),
                                                  tcp=SKIPPED, cluster=SKIPPED),
     ["kubeconfig /x does not exist"]),
    ("unreachable", dict(tcp=TCP_FAILED, cluster=SKIPPED),
     ["API server https://k8s-api.example.internal:6443 of context ops@site (kubeconfig %s) is not reachable" % KC_PATH,
      "no TCP connection to k8s-api.example.internal:6443 within 10 s"]),
    ("through a proxy the TCP wait is skipped and the version request decides", dict(tcp=SKIPPED, cluster=CLUSTER_OK), []),
    ("no answer to the version request",
     dict(cluster={"failed": False, "msg": "Failed to get client due to\n  HTTPSConnectionPool: certificate verify failed"}),
     ["did not answer the version request: Failed to get client due to HTTPSConnectionPool: certificate verify failed.",
      "kubectl --context ops@site version"]),
    ("too old", dict(cluster={"version": {"server": {"kubernetes": {"major": "1", "minor": "29+", "gitVersion": "v1.29.9-eks"}}}}),
     ["runs Kubernetes v1.29.9-eks, older than the 1.30 this collection needs"]),
    ("minor with a suffix that is new enough", dict(cluster={"version": {"server": {"kubernetes": {"major": "1", "minor": "30+"}}}}), []),
    ("helm missing", dict(helm={"rc": 2, "msg": "[Errno 2] No such file or directory: b'helm'", "stderr": ""}, charts=SKIPPED),
     ["helm (helm) was not found or failed on this control node ([Errno 2] No such file or directory: b'helm')",
      "set k8s_render_apply_helm_binary"]),
    ("helm skipped: no releases", dict(helm=SKIPPED, charts=SKIPPED), []),
    ("chart version missing from the mirror",
     dict(charts={"results": [chart(rc=1, stdout="", stderr='Error: chart "gpu-operator" version "v26.7.0" not found')]}),
     ['chart gpu-operator version v26.7.0 (release gpu-operator) not found in https://helm.ngc.nvidia.com/nvidia: '
      'Error: chart "gpu-operator" version "v26.7.0" not found. Mirror that exact version']),
    ("archive of another version", dict(charts={"results": [chart(stdout="name: gpu-operator\nversion: 26.3.0\n",
                                                                  archive="/srv/gpu-operator.tgz", chart_ref="/srv/gpu-operator.tgz")]}),
     ["chart /srv/gpu-operator.tgz (release gpu-operator) is version 26.3.0, the inventory pins v26.7.0"]),
    ("same version without its v", dict(charts={"results": [chart(stdout="version: 26.7.0\n")]}), []),
    ("chart output without a version", dict(charts={"results": [chart(stdout="not: [yaml")]}),
     ["helm show chart printed no chart version"]),
    ("chart check skipped per item", dict(charts={"results": [dict(SKIPPED, item=RELEASE)]}), []),
]


@pytest.mark.parametrize("results, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_problem_names_what_and_how(results, expected):
    found = problems(**results)
    assert len(found) == (1 if expected else 0), found  # expected [] is a case that must pass clean
    for text in expected:
        assert text in found[0]


def test_every_problem_at_once_in_task_order():
    charts = {"results": [chart(rc=1, stderr="not found"), chart(stdout="version: 1.0.0\n", name="other")]}
    found = problems(tcp=TCP_FAILED, cluster=SKIPPED, charts=charts)
    assert [p.split(" ")[0] for p in found] == ["API", "chart", "chart"]
    assert "(release other) is version 1.0.0" in found[2]


@pytest.mark.parametrize("value, expected", [("1.30", (1, 30)), (" 1.31 ", (1, 31)), ("1.30.2", None), ("v1.30", None), ("", None)])
def test_min_version_syntax(value, expected):
    parsed, problem = k8s_apply_preflight.parse_major_minor(value)
    assert parsed == expected
    if expected is None:
        assert problem == "k8s_render_apply_min_kubernetes_version %r must be MAJOR.MINOR, e.g. \"1.30\"" % value


def test_bad_min_version_is_reported_with_the_others():
    found = problems(min_version="latest", tcp=TCP_FAILED, cluster=SKIPPED)
    assert len(found) == 2 and "k8s_render_apply_min_kubernetes_version 'latest'" in found[0]


def test_long_tool_output_is_cut():
    found = problems(cluster={"msg": "x" * 1000})
    assert "x" * 297 + "..." in found[0] and "x" * 298 not in found[0]


def test_the_filter_passes_its_options_through():
    found = k8s_apply_problems(KUBECONFIG, tcp=TCP_FAILED, cluster=SKIPPED, helm={"rc": 1, "stderr": "boom"},
                               kubeconfig_path=KC_PATH, api_timeout=3, helm_binary="/opt/helm")
    assert "within 3 s" in found[0] and "helm (/opt/helm) was not found or failed on this control node (boom)" in found[1]
