# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small client of the OpenAI-compatible API that vLLM and SGLang serve, and the serving smoke test built on it.

Only what the smoke test needs: ``GET /v1/models``, one streamed ``POST /v1/chat/completions`` (chat models), one
``POST /v1/embeddings`` (embedding models) or one ``POST /v1/rerank`` (rerankers, vLLM's Jina/Cohere-style API), through
Ansible's ``module_utils.urls.open_url`` (no dependency beyond ansible-core on the node). Every failure becomes an
``ApiError`` whose message names the URL, the model when there is one, the cause and the fix. The API key is sent in
the ``Authorization: Bearer`` header and never put into a result or a message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import socket
import ssl
import time

from ansible.module_utils.six.moves import http_client
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urlparse
from ansible.module_utils.urls import open_url

DEFAULT_PROMPT = "Reply with the single word: ready."
DEFAULT_MAX_TOKENS = 32
DEFAULT_TIMEOUT = 30.0
REDACTED = "********"
# Where the reasoning parser of vLLM (--reasoning-parser deepseek_r1) and SGLang (deepseek-r1) puts the thinking of
# an R1-style model: reasoning_content; newer vLLM also (or only) reasoning.
REASONING_FIELDS = ("reasoning_content", "reasoning")
THINK_TAGS = ("<think>", "</think>")
# A served model name as clients send it: vLLM/SGLang accept any string, this collection serves DNS labels, other
# endpoints use repository names (deepseek-ai/DeepSeek-R1) or tags (model:7b). No spaces, no control characters.
MODEL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,254}$")
KINDS = ("chat", "embedding", "rerank")
# The embedding smoke test embeds these; the rerank one ranks the documents for the query: any reranker puts the
# first document (the answer) above the second (unrelated).
EMBED_INPUTS = ("The capital of France is Paris.", "Bananas are yellow.")
RERANK_QUERY = "What is the capital of France?"
RERANK_DOCUMENTS = ("The capital of France is Paris.", "Bananas are yellow and grow in bunches.")


class ApiError(Exception):
    """A request that failed; ``kind`` is one of unauthorized, model_missing, not_found, http, timeout, refused,
    tls, unreachable, bad_response; ``message`` names the URL, the cause and the fix."""

    def __init__(self, kind, message, status=None):
        super(ApiError, self).__init__(message)
        self.kind = kind
        self.message = message
        self.status = status


def base_url(url):
    """The API base of ``url`` (``http://host:8000`` or ``http://host:8000/v1``, with or without a trailing slash),
    always ending in ``/v1``."""
    url = url.strip().rstrip("/")
    if not url.endswith("/v1"):
        url += "/v1"
    return url


def check_params(params):
    """Every problem of the module's options at once, each naming the option, the value and the fix."""
    problems = []
    url = params.get("url")
    parsed = urlparse(url or "")
    if not url or parsed.scheme not in ("http", "https") or not parsed.hostname:
        problems.append("url %r is not an http:// or https:// URL with a host; set url to the endpoint, for example "
                        "http://deepseek-r1.serving.svc:8000 or https://llm.example.internal/v1" % (url,))
    elif parsed.query or parsed.fragment or re.search(r"\s", url):
        problems.append("url %r has a query, a fragment or a space; set url to the endpoint's base, for example "
                        "http://deepseek-r1.serving.svc:8000" % (url,))
    model = params.get("model")
    if model is not None and not MODEL_NAME_RE.match(model):
        problems.append("model %r is not a served model name (letters, digits and . _ : / @ + -, first a letter or "
                        "digit, at most 255); set model to the name the server lists at /v1/models" % (model,))
    timeout = params.get("timeout")
    if timeout is None or not timeout > 0:
        problems.append("timeout %r is not a positive number of seconds; set timeout to, for example, %s"
                        % (timeout, DEFAULT_TIMEOUT))
    max_tokens = params.get("max_tokens")
    if max_tokens is None or max_tokens < 1 or max_tokens > 4096:
        problems.append("max_tokens %r is not between 1 and 4096; set max_tokens to a few tokens, for example %d"
                        % (max_tokens, DEFAULT_MAX_TOKENS))
    max_ttft = params.get("max_ttft")
    if max_ttft is not None and not max_ttft > 0:
        problems.append("max_ttft %r is not a positive number of seconds; set it to the time-to-first-token you "
                        "accept, or leave it unset" % (max_ttft,))
    kind = params.get("kind") or "chat"
    if kind not in KINDS:
        problems.append("kind %r is not one of %s; set kind to what the model serves" % (kind, ", ".join(KINDS)))
    if params.get("expect_reasoning") is not None and kind != "chat":
        problems.append("expect_reasoning is set but kind is %r; reasoning is judged for chat models only, leave it "
                        "unset" % (kind,))
    if params.get("chat", True) and kind == "chat" and not (params.get("prompt") or "").strip():
        problems.append("prompt is empty; set prompt to a short question, for example %r" % DEFAULT_PROMPT)
    ca_path = params.get("ca_path")
    if ca_path and not os.path.isfile(ca_path):
        problems.append("ca_path %r is not a file; set ca_path to the internal CA bundle (PEM) on the host the "
                        "module runs on" % (ca_path,))
    if ca_path and parsed.scheme == "http":
        problems.append("ca_path %r is set but url %r is plain http; use the https:// URL or leave ca_path unset"
                        % (ca_path, url))
    return problems


