# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import sys

import pytest
import yaml

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_security as ks

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import authz_eval as az  # noqa: E402
import netpol_eval as ne  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
API_SERVER = ["10.0.0.10/32"]
NODES = ["192.0.2.0/24"]
ISSUER = "https://keycloak.example.internal/realms/privateai"


def defaults(**overrides):
    """roles/security/defaults/main.yml as the role passes it: a templated default takes its default('...')."""
    with open(os.path.join(ROOT, "roles", "security", "defaults", "main.yml")) as handle:
        settings = yaml.safe_load(handle)

    def resolve(value):
        if isinstance(value, dict):
            return dict((k, resolve(item)) for k, item in value.items())
        if isinstance(value, str) and "{{" in value:
            return re.search(r"default\('([^']*)'\)", value).group(1)
        return value
    settings = resolve(settings)
    for name in ks.TASK_ONLY:
        del settings[name]
    settings["security_api_server_cidrs"] = list(API_SERVER)
    settings["security_node_cidrs"] = list(NODES)
    settings.update(overrides)
    return settings


def policies(result):
    return [m["definition"] for m in result["stage"]["manifests"] if m["definition"]["kind"] == "NetworkPolicy"]


# Pods as the workloads label them (the Dify chart 0.37, CloudNativePG, the serving stage, Rook, ingress-nginx,
# kube-prometheus-stack, CoreDNS), written here independently of the role's selectors.
def dify(component):
    return ne.pod("dify", {"app.kubernetes.io/name": "dify", "app.kubernetes.io/instance": "dify", "component": component},
                  "dify-" + component)


SERVING = {"app.kubernetes.io/managed-by": "privateai.deepseek_dify", "app.kubernetes.io/part-of": "privateai"}
WEB, API, WORKER, BEAT = dify("web"), dify("api"), dify("worker"), dify("beat")
DAEMON, SANDBOX, SSRF, PROXY = dify("plugin-daemon"), dify("sandbox"), dify("ssrf-proxy"), dify("proxy")
WEAVIATE = ne.pod("dify", {"app": "weaviate", "app.kubernetes.io/name": "weaviate", "app.kubernetes.io/managed-by": "Helm"},
                  "weaviate")
POSTGRES = ne.pod("dify", {"cnpg.io/cluster": "dify-db", "cnpg.io/podRole": "instance", "role": "primary"}, "pg-1")
POSTGRES_2 = ne.pod("dify", {"cnpg.io/cluster": "dify-db", "cnpg.io/podRole": "instance", "role": "replica"}, "pg-2")
# CloudNativePG's Job that clones a new replica from the primary (no cnpg.io/podRole on Jobs).
POSTGRES_JOIN = ne.pod("dify", {"cnpg.io/cluster": "dify-db", "cnpg.io/jobRole": "join", "cnpg.io/instanceName": "dify-db-3",
                                "app.kubernetes.io/name": "postgresql"}, "pg-3-join")
REDIS = ne.pod("dify", {"app.kubernetes.io/name": "redis", "app.kubernetes.io/component": "master"}, "redis")
ENGINE = ne.pod("serving", dict(SERVING, **{"app.kubernetes.io/name": "bge-m3", "app.kubernetes.io/component": "engine"}))
LEADER = ne.pod("serving", dict(SERVING, **{"app.kubernetes.io/name": "r1", "app.kubernetes.io/component": "leader"}))
WORKER_POD = ne.pod("serving", dict(SERVING, **{"app.kubernetes.io/name": "r1", "app.kubernetes.io/component": "worker"}))
WEIGHTS = ne.pod("serving", dict(SERVING, **{"app.kubernetes.io/name": "r1-weights", "app.kubernetes.io/component": "weights"}))
RGW = ne.pod("rook-ceph", {"app": "rook-ceph-rgw", "rook_object_store": "ceph-objectstore"}, "rgw")
RGW_PORT = 8080  # Rook's gateway pods listen on 8080 behind the Service's port 80
INGRESS = ne.pod("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"})
PROMETHEUS = ne.pod("monitoring", {"app.kubernetes.io/name": "prometheus", "prometheus": "kube-prometheus"})
COREDNS = ne.pod("kube-system", {"k8s-app": "kube-dns"}, "coredns")
CNPG = ne.pod("cnpg-system", {"app.kubernetes.io/name": "cloudnative-pg"})
OAUTH2 = ne.pod("privateai-security", {"app.kubernetes.io/name": "oauth2-proxy", "app.kubernetes.io/instance": "oauth2"})
STRAY_DIFF = ne.pod("dify", {"app": "debug-shell"}, "a pod the stack does not know in dify")
STRAY_SERVING = ne.pod("serving", {"app": "debug-shell"}, "a pod the stack does not know in serving")
STRAY_SECURITY = ne.pod("privateai-security", {"app": "debug-shell"}, "a pod the stack does not know in privateai-security")
ELSEWHERE = ne.pod("default", {"app": "anything"}, "a pod of a namespace nobody manages")
TENANT_A = ne.pod("tenant-a", {"app": "notebook"}, "tenant-a")
TENANT_B = ne.pod("tenant-b", {"app": "notebook"}, "tenant-b")
TENANT_A2 = ne.pod("tenant-a", {"app": "db"}, "tenant-a db")
INTERNET = ne.external("203.0.113.10")
API_SERVER_IP = ne.external("10.0.0.10")

# (name, source, destination, port, protocol): what the stack needs.
NEEDED = [
    ("ingress -> Dify nginx front", INGRESS, PROXY, 8080, "TCP"),
    ("Dify nginx front -> web", PROXY, WEB, 3000, "TCP"),
    ("Dify nginx front -> api", PROXY, API, 5001, "TCP"),
    ("Dify nginx front -> plugin daemon (/e/)", PROXY, DAEMON, 5002, "TCP"),
    ("ingress -> model API (machine clients with API keys)", INGRESS, ENGINE, 8000, "TCP"),
    ("Dify web -> api", WEB, API, 5001, "TCP"),
    ("Dify api -> model", API, ENGINE, 8000, "TCP"),
    ("Dify api -> multi-node model leader", API, LEADER, 8000, "TCP"),
    ("Dify worker -> model", WORKER, ENGINE, 8000, "TCP"),
    ("Dify plugin daemon -> model", DAEMON, ENGINE, 8000, "TCP"),
    ("Dify api -> postgres", API, POSTGRES, 5432, "TCP"),
    ("Dify worker -> postgres", WORKER, POSTGRES, 5432, "TCP"),
    ("Dify plugin daemon -> postgres", DAEMON, POSTGRES, 5432, "TCP"),
    ("postgres replica -> primary", POSTGRES_2, POSTGRES, 5432, "TCP"),
    ("postgres join Job -> primary", POSTGRES_JOIN, POSTGRES, 5432, "TCP"),
    ("postgres join Job -> API server", POSTGRES_JOIN, API_SERVER_IP, 6443, "TCP"),
    ("postgres -> object store (WAL archive, base backups)", POSTGRES, RGW, RGW_PORT, "TCP"),
    ("CNPG operator -> instance status", CNPG, POSTGRES, 8000, "TCP"),
    ("postgres -> API server", POSTGRES, API_SERVER_IP, 6443, "TCP"),
    ("Dify api -> redis", API, REDIS, 6379, "TCP"),
    ("Dify worker -> redis", WORKER, REDIS, 6379, "TCP"),
    ("Dify beat -> redis", BEAT, REDIS, 6379, "TCP"),
    ("Dify plugin daemon -> redis", DAEMON, REDIS, 6379, "TCP"),
    ("Dify api -> plugin daemon", API, DAEMON, 5002, "TCP"),
    ("Dify plugin daemon -> api", DAEMON, API, 5001, "TCP"),
    ("Dify api -> sandbox", API, SANDBOX, 8194, "TCP"),
    ("Dify worker -> sandbox", WORKER, SANDBOX, 8194, "TCP"),
    ("Dify api -> weaviate", API, WEAVIATE, 8080, "TCP"),
    ("Dify worker -> weaviate gRPC", WORKER, WEAVIATE, 50051, "TCP"),
    ("Dify SSRF proxy -> model", SSRF, ENGINE, 8000, "TCP"),
    ("Dify sandbox -> ssrf proxy", SANDBOX, SSRF, 3128, "TCP"),
    ("Dify api -> object store", API, RGW, RGW_PORT, "TCP"),
    ("Dify worker -> object store", WORKER, RGW, RGW_PORT, "TCP"),
    ("Prometheus -> model metrics", PROMETHEUS, ENGINE, 8000, "TCP"),
    ("Prometheus -> postgres exporter", PROMETHEUS, POSTGRES, 9187, "TCP"),
    ("leader -> worker (NCCL, any port)", LEADER, WORKER_POD, 29500, "TCP"),
    ("worker -> leader (NCCL, any port)", WORKER_POD, LEADER, 41000, "TCP"),
    ("weights Job -> object store", WEIGHTS, RGW, RGW_PORT, "TCP"),
    ("Dify api -> DNS", API, COREDNS, 53, "UDP"),
    ("model -> DNS", ENGINE, COREDNS, 53, "UDP"),
    ("weights Job -> DNS over TCP", WEIGHTS, COREDNS, 53, "TCP"),
    ("oauth2-proxy -> DNS", OAUTH2, COREDNS, 53, "UDP"),
    ("kubelet probe of a model (ambient mesh)", ne.external("169.254.7.127"), ENGINE, 8000, "TCP"),
    ("kubelet probe of Dify api (ambient mesh)", ne.external("169.254.7.127"), API, 5001, "TCP"),
    ("kubelet probe of oauth2-proxy (ambient mesh)", ne.external("169.254.7.127"), OAUTH2, 4180, "TCP"),
    ("Dify worker -> plugin daemon", WORKER, DAEMON, 5002, "TCP"),
    ("Dify api -> ssrf proxy", API, SSRF, 3128, "TCP"),
    ("Dify worker -> ssrf proxy", WORKER, SSRF, 3128, "TCP"),
    ("Dify plugin daemon -> object store", DAEMON, RGW, RGW_PORT, "TCP"),
]
# What must stay denied.
DENIED = [
    ("Dify web -> database", WEB, POSTGRES, 5432, "TCP"),
    ("Dify web -> redis", WEB, REDIS, 6379, "TCP"),
    ("Dify web -> model", WEB, ENGINE, 8000, "TCP"),
    ("ingress -> Dify api past the nginx front", INGRESS, API, 5001, "TCP"),
    ("ingress -> Dify web past the nginx front", INGRESS, WEB, 3000, "TCP"),
    ("Dify nginx front -> database", PROXY, POSTGRES, 5432, "TCP"),
    ("Dify SSRF proxy -> database", SSRF, POSTGRES, 5432, "TCP"),
    ("Dify web -> weaviate", WEB, WEAVIATE, 8080, "TCP"),
    ("model -> internet", ENGINE, INTERNET, 443, "TCP"),
    ("weights Job -> internet (no mirror given)", WEIGHTS, INTERNET, 443, "TCP"),
    ("Dify api -> internet", API, INTERNET, 443, "TCP"),
    ("Dify sandbox -> internet", SANDBOX, INTERNET, 443, "TCP"),
    ("Dify sandbox -> database", SANDBOX, POSTGRES, 5432, "TCP"),
    ("internet -> model", INTERNET, ENGINE, 8000, "TCP"),
    ("model -> Dify database", ENGINE, POSTGRES, 5432, "TCP"),
    ("tenant -> model", TENANT_A, ENGINE, 8000, "TCP"),
    ("tenant -> Dify api", TENANT_A, API, 5001, "TCP"),
    ("unknown dify pod -> internet", STRAY_DIFF, INTERNET, 443, "TCP"),
    ("tenant -> unknown dify pod", TENANT_A, STRAY_DIFF, 8080, "TCP"),
    ("unknown serving pod -> internet", STRAY_SERVING, INTERNET, 443, "TCP"),
    ("tenant -> unknown serving pod", TENANT_A, STRAY_SERVING, 8080, "TCP"),
    ("unmanaged namespace -> unknown dify pod", ELSEWHERE, STRAY_DIFF, 8080, "TCP"),
    ("unmanaged namespace -> unknown serving pod", ELSEWHERE, STRAY_SERVING, 8080, "TCP"),
    ("unmanaged namespace -> unknown security pod", ELSEWHERE, STRAY_SECURITY, 8080, "TCP"),
    ("model engine on a port it does not serve", API, ENGINE, 22, "TCP"),
    ("Prometheus -> Dify api", PROMETHEUS, API, 5001, "TCP"),
]
TENANT_NEEDED = [("tenant pod -> its own namespace", TENANT_A, TENANT_A2, 5432, "TCP"),
                 ("kubelet probe of a tenant pod (ambient mesh)", ne.external("169.254.7.127"), TENANT_A, 8080, "TCP"),
                 ("tenant pod -> DNS", TENANT_A, COREDNS, 53, "UDP"),
                 ("tenant-b pod -> its own namespace", TENANT_B, ne.pod("tenant-b", {"app": "db"}), 5432, "TCP"),
                 ("tenant-b pod -> DNS", TENANT_B, COREDNS, 53, "UDP")]
