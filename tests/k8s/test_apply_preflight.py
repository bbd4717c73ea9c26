# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply mode with bad cluster access or bad values fails before anything is rendered or applied,
with a message naming the file, context, server or key. No API server is needed: the kubeconfig
points at a closed port on 127.0.0.1."""

import json
import os

import pytest

import checks
from conftest import run_playbook


def _apply(tmp_path, *extra):
    render_dir = str(tmp_path / "render")
    result = run_playbook("prod", render_dir, "k8s_render_apply_api_timeout=3", *extra, mode="apply", json_output=True)
    start = result.stdout.find("{")
    report = json.loads(result.stdout[start:])
    tasks = [(t["task"]["name"].split(" : ", 1)[-1], t["hosts"].get("localhost", {}))
             for play in report["plays"] for t in play["tasks"]]
    failed = [(name, res) for name, res in tasks if res.get("failed")]
    return result, render_dir, tasks, failed


def test_unreachable_api_server_fails_before_anything_changes(tmp_path):
    port = checks.closed_port()
    server = "https://127.0.0.1:%d" % port
    kubeconfig = checks.write_kubeconfig(tmp_path / "kubeconfig", server)
    result, render_dir, tasks, failed = _apply(tmp_path, "privateai_kubeconfig=" + kubeconfig,
                                               "privateai_kube_context=ops@site")
    assert result.returncode != 0
    assert len(failed) == 1, failed
    name, res = failed[0]
    assert name == "Assert the cluster, helm and every chart are ready to apply"
    assert "API server %s of context ops@site (kubeconfig %s) is not reachable" % (server, kubeconfig) in res["msg"]
    assert "no TCP connection to 127.0.0.1:%d within 3 s" % port in res["msg"]
    checks.assert_nothing_changed(result, render_dir, tasks)


def test_missing_kubeconfig_is_named(tmp_path):
    missing = str(tmp_path / "nowhere" / "kubeconfig")
    result, render_dir, tasks, failed = _apply(tmp_path, "privateai_kubeconfig=" + missing)
    assert result.returncode != 0 and len(failed) == 1
    assert "kubeconfig %s does not exist" % missing in failed[0][1]["msg"]
    checks.assert_nothing_changed(result, render_dir, tasks)


def test_context_not_in_kubeconfig_is_named(tmp_path):
    kubeconfig = checks.write_kubeconfig(tmp_path / "kubeconfig", "https://127.0.0.1:%d" % checks.closed_port())
    result, render_dir, tasks, failed = _apply(tmp_path, "privateai_kubeconfig=" + kubeconfig,
                                               "privateai_kube_context=kubernetes-admin@cluster.local")
    assert result.returncode != 0 and len(failed) == 1
    msg = failed[0][1]["msg"]
    assert "context kubernetes-admin@cluster.local is not in kubeconfig %s; it has: ops@site" % kubeconfig in msg
    checks.assert_nothing_changed(result, render_dir, tasks)


@pytest.mark.parametrize("extra, expected", [
    ({"gpu_operator_sharing_replicas": "four"}, "gpu_operator_sharing_replicas"),
    ({"gpu_operator_sharing": "mig"}, "gpu_operator_sharing"),
    ({"cert_manager_certificates": [{"name": "dify", "namespace": "dify", "dns_names": "dify.example.internal",
                                     "dns_name": ["x"]}]}, "dns_name"),
])
def test_wrong_type_values_fail_naming_the_key(tmp_path, extra, expected):
    kubeconfig = checks.write_kubeconfig(tmp_path / "kubeconfig", "https://127.0.0.1:%d" % checks.closed_port())
    result, render_dir, tasks, failed = _apply(tmp_path, "privateai_kubeconfig=" + kubeconfig, extra)
    assert result.returncode != 0 and len(failed) == 1, failed
    assert failed[0][0].startswith("Validating arguments against arg spec")
    assert expected in failed[0][1]["msg"]
    checks.assert_nothing_changed(result, render_dir, tasks)


def test_chart_version_missing_from_the_mirror_is_named_with_every_other_problem(tmp_path):
    """helm here is a test double (tests/k8s/helm-test-double) answering as helm 3 does; the mirror has the
    cert-manager and network-operator versions we pin but not gpu-operator v26.7.0."""
    from conftest import REPO
    kubeconfig = checks.write_kubeconfig(tmp_path / "kubeconfig", "https://127.0.0.1:%d" % checks.closed_port())
    render_dir = str(tmp_path / "render")
    result = run_playbook("prod", render_dir, "k8s_render_apply_api_timeout=2", "privateai_kubeconfig=" + kubeconfig,
                          "privateai_kube_context=ops@site",
                          "k8s_render_apply_helm_binary=" + os.path.join(REPO, "tests", "k8s", "helm-test-double"),
                          "gpu_operator_chart_repo_url=https://charts.example.internal/nvidia",
                          mode="apply", env={"FAKE_HELM_VERSIONS": "v1.21.1,26.4.1"})
    assert result.returncode != 0
    out = " ".join(result.stdout.split())
    assert "2 problem(s) before anything was applied" in out
    assert "is not reachable" in out  # the API server problem is reported too, in the same message
    assert ('chart gpu-operator version v26.7.0 (release gpu-operator) not found in https://charts.example.internal/nvidia: '
            'Error: chart "gpu-operator" version "v26.7.0" not found in https://charts.example.internal/nvidia repository') in out
    assert "cert-manager version" not in out and "network-operator version" not in out
    assert not os.path.exists(render_dir) and checks.KUBECONFIG_TOKEN not in result.stdout + result.stderr
