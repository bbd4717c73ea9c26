# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The model and GPU catalogs of the serving planner, as data.

Models: the DeepSeek chat models (V3, R1 and their later revisions, V2, V2-Lite, the six R1 distills) and the
embedding and reranking models Dify's knowledge base needs. Figures come from each model's published
configuration (config.json) and model card: parameters and active parameters, layers, hidden size, attention
heads and the KV geometry the cache is sized from (MLA latent rank plus the decoupled RoPE dimension for
V2/V3, grouped-query KV heads and head dimension for the Qwen2 and Llama distills), the dtype the checkpoint is
stored in, its size on disk, the context length the model card states, and the parsers the engines need.

GPUs: names exactly as ``nvidia-smi --query-gpu=name`` (and NVML) print them, memory as NVML reports it in MiB,
whether the GPU has FP8 tensor cores (Hopper, Ada, Blackwell; not Ampere) and how its GPUs are joined in the
usual server (NVSwitch, NVLink bridge pairs, PCIe only).

Nothing here imports Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

GB = 1000 ** 3
MIB = 1024 ** 2
GIB = 1024 ** 3

DTYPE_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 1}

# Engines the planner writes flags for, with their parser names (vLLM and SGLang spell them differently).
ENGINES = ("vllm", "sglang")
PARSERS = {
    "vllm": {"reasoning": {"deepseek_r1": "deepseek_r1", "deepseek_v3": "deepseek_v3"},
             "tool": {"deepseek_v3": "deepseek_v3", "deepseek_v31": "deepseek_v31", "hermes": "hermes",
                      "llama3_json": "llama3_json"}},
    "sglang": {"reasoning": {"deepseek_r1": "deepseek-r1", "deepseek_v3": "deepseek-v3"},
               "tool": {"deepseek_v3": "deepseekv3", "deepseek_v31": "deepseekv31", "hermes": "qwen25",
                        "llama3_json": "llama3"}},
}


def _mla(layers, hidden, heads):
    return {"layers": layers, "hidden_size": hidden, "attention_heads": heads,
            "attention": "mla", "kv_lora_rank": 512, "qk_rope_head_dim": 64}


def _gqa(layers, hidden, heads, kv_heads, head_dim=128):
    return {"layers": layers, "hidden_size": hidden, "attention_heads": heads,
            "attention": "gqa", "kv_heads": kv_heads, "head_dim": head_dim}


def _encoder(layers, hidden, heads):
    return {"layers": layers, "hidden_size": hidden, "attention_heads": heads, "attention": "encoder"}


def _v3(repo, reasoning_parser, tool_parser, notes=""):
    """The 671B DeepSeek-V3 architecture (V3, R1 and their revisions): 671B + 14B MTP, 37B active, FP8."""
    entry = {"repo": repo, "kind": "chat", "family": "deepseek_v3", "params_b": 685.0, "active_params_b": 37.0,
             "expert_params_b": 654.0, "native_dtype": "fp8", "weight_bytes": 688 * GB, "context_length": 131072,
             "default_max_model_len": 131072, "trust_remote_code": True,
             "reasoning_parser": reasoning_parser, "tool_parser": tool_parser,
             "moe": {"routed_experts": 256, "shared_experts": 1, "experts_per_token": 8}, "notes": notes}
    entry.update(_mla(61, 7168, 128))
    return entry


def _distill(repo, params_b, weight_gb, geometry, tool_parser):
    entry = {"repo": repo, "kind": "chat", "family": "deepseek_r1_distill", "params_b": params_b,
             "active_params_b": params_b, "expert_params_b": 0.0, "native_dtype": "bf16",
             "weight_bytes": int(weight_gb * GB), "context_length": 131072,
             # DeepSeek's model cards run the distills with a 32,768-token generation length.
             "default_max_model_len": 32768, "trust_remote_code": False,
             "reasoning_parser": "deepseek_r1", "tool_parser": tool_parser, "moe": None, "notes": ""}
    entry.update(geometry)
    return entry


