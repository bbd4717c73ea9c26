#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: serving_smoke_test
short_description: Smoke-test an OpenAI-compatible model endpoint (vLLM, SGLang) - served names, one chat, embedding or rerank
version_added: "0.2.0"
description:
  - Asks an OpenAI-compatible endpoint for C(/v1/models) and checks that O(model) is among the served names, then sends
    one short streamed chat completion with the API key and reports the answer, the reasoning an R1-style model's
    reasoning parser separated (C(reasoning_content), or C(reasoning) on newer vLLM) and the time to the first token.
  - With O(kind=embedding) it embeds two short texts instead (C(POST /v1/embeddings)) and checks one vector of numbers
    per text; with O(kind=rerank) it ranks two documents for a question (C(POST /v1/rerank)) and checks the answer is
    ranked first.
  - Made for the model serving stage after apply, and usable alone against any OpenAI-compatible endpoint.
  - Read-only - it changes nothing, so it runs in check mode too. It makes two HTTP requests (one with O(chat=false)).
  - Bad options are refused before any request, all at once. A failed request fails the module with a message naming
    the URL, the model, the cause and the fix - a refused API key (HTTP 401), a model that is not served (with the
    names that are), no answer within O(timeout), a refused connection, a TLS failure.
  - The API key is sent in the C(Authorization) header (C(Bearer) scheme) and never returned or printed.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.attributes.read_only
