# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import sys

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_serving as ks

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from role_defaults import MODEL_SERVING, ROOT, raw_defaults, role_settings  # noqa: E402  (the shared test helper)

H100 = MODEL_SERVING["model_serving_expected_gpu"]
H200 = {"model": "NVIDIA H200", "count_per_node": 8, "memory_gib": 141}
A100 = {"model": "NVIDIA A100-SXM4-80GB", "count_per_node": 2, "memory_gib": 80}
NO_FABRIC = {"type": "none", "rate_gbps": 0}


def settings(**overrides):
    """model_serving's defaults, its templated ones as MODEL_SERVING gives them, serving DeepSeek-R1."""
    overrides.setdefault("model_serving_models", ["deepseek-ai/DeepSeek-R1"])
    return role_settings("model_serving", MODEL_SERVING, **overrides)


def objects(stage, kind):
    return [m["definition"] for m in stage["manifests"] if m["definition"]["kind"] == kind]


def containers(pod_spec):
    return pod_spec["containers"][0]


# (id, overrides, the problem's expected fragments: variable, value, fix)
BAD_INPUTS = [
    ("namespace", {"model_serving_namespace": "Serving_1"}, ["model_serving_namespace", "Serving_1"]),
    ("engine", {"model_serving_engine": "tgi"}, ["model_serving_engine", "tgi", "vllm"]),
    ("image", {"model_serving_vllm_image": "vllm/vllm-openai:bad tag"}, ["model_serving_vllm_image", "bad tag"]),
    ("registry", {"model_serving_image_registry": "https://mirror"}, ["model_serving_image_registry", "https://mirror"]),
    ("storage class", {"model_serving_weights_storage_class": "Ceph FS"}, ["model_serving_weights_storage_class", "Ceph FS"]),
    ("size", {"model_serving_weights_size": "1 TB"}, ["model_serving_weights_size", "1 TB"]),
    ("endpoint", {"model_serving_weights_endpoint": "hf-mirror.internal"}, ["model_serving_weights_endpoint", "http"]),
    ("s3 without uri", {"model_serving_weights_source": "s3"}, ["model_serving_weights_s3_uri", "s3://"]),
    ("hostpath relative", {"model_serving_weights_source": "hostpath", "model_serving_weights_path": "models"},
     ["model_serving_weights_path", "models"]),
    ("nfs without server", {"model_serving_weights_source": "nfs", "model_serving_weights_path": "/export/models"},
     ["model_serving_weights_nfs_server"]),
    ("bool", {"model_serving_service_monitor": "ture"}, ["model_serving_service_monitor", "ture"]),
    ("read rate", {"model_serving_weights_read_gb_per_s": 0}, ["model_serving_weights_read_gb_per_s"]),
    ("node selector", {"model_serving_node_selector": {"gpu": "a b"}}, ["model_serving_node_selector", "a b"]),
    ("toleration", {"model_serving_tolerations": [{"key": "x", "operator": "Maybe"}]}, ["model_serving_tolerations[0]", "Maybe"]),
    ("misspelt", {"model_serving_replica": 2}, ["model_serving_replica", "not a setting"]),
    ("lws version", {"model_serving_lws_chart_version": "latest please"}, ["model_serving_lws_chart_version"]),
    ("api key secret", {"model_serving_api_key_secret": "API_KEY"}, ["model_serving_api_key_secret", "API_KEY"]),
    ("download timeout", {"model_serving_download_timeout": 5}, ["model_serving_download_timeout", "60"]),
    ("download timeout negative", {"model_serving_download_timeout": -1}, ["model_serving_download_timeout", "0 to size"]),
    ("download bandwidth", {"model_serving_weights_download_gb_per_s": "fast"},
     ["model_serving_weights_download_gb_per_s", "fast", "number"]),
    ("poll interval", {"model_serving_weights_poll_interval": 1}, ["model_serving_weights_poll_interval", "5 to 600"]),
    ("download workers", {"model_serving_weights_download_workers": 0}, ["model_serving_weights_download_workers", "1 to 64"]),
    ("download chunk", {"model_serving_weights_download_chunk_mib": 8192},
     ["model_serving_weights_download_chunk_mib", "8192", "1 to 4096"]),
]


