# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of playbooks/node_maintenance.yml (role node_maintenance): its settings, the batches, and what a
rollout that stopped at a failing node leaves behind.

- ``maintenance_plan(settings, nodes)``: converts and checks the settings, checks the nodes (inventory host and
  Kubernetes node name, each once) and cuts them into batches in inventory order; ``{problems, settings, batches}``;
- ``rollout_report(nodes, results)``: from each node's result (``{state: done|failed, step, reason}``, or none when it
  was not reached), the nodes done, the node the rollout stopped at with its step and reason (left cordoned), the
  nodes not started; ``{done, failed, not_started, stopped, lines}``;
- ``reboot_route(...)``: how a node that an earlier role asked to reboot (the driver's new kernel module) is
  rebooted: not at all (no reason pending), plainly through roles/node_reboot (no cluster configured, or the node is
  not one of its Nodes), drained through the maintenance (a registered Node of the cluster), or not at all with a
  stop (the cluster is configured but its API did not answer, so nobody can tell whether the node runs workloads);
- ``driver_change(installed, planned)``: whether the driver stage would change the node's driver packages (the
  installed ones, as nvidia_driver_info reads them, against the exact versions apt_package_versions resolved);
- ``driver_route(...)``: how such a change is installed, decided BEFORE any package changes: live, as the stage always
  did (no change, a first install, not part of a cluster, not a registered Node), drained through the maintenance
  with the driver_upgrade action (a registered Node of the cluster: never new libraries beside the old kernel module
  while pods run), or stop (the cluster is configured but its API did not answer). The same cluster decision as
  ``reboot_route``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.k8s_apply_preflight import _one_line, _skipped

ACTIONS = ("reboot", "driver_upgrade", "none")
STEPS = ("drain", "change", "gpu gate", "ready", "uncordon")
FAILED_ANNOTATION = "privateai.io/maintenance-failed"


def maintenance_plan(settings, nodes):
    """``nodes``: [{host, node}] in inventory order (the inventory host and its Kubernetes node name)."""
    reader = v.Reader(dict(settings))
    s = {}
    s["action"] = reader.read("node_maintenance_action", v.to_choice, ACTIONS)
    s["batch_size"] = reader.read("node_maintenance_batch_size", v.to_int)
    for name, low in (("drain_timeout", 30), ("ready_timeout", 60), ("pod_grace_period", -1)):
        s[name] = reader.read("node_maintenance_" + name, v.to_int)
        if s[name] is not None and s[name] < low:
            reader.add(["node_maintenance_%s is %d: give %d or more" % (name, s[name], low)])
    for name in ("gpu_gate", "delete_emptydir_data"):
        s[name] = reader.read("node_maintenance_" + name, v.to_bool)
    s["hosts"] = reader.read("node_maintenance_hosts", v.to_str)
    s["reboot_without_api"] = reader.read("node_maintenance_reboot_without_api", v.to_bool)
    for name in reader.unread():
        reader.add(["%s is not a setting of the node maintenance (a misspelt variable would be ignored): remove or "
                    "correct it" % name])
    seen = {}
    checked = []
    for index, item in enumerate(nodes or []):
        host, node = item.get("host"), item.get("node")
        problems = v.check_dns_subdomain("the Kubernetes node name of %s (node_maintenance_node_name)" % host, node)
        if node in seen:
            problems.append("hosts %s and %s both name the Kubernetes node %s: give each its own "
                            "node_maintenance_node_name" % (seen[node], host, node))
        seen.setdefault(node, host)
        reader.add(problems)
        if not problems:
            checked.append({"host": host, "node": node})
    if not nodes:
        reader.add(["node_maintenance_hosts is %s and matches no host of the inventory: give the GPU nodes to maintain "
                    "(a group or host pattern)" % v.describe(s["hosts"])])
    size = s["batch_size"]
    if size is not None:
        if size < 1:
            reader.add(["node_maintenance_batch_size is %d: give how many nodes are drained at the same time, 1 or more "
                        "(0 would be Ansible's 'all at once')" % size])
        elif nodes and size >= len(nodes) and len(nodes) > 1:
            reader.add(["node_maintenance_batch_size is %d but there are %d nodes: a batch of every node drains the "
                        "whole cluster at once; give fewer than %d" % (size, len(nodes), len(nodes))])
    batches = []
    if not reader.problems:
        batches = [checked[i:i + size] for i in range(0, len(checked), size)]
    return {"problems": reader.problems, "settings": s, "batches": batches}


