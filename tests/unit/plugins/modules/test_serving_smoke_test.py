# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The serving_smoke_test module's main(), in-process, against the contract-server test double on 127.0.0.1."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils import basic

from ansible_collections.privateai.deepseek_dify.plugins.modules import serving_smoke_test
from ansible_collections.privateai.deepseek_dify.tests.doubles.openai_contract_server import OpenAIContractServer
from ansible_collections.privateai.deepseek_dify.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    exit_json,
    fail_json,
    set_module_args,
)

KEY = "sk-module-test-key-4242"


@pytest.fixture(autouse=True)
def patch_module(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


@pytest.fixture
def server():
    with OpenAIContractServer(models=["deepseek-r1"], api_key=KEY) as double:
        yield double


def run(args, expect_fail=False):
    with set_module_args(args):
        with pytest.raises(AnsibleFailJson if expect_fail else AnsibleExitJson) as exc:
            serving_smoke_test.main()
    return exc.value.args[0]


def test_passes_in_check_mode_and_changes_nothing(server):
    result = run({"url": server.url + "/v1/", "api_key": KEY, "model": "deepseek-r1", "expect_reasoning": True,
                  "_ansible_check_mode": True})
    assert result["changed"] is False
    assert result["problems"] == []
    assert result["url"] == server.url + "/v1"
    assert result["models"] == ["deepseek-r1"]
    assert result["completion"]["content"] == "ready"
    assert result["completion"]["reasoning_content"] == "The user wants one word."
    assert result["ttft_seconds"] == result["completion"]["ttft_seconds"] > 0
    assert [r["path"] for r in server.requests] == ["/v1/models", "/v1/chat/completions"]  # it ran, read-only
    assert KEY not in json.dumps(result)


def test_the_key_comes_from_the_environment(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    result = run({"url": server.url, "chat": False})
    assert result["model"] == "deepseek-r1"
    assert server.requests[0]["authorization"] is True


def test_the_key_option_is_no_log():
    spec = {}

    class Stop(Exception):
        pass

    def capture(self, argument_spec, **kwargs):
        spec.update(argument_spec)
        raise Stop()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(basic.AnsibleModule, "__init__", capture)
        with pytest.raises(Stop):
            serving_smoke_test.main()
    assert spec["api_key"]["no_log"] is True


@pytest.mark.parametrize("args, words", [
    ({"api_key": "sk-wrong-1234"}, ["HTTP 401 (Unauthorized)", "/v1/models", "set api_key"]),
    ({"api_key": KEY, "model": "deepseek-v3"},
     ["model 'deepseek-v3' is not served at", "the served names there are: deepseek-r1"]),
    ({"api_key": KEY, "expect_reasoning": False}, ["has separate reasoning (reasoning_content)"]),
])
def test_error_paths_fail_naming_url_model_and_fix(server, args, words):
    result = run(dict({"url": server.url, "model": "deepseek-r1"}, **args), expect_fail=True)
    assert result["changed"] is False
    assert result["msg"] == " | ".join(result["problems"])
    assert server.url in result["msg"]
    for word in words:
        assert word in result["msg"], result["msg"]
    assert "sk-wrong-1234" not in json.dumps(result) and KEY not in json.dumps(result)


def test_timeout_fails_naming_url_and_timeout(server):
    server.first_token_delay = 1.5
    result = run({"url": server.url, "api_key": KEY, "timeout": 0.4}, expect_fail=True)
    assert result["msg"].startswith("Failed to call %s/v1/chat/completions due to: no answer within the timeout "
                                    "of 0.4 seconds" % server.url)
    assert result["models"] == ["deepseek-r1"]  # what worked before the timeout is still reported


def test_bad_options_fail_before_any_request(server):
    result = run({"url": server.url + "?x", "model": "a b", "max_tokens": 0, "timeout": -1}, expect_fail=True)
    assert result["msg"].startswith("Failed to smoke-test the endpoint due to bad options: ")
    assert len(result["problems"]) == 4, result["problems"]
    assert server.requests == []
