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
``security_namespaces``. The platform namespaces (PLATFORM: cert-manager, the GPU and Network Operators, rook-ceph,
LeaderWorkerSet, KEDA, CloudNativePG, monitoring, Velero, istio-system, the Fluent Bit namespace) are default-denied
too, each only where its stage installs it (``stack``: the other stages' ``<role>_enabled`` settings); a namespace the
stack does not install (the ingress controller's, kube-system) only gets the policies on our side of the flow. Pods
on the host network (HOST_NETWORK) are not governed by NetworkPolicy; their traffic is named by address
(``security_node_cidrs``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os
import re

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_dify
from ansible.module_utils.six.moves.urllib.parse import urlsplit

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_render
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

PUBLISHED = ("security_k8s_stage", "security_outputs")
# Read by the role's tasks, not by the stage builder (the file the cookie secret is generated into).
TASK_ONLY = ("security_oauth2_proxy_cookie_secret_file", "security_host_check")
STAGE = "security"
NAMESPACE_LABEL = "kubernetes.io/metadata.name"

# The namespaces a flow can name (keys of security_namespaces) and those the stage default-denies.
NAMESPACE_KEYS = ("dify", "serving", "security", "object_store", "ingress", "monitoring", "dns", "cnpg", "mesh", "logging",
                  "cert_manager", "gpu_operator", "network_operator", "lws", "keda", "backup")
OWNED = ("dify", "serving", "security")
# The platform namespaces, default-denied (ingress and egress) where the stack installs them: the key of
# security_namespaces, and the other stages' settings (``stack``) that must all be on for it to be installed (the
# security stage's own mesh and logging namespaces: its own settings). object_store is Rook's namespace (operator,
# CSI, Ceph daemons: internal and external mode alike).
PLATFORM = (
    ("cert_manager", ("cert_manager_enabled",)),
    ("gpu_operator", ("gpu_operator_enabled",)),
    ("network_operator", ("network_operator_enabled",)),
    ("object_store", ("rook_ceph_enabled",)),
    ("lws", ("model_serving_enabled", "model_serving_lws_enabled")),
    ("keda", ("model_serving_enabled", "model_serving_keda_enabled")),
    ("cnpg", ("cloudnative_pg_enabled",)),
    ("monitoring", ("observability_enabled",)),
    ("backup", ("backup_enabled",)),
    ("mesh", ()),
    ("logging", ()),
)
# The other stages' settings the platform flows depend on (read from ``stack`` like EGRESS_VARIABLES).
PLATFORM_VARIABLES = tuple(sorted(set(name for _key, names in PLATFORM for name in names))) + (
    "rook_ceph_mode", "backup_location", "backup_s3", "observability_alert_receivers",
    # The namespaces the serving stage rendered earlier in the run (its LeaderWorkerSet controller and KEDA are
    # installed only where a model needs them); absent when the security stage runs alone.
    "model_serving_k8s_namespaces")
# The platform keys whose namespace the serving stage renders only where a model needs it.
SERVING_RENDERED = ("lws", "keda")
# Pods of the stack on the host network: NetworkPolicy does not govern them (their traffic is the node's). Flows to
# them are egress to security_node_cidrs; flows from them ingress from security_node_cidrs.
HOST_NETWORK = (
    ("monitoring", "prometheus-node-exporter (kube-prometheus-stack): Prometheus scrapes it on the nodes' 9100"),
    ("object_store", "Ceph CSI node plugins (Rook): the kernel RBD/CephFS clients of every mounted volume"),
    ("network_operator", "the RDMA shared device plugin and the OFED/IPoIB operands (hostNetwork DaemonSets)"),
)
# Pod Security levels are per namespace: security_pod_security.

# The port the Ceph object gateway's pods listen on (Rook: the Service's port 80 goes to the pods' 8080; a
# NetworkPolicy sees the pod's port).
RGW_PORT = 8080
# Every workload a flow names: (namespace key, what it is). Its pods are security_workload_selectors[<name>].
WORKLOADS = {
    "dify_web": ("dify", "Dify web (console UI)"),
    "dify_api": ("dify", "Dify API"),
    "dify_worker": ("dify", "Dify Celery worker"),
    "dify_beat": ("dify", "Dify Celery beat"),
    "dify_plugin_daemon": ("dify", "Dify plugin daemon"),
    "dify_sandbox": ("dify", "Dify code sandbox"),
    "dify_ssrf_proxy": ("dify", "Dify SSRF proxy"),
    "dify_proxy": ("dify", "Dify's nginx front (the Ingress' backend)"),
    "dify_weaviate": ("dify", "Weaviate (dify_vector_store: weaviate)"),
    "dify_postgres": ("dify", "PostgreSQL instances and their initdb/join Jobs (CloudNativePG)"),
    "dify_redis": ("dify", "Redis"),
    "model_engines": ("serving", "model engines (vLLM/SGLang pods, leaders and workers)"),
    "model_weights": ("serving", "weights download Jobs"),
    "oauth2_proxy": ("security", "oauth2-proxy"),
    "object_store": ("object_store", "Ceph object gateway (RGW)"),
    "ingress_controller": ("ingress", "the ingress controller"),
    "prometheus": ("monitoring", "Prometheus"),
    "dns": ("dns", "cluster DNS"),
    "cnpg_operator": ("cnpg", "the CloudNativePG operator"),
    "waypoint": ("serving", "the serving namespace's waypoint (Istio)"),
    "istiod": ("mesh", "istiod"),
    # The platform namespaces' workloads (the pods each chart or operator makes; *_pods: every pod of the namespace).
    "cert_manager_pods": ("cert_manager", "cert-manager's pods (controller, cainjector, webhook, startupapicheck)"),
    "cert_manager_controller": ("cert_manager", "the cert-manager controller"),
    "cert_manager_webhook": ("cert_manager", "cert-manager's admission webhook"),
    "gpu_operator_pods": ("gpu_operator", "the GPU Operator, its NFD and the operands it runs"),
    "gpu_operator": ("gpu_operator", "the GPU Operator's controller"),
    "dcgm_exporter": ("gpu_operator", "the DCGM exporter (made by the GPU Operator)"),
    "network_operator_pods": ("network_operator", "the Network Operator and its operands"),
    "rook_ceph_pods": ("object_store", "Rook's pods: operator, CSI controller plugins, Ceph daemons, tools"),
    "ceph_daemons": ("object_store", "the Ceph daemons (mon, mgr, OSD, MDS, RGW, made by Rook)"),
    "ceph_mgr": ("object_store", "the Ceph manager (made by Rook)"),
    "lws_pods": ("lws", "the LeaderWorkerSet controller's pods"),
    "lws_controller": ("lws", "the LeaderWorkerSet controller (its webhook)"),
    "keda_pods": ("keda", "KEDA's operator, metrics API server and admission webhooks"),
    "keda_operator": ("keda", "the KEDA operator"),
    "keda_metrics_apiserver": ("keda", "KEDA's metrics API server"),
    "keda_webhooks": ("keda", "KEDA's admission webhooks"),
    "cnpg_pods": ("cnpg", "the CloudNativePG operator's pods"),
    "prometheus_operator": ("monitoring", "the Prometheus operator"),
    "prometheus_admission_jobs": ("monitoring", "the Prometheus operator's webhook certificate Jobs"),
    "kube_state_metrics": ("monitoring", "kube-state-metrics"),
    "grafana": ("monitoring", "Grafana"),
    "alertmanager": ("monitoring", "Alertmanager (made by the Prometheus operator)"),
    "velero_pods": ("backup", "Velero's pods (server, node agents, the CRD upgrade Job)"),
    "velero": ("backup", "the Velero server and node agents"),
    "istio_cni": ("mesh", "the Istio CNI node agent"),
    "ztunnel": ("mesh", "ztunnel (the ambient mesh's node proxy)"),
    "fluent_bit": ("logging", "Fluent Bit"),
}
SELECTOR_KEYS = ("matchLabels", "matchExpressions")
EXPRESSION_KEYS = ("key", "operator", "values")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")

# The flows the stack needs: (name, source workload, destination workload or "cidrs:<setting>", TCP ports (None:
# every port), condition). A condition names what must be on for the flow to exist ("auth": the OIDC front).
FLOWS = (
    # The Dify chart's Ingress points at its nginx front (Service dify:80, pods on 8080), which routes to web, api
    # and the plugin daemon's endpoints (/e/).
    ("ingress-to-dify-proxy", "ingress_controller", "dify_proxy", (8080,), None),
    ("dify-proxy-to-web", "dify_proxy", "dify_web", (3000,), None),
    ("dify-proxy-to-api", "dify_proxy", "dify_api", (5001,), None),
    ("dify-proxy-to-plugin-daemon", "dify_proxy", "dify_plugin_daemon", (5002,), None),
    ("ingress-to-model-api", "ingress_controller", "model_engines", (8000,), None),
    ("ingress-to-oauth2-proxy", "ingress_controller", "oauth2_proxy", (4180,), "auth"),
    ("oauth2-proxy-to-idp", "oauth2_proxy", "cidrs:security_oidc_egress_cidrs", (443,), "auth"),
    ("dify-web-to-api", "dify_web", "dify_api", (5001,), None),
    ("dify-api-to-model", "dify_api", "model_engines", (8000,), None),
    ("dify-worker-to-model", "dify_worker", "model_engines", (8000,), None),
    ("dify-plugin-daemon-to-model", "dify_plugin_daemon", "model_engines", (8000,), None),
    # The SSRF proxy's allowlist (k8s_dify) lets Dify's outbound HTTP reach the model Services.
    ("dify-ssrf-proxy-to-model", "dify_ssrf_proxy", "model_engines", (8000,), None),
    ("dify-api-to-postgres", "dify_api", "dify_postgres", (5432,), None),
    ("dify-worker-to-postgres", "dify_worker", "dify_postgres", (5432,), None),
    ("dify-plugin-daemon-to-postgres", "dify_plugin_daemon", "dify_postgres", (5432,), None),
    ("postgres-replication", "dify_postgres", "dify_postgres", (5432,), None),
    ("cnpg-operator-to-postgres", "cnpg_operator", "dify_postgres", (8000,), None),
    # Continuous WAL archive and base backups (dify_postgres_backup: bucket) into the Ceph object gateway.
    ("postgres-to-object-store", "dify_postgres", "object_store", (RGW_PORT,), None),
    ("postgres-to-api-server", "dify_postgres", "cidrs:security_api_server_cidrs", "api_server", None),
    ("dify-api-to-redis", "dify_api", "dify_redis", (6379,), None),
    ("dify-worker-to-redis", "dify_worker", "dify_redis", (6379,), None),
    ("dify-beat-to-redis", "dify_beat", "dify_redis", (6379,), None),
    ("dify-plugin-daemon-to-redis", "dify_plugin_daemon", "dify_redis", (6379,), None),
    ("dify-api-to-plugin-daemon", "dify_api", "dify_plugin_daemon", (5002,), None),
    ("dify-worker-to-plugin-daemon", "dify_worker", "dify_plugin_daemon", (5002,), None),
    ("dify-plugin-daemon-to-api", "dify_plugin_daemon", "dify_api", (5001,), None),
    ("dify-api-to-weaviate", "dify_api", "dify_weaviate", (8080, 50051), None),
    ("dify-worker-to-weaviate", "dify_worker", "dify_weaviate", (8080, 50051), None),
    ("dify-api-to-sandbox", "dify_api", "dify_sandbox", (8194,), None),
    # Workflows run by the Celery worker (published apps, triggers) run their code nodes in the sandbox too.
    ("dify-worker-to-sandbox", "dify_worker", "dify_sandbox", (8194,), None),
    ("dify-api-to-ssrf-proxy", "dify_api", "dify_ssrf_proxy", (3128,), None),
    ("dify-worker-to-ssrf-proxy", "dify_worker", "dify_ssrf_proxy", (3128,), None),
    ("dify-sandbox-to-ssrf-proxy", "dify_sandbox", "dify_ssrf_proxy", (3128,), None),
    ("dify-api-to-object-store", "dify_api", "object_store", (RGW_PORT,), None),
    ("dify-worker-to-object-store", "dify_worker", "object_store", (RGW_PORT,), None),
    ("dify-plugin-daemon-to-object-store", "dify_plugin_daemon", "object_store", (RGW_PORT,), None),
    ("prometheus-to-model-metrics", "prometheus", "model_engines", (8000,), None),
    ("prometheus-to-postgres-metrics", "prometheus", "dify_postgres", (9187,), None),
    ("prometheus-to-oauth2-proxy-metrics", "prometheus", "oauth2_proxy", (44180,), "auth"),
    # NCCL and the engines' own control traffic between the pods of a multi-node model (the RDMA fabric itself is
    # a secondary network NetworkPolicy does not govern).
    ("model-engines-to-each-other", "model_engines", "model_engines", None, None),
    ("model-weights-to-object-store", "model_weights", "object_store", (RGW_PORT,), None),
    # With the OIDC front the model Services go through the serving namespace's waypoint (Istio ambient): every
    # client of the model API reaches the waypoint on HBONE, the waypoint the engines; it takes its configuration
    # from istiod.
    ("waypoint-to-model", "waypoint", "model_engines", (8000,), "auth"),
    ("waypoint-to-istiod", "waypoint", "istiod", (15012,), "auth"),
    # --- The platform namespaces (platform-netpol). A condition here is a tuple of facts that must all hold: a
    # PLATFORM key (its namespace is installed), ceph_internal (Rook runs the Ceph daemons), backup_object_store /
    # backup_s3 (where Velero writes). A source "cidrs:<setting>" is a peer outside the pod network: the API server
    # calling an admission webhook (security_webhook_source_cidrs, default security_api_server_cidrs), the nodes
    # (security_node_cidrs: kernel Ceph clients, host-network pods).
    # Operators and controllers watch and write the Kubernetes API (their own pods only, every pod of a namespace
    # where the chart's hook Jobs carry no label or every pod there is a controller).
    ("cert-manager-to-api-server", "cert_manager_pods", "cidrs:security_api_server_cidrs", "api_server", ("cert_manager",)),
    ("gpu-operator-to-api-server", "gpu_operator_pods", "cidrs:security_api_server_cidrs", "api_server", ("gpu_operator",)),
    ("network-operator-to-api-server", "network_operator_pods", "cidrs:security_api_server_cidrs", "api_server",
     ("network_operator",)),
    # The operator, the CSI controller plugins and the manager's rook module all talk to the API.
    ("rook-ceph-to-api-server", "rook_ceph_pods", "cidrs:security_api_server_cidrs", "api_server", ("object_store",)),
    ("lws-to-api-server", "lws_pods", "cidrs:security_api_server_cidrs", "api_server", ("lws",)),
    ("keda-to-api-server", "keda_pods", "cidrs:security_api_server_cidrs", "api_server", ("keda",)),
    ("cnpg-operator-to-api-server", "cnpg_pods", "cidrs:security_api_server_cidrs", "api_server", ("cnpg",)),
    ("prometheus-to-api-server", "prometheus", "cidrs:security_api_server_cidrs", "api_server", ("monitoring",)),
    ("prometheus-operator-to-api-server", "prometheus_operator", "cidrs:security_api_server_cidrs", "api_server",
     ("monitoring",)),
    ("prometheus-admission-jobs-to-api-server", "prometheus_admission_jobs", "cidrs:security_api_server_cidrs",
     "api_server", ("monitoring",)),
    ("kube-state-metrics-to-api-server", "kube_state_metrics", "cidrs:security_api_server_cidrs", "api_server",
     ("monitoring",)),
    # Grafana's sidecar loads the dashboards from ConfigMaps.
    ("grafana-to-api-server", "grafana", "cidrs:security_api_server_cidrs", "api_server", ("monitoring",)),
    ("velero-to-api-server", "velero_pods", "cidrs:security_api_server_cidrs", "api_server", ("backup",)),
    ("istiod-to-api-server", "istiod", "cidrs:security_api_server_cidrs", "api_server", ("mesh",)),
    ("istio-cni-to-api-server", "istio_cni", "cidrs:security_api_server_cidrs", "api_server", ("mesh",)),
    # Fluent Bit's kubernetes filter reads the pods' metadata.
    ("fluent-bit-to-api-server", "fluent_bit", "cidrs:security_api_server_cidrs", "api_server", ("logging",)),
    # The API server calls the admission webhooks (and KEDA's external metrics API) on the pods' target ports.
    ("api-server-to-cert-manager-webhook", "cidrs:security_webhook_source_cidrs", "cert_manager_webhook", (10250,),
     ("cert_manager",)),
    ("api-server-to-cnpg-webhook", "cidrs:security_webhook_source_cidrs", "cnpg_operator", (9443,), ("cnpg",)),
    ("api-server-to-lws-webhook", "cidrs:security_webhook_source_cidrs", "lws_controller", (9443,), ("lws",)),
    ("api-server-to-keda-webhooks", "cidrs:security_webhook_source_cidrs", "keda_webhooks", (9443,), ("keda",)),
    ("api-server-to-keda-metrics-apiserver", "cidrs:security_webhook_source_cidrs", "keda_metrics_apiserver", (6443,),
     ("keda",)),
    ("api-server-to-prometheus-operator-webhook", "cidrs:security_webhook_source_cidrs", "prometheus_operator",
     (10250,), ("monitoring",)),
    ("api-server-to-istiod-webhook", "cidrs:security_webhook_source_cidrs", "istiod", (15017,), ("mesh",)),
    # KEDA: the metrics API server asks the operator (gRPC); the operator queries Prometheus (prometheus triggers).
    ("keda-metrics-apiserver-to-operator", "keda_metrics_apiserver", "keda_operator", (9666,), ("keda",)),
    ("keda-operator-to-prometheus", "keda_operator", "prometheus", (9090,), ("keda", "monitoring")),
    # Prometheus to every exporter it scrapes: the targets of the stack's ServiceMonitors (the observability stage's,
    # kube-prometheus-stack's and Velero's; pod ports; node-exporter and the kubelet on the nodes' addresses). The
    # GPU Operator's, the CloudNativePG operator's, istiod's and ztunnel's metrics are not scraped by the stack (no
    # monitor selects them), so no flow opens them; a site adding such a monitor adds its flow here.
    ("prometheus-to-cert-manager-metrics", "prometheus", "cert_manager_controller", (9402,), ("monitoring", "cert_manager")),
    ("prometheus-to-dcgm-exporter", "prometheus", "dcgm_exporter", (9400,), ("monitoring", "gpu_operator")),
    ("prometheus-to-ceph-mgr", "prometheus", "ceph_mgr", (9283,), ("monitoring", "object_store", "ceph_internal")),
    ("prometheus-to-velero-metrics", "prometheus", "velero", (8085,), ("monitoring", "backup")),
    ("prometheus-to-fluent-bit-metrics", "prometheus", "fluent_bit", (2020,), ("monitoring", "logging")),
    ("prometheus-to-kube-state-metrics", "prometheus", "kube_state_metrics", (8080, 8081), ("monitoring",)),
    ("prometheus-to-prometheus-operator", "prometheus", "prometheus_operator", (10250,), ("monitoring",)),
    ("prometheus-to-grafana", "prometheus", "grafana", (3000,), ("monitoring",)),
    # Alertmanager's web port (alerts, its metrics) and its config reloader's metrics.
    ("prometheus-to-alertmanager", "prometheus", "alertmanager", (9093, 8080), ("monitoring",)),
    ("prometheus-to-coredns-metrics", "prometheus", "dns", (9153,), ("monitoring",)),
    # node-exporter, the kubelet (cAdvisor), kube-proxy, the control plane's controller manager, scheduler and etcd
    # metrics: all on the nodes' addresses.
    ("prometheus-to-nodes", "prometheus", "cidrs:security_node_cidrs", (9100, 10250, 10249, 10257, 10259, 2381),
     ("monitoring",)),
    ("grafana-to-prometheus", "grafana", "prometheus", (9090,), ("monitoring",)),
    ("grafana-to-alertmanager", "grafana", "alertmanager", (9093,), ("monitoring",)),
    # The configured receivers (SMTP relay, webhooks, WeChat Work's gateway): optional, a warning when empty.
    ("alertmanager-to-receivers", "alertmanager", "cidrs:security_alertmanager_egress_cidrs", "alertmanager",
     ("monitoring",)),
    # Ceph among itself: monitors (msgr2 3300, v1 6789), OSD/MGR/MDS (6800-7300); from every Rook pod (operator, CSI
    # controller plugins, the daemons) and from the nodes (kernel RBD/CephFS clients, CSI node plugins).
    ("rook-ceph-to-ceph-daemons", "rook_ceph_pods", "ceph_daemons", (3300, 6789, (6800, 7300)),
     ("object_store", "ceph_internal")),
    ("nodes-to-ceph-daemons", "cidrs:security_node_cidrs", "ceph_daemons", (3300, 6789, (6800, 7300)),
     ("object_store", "ceph_internal")),
    # rook_ceph_mode external: the site's Ceph cluster (monitors and OSDs) outside the pod network.
    ("rook-ceph-to-external-ceph", "rook_ceph_pods", "cidrs:security_ceph_external_cidrs", (3300, 6789, (6800, 7300)),
     ("object_store", "ceph_external")),
    # Velero (server and node agents' file-system backups) to the object store it writes to.
    ("velero-to-object-store", "velero", "object_store", (RGW_PORT,), ("backup", "backup_object_store", "object_store")),
    ("velero-to-offsite-s3", "velero", "cidrs:security_backup_s3_cidrs", "backup_s3", ("backup", "backup_s3")),
    # The ambient mesh's data plane takes its configuration and certificates from istiod.
    ("ztunnel-to-istiod", "ztunnel", "istiod", (15012,), ("mesh",)),
    # Fluent Bit to the SIEM sink (security_audit_sink's port).
    ("fluent-bit-to-siem", "fluent_bit", "cidrs:security_audit_sink_cidrs", "audit_sink", ("logging",)),
    # --- Continuous profiling (observability_profiling_enabled; the fact "profiling"): Grafana queries Pyroscope,
    # the agent on every node (Alloy) pushes to it and reads the API server (pod discovery). Pyroscope itself
    # connects to nothing outside its namespace (profiles on its own volume), so it has no egress flow.
    ("grafana-to-pyroscope", "grafana", "pyroscope", (4040,), ("monitoring", "profiling")),
    ("profiling-agent-to-pyroscope", "profiling_agent", "pyroscope", (4040,), ("monitoring", "profiling")),
    ("profiling-agent-to-api-server", "profiling_agent", "cidrs:security_api_server_cidrs", "api_server", ("monitoring", "profiling")),
    # --- console-auth: the Dify console behind oauth2-proxy (dify_console_auth_enabled, security_console_front) ---
    # Its connections are all above: the ingress controller asks oauth2-proxy (/oauth2/auth) for each browser request
    # and sends the Dify host's /oauth2 path to it ("ingress-to-oauth2-proxy", port 4180), oauth2-proxy talks to the
    # IdP ("oauth2-proxy-to-idp") and proxies nothing (its upstream is static://202), and both Dify Ingresses name the
    # chart's nginx front, as the chart's Ingress did ("ingress-to-dify-proxy"). No flow is added here: a new one
    # would be a connection the front does not make. tests/k8s/test_console_auth.py evaluates each Ingress backend
    # against the rendered policies.
)
# The workloads of the profiling flows (monitoring namespace; Grafana is above): the pyroscope chart's Pyroscope and
# its Alloy agent (their pods are security_workload_selectors[<name>]).
WORKLOADS.update({
    "pyroscope": ("monitoring", "Pyroscope (continuous profiling)"),
    "profiling_agent": ("monitoring", "the profiling agent (Grafana Alloy, one per node)"),
})
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


def _platform_cidr_problems(settings, s, stack):
    """A flow the installed platform needs whose peer outside the pod network is an empty CIDR variable."""
    facts, out = s["facts"], []
    needs = []
    if "ceph_internal" in facts:
        needs.append(("security_node_cidrs", "the nodes' kernel RBD/CephFS clients and Ceph CSI node plugins (host "
                      "network) reach the Ceph monitors and OSDs", "[192.0.2.0/24]"))
    elif "monitoring" in facts:
        needs.append(("security_node_cidrs", "Prometheus scrapes node-exporter and the kubelets on the nodes' "
                      "addresses", "[192.0.2.0/24]"))
    if "ceph_external" in facts:
        needs.append(("security_ceph_external_cidrs", "rook_ceph_mode is external: Rook's pods and CSI reach the "
                      "site's Ceph monitors and OSDs", "[10.50.0.0/24]"))
    if "backup_s3" in facts:
        needs.append(("security_backup_s3_cidrs", "backup_location is s3: Velero writes to the off-site S3 endpoint "
                      "(%s)" % ((stack or {}).get("backup_s3") or {}).get("url", "backup_s3.url"), "[198.51.100.20/32]"))
    if "logging" in facts:
        needs.append(("security_audit_sink_cidrs", "Fluent Bit ships to security_audit_sink (%s)"
                      % (s.get("audit_sink_host") or "its host"), "[10.60.0.5/32]"))
    for name, why, example in needs:
        if not settings.get(name):
            out.append("%s is empty: %s, which the default deny blocks without them; give their addresses, such as %s (or set "
                       "security_network_policies: false)" % (name, why, example))
    return out


def stack_network_warnings(network, stack):
    """Optional platform flows left closed: Alertmanager's receivers without security_alertmanager_egress_cidrs."""
    if not network["network_policies"] or "monitoring" not in network["facts"]:
        return []
    receivers = (stack or {}).get("observability_alert_receivers")
    if receivers and not isinstance(receivers, str) and not network["alertmanager_egress_cidrs"]:
        return ["observability_alert_receivers names %d receiver(s) but security_alertmanager_egress_cidrs is empty: "
                "Alertmanager's egress is denied, no alert leaves the cluster; give the SMTP relay's, webhooks' and "
                "WeChat Work gateway's addresses" % len(receivers)]
    return []


def _egress_extra(reader, workloads, platform=()):
    value = reader.read("security_egress_extra", v.to_list)
    out = []
    for index, item in enumerate(value or []):
        where = "security_egress_extra[%d]" % index
        if not isinstance(item, dict):
            reader.add(["%s is %s: give {name, from, cidrs, ports}" % (where, v.describe(item))])
            continue
        problems = v.unknown_keys(where, item, EGRESS_EXTRA_KEYS)
        problems += v.check_dns_label(where + ".name", item.get("name"))
        denied = set(OWNED) | set(platform)
        if item.get("from") not in workloads or WORKLOADS.get(item.get("from"), ("",))[0] not in denied:
            problems.append("%s.from is %s: give a workload of the stack's default-denied namespaces (%s)"
                            % (where, v.describe(item.get("from")),
                               ", ".join(sorted(k for k, (ns, _w) in WORKLOADS.items() if ns in denied))))
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


def platform_facts(stack, mesh_enabled, audit_sink, namespaces=None):
    """(installed PLATFORM keys, facts) from the other stages' settings (``stack``, absent settings count as on:
    the stages' defaults) and this stage's own: which platform namespaces the stack installs, whether Rook runs the
    Ceph daemons (ceph_internal) or uses the site's (ceph_external), where Velero writes (backup_object_store,
    backup_s3). Where the serving stage rendered earlier in the run (``model_serving_k8s_namespaces``), the
    LeaderWorkerSet and KEDA namespaces count only when it rendered them (``namespaces``: security_namespaces)."""
    stack = stack or {}
    rendered = stack.get("model_serving_k8s_namespaces")
    installed = []
    for key, names in PLATFORM:
        if key == "mesh":
            on = mesh_enabled
        elif key == "logging":
            on = bool(audit_sink)
        else:
            on = all(_on(stack, name) for name in names)
        if on and key in SERVING_RENDERED and isinstance(rendered, list):
            on = namespaces is None or namespaces.get(key) in rendered
        if on:
            installed.append(key)
    facts = set(installed)
    if "object_store" in facts:
        facts.add("ceph_external" if stack.get("rook_ceph_mode") == "external" else "ceph_internal")
    if "backup" in facts:
        facts.add("backup_s3" if stack.get("backup_location") == "s3" else "backup_object_store")
    if profiling_on(stack):
        facts.add("profiling")
    return installed, facts


def _url_port(url):
    """The TCP port of an http(s) URL (its explicit port, else 443/80), None when it is not one (the URL's syntax is
    the backup stage's check)."""
    try:
        parts = urlsplit(str(url or ""))
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return port or (443 if parts.scheme == "https" else 80)


def read_network(reader, auth_enabled, stack=None, mesh_enabled=True, audit_sink=None):
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
    for name in ("webhook_source_cidrs", "node_cidrs", "alertmanager_egress_cidrs", "audit_sink_cidrs",
                 "backup_s3_cidrs", "ceph_external_cidrs"):
        s[name] = _cidrs(reader, "security_" + name, reader.read("security_" + name, v.to_list))
    # The API server calls the webhooks from the control-plane nodes: by default the API server's own addresses.
    s["webhook_source_cidrs"] = s["webhook_source_cidrs"] or list(s["api_server_cidrs"])
    s["alertmanager_egress_ports"] = _ports(reader.read("security_alertmanager_egress_ports", v.to_list),
                                            "security_alertmanager_egress_ports", reader)
    s["platform"], s["facts"] = platform_facts(stack, mesh_enabled, audit_sink, s["namespaces"])
    if auth_enabled:
        s["facts"].add("auth")
    s["audit_sink_port"] = (audit_sink or {}).get("port")
    s["audit_sink_host"] = (audit_sink or {}).get("host")
    s["backup_s3_port"] = _url_port(((stack or {}).get("backup_s3") or {}).get("url")) or 443
    s["egress_extra"] = _egress_extra(reader, WORKLOADS, s["platform"])
    if s["network_policies"]:
        reader.add(_platform_cidr_problems(reader.settings, s, stack))
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
    """NetworkPolicy ports of TCP port numbers and (first, last) ranges."""
    out = []
    for port in ports:
        if isinstance(port, (tuple, list)):
            out.append({"protocol": "TCP", "port": port[0], "endPort": port[1]})
        else:
            out.append({"protocol": "TCP", "port": port})
    return out


def _holds(condition, facts):
    """Whether a flow's condition holds: None always, a fact name, or a tuple of facts that must all hold."""
    if condition is None:
        return True
    if isinstance(condition, str):
        return condition in facts
    return all(fact in facts for fact in condition)


# Flow ports named by a setting rather than given as numbers.
NAMED_PORTS = {"api_server": lambda s: (s["api_server_port"],),
               "alertmanager": lambda s: tuple(s["alertmanager_egress_ports"]),
               "backup_s3": lambda s: (s["backup_s3_port"],),
               "audit_sink": lambda s: (s["audit_sink_port"],)}


def flows(s, auth_enabled):
    """The flows of this inventory: [{name, from, to, ports}], ``from``/``to`` a workload name or {"cidrs": [...]}."""
    facts = set(s.get("facts") or ())
    if auth_enabled:
        facts.add("auth")
    out = []
    for name, source, dest, ports, condition in FLOWS:
        if not _holds(condition, facts):
            continue
        if ports in NAMED_PORTS:
            ports = NAMED_PORTS[ports](s)
        ends = []
        for end in (source, dest):
            if end.startswith("cidrs:"):
                cidrs = s[end[len("cidrs:security_"):]]
                end = {"cidrs": list(cidrs)} if cidrs else None
            ends.append(end)
        if None in ends:
            continue  # an optional peer outside the cluster the site did not name (a required one is a problem)
        source, dest = ends
        out.append({"name": name, "from": source, "to": dest, "ports": list(ports) if ports else None})
        # Prometheus scrapes the pods' own addresses and the engines of a multi-node model reach each other through
        # their headless Service: neither passes the waypoint (which takes Service traffic).
        if dest == "model_engines" and auth_enabled and source not in ("waypoint", "prometheus", "model_engines"):
            out.append({"name": name + "-via-waypoint", "from": source, "to": "waypoint", "ports": [HBONE_PORT]})
    for item in s["egress_extra"]:
        out.append({"name": "extra-" + item["name"], "from": item["from"], "to": {"cidrs": list(item["cidrs"])},
                    "ports": list(item["ports"])})
    return out


def denied_namespaces(s):
    """The namespaces default-denied: dify, serving, security and every platform namespace the stack installs."""
    namespaces = s["namespaces"]
    out = []
    for key in OWNED + tuple(s.get("platform") or ()):
        if namespaces[key] not in out:
            out.append(namespaces[key])
    return out


def _end(s, end, here=None):
    """(namespace or None, selector or None, peers) of a flow's end; peers as seen from namespace ``here``."""
    if isinstance(end, dict):
        return None, None, [{"ipBlock": {"cidr": cidr}} for cidr in end["cidrs"]]
    namespace = s["namespaces"][WORKLOADS[end][0]]
    selector = s["selectors"][end]
    return namespace, selector, [_peer(namespace, selector, here)]


def build_network(s, mesh_enabled, auth_enabled):
    namespaces, selectors = s["namespaces"], s["selectors"]
    denied = denied_namespaces(s)
    owned = denied + list(s["tenant_namespaces"])
    ambient = set(namespaces[k] for k in AMBIENT) | set(s["tenant_namespaces"])
    manifests = []
    for namespace in owned:
        if namespace not in s["tenant_namespaces"]:
            # In the ambient mesh the kubelet's probes come from a link-local address (Istio's documented
            # requirement for NetworkPolicy in ambient); nothing else comes in or goes out.
            probes = [{"from": [{"ipBlock": {"cidr": PROBE_SOURCE}}]}] if mesh_enabled and namespace in ambient else []
            manifests.append(_policy("privateai-default-deny", namespace, {}, ingress=probes, egress=[],
                                     description="nothing in or out of %s unless a policy below allows it" % namespace))
        manifests.append(_policy("privateai-dns", namespace, {}, egress=[{
            "to": [_peer(namespaces["dns"], selectors["dns"], namespace)],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]))
    for name in s["tenant_namespaces"]:
        # Selecting every pod for both directions, it is the tenant's default deny too.
        same = [{"from": [{"podSelector": {}}]}] + ([{"from": [{"ipBlock": {"cidr": PROBE_SOURCE}}]}] if mesh_enabled else [])
        manifests.append(_policy("privateai-tenant-isolation", name, {}, ingress=same,
                                 egress=[{"to": [{"podSelector": {}}]}],
                                 description="tenant %s: its pods talk to each other (and DNS), to nothing else" % name))
    for flow in flows(s, auth_enabled):
        src_ns, src_sel, _peers = _end(s, flow["from"])
        dst_ns, dst_sel, dst_peers = _end(s, flow["to"], src_ns)
        ports = _port_list(flow["ports"]) if flow["ports"] else None
        if ports and mesh_enabled and src_ns in ambient and dst_ns in ambient and HBONE_PORT not in flow["ports"]:
            # In the ambient mesh the connection leaves and reaches the pods as HBONE on 15008.
            ports = ports + _port_list([HBONE_PORT])
        if src_ns in owned:
            rule = {"to": dst_peers}
            if ports:
                rule["ports"] = ports
            manifests.append(_policy("privateai-%s-egress" % flow["name"], src_ns, src_sel, egress=[rule]))
        if dst_ns in owned:
            rule = {"from": _end(s, flow["from"], dst_ns)[2]}
            if ports:
                rule["ports"] = ports
            manifests.append(_policy("privateai-%s-ingress" % flow["name"], dst_ns, dst_sel, ingress=[rule]))
    return manifests


# --------------------------------------------------------------------------------------------- the stage

PSA_LEVELS = ("privileged", "baseline", "restricted")


def _pod_security(reader):
    value = reader.read("security_pod_security", v.to_dict)
    if value is None:
        return None
    problems = v.unknown_keys("security_pod_security", value, OWNED)
    for key in OWNED:
        if value.get(key) not in PSA_LEVELS:
            problems.append("security_pod_security.%s is %s: give one of %s"
                            % (key, v.describe(value.get(key)), ", ".join(PSA_LEVELS)))
    reader.add(problems)
    return None if problems else dict(value)


def _namespace_labels(network, mesh, identity, psa):
    """The labels the stage owns on the stack's namespaces (server-side apply merges them with the other stages'):
    Pod Security (enforced at the level each workload allows, warned and audited at restricted), the ambient
    mesh's enrolment, the serving namespace's waypoint."""
    namespaces = network["namespaces"]
    out = []
    for key in AMBIENT if mesh["enabled"] else OWNED:
        labels = {}
        if key in OWNED:
            labels.update({"pod-security.kubernetes.io/enforce": psa[key],
                           "pod-security.kubernetes.io/warn": "restricted",
                           "pod-security.kubernetes.io/audit": "restricted"})
        if mesh["enabled"]:
            labels["istio.io/dataplane-mode"] = "ambient"
        if key == "serving" and identity["enabled"]:
            labels["istio.io/use-waypoint"] = WAYPOINT
        labels.update(kp.LABELS)
        out.append(kp._namespace(namespaces[key], labels, PSA_REASONS.get(key)))
    return out


PSA_REASONS = {
    "dify": "Dify: the chart's images run as root without a seccomp profile (baseline)",
    "serving": "serving: multi-node engines add IPC_LOCK for RDMA and weights may be a hostPath (privileged)",
    "security": "oauth2-proxy runs as non-root, read-only, no capabilities (restricted)",
}


# The other stages' settings that make a workload connect outside the flow table (read with the image settings):
# where the serving stage's weights Jobs download from, the Dify plugin daemon's pip mirror.
EGRESS_VARIABLES = ("model_serving_enabled", "model_serving_weights_source", "model_serving_weights_endpoint",
                    "dify_enabled", "dify_plugin_pip_mirror_url",
                    # Whether the profiling flows exist (profiling_on).
                    "observability_enabled", "observability_profiling_enabled")


def profiling_on(stack):
    """Whether the monitoring stage runs continuous profiling (its flows then belong to the table)."""
    stack = stack or {}
    return stack.get("observability_profiling_enabled") is not None and _on(stack, "observability_enabled") \
        and _on(stack, "observability_profiling_enabled")


WEIGHTS_HOSTS = {"huggingface": "https://huggingface.co", "modelscope": "https://www.modelscope.cn"}


def stack_egress_warnings(network, stack):
    """Warnings for egress another stage needs that no security_egress_extra opens: the serving stage's weights Jobs
    downloading from outside the cluster (model_serving_weights_source huggingface or modelscope), the Dify plugin
    daemon installing plugin dependencies from dify_plugin_pip_mirror_url. Without it the Job or the install fails."""
    stack = stack or {}
    if not network["network_policies"]:
        return []
    opened = set(item["from"] for item in network["egress_extra"])
    out = []
    source = stack.get("model_serving_weights_source")
    if source in WEIGHTS_HOSTS and _on(stack, "model_serving_enabled") and "model_weights" not in opened:
        where = stack.get("model_serving_weights_endpoint") or WEIGHTS_HOSTS[source]
        if "{{" in str(where):
            where = "model_serving_weights_endpoint"
        out.append("model_serving_weights_source is %s: the weights download Jobs fetch from %s, but egress is denied; "
                   "add security_egress_extra [{name: weights-mirror, from: model_weights, cidrs: [<its addresses>], "
                   "ports: [443]}] or the Jobs fail (weights already on the volume: ignore this)" % (source, where))
    mirror = stack.get("dify_plugin_pip_mirror_url")
    if mirror and "{{" not in str(mirror) and _on(stack, "dify_enabled") and "dify_plugin_daemon" not in opened:
        out.append("dify_plugin_pip_mirror_url is %s: the plugin daemon installs plugin dependencies from it, but egress "
                   "is denied; add security_egress_extra [{name: pip-mirror, from: dify_plugin_daemon, cidrs: [<its "
                   "addresses>], ports: [443]}]" % mirror)
    return out


def security_stage(settings, secrets=None, require_secrets=False, stack_images=None, stack=None):
    """Every problem of the security settings at once, and the stage built from the converted values.

    ``secrets`` ({client_secret, cookie_secret}) are written into the oauth2-proxy credentials Secret (marked secret)
    when given; without them it holds placeholders (a render that does not write secrets). ``stack_images``
    ([{source, image}]) are the images (or registry prefixes) the stack's stages pull, which the image allowlist must
    admit. ``stack`` holds the other stages' settings of EGRESS_VARIABLES (warnings about flows they need)."""
    reader = v.Reader(dict(settings))
    enabled = reader.read("security_enabled", v.to_bool)
    out = {"problems": reader.problems, "warnings": [], "enabled": bool(enabled), "stage": None, "outputs": {}}
    if not enabled:
        out["stage"] = {"name": STAGE, "releases": [], "manifests": []}
        out["installer_files"] = {}
        out["installer_texts"] = {}
        return out
    mesh = read_mesh(reader)
    identity = read_identity(reader, mesh["enabled"], require_secrets)
    audit = read_audit_logs(reader)
    network = read_network(reader, identity["enabled"], stack, mesh["enabled"], audit["sink"])
    psa = _pod_security(reader)
    images = read_image_policy(reader, stack_images)
    installer = read_installer(reader)
    for name in reader.unread():
        reader.add(["%s is not a setting of this role (a misspelt variable would be ignored): remove or correct it"
                    % name])
    if reader.problems:
        return out
    namespace = network["namespaces"]["security"]
    releases = []
    manifests = _namespace_labels(network, mesh, identity, psa)
    if mesh["enabled"]:
        mesh_ns = dict(mesh, namespace=network["namespaces"]["mesh"])
        plaintext = mesh_plaintext_ports(network, identity["enabled"], mesh["ingress_controller_ports"])
        mesh_problems = mesh_plaintext_problems(plaintext, network["selectors"])
        if mesh_problems:
            reader.add(mesh_problems)
            return out
        mesh_releases, mesh_manifests = build_mesh(mesh_ns, network["namespaces"], network["tenant_namespaces"],
                                                   plaintext, network["selectors"])
        releases += mesh_releases
        manifests += mesh_manifests
    else:
        out["warnings"].append("security_mesh_enabled is false: traffic between the stack's services is not encrypted "
                               "or authenticated by workload identity")
    if identity["secret_missing"]:
        out["warnings"].append("security_oidc_client_secret is empty: the oauth2-proxy Secret holds a placeholder for "
                               "it in this render; apply mode stops until the client secret (vault) or "
                               "security_oauth2_proxy_existing_secret is given")
    if identity["enabled"]:
        release, identity_manifests = build_identity(identity, network["namespaces"], secrets or {})
        releases.append(release)
        manifests += identity_manifests
    else:
        out["warnings"].append("security_oidc_issuer_url is empty: no single sign-on in front of the Dify console and "
                               "the model API, which keeps only its API key")
    if audit["sink"]:
        logging_namespace = network["namespaces"]["logging"]
        release, audit_manifests, out["fluent_bit"] = build_audit_logs(audit, network["namespaces"], logging_namespace)
        releases.append(release)
        manifests += audit_manifests
    else:
        out["warnings"].append("security_audit_sink is empty: container logs, the API server's audit log and the "
                               "serving access logs are not shipped to a SIEM")
    if images["registries"]:
        manifests += build_image_policy(images)
    else:
        out["warnings"].append("security_image_registries is empty: pods may run images from any registry")
    if network["network_policies"]:
        manifests += build_network(network, mesh["enabled"], identity["enabled"])
        out["warnings"] += stack_egress_warnings(network, stack) + stack_network_warnings(network, stack)
    else:
        out["warnings"].append("security_network_policies is false: no NetworkPolicy is rendered, every pod can reach "
                               "every other pod and the internet")
    out["stage"] = {"name": STAGE, "releases": releases, "manifests": manifests}
    out["outputs"] = {"namespace": namespace, "mesh": bool(mesh["enabled"]),
                      "flows": [dict(f) for f in flows(network, identity["enabled"])] if network["network_policies"] else []}
    if identity["enabled"]:
        base = "http://oauth2-proxy.%s.svc" % namespace
        out["outputs"]["oauth2_proxy"] = {"auth_url": base + "/oauth2/auth", "signin_path": "/oauth2/start?rd=$escaped_request_uri",
                                          "response_headers": ["Authorization", "X-Auth-Request-User",
                                                               "X-Auth-Request-Email", "X-Auth-Request-Groups"],
                                          "console_front": bool(identity["console"]["front"])}
    out["identity"] = identity["enabled"]
    out["installer_files"] = installer_files(installer, network["namespaces"])
    out["installer_texts"] = dict((name, k8s_render.dump_yaml(data, INSTALLER_HEADER % name))
                                  for name, data in out["installer_files"].items())
    out["host_check"] = {"audit_policy_path": installer["audit_policy_path"] if installer["audit_policy"] else "",
                         "encryption_config_path": installer["encryption_config_path"] if installer["kms"] else ""}
    return out


# --------------------------------------------------------------------------------------------- mesh

MESH_CHARTS = (("istio-base", "base"), ("istiod", "istiod"), ("istio-cni", "cni"), ("ztunnel", "ztunnel"))
# The namespaces enrolled in the ambient mesh: the stack's, and the clients that reach them (with STRICT mTLS a
# client outside the mesh is refused).
AMBIENT = ("dify", "serving", "security", "ingress", "monitoring", "cnpg")
WAYPOINT = "waypoint"


def _https_or_oci(reader, name):
    value = reader.read(name, v.to_str)
    if value is not None and not value.startswith(("https://", "oci://")) or (value and v.one_line(value)):
        reader.add(["%s is '%s': give an https:// chart repository or an oci:// registry path" % (name, value)])
    return value


def _registry(reader, name):
    value = reader.read(name, v.to_str)
    if value:
        reader.add(v.check_registry(name, value))
        return value.rstrip("/")
    return value


def _pull_secrets(reader, name):
    out = []
    for index, item in enumerate(reader.read(name, v.to_list) or []):
        problems = v.check_dns_subdomain("%s[%d]" % (name, index), item)
        reader.add(problems)
        if not problems:
            out.append(item)
    return out


def _archive_dir(reader, name, charts):
    value = reader.read(name, v.to_str)
    if value:
        missing = [c for c in charts if not os.path.isfile(os.path.join(os.path.expanduser(value), c))]
        if missing:
            reader.add(["%s is '%s': %s not found there (helm pull the pinned charts there, or leave it empty to use "
                        "the chart repository)" % (name, value, ", ".join(missing))])
        return os.path.expanduser(value)
    return value


def read_mesh(reader):
    s = {"enabled": reader.read("security_mesh_enabled", v.to_bool)}
    s["chart_version"] = reader.read("security_mesh_chart_version", v.to_str)
    if s["chart_version"] is not None and not v.TAG_RE.match(s["chart_version"]):
        reader.add(["security_mesh_chart_version is '%s': give the exact Istio chart version, such as 1.30.3"
                    % s["chart_version"]])
    s["chart_repo_url"] = _https_or_oci(reader, "security_mesh_chart_repo_url")
    s["chart_archive_dir"] = _archive_dir(reader, "security_mesh_chart_archive_dir",
                                          ["%s-%s.tgz" % (c, s["chart_version"]) for _r, c in MESH_CHARTS])
    s["image_registry"] = _registry(reader, "security_mesh_image_registry")
    s["image_pull_secrets"] = _pull_secrets(reader, "security_mesh_image_pull_secrets")
    s["ca_issuer"] = reader.read("security_mesh_ca_issuer", v.to_str, check=v.check_dns_subdomain)
    duration = reader.read("security_mesh_ca_duration", v.hours)
    renew = reader.read("security_mesh_ca_renew_before", v.hours)
    if duration is not None and renew is not None and not 0 < renew < duration:
        reader.add(["security_mesh_ca_renew_before is %dh: give fewer hours than security_mesh_ca_duration (%dh), "
                    "such as 720h" % (renew, duration)])
    s["ca_duration"], s["ca_renew_before"] = duration, renew
    s["workload_cert_ttl"] = reader.read("security_mesh_workload_cert_ttl", v.to_str, check=v.check_go_duration)
    s["wait_timeout"] = reader.read("security_mesh_wait_timeout", v.to_int)
    if s["wait_timeout"] is not None and s["wait_timeout"] < 1:
        reader.add(["security_mesh_wait_timeout is %d: give the seconds helm waits, 1 or more" % s["wait_timeout"]])
    s["ingress_controller_ports"] = _ports(reader.read("security_mesh_ingress_controller_ports", v.to_list),
                                           "security_mesh_ingress_controller_ports", reader)
    return s


def mesh_plaintext_ports(network, auth_enabled, ingress_controller_ports=()):
    """{workload: [port, ...]}: the ports of workloads in the ambient mesh that a client outside the mesh reaches.

    STRICT mTLS refuses every plaintext connection to a pod in the mesh, and some clients cannot be in it: the API
    server calling an admission webhook (CloudNativePG's, the Prometheus operator's, the ingress controller's), a
    platform namespace left out of the mesh (KEDA's operator querying Prometheus), and the users' browsers and
    clients reaching the ingress controller. Taken from the flow table (FLOWS): a flow whose destination is in an
    AMBIENT namespace and whose source is outside the cluster or in a namespace that is not. Whether the site named
    the source's addresses does not matter here (the exception is needed even without NetworkPolicies)."""
    facts = set(network.get("facts") or ())
    if auth_enabled:
        facts.add("auth")
    ambient = set(AMBIENT)
    out = {}
    for _name, source, dest, ports, condition in FLOWS:
        if ports is None or dest.startswith("cidrs:") or not _holds(condition, facts):
            continue
        if WORKLOADS[dest][0] not in ambient:
            continue
        if not source.startswith("cidrs:") and WORKLOADS[source][0] in ambient:
            continue
        if ports in NAMED_PORTS:
            ports = NAMED_PORTS[ports](network)
        out.setdefault(dest, set()).update(port for port in ports if isinstance(port, int))
    if ingress_controller_ports:
        out.setdefault("ingress_controller", set()).update(ingress_controller_ports)
    return dict((name, sorted(ports)) for name, ports in out.items() if ports)


def mesh_plaintext_problems(plaintext, selectors):
    """A PeerAuthentication selects its workload by matchLabels only: a selector the exceptions need that has none."""
    problems = []
    for name in sorted(plaintext):
        selector = (selectors or {}).get(name) or {}
        if selector.get("matchExpressions") or not selector.get("matchLabels"):
            problems.append("security_workload_selectors.%s is %r: with the mesh on, its ports %s take plaintext from "
                            "clients outside the mesh through a PeerAuthentication, which selects pods by matchLabels "
                            "only; give its pods' labels as matchLabels" % (name, selector, plaintext[name]))
    return problems


def _mesh_release(m, name, chart, values):
    release = {"name": name, "chart": chart, "version": m["chart_version"], "namespace": m["namespace"], "wait": True,
               "wait_timeout": m["wait_timeout"], "values": values}
    if m["chart_archive_dir"]:
        release["archive"] = os.path.join(m["chart_archive_dir"], "%s-%s.tgz" % (chart, m["chart_version"]))
    else:
        release["repo_url"] = m["chart_repo_url"]
    return release


def build_mesh(m, namespaces, tenants, plaintext=None, selectors=None):
    """Istio ambient (base, istiod, CNI, ztunnel), its CA an intermediate of the internal CA, STRICT mTLS; the ports
    of ``plaintext`` ({workload: ports}, mesh_plaintext_ports) PERMISSIVE on their workload only."""
    pull = [{"name": name} for name in m["image_pull_secrets"]]
    glob = {}
    if m["image_registry"]:
        glob["hub"] = m["image_registry"]
    if pull:
        glob["imagePullSecrets"] = [p["name"] for p in pull]
    istiod = {"profile": "ambient", "env": {"DEFAULT_WORKLOAD_CERT_TTL": m["workload_cert_ttl"]}}
    cni = {"profile": "ambient"}
    ztunnel = {"profile": "ambient"}
    base = {}
    if glob:
        istiod["global"] = dict(glob)
        cni["global"] = dict(glob)
        base["global"] = {"imagePullSecrets": glob["imagePullSecrets"]} if pull else {}
        if not base["global"]:
            del base["global"]
    if m["image_registry"]:
        ztunnel["hub"] = m["image_registry"]
    if pull:
        ztunnel["imagePullSecrets"] = [p["name"] for p in pull]
    values = {"base": base, "istiod": istiod, "cni": cni, "ztunnel": ztunnel}
    releases = [_mesh_release(m, name, chart, values[chart]) for name, chart in MESH_CHARTS]
    ns = m["namespace"]
    manifests = [
        kp._namespace(ns, dict(kp.LABELS, **{"pod-security.kubernetes.io/enforce": "privileged"}),
                      "istio-cni and ztunnel change the nodes' pod networking (privileged)"),
        {"phase": "pre", "wait": True, "wait_condition": {"type": "Ready", "status": "True"}, "wait_timeout": 300,
         "description": "the mesh's CA: an intermediate of the internal CA, which istiod reads from cacerts at start",
         "definition": {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                        "metadata": {"name": "istio-mesh-ca", "namespace": ns, "labels": dict(kp.LABELS)},
                        "spec": {"isCA": True, "commonName": "privateai mesh intermediate CA", "secretName": "cacerts",
                                 "duration": "%dh" % m["ca_duration"], "renewBefore": "%dh" % m["ca_renew_before"],
                                 "privateKey": {"algorithm": "RSA", "size": 4096, "rotationPolicy": "Always"},
                                 "usages": ["cert sign", "crl sign", "digital signature", "key encipherment"],
                                 "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer",
                                               "name": m["ca_issuer"]}}}},
        _peer_authentication("default", ns, "mesh-wide: mutual TLS only"),
    ]
    for key in OWNED:
        manifests.append(_peer_authentication("privateai-strict", namespaces[key],
                                              "namespace %s: mutual TLS only" % namespaces[key]))
    for name in tenants:
        manifests.append(_peer_authentication("privateai-strict", name, "tenant %s: mutual TLS only" % name))
    for workload, ports in sorted((plaintext or {}).items()):
        key, what = WORKLOADS[workload]
        pa = _peer_authentication("privateai-plaintext-" + workload.replace("_", "-"), namespaces[key],
                                  "%s: mutual TLS only, except ports %s, which clients outside the mesh reach (the "
                                  "NetworkPolicies name those clients)" % (what, ", ".join(str(p) for p in ports)))
        pa["definition"]["spec"]["selector"] = {"matchLabels": dict(selectors[workload]["matchLabels"])}
        pa["definition"]["spec"]["portLevelMtls"] = dict((str(port), {"mode": "PERMISSIVE"}) for port in ports)
        manifests.append(pa)
    return releases, manifests


def _peer_authentication(name, namespace, description):
    return {"phase": "post", "description": description,
            "definition": {"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
                           "metadata": {"name": name, "namespace": namespace, "labels": dict(kp.LABELS)},
                           "spec": {"mtls": {"mode": "STRICT"}}}}


# --------------------------------------------------------------------------------------------- identity

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
ACCESS_KEYS = ("groups", "paths", "methods")
CREDENTIALS_SECRET = "oauth2-proxy-credentials"
PLACEHOLDER = "not-rendered"


def check_path(name, value):
    """An Istio path match: exact (/v1/models), prefix (/v1/*), suffix (*/metrics) or any (*)."""
    if value == "*":
        return []
    body = value[:-1] if isinstance(value, str) and value.endswith("*") else value
    body = body[1:] if isinstance(body, str) and body.startswith("*") else body
    if (not isinstance(value, str) or (not value.startswith(("/", "*"))) or "*" in body or v.one_line(value)
            or " " in value or "?" in value):
        return ["%s is %s: give a path such as /v1/chat/completions, a prefix such as /v1/* or a suffix such as "
                "*/metrics (no query, no other '*')" % (name, v.describe(value))]
    return []


def _access_map(reader):
    value = reader.read("security_access_map", v.to_list)
    out, seen = [], {}
    for index, entry in enumerate(value or []):
        where = "security_access_map[%d]" % index
        if not isinstance(entry, dict):
            reader.add(["%s is %s: give {groups, paths, methods}" % (where, v.describe(entry))])
            continue
        problems = v.unknown_keys(where, entry, ACCESS_KEYS)
        for key in ACCESS_KEYS:
            if not isinstance(entry.get(key), list) or not entry.get(key):
                problems.append("%s.%s is %s: give a list" % (where, key, v.describe(entry.get(key))))
        if problems:
            reader.add(problems)
            continue
        for item_index, group in enumerate(entry["groups"]):
            if not isinstance(group, str) or not group.strip() or v.one_line(group):
                problems.append("%s.groups[%d] is %s: give the group's name as the IdP puts it in the token"
                                % (where, item_index, v.describe(group)))
        for item_index, method in enumerate(entry["methods"]):
            if method not in HTTP_METHODS:
                problems.append("%s.methods[%d] is %s: give one of %s"
                                % (where, item_index, v.describe(method), ", ".join(HTTP_METHODS)))
        for item_index, path in enumerate(entry["paths"]):
            problems += check_path("%s.paths[%d]" % (where, item_index), path)
        reader.add(problems)
        if problems:
            continue
        rule = (sorted(set(entry["groups"])), sorted(set(entry["methods"])))
        for path in entry["paths"]:
            if path in seen and seen[path][1] != rule:
                reader.add(["security_access_map names path %s twice with different rules (%s: groups %s, methods %s; "
                            "%s: groups %s, methods %s): give each path once" % (
                                path, seen[path][0], ", ".join(seen[path][1][0]), ", ".join(seen[path][1][1]),
                                where, ", ".join(rule[0]), ", ".join(rule[1]))])
            seen.setdefault(path, (where, rule))
        out.append({"groups": list(entry["groups"]), "paths": list(entry["paths"]), "methods": list(entry["methods"])})
    return out


def read_identity(reader, mesh_enabled, require_secrets=False):
    s = {"issuer": reader.read("security_oidc_issuer_url", v.to_str)}
    s["enabled"] = bool(s["issuer"])
    if s["issuer"]:
        rest = s["issuer"][len("https://"):]
        if not s["issuer"].startswith("https://") or not rest or v.one_line(s["issuer"]) or " " in s["issuer"] \
                or v.hostname(rest.split("/", 1)[0].split(":", 1)[0]) is not None:
            reader.add(["security_oidc_issuer_url is '%s': give the issuer's https:// URL exactly as the tokens name "
                        "it, such as https://keycloak.example.internal/realms/privateai" % s["issuer"]])
        elif not mesh_enabled:
            reader.add(["security_oidc_issuer_url is set but security_mesh_enabled is false: the tokens are checked "
                        "and the access map enforced by the mesh's waypoint; set security_mesh_enabled: true"])
    s["jwks_uri"] = reader.read("security_oidc_jwks_uri", v.to_str)
    if s["jwks_uri"] and (not s["jwks_uri"].startswith("https://") or v.one_line(s["jwks_uri"]) or " " in s["jwks_uri"]):
        reader.add(["security_oidc_jwks_uri is '%s': give the https:// URL of the issuer's keys, or leave it empty to "
                    "use the issuer's discovery document" % s["jwks_uri"]])
    s["client_id"] = reader.read("security_oidc_client_id", v.to_str)
    if s["enabled"] and s["client_id"] is not None and (not s["client_id"].strip() or v.one_line(s["client_id"])):
        reader.add(["security_oidc_client_id is %s: give the client id registered at the IdP" % v.describe(s["client_id"])])
    # The client secret is never echoed in a problem.
    secret = reader.read("security_oidc_client_secret", v.to_str)
    s["existing_secret"] = reader.read("security_oauth2_proxy_existing_secret", v.to_str)
    if s["existing_secret"]:
        reader.add(v.check_dns_subdomain("security_oauth2_proxy_existing_secret", s["existing_secret"]))
    s["secret_missing"] = bool(s["enabled"] and not secret and not s["existing_secret"])
    if s["secret_missing"] and require_secrets:
        reader.add(["security_oidc_client_secret is empty and security_oauth2_proxy_existing_secret is empty: give the "
                    "client secret the IdP issued (in the vault file), or the name of a Secret in the security namespace "
                    "holding client-id, client-secret and cookie-secret"])
    if secret and (v.one_line(secret) or secret != secret.strip()):
        reader.add(["security_oidc_client_secret has line breaks or surrounding spaces: give the secret exactly as the "
                    "IdP issued it (its value is not shown)"])
    s["has_client_secret"] = bool(secret)
    s["groups_claim"] = reader.read("security_oidc_groups_claim", v.to_str)
    if s["groups_claim"] is not None and (not s["groups_claim"].strip() or v.one_line(s["groups_claim"])
                                          or any(c in s["groups_claim"] for c in "[]")):
        reader.add(["security_oidc_groups_claim is %s: give the claim holding the groups, such as groups"
                    % v.describe(s["groups_claim"])])
    s["access_map"] = _access_map(reader)
    s["api_key_paths"] = []
    for index, path in enumerate(reader.read("security_api_key_paths", v.to_list) or []):
        problems = check_path("security_api_key_paths[%d]" % index, path)
        reader.add(problems)
        if not problems:
            s["api_key_paths"].append(path)
    s["mesh_clients"] = []
    for index, key in enumerate(reader.read("security_model_mesh_clients", v.to_list) or []):
        if key not in NAMESPACE_KEYS:
            reader.add(["security_model_mesh_clients[%d] is %s: give a key of security_namespaces (%s)"
                        % (index, v.describe(key), ", ".join(NAMESPACE_KEYS))])
        else:
            s["mesh_clients"].append(key)
    s["console_groups"] = reader.read("security_console_groups", v.to_list)
    for index, group in enumerate(s["console_groups"] or []):
        if not isinstance(group, str) or not group.strip() or v.one_line(group) or " " in group:
            reader.add(["security_console_groups[%d] is %s: give a group name" % (index, v.describe(group))])
    s["chart_version"] = reader.read("security_oauth2_proxy_chart_version", v.to_str)
    if s["chart_version"] is not None and not v.TAG_RE.match(s["chart_version"]):
        reader.add(["security_oauth2_proxy_chart_version is '%s': give the exact chart version, such as 10.7.0"
                    % s["chart_version"]])
    s["chart_repo_url"] = _https_or_oci(reader, "security_oauth2_proxy_chart_repo_url")
    s["chart_archive"] = reader.read("security_oauth2_proxy_chart_archive", v.to_str)
    if s["chart_archive"]:
        s["chart_archive"] = os.path.expanduser(s["chart_archive"])
        if not os.path.isfile(s["chart_archive"]):
            reader.add(["security_oauth2_proxy_chart_archive is '%s': no such file on the control node (helm pull the "
                        "pinned chart there, or leave it empty to use security_oauth2_proxy_chart_repo_url)"
                        % s["chart_archive"]])
    s["image_registry"] = _registry(reader, "security_oauth2_proxy_image_registry")
    s["image_pull_secrets"] = _pull_secrets(reader, "security_oauth2_proxy_image_pull_secrets")
    s["replicas"] = reader.read("security_oauth2_proxy_replicas", v.to_int)
    if s["replicas"] is not None and not 1 <= s["replicas"] <= 10:
        reader.add(["security_oauth2_proxy_replicas is %d: give 1 to 10 (2 keeps logins up through a node drain)"
                    % s["replicas"]])
    s["email_domains"] = reader.read("security_oauth2_proxy_email_domains", v.to_list)
    for index, domain in enumerate(s["email_domains"] or []):
        if not isinstance(domain, str) or (domain != "*" and v.hostname(domain) is not None):
            reader.add(["security_oauth2_proxy_email_domains[%d] is %s: give a mail domain or *"
                        % (index, v.describe(domain))])
    s["console"] = read_console(reader, s["enabled"])
    return s


def read_console(reader, identity_enabled):
    """The Dify console behind oauth2-proxy: {front, host, ingress_class, issuer, tls_secret} (the dify role's values,
    through the security_console_* defaults)."""
    c = {"front": reader.read("security_console_front", v.to_bool)}
    # Checked where they are written (the front on); the dify stage checks the dify role's own values anyway.
    on = {"check": None}
    if c["front"]:
        on = {"check": k8s_dify.check_host}
    c["host"] = reader.read("security_console_host", v.to_str, **on)
    if c["front"]:
        on = {"check": v.check_dns_subdomain}
    c["ingress_class"] = reader.read("security_console_ingress_class_name", v.to_str, **on)
    c["issuer"] = reader.read("security_console_tls_cluster_issuer", v.to_str, **on)
    c["tls_secret"] = reader.read("security_console_tls_secret_name", v.to_str, **on)
    if c["front"] and not identity_enabled:
        reader.add(["security_console_front is true (dify_console_auth_enabled) but security_oidc_issuer_url is empty: "
                    "oauth2-proxy runs only with the site's OIDC issuer; set security_oidc_issuer_url, or "
                    "dify_console_auth_enabled: false"])
    return c


OAUTH2_PROXY_SERVICE = ("oauth2-proxy", 80)  # the chart's Service (release oauth2-proxy, values service.portNumber)


def console_args(c):
    """oauth2-proxy's arguments for the Dify host: its session cookie on that host only, redirects back to it only."""
    return ["--cookie-domain=%s" % c["host"], "--whitelist-domain=%s" % c["host"],
            "--redirect-url=https://%s/oauth2/callback" % c["host"]]


def console_oauth2_ingress(c, namespace):
    """The /oauth2 path of the Dify host (sign-in, callback, sign-out) to oauth2-proxy: an Ingress can only name a
    Service of its own namespace, so it lives here, with the Dify Ingresses' host, IngressClass and TLS Secret name
    (cert-manager issues that Secret into this namespace too)."""
    return k8s_dify.ingress("oauth2-proxy-dify", namespace, c["host"], ["/oauth2"], OAUTH2_PROXY_SERVICE[0],
                            OAUTH2_PROXY_SERVICE[1], c["ingress_class"], c["tls_secret"],
                            {"cert-manager.io/cluster-issuer": c["issuer"]},
                            "oauth2-proxy's sign-in, callback and sign-out on the Dify host (/oauth2)")


def build_identity(i, namespaces, secrets):
    """oauth2-proxy (browser logins), the JWT check and the access map on the serving namespace's waypoint."""
    security, serving = namespaces["security"], namespaces["serving"]
    args = ["--provider=oidc", "--oidc-issuer-url=%s" % i["issuer"], "--oidc-groups-claim=%s" % i["groups_claim"],
            "--reverse-proxy=true", "--set-xauthrequest=true", "--set-authorization-header=true",
            "--pass-access-token=true", "--skip-provider-button=true", "--cookie-secure=true",
            "--code-challenge-method=S256", "--scope=openid email profile groups"]
    args += ["--allowed-group=%s" % group for group in i["console_groups"]]
    if i["console"]["front"]:
        args += console_args(i["console"])
    values = {"config": {"existingSecret": i["existing_secret"] or CREDENTIALS_SECRET,
                         "emailDomains": list(i["email_domains"]), "upstreams": ["static://202"]},
              "extraArgs": args, "replicaCount": i["replicas"], "metrics": {"enabled": True},
              "serviceAccount": {"enabled": True, "automountServiceAccountToken": False}}
    if i["image_registry"]:
        values["image"] = {"registry": i["image_registry"]}
    if i["image_pull_secrets"]:
        values["imagePullSecrets"] = [{"name": name} for name in i["image_pull_secrets"]]
    release = {"name": "oauth2-proxy", "chart": "oauth2-proxy", "version": i["chart_version"], "namespace": security,
               "wait": True, "wait_timeout": 300, "values": values}
    if i["chart_archive"]:
        release["archive"] = i["chart_archive"]
    else:
        release["repo_url"] = i["chart_repo_url"]
    manifests = []
    if not i["existing_secret"]:
        manifests.append({"phase": "pre", "secret": True,
                          "description": "oauth2-proxy's client id, client secret and cookie secret",
                          "definition": {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                         "metadata": {"name": CREDENTIALS_SECRET, "namespace": security,
                                                      "labels": dict(kp.LABELS)},
                                         "stringData": {"client-id": i["client_id"],
                                                        "client-secret": secrets.get("client_secret") or PLACEHOLDER,
                                                        "cookie-secret": secrets.get("cookie_secret") or PLACEHOLDER}}})
    if i["console"]["front"]:
        manifests.append(console_oauth2_ingress(i["console"], security))
    target = [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": WAYPOINT}]
    manifests.append({"phase": "post", "description": "the serving namespace's waypoint: checks tokens and the access map",
                      "definition": {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                                     "metadata": {"name": WAYPOINT, "namespace": serving,
                                                  "labels": dict(kp.LABELS, **{"istio.io/waypoint-for": "service"})},
                                     "spec": {"gatewayClassName": "istio-waypoint", "listeners": [
                                         {"name": "mesh", "port": HBONE_PORT, "protocol": "HBONE"}]}}})
    jwt = {"issuer": i["issuer"], "audiences": [i["client_id"]], "forwardOriginalToken": True}
    if i["jwks_uri"]:
        jwt["jwksUri"] = i["jwks_uri"]
    manifests.append({"phase": "post", "description": "tokens of the site's IdP are checked; an invalid one is refused",
                      "definition": {"apiVersion": "security.istio.io/v1", "kind": "RequestAuthentication",
                                     "metadata": {"name": "privateai-oidc", "namespace": serving, "labels": dict(kp.LABELS)},
                                     "spec": {"targetRefs": target, "jwtRules": [jwt]}}})
    manifests.append({"phase": "post", "description": "who may call which path of the model API (everything else denied)",
                      "definition": {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
                                     "metadata": {"name": "privateai-model-api", "namespace": serving,
                                                  "labels": dict(kp.LABELS)},
                                     "spec": {"targetRefs": target, "action": "ALLOW",
                                              "rules": authorization_rules(i, namespaces)}}})
    # A client addressing an engine pod directly would pass by the waypoint: ztunnel lets only the serving namespace
    # (the waypoint, the engines of a multi-node model) and Prometheus reach the engines (L4, by workload identity).
    manifests.append({"phase": "post", "description": "the engines take connections from the waypoint, each other and "
                                                      "Prometheus only (ztunnel, L4)",
                      "definition": {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
                                     "metadata": {"name": "privateai-model-engines-l4", "namespace": serving,
                                                  "labels": dict(kp.LABELS)},
                                     "spec": {"selector": {"matchLabels": {"app.kubernetes.io/managed-by":
                                                                           kp.LABELS["app.kubernetes.io/managed-by"]}},
                                              "action": "ALLOW",
                                              "rules": [{"from": [{"source": {"namespaces": [
                                                  serving, namespaces["monitoring"]]}}]}]}}})
    return release, manifests


def authorization_rules(i, namespaces):
    rules = []
    for entry in i["access_map"]:
        rules.append({"from": [{"source": {"requestPrincipals": ["%s/*" % i["issuer"]]}}],
                      "to": [{"operation": {"paths": list(entry["paths"]), "methods": list(entry["methods"])}}],
                      "when": [{"key": "request.auth.claims[%s]" % i["groups_claim"], "values": list(entry["groups"])}]})
    if i["api_key_paths"]:
        # Machine clients without a token: the engine checks their API key (model_serving's Secret).
        rules.append({"from": [{"source": {"notRequestPrincipals": ["*"]}}],
                      "to": [{"operation": {"paths": list(i["api_key_paths"]), "methods": ["GET", "POST"]}}]})
    if i["mesh_clients"]:
        # Dify's own calls: inside the mesh, by their workload identity.
        rules.append({"from": [{"source": {"namespaces": [namespaces[k] for k in i["mesh_clients"]]}}],
                      "to": [{"operation": {"paths": ["/v1/*"]}}]})
    return rules


# --------------------------------------------------------------------------------------------- image policy

def _prefix_admits(prefix, image):
    """Whether an allowlist entry (registry[/path]) admits an image reference: the reference starts with it and '/'."""
    return image.startswith(prefix.rstrip("/") + "/")


def _admits(prefix, item):
    """Whether an allowlist entry admits every image of a stack item: a registry[/path] the stage pulls below
    (kind registry), or a repository or a full image reference (kinds repository, image)."""
    if item.get("kind") == "registry":
        return item["image"].rstrip("/") == prefix or _prefix_admits(prefix, item["image"])
    return _prefix_admits(prefix, item["image"])


def read_image_policy(reader, stack_images):
    """The allowlist, checked against the images the stack's stages pull (``stack_images``: [{source, image}], each
    image a reference or a registry[/path] prefix)."""
    s = {"registries": [], "exempt": []}
    for index, item in enumerate(reader.read("security_image_registries", v.to_list) or []):
        problems = v.check_registry("security_image_registries[%d]" % index, item)
        if not problems and ("'" in item or "\\\\" in item):
            problems = ["security_image_registries[%d] is %s: give host[:port][/path]" % (index, v.describe(item))]
        reader.add(problems)
        if not problems:
            s["registries"].append(item.rstrip("/"))
    for index, item in enumerate(reader.read("security_image_policy_exempt_namespaces", v.to_list) or []):
        problems = v.check_dns_label("security_image_policy_exempt_namespaces[%d]" % index, item)
        reader.add(problems)
        if not problems:
            s["exempt"].append(item)
    if s["registries"]:
        blocked = [item for item in stack_images or []
                   if isinstance(item, dict) and item.get("image") and not any(_admits(p, item) for p in s["registries"])]
        if blocked:
            reader.add(["security_image_registries is [%s]: it would block the stack's own images: %s. Add those "
                        "registries, or mirror the images into one of the listed registries and set the variables named"
                        % (", ".join(s["registries"]),
                           "; ".join("%s (%s)" % (b["image"], b["source"]) for b in blocked))])
    return s


def build_image_policy(s):
    quoted = ", ".join("'%s/'" % p for p in s["registries"])
    check = "[%s].exists(p, c.image.startsWith(p))" % quoted

    def each(field):
        return "!has(object.spec.%s) || object.spec.%s.all(c, %s)" % (field, field, check)
    message = "images must come from the internal registries: %s" % ", ".join(s["registries"])
    policy = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
              "metadata": {"name": "privateai-image-registries", "labels": dict(kp.LABELS)},
              "spec": {"failurePolicy": "Fail",
                       "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                                                               "operations": ["CREATE", "UPDATE"],
                                                               "resources": ["pods", "pods/ephemeralcontainers"]}]},
                       "validations": [{"expression": each(field), "message": message}
                                       for field in ("containers", "initContainers", "ephemeralContainers")]}}
    binding = {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
               "metadata": {"name": "privateai-image-registries", "labels": dict(kp.LABELS)},
               "spec": {"policyName": "privateai-image-registries", "validationActions": ["Deny"]}}
    if s["exempt"]:
        binding["spec"]["matchResources"] = {"namespaceSelector": {"matchExpressions": [
            {"key": NAMESPACE_LABEL, "operator": "NotIn", "values": list(s["exempt"])}]}}
    return [{"phase": "post", "description": "pods may only run images of the internal registries", "definition": policy},
            {"phase": "post", "description": "binds the image policy cluster-wide (but the exempt namespaces)",
             "definition": binding}]


