# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Least-privilege ServiceAccounts (issue 15, build 6) on what the stages actually render.

Every stage is rendered for the example inventories (the shared renders of conftest.py), for the lab inventory, and
for prod with the optional workloads switched on (Weaviate, Fluent Bit with a SIEM sink, the serving benchmark Job).
Each Helm release goes through its real chart (chart_render), and every pod template of the charts' output and of our
manifests (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod, LeaderWorkerSet, and the pods operators make from
CloudNativePG Clusters and Prometheus/Alertmanager resources) is resolved to its ServiceAccount and its effective token
mount, pod over ServiceAccount as Kubernetes defines it (k8s_service_accounts.effective_automount). The test fails when
a pod the table (k8s_service_accounts.WORKLOADS) says needs no API mounts a token, when a pod runs as `default`
(unless the table says its chart offers nothing else), and when a pod is missing from the table; and the mutation
cases below show that reverting one value makes it fail."""

import copy
import json
import os
import subprocess
import sys
import time

import pytest

import chart_render
import checks
from conftest import REPO, K8S_PLAYBOOKS, _command, _env, releases, rendered_files

sys.path.insert(0, os.path.join(REPO, "collections"))

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_service_accounts as ksa  # noqa: E402

# Renders of this file only (one ansible-playbook run each, started together): the lab inventory (the stages it can
# render: it has no GPU or storage nodes, so no serving, storage or backup), and prod with every optional workload
# that owns pods switched on.
SIEM = {"type": "syslog", "host": "10.1.2.3", "port": 6514}
ALL = tuple(p for p, _stages in K8S_PLAYBOOKS)
LAB = ("playbooks/k8s_platform.yml", "playbooks/dify.yml", "playbooks/security.yml", "playbooks/observability.yml")
OWN_RENDERS = {
    "lab": ("lab", (), LAB),
    "prod+optional": ("prod", ({"dify_vector_store": "weaviate", "security_audit_sink": SIEM,
                                "security_audit_sink_cidrs": ["10.1.2.3/32"]},),
                      ALL + ("playbooks/benchmark_serving.yml",)),
}
# The stages each render must show pods of (else a case would prove nothing).
STAGES = {"lab": {"cert_manager", "gpu_operator", "dify", "security", "observability"}}
FULL = {"cert_manager", "gpu_operator", "storage", "model_serving", "dify", "security", "observability", "backup"}


@pytest.fixture(scope="module")
def own_renders(tmp_path_factory):
    running = []
    for name, (inventory, extra, playbooks) in sorted(OWN_RENDERS.items()):
        render_dir = str(tmp_path_factory.mktemp("sa-" + name.replace("+", "-")))
        playbooks = [os.path.join(REPO, p) for p in playbooks]
        log = open(render_dir + ".log", "w+")
        proc = subprocess.Popen(_command(inventory, render_dir, extra, "render", playbooks), cwd=REPO, env=_env(),
                                stdout=log, stderr=subprocess.STDOUT, text=True)
        running.append((name, render_dir, proc, log))
    done, failures = {}, []
    for name, render_dir, proc, log in running:
        while proc.poll() is None:
            time.sleep(0.2)
        log.seek(0)
        output = log.read()
        log.close()
        if proc.returncode != 0:
            failures.append("render %s failed (rc %d):\n%s" % (name, proc.returncode, output[-6000:]))
        done[name] = render_dir
    assert not failures, "\n".join(failures)
    return done


def stage_objects(render_dir):
    """[(stage, objects)]: every Helm release through its real chart (objects without a namespace get the release's,
    as Helm applies them) and every rendered manifest, per stage."""
    out = []
    for stage, release, values in releases(render_dir):
        objects = chart_render.render_release(release, values)
        for obj in objects:
            obj.setdefault("metadata", {}).setdefault("namespace", release["namespace"])
        out.append((stage, objects))
    for stage in sorted(os.listdir(render_dir)):
        if not os.path.isdir(os.path.join(render_dir, stage)):
            continue
        objects = [obj for path in rendered_files(os.path.join(render_dir, stage), "manifests")
                   for obj in checks.load_documents(path) if obj]
        out.append((stage, objects))
    return out


def evaluate(per_stage):
    """(pods, ServiceAccounts, problems) of a render's [(stage, objects)]."""
    found = [pod for stage, objects in per_stage for pod in ksa.pods(stage, objects)]
    accounts = ksa.service_accounts([obj for _stage, objects in per_stage for obj in objects])
    return found, accounts, ksa.problems(found, accounts)


