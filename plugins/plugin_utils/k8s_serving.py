# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks and stage building of the model serving stage (role model_serving).

``serving_stage(settings, api_key=None)`` takes the role's variables by name, converts each as the role's argument
spec declares it, checks the syntax of every value written into a manifest, asks the serving planner
(plugins/module_utils/serving_planner.py) for the plan of the models on the intended hardware, and builds the stage
as data: the Namespace, the API key Secret, the shared read-only weights volume and the Job that fills it once, per
model a Deployment (one node per replica) or a LeaderWorkerSet (several), its Service, PodDisruptionBudget and
(optionally) ServiceMonitor, and the LeaderWorkerSet controller's Helm release when any model spans nodes.
A plan the planner refuses is a problem of the stage (naming the model and the numbers): nothing is built then.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import serving_catalog as catalog
from ansible_collections.privateai.deepseek_dify.plugins.module_utils import serving_planner as planner
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_serving_ops as ops_
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

ENGINES = ("vllm", "sglang")
SOURCES = ("huggingface", "modelscope", "s3", "hostpath", "nfs")
# Sources the download Job fills the shared volume from; the others already hold the weights.
DOWNLOAD_SOURCES = ("huggingface", "modelscope", "s3")
WEIGHTS_DIR = "/models"
API_KEY_FIELD = "api-key"
RAY_PORT = 6379
GPU_PRODUCT_LABEL = "nvidia.com/gpu.product"
DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config"
LWS_GROUP_LABEL = "leaderworkerset.sigs.k8s.io/name"
COMPONENT = "app.kubernetes.io/component"
NAME = "app.kubernetes.io/name"
# The Job reads what it downloads from its environment only (no value is written into the script).
DOWNLOAD_SCRIPTS = {
    "huggingface": ("from huggingface_hub import snapshot_download; import os; "
                    "snapshot_download(repo_id=os.environ['MODEL_ID'], local_dir=os.environ['MODEL_DIR'])"),
    "modelscope": ("from modelscope import snapshot_download; import os; "
                   "snapshot_download(os.environ['MODEL_ID'], local_dir=os.environ['MODEL_DIR'])"),
}
# Marker written last: a later run of the Job finds it and downloads nothing (weights filled once).
DONE_MARKER = ".privateai-download-complete"
# Facts the role publishes (never read back as settings).
PUBLISHED = ("model_serving_k8s_stage", "model_serving_outputs")


def gpu_product_label(model):
    """The value GPU Feature Discovery labels a node with (nvidia.com/gpu.product): the NVML name, spaces as '-'."""
    return "-".join(str(model).split())


def _image(reader, name, registry):
    value = reader.read(name, v.to_str)
    if value is None:
        return None
    problems = v.check_image_reference(name, value)
    reader.add(problems)
    if problems:
        return None
    if registry:
        # The internal mirror keeps the image's path: replace the registry host, keep repository and tag.
        first, _slash, rest = value.partition("/")
        if rest and ("." in first or ":" in first or first == "localhost"):
            value = rest
        value = "%s/%s" % (registry, value)
    return value


