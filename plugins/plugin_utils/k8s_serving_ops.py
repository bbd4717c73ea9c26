# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Serving operations of the model serving stage: colours (blue-green), the smoke test after apply, KEDA autoscaling.

Called by ``k8s_serving.serving_stage`` after the stage is built (``build`` stays as it is):

- ``read(reader)``: the role's operation settings (colour, smoke test, KEDA), converted and checked.
- ``colour_stage(stage, colour, models)``: every model's workload and PodDisruptionBudget named ``<served>-<colour>``,
  its pods labelled with the colour, a colour Service ``<served>-<colour>`` reaching that colour only, and the model's
  Service ``<served>`` (what clients and Dify call) selecting the colour; the upgrade play applies a new colour beside
  the old one, smoke-tests it through its colour Service and then switches ``<served>``.
- ``smoke_plan(ops, namespace, colour, models)``: per model what the play waits for (the workload's Available
  condition, as long as its startup probe allows plus a margin) and where the control node reaches it.
- ``keda(ops, namespace, colour, models, engine)``: the pinned KEDA release and one ScaledObject per model on the
  engine's queue length (off by default).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

COLOURS = ("blue", "green")
COLOUR_LABEL = "privateai.io/serving-colour"
PREVIOUS_COLOUR_ANNOTATION = "privateai.io/serving-previous-colour"
NAME = "app.kubernetes.io/name"
COMPONENT = "app.kubernetes.io/component"
# The colour Service: reaches one colour's pods (smoke test before the switch); not scraped (component differs).
COLOUR_API_COMPONENT = "colour-api"
API_PORT = 8000
# Seconds the play waits for a workload beyond its startup probe budget (image pull, scheduling, a group's pods).
READY_MARGIN_S = 600
# The queue-length metric of each engine (Prometheus names; vLLM labels them with the served name).
QUEUE_METRICS = {"vllm": "vllm:num_requests_waiting", "sglang": "sglang:num_queue_reqs"}
KEDA_API = "keda.sh/v1alpha1"


def _to_urls(name, value):
    value = v.to_dict(name, value)
    problems = []
    for served, url in sorted(value.items()):
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or v.one_line(url) or " " in url:
            problems.append("%s[%s] is %s: give the http(s):// base URL the control node reaches the model's API at "
                            "(an ingress or load balancer), or remove it to use a kubectl port-forward"
                            % (name, served, v.describe(url)))
    if problems:
        raise v.Invalid("; ".join(problems))
    return value


