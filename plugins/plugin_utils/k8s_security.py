# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks and stage building of the security stage (role security, stage ``security``).

``security_stage(settings)`` takes the role's variables by name (as the inventory gave them), converts every value
as the role's argument spec declares it, checks each value's syntax and the combinations that would break the stack
later, and builds the stage as data from the converted values, only when there is no problem:

* network: a default-deny NetworkPolicy (ingress and egress) in every namespace the stack owns (Dify, serving, the
  security stage's own, the site's tenant namespaces), then one policy per direction of every flow of ``FLOWS``
  (the table of what talks to what, as data), DNS for every pod, and the egress the site opens to named CIDRs.
  Egress to anything else, the internet included, stays denied.

The flows' endpoints are label selectors per workload (``security_workload_selectors``) in the namespaces of
``security_namespaces``; a namespace the stack does not default-deny (the ingress controller's, Prometheus',
rook-ceph's) only gets the policies on our side of the flow.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

PUBLISHED = ("security_k8s_stage", "security_outputs")
STAGE = "security"
NAMESPACE_LABEL = "kubernetes.io/metadata.name"

# The namespaces a flow can name (keys of security_namespaces) and those the stage default-denies.
NAMESPACE_KEYS = ("dify", "serving", "security", "object_store", "ingress", "monitoring", "dns", "cnpg")
OWNED = ("dify", "serving", "security")

# Every workload a flow names: (namespace key, what it is). Its pods are security_workload_selectors[<name>].
WORKLOADS = {
    "dify_web": ("dify", "Dify web (console UI)"),
    "dify_api": ("dify", "Dify API"),
    "dify_worker": ("dify", "Dify Celery worker"),
    "dify_beat": ("dify", "Dify Celery beat"),
    "dify_plugin_daemon": ("dify", "Dify plugin daemon"),
    "dify_sandbox": ("dify", "Dify code sandbox"),
    "dify_ssrf_proxy": ("dify", "Dify SSRF proxy"),
    "dify_postgres": ("dify", "PostgreSQL instances (CloudNativePG)"),
    "dify_redis": ("dify", "Redis"),
    "model_engines": ("serving", "model engines (vLLM/SGLang pods, leaders and workers)"),
    "model_weights": ("serving", "weights download Jobs"),
    "oauth2_proxy": ("security", "oauth2-proxy"),
    "object_store": ("object_store", "Ceph object gateway (RGW)"),
    "ingress_controller": ("ingress", "the ingress controller"),
    "prometheus": ("monitoring", "Prometheus"),
    "dns": ("dns", "cluster DNS"),
    "cnpg_operator": ("cnpg", "the CloudNativePG operator"),
}
SELECTOR_KEYS = ("matchLabels", "matchExpressions")
EXPRESSION_KEYS = ("key", "operator", "values")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")

# The flows the stack needs: (name, source workload, destination workload or "cidrs:<setting>", TCP ports (None:
# every port), condition). A condition names what must be on for the flow to exist ("auth": the OIDC front).
FLOWS = (
    ("ingress-to-dify-web", "ingress_controller", "dify_web", (3000,), None),
    ("ingress-to-dify-api", "ingress_controller", "dify_api", (5001,), None),
    ("ingress-to-model-api", "ingress_controller", "model_engines", (8000,), None),
    ("ingress-to-oauth2-proxy", "ingress_controller", "oauth2_proxy", (4180,), "auth"),
    ("oauth2-proxy-to-dify-web", "oauth2_proxy", "dify_web", (3000,), "auth"),
    ("oauth2-proxy-to-dify-api", "oauth2_proxy", "dify_api", (5001,), "auth"),
    ("oauth2-proxy-to-model-api", "oauth2_proxy", "model_engines", (8000,), "auth"),
    ("oauth2-proxy-to-idp", "oauth2_proxy", "cidrs:security_oidc_egress_cidrs", (443,), "auth"),
    ("dify-web-to-api", "dify_web", "dify_api", (5001,), None),
    ("dify-api-to-model", "dify_api", "model_engines", (8000,), None),
    ("dify-worker-to-model", "dify_worker", "model_engines", (8000,), None),
    ("dify-plugin-daemon-to-model", "dify_plugin_daemon", "model_engines", (8000,), None),
    ("dify-api-to-postgres", "dify_api", "dify_postgres", (5432,), None),
    ("dify-worker-to-postgres", "dify_worker", "dify_postgres", (5432,), None),
    ("dify-plugin-daemon-to-postgres", "dify_plugin_daemon", "dify_postgres", (5432,), None),
    ("postgres-replication", "dify_postgres", "dify_postgres", (5432,), None),
    ("cnpg-operator-to-postgres", "cnpg_operator", "dify_postgres", (8000,), None),
    ("postgres-to-api-server", "dify_postgres", "cidrs:security_api_server_cidrs", "api_server", None),
    ("dify-api-to-redis", "dify_api", "dify_redis", (6379,), None),
    ("dify-worker-to-redis", "dify_worker", "dify_redis", (6379,), None),
    ("dify-beat-to-redis", "dify_beat", "dify_redis", (6379,), None),
    ("dify-plugin-daemon-to-redis", "dify_plugin_daemon", "dify_redis", (6379,), None),
    ("dify-api-to-plugin-daemon", "dify_api", "dify_plugin_daemon", (5002,), None),
    ("dify-worker-to-plugin-daemon", "dify_worker", "dify_plugin_daemon", (5002,), None),
    ("dify-plugin-daemon-to-api", "dify_plugin_daemon", "dify_api", (5001,), None),
    ("dify-api-to-sandbox", "dify_api", "dify_sandbox", (8194,), None),
    ("dify-api-to-ssrf-proxy", "dify_api", "dify_ssrf_proxy", (3128,), None),
    ("dify-worker-to-ssrf-proxy", "dify_worker", "dify_ssrf_proxy", (3128,), None),
    ("dify-sandbox-to-ssrf-proxy", "dify_sandbox", "dify_ssrf_proxy", (3128,), None),
    ("dify-api-to-object-store", "dify_api", "object_store", (80,), None),
    ("dify-worker-to-object-store", "dify_worker", "object_store", (80,), None),
    ("dify-plugin-daemon-to-object-store", "dify_plugin_daemon", "object_store", (80,), None),
    ("prometheus-to-model-metrics", "prometheus", "model_engines", (8000,), None),
    ("prometheus-to-postgres-metrics", "prometheus", "dify_postgres", (9187,), None),
    ("prometheus-to-oauth2-proxy-metrics", "prometheus", "oauth2_proxy", (44180,), "auth"),
    # NCCL and the engines' own control traffic between the pods of a multi-node model (the RDMA fabric itself is
    # a secondary network NetworkPolicy does not govern).
    ("model-engines-to-each-other", "model_engines", "model_engines", None, None),
    ("model-weights-to-object-store", "model_weights", "object_store", (80,), None),
)
# Ambient mesh: ztunnel delivers to the destination pod on its HBONE port, and rewrites the kubelet's probes to
# come from this link-local address (Istio's documented NetworkPolicy requirements for ambient).
HBONE_PORT = 15008
PROBE_SOURCE = "169.254.7.127/32"
EGRESS_EXTRA_KEYS = ("name", "from", "cidrs", "ports")


def _ports(value, name, reader):
    out = []
    for index, port in enumerate(value or []):
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            reader.add(["%s[%d] is %s: give a TCP port number 1-65535" % (name, index, v.describe(port))])
        else:
            out.append(port)
    return out


def _cidrs(reader, name, value):
    out = []
    for index, cidr in enumerate(value or []):
        problems = v.check_cidr("%s[%d]" % (name, index), cidr)
        reader.add(problems)
        if not problems:
            out.append(cidr)
    return out


def check_selector(name, value):
    """A Kubernetes label selector {matchLabels, matchExpressions}, every key and value checked."""
    if not isinstance(value, dict) or not value:
        return ["%s is %s: give a label selector {matchLabels: {...}, matchExpressions: [...]}" % (name, v.describe(value))]
    problems = v.unknown_keys(name, value, SELECTOR_KEYS)
    if "matchLabels" in value:
        problems += v.check_labels(name + ".matchLabels", value["matchLabels"])
    for index, expression in enumerate(value.get("matchExpressions") or []):
        where = "%s.matchExpressions[%d]" % (name, index)
        if not isinstance(expression, dict):
            problems.append("%s is %s: give {key, operator, values}" % (where, v.describe(expression)))
            continue
        problems += v.unknown_keys(where, expression, EXPRESSION_KEYS)
        problems += v.check_label_key(where + ".key", expression.get("key"))
        operator = expression.get("operator")
        if operator not in OPERATORS:
            problems.append("%s.operator is %s: give one of %s" % (where, v.describe(operator), ", ".join(OPERATORS)))
        values = expression.get("values")
        if operator in ("In", "NotIn"):
            if not isinstance(values, list) or not values:
                problems.append("%s.values is %s: In and NotIn need a list of values" % (where, v.describe(values)))
            else:
                for item_index, item in enumerate(values):
                    problems += v.check_label_value("%s.values[%d]" % (where, item_index), item)
        elif values:
            problems.append("%s.values is %s: Exists and DoesNotExist take no values" % (where, v.describe(values)))
    if not isinstance(value.get("matchExpressions", []), list):
        problems.append("%s.matchExpressions is %s: give a list" % (name, v.describe(value.get("matchExpressions"))))
    return problems


def _namespaces(reader):
    value = reader.read("security_namespaces", v.to_dict)
    if value is None:
        return None
    problems = v.unknown_keys("security_namespaces", value, NAMESPACE_KEYS)
    for key in NAMESPACE_KEYS:
        if key not in value:
            problems.append("security_namespaces has no %s: give the namespace of %s" % (key, key))
        else:
            problems += v.check_dns_label("security_namespaces.%s" % key, value[key])
    reader.add(problems)
    return None if problems else dict(value)


def _selectors(reader):
    value = reader.read("security_workload_selectors", v.to_dict)
    if value is None:
        return None
    problems = v.unknown_keys("security_workload_selectors", value, sorted(WORKLOADS))
    for key in sorted(WORKLOADS):
        if key not in value:
            problems.append("security_workload_selectors has no %s: give the label selector of %s' pods"
                            % (key, WORKLOADS[key][1]))
        else:
            problems += check_selector("security_workload_selectors.%s" % key, value[key])
    reader.add(problems)
    return None if problems else copy.deepcopy(value)


def _egress_extra(reader, workloads):
    value = reader.read("security_egress_extra", v.to_list)
    out = []
    for index, item in enumerate(value or []):
        where = "security_egress_extra[%d]" % index
        if not isinstance(item, dict):
            reader.add(["%s is %s: give {name, from, cidrs, ports}" % (where, v.describe(item))])
            continue
        problems = v.unknown_keys(where, item, EGRESS_EXTRA_KEYS)
        problems += v.check_dns_label(where + ".name", item.get("name"))
        if item.get("from") not in workloads or WORKLOADS.get(item.get("from"), ("",))[0] not in OWNED:
            problems.append("%s.from is %s: give a workload of the stack's namespaces (%s)"
                            % (where, v.describe(item.get("from")),
                               ", ".join(sorted(k for k, (ns, _w) in WORKLOADS.items() if ns in OWNED))))
        if not isinstance(item.get("cidrs"), list) or not item.get("cidrs"):
            problems.append("%s.cidrs is %s: give the destination networks, such as [10.40.0.0/24]"
                            % (where, v.describe(item.get("cidrs"))))
        if not isinstance(item.get("ports"), list) or not item.get("ports"):
            problems.append("%s.ports is %s: give the TCP ports, such as [443]" % (where, v.describe(item.get("ports"))))
        reader.add(problems)
        if problems:
            continue
        before = len(reader.problems)
        cidrs = _cidrs(reader, where + ".cidrs", item["cidrs"])
        ports = _ports(item["ports"], where + ".ports", reader)
        if len(reader.problems) == before:
            out.append({"name": item["name"], "from": item["from"], "cidrs": cidrs, "ports": ports})
    return out


def read_network(reader, auth_enabled):
    """The network settings, converted and checked (None values where a problem was recorded)."""
    s = {"network_policies": reader.read("security_network_policies", v.to_bool)}
    s["namespaces"] = _namespaces(reader)
    s["selectors"] = _selectors(reader)
    s["tenant_namespaces"] = []
    for index, name in enumerate(reader.read("security_tenant_namespaces", v.to_list) or []):
        problems = v.check_dns_label("security_tenant_namespaces[%d]" % index, name)
        reader.add(problems)
        if not problems:
            s["tenant_namespaces"].append(name)
    s["api_server_cidrs"] = _cidrs(reader, "security_api_server_cidrs",
                                   reader.read("security_api_server_cidrs", v.to_list))
    s["api_server_port"] = reader.read("security_api_server_port", v.to_int)
    if s["api_server_port"] is not None and not 1 <= s["api_server_port"] <= 65535:
        reader.add(["security_api_server_port is %d: give the API server's port (6443)" % s["api_server_port"]])
    s["oidc_egress_cidrs"] = _cidrs(reader, "security_oidc_egress_cidrs",
                                    reader.read("security_oidc_egress_cidrs", v.to_list))
    s["egress_extra"] = _egress_extra(reader, WORKLOADS)
    if s["network_policies"] and not reader.settings.get("security_api_server_cidrs"):
        reader.add(["security_api_server_cidrs is empty: the PostgreSQL instances (CloudNativePG) talk to the "
                    "Kubernetes API server and egress is denied by default; give the API server addresses, such as "
                    "[10.0.0.10/32] (or set security_network_policies: false)"])
    if s["network_policies"] and auth_enabled and not reader.settings.get("security_oidc_egress_cidrs"):
        reader.add(["security_oidc_egress_cidrs is empty: oauth2-proxy must reach the OIDC issuer and egress is denied "
                    "by default; give the issuer's addresses, such as [10.20.0.15/32]"])
    if s["namespaces"]:
        owned = set(s["namespaces"][k] for k in OWNED)
        for name in s["tenant_namespaces"]:
            if name in owned:
                reader.add(["security_tenant_namespaces names '%s', a namespace of the stack: list only the site's "
                            "tenant namespaces" % name])
    return s


# --------------------------------------------------------------------------------------------- network build

def _policy(name, namespace, pod_selector, ingress=None, egress=None, description=None):
    spec = {"podSelector": copy.deepcopy(pod_selector), "policyTypes": []}
    if ingress is not None:
        spec["policyTypes"].append("Ingress")
        spec["ingress"] = ingress
    if egress is not None:
        spec["policyTypes"].append("Egress")
        spec["egress"] = egress
    manifest = {"phase": "post", "definition": {
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(kp.LABELS)}, "spec": spec}}
    if description:
        manifest["description"] = description
    return manifest


