# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The serving planner against the published configurations (../shared/reference/deepseek-serving.md), the
infeasible requests of issue 13 and memory figures computed by hand."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import serving_planner as sp

GIB = 1024 ** 3
MIB = 1024 ** 2
IB = {"type": "infiniband", "rate_gbps": 400, "networks": [{"name": "ib0", "interface": "ibp26s0"}]}
NO_FABRIC = {"type": "none", "rate_gbps": 0}


def hardware(gpu, per_node, nodes=1, fabric=None, memory_gib=None):
    expected = {"model": gpu, "count_per_node": per_node}
    if memory_gib:
        expected["memory_gib"] = memory_gib
    return {"expected_gpu": expected, "fabric": fabric if fabric is not None else (IB if nodes > 1 else NO_FABRIC),
            "gpu_hosts": ["gpu%02d" % (i + 1) for i in range(nodes)]}


def only(result):
    assert result["problems"] == [], result["problems"]
    assert result["feasible"] is True
    assert len(result["models"]) == 1
    return result["models"][0]


def args_contain(args, flags):
    """flags (a list of strings) appear in args in this order, next to each other."""
    text = " " + " ".join(args) + " "
    return (" " + " ".join(flags) + " ") in text


# Every row of the published table: (model entry, GPU, GPUs per node, nodes, engine, expected layout, flags).
PUBLISHED = [
    ("distill-qwen-1.5b vllm", {"name": "deepseek-r1-distill-qwen-1.5b"}, "H100", 1, 1, "vllm", "TP1",
     ["--max-model-len", "32768", "--gpu-memory-utilization", "0.90"]),
    ("distill-qwen-7b vllm", {"name": "deepseek-r1-distill-qwen-7b"}, "H100", 1, 1, "vllm", "TP1",
     ["--max-model-len", "32768", "--gpu-memory-utilization", "0.90"]),
    ("distill-llama-8b vllm", {"name": "deepseek-r1-distill-llama-8b"}, "H100", 1, 1, "vllm", "TP1",
     ["--max-model-len", "32768", "--gpu-memory-utilization", "0.90"]),
    ("distill-qwen-1.5b sglang", {"name": "deepseek-r1-distill-qwen-1.5b"}, "H100", 1, 1, "sglang", "TP1",
     ["--tp", "1"]),
    ("distill-qwen-7b sglang", {"name": "deepseek-r1-distill-qwen-7b"}, "H100", 1, 1, "sglang", "TP1",
     ["--tp", "1"]),
    ("distill-llama-8b sglang", {"name": "deepseek-r1-distill-llama-8b"}, "H100", 1, 1, "sglang", "TP1",
     ["--tp", "1"]),
    ("distill-qwen-14b vllm tp1", {"name": "deepseek-r1-distill-qwen-14b"}, "H100", 1, 1, "vllm", "TP1",
     ["--tensor-parallel-size", "1"]),
    ("distill-qwen-14b vllm tp2", {"name": "deepseek-r1-distill-qwen-14b", "tensor_parallel_size": 2}, "H100", 2,
     1, "vllm", "TP2", ["--tensor-parallel-size", "2"]),
    ("distill-qwen-14b sglang tp2", {"name": "deepseek-r1-distill-qwen-14b", "tensor_parallel_size": 2}, "H100", 2,
     1, "sglang", "TP2", ["--tp", "2"]),
    ("distill-qwen-32b vllm 2xh100", {"name": "deepseek-r1-distill-qwen-32b"}, "H100", 2, 1, "vllm", "TP2",
     ["--tensor-parallel-size", "2"]),
    ("distill-qwen-32b vllm 1xh200", {"name": "deepseek-r1-distill-qwen-32b"}, "H200", 1, 1, "vllm", "TP1",
     ["--tensor-parallel-size", "1"]),
    ("distill-qwen-32b vllm 1xh100 fp8", {"name": "deepseek-r1-distill-qwen-32b"}, "H100", 1, 1, "vllm", "TP1",
     ["--quantization", "fp8"]),
    ("distill-qwen-32b sglang tp2", {"name": "deepseek-r1-distill-qwen-32b"}, "H100", 2, 1, "sglang", "TP2",
     ["--tp", "2"]),
    ("distill-llama-70b vllm 4xh100", {"name": "deepseek-r1-distill-llama-70b"}, "H100", 4, 1, "vllm", "TP4",
     ["--tensor-parallel-size", "4"]),
    ("distill-llama-70b vllm 2xh200", {"name": "deepseek-r1-distill-llama-70b"}, "H200", 2, 1, "vllm", "TP2",
     ["--tensor-parallel-size", "2"]),
    ("distill-llama-70b sglang tp4", {"name": "deepseek-r1-distill-llama-70b"}, "H100", 4, 1, "sglang", "TP4",
     ["--tp", "4"]),
    ("v2-lite vllm 1xh100", {"name": "deepseek-v2-lite"}, "H100", 1, 1, "vllm", "TP1", ["--trust-remote-code"]),
    ("v2-lite vllm 2xh100", {"name": "deepseek-v2-lite", "tensor_parallel_size": 2}, "H100", 2, 1, "vllm",
     "TP2 EP2", ["--trust-remote-code"]),
    ("v2-lite sglang tp2", {"name": "deepseek-v2-lite", "tensor_parallel_size": 2}, "H100", 2, 1, "sglang",
     "TP2 EP2", ["--tp", "2"]),
    ("r1 vllm 8xh200 latency", {"name": "deepseek-r1"}, "H200", 8, 1, "vllm", "TP8 EP8",
     ["--tensor-parallel-size", "8", "--enable-expert-parallel"]),
    ("r1 vllm 8xh200 throughput", {"name": "deepseek-r1", "mode": "throughput"}, "H200", 8, 1, "vllm", "DP8 EP8",
     ["--tensor-parallel-size", "1", "--data-parallel-size", "8", "--enable-expert-parallel"]),
    ("v3 vllm 8xh200 tools", {"name": "deepseek-v3"}, "H200", 8, 1, "vllm", "TP8 EP8",
     ["--enable-auto-tool-choice", "--tool-call-parser", "deepseek_v3"]),
    ("r1 sglang 8xh200", {"name": "deepseek-r1", "gpu_memory_utilization": 0.85}, "H200", 8, 1, "sglang",
     "TP8 EP8", ["--tp", "8"]),
    ("r1 sglang 8xh200 dp-attention", {"name": "deepseek-r1", "mode": "throughput"}, "H200", 8, 1, "sglang",
     "DP8 EP8", ["--tp", "8", "--dp", "8", "--enable-dp-attention"]),
    ("r1 vllm 2x8xh100 tp8 pp2", {"name": "deepseek-r1"}, "H100", 8, 2, "vllm", "TP8 PP2 EP8",
     ["--tensor-parallel-size", "8", "--pipeline-parallel-size", "2"]),
    ("r1 vllm 2x8xh100 tp16", {"name": "deepseek-r1", "tensor_parallel_size": 16}, "H100", 8, 2, "vllm",
     "TP16 EP16", ["--tensor-parallel-size", "16"]),
    ("r1 sglang 2x8xh100 tp16", {"name": "deepseek-r1"}, "H100", 8, 2, "sglang", "TP16 EP16",
     ["--tp", "16", "--nnodes", "2", "--node-rank", "$(LWS_WORKER_INDEX)", "--dist-init-addr",
      "$(LWS_LEADER_ADDRESS):5000"]),
    ("r1 vllm 2x8xh800", {"name": "deepseek-r1"}, "H800", 8, 2, "vllm", "TP8 PP2 EP8", ["--pipeline-parallel-size", "2"]),
    ("r1 vllm 2x8xh20", {"name": "deepseek-r1"}, "H20", 8, 2, "vllm", "TP8 PP2 EP8", ["--pipeline-parallel-size", "2"]),
    ("r1 vllm 8xb200", {"name": "deepseek-r1"}, "B200", 8, 1, "vllm", "TP8 EP8", ["--tensor-parallel-size", "8"]),
]


