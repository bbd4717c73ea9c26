# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The serving benchmark: its Job, the parsing of result files shaped like vLLM's --save-result output (a SYNTHETIC
file, tests/unit/fixtures/serving_bench/), and the report beside the published figures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.filter.serving_benchmark import serving_benchmark
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import serving_bench as sb

HERE = os.path.dirname(os.path.abspath(__file__))
SYNTHETIC = os.path.join(HERE, "..", "..", "fixtures", "serving_bench", "vllm_save_result_synthetic_c8.json")

SETTINGS = {"serving_benchmark_model": "", "serving_benchmark_dataset": "random", "serving_benchmark_dataset_path": "",
            "serving_benchmark_input_len": 1024, "serving_benchmark_output_len": 256,
            "serving_benchmark_concurrency": [8, 1], "serving_benchmark_prompts_per_concurrency": 8,
            "serving_benchmark_timeout": 3600, "serving_benchmark_image": "",
            "serving_benchmark_artifacts_dir": "/tmp/artifacts"}
OUTPUTS = {"namespace": "serving", "api_key_secret": {"name": "privateai-serving-api-key", "key": "api-key"},
           "api_key_file": "/x", "models": [
               {"name": "deepseek-ai/DeepSeek-R1", "served_name": "deepseek-r1", "kind": "chat",
                "base_url": "http://deepseek-r1.serving.svc:8000/v1", "max_model_len": 131072, "reasoning": True},
               {"name": "BAAI/bge-m3", "served_name": "bge-m3", "kind": "embedding",
                "base_url": "http://bge-m3.serving.svc:8000/v1", "max_model_len": 8192, "reasoning": False}]}
PLAN = [{"name": "deepseek-ai/DeepSeek-R1", "served_name": "deepseek-r1", "engine": "vllm", "gpu_model": "NVIDIA H200",
         "gpus_per_replica": 8, "replicas": 1, "parallel": {"text": "TP8 EP8"}},
        {"name": "BAAI/bge-m3", "served_name": "bge-m3", "engine": "vllm", "gpu_model": "NVIDIA H200",
         "gpus_per_replica": 1, "replicas": 1, "parallel": {"text": "TP1"}}]
SERVING = {"outputs": OUTPUTS, "plan": PLAN,
           "images": {"vllm": "docker.io/vllm/vllm-openai:v0.11.0", "sglang": "docker.io/lmsysorg/sglang:v0.5.3-cu129"},
           "weights_volume": {"name": "weights", "persistentVolumeClaim": {"claimName": "model-weights", "readOnly": True}},
           "pull_secrets": [], "tolerations": []}


def synthetic(**changes):
    with open(SYNTHETIC) as handle:
        doc = json.load(handle)
    doc.update(changes)
    return doc


def job(result):
    manifest, account = result["stage"]["manifests"]
    # The Job runs as its own ServiceAccount, applied before it, without a Kubernetes API token.
    assert account["phase"] == "pre" and account["definition"]["kind"] == "ServiceAccount"
    assert account["definition"]["automountServiceAccountToken"] is False
    spec = manifest["definition"]["spec"]["template"]["spec"]
    assert spec["serviceAccountName"] == account["definition"]["metadata"]["name"]
    assert spec["automountServiceAccountToken"] is False
    return manifest


