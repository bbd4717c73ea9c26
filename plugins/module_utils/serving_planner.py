# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The serving planner: which GPUs each model gets, how it is split, and the engine's exact flags.

Input: the models to serve, the engine (vLLM or SGLang) and the GPU node groups, either given directly, or
built from the GPU gate's per-node summaries (``gpu_validate_summary``: model, count, memory, NVLink islands)
and the network stage's NCCL settings (``rdma_info`` ``nccl_env``), or, without hardware, from the
inventory's ``privateai_expected_gpu`` and ``privateai_fabric``.

Memory model, per GPU (all figures in bytes, GB = 10^9):

- budget = GPU memory (MiB from NVML or the catalog) x gpu_memory_utilization;
- weights = the checkpoint's bytes / (TP x PP); with data-parallel attention and expert parallelism
  (``mode: throughput``) the experts are spread over every rank and the rest is replicated on each;
  ``--quantization fp8`` on a BF16 checkpoint keeps FP8_RATIO of its bytes (embeddings and lm_head stay BF16),
  an FP32 checkpoint (the BGE models) is served in FP16 (half its bytes);
- reserve = CUDA context and allocator 1 GiB + CUDA graphs 1 GiB + NCCL buffers 1 GiB when the model spans
  several GPUs + activations of one chunked-prefill step (8192 tokens x hidden size x 32 bytes);
- KV = budget - weights - reserve; tokens = KV / bytes per token per GPU, where MLA (V2/V3) keeps
  layers/PP x (512 + 64) values per token on every TP rank (TP replicates the latent) and grouped-query
  attention keeps 2 x layers/PP x ceil(KV heads / TP) x head dim.

max_model_len is the model's serving default (or the requested value) only when the KV cache holds it; the
planner never writes a length the cache cannot hold. Nothing here imports Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import serving_catalog as cat

DEFAULT_UTILIZATION = 0.90
DEFAULT_MIN_MODEL_LEN = 4096
DEFAULT_SHARING_REPLICAS = 4
DEFAULT_READ_GB_PER_S = 0.5
PREFILL_CHUNK_TOKENS = 8192
ACTIVATION_BYTES_PER_HIDDEN = 32
FP8_RATIO = 0.52
STARTUP_BASE_S = 600
API_PORT = 8000
SHARING_MODES = ("mps", "time-slicing")
MODES = ("latency", "throughput")
QUANTIZATION = ("auto", "none", "fp8")
KV_DTYPES = ("auto", "fp8")
MODEL_KEYS = ("name", "served_name", "replicas", "max_model_len", "mode", "share", "quantization",
              "tensor_parallel_size", "pipeline_parallel_size", "gpu_memory_utilization", "group")
GROUP_KEYS = ("name", "gpu_model", "gpus_per_node", "nodes", "hosts", "memory_mib", "memory_gib", "islands",
              "fabric", "nccl_env")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def gb(value):
    """Bytes as GB with one decimal (the unit of the plan's texts)."""
    return "%.1f GB" % (value / cat.GB)


