# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DCGM exporter publishes every DCGM field the monitoring stage reads.

The fields used are read from what the monitoring stage renders (its PrometheusRule and its dashboard ConfigMaps),
the fields published from what the gpu_operator stage renders (its metrics CSV ConfigMap, found by the name the
real gpu-operator chart writes into the ClusterPolicy): no second hand-written list of either."""

import json
import os
import re
import sys

import pytest

import chart_render
import checks
from conftest import REPO, releases

sys.path.insert(0, os.path.join(REPO, "collections"))
sys.path.insert(0, os.path.join(REPO, "tests", "unit", "plugins", "plugin_utils"))

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform  # noqa: E402

DCGM_NAME = re.compile(r"\bDCGM_FI_[A-Z0-9_]+\b")
# The example inventories and the variant (a mirror registry with pull secrets).
INVENTORIES = ["prod", "prod-h100x8", "h200x8-single", "prod-h100x8+variant"]


def stage_documents(render_dir, stage):
    folder = os.path.join(render_dir, stage, "manifests")
    out = []
    for name in sorted(os.listdir(folder)):
        out += [doc for doc in checks.load_documents(os.path.join(folder, name)) if doc]
    return out


def strings(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value)
    elif isinstance(node, str):
        yield node


def used_fields(render_dir):
    """{DCGM field: [where]} of every alert rule expression and dashboard query the monitoring stage rendered."""
    used = {}
    documents = stage_documents(render_dir, "observability")
    rules = [doc for doc in documents if doc["kind"] == "PrometheusRule"]
    assert len(rules) == 1
    for group in rules[0]["spec"]["groups"]:
        for rule in group["rules"]:
            for field in DCGM_NAME.findall(rule["expr"]):
                used.setdefault(field, []).append("alert " + rule.get("alert", rule.get("record", "?")))
    dashboards = [doc for doc in documents if doc["kind"] == "ConfigMap"
                  and doc["metadata"].get("labels", {}).get("grafana_dashboard")]
    assert dashboards, "no dashboard ConfigMaps rendered"
    for doc in dashboards:
        for key, text in doc["data"].items():
            for value in strings(json.loads(text)):
                for field in DCGM_NAME.findall(value):
                    used.setdefault(field, []).append("dashboard %s/%s" % (doc["metadata"]["name"], key))
    return used


def published_fields(csv_text):
    """{field: type} of a dcgm-exporter metrics CSV as the exporter reads it: '#' lines and blank lines skipped,
    three comma-separated columns."""
    out = {}
    for line in csv_text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        columns = [c.strip() for c in line.split(",")]
        assert len(columns) == 3 and columns[1] in ("gauge", "counter"), line
        out[columns[0]] = columns[1]
    return out


def exporter_csv(render_dir):
    """The metrics CSV the exporter reads: the ClusterPolicy the real chart renders names the ConfigMap, which must
    be among the gpu_operator stage's manifests in the same namespace."""
    found = [(r, v) for stage, r, v in releases(render_dir) if stage == "gpu_operator"]
    assert len(found) == 1
    release, values = found[0]
    objects, problems = chart_render.render_and_validate(release, values)
    assert problems == []
    policies = [o for o in objects if o["kind"] == "ClusterPolicy"]
    assert len(policies) == 1
    exporter = policies[0]["spec"]["dcgmExporter"]
    assert exporter["enabled"] is True
    name = exporter["config"]["name"]
    maps = [doc for doc in stage_documents(render_dir, "gpu_operator")
            if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == name]
    assert len(maps) == 1, "the ClusterPolicy names ConfigMap %s, which the stage does not render" % name
    assert maps[0]["metadata"]["namespace"] == release["namespace"]
    assert checks.validate_manifest(maps[0]) == []
    return maps[0]["data"][k8s_platform.DCGM_CSV_KEY]


def missing(used, published):
    return dict((field, where) for field, where in sorted(used.items()) if field not in published)


@pytest.mark.parametrize("name", INVENTORIES)
def test_every_dcgm_field_the_alerts_and_dashboards_read_is_published(renders, name):
    used = used_fields(renders[name])
    # The alerts the issue names read these (a render without them would make this test vacuous).
    for field in ("DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", "DCGM_FI_DEV_ROW_REMAP_FAILURE",
                  "DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL", "DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL"):
        assert field in used, sorted(used)
    published = published_fields(exporter_csv(renders[name]))
    assert missing(used, published) == {}


def test_dropping_a_field_the_alerts_read_is_caught(renders):
    """For each DCGM field the rendered alerts and dashboards read that comes from
    gpu_operator_dcgm_exporter_metrics_extra: the stage built without it publishes a CSV the check above refuses,
    naming that field and the alert that reads it."""
    from test_k8s_platform import defaults

    used = used_fields(renders["prod-h100x8"])
    settings = defaults("gpu_operator")
    extra = settings["gpu_operator_dcgm_exporter_metrics_extra"]
    needed = [item for item in extra if item["field"] in used]
    assert len(needed) >= 4, needed  # the ECC and NVLink counters
    for item in needed:
        less = [other for other in extra if other is not item]
        result = k8s_platform.gpu_operator_stage(dict(settings, gpu_operator_dcgm_exporter_metrics_extra=less))
        assert result["problems"] == []
        text = [m["definition"]["data"][k8s_platform.DCGM_CSV_KEY] for m in result["stage"]["manifests"]
                if k8s_platform.DCGM_CSV_KEY in m["definition"].get("data", {})]
        gone = missing(used, published_fields(text[0]))
        assert list(gone) == [item["field"]], gone
        assert any(where.startswith("alert ") for where in gone[item["field"]])
    # A default field of the exporter (the temperature: GPUTemperatureHigh, GPUMissing, the fleet dashboard) dropped
    # from the CSV is caught the same way.
    text = k8s_platform.dcgm_metrics_csv([])
    cut = "\n".join(line for line in text.splitlines() if not line.startswith("DCGM_FI_DEV_GPU_TEMP,"))
    assert "DCGM_FI_DEV_GPU_TEMP" in missing(used, published_fields(cut))
