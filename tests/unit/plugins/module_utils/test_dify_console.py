# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Dify console client and the bootstrap steps: pure parts by case tables, sessions against the console
contract-server test double (tests/doubles/dify_console_contract_server.py) chained to the OpenAI-compatible test
double (tests/doubles/openai_contract_server.py) as the model endpoint."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import zipfile

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import dify_console
from ansible_collections.privateai.deepseek_dify.tests.doubles.dify_console_contract_server import (
    DifyConsoleContractServer)
from ansible_collections.privateai.deepseek_dify.tests.doubles.openai_contract_server import OpenAIContractServer

ADMIN = "admin@example.com"
PASSWORD = "Double-admin-pass-1"
INIT = "double-init-pass-7"
KEY = "sk-dify-double-key-424242"


def package(tmp_path, version="0.0.35", name="openai_api_compatible"):
    path = tmp_path / ("%s-%s.difypkg" % (name, version))
    with zipfile.ZipFile(str(path), "w") as archive:
        archive.writestr("manifest.yaml", "version: %s\ntype: plugin\nauthor: langgenius\nname: %s\n"
                                          "meta:\n  version: 0.0.1\n" % (version, name))
    return str(path)


@pytest.fixture
def endpoint():
    with OpenAIContractServer(models=["deepseek-r1", "bge-m3"], api_key=KEY) as server:
        yield server


def models_of(endpoint_url, length=32768):
    return [{"name": "deepseek-r1", "served_name": "deepseek-r1", "kind": "chat", "base_url": endpoint_url + "/v1",
             "max_model_len": length},
            {"name": "bge-m3", "served_name": "bge-m3", "kind": "embedding", "base_url": endpoint_url + "/v1",
             "max_model_len": 8192}]


def client_of(server, **kwargs):
    return dify_console.DifyConsole(server.url, timeout=5, secrets=[PASSWORD], sleep=lambda s: None, **kwargs)


# ------------------------------------------------------------------------------------------------------ pure parts
@pytest.mark.parametrize("text, expected", [
    ("1.14.2", (1, 14, 2)), ("1.10.1-fix.1", (1, 10, 1)), ("v1.9", (1, 9, 0)), ("", None), (None, None),
    ("latest", None),
])
def test_parse_version(text, expected):
    assert dify_console.parse_version(text) == expected


@pytest.mark.parametrize("version, csrf, base64_login", [
    (None, True, True), ("1.14.2", True, True), ("1.11.2", True, True), ("1.11.1", True, False),
    ("1.9.0", True, False), ("1.8.1", False, False),
])
def test_version_awareness(version, csrf, base64_login):
    client = dify_console.DifyConsole("http://d")
    client.version = version
    assert client.version_at_least(dify_console.CSRF_SINCE) is csrf
    assert client.version_at_least(dify_console.BASE64_LOGIN_SINCE) is base64_login


@pytest.mark.parametrize("value, good", [
    ("Abcdefg1", True), ("abcdefgh", False), ("12345678", False), ("Ab1", False), ("", False), (None, False),
    ("pass word 1", True),
])
def test_check_password_never_shows_the_value(value, good):
    problems = []
    dify_console.check_password("admin_password", value, problems)
    assert (problems == []) is good
    for problem in problems:
        assert "admin_password" in problem and "letters and digits" in problem
        assert value is None or value == "" or value not in problem


@pytest.mark.parametrize("value, good", [
    ("admin@example.com", True), ("a.b+c@sub.example.co", True), ("admin", False), ("admin@localhost", False),
    ("a b@example.com", False), ("", False), (None, False),
])
def test_check_email(value, good):
    problems = []
    dify_console.check_email("admin_email", value, problems)
    assert (problems == []) is good
    if not good:
        assert problems[0].startswith("admin_email %r is not an email address" % (value,))


@pytest.mark.parametrize("value, good", [
    ("https://dify.example.internal", True), ("http://dify-api.dify.svc:5001/", True), ("dify.example", False),
    ("ftp://x", False), ("https://x/?a=b", False), ("", False),
])
def test_check_console_url(value, good):
    problems = []
    dify_console.check_console_url("console_url", value, problems)
    assert (problems == []) is good