# The other stages' image settings the allowlist is checked against (their names as the roles define them).
STACK_IMAGE_VARIABLES = (
    "gpu_operator_enabled", "gpu_operator_image_registry", "gpu_operator_nfd_image_repository",
    "network_operator_enabled", "network_operator_image_registry", "cert_manager_enabled", "cert_manager_image_registry",
    "model_serving_enabled", "model_serving_image_registry", "model_serving_vllm_image", "model_serving_sglang_image",
    "model_serving_lws_image_registry", "rook_ceph_enabled", "rook_ceph_image_registry", "rook_ceph_ceph_image_repository",
    "cloudnative_pg_enabled", "cloudnative_pg_image_registry", "dify_enabled", "dify_image_registry", "dify_images",
    "dify_vector_store", "dify_postgres_mode", "dify_redis_mode", "observability_enabled", "observability_image_registry",
    "backup_enabled", "backup_image_registry", "backup_aws_plugin_image",
    "observability_profiling_enabled", "observability_profiling_image_registry")
# Where kube-prometheus-stack's images come from with observability_image_registry empty (the chart's defaults:
# Prometheus, Alertmanager, the operator and its webhook certificate job, node exporter, kube-state-metrics, Grafana,
# its sidecar and its chart's test pod)
# and Velero's with backup_image_registry empty (the S3 plugin is backup_aws_plugin_image).
OBSERVABILITY_UPSTREAM = ("quay.io/prometheus", "quay.io/prometheus-operator", "registry.k8s.io/kube-state-metrics",
                          "ghcr.io/jkroepke", "docker.io/grafana", "quay.io/kiwigrid", "docker.io/bats")
