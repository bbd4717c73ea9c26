# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitoring stage's input checks and building (plugins/plugin_utils/k8s_observability.py), and its alert rules
under Prometheus' own ``promtool test rules``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import sys
import re
import shutil
import subprocess

import pytest
import yaml

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_observability as ko

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from role_defaults import role_settings  # noqa: E402  (the shared test helper)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
ALERT_TESTS = os.path.join(ROOT, "tests", "unit", "fixtures", "observability", "alerts_test.yml")
RUNBOOK = os.path.join(ROOT, "docs", "operations.md")
# The templated defaults as the example inventories give them (8 GPUs per node, the storage stage's block class).
TEMPLATED = {"observability_tolerate_control_plane": False, "observability_storage_class": "ceph-block",
             "observability_grafana_admin_password_file": "/tmp/credentials/grafana-admin-password",
             "observability_gpus_per_node": 8}


def defaults(**overrides):
    """roles/observability/defaults/main.yml as the role passes it (templated defaults as TEMPLATED gives them)."""
    return role_settings("observability", TEMPLATED, **overrides)


def manifests(result, kind):
    return [m["definition"] for m in result["stage"]["manifests"] if m["definition"]["kind"] == kind]


def values(result):
    return result["stage"]["releases"][0]["values"]


EMAIL = {"name": "ops-mail", "type": "email", "to": "ops@example.internal", "from": "alerts@example.internal",
         "smarthost": "smtp.example.internal:587", "auth_username": "alerts",
         "auth_password_file": "/etc/alertmanager/secrets/alert-credentials/smtp-password"}
WEBHOOK = {"name": "pager", "type": "webhook", "severities": ["critical"],
           "url_file": "/etc/alertmanager/secrets/alert-credentials/pager-url"}
WECHAT = {"name": "wecom", "type": "wechat", "corp_id": "ww0123456789abcdef", "agent_id": 1000002, "to_party": "2",
          "api_secret_file": "/etc/alertmanager/secrets/alert-credentials/wechat-secret"}
SECRETS = ["alert-credentials"]

# (id, overrides, text every problem list must contain)
BAD = [
    ("retention not a Prometheus duration", {"observability_prometheus_retention": "15 days"},
     ["observability_prometheus_retention is '15 days': give a Prometheus duration"]),
    ("retention size not a size", {"observability_prometheus_retention_size": "90Gi"},
     ["observability_prometheus_retention_size is '90Gi'"]),
    ("storage size not a quantity", {"observability_prometheus_storage_size": "100 GB"},
     ["observability_prometheus_storage_size"]),
    ("storage class not a name", {"observability_storage_class": "Ceph_Block"}, ["observability_storage_class"]),
    ("temperature not a number", {"observability_gpu_temp_celsius": "hot"}, ["observability_gpu_temp_celsius is 'hot'"]),
    ("temperature out of range", {"observability_gpu_temp_celsius": 200}, ["observability_gpu_temp_celsius is 200"]),
    ("ratio above one", {"observability_kv_cache_ratio": 90}, ["observability_kv_cache_ratio is 90"]),
    ("gpus per node zero", {"observability_gpus_per_node": 0}, ["observability_gpus_per_node is 0"]),
    ("unknown target", {"observability_scrape_targets": ["dcgm", "ceph"]}, ["observability_scrape_targets[0] is 'dcgm'"]),
    ("namespace not a label", {"observability_serving_namespace": "Serving"}, ["observability_serving_namespace"]),
    ("receiver of unknown type", {"observability_alert_receivers": [{"name": "x", "type": "slack"}]},
     ["observability_alert_receivers[0].type is 'slack'"]),
    ("email without relay and bad address", {"observability_alert_receivers": [
        {"name": "m", "type": "email", "to": "ops", "from": "a@b.c"}]},
     ["observability_alert_receivers[0].to is 'ops'", "observability_alert_receivers[0].smarthost is None"]),
    ("password as a value, not a file", {"observability_alert_receivers": [dict(EMAIL, auth_password="hunter2")]},
     ["observability_alert_receivers[0]", "auth_password"]),
    ("secret file of a Secret not mounted", {"observability_alert_receivers": [EMAIL]},
     ["the Secret alert-credentials is not in observability_alertmanager_secrets"]),
    ("webhook with url and url_file", {"observability_alertmanager_secrets": SECRETS, "observability_alert_receivers": [
        dict(WEBHOOK, url="https://pager.example.internal/hook")]}, ["give url or url_file"]),
    ("wechat without secret or recipient", {"observability_alert_receivers": [
        {"name": "w", "type": "wechat", "corp_id": "ww1", "agent_id": "x1"}]},
     ["agent_id is 'x1'", "api_secret_file is not set", "give to_party"]),
    ("two receivers of one name", {"observability_alertmanager_secrets": SECRETS,
                                   "observability_alert_receivers": [EMAIL, dict(WECHAT, name="ops-mail")]},
     ["observability_alert_receivers[1].name is 'ops-mail'"]),
    ("severity unknown", {"observability_alertmanager_secrets": SECRETS,
                          "observability_alert_receivers": [dict(WEBHOOK, severities=["page"])]},
     ["observability_alert_receivers[0].severities is ['page']"]),
    ("misspelt variable", {"observability_gpu_temp": 90}, ["observability_gpu_temp is not a setting"]),
    ("bad mirror", {"observability_image_registry": "https://mirror"}, ["observability_image_registry"]),
]