# Only where the site lists its tenant namespaces (security_tenant_namespaces).
TENANT_DENIED = [("tenant -> tenant", TENANT_A, TENANT_B, 8080, "TCP"),
                 ("tenant -> internet", TENANT_A, INTERNET, 443, "TCP"),
                 ("unmanaged namespace -> tenant", ELSEWHERE, TENANT_A, 8080, "TCP")]
TENANTS = ["tenant-a", "tenant-b"]


WAYPOINT = ne.pod("serving", {"gateway.networking.k8s.io/gateway-name": "waypoint", "istio.io/gateway-name": "waypoint"},
                  "the serving waypoint")
ISTIOD = ne.pod("istio-system", {"app": "istiod", "istio": "pilot"}, "istiod")
IDP = ne.external("10.0.0.20")
# With the OIDC front: the model API through the serving waypoint, oauth2-proxy behind the ingress controller.
OIDC_NEEDED = [
    ("ingress -> oauth2-proxy", INGRESS, OAUTH2, 4180, "TCP"),
    ("oauth2-proxy -> IdP", OAUTH2, IDP, 443, "TCP"),
    ("Prometheus -> oauth2-proxy metrics", PROMETHEUS, OAUTH2, 44180, "TCP"),
    ("Dify api -> waypoint (HBONE)", API, WAYPOINT, 15008, "TCP"),
    ("Dify worker -> waypoint (HBONE)", WORKER, WAYPOINT, 15008, "TCP"),
    ("Dify plugin daemon -> waypoint (HBONE)", DAEMON, WAYPOINT, 15008, "TCP"),
    ("Dify SSRF proxy -> waypoint (HBONE)", SSRF, WAYPOINT, 15008, "TCP"),
    ("ingress -> waypoint (HBONE)", INGRESS, WAYPOINT, 15008, "TCP"),
    ("waypoint -> model", WAYPOINT, ENGINE, 8000, "TCP"),
    ("waypoint -> model (HBONE)", WAYPOINT, ENGINE, 15008, "TCP"),
    ("waypoint -> istiod", WAYPOINT, ISTIOD, 15012, "TCP"),
    ("Dify api -> model (HBONE)", API, ENGINE, 15008, "TCP"),
]
OIDC_DENIED = [
    ("oauth2-proxy -> internet", OAUTH2, INTERNET, 443, "TCP"),
    ("oauth2-proxy -> Dify database", OAUTH2, POSTGRES, 5432, "TCP"),
    ("Dify web -> waypoint", WEB, WAYPOINT, 15008, "TCP"),
    ("tenant -> waypoint", TENANT_A, WAYPOINT, 15008, "TCP"),
]
OIDC = {"security_oidc_issuer_url": ISSUER, "security_oidc_egress_cidrs": ["10.0.0.20/32"]}


# --- The platform namespaces: pods as the platform charts and operators label them (cert-manager v1.21, gpu-operator
# v26.7 and the operands it makes, network-operator 26.4, Rook v1.20 and the Ceph daemons it makes, lws, KEDA 2.20,
# CloudNativePG, kube-prometheus-stack 88.5 and the Prometheus/Alertmanager its operator makes, Velero 12.1, Istio
# 1.30, Fluent Bit), written here from those renders and the operators' documentation, not from the role's selectors.
def _chart_pod(namespace, name, **labels):
    return ne.pod(namespace, labels, name)


CM_CONTROLLER = ne.pod("cert-manager", {"app": "cert-manager", "app.kubernetes.io/name": "cert-manager",
                                        "app.kubernetes.io/instance": "cert-manager",
                                        "app.kubernetes.io/component": "controller"}, "cert-manager")
CM_CAINJECTOR = ne.pod("cert-manager", {"app": "cainjector", "app.kubernetes.io/name": "cainjector",
                                        "app.kubernetes.io/component": "cainjector"}, "cert-manager-cainjector")
CM_WEBHOOK = ne.pod("cert-manager", {"app": "webhook", "app.kubernetes.io/name": "webhook",
                                     "app.kubernetes.io/component": "webhook"}, "cert-manager-webhook")
GPU_OPERATOR = ne.pod("gpu-operator", {"app": "gpu-operator", "app.kubernetes.io/name": "gpu-operator",
                                       "app.kubernetes.io/component": "gpu-operator"}, "gpu-operator")
NFD_WORKER = ne.pod("gpu-operator", {"app.kubernetes.io/name": "node-feature-discovery", "role": "worker"}, "nfd-worker")
DCGM = ne.pod("gpu-operator", {"app": "nvidia-dcgm-exporter"}, "nvidia-dcgm-exporter")
NET_OPERATOR = ne.pod("nvidia-network-operator", {"control-plane": "network-operator-controller",
                                                  "app.kubernetes.io/name": "network-operator"}, "network-operator")
ROOK_OPERATOR = ne.pod("rook-ceph", {"app": "rook-ceph-operator"}, "rook-ceph-operator")
CSI_CTRL = ne.pod("rook-ceph", {"app": "csi-rbdplugin-provisioner"}, "csi-rbdplugin-provisioner")
MON = ne.pod("rook-ceph", {"app": "rook-ceph-mon", "ceph_daemon_type": "mon"}, "rook-ceph-mon-a")
MGR = ne.pod("rook-ceph", {"app": "rook-ceph-mgr", "ceph_daemon_type": "mgr"}, "rook-ceph-mgr-a")
OSD = ne.pod("rook-ceph", {"app": "rook-ceph-osd", "ceph_daemon_type": "osd"}, "rook-ceph-osd-0")
OSD_1 = ne.pod("rook-ceph", {"app": "rook-ceph-osd", "ceph_daemon_type": "osd"}, "rook-ceph-osd-1")
MDS = ne.pod("rook-ceph", {"app": "rook-ceph-mds", "ceph_daemon_type": "mds"}, "rook-ceph-mds-a")
LWS = ne.pod("lws-system", {"control-plane": "controller-manager", "app.kubernetes.io/name": "lws"}, "lws-controller")
KEDA_OPERATOR = ne.pod("keda", {"app": "keda-operator", "app.kubernetes.io/name": "keda-operator"}, "keda-operator")
KEDA_METRICS = ne.pod("keda", {"app": "keda-operator-metrics-apiserver"}, "keda-operator-metrics-apiserver")
KEDA_WEBHOOKS = ne.pod("keda", {"app": "keda-admission-webhooks"}, "keda-admission-webhooks")
PROM_OPERATOR = ne.pod("monitoring", {"app": "kube-prometheus-stack-operator", "app.kubernetes.io/component": "prometheus-operator",
                                      "app.kubernetes.io/name": "kube-prometheus-stack-prometheus-operator"}, "prom-operator")
ADMISSION_JOB = ne.pod("monitoring", {"app": "kube-prometheus-stack-admission-create",
                                      "app.kubernetes.io/component": "prometheus-operator-webhook"}, "admission-create")
KSM = ne.pod("monitoring", {"app.kubernetes.io/name": "kube-state-metrics"}, "kube-state-metrics")
GRAFANA = ne.pod("monitoring", {"app.kubernetes.io/name": "grafana"}, "grafana")
ALERTMANAGER = ne.pod("monitoring", {"app.kubernetes.io/name": "alertmanager", "alertmanager": "main"}, "alertmanager-0")
ALERTMANAGER_1 = ne.pod("monitoring", {"app.kubernetes.io/name": "alertmanager", "alertmanager": "main"}, "alertmanager-1")
VELERO = ne.pod("velero", {"name": "velero", "app.kubernetes.io/name": "velero"}, "velero")
NODE_AGENT = ne.pod("velero", {"name": "node-agent", "role": "node-agent", "app.kubernetes.io/name": "velero"}, "node-agent")
VELERO_CRD_JOB = ne.pod("velero", {}, "velero-upgrade-crds (a hook Job without labels)")
ISTIO_CNI = ne.pod("istio-system", {"k8s-app": "istio-cni-node"}, "istio-cni-node")
ZTUNNEL = ne.pod("istio-system", {"app": "ztunnel"}, "ztunnel")
FLUENT_BIT = ne.pod("privateai-logging", {"app.kubernetes.io/name": "fluent-bit"}, "fluent-bit")
NODE = ne.external("192.0.2.15")  # a node's address (security_node_cidrs): host-network pods, kernel Ceph clients
SIEM = ne.external("10.1.2.3")
SMTP = ne.external("10.70.0.25")
OFFSITE_S3 = ne.external("198.51.100.20")
PLATFORM_NAMESPACES = ("cert-manager", "gpu-operator", "nvidia-network-operator", "rook-ceph", "lws-system", "keda",
                       "cnpg-system", "monitoring", "velero", "istio-system")


