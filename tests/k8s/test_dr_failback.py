# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/dr_failover.yml's failback actions (demote, resync, failback) without a cluster: bad settings stop before
the cluster is contacted, an unreachable API server stops the apply path (also in check mode) before the status is
read or a command runs, and render mode plans from a saved status, refusing a step whose preconditions fail."""

import json
import os
import sys

import pytest

from test_operations import ran, run, unreachable_kubeconfig

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "unit", "plugins",
                                "plugin_utils"))

import test_k8s_dr as unit  # noqa: E402  (the step planner's status doubles)

COMMANDS = "Run the action's commands in the toolbox"


def failed(tasks):
    return [(name, res) for name, res in tasks if res.get("failed")]


def test_a_demote_without_the_confirmation_stops_before_the_cluster():
    result, tasks = run("dr_failover.yml", "dr_failover_action=demote")
    bad = failed(tasks)
    assert result.returncode != 0 and [name for name, _res in bad] == ["Check the failover settings (every problem at once)"]
    assert "demoting makes this site's copy of pool ceph-blockpool read-only" in bad[0][1]["msg"]
    for name in ("Check this site's cluster answers", "Find the Ceph toolbox", "Read the pool's mirror status"):
        assert name not in ran(tasks)


@pytest.mark.parametrize("action", ["demote", "resync", "failback"])
def test_the_apply_path_in_check_mode_against_an_unreachable_api_reads_and_runs_nothing(tmp_path, action):
    server, kubeconfig = unreachable_kubeconfig(tmp_path)
    result, tasks = run("dr_failover.yml", "dr_failover_action=" + action, "dr_failover_confirm=ceph-blockpool",
                        "privateai_kubeconfig=" + kubeconfig, "privateai_kube_context=ops@site",
                        "cluster_access_api_timeout=3", check=True)
    bad = failed(tasks)
    assert result.returncode != 0 and len(bad) == 1, bad
    assert bad[0][0] == "Assert the cluster answers before anything is read or changed"
    assert "dr_failover: 1 problem(s)" in bad[0][1]["msg"] and server in bad[0][1]["msg"]
    names = ran(tasks)
    assert "Read the pool's mirror status" not in names and COMMANDS not in names


def render(tmp_path, action, status, *extra, check=False):
    status_file = tmp_path / "status.json"
    status_file.write_text(status)
    render_dir = tmp_path / "render"
    result, tasks = run("dr_failover.yml", "dr_failover_action=" + action, "dr_failover_confirm=ceph-blockpool",
                        "privateai_k8s_mode=render", "privateai_render_dir=%s" % render_dir,
                        "dr_failover_status_file=%s" % status_file, *extra, check=check)
    return result, tasks, render_dir / "dr_failover" / ("%s.json" % action)


def test_render_mode_writes_the_resync_commands_from_the_saved_status(tmp_path):
    status = unit.status_text((unit.PVC, unit.SPLIT_BRAIN, unit.PRIMARY), (unit.PG, unit.REPLAYING, unit.PRIMARY))
    result, tasks, written = render(tmp_path, "resync", status)
    assert result.returncode == 0, failed(tasks)
    plan = json.loads(written.read_text())
    assert plan["commands"] == [["rbd", "mirror", "image", "resync", "ceph-blockpool/" + unit.PVC]]
    assert plan["status_command"] == ["rbd", "mirror", "pool", "status", "ceph-blockpool", "--verbose", "--format", "json"]
    assert plan["toolbox"] == {"namespace": "rook-ceph", "label_selector": "app=rook-ceph-tools"}
    names = ran(tasks)
    for name in ("Check this site's cluster answers", "Find the Ceph toolbox", "Read the pool's mirror status", COMMANDS):
        assert name not in names
    # Written once: the same plan again changes nothing.
    again, tasks, _written = render(tmp_path, "resync", status)
    assert again.returncode == 0
    writes = [res for name, res in tasks if name == "Write the plan with the commands it would run in the toolbox"]
    assert len(writes) == 1 and writes[0].get("changed") is False


def test_render_mode_refuses_a_failback_while_the_other_site_is_primary(tmp_path):
    status = unit.status_text((unit.PVC, unit.REPLAYING, unit.PRIMARY))
    result, tasks, written = render(tmp_path, "failback", status)
    bad = failed(tasks)
    assert result.returncode != 0 and [name for name, _res in bad] == ["Assert the action's preconditions hold (every problem at once)"]
    message = bad[0][1]["msg"]
    assert "dr_failover failback: 1 problem(s)" in message
    assert "pool ceph-blockpool image %s: site site-a is still primary" % unit.PVC in message
    assert not written.exists()


def test_render_in_check_mode_writes_nothing(tmp_path):
    status = unit.status_text((unit.PVC, unit.PRIMARY, unit.PRIMARY))
    result, tasks, written = render(tmp_path, "demote", status, check=True)
    assert result.returncode == 0, failed(tasks)
    assert not written.exists()


def test_render_mode_names_a_missing_status_file(tmp_path):
    missing = tmp_path / "no-such-status.json"
    result, tasks = run("dr_failover.yml", "dr_failover_action=status", "privateai_k8s_mode=render",
                        "privateai_render_dir=%s" % (tmp_path / "render"), "dr_failover_status_file=%s" % missing)
    bad = failed(tasks)
    assert result.returncode != 0 and [name for name, _res in bad] == ["Assert the saved status is a file"]
    assert "dr_failover_status_file is '%s': no such file on the control node" % missing in bad[0][1]["msg"]
    assert "rbd mirror pool status ceph-blockpool --verbose --format json" in bad[0][1]["msg"]