def _peer(namespace, selector, here):
    """A NetworkPolicy peer: the workload's pods, in their namespace."""
    peer = {"podSelector": copy.deepcopy(selector)}
    if namespace != here:
        peer["namespaceSelector"] = {"matchLabels": {NAMESPACE_LABEL: namespace}}
    return peer


def _port_list(ports):
    return [{"protocol": "TCP", "port": port} for port in ports]


def flows(s, auth_enabled):
    """The flows of this inventory: [{name, from, to, ports}], ``to`` a workload name or {"cidrs": [...]}."""
    out = []
    for name, source, dest, ports, condition in FLOWS:
        if condition == "auth" and not auth_enabled:
            continue
        if ports == "api_server":
            ports = (s["api_server_port"],)
        if dest.startswith("cidrs:"):
            cidrs = s[dest[len("cidrs:security_"):]]
            if not cidrs:
                continue
            dest = {"cidrs": list(cidrs)}
        out.append({"name": name, "from": source, "to": dest, "ports": list(ports) if ports else None})
    for item in s["egress_extra"]:
        out.append({"name": "extra-" + item["name"], "from": item["from"], "to": {"cidrs": list(item["cidrs"])},
                    "ports": list(item["ports"])})
    return out


def build_network(s, mesh_enabled, auth_enabled):
    namespaces, selectors = s["namespaces"], s["selectors"]
    owned = [namespaces[k] for k in OWNED] + list(s["tenant_namespaces"])
    manifests = []
    for namespace in owned:
        if namespace not in s["tenant_namespaces"]:
            manifests.append(_policy("privateai-default-deny", namespace, {}, ingress=[], egress=[],
                                     description="nothing in or out of %s unless a policy below allows it" % namespace))
        manifests.append(_policy("privateai-dns", namespace, {}, egress=[{
            "to": [_peer(namespaces["dns"], selectors["dns"], namespace)],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]))
        if mesh_enabled:
            manifests.append(_policy("privateai-mesh-probes", namespace, {}, ingress=[{
                "from": [{"ipBlock": {"cidr": PROBE_SOURCE}}]}],
                description="the kubelet's probes, which the ambient mesh sends from %s" % PROBE_SOURCE))
    for name in s["tenant_namespaces"]:
        # Selecting every pod for both directions, it is the tenant's default deny too.
        manifests.append(_policy("privateai-tenant-isolation", name, {}, ingress=[{"from": [{"podSelector": {}}]}],
                                 egress=[{"to": [{"podSelector": {}}]}],
                                 description="tenant %s: its pods talk to each other (and DNS), to nothing else" % name))
    for flow in flows(s, auth_enabled):
        src_ns = namespaces[WORKLOADS[flow["from"]][0]]
        src_sel = selectors[flow["from"]]
        ports = _port_list(flow["ports"]) if flow["ports"] else None
        if isinstance(flow["to"], dict):
            dst_ns, dst_sel = None, None
            dst_peers = [{"ipBlock": {"cidr": cidr}} for cidr in flow["to"]["cidrs"]]
        else:
            dst_ns = namespaces[WORKLOADS[flow["to"]][0]]
            dst_sel = selectors[flow["to"]]
            dst_peers = [_peer(dst_ns, dst_sel, src_ns)]
        if src_ns in owned:
            rule = {"to": dst_peers}
            if ports:
                rule["ports"] = ports
            manifests.append(_policy("privateai-%s-egress" % flow["name"], src_ns, src_sel, egress=[rule]))
        if dst_ns in owned:
            rule = {"from": [_peer(src_ns, src_sel, dst_ns)]}
            if ports:
                rule["ports"] = ports + (_port_list([HBONE_PORT]) if mesh_enabled else [])
            manifests.append(_policy("privateai-%s-ingress" % flow["name"], dst_ns, dst_sel, ingress=[rule]))
    return manifests


# --------------------------------------------------------------------------------------------- the stage

def security_stage(settings):
    """Every problem of the security settings at once, and the stage built from the converted values."""
    reader = v.Reader(dict(settings))
    enabled = reader.read("security_enabled", v.to_bool)
    out = {"problems": reader.problems, "warnings": [], "enabled": bool(enabled), "stage": None, "outputs": {}}
    if not enabled:
        out["stage"] = {"name": STAGE, "releases": [], "manifests": []}
        return out
    auth_enabled = False
    mesh_enabled = False
    network = read_network(reader, auth_enabled)
    for name in reader.unread():
        reader.add(["%s is not a setting of this role (a misspelt variable would be ignored): remove or correct it"
                    % name])
    if reader.problems:
        return out
    namespace = network["namespaces"]["security"]
    manifests = [kp._namespace(namespace, dict(kp.LABELS, **{"pod-security.kubernetes.io/enforce": "restricted"}),
                               "oauth2-proxy and the log shipper's configuration")]
    if network["network_policies"]:
        manifests += build_network(network, mesh_enabled, auth_enabled)
    else:
        out["warnings"].append("security_network_policies is false: no NetworkPolicy is rendered, every pod can reach "
                               "every other pod and the internet")
    out["stage"] = {"name": STAGE, "releases": [], "manifests": manifests}
    out["outputs"] = {"namespace": namespace,
                      "flows": [dict(f) for f in flows(network, auth_enabled)] if network["network_policies"] else []}
    return out