MODELS = {
    "deepseek-ai/DeepSeek-V3": _v3("deepseek-ai/DeepSeek-V3", None, "deepseek_v3"),
    "deepseek-ai/DeepSeek-V3-0324": _v3("deepseek-ai/DeepSeek-V3-0324", None, "deepseek_v3"),
    "deepseek-ai/DeepSeek-V3.1": _v3("deepseek-ai/DeepSeek-V3.1", "deepseek_v3", "deepseek_v31",
                                     "hybrid thinking: the reasoning parser applies when the request enables thinking"),
    "deepseek-ai/DeepSeek-V3.1-Terminus": _v3("deepseek-ai/DeepSeek-V3.1-Terminus", "deepseek_v3", "deepseek_v31",
                                              "hybrid thinking: the reasoning parser applies when the request "
                                              "enables thinking"),
    "deepseek-ai/DeepSeek-R1": _v3("deepseek-ai/DeepSeek-R1", "deepseek_r1", None),
    "deepseek-ai/DeepSeek-R1-0528": _v3("deepseek-ai/DeepSeek-R1-0528", "deepseek_r1", "deepseek_v3"),
    "deepseek-ai/DeepSeek-V2-Chat": dict(
        {"repo": "deepseek-ai/DeepSeek-V2-Chat", "kind": "chat", "family": "deepseek_v2", "params_b": 236.0,
         "active_params_b": 21.0, "expert_params_b": 221.0, "native_dtype": "bf16", "weight_bytes": 472 * GB,
         "context_length": 131072, "default_max_model_len": 131072, "trust_remote_code": True,
         "reasoning_parser": None, "tool_parser": None,
         "moe": {"routed_experts": 160, "shared_experts": 2, "experts_per_token": 6}, "notes": ""},
        **_mla(60, 5120, 128)),
    "deepseek-ai/DeepSeek-V2-Lite-Chat": dict(
        {"repo": "deepseek-ai/DeepSeek-V2-Lite-Chat", "kind": "chat", "family": "deepseek_v2", "params_b": 15.7,
         "active_params_b": 2.4, "expert_params_b": 14.0, "native_dtype": "bf16", "weight_bytes": int(31.4 * GB),
         "context_length": 32768, "default_max_model_len": 32768, "trust_remote_code": True,
         "reasoning_parser": None, "tool_parser": None,
         "moe": {"routed_experts": 64, "shared_experts": 2, "experts_per_token": 6}, "notes": ""},
        **_mla(27, 2048, 16)),
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B": _distill("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", 1.78, 3.55,
                                                          _gqa(28, 1536, 12, 2), "hermes"),
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B": _distill("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", 7.62, 15.23,
                                                        _gqa(28, 3584, 28, 4), "hermes"),
    "deepseek-ai/DeepSeek-R1-Distill-Llama-8B": _distill("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", 8.03, 16.06,
                                                         _gqa(32, 4096, 32, 8), "llama3_json"),
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B": _distill("deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", 14.8, 29.54,
                                                         _gqa(48, 5120, 40, 8), "hermes"),
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B": _distill("deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", 32.8, 65.53,
                                                         _gqa(64, 5120, 40, 8), "hermes"),
    "deepseek-ai/DeepSeek-R1-Distill-Llama-70B": _distill("deepseek-ai/DeepSeek-R1-Distill-Llama-70B", 70.6, 141.1,
                                                          _gqa(80, 8192, 64, 8), "llama3_json"),
    "BAAI/bge-m3": dict(
        {"repo": "BAAI/bge-m3", "kind": "embedding", "family": "xlm_roberta", "params_b": 0.568,
         "active_params_b": 0.568, "expert_params_b": 0.0, "native_dtype": "fp32", "weight_bytes": int(2.27 * GB),
         "context_length": 8192, "default_max_model_len": 8192, "trust_remote_code": False,
         "reasoning_parser": None, "tool_parser": None, "moe": None, "notes": ""},
        **_encoder(24, 1024, 16)),
    "BAAI/bge-reranker-v2-m3": dict(
        {"repo": "BAAI/bge-reranker-v2-m3", "kind": "rerank", "family": "xlm_roberta", "params_b": 0.568,
         "active_params_b": 0.568, "expert_params_b": 0.0, "native_dtype": "fp32", "weight_bytes": int(2.27 * GB),
         "context_length": 8192, "default_max_model_len": 8192, "trust_remote_code": False,
         "reasoning_parser": None, "tool_parser": None, "moe": None, "notes": ""},
        **_encoder(24, 1024, 16)),
}

# Short names accepted for the catalog entries (compared case-insensitively, like the repository names).
MODEL_ALIASES = {
    "deepseek-v3": "deepseek-ai/DeepSeek-V3",
    "deepseek-v3-0324": "deepseek-ai/DeepSeek-V3-0324",
    "deepseek-v3.1": "deepseek-ai/DeepSeek-V3.1",
    "deepseek-v3.1-terminus": "deepseek-ai/DeepSeek-V3.1-Terminus",
    "deepseek-r1": "deepseek-ai/DeepSeek-R1",
    "deepseek-r1-0528": "deepseek-ai/DeepSeek-R1-0528",
    "deepseek-v2": "deepseek-ai/DeepSeek-V2-Chat",
    "deepseek-v2-chat": "deepseek-ai/DeepSeek-V2-Chat",
    "deepseek-v2-lite": "deepseek-ai/DeepSeek-V2-Lite-Chat",
    "deepseek-v2-lite-chat": "deepseek-ai/DeepSeek-V2-Lite-Chat",
    "deepseek-r1-distill-qwen-1.5b": "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
    "deepseek-r1-distill-qwen-7b": "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
    "deepseek-r1-distill-llama-8b": "deepseek-ai/DeepSeek-R1-Distill-Llama-8B",
    "deepseek-r1-distill-qwen-14b": "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B",
    "deepseek-r1-distill-qwen-32b": "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B",
    "deepseek-r1-distill-llama-70b": "deepseek-ai/DeepSeek-R1-Distill-Llama-70B",
    "bge-m3": "BAAI/bge-m3",
    "bge-reranker-v2-m3": "BAAI/bge-reranker-v2-m3",
}