def _api(name, pod):
    return ("%s -> API server" % name, pod, API_SERVER_IP, 6443, "TCP")


PLATFORM_NEEDED = [_api(pod["name"], pod) for pod in (
    CM_CONTROLLER, CM_CAINJECTOR, CM_WEBHOOK, GPU_OPERATOR, NFD_WORKER, NET_OPERATOR, ROOK_OPERATOR, CSI_CTRL, MGR, LWS,
    KEDA_OPERATOR, KEDA_METRICS, CNPG, PROMETHEUS, PROM_OPERATOR, ADMISSION_JOB, KSM, GRAFANA, VELERO, NODE_AGENT,
    VELERO_CRD_JOB, ISTIOD, ISTIO_CNI)] + [
    ("API server -> cert-manager webhook", API_SERVER_IP, CM_WEBHOOK, 10250, "TCP"),
    ("API server -> CNPG webhook", API_SERVER_IP, CNPG, 9443, "TCP"),
    ("API server -> LWS webhook", API_SERVER_IP, LWS, 9443, "TCP"),
    ("API server -> KEDA admission webhooks", API_SERVER_IP, KEDA_WEBHOOKS, 9443, "TCP"),
    ("API server -> KEDA metrics API", API_SERVER_IP, KEDA_METRICS, 6443, "TCP"),
    ("API server -> Prometheus operator webhook", API_SERVER_IP, PROM_OPERATOR, 10250, "TCP"),
    ("API server -> istiod webhook", API_SERVER_IP, ISTIOD, 15017, "TCP"),
    ("KEDA metrics API -> operator", KEDA_METRICS, KEDA_OPERATOR, 9666, "TCP"),
    ("KEDA operator -> Prometheus (prometheus triggers)", KEDA_OPERATOR, PROMETHEUS, 9090, "TCP"),
    ("Prometheus -> cert-manager metrics", PROMETHEUS, CM_CONTROLLER, 9402, "TCP"),
    ("Prometheus -> DCGM exporter", PROMETHEUS, DCGM, 9400, "TCP"),
    ("Prometheus -> Ceph mgr", PROMETHEUS, MGR, 9283, "TCP"),
    ("Prometheus -> Velero metrics", PROMETHEUS, VELERO, 8085, "TCP"),
    ("Prometheus -> node agent metrics", PROMETHEUS, NODE_AGENT, 8085, "TCP"),
    ("Prometheus -> kube-state-metrics", PROMETHEUS, KSM, 8080, "TCP"),
    ("Prometheus -> Prometheus operator", PROMETHEUS, PROM_OPERATOR, 10250, "TCP"),
    ("Prometheus -> Grafana", PROMETHEUS, GRAFANA, 3000, "TCP"),
    ("Prometheus -> Alertmanager", PROMETHEUS, ALERTMANAGER, 9093, "TCP"),
    ("Prometheus -> Alertmanager's config reloader", PROMETHEUS, ALERTMANAGER, 8080, "TCP"),
    ("Prometheus -> CoreDNS metrics", PROMETHEUS, COREDNS, 9153, "TCP"),
    ("Prometheus -> node-exporter (host network)", PROMETHEUS, NODE, 9100, "TCP"),
    ("Prometheus -> kubelet", PROMETHEUS, NODE, 10250, "TCP"),
    ("Grafana -> Prometheus", GRAFANA, PROMETHEUS, 9090, "TCP"),
    ("Grafana -> Alertmanager", GRAFANA, ALERTMANAGER, 9093, "TCP"),
    ("Rook operator -> mon (msgr2)", ROOK_OPERATOR, MON, 3300, "TCP"),
    ("CSI controller plugin -> OSD", CSI_CTRL, OSD, 6800, "TCP"),
    ("OSD -> OSD (replication)", OSD, OSD_1, 7000, "TCP"),
    ("mgr -> mon (v1)", MGR, MON, 6789, "TCP"),
    ("MDS -> OSD", MDS, OSD, 6850, "TCP"),
    ("RGW -> OSD", RGW, OSD, 6801, "TCP"),
    ("node (kernel RBD client) -> mon", NODE, MON, 3300, "TCP"),
    ("node (kernel RBD client) -> OSD", NODE, OSD, 7300, "TCP"),
    ("node (kernel CephFS client) -> MDS", NODE, MDS, 6800, "TCP"),
    ("Velero -> object store", VELERO, RGW, RGW_PORT, "TCP"),
    ("node agent -> object store", NODE_AGENT, RGW, RGW_PORT, "TCP"),
    ("ztunnel -> istiod (xDS, certificates)", ZTUNNEL, ISTIOD, 15012, "TCP"),
] + [("%s -> DNS" % pod["name"], pod, COREDNS, 53, "UDP") for pod in (
    CM_CONTROLLER, GPU_OPERATOR, NET_OPERATOR, ROOK_OPERATOR, LWS, KEDA_OPERATOR, CNPG, PROMETHEUS, VELERO, ISTIOD)]
# One pod each platform namespace runs that the stack does not know: nothing reaches it.
STRAYS = [ne.pod(namespace, {"app": "debug-shell"}, "a pod the stack does not know in " + namespace)
          for namespace in PLATFORM_NAMESPACES]
PLATFORM_DENIED = [
    # No monitor of the stack scrapes these (k8s_security.FLOWS): closed. One Alertmanager (no cluster peers).
    ("Prometheus -> GPU Operator metrics (not scraped)", PROMETHEUS, GPU_OPERATOR, 8080, "TCP"),
    ("Prometheus -> CNPG operator metrics (not scraped)", PROMETHEUS, CNPG, 8080, "TCP"),
    ("Prometheus -> istiod metrics (not scraped)", PROMETHEUS, ISTIOD, 15014, "TCP"),
    ("Prometheus -> ztunnel metrics (not scraped)", PROMETHEUS, ZTUNNEL, 15020, "TCP"),
    ("Alertmanager cluster gossip (one replica)", ALERTMANAGER, ALERTMANAGER_1, 9094, "TCP"),
    ("Prometheus -> Alertmanager on another port", PROMETHEUS, ALERTMANAGER, 9094, "TCP"),
    ("Dify web -> Ceph mon", WEB, MON, 3300, "TCP"),
    ("Dify api -> OSD", API, OSD, 6800, "TCP"),
    ("model engine -> cert-manager webhook", ENGINE, CM_WEBHOOK, 10250, "TCP"),
    ("tenant -> Prometheus", TENANT_A, PROMETHEUS, 9090, "TCP"),
    ("tenant -> Grafana", TENANT_A, GRAFANA, 3000, "TCP"),
    ("unmanaged namespace -> Alertmanager", ELSEWHERE, ALERTMANAGER, 9093, "TCP"),
    ("internet -> cert-manager webhook", INTERNET, CM_WEBHOOK, 10250, "TCP"),
    ("a node -> Dify api", NODE, API, 5001, "TCP"),
    ("a node -> Prometheus", NODE, PROMETHEUS, 9090, "TCP"),
    ("cert-manager -> Dify database", CM_CONTROLLER, POSTGRES, 5432, "TCP"),
    ("Grafana -> Dify api", GRAFANA, API, 5001, "TCP"),
    ("Velero -> Dify database", VELERO, POSTGRES, 5432, "TCP"),
    ("Ceph mon -> model", MON, ENGINE, 8000, "TCP"),
    ("Alertmanager -> API server", ALERTMANAGER, API_SERVER_IP, 6443, "TCP"),
    ("ztunnel -> API server", ZTUNNEL, API_SERVER_IP, 6443, "TCP"),
    ("Alertmanager -> SMTP relay (no receiver addresses given)", ALERTMANAGER, SMTP, 25, "TCP"),
    ("Prometheus -> a node's SSH", PROMETHEUS, NODE, 22, "TCP"),
] + [("%s -> internet" % pod["name"], pod, INTERNET, 443, "TCP") for pod in (
    CM_CONTROLLER, CM_WEBHOOK, GPU_OPERATOR, DCGM, NET_OPERATOR, ROOK_OPERATOR, MON, OSD, MGR, LWS, KEDA_OPERATOR,
    KEDA_METRICS, CNPG, PROMETHEUS, PROM_OPERATOR, KSM, GRAFANA, ALERTMANAGER, VELERO, NODE_AGENT, ISTIOD, ZTUNNEL,
    ISTIO_CNI)] + [("unmanaged namespace -> %s" % pod["name"], ELSEWHERE, pod, 8080, "TCP") for pod in STRAYS] + [
    ("%s -> internet" % pod["name"], pod, INTERNET, 443, "TCP") for pod in STRAYS]
# The optional and conditional peers outside the cluster: the SIEM sink (security_audit_sink), Alertmanager's
# receivers, the off-site S3 (backup_location: s3).
OUTSIDE = {"security_audit_sink": {"type": "syslog", "host": "siem.example.internal", "port": 6514},
           "security_audit_sink_cidrs": ["10.1.2.0/24"], "security_alertmanager_egress_cidrs": ["10.70.0.0/24"],
           "security_backup_s3_cidrs": ["198.51.100.0/24"]}