@pytest.mark.parametrize("entry, gpu, per_node, nodes, engine, layout, flags",
                         [row[1:] for row in PUBLISHED], ids=[row[0] for row in PUBLISHED])
def test_published_configurations_are_planned_as_published(entry, gpu, per_node, nodes, engine, layout, flags):
    model = only(sp.plan([entry], engine=engine, **hardware(gpu, per_node, nodes)))
    assert model["parallel"]["text"] == layout
    assert args_contain(model["args"], flags), model["args"]
    assert model["lws_size"] == nodes
    assert model["workload"] == ("LeaderWorkerSet" if nodes > 1 else "Deployment")
    assert model["memory_per_gpu"]["kv_tokens"] >= model["max_model_len"] or model["kind"] != "chat"
    # the parsers every DeepSeek reasoning model needs, in the engine's spelling
    if "R1" in model["name"]:
        assert args_contain(model["args"], ["--reasoning-parser", "deepseek_r1" if engine == "vllm" else "deepseek-r1"])
    # never --quantization fp8 on an FP8 checkpoint
    if "Distill" not in model["name"] and "V2" not in model["name"]:
        assert "--quantization" not in model["args"]
        assert "--trust-remote-code" in model["args"]


@pytest.mark.parametrize("gpu, per_node, nodes, layout, quantized", [
    ("H100", 1, 1, "TP1", True),      # 65.5 GB BF16 does not fit 77 GB with its reserve and KV: FP8
    ("H100", 2, 1, "TP2", False),     # two GPUs: BF16 is preferred to FP8 when it fits
    ("H200", 1, 1, "TP1", False),
    ("L40S", 4, 1, "TP2", False),     # 43.5 GB budget - 32.8 GB weights - 4.6 GB reserve = 46.9k tokens at TP2
    ("L40S", 1, 1, "TP1", True),      # W8A8 on Ada
])
def test_distill_32b_picks_the_fewest_gpus_and_fp8_only_when_bf16_does_not_fit(gpu, per_node, nodes, layout, quantized):
    model = only(sp.plan(["deepseek-r1-distill-qwen-32b"], **hardware(gpu, per_node, nodes)))
    assert model["parallel"]["text"] == layout
    assert (model["quantization"]["flag"] == "fp8") is quantized
    assert ("--quantization" in model["args"]) is quantized
    if quantized:
        assert "do not fit" in model["quantization"]["decision"]


