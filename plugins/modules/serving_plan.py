#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: serving_plan
short_description: Plan how DeepSeek, embedding and reranking models are served on the GPUs there are
version_added: "0.1.0"
description:
  - Plans, from the probed or the intended hardware, how each model is served with vLLM or SGLang - which node group
    and nodes, tensor/pipeline/data/expert parallel sizes, node count (LeaderWorkerSet size), replicas,
    C(gpu_memory_utilization), C(max_model_len) derived from the KV cache budget, KV cache dtype, quantization
    decisions with their reasons, the engine's exact arguments, the NCCL environment of multi-node replicas and a
    per-GPU memory breakdown (weights, reserve, KV cache). Changes nothing.
  - The hardware comes from O(node_groups) when given, else from the GPU gate's per-node summaries
    (O(gpu_summaries), the C(gpu_validate_summary) facts) with the NCCL settings of O(rdma), else from the
    inventory's intended hardware (O(expected_gpu), O(fabric), O(gpu_hosts)).
  - Embedding and reranking models share GPUs by default (MPS or time-slicing, one node labelled for the
    device plugin config of the platform stage); the plan names that node and the label.
  - Fails, before anything is rendered, on an unknown model or engine, a GPU not in the catalog without its memory,
    mixed GPU models in one node or group, a served name that is not a DNS label, a requested context longer than
    the model's or than the KV cache holds, a multi-node layout without an RDMA fabric (unless
    O(allow_multinode_without_fabric)) and any model that does not fit - listing every problem at once, each naming
    the model and the numbers, and for a model that does not fit the smallest hardware that would.
  - The planner's memory model and catalogs are described in C(docs/serving.md).
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.attributes.read_only
options:
  models:
    description:
      - The models to serve, each a catalog name (V(deepseek-ai/DeepSeek-R1) or a short form such as V(deepseek-r1),
        V(bge-m3)) or a dictionary with C(name) and optionally C(served_name) (a DNS label, default the lower-cased
        repository name), C(replicas) (default 1), C(max_model_len), C(mode) (V(latency), or V(throughput) for
        data-parallel attention with expert parallelism on the MoE models), C(share) (share a GPU; default true for
        embedding and reranking models), C(quantization) (V(auto), V(none), V(fp8)), C(tensor_parallel_size),
        C(pipeline_parallel_size), C(gpu_memory_utilization) and C(group) (the node group to use).
      - Whole-GPU models are placed first, in the order given, then the shared ones.
    type: list
    elements: raw
    required: true
  engine:
    description: The inference engine the flags are written for.
    type: str
    choices: [vllm, sglang]
    default: vllm
  node_groups:
    description:
      - Explicit node groups, each with C(name), C(gpu_model), C(gpus_per_node), C(nodes) or C(hosts), and optionally
        C(memory_mib) or C(memory_gib) (required for a GPU not in the catalog), C(islands), C(fabric) (as
        O(fabric)) or C(nccl_env). Overrides O(gpu_summaries) and O(expected_gpu).
    type: list
    elements: dict
    default: []
  gpu_summaries:
    description:
      - The GPU gate's per-node summaries, host name to C(gpu_validate_summary). Nodes with the same GPU model, count
        and memory form one node group; nodes without GPUs are left out.
    type: dict
    default: {}
  rdma:
    description:
      - Per host, the C(rdma_info) result or its C(nccl_env) (the C(rdma_nccl_env) fact). When every node of a group
        has one, the fabric of that group is what they found; otherwise O(fabric) describes it.
    type: dict
    default: {}
  expected_gpu:
    description: The intended GPUs per node, C(privateai_expected_gpu) (C(model), C(count_per_node), C(memory_gib)).
    type: dict
    default: {}
  fabric:
    description: The intended fabric, C(privateai_fabric) (C(type) V(infiniband), V(roce) or V(none), C(rate_gbps), C(networks)).
    type: dict
    default: {}
  gpu_hosts:
    description: The GPU node names (the C(gpu_nodes) group), used with O(expected_gpu).
    type: list
    elements: str
    default: []
  allow_multinode_without_fabric:
    description: Accept a model split over several nodes without an RDMA fabric (NCCL over TCP).
    type: bool
    default: false
  gpu_memory_utilization:
    description: Share of each GPU's memory a whole-GPU model may use (a model's own value wins).
    type: float
    default: 0.9
  kv_cache_dtype:
    description: V(auto) keeps the KV cache in the model's dtype; V(fp8) halves it (FP8-capable GPUs only).
    type: str
    choices: [auto, fp8]
    default: auto
  sharing:
    description: How shared models split a GPU, the device plugin config of the platform stage.
    type: str
    choices: [mps, time-slicing]
    default: mps
  sharing_replicas:
    description: Slices per shared GPU (C(gpu_operator_sharing_replicas)); a shared model gets one slice.
    type: int
    default: 4
  min_model_len:
    description:
      - The shortest C(max_model_len) the planner accepts when a model's default does not fit the KV cache on any
        layout; a requested C(max_model_len) of a model is never shortened.
    type: int
    default: 4096
  weights_read_gb_per_s:
    description: How fast a replica reads its weights from the model store, for the startup probe budget.
    type: float
    default: 0.5
notes:
  - The memory figures are estimates with a stated reserve (docs/serving.md); they are what the planner checks, not
    a measurement of the engine.