def rollout_report(nodes, results):
    """``nodes``: the hosts in rollout order; ``results``: {host: {state, step, reason, node}} of the hosts reached."""
    done, failed, not_started = [], None, []
    for host in nodes:
        result = (results or {}).get(host) or {}
        state = result.get("state")
        if state == "done":
            done.append(host)
        elif state == "failed" and failed is None:
            failed = {"host": host, "node": result.get("node") or host, "step": result.get("step") or "?",
                      "reason": result.get("reason") or "no reason recorded",
                      "cordoned": result.get("cordoned", True) is not False}
        elif state == "failed":
            # Another node of the same batch failed too: it is left cordoned as well.
            failed.setdefault("others", []).append(host)
        else:
            not_started.append(host)
    lines = ["done: %s" % (", ".join(done) or "none")]
    if failed and failed["cordoned"]:
        lines.append("STOPPED at %s (Kubernetes node %s): step %s failed: %s. The node is left cordoned with the "
                     "annotation %s; fix it, then uncordon it (kubectl uncordon %s) or run the playbook again for it"
                     % (failed["host"], failed["node"], failed["step"], failed["reason"], FAILED_ANNOTATION,
                        failed["node"]))
    elif failed:
        lines.append("STOPPED at %s (Kubernetes node %s): step %s failed: %s. The node could NOT be cordoned and "
                     "annotated (the cluster did not take it): check it and cordon it by hand (kubectl cordon %s) "
                     "before it takes work again" % (failed["host"], failed["node"], failed["step"], failed["reason"],
                                                     failed["node"]))
    if failed and failed.get("others"):
        lines.append("also failed in the same batch (each marked as above): %s" % ", ".join(failed["others"]))
    lines.append("not started: %s" % (", ".join(not_started) or "none"))
    return {"done": done, "failed": failed, "not_started": not_started, "stopped": failed is not None, "lines": lines}


ROUTES = ("none", "plain", "drain", "stop")


def cluster_state(mode, kubeconfig_path, kubeconfig_exists, kubeconfig, tcp, api_timeout=10):
    """Whether the cluster is configured and, if so, whether its API answered, from the control host's checks.

    ``mode``: privateai_k8s_mode (render: no cluster); ``kubeconfig_path``: privateai_kubeconfig; ``kubeconfig_exists``:
    whether that file is on the control host (absent: a first install before Kubernetes exists); ``kubeconfig``: the
    registered result of kubeconfig_info (``problems``, ``server``, ``host``, ``port``, ``context``); ``tcp``: that of
    the TCP wait for the API server (``state`` only on success). Returns ``{configured, usable, server, context, why}``:
    ``why`` says why the cluster is not configured (not usable: what is wrong with it)."""
    state = {"configured": False, "usable": False, "server": "", "context": "", "why": ""}
    mode = str(mode or "apply")
    path = str(kubeconfig_path or "").strip()
    if mode != "apply":
        state["why"] = "privateai_k8s_mode is %s (the Kubernetes stages only render)" % mode
        return state
    if not path:
        state["why"] = "no kubeconfig is configured (privateai_kubeconfig is empty)"
        return state
    if not kubeconfig_exists:
        state["why"] = "the kubeconfig %s does not exist (no cluster yet: a first install before Kubernetes)" % path
        return state
    state["configured"] = True
    kubeconfig = kubeconfig if isinstance(kubeconfig, dict) else {}
    state["server"] = str(kubeconfig.get("server") or "?")
    state["context"] = str(kubeconfig.get("context") or "?")
    problems = [str(p) for p in kubeconfig.get("problems") or []]
    if _skipped(kubeconfig):
        problems.append("the kubeconfig %s was not read" % path)
    if problems:
        state["why"] = "the kubeconfig %s is not usable: %s" % (path, "; ".join(problems))
    elif not _skipped(tcp) and "state" not in tcp:
        state["why"] = ("its API server %s (context %s, kubeconfig %s) did not answer: no TCP connection to %s:%s within "
                        "%s s" % (state["server"], state["context"], path, kubeconfig.get("host"), kubeconfig.get("port"),
                                  api_timeout))
    else:
        state["usable"] = True
    return state