# ---------------------------------------------------------------------------------------------------- refusals

def test_r1_on_one_node_of_eight_h100_is_refused_with_numbers_and_the_smallest_hardware():
    result = sp.plan(["deepseek-r1"], **hardware("NVIDIA H100 80GB HBM3", 8, 1))
    assert result["feasible"] is False
    assert result["models"] == []
    [problem] = result["problems"]
    assert problem.startswith("models[0] (deepseek-r1): deepseek-ai/DeepSeek-R1 cannot be served: ")
    # 688 GB / 8 = 86.0 GB per GPU against 81559 MiB x 0.90 = 77.0 GB
    assert "TP8 EP8 needs 86.0 GB weights + 5.1 GB reserve per GPU, more than the 77.0 GB budget (81559 MiB x 0.90)" \
        in problem
    assert "Smallest hardware that fits (max_model_len 131072): 8x NVIDIA H200 (TP8 EP8)" in problem
    assert "with this site's GPU: 2 nodes x 8x NVIDIA H100 80GB HBM3 (TP8 PP2 EP8, RDMA fabric)" in problem
    assert "REFUSED:" in result["summary"]


def test_quantization_fp8_on_a_native_fp8_checkpoint_is_refused():
    result = sp.plan([{"name": "deepseek-v3", "quantization": "fp8"}], **hardware("H200", 8))
    assert len(result["problems"]) == 1
    assert "the checkpoint is already FP8; --quantization fp8 on it breaks (sglang#3283)" in result["problems"][0]


