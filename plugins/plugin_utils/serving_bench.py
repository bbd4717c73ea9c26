# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The serving benchmark (playbooks/benchmark_serving.yml): the engine's own benchmark as a Kubernetes Job, and its
results beside the published figures for the same hardware.

- ``benchmark_stage(settings, outputs, plan)``: checks the benchmark's settings and builds a stage with one Job that
  runs ``vllm bench serve`` (or SGLang's ``sglang.bench_serving``) once per concurrency of the sweep against the
  model's Service, with a named dataset (``random`` by default: air-gapped, no download), the API key from the
  stage's Secret and the tokenizer from the read-only weights volume; each run's result file is printed to the log
  between markers, where the play reads it.
- ``parse_log(text)`` / ``parse_result(doc)``: the result files out of the Job's log, each reduced to the figures the
  report compares (TTFT, TPOT, ITL, throughput per concurrency), from vLLM's ``--save-result`` JSON or SGLang's
  ``--output-file`` JSON line (same key names).
- ``report(results, context)``: the report as data (JSON) and as Markdown, with the published figures of
  PUBLISHED that match the GPU and the model.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_service_accounts as ksa
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

DATASETS = ("random", "sharegpt")
MARKER_BEGIN = "PRIVATEAI-BENCH-RESULT-BEGIN"
MARKER_END = "PRIVATEAI-BENCH-RESULT-END"
RESULTS_DIR = "/results"
WEIGHTS_DIR = "/models"
# Figures of each run the report keeps (vLLM --save-result and SGLang bench_serving spell them alike).
FIGURES = ("max_concurrency", "num_prompts", "completed", "duration", "request_throughput", "output_throughput",
           "total_token_throughput", "mean_ttft_ms", "median_ttft_ms", "p99_ttft_ms", "mean_tpot_ms",
           "median_tpot_ms", "p99_tpot_ms", "mean_itl_ms", "p99_itl_ms", "mean_e2el_ms")

# Published serving throughput of DeepSeek models (../shared/reference/deepseek-serving.md, "Published throughput"),
# as data. gpu: the catalog GPU name; gpus: how many the figure was measured on; family: the model architecture the
# figure applies to; scope: per GPU, per node or for the whole system measured.
PUBLISHED = (
    {"source": "GPUStack, DeepSeek-R1-0528 on 8x H200", "gpu": "NVIDIA H200", "gpus": 8, "family": "deepseek_v3",
     "engine": "sglang", "setup": "tp8 with DP attention", "dataset": "sharegpt", "metric": "output_throughput",
     "value": 7143.0, "unit": "tok/s", "scope": "system"},
    {"source": "GPUStack, DeepSeek-R1-0528 on 8x H200", "gpu": "NVIDIA H200", "gpus": 8, "family": "deepseek_v3",
     "engine": "vllm", "setup": "default settings", "dataset": "sharegpt", "metric": "output_throughput",
     "value": 5483.0, "unit": "tok/s", "scope": "system"},
    {"source": "dstack, DeepSeek-R1 on 8x H200 (online, best engine: TensorRT-LLM)", "gpu": "NVIDIA H200", "gpus": 8,
     "family": "deepseek_v3", "engine": "trtllm", "setup": "online serving", "dataset": "", "metric": "output_throughput",
     "value": 4176.0, "unit": "tok/s", "scope": "system"},
    {"source": "dstack, DeepSeek-R1 on 8x H200 (offline, SGLang)", "gpu": "NVIDIA H200", "gpus": 8,
     "family": "deepseek_v3", "engine": "sglang", "setup": "offline batch", "dataset": "", "metric": "output_throughput",
     "value": 6311.0, "unit": "tok/s", "scope": "system"},
    {"source": "vLLM, Dec 2025, wide-EP on H200", "gpu": "NVIDIA H200", "gpus": 1, "family": "deepseek_v3",
     "engine": "vllm", "setup": "wide expert parallelism, many nodes", "dataset": "", "metric": "output_throughput",
     "value": 2200.0, "unit": "tok/s", "scope": "gpu"},
    {"source": "LMSYS 2025-05-05, SGLang on 12 nodes of 8x H100 (P/D disaggregation, large EP)",
     "gpu": "NVIDIA H100 80GB HBM3", "gpus": 8, "family": "deepseek_v3", "engine": "sglang",
     "setup": "prefill/decode disaggregation, EP", "dataset": "", "metric": "output_throughput", "value": 22300.0,
     "unit": "tok/s", "scope": "node"},
    {"source": "DeepSeek day-6, H800 (P/D disaggregation, EP), decode", "gpu": "NVIDIA H800", "gpus": 8,
     "family": "deepseek_v3", "engine": "deepseek", "setup": "prefill/decode disaggregation, EP",
     "dataset": "production traffic", "metric": "output_throughput", "value": 14800.0, "unit": "tok/s", "scope": "node"},
)


def _positive_ints(name, value):
    value = v.to_list(name, value)
    if not value or not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in value):
        raise v.Invalid("%s is %s: give a list of positive whole numbers of concurrent requests, such as [1, 8, 32]"
                        % (name, v.describe(value)))
    if len(set(value)) != len(value):
        raise v.Invalid("%s is %s: give each concurrency once" % (name, v.describe(value)))
    return sorted(value)


