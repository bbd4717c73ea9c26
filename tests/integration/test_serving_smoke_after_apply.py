"""The model serving role's smoke test after apply (roles/model_serving/tasks/smoke_requests.yml), run by
ansible-playbook on the plan the role builds: a chat model (R1-style) and a reranker reached through port-forwards
the play starts with a kubectl test double (tests/doubles/kubectl_port_forward_double.sh and .py, which serve the OpenAI
contract test double on the forwarded port) and stops, an embedding model reached through its given URL
(model_serving_smoke_test_urls). The workload wait needs a cluster and is not run here (tests/k8s renders it).
Bounded: three doubles, a few requests, on 127.0.0.1 only.
"""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from conftest import run_playbook

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOUBLES = os.path.join(REPO, "tests", "doubles")
KEY = "sk-integration-after-apply-4242"
MODELS = ["deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "BAAI/bge-m3", "BAAI/bge-reranker-v2-m3"]


def _free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _play(tasks_from):
    return [{"name": "Serving smoke test after apply", "hosts": "localhost", "gather_facts": False,
             "roles": [{"role": "privateai.deepseek_dify.model_serving"}],
             "tasks": [{"name": "Smoke", "ansible.builtin.include_role": {
                 "name": "privateai.deepseek_dify.model_serving", "tasks_from": tasks_from}}]}]


@pytest.fixture
def setup(tmp_path):
    key_file = tmp_path / "serving-api-key"
    key_file.write_text(KEY)
    key_file.chmod(0o600)
    embed = subprocess.Popen([sys.executable, os.path.join(DOUBLES, "openai_contract_server.py"), "--model", "bge-m3",
                              "--api-key-file", str(key_file)], stdout=subprocess.PIPE, text=True)
    try:
        embed_url = "http://127.0.0.1:%d" % int(embed.stdout.readline())
        inventory = tmp_path / "hosts.yml"
        inventory.write_text(json.dumps({"all": {"hosts": {"localhost": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
        yield tmp_path, key_file, embed_url, inventory
    finally:
        embed.kill()
        embed.wait(10)


def _extra(tmp_path, key_file, embed_url, port, **more):
    gpu = {"model": "NVIDIA H100 80GB HBM3", "count_per_node": 8, "memory_gib": 80}
    extra = {"privateai_k8s_mode": "apply", "model_serving_api_key_file": str(key_file),
             "model_serving_models": MODELS, "privateai_expected_gpu": gpu,
             "model_serving_gpu_hosts": ["gpu01", "gpu02"], "privateai_fabric": {"type": "none", "rate_gbps": 0},
             "model_serving_kubectl": os.path.join(DOUBLES, "kubectl_port_forward_double.sh"),
             "model_serving_smoke_test_urls": {"bge-m3": embed_url}, "model_serving_smoke_test_local_port": port,
             "model_serving_smoke_test_timeout": 10, "privateai_kube_context": "lab-admin"}
    extra.update(more)
    return extra


def _env(tmp_path, key_file):
    return {"KUBECTL_DOUBLE_LOG": str(tmp_path / "kubectl.log"), "KUBECTL_DOUBLE_KEY_FILE": str(key_file),
            "KUBECTL_DOUBLE_PYTHON": sys.executable,
            "KUBECTL_DOUBLE_MODELS": "deepseek-r1-distill-qwen-7b,bge-reranker-v2-m3"}


def test_each_model_is_smoke_tested_and_the_port_forwards_stop(setup):
    tmp_path, key_file, embed_url, inventory = setup
    playbook = tmp_path / "play.yml"
    playbook.write_text(json.dumps(_play("smoke_requests")))
    port = _free_port()
    run = run_playbook(str(playbook), inventory, "-e", json.dumps(_extra(tmp_path, key_file, embed_url, port)),
                       **_env(tmp_path, key_file))
    out = " ".join((run.stdout + run.stderr).split())  # the debug callback wraps long messages
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    assert KEY not in out
    assert "deepseek-r1-distill-qwen-7b (chat): first token after" in out and "reasoning separated: True" in out
    assert "bge-m3 (embedding): 2 vectors of 8" in out
    assert "bge-reranker-v2-m3 (rerank): ranked [0, 1]" in out
    forwards = [json.loads(line) for line in (tmp_path / "kubectl.log").read_text().splitlines()]
    # One port-forward per model without a URL, of its colour Service, on 127.0.0.1, with the inventory's context.
    services = sorted(f["argv"][-2] for f in forwards)
    assert services == ["service/bge-reranker-v2-m3-blue", "service/deepseek-r1-distill-qwen-7b-blue"]
    for forward in forwards:
        argv = forward["argv"]
        assert argv[:6] == ["--context", "lab-admin", "--namespace", "serving", "port-forward", "--address"]
        assert argv[6] == "127.0.0.1" and argv[-1].endswith(":8000")
    # The model's place in model_serving_models picks its port (bge-m3, second, has a URL).
    assert sorted(int(f["argv"][-1].split(":")[0]) for f in forwards) == [port, port + 2]
    # Stopped at the end: no process is left behind.
    deadline = time.time() + 10
    while time.time() < deadline and any(os.path.exists("/proc/%d" % f["pid"]) for f in forwards):
        time.sleep(0.2)
    assert not [f for f in forwards if os.path.exists("/proc/%d" % f["pid"])]


def test_a_failing_model_fails_the_play_and_still_stops_the_port_forwards(setup):
    tmp_path, key_file, embed_url, inventory = setup
    playbook = tmp_path / "play.yml"
    playbook.write_text(json.dumps(_play("smoke_requests")))
    env = _env(tmp_path, key_file)
    env["KUBECTL_DOUBLE_MODELS"] = "bge-reranker-v2-m3"  # the chat model is not served behind its forward
    run = run_playbook(str(playbook), inventory, "-e",
                       json.dumps(_extra(tmp_path, key_file, embed_url, _free_port())), **env)
    assert run.returncode != 0
    assert "model 'deepseek-r1-distill-qwen-7b' is not served" in " ".join(run.stdout.split())
    assert "Stop the port-forwards" in run.stdout
    forwards = [json.loads(line) for line in (tmp_path / "kubectl.log").read_text().splitlines()]
    deadline = time.time() + 10
    while time.time() < deadline and any(os.path.exists("/proc/%d" % f["pid"]) for f in forwards):
        time.sleep(0.2)
    assert forwards and not [f for f in forwards if os.path.exists("/proc/%d" % f["pid"])]


def test_render_mode_says_the_smoke_test_is_skipped(setup):
    tmp_path, key_file, embed_url, inventory = setup
    playbook = tmp_path / "play.yml"
    playbook.write_text(json.dumps(_play("smoke")))
    extra = _extra(tmp_path, key_file, embed_url, _free_port(), privateai_k8s_mode="render")
    run = run_playbook(str(playbook), inventory, "-e", json.dumps(extra), **_env(tmp_path, key_file))
    assert run.returncode == 0, run.stdout[-3000:]
    assert "smoke test skipped - render mode" in run.stdout
    assert not (tmp_path / "kubectl.log").exists()