seealso:
  - module: privateai.deepseek_dify.gpu_gate_info
  - module: privateai.deepseek_dify.rdma_info
  - plugin: privateai.deepseek_dify.serving_plan
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Plan DeepSeek-R1 and the knowledge-base models on the intended hardware
  privateai.deepseek_dify.serving_plan:
    models:
      - name: deepseek-ai/DeepSeek-R1
        served_name: deepseek-r1
      - bge-m3
      - bge-reranker-v2-m3
    expected_gpu: "{{ privateai_expected_gpu }}"
    fabric: "{{ privateai_fabric }}"
    gpu_hosts: "{{ groups['gpu_nodes'] }}"
  register: serving

- name: Plan from what the GPU gate and rdma_info found
  privateai.deepseek_dify.serving_plan:
    models: [deepseek-r1-distill-qwen-32b]
    engine: sglang
    gpu_summaries: "{{ dict(groups['gpu_nodes'] | zip(groups['gpu_nodes'] | map('extract', hostvars, 'gpu_validate_summary'))) }}"
    rdma: "{{ dict(groups['gpu_nodes'] | zip(groups['gpu_nodes'] | map('extract', hostvars, 'rdma_nccl_env'))) }}"
  register: serving

- name: Show the plan
  ansible.builtin.debug:
    msg: "{{ serving.summary.splitlines() }}"
"""

RETURN = r"""
feasible:
  description: Whether every model has a place; false only in a failed result.
  returned: always
  type: bool
engine:
  description: The engine the plan is for.
  returned: always
  type: str
source:
  description: Where the hardware came from (V(node_groups), V(gpu_validate_summary) or V(privateai_expected_gpu)).
  returned: always
  type: str
node_groups:
  description: The node groups planned on (GPU model, memory, FP8 support, interconnect, nodes, hosts, fabric).
  returned: always
  type: list
  elements: dict
models:
  description: One plan per model that has a place.
  returned: always
  type: list
  elements: dict
  contains:
    served_name: {description: "The name clients use (a DNS label)", type: str}
    group: {description: "The node group", type: str}
    placement: {description: "Per replica, the nodes it runs on", type: list, elements: list}
    parallel: {description: "tp, pp, dp, ep and a text such as V(TP8 EP8)", type: dict}
    lws_size: {description: "Nodes per replica (the LeaderWorkerSet size; 1 is a Deployment)", type: int}
    replicas: {description: "Replicas", type: int}
    workload: {description: "V(Deployment) or V(LeaderWorkerSet) (several nodes per replica)", type: str}
    gpus_per_replica: {description: "GPUs of one replica (a shared model has one slice of one GPU)", type: int}
    gpus_per_pod: {description: "GPUs each pod requests (C(nvidia.com/gpu))", type: int}
    gpu_memory_utilization: {description: "The engine's memory share", type: float}
    max_model_len: {description: "The context length the KV cache holds", type: int}
    quantization: {description: "flag (V(fp8) or V(null)) and the decision with its reason", type: dict}
    memory_per_gpu: {description: "Bytes per GPU (budget, weights, reserve, KV cache, KV bytes per token, KV tokens)", type: dict}
    command: {description: "The engine command", type: list, elements: str}
    args: {description: "The engine's exact arguments", type: list, elements: str}
    env: {description: "Environment of the pods (NCCL settings of multi-node replicas)", type: dict}
    env_from_secret: {description: "Environment variables taken from the API key secret (name to secret key)", type: dict}
    pod: {description: "ipc_lock (RDMA) and shm_gib (the /dev/shm memory volume)", type: dict}
    sharing: {description: "The GPU sharing of a shared model (mode, slices per GPU), or null", type: dict}
    startup_probe_seconds: {description: "Startup budget (weights read and engine start)", type: int}
    notes: {description: "What the operator should know", type: list, elements: str}
shared_nodes:
  description: Nodes given to shared models, with the device plugin label they need.
  returned: always
  type: list
  elements: dict
problems:
  description: Every bad input and every model that does not fit, naming the model and the numbers.
  returned: always
  type: list
  elements: str
summary:
  description: The plan as text, a few lines per model.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import serving_planner


def main():
    module = AnsibleModule(
        argument_spec=dict(
            models=dict(type="list", elements="raw", required=True),
            engine=dict(type="str", choices=["vllm", "sglang"], default="vllm"),
            node_groups=dict(type="list", elements="dict", default=[]),
            gpu_summaries=dict(type="dict", default={}),
            rdma=dict(type="dict", default={}),
            expected_gpu=dict(type="dict", default={}),
            fabric=dict(type="dict", default={}),
            gpu_hosts=dict(type="list", elements="str", default=[]),
            allow_multinode_without_fabric=dict(type="bool", default=False),
            gpu_memory_utilization=dict(type="float", default=serving_planner.DEFAULT_UTILIZATION),
            kv_cache_dtype=dict(type="str", choices=list(serving_planner.KV_DTYPES), default="auto"),
            sharing=dict(type="str", choices=list(serving_planner.SHARING_MODES), default="mps"),
            sharing_replicas=dict(type="int", default=serving_planner.DEFAULT_SHARING_REPLICAS),
            min_model_len=dict(type="int", default=serving_planner.DEFAULT_MIN_MODEL_LEN),
            weights_read_gb_per_s=dict(type="float", default=serving_planner.DEFAULT_READ_GB_PER_S),
        ),
        supports_check_mode=True,
    )
    result = serving_planner.plan(**module.params)
    if result["problems"]:
        module.fail_json(msg="Failed to plan the model serving due to: %s" % " | ".join(result["problems"]), **result)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