def _read(reader):
    s = {}
    s["namespace"] = reader.read("model_serving_namespace", v.to_str, check=v.check_dns_label)
    s["engine"] = reader.read("model_serving_engine", v.to_choice, ENGINES)
    s["models"] = reader.read("model_serving_models", v.to_list)
    s["registry"] = reader.read("model_serving_image_registry", v.to_str)
    if s["registry"]:
        reader.add(v.check_registry("model_serving_image_registry", s["registry"]))
        s["registry"] = s["registry"].rstrip("/")
    registry = s["registry"] if s["registry"] and not reader.problems else ""
    s["images"] = {"vllm": _image(reader, "model_serving_vllm_image", registry),
                   "sglang": _image(reader, "model_serving_sglang_image", registry)}
    download_image = reader.read("model_serving_download_image", v.to_str)
    s["download_image"] = None
    if download_image:
        s["download_image"] = _image(reader, "model_serving_download_image", registry)
    secrets = reader.read("model_serving_image_pull_secrets", v.to_list)
    s["pull_secrets"] = []
    for index, name in enumerate(secrets or []):
        problems = v.check_dns_subdomain("model_serving_image_pull_secrets[%d]" % index, name)
        reader.add(problems)
        if not problems:
            s["pull_secrets"].append(name)
    s["source"] = reader.read("model_serving_weights_source", v.to_choice, SOURCES)
    s["endpoint"] = reader.read("model_serving_weights_endpoint", v.to_str)
    if s["endpoint"] and not s["endpoint"].startswith(("https://", "http://")):
        reader.add(["model_serving_weights_endpoint is '%s': give the mirror's http(s):// URL (HF_ENDPOINT, the "
                    "ModelScope domain or the S3 endpoint), or empty for the public source" % s["endpoint"]])
    elif s["endpoint"] and (v.one_line(s["endpoint"]) or " " in s["endpoint"]):
        reader.add(["model_serving_weights_endpoint is %s: give one line without spaces" % v.describe(s["endpoint"])])
    s["s3_uri"] = reader.read("model_serving_weights_s3_uri", v.to_str)
    if s["source"] == "s3" and not (s["s3_uri"] or "").startswith("s3://"):
        reader.add(["model_serving_weights_s3_uri is %s but model_serving_weights_source is s3: give the bucket and "
                    "prefix holding one folder per model repository, such as s3://models/hf" % v.describe(s["s3_uri"])])
    s["credentials_secret"] = reader.read("model_serving_weights_credentials_secret", v.to_str)
    if s["credentials_secret"]:
        reader.add(v.check_dns_subdomain("model_serving_weights_credentials_secret", s["credentials_secret"]))
    s["path"] = reader.read("model_serving_weights_path", v.to_str)
    if s["source"] in ("hostpath", "nfs"):
        problem = v.plain_path(s["path"]) if isinstance(s["path"], str) and s["path"] else "must be an absolute path"
        if problem:
            reader.add(["model_serving_weights_path is %s but model_serving_weights_source is %s: it %s (the "
                        "directory holding one folder per model repository)" % (v.describe(s["path"]), s["source"], problem)])
    s["nfs_server"] = reader.read("model_serving_weights_nfs_server", v.to_str)
    if s["source"] == "nfs" and (not s["nfs_server"] or v.hostname(s["nfs_server"]) and not _is_ip(s["nfs_server"])):
        reader.add(["model_serving_weights_nfs_server is %s but model_serving_weights_source is nfs: give the NFS "
                    "server's host name or IP address" % v.describe(s["nfs_server"])])
    s["storage_class"] = reader.read("model_serving_weights_storage_class", v.to_str, check=v.check_dns_subdomain)
    s["size"] = reader.read("model_serving_weights_size", v.to_str, check=v.check_quantity)
    for key in ("model_serving_weights_pvc_name", "model_serving_api_key_secret"):
        s[key] = reader.read(key, v.to_str, check=v.check_dns_subdomain)
    # Read by the role's lookup (the key's file on the control node); never written into a manifest.
    s["api_key_file"] = reader.read("model_serving_api_key_file", v.to_str)
    s["gpu_product_selector"] = reader.read("model_serving_gpu_product_selector", v.to_bool)
    s["node_selector"] = reader.read("model_serving_node_selector", v.to_dict, check=v.check_labels)
    s["tolerations"] = kp._tolerations(reader, "model_serving_tolerations")
    s["tolerate_control_plane"] = reader.read("model_serving_tolerate_control_plane", v.to_bool)
    s["rdma_resource"] = reader.read("model_serving_rdma_resource", v.to_str, check=v.check_label_key)
    s["service_monitor"] = reader.read("model_serving_service_monitor", v.to_bool)
    s["weights_read_gb_per_s"] = reader.read("model_serving_weights_read_gb_per_s", _to_float)
    s["download_timeout"] = reader.read("model_serving_download_timeout", v.to_int)
    if s["download_timeout"] is not None and s["download_timeout"] < 60:
        reader.add(["model_serving_download_timeout is %d: give the seconds the weights download may take, 60 or more"
                    % s["download_timeout"]])
    s["expected_gpu"] = reader.read("model_serving_expected_gpu", v.to_dict)
    s["fabric"] = reader.read("model_serving_fabric", v.to_dict)
    s["gpu_hosts"] = reader.read("model_serving_gpu_hosts", v.to_list)
    s["allow_multinode_without_fabric"] = reader.read("model_serving_allow_multinode_without_fabric", v.to_bool)
    return s