BACKUP_UPSTREAM = ("docker.io/velero", "registry.k8s.io/kubectl")
# The pyroscope chart's images with observability_profiling_image_registry empty: grafana/pyroscope and grafana/alloy
# from Docker Hub, Alloy's prometheus-config-reloader from quay.io.
PROFILING_UPSTREAM = ("docker.io/grafana/pyroscope", "docker.io/grafana/alloy",
                      "quay.io/prometheus-operator/prometheus-config-reloader")
# The dify_images keys each Dify setting runs (the others always run: api/worker/beat, web, sandbox, plugin daemon,
# nginx front, SSRF proxy).
DIFY_OPTIONAL_IMAGES = {"weaviate": ("dify_vector_store", "weaviate"), "weaviate_init": ("dify_vector_store", "weaviate"),
                        "postgres": ("dify_postgres_mode", "cnpg"), "redis": ("dify_redis_mode", "internal")}
DIFY_DEFAULTS = {"dify_vector_store": "pgvector", "dify_postgres_mode": "cnpg", "dify_redis_mode": "internal"}
ROOK_UPSTREAM = ("docker.io/rook", "quay.io/cephcsi", "quay.io/csiaddons", "registry.k8s.io/sig-storage")


def _on(values, name):
    value = values.get(name, True)
    return value not in (False, "false", "False", "no", "0", 0)


