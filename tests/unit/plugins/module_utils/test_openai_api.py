# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The OpenAI-API client and the smoke test: pure parts by case tables, requests against the contract-server test
double on 127.0.0.1 (tests/doubles/openai_contract_server.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import socket
import ssl
import subprocess

import pytest

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import openai_api
from ansible_collections.privateai.deepseek_dify.tests.doubles.openai_contract_server import OpenAIContractServer

KEY = "sk-test-double-0123456789"
GOOD = {"url": "http://127.0.0.1:8000", "model": "deepseek-r1", "timeout": 5.0, "max_tokens": 32, "max_ttft": None,
        "chat": True, "prompt": "hi", "ca_path": None}


# ---------------------------------------------------------------------------------------------------------- options
@pytest.mark.parametrize("url, expected", [
    ("http://h:8000", "http://h:8000/v1"),
    ("http://h:8000/", "http://h:8000/v1"),
    ("http://h:8000/v1", "http://h:8000/v1"),
    ("https://llm.example.internal/v1/", "https://llm.example.internal/v1"),
    ("https://gw.example.internal/deepseek", "https://gw.example.internal/deepseek/v1"),
])
def test_base_url(url, expected):
    assert openai_api.base_url(url) == expected


def test_good_options_have_no_problem():
    assert openai_api.check_params(GOOD) == []


@pytest.mark.parametrize("changes, expected", [
    ({"url": "deepseek-r1:8000"}, ["url 'deepseek-r1:8000' is not an http:// or https:// URL"]),
    ({"url": "ftp://h/v1"}, ["url 'ftp://h/v1' is not an http:// or https:// URL"]),
    ({"url": "http://h:8000/v1?x=1"}, ["url 'http://h:8000/v1?x=1' has a query"]),
    ({"model": "deep seek"}, ["model 'deep seek' is not a served model name"]),
    ({"model": "-r1"}, ["model '-r1' is not a served model name"]),
    ({"timeout": 0.0}, ["timeout 0.0 is not a positive number"]),
    ({"max_tokens": 0}, ["max_tokens 0 is not between 1 and 4096"]),
    ({"max_tokens": 5000}, ["max_tokens 5000 is not between 1 and 4096"]),
    ({"max_ttft": -1.0}, ["max_ttft -1.0 is not a positive number"]),
    ({"prompt": " "}, ["prompt is empty"]),
    ({"ca_path": "/nonexistent/ca.crt"}, ["ca_path '/nonexistent/ca.crt' is not a file",
                                          "ca_path '/nonexistent/ca.crt' is set but url 'http://127.0.0.1:8000' is "
                                          "plain http"]),
    # every problem at once
    ({"url": "", "model": "a b", "timeout": -1.0, "max_tokens": 0},
     ["url '' is not", "model 'a b' is not", "timeout -1.0 is not", "max_tokens 0 is not"]),
])
def test_bad_options_are_all_named(changes, expected):
    problems = openai_api.check_params(dict(GOOD, **changes))
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected):
        assert problem.startswith(start), problem
        assert "; set " in problem or "; use " in problem, problem  # each names the fix


def test_model_names_of_other_endpoints_are_accepted():
    for name in ("deepseek-ai/DeepSeek-R1", "qwen2.5:7b", "DeepSeek-R1-Distill-Qwen-32B", "m@v1+fp8"):
        assert openai_api.check_params(dict(GOOD, model=name)) == [], name


def test_an_empty_prompt_is_fine_without_a_chat():
    assert openai_api.check_params(dict(GOOD, prompt="", chat=False)) == []


