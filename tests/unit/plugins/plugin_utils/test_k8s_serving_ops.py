# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Colours (blue-green), the smoke test's plan and KEDA autoscaling of the model serving stage."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_serving as ks
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_serving_ops as ops

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from role_defaults import MODEL_SERVING, role_settings  # noqa: E402  (the shared test helper)

LABEL = "privateai.io/serving-colour"


def settings(**overrides):
    """model_serving's defaults (templated ones as MODEL_SERVING gives them): three nodes, DeepSeek-R1 and bge-m3."""
    overrides.setdefault("model_serving_gpu_hosts", ["gpu01", "gpu02", "gpu03"])
    overrides.setdefault("model_serving_models", ["deepseek-ai/DeepSeek-R1", "BAAI/bge-m3"])
    return role_settings("model_serving", MODEL_SERVING, **overrides)


def objects(stage, kind):
    return [m["definition"] for m in stage["manifests"] if m["definition"]["kind"] == kind]


def by_name(stage, kind):
    return dict((d["metadata"]["name"], d) for d in objects(stage, kind))


@pytest.mark.parametrize("colour", ["blue", "green"])
def test_every_model_object_carries_the_colour(colour):
    result = ks.serving_stage(settings(model_serving_colour=colour))
    assert result["problems"] == [] and result["colour"] == colour
    stage = result["stage"]
    (lws,) = objects(stage, "LeaderWorkerSet")
    (deployment,) = objects(stage, "Deployment")
    assert lws["metadata"]["name"] == "deepseek-r1-" + colour and deployment["metadata"]["name"] == "bge-m3-" + colour
    for template in ("leaderTemplate", "workerTemplate"):
        assert lws["spec"]["leaderWorkerTemplate"][template]["metadata"]["labels"][LABEL] == colour
    assert deployment["spec"]["selector"]["matchLabels"][LABEL] == colour
    assert deployment["spec"]["template"]["metadata"]["labels"][LABEL] == colour
    pdbs = by_name(stage, "PodDisruptionBudget")
    assert sorted(pdbs) == ["bge-m3-" + colour, "deepseek-r1-" + colour]
    assert pdbs["bge-m3-" + colour]["spec"]["selector"]["matchLabels"][LABEL] == colour
    services = by_name(stage, "Service")
    assert sorted(services) == sorted(["deepseek-r1", "deepseek-r1-" + colour, "bge-m3", "bge-m3-" + colour])
    for name in ("deepseek-r1", "bge-m3"):
        # The model's Service (what clients call) and its colour's select the same pods: that colour's.
        assert services[name]["spec"]["selector"][LABEL] == colour
        assert services[name]["metadata"]["annotations"][LABEL] == colour
        assert services[name + "-" + colour]["spec"]["selector"] == services[name]["spec"]["selector"]
    # The selected pods are exactly the workload's (the leader's for a LeaderWorkerSet).
    leader = lws["spec"]["leaderWorkerTemplate"]["leaderTemplate"]["metadata"]["labels"]
    assert services["deepseek-r1"]["spec"]["selector"].items() <= leader.items()
    # The weights Jobs are shared by both colours: not coloured.
    assert sorted(by_name(stage, "Job")) == ["bge-m3-weights", "deepseek-r1-weights"]


def test_the_other_colour_selects_none_of_this_colours_pods():
    blue = ks.serving_stage(settings(model_serving_colour="blue"))["stage"]
    green = ks.serving_stage(settings(model_serving_colour="green"))["stage"]
    blue_pods = by_name(blue, "Deployment")["bge-m3-blue"]["spec"]["template"]["metadata"]["labels"]
    green_selector = by_name(green, "Service")["bge-m3"]["spec"]["selector"]
    assert not green_selector.items() <= blue_pods.items()


def test_unknown_colour_is_refused():
    result = ks.serving_stage(settings(model_serving_colour="red"))
    assert [p for p in result["problems"] if "model_serving_colour" in p and "red" in p and "blue" in p]


def test_smoke_plan_waits_as_long_as_the_startup_probe_and_forwards_the_colour_service():
    result = ks.serving_stage(settings(model_serving_colour="green"))
    plan = dict((m["served_name"], m) for m in result["plan"]["models"])
    smoke = result["smoke"]
    assert smoke["enabled"] is True and smoke["kubectl"] == "kubectl"
    r1, bge = smoke["models"]
    assert r1["workload"] == {"kind": "LeaderWorkerSet", "api_version": "leaderworkerset.x-k8s.io/v1",
                              "name": "deepseek-r1-green"}
    assert r1["kind"] == "chat" and r1["reasoning"] is True and r1["namespace"] == "serving"
    assert r1["ready_timeout"] == plan["deepseek-r1"]["startup_probe_seconds"] + ops.READY_MARGIN_S
    assert r1["forward"] == {"service": "deepseek-r1-green", "local_port": 18000, "remote_port": 8000}
    assert r1["url"] == "http://127.0.0.1:18000"
    assert bge["workload"]["kind"] == "Deployment" and bge["kind"] == "embedding" and bge["forward"]["local_port"] == 18001 and bge["reasoning"] is False
    assert bge["timeout"] == 120