def error_text(body):
    """The message of an OpenAI-style error body: vLLM's {"error": "Unauthorized"} (API key middleware),
    {"error": {"message": ...}} (newer vLLM), {"object": "error", "message": ...} (older vLLM, SGLang),
    {"detail": ...} (FastAPI); otherwise the start of the text."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str) and error:
            return error
        for key in ("message", "detail"):
            if data.get(key):
                return str(data[key])
    text = " ".join((body or "").split())
    return text[:200] if text else "no body"


def http_error(status, body, url, model=None):
    """The ApiError of an HTTP error answer, with the fix."""
    text = error_text(body)
    if status in (401, 403):
        return ApiError("unauthorized", "Failed to call %s due to: HTTP %d (%s): the API key was refused; set api_key "
                                        "to the key the server was started with (vLLM --api-key or VLLM_API_KEY, "
                                        "SGLang --api-key)" % (url, status, text), status)
    if status == 404 and model is not None and "model" in text.lower():
        return ApiError("model_missing", "Failed to call %s due to: HTTP 404 (%s): model %r is not served there; set "
                                         "model to a name listed at /v1/models" % (url, text, model), status)
    if status == 404:
        return ApiError("not_found", "Failed to call %s due to: HTTP 404 (%s): no OpenAI-compatible API at this path; "
                                     "set url to the server's base (http://host:port or http://host:port/v1)"
                        % (url, text), status)
    return ApiError("http", "Failed to call %s%s due to: HTTP %d (%s)"
                    % (url, "" if model is None else " for model %r" % model, status, text), status)


def _is_timeout(exc):
    return isinstance(exc, (socket.timeout, TimeoutError)) or "timed out" in str(exc).lower()


def transport_error(exc, url, timeout):
    """The ApiError of a failure below HTTP (refused, timeout, TLS, name resolution)."""
    reason = getattr(exc, "reason", exc)
    if _is_timeout(reason):
        return ApiError("timeout", "Failed to call %s due to: no answer within the timeout of %s seconds; the server "
                                   "is overloaded, still loading or not reachable; raise timeout or check the "
                                   "server's logs" % (url, timeout))
    if isinstance(reason, ConnectionRefusedError) or "refused" in str(reason).lower():
        return ApiError("refused", "Failed to call %s due to: connection refused (%s): nothing listens there; check "
                                   "that the server runs and that url names its Service and port" % (url, reason))
    if isinstance(reason, ssl.SSLError) or "certificate" in str(reason).lower() or "ssl" in str(reason).lower():
        return ApiError("tls", "Failed to call %s due to: TLS failed (%s); set ca_path to the internal CA bundle that "
                               "signed the server's certificate (or validate_certs=false for a test endpoint)"
                        % (url, reason))
    return ApiError("unreachable", "Failed to call %s due to: %s; check url and the network path to the server"
                    % (url, reason))


def sse_events(lines):
    """The JSON events of a server-sent event stream (``data: {...}`` lines), up to ``data: [DONE]``.

    ``lines`` is an iterable of bytes or text lines. Comments (``:``) and other fields are skipped.
    Raises ValueError on a data line that is not JSON and on a stream that ends before ``[DONE]`` (vLLM and SGLang
    always send it; without it the server closed the stream mid-answer)."""
    for raw in lines:
        line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        line = line.rstrip("\r\n")
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            return
        if data:
            yield json.loads(data)
    raise ValueError("the stream ended before data: [DONE] (the server closed it mid-answer; check its logs)")


class ChatStream(object):
    """What a streamed chat completion said, collected chunk by chunk, with the time of the first token."""

    def __init__(self, started):
        self.started = started
        self.content = []
        self.reasoning = []
        self.reasoning_field = None
        self.finish_reason = None
        self.usage = None
        self.first_token_at = None
        self.first_token = None
        self.chunks = 0
        self.served_model = None

    def add(self, event, now):
        """Take one chunk (a chat.completion.chunk); returns nothing. Raises ValueError on an error event."""
        if "error" in event:
            raise ValueError(error_text(json.dumps(event)))
        self.chunks += 1
        self.served_model = event.get("model") or self.served_model
        if event.get("usage"):
            self.usage = event["usage"]
        for choice in event.get("choices") or []:
            delta = choice.get("delta") or {}
            for field in REASONING_FIELDS:
                text = delta.get(field)
                if text:
                    # Newer vLLM sends both fields with the same text: keep one.
                    if self.reasoning_field in (None, field):
                        self.reasoning_field = field
                        self.reasoning.append(text)
                    self._first(now, "reasoning")
            text = delta.get("content")
            if text:
                self.content.append(text)
                self._first(now, "content")
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]

    def _first(self, now, kind):
        if self.first_token_at is None:
            self.first_token_at = now
            self.first_token = kind

    def result(self, ended):
        content = "".join(self.content)
        usage = self.usage or {}
        return {
            "content": content,
            "reasoning_content": "".join(self.reasoning),
            "reasoning_field": self.reasoning_field,
            "reasoning_separated": self.reasoning_field is not None,
            "think_tag_in_content": any(tag in content for tag in THINK_TAGS),
            "first_token": self.first_token,
            "finish_reason": self.finish_reason,
            "ttft_seconds": None if self.first_token_at is None else round(self.first_token_at - self.started, 4),
            "total_seconds": round(ended - self.started, 4),
            "chunks": self.chunks,
            "served_model": self.served_model,
            "prompt_tokens": usage.get("prompt_tokens"),
            "completion_tokens": usage.get("completion_tokens"),
        }


class OpenAIClient(object):
    """GET /v1/models and a streamed POST /v1/chat/completions against one OpenAI-compatible endpoint.

    ``opener`` is ``open_url`` (replaceable by a test double); ``clock`` is ``time.monotonic``."""

    def __init__(self, url, api_key=None, timeout=DEFAULT_TIMEOUT, validate_certs=True, ca_path=None,
                 opener=open_url, clock=time.monotonic):
        self.base = base_url(url)
        self.api_key = api_key
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.opener = opener
        self.clock = clock

    def _headers(self):
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = "Bearer %s" % self.api_key
        return headers

    def redact(self, text):
        return text.replace(self.api_key, REDACTED) if self.api_key else text

    def _open(self, path, body=None, model=None):
        url = self.base + path
        try:
            return self.opener(url, data=None if body is None else json.dumps(body), headers=self._headers(),
                               method="GET" if body is None else "POST", timeout=self.timeout,
                               validate_certs=self.validate_certs, ca_path=self.ca_path, use_netrc=False,
                               decompress=False, follow_redirects="safe",
                               http_agent="privateai.deepseek_dify serving_smoke_test")
        except HTTPError as exc:
            try:
                text = exc.read().decode("utf-8", "replace")
            except Exception:  # pylint: disable=broad-except  # the body is only for the message
                text = ""
            error = http_error(exc.code, text, url, model)
        except (URLError, socket.error, ssl.SSLError, TimeoutError, http_client.HTTPException) as exc:
            error = transport_error(exc, url, self.timeout)
        raise ApiError(error.kind, self.redact(error.message), error.status)

    def list_models(self):
        """The ids of the served models, in the server's order."""
        url = self.base + "/models"
        response = self._open("/models")
        try:
            data = json.loads(response.read().decode("utf-8", "replace"))
        except (socket.error, TimeoutError, http_client.HTTPException) as exc:
            raise transport_error(exc, url, self.timeout)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise ApiError("bad_response", "Failed to list the models at %s due to: the answer is not an OpenAI model "
                                           "list ({\"object\": \"list\", \"data\": [...]}); check that url names an "
                                           "OpenAI-compatible server" % url)
        return [str(entry.get("id")) for entry in data["data"] if isinstance(entry, dict) and entry.get("id")]

    def chat(self, model, prompt, max_tokens=DEFAULT_MAX_TOKENS):
        """One streamed chat completion; returns ChatStream.result() (text, reasoning, TTFT, finish reason)."""
        url = self.base + "/chat/completions"
        body = {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens,
                "temperature": 0, "stream": True, "stream_options": {"include_usage": True}}
        started = self.clock()
        response = self._open("/chat/completions", body, model)
        stream = ChatStream(started)
        try:
            for event in sse_events(iter(response.readline, b"")):
                stream.add(event, self.clock())
        except (socket.error, TimeoutError, http_client.HTTPException) as exc:  # timeout, reset, cut short
            raise transport_error(exc, url, self.timeout)
        except ValueError as exc:
            raise ApiError("bad_response", self.redact("Failed to read the chat completion of model %r from %s due to: "
                                                       "%s" % (model, url, exc)))
        return stream.result(self.clock())