OUTSIDE_STACK = {"backup_location": "s3", "backup_s3": {"url": "https://s3.backup.example.internal:9000"}}
OUTSIDE_NEEDED = [
    _api("Fluent Bit", FLUENT_BIT),
    ("Fluent Bit -> SIEM", FLUENT_BIT, SIEM, 6514, "TCP"),
    ("Fluent Bit -> DNS", FLUENT_BIT, COREDNS, 53, "UDP"),
    ("Prometheus -> Fluent Bit metrics", PROMETHEUS, FLUENT_BIT, 2020, "TCP"),
    ("Alertmanager -> SMTP relay", ALERTMANAGER, SMTP, 587, "TCP"),
    ("Velero -> off-site S3", VELERO, OFFSITE_S3, 9000, "TCP"),
]
OUTSIDE_DENIED = [
    ("Fluent Bit -> internet", FLUENT_BIT, INTERNET, 443, "TCP"),
    ("Fluent Bit -> SIEM on another port", FLUENT_BIT, SIEM, 22, "TCP"),
    ("Velero -> off-site S3 on another port", VELERO, OFFSITE_S3, 22, "TCP"),
    ("Velero -> object store (the backups go off-site)", VELERO, RGW, RGW_PORT, "TCP"),
    ("tenant -> Fluent Bit", TENANT_A, FLUENT_BIT, 2020, "TCP"),
    ("unmanaged namespace -> a pod the stack does not know in privateai-logging", ELSEWHERE,
     ne.pod("privateai-logging", {"app": "debug-shell"}), 8080, "TCP"),
]
OUTSIDE_NEEDED_WITHOUT = [n for n in PLATFORM_NEEDED if n[0] not in ("Velero -> object store", "node agent -> object store")]
# (id, overrides, stack, needed, denied)
CONFIGS = [("plain", {}, None, NEEDED + TENANT_NEEDED + PLATFORM_NEEDED, DENIED + TENANT_DENIED + PLATFORM_DENIED),
           ("oidc", OIDC, None, NEEDED + TENANT_NEEDED + OIDC_NEEDED + PLATFORM_NEEDED,
            DENIED + TENANT_DENIED + OIDC_DENIED + PLATFORM_DENIED),
           ("siem, receivers, off-site S3", OUTSIDE, OUTSIDE_STACK,
            NEEDED + TENANT_NEEDED + OUTSIDE_NEEDED_WITHOUT + OUTSIDE_NEEDED,
            DENIED + TENANT_DENIED + OUTSIDE_DENIED + [d for d in PLATFORM_DENIED if "SMTP" not in d[0]])]


@pytest.fixture(scope="module", params=CONFIGS, ids=[c[0] for c in CONFIGS])
def config(request):
    _id, overrides, stack, needed, denied = request.param
    result = ks.security_stage(defaults(security_tenant_namespaces=TENANTS, **overrides), stack=stack)
    assert result["problems"] == [], result["problems"]
    return policies(result), needed, denied


@pytest.fixture(scope="module")
def built():
    result = ks.security_stage(defaults(security_tenant_namespaces=TENANTS))
    assert result["problems"] == [], result["problems"]
    return policies(result)


def test_every_needed_flow_is_allowed_and_every_forbidden_one_denied(config):
    built, needed, denied = config
    assert ne.table_failures(built, needed, denied) == []


def test_removing_any_one_policy_breaks_the_table(config):
    """Every policy is needed: without it a needed flow is denied or a forbidden one allowed."""
    built, needed, denied = config
    unneeded = []
    for index, policy in enumerate(built):
        rest = built[:index] + built[index + 1:]
        if not ne.table_failures(rest, needed, denied):
            unneeded.append("%s/%s" % (policy["metadata"]["namespace"], policy["metadata"]["name"]))
    assert unneeded == []


def test_without_the_mesh_no_hbone_port_is_open():
    built = policies(ks.security_stage(defaults(security_mesh_enabled=False)))
    assert ne.allowed(built, API, ENGINE, 8000)
    assert not ne.allowed(built, API, ENGINE, 15008)
    assert not ne.allowed(built, ne.external("169.254.7.127"), ENGINE, 8000)


