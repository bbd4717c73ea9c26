# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decisions of the blue-green upgrade of the model serving stage (playbooks/serving_upgrade.yml).

- ``colour_state(services, served)``: which colour each model's Service selects now (what is deployed), and the
  colour it selected before the last switch (its annotation), from the Services the cluster returned.
- ``next_colour(active)``: the other colour (blue first when nothing is deployed).
- ``gpu_demand(manifests)`` / ``pods_gpus(pods, ...)`` / ``allocatable_gpus(nodes)``: the GPU arithmetic - what the
  new colour's workloads request, what running pods hold (except those the new colour replaces), what the GPU nodes
  offer (``status.allocatable['nvidia.com/gpu']``; on shared nodes these are the device plugin's slices, as requested).
- ``decide(...)``: the upgrade's decision - the colour to deploy, whether to switch, and the refusal (with the numbers
  and the fix) when the cluster lacks GPUs for both colours and the mode is not rolling.
- ``switch_services(stage_manifests, previous)`` / ``rollback_services(services)``: the model Services to apply for
  the switch, and for a rollback to the colour each selected before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_serving_ops as ops

GPU = "nvidia.com/gpu"
MODES = ("bluegreen", "rolling")
ACTIONS = ("upgrade", "rollback")
# Kept on a Service's metadata when it is applied again (server-side apply would otherwise drop nothing, but the
# rollback writes a full definition).
KEEP_METADATA = ("name", "namespace", "labels", "annotations")


def check_settings(mode, action, colour):
    """Problems of the play's own settings, each naming the variable, the value and the fix."""
    problems = []
    if mode not in MODES:
        problems.append("serving_upgrade_mode is %r: give bluegreen (the new colour beside the old, then a switch) or "
                        "rolling (in place, when the cluster lacks GPUs for both colours)" % (mode,))
    if action not in ACTIONS:
        problems.append("serving_upgrade_action is %r: give upgrade, or rollback (switch every model's Service back "
                        "to the colour it selected before the last switch)" % (action,))
    if colour not in ("",) + ops.COLOURS:
        problems.append("serving_upgrade_colour is %r: give blue or green (the colour render mode renders), or leave "
                        "it empty for the colour after model_serving_colour" % (colour,))
    return problems


def _quantity(value):
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def colour_state(services, served):
    """{active, previous, models: {served: colour}, problems} of the model Services ``services`` (live objects) for
    the served names ``served``. ``active`` is None when no model Service exists yet (a first install)."""
    by_name = dict((s.get("metadata", {}).get("name"), s) for s in services or [])
    colours = {}
    previous = {}
    for name in served:
        service = by_name.get(name)
        if service is None:
            continue
        colours[name] = (service.get("spec", {}).get("selector") or {}).get(ops.COLOUR_LABEL)
        previous[name] = (service.get("metadata", {}).get("annotations") or {}).get(ops.PREVIOUS_COLOUR_ANNOTATION)
    problems = []
    found = sorted(set(colours.values()))
    if None in found:
        problems.append("the Service(s) %s select no colour (rendered before colours existed): apply "
                        "playbooks/model_serving.yml once with model_serving_colour: blue, then upgrade"
                        % ", ".join(sorted(n for n, c in colours.items() if c is None)))
    elif len(found) > 1:
        problems.append("the models' Services select different colours (%s): an earlier upgrade stopped between "
                        "switches; finish it (run the upgrade again) or roll back first"
                        % ", ".join("%s: %s" % (n, c) for n, c in sorted(colours.items())))
    active = found[0] if len(found) == 1 and found[0] is not None else None
    earlier = sorted(set(p for p in previous.values() if p))
    return {"active": active, "previous": earlier[0] if len(earlier) == 1 else None, "models": colours,
            "missing": sorted(set(served) - set(colours)), "problems": problems}


def next_colour(active):
    if active is None:
        return ops.COLOURS[0]
    return ops.COLOURS[1 - ops.COLOURS.index(active)]


def _container_gpus(pod_spec):
    return sum(_quantity(((c.get("resources") or {}).get("limits") or {}).get(GPU))
               for c in (pod_spec or {}).get("containers") or [])


def gpu_demand(manifests):
    """GPUs the workloads among ``manifests`` (definitions) request: replicas x GPUs of their pods."""
    total = 0
    for definition in manifests:
        kind = definition.get("kind")
        spec = definition.get("spec") or {}
        replicas = spec.get("replicas", 1)
        if kind == "Deployment":
            total += replicas * _container_gpus(spec["template"]["spec"])
        elif kind == "LeaderWorkerSet":
            template = spec["leaderWorkerTemplate"]
            leader = template.get("leaderTemplate") or template["workerTemplate"]
            total += replicas * (_container_gpus(leader["spec"]) +
                                 (template.get("size", 1) - 1) * _container_gpus(template["workerTemplate"]["spec"]))
    return total


def allocatable_gpus(nodes):
    """{total, nodes: {name: gpus}} over the nodes that offer GPUs."""
    out = {}
    for node in nodes or []:
        count = _quantity(((node.get("status") or {}).get("allocatable") or {}).get(GPU))
        if count:
            out[node["metadata"]["name"]] = count
    return {"total": sum(out.values()), "nodes": out}