# --------------------------------------------------------------------------------------------------- error answers
@pytest.mark.parametrize("body, expected", [
    ('{"error": "Unauthorized"}', "Unauthorized"),  # vLLM's API key middleware
    ('{"error": {"message": "The model `x` does not exist.", "type": "NotFoundError", "code": 404}}',
     "The model `x` does not exist."),  # newer vLLM
    ('{"object": "error", "message": "The model `x` does not exist.", "type": "NotFoundError", "code": 404}',
     "The model `x` does not exist."),  # older vLLM, SGLang
    ('{"detail": "Not Found"}', "Not Found"),  # FastAPI
    ("<html>\n<body>502   Bad Gateway</body></html>", "<html> <body>502 Bad Gateway</body></html>"),
    ("", "no body"),
])
def test_error_text(body, expected):
    assert openai_api.error_text(body) == expected


@pytest.mark.parametrize("status, body, model, kind, words", [
    (401, '{"error": "Unauthorized"}', None, "unauthorized", ["HTTP 401 (Unauthorized)", "set api_key", "--api-key"]),
    (403, '{"detail": "Forbidden"}', "m", "unauthorized", ["HTTP 403", "set api_key"]),
    (404, '{"error": {"message": "The model `m` does not exist."}}', "m", "model_missing",
     ["model 'm' is not served", "/v1/models"]),
    (404, '{"detail": "Not Found"}', None, "not_found", ["no OpenAI-compatible API at this path", "set url"]),
    (500, '{"error": {"message": "engine dead"}}', "m", "http", ["for model 'm'", "HTTP 500 (engine dead)"]),
])
def test_http_errors_name_the_url_and_the_fix(status, body, model, kind, words):
    error = openai_api.http_error(status, body, "http://h/v1/x", model)
    assert error.kind == kind
    assert error.status == status
    assert error.message.startswith("Failed to call http://h/v1/x")
    for word in words:
        assert word in error.message, error.message


@pytest.mark.parametrize("exc, kind, words", [
    (socket.timeout("timed out"), "timeout", ["within the timeout of 7 seconds", "raise timeout"]),
    (URLError(socket.timeout("timed out")), "timeout", ["timeout of 7 seconds"]),
    (URLError(ConnectionRefusedError(111, "Connection refused")), "refused", ["connection refused", "Service and port"]),
    (URLError(ssl.SSLCertVerificationError("certificate verify failed")), "tls", ["TLS failed", "set ca_path"]),
    (URLError(socket.gaierror(-2, "Name or service not known")), "unreachable", ["Name or service not known"]),
])
def test_transport_errors(exc, kind, words):
    error = openai_api.transport_error(exc, "http://h/v1/models", 7)
    assert error.kind == kind
    assert error.message.startswith("Failed to call http://h/v1/models due to: ")
    for word in words:
        assert word in error.message, error.message


# ---------------------------------------------------------------------------------------------------------- stream
def test_sse_events_stop_at_done_and_skip_comments():
    lines = [b": keep-alive\n", b"data: {\"a\": 1}\n", b"\n", b"event: x\n", b"data:{\"b\": 2}\r\n", b"data: [DONE]\n",
             b"data: {\"after\": 3}\n"]
    assert list(openai_api.sse_events(lines)) == [{"a": 1}, {"b": 2}]


def test_sse_events_refuse_a_stream_without_done():
    with pytest.raises(ValueError, match=r"ended before data: \[DONE\]"):
        list(openai_api.sse_events([b"data: {\"a\": 1}\n"]))


def test_sse_events_refuse_a_line_that_is_not_json():
    with pytest.raises(ValueError):
        list(openai_api.sse_events(["data: {not json\n"]))


