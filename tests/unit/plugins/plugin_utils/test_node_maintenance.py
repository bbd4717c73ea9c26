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


def test_reboot_without_api_is_a_setting_and_converted():
    plan = nm.maintenance_plan(defaults(node_maintenance_reboot_without_api="yes"), nodes(2))
    assert plan["problems"] == [] and plan["settings"]["reboot_without_api"] is True
    plan = nm.maintenance_plan(defaults(node_maintenance_reboot_without_api="ture"), nodes(2))
    assert [p for p in plan["problems"] if "node_maintenance_reboot_without_api" in p], plan["problems"]


# The reboot step of the GPU node software stage: how a node that needs a reboot is rebooted.
REASONS = ["nvidia_driver: the nvidia kernel module 580.105.08 is installed but not loaded"]
SERVER = "https://10.0.0.10:6443"
KUBECONFIG = "/srv/inventory/credentials/kubeconfig"
READ = {"problems": [], "server": SERVER, "host": "10.0.0.10", "port": 6443, "context": "ops@site", "proxy_url": ""}
SKIPPED = {"skipped": True, "changed": False}
TCP_OK = {"state": "started", "port": 6443}
TCP_DOWN = {"changed": False, "elapsed": 10, "msg": "Timeout when waiting for 10.0.0.10:6443"}
NODE_FOUND = {"resources": [{"kind": "Node", "metadata": {"name": "gpu01.k8s.internal"}}]}
NODE_ABSENT = {"resources": []}
API_ERROR = {"msg": "Failed to get client due to 401 Unauthorized"}


def cluster(mode="apply", path=KUBECONFIG, exists=True, kubeconfig=None, tcp=None):
    return nm.cluster_state(mode, path, exists, READ if kubeconfig is None else kubeconfig, TCP_OK if tcp is None else tcp, 10)


# (id, reasons, cluster, node lookup, allow flag, expected route, texts the why/message must contain)
ROUTES = [
    ("nothing pending", [], cluster(), NODE_FOUND, False, "none", ["no reboot pending"]),
    ("render mode: no cluster", REASONS, cluster(mode="render", exists=False, kubeconfig=SKIPPED, tcp=SKIPPED), SKIPPED,
     False, "plain", ["privateai_k8s_mode is render"]),
    ("no kubeconfig configured", REASONS, cluster(path="", exists=False, kubeconfig=SKIPPED, tcp=SKIPPED), SKIPPED, False,
     "plain", ["privateai_kubeconfig is empty"]),
    ("first install: kubeconfig not there yet", REASONS, cluster(exists=False, kubeconfig=SKIPPED, tcp=SKIPPED), SKIPPED,
     False, "plain", ["%s does not exist" % KUBECONFIG]),
    ("registered node", REASONS, cluster(), NODE_FOUND, False, "drain",
     ["a registered Node of the cluster at %s" % SERVER, "cordon, drain, reboot, GPU gate, Ready, uncordon"]),
    ("registered node, API through a proxy (no TCP wait)", REASONS, cluster(tcp=SKIPPED), NODE_FOUND, False, "drain", []),
    ("node not registered", REASONS, cluster(), NODE_ABSENT, False, "plain",
     ["not a registered Node of the cluster at %s" % SERVER, "node_maintenance_node_name"]),
    ("API unreachable", REASONS, cluster(tcp=TCP_DOWN), SKIPPED, False, "stop",
     ["gpu01 (Kubernetes node gpu01.k8s.internal) needs a reboot", SERVER, "no TCP connection to 10.0.0.10:6443",
      "node_maintenance_reboot_without_api: true", REASONS[0]]),
    ("API refuses the question", REASONS, cluster(), API_ERROR, False, "stop",
     ["did not say whether Node gpu01.k8s.internal exists: Failed to get client due to 401 Unauthorized", SERVER]),
    ("kubeconfig without the context", REASONS,
     cluster(kubeconfig={"problems": ["context ops@site is not in %s" % KUBECONFIG], "server": "", "context": ""},
             tcp=SKIPPED), SKIPPED, False, "stop", ["context ops@site is not in"]),
    ("API unreachable, plain reboot allowed", REASONS, cluster(tcp=TCP_DOWN), SKIPPED, True, "plain",
     ["WITHOUT draining because node_maintenance_reboot_without_api is true", "no TCP connection"]),
    ("allow flag does not skip the drain of a registered node", REASONS, cluster(), NODE_FOUND, True, "drain", []),
]


