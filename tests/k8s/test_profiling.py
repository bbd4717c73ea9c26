# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Continuous profiling (observability_profiling_enabled) as playbooks/observability.yml renders it.

What is checked for real: kube-prometheus-stack with the Pyroscope datasource, rendered through the real pinned
chart (values keys, render, every object validated); the render directory (the Pyroscope release and its values
file, written so a reviewer reads them; rerun with changed=0); the security stage's image allowlist fed by the
profiling settings through its playbook. What is NOT: the pyroscope chart itself. No package of it is in
../shared/charts and none can be downloaded here or on CI, so its values are checked only against the keys recorded
from chart 2.2.1 (pyroscope_keys.py, a documented-schema check, not a render)."""

import json
import os
import subprocess

import pytest
import yaml

import chart_render
import checks
import pyroscope_keys
from conftest import REPO, _command, _env, releases, run_one_playbook, tree

ON = {"observability_profiling_enabled": True}
PLAYBOOK = "playbooks/observability.yml"


def _release(render_dir, chart):
    found = [(r, v) for stage, r, v in releases(render_dir) if stage == "observability" and r["chart"] == chart]
    assert len(found) == 1, [r["chart"] for _s, r, _v in releases(render_dir)]
    return found[0]


def _datasources(render_dir):
    """The datasources Grafana's sidecar provisions, from kube-prometheus-stack rendered through its real chart."""
    release, values = _release(render_dir, "kube-prometheus-stack")
    objects = chart_render.render_release(release, values)
    found = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].endswith("-grafana-datasource")]
    assert len(found) == 1
    return yaml.safe_load(found[0]["data"]["datasource.yaml"])["datasources"]


@pytest.fixture(scope="module")
def lab_on(tmp_path_factory):
    render_dir = str(tmp_path_factory.mktemp("lab-profiling-on") / "render")
    result = run_one_playbook(PLAYBOOK, "lab", render_dir, json.dumps(ON))
    assert result.returncode == 0, result.stdout[-3000:]
    return render_dir, result


@pytest.fixture(scope="module")
def lab_off(tmp_path_factory):
    render_dir = str(tmp_path_factory.mktemp("lab-profiling-off") / "render")
    result = run_one_playbook(PLAYBOOK, "lab", render_dir)
    assert result.returncode == 0, result.stdout[-3000:]
    return render_dir


def test_lab_without_profiling_renders_no_pyroscope(lab_off):
    helm = os.path.join(lab_off, "observability", "helm")
    assert sorted(os.listdir(helm)) == ["kube-prometheus-stack.values.yaml", "releases.yaml"]
    assert [r["chart"] for _s, r, _v in releases(lab_off)] == ["kube-prometheus-stack"]
    assert [d["type"] for d in _datasources(lab_off)] == ["prometheus", "alertmanager"]


def test_lab_with_profiling_writes_the_pyroscope_release_for_review(lab_on):
    render_dir, _result = lab_on
    path = os.path.join(render_dir, "observability", "helm", "pyroscope.values.yaml")
    with open(path) as handle:
        text = handle.read()
    assert text.startswith("# Rendered by privateai.deepseek_dify (stage observability): values of Helm release "
                           "pyroscope in namespace monitoring, chart pyroscope 2.2.1 from "
                           "https://grafana.github.io/helm-charts.")
    release, values = _release(render_dir, "pyroscope")
    assert (release["version"], release["chart_repo_url"], release["namespace"]) == \
        ("2.2.1", "https://grafana.github.io/helm-charts", "monitoring")
    # kube-prometheus-stack (the ServiceMonitor CRD the pyroscope chart's monitor needs) comes first.
    assert [r["chart"] for _s, r, _v in releases(render_dir)] == ["kube-prometheus-stack", "pyroscope"]
    assert values["alloy"]["controller"] == {"type": "daemonset", "hostPID": True, "tolerations": [{"operator": "Exists"}]}
    assert 'pyroscope.ebpf "model_servers"' in values["alloy"]["alloy"]["configMap"]["content"]
    # The lab runs no storage stage in this render: no block class, profiles on the node, and the run says so.
    assert values["pyroscope"]["persistence"] == {"enabled": False}


def test_lab_pyroscope_values_use_only_the_documented_keys(lab_on):
    _release_, values = _release(lab_on[0], "pyroscope")
    assert pyroscope_keys.problems(values) == []


