# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible.errors import AnsibleFilterError
from ansible.module_utils import basic

from ansible_collections.privateai.deepseek_dify.plugins.filter import serving_plan as serving_plan_filter
from ansible_collections.privateai.deepseek_dify.plugins.filter.gpu_node_summary import gpu_node_summary
from ansible_collections.privateai.deepseek_dify.plugins.modules import gpu_gate_info, serving_plan
from ansible_collections.privateai.deepseek_dify.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    exit_json,
    fail_json,
    set_module_args,
)

H200_SINGLE = {"expected_gpu": {"model": "NVIDIA H200", "count_per_node": 8, "memory_gib": 141},
               "fabric": {"type": "none", "rate_gbps": 0}, "gpu_hosts": ["gpu01.example.internal"]}


@pytest.fixture(autouse=True)
def patch_module(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


def run(args, expect_fail=False):
    with set_module_args(args):
        with pytest.raises(AnsibleFailJson if expect_fail else AnsibleExitJson) as exc:
            serving_plan.main()
    return exc.value.args[0]


def test_plans_in_check_mode_and_changes_nothing():
    result = run(dict(H200_SINGLE, models=["deepseek-ai/DeepSeek-R1"], _ansible_check_mode=True))
    assert result["changed"] is False
    assert result["feasible"] is True
    assert result["source"] == "privateai_expected_gpu"
    [model] = result["models"]
    assert model["parallel"]["text"] == "TP8 EP8"
    assert model["max_model_len"] == 131072
    assert result["summary"].splitlines()[0].startswith("deepseek-r1 (deepseek-ai/DeepSeek-R1, vllm): 1 replica")
    json.dumps(result)  # what Ansible sends back must be JSON


def test_module_options_reach_the_planner():
    result = run(dict(H200_SINGLE, models=[{"name": "deepseek-r1", "mode": "throughput"}], engine="sglang",
                      gpu_memory_utilization=0.85, kv_cache_dtype="fp8"))
    [model] = result["models"]
    assert " ".join(model["args"]).count("--tp 8 --dp 8 --enable-dp-attention") == 1
    assert "--mem-fraction-static 0.85" in " ".join(model["args"])
    assert "--kv-cache-dtype fp8_e4m3" in " ".join(model["args"])


def test_fails_listing_every_problem_with_the_plan():
    result = run(dict(H200_SINGLE, models=["deepseek-r1", "bge-m3", {"name": "x", "served_name": "ok"}]),
                 expect_fail=True)
    assert result["msg"].startswith("Failed to plan the model serving due to: ")
    assert len(result["problems"]) == 1  # the unknown model stops everything before placement
    assert "model 'x' is not in the catalog" in result["msg"]
    assert result["models"] == []

    result = run(dict(H200_SINGLE, models=["deepseek-r1", "bge-m3"]), expect_fail=True)
    assert [m["served_name"] for m in result["models"]] == ["deepseek-r1"]
    assert "models[1] (bge-m3): BAAI/bge-m3 cannot be served" in result["msg"]


def test_filter_returns_the_same_plan_as_the_module():
    module_result = run(dict(H200_SINGLE, models=["deepseek-r1"]))
    filtered = serving_plan_filter.serving_plan(["deepseek-r1"], "vllm", **H200_SINGLE)
    assert filtered["models"] == module_result["models"]
    assert filtered["summary"] == module_result["summary"]


def test_filter_raises_on_problems_unless_told_not_to():
    with pytest.raises(AnsibleFilterError, match=r"serving_plan: the serving plan is refused: .*bge-m3"):
        serving_plan_filter.serving_plan(["deepseek-r1", "bge-m3"], **H200_SINGLE)
    result = serving_plan_filter.serving_plan(["deepseek-r1", "bge-m3"], fail=False, **H200_SINGLE)
    assert result["feasible"] is False
    assert len(result["problems"]) == 1


def test_filter_refuses_a_non_dictionary_fabric():
    with pytest.raises(AnsibleFilterError, match="fabric must be a dictionary, got str"):
        serving_plan_filter.serving_plan(["deepseek-r1"], expected_gpu=H200_SINGLE["expected_gpu"], fabric="none",
                                         gpu_hosts=["gpu01"])


# ---------------------------------------------------------------------------------------------------- gate facts

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "nvml")


def _register(module, args):
    """A module's result as `register` sees it, whether it exited or failed."""
    with set_module_args(args):
        try:
            module.main()
        except (AnsibleExitJson, AnsibleFailJson) as exc:
            return exc.args[0]
    raise AssertionError("module neither exited nor failed")


def gate_summary(fixture):
    """gpu_validate_summary as the GPU gate builds it from gpu_gate_info run on a snapshot file."""
    path = os.path.join(FIXTURES, fixture)
    return gpu_node_summary(_register(gpu_gate_info, {"snapshot": path}))


def test_plans_on_the_summary_of_a_recorded_h100_pair():
    summaries = {"gpu01": gate_summary("h100x2-nvswitch.json")}
    result = run({"models": ["deepseek-r1-distill-qwen-32b"], "gpu_summaries": summaries})
    assert result["source"] == "gpu_validate_summary"
    [group] = result["node_groups"]
    assert (group["gpu_model"], group["gpus_per_node"], group["memory_mib"]) == ("NVIDIA H100 80GB HBM3", 2, 81559)
    [model] = result["models"]
    assert model["parallel"]["text"] == "TP2"
    assert model["placement"] == [["gpu01"]]


def test_tensor_parallel_across_nvlink_islands_is_noted():
    summaries = {"gpu01": gate_summary("synthetic-a100x4-nvlink-bridge-pairs.json")}
    result = run({"models": [{"name": "deepseek-r1-distill-llama-70b", "quantization": "none"}],
                  "gpu_summaries": summaries})
    [model] = result["models"]
    assert result["node_groups"][0]["islands"] == [["GPU0", "GPU1"], ["GPU2", "GPU3"]]
    assert model["parallel"]["text"] == "TP4"
    assert "4 GPUs per replica cross NVLink islands" in " ".join(model["notes"])