def stack_images(values, settings):
    """[{source, image, kind}]: the images (kind image), repositories or registry prefixes each stage pulls, from its variables (``values``, those
    of STACK_IMAGE_VARIABLES that are set) and this role's ``settings``. A stage whose variables are absent is
    skipped."""
    values = dict((k, item) for k, item in (values or {}).items()
                  if k in STACK_IMAGE_VARIABLES and not (isinstance(item, str) and "{{" in item))
    out = []

    def add(source, image, kind="registry"):
        if isinstance(image, str) and image:
            out.append({"source": source, "image": image, "kind": kind})
    if "gpu_operator_image_registry" in values and _on(values, "gpu_operator_enabled"):
        add("gpu_operator_image_registry", values["gpu_operator_image_registry"])
        add("gpu_operator_nfd_image_repository", values.get("gpu_operator_nfd_image_repository"), "repository")
    if "network_operator_image_registry" in values and _on(values, "network_operator_enabled"):
        add("network_operator_image_registry", values["network_operator_image_registry"])
    if "cert_manager_image_registry" in values and _on(values, "cert_manager_enabled"):
        add("cert_manager_image_registry", values["cert_manager_image_registry"])
    if _on(values, "model_serving_enabled"):
        if values.get("model_serving_image_registry"):
            add("model_serving_image_registry", values["model_serving_image_registry"])
        else:
            add("model_serving_vllm_image", values.get("model_serving_vllm_image"), "image")
            add("model_serving_sglang_image", values.get("model_serving_sglang_image"), "image")
        add("model_serving_lws_image_registry", values.get("model_serving_lws_image_registry"))
    if "rook_ceph_image_registry" in values and _on(values, "rook_ceph_enabled"):
        if values["rook_ceph_image_registry"]:
            add("rook_ceph_image_registry", values["rook_ceph_image_registry"])
        else:
            for prefix in ROOK_UPSTREAM:
                add("rook_ceph_image_registry (empty: upstream)", prefix)
            add("rook_ceph_ceph_image_repository", values.get("rook_ceph_ceph_image_repository"), "repository")
    if "cloudnative_pg_image_registry" in values and _on(values, "cloudnative_pg_enabled"):
        add("cloudnative_pg_image_registry", "%s/cloudnative-pg/cloudnative-pg" % values["cloudnative_pg_image_registry"],
            "repository")
    if isinstance(values.get("dify_images"), dict) and _on(values, "dify_enabled"):
        if values.get("dify_image_registry"):
            add("dify_image_registry", values["dify_image_registry"])
        else:
            for key, image in sorted(values["dify_images"].items()):
                setting, value = DIFY_OPTIONAL_IMAGES.get(key, (None, None))
                # The role's own default of that setting where the inventory leaves it out (pgvector, cnpg, internal).
                if setting is None or values.get(setting, DIFY_DEFAULTS[setting]) == value:
                    add("dify_images.%s" % key, image, "image")
    if "observability_image_registry" in values and _on(values, "observability_enabled"):
        if values["observability_image_registry"]:
            add("observability_image_registry", values["observability_image_registry"])
        else:
            for prefix in OBSERVABILITY_UPSTREAM:
                add("observability_image_registry (empty: upstream)", prefix)
    if profiling_on(values):
        # Pyroscope and its Alloy agent (docker.io/grafana), Alloy's config reloader (quay.io/prometheus-operator).
        if values.get("observability_profiling_image_registry"):
            add("observability_profiling_image_registry", values["observability_profiling_image_registry"])
        else:
            for repository in PROFILING_UPSTREAM:
                add("observability_profiling_image_registry (empty: upstream)", repository, "repository")
    if "backup_image_registry" in values and _on(values, "backup_enabled"):
        if values["backup_image_registry"]:
            add("backup_image_registry", values["backup_image_registry"])
        else:
            for prefix in BACKUP_UPSTREAM:
                add("backup_image_registry (empty: upstream)", prefix)
            add("backup_aws_plugin_image", values.get("backup_aws_plugin_image"), "image")
    if _on(settings, "security_mesh_enabled"):
        add("security_mesh_image_registry", settings.get("security_mesh_image_registry") or "registry.istio.io/release")
    if settings.get("security_audit_sink"):
        add("security_fluent_bit_image_registry", (settings.get("security_fluent_bit_image_registry") or "cr.fluentbit.io")
            + "/fluent/fluent-bit", "repository")
    if settings.get("security_oidc_issuer_url"):
        add("security_oauth2_proxy_image_registry",
            settings.get("security_oauth2_proxy_image_registry") or "quay.io/oauth2-proxy")
    return out


