# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""model_serving_outputs: what the serving stage publishes for the later stages (Dify's model providers)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_serving as ks

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from role_defaults import MODEL_SERVING, role_settings  # noqa: E402  (the shared test helper)


def settings(**overrides):
    """model_serving's defaults, its templated ones as MODEL_SERVING gives them."""
    return role_settings("model_serving", MODEL_SERVING, **overrides)


# (id, model entry, served name, kind, reasoning)
MODELS = [
    ("R1 is R1-style", "deepseek-ai/DeepSeek-R1", "deepseek-r1", "chat", True),
    ("a distill reasons too", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "deepseek-r1-distill-qwen-7b", "chat", True),
    ("V3 does not", "deepseek-ai/DeepSeek-V3", "deepseek-v3", "chat", False),
    ("V3.1 reasons only on request", "deepseek-ai/DeepSeek-V3.1", "deepseek-v3-1", "chat", False),
    ("embedding", "BAAI/bge-m3", "bge-m3", "embedding", False),
    ("reranker", "BAAI/bge-reranker-v2-m3", "bge-reranker-v2-m3", "rerank", False),
]


@pytest.mark.parametrize("repo, served, kind, reasoning", [c[1:] for c in MODELS], ids=[c[0] for c in MODELS])
def test_each_model_is_published_with_kind_url_and_reasoning(repo, served, kind, reasoning):
    result = ks.serving_stage(settings(model_serving_models=[{"name": repo, "served_name": served}],
                                       model_serving_namespace="llm"))
    assert result["problems"] == []
    (model,) = result["outputs"]["models"]
    plan = result["plan"]["models"][0]
    assert model == {"name": repo, "served_name": served, "kind": kind,
                     "base_url": "http://%s.llm.svc:8000/v1" % served,
                     "max_model_len": plan["max_model_len"], "reasoning": reasoning}
    # The URL names the Service the stage renders.
    services = [m["definition"] for m in result["stage"]["manifests"] if m["definition"]["kind"] == "Service"]
    assert [s["metadata"]["name"] for s in services] == [served, served + "-blue"]  # the model's, its colour's
    assert services[0]["metadata"]["namespace"] == "llm"


def test_outputs_name_the_api_key_secret_and_file():
    result = ks.serving_stage(settings(model_serving_models=["deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "BAAI/bge-m3"],
                                       model_serving_api_key_secret="llm-key"))
    outputs = result["outputs"]
    assert outputs["namespace"] == "serving"
    assert outputs["api_key_secret"] == {"name": "llm-key", "key": "api-key"}
    assert outputs["api_key_file"] == "/nonexistent/serving-api-key"
    assert [m["kind"] for m in outputs["models"]] == ["chat", "embedding"]
    assert outputs["models"][0]["max_model_len"] == 32768


def test_no_models_publishes_an_empty_list_and_off_publishes_nothing():
    empty = ks.serving_stage(settings(model_serving_models=[]))
    assert empty["problems"] == [] and empty["outputs"]["models"] == []
    assert empty["outputs"]["namespace"] == "serving"
    off = ks.serving_stage(settings(model_serving_enabled=False, model_serving_models=["deepseek-ai/DeepSeek-R1"]))
    assert off["outputs"] == {}


def test_problems_publish_nothing():
    result = ks.serving_stage(settings(model_serving_models=["deepseek-ai/DeepSeek-R1"], model_serving_namespace="Bad_ns"))
    assert result["problems"] and result["outputs"] == {}


def test_the_published_fact_is_not_read_back_as_a_setting():
    from ansible_collections.privateai.deepseek_dify.plugins.filter import serving_stage as flt

    variables = settings(model_serving_models=["BAAI/bge-m3"])
    variables["model_serving_outputs"] = {"namespace": "old"}
    variables["model_serving_k8s_stage"] = {}
    assert flt.serving_stage(variables)["problems"] == []