def test_job_runs_vllm_bench_serve_per_concurrency_against_the_service():
    result = serving_benchmark(dict(SETTINGS), serving=SERVING)
    assert result["problems"] == []
    manifest = job(result)
    assert manifest["wait"] is True and manifest["wait_condition"] == {"type": "Complete", "status": "True"}
    definition = manifest["definition"]
    assert definition["metadata"] == dict(definition["metadata"], name="bench-deepseek-r1", namespace="serving")
    container = definition["spec"]["template"]["spec"]["containers"][0]
    script = container["command"][2]
    runs = [part for part in script.split("; ") if part.startswith("vllm bench serve")]
    assert len(runs) == 2  # concurrency 1 then 8 (sorted)
    first = runs[0].split()
    assert first[first.index("--base-url") + 1] == "http://deepseek-r1.serving.svc:8000"
    assert first[first.index("--max-concurrency") + 1] == "1" and first[first.index("--num-prompts") + 1] == "10"
    assert first[first.index("--dataset-name") + 1] == "random"
    assert first[first.index("--random-input-len") + 1] == "1024"
    assert first[first.index("--tokenizer") + 1] == "/models/deepseek-ai/DeepSeek-R1"
    assert "--save-result" in first and runs[1].split()[runs[1].split().index("--num-prompts") + 1] == "64"
    assert script.count(sb.MARKER_BEGIN) == 2
    # The key from the stage's Secret, never in the manifest; the tokenizer from the read-only weights volume.
    assert container["env"][0]["valueFrom"]["secretKeyRef"] == {"name": "privateai-serving-api-key", "key": "api-key"}
    assert container["image"] == "docker.io/vllm/vllm-openai:v0.11.0"
    volumes = definition["spec"]["template"]["spec"]["volumes"]
    assert volumes[0]["persistentVolumeClaim"]["readOnly"] is True


def test_sglang_runs_its_own_bench_serving():
    serving = copy.deepcopy(SERVING)
    serving["plan"][0]["engine"] = "sglang"
    script = job(serving_benchmark(dict(SETTINGS), serving=serving))["definition"]["spec"]["template"]["spec"][
        "containers"][0]["command"][2]
    assert "python3 -m sglang.bench_serving --backend sglang-oai" in script and "--output-file /results/c8.json" in script


def test_sharegpt_reads_its_file_from_the_volume():
    settings = dict(SETTINGS, serving_benchmark_dataset="sharegpt",
                    serving_benchmark_dataset_path="/models/datasets/sharegpt.json")
    script = job(serving_benchmark(settings, serving=SERVING))["definition"]["spec"]["template"]["spec"][
        "containers"][0]["command"][2]
    assert "--dataset-name sharegpt --dataset-path /models/datasets/sharegpt.json" in script
    assert "--random-input-len" not in script


# (id, changes, fragments)
BAD = [
    ("embedding model", {"serving_benchmark_model": "bge-m3"}, ["serving_benchmark_model", "bge-m3", "embedding"]),
    ("unknown model", {"serving_benchmark_model": "gpt-4"}, ["serving_benchmark_model", "gpt-4", "bge-m3, deepseek-r1"]),
    ("dataset", {"serving_benchmark_dataset": "sonnet"}, ["serving_benchmark_dataset", "sonnet"]),
    ("sharegpt without file", {"serving_benchmark_dataset": "sharegpt"}, ["serving_benchmark_dataset_path"]),
    ("concurrency", {"serving_benchmark_concurrency": [1, 0]}, ["serving_benchmark_concurrency", "positive"]),
    ("concurrency twice", {"serving_benchmark_concurrency": [8, 8]}, ["serving_benchmark_concurrency", "once"]),
    ("timeout", {"serving_benchmark_timeout": 5}, ["serving_benchmark_timeout", "60"]),
    ("image", {"serving_benchmark_image": "vllm:bad tag"}, ["serving_benchmark_image"]),
    ("misspelt", {"serving_benchmark_concurency": [1]}, ["serving_benchmark_concurency", "not a setting"]),
]