# --------------------------------------------------------------------------------------------- installer files

KMS_KEYS = ("name", "endpoint", "timeout", "credentials_file")
INSTALLER_HEADER = ("# Rendered by privateai.deepseek_dify (stage security): %s for the site's Kubernetes installer\n"
                    "# (docs/security.md: Kubespray and RKE2 variables). Change the inventory and render again.\n")


def read_installer(reader):
    s = {"audit_policy": reader.read("security_audit_policy", v.to_bool)}
    s["audit_policy_path"] = reader.read("security_audit_policy_path", v.to_str)
    s["encryption_config_path"] = reader.read("security_encryption_config_path", v.to_str)
    for name in ("audit_policy_path", "encryption_config_path"):
        if s[name] is not None and v.plain_path(s[name]) is not None:
            reader.add(["security_%s is '%s': give an absolute path on the control-plane nodes, such as %s"
                        % (name, s[name], "/etc/kubernetes/audit-policy.yaml")])
    kms = reader.read("security_kms", v.to_dict)
    s["kms"] = None
    if kms:
        problems = v.unknown_keys("security_kms", kms, KMS_KEYS)
        endpoint = kms.get("endpoint")
        if not isinstance(endpoint, str) or not endpoint.startswith("unix:///") or v.plain_path(endpoint[len("unix://"):]):
            problems.append("security_kms.endpoint is %s: give the KMS v2 plugin's socket, such as "
                            "unix:///var/run/kmsplugin/socket.sock" % v.describe(endpoint))
        problems += v.check_dns_label("security_kms.name", kms.get("name"))
        if "timeout" in kms:
            problems += v.check_go_duration("security_kms.timeout", kms["timeout"])
        credentials = kms.get("credentials_file")
        if not credentials:
            problems.append("security_kms.credentials_file is %s: the KMS plugin at %s needs its credentials (a token "
                            "or key file on the control-plane nodes, such as /etc/kubernetes/kms/vault-token); give "
                            "its path" % (v.describe(credentials), endpoint))
        elif v.plain_path(credentials) is not None:
            problems.append("security_kms.credentials_file is %s: give an absolute path on the control-plane nodes"
                            % v.describe(credentials))
        reader.add(problems)
        s["kms"] = None if problems else dict(kms)
    return s


