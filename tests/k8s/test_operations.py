# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The operations playbooks that act on a running cluster (restore, node maintenance) without one: bad settings stop
them before the cluster is contacted, an unreachable API server stops them before anything is read or changed, and
the objects they would create validate against their CRD schemas."""

import os
import subprocess
import sys

import checks
from conftest import BIN, REPO

sys.path.insert(0, os.path.join(REPO, "collections"))

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import restore  # noqa: E402


def run(playbook, *extra, check=False):
    return checks.run_stage_playbook(playbook, *extra, check=check)


def unreachable_kubeconfig(tmp_path):
    server = "https://127.0.0.1:%d" % checks.closed_port()
    return server, checks.write_kubeconfig(tmp_path / "kubeconfig", server)


def ran(tasks):
    return [name for name, res in tasks if not res.get("skipped")]


def test_restore_bad_settings_stop_before_the_cluster_is_contacted():
    result, tasks = run("restore.yml", {"restore_objective_minutes": 0, "restore_backup": "Daily Backup",
                                        "restore_dify_url": "dify-api/health"})
    failed = [(name, res) for name, res in tasks if res.get("failed")]
    assert result.returncode != 0 and [name for name, _res in failed] == ["Check the restore settings (every problem at once)"]
    message = failed[0][1]["msg"]
    assert "restore: 3 problem(s)" in message
    for part in ("restore_objective_minutes is 0", "restore_backup is 'Daily Backup'", "restore_dify_url is 'dify-api/health'"):
        assert part in message
    assert not any("kubeconfig" in name for name in ran(tasks))


def test_restore_against_an_unreachable_api_fails_before_anything_is_read(tmp_path):
    server, kubeconfig = unreachable_kubeconfig(tmp_path)
    for check in (False, True):
        result, tasks = run("restore.yml", "privateai_kubeconfig=" + kubeconfig, "privateai_kube_context=ops@site",
                            "cluster_access_api_timeout=3", check=check)
        failed = [(name, res) for name, res in tasks if res.get("failed")]
        assert result.returncode != 0 and len(failed) == 1, failed
        assert failed[0][0] == "Assert the cluster answers before anything is read or changed"
        assert ("restore: 1 problem(s) before anything was read or changed" in failed[0][1]["msg"] and
                "API server %s of context ops@site (kubeconfig %s) is not reachable" % (server, kubeconfig)
                in failed[0][1]["msg"])
        assert "Read the backups Velero knows" not in ran(tasks) and "Create the Velero Restore" not in ran(tasks)


def test_the_restore_object_validates_against_the_crd_schema():
    settings = restore.restore_settings({"restore_backup": "", "restore_schedule": "daily", "restore_namespaces": ["dify"],
                                         "restore_velero_namespace": "velero", "restore_existing_resource_policy": "update",
                                         "restore_wait_timeout": 3600, "restore_dify_url": "", "restore_dify_timeout": 600,
                                         "restore_smoke_test": True, "restore_objective_minutes": 15,
                                         "restore_report_file": ""})
    assert settings["problems"] == []
    obj = restore.restore_object("privateai-restore-20261130-041500", "daily-20261130030012", settings["settings"])
    assert checks.validate_manifest(obj) == []
    broken = dict(obj, spec=dict(obj["spec"], existingResourcePolicy=["update"]))
    assert checks.validate_manifest(broken) != []


def test_node_maintenance_bad_settings_stop_before_any_node():
    result, tasks = run("node_maintenance.yml", {"node_maintenance_batch_size": 4, "node_maintenance_drain_timeout": 5})
    failed = [(name, res) for name, res in tasks if res.get("failed")]
    assert result.returncode != 0 and len(failed) == 1, failed
    message = failed[0][1]["msg"]
    assert "node_maintenance: 2 problem(s)" in message
    assert "node_maintenance_batch_size is 4 but there are 4 nodes" in message
    assert "node_maintenance_drain_timeout is 5" in message
    assert "Cordon and drain the node (evictions respect PodDisruptionBudgets)" not in ran(tasks)


def test_node_maintenance_against_an_unreachable_api_touches_no_node(tmp_path):
    """In check mode and not: the control host's cluster check stops the run; no node is drained or rebooted."""
    server, kubeconfig = unreachable_kubeconfig(tmp_path)
    for check in (True, False):
        result, tasks = run("node_maintenance.yml", "privateai_kubeconfig=" + kubeconfig,
                            "privateai_kube_context=ops@site", "cluster_access_api_timeout=3",
                            "node_maintenance_action=driver_upgrade", check=check)
        failed = [(name, res) for name, res in tasks if res.get("failed")]
        assert result.returncode != 0 and len(failed) == 1, failed
        assert failed[0][0] == "Assert the cluster answers before anything is read or changed"
        assert "node_maintenance: 1 problem(s)" in failed[0][1]["msg"]
        assert "API server %s of context ops@site" % server in failed[0][1]["msg"]
        names = ran(tasks)
        assert "Cordon and drain the node (evictions respect PodDisruptionBudgets)" not in names
        assert not [name for name in names if "reboot" in name.lower() or "driver" in name.lower()]