def test_without_policies_the_table_fails():
    """The evaluator itself: an open cluster fails the must-deny half, a deny-all one the needed half."""
    assert len(ne.table_failures([], NEEDED, DENIED)) == len(DENIED)
    deny_all = [{"kind": "NetworkPolicy", "metadata": {"name": "d", "namespace": ns},
                 "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}
                for ns in ("dify", "serving", "privateai-security", "kube-system", "rook-ceph", "ingress-nginx", "monitoring",
                           "cnpg-system")]
    assert len(ne.table_failures(deny_all, NEEDED, [])) == len(NEEDED)


def test_the_egress_the_site_opens_and_nothing_else():
    mirror = {"name": "hf-mirror", "from": "model_weights", "cidrs": ["10.40.0.0/24"], "ports": [443]}
    built = policies(ks.security_stage(defaults(security_egress_extra=[mirror])))
    assert ne.allowed(built, WEIGHTS, ne.external("10.40.0.7"), 443)
    assert not ne.allowed(built, WEIGHTS, ne.external("10.40.0.7"), 80)
    assert not ne.allowed(built, WEIGHTS, INTERNET, 443)
    assert not ne.allowed(built, ENGINE, ne.external("10.40.0.7"), 443)


WEIGHTS_STACK = {"model_serving_weights_source": "huggingface", "model_serving_weights_endpoint": ""}
# (id, security overrides, serving settings, whether the weights egress warning comes)
WEIGHTS_CASES = [
    ("huggingface, nothing opened", {}, WEIGHTS_STACK, "https://huggingface.co"),
    ("a mirror, nothing opened", {}, dict(WEIGHTS_STACK, model_serving_weights_endpoint="https://hf.example.internal"),
     "https://hf.example.internal"),
    ("modelscope", {}, dict(WEIGHTS_STACK, model_serving_weights_source="modelscope"), "https://www.modelscope.cn"),
    ("the mirror opened", {"security_egress_extra": [{"name": "hf-mirror", "from": "model_weights",
                                                      "cidrs": ["10.40.0.0/24"], "ports": [443]}]}, WEIGHTS_STACK, None),
    ("s3 (the object store flow)", {}, dict(WEIGHTS_STACK, model_serving_weights_source="s3"), None),
    ("serving off", {}, dict(WEIGHTS_STACK, model_serving_enabled=False), None),
    ("no NetworkPolicies", {"security_network_policies": False}, WEIGHTS_STACK, None),
]


PIP = {"dify_plugin_pip_mirror_url": "https://pypi.example.internal/simple"}
# (id, security overrides, Dify settings, whether the pip mirror warning comes)
PIP_CASES = [
    ("a mirror, nothing opened", {}, PIP, True),
    ("the mirror opened", {"security_egress_extra": [{"name": "pip-mirror", "from": "dify_plugin_daemon",
                                                      "cidrs": ["10.40.1.0/24"], "ports": [443]}]}, PIP, False),
    ("no mirror", {}, {"dify_plugin_pip_mirror_url": ""}, False),
    ("Dify off", {}, dict(PIP, dify_enabled=False), False),
]


@pytest.mark.parametrize("case", PIP_CASES, ids=[c[0] for c in PIP_CASES])
def test_a_pip_mirror_of_the_plugin_daemon_warns_unless_its_egress_is_opened(case):
    _id, overrides, stack, warned = case
    result = ks.security_stage(defaults(**overrides), stack=stack)
    assert result["problems"] == []
    found = [w for w in result["warnings"] if w.startswith("dify_plugin_pip_mirror_url is ")]
    assert len(found) == (1 if warned else 0), result["warnings"]
    if warned:
        assert "https://pypi.example.internal/simple" in found[0] and "from: dify_plugin_daemon" in found[0]


@pytest.mark.parametrize("case", WEIGHTS_CASES, ids=[c[0] for c in WEIGHTS_CASES])
def test_weights_jobs_that_download_from_outside_warn_unless_their_egress_is_opened(case):
    _id, overrides, stack, where = case
    result = ks.security_stage(defaults(**overrides), stack=stack)
    assert result["problems"] == []
    found = [w for w in result["warnings"] if w.startswith("model_serving_weights_source is ")]
    if where is None:
        assert found == []
    else:
        assert len(found) == 1 and "fetch from %s, but egress is denied" % where in found[0], result["warnings"]
        assert "security_egress_extra" in found[0]


# (namespace, Pod Security level enforced, ambient, waypoint) with the mesh on and the OIDC front.
NAMESPACES = [("dify", "baseline", True, False), ("serving", "privileged", True, True),
              ("privateai-security", "restricted", True, False), ("ingress-nginx", None, True, False),
              ("monitoring", None, True, False), ("cnpg-system", None, True, False),
              ("istio-system", "privileged", False, False)]


def test_namespace_labels_pod_security_mesh_and_waypoint():
    result = ks.security_stage(defaults(security_oidc_issuer_url=ISSUER, security_oidc_egress_cidrs=["10.0.0.20/32"]))
    namespaces = dict((m["definition"]["metadata"]["name"], m["definition"]["metadata"]["labels"])
                      for m in result["stage"]["manifests"] if m["definition"]["kind"] == "Namespace")
    assert sorted(namespaces) == sorted(n[0] for n in NAMESPACES)
    for name, level, ambient, waypoint in NAMESPACES:
        labels = namespaces[name]
        assert labels.get("pod-security.kubernetes.io/enforce") == level, name
        if level and name != "istio-system":
            assert labels["pod-security.kubernetes.io/warn"] == "restricted"
        assert (labels.get("istio.io/dataplane-mode") == "ambient") == ambient, name
        assert (labels.get("istio.io/use-waypoint") == "waypoint") == waypoint, name


def test_stack_namespaces_are_default_denied(built):
    denied = sorted(p["metadata"]["namespace"] for p in built if p["metadata"]["name"] == "privateai-default-deny")
    # Every stage on (no stack given: the stages' defaults count as on), no audit sink (no logging namespace).
    assert denied == sorted(("dify", "privateai-security", "serving") + PLATFORM_NAMESPACES)
    isolated = sorted(p["metadata"]["namespace"] for p in built if p["metadata"]["name"] == "privateai-tenant-isolation")
    assert isolated == TENANTS


def test_outputs_carry_the_flow_table():
    result = ks.security_stage(defaults())
    names = [f["name"] for f in result["outputs"]["flows"]]
    assert "dify-api-to-model" in names and "postgres-to-api-server" in names
    assert result["outputs"]["namespace"] == "privateai-security"


def test_network_policies_off_renders_none_and_warns():
    result = ks.security_stage(defaults(security_network_policies=False, security_api_server_cidrs=[]))
    assert result["problems"] == []
    assert policies(result) == []
    assert any("security_network_policies is false" in w for w in result["warnings"])


def test_disabled_renders_an_empty_stage():
    result = ks.security_stage(defaults(security_enabled=False))
    assert result["stage"] == {"name": "security", "releases": [], "manifests": []}


BAD = [
    ("no API server", {"security_api_server_cidrs": []}, ["security_api_server_cidrs is empty"]),
    ("API server not a CIDR", {"security_api_server_cidrs": ["10.0.0.10/8"]}, ["security_api_server_cidrs[0] is '10.0.0.10/8'"]),
    ("tenant is a stack namespace", {"security_tenant_namespaces": ["dify"]}, ["security_tenant_namespaces names 'dify'"]),
    ("tenant not a DNS label", {"security_tenant_namespaces": ["Tenant_A"]}, ["security_tenant_namespaces[0] is 'Tenant_A'"]),
    ("namespace missing", {"security_namespaces": {"dify": "dify"}}, ["security_namespaces has no serving"]),
    ("selector label value", {"security_workload_selectors": dict(defaults()["security_workload_selectors"],
                                                                  dify_web={"matchLabels": {"component": "web ui"}})},
     ["security_workload_selectors.dify_web.matchLabels[component] is 'web ui'"]),
    ("selector operator", {"security_workload_selectors": dict(defaults()["security_workload_selectors"],
                                                               dify_web={"matchExpressions": [{"key": "a", "operator": "in",
                                                                                               "values": ["b"]}]})},
     ["security_workload_selectors.dify_web.matchExpressions[0].operator is 'in'"]),
    ("egress extra incomplete", {"security_egress_extra": [{"name": "hf", "from": "ingress_controller"}]},
     ["security_egress_extra[0].from is 'ingress_controller'", "security_egress_extra[0].cidrs is None",
      "security_egress_extra[0].ports is None"]),
    ("port out of range", {"security_api_server_port": 70000}, ["security_api_server_port is 70000"]),
    ("misspelt variable", {"security_tenant_namespace": ["a"]}, ["security_tenant_namespace is not a setting"]),
    ("not a boolean", {"security_network_policies": "ture"}, ["security_network_policies is 'ture'"]),
]


@pytest.mark.parametrize("overrides,expected", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_is_refused_with_every_problem(overrides, expected):
    result = ks.security_stage(defaults(**overrides))
    assert result["stage"] is None
    text = "\n".join(result["problems"])
    for part in expected:
        assert part in text, text


def test_several_problems_come_at_once():
    result = ks.security_stage(defaults(security_api_server_cidrs=[], security_tenant_namespaces=["serving"],
                                        security_api_server_port=0))
    assert len(result["problems"]) == 3, result["problems"]


# --------------------------------------------------------------------------------------------- identity


def authz_objects(**overrides):
    """The policies the serving waypoint applies (those targeting it, and the JWT check)."""
    result = ks.security_stage(defaults(**dict(OIDC, **overrides)))
    assert result["problems"] == [], result["problems"]
    return [m["definition"] for m in result["stage"]["manifests"]
            if m["definition"]["kind"] in ("RequestAuthentication", "AuthorizationPolicy")
            and "targetRefs" in m["definition"]["spec"]]


def engine_objects():
    """The policies ztunnel applies to the engine pods (selector)."""
    result = ks.security_stage(defaults(**OIDC))
    return [m["definition"] for m in result["stage"]["manifests"]
            if m["definition"]["kind"] == "AuthorizationPolicy" and "selector" in m["definition"]["spec"]]


# (id, source namespace, allowed): a connection straight to an engine pod, past the waypoint.
DIRECT = [("the waypoint", "serving", True), ("Prometheus", "monitoring", True), ("Dify api", "dify", False),
          ("the ingress controller", "ingress-nginx", False), ("a tenant", "tenant-a", False)]


@pytest.mark.parametrize("namespace,allowed", [c[1:] for c in DIRECT], ids=[c[0] for c in DIRECT])
def test_engine_pods_take_only_the_waypoint_peers_and_prometheus(namespace, allowed):
    req = az.request("POST", "/v1/chat/completions", source_namespace=namespace)
    assert (az.decide(engine_objects(), req) == 200) == allowed


def token(method, path, *groups, **kwargs):
    return az.request(method, path, issuer=ISSUER, groups=groups, audience="privateai", **kwargs)


# (id, request, status): the default access map of roles/security/defaults/main.yml.
AUTHZ = [
    ("ai-users chat", token("POST", "/v1/chat/completions", "ai-users"), 200),
    ("ai-users embeddings", token("POST", "/v1/embeddings", "ai-users"), 200),
    ("ai-users list models", token("GET", "/v1/models", "ai-users"), 200),
    ("ai-users metrics", token("GET", "/metrics", "ai-users"), 403),
    ("ai-users chat with GET", token("GET", "/v1/chat/completions", "ai-users"), 403),
    ("ai-users an unlisted path", token("POST", "/v1/load_lora_adapter", "ai-users"), 403),
    ("ai-admins metrics", token("GET", "/metrics", "ai-admins"), 200),
    ("ai-admins health", token("GET", "/health", "ai-admins"), 200),
    ("ai-admins chat", token("POST", "/v1/chat/completions", "ai-admins"), 200),
    ("ai-admins an unlisted path", token("POST", "/v1/load_lora_adapter", "ai-admins"), 403),
    ("no group", token("POST", "/v1/chat/completions"), 403),
    ("another group", token("POST", "/v1/chat/completions", "finance"), 403),
    ("a forged token", token("POST", "/v1/chat/completions", "ai-admins", valid=False), 401),
    ("a token for another client", az.request("POST", "/v1/chat/completions", issuer=ISSUER, groups=["ai-users"],
                                              audience="grafana"), 401),
    # Not a token of ours: no principal, so only the API-key paths (where the engine then refuses it as a key).
    ("another issuer's admin token on metrics", az.request("GET", "/metrics", issuer="https://evil.example",
                                                           groups=["ai-admins"], audience="privateai"), 403),
    ("machine client (API key) chat", az.request("POST", "/v1/chat/completions"), 200),
    ("machine client (API key) metrics", az.request("GET", "/metrics"), 403),
    ("machine client (API key) unlisted path", az.request("POST", "/v1/load_lora_adapter"), 403),
    ("Dify inside the mesh", az.request("POST", "/v1/chat/completions", source_namespace="dify"), 200),
    ("Dify inside the mesh, metrics", az.request("GET", "/metrics", source_namespace="dify"), 403),
    ("a tenant inside the mesh, unlisted path", az.request("POST", "/v1/load_lora_adapter",
                                                           source_namespace="tenant-a"), 403),
]


@pytest.mark.parametrize("req,status", [c[1:] for c in AUTHZ], ids=[c[0] for c in AUTHZ])
def test_access_map_decides_each_request(req, status):
    assert az.decide(authz_objects(), req) == status


def test_without_rendered_policies_the_authz_table_fails():
    """The evaluator: with no policy everything passes, so every 403 and 401 of the table would fail."""
    failing = [c[0] for c in AUTHZ if az.decide([], c[1]) != c[2]]
    assert len(failing) == len([c for c in AUTHZ if c[2] != 200])


def test_access_map_is_the_one_variable():
    custom = [{"groups": ["radiology"], "paths": ["/v1/chat/completions"], "methods": ["POST"]}]
    objects = authz_objects(security_access_map=custom, security_api_key_paths=[], security_model_mesh_clients=[])
    assert az.decide(objects, token("POST", "/v1/chat/completions", "radiology")) == 200
    assert az.decide(objects, token("POST", "/v1/chat/completions", "ai-users")) == 403
    assert az.decide(objects, az.request("POST", "/v1/chat/completions")) == 403
    assert az.decide(objects, az.request("POST", "/v1/chat/completions", source_namespace="dify")) == 403


def test_policies_target_the_serving_waypoint():
    result = ks.security_stage(defaults(**OIDC))
    by_kind = dict((m["definition"]["kind"], m["definition"]) for m in result["stage"]["manifests"]
                   if m["definition"]["kind"] in ("Gateway", "RequestAuthentication", "AuthorizationPolicy")
                   and m["definition"]["metadata"]["name"] != "privateai-model-engines-l4")
    assert by_kind["Gateway"]["spec"]["gatewayClassName"] == "istio-waypoint"
    for kind in ("RequestAuthentication", "AuthorizationPolicy"):
        assert by_kind[kind]["metadata"]["namespace"] == "serving"
        assert by_kind[kind]["spec"]["targetRefs"] == [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                                                       "name": "waypoint"}]


def test_oauth2_proxy_release_and_secret():
    result = ks.security_stage(defaults(**OIDC), secrets={"client_secret": "s3cr3t-client", "cookie_secret": "c" * 32})
    release = [r for r in result["stage"]["releases"] if r["chart"] == "oauth2-proxy"][0]
    args = release["values"]["extraArgs"]
    assert "--oidc-issuer-url=%s" % ISSUER in args and "--allowed-group=ai-users" in args
    assert release["values"]["config"]["existingSecret"] == "oauth2-proxy-credentials"
    assert "s3cr3t-client" not in repr(release)
    secret = [m for m in result["stage"]["manifests"] if m["definition"]["kind"] == "Secret"][0]
    assert secret["secret"] is True
    assert secret["definition"]["stringData"]["client-secret"] == "s3cr3t-client"
    placeholder = [m for m in ks.security_stage(defaults(**OIDC))["stage"]["manifests"]
                   if m["definition"]["kind"] == "Secret"][0]
    assert placeholder["definition"]["stringData"]["client-secret"] == "not-rendered"


def test_mesh_ca_is_an_intermediate_of_the_internal_ca_and_mtls_strict():
    result = ks.security_stage(defaults())
    manifests = [m["definition"] for m in result["stage"]["manifests"]]
    certificate = [m for m in manifests if m["kind"] == "Certificate"][0]
    assert certificate["metadata"]["namespace"] == "istio-system" and certificate["spec"]["secretName"] == "cacerts"
    assert certificate["spec"]["isCA"] is True
    assert certificate["spec"]["issuerRef"] == {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": "privateai-ca"}
    strict = sorted(m["metadata"]["namespace"] for m in manifests if m["kind"] == "PeerAuthentication"
                    and m["spec"]["mtls"]["mode"] == "STRICT" and "selector" not in m["spec"])
    assert strict == ["dify", "istio-system", "privateai-security", "serving"]
    assert [r["chart"] for r in result["stage"]["releases"]] == ["base", "istiod", "cni", "ztunnel"]
    istiod = result["stage"]["releases"][1]["values"]
    assert istiod["profile"] == "ambient" and istiod["env"]["DEFAULT_WORKLOAD_CERT_TTL"] == "24h"


def plaintext_exceptions(result):
    """{(namespace, matchLabels as sorted items): {port: mode}} of the workload PeerAuthentications."""
    out = {}
    for m in result["stage"]["manifests"]:
        d = m["definition"]
        if d["kind"] == "PeerAuthentication" and "selector" in d["spec"]:
            assert d["spec"]["mtls"] == {"mode": "STRICT"}
            key = (d["metadata"]["namespace"], tuple(sorted(d["spec"]["selector"]["matchLabels"].items())))
            out[key] = dict((port, rule["mode"]) for port, rule in d["spec"]["portLevelMtls"].items())
    return out


def test_mesh_opens_plaintext_only_on_the_ports_clients_outside_the_mesh_reach():
    # The API server calls the CloudNativePG and Prometheus operator webhooks, KEDA's operator (not in the mesh)
    # queries Prometheus, browsers reach the ingress controller: under STRICT mTLS each needs its port PERMISSIVE on
    # that workload, and nothing else is opened (Dify's API, the engines, PostgreSQL stay mTLS only).
    got = plaintext_exceptions(ks.security_stage(defaults()))
    assert got == {
        ("cnpg-system", (("app.kubernetes.io/name", "cloudnative-pg"),)): {"9443": "PERMISSIVE"},
        ("monitoring", (("app.kubernetes.io/component", "prometheus-operator"),)): {"10250": "PERMISSIVE"},
        ("monitoring", (("app.kubernetes.io/name", "prometheus"),)): {"9090": "PERMISSIVE"},
        ("ingress-nginx", (("app.kubernetes.io/name", "ingress-nginx"),)): {"80": "PERMISSIVE", "443": "PERMISSIVE",
                                                                            "8443": "PERMISSIVE"},
    }


def test_mesh_plaintext_follows_what_is_installed():
    # Without KEDA nobody outside the mesh queries Prometheus; with the ingress ports emptied only the webhooks stay.
    stack = {"model_serving_keda_enabled": False}
    got = plaintext_exceptions(ks.security_stage(defaults(security_mesh_ingress_controller_ports=[]), stack=stack))
    assert sorted(ns for ns, _labels in got) == ["cnpg-system", "monitoring"]
    assert {"9090": "PERMISSIVE"} not in got.values()
    assert plaintext_exceptions(ks.security_stage(defaults(security_mesh_enabled=False))) == {}


def test_mesh_plaintext_needs_match_labels():
    selectors = ks.security_stage(defaults())  # the defaults build
    assert selectors["problems"] == []
    result = ks.security_stage(defaults(security_workload_selectors=dict(
        yaml.safe_load(open(os.path.join(ROOT, "roles", "security", "defaults", "main.yml")))["security_workload_selectors"],
        cnpg_operator={"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In",
                                             "values": ["cloudnative-pg"]}]})))
    assert any("security_workload_selectors.cnpg_operator" in p and "[9443]" in p and "matchLabels" in p
               for p in result["problems"]), result["problems"]
    assert result["stage"] is None