def test_smoke_urls_replace_the_port_forward():
    result = ks.serving_stage(settings(model_serving_smoke_test_urls={"bge-m3": "https://bge.example.internal"}))
    r1, bge = result["smoke"]["models"]
    assert bge["url"] == "https://bge.example.internal" and bge["forward"] is None
    assert r1["forward"]["local_port"] == 18000


# (id, overrides, fragments of the problem)
BAD = [
    ("url without scheme", {"model_serving_smoke_test_urls": {"bge-m3": "bge.example.internal"}},
     ["model_serving_smoke_test_urls[bge-m3]", "bge.example.internal", "port-forward"]),
    ("timeout", {"model_serving_smoke_test_timeout": 0}, ["model_serving_smoke_test_timeout", "1 or more"]),
    ("port", {"model_serving_smoke_test_local_port": 80}, ["model_serving_smoke_test_local_port", "1024"]),
    ("kubectl", {"model_serving_kubectl": "kubectl --context x"}, ["model_serving_kubectl"]),
    ("keda max", {"model_serving_keda_max_replicas": 0}, ["model_serving_keda_max_replicas", "1 or more"]),
    ("keda prometheus", {"model_serving_keda_prometheus_url": "prometheus:9090"}, ["model_serving_keda_prometheus_url"]),
    ("keda cooldown", {"model_serving_keda_cooldown_seconds": 5}, ["model_serving_keda_cooldown_seconds", "30"]),
    ("keda namespace", {"model_serving_keda_namespace": "KEDA"}, ["model_serving_keda_namespace", "KEDA"]),
]


@pytest.mark.parametrize("overrides, fragments", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_operation_settings_are_refused_naming_variable_and_value(overrides, fragments):
    result = ks.serving_stage(settings(**overrides))
    assert result["stage"] is None
    assert [p for p in result["problems"] if all(f in p for f in fragments)], result["problems"]


def test_all_bad_operation_settings_at_once():
    overrides = {}
    for _id, item, _fragments in BAD:
        overrides.update(item)
    assert len(ks.serving_stage(settings(**overrides))["problems"]) == len(BAD)


def test_keda_off_by_default():
    stage = ks.serving_stage(settings())["stage"]
    assert objects(stage, "ScaledObject") == [] and [r["chart"] for r in stage["releases"]] == ["lws"]


def test_keda_scales_each_workload_on_its_queue():
    result = ks.serving_stage(settings(model_serving_keda_enabled=True, model_serving_keda_max_replicas=3,
                                       model_serving_colour="green",
                                       model_serving_keda_image_registry="registry.example.internal:5000"))
    stage = result["stage"]
    (release,) = [r for r in stage["releases"] if r["chart"] == "keda"]
    assert release["version"] == "2.20.2" and release["namespace"] == "keda"
    assert release["values"]["image"]["keda"] == {"registry": "registry.example.internal:5000"}
    scaled = by_name(stage, "ScaledObject")
    assert sorted(scaled) == ["bge-m3-green", "deepseek-r1-green"]
    r1 = scaled["deepseek-r1-green"]["spec"]
    assert r1["scaleTargetRef"] == {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet",
                                    "name": "deepseek-r1-green"}
    assert r1["minReplicaCount"] == 1 and r1["maxReplicaCount"] == 3
    (trigger,) = r1["triggers"]
    assert trigger["type"] == "prometheus"
    assert trigger["metadata"]["query"] == 'sum(vllm:num_requests_waiting{namespace="serving",model_name="deepseek-r1"})'
    assert trigger["metadata"]["threshold"] == "5"
    assert scaled["bge-m3-green"]["spec"]["scaleTargetRef"]["kind"] == "Deployment"
    # ScaledObjects after the release that installs their CRD.
    assert [m["phase"] for m in stage["manifests"] if m["definition"]["kind"] == "ScaledObject"] == ["post", "post"]
    assert [w for w in result["warnings"] if "deepseek-r1 scales from 1 to 3" in w and "16 free GPU" in w]


def test_keda_queue_metric_of_sglang():
    stage = ks.serving_stage(settings(model_serving_keda_enabled=True, model_serving_engine="sglang",
                                      model_serving_models=["BAAI/bge-m3"]))["stage"]
    (scaled,) = objects(stage, "ScaledObject")
    assert scaled["spec"]["triggers"][0]["metadata"]["query"].startswith("sum(sglang:num_queue_reqs{")


def test_keda_extra_values_are_handed_to_the_chart_check_only_when_enabled():
    extra = {"operator": {"replicaCount": 2}}
    on = ks.serving_stage(settings(model_serving_keda_enabled=True, model_serving_keda_values_extra=extra))
    assert on["keda_values_extra"] == extra
    (release,) = [r for r in on["stage"]["releases"] if r["chart"] == "keda"]
    assert release["values"]["operator"] == {"replicaCount": 2}
    assert ks.serving_stage(settings(model_serving_keda_values_extra=extra))["keda_values_extra"] == {}