def _post_json(client, path, body, model):
    """POST a JSON body and parse the JSON answer; returns (answer, seconds)."""
    url = client.base + path
    started = client.clock()
    response = client._open(path, body, model)  # pylint: disable=protected-access
    try:
        data = json.loads(response.read().decode("utf-8", "replace"))
    except (socket.error, TimeoutError, http_client.HTTPException) as exc:
        raise transport_error(exc, url, client.timeout)
    except ValueError:
        data = None
    return data, round(client.clock() - started, 4)


def embed(client, model, texts=EMBED_INPUTS):
    """One ``POST /v1/embeddings``; returns {count, dimensions, seconds, prompt_tokens}. Raises ApiError on an
    answer that is not one vector of numbers per input, all of one length."""
    url = client.base + "/embeddings"
    data, seconds = _post_json(client, "/embeddings", {"model": model, "input": list(texts)}, model)
    vectors = data.get("data") if isinstance(data, dict) else None
    lengths = set()
    for entry in vectors if isinstance(vectors, list) else []:
        vector = entry.get("embedding") if isinstance(entry, dict) else None
        if isinstance(vector, list) and vector and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                       for x in vector):
            lengths.add(len(vector))
        else:
            lengths.add(None)
    if not isinstance(vectors, list) or len(vectors) != len(texts) or None in lengths or len(lengths) != 1:
        raise ApiError("bad_response", "Failed to embed %d texts with model %r at %s due to: the answer is not one "
                                       "vector of numbers per text ({\"data\": [{\"embedding\": [...]}]}); check "
                                       "that the model is an embedding model served with --task embed"
                       % (len(texts), model, url))
    usage = data.get("usage") or {}
    return {"count": len(vectors), "dimensions": lengths.pop(), "seconds": seconds,
            "prompt_tokens": usage.get("prompt_tokens")}


