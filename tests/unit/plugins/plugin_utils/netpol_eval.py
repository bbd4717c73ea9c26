# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An evaluator of NetworkPolicies as Kubernetes defines them (networking.k8s.io/v1), for the tests.

Written from the API reference, independent of the code that builds the policies:

* a pod is isolated for egress (ingress) when some policy of its namespace selects it (podSelector) and has Egress
  (Ingress) among its policyTypes (absent policyTypes: Ingress, plus Egress when the policy has egress rules);
* a connection is allowed when the source may send it (not isolated for egress, or some egress rule of a selecting
  policy admits the destination and the port) AND the destination may receive it (the same for ingress); traffic
  from or to the outside of the cluster only needs our end's side;
* a rule with no peers admits every peer, with no ports every port; a peer with podSelector only means pods of the
  policy's namespace, namespaceSelector only every pod of the selected namespaces, both the pods of those namespaces
  that match; ipBlock matches addresses outside the cluster (cidr minus except), never pods here;
* a port entry: protocol (default TCP), port (absent: every port) up to endPort.
Named ports are not used by the stack and count as no match.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

NAMESPACE_LABEL = "kubernetes.io/metadata.name"


def pod(namespace, labels=None, name=None):
    return {"namespace": namespace, "labels": dict(labels or {}), "name": name or namespace}


def external(address):
    return {"ip": address, "name": address}


def selects(selector, labels):
    """Whether a LabelSelector matches ``labels`` (an empty selector matches everything)."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def policy_types(policy):
    spec = policy["spec"]
    if spec.get("policyTypes"):
        return spec["policyTypes"]
    return ["Ingress"] + (["Egress"] if "egress" in spec else [])


def _namespace_labels(namespace):
    return {NAMESPACE_LABEL: namespace}


def _peer_matches(peer, policy_namespace, other):
    if "ip" in other:
        block = peer.get("ipBlock")
        if not block:
            return False
        address = ipaddress.ip_address(other["ip"])
        if address not in ipaddress.ip_network(block["cidr"]):
            return False
        return not any(address in ipaddress.ip_network(cidr) for cidr in block.get("except") or [])
    if "ipBlock" in peer:
        return False
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], _namespace_labels(other["namespace"])):
            return False
    elif other["namespace"] != policy_namespace:
        return False
    if "podSelector" in peer:
        return selects(peer["podSelector"], other["labels"])
    return True


def _port_matches(entries, port, protocol):
    if not entries:
        return True
    for entry in entries:
        if entry.get("protocol", "TCP") != protocol:
            continue
        if "port" not in entry:
            return True
        if not isinstance(entry["port"], int):
            continue
        if entry["port"] <= port <= entry.get("endPort", entry["port"]):
            return True
    return False


def _side_allows(policies, me, other, port, protocol, direction):
    """Whether ``me`` may send to (direction Egress) or receive from (Ingress) ``other``."""
    if "ip" in me:
        return True
    selecting = [p for p in policies if p["metadata"]["namespace"] == me["namespace"]
                 and direction in policy_types(p) and selects(p["spec"].get("podSelector", {}), me["labels"])]
    if not selecting:
        return True
    rules_key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    for policy in selecting:
        for rule in policy["spec"].get(rules_key) or []:
            peers = rule.get(peers_key) or []
            if peers and not any(_peer_matches(peer, policy["metadata"]["namespace"], other) for peer in peers):
                continue
            if _port_matches(rule.get("ports"), port, protocol):
                return True
    return False


def allowed(policies, source, destination, port, protocol="TCP"):
    """Whether the NetworkPolicies let ``source`` open a connection to ``destination`` on ``port``."""
    policies = [p for p in policies if p.get("kind") == "NetworkPolicy"]
    return (_side_allows(policies, source, destination, port, protocol, "Egress")
            and _side_allows(policies, destination, source, port, protocol, "Ingress"))


def table_failures(policies, needed, denied):
    """Every (flow, expectation) of the two tables the policies do not meet, as text."""
    out = []
    for name, source, destination, port, protocol in needed:
        if not allowed(policies, source, destination, port, protocol):
            out.append("needed flow %s is denied" % name)
    for name, source, destination, port, protocol in denied:
        if allowed(policies, source, destination, port, protocol):
            out.append("flow %s must be denied but is allowed" % name)
    return out
