# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of playbooks/node_maintenance.yml (role node_maintenance): its settings, the batches, and what a
rollout that stopped at a failing node leaves behind.

- ``maintenance_plan(settings, nodes)``: converts and checks the settings, checks the nodes (inventory host and
  Kubernetes node name, each once) and cuts them into batches in inventory order; ``{problems, settings, batches}``;
- ``rollout_report(nodes, results)``: from each node's result (``{state: done|failed, step, reason}``, or none when it
  was not reached), the nodes done, the node the rollout stopped at with its step and reason (left cordoned), the
  nodes not started; ``{done, failed, not_started, stopped, lines}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

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