def rerank(client, model, query=RERANK_QUERY, documents=RERANK_DOCUMENTS):
    """One ``POST /v1/rerank``; returns {order (document indexes, best first), scores (by index), seconds}.
    Raises ApiError on an answer without one relevance score per document."""
    url = client.base + "/rerank"
    data, seconds = _post_json(client, "/rerank", {"model": model, "query": query, "documents": list(documents)},
                               model)
    results = data.get("results") if isinstance(data, dict) else None
    scores = {}
    for entry in results if isinstance(results, list) else []:
        if not isinstance(entry, dict):
            continue
        index, score = entry.get("index"), entry.get("relevance_score")
        if isinstance(index, int) and isinstance(score, (int, float)) and not isinstance(score, bool):
            scores[index] = float(score)
    if sorted(scores) != list(range(len(documents))):
        raise ApiError("bad_response", "Failed to rerank %d documents with model %r at %s due to: the answer has no "
                                       "relevance_score for every document ({\"results\": [{\"index\": 0, "
                                       "\"relevance_score\": ...}]}); check that the model is a reranker served "
                                       "with --task score" % (len(documents), model, url))
    order = sorted(scores, key=lambda i: -scores[i])
    return {"order": order, "scores": [scores[i] for i in range(len(documents))], "seconds": seconds}


