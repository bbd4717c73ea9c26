# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Grafana dashboards of the monitoring stage, built as data: GPU fleet, serving, Ceph, Dify.

``dashboards(namespaces)`` returns ``{name: dashboard}`` (Grafana's dashboard JSON model as Python data);
``config_maps(namespace, labels, namespaces)`` wraps each into a ConfigMap that Grafana's dashboard sidecar loads
(label ``grafana_dashboard: "1"``), the JSON serialised with sorted keys so renders are byte-identical.
Every query reads metrics the exporters publish (tests check each name against a list taken from their
documentation).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

DATASOURCE = {"type": "prometheus", "uid": "prometheus"}  # kube-prometheus-stack's default Prometheus datasource
SIDECAR_LABEL = "grafana_dashboard"


def _panel(title, targets, unit=None, kind="timeseries", width=12):
    panel = {"type": kind, "title": title, "datasource": dict(DATASOURCE),
             "targets": [{"refId": chr(ord("A") + index), "expr": expr, "legendFormat": legend,
                          "datasource": dict(DATASOURCE)} for index, (expr, legend) in enumerate(targets)],
             "fieldConfig": {"defaults": {"unit": unit or "short"}, "overrides": []}, "options": {},
             "gridPos": {"w": width, "h": 8}}
    return panel


def _variable(name, query, label=None):
    return {"name": name, "label": label or name, "type": "query", "datasource": dict(DATASOURCE),
            "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "definition": query, "refresh": 2, "includeAll": True, "multi": True, "allValue": ".*",
            "current": {"text": "All", "value": "$__all"}, "sort": 1}


def _dashboard(uid, title, tags, panels, variables=()):
    x = y = 0
    for index, panel in enumerate(panels):
        width = panel["gridPos"]["w"]
        if x + width > 24:
            x, y = 0, y + 8
        panel["id"] = index + 1
        panel["gridPos"] = {"x": x, "y": y, "w": width, "h": 8}
        x += width
    return {"uid": uid, "title": title, "tags": ["privateai"] + list(tags), "timezone": "browser",
            "schemaVersion": 39, "version": 1, "editable": False, "refresh": "30s",
            "time": {"from": "now-6h", "to": "now"}, "templating": {"list": list(variables)}, "panels": panels,
            "annotations": {"list": []}}


def dashboards(ns):
    """{name: dashboard}; ``ns`` names the namespaces: serving, ceph, dify."""
    gpu_sel = 'node=~"$node"'
    gpu = _dashboard("privateai-gpu-fleet", "GPU fleet", ["gpu"], [
        _panel("Temperature per GPU", [("DCGM_FI_DEV_GPU_TEMP{%s}" % gpu_sel, "{{node}} GPU {{gpu}}")], "celsius"),
        _panel("Utilisation per GPU", [("DCGM_FI_DEV_GPU_UTIL{%s}" % gpu_sel, "{{node}} GPU {{gpu}}")], "percent"),
        _panel("Memory used per GPU", [("DCGM_FI_DEV_FB_USED{%s} / (DCGM_FI_DEV_FB_USED{%s} + DCGM_FI_DEV_FB_FREE{%s})"
                                        % (gpu_sel, gpu_sel, gpu_sel), "{{node}} GPU {{gpu}}")], "percentunit"),
        _panel("Power per GPU", [("DCGM_FI_DEV_POWER_USAGE{%s}" % gpu_sel, "{{node}} GPU {{gpu}}")], "watt"),
        _panel("Last XID per GPU (0: none)", [("DCGM_FI_DEV_XID_ERRORS{%s}" % gpu_sel, "{{node}} GPU {{gpu}}")]),
        _panel("GPUs reporting per node", [("count by (node) (DCGM_FI_DEV_GPU_TEMP{%s})" % gpu_sel, "{{node}}")]),
    ], [_variable("node", "label_values(DCGM_FI_DEV_GPU_TEMP, node)")])

    sv = 'namespace="%s", model_name=~"$model"' % ns["serving"]
    serving = _dashboard("privateai-serving", "Model serving", ["serving", "vllm", "sglang"], [
        _panel("Time to first token p50 / p99", [
            ("histogram_quantile(0.5, sum by (le, model_name) (rate(vllm:time_to_first_token_seconds_bucket{%s}[5m]) "
             "or rate(sglang:time_to_first_token_seconds_bucket{%s}[5m])))" % (sv, sv), "p50 {{model_name}}"),
            ("histogram_quantile(0.99, sum by (le, model_name) (rate(vllm:time_to_first_token_seconds_bucket{%s}[5m]) "
             "or rate(sglang:time_to_first_token_seconds_bucket{%s}[5m])))" % (sv, sv), "p99 {{model_name}}")], "s"),
        _panel("Time per output token p50 / p99", [
            ("histogram_quantile(0.5, sum by (le, model_name) (rate(vllm:time_per_output_token_seconds_bucket{%s}[5m])))"
             % sv, "p50 {{model_name}}"),
            ("histogram_quantile(0.99, sum by (le, model_name) (rate(vllm:time_per_output_token_seconds_bucket{%s}[5m])))"
             % sv, "p99 {{model_name}}")], "s"),
        _panel("Generated tokens per second", [
            ("sum by (model_name) (rate(vllm:generation_tokens_total{%s}[5m]))" % sv, "{{model_name}}"),
            ("sum by (model_name) (sglang:gen_throughput{%s})" % sv, "{{model_name}} (SGLang)")], "short"),
        _panel("Requests running / waiting", [
            ("sum by (model_name) (vllm:num_requests_running{%s} or sglang:num_running_reqs{%s})" % (sv, sv),
             "running {{model_name}}"),
            ("sum by (model_name) (vllm:num_requests_waiting{%s} or sglang:num_queue_reqs{%s})" % (sv, sv),
             "waiting {{model_name}}")]),
        _panel("KV cache usage", [("max by (model_name) (vllm:kv_cache_usage_perc{%s} or sglang:token_usage{%s})"
                                   % (sv, sv), "{{model_name}}")], "percentunit"),
        _panel("Engine restarts (15 m)", [("sum by (pod) (increase(kube_pod_container_status_restarts_total"
                                           "{namespace=\"%s\"}[15m]))" % ns["serving"], "{{pod}}")]),
    ], [_variable("model", "label_values(vllm:num_requests_running{namespace=\"%s\"}, model_name)" % ns["serving"],
                  "model")])

    ceph = _dashboard("privateai-ceph", "Ceph", ["ceph", "storage"], [
        _panel("Health (0 OK, 1 WARN, 2 ERR)", [("ceph_health_status", "health")], kind="stat", width=6),
        _panel("OSDs up / in", [("sum(ceph_osd_up)", "up"), ("sum(ceph_osd_in)", "in")], kind="stat", width=6),
        _panel("Raw capacity used", [("ceph_cluster_total_used_bytes / ceph_cluster_total_bytes", "used")],
               "percentunit"),
        _panel("Pool usage", [("ceph_pool_stored / (ceph_pool_stored + ceph_pool_max_avail)", "pool {{pool_id}}")],
               "percentunit"),
        _panel("Pool I/O operations", [("rate(ceph_pool_rd[5m])", "read {{pool_id}}"),
                                       ("rate(ceph_pool_wr[5m])", "write {{pool_id}}")], "iops"),
    ])

    dify_api = 'destination_service_namespace="%s", destination_service_name=~"$service"' % ns["dify"]
    dify = _dashboard("privateai-dify", "Dify", ["dify"], [
        _panel("Requests per second by status", [("sum by (response_code) (rate(istio_requests_total{%s}[5m]))"
                                                  % dify_api, "{{response_code}}")], "reqps"),
        _panel("5xx ratio", [("sum(rate(istio_requests_total{%s, response_code=~\"5..\"}[5m])) / "
                              "sum(rate(istio_requests_total{%s}[5m]))" % (dify_api, dify_api), "5xx")], "percentunit"),
        _panel("Request duration p99", [("histogram_quantile(0.99, sum by (le, destination_service_name) ("
                                         "rate(istio_request_duration_milliseconds_bucket{%s}[5m])))" % dify_api,
                                         "{{destination_service_name}}")], "ms"),
        _panel("Pods available per Deployment", [("kube_deployment_status_replicas_available{namespace=\"%s\"}"
                                                  % ns["dify"], "{{deployment}}")]),
        _panel("CPU per pod", [("sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=\"%s\", container!=\"\"}"
                                "[5m]))" % ns["dify"], "{{pod}}")], "short"),
        _panel("Memory per pod", [("sum by (pod) (container_memory_working_set_bytes{namespace=\"%s\", container!=\"\"})"
                                   % ns["dify"], "{{pod}}")], "bytes"),
    ], [_variable("service", "label_values(istio_requests_total{destination_service_namespace=\"%s\"}, "
                             "destination_service_name)" % ns["dify"], "service")])
    return {"gpu-fleet": gpu, "serving": serving, "ceph": ceph, "dify": dify}


def config_maps(namespace, labels, ns):
    """One ConfigMap per dashboard for Grafana's sidecar (manifests for k8s_render_apply)."""
    out = []
    for name, board in sorted(dashboards(ns).items()):
        out.append({"phase": "post", "description": "Grafana dashboard %s (loaded by the sidecar)" % board["title"],
                    "definition": {"apiVersion": "v1", "kind": "ConfigMap",
                                   "metadata": {"name": "privateai-dashboard-%s" % name, "namespace": namespace,
                                                "labels": dict(labels, **{SIDECAR_LABEL: "1"})},
                                   "data": {"%s.json" % name: json.dumps(board, sort_keys=True, indent=1)}}})
    return out