def _gpu(memory_mib, arch, fp8, interconnect):
    return {"memory_mib": memory_mib, "arch": arch, "fp8": fp8, "interconnect": interconnect}


# interconnect: nvswitch (every GPU of the board reaches every other over NVLink), nvlink-bridge (pairs or quads
# joined by bridges, the rest over PCIe), pcie (no NVLink).
GPUS = {
    "NVIDIA H100 80GB HBM3": _gpu(81559, "hopper", True, "nvswitch"),
    "NVIDIA H100 PCIe": _gpu(81559, "hopper", True, "pcie"),
    "NVIDIA H100 NVL": _gpu(95830, "hopper", True, "nvlink-bridge"),
    "NVIDIA H200": _gpu(143771, "hopper", True, "nvswitch"),
    "NVIDIA H200 NVL": _gpu(143771, "hopper", True, "nvlink-bridge"),
    "NVIDIA H800": _gpu(81559, "hopper", True, "nvswitch"),
    "NVIDIA H20": _gpu(97871, "hopper", True, "nvswitch"),
    "NVIDIA B200": _gpu(183359, "blackwell", True, "nvswitch"),
    "NVIDIA A100-SXM4-80GB": _gpu(81920, "ampere", False, "nvswitch"),
    "NVIDIA A100-SXM4-40GB": _gpu(40960, "ampere", False, "nvswitch"),
    "NVIDIA A100 80GB PCIe": _gpu(81920, "ampere", False, "nvlink-bridge"),
    "NVIDIA A100-PCIE-40GB": _gpu(40960, "ampere", False, "nvlink-bridge"),
    "NVIDIA A800-SXM4-80GB": _gpu(81920, "ampere", False, "nvswitch"),
    "NVIDIA L40S": _gpu(46068, "ada", True, "pcie"),
    "NVIDIA L40": _gpu(46068, "ada", True, "pcie"),
    "NVIDIA L4": _gpu(23034, "ada", True, "pcie"),
    "NVIDIA A10": _gpu(23028, "ampere", False, "pcie"),
    "NVIDIA A10G": _gpu(23028, "ampere", False, "pcie"),
}

# Common spellings (case-insensitive) for the nvidia-smi names above.
GPU_ALIASES = {
    "h100": "NVIDIA H100 80GB HBM3",
    "h100-sxm": "NVIDIA H100 80GB HBM3",
    "h100 sxm": "NVIDIA H100 80GB HBM3",
    "h100-pcie": "NVIDIA H100 PCIe",
    "h100-nvl": "NVIDIA H100 NVL",
    "h200": "NVIDIA H200",
    "h200-nvl": "NVIDIA H200 NVL",
    "h800": "NVIDIA H800",
    "h20": "NVIDIA H20",
    "b200": "NVIDIA B200",
    "a100-80gb": "NVIDIA A100-SXM4-80GB",
    "a100-sxm4-80gb": "NVIDIA A100-SXM4-80GB",
    "a100-40gb": "NVIDIA A100-SXM4-40GB",
    "a100-pcie-80gb": "NVIDIA A100 80GB PCIe",
    "a100-pcie-40gb": "NVIDIA A100-PCIE-40GB",
    "l40s": "NVIDIA L40S",
    "l40": "NVIDIA L40",
    "l4": "NVIDIA L4",
    "a10": "NVIDIA A10",
    "a10g": "NVIDIA A10G",
}


def find_model(name):
    """The catalog key for a repository name or alias (case-insensitive), or None."""
    if not isinstance(name, str):
        return None
    wanted = name.strip().lower()
    for key in MODELS:
        if key.lower() == wanted or key.split("/")[-1].lower() == wanted:
            return key
    return MODEL_ALIASES.get(wanted)


def find_gpu(name):
    """The catalog name for an nvidia-smi name or alias (case-insensitive, blanks and dashes alike), or None."""
    if not isinstance(name, str):
        return None
    wanted = " ".join(name.strip().lower().split())
    for key in GPUS:
        if key.lower() == wanted:
            return key
    return GPU_ALIASES.get(wanted) or GPU_ALIASES.get(wanted.replace(" ", "-"))