def _chunk(delta, finish=None):
    return {"model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


@pytest.mark.parametrize("events, expected", [
    # vLLM/SGLang with the deepseek_r1 reasoning parser
    ([_chunk({"role": "assistant", "content": ""}), _chunk({"reasoning_content": "think"}),
      _chunk({"content": "ok"}), _chunk({}, "stop"), {"model": "m", "choices": [], "usage": {
          "prompt_tokens": 5, "completion_tokens": 2}}],
     {"content": "ok", "reasoning_content": "think", "reasoning_field": "reasoning_content", "first_token": "reasoning",
      "ttft_seconds": 2.0, "finish_reason": "stop", "prompt_tokens": 5, "completion_tokens": 2,
      "think_tag_in_content": False}),
    # newer vLLM: both fields carry the same text, kept once
    ([_chunk({"reasoning_content": "a", "reasoning": "a"}), _chunk({"reasoning_content": "b", "reasoning": "b"}),
      _chunk({"content": "ok"}, "length")],
     {"reasoning_content": "ab", "reasoning_field": "reasoning_content", "finish_reason": "length"}),
    # only the new field
    ([_chunk({"reasoning": "a"}), _chunk({"content": "ok"})], {"reasoning_content": "a", "reasoning_field": "reasoning"}),
    # no reasoning parser: the thinking is inline
    ([_chunk({"content": "<think>"}), _chunk({"content": "hm</think>"}), _chunk({"content": "ok"}, "stop")],
     {"content": "<think>hm</think>ok", "reasoning_separated": False, "think_tag_in_content": True,
      "first_token": "content", "prompt_tokens": None}),
    # a stream without any token
    ([_chunk({"role": "assistant", "content": ""}), _chunk({}, "length")],
     {"first_token": None, "ttft_seconds": None, "chunks": 2}),
])
def test_chat_stream_collects_the_answer(events, expected):
    stream = openai_api.ChatStream(started=10.0)
    for number, event in enumerate(events):
        stream.add(event, 11.0 + number)
    result = stream.result(ended=20.0)
    assert result["total_seconds"] == 10.0
    for key, value in expected.items():
        assert result[key] == value, key


def test_chat_stream_refuses_an_error_event():
    stream = openai_api.ChatStream(started=0.0)
    with pytest.raises(ValueError, match="out of memory"):
        stream.add({"error": {"message": "out of memory", "code": 500}}, 1.0)


# ------------------------------------------------------------------------------------ against the contract double
@pytest.fixture
def server():
    with OpenAIContractServer(models=["deepseek-r1", "bge-m3"], api_key=KEY) as double:
        yield double


def client(double, key=KEY, timeout=5.0, **kwargs):
    return openai_api.OpenAIClient(double.url, api_key=key, timeout=timeout, **kwargs)


def test_lists_the_served_models_with_the_key(server):
    assert client(server).list_models() == ["deepseek-r1", "bge-m3"]
    assert server.requests[-1]["path"] == "/v1/models"
    assert server.requests[-1]["authorization"] is True


def test_smoke_test_passes_and_measures_ttft(server):
    server.first_token_delay = 0.3
    result = openai_api.smoke_test(client(server), "deepseek-r1", prompt="Say ready", max_tokens=8,
                                   expect_reasoning=True, max_ttft=5)
    assert result["problems"] == []
    assert result["models"] == ["deepseek-r1", "bge-m3"]
    completion = result["completion"]
    assert completion["content"] == "ready"
    assert completion["reasoning_content"] == "The user wants one word."
    assert completion["first_token"] == "reasoning"
    assert completion["served_model"] == "deepseek-r1"
    assert completion["completion_tokens"] == 3  # the usage chunk (stream_options.include_usage) was asked for
    assert 0.3 <= result["ttft_seconds"] < 5
    chat = server.requests[-1]["body"]
    assert chat["stream"] is True and chat["model"] == "deepseek-r1" and chat["max_tokens"] == 8
    assert chat["messages"] == [{"role": "user", "content": "Say ready"}]
    assert len(server.requests) == 2  # one list, one chat


def test_the_only_served_model_is_tested_when_none_is_named():
    with OpenAIContractServer(models=["only-one"], reasoning_fields=()) as double:
        result = openai_api.smoke_test(client(double, key=None), None)
    assert result["problems"] == []
    assert result["model"] == "only-one"
    assert result["completion"]["reasoning_separated"] is False


def test_several_models_and_none_named_lists_them(server):
    result = openai_api.smoke_test(client(server), None)
    assert result["problems"] == ["%s/v1 serves 2 models (deepseek-r1, bge-m3); set model to the one to test"
                                  % server.url]
    assert len(server.requests) == 1


def test_models_only(server):
    result = openai_api.smoke_test(client(server), "bge-m3", chat=False)
    assert result["problems"] == [] and result["completion"] == {} and result["ttft_seconds"] is None
    assert [r["path"] for r in server.requests] == ["/v1/models"]


def test_a_wrong_key_is_refused_and_never_echoed(server):
    wrong = "sk-wrong-key-987654"
    result = openai_api.smoke_test(client(server, key=wrong), "deepseek-r1")
    [problem] = result["problems"]
    assert problem.startswith("Failed to call %s/v1/models due to: HTTP 401 (Unauthorized)" % server.url)
    assert "set api_key" in problem
    assert wrong not in json.dumps(result) and KEY not in json.dumps(result)
    assert len(server.requests) == 1  # no chat after a refused key


def test_no_key_against_a_server_that_needs_one(server):
    result = openai_api.smoke_test(client(server, key=None), "deepseek-r1")
    assert "HTTP 401" in result["problems"][0]
    assert server.requests[0]["authorization"] is False


def test_a_model_that_is_not_served_lists_the_served_names(server):
    result = openai_api.smoke_test(client(server), "deepseek-v3")
    assert result["problems"] == ["model 'deepseek-v3' is not served at %s/v1; the served names there are: "
                                  "deepseek-r1, bge-m3; set model to one of them (the engine's --served-model-name)"
                                  % server.url]
    assert len(server.requests) == 1


def test_the_chat_404_of_a_missing_model_names_it(server):
    with pytest.raises(openai_api.ApiError) as exc:
        client(server).chat("gone", "hi")
    assert exc.value.kind == "model_missing"
    assert "model 'gone' is not served" in exc.value.message
    assert "The model `gone` does not exist." in exc.value.message


def test_a_slow_first_token_times_out_naming_url_and_timeout(server):
    server.first_token_delay = 1.5
    result = openai_api.smoke_test(client(server, timeout=0.4), "deepseek-r1")
    assert result["problems"] == ["Failed to call %s/v1/chat/completions due to: no answer within the timeout of 0.4 "
                                  "seconds; the server is overloaded, still loading or not reachable; raise timeout "
                                  "or check the server's logs" % server.url]


def test_a_slow_model_list_times_out(server):
    server.models_delay = 1.5
    with pytest.raises(openai_api.ApiError) as exc:
        client(server, timeout=0.4).list_models()
    assert exc.value.kind == "timeout"
    assert "%s/v1/models" % server.url in exc.value.message


def test_a_stream_cut_short_fails_naming_the_url(server):
    server.cut_stream = True
    with pytest.raises(openai_api.ApiError) as exc:
        client(server).chat("deepseek-r1", "hi")
    assert exc.value.kind == "bad_response", exc.value.message
    assert exc.value.message == ("Failed to read the chat completion of model 'deepseek-r1' from %s/v1/chat/completions "
                                 "due to: the stream ended before data: [DONE] (the server closed it mid-answer; check "
                                 "its logs)" % server.url)


def test_ttft_over_the_limit_is_a_problem(server):
    server.first_token_delay = 0.3
    result = openai_api.smoke_test(client(server), "deepseek-r1", max_ttft=0.05)
    [problem] = result["problems"]
    assert problem.startswith("the time to first token of model 'deepseek-r1' at %s/v1/chat/completions was "
                              % server.url)
    assert "more than max_ttft 0.05 s" in problem
    assert result["ttft_seconds"] >= 0.3  # the measurement is still reported


def test_reasoning_not_separated_is_a_problem_when_expected():
    with OpenAIContractServer(reasoning_fields=(), think_inline=True) as double:
        result = openai_api.smoke_test(client(double, key=None), "deepseek-r1", expect_reasoning=True)
    [problem] = result["problems"]
    assert "has no separate reasoning" in problem and "(the answer holds <think> tags)" in problem
    assert "--reasoning-parser deepseek_r1" in problem
    assert result["completion"]["content"].startswith("<think>")


def test_reasoning_where_none_is_expected_is_a_problem(server):
    result = openai_api.smoke_test(client(server), "deepseek-r1", expect_reasoning=False)
    assert "has separate reasoning (reasoning_content) but expect_reasoning is false" in result["problems"][0]


def test_newer_vllm_reasoning_field_is_read():
    with OpenAIContractServer(reasoning_fields=("reasoning",)) as double:
        result = openai_api.smoke_test(client(double, key=None), "deepseek-r1", expect_reasoning=True)
    assert result["problems"] == []
    assert result["completion"]["reasoning_field"] == "reasoning"


def test_a_refused_connection_names_the_url():
    double = OpenAIContractServer()
    url = double.url
    double.stop()  # the port was bound and is closed again: nothing listens there now
    result = openai_api.smoke_test(openai_api.OpenAIClient(url, timeout=2), "deepseek-r1")
    [problem] = result["problems"]
    assert problem.startswith("Failed to call %s/v1/models due to: connection refused" % url)


class OpenerTestDouble(object):
    """Test double of open_url answering every request with one canned body (for answers the contract server
    never gives)."""

    def __init__(self, body):
        self.body = body

    def __call__(self, url, **kwargs):
        return io.BytesIO(self.body)


@pytest.mark.parametrize("body", [b"<html>hello</html>", b'{"data": "x"}', b"[]"])
def test_a_model_list_that_is_not_one_is_a_bad_response(body):
    api = openai_api.OpenAIClient("http://h:1", opener=OpenerTestDouble(body))
    with pytest.raises(openai_api.ApiError) as exc:
        api.list_models()
    assert exc.value.kind == "bad_response"
    assert "http://h:1/v1/models" in exc.value.message


def test_a_broken_stream_is_a_bad_response_naming_the_model():
    api = openai_api.OpenAIClient("http://h:1", opener=OpenerTestDouble(b"data: {broken\n\n"))
    with pytest.raises(openai_api.ApiError) as exc:
        api.chat("m", "hi")
    assert exc.value.kind == "bad_response"
    assert "model 'm' from http://h:1/v1/chat/completions" in exc.value.message


def test_a_key_echoed_by_a_server_is_redacted():
    def opener(url, **kwargs):
        raise HTTPError(url, 400, "Bad Request", {}, io.BytesIO(json.dumps({"message": "bad key %s" % KEY}).encode()))

    api = openai_api.OpenAIClient("http://h:1", api_key=KEY, opener=opener)
    with pytest.raises(openai_api.ApiError) as exc:
        api.list_models()
    assert KEY not in exc.value.message
    assert "bad key ********" in exc.value.message


# --------------------------------------------------------------------------------------------------------------- TLS
@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (its own CA), made with the openssl command."""
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "ca.crt", directory / "ca.key"
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key),
                        "-out", str(cert)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip("the openssl command cannot make a test certificate: %s" % exc)
    return str(cert), str(key)


def test_tls_with_the_internal_ca(certificate):
    cert, key = certificate
    with OpenAIContractServer(certfile=cert, keyfile=key) as double:
        assert double.url.startswith("https://")
        verified = openai_api.smoke_test(client(double, key=None, ca_path=cert), "deepseek-r1")
        unknown_ca = openai_api.smoke_test(client(double, key=None), "deepseek-r1")
        unchecked = openai_api.smoke_test(client(double, key=None, validate_certs=False), "deepseek-r1", chat=False)
    assert verified["problems"] == []
    assert verified["completion"]["content"] == "ready"
    [problem] = unknown_ca["problems"]
    assert problem.startswith("Failed to call %s/v1/models due to: TLS failed" % double.url), problem
    assert "set ca_path" in problem
    assert unchecked["problems"] == []