options:
  url:
    description:
      - Base URL of the endpoint, with or without the trailing C(/v1), for example V(http://deepseek-r1.serving.svc:8000)
        or V(https://llm.example.internal/v1).
    type: str
    required: true
  api_key:
    description:
      - The API key the server was started with (vLLM C(--api-key) or C(VLLM_API_KEY), SGLang C(--api-key)). Omit it for
        a server without one.
      - Taken from the environment variable E(OPENAI_API_KEY) of the host the module runs on when not given.
    type: str
  model:
    description:
      - The served model name to test (the engine's C(--served-model-name)). When omitted, the endpoint must serve
        exactly one model, and that one is tested.
    type: str
  kind:
    description:
      - What the model serves - V(chat) (a streamed chat completion), V(embedding) (C(/v1/embeddings)) or V(rerank)
        (C(/v1/rerank)).
    type: str
    choices: [chat, embedding, rerank]
    default: chat
  chat:
    description: Run the request of O(kind); V(false) only checks C(/v1/models).
    type: bool
    default: true
  prompt:
    description: The user message of the chat completion.
    type: str
    default: "Reply with the single word: ready."
  max_tokens:
    description:
      - Most tokens the answer may have (1 to 4096). An R1-style model may spend them all on reasoning; the smoke test
        needs only the first token.
    type: int
    default: 32
  expect_reasoning:
    description:
      - Only with O(kind=chat).
      - V(true) fails when the answer has no separate reasoning (the engine runs without C(--reasoning-parser
        deepseek_r1)); V(false) fails when it has some. Unset, the reasoning is reported and not judged.
    type: bool
  max_ttft:
    description: Fail when the time to the first token (content or reasoning) is longer than this many seconds.
    type: float
  timeout:
    description:
      - Seconds to wait for the connection and for each read (the answer's headers and each streamed chunk).
    type: float
    default: 30
  validate_certs:
    description: Verify the server's TLS certificate (V(https) URLs).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA that signed the server's certificate (the internal CA), on the host the module runs on.
    type: path
notes:
  - Time to first token is measured from sending the chat request to the first streamed delta carrying content or
    reasoning, on the host the module runs on; it includes queueing and the prompt's prefill.
seealso:
  - module: privateai.deepseek_dify.serving_plan
  - module: ansible.builtin.uri
"""

EXAMPLES = r"""
- name: Smoke-test DeepSeek-R1 after the serving stage applied it
  privateai.deepseek_dify.serving_smoke_test:
    url: http://deepseek-r1.serving.svc:8000
    api_key: "{{ serving_api_key }}"
    model: deepseek-r1
    expect_reasoning: true
    max_ttft: 10
  register: smoke

- name: Show the time to first token
  ansible.builtin.debug:
    msg: "{{ smoke.model }}: first token after {{ smoke.ttft_seconds }} s, answer {{ smoke.completion.content }}"

- name: Smoke-test the reranker Dify's knowledge base uses
  privateai.deepseek_dify.serving_smoke_test:
    url: http://bge-reranker-v2-m3.serving.svc:8000
    api_key: "{{ serving_api_key }}"
    model: bge-reranker-v2-m3
    kind: rerank

- name: Check any OpenAI-compatible endpoint behind the internal CA, served names only
  privateai.deepseek_dify.serving_smoke_test:
    url: https://llm.example.internal/v1
    ca_path: /etc/privateai/ca.crt
    chat: false
  register: endpoint
"""

RETURN = r"""
url:
  description: The API base that was called (ending in C(/v1)).
  returned: always
  type: str
  sample: http://deepseek-r1.serving.svc:8000/v1
models:
  description: The served model names C(/v1/models) listed (empty when it could not be read).
  returned: always
  type: list
  elements: str
  sample: [deepseek-r1]
model:
  description: The model tested (O(model), or the only one served).
  returned: always
  type: str
ttft_seconds:
  description: Seconds from sending the chat request to the first content or reasoning token; null without a chat.
  returned: always
  type: float
  sample: 0.183
completion:
  description: What the streamed chat completion returned; empty without a chat.
  returned: always
  type: dict
  contains:
    content: {description: "The answer", type: str}
    reasoning_content: {description: "The reasoning the parser separated (empty when none)", type: str}
    reasoning_field: {description: "The delta field it came in (V(reasoning_content) or V(reasoning)), or null", type: str}
    reasoning_separated: {description: "Whether the answer had separate reasoning", type: bool}
    think_tag_in_content: {description: "Whether the answer holds <think> tags (reasoning not separated)", type: bool}
    first_token: {description: "V(reasoning) or V(content), what came first", type: str}
    finish_reason: {description: "The last choice's finish reason (V(stop), V(length))", type: str}
    ttft_seconds: {description: "Time to first token", type: float}
    total_seconds: {description: "Time to the end of the stream", type: float}
    chunks: {description: "Streamed chunks received", type: int}
    served_model: {description: "The model name the chunks carried", type: str}
    prompt_tokens: {description: "Prompt tokens (from the usage chunk, null when the server sent none)", type: int}
    completion_tokens: {description: "Completion tokens (from the usage chunk)", type: int}
kind:
  description: The O(kind) tested.
  returned: always
  type: str
  sample: chat
embedding:
  description: What the embedding request returned (O(kind=embedding)); empty otherwise.
  returned: always
  type: dict
  contains:
    count: {description: "Vectors returned (one per text)", type: int}
    dimensions: {description: "Length of each vector", type: int}
    seconds: {description: "Time of the request", type: float}
    prompt_tokens: {description: "Prompt tokens (null when the server sent no usage)", type: int}
rerank:
  description: What the rerank request returned (O(kind=rerank)); empty otherwise.
  returned: always
  type: dict
  contains:
    order: {description: "Document indexes, best first (the answer, index 0, first)", type: list}
    scores: {description: "Relevance score of each document, by index", type: list}
    seconds: {description: "Time of the request", type: float}
problems:
  description: Why the smoke test failed, each naming the URL, the model and the fix; empty when it passed.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import openai_api


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["OPENAI_API_KEY"])),
            model=dict(type="str"),
            kind=dict(type="str", default="chat", choices=list(openai_api.KINDS)),
            chat=dict(type="bool", default=True),
            prompt=dict(type="str", default=openai_api.DEFAULT_PROMPT),
            max_tokens=dict(type="int", default=openai_api.DEFAULT_MAX_TOKENS, no_log=False),
            expect_reasoning=dict(type="bool"),
            max_ttft=dict(type="float"),
            timeout=dict(type="float", default=openai_api.DEFAULT_TIMEOUT),
            validate_certs=dict(type="bool", default=True),
            ca_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    problems = openai_api.check_params(params)
    if problems:
        module.fail_json(msg="Failed to smoke-test the endpoint due to bad options: %s" % " | ".join(problems),
                         problems=problems)
    client = openai_api.OpenAIClient(params["url"], api_key=params["api_key"], timeout=params["timeout"],
                                     validate_certs=params["validate_certs"], ca_path=params["ca_path"])
    result = openai_api.smoke_test(client, model=params["model"], chat=params["chat"], prompt=params["prompt"],
                                   max_tokens=params["max_tokens"], expect_reasoning=params["expect_reasoning"],
                                   max_ttft=params["max_ttft"], kind=params["kind"])
    if result["problems"]:
        module.fail_json(msg=" | ".join(result["problems"]), changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
