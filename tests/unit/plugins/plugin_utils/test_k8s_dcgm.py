# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The DCGM exporter's field list of the gpu_operator stage: the ConfigMap with its metrics CSV, the chart value that
points the exporter at it, and the checks of gpu_operator_dcgm_exporter_metrics_extra."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest
import yaml

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from role_defaults import ROOT  # noqa: E402  (the shared test helper)
from test_k8s_platform import defaults, run, values  # noqa: E402  (the platform stages' own test helpers)


def metrics_config_map(result):
    name = values(result)["dcgmExporter"]["config"]["name"]
    found = [m["definition"] for m in result["stage"]["manifests"]
             if m["definition"]["kind"] == "ConfigMap" and m["definition"]["metadata"]["name"] == name]
    assert len(found) == 1, "no ConfigMap %s among the stage's manifests" % name
    return found[0]


def csv_fields(text):
    """{field: type} of a dcgm-exporter metrics CSV, read the way the exporter reads it (comments skipped)."""
    out = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        columns = [c.strip() for c in line.split(",")]
        assert len(columns) == 3, line
        assert columns[0] not in out, "%s listed twice" % columns[0]
        out[columns[0]] = columns[1]
    return out


def test_exporter_reads_the_stage_config_map_with_defaults_and_extras():
    result = run("gpu_operator")
    assert result["problems"] == []
    cm = metrics_config_map(result)
    assert cm["metadata"]["name"] == "privateai-dcgm-exporter-metrics"
    assert cm["metadata"]["namespace"] == "gpu-operator"
    fields = csv_fields(cm["data"][kp.DCGM_CSV_KEY])
    for field, kind, _help in kp.DCGM_DEFAULT_METRICS:
        assert fields[field] == kind
    extra = defaults("gpu_operator")["gpu_operator_dcgm_exporter_metrics_extra"]
    assert [item["field"] for item in extra] == [f for f in fields if f not in dict((d[0], 1) for d in kp.DCGM_DEFAULT_METRICS)]
    # The counters the ECC and NVLink alerts read, which the exporter's own defaults leave out.
    for field in ("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", "DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL",
                  "DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL", "DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL"):
        assert fields[field] == "counter"
    # Applied before the chart, so the exporter finds it when the operator creates the DaemonSet.
    phase = [m.get("phase") for m in result["stage"]["manifests"] if m["definition"] is cm]
    assert phase == ["pre"]


def test_extra_fields_follow_the_variable_and_the_name_is_set():
    result = run("gpu_operator", gpu_operator_dcgm_exporter_config_name="site-dcgm",
                 gpu_operator_dcgm_exporter_metrics_extra=[{"field": "DCGM_FI_DEV_POWER_VIOLATION", "type": "counter"}])
    assert result["problems"] == []
    assert values(result)["dcgmExporter"]["config"] == {"name": "site-dcgm"}
    fields = csv_fields(metrics_config_map(result)["data"][kp.DCGM_CSV_KEY])
    assert fields["DCGM_FI_DEV_POWER_VIOLATION"] == "counter"
    assert "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL" not in fields
    assert len(fields) == len(kp.DCGM_DEFAULT_METRICS) + 1


def test_no_exporter_no_config_map():
    result = run("gpu_operator", gpu_operator_dcgm_exporter_enabled=False)
    assert result["problems"] == []
    assert "config" not in values(result)["dcgmExporter"]
    texts = [m["definition"].get("data", {}) for m in result["stage"]["manifests"]]
    assert not [t for t in texts if kp.DCGM_CSV_KEY in t]


def test_the_chart_value_is_allowlisted_with_the_template_that_reads_it():
    """values.yaml carries dcgmExporter.config only as a comment: the key is allowlisted (tests/k8s keeps it honest)."""
    assert "dcgmExporter.config" in kp.UNDECLARED_VALUES["gpu-operator"]
    with open(os.path.join(ROOT, "tests", "k8s", "values-allowlist.yml")) as handle:
        entries = yaml.safe_load(handle)
    assert [e["template"] for e in entries if e["chart"] == "gpu-operator" and e["key"] == "dcgmExporter.config"]


GOOD = {"field": "DCGM_FI_DEV_POWER_VIOLATION", "type": "counter", "help": "Power throttling (us)."}
# (id, extra list, texts the problem list must contain)
BAD = [
    ("lower-case field", [dict(GOOD, field="dcgm_fi_dev_power_violation")],
     ["gpu_operator_dcgm_exporter_metrics_extra[0].field is 'dcgm_fi_dev_power_violation'", "DCGM field identifier"]),
    ("not a DCGM name", [dict(GOOD, field="GPU_TEMP")], ["[0].field is 'GPU_TEMP'"]),
    ("histogram type", [dict(GOOD, type="histogram")], ["[0].type is 'histogram': give gauge", "or counter"]),
    ("no type", [{"field": "DCGM_FI_DEV_POWER_VIOLATION"}], ["[0].type is None: give gauge"]),
    ("comma in help", [dict(GOOD, help="throttling, power")], ["[0].help is 'throttling, power'", "without commas"]),
    ("line break in help", [dict(GOOD, help="two\nlines")], ["[0].help"]),
    ("a default field again", [dict(GOOD, field="DCGM_FI_DEV_GPU_TEMP", type="gauge")],
     ["[0].field is DCGM_FI_DEV_GPU_TEMP: it is already a default field of dcgm-exporter"]),
    ("listed twice", [GOOD, GOOD], ["[1].field is DCGM_FI_DEV_POWER_VIOLATION: it is already", "[0] (listed before)"]),
    ("misspelt key", [dict(GOOD, kind="counter")], ["[0]: unknown key 'kind'"]),
    ("not a mapping", ["DCGM_FI_DEV_POWER_VIOLATION"], ["[0] is 'DCGM_FI_DEV_POWER_VIOLATION': give {field"]),
    ("not a list", "DCGM_FI_DEV_POWER_VIOLATION", ["gpu_operator_dcgm_exporter_metrics_extra"]),
]


@pytest.mark.parametrize("extra,expected", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_extra_fields_are_refused(extra, expected):
    result = run("gpu_operator", gpu_operator_dcgm_exporter_metrics_extra=extra)
    assert result["stage"] is None
    text = "\n".join(result["problems"])
    for part in expected:
        assert part in text, text


def test_every_problem_at_once():
    result = run("gpu_operator", gpu_operator_dcgm_exporter_config_name="DCGM Metrics",
                 gpu_operator_dcgm_exporter_metrics_extra=[dict(GOOD, type="summary"), dict(GOOD, field="x")])
    text = "\n".join(result["problems"])
    for part in ("gpu_operator_dcgm_exporter_config_name is 'DCGM Metrics'", "[0].type is 'summary'", "[1].field is 'x'"):
        assert part in text, text