def test_mesh_mirror_reaches_every_chart():
    result = ks.security_stage(defaults(security_mesh_image_registry="registry.example.internal:5000/istio",
                                        security_mesh_image_pull_secrets=["mirror-login"]))
    values = dict((r["chart"], r["values"]) for r in result["stage"]["releases"])
    assert values["istiod"]["global"]["hub"] == "registry.example.internal:5000/istio"
    assert values["cni"]["global"]["hub"] == "registry.example.internal:5000/istio"
    assert values["ztunnel"]["hub"] == "registry.example.internal:5000/istio"
    assert values["ztunnel"]["imagePullSecrets"] == ["mirror-login"]


AUTH_BAD = [
    ("issuer not https", {"security_oidc_issuer_url": "http://keycloak.example.internal/realms/p"},
     ["security_oidc_issuer_url is 'http://keycloak.example.internal/realms/p': give the issuer's https:// URL"]),
    ("issuer without the mesh", {"security_oidc_issuer_url": ISSUER, "security_mesh_enabled": False},
     ["security_oidc_issuer_url is set but security_mesh_enabled is false"]),
    ("path twice with different rules", {"security_oidc_issuer_url": ISSUER, "security_access_map": [
        {"groups": ["ai-users"], "paths": ["/v1/chat/completions"], "methods": ["POST"]},
        {"groups": ["ai-admins"], "paths": ["/v1/chat/completions", "/metrics"], "methods": ["POST", "GET"]}]},
     ["security_access_map names path /v1/chat/completions twice with different rules (security_access_map[0]: "
      "groups ai-users, methods POST; security_access_map[1]: groups ai-admins, methods GET, POST)"]),
    ("bad method and path", {"security_oidc_issuer_url": ISSUER, "security_access_map": [
        {"groups": ["ai-users"], "paths": ["v1/chat"], "methods": ["FETCH"]}]},
     ["security_access_map[0].methods[0] is 'FETCH'", "security_access_map[0].paths[0] is 'v1/chat'"]),
    ("no IdP egress", {"security_oidc_issuer_url": ISSUER}, ["security_oidc_egress_cidrs is empty"]),
    ("mesh client not a namespace key", {"security_model_mesh_clients": ["difi"]},
     ["security_model_mesh_clients[0] is 'difi'"]),
    ("CA renewal longer than its life", {"security_mesh_ca_renew_before": "9000h"},
     ["security_mesh_ca_renew_before is 9000h"]),
    ("mesh mirror with a scheme", {"security_mesh_image_registry": "https://mirror"}, ["security_mesh_image_registry"]),
    ("pod security level", {"security_pod_security": {"dify": "strict", "serving": "privileged",
                                                      "security": "restricted"}},
     ["security_pod_security.dify is 'strict'"]),
]


@pytest.mark.parametrize("overrides,expected", [c[1:] for c in AUTH_BAD], ids=[c[0] for c in AUTH_BAD])
def test_bad_identity_and_mesh_input_is_refused(overrides, expected):
    result = ks.security_stage(defaults(**overrides))
    assert result["stage"] is None
    text = "\n".join(result["problems"])
    for part in expected:
        assert part in text, text


def test_client_secret_missing_is_refused_where_secrets_are_written_and_never_echoed():
    result = ks.security_stage(defaults(**OIDC), require_secrets=True)
    assert any("security_oidc_client_secret is empty" in p for p in result["problems"])
    assert ks.security_stage(defaults(**OIDC))["problems"] == []
    bad = ks.security_stage(defaults(security_oidc_client_secret="SENTINEL-LEAK\n", **OIDC))
    assert any("security_oidc_client_secret has line breaks" in p for p in bad["problems"])
    assert "SENTINEL-LEAK" not in repr(bad)


# --------------------------------------------------------------------------------------------- image policy

MIRROR = "registry.example.internal:5000"
STACK = {"gpu_operator_image_registry": MIRROR + "/nvcr.io", "gpu_operator_nfd_image_repository":
         "registry.k8s.io/nfd/node-feature-discovery", "model_serving_image_registry": MIRROR,
         "model_serving_lws_image_registry": MIRROR, "rook_ceph_image_registry": "",
         "rook_ceph_ceph_image_repository": "quay.io/ceph/ceph", "rook_ceph_enabled": True}


def _cel_admits(policy, image):
    """The policy's CEL check of one container, as CEL evaluates it: one of the listed prefixes starts the image."""
    prefixes = re.findall(r"'([^']+)'", policy["spec"]["validations"][0]["expression"])
    return any(image.startswith(p) for p in prefixes)