def _is_ip(value):
    import ipaddress
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _to_float(name, value):
    if isinstance(value, bool):
        raise v.Invalid("%s is %s: give a number" % (name, v.describe(value)))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise v.Invalid("%s is %s: give a number" % (name, v.describe(value)))
    if number <= 0:
        raise v.Invalid("%s is %s: give a positive number" % (name, v.describe(value)))
    return number


def _plan(reader, s):
    """The planner's plan of the models; its refusals become the stage's problems."""
    result = planner.plan(copy.deepcopy(s["models"]), engine=s["engine"], expected_gpu=s["expected_gpu"] or {},
                          fabric=s["fabric"] or {}, gpu_hosts=[str(h) for h in s["gpu_hosts"] or []],
                          allow_multinode_without_fabric=s["allow_multinode_without_fabric"],
                          weights_read_gb_per_s=s["weights_read_gb_per_s"])
    reader.add(["model_serving_models: %s" % problem for problem in result["problems"]])
    return result


def serving_stage(settings, api_key=None):
    """Checks and builds the model_serving stage. ``api_key``: the generated key (None: a placeholder, for a
    render that does not write secrets)."""
    reader = v.Reader(settings)
    enabled = reader.read("model_serving_enabled", v.to_bool)
    lws = kp._common(reader, "model_serving_lws")
    out = {"problems": reader.problems, "warnings": [], "enabled": bool(enabled), "stage": None, "plan": None,
           "outputs": {}, "lws_values_extra": lws.get("values_extra") or {}}
    if not enabled:
        return out
    s = _read(reader)
    ops = ops_.read(reader)
    for name in reader.unread():
        reader.add(["%s is not a setting of this role (a misspelt variable would be ignored): remove or correct it"
                    % name])
    if reader.problems or not s["models"]:
        out["problems"] = reader.problems
        if not reader.problems:
            out["stage"] = {"name": "model_serving", "releases": [], "manifests": []}
            out["outputs"] = outputs(s, {"models": []})
        return out
    result = _plan(reader, s)
    out["problems"] = reader.problems
    if reader.problems:
        return out
    out["plan"] = result
    out["stage"] = build(s, lws, result, api_key)
    out["outputs"] = outputs(s, result)
    _operations(out, s, ops, result)
    return out


def _operations(out, s, ops, result):
    """Colours, KEDA and the smoke test's plan (plugins/plugin_utils/k8s_serving_ops.py) on the built stage."""
    models = result["models"]
    out["stage"] = ops_.colour_stage(out["stage"], ops["colour"], models)
    releases, manifests, warnings = ops_.keda(ops, s["namespace"], ops["colour"], models, s["engine"])
    out["stage"]["releases"] += releases
    out["stage"]["manifests"] += manifests
    out["warnings"] += warnings
    out["colour"] = ops["colour"]
    out["keda_values_extra"] = (ops["keda"].get("values_extra") or {}) if ops["keda"].get("enabled") else {}
    # What the serving benchmark's Job shares with the engines (playbooks/benchmark_serving.yml).
    out["bench"] = {"images": s["images"], "weights_volume": _weights_volume(s), "pull_secrets": s["pull_secrets"],
                    "tolerations": _tolerations(s)}
    out["smoke"] = {"enabled": ops["smoke"], "kubectl": ops["kubectl"],
                    "models": ops_.smoke_plan(ops, s["namespace"], ops["colour"], models, reasoning_model)}


# ------------------------------------------------------------------------------------------------- the build


def _labels(name, component):
    return dict(kp.LABELS, **{NAME: name, COMPONENT: component})


def _tolerations(s):
    return kp._with_control_plane(s["tolerations"], s["tolerate_control_plane"])


def _weights_volume(s):
    if s["source"] == "hostpath":
        return {"name": "weights", "hostPath": {"path": s["path"], "type": "Directory"}}
    if s["source"] == "nfs":
        return {"name": "weights", "nfs": {"server": s["nfs_server"], "path": s["path"], "readOnly": True}}
    return {"name": "weights", "persistentVolumeClaim": {"claimName": s["model_serving_weights_pvc_name"],
                                                         "readOnly": True}}


def _local_path(repo):
    return "%s/%s" % (WEIGHTS_DIR, repo)


