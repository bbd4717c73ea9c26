"""playbooks/dify_bootstrap.yml (role dify_bootstrap, modules dify_*) run by ansible-playbook on the control host
against the Dify console contract-server test double (tests/doubles/dify_console_contract_server.py), whose chat
endpoint asks the OpenAI-compatible test double (tests/doubles/openai_contract_server.py) as the model.

First run changes, second run changed=0; render mode contacts nothing; bad input stops before any call with every
problem named; each error path (wrong init password, failed plugin task, unreachable model endpoint) fails naming
the step and what Dify answered; an expired token is refreshed; the passwords and the API key never reach the output.

Through the console gate (dify_console_auth_enabled): the bootstrap reaches the double, in its https-console mode
(``__Host-`` Secure cookies on plain http, as Dify with an https console URL), only through a port-forward on
127.0.0.1 that the play starts with the kubectl test double (tests/doubles/kubectl_port_forward_double.py, relaying
to the double) and stops, failed or not; against an unreachable API server it refuses before any call.
"""

import json
import os
import socket
import sys
import time
import zipfile

import pytest

from conftest import run_playbook

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "collections"))

from ansible_collections.privateai.deepseek_dify.tests.doubles.dify_console_contract_server import (  # noqa: E402
    DifyConsoleContractServer)
from ansible_collections.privateai.deepseek_dify.tests.doubles.openai_contract_server import (  # noqa: E402
    OpenAIContractServer)
from ansible_collections.privateai.deepseek_dify.tests.k8s.checks import (  # noqa: E402
    KUBECONFIG_TOKEN, closed_port, write_kubeconfig)

DOUBLES = os.path.join(REPO, "tests", "doubles")
GATED_URL = "https://dify.example.internal"

ADMIN_PASSWORD = "Integration-admin-77"
INIT_PASSWORD = "integration-init-31"
API_KEY = "sk-integration-dify-9090"


@pytest.fixture
def endpoint():
    with OpenAIContractServer(models=["deepseek-r1", "bge-m3"], api_key=API_KEY) as server:
        yield server