def _positive(reader, name, least=1):
    value = reader.read(name, v.to_int)
    if value is not None and value < least:
        reader.add(["%s is %d: give %d or more" % (name, value, least)])
        return None
    return value


def _read(reader):
    s = {}
    s["model"] = reader.read("serving_benchmark_model", v.to_str)
    s["dataset"] = reader.read("serving_benchmark_dataset", v.to_choice, DATASETS)
    s["dataset_path"] = reader.read("serving_benchmark_dataset_path", v.to_str)
    if s["dataset"] == "sharegpt":
        problem = v.plain_path(s["dataset_path"]) if s["dataset_path"] else "must be given"
        if problem:
            reader.add(["serving_benchmark_dataset_path is %s but serving_benchmark_dataset is sharegpt: it %s (the "
                        "ShareGPT JSON file on the weights volume, such as /models/datasets/sharegpt.json; this site "
                        "has no Internet)" % (v.describe(s["dataset_path"]), problem)])
    s["input_len"] = _positive(reader, "serving_benchmark_input_len")
    s["output_len"] = _positive(reader, "serving_benchmark_output_len")
    s["concurrency"] = reader.read("serving_benchmark_concurrency", _positive_ints)
    s["prompts_per_concurrency"] = _positive(reader, "serving_benchmark_prompts_per_concurrency")
    s["timeout"] = _positive(reader, "serving_benchmark_timeout", 60)
    s["artifacts_dir"] = reader.read("serving_benchmark_artifacts_dir", v.to_str)
    if s["artifacts_dir"] is not None and (not s["artifacts_dir"] or v.one_line(s["artifacts_dir"])):
        reader.add(["serving_benchmark_artifacts_dir is %s: give the directory on the control node the results are "
                    "written to" % v.describe(s["artifacts_dir"])])
    s["image"] = reader.read("serving_benchmark_image", v.to_str)
    if s["image"]:
        problems = v.check_image_reference("serving_benchmark_image", s["image"])
        reader.add(problems)
    return s


