# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitoring stage (roles/observability) as rendered for the example inventories: through the real pinned
kube-prometheus-stack chart (read from the objects it makes), and its alert rules exported from the render to a
rules file that Prometheus' own promtool tests."""

import json
import os
import subprocess
import sys

import pytest

import chart_render
import checks
from conftest import BIN, REPO, releases

sys.path.insert(0, os.path.join(REPO, "collections"))
sys.path.insert(0, os.path.join(REPO, "tests", "unit", "plugins", "plugin_utils"))

import test_k8s_observability as unit  # noqa: E402  (the promtool harness and cases of the unit tests)


def stage_files(render_dir):
    folder = os.path.join(render_dir, "observability", "manifests")
    return dict((name, checks.load_documents(os.path.join(folder, name))[0]) for name in sorted(os.listdir(folder)))


def chart_objects(render_dir):
    found = [(r, v) for stage, r, v in releases(render_dir) if stage == "observability"]
    assert len(found) == 1 and found[0][0]["chart"] == "kube-prometheus-stack", found
    return chart_render.render_release(*found[0])


def rule_groups(render_dir):
    rules = [doc for doc in stage_files(render_dir).values() if doc["kind"] == "PrometheusRule"]
    assert len(rules) == 1
    return rules[0]["spec"]["groups"]


# Inventories with 8 GPUs per node: the promtool cases (written for 8) apply to their rendered rules as they are.
@pytest.mark.parametrize("name", ["prod-h100x8", "h200x8-single"])
def test_rendered_alert_rules_pass_promtool(renders, name, tmp_path):
    groups = rule_groups(renders[name])
    assert unit.run_alert_tests(groups, str(tmp_path)) == ""
    assert unit.alerts_with_cases() == set(r["alert"] for g in groups for r in g["rules"])


def test_gpus_per_node_follow_the_inventory(renders):
    """prod has 2 A100 per node (privateai_expected_gpu.count_per_node): a node with one GPU left pages."""
    rules = dict((r["alert"], r) for g in rule_groups(renders["prod"]) for r in g["rules"])
    assert rules["GPUMissing"]["expr"] == "count by (node) (DCGM_FI_DEV_GPU_TEMP) < 2"


@pytest.mark.parametrize("name", ["prod", "prod-h100x8", "h200x8-single"])
def test_prometheus_keeps_its_data_on_the_block_class(renders, name):
    prometheus = [o for o in chart_objects(renders[name]) if o["kind"] == "Prometheus"][0]["spec"]
    claim = prometheus["storage"]["volumeClaimTemplate"]["spec"]
    assert claim["storageClassName"] == "ceph-block"  # rook_ceph_outputs of the storage stage, same run
    assert prometheus["retention"] == "15d" and prometheus["retentionSize"] == "90GB"
    # Every ServiceMonitor and rule of the cluster, whatever its labels.
    assert prometheus["serviceMonitorSelector"] == {} and prometheus["ruleSelector"] == {}
    grafana = [o for o in chart_objects(renders[name]) if o["kind"] == "Deployment" and
               o["metadata"]["name"].endswith("grafana")][0]
    env = dict((e["name"], e) for c in grafana["spec"]["template"]["spec"]["containers"] for e in c.get("env", []))
    secret_ref = env["GF_SECURITY_ADMIN_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert secret_ref == {"name": "grafana-admin", "key": "admin-password"}


def test_alertmanager_groups_by_node(renders):
    import base64
    import yaml

    secret = [o for o in chart_objects(renders["prod"]) if o["kind"] == "Secret" and
              o["metadata"]["name"].startswith("alertmanager-")][0]
    config = yaml.safe_load(base64.b64decode(secret["data"]["alertmanager.yaml"]))
    assert config["route"]["group_by"] == ["alertname", "node"]


def test_monitors_not_doubled_with_the_owning_stage(renders):
    """The variant has model_serving_service_monitor: the serving stage renders its monitors, this stage none."""
    def monitors(name):
        return sorted(d["metadata"]["name"] for d in stage_files(renders[name]).values() if d["kind"] == "ServiceMonitor")
    assert monitors("prod") == ["ceph-mgr", "cert-manager", "dcgm-exporter", "fluent-bit", "model-serving"]
    assert monitors("prod-h100x8+variant") == ["ceph-mgr", "cert-manager", "dcgm-exporter", "fluent-bit"]


def test_stage_objects_validate_against_their_schemas(renders):
    docs = stage_files(renders["prod"])
    kinds = sorted(set(d["kind"] for d in docs.values()))
    # The Grafana admin Secret is not written in render mode.
    assert kinds == ["ConfigMap", "Namespace", "PrometheusRule", "ServiceMonitor"]
    assert chart_render.validate_objects(list(docs.values()), "observability") == []


def _run(command):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_bad_input_stops_the_playbook_before_anything_is_rendered(tmp_path):
    render_dir = str(tmp_path / "render")
    result = _run([os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, "playbooks", "observability.yml"),
                   "-i", os.path.join(REPO, "inventories", "prod"), "-e", "privateai_k8s_mode=render",
                   "-e", "privateai_render_dir=" + render_dir,
                   "-e", json.dumps({"observability_prometheus_retention": "2 weeks",
                                     "observability_gpu_temp_celsius": 300,
                                     "observability_alert_receivers": [{"name": "ops", "type": "email",
                                                                        "to": "ops"}]})])
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "observability: 5 problem(s)" in output, output[-3000:]
    for part in ("observability_prometheus_retention is '2 weeks'", "observability_gpu_temp_celsius is 300",
                 "observability_alert_receivers[0].to is 'ops'", "observability_alert_receivers[0].from is None",
                 "observability_alert_receivers[0].smarthost is None"):
        assert part in output
    assert not os.path.exists(render_dir), "files were rendered although the input was refused"


def test_apply_mode_against_an_unreachable_api_fails_before_anything_changes(tmp_path):
    """playbooks/observability.yml alone in apply mode: the preflight of k8s_render_apply stops it; the Grafana
    password is generated into the file the inventory names (0600) and never printed."""
    password_file = str(tmp_path / "grafana-admin-password")
    result, _tasks = checks.apply_against_unreachable_api(tmp_path, "observability.yml",
                                                          "observability_grafana_admin_password_file=" + password_file)
    with open(password_file) as handle:
        password = handle.read().strip()
    assert len(password) == 32 and os.stat(password_file).st_mode & 0o777 == 0o600
    assert password not in result.stdout + result.stderr