def test_a100_serves_an_fp8_checkpoint_weight_only_without_the_flag():
    model = only(sp.plan(["deepseek-r1"], **hardware("NVIDIA A100-SXM4-80GB", 8, 2)))
    assert model["parallel"]["text"] == "TP8 PP2 EP8"
    assert model["quantization"]["flag"] is None
    assert "no FP8 tensor cores" in model["quantization"]["decision"]
    assert "weight-only FP8 (Marlin" in model["quantization"]["decision"]
    assert "--quantization" not in model["args"]


def test_sglang_on_ampere_with_an_fp8_checkpoint_is_refused():
    result = sp.plan(["deepseek-r1"], engine="sglang", **hardware("NVIDIA A100-SXM4-80GB", 8, 2))
    assert len(result["problems"]) == 1
    assert "NVIDIA A100-SXM4-80GB has no FP8 tensor cores and SGLang has no weight-only FP8 path" \
        in result["problems"][0]


def test_bf16_to_fp8_on_ampere_is_weight_only():
    model = only(sp.plan(["deepseek-r1-distill-qwen-32b"], **hardware("NVIDIA A100-SXM4-80GB", 1)))
    assert model["quantization"]["flag"] == "fp8"
    assert "weight-only FP8 with Marlin kernels" in model["quantization"]["decision"]


def test_70b_default_context_takes_fp8_on_two_h100_and_shrinks_without_it():
    model = only(sp.plan(["deepseek-r1-distill-llama-70b"], **hardware("H100", 2)))
    assert (model["parallel"]["text"], model["max_model_len"], model["quantization"]["flag"]) == ("TP2", 32768, "fp8")
    model = only(sp.plan([{"name": "deepseek-r1-distill-llama-70b", "quantization": "none"}], **hardware("H100", 2)))
    # per GPU: 76,968,728,985 budget - 70,550,000,000 weights - 5,368,709,120 reserve = 1,050,019,865 B KV;
    # 2 x 80 layers x ceil(8/2) heads x 128 x 2 B = 163,840 B/token -> 6,408 tokens -> 6,144
    assert model["memory_per_gpu"]["kv_tokens"] == 6408
    assert model["max_model_len"] == 6144
    assert "--max-model-len 6144" in " ".join(model["args"])
    assert any("not the default 32768" in n for n in model["notes"])


def test_70b_requested_context_longer_than_the_kv_budget_is_refused():
    result = sp.plan([{"name": "deepseek-r1-distill-llama-70b", "max_model_len": 32768, "quantization": "none"}],
                     **hardware("H100", 2))
    [problem] = result["problems"]
    assert "TP2 leaves 1.1 GB KV cache per GPU = 6408 tokens at 163840 bytes per token, fewer than the 32768 " \
        "max_model_len needs" in problem
    assert "Smallest hardware that fits (max_model_len 32768)" in problem


def test_multi_node_without_a_fabric_is_refused_unless_allowed():
    refused = sp.plan(["deepseek-r1"], **hardware("H100", 8, 2, fabric=NO_FABRIC))
    [problem] = refused["problems"]
    assert "TP8 PP2 EP8 over 2 nodes would fit, but the group has no RDMA fabric (fabric type none)" in problem
    assert "allow_multinode_without_fabric: true" in problem
    allowed = only(sp.plan(["deepseek-r1"], allow_multinode_without_fabric=True,
                           **hardware("H100", 8, 2, fabric=NO_FABRIC)))
    assert allowed["env"]["NCCL_IB_DISABLE"] == "1"
    assert allowed["pod"]["ipc_lock"] is False


