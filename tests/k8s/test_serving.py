# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The model serving stage as rendered for the example inventories: a LeaderWorkerSet (valid against its CRD schema)
for the multi-node plans with IPC_LOCK and RDMA, a Deployment for the single-node ones, /dev/shm, startup probes,
read-only weights; a plan the planner refuses renders nothing."""

import os

import checks
from conftest import rendered_files, run_one_playbook


def _run_serving(inventory, render_dir, *extra):
    """The model serving playbook alone."""
    return run_one_playbook("playbooks/model_serving.yml", inventory, render_dir, *extra)


def _objects(render_dir, kind):
    out = []
    for path in rendered_files(os.path.join(render_dir, "model_serving"), "manifests"):
        doc = checks.load_documents(path)[0]
        if doc["kind"] == kind:
            out.append(doc)
    return out


def _engine(pod_spec):
    (container,) = pod_spec["containers"]
    return container


def _assert_engine_pod(pod_spec, gpus, shm_gib):
    engine = _engine(pod_spec)
    assert engine["resources"]["limits"]["nvidia.com/gpu"] == gpus
    mounts = dict((m["name"], m) for m in engine["volumeMounts"])
    assert mounts["weights"] == {"name": "weights", "mountPath": "/models", "readOnly": True}
    volumes = dict((v["name"], v) for v in pod_spec["volumes"])
    assert volumes["weights"]["persistentVolumeClaim"]["readOnly"] is True
    if shm_gib:
        assert volumes["dshm"]["emptyDir"] == {"medium": "Memory", "sizeLimit": "%dGi" % shm_gib}
        assert mounts["dshm"]["mountPath"] == "/dev/shm"
    return engine


def _startup_budget(engine):
    probe = engine["startupProbe"]
    assert probe["httpGet"]["path"] == "/health"
    assert "readinessProbe" in engine and "livenessProbe" in engine
    return probe["periodSeconds"] * probe["failureThreshold"]


def test_multi_node_plan_is_a_leaderworkerset_valid_against_its_crd(renders):
    render_dir = renders["prod-h100x8"]
    (lws,) = _objects(render_dir, "LeaderWorkerSet")
    assert checks.is_custom_resource(lws) and checks.validate_manifest(lws) == []
    assert _objects(render_dir, "Deployment") == []
    template = lws["spec"]["leaderWorkerTemplate"]
    assert template["size"] == 2
    for role in ("leaderTemplate", "workerTemplate"):
        engine = _assert_engine_pod(template[role]["spec"], 8, 20)
        assert engine["securityContext"]["capabilities"]["add"] == ["IPC_LOCK"]
        assert engine["resources"]["limits"]["rdma/rdma_shared_device"] == 1
        assert template[role]["spec"]["nodeSelector"]["nvidia.com/gpu.product"] == "NVIDIA-H100-80GB-HBM3"
    leader = _engine(template["leaderTemplate"]["spec"])
    env = dict((e["name"], e.get("value")) for e in leader["env"])
    assert env["NCCL_SOCKET_IFNAME"] == "ibp26s0"  # privateai_fabric's first network
    # DeepSeek-R1 (688 GB) read at 0.5 GB/s over 2 nodes plus the 600 s base: 1320 s, never killed while loading.
    assert _startup_budget(leader) >= 1320
    (service,) = [s for s in _objects(render_dir, "Service") if s["metadata"]["name"] == lws["metadata"]["name"][:-len("-blue")]]
    # The API is the leader's: the Service selects the leader pods only.
    assert service["spec"]["selector"].items() <= template["leaderTemplate"]["metadata"]["labels"].items()
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "leader"


def test_single_node_plan_is_a_deployment(renders):
    render_dir = renders["h200x8-single"]
    (deployment,) = _objects(render_dir, "Deployment")
    assert _objects(render_dir, "LeaderWorkerSet") == []
    pod = deployment["spec"]["template"]["spec"]
    engine = _assert_engine_pod(pod, 8, 10)
    assert "capabilities" not in engine["securityContext"]
    assert not [r for r in engine["resources"]["limits"] if r.startswith("rdma/")]
    assert _startup_budget(engine) >= 1980
    # The single node is a control-plane node (privateai_tolerate_control_plane).
    assert {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
    assert not os.path.exists(os.path.join(render_dir, "model_serving", "helm", "releases.yaml"))


def test_prod_mixes_both_and_every_model_has_service_pdb_and_weights_job(renders):
    render_dir = renders["prod"]
    assert [d["metadata"]["name"] for d in _objects(render_dir, "LeaderWorkerSet")] == ["deepseek-r1-distill-llama-70b-blue"]
    assert [d["metadata"]["name"] for d in _objects(render_dir, "Deployment")] == ["bge-m3-blue"]
    names = {"deepseek-r1-distill-llama-70b", "bge-m3"}
    # Each model's Service, its colour's Service and its colour's PodDisruptionBudget (model_serving_colour: blue).
    assert {d["metadata"]["name"] for d in _objects(render_dir, "Service")} == names | {n + "-blue" for n in names}
    assert {d["metadata"]["name"] for d in _objects(render_dir, "PodDisruptionBudget")} == {n + "-blue" for n in names}
    assert {d["metadata"]["name"] for d in _objects(render_dir, "Job")} == {n + "-weights" for n in names}
    (pvc,) = _objects(render_dir, "PersistentVolumeClaim")
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"] and pvc["spec"]["storageClassName"] == "ceph-filesystem"


def test_variant_service_monitors_and_mirrored_images(renders):
    render_dir = renders["prod-h100x8+variant"]
    (monitor,) = _objects(render_dir, "ServiceMonitor")
    assert checks.validate_manifest(monitor) == []
    (lws,) = _objects(render_dir, "LeaderWorkerSet")
    pod = lws["spec"]["leaderWorkerTemplate"]["leaderTemplate"]["spec"]
    assert _engine(pod)["image"] == "registry.example.internal:5000/vllm/vllm-openai:v0.11.0"
    assert pod["imagePullSecrets"] == [{"name": "mirror-login"}]


def test_refused_plan_renders_nothing(tmp_path):
    """DeepSeek-R1 does not fit 4 nodes of 2 A100 80GB: the stage stops before any file, naming model and numbers."""
    render_dir = str(tmp_path / "render")
    result = _run_serving("prod", render_dir, {"model_serving_models": ["deepseek-ai/DeepSeek-R1"]})
    assert result.returncode != 0
    assert "model_serving_models: " in result.stdout and "DeepSeek-R1 cannot be served" in result.stdout
    assert " GB" in result.stdout
    assert not os.path.exists(os.path.join(render_dir, "model_serving"))


def test_api_key_generated_once_0600_written_only_on_request_never_logged(tmp_path):
    import base64
    render_dir = str(tmp_path / "render")
    key_file = render_dir + ".serving-api-key"  # conftest points model_serving_api_key_file beside the render
    result = _run_serving("h200x8-single", render_dir)
    assert result.returncode == 0, result.stdout[-3000:]
    assert not os.path.exists(key_file)  # render mode without privateai_render_secrets: no key, no Secret file
    manifests = os.path.join(render_dir, "model_serving", "manifests")
    assert not [n for n in os.listdir(manifests) if "-secret-" in n]

    for run in (1, 2):
        result = _run_serving("h200x8-single", render_dir, "privateai_render_secrets=true")
        assert result.returncode == 0, result.stdout[-3000:]
        assert os.stat(key_file).st_mode & 0o777 == 0o600
        key = open(key_file).read().strip()
        (secret,) = [os.path.join(manifests, n) for n in os.listdir(manifests) if "-secret-" in n]
        assert os.stat(secret).st_mode & 0o777 == 0o600
        doc = checks.load_documents(secret)[0]
        assert checks.validate_manifest(doc) == []
        assert base64.b64decode(doc["data"]["api-key"]).decode() == key and len(key) == 48
        assert key not in result.stdout + result.stderr
        if run == 1:
            first = key
        else:
            assert key == first and "changed=0" in result.stdout  # generated once, read back
