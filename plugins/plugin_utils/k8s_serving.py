# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks and stage building of the model serving stage (role model_serving).

``serving_stage(settings, api_key=None)`` takes the role's variables by name, converts each as the role's argument
spec declares it, checks the syntax of every value written into a manifest, asks the serving planner
(plugins/module_utils/serving_planner.py) for the plan of the models on the intended hardware, and builds the stage
as data: the Namespace, the API key Secret, the shared read-only weights volume and per repository the Job that fills
it once (our downloader, weights_fetch.py, in a ConfigMap; its deadline sized from the checkpoint and the declared
bandwidth), per model a Deployment (one node per replica) or a LeaderWorkerSet (several), its Service, PodDisruptionBudget and
(optionally) ServiceMonitor, and the LeaderWorkerSet controller's Helm release when any model spans nodes.
A plan the planner refuses is a problem of the stage (naming the model and the numbers): nothing is built then.
Multi-node pods take the NCCL settings the network stage measured (model_serving_rdma_facts) when there are any.
The result's ``downloads`` lists the Jobs the role's weights wait polls in apply mode.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import math
import os
import re

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import serving_catalog as catalog
from ansible_collections.privateai.deepseek_dify.plugins.module_utils import serving_planner as planner
from ansible_collections.privateai.deepseek_dify.plugins.module_utils import weights_fetch
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_service_accounts as ksa
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
# Sources our downloader (plugins/module_utils/weights_fetch.py, shipped in a ConfigMap) lists, fetches and verifies;
# S3/RGW is copied by the aws CLI (aws s3 sync) of model_serving_download_image.
FETCH_SOURCES = weights_fetch.SOURCES
FETCH_CONFIGMAP = "privateai-weights-fetch"
FETCH_SCRIPT = "weights_fetch.py"
FETCH_DIR = "/opt/privateai"
# Marker written last: a later run of the Job finds it and downloads nothing (weights filled once); the engines'
# init container waits for it, so an engine never starts on a half-filled folder.
DONE_MARKER = weights_fetch.DONE_MARKER
STATUS_FILE = weights_fetch.STATUS_FILE
# The download Job's deadline: the checkpoint at the declared bandwidth, times this margin, plus the base.
DOWNLOAD_MARGIN = 1.5
DOWNLOAD_BASE_S = 600
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
    return kp.mirror_image(value, registry)


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
    timeout = s["download_timeout"]
    if timeout is not None and (timeout < 0 or 0 < timeout < 60):
        reader.add(["model_serving_download_timeout is %d: give the seconds the weights download may take, 60 or "
                    "more, or 0 to size it from the checkpoint and model_serving_weights_download_gb_per_s"
                    % s["download_timeout"]])
    _read_download(reader, s)
    s["expected_gpu"] = reader.read("model_serving_expected_gpu", v.to_dict)
    s["fabric"] = reader.read("model_serving_fabric", v.to_dict)
    s["gpu_hosts"] = reader.read("model_serving_gpu_hosts", v.to_list)
    s["allow_multinode_without_fabric"] = reader.read("model_serving_allow_multinode_without_fabric", v.to_bool)
    s["rdma_facts"] = _read_rdma_facts(reader)
    return s


NCCL_ENV_NAME = re.compile(r"^(NCCL|GLOO|UCX)_[A-Z0-9_]+$")
NCCL_ENV_VALUE = re.compile(r"^[A-Za-z0-9_.:,=^+/-]*$")


def _read_rdma_facts(reader):
    """model_serving_rdma_facts: {GPU node: the network stage's rdma_nccl_env}, each name and value checked, since
    they are written into the pods' environment."""
    facts = reader.read("model_serving_rdma_facts", v.to_dict)
    out = {}
    for host, env in sorted((facts or {}).items()):
        if not isinstance(env, dict):
            reader.add(["model_serving_rdma_facts[%s] is %s: give the node's rdma_nccl_env (a mapping of NCCL "
                        "variables), as roles/rdma records it" % (host, v.describe(env))])
            continue
        for name, value in sorted(env.items()):
            if not NCCL_ENV_NAME.match(str(name)) or not NCCL_ENV_VALUE.match(str(value)):
                reader.add(["model_serving_rdma_facts[%s].%s is %s: an NCCL/GLOO variable name and a value of letters, "
                            "digits and _ . : , = ^ + / - are written into the pods' environment; fix the node's "
                            "record (ansible_local.privateai_rdma) or the variable" % (host, name, v.describe(value))])
        out[str(host)] = dict((str(k), str(val)) for k, val in env.items())
    return out