def audit_policy(namespaces):
    """The API server's audit Policy: who did what, never the bodies of Secrets, ConfigMaps or token reviews."""
    stack = sorted(set(namespaces[k] for k in ("dify", "serving", "security", "mesh")))
    return {"apiVersion": "audit.k8s.io/v1", "kind": "Policy", "omitStages": ["RequestReceived"], "rules": [
        {"level": "None", "users": ["system:kube-proxy"], "verbs": ["watch"],
         "resources": [{"group": "", "resources": ["endpoints", "services", "services/status"]}]},
        {"level": "None", "nonResourceURLs": ["/healthz*", "/livez*", "/readyz*", "/version", "/metrics"]},
        {"level": "None", "resources": [{"group": "", "resources": ["events"]},
                                        {"group": "coordination.k8s.io", "resources": ["leases"]}]},
        # Bodies of these hold secrets: who and when only.
        {"level": "Metadata", "resources": [{"group": "", "resources": ["secrets", "configmaps", "serviceaccounts/token"]},
                                            {"group": "authentication.k8s.io", "resources": ["tokenreviews"]}]},
        {"level": "RequestResponse", "verbs": ["create", "update", "patch", "delete", "deletecollection"],
         "resources": [{"group": "rbac.authorization.k8s.io"},
                       {"group": "admissionregistration.k8s.io"},
                       {"group": "networking.k8s.io", "resources": ["networkpolicies"]},
                       {"group": "security.istio.io"}]},
        {"level": "Request", "verbs": ["create", "update", "patch", "delete", "deletecollection"], "namespaces": stack},
        {"level": "Metadata"},
    ]}


