"""The serving_smoke_test module run by ansible-playbook (connection local) against the OpenAI-compatible
contract-server test double (tests/doubles/openai_contract_server.py) on 127.0.0.1.

One play covers the passing smoke test (check mode too), a wrong key, a model that is not served, a read timeout
and a refused connection; every failing case is registered with ignore_errors and judged in the play and here.
Bounded: two doubles, nine requests, timeouts of one second.
"""

import json
import os
import socket
import subprocess
import sys

import pytest

from conftest import run_playbook

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOUBLE = os.path.join(REPO, "tests", "doubles", "openai_contract_server.py")
KEY = "sk-integration-double-31337"
WRONG = "sk-integration-wrong-00000"

PLAY = [{
    "name": "Serving smoke test against the contract double",
    "hosts": "localhost",
    "gather_facts": False,
    "tasks": [
        {"name": "Pass", "privateai.deepseek_dify.serving_smoke_test": {
            "url": "{{ good_url }}", "api_key": "{{ key }}", "model": "deepseek-r1", "expect_reasoning": True,
            "max_ttft": 5, "timeout": 5}, "register": "passed"},
        {"name": "Pass in check mode", "privateai.deepseek_dify.serving_smoke_test": {
            "url": "{{ good_url }}/v1", "api_key": "{{ key }}", "chat": False}, "check_mode": True,
         "register": "checked"},
        {"name": "Wrong key", "privateai.deepseek_dify.serving_smoke_test": {
            "url": "{{ good_url }}", "api_key": "{{ wrong }}", "model": "deepseek-r1", "timeout": 5},
         "register": "wrong_key", "ignore_errors": True},
        {"name": "Model not served", "privateai.deepseek_dify.serving_smoke_test": {
            "url": "{{ good_url }}", "api_key": "{{ key }}", "model": "deepseek-v3", "timeout": 5},
         "register": "missing", "ignore_errors": True},
        {"name": "Read timeout", "privateai.deepseek_dify.serving_smoke_test": {
            "url": "{{ slow_url }}", "api_key": "{{ key }}", "model": "deepseek-r1", "timeout": 1},
         "register": "slow", "ignore_errors": True},
        {"name": "Nothing listens", "privateai.deepseek_dify.serving_smoke_test": {
            "url": "{{ down_url }}", "model": "deepseek-r1", "timeout": 1},
         "register": "down", "ignore_errors": True},
        {"name": "Judge", "ansible.builtin.assert": {"that": [
            "passed is not changed and passed.completion.content == 'ready'",
            "passed.completion.reasoning_separated and passed.ttft_seconds > 0",
            "checked is not changed and checked.models == ['deepseek-r1']",
            "wrong_key is failed and 'HTTP 401' in wrong_key.msg",
            "missing is failed and 'the served names there are: deepseek-r1' in missing.msg",
            "slow is failed and 'timeout of 1.0 seconds' in slow.msg",
            "down is failed and 'connection refused' in down.msg",
        ]}},
        {"name": "Results", "ansible.builtin.copy": {
            "content": "{{ {'passed': passed, 'checked': checked, 'wrong_key': wrong_key, 'missing': missing,"
                       " 'slow': slow, 'down': down} | to_json }}",
            "dest": "{{ results_file }}", "mode": "0600"}},
    ],
}]


def _free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def doubles(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(KEY)
    key_file.chmod(0o600)
    started = []
    urls = []
    try:
        for extra in ([], ["--first-token-delay", "3"]):
            proc = subprocess.Popen([sys.executable, DOUBLE, "--model", "deepseek-r1", "--api-key-file", str(key_file),
                                     "--reasoning"] + extra, stdout=subprocess.PIPE, text=True)
            started.append(proc)
            urls.append("http://127.0.0.1:%d" % int(proc.stdout.readline()))
        yield urls
    finally:
        for proc in started:
            proc.kill()
            proc.wait(10)


def test_smoke_test_module_against_the_contract_double(doubles, tmp_path):
    good, slow = doubles
    playbook = tmp_path / "smoke.yml"
    playbook.write_text(json.dumps(PLAY))
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(json.dumps({"all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    results_file = tmp_path / "results.json"
    extra = {"good_url": good, "slow_url": slow, "down_url": "http://127.0.0.1:%d" % _free_port(), "key": KEY,
             "wrong": WRONG, "results_file": str(results_file)}
    run = run_playbook(str(playbook), inventory, "-v", "-e", json.dumps(extra))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "ok=8" in run.stdout and "failed=0" in run.stdout and "ignored=4" in run.stdout, run.stdout[-2000:]
    # The keys never reach the output, not even in -v results and failure messages.
    assert KEY not in run.stdout + run.stderr
    assert WRONG not in run.stdout + run.stderr
    results = json.loads(results_file.read_text())
    assert results["passed"]["completion"]["reasoning_content"] == "The user wants one word."
    assert results["passed"]["models"] == ["deepseek-r1"]
    assert results["wrong_key"]["msg"].startswith("Failed to call %s/v1/models due to: HTTP 401 (Unauthorized)" % good)
    assert results["missing"]["msg"].startswith("model 'deepseek-v3' is not served at %s/v1" % good)
    assert results["slow"]["msg"].startswith("Failed to call %s/v1/chat/completions due to: no answer within" % slow)
    assert results["down"]["msg"].startswith("Failed to call %s/v1/models due to: connection refused"
                                             % extra["down_url"])
