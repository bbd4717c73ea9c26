# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import serving_catalog as cat

REQUIRED_MODEL_KEYS = ("repo", "kind", "family", "params_b", "active_params_b", "expert_params_b", "native_dtype",
                       "weight_bytes", "context_length", "default_max_model_len", "trust_remote_code",
                       "reasoning_parser", "tool_parser", "moe", "layers", "hidden_size", "attention_heads",
                       "attention", "notes")


@pytest.mark.parametrize("key", sorted(cat.MODELS))
def test_every_model_entry_is_complete_and_consistent(key):
    model = cat.MODELS[key]
    assert set(REQUIRED_MODEL_KEYS) <= set(model), "missing: %s" % sorted(set(REQUIRED_MODEL_KEYS) - set(model))
    assert model["repo"] == key
    assert model["kind"] in ("chat", "embedding", "rerank")
    assert model["active_params_b"] <= model["params_b"]
    assert model["default_max_model_len"] <= model["context_length"]
    # the bytes on disk follow from parameters x the checkpoint's dtype (within 10%: scales, MTP, tied weights)
    expected = model["params_b"] * 1e9 * cat.DTYPE_BYTES[model["native_dtype"]]
    assert abs(model["weight_bytes"] - expected) / expected < 0.10
    if model["attention"] == "mla":
        assert (model["kv_lora_rank"], model["qk_rope_head_dim"]) == (512, 64)
    elif model["attention"] == "gqa":
        assert model["attention_heads"] % model["kv_heads"] == 0
    for kind in ("reasoning", "tool"):
        parser = model["%s_parser" % kind]
        if parser:
            for engine in cat.ENGINES:
                assert parser in cat.PARSERS[engine][kind]


@pytest.mark.parametrize("name, key", [
    ("deepseek-ai/DeepSeek-R1", "deepseek-ai/DeepSeek-R1"),
    ("DeepSeek-R1", "deepseek-ai/DeepSeek-R1"),
    ("deepseek-r1", "deepseek-ai/DeepSeek-R1"),
    ("deepseek-v3.1", "deepseek-ai/DeepSeek-V3.1"),
    ("deepseek-v2-lite", "deepseek-ai/DeepSeek-V2-Lite-Chat"),
    ("deepseek-r1-distill-llama-70b", "deepseek-ai/DeepSeek-R1-Distill-Llama-70B"),
    ("bge-m3", "BAAI/bge-m3"),
    ("BAAI/BGE-RERANKER-V2-M3", "BAAI/bge-reranker-v2-m3"),
    ("llama-3-70b", None),
    (None, None),
])
def test_find_model(name, key):
    assert cat.find_model(name) == key


@pytest.mark.parametrize("name, key", [
    ("NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3"),
    ("nvidia h100 80gb hbm3", "NVIDIA H100 80GB HBM3"),
    ("H100", "NVIDIA H100 80GB HBM3"),
    ("h200", "NVIDIA H200"),
    ("NVIDIA  A100-SXM4-80GB", "NVIDIA A100-SXM4-80GB"),
    ("l40s", "NVIDIA L40S"),
    ("NVIDIA GeForce RTX 4090", None),
])
def test_find_gpu(name, key):
    assert cat.find_gpu(name) == key


@pytest.mark.parametrize("gpu, fp8", [
    ("NVIDIA A100-SXM4-80GB", False), ("NVIDIA A100-SXM4-40GB", False), ("NVIDIA A100 80GB PCIe", False),
    ("NVIDIA A10", False), ("NVIDIA H100 80GB HBM3", True), ("NVIDIA H200", True), ("NVIDIA H20", True),
    ("NVIDIA H800", True), ("NVIDIA B200", True), ("NVIDIA L40S", True), ("NVIDIA L4", True),
])
def test_fp8_tensor_cores_hopper_ada_blackwell_not_ampere(gpu, fp8):
    # the seed claimed A100 does FP8; it has no FP8 tensor cores
    assert cat.GPUS[gpu]["fp8"] is fp8


def test_v3_fp8_weights_do_not_fit_eight_h100_but_fit_eight_h200():
    weights = cat.MODELS["deepseek-ai/DeepSeek-R1"]["weight_bytes"]
    assert weights == 688 * 10 ** 9
    assert 8 * cat.GPUS["NVIDIA H100 80GB HBM3"]["memory_mib"] * cat.MIB < weights  # 684.2 GB < 688 GB
    assert 8 * cat.GPUS["NVIDIA H200"]["memory_mib"] * cat.MIB > weights  # 1206 GB