def _judge_other(client, result, model, kind):
    """The embedding or rerank request of the smoke test, judged into ``result``."""
    try:
        if kind == "embedding":
            result["embedding"] = embed(client, model)
        else:
            result["rerank"] = ranked = rerank(client, model)
            if ranked["order"][0] != 0:
                result["problems"].append(
                    "model %r at %s/rerank ranked %r above the answer %r for the query %r (scores %s); check that the "
                    "served model is a reranker and its weights are complete"
                    % (model, client.base, RERANK_DOCUMENTS[ranked["order"][0]], RERANK_DOCUMENTS[0], RERANK_QUERY,
                       ranked["scores"]))
    except ApiError as exc:
        result["problems"].append(exc.message)
    return result


def smoke_test(client, model=None, chat=True, prompt=DEFAULT_PROMPT, max_tokens=DEFAULT_MAX_TOKENS,
               expect_reasoning=None, max_ttft=None, kind="chat"):
    """List the models, check ``model`` is served, run one streamed chat completion (``kind`` chat), one embedding
    (embedding) or one rerank (rerank) and judge it.

    Returns the result (``url``, ``models``, ``model``, ``completion``, ``ttft_seconds``, ``problems``). It stops at
    the first request that fails; its problem names the URL, the model and the fix."""
    result = {"url": client.base, "models": [], "model": model, "kind": kind, "completion": {}, "embedding": {},
              "rerank": {}, "ttft_seconds": None, "problems": []}
    problems = result["problems"]
    try:
        result["models"] = client.list_models()
    except ApiError as exc:
        problems.append(exc.message)
        return result
    served = result["models"]
    if not served:
        problems.append("%s/models lists no model; the server has not loaded one yet (check its logs)" % client.base)
        return result
    if model is None:
        if len(served) > 1:
            problems.append("%s serves %d models (%s); set model to the one to test"
                            % (client.base, len(served), ", ".join(served)))
            return result
        model = result["model"] = served[0]
    elif model not in served:
        problems.append("model %r is not served at %s; the served names there are: %s; set model to one of them (the "
                        "engine's --served-model-name)" % (model, client.base, ", ".join(served)))
        return result
    if not chat:
        return result
    if kind != "chat":
        return _judge_other(client, result, model, kind)
    try:
        completion = client.chat(model, prompt, max_tokens)
    except ApiError as exc:
        problems.append(exc.message)
        return result
    result["completion"] = completion
    result["ttft_seconds"] = completion["ttft_seconds"]
    url = client.base + "/chat/completions"
    if completion["first_token"] is None:
        problems.append("the chat completion of model %r at %s returned no token (finish reason %s); check the "
                        "server's logs" % (model, url, completion["finish_reason"]))
    if expect_reasoning and not completion["reasoning_separated"]:
        hint = " (the answer holds <think> tags)" if completion["think_tag_in_content"] else ""
        problems.append("the chat completion of model %r at %s has no separate reasoning (no reasoning_content or "
                        "reasoning in the deltas)%s; start the engine with --reasoning-parser deepseek_r1 (vLLM) or "
                        "deepseek-r1 (SGLang), or set expect_reasoning=false for a model that does not reason"
                        % (model, url, hint))
    if expect_reasoning is False and completion["reasoning_separated"]:
        field = completion["reasoning_field"]
        problems.append("the chat completion of model %r at %s has separate reasoning (%s) but expect_reasoning is "
                        "false; set expect_reasoning=true for a reasoning model" % (model, url, field))
    if max_ttft is not None and completion["ttft_seconds"] is not None and completion["ttft_seconds"] > max_ttft:
        problems.append("the time to first token of model %r at %s was %.3f s, more than max_ttft %s s; check the "
                        "server's load, or raise max_ttft" % (model, url, completion["ttft_seconds"], max_ttft))
    return result
