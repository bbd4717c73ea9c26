# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decisions of the blue-green upgrade: colour state from what is deployed, the next colour, the GPU arithmetic,
the refusal text, the switch and the rollback."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.filter.serving_upgrade import serving_upgrade
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import serving_upgrade as su

LABEL = "privateai.io/serving-colour"
PREVIOUS = "privateai.io/serving-previous-colour"


def service(name, colour, previous=None):
    meta = {"name": name, "namespace": "serving", "labels": {"app.kubernetes.io/name": name},
            "annotations": {LABEL: colour} if colour else {}}
    if previous:
        meta["annotations"][PREVIOUS] = previous
    selector = {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "engine"}
    if colour:
        selector[LABEL] = colour
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta,
            "spec": {"selector": selector, "ports": [{"name": "http", "port": 8000, "targetPort": "http"}]}}


def node(name, gpus):
    return {"metadata": {"name": name}, "status": {"allocatable": {"cpu": "64", "nvidia.com/gpu": str(gpus)}}}


def pod(namespace, colour, gpus, phase="Running"):
    labels = {LABEL: colour} if colour else {}
    return {"metadata": {"namespace": namespace, "labels": labels}, "status": {"phase": phase},
            "spec": {"containers": [{"resources": {"limits": {"nvidia.com/gpu": gpus}}}, {"resources": {}}]}}