def encryption_config(kms):
    provider = {"apiVersion": "v2", "name": kms["name"], "endpoint": kms["endpoint"],
                "timeout": kms.get("timeout", "3s")}
    return {"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration", "resources": [
        # identity last: Secrets written before encryption was on stay readable until rewritten.
        {"resources": ["secrets"], "providers": [{"kms": provider}, {"identity": {}}]}]}


def installer_files(s, namespaces):
    """{file name: data} the site's Kubernetes installer takes (Kubespray or RKE2 variables in docs/security.md)."""
    out = {}
    if s["audit_policy"]:
        out["audit-policy.yaml"] = audit_policy(namespaces)
    if s["kms"]:
        out["encryption-config.yaml"] = encryption_config(s["kms"])
    return out


# --------------------------------------------------------------------------------------------- audit logs

SINK_KEYS = ("type", "host", "port", "index", "tls_verify", "user", "password_secret", "ca_secret")
SINK_TYPES = ("opensearch", "elasticsearch", "syslog")
BUFFER_DIR = "/var/lib/fluent-bit/buffer"
# Lines of the engines' logs that carry prompt text (vLLM's request logging).
PROMPT_LINES = r"(Received request|prompt: |prompt_token_ids)"


def read_audit_logs(reader):
    s = {"sink": None}
    sink = reader.read("security_audit_sink", v.to_dict)
    s["log_prompts"] = reader.read("security_audit_log_prompts", v.to_bool)
    s["apiserver_log"] = reader.read("security_audit_apiserver_log", v.to_str)
    if s["apiserver_log"] is not None and v.log_glob(s["apiserver_log"]) is not None:
        reader.add(["security_audit_apiserver_log is '%s': give the API server's audit log path on the control-plane "
                    "nodes, such as /var/log/kubernetes/audit/audit.log" % s["apiserver_log"]])
    s["buffer_limit"] = reader.read("security_audit_buffer_limit", v.to_str)
    if s["buffer_limit"] is not None and not re.match(r"^[0-9]+[KMG]$", s["buffer_limit"]):
        reader.add(["security_audit_buffer_limit is '%s': give a size such as 10G (the disk buffer of each node while "
                    "the sink is down)" % s["buffer_limit"]])
    s["chart_version"] = reader.read("security_fluent_bit_chart_version", v.to_str)
    if s["chart_version"] is not None and not v.TAG_RE.match(s["chart_version"]):
        reader.add(["security_fluent_bit_chart_version is '%s': give the exact chart version, such as 0.58.1"
                    % s["chart_version"]])
    s["chart_repo_url"] = _https_or_oci(reader, "security_fluent_bit_chart_repo_url")
    s["image_registry"] = _registry(reader, "security_fluent_bit_image_registry")
    s["image_pull_secrets"] = _pull_secrets(reader, "security_fluent_bit_image_pull_secrets")
    if not sink:
        return s
    problems = v.unknown_keys("security_audit_sink", sink, SINK_KEYS)
    if sink.get("type") not in SINK_TYPES:
        problems.append("security_audit_sink.type is %s: give one of %s"
                        % (v.describe(sink.get("type")), ", ".join(SINK_TYPES)))
    if v.hostname(sink.get("host")) is not None:
        problems.append("security_audit_sink.host is %s: give the sink's host name or address"
                        % v.describe(sink.get("host")))
    port = sink.get("port")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        problems.append("security_audit_sink.port is %s: give the TLS port (9200, 6514)" % v.describe(port))
    for key in ("index", "user"):
        if key in sink and (not isinstance(sink[key], str) or not re.match(r"^[A-Za-z0-9_.-]+$", sink[key])):
            problems.append("security_audit_sink.%s is %s: give letters, digits, '_', '.', '-'" % (key, v.describe(sink[key])))
    for key in ("password_secret", "ca_secret"):
        if key in sink:
            problems += v.check_dns_subdomain("security_audit_sink." + key, sink[key])
    if sink.get("user") and not sink.get("password_secret"):
        problems.append("security_audit_sink.password_secret is missing: give the Secret (key password) in the "
                        "logging namespace that holds the password of user %s" % sink["user"])
    if "tls_verify" in sink and not isinstance(sink["tls_verify"], bool):
        problems.append("security_audit_sink.tls_verify is %s: give true or false" % v.describe(sink["tls_verify"]))
    reader.add(problems)
    s["sink"] = None if problems else dict(sink)
    return s