def test_a_shared_model_without_a_free_node_is_refused():
    result = sp.plan(["deepseek-r1", "bge-m3"], **hardware("H200", 8))
    assert [m["served_name"] for m in result["models"]] == ["deepseek-r1"]
    [problem] = result["problems"]
    assert problem.startswith("models[1] (bge-m3): BAAI/bge-m3 cannot be served: ")
    assert "free GPUs per node after the other models: [0]" in problem


@pytest.mark.parametrize("models, kwargs, expected", [
    (["deepseek-r9"], {}, "models[0] (deepseek-r9): model 'deepseek-r9' is not in the catalog; use one of: "),
    (["deepseek-r1"], {"engine": "tgi"}, "engine 'tgi' is not supported; use one of: vllm, sglang"),
    ([{"name": "bge-m3", "served_name": "BGE_M3"}], {},
     "models[0] (bge-m3): served_name 'BGE_M3' is not a DNS label"),
    ([{"name": "bge-m3"}, {"name": "bge-reranker-v2-m3", "served_name": "bge-m3"}], {},
     "models[1] (bge-reranker-v2-m3): served_name 'bge-m3' is also the name of models[0]"),
    ([{"name": "deepseek-r1-distill-qwen-7b", "max_model_len": 200000}], {},
     "max_model_len 200000 is longer than deepseek-ai/DeepSeek-R1-Distill-Qwen-7B's context length 131072"),
    ([{"name": "deepseek-r1-distill-qwen-7b", "mode": "throughput"}], {},
     "mode throughput (data-parallel attention with expert parallelism) is for the MoE models"),
    ([{"name": "deepseek-r1-distill-qwen-7b", "replicas": "two"}], {}, "replicas must be an integer >= 1, got 'two'"),
    ([{"name": "deepseek-r1-distill-qwen-7b", "gpus": 2}], {}, "unknown keys gpus"),
    ([{"name": "deepseek-r1-distill-qwen-7b", "tensor_parallel_size": 3}], {},
     "tensor_parallel_size 3 does not divide the model's 28 attention heads"),
    (["deepseek-r1-distill-qwen-7b"], {"kv_cache_dtype": "fp8", "gpu": "NVIDIA A10"},
     "kv_cache_dtype fp8 needs FP8 support; node group gpu_nodes has NVIDIA A10"),
])
def test_bad_input_names_the_model_and_the_value(models, kwargs, expected):
    gpu = kwargs.pop("gpu", "H100")
    result = sp.plan(models, **dict(hardware(gpu, 8), **kwargs))
    assert result["feasible"] is False
    assert any(expected in p for p in result["problems"]), result["problems"]


def test_unknown_gpu_needs_its_memory():
    result = sp.plan(["deepseek-r1-distill-qwen-7b"], **hardware("NVIDIA RTX PRO 6000", 1))
    [problem] = result["problems"]
    assert "GPU model 'NVIDIA RTX PRO 6000' is not in the catalog and its memory is not given" in problem
    model = only(sp.plan(["deepseek-r1-distill-qwen-7b"], **hardware("NVIDIA RTX PRO 6000", 1, memory_gib=96)))
    assert model["memory_per_gpu"]["gpu_memory_bytes"] == 96 * GIB
    assert model["quantization"]["flag"] is None


def test_every_bad_input_is_listed_at_once_and_nothing_is_planned():
    result = sp.plan(["deepseek-r9", {"name": "bge-m3", "served_name": "Bad Name"}], engine="tgi",
                     **hardware("NVIDIA RTX PRO 6000", 1))
    assert len(result["problems"]) == 4
    assert result["models"] == []
    assert result["summary"].startswith("serving plan refused (bad input):")