def _membership(node, cluster, lookup):
    """``(True|False|None, why)``: the node is a registered Node of a configured, answering cluster (True), is not
    part of a cluster or not registered (False), or nobody can tell (None: configured, but no answer)."""
    cluster = cluster if isinstance(cluster, dict) else {}
    if not cluster.get("configured"):
        return False, "not part of a cluster: %s" % (cluster.get("why") or "no cluster configured")
    if cluster.get("usable") and not _skipped(lookup) and "resources" in lookup:
        if lookup.get("resources"):
            return True, "a registered Node of the cluster at %s" % cluster.get("server")
        return False, ("not a registered Node of the cluster at %s (not joined yet; a host whose Kubernetes name "
                       "differs needs node_maintenance_node_name)" % cluster.get("server"))
    if cluster.get("usable"):
        error = _one_line(lookup.get("msg", "no answer") if isinstance(lookup, dict) else "not asked")
        return None, ("the API server %s (context %s) did not say whether Node %s exists: %s"
                      % (cluster.get("server"), cluster.get("context"), node, error))
    return None, cluster.get("why") or "the cluster did not answer"


def reboot_route(host, node, reasons, cluster, lookup=None, allow_without_api=False):
    """How ``host`` (Kubernetes node ``node``) is rebooted for ``reasons`` (the reasons still pending).

    ``cluster``: ``cluster_state()``; ``lookup``: the registered result of kubernetes.core.k8s_info for the Node
    ``node`` (``resources`` on an answer; ``msg`` on an error; skipped when the cluster was not asked).
    ``allow_without_api``: node_maintenance_reboot_without_api, a plain reboot when the API does not answer.
    Returns ``{route, node, reasons, why, message}``; ``route`` is one of ROUTES, ``message`` one line for the
    operator (for ``stop``: the node, the API server and the fix)."""
    reasons = [str(r) for r in reasons or []]
    out = {"route": "none", "node": node, "reasons": reasons, "why": "", "message": ""}
    where = "%s (Kubernetes node %s)" % (host, node)
    if not reasons:
        out["why"] = "no reboot pending"
        out["message"] = "%s: no reboot pending" % where
        return out
    member, why = _membership(node, cluster, lookup)
    if member is not None:
        out["route"] = "drain" if member else "plain"
        out["why"] = why
    else:
        problem = why
        cluster = cluster if isinstance(cluster, dict) else {}
        if allow_without_api:
            out["route"] = "plain"
            out["why"] = ("%s; rebooted WITHOUT draining because node_maintenance_reboot_without_api is true (the pods "
                          "on it stop without eviction)" % problem)
        else:
            out["route"] = "stop"
            out["why"] = problem
            out["message"] = (
                "%s needs a reboot (%s) and a cluster is configured, but %s. Without the API nobody can tell whether the "
                "node runs workloads, so it is neither drained nor rebooted blindly. Fix: bring the API server %s back "
                "or correct privateai_kubeconfig / privateai_kube_context, then run the stage again (the reboot reasons "
                "are found again); or set node_maintenance_reboot_without_api: true to reboot it without draining"
                % (where, "; ".join(reasons), problem, cluster.get("server") or "?"))
            return out
    verb = {"plain": "reboot (no drain)", "drain": "cordon, drain, reboot, GPU gate, Ready, uncordon"}[out["route"]]
    out["message"] = "%s: %s; %s, for: %s" % (where, out["why"], verb, "; ".join(reasons))
    return out


