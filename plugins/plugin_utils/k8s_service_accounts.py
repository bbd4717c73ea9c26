# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Least-privilege ServiceAccounts of the stack's pods (issue 15, build 6): who has a Kubernetes API token and why.

``WORKLOADS`` is the table (data): every workload the stages render, directly or through a chart or an operator,
with whether it talks to the Kubernetes API (``api``), why, and how its ServiceAccount and token are set. Those
that do not talk to the API run as a dedicated ServiceAccount with ``automountServiceAccountToken: false``; those
that do keep their token, on the dedicated ServiceAccount their chart or operator makes, with that chart's RBAC.
docs/security.md shows the same table (tests/unit compares them).

The stage builders use ``service_account()`` / ``no_token()`` (our own manifests) and ``chart_service_account()``
(charts that take ``<component>.serviceAccount`` values). ``pods()``, ``effective_automount()`` and ``problems()``
evaluate a render: every pod template of the rendered objects (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job,
CronJob, Pod, LeaderWorkerSet, and the pods operators make from CloudNativePG Clusters and Prometheus/Alertmanager
resources) is resolved to its ServiceAccount and its effective token mount as Kubernetes defines it (the pod's
``automountServiceAccountToken`` over the ServiceAccount's, mounted when neither says), and compared with the table.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch

# ServiceAccounts of our own manifests (no Kubernetes API, no token).
SERVING_ENGINE_SA = "model-serving-engine"
SERVING_WEIGHTS_SA = "model-serving-weights"
SERVING_BENCHMARK_SA = "model-serving-benchmark"

# Dify chart components (values key) that take <key>.serviceAccount.{create,name,automountServiceAccountToken};
# their ServiceAccount is <fullname>-<suffix>.
DIFY_CHART_COMPONENTS = (("api", "api"), ("worker", "worker"), ("beat", "beat"), ("web", "web"),
                         ("sandbox", "sandbox"), ("proxy", "proxy"), ("ssrfProxy", "ssrf-proxy"),
                         ("pluginDaemon", "plugin-daemon"))

# Custom resources whose pods an operator makes. None: the operator names the ServiceAccounts of the pods itself
# (none of these resources has a ServiceAccount or token field); the table records them as the operator's.
# Otherwise (serviceAccountName field, automount field or None, ServiceAccount when the field is empty: None for
# the resource's own name).
OPERATOR_KINDS = {
    "Cluster": ("serviceAccountName", None, None),           # CloudNativePG: the Cluster's own ServiceAccount
    "Prometheus": ("serviceAccountName", "automountServiceAccountToken", "default"),
    "Alertmanager": ("serviceAccountName", "automountServiceAccountToken", "default"),
    "ClusterPolicy": None,                                   # NVIDIA GPU Operator operands
    "NicClusterPolicy": None,                                # NVIDIA Network Operator operands
    "CephCluster": None,                                     # Rook: mon, mgr, osd, crash collector, exporter
    "CephObjectStore": None,                                 # Rook: rgw
    "CephFilesystem": None,                                  # Rook: mds
}

_CHART = "the chart's own ServiceAccount and RBAC"
_OPERATOR = "the operator's ServiceAccounts and RBAC for its operands"

# The table. stage: the stage that renders it; kind and name (fnmatch pattern; the first row that matches wins, so
# specific rows come before general ones); api: talks to the Kubernetes API; why; how: where the ServiceAccount and
# token are set. default_sa: the chart offers no ServiceAccount for this pod, so it runs as the namespace's
# `default`, which the stage renders without a token (the reason is said here). operator: the pods come from an
# operator that makes their ServiceAccounts itself, with no token option in the resource: ``api`` says whether they
# need the API, but the token is the operator's choice (recorded, not enforced here).
WORKLOADS = (
    # --- k8s_platform: cert-manager, GPU and Network operators
    {"stage": "cert_manager", "kind": "Deployment", "name": "*-cainjector", "api": True,
     "why": "watches Certificates, Secrets and webhook/CRD objects and patches their caBundle", "how": _CHART},
    {"stage": "cert_manager", "kind": "Deployment", "name": "*-webhook", "api": True,
     "why": "reads its serving certificate Secret and answers admission reviews with the API's objects",
     "how": _CHART},
    {"stage": "cert_manager", "kind": "Deployment", "name": "cert-manager", "api": True,
     "why": "the controller: issues Certificates into Secrets", "how": _CHART},
    {"stage": "cert_manager", "kind": "Job", "name": "*-startupapicheck", "api": True,
     "why": "checks that the API accepts cert-manager resources (dry-run create)", "how": _CHART},
    {"stage": "gpu_operator", "kind": "Deployment", "name": "*-node-feature-discovery-*", "api": True,
     "why": "NFD master and garbage collector: write node labels and NodeFeature objects", "how": _CHART},
    {"stage": "gpu_operator", "kind": "DaemonSet", "name": "*-node-feature-discovery-worker", "api": True,
     "why": "publishes each node's features as NodeFeature objects", "how": _CHART},
    {"stage": "gpu_operator", "kind": "Job", "name": "*-node-feature-discovery-prune", "api": True,
     "why": "uninstall hook: removes NFD's node labels", "how": _CHART},
    {"stage": "gpu_operator", "kind": "Job", "name": "*-upgrade-crd", "api": True,
     "why": "upgrade hook: applies the operator's CRDs", "how": _CHART},
    {"stage": "gpu_operator", "kind": "Job", "name": "*-cleanup-*", "api": True,
     "why": "uninstall hook: deletes the ClusterPolicy", "how": _CHART},
    {"stage": "gpu_operator", "kind": "Deployment", "name": "gpu-operator", "api": True,
     "why": "reconciles the ClusterPolicy into the driver, toolkit, device plugin and exporter DaemonSets",
     "how": _CHART},
    {"stage": "gpu_operator", "kind": "ClusterPolicy", "name": "*", "api": True, "operator": True,
     "why": "operands (device plugin, GPU feature discovery, validator, MIG manager, DCGM exporter, toolkit) label "
            "nodes, read the device plugin ConfigMaps or map pods to GPUs", "how": _OPERATOR},
    {"stage": "network_operator", "kind": "Deployment", "name": "network-operator", "api": True,
     "why": "reconciles the NicClusterPolicy into the OFED, device plugin and CNI DaemonSets", "how": _CHART},
    {"stage": "network_operator", "kind": "Job", "name": "*", "api": True,
     "why": "install/upgrade hooks: apply CRDs and keep the NicClusterPolicy", "how": _CHART},
    {"stage": "network_operator", "kind": "DaemonSet", "name": "*sriov-cni", "api": False,
     "why": "copies the (ib-)sriov CNI binary into the host's CNI directory, then sleeps",
     "how": "our manifest: ServiceAccount <cni>-cni, automount off"},
    {"stage": "network_operator", "kind": "NicClusterPolicy", "name": "*", "api": True, "operator": True,
     "why": "operands (RDMA/SR-IOV device plugin, Multus, IPAM) read node and network objects", "how": _OPERATOR},
    # --- storage: Rook
    {"stage": "storage", "kind": "Deployment", "name": "rook-ceph-operator", "api": True,
     "why": "reconciles CephCluster and its pools, object stores and file systems", "how": _CHART},
    {"stage": "storage", "kind": "Deployment", "name": "ceph-csi-controller-manager", "api": True,
     "why": "Ceph-CSI operator: deploys the CSI drivers", "how": _CHART},
    {"stage": "storage", "kind": "CephCluster", "name": "*", "api": True, "operator": True,
     "why": "the mgr (Rook orchestrator module) and the OSD prepare Jobs use the API; mons, OSDs and the crash "
            "collector do not, but Rook makes their accounts (rook-ceph-default, -mgr, -osd) and the CephCluster has "
            "no token option", "how": _OPERATOR},
    {"stage": "storage", "kind": "CephObjectStore", "name": "*", "api": False, "operator": True,
     "why": "RGW serves S3 from Ceph and needs no API, but runs as Rook's rook-ceph-rgw account: the "
            "CephObjectStore has no token option", "how": _OPERATOR},
    {"stage": "storage", "kind": "CephFilesystem", "name": "*", "api": False, "operator": True,
     "why": "MDS needs no API, but runs as Rook's rook-ceph-default account: the CephFilesystem has no token option",
     "how": _OPERATOR},
    # --- model_serving
    {"stage": "model_serving", "kind": "Deployment", "name": "lws-controller-manager", "api": True,
     "why": "the LeaderWorkerSet controller: creates the groups' StatefulSets and pods", "how": _CHART},
    {"stage": "model_serving", "kind": "Deployment", "name": "keda-operator*", "api": True,
     "why": "KEDA operator and metrics API server: scale the engines, serve external metrics", "how": _CHART},
    {"stage": "model_serving", "kind": "Deployment", "name": "keda-admission-webhooks", "api": True,
     "why": "validates ScaledObjects against the workloads they scale", "how": _CHART},
    {"stage": "model_serving", "kind": "Job", "name": "*-weights", "api": False,
     "why": "downloads the weights over HTTP(S)/S3 onto the shared volume",
     "how": "our manifest: ServiceAccount %s, automount off" % SERVING_WEIGHTS_SA},
    {"stage": "model_serving", "kind": "Deployment", "name": "*", "api": False,
     "why": "the engine (vLLM/SGLang) serves HTTP; weights from the volume, the API key from the environment",
     "how": "our manifest: ServiceAccount %s, automount off" % SERVING_ENGINE_SA},
    {"stage": "model_serving", "kind": "LeaderWorkerSet", "name": "*", "api": False,
     "why": "multi-node engines find their leader through LWS_LEADER_ADDRESS (set by the controller), not the API",
     "how": "our manifest: ServiceAccount %s, automount off" % SERVING_ENGINE_SA},
    {"stage": "serving_benchmark", "kind": "Job", "name": "bench-*", "api": False,
     "why": "sends requests to the model Service and prints the result on its log",
     "how": "our manifest: ServiceAccount %s, automount off" % SERVING_BENCHMARK_SA},
    # --- dify: CloudNativePG, Valkey, the Dify chart
    {"stage": "cloudnative_pg", "kind": "Deployment", "name": "*cloudnative-pg", "api": True,
     "why": "the CloudNativePG operator: reconciles Clusters into pods, Services and Secrets", "how": _CHART},
    {"stage": "dify", "kind": "Cluster", "name": "*", "api": True,
     "why": "the instance manager in each PostgreSQL pod (and the initdb/join Jobs) reads its Cluster and Secrets "
            "and reports status; CloudNativePG gives the Cluster's own ServiceAccount a Role for exactly that",
     "how": "the operator: ServiceAccount named after the Cluster (no automount option in the Cluster spec)"},
    {"stage": "dify", "kind": "StatefulSet", "name": "*-redis", "api": False,
     "why": "Valkey: a TCP server with its data on a volume",
     "how": "our manifest: ServiceAccount <release>-redis, automount off"},
    {"stage": "dify", "kind": "StatefulSet", "name": "weaviate", "api": False,
     "why": "Weaviate: vectors on a volume; its nodes find each other through the headless Service's DNS",
     "how": "chart value weaviate.serviceAccountName (the subchart makes none): our manifest <release>-weaviate, "
            "automount off"},
    {"stage": "dify", "kind": "Job", "name": "*-test-*", "api": False, "default_sa": True,
     "why": "`helm test` hooks (pg_isready, redis-cli), never run by the stack: the chart gives them no "
            "ServiceAccount option",
     "how": "namespace's `default` ServiceAccount, rendered by the dify stage with automount off"},
    {"stage": "dify", "kind": "Deployment", "name": "*", "api": False,
     "why": "api, worker, beat, web, sandbox, plugin daemon, nginx proxy and SSRF proxy talk to PostgreSQL, Redis, "
            "the object store, the model Services and each other, never to Kubernetes (the plugin daemon runs "
            "plugins as local processes)",
     "how": "chart values <component>.serviceAccount (create, <release>-<component>, automount off)"},
    # --- security: Istio, oauth2-proxy, Fluent Bit
    {"stage": "security", "kind": "Deployment", "name": "istiod", "api": True,
     "why": "watches Services, pods and Istio resources; signs workload certificates after TokenReview",
     "how": _CHART},
    {"stage": "security", "kind": "DaemonSet", "name": "istio-cni-node", "api": True,
     "why": "reads pods and namespaces to redirect ambient pods' traffic", "how": _CHART},
    {"stage": "security", "kind": "DaemonSet", "name": "ztunnel", "api": True,
     "why": "authenticates to istiod with its token to fetch the certificates of the pods on its node",
     "how": _CHART},
    {"stage": "security", "kind": "Deployment", "name": "oauth2-proxy", "api": False,
     "why": "an HTTP proxy in front of the IdP", "how": "chart value serviceAccount.automountServiceAccountToken"},
    {"stage": "security", "kind": "DaemonSet", "name": "fluent-bit", "api": True,
     "why": "the kubernetes filter reads pod metadata (labels, namespace) for every log line", "how": _CHART},
    # --- observability: kube-prometheus-stack
    {"stage": "observability", "kind": "Deployment", "name": "*-operator", "api": True,
     "why": "the Prometheus operator: reconciles Prometheus, Alertmanager and the monitors", "how": _CHART},
    {"stage": "observability", "kind": "Job", "name": "*-admission-*", "api": True,
     "why": "hooks: create the webhook certificate Secret and patch the webhook configurations", "how": _CHART},
    {"stage": "observability", "kind": "Deployment", "name": "*-kube-state-metrics", "api": True,
     "why": "exports the state of the cluster's objects, read from the API", "how": _CHART},
    {"stage": "observability", "kind": "Deployment", "name": "*-grafana", "api": True,
     "why": "its dashboard sidecar lists and watches the dashboard ConfigMaps", "how": _CHART},
    {"stage": "observability", "kind": "DaemonSet", "name": "*-node-exporter", "api": False,
     "why": "reads /proc and /sys of its node", "how": "chart default: automount off"},
    {"stage": "observability", "kind": "Prometheus", "name": "*", "api": True,
     "why": "Kubernetes service discovery of every ServiceMonitor's endpoints",
     "how": "the chart's ServiceAccount (prometheus.serviceAccount) with its read-only RBAC"},
    {"stage": "observability", "kind": "Alertmanager", "name": "*", "api": False,
     "why": "routes alerts; its configuration is a mounted Secret the config reloader watches as files",
     "how": "chart values alertmanager.serviceAccount and alertmanagerSpec.automountServiceAccountToken: off"},
    # --- backup: Velero
    {"stage": "backup", "kind": "Deployment", "name": "velero", "api": True,
     "why": "backs up and restores the API's objects and volume snapshots", "how": _CHART},
    {"stage": "backup", "kind": "DaemonSet", "name": "node-agent", "api": True,
     "why": "watches PodVolumeBackup/Restore objects and reports their progress", "how": _CHART},
    {"stage": "backup", "kind": "Job", "name": "*-upgrade-crds", "api": True,
     "why": "upgrade hook: applies Velero's CRDs", "how": _CHART},
)


def service_account(namespace, name, labels, description):
    """The manifest (phase pre: before the workloads and releases that use it) of a ServiceAccount without a token.
    ``labels``: the stage's (k8s_platform.LABELS; not imported here, k8s_platform uses this module)."""
    return {"phase": "pre", "description": description,
            "definition": {"apiVersion": "v1", "kind": "ServiceAccount",
                           "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
                           "automountServiceAccountToken": False}}


def no_token(pod_spec, name):
    """Run ``pod_spec`` as ServiceAccount ``name`` without a token (set on the pod too: it wins over the account)."""
    pod_spec["serviceAccountName"] = name
    pod_spec["automountServiceAccountToken"] = False
    return pod_spec


def chart_service_account(name):
    """The ``serviceAccount`` values of a chart component that makes its own account: created, named, no token."""
    return {"create": True, "name": name, "automountServiceAccountToken": False}


# ------------------------------------------------------------------------------------------- evaluating a render


def _templates(obj):
    kind, spec = obj.get("kind"), obj.get("spec") or {}
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"):
        return [("", spec.get("template") or {})]
    if kind == "CronJob":
        return [("", ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {})]
    if kind == "Pod":
        return [("", obj)]
    if kind == "LeaderWorkerSet":
        lws = spec.get("leaderWorkerTemplate") or {}
        # Without a leaderTemplate the leader is made from the workerTemplate.
        return [(" " + part, lws[part]) for part in ("leaderTemplate", "workerTemplate") if part in lws]
    return []


def pods(stage, objects):
    """[{stage, kind, name, namespace, part, service_account, automount, operator}] of every pod template in
    ``objects`` (one stage's rendered objects). ``automount``: the pod spec's field (None when absent);
    ``operator``: the pods come from an operator that names their accounts itself (service_account None)."""
    out = []
    for obj in objects:
        meta = obj.get("metadata") or {}
        base = {"stage": stage, "kind": obj.get("kind"), "name": meta.get("name"), "namespace": meta.get("namespace"),
                "operator": False}
        if obj.get("kind") in OPERATOR_KINDS:
            fields = OPERATOR_KINDS[obj["kind"]]
            spec = obj.get("spec") or {}
            if fields is None:
                out.append(dict(base, part="", service_account=None, automount=None, operator=True))
            else:
                sa_field, automount_field, fallback = fields
                out.append(dict(base, part="", service_account=spec.get(sa_field) or fallback or meta.get("name"),
                                automount=spec.get(automount_field) if automount_field else None))
            continue
        for part, template in _templates(obj):
            spec = template.get("spec") or {}
            out.append(dict(base, part=part,
                            service_account=spec.get("serviceAccountName") or spec.get("serviceAccount") or "default",
                            automount=spec.get("automountServiceAccountToken")))
    return out


def service_accounts(objects):
    """{(namespace, name): automountServiceAccountToken or None} of the ServiceAccounts among ``objects``."""
    return dict(((obj["metadata"].get("namespace"), obj["metadata"]["name"]), obj.get("automountServiceAccountToken"))
                for obj in objects if obj.get("kind") == "ServiceAccount")


def effective_automount(pod_automount, account_automount):
    """Whether Kubernetes mounts the token: the pod's field if set, else the ServiceAccount's, else it does."""
    if pod_automount is not None:
        return bool(pod_automount)
    if account_automount is not None:
        return bool(account_automount)
    return True


def row(pod, table=WORKLOADS):
    """The first row of ``table`` for ``pod`` (stage, kind, name pattern), or None."""
    for entry in table:
        if entry["stage"] == pod["stage"] and entry["kind"] == pod["kind"] and fnmatch.fnmatchcase(
                pod["name"] or "", entry["name"]):
            return entry
    return None


def problems(found, accounts, table=WORKLOADS):
    """What in ``found`` (pods()) breaks the table, with ``accounts`` (service_accounts() of the whole render)."""
    out = []
    for pod in found:
        where = "%s %s%s (stage %s, namespace %s)" % (pod["kind"], pod["name"], pod["part"], pod["stage"],
                                                      pod["namespace"])
        entry = row(pod, table)
        if entry is None:
            out.append("%s is missing from the ServiceAccount table (k8s_service_accounts.WORKLOADS): add whether it "
                       "talks to the Kubernetes API and why" % where)
            continue
        if bool(entry.get("operator")) != pod["operator"]:
            out.append("%s: the table says its pods are %s" % (
                where, "the operator's" if entry.get("operator") else "rendered here"))
        if pod["operator"]:
            continue
        account = pod["service_account"]
        if account == "default" and not entry.get("default_sa"):
            out.append("%s runs as the namespace's `default` ServiceAccount: give it a dedicated one" % where)
        mounted = effective_automount(pod["automount"], accounts.get((pod["namespace"], account)))
        if mounted and not entry["api"]:
            out.append("%s mounts a Kubernetes API token (ServiceAccount %s) but the table says it does not talk to "
                       "the API (%s): set automountServiceAccountToken false" % (where, account, entry["why"]))
    return out


def markdown_table(table=WORKLOADS):
    """The table as docs/security.md shows it (tests/unit compares the two)."""
    lines = ["| Stage | Workload | API token | Why | ServiceAccount and token set by |",
             "|---|---|---|---|---|"]
    for entry in table:
        token = "yes" if entry["api"] else "no"
        if entry.get("operator"):
            token = "%s; the operator's choice" % ("needed" if entry["api"] else "not needed")
        if entry.get("default_sa"):
            token += " (`default`)"
        lines.append("| %s | %s `%s`%s | %s | %s | %s |" % (
            entry["stage"], entry["kind"], entry["name"], " (operator's pods)" if entry.get("operator") else "",
            token, entry["why"].replace("|", "\\|"), entry["how"].replace("|", "\\|")))
    return "\n".join(lines) + "\n"