def test_mixed_gpu_models_on_one_node_are_refused():
    summaries = {
        "gpu01": {"gpu_count": 8, "gpu_model": "NVIDIA H100 80GB HBM3: 4, NVIDIA H200: 4",
                  "gpu_models": ["NVIDIA H100 80GB HBM3"] * 4 + ["NVIDIA H200"] * 4,
                  "memory_total_mib": [81559] * 4 + [143771] * 4},
        "gpu02": {"gpu_count": 8, "gpu_model": "NVIDIA H200", "gpu_models": ["NVIDIA H200"] * 8,
                  "memory_total_mib": [143771] * 8},
    }
    result = sp.plan(["deepseek-r1"], gpu_summaries=summaries, fabric=NO_FABRIC)
    assert result["problems"] == [
        "node gpu01 mixes GPU models (4x NVIDIA H100 80GB HBM3, 4x NVIDIA H200): a tensor or pipeline parallel "
        "group needs one model; list it as its own node group or leave it out"]
    mixed = {"name": "mixed", "gpu_model": ["NVIDIA H100 80GB HBM3", "NVIDIA H200"], "gpus_per_node": 8, "nodes": 2}
    explicit = sp.plan(["deepseek-r1"], node_groups=[mixed])
    assert "node group mixed mixes GPU models" in explicit["problems"][0]


# ---------------------------------------------------------------------------------------------------- hand figures

def test_r1_on_eight_h200_memory_by_hand():
    model = only(sp.plan(["deepseek-r1"], **hardware("NVIDIA H200", 8)))
    mem = model["memory_per_gpu"]
    budget = int(143771 * MIB * 0.9)                      # 135,679,338,086
    weights = 688 * 10 ** 9 // 8                          # 86,000,000,000
    reserve = 3 * GIB + 8192 * 7168 * 32                  # 5,100,273,664
    assert (mem["budget_bytes"], mem["weights_bytes"], mem["reserve_bytes"]) == (budget, weights, reserve)
    assert mem["kv_cache_bytes"] == 44579064422
    assert mem["kv_bytes_per_token"] == 61 * (512 + 64) * 2 == 70272  # MLA latent, replicated on every TP rank
    assert mem["kv_tokens"] == 634378
    assert model["max_model_len"] == 131072
    assert model["concurrent_sequences_at_max_len"] == 4
    assert model["startup_probe_seconds"] == 1980  # 600 s + 688 GB at 0.5 GB/s, rounded up to a minute