def pods_gpus(pods, namespace, replaced_colour):
    """GPUs running pods hold, except the pods of ``replaced_colour`` in ``namespace`` (the colour the upgrade
    deploys anew: its old pods go away first)."""
    total = 0
    for pod in pods or []:
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            continue
        meta = pod.get("metadata") or {}
        if meta.get("namespace") == namespace and (meta.get("labels") or {}).get(ops.COLOUR_LABEL) == replaced_colour:
            continue
        total += _container_gpus(pod.get("spec"))
    return total


def decide(mode, state, colour, demand, allocatable, held):
    """The upgrade's decision: {colour, switch, problems, summary}.

    ``state``: colour_state(); ``colour``: the colour to deploy (next_colour of the active one in blue-green mode);
    ``demand``: GPUs the new colour requests; ``allocatable``: allocatable_gpus(); ``held``: pods_gpus()."""
    problems = list(state["problems"])
    active = state["active"]
    free = allocatable["total"] - held
    if mode == "rolling":
        target = active or ops.COLOURS[0]
        return {"colour": target, "switch": False, "problems": problems,
                "summary": "rolling: the %s colour is replaced in place, one replica at a time (the model is "
                           "unavailable while a single replica reloads)" % target}
    if not allocatable["total"]:
        problems.append("the cluster reports no allocatable %s on any node: the GPU operator's device plugin is not "
                        "running (the platform stage), or the kubeconfig names another cluster" % GPU)
    elif demand > free:
        problems.append(
            "the cluster lacks GPUs for both colours: the %s colour needs %d %s; the GPU nodes offer %d "
            "(%s) and running pods hold %d (the %s colour among them), so %d are free. Free %d GPU(s), or set "
            "serving_upgrade_mode: rolling to replace the %s colour in place (the model is unavailable while a single "
            "replica reloads)" % (
                colour, demand, GPU, allocatable["total"],
                ", ".join("%s: %d" % kv for kv in sorted(allocatable["nodes"].items())), held, active or "deployed",
                free, demand - free, active or "deployed"))
    summary = ("blue-green: deploy %s beside %s (%d of %d free GPUs), smoke-test it, then switch the Services"
               % (colour, active or "nothing", demand, free))
    return {"colour": colour, "switch": active is not None, "problems": problems, "summary": summary}


def model_services(manifests, served):
    """The model Services (named as the served models) among the stage's manifests (entries with definition)."""
    return [m for m in manifests if m["definition"]["kind"] == "Service" and m["definition"]["metadata"]["name"] in served]


def without_model_services(stage, served):
    """The stage without the model Services: the new colour is applied beside the old, the switch comes after."""
    out = copy.deepcopy(stage)
    out["manifests"] = [m for m in out["manifests"] if m not in model_services(stage["manifests"], served)]
    return out


def switch_services(manifests, served, previous):
    """The model Service definitions to apply for the switch, annotated with the colour they selected before."""
    out = []
    for manifest in model_services(manifests, served):
        definition = copy.deepcopy(manifest["definition"])
        if previous:
            definition["metadata"].setdefault("annotations", {})[ops.PREVIOUS_COLOUR_ANNOTATION] = previous
        out.append(definition)
    return out


def rollback_services(services, served, workloads):
    """{services, colour, problems}: each model Service switched back to the colour it selected before the last switch
    (its annotation), once that colour's workload is still there (``workloads``: live Deployments and
    LeaderWorkerSets of the namespace)."""
    state = colour_state(services, served)
    problems = list(state["problems"])
    target = state["previous"]
    if state["active"] is None and not problems:
        problems.append("no model Service of %s is deployed: nothing to roll back" % ", ".join(served))
    elif target is None and not problems:
        problems.append("the model Services carry no previous colour (annotation %s): no upgrade switched them yet, "
                        "nothing to roll back to" % ops.PREVIOUS_COLOUR_ANNOTATION)
    names = set(w.get("metadata", {}).get("name") for w in workloads or [])
    if target and not problems:
        gone = sorted(ops.coloured(name, target) for name in served if state["models"].get(name)
                      and ops.coloured(name, target) not in names)
        if gone:
            problems.append("the %s colour's workloads %s are gone (deleted after the upgrade): roll back by running "
                            "playbooks/serving_upgrade.yml with the previous settings instead" % (target, ", ".join(gone)))
    out = []
    if not problems:
        by_name = dict((s["metadata"]["name"], s) for s in services)
        for name in served:
            if name not in by_name:
                continue
            live = by_name[name]
            definition = {"apiVersion": "v1", "kind": "Service",
                          "metadata": dict((k, copy.deepcopy(live["metadata"][k])) for k in KEEP_METADATA
                                           if k in live["metadata"]),
                          "spec": {"selector": dict(live["spec"]["selector"], **{ops.COLOUR_LABEL: target}),
                                   "ports": copy.deepcopy(live["spec"]["ports"])}}
            annotations = definition["metadata"].setdefault("annotations", {})
            annotations[ops.COLOUR_LABEL] = target
            annotations[ops.PREVIOUS_COLOUR_ANNOTATION] = state["active"]
            out.append(definition)
    return {"services": out, "colour": target, "problems": problems}