def _engine_argv(model):
    """(command, args) with the repository replaced by the weights' folder on the read-only volume."""
    path = _local_path(model["name"])
    return ([path if item == model["name"] else item for item in model["command"]],
            [path if item == model["name"] else item for item in model["args"]])


def _env(model, s):
    env = [{"name": key, "value": str(model["env"][key])} for key in sorted(model["env"])]
    # Weights come from the volume only: no download at start, whatever the engine's defaults.
    env += [{"name": "HF_HUB_OFFLINE", "value": "1"}]
    for key in sorted(model["env_from_secret"]):
        env.append({"name": key, "valueFrom": {"secretKeyRef": {"name": s["model_serving_api_key_secret"],
                                                                "key": API_KEY_FIELD}}})
    return env


def _probe(path, period, failures):
    return {"httpGet": {"path": path, "port": "http"}, "periodSeconds": period, "failureThreshold": failures,
            "timeoutSeconds": 5}


def _container(model, s, leader=True, worker_command=None):
    command, args = _engine_argv(model)
    pod = model["pod"]
    resources = {"nvidia.com/gpu": model["gpus_per_pod"]}
    security = {"allowPrivilegeEscalation": False}
    if pod["ipc_lock"]:
        resources[s["rdma_resource"]] = 1
        security["capabilities"] = {"add": ["IPC_LOCK"]}
    container = {"name": "engine", "image": s["images"][model["engine"]], "imagePullPolicy": "IfNotPresent",
                 "env": _env(model, s), "resources": {"limits": dict(resources), "requests": dict(resources)},
                 "securityContext": security,
                 "volumeMounts": [{"name": "weights", "mountPath": WEIGHTS_DIR, "readOnly": True}]}
    if pod["shm_gib"]:
        container["volumeMounts"].append({"name": "dshm", "mountPath": "/dev/shm"})
    if model["lws_size"] > 1 and model["engine"] == "vllm":
        # vLLM spans nodes through Ray: the leader starts the Ray head, then the server; workers join it.
        if leader:
            container["command"] = ["/bin/sh", "-c", 'ray start --head --port=%d && exec "$@"' % RAY_PORT, "--"] + command
        else:
            container["command"] = ["/bin/sh", "-c", 'until ray start --address="$LWS_LEADER_ADDRESS:%d" --block; '
                                                     'do sleep 5; done' % RAY_PORT]
            return container
        container["args"] = args
    else:
        container["command"] = command
        container["args"] = args
    if leader:
        container["ports"] = [{"name": "http", "containerPort": planner.API_PORT, "protocol": "TCP"}]
        # Never killed while loading: the startup probe allows the planner's load time (weights / read rate).
        container["startupProbe"] = _probe("/health", 10, max(1, model["startup_probe_seconds"] // 10))
        container["readinessProbe"] = _probe("/health", 10, 3)
        container["livenessProbe"] = _probe("/health", 20, 3)
    return container


def _pod_spec(model, s, leader=True):
    selector = dict(s["node_selector"] or {})
    if s["gpu_product_selector"]:
        selector[GPU_PRODUCT_LABEL] = gpu_product_label(model["gpu_model"])
    if model.get("sharing"):
        selector[DEVICE_PLUGIN_CONFIG_LABEL] = model["sharing"]["device_plugin_config"]
    volumes = [_weights_volume(s)]
    if model["pod"]["shm_gib"]:
        volumes.append({"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "%dGi" % model["pod"]["shm_gib"]}})
    spec = {"containers": [_container(model, s, leader)], "volumes": volumes, "nodeSelector": selector,
            "tolerations": _tolerations(s), "terminationGracePeriodSeconds": 60, "enableServiceLinks": False}
    if s["pull_secrets"]:
        spec["imagePullSecrets"] = [{"name": name} for name in s["pull_secrets"]]
    return spec


def _workload(model, s):
    name = model["served_name"]
    namespace = s["namespace"]
    labels = _labels(name, "engine")
    description = "%s (%s) on %s: %s, %d replica(s) of %d node(s), %d GPU(s) per pod" % (
        name, model["name"], model["gpu_model"], model["parallel"]["text"], model["replicas"], model["lws_size"],
        model["gpus_per_pod"])
    if model["workload"] == "Deployment":
        definition = {"apiVersion": "apps/v1", "kind": "Deployment",
                      "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
                      "spec": {"replicas": model["replicas"],
                               "selector": {"matchLabels": {NAME: name, COMPONENT: "engine"}},
                               # A replica holds whole GPUs: replace one at a time, no surge beyond the plan.
                               "strategy": {"type": "RollingUpdate",
                                            "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
                               "template": {"metadata": {"labels": dict(labels)}, "spec": _pod_spec(model, s)}}}
        selector = {NAME: name, COMPONENT: "engine"}
    else:
        leader_labels = dict(labels, **{COMPONENT: "leader"})
        worker_labels = dict(labels, **{COMPONENT: "worker"})
        definition = {"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet",
                      "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
                      "spec": {"replicas": model["replicas"], "startupPolicy": "LeaderCreated",
                               "leaderWorkerTemplate": {
                                   "size": model["lws_size"],
                                   # One lost pod breaks the group's NCCL communicator: restart the whole group.
                                   "restartPolicy": "RecreateGroupOnPodRestart",
                                   "leaderTemplate": {"metadata": {"labels": leader_labels},
                                                      "spec": _pod_spec(model, s, leader=True)},
                                   "workerTemplate": {"metadata": {"labels": worker_labels},
                                                      "spec": _pod_spec(model, s, leader=False)}}}}
        selector = {NAME: name, COMPONENT: "leader"}
    manifests = [{"description": description, "definition": definition},
                 {"description": "the OpenAI-compatible API of %s (port %d)" % (name, planner.API_PORT),
                  "definition": {"apiVersion": "v1", "kind": "Service",
                                 "metadata": {"name": name, "namespace": namespace, "labels": _labels(name, "api")},
                                 "spec": {"selector": dict(selector),
                                          "ports": [{"name": "http", "port": planner.API_PORT,
                                                     "targetPort": "http", "protocol": "TCP"}]}}},
                 {"description": "voluntary evictions (drains) take one replica of %s at a time" % name,
                  "definition": {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                                 "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
                                 "spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(selector)}}}}]
    if s["service_monitor"]:
        manifests.append({"description": "Prometheus scrapes the engine's /metrics",
                          "definition": {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
                                         "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
                                         "spec": {"selector": {"matchLabels": {NAME: name, COMPONENT: "api"}},
                                                  "endpoints": [{"port": "http", "path": "/metrics",
                                                                 "interval": "30s"}]}}})
    return manifests


def _download_job(model, s, timeout):
    name = "%s-weights" % model["served_name"]
    namespace = s["namespace"]
    target = _local_path(model["name"])
    env = [{"name": "MODEL_ID", "value": model["name"]}, {"name": "MODEL_DIR", "value": target}]
    if s["source"] == "huggingface" and s["endpoint"]:
        env.append({"name": "HF_ENDPOINT", "value": s["endpoint"]})
    if s["source"] == "modelscope" and s["endpoint"]:
        env.append({"name": "MODELSCOPE_DOMAIN", "value": s["endpoint"]})
    if s["source"] == "s3":
        env.append({"name": "S3_SOURCE", "value": "%s/%s" % (s["s3_uri"].rstrip("/"), model["name"])})
        if s["endpoint"]:
            env.append({"name": "AWS_ENDPOINT_URL", "value": s["endpoint"]})
        fetch = 'aws s3 sync "$S3_SOURCE" "$MODEL_DIR"'
    else:
        fetch = 'python3 -c "%s"' % DOWNLOAD_SCRIPTS[s["source"]]
    script = ('set -e; if [ -f "$MODEL_DIR/%s" ]; then echo "weights of $MODEL_ID present"; exit 0; fi; '
              'mkdir -p "$MODEL_DIR"; %s; touch "$MODEL_DIR/%s"' % (DONE_MARKER, fetch, DONE_MARKER))
    container = {"name": "download", "image": s["download_image"] or s["images"][model["engine"]],
                 "imagePullPolicy": "IfNotPresent", "command": ["/bin/sh", "-c", script], "env": env,
                 "resources": {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "16Gi"}},
                 "securityContext": {"allowPrivilegeEscalation": False},
                 "volumeMounts": [{"name": "weights", "mountPath": WEIGHTS_DIR}]}
    if s["credentials_secret"]:
        container["envFrom"] = [{"secretRef": {"name": s["credentials_secret"]}}]
    spec = {"restartPolicy": "OnFailure", "containers": [container], "tolerations": _tolerations(s),
            "volumes": [{"name": "weights",
                         "persistentVolumeClaim": {"claimName": s["model_serving_weights_pvc_name"]}}]}
    if s["pull_secrets"]:
        spec["imagePullSecrets"] = [{"name": secret} for secret in s["pull_secrets"]]
    return {"description": "fills the shared volume once with %s from %s (skips when present)" % (model["name"], s["source"]),
            "wait": True, "wait_condition": {"type": "Complete", "status": "True"}, "wait_timeout": timeout,
            "definition": {"apiVersion": "batch/v1", "kind": "Job",
                           "metadata": {"name": name, "namespace": namespace, "labels": _labels(name, "weights")},
                           "spec": {"backoffLimit": 3, "template": {"metadata": {"labels": _labels(name, "weights")},
                                                                    "spec": spec}}}}


def _lws_release(lws, tolerate):
    values = {"image": {"manager": {"repository": "%s/lws/lws" % lws["image_registry"]}},
              "imagePullSecrets": [{"name": name} for name in lws["image_pull_secrets"]]}
    if tolerate or lws["tolerate_control_plane"]:
        values["tolerations"] = [dict(kp.CONTROL_PLANE_TOLERATION)]
    return kp._release(lws, "lws", values)


def build(s, lws, result, api_key):
    namespace = s["namespace"]
    models = result["models"]
    key = api_key if api_key else "not-rendered"
    manifests = [kp._namespace(namespace, dict(kp.LABELS)),
                 {"secret": True, "phase": "pre",
                  "description": "the API key of every engine (generated once into privateai_credentials_dir)",
                  "definition": {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                 "metadata": {"name": s["model_serving_api_key_secret"], "namespace": namespace,
                                              "labels": dict(kp.LABELS)},
                                 "data": {API_KEY_FIELD: base64.b64encode(key.encode("utf-8")).decode("ascii")}}}]
    if s["source"] in DOWNLOAD_SOURCES:
        manifests.append({"phase": "pre", "description": "weights of every model, shared read-only by the engines",
                          "definition": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                         "metadata": {"name": s["model_serving_weights_pvc_name"], "namespace": namespace,
                                                      "labels": dict(kp.LABELS)},
                                         "spec": {"accessModes": ["ReadWriteMany"],
                                                  "storageClassName": s["storage_class"],
                                                  "resources": {"requests": {"storage": s["size"]}}}}})
        for model in models:
            manifests.append(_download_job(model, s, s["download_timeout"]))
    for model in models:
        manifests += _workload(model, s)
    releases = []
    if any(model["workload"] == "LeaderWorkerSet" for model in models) and lws["enabled"]:
        releases.append(_lws_release(lws, s["tolerate_control_plane"]))
        manifests.insert(0, kp._namespace(lws["namespace"], dict(kp.LABELS), "the LeaderWorkerSet controller"))
    return {"name": "model_serving", "releases": releases, "manifests": manifests}


# ------------------------------------------------------------------------------------------------- outputs


def reasoning_model(repo):
    """Whether the model answers R1-style: its thinking always separated by the deepseek_r1 reasoning parser
    (R1, R1-0528 and the R1 distills). Hybrid-thinking models (V3.1) reason only when a request enables it."""
    key = catalog.find_model(repo)
    return bool(key) and catalog.MODELS[key]["reasoning_parser"] == "deepseek_r1"


def service_url(name, namespace):
    """The in-cluster base URL of a model's Service (its OpenAI-compatible API)."""
    return "http://%s.%s.svc:%d/v1" % (name, namespace, planner.API_PORT)


def outputs(s, result):
    """``model_serving_outputs`` for the later stages (Dify): the namespace, where the API key is (Secret and file on
    the control node) and per served model its kind, in-cluster base URL, context length and reasoning style."""
    return {"namespace": s["namespace"],
            "api_key_secret": {"name": s["model_serving_api_key_secret"], "key": API_KEY_FIELD},
            "api_key_file": s["api_key_file"],
            "models": [{"name": model["name"], "served_name": model["served_name"], "kind": model["kind"],
                        "base_url": service_url(model["served_name"], s["namespace"]),
                        "max_model_len": model["max_model_len"], "reasoning": reasoning_model(model["name"])}
                       for model in result["models"]]}
