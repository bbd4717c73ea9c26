# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rolling node maintenance's logic (plugins/plugin_utils/node_maintenance.py): batches and where it stops."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import node_maintenance as nm

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def defaults(**overrides):
    with open(os.path.join(ROOT, "roles", "node_maintenance", "defaults", "main.yml")) as handle:
        settings = yaml.safe_load(handle)
    del settings["node_maintenance_node_name"]  # per node, not a setting
    settings.update(overrides)
    return settings


def nodes(count):
    return [{"host": "gpu%02d" % i, "node": "gpu%02d.k8s.internal" % i} for i in range(1, count + 1)]


# (id, node count, batch size, expected batches as host lists)
BATCHES = [
    ("one at a time", 4, 1, [["gpu01"], ["gpu02"], ["gpu03"], ["gpu04"]]),
    ("two at a time", 5, 2, [["gpu01", "gpu02"], ["gpu03", "gpu04"], ["gpu05"]]),
    ("a single node", 1, 1, [["gpu01"]]),
    ("a single node, larger batch", 1, 3, [["gpu01"]]),
]


@pytest.mark.parametrize("count,size,expected", [c[1:] for c in BATCHES], ids=[c[0] for c in BATCHES])
def test_batches_keep_inventory_order(count, size, expected):
    plan = nm.maintenance_plan(defaults(node_maintenance_batch_size=size), nodes(count))
    assert plan["problems"] == []
    assert [[n["host"] for n in batch] for batch in plan["batches"]] == expected
    assert plan["batches"][0][0]["node"] == "gpu01.k8s.internal"


# (id, overrides, nodes, text every problem list must contain)
BAD = [
    ("batch of zero", {"node_maintenance_batch_size": 0}, nodes(3), ["node_maintenance_batch_size is 0"]),
    ("batch of every node", {"node_maintenance_batch_size": 3}, nodes(3), ["drains the whole cluster at once"]),
    ("drain timeout too short", {"node_maintenance_drain_timeout": 5}, nodes(2), ["node_maintenance_drain_timeout is 5"]),
    ("unknown action", {"node_maintenance_action": "upgrade"}, nodes(2), ["node_maintenance_action"]),
    ("no nodes", {}, [], ["matches no host of the inventory"]),
    ("node name not a name", {}, [{"host": "gpu01", "node": "GPU_01"}], ["the Kubernetes node name of gpu01"]),
    ("two hosts one node", {}, [{"host": "a", "node": "gpu01"}, {"host": "b", "node": "gpu01"}],
     ["hosts a and b both name the Kubernetes node gpu01"]),
    ("misspelt variable", {"node_maintenance_batch": 2}, nodes(2), ["node_maintenance_batch is not a setting"]),
]


@pytest.mark.parametrize("overrides,given,expected", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_is_refused_with_every_problem(overrides, given, expected):
    plan = nm.maintenance_plan(defaults(**overrides), given)
    assert plan["batches"] == []
    text = "\n".join(plan["problems"])
    for part in expected:
        assert part in text, text


def test_several_problems_come_at_once():
    plan = nm.maintenance_plan(defaults(node_maintenance_batch_size=0, node_maintenance_ready_timeout=1),
                               [{"host": "gpu01", "node": "Bad Name"}])
    assert len(plan["problems"]) == 3, plan["problems"]


HOSTS = ["gpu01", "gpu02", "gpu03", "gpu04"]
# (id, results, done, failed host, failed step, not started)
ROLLOUTS = [
    ("all done", dict((h, {"state": "done"}) for h in HOSTS), HOSTS, None, None, []),
    ("stops at the second node", {"gpu01": {"state": "done"},
                                  "gpu02": {"state": "failed", "step": "drain", "node": "gpu02.k8s.internal",
                                            "reason": "timed out waiting for PodDisruptionBudget serving/deepseek"}},
     ["gpu01"], "gpu02", "drain", ["gpu03", "gpu04"]),
    ("first node fails the gate", {"gpu01": {"state": "failed", "step": "gpu gate", "reason": "GPU 3 missing"}},
     [], "gpu01", "gpu gate", ["gpu02", "gpu03", "gpu04"]),
    ("two of a batch fail", {"gpu01": {"state": "done"}, "gpu02": {"state": "failed", "step": "ready", "reason": "x"},
                             "gpu03": {"state": "failed", "step": "change (reboot)", "reason": "y"}},
     ["gpu01"], "gpu02", "ready", ["gpu04"]),
]


@pytest.mark.parametrize("results,done,failed,step,not_started", [c[1:] for c in ROLLOUTS], ids=[c[0] for c in ROLLOUTS])
def test_rollout_report(results, done, failed, step, not_started):
    report = nm.rollout_report(HOSTS, results)
    assert report["done"] == done and report["not_started"] == not_started
    assert report["stopped"] is (failed is not None)
    if failed:
        assert report["failed"]["host"] == failed and report["failed"]["step"] == step
        stop = [line for line in report["lines"] if line.startswith("STOPPED")][0]
        assert "STOPPED at %s" % failed in stop and "left cordoned" in stop and nm.FAILED_ANNOTATION in stop
        assert report["failed"]["reason"] in stop
    else:
        assert report["failed"] is None and not [line for line in report["lines"] if line.startswith("STOPPED")]


def test_a_node_that_could_not_be_cordoned_is_said_so():
    report = nm.rollout_report(HOSTS, {"gpu01": {"state": "failed", "step": "drain", "reason": "API down",
                                                 "cordoned": False}})
    stop = [line for line in report["lines"] if line.startswith("STOPPED")][0]
    assert "could NOT be cordoned" in stop and "kubectl cordon gpu01" in stop and "left cordoned" not in stop


def test_a_second_failure_in_the_batch_is_named():
    report = nm.rollout_report(HOSTS, ROLLOUTS[3][1])
    assert report["failed"]["others"] == ["gpu03"]
    assert "also failed in the same batch (each marked as above): gpu03" in report["lines"]
