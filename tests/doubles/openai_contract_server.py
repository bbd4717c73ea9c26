# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLE of an OpenAI-compatible inference server (vLLM's or SGLang's API server), for the serving smoke test.

It is not an inference engine: it answers with canned text, on 127.0.0.1 only. It implements the contract the smoke
test relies on, as vLLM and SGLang document and serve it:

- ``GET /v1/models``: ``{"object": "list", "data": [{"id": <served name>, "object": "model", "owned_by": ...}]}``.
- ``POST /v1/chat/completions`` with ``"stream": true``: server-sent events, one ``data: <chat.completion.chunk>``
  per delta (first ``{"role": "assistant", "content": ""}``, then the reasoning deltas of an R1-style model - in
  ``reasoning_content``, and with ``reasoning_fields=("reasoning_content", "reasoning")`` in both as newer vLLM does -
  then ``content`` deltas, a last choice with ``finish_reason``, a usage chunk with empty ``choices`` when
  ``stream_options.include_usage`` is set), then ``data: [DONE]``. Without a reasoning parser an R1 model's thinking
  arrives inline in ``content`` between ``<think>`` tags (``reasoning_fields=()``, ``think_inline=True``).
  Without ``"stream": true`` one ``chat.completion`` object.
- API key (``--api-key``): every ``/v1`` path needs ``Authorization: Bearer <key>``; otherwise HTTP 401 with
  vLLM's body ``{"error": "Unauthorized"}``.
- ``POST /v1/embeddings`` (vLLM with ``--task embed``): ``{"object": "list", "data": [{"object": "embedding",
  "index": i, "embedding": [floats]}], "model": ..., "usage": {...}}``, one vector of ``embedding_dimensions`` per input.
- ``POST /v1/rerank`` (vLLM's Jina/Cohere-style rerank API, ``--task score``): ``{"id": ..., "model": ...,
  "results": [{"index": i, "document": {"text": ...}, "relevance_score": s}], "usage": {...}}``, results best first.
  The canned score is the share of the query's words a document holds (``rerank_inverted`` inverts it, as a broken
  reranker would).
- Unknown model: HTTP 404 with vLLM's error object (``{"error": {"message": "The model `x` does not exist.",
  "type": "NotFoundError", "param": "model", "code": 404}}``).

Knobs for the error paths: ``first_token_delay`` (seconds before the first delta, to measure TTFT or to exceed a
read timeout), ``models_delay`` (seconds before answering ``/v1/models``), ``cut_stream`` (close the connection
after the first chunk, as a crashing engine does). ``requests`` records what was asked
(method, path, whether an Authorization header came, the parsed body) - never the key itself.

With ``certfile``/``keyfile`` it serves HTTPS (for the certificate checks). Use in-process
(``with OpenAIContractServer(...) as server: server.url``) or as a script that prints its port:
``python openai_contract_server.py --model m --api-key-file F [--reasoning] [--first-token-delay S]``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import ssl
import time

from http.server import BaseHTTPRequestHandler

try:
    from ansible_collections.privateai.deepseek_dify.tests.doubles.http_double import ThreadedHTTPDouble
except ImportError:  # run as a script (python tests/doubles/<double>.py): its folder is on sys.path
    from http_double import ThreadedHTTPDouble