@pytest.mark.parametrize("changes, fragments", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_settings_are_refused_naming_variable_and_value(changes, fragments):
    result = serving_benchmark(dict(SETTINGS, **changes), serving=SERVING)
    assert result["stage"] is None
    assert [p for p in result["problems"] if all(f in p for f in fragments)], result["problems"]


def test_lengths_over_the_context_are_refused():
    outputs = copy.deepcopy(OUTPUTS)
    outputs["models"][0]["max_model_len"] = 1000
    (problem,) = serving_benchmark(dict(SETTINGS), serving=dict(SERVING, outputs=outputs))["problems"]
    assert "1280" in problem and "max_model_len 1000" in problem


def test_parse_result_of_the_synthetic_vllm_file():
    result = sb.parse_result(synthetic())
    assert result["max_concurrency"] == 8 and result["completed"] == 63 and result["failed"] == 1
    assert result["output_throughput"] == 386.8 and result["p99_ttft_ms"] == 402.7 and result["mean_tpot_ms"] == 19.84
    assert "ttfts" not in result  # the per-request lists stay out of the report


@pytest.mark.parametrize("doc, fragment", [
    ([], "not a JSON object"),
    ({"max_concurrency": 8}, "completed, output_throughput, mean_ttft_ms, mean_tpot_ms"),
    (dict(synthetic(), mean_ttft_ms="fast"), "mean_ttft_ms"),
])
def test_parse_result_refuses_other_files(doc, fragment):
    with pytest.raises(ValueError, match=fragment):
        sb.parse_result(doc)


def _log(*docs):
    lines = ["INFO starting", "Namespace(backend='openai-chat')"]
    for doc in docs:
        lines += ["============ Serving Benchmark Result ============", sb.MARKER_BEGIN, json.dumps(doc), sb.MARKER_END]
    return "\n".join(lines) + "\n"


def test_parse_log_finds_each_run_sorted_by_concurrency():
    results, problems = sb.parse_log(_log(synthetic(), synthetic(max_concurrency=1, output_throughput=60.0)))
    assert problems == [] and [r["max_concurrency"] for r in results] == [1, 8]


def test_parse_log_names_a_broken_result_and_an_empty_log():
    results, problems = sb.parse_log(_log(synthetic()) + "%s\n{not json\n%s\n" % (sb.MARKER_BEGIN, sb.MARKER_END))
    assert len(results) == 1 and len(problems) == 1 and problems[0].startswith("result 2 of the benchmark's log")
    assert sb.parse_log("Traceback: CUDA out of memory")[1][0].startswith("the benchmark's log holds no result")


def test_report_beside_the_published_figures_for_h200_and_r1():
    report = serving_benchmark(dict(SETTINGS), serving=SERVING,
                               log=_log(synthetic(), synthetic(max_concurrency=1, output_throughput=60.0)),
                               date="2026-11-30T04:15:00Z")
    assert report["problems"] == []
    data = report["report"]["json"]
    assert data["best_output_throughput"] == 386.8 and data["best_output_throughput_per_gpu"] == pytest.approx(48.35)
    assert data["context"]["gpu_model"] == "NVIDIA H200" and data["context"]["family"] == "deepseek_v3"
    sources = [p["source"] for p in data["published"]]
    assert "GPUStack, DeepSeek-R1-0528 on 8x H200" in sources and "vLLM, Dec 2025, wide-EP on H200" in sources
    assert not [s for s in sources if "H100" in s or "H800" in s]
    markdown = report["report"]["markdown"]
    assert "| 8 | 63 | 1 | 386.8 | 1,933.8 | 1.51 | 231.5 | 402.7 | 19.84 | 23.90 | 19.90 |" in markdown
    assert "| GPUStack, DeepSeek-R1-0528 on 8x H200 | vllm | default settings | sharegpt | 5,483 tok/s | 8 GPUs | 387 | 48 |" in markdown
    assert "not as a pass mark" in markdown and "2026-11-30T04:15:00Z" in markdown


def test_report_says_when_nothing_was_published_for_the_hardware():
    plan = copy.deepcopy(PLAN)
    plan[0]["gpu_model"] = "NVIDIA A100-SXM4-80GB"
    report = serving_benchmark(dict(SETTINGS), serving=dict(SERVING, plan=plan), log=_log(synthetic()))
    assert report["report"]["json"]["published"] == []
    assert "None for NVIDIA A100-SXM4-80GB" in report["report"]["markdown"]


def test_every_published_figure_names_its_source_and_a_catalog_gpu():
    from ansible_collections.privateai.deepseek_dify.plugins.module_utils import serving_catalog as catalog
    for figure in sb.PUBLISHED:
        assert figure["gpu"] in catalog.GPUS and figure["value"] > 0 and figure["source"]
        assert figure["scope"] in ("gpu", "node", "system")
