# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Serving operations as rendered: colours, KEDA ScaledObjects (valid against keda.sh's schema; prod turns KEDA on),
shared models placed on nodes labelled for sharing, and playbooks/serving_upgrade.yml - the new colour's manifests
rendered for review (valid against the CRD schemas), the apply path against an unreachable API failing cleanly."""

import os

import checks
import conftest
from conftest import rendered_files, run_one_playbook

LABEL = "privateai.io/serving-colour"
UPGRADE = "playbooks/serving_upgrade.yml"
BENCHMARK = "playbooks/benchmark_serving.yml"


def _apply(inventory, render_dir, playbook, *extra):
    """One playbook in apply mode (conftest's command and environment)."""
    import subprocess
    # pylint: disable=protected-access
    command = conftest._command(inventory, render_dir, extra, "apply", [os.path.join(checks.REPO, playbook)])
    environment = conftest._env()
    return subprocess.run(command, cwd=checks.REPO, env=environment, capture_output=True, text=True, timeout=600,
                          check=False)


def _objects(render_dir, stage, kind):
    out = []
    for path in rendered_files(os.path.join(render_dir, stage), "manifests"):
        doc = checks.load_documents(path)[0]
        if doc["kind"] == kind:
            out.append(doc)
    return out


def test_prod_scales_each_model_on_its_queue_with_keda(renders):
    render_dir = renders["prod"]
    scaled = dict((d["metadata"]["name"], d) for d in _objects(render_dir, "model_serving", "ScaledObject"))
    assert sorted(scaled) == ["bge-m3-blue", "deepseek-r1-distill-llama-70b-blue"]
    for doc in scaled.values():
        assert checks.is_custom_resource(doc) and checks.validate_manifest(doc) == []
    target = scaled["deepseek-r1-distill-llama-70b-blue"]["spec"]["scaleTargetRef"]
    assert target == {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet",
                      "name": "deepseek-r1-distill-llama-70b-blue"}
    (lws,) = _objects(render_dir, "model_serving", "LeaderWorkerSet")
    assert lws["metadata"]["name"] == target["name"]
    query = scaled["bge-m3-blue"]["spec"]["triggers"][0]["metadata"]["query"]
    assert query == 'sum(vllm:num_requests_waiting{namespace="serving",model_name="bge-m3"})'


def test_keda_stays_off_where_the_inventory_does_not_ask(renders):
    assert _objects(renders["prod-h100x8"], "model_serving", "ScaledObject") == []


def test_shared_model_is_placed_on_nodes_labelled_for_sharing(renders):
    """prod's bge-m3 shares a GPU (MPS from the platform stage): its pods select the device plugin config label."""
    (deployment,) = _objects(renders["prod"], "model_serving", "Deployment")
    selector = deployment["spec"]["template"]["spec"]["nodeSelector"]
    assert selector["nvidia.com/device-plugin.config"] in ("mps", "time-slicing")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1


def test_upgrade_renders_the_new_colour_beside_the_old_for_review(tmp_path):
    render_dir = str(tmp_path / "render")
    result = run_one_playbook(UPGRADE, "prod-h100x8", render_dir)
    assert result.returncode == 0, result.stdout[-3000:]
    out = " ".join(result.stdout.split())
    assert "smoke test skipped - render mode" in out and "would select the green colour" in out
    (lws,) = _objects(render_dir, "serving-upgrade/model_serving", "LeaderWorkerSet")
    assert lws["metadata"]["name"] == "deepseek-r1-green" and checks.validate_manifest(lws) == []
    for template in ("leaderTemplate", "workerTemplate"):
        assert lws["spec"]["leaderWorkerTemplate"][template]["metadata"]["labels"][LABEL] == "green"
    # The new colour only reaches clients through the switch: its own Service, not the model's.
    assert [s["metadata"]["name"] for s in _objects(render_dir, "serving-upgrade/model_serving", "Service")] == ["deepseek-r1-green"]
    (switch,) = _objects(render_dir, "serving-upgrade/model_serving_switch", "Service")
    assert checks.validate_manifest(switch) == []
    assert switch["metadata"]["name"] == "deepseek-r1" and switch["spec"]["selector"][LABEL] == "green"
    assert switch["metadata"]["annotations"]["privateai.io/serving-previous-colour"] == "blue"
    for doc in _objects(render_dir, "serving-upgrade/model_serving", "PodDisruptionBudget"):
        assert checks.validate_manifest(doc) == [] and doc["metadata"]["name"] == "deepseek-r1-green"


def test_upgrade_renders_the_colour_asked_for(tmp_path):
    render_dir = str(tmp_path / "render")
    # (Without it the colour after the inventory's model_serving_colour, blue: green.)
    result = run_one_playbook(UPGRADE, "h200x8-single", render_dir, "serving_upgrade_colour=blue")
    assert result.returncode == 0, result.stdout[-3000:]
    (deployment,) = _objects(render_dir, "serving-upgrade/model_serving", "Deployment")
    assert deployment["metadata"]["name"].endswith("-blue") and checks.validate_manifest(deployment) == []


def test_bad_upgrade_settings_are_refused_at_once(tmp_path):
    render_dir = str(tmp_path / "render")
    result = run_one_playbook(UPGRADE, "prod-h100x8", render_dir, "serving_upgrade_mode=canary",
                              "serving_upgrade_colour=red")
    assert result.returncode != 0
    out = " ".join(result.stdout.split())
    assert "2 problem(s)" in out and "serving_upgrade_mode is 'canary'" in out and "serving_upgrade_colour is 'red'" in out
    assert not os.path.exists(os.path.join(render_dir, "serving-upgrade/model_serving"))


def test_upgrade_against_an_unreachable_api_fails_cleanly(tmp_path):
    server = "https://127.0.0.1:%d" % checks.closed_port()
    kubeconfig = checks.write_kubeconfig(tmp_path / "kubeconfig", server)
    render_dir = str(tmp_path / "render")
    result = _apply("prod-h100x8", render_dir, UPGRADE, "privateai_kubeconfig=%s" % kubeconfig,
                    "privateai_kube_context=ops@site")
    assert result.returncode != 0
    out = " ".join(result.stdout.split())
    assert "serving_upgrade: nothing was changed - the Kubernetes API is not reachable" in out
    assert "no TCP connection to 127.0.0.1:%s" % server.rsplit(":", 1)[1] in out
    assert checks.KUBECONFIG_TOKEN not in result.stdout + result.stderr
    assert not os.path.exists(render_dir)


def test_benchmark_renders_a_valid_job_against_the_service(tmp_path):
    render_dir = str(tmp_path / "render")
    result = run_one_playbook(BENCHMARK, "prod", render_dir)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "results skipped - render mode" in " ".join(result.stdout.split())
    (job,) = _objects(render_dir, "serving_benchmark", "Job")
    assert checks.validate_manifest(job) == []
    script = job["spec"]["template"]["spec"]["containers"][0]["command"][2]
    # prod's first chat model, through its Service, four concurrencies, random lengths (nothing downloaded).
    assert script.count("vllm bench serve") == 4
    assert "--base-url http://deepseek-r1-distill-llama-70b.serving.svc:8000" in script
    assert "--dataset-name random" in script


def test_benchmark_refuses_an_embedding_model(tmp_path):
    render_dir = str(tmp_path / "render")
    result = run_one_playbook(BENCHMARK, "prod", render_dir, "serving_benchmark_model=bge-m3")
    assert result.returncode != 0
    assert "serving_benchmark_model is 'bge-m3', a embedding model" in " ".join(result.stdout.split())
    assert not os.path.exists(os.path.join(render_dir, "serving_benchmark"))


def test_unknown_keda_values_extra_key_is_refused_against_the_chart(tmp_path):
    import chart_render
    render_dir = str(tmp_path / "render")
    extra = {"model_serving_keda_values_extra": {"operatr": {"replicaCount": 2}},
             "model_serving_keda_chart_archive": chart_render.chart_archive("keda", "2.20.2")}
    result = run_one_playbook("playbooks/model_serving.yml", "prod", render_dir, extra)
    assert result.returncode != 0
    out = " ".join(result.stdout.split())
    assert "model_serving_keda_values_extra" in out and "operatr" in out
    assert not os.path.exists(os.path.join(render_dir, "model_serving"))