_SEEN = {}


def _check_render(name, render_dir):
    found, accounts, problems = evaluate(stage_objects(render_dir))
    assert problems == [], "\n".join(problems)
    # Not vacuous: the stack's own workloads and the charts' are there, with and without tokens.
    stages = set(pod["stage"] for pod in found)
    assert STAGES.get(name, FULL) <= stages, stages
    tokenless = [p for p in found if not p["operator"] and not ksa.effective_automount(
        p["automount"], accounts.get((p["namespace"], p["service_account"])))]
    assert len(tokenless) >= 10, tokenless
    _SEEN[name] = set((p["stage"], p["kind"], ksa.row(p)["name"]) for p in found)
    return found


def test_example_inventories_least_privilege(rendered):
    name, render_dir = rendered
    found = _check_render(name, render_dir)
    assert any(p["kind"] == "Cluster" and p["stage"] == "dify" for p in found)  # CloudNativePG's instances


def test_lab_and_optional_workloads_least_privilege(own_renders):
    _check_render("lab", own_renders["lab"])
    found = _check_render("prod+optional", own_renders["prod+optional"])
    names = set((p["stage"], p["kind"], p["name"]) for p in found)
    # The optional workloads are really there (else this case would prove nothing about them).
    assert ("dify", "StatefulSet", "weaviate") in names
    assert ("security", "DaemonSet", "fluent-bit") in names
    assert any(stage == "serving_benchmark" and kind == "Job" for stage, kind, _name in names), names


def test_every_table_row_matches_a_rendered_workload(renders, own_renders):
    """No stale row: each row of the table is the first match of some pod in some render (run last: it renders the
    ones the other cases have not)."""
    for name, render_dir in list(renders.items()) + list(own_renders.items()):
        if name not in _SEEN and not name.endswith(" again"):
            _check_render(name, render_dir)
    seen = set().union(*_SEEN.values())
    rows = set((r["stage"], r["kind"], r["name"]) for r in ksa.WORKLOADS)
    assert rows - seen == set()


# ------------------------------------------------------------------------------------------------- mutations


def _prod(renders):
    return stage_objects(renders["prod"])


def _pods_named(per_stage, kind, name):
    return [pod for pod in evaluate(per_stage)[0] if pod["kind"] == kind and pod["name"] == name]


def test_reverting_a_dify_chart_service_account_value_fails(renders):
    """worker.serviceAccount left at the chart's default: the chart renders the worker on `default` (with a token)."""
    (stage, release, values), = [r for r in releases(renders["prod"]) if r[1]["chart"] == "dify"]
    values = copy.deepcopy(values)
    del values["worker"]["serviceAccount"]
    objects = chart_render.render_release(release, values)
    for obj in objects:
        obj.setdefault("metadata", {}).setdefault("namespace", release["namespace"])
    _found, _accounts, problems = evaluate([(stage, objects)])
    assert [p for p in problems if "dify-worker " in p] == [
        "Deployment dify-worker (stage dify, namespace dify) runs as the namespace's `default` ServiceAccount: give "
        "it a dedicated one",
        "Deployment dify-worker (stage dify, namespace dify) mounts a Kubernetes API token (ServiceAccount default) "
        "but the table says it does not talk to the API (%s): set automountServiceAccountToken false"
        % ksa.row({"stage": "dify", "kind": "Deployment", "name": "dify-worker"})["why"]]


def test_reverting_the_dify_automount_value_fails(renders):
    """api.serviceAccount.automountServiceAccountToken true: the chart's account mounts a token again."""
    (stage, release, values), = [r for r in releases(renders["prod"]) if r[1]["chart"] == "dify"]
    values = copy.deepcopy(values)
    values["api"]["serviceAccount"]["automountServiceAccountToken"] = True
    objects = chart_render.render_release(release, values)
    for obj in objects:
        obj.setdefault("metadata", {}).setdefault("namespace", release["namespace"])
    per_stage = [(s, objs) for s, objs in _prod(renders) if not (s == stage and any(
        o.get("kind") == "Deployment" and o["metadata"]["name"] == "dify-api" for o in objs))] + [(stage, objects)]
    problems = evaluate(per_stage)[2]
    assert len(problems) == 1 and problems[0].startswith("Deployment dify-api (stage dify, namespace dify) mounts a "
                                                         "Kubernetes API token (ServiceAccount dify-api)"), problems