@pytest.mark.parametrize("reasons,state,lookup,allow,route,texts", [c[1:] for c in ROUTES], ids=[c[0] for c in ROUTES])
def test_reboot_route(reasons, state, lookup, allow, route, texts):
    out = nm.reboot_route("gpu01", "gpu01.k8s.internal", reasons, state, lookup, allow)
    assert out["route"] == route, out
    assert out["route"] in nm.ROUTES and out["reasons"] == reasons
    said = out["why"] + " " + out["message"]
    for text in texts:
        assert text in said, said
    if route != "none":
        assert out["message"].startswith("gpu01 (Kubernetes node gpu01.k8s.internal)")


def test_cluster_state_configured_only_in_apply_mode_with_an_existing_kubeconfig():
    assert cluster()["configured"] and cluster()["usable"]
    assert not cluster(mode="render")["configured"]
    assert not cluster(path="  ")["configured"]
    assert not cluster(exists=False)["configured"]
    down = cluster(tcp=TCP_DOWN)
    assert down["configured"] and not down["usable"] and SERVER in down["why"] and "ops@site" in down["why"]
    unread = cluster(kubeconfig=SKIPPED, tcp=SKIPPED)
    assert unread["configured"] and not unread["usable"] and "was not read" in unread["why"]


# The driver stage, BEFORE any package changes: would the driver change, and how is the change installed.
INSTALLED = {"nvidia-driver-cuda": {"version": "580.95.05-1", "held": True, "architecture": "amd64"},
             "nvidia-kernel-open-dkms": {"version": "580.95.05-1", "held": True, "architecture": "amd64"}}
SAME = {"nvidia-driver-cuda": "580.95.05-1", "nvidia-kernel-open-dkms": "580.95.05-1"}
NEWER = {"nvidia-driver-cuda": "580.105.08-1", "nvidia-kernel-open-dkms": "580.105.08-1"}
WITH_FM = dict(SAME, **{"nvidia-fabricmanager": "580.95.05-1"})

# (id, installed, planned, state, changes)
CHANGES = [
    ("same versions", INSTALLED, SAME, "none", []),
    ("new version", INSTALLED, NEWER, "change",
     ["nvidia-driver-cuda 580.95.05-1 -> 580.105.08-1", "nvidia-kernel-open-dkms 580.95.05-1 -> 580.105.08-1"]),
    ("fabric manager added beside the driver", INSTALLED, WITH_FM, "change",
     ["nvidia-fabricmanager (not installed) -> 580.95.05-1"]),
    ("other kernel module flavour", INSTALLED,
     {"nvidia-driver-cuda": "580.95.05-1", "nvidia-kernel-dkms": "580.95.05-1"}, "change",
     ["nvidia-kernel-dkms (not installed) -> 580.95.05-1"]),
    ("plain version strings", {"nvidia-driver-cuda": "580.95.05-1"}, {"nvidia-driver-cuda": "580.95.05-1"}, "none", []),
    ("first install", {}, NEWER, "first", []),
    ("nothing planned (skipped: no GPU, or an unpackaged driver that matches)", INSTALLED, {}, "none", []),
    ("nothing planned on a bare node", {}, None, "none", []),
]


@pytest.mark.parametrize("installed,planned,state,changes", [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES])
def test_driver_change(installed, planned, state, changes):
    out = nm.driver_change(installed, planned)
    assert out == {"state": state, "changes": changes}


CHANGE = nm.driver_change(INSTALLED, NEWER)
FIRST = nm.driver_change({}, NEWER)
NO_CHANGE = nm.driver_change(INSTALLED, SAME)