CREATED = 1764460800


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "openai-contract-test-double/1"

    def log_message(self, *args):  # pylint: disable=arguments-differ  # quiet: tests read results, not logs
        pass

    def _send(self, status, body, content_type="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self):
        double = self.server.double
        header = self.headers.get("Authorization")
        double.requests.append({"method": self.command, "path": self.path, "authorization": header is not None,
                                "body": self._body})
        if double.api_key is None or not self.path.startswith("/v1"):
            return True
        if header == "Bearer %s" % double.api_key:
            return True
        self._send(401, {"error": "Unauthorized"})
        return False

    def do_GET(self):  # noqa: N802 (BaseHTTPRequestHandler's name)
        self._body = None
        if not self._authorized():
            return
        double = self.server.double
        if self.path.rstrip("/") == "/v1/models":
            if double.models_delay:
                time.sleep(double.models_delay)
            self._send(200, {"object": "list", "data": [
                {"id": name, "object": "model", "created": CREATED, "owned_by": double.owned_by, "root": name,
                 "parent": None, "max_model_len": 32768} for name in double.models]})
        elif self.path == "/health":
            self._send(200, b"", "text/plain")
        else:
            self._send(404, {"detail": "Not Found"})

    def do_POST(self):  # noqa: N802 (BaseHTTPRequestHandler's name)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            self._body = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            self._body = None
        if not self._authorized():
            return
        body = self._body
        if self.path in ("/v1/embeddings", "/v1/rerank"):
            self._other(body)
            return
        if self.path != "/v1/chat/completions":
            self._send(404, {"detail": "Not Found"})
            return
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            self._send(400, {"error": {"message": "messages is required", "type": "BadRequestError",
                                       "param": "messages", "code": 400}})
            return
        model = body.get("model")
        if model not in self.server.double.models:
            self._send(404, {"error": {"message": "The model `%s` does not exist." % model, "type": "NotFoundError",
                                       "param": "model", "code": 404}})
            return
        if body.get("stream"):
            self._stream(model, body)
        else:
            self._complete(model)

    def _other(self, body):
        double = self.server.double
        model = body.get("model") if isinstance(body, dict) else None
        if model not in double.models:
            self._send(404, {"error": {"message": "The model `%s` does not exist." % model, "type": "NotFoundError",
                                       "param": "model", "code": 404}})
            return
        if self.path == "/v1/embeddings":
            texts = body.get("input")
            texts = [texts] if isinstance(texts, str) else texts
            data = [{"object": "embedding", "index": i,
                     "embedding": [round((len(text) % 7 + k) / 10.0, 3) for k in range(double.embedding_dimensions)]}
                    for i, text in enumerate(texts or [])]
            self._send(200, {"id": "embd-double", "object": "list", "created": CREATED, "model": model, "data": data,
                             "usage": {"prompt_tokens": 12, "total_tokens": 12}})
            return
        words = set(str(body.get("query", "")).lower().strip("?").split())
        results = []
        for i, text in enumerate(body.get("documents") or []):
            share = len(words & set(text.lower().strip(".").split())) / float(len(words) or 1)
            results.append({"index": i, "document": {"text": text},
                            "relevance_score": round(1 - share if double.rerank_inverted else share, 4)})
        results.sort(key=lambda r: -r["relevance_score"])
        self._send(200, {"id": "rerank-double", "model": model, "usage": {"total_tokens": 20}, "results": results})

    def _pieces(self):
        double = self.server.double
        reasoning = list(double.reasoning_text) if double.reasoning_fields else []
        content = list(double.content_text)
        if double.think_inline:
            content = ["<think>"] + list(double.reasoning_text) + ["</think>"] + content
        return reasoning, content

    def _complete(self, model):
        double = self.server.double
        reasoning, content = self._pieces()
        message = {"role": "assistant", "content": "".join(content)}
        for field in double.reasoning_fields:
            message[field] = "".join(reasoning)
        self._send(200, {"id": "chatcmpl-double", "object": "chat.completion", "created": CREATED, "model": model,
                         "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                         "usage": {"prompt_tokens": 9, "completion_tokens": len(reasoning) + len(content),
                                   "total_tokens": 9 + len(reasoning) + len(content)}})

    def _event(self, data):
        text = data if isinstance(data, str) else json.dumps(data)
        chunk = ("data: %s\n\n" % text).encode("utf-8")
        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.flush()

    def _stream(self, model, body):
        double = self.server.double
        reasoning, content = self._pieces()

        def chunk(delta, finish_reason=None):
            return {"id": "chatcmpl-double", "object": "chat.completion.chunk", "created": CREATED, "model": model,
                    "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._event(chunk({"role": "assistant", "content": ""}))
        if double.first_token_delay:
            time.sleep(double.first_token_delay)
        if double.cut_stream:  # the engine died mid-answer: the connection closes without the last chunk
            self.close_connection = True
            return
        try:
            for piece in reasoning:
                self._event(chunk(dict((field, piece) for field in double.reasoning_fields)))
            for piece in content:
                self._event(chunk({"content": piece}))
            self._event(chunk({}, "stop"))
            if (body.get("stream_options") or {}).get("include_usage"):
                self._event({"id": "chatcmpl-double", "object": "chat.completion.chunk", "created": CREATED,
                             "model": model, "choices": [],
                             "usage": {"prompt_tokens": 9, "completion_tokens": len(reasoning) + len(content),
                                       "total_tokens": 9 + len(reasoning) + len(content)}})
            self._event("[DONE]")
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its read timeout)
            self.close_connection = True


class OpenAIContractServer(ThreadedHTTPDouble):
    """The test double's server on 127.0.0.1 (a free port unless ``port`` is given), in a thread."""

    thread_name = "openai-contract-double"

    def __init__(self, models=("deepseek-r1",), api_key=None, reasoning_fields=("reasoning_content",),
                 think_inline=False, reasoning_text=("The user ", "wants one word."),
                 content_text=("ready",), first_token_delay=0.0, models_delay=0.0, owned_by="vllm", port=0,
                 certfile=None, keyfile=None, cut_stream=False, embedding_dimensions=8, rerank_inverted=False):
        self.models = list(models)
        self.api_key = api_key
        self.reasoning_fields = tuple(reasoning_fields)
        self.think_inline = think_inline
        self.reasoning_text = tuple(reasoning_text)
        self.content_text = tuple(content_text)
        self.first_token_delay = first_token_delay
        self.models_delay = models_delay
        self.cut_stream = cut_stream
        self.embedding_dimensions = embedding_dimensions
        self.rerank_inverted = rerank_inverted
        self.owned_by = owned_by
        self.requests = []
        super(OpenAIContractServer, self).__init__(_Handler, port=port)
        if certfile:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile, keyfile)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
            self.scheme = "https"


def main(argv=None):
    parser = argparse.ArgumentParser(description="TEST DOUBLE of an OpenAI-compatible server (vLLM/SGLang API)")
    parser.add_argument("--model", action="append", required=True, help="a served model name (repeatable)")
    parser.add_argument("--api-key-file", help="file holding the API key the double requires")
    parser.add_argument("--reasoning", action="store_true", help="answer as an R1 model behind a reasoning parser")
    parser.add_argument("--first-token-delay", type=float, default=0.0)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    api_key = None
    if args.api_key_file:
        with open(args.api_key_file) as handle:
            api_key = handle.read().strip()
    server = OpenAIContractServer(models=args.model, api_key=api_key,
                                  reasoning_fields=("reasoning_content",) if args.reasoning else (),
                                  first_token_delay=args.first_token_delay, port=args.port)
    server.run_until_interrupted(server.port)


if __name__ == "__main__":
    main()