def test_the_pyroscope_chart_is_not_rendered_here():
    """Stated, not assumed: the day a package lands in ../shared/charts, this fails and the release should be
    rendered through it like the others."""
    with pytest.raises(chart_render.ChartNotFound):
        chart_render.chart_archive("pyroscope", "2.2.1")


def test_grafana_gets_the_pyroscope_datasource_through_the_real_chart(lab_on):
    render_dir = lab_on[0]
    release, values = _release(render_dir, "kube-prometheus-stack")
    assert chart_render.release_problems(release, values) == []
    pyroscope = [d for d in _datasources(render_dir) if d["name"] == "Pyroscope"]
    assert pyroscope == [{"name": "Pyroscope", "type": "grafana-pyroscope-datasource", "uid": "pyroscope",
                          "access": "proxy", "editable": False, "url": "http://pyroscope.monitoring.svc:4040"}]


def test_the_monitoring_namespace_allows_the_privileged_agent(lab_on):
    folder = os.path.join(lab_on[0], "observability", "manifests")
    namespace = checks.load_documents(os.path.join(folder, "01-namespace-monitoring.yaml"))[0]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"


def test_lab_with_profiling_reruns_with_changed_0(lab_on):
    render_dir, first = lab_on
    assert "runs privileged in the host PID namespace" in first.stdout
    files = tree(render_dir)
    second = run_one_playbook(PLAYBOOK, "lab", render_dir, json.dumps(ON))
    assert second.returncode == 0 and "changed=0" in second.stdout, second.stdout[-3000:]
    assert tree(render_dir) == files


def test_turning_profiling_off_again_prunes_its_values_file(lab_on, tmp_path):
    render_dir = str(tmp_path / "render")
    assert run_one_playbook(PLAYBOOK, "lab", render_dir, json.dumps(ON)).returncode == 0
    assert os.path.isfile(os.path.join(render_dir, "observability", "helm", "pyroscope.values.yaml"))
    assert run_one_playbook(PLAYBOOK, "lab", render_dir).returncode == 0
    assert not os.path.exists(os.path.join(render_dir, "observability", "helm", "pyroscope.values.yaml"))


def test_prod_keeps_profiles_on_the_storage_stages_block_class(tmp_path):
    """prod leaves profiling off (its group_vars say why); turned on for the run, with the storage stage in the same
    run, Pyroscope's volume is on rook_ceph_outputs' block class."""
    render_dir = str(tmp_path / "render")
    playbooks = [os.path.join(REPO, "playbooks", name) for name in ("storage.yml", "observability.yml")]
    result = subprocess.run(_command("prod", render_dir, (json.dumps(ON),), "render", playbooks), cwd=REPO,
                            env=_env(), capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    _release_, values = _release(render_dir, "pyroscope")
    assert values["pyroscope"]["persistence"] == {"enabled": True, "storageClassName": "ceph-block", "size": "50Gi",
                                                  "accessModes": ["ReadWriteOnce"]}
    assert values["pyroscope"]["extraArgs"]["retention-period"] == "7d"
    # As the inventory has it: off.
    off = str(tmp_path / "off")
    assert run_one_playbook(PLAYBOOK, "prod", off).returncode == 0
    assert [r["chart"] for stage, r, _v in releases(off) if stage == "observability"] == ["kube-prometheus-stack"]


def test_security_playbook_checks_the_profiling_images_against_the_allowlist(tmp_path):
    """The security stage reads the monitoring stage's profiling settings (roles/security/tasks/inputs.yml): a mirror
    for the profiling images that the allowlist lacks is refused, naming the variable; with profiling off it is not."""
    mirror = "registry.example.internal:5000/profiling"
    extra = {"security_image_registries": ["registry.example.internal:5000/other"],
             "observability_profiling_image_registry": mirror}
    named = "%s (observability_profiling_image_registry)" % mirror
    on = run_one_playbook("playbooks/security.yml", "prod", str(tmp_path / "on"), json.dumps(dict(extra, **ON)))
    assert on.returncode != 0 and named in on.stdout, on.stdout[-3000:]
    off = run_one_playbook("playbooks/security.yml", "prod", str(tmp_path / "off"), json.dumps(extra))
    assert off.returncode != 0 and "it would block the stack's own images" in off.stdout, off.stdout[-3000:]
    assert named not in off.stdout