def fabric_facts_env(facts, hosts):
    """(env, warnings): the NCCL/GLOO settings the network stage measured on the GPU nodes (rdma_info's nccl_env:
    NCCL_IB_HCA, NCCL_SOCKET_IFNAME, GLOO_SOCKET_IFNAME, NCCL_IB_GID_INDEX), or None where no node has an active
    RDMA port in its facts (the settings planned from privateai_fabric stay)."""
    if not facts:
        return None, []
    warnings = []
    missing = [h for h in hosts if h not in facts]
    without = [h for h in hosts if h in facts and not facts[h].get("NCCL_IB_HCA")]
    good = [h for h in hosts if h in facts and facts[h].get("NCCL_IB_HCA")]
    if missing:
        warnings.append("no rdma_nccl_env facts from %s (the network stage did not run there in this run, and the "
                        "node has no local record)" % ", ".join(missing))
    if without:
        warnings.append("rdma_info found no active RDMA port on %s" % ", ".join(without))
    if not good:
        if warnings:
            warnings[-1] += ": multi-node pods keep the NCCL settings planned from privateai_fabric"
        return None, warnings
    first = facts[good[0]]
    differ = [h for h in good if facts[h] != first]
    if differ:
        warnings.append("the NCCL settings of %s differ from %s's (%s); the pods of one LeaderWorkerSet share one "
                        "template, so %s's are used: give the nodes the same HCA and interface names"
                        % (", ".join(differ), good[0], "; ".join("%s: %s" % (h, facts[h]) for h in differ), good[0]))
    return dict(first), warnings


def _apply_fabric_facts(s, result, warnings):
    """Multi-node pods with an RDMA fabric take the NCCL/GLOO settings the network stage measured."""
    multinode = [m for m in result["models"] if m["lws_size"] > 1 and m["pod"]["ipc_lock"]]
    if not multinode:
        return
    env, notes = fabric_facts_env(s["rdma_facts"], [str(h) for h in s["gpu_hosts"] or []])
    warnings.extend("model_serving: %s" % note for note in notes)
    if not env:
        return
    for model in multinode:
        model["env"] = dict(model["env"], **env)
        model["notes"].append("NCCL/GLOO settings from the network stage's rdma_info facts: %s"
                              % ", ".join("%s=%s" % (k, env[k]) for k in sorted(env)))
    result["summary"] = planner.summary_text(result)


def _read_download(reader, s):
    """The download Job's own settings (bandwidth, connections, chunk size)."""
    s["download_gb_per_s"] = reader.read("model_serving_weights_download_gb_per_s", _to_float)
    s["download_workers"] = reader.read("model_serving_weights_download_workers", v.to_int)
    if s["download_workers"] is not None and not 1 <= s["download_workers"] <= 64:
        reader.add(["model_serving_weights_download_workers is %d: give the parallel connections of the download "
                    "Job, 1 to 64" % s["download_workers"]])
    s["poll_interval"] = reader.read("model_serving_weights_poll_interval", v.to_int)
    if s["poll_interval"] is not None and not 5 <= s["poll_interval"] <= 600:
        reader.add(["model_serving_weights_poll_interval is %d: give the seconds between two progress polls of the "
                    "download Jobs, 5 to 600" % s["poll_interval"]])
    s["download_chunk_mib"] = reader.read("model_serving_weights_download_chunk_mib", v.to_int)
    if s["download_chunk_mib"] is not None and not 1 <= s["download_chunk_mib"] <= 4096:
        reader.add(["model_serving_weights_download_chunk_mib is %d: give the size of one ranged GET in MiB, 1 to "
                    "4096" % s["download_chunk_mib"]])


def checkpoint_bytes(repo):
    """The bytes the download Job fetches for a catalog model (its checkpoint as published)."""
    key = catalog.find_model(repo)
    return catalog.MODELS[key]["weight_bytes"] if key else 0