def test_dr_failover_needs_the_confirmation_and_a_reachable_site(tmp_path):
    result, tasks = run("dr_failover.yml")
    failed = [(name, res) for name, res in tasks if res.get("failed")]
    assert result.returncode != 0 and [name for name, _res in failed] == ["Check the failover settings (every problem at once)"]
    assert "dr_failover_confirm is ''" in failed[0][1]["msg"]
    server, kubeconfig = unreachable_kubeconfig(tmp_path)
    result, tasks = run("dr_failover.yml", "dr_failover_confirm=ceph-blockpool", "privateai_kubeconfig=" + kubeconfig,
                        "privateai_kube_context=ops@site", "cluster_access_api_timeout=3", check=True)
    failed = [(name, res) for name, res in tasks if res.get("failed")]
    assert result.returncode != 0 and len(failed) == 1, failed
    assert failed[0][0] == "Assert the cluster answers before anything is read or changed"
    assert "dr_failover: 1 problem(s)" in failed[0][1]["msg"] and server in failed[0][1]["msg"]
    assert "Promote this site's copy of the pool to primary" not in ran(tasks)


def test_mirrored_block_pool_renders_through_the_cluster_chart():
    """rook_ceph_rbd_mirroring: the CephBlockPool the real rook-ceph-cluster chart makes carries the mirroring, and
    the CephRBDMirror validates against its CRD schema."""
    import chart_render

    sys.path.insert(0, os.path.join(REPO, "tests", "unit", "plugins", "plugin_utils"))
    import test_k8s_storage as unit
    from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_storage

    mirroring = {"enabled": True, "mode": "image", "snapshot_interval": "15m", "peer_secrets": ["site-b-bootstrap"]}
    result = k8s_storage.rook_ceph_stage(unit.defaults(rook_ceph_rbd_mirroring=mirroring), unit.nodes(3), None)
    release = [r for r in result["stage"]["releases"] if r["chart"] == "rook-ceph-cluster"][0]
    objects, problems = chart_render.render_and_validate(release, release["values"])
    assert problems == []
    pool = [o for o in objects if o["kind"] == "CephBlockPool"][0]["spec"]
    assert pool["mirroring"] == {"enabled": True, "mode": "image", "snapshotSchedules": [{"interval": "15m"}],
                                 "peers": {"secretNames": ["site-b-bootstrap"]}}
    mirror = [m["definition"] for m in result["stage"]["manifests"] if m["definition"]["kind"] == "CephRBDMirror"]
    assert chart_render.validate_objects(mirror, "CephRBDMirror") == []


def test_a_failing_drain_stops_the_rollout_at_the_first_node(tmp_path):
    """The node play itself (tasks_from: node) with a cluster that does not answer: the drain of the first node fails,
    the rescue records the step and reason, tries to leave the node cordoned and stops the rollout; no later batch
    starts. No task runs on the nodes themselves before the drain, so the (unreachable) nodes are never contacted."""
    import yaml

    server, kubeconfig = unreachable_kubeconfig(tmp_path)
    playbook = tmp_path / "rollout.yml"
    playbook.write_text(yaml.safe_dump([
        {"name": "The cluster checked (as the first play of playbooks/node_maintenance.yml leaves it)",
         "hosts": "localhost", "connection": "local", "gather_facts": False,
         "tasks": [{"name": "Publish the kubeconfig and context", "ansible.builtin.set_fact": {
             "cluster_access_resolved_kubeconfig": kubeconfig, "cluster_access_resolved_context": "ops@site"}}]},
        {"name": "Roll", "hosts": "gpu_nodes", "serial": 1, "any_errors_fatal": True, "gather_facts": False,
         "become": False,
         "tasks": [{"name": "Maintain the node", "ansible.builtin.include_role": {
             "name": "privateai.deepseek_dify.node_maintenance", "tasks_from": "node"}}]}]))
    command = [os.path.join(BIN, "ansible-playbook"), str(playbook), "-i", os.path.join(REPO, "inventories", "prod"),
               "-e", "node_maintenance_drain_timeout=30"]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    hosts = sorted(set(line.split("[", 1)[1].split("]", 1)[0].split(" -> ")[0] for line in output.splitlines()
                       if line.startswith(("ok: [gpu", "fatal: [gpu", "changed: [gpu"))))
    assert len(hosts) == 1, hosts  # only the first node was reached
    first = hosts[0]
    assert "STOPPED at %s" % first in output and "step drain failed" in output
    # The cluster did not answer, so the node could not be marked either: the report says so.
    assert "could NOT be cordoned and annotated" in output and "left cordoned" not in output
    assert "not started: " in output and "done: none" in output