def test_image_policy_admits_the_listed_registries_only():
    settings = defaults(security_image_registries=[MIRROR], security_mesh_image_registry=MIRROR + "/istio")
    result = ks.security_stage(settings, stack_images=ks.stack_images(dict(STACK, rook_ceph_enabled=False,
                                                                           gpu_operator_nfd_image_repository=MIRROR + "/nfd"),
                                                                      settings))
    assert result["problems"] == []
    kinds = dict((m["definition"]["kind"], m["definition"]) for m in result["stage"]["manifests"])
    policy, binding = kinds["ValidatingAdmissionPolicy"], kinds["ValidatingAdmissionPolicyBinding"]
    assert _cel_admits(policy, MIRROR + "/vllm/vllm-openai:v0.11.0")
    assert not _cel_admits(policy, "docker.io/vllm/vllm-openai:v0.11.0")
    assert not _cel_admits(policy, MIRROR + ".evil.example/x:1")
    assert [v["expression"].split(" || ")[0] for v in policy["spec"]["validations"]] == [
        "!has(object.spec.containers)", "!has(object.spec.initContainers)", "!has(object.spec.ephemeralContainers)"]
    assert binding["spec"]["validationActions"] == ["Deny"]
    exempt = binding["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]
    assert exempt["operator"] == "NotIn" and "kube-system" in exempt["values"]


def test_an_allowlist_that_blocks_the_stack_is_refused_naming_each_image():
    settings = defaults(security_image_registries=[MIRROR])
    result = ks.security_stage(settings, stack_images=ks.stack_images(STACK, settings))
    assert result["stage"] is None
    text = "\n".join(result["problems"])
    assert "security_image_registries is [%s]: it would block the stack's own images" % MIRROR in text
    for blocked in ("registry.k8s.io/nfd/node-feature-discovery (gpu_operator_nfd_image_repository)",
                    "docker.io/rook (rook_ceph_image_registry (empty: upstream))",
                    "quay.io/ceph/ceph (rook_ceph_ceph_image_repository)",
                    "registry.istio.io/release (security_mesh_image_registry)"):
        assert blocked in text
    for admitted in ("gpu_operator_image_registry)", "model_serving_image_registry)"):
        assert admitted not in text


def _role_defaults(role):
    with open(os.path.join(ROOT, "roles", role, "defaults", "main.yml")) as handle:
        return yaml.safe_load(handle)


def _dify_stack(**overrides):
    """The Dify and CloudNativePG roles' image settings as their defaults give them."""
    stack = dict((k, v) for role in ("dify", "cloudnative_pg") for k, v in _role_defaults(role).items()
                 if k in ks.STACK_IMAGE_VARIABLES)
    stack.update(overrides)
    return stack


# (id, the Dify settings, an image the stage would run, the allowlist entry that admits it, the source named)
DIFY_IMAGES = [
    ("api", {}, "docker.io/langgenius/dify-api:1.14.2", "docker.io/langgenius", "dify_images.api"),
    ("nginx", {}, "docker.io/library/nginx:1.28.0", "docker.io/library", "dify_images.proxy"),
    ("squid", {}, "docker.io/ubuntu/squid:6.6-24.04_beta", "docker.io/ubuntu", "dify_images.ssrf_proxy"),
    ("valkey", {}, "docker.io/valkey/valkey:8.1.1", "docker.io/valkey", "dify_images.redis"),
    ("postgres", {}, "ghcr.io/cloudnative-pg/postgresql:17.5-standard-bookworm", "ghcr.io/cloudnative-pg",
     "dify_images.postgres"),
    ("operator", {}, "ghcr.io/cloudnative-pg/cloudnative-pg", "ghcr.io/cloudnative-pg", "cloudnative_pg_image_registry"),
    ("weaviate", {"dify_vector_store": "weaviate"}, "cr.weaviate.io/semitechnologies/weaviate:1.27.27",
     "cr.weaviate.io/semitechnologies", "dify_images.weaviate"),
    ("mirror", {"dify_image_registry": MIRROR}, MIRROR, MIRROR, "dify_image_registry"),
]


@pytest.mark.parametrize("case", DIFY_IMAGES, ids=[c[0] for c in DIFY_IMAGES])
def test_an_allowlist_missing_a_registry_of_the_dify_stage_is_refused(case):
    _id, overrides, image, entry, source = case
    settings = defaults(security_mesh_enabled=False)
    images = ks.stack_images(_dify_stack(**overrides), settings)
    assert {"source": source, "image": image, "kind": "registry" if source == "dify_image_registry" else
            ("repository" if source.startswith("cloudnative") else "image")} in images
    prefixes = sorted(set(i["image"] if i["kind"] == "registry" else i["image"].rsplit("/", 1)[0] for i in images))
    good = ks.security_stage(dict(settings, security_image_registries=prefixes), stack_images=images)
    assert good["problems"] == []
    short = [p for p in prefixes if p != entry]
    result = ks.security_stage(dict(settings, security_image_registries=short), stack_images=images)
    assert result["stage"] is None
    assert any("would block the stack's own images" in p and "%s (%s)" % (image, source) in p
               for p in result["problems"]), result["problems"]


def test_dify_images_of_what_the_inventory_does_not_run_are_not_required():
    images = [i["source"] for i in ks.stack_images(_dify_stack(), defaults())]
    assert "dify_images.weaviate" not in images and "dify_images.weaviate_init" not in images
    external = [i["source"] for i in ks.stack_images(_dify_stack(dify_postgres_mode="external", dify_redis_mode="external",
                                                                 cloudnative_pg_enabled=False), defaults())]
    assert "dify_images.postgres" not in external and "dify_images.redis" not in external
    assert "cloudnative_pg_image_registry" not in external and "dify_images.api" in external
    assert not [i for i in ks.stack_images(_dify_stack(dify_enabled=False), defaults()) if i["source"].startswith("dify")]


def test_a_repository_is_admitted_by_its_parent_path_not_by_itself():
    settings = defaults(security_image_registries=["quay.io/ceph/ceph"], security_mesh_enabled=False)
    stack = {"rook_ceph_image_registry": "", "rook_ceph_ceph_image_repository": "quay.io/ceph/ceph"}
    result = ks.security_stage(settings, stack_images=ks.stack_images(stack, settings))
    assert any("quay.io/ceph/ceph (rook_ceph_ceph_image_repository)" in p for p in result["problems"])


def test_no_allowlist_no_policy_and_a_warning():
    result = ks.security_stage(defaults())
    assert not [m for m in result["stage"]["manifests"] if "Admission" in m["definition"]["kind"]]
    assert any("security_image_registries is empty" in w for w in result["warnings"])


# --------------------------------------------------------------------------------------------- installer files

KMS = {"name": "vault-kms", "endpoint": "unix:///var/run/kmsplugin/socket.sock", "timeout": "3s",
       "credentials_file": "/etc/kubernetes/kms/vault-token"}


def test_audit_policy_keeps_secret_bodies_out():
    files = ks.security_stage(defaults())["installer_files"]
    policy = files["audit-policy.yaml"]
    assert policy["kind"] == "Policy" and policy["omitStages"] == ["RequestReceived"]
    secrets_rule = [r for r in policy["rules"] if any("secrets" in res.get("resources", []) for res in r.get("resources", []))]
    assert [r["level"] for r in secrets_rule] == ["Metadata"]
    # The first matching rule decides: no earlier rule logs Secrets at Request or RequestResponse.
    index = policy["rules"].index(secrets_rule[0])
    assert all(r["level"] == "None" for r in policy["rules"][:index])
    assert policy["rules"][-1] == {"level": "Metadata"}
    assert "encryption-config.yaml" not in files


def test_kms_v2_encryption_config():
    files = ks.security_stage(defaults(security_kms=KMS))["installer_files"]
    config = files["encryption-config.yaml"]
    providers = config["resources"][0]["providers"]
    assert config["resources"][0]["resources"] == ["secrets"]
    assert providers[0]["kms"] == {"apiVersion": "v2", "name": "vault-kms", "endpoint": KMS["endpoint"], "timeout": "3s"}
    assert providers[-1] == {"identity": {}}
    assert "vault-token" not in repr(config)


KMS_BAD = [
    ("endpoint without credentials", dict(KMS, credentials_file=""), ["security_kms.credentials_file is ''"]),
    ("endpoint not a socket", dict(KMS, endpoint="https://vault:8200"), ["security_kms.endpoint is 'https://vault:8200'"]),
    ("unknown key", dict(KMS, token="x"), ["security_kms: unknown key 'token'"]),
    ("bad timeout", dict(KMS, timeout="3 seconds"), ["security_kms.timeout is '3 seconds'"]),
]


@pytest.mark.parametrize("kms,expected", [c[1:] for c in KMS_BAD], ids=[c[0] for c in KMS_BAD])
def test_bad_kms_is_refused(kms, expected):
    result = ks.security_stage(defaults(security_kms=kms))
    assert result["stage"] is None
    text = "\n".join(result["problems"])
    for part in expected:
        assert part in text, text


def test_the_four_bad_inputs_of_the_issue_come_at_once():
    """An OIDC issuer not https, a path twice with different rules, an allowlist blocking the stack's images, a KMS
    endpoint without credentials: all named in one answer."""
    settings = defaults(security_oidc_issuer_url="http://kc.example.internal", security_oidc_egress_cidrs=["10.0.0.20/32"],
                        security_access_map=[{"groups": ["a"], "paths": ["/x"], "methods": ["GET"]},
                                             {"groups": ["b"], "paths": ["/x"], "methods": ["GET"]}],
                        security_image_registries=[MIRROR], security_kms=dict(KMS, credentials_file=""))
    result = ks.security_stage(settings, stack_images=ks.stack_images(STACK, settings))
    text = "\n".join(result["problems"])
    for part in ("security_oidc_issuer_url is 'http://kc.example.internal'", "names path /x twice",
                 "security_image_registries is [%s]: it would block" % MIRROR, "security_kms.credentials_file is ''"):
        assert part in text, text
    assert len(result["problems"]) == 4, result["problems"]


# --------------------------------------------------------------------------------------------- audit logs

SINK = {"type": "opensearch", "host": "siem.example.internal", "port": 9200, "index": "privateai", "user": "shipper",
        "password_secret": "siem-shipper", "ca_secret": "siem-ca"}


def fluent_bit(**overrides):
    result = ks.security_stage(defaults(**dict({"security_audit_sink": SINK, "security_audit_sink_cidrs": ["10.1.2.0/24"]},
                                               **overrides)))
    assert result["problems"] == [], result["problems"]
    return result, [r for r in result["stage"]["releases"] if r["chart"] == "fluent-bit"][0]


def test_fluent_bit_ships_three_sources_over_tls_with_a_disk_buffer():
    result, release = fluent_bit()
    sections = result["fluent_bit"]
    paths = [dict(e)["Path"] for _k, e in sections["inputs"]]
    assert paths == ["/var/log/containers/*.log", "/var/log/containers/*_serving_*.log",
                     "/var/log/kubernetes/audit/audit.log"]
    assert all(dict(e)["storage.type"] == "filesystem" for _k, e in sections["inputs"])
    assert dict(sections["service"][0][1])["storage.path"] == "/var/lib/fluent-bit/buffer"
    for _kind, entries in sections["outputs"]:
        out = dict(entries)
        assert out["tls"] == "On" and out["tls.verify"] == "On" and out["storage.total_limit_size"] == "10G"
        assert out["HTTP_Passwd"] == "${SINK_PASSWORD}"
    assert release["values"]["env"][0]["valueFrom"]["secretKeyRef"] == {"name": "siem-shipper", "key": "password"}
    assert "[OUTPUT]" in release["values"]["config"]["outputs"]


def test_prompt_lines_are_dropped_unless_asked():
    result, _release = fluent_bit()
    greps = [dict(e) for _k, e in result["fluent_bit"]["filters"] if dict(e)["Name"] == "grep"]
    assert greps and greps[0]["Match"] == "serving.*" and greps[0]["Exclude"].startswith("log ")
    assert re.search(greps[0]["Exclude"][len("log "):], "INFO Received request chatcmpl-1: prompt: 'secret'")
    result, _release = fluent_bit(security_audit_log_prompts=True)
    assert not [e for _k, e in result["fluent_bit"]["filters"] if dict(e)["Name"] == "grep"]


def test_syslog_sink_uses_tls():
    result, _release = fluent_bit(security_audit_sink={"type": "syslog", "host": "10.1.2.3", "port": 6514})
    out = dict(result["fluent_bit"]["outputs"][0][1])
    assert out["Name"] == "syslog" and out["Mode"] == "tls" and out["Syslog_Format"] == "rfc5424"


SINK_BAD = [
    ("type", dict(SINK, type="splunk"), ["security_audit_sink.type is 'splunk'"]),
    ("host", dict(SINK, host="siem example"), ["security_audit_sink.host is 'siem example'"]),
    ("user without password", dict(SINK, password_secret=None), ["security_audit_sink.password_secret"]),
    ("port", dict(SINK, port="9200"), ["security_audit_sink.port is '9200'"]),
]


@pytest.mark.parametrize("sink,expected", [c[1:] for c in SINK_BAD], ids=[c[0] for c in SINK_BAD])
def test_bad_sink_is_refused(sink, expected):
    sink = dict((k, v) for k, v in sink.items() if v is not None)
    result = ks.security_stage(defaults(security_audit_sink=sink))
    text = "\n".join(result["problems"])
    for part in expected:
        assert part in text, text


# (id, the role and its settings, an upstream prefix or image the stage would pull, the source named)
LATER_STAGE_IMAGES = [
    ("prometheus", "observability", {}, "quay.io/prometheus", "observability_image_registry (empty: upstream)"),
    ("grafana", "observability", {}, "docker.io/grafana", "observability_image_registry (empty: upstream)"),
    ("monitoring mirror", "observability", {"observability_image_registry": MIRROR}, MIRROR, "observability_image_registry"),
    ("velero", "backup", {}, "docker.io/velero", "backup_image_registry (empty: upstream)"),
    ("backup mirror", "backup", {"backup_image_registry": MIRROR}, MIRROR, "backup_image_registry"),
]


@pytest.mark.parametrize("case", LATER_STAGE_IMAGES, ids=[c[0] for c in LATER_STAGE_IMAGES])
def test_an_allowlist_missing_a_registry_of_the_monitoring_or_backup_stage_is_refused(case):
    _id, role, overrides, image, source = case
    settings = defaults(security_mesh_enabled=False)
    stack = dict((k, v) for k, v in _role_defaults(role).items() if k in ks.STACK_IMAGE_VARIABLES)
    stack.update(overrides)
    images = ks.stack_images(stack, settings)
    assert {"source": source, "image": image, "kind": "registry"} in images
    prefixes = sorted(set(i["image"] if i["kind"] == "registry" else i["image"].rsplit("/", 1)[0] for i in images))
    assert ks.security_stage(dict(settings, security_image_registries=prefixes), stack_images=images)["problems"] == []
    # (an empty allowlist means no policy at all, so another registry stands in when the mirror was the only one)
    short = [p for p in prefixes if p != image] or ["other-registry.example.internal"]
    result = ks.security_stage(dict(settings, security_image_registries=short), stack_images=images)
    assert any("%s (%s)" % (image, source) in p for p in result["problems"]), result["problems"]
    off = ks.stack_images(dict(stack, **{role + "_enabled": False}), settings)
    assert not [i for i in off if i["source"].startswith(role)]


# --------------------------------------------------------------------------------------------- platform namespaces

ALL_PLATFORM = ["cert_manager", "gpu_operator", "network_operator", "object_store", "lws", "keda", "cnpg", "monitoring",
                "backup", "mesh"]
# (id, stack, mesh on, audit sink, installed platform keys, facts beyond them)
PLATFORM_CASES = [
    ("no stack: every stage's default on", None, True, None, ALL_PLATFORM, {"ceph_internal", "backup_object_store"}),
    ("the mesh off", None, False, None, [k for k in ALL_PLATFORM if k != "mesh"], {"ceph_internal", "backup_object_store"}),
    ("an audit sink", None, True, {"host": "siem"}, ALL_PLATFORM + ["logging"], {"ceph_internal", "backup_object_store"}),
    ("stages off", {"cert_manager_enabled": False, "gpu_operator_enabled": "false", "network_operator_enabled": False,
                    "rook_ceph_enabled": False, "model_serving_enabled": False, "cloudnative_pg_enabled": False,
                    "observability_enabled": False, "backup_enabled": False}, False, None, [], set()),
    ("KEDA off, LWS on", {"model_serving_keda_enabled": False}, True, None, [k for k in ALL_PLATFORM if k != "keda"],
     {"ceph_internal", "backup_object_store"}),
    ("serving off takes LWS and KEDA", {"model_serving_enabled": False}, True, None,
     [k for k in ALL_PLATFORM if k not in ("lws", "keda")], {"ceph_internal", "backup_object_store"}),
    ("the serving stage rendered no LWS", {"model_serving_k8s_namespaces": ["serving", "keda"]}, True, None,
     [k for k in ALL_PLATFORM if k != "lws"], {"ceph_internal", "backup_object_store"}),
    ("external Ceph, off-site S3", {"rook_ceph_mode": "external", "backup_location": "s3"}, True, None, ALL_PLATFORM,
     {"ceph_external", "backup_s3"}),
]


@pytest.mark.parametrize("case", PLATFORM_CASES, ids=[c[0] for c in PLATFORM_CASES])
def test_platform_facts(case):
    _id, stack, mesh, sink, installed, facts = case
    namespaces = defaults()["security_namespaces"]
    got_installed, got_facts = ks.platform_facts(stack, mesh, sink, namespaces)
    assert got_installed == installed
    assert got_facts == set(installed) | facts


URL_PORTS = [("https://s3.example.internal", 443), ("http://minio.example.internal", 80),
             ("https://s3.example.internal:9000/bucket", 9000), ("https://[2001:db8::1]:8443", 8443),
             ("s3.example.internal", None), ("", None), (None, None)]


@pytest.mark.parametrize("url,port", URL_PORTS)
def test_url_port(url, port):
    assert ks._url_port(url) == port


def test_port_ranges_become_end_ports():
    assert ks._port_list([3300, (6800, 7300)]) == [{"protocol": "TCP", "port": 3300},
                                                   {"protocol": "TCP", "port": 6800, "endPort": 7300}]


def _namespaces_with_policies(result):
    return sorted(set(p["metadata"]["namespace"] for p in policies(result)))


def test_a_stage_that_is_off_gets_no_policy_in_its_namespace():
    stack = {"backup_enabled": False, "model_serving_keda_enabled": False, "network_operator_enabled": False}
    result = ks.security_stage(defaults(), stack=stack)
    assert result["problems"] == []
    present = _namespaces_with_policies(result)
    for namespace in ("velero", "keda", "nvidia-network-operator"):
        assert namespace not in present
    assert "cert-manager" in present and "lws-system" in present
    assert not [f for f in result["outputs"]["flows"] if f["name"].startswith(("velero-", "keda-", "network-operator-"))]


def test_the_namespaces_follow_the_stages_variables():
    namespaces = dict(defaults()["security_namespaces"], cert_manager="certs", backup="backups")
    result = ks.security_stage(defaults(security_namespaces=namespaces))
    denied = [p["metadata"]["namespace"] for p in policies(result) if p["metadata"]["name"] == "privateai-default-deny"]
    assert "certs" in denied and "backups" in denied
    assert "cert-manager" not in denied and "velero" not in denied


def test_webhook_sources_default_to_the_api_server_and_can_be_narrowed():
    hook = [p for p in policies(ks.security_stage(defaults()))
            if p["metadata"]["name"] == "privateai-api-server-to-cert-manager-webhook-ingress"][0]
    assert hook["spec"]["ingress"][0]["from"] == [{"ipBlock": {"cidr": API_SERVER[0]}}]
    built = policies(ks.security_stage(defaults(security_webhook_source_cidrs=["192.0.2.20/30"])))
    assert ne.allowed(built, ne.external("192.0.2.21"), CM_WEBHOOK, 10250)
    assert not ne.allowed(built, API_SERVER_IP, CM_WEBHOOK, 10250)


def test_alertmanager_receivers_without_addresses_warn_and_stay_closed():
    stack = {"observability_alert_receivers": [{"name": "ops", "type": "email"}]}
    result = ks.security_stage(defaults(), stack=stack)
    assert result["problems"] == []
    assert [w for w in result["warnings"] if w.startswith("observability_alert_receivers names 1 receiver(s) but "
                                                          "security_alertmanager_egress_cidrs is empty")]
    assert not ne.allowed(policies(result), ALERTMANAGER, SMTP, 25)
    opened = ks.security_stage(defaults(security_alertmanager_egress_cidrs=["10.70.0.0/24"],
                                        security_alertmanager_egress_ports=[587]), stack=stack)
    assert not [w for w in opened["warnings"] if w.startswith("observability_alert_receivers")]
    assert ne.allowed(policies(opened), ALERTMANAGER, SMTP, 587)
    assert not ne.allowed(policies(opened), ALERTMANAGER, SMTP, 25)


def test_the_site_opens_egress_of_a_platform_workload():
    extra = [{"name": "vault", "from": "velero", "cidrs": ["10.80.0.0/24"], "ports": [8200]}]
    built = policies(ks.security_stage(defaults(security_egress_extra=extra)))
    assert ne.allowed(built, VELERO, ne.external("10.80.0.9"), 8200)
    assert not ne.allowed(built, VELERO, ne.external("10.80.0.9"), 443)
    assert not ne.allowed(built, GRAFANA, ne.external("10.80.0.9"), 8200)


PLATFORM_BAD = [
    ("no node addresses with Rook", {"security_node_cidrs": []}, None,
     ["security_node_cidrs is empty: the nodes' kernel RBD/CephFS clients"]),
    ("no node addresses with monitoring only", {"security_node_cidrs": []}, {"rook_ceph_enabled": False},
     ["security_node_cidrs is empty: Prometheus scrapes node-exporter"]),
    ("external Ceph without its addresses", {}, {"rook_ceph_mode": "external"}, ["security_ceph_external_cidrs is empty"]),
    ("off-site S3 without its addresses", {}, {"backup_location": "s3", "backup_s3": {"url": "https://s3.example.internal"}},
     ["security_backup_s3_cidrs is empty: backup_location is s3: Velero writes to the off-site S3 endpoint "
      "(https://s3.example.internal)"]),
    ("a sink without its addresses", {"security_audit_sink": {"type": "syslog", "host": "siem.example.internal",
                                                              "port": 6514}}, None,
     ["security_audit_sink_cidrs is empty: Fluent Bit ships to security_audit_sink (siem.example.internal)"]),
    ("node CIDR with host bits", {"security_node_cidrs": ["192.0.2.1/24"]}, None, ["security_node_cidrs[0] is '192.0.2.1/24'"]),
    ("webhook source not a CIDR", {"security_webhook_source_cidrs": ["apiserver"]}, None,
     ["security_webhook_source_cidrs[0] is 'apiserver'"]),
    ("receiver port out of range", {"security_alertmanager_egress_ports": [0]}, None,
     ["security_alertmanager_egress_ports[0] is 0"]),
    ("egress extra from a namespace the stack does not deny", {"security_egress_extra": [
        {"name": "x", "from": "ingress_controller", "cidrs": ["10.0.0.0/8"], "ports": [443]}]}, None,
     ["security_egress_extra[0].from is 'ingress_controller'"]),
]


@pytest.mark.parametrize("case", PLATFORM_BAD, ids=[c[0] for c in PLATFORM_BAD])
def test_platform_bad_input_names_the_variable(case):
    _id, overrides, stack, expected = case
    result = ks.security_stage(defaults(**overrides), stack=stack)
    assert result["stage"] is None
    text = "\n".join(result["problems"])
    for part in expected:
        assert part in text, text


def test_nothing_needs_node_addresses_without_rook_and_monitoring():
    result = ks.security_stage(defaults(security_node_cidrs=[]),
                               stack={"rook_ceph_enabled": False, "observability_enabled": False})
    assert result["problems"] == []
    assert not [f for f in result["outputs"]["flows"] if f["name"] in ("prometheus-to-nodes", "nodes-to-ceph-daemons")]


def test_a_platform_flow_exists_only_where_the_namespaces_of_its_ends_are_installed():
    """Each platform flow's condition names the platform namespace of both its ends (a policy in a namespace the
    stack does not install would fail to apply)."""
    platform_keys = set(k for k, _names in ks.PLATFORM)
    flows_platform = [f for f in ks.FLOWS if isinstance(f[4], tuple)]
    assert len(flows_platform) > 30
    missing = []
    for name, source, dest, _ports, condition in flows_platform:
        for end in (source, dest):
            if not end.startswith("cidrs:") and ks.WORKLOADS[end][0] in platform_keys \
                    and ks.WORKLOADS[end][0] not in condition:
                missing.append("%s: %s" % (name, ks.WORKLOADS[end][0]))
    assert missing == []