@pytest.fixture
def files(tmp_path):
    made = {}
    for name, text in (("admin", ADMIN_PASSWORD), ("init", INIT_PASSWORD), ("key", API_KEY)):
        path = tmp_path / name
        path.write_text(text)
        path.chmod(0o600)
        made[name] = str(path)
    package = tmp_path / "openai_api_compatible-0.0.35.difypkg"
    with zipfile.ZipFile(str(package), "w") as archive:
        archive.writestr("manifest.yaml", "version: 0.0.35\ntype: plugin\nauthor: langgenius\n"
                                          "name: openai_api_compatible\n")
    made["package"] = str(package)
    made["inventory"] = tmp_path / "hosts.yml"
    made["inventory"].write_text(json.dumps({"all": {"hosts": {"localhost": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}}))
    return made


def extra_vars(server, endpoint, files, **overrides):
    outputs = {
        "dify_outputs": {"console_url": server.url, "admin_email": "admin@example.com",
                         "admin_password_file": files["admin"], "init_password_file": files["init"]},
        "model_serving_outputs": {"api_key_file": files["key"], "models": [
            {"name": "deepseek-r1", "served_name": "deepseek-r1", "kind": "chat",
             "base_url": endpoint.url + "/v1", "max_model_len": 32768, "reasoning": True},
            {"name": "bge-m3", "served_name": "bge-m3", "kind": "embedding", "base_url": endpoint.url + "/v1",
             "max_model_len": 8192}]},
        "dify_bootstrap_plugin_package": files["package"],
    }
    outputs.update(overrides)
    return outputs


def play(files, variables, *extra):
    run = run_playbook("playbooks/dify_bootstrap.yml", files["inventory"], "-v", "-e", json.dumps(variables), *extra)
    output = run.stdout + run.stderr
    for secret in (ADMIN_PASSWORD, INIT_PASSWORD, API_KEY):
        assert secret not in output, "a secret reached the output"
    return run, output


def recap(output):
    line = [text for text in output.splitlines() if text.startswith("localhost")][-1]
    return dict((key, int(value)) for key, value in (item.split("=") for item in line.split(":", 1)[1].split()))


def test_first_run_changes_second_run_does_not(endpoint, files):
    with DifyConsoleContractServer(init_password=INIT_PASSWORD, access_token_uses=4) as server:
        variables = extra_vars(server, endpoint, files)
        run, output = play(files, variables)
        assert run.returncode == 0, output[-5000:]
        first = recap(output)
        # setup, plugin, models, defaults, smoke app: five steps changed (the facts tasks report ok)
        assert first["changed"] == 5 and first["failed"] == 0, first
        assert "deepseek-r1 answered through Dify app privateai-smoke" in output and "ready" in output
        state = server.state
        assert state.admin["email"] == "admin@example.com"
        assert sorted(state.plugins) == ["langgenius/openai_api_compatible"]
        assert sorted(state.models) == [("bge-m3", "text-embedding"), ("deepseek-r1", "llm")]
        assert state.defaults == {"llm": "deepseek-r1", "text-embedding": "bge-m3"}
        # Each access token was good for four calls: the run went on through refreshed tokens.
        assert any(r["path"] == "/console/api/refresh-token" and r["status"] == 200 for r in server.requests)

        posts = len([r for r in server.requests if r["method"] != "GET"])
        run, output = play(files, variables)
        assert run.returncode == 0, output[-5000:]
        assert recap(output)["changed"] == 0, output[-3000:]
        # The second run wrote nothing but logins, refreshes and the smoke message.
        later = [r["path"] for r in server.requests[:] if r["method"] != "GET"][posts:]
        assert set(later) <= {"/console/api/login", "/console/api/refresh-token",
                              "/console/api/apps/%s/chat-messages" % list(state.apps)[0]}, later


def test_check_mode_changes_nothing_fresh_or_configured(endpoint, files):
    with DifyConsoleContractServer(init_password=INIT_PASSWORD) as server:
        variables = extra_vars(server, endpoint, files)
        run, output = play(files, variables, "--check")
        assert run.returncode == 0, output[-5000:]
        assert "Check mode: Dify is not set up yet" in output and recap(output)["changed"] == 1
        assert [r["method"] for r in server.requests] == ["GET"] and server.state.admin is None
        run, output = play(files, variables)
        assert run.returncode == 0, output[-5000:]
        writes = len([r for r in server.requests if r["method"] != "GET"])
        run, output = play(files, variables, "--check")
        assert run.returncode == 0, output[-5000:]
        assert recap(output)["changed"] == 0
        # A check run on the configured Dify only logs in (each of the five modules once); no smoke message.
        later = [r["path"] for r in server.requests if r["method"] != "GET"][writes:]
        assert later == ["/console/api/login"] * 5, later


def test_render_mode_contacts_nothing_and_says_so(endpoint, files):
    with DifyConsoleContractServer(init_password=INIT_PASSWORD) as server:
        variables = extra_vars(server, endpoint, files, privateai_k8s_mode="render",
                               dify_outputs={"console_url": server.url, "admin_email": "admin@example.com",
                                             "admin_password_file": "/nonexistent/render-time",
                                             "init_password_file": ""})
        run, output = play(files, variables)
        assert run.returncode == 0, output[-4000:]
        assert "render mode (privateai_k8s_mode=render) - Dify is not contacted" in output
        assert server.requests == []


def test_bad_input_stops_before_any_call_naming_every_variable(endpoint, files, tmp_path):
    weak = tmp_path / "weak"
    weak.write_text("onlyletters")
    with DifyConsoleContractServer() as server:
        variables = extra_vars(server, endpoint, files,
                               dify_outputs={"console_url": server.url, "admin_email": "admin-at-example",
                                             "admin_password_file": str(weak), "init_password_file": ""},
                               dify_bootstrap_plugin_package=str(tmp_path / "missing.difypkg"))
        variables["model_serving_outputs"]["models"][1]["kind"] = "tts"
        run, output = play(files, variables)
        assert run.returncode != 0
        assert "dify_bootstrap: 4 problem(s)" in output, output[-4000:]
        for fragment in ("dify_bootstrap_admin_email 'admin-at-example' is not an email address",
                         "the content of dify_bootstrap_admin_password_file is not a Dify account password",
                         "dify_bootstrap_plugin_package '%s' is not a file" % (tmp_path / "missing.difypkg"),
                         "dify_bootstrap_models[1].kind is 'tts': give one of chat, embedding, rerank"):
            assert fragment in output, fragment
        assert "onlyletters" not in output
        assert server.requests == []


@pytest.mark.parametrize("case, fragment", [
    ("wrong_init", "Failed to validate the init password (POST http://127.0.0.1:%d/console/api/init) due to: HTTP "
                   "401 (authentication_error: Unauthorized); the init password was refused"),
    ("plugin_task", "Failed to install the plugin (task "),
    ("unreachable_model", "Failed to validate the credentials of model deepseek-r1 due to: Dify could not use the "
                          "endpoint (Credentials validation failed: cannot reach http://127.0.0.1:9/v1"),
])
def test_error_paths_name_the_step_and_what_dify_answered(endpoint, files, case, fragment):
    double = {"wrong_init": dict(init_password="another-init-pass-1"),
              "plugin_task": dict(plugin_task_error="failed to init environment: no matching distribution "
                                                    "found for dify_plugin"),
              "unreachable_model": {}}[case]
    with DifyConsoleContractServer(**double) as server:
        variables = extra_vars(server, endpoint, files)
        if case == "unreachable_model":
            variables["model_serving_outputs"]["models"][0]["base_url"] = "http://127.0.0.1:9/v1"
        run, output = play(files, variables)
        assert run.returncode != 0
        expected = fragment % server.port if "%d" in fragment else fragment
        assert "dify_bootstrap: " + expected in output, output[-4000:]
        if case == "plugin_task":
            assert "the plugin daemon reported failed (langgenius/openai_api_compatible:0.0.35@" in output
            assert "no matching distribution found for dify_plugin" in output


# ----------------------------------------------------------------------------- through the console gate (port-forward)
def _free_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def gated_vars(server, endpoint, files, kubeconfig, local_port, **overrides):
    """The Dify stage's outputs with the console behind oauth2-proxy: its console URL is the gated https one (not
    resolvable here), so every call must go through the port-forward (the double listens on its own port)."""
    variables = extra_vars(server, endpoint, files, privateai_kubeconfig=kubeconfig, privateai_kube_context="ops@site",
                           dify_bootstrap_kubectl=os.path.join(DOUBLES, "kubectl_port_forward_double.sh"),
                           dify_bootstrap_local_port=local_port)
    variables["dify_outputs"].update(console_url=GATED_URL, console_auth=True, namespace="dify",
                                     front_service="dify", front_port=80)
    variables.update(overrides)
    return variables


def kubectl_env(tmp_path, server):
    return {"KUBECTL_DOUBLE_LOG": str(tmp_path / "kubectl.log"), "KUBECTL_DOUBLE_PYTHON": sys.executable,
            "KUBECTL_DOUBLE_FORWARD_TO": "127.0.0.1:%d" % server.port}


def console_play(tmp_path):
    """The role's inputs, then its console calls (tasks/console.yml): the cluster check before them (tasks/
    bootstrap.yml) needs a Kubernetes API, which cannot run here; it is tested on its own below."""
    playbook = tmp_path / "console.yml"
    playbook.write_text(json.dumps([{"name": "Dify bootstrap through a port-forward", "hosts": "localhost",
                                     "gather_facts": False, "tasks": [
                                         {"name": "Inputs", "ansible.builtin.include_role": {
                                             "name": "privateai.deepseek_dify.dify_bootstrap", "tasks_from": "inputs"}},
                                         {"name": "Console", "ansible.builtin.include_role": {
                                             "name": "privateai.deepseek_dify.dify_bootstrap",
                                             "tasks_from": "console"}}]}]))
    return str(playbook)


def forwards_of(tmp_path):
    log = tmp_path / "kubectl.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def assert_stopped(forwards):
    deadline = time.time() + 10
    while time.time() < deadline and any(os.path.exists("/proc/%d" % f["pid"]) for f in forwards):
        time.sleep(0.2)
    assert forwards and not [f for f in forwards if os.path.exists("/proc/%d" % f["pid"])]


def test_through_the_gate_the_bootstrap_uses_a_port_forward_and_secure_cookies(endpoint, files, tmp_path):
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", "https://127.0.0.1:6443")
    local = _free_port()
    with DifyConsoleContractServer(init_password=INIT_PASSWORD, https_console=True) as server:
        variables = gated_vars(server, endpoint, files, kubeconfig, local)
        run = run_playbook(console_play(tmp_path), files["inventory"], "-v", "-e", json.dumps(variables),
                           **kubectl_env(tmp_path, server))
        output = run.stdout + run.stderr
        assert run.returncode == 0, output[-5000:]
        for secret in (ADMIN_PASSWORD, INIT_PASSWORD, API_KEY, KUBECONFIG_TOKEN):
            assert secret not in output
        assert "deepseek-r1 answered through Dify app privateai-smoke" in output
        assert server.state.admin["email"] == "admin@example.com"
        assert server.state.defaults == {"llm": "deepseek-r1", "text-embedding": "bge-m3"}
        # Every logged-in call carried Dify's __Host- Secure cookies back over the tunnel's plain http.
        logged_in = [r for r in server.requests if r["path"].startswith("/console/api/workspaces/")
                     or r["path"].startswith("/console/api/apps")]
        assert logged_in and all({"__Host-access_token", "__Host-csrf_token"} <= set(r["cookies"]) and
                                 r["status"] in (200, 201) for r in logged_in), logged_in[:3]
        assert not [r for r in server.requests if "access_token" in r["cookies"]]
    # One port-forward, chosen by default (no dify_bootstrap_console_access given), of the nginx front Service.
    (forward,) = forwards_of(tmp_path)
    assert forward["argv"] == ["--kubeconfig", kubeconfig, "--context", "ops@site", "--namespace", "dify",
                               "port-forward", "--address", "127.0.0.1", "service/dify", "%d:80" % local]
    assert_stopped([forward])


def test_the_port_forward_stops_when_the_bootstrap_fails(endpoint, files, tmp_path):
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", "https://127.0.0.1:6443")
    with DifyConsoleContractServer(init_password="another-init-pass-1", https_console=True) as server:
        variables = gated_vars(server, endpoint, files, kubeconfig, _free_port())
        run = run_playbook(console_play(tmp_path), files["inventory"], "-e", json.dumps(variables),
                           **kubectl_env(tmp_path, server))
        output = run.stdout + run.stderr
        assert run.returncode != 0
        assert "the init password was refused" in output, output[-4000:]
        assert "Stop the port-forwards" in output
        assert INIT_PASSWORD not in output
    assert_stopped(forwards_of(tmp_path))


@pytest.mark.parametrize("check", [False, True], ids=["apply", "check"])
def test_port_forward_against_an_unreachable_api_refuses_before_any_call(endpoint, files, tmp_path, check):
    server_url = "https://127.0.0.1:%d" % closed_port()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server_url)
    with DifyConsoleContractServer(init_password=INIT_PASSWORD, https_console=True) as server:
        variables = gated_vars(server, endpoint, files, kubeconfig, _free_port(), cluster_access_api_timeout=3)
        run = run_playbook("playbooks/dify_bootstrap.yml", files["inventory"], "-e", json.dumps(variables),
                           *(["--check"] if check else []), **kubectl_env(tmp_path, server))
        output = " ".join((run.stdout + run.stderr).split())
        assert run.returncode != 0
        assert "dify_bootstrap: 1 problem(s) before anything was read or changed" in output, output[-4000:]
        assert "API server %s of context ops@site (kubeconfig %s) is not reachable" % (server_url, kubeconfig) \
            in output
        assert server.requests == [], "Dify was called"
        assert KUBECONFIG_TOKEN not in output and ADMIN_PASSWORD not in output
    assert forwards_of(tmp_path) == [], "a port-forward was started"


def test_port_forward_without_a_kubeconfig_stops_before_any_call(endpoint, files, tmp_path):
    with DifyConsoleContractServer(https_console=True) as server:
        variables = gated_vars(server, endpoint, files, "", _free_port(), dify_bootstrap_namespace="Dify")
        run = run_playbook("playbooks/dify_bootstrap.yml", files["inventory"], "-e", json.dumps(variables),
                           **kubectl_env(tmp_path, server))
        output = " ".join((run.stdout + run.stderr).split())
        assert run.returncode != 0
        assert "dify_bootstrap: 2 problem(s)" in output, output[-4000:]
        assert "dify_bootstrap_kubeconfig is empty: dify_bootstrap_console_access port_forward starts" in output
        assert "dify_bootstrap_namespace is 'Dify': give a DNS label" in output
        assert server.requests == []
    assert forwards_of(tmp_path) == []