DRIVER_ROUTES = ("live", "drain", "stop")


def _version(entry):
    if isinstance(entry, dict):
        entry = entry.get("version")
    return str(entry) if entry not in (None, "") else None


def driver_change(installed, planned):
    """Whether installing ``planned`` ({package: exact version}, apt_package_versions' ``packages``) changes the
    driver of a node whose driver packages are ``installed`` ({package: {version, ...}} or {package: version},
    nvidia_driver_info's ``packages``).

    Returns ``{state, changes}``: ``state`` is ``first`` (no driver package installed: a first install), ``none`` (every
    planned package is installed at its planned version, or nothing is planned) or ``change``; ``changes`` lists each
    package that moves, ``name old -> new`` (``name (not installed) -> new`` for one the plan adds, such as the fabric
    manager or the other kernel module flavour)."""
    installed = installed if isinstance(installed, dict) else {}
    planned = planned if isinstance(planned, dict) else {}
    have = dict((str(name), _version(entry)) for name, entry in installed.items() if _version(entry))
    if not planned:
        return {"state": "none", "changes": []}
    if not have:
        return {"state": "first", "changes": []}
    changes = []
    for name in sorted(planned):
        want = _version(planned[name])
        if have.get(name) != want:
            changes.append("%s %s -> %s" % (name, have.get(name) or "(not installed)", want))
    return {"state": "change" if changes else "none", "changes": changes}


def driver_route(host, node, change, cluster, lookup=None, allow_without_api=False):
    """How the driver stage installs ``change`` (``driver_change()``) on ``host`` (Kubernetes node ``node``).

    ``cluster``, ``lookup`` and ``allow_without_api`` as for ``reboot_route`` (the lookup is asked only for a node
    whose driver changes). Returns ``{route, node, changes, why, message}``; ``route`` is one of DRIVER_ROUTES:
    ``live`` (installed in place, today's path), ``drain`` (cordon, drain, install, reboot, GPU gate, Ready, uncordon,
    a batch at a time) or ``stop`` (nothing is installed; ``message`` names the node, the API server and the fix)."""
    change = change if isinstance(change, dict) else {}
    changes = [str(c) for c in change.get("changes") or []]
    out = {"route": "live", "node": node, "changes": changes, "why": "", "message": ""}
    where = "%s (Kubernetes node %s)" % (host, node)
    state = change.get("state") or "none"
    if state == "first":
        out["why"] = "first install of the driver (no driver package on the node: nothing runs on it yet)"
    elif state != "change":
        out["why"] = "the driver packages do not change"
    else:
        member, why = _membership(node, cluster, lookup)
        if member:
            out["route"] = "drain"
            out["why"] = why
        elif member is False:
            out["why"] = why
        elif allow_without_api:
            out["why"] = ("%s; installed WITHOUT draining because node_maintenance_reboot_without_api is true (pods on it "
                          "may meet the new libraries before the reboot loads the new kernel module)" % why)
        else:
            out["route"] = "stop"
            out["why"] = why
            out["message"] = (
                "%s: its driver would change (%s) and a cluster is configured, but %s. Without the API nobody can tell "
                "whether the node runs workloads, and new driver libraries beside the old kernel module break them, so "
                "nothing was installed. Fix: bring the API server %s back or correct privateai_kubeconfig / "
                "privateai_kube_context, then run the stage again; or set node_maintenance_reboot_without_api: true to "
                "install and reboot it without draining"
                % (where, "; ".join(changes), why, (cluster if isinstance(cluster, dict) else {}).get("server") or "?"))
            return out
    verb = {"live": "install in place", "drain": "cordon, drain, install, reboot, GPU gate, Ready, uncordon"}[out["route"]]
    out["message"] = "%s: %s; %s%s" % (where, out["why"], verb,
                                       (", for: %s" % "; ".join(changes)) if changes else "")
    return out