def test_r1_throughput_mode_memory_by_hand():
    model = only(sp.plan([{"name": "deepseek-r1", "mode": "throughput"}], **hardware("NVIDIA H200", 8)))
    mem = model["memory_per_gpu"]
    # experts (654 of 685 B parameters) spread over 8 ranks, the rest replicated on each
    share = 654.0 / 685.0
    assert abs(mem["weights_bytes"] - (688e9 * (1 - share) + 688e9 * share / 8)) <= 1
    assert model["kv_tokens_per_replica"] == mem["kv_tokens"] * 8
    assert model["concurrent_sequences_at_max_len"] == (mem["kv_tokens"] // 131072) * 8


def test_r1_over_two_h100_nodes_pipeline_halves_the_kv_per_token():
    model = only(sp.plan(["deepseek-r1"], **hardware("H100", 8, 2)))
    mem = model["memory_per_gpu"]
    assert mem["weights_bytes"] == 688 * 10 ** 9 // 16
    assert mem["kv_bytes_per_token"] == 31 * 576 * 2  # ceil(61 / 2) layers per stage
    assert model["env"] == {"NCCL_SOCKET_IFNAME": "ibp26s0", "GLOO_SOCKET_IFNAME": "ibp26s0"}
    assert model["pod"] == {"ipc_lock": True, "shm_gib": 20}
    assert model["placement"] == [["gpu01", "gpu02"]]
    assert args_contain(model["args"], ["--distributed-executor-backend", "ray"])


def test_qwen_7b_on_one_l4_by_hand():
    model = only(sp.plan(["deepseek-r1-distill-qwen-7b"], **hardware("L4", 1)))
    mem = model["memory_per_gpu"]
    assert mem["budget_bytes"] == int(23034 * MIB * 0.9) == 21737609625
    assert mem["reserve_bytes"] == 2 * GIB + 8192 * 3584 * 32 == 3087007744  # one GPU: no NCCL buffers
    assert mem["kv_bytes_per_token"] == 2 * 28 * 4 * 128 * 2 == 57344
    assert mem["kv_tokens"] == (21737609625 - 15230000000 - 3087007744) // 57344 == 59650
    assert model["max_model_len"] == 32768


def test_gqa_heads_are_replicated_when_tp_exceeds_the_kv_heads():
    # Qwen-1.5B has 2 KV heads: at TP4 every GPU still keeps one head per layer
    assert sp.kv_bytes_per_token({"layers": 28, "attention": "gqa", "kv_heads": 2, "head_dim": 128}, 4, 1, 2) \
        == 2 * 28 * 1 * 128 * 2


def test_kv_cache_fp8_halves_the_bytes_per_token():
    model = only(sp.plan(["deepseek-r1"], kv_cache_dtype="fp8", **hardware("NVIDIA H200", 8)))
    assert model["memory_per_gpu"]["kv_bytes_per_token"] == 35136
    assert args_contain(model["args"], ["--kv-cache-dtype", "fp8"])


# ---------------------------------------------------------------------------------------------------- inputs

def test_plan_from_gate_summaries_and_rdma_facts():
    summary = {"gpu_count": 8, "gpu_model": "NVIDIA H100 80GB HBM3", "gpu_models": ["NVIDIA H100 80GB HBM3"] * 8,
               "memory_total_mib": [81559] * 8, "islands": [["GPU%d" % i for i in range(8)]]}
    rdma = {"gpu01": {"rdma_present": True, "nccl_env": {"NCCL_IB_HCA": "mlx5_0:1,mlx5_1:1",
                                                         "NCCL_SOCKET_IFNAME": "ib0", "GLOO_SOCKET_IFNAME": "ib0"}},
            "gpu02": {"NCCL_IB_HCA": "mlx5_0:1,mlx5_1:1", "NCCL_SOCKET_IFNAME": "ib0", "GLOO_SOCKET_IFNAME": "ib0"}}
    result = sp.plan(["deepseek-r1"], gpu_summaries={"gpu01": summary, "gpu02": summary, "cpu01": {"gpu_count": 0}},
                     rdma=rdma, fabric=NO_FABRIC, expected_gpu={"model": "NVIDIA L4", "count_per_node": 1})
    model = only(result)
    assert result["source"] == "gpu_validate_summary"
    assert result["node_groups"][0]["hosts"] == ["gpu01", "gpu02"]
    assert result["node_groups"][0]["fabric"]["present"] is True
    assert model["env"]["NCCL_IB_HCA"] == "mlx5_0:1,mlx5_1:1"


def test_rdma_info_without_active_ports_means_no_fabric():
    summary = {"gpu_count": 8, "gpu_models": ["NVIDIA H100 80GB HBM3"] * 8, "memory_total_mib": [81559] * 8}
    rdma = {"gpu01": {"rdma_present": False, "nccl_env": {}}, "gpu02": {"rdma_present": False, "nccl_env": {}}}
    result = sp.plan(["deepseek-r1"], gpu_summaries={"gpu01": summary, "gpu02": summary}, rdma=rdma, fabric=IB)
    assert "has no RDMA fabric (fabric type rdma_info)" in result["problems"][0]


def test_measured_memory_wins_over_the_catalog():
    summary = {"gpu_count": 1, "gpu_models": ["NVIDIA H100 80GB HBM3"], "memory_total_mib": [80000]}
    model = only(sp.plan(["deepseek-r1-distill-qwen-7b"], gpu_summaries={"gpu01": summary}))
    assert model["memory_per_gpu"]["gpu_memory_bytes"] == 80000 * MIB


def test_shared_models_go_to_a_free_node_with_the_device_plugin_label():
    result = sp.plan([{"name": "deepseek-r1-distill-qwen-32b", "replicas": 2}, "bge-m3", "bge-reranker-v2-m3"],
                     **hardware("NVIDIA A100-SXM4-80GB", 2, 4, fabric=IB))
    assert result["problems"] == []
    chat, embed, rerank = result["models"]
    assert chat["placement"] == [["gpu01"], ["gpu02"]]
    assert embed["placement"] == [["gpu03"]] and rerank["placement"] == [["gpu03"]]
    assert embed["sharing"] == {"mode": "mps", "slices_per_gpu": 4, "device_plugin_config": "mps"}
    assert embed["gpu_memory_utilization"] == 0.22
    assert args_contain(embed["args"], ["--runner", "pooling"])
    assert result["shared_nodes"][0]["label"] == "nvidia.com/device-plugin.config=mps"
    assert result["shared_nodes"][0]["models"] == ["bge-m3", "bge-reranker-v2-m3"]


def test_replicas_beyond_the_free_gpus_are_refused():
    result = sp.plan([{"name": "deepseek-r1-distill-qwen-32b", "replicas": 5}],
                     **hardware("NVIDIA A100-SXM4-80GB", 2, 4, fabric=IB))
    assert "5 replicas of TP2 (2 GPUs each) fit in memory, but only 8 GPUs are free there" in result["problems"][0]


def test_api_key_comes_from_a_secret_never_an_argument_value():
    vllm = only(sp.plan(["deepseek-r1-distill-qwen-7b"], **hardware("H100", 1)))
    assert vllm["env_from_secret"] == {"VLLM_API_KEY": "api-key"}
    sglang = only(sp.plan(["deepseek-r1-distill-qwen-7b"], engine="sglang", **hardware("H100", 1)))
    assert args_contain(sglang["args"], ["--api-key", "$(SGLANG_API_KEY)"])


def test_summary_has_the_numbers_per_model():
    result = sp.plan(["deepseek-r1"], **hardware("NVIDIA H200", 8))
    lines = result["summary"].splitlines()
    assert lines[0] == ("deepseek-r1 (deepseek-ai/DeepSeek-R1, vllm): 1 replica, TP8 EP8 of 8 GPUs NVIDIA H200 on "
                        "gpu01; Deployment")
    assert lines[1] == ("  per GPU: 135.7 GB budget (0.90 x 150.8 GB) = 86.0 GB weights + 5.1 GB reserve + 44.6 GB KV "
                        "(634,378 tokens at 70272 B/token, 4 sequences of 131072)")


# ---------------------------------------------------------------------------------------------------- the docs

REPO = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..")
DOC_EXAMPLES = [
    ("prod", [{"name": "deepseek-r1-distill-qwen-32b", "replicas": 2}, "bge-m3", "bge-reranker-v2-m3"], "vllm"),
    ("prod", ["deepseek-r1"], "vllm"),
    ("prod-h100x8", ["deepseek-r1", "bge-m3"], "vllm"),
    ("h200x8-single", ["deepseek-r1"], "vllm"),
    ("h200x8-single", [{"name": "deepseek-r1", "mode": "throughput"}], "sglang"),
]


@pytest.mark.parametrize("inventory, models, engine", DOC_EXAMPLES,
                         ids=["%s-%d" % (row[0], i) for i, row in enumerate(DOC_EXAMPLES)])
def test_docs_show_what_the_planner_plans_for_the_example_inventories(inventory, models, engine):
    base = os.path.join(REPO, "inventories", inventory)
    with open(os.path.join(base, "group_vars", "all", "main.yml")) as handle:
        site = yaml.safe_load(handle)
    with open(os.path.join(base, "hosts.yml")) as handle:
        hosts = list(yaml.safe_load(handle)["all"]["children"]["gpu_nodes"]["hosts"])
    result = sp.plan(models, engine=engine, expected_gpu=site["privateai_expected_gpu"],
                     fabric=site["privateai_fabric"], gpu_hosts=hosts)
    with open(os.path.join(REPO, "docs", "serving.md")) as handle:
        doc = handle.read()
    assert "```text\n" + result["summary"] + "\n```" in doc