def _int_or_none(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------------- node groups

def _fabric_from_inventory(fabric):
    """(present, type, nccl_env, notes) from privateai_fabric."""
    fabric = fabric if isinstance(fabric, dict) else {}
    ftype = str(fabric.get("type") or "none").lower()
    rate = fabric.get("rate_gbps") or 0
    if ftype in ("none", "") or not rate:
        return False, ftype or "none", {}, []
    env, notes = {}, []
    networks = fabric.get("networks") or []
    iface = (networks[0] or {}).get("interface") if networks and isinstance(networks[0], dict) else None
    if iface:
        env["NCCL_SOCKET_IFNAME"] = str(iface)
        env["GLOO_SOCKET_IFNAME"] = str(iface)
    if ftype == "roce":
        env["NCCL_IB_GID_INDEX"] = "3"
        notes.append("NCCL_IB_GID_INDEX=3 assumed for RoCE v2 (rdma_info measures it on the nodes)")
    notes.append("NCCL_IB_HCA comes from rdma_info on the nodes; planned from privateai_fabric without it")
    return True, ftype, env, notes


def _fabric_from_facts(hosts, rdma):
    """(present, nccl_env, notes) from the per-host rdma_info results (or their nccl_env), or None without facts."""
    envs = []
    for host in hosts:
        entry = rdma.get(host) if isinstance(rdma, dict) else None
        if not isinstance(entry, dict):
            return None
        env = entry.get("nccl_env", entry) if "nccl_env" in entry or "rdma_present" in entry else entry
        envs.append(dict((str(k), str(v)) for k, v in (env or {}).items()))
    if not envs:
        return None
    if not all(e.get("NCCL_IB_HCA") for e in envs):
        return False, {}, ["rdma_info found no active RDMA port on %s"
                           % ", ".join(h for h, e in zip(hosts, envs) if not e.get("NCCL_IB_HCA"))]
    notes = []
    if any(e != envs[0] for e in envs[1:]):
        notes.append("the nodes' NCCL settings differ (%s); the pods of one LeaderWorkerSet share one template, "
                     "so the first node's are used" % "; ".join("%s: %s" % (h, e) for h, e in zip(hosts, envs)))
    return True, envs[0], notes


def _catalog_gpu(name, memory_mib, where, problems):
    key = cat.find_gpu(name)
    spec = cat.GPUS.get(key) if key else None
    if spec is None and not memory_mib:
        problems.append("%s: GPU model %r is not in the catalog and its memory is not given; set its memory "
                        "(privateai_expected_gpu.memory_gib, or memory_mib of the node group) or use one of: %s"
                        % (where, name, ", ".join(sorted(cat.GPUS))))
        return None
    info = {"gpu_model": key or str(name), "catalog": key, "memory_mib": int(memory_mib or spec["memory_mib"]),
            "fp8": bool(spec and spec["fp8"]), "arch": spec["arch"] if spec else "unknown",
            "interconnect": spec["interconnect"] if spec else "unknown"}
    return info


def _group(name, gpu_model, gpus_per_node, hosts, nodes, memory_mib, islands, fabric, source, problems):
    info = _catalog_gpu(gpu_model, memory_mib, "node group %s" % name, problems)
    if info is None:
        return None
    present, ftype, env, notes = fabric
    group = {"name": name, "hosts": list(hosts or []), "nodes": int(nodes), "gpus_per_node": int(gpus_per_node),
             "islands": islands or [], "source": source,
             "fabric": {"present": present, "type": ftype, "nccl_env": env, "notes": notes}}
    group.update(info)
    return group


def groups_from_summaries(summaries, rdma, fabric, problems):
    """Node groups from the GPU gate's per-node summaries: nodes with the same GPU model, count and memory."""
    groups, order = {}, []
    for host in sorted(summaries):
        s = summaries[host] if isinstance(summaries[host], dict) else {}
        count = _int_or_none(s.get("gpu_count"))
        if not count:
            continue
        models = [m for m in (s.get("gpu_models") or []) if m]
        if len(set(models)) > 1:
            problems.append("node %s mixes GPU models (%s): a tensor or pipeline parallel group needs one model; "
                            "list it as its own node group or leave it out"
                            % (host, ", ".join("%dx %s" % (models.count(m), m) for m in sorted(set(models)))))
            continue
        model = models[0] if models else s.get("gpu_model")
        memories = [m for m in (s.get("memory_total_mib") or []) if isinstance(m, int)]
        key = (model, count, min(memories) if memories else None)
        if key not in groups:
            groups[key] = {"hosts": [], "islands": s.get("islands") or []}
            order.append(key)
        groups[key]["hosts"].append(host)
    result = []
    for index, key in enumerate(order):
        model, count, memory = key
        hosts = groups[key]["hosts"]
        name = "gpu_nodes" if len(order) == 1 else "gpu_nodes_%d" % (index + 1)
        measured = _fabric_from_facts(hosts, rdma or {})
        if measured is None:
            present, ftype, env, notes = _fabric_from_inventory(fabric)
            fab = (present, ftype, env, notes)
        else:
            fab = (measured[0], "rdma_info", measured[1], measured[2])
        group = _group(name, model, count, hosts, len(hosts), memory, groups[key]["islands"], fab,
                       "gpu_validate_summary", problems)
        if group:
            result.append(group)
    return result


def groups_from_expected(expected, hosts, fabric, problems):
    """One node group from privateai_expected_gpu (model, count_per_node, memory_gib) and the GPU node names."""
    expected = expected if isinstance(expected, dict) else {}
    model = expected.get("model")
    count = _int_or_none(expected.get("count_per_node"))
    if not model or not count or count < 1:
        problems.append("privateai_expected_gpu: needs model and count_per_node (a positive integer), got %r; "
                        "set them to the intended hardware" % (expected,))
        return []
    if not hosts:
        problems.append("no GPU node: the inventory group gpu_nodes is empty (gpu_hosts), so nothing can be planned")
        return []
    memory_gib = expected.get("memory_gib")
    key = cat.find_gpu(model)
    memory_mib = None if key else (int(float(memory_gib) * 1024) if memory_gib else None)
    group = _group("gpu_nodes", model, count, hosts, len(hosts), memory_mib, [], _fabric_from_inventory(fabric),
                   "privateai_expected_gpu", problems)
    return [group] if group else []


def groups_from_explicit(node_groups, problems):
    result = []
    for index, g in enumerate(node_groups):
        where = "node_groups[%d]" % index
        if not isinstance(g, dict):
            problems.append("%s: must be a dictionary, got %r" % (where, g))
            continue
        unknown = sorted(set(g) - set(GROUP_KEYS))
        if unknown:
            problems.append("%s: unknown keys %s; known: %s" % (where, ", ".join(unknown), ", ".join(GROUP_KEYS)))
        name = str(g.get("name") or "group%d" % (index + 1))
        models = g.get("gpu_model")
        if isinstance(models, list):
            if len(set(models)) > 1:
                problems.append("node group %s mixes GPU models (%s): one tensor or pipeline parallel group needs one "
                                "model; split it into one node group per model" % (name, ", ".join(map(str, models))))
                continue
            models = models[0] if models else None
        count = _int_or_none(g.get("gpus_per_node"))
        hosts = [str(h) for h in g.get("hosts") or []]
        nodes = _int_or_none(g.get("nodes")) or len(hosts)
        if not models or not count or count < 1 or nodes < 1:
            problems.append("node group %s: needs gpu_model, gpus_per_node >= 1 and nodes >= 1 (or hosts), got "
                            "gpu_model=%r gpus_per_node=%r nodes=%r" % (name, models, g.get("gpus_per_node"),
                                                                        g.get("nodes")))
            continue
        memory_mib = _int_or_none(g.get("memory_mib")) or (
            int(float(g["memory_gib"]) * 1024) if g.get("memory_gib") else None)
        fabric = g.get("fabric")
        if isinstance(fabric, dict) and "nccl_env" not in g:
            fab = _fabric_from_inventory(fabric)
        else:
            env = dict((str(k), str(v)) for k, v in (g.get("nccl_env") or {}).items())
            fab = (bool(env), "given" if env else "none", env, [])
        group = _group(name, models, count, hosts, nodes, memory_mib, g.get("islands") or [], fab, "node_groups",
                       problems)
        if group:
            result.append(group)
    return result


# ---------------------------------------------------------------------------------------------------- memory

def kv_bytes_per_token(model, tp, pp, kv_dtype_bytes):
    """KV cache bytes one token occupies on one GPU of the layout."""
    layers = -(-model["layers"] // pp)
    if model["attention"] == "mla":
        return layers * (model["kv_lora_rank"] + model["qk_rope_head_dim"]) * kv_dtype_bytes
    if model["attention"] == "gqa":
        heads = -(-model["kv_heads"] // tp)
        return 2 * layers * heads * model["head_dim"] * kv_dtype_bytes
    return 0


def reserve_bytes(model, gpus):
    """CUDA context, CUDA graphs, NCCL buffers (several GPUs) and one prefill chunk's activations, per GPU."""
    runtime = (3 if gpus > 1 else 2) * cat.GIB
    return runtime + PREFILL_CHUNK_TOKENS * model["hidden_size"] * ACTIVATION_BYTES_PER_HIDDEN


def served_weight_bytes(model, quantize_fp8):
    if quantize_fp8:
        return int(math.ceil(model["weight_bytes"] * FP8_RATIO))
    if model["native_dtype"] == "fp32":
        return model["weight_bytes"] // 2
    return model["weight_bytes"]


def weights_per_gpu(model, weight_bytes, layout):
    if layout["dp"] > 1:
        share = model["expert_params_b"] / model["params_b"]
        ranks = layout["dp"] * layout["tp"]
        return int(math.ceil(weight_bytes * (1 - share) + weight_bytes * share / ranks))
    return int(math.ceil(weight_bytes / (layout["tp"] * layout["pp"])))


def memory(model, memory_mib, layout, utilization, kv_dtype, quantize_fp8):
    """The per-GPU breakdown of one layout: budget, weights, reserve, KV bytes and tokens."""
    total = memory_mib * cat.MIB
    budget = int(total * utilization)
    weights = weights_per_gpu(model, served_weight_bytes(model, quantize_fp8), layout)
    reserve = reserve_bytes(model, layout["tp"] * layout["pp"] * layout["dp"])
    kv = budget - weights - reserve
    dtype_bytes = 1 if kv_dtype == "fp8" else 2
    per_token = kv_bytes_per_token(model, layout["tp"], layout["pp"], dtype_bytes)
    tokens = kv // per_token if per_token and kv > 0 else 0
    return {"gpu_memory_bytes": total, "budget_bytes": budget, "weights_bytes": weights, "reserve_bytes": reserve,
            "kv_cache_bytes": kv, "kv_bytes_per_token": per_token, "kv_tokens": tokens}


# ---------------------------------------------------------------------------------------------------- layouts

def _layout(tp, pp=1, dp=1, nodes=1):
    return {"tp": tp, "pp": pp, "dp": dp, "nodes": nodes, "gpus": tp * pp * dp}


def layout_text(layout, model):
    parts = []
    if layout["dp"] > 1:
        parts.append("DP%d" % layout["dp"])
    if layout["tp"] > 1 or layout["dp"] == 1:
        parts.append("TP%d" % layout["tp"])
    if layout["pp"] > 1:
        parts.append("PP%d" % layout["pp"])
    if model.get("moe") and layout["gpus"] > 1:
        parts.append("EP%d" % (layout["tp"] * layout["dp"]))
    return " ".join(parts)


def candidates(model, gpus_per_node, nodes, engine, mode):
    """Layouts in order of GPUs used: one node first (TP, or DP+EP in throughput mode), then whole nodes."""
    heads = model["attention_heads"]
    result = []
    sizes = sorted(set([s for s in (1, 2, 4, 8, 16) if s <= gpus_per_node] + [gpus_per_node]))
    for size in sizes:
        if mode == "throughput":
            if size > 1:
                result.append(_layout(1, 1, size))
        elif heads % size == 0:
            result.append(_layout(size))
    if mode != "throughput" and model["kind"] == "chat":
        for k in range(2, nodes + 1):
            if engine == "vllm":
                if heads % gpus_per_node == 0 and k <= model["layers"]:
                    result.append(_layout(gpus_per_node, k, 1, k))
            elif heads % (gpus_per_node * k) == 0:
                result.append(_layout(gpus_per_node * k, 1, 1, k))
    return result


def requested_layout(model, gpus_per_node, tp, pp):
    """The layout a model's tensor_parallel_size / pipeline_parallel_size ask for, or a reason it cannot be."""
    pp = pp or 1
    gpus = tp * pp
    if model["attention_heads"] % tp:
        return None, "tensor_parallel_size %d does not divide the model's %d attention heads" % (
            tp, model["attention_heads"])
    if pp > model["layers"]:
        return None, "pipeline_parallel_size %d exceeds the model's %d layers" % (pp, model["layers"])
    if gpus <= gpus_per_node:
        return _layout(tp, pp), None
    if gpus % gpus_per_node:
        return None, ("tensor_parallel_size x pipeline_parallel_size = %d GPUs is not a whole number of nodes of %d "
                      "GPUs" % (gpus, gpus_per_node))
    return _layout(tp, pp, 1, gpus // gpus_per_node), None


# ---------------------------------------------------------------------------------------------------- one model

def _target_len(model, entry):
    return entry.get("max_model_len") or min(model["default_max_model_len"], model["context_length"])


def evaluate(model, group, layout, utilization, kv_dtype, quantize_fp8, target, min_len):
    """(fits, max_model_len, memory breakdown, reason)."""
    mem = memory(model, group["memory_mib"], layout, utilization, kv_dtype, quantize_fp8)
    if mem["kv_cache_bytes"] <= 0:
        return False, None, mem, ("%s needs %s weights + %s reserve per GPU, more than the %s budget (%d MiB x %.2f)"
                                  % (layout_text(layout, model), gb(mem["weights_bytes"]), gb(mem["reserve_bytes"]),
                                     gb(mem["budget_bytes"]), group["memory_mib"], utilization))
    if not mem["kv_bytes_per_token"]:
        return True, target, mem, None
    if mem["kv_tokens"] >= target:
        return True, target, mem, None
    if min_len is not None and mem["kv_tokens"] >= min_len:
        return True, mem["kv_tokens"] // 1024 * 1024, mem, None
    return False, None, mem, ("%s leaves %s KV cache per GPU = %d tokens at %d bytes per token, fewer than the %d "
                              "max_model_len needs" % (layout_text(layout, model), gb(mem["kv_cache_bytes"]),
                                                       mem["kv_tokens"], mem["kv_bytes_per_token"],
                                                       target if min_len is None else min_len))


def _quantization_passes(model, entry, group, engine):
    """[(quantize_fp8, decision text)] to try on this group in order, and a reason when none applies."""
    wanted = entry.get("quantization") or "auto"
    native = model["native_dtype"]
    if native == "fp8":
        if wanted == "fp8":
            return [], ("quantization fp8 on %s: the checkpoint is already FP8; --quantization fp8 on it breaks "
                        "(sglang#3283); use quantization: auto" % model["repo"])
        if not group["fp8"]:
            if engine == "sglang":
                return [], ("%s has no FP8 tensor cores and SGLang has no weight-only FP8 path for this FP8 "
                            "checkpoint; use engine vllm (weight-only FP8, Marlin) or an FP8-capable GPU"
                            % group["gpu_model"])
            return [(False, "none: FP8 checkpoint; %s has no FP8 tensor cores, so vLLM runs it weight-only FP8 "
                            "(Marlin kernels, BF16 compute); no --quantization flag" % group["gpu_model"])], None
        return [(False, "none: FP8 checkpoint, served natively on %s FP8 tensor cores; never --quantization fp8 "
                        "on it" % group["gpu_model"])], None
    native_text = "none: %s checkpoint served as %s" % (
        native.upper(), "FP16 (half the FP32 bytes)" if native == "fp32" else native.upper())
    fp8_text = ("fp8: --quantization fp8 (%s); %s" % (
        "W8A8 on FP8 tensor cores" if group["fp8"] else "weight-only FP8 with Marlin kernels, no FP8 tensor cores on "
        + group["gpu_model"], "requested" if wanted == "fp8" else "the BF16 weights do not fit the GPUs there are"))
    if wanted == "none" or model["kind"] != "chat":
        return [(False, native_text)], None
    if engine == "sglang" and not group["fp8"]:
        if wanted == "fp8":
            return [], "quantization fp8 with SGLang needs FP8 tensor cores; %s has none" % group["gpu_model"]
        return [(False, native_text)], None
    if wanted == "fp8":
        return [(True, fp8_text)], None
    return [(False, native_text), (True, fp8_text)], None


def fit_in_group(model, entry, group, engine, options, reasons, strict=False):
    """The first (fewest GPUs) layout of the group that fits, as a dict, or None with reasons appended."""
    mode = entry.get("mode") or "latency"
    utilization = entry.get("gpu_memory_utilization") or options["gpu_memory_utilization"]
    target = _target_len(model, entry)
    passes, why = _quantization_passes(model, entry, group, engine)
    if why:
        reasons.append("%s: %s" % (group_text(group), why))
        return None
    if entry.get("tensor_parallel_size"):
        layout, why = requested_layout(model, group["gpus_per_node"], entry["tensor_parallel_size"],
                                       entry.get("pipeline_parallel_size"))
        if why:
            reasons.append("%s: %s" % (group_text(group), why))
            return None
        if layout["nodes"] > group["nodes"]:
            reasons.append("%s: %s needs %d nodes, the group has %d" % (
                group_text(group), layout_text(layout, model), layout["nodes"], group["nodes"]))
            return None
        layouts = [layout]
    else:
        layouts = candidates(model, group["gpus_per_node"], group["nodes"], engine, mode)
    # a requested length must fit as asked; the default may shrink to what the cache holds (not below min_len)
    minimums = [None] if entry.get("max_model_len") or strict else [None, options["min_model_len"]]
    blocked_by_fabric = None
    last = None
    # the full length in the checkpoint's dtype, then in FP8, and only then a shorter length
    for min_len in minimums:
        for quantize, decision in passes:
            for layout in layouts:
                fits, length, mem, why = evaluate(model, group, layout, utilization, options["kv_cache_dtype"],
                                                  quantize, target, min_len)
                if not fits:
                    last = why
                    continue
                if layout["nodes"] > 1 and not group["fabric"]["present"] \
                        and not options["allow_multinode_without_fabric"]:
                    blocked_by_fabric = blocked_by_fabric or layout
                    continue
                return {"layout": layout, "max_model_len": length, "memory": mem, "quantize_fp8": quantize,
                        "quantization": decision, "gpu_memory_utilization": utilization, "target": target}
    if blocked_by_fabric:
        reasons.append("%s: %s over %d nodes would fit, but the group has no RDMA fabric (fabric type %s): NCCL "
                       "over TCP between nodes hangs or crawls; give the nodes an InfiniBand/RoCE fabric "
                       "(privateai_fabric) or set allow_multinode_without_fabric: true to accept TCP"
                       % (group_text(group), layout_text(blocked_by_fabric, model), blocked_by_fabric["nodes"],
                          group["fabric"]["type"]))
    elif last:
        reasons.append("%s: largest layout %s" % (group_text(group), last))
    return None


def group_text(group):
    return "%s (%d node%s x %d %s, %d MiB)" % (group["name"], group["nodes"], "" if group["nodes"] == 1 else "s",
                                               group["gpus_per_node"], group["gpu_model"], group["memory_mib"])


def smallest_hardware(model, entry, engine, options, site_gpu=None):
    """The smallest catalog hardware that serves the model (fewest nodes, then fewest GPUs, then least memory per
    GPU; several nodes with an RDMA fabric), overall and with the site's GPU model."""
    found = {}
    for gpu in sorted(cat.GPUS, key=lambda k: (cat.GPUS[k]["memory_mib"], k)):
        for nodes in (1, 2, 4):
            for per_node in (1, 2, 4, 8):
                hypothetical = _group("hypothetical", gpu, per_node, [], nodes, None, [],
                                      (True, "infiniband", {}, []), "catalog", [])
                local = dict(entry)
                local.pop("tensor_parallel_size", None)
                local.pop("pipeline_parallel_size", None)
                fit = fit_in_group(model, local, hypothetical, engine, options, [], strict=True)
                if fit is None:
                    continue
                gpus = fit["layout"]["gpus"]
                key = (fit["layout"]["nodes"], gpus, cat.GPUS[gpu]["memory_mib"])
                text = "%s%dx %s (%s%s)" % ("%d nodes x " % fit["layout"]["nodes"] if fit["layout"]["nodes"] > 1
                                            else "", fit["layout"]["gpus"] // fit["layout"]["nodes"], gpu,
                                            layout_text(fit["layout"], model),
                                            ", RDMA fabric" if fit["layout"]["nodes"] > 1 else "")
                if fit["quantize_fp8"]:
                    text += " with --quantization fp8"
                if "any" not in found or key < found["any"][0]:
                    found["any"] = (key, text)
                if gpu == site_gpu and ("site" not in found or key < found["site"][0]):
                    found["site"] = (key, text)
    parts = []
    if "any" in found:
        parts.append(found["any"][1])
    if "site" in found and found["site"][1] != found.get("any", (None, None))[1]:
        parts.append("with this site's GPU: " + found["site"][1])
    return " ; ".join(parts) if parts else "no hardware in the catalog (up to 4 nodes x 8 GPUs)"


# ---------------------------------------------------------------------------------------------------- flags

# The flags that say the same thing in both engines' spelling, in the order they are written.
_ENGINE_SPELLING = {
    "vllm": {"kv_fp8": ["--kv-cache-dtype", "fp8"], "pooling": ["--runner", "pooling"],
             "tools": ["--enable-auto-tool-choice", "--tool-call-parser"]},
    "sglang": {"kv_fp8": ["--kv-cache-dtype", "fp8_e4m3"], "pooling": ["--is-embedding"],
               "tools": ["--tool-call-parser"]},
}


def _model_flags(model, fit, engine):
    """KV cache dtype, quantization, dtype, remote code, pooling runner and parsers, as the engine spells them."""
    spelling, parsers = _ENGINE_SPELLING[engine], cat.PARSERS[engine]
    args = []
    if fit["kv_cache_dtype"] == "fp8":
        args += spelling["kv_fp8"]
    if fit["quantize_fp8"]:
        args += ["--quantization", "fp8"]
    if model["native_dtype"] == "fp32":
        args += ["--dtype", "float16"]
    if model["trust_remote_code"]:
        args += ["--trust-remote-code"]
    if model["kind"] in ("embedding", "rerank"):
        args += spelling["pooling"]
    if model["reasoning_parser"]:
        args += ["--reasoning-parser", parsers["reasoning"][model["reasoning_parser"]]]
    if model["tool_parser"]:
        args += spelling["tools"] + [parsers["tool"][model["tool_parser"]]]
    return args


def engine_command(model, name, fit, engine):
    """(command, args, env, env_from_secret) of the engine for one replica (the leader of a multi-node one)."""
    layout = fit["layout"]
    env, secret_env = {}, {}
    if engine == "vllm":
        command = ["vllm", "serve", model["repo"]]
        args = ["--served-model-name", name, "--host", "0.0.0.0", "--port", str(API_PORT),
                "--tensor-parallel-size", str(layout["tp"])]
        if layout["pp"] > 1:
            args += ["--pipeline-parallel-size", str(layout["pp"])]
        if layout["dp"] > 1:
            args += ["--data-parallel-size", str(layout["dp"])]
        if model.get("moe") and layout["tp"] * layout["dp"] > 1:
            args += ["--enable-expert-parallel"]
        if layout["nodes"] > 1:
            args += ["--distributed-executor-backend", "ray"]
        args += ["--max-model-len", str(fit["max_model_len"]),
                 "--gpu-memory-utilization", "%.2f" % fit["gpu_memory_utilization"]]
        args += _model_flags(model, fit, engine)
        secret_env["VLLM_API_KEY"] = "api-key"
    else:
        command = ["python3", "-m", "sglang.launch_server"]
        tp = layout["dp"] if layout["dp"] > 1 else layout["tp"]
        args = ["--model-path", model["repo"], "--served-model-name", name, "--host", "0.0.0.0",
                "--port", str(API_PORT), "--tp", str(tp)]
        if layout["pp"] > 1:
            args += ["--pp-size", str(layout["pp"])]
        if layout["dp"] > 1:
            args += ["--dp", str(layout["dp"]), "--enable-dp-attention"]
        if layout["nodes"] > 1:
            args += ["--nnodes", str(layout["nodes"]), "--node-rank", "$(LWS_WORKER_INDEX)",
                     "--dist-init-addr", "$(LWS_LEADER_ADDRESS):5000"]
        args += ["--context-length", str(fit["max_model_len"]),
                 "--mem-fraction-static", "%.2f" % fit["gpu_memory_utilization"]]
        args += _model_flags(model, fit, engine)
        args += ["--api-key", "$(SGLANG_API_KEY)"]
        secret_env["SGLANG_API_KEY"] = "api-key"
    return command, args, env, secret_env


# ---------------------------------------------------------------------------------------------------- input checks

def _check_models(models, problems):
    entries = []
    seen = {}
    if not isinstance(models, list) or not models:
        problems.append("models: give a non-empty list of models to serve (name: a catalog model), got %r" % (models,))
        return entries
    for index, entry in enumerate(models):
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict):
            problems.append("models[%d]: must be a model name or a dictionary with name, got %r" % (index, entry))
            continue
        entry = dict(entry)
        label = "models[%d] (%s)" % (index, entry.get("name"))
        unknown = sorted(set(entry) - set(MODEL_KEYS))
        if unknown:
            problems.append("%s: unknown keys %s; known: %s" % (label, ", ".join(unknown), ", ".join(MODEL_KEYS)))
        key = cat.find_model(entry.get("name"))
        if key is None:
            problems.append("%s: model %r is not in the catalog; use one of: %s"
                            % (label, entry.get("name"), ", ".join(sorted(cat.MODELS))))
            continue
        model = cat.MODELS[key]
        entry["catalog"] = key
        served = entry.get("served_name")
        if served is None:
            served = key.split("/")[-1].lower().replace(".", "-").replace("_", "-")
        entry["served_name"] = served
        if not isinstance(served, str) or not DNS_LABEL.match(served):
            problems.append("%s: served_name %r is not a DNS label (lower-case letters, digits and '-', starting and "
                            "ending with a letter or digit, at most 63 characters); it names the Service and the "
                            "pods' labels, e.g. %r" % (label, served, key.split("/")[-1].lower().replace(".", "-")))
        elif served in seen:
            problems.append("%s: served_name %r is also the name of models[%d]; give each model its own served_name"
                            % (label, served, seen[served]))
        else:
            seen[served] = index
        for opt, allowed in (("mode", MODES), ("quantization", QUANTIZATION)):
            if entry.get(opt) is not None and entry[opt] not in allowed:
                problems.append("%s: %s %r is not one of %s" % (label, opt, entry[opt], ", ".join(allowed)))
        if entry.get("mode") == "throughput" and not model.get("moe"):
            problems.append("%s: mode throughput (data-parallel attention with expert parallelism) is for the MoE "
                            "models (V2, V3, R1); %s is dense: use mode latency" % (label, key))
        for opt, low in (("replicas", 1), ("max_model_len", 1), ("tensor_parallel_size", 1),
                         ("pipeline_parallel_size", 1)):
            value = entry.get(opt)
            if value is None:
                continue
            number = _int_or_none(value)
            if number is None or number < low or str(value).strip() != str(number):
                problems.append("%s: %s must be an integer >= %d, got %r" % (label, opt, low, value))
            else:
                entry[opt] = number
        if entry.get("pipeline_parallel_size") and not entry.get("tensor_parallel_size"):
            problems.append("%s: pipeline_parallel_size needs tensor_parallel_size too" % label)
        if isinstance(entry.get("max_model_len"), int) and entry["max_model_len"] > model["context_length"]:
            problems.append("%s: max_model_len %d is longer than %s's context length %d; use %d or less"
                            % (label, entry["max_model_len"], key, model["context_length"], model["context_length"]))
        util = entry.get("gpu_memory_utilization")
        if util is not None:
            try:
                entry["gpu_memory_utilization"] = float(util)
                if not 0.05 <= entry["gpu_memory_utilization"] <= 0.98:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append("%s: gpu_memory_utilization must be a number between 0.05 and 0.98, got %r"
                                % (label, util))
        share = entry.get("share")
        if share is not None and not isinstance(share, bool):
            problems.append("%s: share must be true or false, got %r" % (label, share))
        entry["share"] = share if isinstance(share, bool) else model["kind"] in ("embedding", "rerank")
        entry["replicas"] = entry.get("replicas") or 1
        entry["label"] = label
        entries.append((entry, model))
    return entries


def _check_options(options, problems):
    checked = dict(options)
    if checked.get("engine") not in cat.ENGINES:
        problems.append("engine %r is not supported; use one of: %s" % (checked.get("engine"), ", ".join(cat.ENGINES)))
    if checked.get("kv_cache_dtype") not in KV_DTYPES:
        problems.append("kv_cache_dtype %r is not one of %s" % (checked.get("kv_cache_dtype"), ", ".join(KV_DTYPES)))
    if checked.get("sharing") not in SHARING_MODES:
        problems.append("sharing %r is not one of %s (how shared models split a GPU; gpu_operator's device plugin "
                        "configs)" % (checked.get("sharing"), ", ".join(SHARING_MODES)))
    for opt, low in (("sharing_replicas", 2), ("min_model_len", 1)):
        number = _int_or_none(checked.get(opt))
        if number is None or number < low:
            problems.append("%s must be an integer >= %d, got %r" % (opt, low, checked.get(opt)))
        checked[opt] = number
    try:
        checked["gpu_memory_utilization"] = float(checked.get("gpu_memory_utilization"))
        if not 0.05 <= checked["gpu_memory_utilization"] <= 0.98:
            raise ValueError
    except (TypeError, ValueError):
        problems.append("gpu_memory_utilization must be a number between 0.05 and 0.98, got %r"
                        % (options.get("gpu_memory_utilization"),))
    try:
        checked["weights_read_gb_per_s"] = float(checked.get("weights_read_gb_per_s"))
        if checked["weights_read_gb_per_s"] <= 0:
            raise ValueError
    except (TypeError, ValueError):
        problems.append("weights_read_gb_per_s must be a positive number, got %r"
                        % (options.get("weights_read_gb_per_s"),))
    return checked


def _check_kv_dtype(options, groups, problems):
    if options.get("kv_cache_dtype") == "fp8":
        for group in groups:
            if not group["fp8"]:
                problems.append("kv_cache_dtype fp8 needs FP8 support; node group %s has %s (no FP8 tensor cores); "
                                "use kv_cache_dtype auto" % (group["name"], group["gpu_model"]))


# ---------------------------------------------------------------------------------------------------- the plan

def plan(models, engine="vllm", node_groups=None, gpu_summaries=None, rdma=None, expected_gpu=None, fabric=None,
         gpu_hosts=None, allow_multinode_without_fabric=False, gpu_memory_utilization=DEFAULT_UTILIZATION,
         kv_cache_dtype="auto", sharing="mps", sharing_replicas=DEFAULT_SHARING_REPLICAS,
         min_model_len=DEFAULT_MIN_MODEL_LEN, weights_read_gb_per_s=DEFAULT_READ_GB_PER_S):
    """The serving plan; ``problems`` lists every refusal and bad input, ``feasible`` is true without any."""
    problems = []
    options = _check_options({"engine": engine, "kv_cache_dtype": kv_cache_dtype, "sharing": sharing,
                              "sharing_replicas": sharing_replicas, "min_model_len": min_model_len,
                              "gpu_memory_utilization": gpu_memory_utilization,
                              "weights_read_gb_per_s": weights_read_gb_per_s,
                              "allow_multinode_without_fabric": bool(allow_multinode_without_fabric)}, problems)
    entries = _check_models(models, problems)
    if node_groups:
        groups, source = groups_from_explicit(node_groups, problems), "node_groups"
    elif gpu_summaries and any(_int_or_none((s or {}).get("gpu_count")) for s in gpu_summaries.values()
                               if isinstance(s, dict)):
        groups, source = groups_from_summaries(gpu_summaries, rdma, fabric, problems), "gpu_validate_summary"
    else:
        groups, source = groups_from_expected(expected_gpu, gpu_hosts, fabric, problems), "privateai_expected_gpu"
    _check_kv_dtype(options, groups, problems)
    result = {"engine": engine, "source": source, "node_groups": groups, "models": [], "problems": problems,
              "feasible": False, "summary": ""}
    if problems:
        result["summary"] = "\n".join(["serving plan refused (bad input):"] + ["  - " + p for p in problems])
        return result

    free = dict((g["name"], [g["gpus_per_node"]] * g["nodes"]) for g in groups)
    shared_nodes = []
    planned = {}
    order = [i for i, (e, m) in enumerate(entries) if not e["share"]] + [i for i, (e, m) in enumerate(entries)
                                                                         if e["share"]]
    for index in order:
        entry, model = entries[index]
        candidates_groups = [g for g in groups if not entry.get("group") or g["name"] == entry["group"]]
        if entry.get("group") and not candidates_groups:
            problems.append("%s: group %r is not a node group here (%s)" % (
                entry["label"], entry["group"], ", ".join(g["name"] for g in groups)))
            continue
        if entry["share"]:
            planned[index] = _place_shared(entry, model, candidates_groups, free, shared_nodes, options, problems)
        else:
            planned[index] = _place_whole(entry, model, candidates_groups, free, options, problems)
    for index, (entry, model) in enumerate(entries):
        if planned.get(index):
            result["models"].append(planned[index])
    result["shared_nodes"] = shared_nodes
    result["feasible"] = not problems
    result["summary"] = summary_text(result)
    return result


def _take_nodes(free_nodes, layout, gpus_per_node):
    """Node indexes for one replica (first fit), taking their GPUs from free_nodes, or None."""
    if layout["nodes"] == 1:
        for i, count in enumerate(free_nodes):
            if count >= layout["gpus"]:
                free_nodes[i] -= layout["gpus"]
                return [i]
        return None
    whole = [i for i, count in enumerate(free_nodes) if count == gpus_per_node][:layout["nodes"]]
    if len(whole) < layout["nodes"]:
        return None
    for i in whole:
        free_nodes[i] = 0
    return whole


def _node_names(group, indexes):
    return [group["hosts"][i] if i < len(group["hosts"]) else "%s node %d" % (group["name"], i + 1) for i in indexes]


def _place_whole(entry, model, groups, free, options, problems):
    reasons = []
    for group in groups:
        fit = fit_in_group(model, entry, group, options["engine"], options, reasons)
        if fit is None:
            continue
        scratch = list(free[group["name"]])
        placements = []
        for dummy in range(entry["replicas"]):
            nodes = _take_nodes(scratch, fit["layout"], group["gpus_per_node"])
            if nodes is None:
                break
            placements.append(_node_names(group, nodes))
        if len(placements) < entry["replicas"]:
            reasons.append("%s: %d replica%s of %s (%d GPUs each) fit in memory, but only %d GPUs are free there "
                           "after the models before it (free per node: %s)"
                           % (group_text(group), entry["replicas"], "" if entry["replicas"] == 1 else "s",
                              layout_text(fit["layout"], model), fit["layout"]["gpus"],
                              sum(free[group["name"]]), free[group["name"]]))
            continue
        free[group["name"]] = scratch
        return _model_plan(entry, model, group, fit, placements, options, None)
    problems.append(_refusal(entry, model, reasons, groups, options))
    return None


def _place_shared(entry, model, groups, free, shared_nodes, options, problems):
    replicas = options["sharing_replicas"]
    utilization = math.floor(DEFAULT_UTILIZATION / replicas * 100) / 100
    local = dict(entry, gpu_memory_utilization=entry.get("gpu_memory_utilization") or utilization)
    reasons = []
    for group in groups:
        fit = fit_in_group(model, local, group, options["engine"], options, reasons)
        if fit is None:
            continue
        if fit["layout"]["gpus"] != 1:
            reasons.append("%s: a 1/%d share of one GPU (gpu_memory_utilization %.2f) is too small; it needs %s; "
                           "lower sharing_replicas or set share: false" % (
                               group_text(group), replicas, local["gpu_memory_utilization"],
                               layout_text(fit["layout"], model)))
            continue
        placements = []
        for dummy in range(entry["replicas"]):
            node = None
            for shared in shared_nodes:
                if shared["group"] == group["name"] and shared["slices_free"] > 0:
                    node = shared
                    break
            if node is None:
                nodes = free[group["name"]]
                whole = [i for i, count in enumerate(nodes) if count == group["gpus_per_node"]]
                if not whole:
                    break
                nodes[whole[0]] = 0
                node = {"group": group["name"], "node": _node_names(group, [whole[0]])[0], "sharing": options["sharing"],
                        "gpus": group["gpus_per_node"], "slices_per_gpu": replicas,
                        "slices_free": group["gpus_per_node"] * replicas, "models": [],
                        "label": "nvidia.com/device-plugin.config=%s" % options["sharing"]}
                shared_nodes.append(node)
            node["slices_free"] -= 1
            node["models"].append(entry["served_name"])
            placements.append([node["node"]])
        if len(placements) < entry["replicas"]:
            reasons.append("%s: shared models need a node whose GPUs no whole-GPU model uses (a node's device plugin "
                           "config shares all its GPUs, and MPS refuses pods asking for more than one GPU); free GPUs "
                           "per node after the other models: %s" % (group_text(group), free[group["name"]]))
            continue
        plan_ = _model_plan(entry, model, group, fit, placements, options, options["sharing"])
        return plan_
    problems.append(_refusal(entry, model, reasons, groups, options))
    return None


def _refusal(entry, model, reasons, groups, options):
    site_gpu = groups[0]["catalog"] if groups else None
    smallest = smallest_hardware(model, dict(entry, share=False), options["engine"], options, site_gpu)
    return "%s: %s cannot be served: %s. Smallest hardware that fits (max_model_len %d): %s" % (
        entry["label"], model["repo"], "; ".join(reasons) or "no node group", _target_len(model, entry)
        if not entry.get("max_model_len") else entry["max_model_len"], smallest)


def _model_plan(entry, model, group, fit, placements, options, sharing):
    fit = dict(fit, kv_cache_dtype=options["kv_cache_dtype"])
    layout = fit["layout"]
    command, args, env, secret_env = engine_command(model, entry["served_name"], fit, options["engine"])
    notes = []
    if model["notes"]:
        notes.append(model["notes"])
    if fit["max_model_len"] < fit["target"]:
        notes.append("max_model_len %d (not the default %d): the KV cache holds %d tokens per replica on %s"
                     % (fit["max_model_len"], fit["target"], fit["memory"]["kv_tokens"], group["gpu_model"]))
    if layout["nodes"] == 1 and layout["gpus"] > 1:
        if group["interconnect"] == "pcie":
            notes.append("%s GPUs have no NVLink: tensor-parallel all-reduce goes over PCIe" % group["gpu_model"])
        elif group["islands"] and max(len(i) for i in group["islands"]) < layout["gpus"]:
            notes.append("%d GPUs per replica cross NVLink islands %s: all-reduce between islands goes over PCIe"
                         % (layout["gpus"], group["islands"]))
    nccl_env = {}
    pod = {"ipc_lock": False, "shm_gib": 0}
    if layout["gpus"] > 1:
        pod["shm_gib"] = 20 if layout["nodes"] > 1 else 10
    if layout["nodes"] > 1:
        nccl_env = dict(group["fabric"]["nccl_env"])
        if group["fabric"]["present"]:
            pod["ipc_lock"] = True
            notes.extend(group["fabric"]["notes"])
        else:
            nccl_env["NCCL_IB_DISABLE"] = "1"
            notes.append("multi-node without an RDMA fabric (allow_multinode_without_fabric): NCCL over TCP sockets, "
                         "expect far lower throughput")
    per_replica_bytes = served_weight_bytes(model, fit["quantize_fp8"])
    startup = STARTUP_BASE_S + int(math.ceil(per_replica_bytes / (options["weights_read_gb_per_s"] * cat.GB)
                                             / layout["nodes"]))
    startup = int(math.ceil(startup / 60.0)) * 60
    mem = fit["memory"]
    concurrent = (mem["kv_tokens"] // fit["max_model_len"]) * layout["dp"] if mem["kv_bytes_per_token"] else None
    return {
        "name": model["repo"],
        "served_name": entry["served_name"],
        "kind": model["kind"],
        "feasible": True,
        "group": group["name"],
        "gpu_model": group["gpu_model"],
        "placement": placements,
        "replicas": entry["replicas"],
        "nodes": layout["nodes"],
        "lws_size": layout["nodes"],
        "workload": "LeaderWorkerSet" if layout["nodes"] > 1 else "Deployment",
        "gpus_per_replica": layout["gpus"],
        "gpus_per_pod": (layout["gpus"] // layout["nodes"]) if not sharing else 1,
        "parallel": {"tp": layout["tp"], "pp": layout["pp"], "dp": layout["dp"],
                     "ep": layout["tp"] * layout["dp"] if model.get("moe") and layout["gpus"] > 1 else 1,
                     "text": layout_text(layout, model)},
        "mode": entry.get("mode") or "latency",
        "sharing": {"mode": sharing, "slices_per_gpu": options["sharing_replicas"],
                    "device_plugin_config": sharing} if sharing else None,
        "gpu_memory_utilization": round(fit["gpu_memory_utilization"], 2),
        "max_model_len": fit["max_model_len"],
        "kv_cache_dtype": options["kv_cache_dtype"],
        "quantization": {"flag": "fp8" if fit["quantize_fp8"] else None, "decision": fit["quantization"]},
        "memory_per_gpu": mem,
        "kv_tokens_per_replica": mem["kv_tokens"] * layout["dp"] if mem["kv_bytes_per_token"] else None,
        "concurrent_sequences_at_max_len": concurrent,
        "engine": options["engine"],
        "command": command,
        "args": args,
        "env": dict(env, **nccl_env),
        "env_from_secret": secret_env,
        "pod": pod,
        "startup_probe_seconds": startup,
        "notes": notes,
    }


def summary_text(result):
    lines = []
    for m in result["models"]:
        mem = m["memory_per_gpu"]
        where = ("%s of %d GPU%s" % (m["parallel"]["text"], m["gpus_per_replica"],
                                     "" if m["gpus_per_replica"] == 1 else "s")
                 if not m["sharing"] else "1/%d of a GPU (%s)" % (m["sharing"]["slices_per_gpu"], m["sharing"]["mode"]))
        lines.append("%s (%s, %s): %d replica%s, %s %s on %s; %s" % (
            m["served_name"], m["name"], m["engine"], m["replicas"], "" if m["replicas"] == 1 else "s", where,
            m["gpu_model"], " | ".join(", ".join(p) for p in m["placement"]),
            m["workload"] + (" size %d" % m["lws_size"] if m["lws_size"] > 1 else "")))
        kv = ("%s KV (%s tokens at %d B/token, %s sequences of %d)" % (
            gb(mem["kv_cache_bytes"]), "{:,}".format(mem["kv_tokens"]), mem["kv_bytes_per_token"],
            m["concurrent_sequences_at_max_len"], m["max_model_len"]) if mem["kv_bytes_per_token"]
            else "%s free (no KV cache)" % gb(mem["kv_cache_bytes"]))
        lines.append("  per GPU: %s budget (%.2f x %s) = %s weights + %s reserve + %s" % (
            gb(mem["budget_bytes"]), m["gpu_memory_utilization"], gb(mem["gpu_memory_bytes"]),
            gb(mem["weights_bytes"]), gb(mem["reserve_bytes"]), kv))
        lines.append("  max_model_len %d, KV cache dtype %s, quantization %s" % (
            m["max_model_len"], m["kv_cache_dtype"], m["quantization"]["decision"]))
        lines.append("  " + " ".join(m["command"] + m["args"]))
        if m["env"]:
            lines.append("  env: " + " ".join("%s=%s" % kv_ for kv_ in sorted(m["env"].items())))
        lines.append("  startup probe budget %d s" % m["startup_probe_seconds"])
        for note in m["notes"]:
            lines.append("  note: " + note)
    for node in result.get("shared_nodes") or []:
        lines.append("shared GPUs: %s (%s, %d GPUs x %d slices): label the node %s; models %s" % (
            node["node"], node["group"], node["gpus"], node["slices_per_gpu"], node["label"],
            ", ".join(node["models"])))
    if result["problems"]:
        lines.append("REFUSED:")
        lines.extend("  - " + p for p in result["problems"])
    return "\n".join(lines)