@pytest.mark.parametrize("change, fragment", [
    ({"name": "bad name"}, "models[0].name 'bad name' is not a model name"),
    ({"served_name": ""}, "models[0].served_name '' is not a model name"),
    ({"kind": "tts"}, "models[0].kind 'tts' is not one of chat, embedding, rerank"),
    ({"base_url": "vllm:8000"}, "models[0].base_url 'vllm:8000' is not an http:// or https:// URL"),
    ({"max_model_len": 0}, "models[0].max_model_len 0 is not a positive number of tokens"),
    ({"max_model_len": True}, "models[0].max_model_len True is not a positive number of tokens"),
])
def test_check_models(change, fragment):
    good = models_of("http://m:8000")
    assert dify_console.check_models(good) == []
    bad = [dict(good[0], **change), good[1]]
    problems = dify_console.check_models(bad)
    assert len(problems) == 1 and problems[0].startswith(fragment), problems


def test_check_models_lists_every_problem_and_duplicates():
    model = models_of("http://m:8000")[0]
    problems = dify_console.check_models([dict(model, kind="x", max_model_len=-1), model])
    assert len(problems) == 3 and "more than once" in problems[-1]
    assert dify_console.check_models([]) == ["models is empty; give at least one served model"]


@pytest.mark.parametrize("body, expected", [
    ('{"code": "unauthorized", "message": "Invalid token.", "status": 401}', "unauthorized: Invalid token."),
    ('{"error": {"message": "Unauthorized", "status": 401, "type": "authentication_error"}}',
     "authentication_error: Unauthorized"),
    ('{"result": "fail", "message": "No refresh token provided"}', "No refresh token provided"),
    ("<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
    ("", "no body"),
])
def test_error_text(body, expected):
    assert dify_console.error_text(body) == expected


def test_credential_name_fingerprints_the_key_without_showing_it():
    one = dify_console.credential_name("deepseek-r1", KEY)
    assert one == dify_console.credential_name("deepseek-r1", KEY)
    assert one != dify_console.credential_name("deepseek-r1", KEY + "x")
    assert KEY not in one and len(one) <= 30 and one.startswith("deepseek-r1 ")
    assert len(dify_console.credential_name("m" * 60, KEY)) == 30


@pytest.mark.parametrize("kind, keys", [
    ("chat", {"mode": "chat", "context_size": "32768", "max_tokens_to_sample": "4096"}),
    ("embedding", {"context_size": "32768", "max_chunks": "1"}),
    ("rerank", {"context_size": "32768"}),
])
def test_model_credentials_are_strings_as_the_form_sends_them(kind, keys):
    model = dict(models_of("http://m:8000")[0], kind=kind)
    creds = dify_console.model_credentials(model, KEY)
    assert creds["endpoint_url"] == "http://m:8000/v1" and creds["endpoint_model_name"] == "deepseek-r1"
    for key, value in keys.items():
        assert creds[key] == value
    assert all(isinstance(v, str) for v in creds.values())


def test_read_manifest(tmp_path):
    assert dify_console.read_manifest(package(tmp_path)) == ("langgenius/openai_api_compatible", "0.0.35")
    broken = tmp_path / "broken.difypkg"
    broken.write_text("not a zip")
    with pytest.raises(dify_console.DifyError) as err:
        dify_console.read_manifest(str(broken))
    assert "is not a zip file" in err.value.message.lower() or "zip" in err.value.message


# ---------------------------------------------------------------------------------------- sessions with the double
def test_setup_then_login_and_rerun_is_unchanged():
    with DifyConsoleContractServer(init_password=INIT) as server:
        first = dify_console.ensure_setup(client_of(server), ADMIN, "Admin", PASSWORD, init_password=INIT)
        assert first["changed"] and first["logged_in"] and first["version"] == "1.14.2"
        assert first["account"] == {"email": ADMIN, "name": "Admin"}
        second = dify_console.ensure_setup(client_of(server), ADMIN, "Admin", PASSWORD, init_password=INIT)
        assert not second["changed"] and second["logged_in"]
        paths = [(r["method"], r["path"]) for r in server.requests]
        assert paths.count(("POST", "/console/api/setup")) == 1 and paths.count(("POST", "/console/api/init")) == 1


def test_setup_in_check_mode_sends_nothing():
    with DifyConsoleContractServer(init_password=INIT) as server:
        result = dify_console.ensure_setup(client_of(server), ADMIN, "Admin", PASSWORD, init_password=INIT,
                                           check_mode=True)
        assert result["changed"] and not result["logged_in"]
        assert [r["path"] for r in server.requests] == ["/console/api/setup"]


@pytest.mark.parametrize("init, fragment", [
    ("wrong-init-pass-1", "HTTP 401 (authentication_error: Unauthorized); the init password was refused"),
    (None, "Dify wants the init password validated first: give init_password"),
])
def test_init_password_errors(init, fragment):
    with DifyConsoleContractServer(init_password=INIT) as server:
        with pytest.raises(dify_console.DifyError) as err:
            dify_console.ensure_setup(client_of(server), ADMIN, "Admin", PASSWORD, init_password=init)
        assert fragment in err.value.message and err.value.status == 401
        assert INIT not in err.value.message and (init is None or init not in err.value.message)


def test_a_different_admin_is_reported():
    with DifyConsoleContractServer() as server:
        dify_console.ensure_setup(client_of(server), ADMIN, "Admin", PASSWORD)
        client = client_of(server, )
        client.add_secret("Other-pass-99")
        with pytest.raises(dify_console.DifyError) as err:
            dify_console.ensure_setup(client, "other@example.com", "Other", "Other-pass-99")
        assert "is already set up, and other@example.com cannot log in" in err.value.message
        assert "Other-pass-99" not in err.value.message and err.value.code == "authentication_failed"


def test_every_call_carries_the_csrf_header_and_a_missing_one_is_refused():
    with DifyConsoleContractServer() as server:
        client = client_of(server)
        dify_console.ensure_setup(client, ADMIN, "Admin", PASSWORD)
        profile = [r for r in server.requests if r["path"] == "/console/api/account/profile"]
        assert profile and all(r["csrf_header"] and "csrf_token" in r["cookies"] for r in profile)
        client._credentials = None  # no re-login: show the double's answer itself
        for item in client.jar:
            if item.name == "csrf_token":
                item.value = "forged"
        with pytest.raises(dify_console.DifyError) as err:
            client.account()
        assert "HTTP 401 (unauthorized: CSRF token is missing or invalid.)" in err.value.message


def test_expired_token_is_refreshed_once_and_the_call_retried():
    with DifyConsoleContractServer(access_token_uses=1) as server:
        client = client_of(server)
        dify_console.ensure_setup(client, ADMIN, "Admin", PASSWORD)  # the profile read uses the token's one call
        assert client.account()["email"] == ADMIN
        assert client.refreshed == 1
        assert [(e["path"], e["status"]) for e in client.exchanges[-3:]] == [
            ("/account/profile", 401), ("/refresh-token", 200), ("/account/profile", 200)]


def test_login_before_1_11_2_sends_the_password_plain_and_later_base64():
    # The double takes what its version takes: plain before 1.11.2, base64 from then on; the client follows X-Version.
    for version in ("1.10.1", "1.14.2"):
        with DifyConsoleContractServer(version=version) as server:
            result = dify_console.ensure_setup(client_of(server), ADMIN, "Admin", PASSWORD)
            assert result["logged_in"] and result["version"] == version
    with DifyConsoleContractServer(version="1.14.2") as server:
        dify_console.ensure_setup(client_of(server), ADMIN, "Admin", PASSWORD)
        plain = client_of(server)
        plain.version = "1.10.0"  # a client that believes the server older sends it plain: refused, as 1.14.2 does
        with pytest.raises(dify_console.DifyError) as err:
            plain.login(ADMIN, PASSWORD)
        assert "HTTP 401 (authentication_failed: Invalid encrypted data)" in err.value.message


def test_plugin_install_is_idempotent_by_identifier_and_version(tmp_path):
    with DifyConsoleContractServer(task_polls=2) as server:
        client = client_of(server)
        dify_console.ensure_setup(client, ADMIN, "Admin", PASSWORD)
        first = dify_console.ensure_plugin(client, package(tmp_path))
        assert first["changed"] and first["task_id"] and first["previous_version"] is None
        assert first["plugin_unique_identifier"].startswith("langgenius/openai_api_compatible:0.0.35@")
        again = dify_console.ensure_plugin(client, package(tmp_path))
        assert not again["changed"] and again["task_id"] is None
        newer = dify_console.ensure_plugin(client, package(tmp_path, "0.0.36"), check_mode=True)
        assert newer["changed"] and newer["previous_version"] == "0.0.35"
        polls = [r for r in server.requests if "/plugin/tasks/" in r["path"]]
        assert len(polls) == 3


def test_plugin_task_failure_names_the_daemon_message(tmp_path):
    failure = "failed to init environment: pip install: no matching distribution found for dify_plugin"
    with DifyConsoleContractServer(plugin_task_error=failure) as server:
        client = client_of(server)
        dify_console.ensure_setup(client, ADMIN, "Admin", PASSWORD)
        with pytest.raises(dify_console.DifyError) as err:
            dify_console.ensure_plugin(client, package(tmp_path))
        assert "the plugin daemon reported failed" in err.value.message and failure in err.value.message
        assert err.value.step.startswith("wait for the plugin install task")


def test_without_a_plugin_daemon_the_step_and_dify_answer_are_named(tmp_path):
    with DifyConsoleContractServer(plugin_daemon=False) as server:
        client = client_of(server)
        dify_console.ensure_setup(client, ADMIN, "Admin", PASSWORD)
        with pytest.raises(dify_console.DifyError) as err:
            dify_console.ensure_plugin(client, package(tmp_path))
        assert err.value.message.startswith("Failed to list the installed plugins (GET ")
        assert "HTTP 400 (invalid_param: Failed to request plugin daemon" in err.value.message


def test_models_defaults_and_chat_smoke(tmp_path, endpoint):
    with DifyConsoleContractServer() as server:
        client = client_of(server)
        dify_console.ensure_setup(client, ADMIN, "Admin", PASSWORD)
        dify_console.ensure_plugin(client, package(tmp_path))
        models = models_of(endpoint.url)
        first = dify_console.ensure_models(client, models, KEY)
        assert first["changed"] and [m["action"] for m in first["models"]] == ["add", "add"]
        again = dify_console.ensure_models(client, models, KEY)
        assert not again["changed"] and [m["action"] for m in again["models"]] == ["none", "none"]
        longer = dify_console.ensure_models(client, models_of(endpoint.url, 65536), KEY, check_mode=True)
        assert longer["models"][0] == {"name": "deepseek-r1", "model_type": "llm", "action": "update",
                                       "changed_keys": ["context_size"]}
        rotated = dify_console.ensure_models(client, models, KEY + "-rotated", check_mode=True)
        assert [m["changed_keys"] for m in rotated["models"]] == [["api_key"], ["api_key"]]
        # Dify checks the key against the endpoint on save too (validate=false skips only the pre-check).
        with pytest.raises(dify_console.DifyError) as err:
            dify_console.ensure_models(client, models, KEY + "-rotated", validate=False)
        assert err.value.message.startswith("Failed to update model deepseek-r1 (PUT ")
        assert "status code 401" in err.value.message and KEY not in err.value.message
        defaults = {"llm": "deepseek-r1", "text-embedding": "bge-m3"}
        set_first = dify_console.ensure_default_models(client, defaults)
        assert set_first["changed"] and set_first["updated"] == ["llm", "text-embedding"]
        assert not dify_console.ensure_default_models(client, defaults)["changed"]
        smoke = dify_console.chat_smoke(client, "privateai-smoke", "Reply with the single word: ready.")
        assert smoke["app_created"] and smoke["answer"] == "ready" and smoke["model"] == "deepseek-r1"
        reuse = dify_console.chat_smoke(client, "privateai-smoke", "Reply with the single word: ready.")
        assert not reuse["changed"] and reuse["app_id"] == smoke["app_id"]
        assert KEY not in json.dumps([first, again, rotated, smoke])


def test_unreachable_model_endpoint_fails_validation_naming_the_step(tmp_path, endpoint):
    with DifyConsoleContractServer() as server:
        client = client_of(server)
        dify_console.ensure_setup(client, ADMIN, "Admin", PASSWORD)
        dify_console.ensure_plugin(client, package(tmp_path))
        models = [dict(models_of(endpoint.url)[0], base_url="http://127.0.0.1:9/v1")]
        with pytest.raises(dify_console.DifyError) as err:
            dify_console.ensure_models(client, models, KEY)
        assert err.value.message.startswith("Failed to validate the credentials of model deepseek-r1 due to: Dify "
                                            "could not use the endpoint (Credentials validation failed: cannot reach")
        with pytest.raises(dify_console.DifyError) as err:
            dify_console.ensure_models(client, models_of(endpoint.url)[:1], "sk-wrong-key-0000")
        assert "status code 401" in err.value.message and "sk-wrong-key-0000" not in err.value.message


def test_passwords_never_reach_a_message():
    client = dify_console.DifyConsole("http://127.0.0.1:9", timeout=1, secrets=[PASSWORD])
    client.add_secret(INIT)
    text = client.redact("a %s b %s c" % (PASSWORD, INIT))
    assert PASSWORD not in text and INIT not in text and text.count(dify_console.REDACTED) == 2
    with pytest.raises(dify_console.DifyError) as err:
        client.login(ADMIN, PASSWORD)
    assert "connection refused" in err.value.message and PASSWORD not in err.value.message
