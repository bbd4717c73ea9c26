# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import tarfile

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.filter.chart_values_unknown import chart_values_unknown
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import chart_values

from ansible.errors import AnsibleFilterError


def _tar(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as archive:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def chart(tmp_path):
    """A test chart 'demo' with a folder subchart 'nfd' and an archived subchart 'extra' (renamed in its Chart.yaml)."""
    sub = _tar({"extra/Chart.yaml": b"name: extra-chart\nversion: 1.0.0\n", "extra/values.yaml": b"replicas: 1\n"})
    files = {
        "demo/Chart.yaml": b"apiVersion: v2\nname: demo\nversion: 1.2.3\n",
        "demo/values.yaml": b"operator:\n  image: x\n  nodeSelector: {kubernetes.io/os: linux}\n"
                            b"  tolerations: []\nlabels: {}\nplugin:\n  env: []\n  config:\n    name: ''\n"
                            b"nullable:\nnfd:\n  worker:\n    enabled: true\n",
        "demo/values.schema.json": json.dumps({"properties": {"fromSchema": {"properties": {"inner": {"type": "string"}}}}}).encode(),
        "demo/charts/nfd/Chart.yaml": b"name: nfd\nversion: 0.1.0\n",
        "demo/charts/nfd/values.yaml": b"gc:\n  enable: true\nworker:\n  enabled: false\n  config: {}\n",
        "demo/charts/extra-chart-1.0.0.tgz": sub,
    }
    path = tmp_path / "demo-1.2.3.tgz"
    path.write_bytes(_tar(files))
    return str(path)


# (extra values, unknown key paths)
CASES = [
    ({}, []),
    ({"operator": {"image": "y"}}, []),
    ({"operator": {"imagee": "y"}}, ["operator.imagee"]),
    ({"operater": {"image": "y"}}, ["operater"]),
    ({"operator": {"nodeSelector": {"anything": "x"}, "tolerations": [{"key": "k"}]}}, []),
    ({"labels": {"a": "b"}}, []),
    ({"plugin": {"config": {"name": "n", "nmae": "n"}}}, ["plugin.config.nmae"]),
    ({"nullable": {"whatever": 1}}, []),
    ({"fromSchema": {"inner": "x"}}, []),
    ({"fromSchema": {"iner": "x"}}, ["fromSchema.iner"]),
    ({"nfd": {"gc": {"enable": False}, "worker": {"enabled": True}}}, []),
    ({"nfd": {"gc": {"enabel": False}}}, ["nfd.gc.enabel"]),
    ({"extra-chart": {"replicas": 2}}, []),
    ({"extra-chart": {"replica": 2}}, ["extra-chart.replica"]),
    ({"allowed": {"deep": 1}, "operator": {"undeclared": 1}}, []),
]


@pytest.mark.parametrize("extra, unknown", CASES, ids=[json.dumps(c[0]) for c in CASES])
def test_unknown_keys(chart, extra, unknown):
    reference = chart_values.load_archive(chart)
    problems = chart_values.unknown_keys("demo_values_extra", extra, reference, ("allowed", "operator.undeclared"))
    assert problems == ["demo_values_extra: key %s is not a value of the chart (Helm would ignore it silently): fix "
                        "the spelling or remove it" % key for key in unknown]


def test_not_a_mapping(chart):
    assert chart_values.unknown_keys("v", ["x"], chart_values.load_archive(chart)) == ["v is ['x']: give a mapping of Helm values"]


def test_bad_archive(tmp_path):
    bad = tmp_path / "bad.tgz"
    bad.write_bytes(b"not a tar")
    with pytest.raises(chart_values.ChartError, match="not a chart archive"):
        chart_values.load_archive(str(bad))
    with pytest.raises(chart_values.ChartError, match="cannot read"):
        chart_values.load_archive(str(tmp_path / "missing.tgz"))
    with pytest.raises(AnsibleFilterError, match="checking x_values_extra"):
        chart_values_unknown({}, str(bad), "x_values_extra", "demo")


def test_filter_allows_the_undeclared_keys_the_chart_reads(chart, tmp_path):
    gpu = tmp_path / "gpu-operator.tgz"
    gpu.write_bytes(_tar({"gpu-operator/Chart.yaml": b"name: gpu-operator\n", "gpu-operator/values.yaml": b"dcgmExporter:\n  enabled: true\n"}))
    extra = {"dcgmExporter": {"imagePullSecrets": ["x"], "enabeld": True}}
    assert chart_values_unknown(extra, str(gpu), "gpu_operator_values_extra", "gpu-operator") == [
        "gpu_operator_values_extra: key dcgmExporter.enabeld is not a value of the chart (Helm would ignore it silently): "
        "fix the spelling or remove it"]