def download_timeout(total_bytes, gb_per_s, override=0):
    """Seconds the download of ``total_bytes`` may take at ``gb_per_s`` GB/s (margin and base, whole minutes);
    ``override`` (model_serving_download_timeout) wins when set."""
    if override:
        return int(override)
    seconds = total_bytes / (gb_per_s * catalog.GB) * DOWNLOAD_MARGIN + DOWNLOAD_BASE_S
    return int(math.ceil(seconds / 60.0)) * 60


def fetch_program():
    """The downloader's source, as the ConfigMap ships it to the Job."""
    path = os.path.splitext(weights_fetch.__file__)[0] + ".py"
    with open(path) as handle:
        return handle.read()


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
           "outputs": {}, "downloads": [],
           "lws_values_extra": lws.get("values_extra") or {}}
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
    _apply_fabric_facts(s, result, out["warnings"])
    out["plan"] = result
    out["stage"] = build(s, lws, result, api_key)
    out["outputs"] = outputs(s, result)
    _operations(out, s, ops, result)
    # What the role's weights wait polls after the apply (empty: the weights are already on a host path or NFS).
    out["downloads"] = weights_downloads(s, result["models"]) if s["source"] in DOWNLOAD_SOURCES else []
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
    if s["source"] in DOWNLOAD_SOURCES:
        spec["initContainers"] = [_weights_wait_init(model, s)]
    if s["pull_secrets"]:
        spec["imagePullSecrets"] = [{"name": name} for name in s["pull_secrets"]]
    return ksa.no_token(spec, ksa.SERVING_ENGINE_SA)


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


def _fetch_configmap(namespace):
    return {"phase": "pre", "description": "the weights downloader (weights_fetch.py) the download Jobs run",
            "definition": {"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": FETCH_CONFIGMAP, "namespace": namespace, "labels": dict(kp.LABELS)},
                           "data": {FETCH_SCRIPT: fetch_program()}}}


def _download_container(model, s, target):
    """(container, extra volumes) of the Job: our downloader for the Hugging Face and ModelScope sources, the aws
    CLI for S3. Every value comes as an argument or an environment variable, none is written into a script."""
    env = [{"name": "PYTHONUNBUFFERED", "value": "1"}]
    if s["source"] == "s3":
        env += [{"name": "MODEL_ID", "value": model["name"]}, {"name": "MODEL_DIR", "value": target},
                {"name": "S3_SOURCE", "value": "%s/%s" % (s["s3_uri"].rstrip("/"), model["name"])}]
        if s["endpoint"]:
            env.append({"name": "AWS_ENDPOINT_URL", "value": s["endpoint"]})
        script = ('set -e; if [ -f "$MODEL_DIR/%s" ]; then echo "weights of $MODEL_ID present"; exit 0; fi; '
                  'mkdir -p "$MODEL_DIR"; aws s3 sync "$S3_SOURCE" "$MODEL_DIR"; touch "$MODEL_DIR/%s"'
                  % (DONE_MARKER, DONE_MARKER))
        return {"command": ["/bin/sh", "-c", script], "env": env}, []
    if s["endpoint"]:
        env.append({"name": weights_fetch.ENDPOINT_ENV[s["source"]], "value": s["endpoint"]})
    command = ["python3", "%s/%s" % (FETCH_DIR, FETCH_SCRIPT), "--source", s["source"], "--repo", model["name"],
               "--dest", target, "--workers", str(s["download_workers"]),
               "--chunk-mib", str(s["download_chunk_mib"]), "--interval", "10"]
    volume = {"name": "fetch", "configMap": {"name": FETCH_CONFIGMAP, "defaultMode": 0o444}}
    return {"command": command, "env": env,
            "volumeMounts": [{"name": "fetch", "mountPath": FETCH_DIR, "readOnly": True}]}, [volume]