@pytest.mark.parametrize("where", ["pod", "account"])
def test_reverting_the_serving_automount_fails_only_when_both_are_reverted(renders, where):
    """The engines set automount off on the pod and on their ServiceAccount: either one alone keeps the token away
    (pod over account), and the evaluation sees the difference."""
    per_stage = _prod(renders)
    for _stage, objects in per_stage:
        for obj in objects:
            if where == "pod" and obj.get("kind") == "Deployment" and obj["metadata"]["name"] == "bge-m3-blue":
                del obj["spec"]["template"]["spec"]["automountServiceAccountToken"]
            if where == "account" and obj.get("kind") == "ServiceAccount" and \
                    obj["metadata"]["name"] == ksa.SERVING_ENGINE_SA:
                obj["automountServiceAccountToken"] = True
    assert evaluate(per_stage)[2] == []
    for _stage, objects in per_stage:
        for obj in objects:
            if obj.get("kind") == "ServiceAccount" and obj["metadata"]["name"] == ksa.SERVING_ENGINE_SA:
                del obj["automountServiceAccountToken"]
            if obj.get("kind") == "Deployment" and obj["metadata"]["name"] == "bge-m3-blue":
                obj["spec"]["template"]["spec"].pop("automountServiceAccountToken", None)
    problems = evaluate(per_stage)[2]
    assert problems and all("bge-m3-blue" in p or "deepseek-r1-distill-llama-70b-blue" in p for p in problems)
    assert any(p.startswith("Deployment bge-m3-blue (stage model_serving") for p in problems), problems


def test_reverting_alertmanager_automount_fails(renders):
    per_stage = _prod(renders)
    (alertmanager,) = [o for _s, objects in per_stage for o in objects if o.get("kind") == "Alertmanager"]
    assert alertmanager["spec"]["automountServiceAccountToken"] is False
    del alertmanager["spec"]["automountServiceAccountToken"]
    problems = evaluate(per_stage)[2]
    assert problems == [], problems  # its ServiceAccount still has automount off
    for _s, objects in per_stage:
        for obj in objects:
            if obj.get("kind") == "ServiceAccount" and obj["metadata"]["name"] == alertmanager["spec"][
                    "serviceAccountName"]:
                obj["automountServiceAccountToken"] = True
    problems = evaluate(per_stage)[2]
    assert len(problems) == 1 and problems[0].startswith("Alertmanager kube-prometheus-stack-alertmanager"), problems


def test_a_workload_missing_from_the_table_fails(renders):
    per_stage = _prod(renders)
    table = tuple(r for r in ksa.WORKLOADS if not (r["stage"] == "dify" and r["kind"] == "StatefulSet"))
    found = [pod for stage, objects in per_stage for pod in ksa.pods(stage, objects)]
    accounts = ksa.service_accounts([obj for _stage, objects in per_stage for obj in objects])
    assert ksa.problems(found, accounts, table) == [
        "StatefulSet dify-redis (stage dify, namespace dify) is missing from the ServiceAccount table "
        "(k8s_service_accounts.WORKLOADS): add whether it talks to the Kubernetes API and why"]


def test_the_chart_test_jobs_run_without_a_token_on_the_namespace_default(renders):
    """The Dify chart's `helm test` Jobs have no ServiceAccount option: they run as `default`, which the dify stage
    renders without a token. Without that manifest they would mount one."""
    per_stage = _prod(renders)
    jobs = _pods_named(per_stage, "Job", "dify-test-redis-connection")
    assert [j["service_account"] for j in jobs] == ["default"]
    assert evaluate(per_stage)[2] == []

    def kept(obj):
        return not (obj.get("kind") == "ServiceAccount" and obj["metadata"]["name"] == "default")

    stripped = [(stage, [o for o in objects if kept(o)]) for stage, objects in per_stage]
    problems = evaluate(stripped)[2]
    assert sorted(p.split(" (")[0] for p in problems) == ["Job dify-test-postgres-connection",
                                                          "Job dify-test-redis-connection"], json.dumps(problems)