def read(reader):
    """The operation settings, converted and checked (problems into ``reader``)."""
    ops = {}
    ops["colour"] = reader.read("model_serving_colour", v.to_choice, COLOURS)
    ops["smoke"] = reader.read("model_serving_smoke_test", v.to_bool)
    ops["smoke_urls"] = reader.read("model_serving_smoke_test_urls", _to_urls)
    ops["smoke_timeout"] = reader.read("model_serving_smoke_test_timeout", v.to_int)
    if ops["smoke_timeout"] is not None and ops["smoke_timeout"] < 1:
        reader.add(["model_serving_smoke_test_timeout is %d: give the seconds one smoke-test request may take, 1 or "
                    "more" % ops["smoke_timeout"]])
    ops["smoke_port"] = reader.read("model_serving_smoke_test_local_port", v.to_int)
    if ops["smoke_port"] is not None and not 1024 <= ops["smoke_port"] <= 65000:
        reader.add(["model_serving_smoke_test_local_port is %d: give the first local port of the port-forwards, "
                    "1024 to 65000 (one port per model from there)" % ops["smoke_port"]])
    ops["kubectl"] = reader.read("model_serving_kubectl", v.to_str)
    if ops["kubectl"] is not None and (not ops["kubectl"] or v.one_line(ops["kubectl"]) or " " in ops["kubectl"]):
        reader.add(["model_serving_kubectl is %s: give the kubectl binary (a name on PATH or an absolute path)"
                    % v.describe(ops["kubectl"])])
    ops["keda"] = kp._common(reader, "model_serving_keda")
    ops["keda_max_replicas"] = reader.read("model_serving_keda_max_replicas", v.to_int)
    ops["keda_queue_per_replica"] = reader.read("model_serving_keda_queue_per_replica", v.to_int)
    for key, least in (("keda_max_replicas", 1), ("keda_queue_per_replica", 1)):
        if ops[key] is not None and ops[key] < least:
            reader.add(["model_serving_%s is %d: give %d or more" % (key, ops[key], least)])
    ops["keda_prometheus_url"] = reader.read("model_serving_keda_prometheus_url", v.to_str)
    url = ops["keda_prometheus_url"]
    if url is not None and (not url.startswith(("http://", "https://")) or v.one_line(url) or " " in url):
        reader.add(["model_serving_keda_prometheus_url is %s: give the Prometheus server KEDA queries, such as "
                    "http://prometheus-operated.monitoring.svc:9090" % v.describe(url)])
    ops["keda_cooldown"] = reader.read("model_serving_keda_cooldown_seconds", v.to_int)
    if ops["keda_cooldown"] is not None and ops["keda_cooldown"] < 30:
        reader.add(["model_serving_keda_cooldown_seconds is %d: give 30 or more (a replica loads its weights for "
                    "minutes; scaling it away sooner wastes the load)" % ops["keda_cooldown"]])
    return ops


def coloured(name, colour):
    return "%s-%s" % (name, colour)


def _add_labels(meta, colour):
    meta.setdefault("labels", {})[COLOUR_LABEL] = colour


def _workload_names(models):
    return dict((m["served_name"], m) for m in models)


def colour_stage(stage, colour, models):
    """The stage with every model's objects coloured (see the module's description). The input is not changed."""
    out = copy.deepcopy(stage)
    served = _workload_names(models)
    manifests = []
    for manifest in out["manifests"]:
        definition = manifest["definition"]
        meta = definition["metadata"]
        name = meta.get("name")
        kind = definition["kind"]
        if name not in served or kind not in ("Deployment", "LeaderWorkerSet", "Service", "PodDisruptionBudget"):
            manifests.append(manifest)
            continue
        spec = definition["spec"]
        if kind == "Service":
            spec["selector"][COLOUR_LABEL] = colour
            meta.setdefault("annotations", {})[COLOUR_LABEL] = colour
            manifest["description"] = "%s (the %s colour)" % (manifest.get("description", name), colour)
            colour_service = copy.deepcopy(manifest)
            colour_meta = colour_service["definition"]["metadata"]
            colour_meta["name"] = coloured(name, colour)
            colour_meta["labels"] = dict(colour_meta["labels"], **{COMPONENT: COLOUR_API_COMPONENT, COLOUR_LABEL: colour})
            colour_meta.pop("annotations", None)
            colour_service["description"] = ("the %s colour of %s only (smoke test before a switch)" % (colour, name))
            manifests.append(manifest)
            manifests.append(colour_service)
            continue
        meta["name"] = coloured(name, colour)
        _add_labels(meta, colour)
        if kind == "Deployment":
            spec["selector"]["matchLabels"][COLOUR_LABEL] = colour
            _add_labels(spec["template"]["metadata"], colour)
        elif kind == "LeaderWorkerSet":
            template = spec["leaderWorkerTemplate"]
            _add_labels(template["leaderTemplate"]["metadata"], colour)
            _add_labels(template["workerTemplate"]["metadata"], colour)
        else:
            spec["selector"]["matchLabels"][COLOUR_LABEL] = colour
        manifests.append(manifest)
    out["manifests"] = manifests
    return out