def _download_job(model, s, timeout):
    name = "%s-weights" % model["served_name"]
    namespace = s["namespace"]
    target = _local_path(model["name"])
    fetch, volumes = _download_container(model, s, target)
    container = {"name": "download", "image": s["download_image"] or s["images"][model["engine"]],
                 "imagePullPolicy": "IfNotPresent", "command": fetch["command"], "env": fetch["env"],
                 "resources": {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "16Gi"}},
                 "securityContext": {"allowPrivilegeEscalation": False},
                 "volumeMounts": [{"name": "weights", "mountPath": WEIGHTS_DIR}] + fetch.get("volumeMounts", [])}
    if s["credentials_secret"]:
        container["envFrom"] = [{"secretRef": {"name": s["credentials_secret"]}}]
    spec = {"restartPolicy": "OnFailure", "containers": [container], "tolerations": _tolerations(s),
            "volumes": [{"name": "weights",
                         "persistentVolumeClaim": {"claimName": s["model_serving_weights_pvc_name"]}}] + volumes}
    if s["pull_secrets"]:
        spec["imagePullSecrets"] = [{"name": secret} for secret in s["pull_secrets"]]
    ksa.no_token(spec, ksa.SERVING_WEIGHTS_SA)
    size = checkpoint_bytes(model["name"])
    # Not waited for by the apply (the role's wait shows the progress); the engines' init container waits for the
    # marker. The Job's own deadline ends a download that cannot finish (a restart resumes where it stopped).
    return {"description": "fills the shared volume once with %s (%s) from %s, resumable and verified (skips when "
                           "present); deadline %d s" % (model["name"], planner.gb(size) if size else "size unknown",
                                                        s["source"], timeout),
            "definition": {
                "apiVersion": "batch/v1", "kind": "Job",
                "metadata": {"name": name, "namespace": namespace, "labels": _labels(name, "weights")},
                "spec": {"backoffLimit": 3, "activeDeadlineSeconds": timeout,
                         "template": {"metadata": {"labels": _labels(name, "weights")}, "spec": spec}}}}


def weights_downloads(s, models):
    """What Ansible waits for after the apply: [{job, namespace, repo, bytes, timeout}] per download Job."""
    out = []
    for model in models:
        if any(d["repo"] == model["name"] for d in out):
            continue  # One Job per repository: two Jobs must never fill one folder.
        size = checkpoint_bytes(model["name"])
        out.append({"job": "%s-weights" % model["served_name"], "namespace": s["namespace"], "repo": model["name"],
                    "bytes": size, "timeout": download_timeout(size, s["download_gb_per_s"], s["download_timeout"])})
    return out


def _weights_wait_init(model, s):
    """The engines' init container: waits for the download Job's marker (weights complete and verified)."""
    return {"name": "wait-for-weights", "image": s["images"][model["engine"]], "imagePullPolicy": "IfNotPresent",
            "command": ["/bin/sh", "-c", 'until [ -f "$WEIGHTS_MARKER" ]; do echo "waiting for $WEIGHTS_MARKER (the '
                                         'download Job)"; sleep 15; done'],
            "env": [{"name": "WEIGHTS_MARKER", "value": "%s/%s" % (_local_path(model["name"]), DONE_MARKER)}],
            "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "64Mi"}},
            "securityContext": {"allowPrivilegeEscalation": False},
            "volumeMounts": [{"name": "weights", "mountPath": WEIGHTS_DIR, "readOnly": True}]}


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
                                 "data": {API_KEY_FIELD: base64.b64encode(key.encode("utf-8")).decode("ascii")}}},
                 ksa.service_account(namespace, ksa.SERVING_ENGINE_SA, kp.LABELS, "the engines' ServiceAccount, "
                                     "without a Kubernetes API token (they never talk to the API)")]
    if s["source"] in DOWNLOAD_SOURCES:
        manifests.append(ksa.service_account(namespace, ksa.SERVING_WEIGHTS_SA, kp.LABELS, "the weights download "
                                             "Jobs' ServiceAccount, without a Kubernetes API token"))
        manifests.append({"phase": "pre", "description": "weights of every model, shared read-only by the engines",
                          "definition": {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                         "metadata": {"name": s["model_serving_weights_pvc_name"], "namespace": namespace,
                                                      "labels": dict(kp.LABELS)},
                                         "spec": {"accessModes": ["ReadWriteMany"],
                                                  "storageClassName": s["storage_class"],
                                                  "resources": {"requests": {"storage": s["size"]}}}}})
        if s["source"] in FETCH_SOURCES:
            manifests.append(_fetch_configmap(namespace))
        for download in weights_downloads(s, models):
            model = next(m for m in models if m["name"] == download["repo"] and
                         "%s-weights" % m["served_name"] == download["job"])
            manifests.append(_download_job(model, s, download["timeout"]))
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
