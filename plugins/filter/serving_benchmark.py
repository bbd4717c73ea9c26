# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: serving_benchmark
short_description: Build the serving benchmark's Job, or read its results into a report beside the published figures
version_added: "0.5.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Used by C(playbooks/benchmark_serving.yml). Without O(log) it checks the C(serving_benchmark_*) settings and builds
    the stage C(serving_benchmark) - a Job running the engine's own benchmark (C(vllm bench serve) or SGLang's
    C(sglang.bench_serving)) against the model's Service, once per concurrency of the sweep.
  - With O(log) (the Job's log) it reads the result of each run and returns the report as data and as Markdown, beside
    the published figures for the same GPU and model family.
  - The logic lives in C(plugins/plugin_utils/serving_bench.py).
options:
  _input:
    description: The C(serving_benchmark_*) settings as a mapping of name to value.
    type: dict
    required: true
  serving:
    description: "C({outputs, plan, images, weights_volume, pull_secrets, tolerations}) of the model serving stage."
    type: dict
    required: true
  log:
    description: The benchmark Job's log; given, the filter returns the report.
    type: str
  date:
    description: When the benchmark ran (written into the report).
    type: str
"""

EXAMPLES = r"""
- name: Build the benchmark stage
  ansible.builtin.set_fact:
    __bench: "{{ dict(_names | zip(query('ansible.builtin.vars', *_names)))
                 | privateai.deepseek_dify.serving_benchmark(serving=_serving) }}"
  vars:
    _names: "{{ query('ansible.builtin.varnames', '^serving_benchmark_') }}"
"""

RETURN = r"""
_value:
  description: "C({problems, stage, model, runs}), or with O(log) C({problems, results, report: {json, markdown}})."
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import serving_catalog as catalog
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import serving_bench as sb


def serving_benchmark(variables, serving, log=None, date=None):
    if not isinstance(variables, dict) or not isinstance(serving, dict):
        raise AnsibleFilterError("serving_benchmark: give the settings and the serving stage's data as mappings")
    settings = k8s_platform.settings_of(variables, "serving_benchmark_")
    serving = k8s_platform.plain(serving)
    built = sb.benchmark_stage(settings, serving.get("outputs"), serving.get("plan"), serving.get("images") or {},
                               serving.get("weights_volume") or {}, serving.get("pull_secrets"),
                               serving.get("tolerations"))
    if log is None or built["problems"]:
        return built
    results, problems = sb.parse_log(k8s_platform.plain(log))
    model = built["model"]
    key = catalog.find_model(model["name"])
    context = {"model": model["name"], "served_name": model["served_name"], "engine": model["engine"],
               "gpu_model": model["gpu_model"], "gpus": model["gpus"], "parallel": model["parallel"],
               "replicas": model["replicas"], "family": catalog.MODELS[key]["family"] if key else None,
               "dataset": settings.get("serving_benchmark_dataset"),
               "input_len": settings.get("serving_benchmark_input_len"),
               "output_len": settings.get("serving_benchmark_output_len"), "date": date}
    return {"problems": problems, "results": results, "report": sb.report(results, context)}


class FilterModule(object):
    """The serving benchmark."""

    def filters(self):
        return {"serving_benchmark": serving_benchmark}