def deployment(name, replicas, gpus):
    return {"kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                {"resources": {"limits": {"nvidia.com/gpu": gpus}}}]}}}}


def lws(name, replicas, size, gpus):
    pod_spec = {"containers": [{"resources": {"limits": {"nvidia.com/gpu": gpus}}}]}
    template = {"size": size, "leaderTemplate": {"spec": pod_spec}, "workerTemplate": {"spec": pod_spec}}
    return {"kind": "LeaderWorkerSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "leaderWorkerTemplate": template}}


# (id, services, expected active, expected previous, fragment of the problem or None)
STATES = [
    ("nothing deployed", [], None, None, None),
    ("blue", [service("r1", "blue"), service("bge", "blue")], "blue", None, None),
    ("green after a switch", [service("r1", "green", "blue"), service("bge", "green", "blue")], "green", "blue", None),
    ("mixed", [service("r1", "green", "blue"), service("bge", "blue")], None, "blue", "select different colours"),
    ("uncoloured", [service("r1", None)], None, None, "select no colour"),
]


@pytest.mark.parametrize("services, active, previous, fragment", [c[1:] for c in STATES], ids=[c[0] for c in STATES])
def test_colour_state(services, active, previous, fragment):
    state = su.colour_state(services, ["r1", "bge"])
    assert state["active"] == active and state["previous"] == previous
    if fragment:
        (problem,) = state["problems"]
        assert fragment in problem
    else:
        assert state["problems"] == []


@pytest.mark.parametrize("active, colour", [(None, "blue"), ("blue", "green"), ("green", "blue")])
def test_next_colour(active, colour):
    assert su.next_colour(active) == colour


def test_gpu_demand_counts_replicas_and_every_pod_of_a_group():
    manifests = [deployment("bge-green", 2, 1), lws("r1-green", 1, 2, 8), {"kind": "Service", "spec": {}},
                 deployment("cpu-only", 3, None)]
    assert su.gpu_demand(manifests) == 2 * 1 + 1 * (8 + 8)


def test_allocatable_counts_gpu_nodes_only():
    assert su.allocatable_gpus([node("gpu01", 8), node("gpu02", 8), {"metadata": {"name": "cp"}, "status": {
        "allocatable": {"cpu": "8"}}}]) == {"total": 16, "nodes": {"gpu01": 8, "gpu02": 8}}


def test_pods_gpus_leave_out_the_replaced_colour_and_finished_pods():
    pods = [pod("serving", "blue", 8), pod("serving", "green", 8), pod("other", "green", 1),
            pod("serving", "blue", 2, phase="Succeeded"), pod("jobs", None, "1")]
    assert su.pods_gpus(pods, "serving", "green") == 8 + 1 + 1


ALLOC = {"total": 16, "nodes": {"gpu01": 8, "gpu02": 8}}
BLUE = {"active": "blue", "previous": None, "models": {"r1": "blue"}, "missing": [], "problems": []}


# (id, mode, demand, held, expect problem fragment, switch)
DECISIONS = [
    ("fits beside", "bluegreen", 8, 8, None, True),
    ("too few GPUs", "bluegreen", 16, 8, "lacks GPUs for both colours: the green colour needs 16", None),
    ("rolling needs none", "rolling", 16, 16, None, False),
]


@pytest.mark.parametrize("mode, demand, held, fragment, switch", [c[1:] for c in DECISIONS], ids=[c[0] for c in DECISIONS])
def test_decide(mode, demand, held, fragment, switch):
    decision = su.decide(mode, BLUE, "green", demand, ALLOC, held)
    if fragment:
        (problem,) = decision["problems"]
        assert fragment in problem
        # The numbers and the fix: what the nodes offer, what is held, what is free, the rolling mode.
        for part in ("gpu01: 8, gpu02: 8", "running pods hold 8 (the blue colour among them)", "so 8 are free",
                     "Free 8 GPU(s)", "serving_upgrade_mode: rolling"):
            assert part in problem
    else:
        assert decision["problems"] == [] and decision["switch"] is switch
    if mode == "rolling":
        assert decision["colour"] == "blue" and "in place" in decision["summary"]


def test_no_gpu_nodes_is_refused_naming_the_device_plugin():
    (problem,) = su.decide("bluegreen", BLUE, "green", 1, {"total": 0, "nodes": {}}, 0)["problems"]
    assert "no allocatable nvidia.com/gpu" in problem and "device plugin" in problem


@pytest.mark.parametrize("mode, action, colour, fragment", [
    ("canary", "upgrade", "", "serving_upgrade_mode is 'canary'"),
    ("bluegreen", "undo", "", "serving_upgrade_action is 'undo'"),
    ("bluegreen", "upgrade", "red", "serving_upgrade_colour is 'red'"),
])
def test_bad_settings(mode, action, colour, fragment):
    (problem,) = su.check_settings(mode, action, colour)
    assert fragment in problem


def _stage(colour):
    return {"name": "model_serving", "releases": [], "manifests": [
        {"definition": lws("r1-" + colour, 1, 2, 8)},
        {"definition": dict(service("r1", colour), metadata=dict(service("r1", colour)["metadata"]))},
        {"definition": dict(service("r1-" + colour, colour))}]}


def test_upgrade_filter_deploys_the_other_colour_without_the_model_service_then_switches():
    inputs = {"action": "upgrade", "mode": "bluegreen", "colour": "", "served": ["r1"], "namespace": "serving",
              "services": {"resources": [service("r1", "blue")]}, "nodes": {"resources": [node("a", 8), node("b", 8),
                                                                                          node("c", 8), node("d", 8)]},
              "pods": {"resources": [pod("serving", "blue", 8), pod("serving", "blue", 8)]}}
    first = serving_upgrade(inputs)
    assert first["problems"] == [] and first["colour"] == "green" and first["state"]["active"] == "blue"
    second = serving_upgrade(dict(inputs, stage=_stage("green")))
    assert second["problems"] == [] and second["switch"] is True
    names = [m["definition"]["metadata"]["name"] for m in second["upgrade_stage"]["manifests"]]
    assert names == ["r1-green", "r1-green"] and second["upgrade_stage"]["name"] == "model_serving"
    (switch,) = second["switch_services"]
    assert switch["spec"]["selector"][LABEL] == "green"
    assert switch["metadata"]["annotations"][PREVIOUS] == "blue"


def test_upgrade_filter_refuses_when_both_colours_do_not_fit():
    inputs = {"action": "upgrade", "mode": "bluegreen", "colour": "", "served": ["r1"], "namespace": "serving",
              "services": [service("r1", "blue")], "nodes": [node("a", 8), node("b", 8)],
              "pods": [pod("serving", "blue", 8), pod("serving", "blue", 8)], "stage": _stage("green")}
    result = serving_upgrade(inputs)
    (problem,) = result["problems"]
    assert "needs 16 nvidia.com/gpu; the GPU nodes offer 16" in problem and "so 0 are free" in problem
    rolling = serving_upgrade(dict(inputs, mode="rolling", stage=_stage("blue")))
    assert rolling["problems"] == [] and rolling["colour"] == "blue" and rolling["switch"] is False
    # In place: the model Service stays in the stage, nothing to switch.
    assert "r1" in [m["definition"]["metadata"]["name"] for m in rolling["upgrade_stage"]["manifests"]]


def test_render_mode_renders_the_other_colour_of_the_inventory_without_a_cluster():
    inputs = {"action": "upgrade", "mode": "bluegreen", "colour": "", "served": ["r1"], "namespace": "serving",
              "render": True, "fallback": "blue"}
    assert serving_upgrade(inputs)["colour"] == "green"
    result = serving_upgrade(dict(inputs, stage=_stage("green")))
    assert result["problems"] == [] and result["switch_services"][0]["metadata"]["annotations"][PREVIOUS] == "blue"
    assert serving_upgrade(dict(inputs, colour="blue"))["colour"] == "blue"


def test_rollback_switches_back_to_the_previous_colour_when_its_workloads_remain():
    services = [service("r1", "green", "blue")]
    result = serving_upgrade({"action": "rollback", "mode": "bluegreen", "colour": "", "served": ["r1"],
                              "services": services, "workloads": [lws("r1-blue", 1, 2, 8), lws("r1-green", 1, 2, 8)]})
    assert result["problems"] == [] and result["colour"] == "blue"
    (definition,) = result["switch_services"]
    assert definition["spec"]["selector"][LABEL] == "blue"
    assert definition["metadata"]["annotations"] == {LABEL: "blue", PREVIOUS: "green"}
    assert definition["spec"]["ports"] == services[0]["spec"]["ports"]


@pytest.mark.parametrize("services, workloads, fragment", [
    ([], [], "nothing to roll back"),
    ([service("r1", "blue")], [lws("r1-blue", 1, 2, 8)], "carry no previous colour"),
    ([service("r1", "green", "blue")], [lws("r1-green", 1, 2, 8)], "the blue colour's workloads r1-blue are gone"),
], ids=["nothing deployed", "never switched", "old colour deleted"])
def test_rollback_refusals(services, workloads, fragment):
    result = su.rollback_services(services, ["r1"], workloads)
    (problem,) = result["problems"]
    assert fragment in problem and result["services"] == []


def test_rollback_in_render_mode_is_refused():
    (problem,) = serving_upgrade({"action": "rollback", "mode": "bluegreen", "colour": "", "served": ["r1"],
                                  "render": True, "fallback": "blue"})["problems"]
    assert "rollback" in problem and "apply mode" in problem