def benchmark_stage(settings, outputs, plan, images, weights_volume, pull_secrets=None, tolerations=None):
    """{problems, stage, model, runs}. ``outputs``: model_serving_outputs; ``plan``: the serving plan's models;
    ``images``: {engine: image}; ``weights_volume``: the engines' read-only volume (the tokenizer)."""
    reader = v.Reader(settings)
    s = _read(reader)
    for name in reader.unread():
        reader.add(["%s is not a setting of the benchmark (a misspelt variable would be ignored): remove or correct it"
                    % name])
    out = {"problems": reader.problems, "stage": None, "model": None, "runs": []}
    models = dict((m["served_name"], m) for m in (outputs or {}).get("models") or [])
    planned = dict((m["served_name"], m) for m in plan or [])
    chat = [name for name, m in models.items() if m["kind"] == "chat"]
    name = s["model"] or (chat[0] if chat else None)
    if name is None:
        reader.add(["serving_benchmark_model is empty and model_serving_models serves no chat model: nothing to "
                    "benchmark; add a chat model to model_serving_models"])
    elif name not in models:
        reader.add(["serving_benchmark_model is %s: not a served model; give one of %s"
                    % (v.describe(name), ", ".join(sorted(models)) or "(none: model_serving_models is empty)")])
    elif models[name]["kind"] != "chat":
        reader.add(["serving_benchmark_model is %s, a %s model: the serving benchmark measures chat completions; "
                    "give a chat model (%s)" % (v.describe(name), models[name]["kind"], ", ".join(sorted(chat)))])
    elif s["input_len"] and s["output_len"] and s["input_len"] + s["output_len"] > models[name]["max_model_len"]:
        reader.add(["serving_benchmark_input_len + serving_benchmark_output_len is %d: more than %s's max_model_len "
                    "%d; shorten them" % (s["input_len"] + s["output_len"], name, models[name]["max_model_len"])])
    if reader.problems:
        return out
    model = models[name]
    engine = planned[name]["engine"]
    image = s["image"] or images[engine]
    runs = [{"concurrency": c, "num_prompts": max(c * s["prompts_per_concurrency"], 10)} for c in s["concurrency"]]
    out["model"] = dict(model, engine=engine, gpu_model=planned[name]["gpu_model"],
                        gpus=planned[name]["gpus_per_replica"] * planned[name]["replicas"],
                        parallel=planned[name]["parallel"]["text"], replicas=planned[name]["replicas"])
    out["runs"] = runs
    # The Job first (the play reads its name from manifests[0]); its ServiceAccount is applied before it (phase pre).
    out["stage"] = {"name": "serving_benchmark", "releases": [],
                    "manifests": [_job(s, model, planned[name], engine, image, runs, outputs, weights_volume,
                                       pull_secrets or [], tolerations or []),
                                  ksa.service_account(outputs["namespace"], ksa.SERVING_BENCHMARK_SA, kp.LABELS,
                                                      "the benchmark Job's ServiceAccount, without a Kubernetes API "
                                                      "token")]}
    return out


def _command(s, model, planned, engine, run):
    base = model["base_url"][:-len("/v1")]
    tokenizer = "%s/%s" % (WEIGHTS_DIR, planned["name"])
    result_file = "%s/c%d.json" % (RESULTS_DIR, run["concurrency"])
    dataset = ["--dataset-name", s["dataset"]]
    if s["dataset"] == "random":
        dataset += ["--random-input-len", str(s["input_len"]), "--random-output-len", str(s["output_len"])]
    else:
        dataset += ["--dataset-path", s["dataset_path"]]
    if engine == "sglang":
        return (["python3", "-m", "sglang.bench_serving", "--backend", "sglang-oai", "--base-url", base,
                 "--model", model["served_name"], "--tokenizer", tokenizer] + dataset +
                ["--num-prompts", str(run["num_prompts"]), "--max-concurrency", str(run["concurrency"]),
                 "--output-file", result_file], result_file)
    return (["vllm", "bench", "serve", "--backend", "openai-chat", "--endpoint", "/v1/chat/completions",
             "--base-url", base, "--model", model["served_name"], "--served-model-name", model["served_name"],
             "--tokenizer", tokenizer] + dataset +
            ["--num-prompts", str(run["num_prompts"]), "--max-concurrency", str(run["concurrency"]),
             "--percentile-metrics", "ttft,tpot,itl,e2el", "--save-result", "--result-dir", RESULTS_DIR,
             "--result-filename", "c%d.json" % run["concurrency"]], result_file)