@pytest.mark.parametrize("overrides,expected", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_is_refused_with_every_problem(overrides, expected):
    result = ko.observability_stage(defaults(**overrides))
    assert result["stage"] is None
    text = "\n".join(result["problems"])
    for part in expected:
        assert part in text, text


def test_several_problems_come_at_once():
    result = ko.observability_stage(defaults(observability_prometheus_retention="2 weeks",
                                             observability_gpu_temp_celsius=300,
                                             observability_alert_receivers=[{"name": "x", "type": "pager"}]))
    assert len(result["problems"]) == 3, result["problems"]


def test_defaults_build_the_stage():
    result = ko.observability_stage(defaults())
    assert result["problems"] == []
    assert [w for w in result["warnings"] if "observability_alert_receivers is empty" in w]
    release = result["stage"]["releases"][0]
    assert (release["chart"], release["version"], release["namespace"]) == ("kube-prometheus-stack", "88.5.3", "monitoring")
    spec = values(result)["prometheus"]["prometheusSpec"]
    assert spec["retention"] == "15d" and spec["retentionSize"] == "90GB"
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["storageClassName"] == "ceph-block" and claim["resources"]["requests"]["storage"] == "100Gi"
    # Every monitor and rule of the cluster, not only those labelled with the release.
    assert spec["serviceMonitorSelectorNilUsesHelmValues"] is False and spec["ruleSelectorNilUsesHelmValues"] is False
    assert values(result)["grafana"]["admin"]["existingSecret"] == "grafana-admin"
    assert "global" not in values(result)
    assert result["outputs"]["prometheus_url"] == "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"


def test_without_a_storage_class_the_data_stays_on_the_node_with_a_warning():
    result = ko.observability_stage(defaults(observability_storage_class=""))
    assert result["problems"] == []
    assert "storageSpec" not in values(result)["prometheus"]["prometheusSpec"]
    assert "persistence" not in values(result)["grafana"]
    assert [w for w in result["warnings"] if "observability_storage_class is empty" in w]


def test_mirror_and_pull_secrets_reach_the_chart_globals():
    result = ko.observability_stage(defaults(observability_image_registry="registry.example.internal:5000/",
                                             observability_image_pull_secrets=["mirror-login"]))
    assert values(result)["global"] == {"imageRegistry": "registry.example.internal:5000",
                                        "imagePullSecrets": [{"name": "mirror-login"}]}


def test_the_grafana_secret_holds_the_password_only_when_given():
    placeholder = manifests(ko.observability_stage(defaults()), "Secret")[0]
    assert base64.b64decode(placeholder["data"]["admin-password"]) == b"not-rendered"
    given = ko.observability_stage(defaults(), admin_password="s3cret-Generated")
    secret = [m for m in given["stage"]["manifests"] if m["definition"]["kind"] == "Secret"][0]
    assert secret["secret"] is True
    assert base64.b64decode(secret["definition"]["data"]["admin-password"]) == b"s3cret-Generated"


def test_receivers_route_by_severity_and_group_by_node():
    result = ko.observability_stage(defaults(observability_alertmanager_secrets=SECRETS,
                                             observability_alert_receivers=[EMAIL, WEBHOOK, WECHAT]))
    assert result["problems"] == []
    config = values(result)["alertmanager"]["config"]
    assert values(result)["alertmanager"]["alertmanagerSpec"]["secrets"] == SECRETS
    assert config["route"]["group_by"] == ["alertname", "node"]
    routes = dict((r["receiver"], r["matchers"]) for r in config["route"]["routes"])
    assert routes == {"null": ['alertname="Watchdog"'], "ops-mail": ['severity=~"critical|warning"'],
                      "pager": ['severity=~"critical"'], "wecom": ['severity=~"critical|warning"']}
    receivers = dict((r["name"], r) for r in config["receivers"])
    assert receivers["ops-mail"]["email_configs"][0]["auth_password_file"] == EMAIL["auth_password_file"]
    assert receivers["pager"]["webhook_configs"][0] == {"url_file": WEBHOOK["url_file"], "send_resolved": True}
    assert receivers["wecom"]["wechat_configs"][0]["agent_id"] == "1000002"
    assert receivers["wecom"]["wechat_configs"][0]["api_secret_file"] == WECHAT["api_secret_file"]


# (id, owned, expected ServiceMonitor names)
MONITORS = [
    ("all targets", [], ["ceph-mgr", "cert-manager", "dcgm-exporter", "fluent-bit", "model-serving"]),
    ("serving and DCGM rendered by their stages", ["model_serving", "dcgm_exporter"],
     ["ceph-mgr", "cert-manager", "fluent-bit"]),
]


@pytest.mark.parametrize("owned,expected", [c[1:] for c in MONITORS], ids=[c[0] for c in MONITORS])
def test_a_monitor_per_target_no_other_stage_renders(owned, expected):
    result = ko.observability_stage(defaults(), owned=owned)
    assert sorted(m["metadata"]["name"] for m in manifests(result, "ServiceMonitor")) == expected


def test_gpu_series_get_the_node_label():
    dcgm = [m for m in manifests(ko.observability_stage(defaults()), "ServiceMonitor")
            if m["metadata"]["name"] == "dcgm-exporter"][0]
    assert dcgm["spec"]["namespaceSelector"] == {"matchNames": ["gpu-operator"]}
    endpoint = dcgm["spec"]["endpoints"][0]
    assert endpoint["relabelings"] == [{"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node",
                                        "action": "replace"}]


def _rules(result):
    return [rule for group in manifests(result, "PrometheusRule")[0]["spec"]["groups"] for rule in group["rules"]]


def test_thresholds_come_from_the_variables():
    rules = dict((r["alert"], r) for r in _rules(ko.observability_stage(defaults(
        observability_gpu_temp_celsius=80, observability_gpu_temp_for="5m", observability_kv_cache_ratio=0.8,
        observability_gpus_per_node=4, observability_backup_max_age_hours=30))))
    assert rules["GPUTemperatureHigh"]["expr"] == "DCGM_FI_DEV_GPU_TEMP > 80" and rules["GPUTemperatureHigh"]["for"] == "5m"
    assert rules["ServingKVCacheFull"]["expr"].endswith("> 0.8")
    assert rules["GPUMissing"]["expr"] == "count by (node) (DCGM_FI_DEV_GPU_TEMP) < 4"
    assert rules["BackupNotRecent"]["expr"].endswith("> 108000")


def _anchors():
    """GitHub's anchors of the headings of docs/operations.md."""
    with open(RUNBOOK) as handle:
        headings = [line.lstrip("#").strip() for line in handle if line.startswith("#")]
    return set(re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings)


def test_every_alert_has_a_runbook_heading_and_names_where():
    anchors = _anchors()
    rules = _rules(ko.observability_stage(defaults()))
    assert len(rules) == 18
    for rule in rules:
        url = rule["annotations"]["runbook_url"]
        assert url.startswith("docs/operations.md#") and url.split("#")[1] in anchors, (rule["alert"], url)
        assert rule["labels"]["severity"] in ("critical", "warning")
        if rule["alert"].startswith("GPU"):
            assert "{{ $labels.node }}" in rule["annotations"]["summary"], rule["alert"]


def promtool():
    path = shutil.which("promtool")
    assert path, "promtool is not installed: install the Debian package prometheus (scripts/bootstrap does)"
    return path


def run_alert_tests(groups, workdir):
    """Write ``groups`` (without annotations, see the fixture's header) and the cases beside each other and run
    ``promtool check rules`` and ``promtool test rules``; returns the failures' output or ''."""
    rules = {"groups": [{"name": g["name"], "rules": [dict((k, v) for k, v in r.items() if k != "annotations")
                                                      for r in g["rules"]]} for g in groups]}
    with open(os.path.join(workdir, "rules.yml"), "w") as handle:
        yaml.safe_dump(rules, handle)
    with open(os.path.join(workdir, "full-rules.yml"), "w") as handle:
        yaml.safe_dump({"groups": groups}, handle)
    shutil.copy(ALERT_TESTS, os.path.join(workdir, "alerts_test.yml"))
    out = []
    for args in (["check", "rules", "full-rules.yml"], ["test", "rules", "alerts_test.yml"]):
        proc = subprocess.run([promtool()] + args, cwd=workdir, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            out.append("promtool %s (rc %d):\n%s%s" % (" ".join(args), proc.returncode, proc.stdout, proc.stderr))
    return "\n".join(out)


def alerts_with_cases():
    """Alert names the promtool cases expect to fire somewhere."""
    with open(ALERT_TESTS) as handle:
        cases = yaml.safe_load(handle)
    return set(t["alertname"] for test in cases["tests"] for t in test["alert_rule_test"] if t["exp_alerts"])


def test_alert_rules_fire_and_stay_quiet_under_promtool(tmp_path):
    groups = manifests(ko.observability_stage(defaults()), "PrometheusRule")[0]["spec"]["groups"]
    assert run_alert_tests(groups, str(tmp_path)) == ""
    # Every alert has a case where it must fire (and the cases check the quiet series beside it).
    assert alerts_with_cases() == set(r["alert"] for g in groups for r in g["rules"])


def test_promtool_notices_a_broken_rule(tmp_path):
    """The harness fails when a rule misbehaves: the temperature alert with the threshold off by 10 degrees."""
    groups = manifests(ko.observability_stage(defaults(observability_gpu_temp_celsius=95)), "PrometheusRule")[0]
    output = run_alert_tests(groups["spec"]["groups"], str(tmp_path))
    assert "alertname: GPUTemperatureHigh" in output and "GPUXidError" not in output, output


# ------------------------------------------------------------------------------------------ dashboards, metrics

METRICS = os.path.join(ROOT, "tests", "unit", "fixtures", "observability", "exporter_metrics.yml")
PROMQL_WORDS = frozenset(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
                          "bool", "offset", "inf", "nan"])


def known_metrics():
    """Every metric name of the exporters' documentation fixture (histograms with _bucket, _sum, _count)."""
    with open(METRICS) as handle:
        exporters = yaml.safe_load(handle)["exporters"]
    out = set()
    for exporter in exporters.values():
        for name, kind in exporter["metrics"].items():
            out |= set([name + s for s in ("_bucket", "_sum", "_count")]) if kind == "histogram" else set([name])
    return out


def metric_names(expr):
    """Metric names a PromQL expression reads: identifiers outside strings, label matchers, ranges, label lists and
    function calls."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        rest = text[match.end():].lstrip()
        if rest.startswith("(") or match.group(0).lower() in PROMQL_WORDS:
            continue
        if re.match(r"^[0-9.]", text[max(0, match.start() - 1):match.start()]):
            continue  # a unit of a number such as 5m
        names.add(match.group(0))
    return names


# (expression, metric names) cases of the extractor itself
EXTRACT = [
    ('histogram_quantile(0.99, sum by (le, model_name) (rate(vllm:time_to_first_token_seconds_bucket{a="b"}[5m])))',
     {"vllm:time_to_first_token_seconds_bucket"}),
    ("count by (node) (DCGM_FI_DEV_GPU_TEMP) < 8", {"DCGM_FI_DEV_GPU_TEMP"}),
    ('absent(velero_backup_last_successful_timestamp{schedule="daily"})', {"velero_backup_last_successful_timestamp"}),
    ("a_used / a_total > 0.85 and on (x) b", {"a_used", "a_total", "b"}),
]


@pytest.mark.parametrize("expr,expected", EXTRACT, ids=[str(i) for i in range(len(EXTRACT))])
def test_metric_names_of_an_expression(expr, expected):
    assert metric_names(expr) == expected


def dashboard_maps(result):
    return [m for m in manifests(result, "ConfigMap") if m["metadata"]["labels"].get("grafana_dashboard") == "1"]


def test_dashboards_are_valid_json_for_the_sidecar():
    maps = dashboard_maps(ko.observability_stage(defaults()))
    assert sorted(m["metadata"]["name"] for m in maps) == ["privateai-dashboard-ceph", "privateai-dashboard-dify",
                                                           "privateai-dashboard-gpu-fleet", "privateai-dashboard-serving"]
    for config_map in maps:
        (key, text), = config_map["data"].items()
        board = json.loads(text)
        assert key.endswith(".json") and board["uid"].startswith("privateai-")
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)) and all(p["targets"] for p in board["panels"])
        assert all(0 <= p["gridPos"]["x"] and p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in board["panels"])
    gpu = json.loads(maps[2]["data"]["gpu-fleet.json"])
    titles = [p["title"] for p in gpu["panels"]]
    assert titles[:5] == ["Temperature per GPU", "Utilisation per GPU", "Memory used per GPU", "Power per GPU",
                          "Last XID per GPU (0: none)"]
    assert dashboard_maps(ko.observability_stage(defaults(observability_dashboards=False))) == []


def test_every_query_reads_metrics_the_exporters_publish():
    result = ko.observability_stage(defaults())
    known = known_metrics()
    unknown = {}
    queries = [(r["alert"], r["expr"]) for r in _rules(result)]
    for config_map in dashboard_maps(result):
        board = json.loads(list(config_map["data"].values())[0])
        queries += [("%s / %s" % (board["title"], p["title"]), t["expr"]) for p in board["panels"] for t in p["targets"]]
        # label_values(<series>, <label>): the series' metric
        queries += [("%s / $%s" % (board["title"], var["name"]),
                     re.match(r"^label_values\((.*), *[A-Za-z_]+\)$", var["definition"]).group(1))
                    for var in board["templating"]["list"]]
    for where, expr in queries:
        names = metric_names(expr)
        assert names, (where, expr)
        missing = names - known
        if missing:
            unknown[where] = sorted(missing)
    assert unknown == {}


def test_a_metric_the_exporters_do_not_publish_is_caught():
    assert metric_names("rate(vllm:gpu_cache_usage_perc[5m])") - known_metrics() == {"vllm:gpu_cache_usage_perc"}