# (id, change, cluster, node lookup, allow flag, expected route, texts the why/message must contain)
DRIVER_ROUTES = [
    ("no change, registered node: installed live", NO_CHANGE, cluster(), NODE_FOUND, False, "live",
     ["the driver packages do not change", "install in place"]),
    ("no change, API down: live, the cluster is not needed", NO_CHANGE, cluster(tcp=TCP_DOWN), SKIPPED, False, "live",
     ["do not change"]),
    ("change outside a cluster (no kubeconfig)", CHANGE, cluster(path="", exists=False, kubeconfig=SKIPPED, tcp=SKIPPED),
     SKIPPED, False, "live", ["not part of a cluster", "install in place, for: nvidia-driver-cuda 580.95.05-1 -> 580.105.08-1"]),
    ("change in render mode", CHANGE, cluster(mode="render", exists=False, kubeconfig=SKIPPED, tcp=SKIPPED), SKIPPED,
     False, "live", ["privateai_k8s_mode is render"]),
    ("change on a node not registered", CHANGE, cluster(), NODE_ABSENT, False, "live",
     ["not a registered Node of the cluster at %s" % SERVER]),
    ("change in the cluster: drained", CHANGE, cluster(), NODE_FOUND, False, "drain",
     ["a registered Node of the cluster at %s" % SERVER, "cordon, drain, install, reboot, GPU gate, Ready, uncordon",
      "nvidia-kernel-open-dkms 580.95.05-1 -> 580.105.08-1"]),
    ("change in the cluster, allow flag does not skip the drain", CHANGE, cluster(), NODE_FOUND, True, "drain", []),
    ("first install on a registered node: live", FIRST, cluster(), NODE_FOUND, False, "live", ["first install"]),
    ("first install, API down: live", FIRST, cluster(tcp=TCP_DOWN), SKIPPED, False, "live", ["first install"]),
    ("change, API down: stop", CHANGE, cluster(tcp=TCP_DOWN), SKIPPED, False, "stop",
     ["gpu01 (Kubernetes node gpu01.k8s.internal): its driver would change (nvidia-driver-cuda 580.95.05-1 -> 580.105.08-1",
      "no TCP connection to 10.0.0.10:6443", "nothing was installed", SERVER,
      "node_maintenance_reboot_without_api: true to install and reboot it without draining"]),
    ("change, API refuses the question: stop", CHANGE, cluster(), API_ERROR, False, "stop",
     ["did not say whether Node gpu01.k8s.internal exists: Failed to get client due to 401 Unauthorized"]),
    ("change, API down, escape hatch: live", CHANGE, cluster(tcp=TCP_DOWN), SKIPPED, True, "live",
     ["installed WITHOUT draining because node_maintenance_reboot_without_api is true", "no TCP connection"]),
]


@pytest.mark.parametrize("change,state,lookup,allow,route,texts", [c[1:] for c in DRIVER_ROUTES],
                         ids=[c[0] for c in DRIVER_ROUTES])
def test_driver_route(change, state, lookup, allow, route, texts):
    out = nm.driver_route("gpu01", "gpu01.k8s.internal", change, state, lookup, allow)
    assert out["route"] == route, out
    assert out["route"] in nm.DRIVER_ROUTES and out["changes"] == change["changes"]
    said = out["why"] + " " + out["message"]
    for text in texts:
        assert text in said, said
    assert out["message"].startswith("gpu01 (Kubernetes node gpu01.k8s.internal)")


def test_the_filter_decides_the_driver_route_with_the_same_cluster_checks():
    from ansible_collections.privateai.deepseek_dify.plugins.filter.node_maintenance_route import node_maintenance_route
    common = dict(host="gpu01", node="gpu01.k8s.internal", mode="apply", kubeconfig_path=KUBECONFIG, kubeconfig_exists=True,
                  kubeconfig=READ, driver_installed=INSTALLED, driver_planned=NEWER)
    out = node_maintenance_route([], tcp=TCP_OK, lookup=NODE_FOUND, **common)
    assert (out["route"], out["change"]) == ("drain", "change")
    out = node_maintenance_route([], tcp=TCP_DOWN, lookup=SKIPPED, **common)
    assert (out["route"], out["change"]) == ("stop", "change")
    # Without driver_planned the filter still routes the reboot.
    out = node_maintenance_route(REASONS, host="gpu01", node="gpu01.k8s.internal", kubeconfig_path=KUBECONFIG,
                                 kubeconfig_exists=True, kubeconfig=READ, tcp=TCP_OK, lookup=NODE_FOUND)
    assert out["route"] == "drain" and "change" not in out