def _quote(argument):
    if re.match(r"^[A-Za-z0-9_./:=,@+-]+$", argument):
        return argument
    return "'%s'" % argument.replace("'", "'\"'\"'")


def _job(s, model, planned, engine, image, runs, outputs, weights_volume, pull_secrets, tolerations):
    steps = ["set -e"]
    for run in runs:
        argv, result_file = _command(s, model, planned, engine, run)
        steps.append(" ".join(_quote(a) for a in argv))
        # The result on the log, between markers: the play reads it there (no volume to copy from).
        steps.append("echo %s; tr -d '\\n' < %s; echo; echo %s" % (MARKER_BEGIN, result_file, MARKER_END))
    name = "bench-%s" % model["served_name"]
    name = name[:63].rstrip("-")
    labels = dict(kp.LABELS, **{"app.kubernetes.io/name": name, "app.kubernetes.io/component": "benchmark"})
    container = {"name": "bench", "image": image, "imagePullPolicy": "IfNotPresent",
                 "command": ["/bin/sh", "-c", "; ".join(steps)],
                 "env": [{"name": "OPENAI_API_KEY", "valueFrom": {"secretKeyRef": {
                     "name": outputs["api_key_secret"]["name"], "key": outputs["api_key_secret"]["key"]}}},
                     {"name": "HF_HUB_OFFLINE", "value": "1"}],
                 "resources": {"requests": {"cpu": "4", "memory": "8Gi"}, "limits": {"memory": "16Gi"}},
                 "securityContext": {"allowPrivilegeEscalation": False},
                 "volumeMounts": [{"name": "weights", "mountPath": WEIGHTS_DIR, "readOnly": True},
                                  {"name": "results", "mountPath": RESULTS_DIR}]}
    spec = {"restartPolicy": "Never", "containers": [container], "tolerations": tolerations,
            "volumes": [dict(weights_volume, name="weights"), {"name": "results", "emptyDir": {}}]}
    if pull_secrets:
        spec["imagePullSecrets"] = [{"name": n} for n in pull_secrets]
    ksa.no_token(spec, ksa.SERVING_BENCHMARK_SA)
    description = ("benchmarks %s (%s) with %s: %s, concurrency %s" % (
        model["served_name"], engine, "vllm bench serve" if engine == "vllm" else "sglang.bench_serving",
        "random %d in / %d out tokens" % (s["input_len"], s["output_len"]) if s["dataset"] == "random"
        else "ShareGPT", ", ".join(str(r["concurrency"]) for r in runs)))
    return {"description": description, "wait": True, "wait_condition": {"type": "Complete", "status": "True"},
            "wait_timeout": s["timeout"],
            "definition": {"apiVersion": "batch/v1", "kind": "Job",
                           "metadata": {"name": name, "namespace": outputs["namespace"], "labels": labels},
                           "spec": {"backoffLimit": 0, "ttlSecondsAfterFinished": 86400,
                                    "template": {"metadata": {"labels": labels}, "spec": spec}}}}


# ------------------------------------------------------------------------------------------------- results


def parse_result(doc):
    """The figures of one run (vLLM's --save-result JSON or SGLang's output line); raises ValueError naming what is
    missing."""
    if not isinstance(doc, dict):
        raise ValueError("a result is %r, not a JSON object" % (doc,))
    missing = [key for key in ("max_concurrency", "completed", "output_throughput", "mean_ttft_ms", "mean_tpot_ms")
               if not isinstance(doc.get(key), (int, float)) or isinstance(doc.get(key), bool)]
    if missing:
        raise ValueError("a result lacks %s (is it the output of vllm bench serve --save-result or "
                         "sglang.bench_serving --output-file?)" % ", ".join(missing))
    out = dict((key, doc.get(key)) for key in FIGURES)
    out["failed"] = (doc.get("num_prompts") or doc.get("completed")) - doc["completed"]
    return out


