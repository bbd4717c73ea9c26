# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The smoke test of embedding and rerank models (POST /v1/embeddings, POST /v1/rerank) against the contract test
double, and answers the double never gives through an opener test double."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import openai_api
from ansible_collections.privateai.deepseek_dify.tests.doubles.openai_contract_server import OpenAIContractServer

KEY = "sk-test-double-embed-rerank"


def client(double, key=KEY):
    return openai_api.OpenAIClient(double.url, api_key=key, timeout=5.0)


def test_embedding_model_passes_with_one_vector_per_text():
    with OpenAIContractServer(models=["bge-m3"], api_key=KEY, embedding_dimensions=16) as double:
        result = openai_api.smoke_test(client(double), "bge-m3", kind="embedding")
        assert result["problems"] == []
        assert result["embedding"]["count"] == 2 and result["embedding"]["dimensions"] == 16
        assert result["embedding"]["prompt_tokens"] == 12
        assert result["completion"] == {} and result["kind"] == "embedding"
        request = double.requests[-1]
        assert request["path"] == "/v1/embeddings" and request["authorization"] is True
        assert request["body"] == {"model": "bge-m3", "input": list(openai_api.EMBED_INPUTS)}


def test_reranker_passes_when_the_answer_ranks_first():
    with OpenAIContractServer(models=["bge-reranker-v2-m3"], api_key=KEY) as double:
        result = openai_api.smoke_test(client(double), "bge-reranker-v2-m3", kind="rerank")
        assert result["problems"] == []
        assert result["rerank"]["order"] == [0, 1]
        assert result["rerank"]["scores"][0] > result["rerank"]["scores"][1]
        assert double.requests[-1]["body"]["query"] == openai_api.RERANK_QUERY


def test_a_reranker_that_ranks_the_wrong_document_first_fails():
    with OpenAIContractServer(models=["bge-reranker-v2-m3"], api_key=KEY, rerank_inverted=True) as double:
        result = openai_api.smoke_test(client(double), "bge-reranker-v2-m3", kind="rerank")
        (problem,) = result["problems"]
        assert "ranked 'Bananas" in problem and "/rerank" in problem and "reranker" in problem


def test_embedding_with_a_wrong_key_is_refused_and_never_echoed():
    with OpenAIContractServer(models=["bge-m3"], api_key=KEY) as double:
        result = openai_api.smoke_test(client(double, key="sk-wrong-embed"), "bge-m3", kind="embedding")
        (problem,) = result["problems"]
        assert "HTTP 401" in problem and "sk-wrong-embed" not in problem


def test_embedding_of_a_model_not_served_lists_the_served_names():
    with OpenAIContractServer(models=["bge-m3"], api_key=KEY) as double:
        result = openai_api.smoke_test(client(double), "bge-large", kind="embedding")
        (problem,) = result["problems"]
        assert "the served names there are: bge-m3" in problem
        assert [r["path"] for r in double.requests] == ["/v1/models"]


class OpenerTestDouble(object):
    """Test double of open_url answering every request with one canned body."""

    def __init__(self, body):
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()

    def __call__(self, url, **kwargs):
        return io.BytesIO(self.body)


# (id, body, kind, expected fragment)
BAD_ANSWERS = [
    ("html", b"<html>hi</html>", "embedding", "one vector of numbers per text"),
    ("one vector for two texts", {"data": [{"embedding": [0.1, 0.2]}]}, "embedding", "one vector of numbers per text"),
    ("empty vector", {"data": [{"embedding": []}, {"embedding": []}]}, "embedding", "--task embed"),
    ("vectors of two lengths", {"data": [{"embedding": [0.1]}, {"embedding": [0.1, 0.2]}]}, "embedding", "--task embed"),
    ("strings", {"data": [{"embedding": ["a"]}, {"embedding": ["b"]}]}, "embedding", "--task embed"),
    ("no results", {"results": []}, "rerank", "relevance_score for every document"),
    ("a score missing", {"results": [{"index": 0, "relevance_score": 0.9}]}, "rerank", "--task score"),
    ("score a string", {"results": [{"index": 0, "relevance_score": "high"}, {"index": 1, "relevance_score": 0.1}]},
     "rerank", "--task score"),
]


@pytest.mark.parametrize("body, kind, fragment", [c[1:] for c in BAD_ANSWERS], ids=[c[0] for c in BAD_ANSWERS])
def test_answers_of_the_wrong_shape_are_bad_responses(body, kind, fragment):
    api = openai_api.OpenAIClient("http://h:1", opener=OpenerTestDouble(body))
    call = openai_api.embed if kind == "embedding" else openai_api.rerank
    with pytest.raises(openai_api.ApiError) as exc:
        call(api, "m")
    assert exc.value.kind == "bad_response"
    assert fragment in exc.value.message and "model 'm' at http://h:1/v1/" in exc.value.message


@pytest.mark.parametrize("changes, fragment", [
    ({"kind": "completion"}, "kind 'completion' is not one of chat, embedding, rerank"),
    ({"kind": "embedding", "expect_reasoning": True}, "expect_reasoning is set but kind is 'embedding'"),
], ids=["unknown kind", "reasoning of an embedding model"])
def test_bad_kind_options(changes, fragment):
    params = {"url": "http://h:8000", "model": "m", "timeout": 5.0, "max_tokens": 8, "prompt": "hi", "chat": True}
    params.update(changes)
    assert [p for p in openai_api.check_params(params) if fragment in p]


def test_an_empty_prompt_is_fine_for_an_embedding_model():
    params = {"url": "http://h:8000", "model": "m", "timeout": 5.0, "max_tokens": 8, "prompt": "", "chat": True,
              "kind": "embedding"}
    assert openai_api.check_params(params) == []
