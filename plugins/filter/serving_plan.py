# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: serving_plan
short_description: The serving plan of a list of models, for templates (same planner as the serving_plan module)
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Runs the planner of M(privateai.deepseek_dify.serving_plan) on the controller and returns the same plan
    (C(models), C(node_groups), C(shared_nodes), C(problems), C(summary), C(feasible)).
  - With O(fail=true) (the default) any problem (bad input, a model that does not fit) raises an error listing them
    all, so a template never renders from an infeasible plan.
positional: engine
options:
  _input:
    description: The models to serve, as in the module's C(models) option.
    type: list
    elements: raw
    required: true
  engine:
    description: V(vllm) or V(sglang).
    type: str
    default: vllm
  node_groups:
    description: Explicit node groups, as in the module.
    type: list
    elements: dict
  gpu_summaries:
    description: Host name to C(gpu_validate_summary).
    type: dict
  rdma:
    description: Host name to the C(rdma_info) result or its C(nccl_env).
    type: dict
  expected_gpu:
    description: C(privateai_expected_gpu).
    type: dict
  fabric:
    description: C(privateai_fabric).
    type: dict
  gpu_hosts:
    description: The GPU node names.
    type: list
    elements: str
  allow_multinode_without_fabric:
    description: Accept multi-node layouts without an RDMA fabric.
    type: bool
    default: false
  gpu_memory_utilization:
    description: Share of each GPU's memory a whole-GPU model may use.
    type: float
    default: 0.9
  kv_cache_dtype:
    description: V(auto) or V(fp8).
    type: str
    default: auto
  sharing:
    description: V(mps) or V(time-slicing).
    type: str
    default: mps
  sharing_replicas:
    description: Slices per shared GPU.
    type: int
    default: 4
  min_model_len:
    description: Shortest accepted default C(max_model_len).
    type: int
    default: 4096
  weights_read_gb_per_s:
    description: Weight read speed for the startup probe budget.
    type: float
    default: 0.5
  fail:
    description: Raise an error when the plan has problems; V(false) returns the plan with them.
    type: bool
    default: true
seealso:
  - module: privateai.deepseek_dify.serving_plan
"""

EXAMPLES = r"""
- name: Plan from the intended hardware
  ansible.builtin.set_fact:
    serving_plan_result: >-
      {{ ['deepseek-r1', 'bge-m3'] | privateai.deepseek_dify.serving_plan('vllm',
         expected_gpu=privateai_expected_gpu, fabric=privateai_fabric, gpu_hosts=groups['gpu_nodes']) }}
"""

RETURN = r"""
_value:
  description: The plan, as the module returns it.
  type: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import serving_planner


def _mapping(value, name):
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AnsibleFilterError("serving_plan: %s must be a dictionary, got %s" % (name, type(value).__name__))
    return dict((k, dict(v) if isinstance(v, Mapping) else v) for k, v in value.items())


def serving_plan(models, engine="vllm", node_groups=None, gpu_summaries=None, rdma=None, expected_gpu=None,
                 fabric=None, gpu_hosts=None, allow_multinode_without_fabric=False,
                 gpu_memory_utilization=serving_planner.DEFAULT_UTILIZATION, kv_cache_dtype="auto", sharing="mps",
                 sharing_replicas=serving_planner.DEFAULT_SHARING_REPLICAS,
                 min_model_len=serving_planner.DEFAULT_MIN_MODEL_LEN,
                 weights_read_gb_per_s=serving_planner.DEFAULT_READ_GB_PER_S, fail=True):
    result = serving_planner.plan(
        [dict(m) if isinstance(m, Mapping) else m for m in models] if isinstance(models, (list, tuple)) else models,
        engine=engine, node_groups=[dict(g) if isinstance(g, Mapping) else g for g in node_groups or []],
        gpu_summaries=_mapping(gpu_summaries, "gpu_summaries"), rdma=_mapping(rdma, "rdma"),
        expected_gpu=_mapping(expected_gpu, "expected_gpu"), fabric=_mapping(fabric, "fabric"),
        gpu_hosts=list(gpu_hosts or []), allow_multinode_without_fabric=allow_multinode_without_fabric,
        gpu_memory_utilization=gpu_memory_utilization, kv_cache_dtype=kv_cache_dtype, sharing=sharing,
        sharing_replicas=sharing_replicas, min_model_len=min_model_len, weights_read_gb_per_s=weights_read_gb_per_s)
    if fail and result["problems"]:
        raise AnsibleFilterError("serving_plan: the serving plan is refused: %s" % " | ".join(result["problems"]))
    return result


class FilterModule(object):
    """The serving planner for templates."""

    def filters(self):
        return {"serving_plan": serving_plan}