def parse_log(text):
    """(results sorted by concurrency, problems) from the benchmark Job's log."""
    results, problems = [], []
    for index, block in enumerate(re.findall(r"%s\s*\n(.*?)\n\s*%s" % (MARKER_BEGIN, MARKER_END), text or "", re.S)):
        try:
            results.append(parse_result(json.loads(block.strip().splitlines()[-1])))
        except (ValueError, IndexError) as err:
            problems.append("result %d of the benchmark's log: %s" % (index + 1, err))
    if not results and not problems:
        problems.append("the benchmark's log holds no result between %s and %s: the benchmark failed before its first "
                        "run finished (read the Job's log)" % (MARKER_BEGIN, MARKER_END))
    return sorted(results, key=lambda r: r["max_concurrency"]), problems


def published_for(gpu_model, family):
    return [dict(p) for p in PUBLISHED if p["gpu"] == gpu_model and p["family"] == family]


def _fmt(value, digits=1):
    if value is None:
        return "-"
    return "{:,.{d}f}".format(value, d=digits)


def report(results, context):
    """{json, markdown}: ``context`` = {model, served_name, engine, gpu_model, gpus, parallel, replicas, family,
    dataset, input_len, output_len, date}."""
    published = published_for(context.get("gpu_model"), context.get("family"))
    best = max(results, key=lambda r: r["output_throughput"]) if results else None
    data = {"context": context, "results": results, "published": published,
            "best_output_throughput": best["output_throughput"] if best else None,
            "best_output_throughput_per_gpu": (best["output_throughput"] / context["gpus"])
            if best and context.get("gpus") else None}
    lines = ["# Serving benchmark: %s" % context.get("served_name"), "",
             "%s (%s) on %d x %s (%s, %d replica(s)), %s; dataset %s%s; %s." % (
                 context.get("model"), context.get("engine"), context.get("gpus") or 0, context.get("gpu_model"),
                 context.get("parallel"), context.get("replicas") or 1,
                 "measured with the engine's own benchmark", context.get("dataset"),
                 (" (%d input / %d output tokens)" % (context["input_len"], context["output_len"]))
                 if context.get("dataset") == "random" else "", context.get("date") or "date not recorded"),
             "",
             "| concurrency | requests | failed | output tok/s | total tok/s | req/s | TTFT mean ms | TTFT p99 ms "
             "| TPOT mean ms | TPOT p99 ms | ITL mean ms |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append("| %d | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["max_concurrency"], r["completed"], r["failed"], _fmt(r["output_throughput"]),
            _fmt(r["total_token_throughput"]), _fmt(r["request_throughput"], 2), _fmt(r["mean_ttft_ms"]),
            _fmt(r["p99_ttft_ms"]), _fmt(r["mean_tpot_ms"], 2), _fmt(r["p99_tpot_ms"], 2), _fmt(r["mean_itl_ms"], 2)))
    lines += ["", "## Published figures for the same hardware", ""]
    if not published:
        lines.append("None for %s with this model family in the reference (the published DeepSeek figures are for "
                     "DeepSeek-V3/R1 on H200, H100 and H800)." % context.get("gpu_model"))
    else:
        lines += ["| source | engine | setup | dataset | published | scope | ours, best concurrency | ours per GPU |",
                  "|---|---|---|---|---:|---|---:|---:|"]
        for p in published:
            ours = data["best_output_throughput"]
            per_gpu = data["best_output_throughput_per_gpu"]
            lines.append("| %s | %s | %s | %s | %s %s | %s | %s | %s |" % (
                p["source"], p["engine"], p["setup"], p["dataset"] or "-", _fmt(p["value"], 0), p["unit"],
                "per %s" % p["scope"] if p["scope"] != "system" else "%d GPUs" % p["gpus"], _fmt(ours, 0),
                _fmt(per_gpu, 0)))
        lines += ["", "Published figures come from other setups (datasets, lengths, engine versions, disaggregation): "
                      "read them as the order of magnitude to expect, not as a pass mark."]
    return {"json": data, "markdown": "\n".join(lines) + "\n"}