def _section(kind, entries):
    """One [SECTION] of Fluent Bit's classic configuration, from (key, value) pairs (values checked before)."""
    width = max(len(key) for key, _value in entries)
    return "[%s]\n%s\n" % (kind, "\n".join("    %s %s" % (key.ljust(width), value) for key, value in entries))


def fluent_bit_sections(a, namespaces):
    """The pipeline as data: {service, inputs, filters, outputs}, each a list of (kind, [(key, value)])."""
    sink = a["sink"]
    service = [("SERVICE", [("Daemon", "Off"), ("Flush", "1"), ("Log_Level", "info"),
                            ("Parsers_File", "/fluent-bit/etc/parsers.conf"), ("HTTP_Server", "On"),
                            ("HTTP_Listen", "0.0.0.0"), ("HTTP_Port", "2020"), ("Health_Check", "On"),
                            ("storage.path", BUFFER_DIR), ("storage.sync", "normal"), ("storage.checksum", "On"),
                            ("storage.backlog.mem_limit", "50M")])]
    serving = namespaces["serving"]
    inputs = [
        ("INPUT", [("Name", "tail"), ("Tag", "kube.*"), ("Path", "/var/log/containers/*.log"),
                   ("Exclude_Path", "/var/log/containers/*_%s_*.log" % serving), ("multiline.parser", "cri, docker"),
                   ("DB", "/var/lib/fluent-bit/tail-containers.db"), ("Skip_Long_Lines", "On"),
                   ("storage.type", "filesystem")]),
        # The engines' access logs (who called which model, when, token counts) under their own tag.
        ("INPUT", [("Name", "tail"), ("Tag", "serving.*"), ("Path", "/var/log/containers/*_%s_*.log" % serving),
                   ("multiline.parser", "cri, docker"), ("DB", "/var/lib/fluent-bit/tail-serving.db"),
                   ("Skip_Long_Lines", "On"), ("storage.type", "filesystem")]),
        ("INPUT", [("Name", "tail"), ("Tag", "audit.kube-apiserver"), ("Path", a["apiserver_log"]),
                   ("Parser", "json"), ("DB", "/var/lib/fluent-bit/tail-audit.db"), ("Skip_Long_Lines", "Off"),
                   ("storage.type", "filesystem")]),
    ]
    filters = [("FILTER", [("Name", "kubernetes"), ("Match", "kube.*"), ("Merge_Log", "On"), ("Keep_Log", "Off"),
                           ("K8S-Logging.Exclude", "Off")]),
               ("FILTER", [("Name", "kubernetes"), ("Match", "serving.*"), ("Kube_Tag_Prefix", "serving.var.log.containers."),
                           ("Merge_Log", "On"), ("Keep_Log", "Off"), ("K8S-Logging.Exclude", "Off")])]
    if not a["log_prompts"]:
        filters.append(("FILTER", [("Name", "grep"), ("Match", "serving.*"), ("Exclude", "log %s" % PROMPT_LINES)]))
    outputs = []
    for match in ("kube.*", "serving.*", "audit.*"):
        if sink["type"] == "syslog":
            entries = [("Name", "syslog"), ("Match", match), ("Host", sink["host"]), ("Port", str(sink["port"])),
                       ("Mode", "tls"), ("Syslog_Format", "rfc5424"), ("Syslog_Message_Key", "log")]
        else:
            entries = [("Name", "opensearch" if sink["type"] == "opensearch" else "es"), ("Match", match),
                       ("Host", sink["host"]), ("Port", str(sink["port"])),
                       ("Index", "%s-%s" % (sink.get("index", "privateai"), match.split(".", 1)[0])),
                       ("Suppress_Type_Name", "On"), ("tls", "On")]
            if sink.get("user"):
                entries += [("HTTP_User", sink["user"]), ("HTTP_Passwd", "${SINK_PASSWORD}")]
        entries += [("tls", "On"), ("tls.verify", "On" if sink.get("tls_verify", True) else "Off"),
                    ("Retry_Limit", "no_limits"), ("storage.total_limit_size", a["buffer_limit"])]
        if sink.get("ca_secret"):
            entries.append(("tls.ca_file", "/fluent-bit/sink-ca/ca.crt"))
        seen, unique = set(), []
        for key, value in entries:
            if key not in seen:
                seen.add(key)
                unique.append((key, value))
        outputs.append(("OUTPUT", unique))
    return {"service": service, "inputs": inputs, "filters": filters, "outputs": outputs}


def build_audit_logs(a, namespaces, logging_namespace):
    sections = fluent_bit_sections(a, namespaces)
    config = dict((part, "\n".join(_section(kind, entries) for kind, entries in items))
                  for part, items in sections.items())
    volumes = [{"name": "buffer", "hostPath": {"path": "/var/lib/fluent-bit", "type": "DirectoryOrCreate"}}]
    mounts = [{"name": "buffer", "mountPath": "/var/lib/fluent-bit"}]
    sink = a["sink"]
    if sink.get("ca_secret"):
        volumes.append({"name": "sink-ca", "secret": {"secretName": sink["ca_secret"]}})
        mounts.append({"name": "sink-ca", "mountPath": "/fluent-bit/sink-ca", "readOnly": True})
    values = {"kind": "DaemonSet", "config": {"service": config["service"], "inputs": config["inputs"],
                                              "filters": config["filters"], "outputs": config["outputs"]},
              "extraVolumes": volumes, "extraVolumeMounts": mounts,
              # The control-plane nodes hold the API server's audit log.
              "tolerations": [dict(kp.CONTROL_PLANE_TOLERATION)],
              # The chart's `helm test` pod (busybox from docker.io, on the namespace's default ServiceAccount with
              # its token) is never run by the stack (k8s_service_accounts.WORKLOADS).
              "testFramework": {"enabled": False}}
    if sink.get("password_secret"):
        reference = {"name": sink["password_secret"], "key": "password"}
        values["env"] = [{"name": "SINK_PASSWORD", "valueFrom": {"secretKeyRef": reference}}]
    if a["image_registry"]:
        values["image"] = {"repository": "%s/fluent/fluent-bit" % a["image_registry"]}
    if a["image_pull_secrets"]:
        values["imagePullSecrets"] = [{"name": name} for name in a["image_pull_secrets"]]
    release = {"name": "fluent-bit", "chart": "fluent-bit", "version": a["chart_version"], "namespace": logging_namespace,
               "wait": True, "wait_timeout": 300, "repo_url": a["chart_repo_url"], "values": values}
    namespace = kp._namespace(logging_namespace, dict(kp.LABELS, **{"pod-security.kubernetes.io/enforce": "privileged"}),
                              "Fluent Bit reads the nodes' logs and buffers on the node's disk (hostPath, privileged)")
    return release, [namespace], sections