def workload_ref(model, colour):
    if model["workload"] == "LeaderWorkerSet":
        return {"api_version": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet",
                "name": coloured(model["served_name"], colour)}
    return {"api_version": "apps/v1", "kind": "Deployment", "name": coloured(model["served_name"], colour)}


def smoke_plan(ops, namespace, colour, models, reasoning):
    """Per model: the workload to wait for and the smoke test's target (``url`` given, or ``forward`` through the
    colour Service on a local port). ``reasoning(repo)`` says whether the model separates its reasoning."""
    out = []
    for index, model in enumerate(models):
        url = (ops["smoke_urls"] or {}).get(model["served_name"])
        entry = dict(workload=workload_ref(model, colour), served_name=model["served_name"], kind=model["kind"],
                     namespace=namespace, reasoning=reasoning(model["name"]),
                     ready_timeout=model["startup_probe_seconds"] + READY_MARGIN_S,
                     timeout=ops["smoke_timeout"], url=url, forward=None)
        if not url:
            port = ops["smoke_port"] + index
            entry["forward"] = {"service": coloured(model["served_name"], colour), "local_port": port,
                                "remote_port": API_PORT}
            entry["url"] = "http://127.0.0.1:%d" % port
        out.append(entry)
    return out


def _keda_release(keda):
    registry = keda["image_registry"]
    values = {"image": dict((part, {"registry": registry}) for part in ("keda", "metricsApiServer", "webhooks")),
              "imagePullSecrets": [{"name": name} for name in keda["image_pull_secrets"]]}
    if keda["tolerate_control_plane"]:
        toleration = [dict(kp.CONTROL_PLANE_TOLERATION)]
        values["operator"] = {"tolerations": toleration}
        values["metricsServer"] = {"tolerations": toleration}
        values["webhooks"] = {"tolerations": toleration}
    return kp._release(keda, "keda", values)


def keda(ops, namespace, colour, models, engine):
    """(releases, manifests, warnings): the KEDA release and a ScaledObject per model, when enabled."""
    settings = ops["keda"]
    if not settings.get("enabled"):
        return [], [], []
    metric = QUEUE_METRICS[engine]
    manifests = [kp._namespace(settings["namespace"], dict(kp.LABELS), "the KEDA operator")]
    warnings = []
    for model in models:
        ref = workload_ref(model, colour)
        most = max(ops["keda_max_replicas"], model["replicas"])
        if most > model["replicas"]:
            warnings.append("%s scales from %d to %d replicas on its queue: the planner placed %d; each further replica "
                            "needs %d free GPU(s) on %s nodes" % (model["served_name"], model["replicas"], most,
                                                                  model["replicas"], model["gpus_per_replica"],
                                                                  model["gpu_model"]))
        query = 'sum(%s{namespace="%s",model_name="%s"})' % (metric, namespace, model["served_name"])
        labels = dict(kp.LABELS, **{NAME: model["served_name"], COMPONENT: "autoscaler"})
        if colour:
            labels[COLOUR_LABEL] = colour
        spec = {"scaleTargetRef": {"apiVersion": ref["api_version"], "kind": ref["kind"], "name": ref["name"]},
                "minReplicaCount": model["replicas"], "maxReplicaCount": most,
                "cooldownPeriod": ops["keda_cooldown"], "pollingInterval": 15,
                "triggers": [{"type": "prometheus",
                              "metadata": {"serverAddress": ops["keda_prometheus_url"], "query": query,
                                           "threshold": str(ops["keda_queue_per_replica"])}}]}
        description = "scales %s on its queue (%s over %d per replica), %d to %d replicas" % (
            ref["name"], metric, ops["keda_queue_per_replica"], model["replicas"], most)
        definition = {"apiVersion": KEDA_API, "kind": "ScaledObject",
                      "metadata": {"name": ref["name"], "namespace": namespace, "labels": labels}, "spec": spec}
        manifests.append({"phase": "post", "description": description, "definition": definition})
    return [_keda_release(settings)], manifests, warnings