@pytest.mark.parametrize("overrides, fragments", [c[1:] for c in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_refused_naming_variable_and_value(overrides, fragments):
    result = ks.serving_stage(settings(**overrides))
    assert result["stage"] is None
    assert any(all(f in p for f in fragments) for p in result["problems"]), result["problems"]


def test_every_problem_at_once():
    result = ks.serving_stage(settings(model_serving_namespace="Bad", model_serving_engine="tgi",
                                       model_serving_weights_size="lots"))
    assert len(result["problems"]) == 3 and result["stage"] is None


# (id, expected_gpu, fabric, hosts, models, fragments of the refusal)
REFUSED = [
    ("R1 on 4 nodes of 2 A100", A100, {"type": "infiniband", "rate_gbps": 100, "networks": [{"interface": "ib0"}]},
     ["gpu01", "gpu02", "gpu03", "gpu04"], ["deepseek-ai/DeepSeek-R1"], ["DeepSeek-R1", "cannot be served", "GB"]),
    ("R1 on 2 nodes without fabric", H100, NO_FABRIC, ["gpu01", "gpu02"], ["deepseek-ai/DeepSeek-R1"],
     ["DeepSeek-R1"]),
    ("unknown model", H200, NO_FABRIC, ["gpu01"], ["not-a-model"], ["not-a-model"]),
]


@pytest.mark.parametrize("gpu, fabric, hosts, models, fragments", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_plan_stops_the_stage_naming_the_model(gpu, fabric, hosts, models, fragments):
    result = ks.serving_stage(settings(model_serving_expected_gpu=gpu, model_serving_fabric=fabric,
                                       model_serving_gpu_hosts=hosts, model_serving_models=models))
    assert result["stage"] is None
    assert any(p.startswith("model_serving_models: ") and all(f in p for f in fragments) for p in result["problems"]), \
        result["problems"]


def test_no_models_renders_an_empty_stage():
    result = ks.serving_stage(settings(model_serving_models=[]))
    assert result["problems"] == [] and result["stage"] == {"name": "model_serving", "releases": [], "manifests": []}


def test_disabled_reads_nothing_else():
    result = ks.serving_stage({"model_serving_enabled": False, "model_serving_lws_enabled": True})
    assert result["enabled"] is False and result["stage"] is None


def test_multi_node_is_a_leaderworkerset_with_rdma_ipc_lock_shm_and_the_controller():
    stage = ks.serving_stage(settings(), api_key="TEST-DOUBLE-KEY")["stage"]
    (lws,) = objects(stage, "LeaderWorkerSet")
    assert objects(stage, "Deployment") == []
    template = lws["spec"]["leaderWorkerTemplate"]
    assert template["size"] == 2 and template["restartPolicy"] == "RecreateGroupOnPodRestart"
    for role in ("leaderTemplate", "workerTemplate"):
        pod = template[role]["spec"]
        engine = containers(pod)
        assert engine["securityContext"]["capabilities"]["add"] == ["IPC_LOCK"]
        assert engine["resources"]["limits"] == {"nvidia.com/gpu": 8, "rdma/rdma_shared_device": 1}
        assert {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "20Gi"}} in pod["volumes"]
        assert {"name": "weights", "mountPath": "/models", "readOnly": True} in engine["volumeMounts"]
        assert pod["nodeSelector"] == {"nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3"}
    leader = containers(template["leaderTemplate"]["spec"])
    env = dict((e["name"], e.get("value")) for e in leader["env"])
    assert env["NCCL_SOCKET_IFNAME"] == "ibp26s0" and env["GLOO_SOCKET_IFNAME"] == "ibp26s0"
    assert "/models/deepseek-ai/DeepSeek-R1" in leader["command"]
    assert "startupProbe" in leader and "startupProbe" not in containers(template["workerTemplate"]["spec"])
    (release,) = stage["releases"]
    assert (release["chart"], release["version"], release["namespace"]) == ("lws", "v0.10.0", "lws-system")
    (secret,) = [m for m in stage["manifests"] if m["definition"]["kind"] == "Secret"]
    assert secret["secret"] is True
    assert base64.b64decode(secret["definition"]["data"]["api-key"]).decode() == "TEST-DOUBLE-KEY"


def test_single_node_is_a_deployment_without_rdma_and_without_the_controller():
    stage = ks.serving_stage(settings(model_serving_expected_gpu=H200, model_serving_fabric=NO_FABRIC,
                                      model_serving_gpu_hosts=["gpu01"]))["stage"]
    (deployment,) = objects(stage, "Deployment")
    assert objects(stage, "LeaderWorkerSet") == [] and stage["releases"] == []
    pod = deployment["spec"]["template"]["spec"]
    engine = containers(pod)
    assert engine["resources"]["limits"] == {"nvidia.com/gpu": 8}
    assert "capabilities" not in engine["securityContext"]
    assert {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "10Gi"}} in pod["volumes"]
    assert {"name": "weights", "persistentVolumeClaim": {"claimName": "model-weights", "readOnly": True}} in pod["volumes"]
    probe = engine["startupProbe"]
    assert probe["periodSeconds"] * probe["failureThreshold"] >= 1980  # the plan's budget for R1 on one node


# (id, overrides, the registry-replaced image)
IMAGES = [
    ("upstream", {}, "docker.io/vllm/vllm-openai:v0.11.0"),
    ("mirror", {"model_serving_image_registry": "registry.example.internal:5000"},
     "registry.example.internal:5000/vllm/vllm-openai:v0.11.0"),
    ("mirror with path", {"model_serving_image_registry": "mirror.internal/docker.io/"},
     "mirror.internal/docker.io/vllm/vllm-openai:v0.11.0"),
    ("sglang", {"model_serving_engine": "sglang"}, "docker.io/lmsysorg/sglang:v0.5.3-cu129"),
]


@pytest.mark.parametrize("overrides, image", [c[1:] for c in IMAGES], ids=[c[0] for c in IMAGES])
def test_images_pinned_and_mirrored(overrides, image):
    stage = ks.serving_stage(settings(**overrides))["stage"]
    (lws,) = objects(stage, "LeaderWorkerSet")
    assert containers(lws["spec"]["leaderWorkerTemplate"]["leaderTemplate"]["spec"])["image"] == image


# (id, overrides, PVC and Jobs expected, volume of the engine pods, environment fragment of the Job)
SOURCES = [
    ("huggingface mirror", {"model_serving_weights_endpoint": "https://hf-mirror.internal"}, True,
     {"persistentVolumeClaim": {"claimName": "model-weights", "readOnly": True}}, ("HF_ENDPOINT", "https://hf-mirror.internal")),
    ("s3", {"model_serving_weights_source": "s3", "model_serving_weights_s3_uri": "s3://models/hf"}, True,
     {"persistentVolumeClaim": {"claimName": "model-weights", "readOnly": True}}, ("S3_SOURCE", "s3://models/hf/deepseek-ai/DeepSeek-R1")),
    ("hostpath", {"model_serving_weights_source": "hostpath", "model_serving_weights_path": "/srv/models"}, False,
     {"hostPath": {"path": "/srv/models", "type": "Directory"}}, None),
    ("nfs", {"model_serving_weights_source": "nfs", "model_serving_weights_path": "/export/models",
             "model_serving_weights_nfs_server": "10.0.0.5"}, False,
     {"nfs": {"server": "10.0.0.5", "path": "/export/models", "readOnly": True}}, None),
]


@pytest.mark.parametrize("overrides, download, volume, job_env", [c[1:] for c in SOURCES], ids=[c[0] for c in SOURCES])
def test_weights_sources(overrides, download, volume, job_env):
    stage = ks.serving_stage(settings(**overrides))["stage"]
    pvcs, jobs = objects(stage, "PersistentVolumeClaim"), objects(stage, "Job")
    assert bool(pvcs) == download and bool(jobs) == download
    if download:
        assert pvcs[0]["spec"]["accessModes"] == ["ReadWriteMany"]
        assert pvcs[0]["spec"]["storageClassName"] == "ceph-filesystem"
        env = dict((e["name"], e["value"]) for e in containers(jobs[0]["spec"]["template"]["spec"])["env"])
        assert env[job_env[0]] == job_env[1]
    (lws,) = objects(stage, "LeaderWorkerSet")
    weights = [vol for vol in lws["spec"]["leaderWorkerTemplate"]["leaderTemplate"]["spec"]["volumes"] if vol["name"] == "weights"]
    assert weights == [dict(volume, name="weights")]


def test_shared_model_selects_the_device_plugin_config_label():
    stage = ks.serving_stage(settings(model_serving_expected_gpu=A100, model_serving_gpu_hosts=["gpu01", "gpu02"],
                                      model_serving_fabric=NO_FABRIC, model_serving_models=["bge-m3"]))["stage"]
    (deployment,) = objects(stage, "Deployment")
    assert deployment["spec"]["template"]["spec"]["nodeSelector"]["nvidia.com/device-plugin.config"] == "mps"


def test_service_monitor_only_when_asked():
    assert objects(ks.serving_stage(settings())["stage"], "ServiceMonitor") == []
    (monitor,) = objects(ks.serving_stage(settings(model_serving_service_monitor=True))["stage"], "ServiceMonitor")
    service, colour_service = objects(ks.serving_stage(settings())["stage"], "Service")
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    # Scraped once, through the model's Service, not again through its colour's.
    assert not monitor["spec"]["selector"]["matchLabels"].items() <= colour_service["metadata"]["labels"].items()


@pytest.mark.parametrize("model, label", [("NVIDIA H100 80GB HBM3", "NVIDIA-H100-80GB-HBM3"),
                                          ("NVIDIA A100-SXM4-80GB", "NVIDIA-A100-SXM4-80GB")])
def test_gpu_product_label(model, label):
    assert ks.gpu_product_label(model) == label


# --- the download Job (issue 13 §2: weights) ------------------------------------------------------------------------


def _job_and_configmap(stage):
    (job,) = objects(stage, "Job")
    maps = [m for m in objects(stage, "ConfigMap") if m["metadata"]["name"] == ks.FETCH_CONFIGMAP]
    return job, maps


@pytest.mark.parametrize("source", ["huggingface", "modelscope"])
def test_download_job_runs_our_downloader_from_a_configmap(source):
    stage = ks.serving_stage(settings(model_serving_weights_source=source,
                                      model_serving_weights_endpoint="https://mirror.internal",
                                      model_serving_weights_credentials_secret="hf-token"))["stage"]
    job, maps = _job_and_configmap(stage)
    (configmap,) = maps
    with open(os.path.join(ROOT, "plugins", "module_utils", "weights_fetch.py")) as handle:
        assert configmap["data"]["weights_fetch.py"] == handle.read()
    compile(configmap["data"]["weights_fetch.py"], "weights_fetch.py", "exec")
    pod = job["spec"]["template"]["spec"]
    container = containers(pod)
    assert container["command"][:2] == ["python3", "/opt/privateai/weights_fetch.py"]
    argv = container["command"]
    assert argv[argv.index("--source") + 1] == source
    assert argv[argv.index("--repo") + 1] == "deepseek-ai/DeepSeek-R1"
    assert argv[argv.index("--dest") + 1] == "/models/deepseek-ai/DeepSeek-R1"
    assert argv[argv.index("--workers") + 1] == "8" and argv[argv.index("--chunk-mib") + 1] == "64"
    env = dict((e["name"], e["value"]) for e in container["env"])
    assert env[{"huggingface": "HF_ENDPOINT", "modelscope": "MODELSCOPE_DOMAIN"}[source]] == "https://mirror.internal"
    assert container["envFrom"] == [{"secretRef": {"name": "hf-token"}}]
    mounts = dict((m["name"], m) for m in container["volumeMounts"])
    assert mounts["fetch"] == {"name": "fetch", "mountPath": "/opt/privateai", "readOnly": True}
    assert mounts["weights"] == {"name": "weights", "mountPath": "/models"}  # the Job alone writes
    volumes = dict((v["name"], v) for v in pod["volumes"])
    assert volumes["fetch"]["configMap"]["name"] == ks.FETCH_CONFIGMAP


def test_s3_keeps_the_aws_cli_and_ships_no_downloader():
    stage = ks.serving_stage(settings(model_serving_weights_source="s3",
                                      model_serving_weights_s3_uri="s3://models/hf"))["stage"]
    job, maps = _job_and_configmap(stage)
    assert maps == []
    assert "aws s3 sync" in containers(job["spec"]["template"]["spec"])["command"][2]


# (id, overrides, expected activeDeadlineSeconds of the DeepSeek-R1 Job)
DEADLINES = [
    # 688 GB at 0.1 GB/s = 6880 s, x 1.5 = 10320 s, + 600 s = 10920 s (182 minutes).
    ("declared default", {}, 10920),
    # 688 GB at 1.25 GB/s (10 Gbit/s) = 550.4 s, x 1.5 = 825.6, + 600 = 1425.6, whole minutes: 1440.
    ("10 Gbit/s", {"model_serving_weights_download_gb_per_s": 1.25}, 1440),
    ("explicit", {"model_serving_download_timeout": 3600}, 3600),
]


@pytest.mark.parametrize("overrides, deadline", [c[1:] for c in DEADLINES], ids=[c[0] for c in DEADLINES])
def test_download_deadline_is_sized_from_checkpoint_and_bandwidth(overrides, deadline):
    result = ks.serving_stage(settings(**overrides))
    job, _maps = _job_and_configmap(result["stage"])
    assert job["spec"]["activeDeadlineSeconds"] == deadline
    assert result["downloads"] == [{"job": "deepseek-r1-weights", "namespace": "serving",
                                    "repo": "deepseek-ai/DeepSeek-R1", "bytes": 688 * 1000 ** 3, "timeout": deadline}]


def test_engines_wait_for_the_marker_and_mount_read_only():
    stage = ks.serving_stage(settings())["stage"]
    (lws,) = objects(stage, "LeaderWorkerSet")
    for role in ("leaderTemplate", "workerTemplate"):
        pod = lws["spec"]["leaderWorkerTemplate"][role]["spec"]
        (init,) = pod["initContainers"]
        env = dict((e["name"], e["value"]) for e in init["env"])
        assert env["WEIGHTS_MARKER"] == "/models/deepseek-ai/DeepSeek-R1/" + ks.DONE_MARKER
        assert init["volumeMounts"] == [{"name": "weights", "mountPath": "/models", "readOnly": True}]
        assert '[ -f "$WEIGHTS_MARKER" ]' in init["command"][2]


def test_hostpath_weights_have_no_job_no_wait_and_no_downloads():
    result = ks.serving_stage(settings(model_serving_weights_source="hostpath", model_serving_weights_path="/srv/models"))
    (lws,) = objects(result["stage"], "LeaderWorkerSet")
    assert "initContainers" not in lws["spec"]["leaderWorkerTemplate"]["leaderTemplate"]["spec"]
    assert result["downloads"] == [] and objects(result["stage"], "ConfigMap") == []


def test_two_models_of_one_repository_get_one_job():
    result = ks.serving_stage(settings(model_serving_expected_gpu=H200, model_serving_gpu_hosts=["gpu01", "gpu02"],
                                       model_serving_models=[
                                           {"name": "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "served_name": "a"},
                                           {"name": "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "served_name": "b"}]))
    assert result["problems"] == []
    assert [j["metadata"]["name"] for j in objects(result["stage"], "Job")] == ["a-weights"]
    assert [d["job"] for d in result["downloads"]] == ["a-weights"]


def test_any_rwx_class_by_name():
    stage = ks.serving_stage(settings(model_serving_weights_storage_class="nfs-client"))["stage"]
    (pvc,) = objects(stage, "PersistentVolumeClaim")
    assert pvc["spec"]["storageClassName"] == "nfs-client" and pvc["spec"]["accessModes"] == ["ReadWriteMany"]


@pytest.mark.parametrize("variables, expected", [
    ({"rook_ceph_outputs": {"rwx_storage_class": "cephfs-weights"}}, "cephfs-weights"),
    ({"rook_ceph_outputs": {}}, "ceph-filesystem"),
    ({}, "ceph-filesystem"),
])
def test_storage_class_default_follows_the_storage_stage(variables, expected):
    from ansible.template import Templar, trust_as_template
    default = raw_defaults("model_serving")["model_serving_weights_storage_class"]
    assert Templar(loader=None, variables=variables).template(trust_as_template(default)) == expected


# --- the network stage's NCCL facts (issue 13 §2: multi-node pods) ---------------------------------------------------

IB_FACTS = {"NCCL_IB_HCA": "=mlx5_0:1,mlx5_1:1", "NCCL_SOCKET_IFNAME": "=ibp26s0", "GLOO_SOCKET_IFNAME": "=ibp26s0"}


def _leader_env(result):
    (lws,) = objects(result["stage"], "LeaderWorkerSet")
    out = {}
    for role in ("leaderTemplate", "workerTemplate"):
        pod = lws["spec"]["leaderWorkerTemplate"][role]["spec"]
        container = containers(pod)
        assert container["securityContext"]["capabilities"]["add"] == ["IPC_LOCK"]
        assert container["resources"]["limits"]["rdma/rdma_shared_device"] == 1
        out[role] = dict((e["name"], e.get("value")) for e in container["env"])
    assert out["leaderTemplate"] == out["workerTemplate"]
    return out["leaderTemplate"]


# (id, facts, expected env fragment, fragments of the warnings)
FABRIC_FACTS = [
    ("no facts: privateai_fabric", {}, {"NCCL_SOCKET_IFNAME": "ibp26s0", "GLOO_SOCKET_IFNAME": "ibp26s0"}, []),
    ("facts of both nodes", {"gpu01": IB_FACTS, "gpu02": IB_FACTS}, IB_FACTS, []),
    ("RoCE GID index measured", {"gpu01": dict(IB_FACTS, NCCL_IB_GID_INDEX="5"),
                                 "gpu02": dict(IB_FACTS, NCCL_IB_GID_INDEX="5")}, {"NCCL_IB_GID_INDEX": "5"}, []),
    ("one node without facts", {"gpu01": IB_FACTS}, IB_FACTS, ["gpu02", "no rdma_nccl_env facts"]),
    ("no active port anywhere", {"gpu01": {}, "gpu02": {}}, {"NCCL_SOCKET_IFNAME": "ibp26s0"},
     ["no active RDMA port on gpu01, gpu02", "privateai_fabric"]),
    ("nodes differ", {"gpu01": IB_FACTS, "gpu02": dict(IB_FACTS, NCCL_IB_HCA="=mlx5_2:1")}, IB_FACTS,
     ["differ", "gpu01's are used"]),
]


@pytest.mark.parametrize("facts, env, warnings", [c[1:] for c in FABRIC_FACTS], ids=[c[0] for c in FABRIC_FACTS])
def test_multinode_pods_take_the_network_stages_nccl_facts(facts, env, warnings):
    result = ks.serving_stage(settings(model_serving_rdma_facts=facts))
    assert result["problems"] == []
    got = _leader_env(result)
    assert dict((k, got.get(k)) for k in env) == env
    for fragment in warnings:
        assert any(fragment in w for w in result["warnings"]), result["warnings"]
    if not warnings:
        assert result["warnings"] == []
    if facts and not warnings:
        assert "rdma_info facts" in result["plan"]["summary"]


def test_single_node_pods_get_no_nccl_facts():
    result = ks.serving_stage(settings(model_serving_expected_gpu=H200, model_serving_gpu_hosts=["gpu01"],
                                       model_serving_fabric=NO_FABRIC,
                                       model_serving_rdma_facts={"gpu01": IB_FACTS}))
    (deployment,) = objects(result["stage"], "Deployment")
    names = [e["name"] for e in containers(deployment["spec"]["template"]["spec"])["env"]]
    assert "NCCL_IB_HCA" not in names and result["warnings"] == []


@pytest.mark.parametrize("facts, fragments", [
    ({"gpu01": "mlx5_0"}, ["model_serving_rdma_facts[gpu01]", "mapping"]),
    ({"gpu01": {"NCCL_IB_HCA": "mlx5_0; rm -rf"}}, ["model_serving_rdma_facts[gpu01].NCCL_IB_HCA", "rm -rf"]),
    ({"gpu01": {"LD_PRELOAD": "/x.so"}}, ["model_serving_rdma_facts[gpu01].LD_PRELOAD"]),
])
def test_bad_rdma_facts_are_refused(facts, fragments):
    result = ks.serving_stage(settings(model_serving_rdma_facts=facts))
    assert result["stage"] is None
    assert any(all(f in p for f in fragments) for p in result["problems"]), result["problems"]


@pytest.mark.parametrize("hostvars, expected", [
    ({"gpu01": {"rdma_nccl_env": IB_FACTS}, "gpu02": {"ansible_local": {"privateai_rdma": {"nccl_env": {}}}}},
     {"gpu01": IB_FACTS, "gpu02": {}}),
    ({"gpu01": {}, "gpu02": {"ansible_local": {}}}, {}),
])
def test_rdma_facts_default_reads_this_runs_facts_then_the_local_record(hostvars, expected):
    from ansible.template import Templar, trust_as_template
    default = raw_defaults("model_serving")["model_serving_rdma_facts"]
    variables = {"hostvars": hostvars, "model_serving_gpu_hosts": ["gpu01", "gpu02"]}
    assert Templar(loader=None, variables=variables).template(trust_as_template(default)) == expected
