# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The seams between the serving, Dify and security stages, on the pods the stages actually render.

The security stage's NetworkPolicies (as rendered for the prod inventory) are evaluated (netpol_eval, written from
the Kubernetes API reference) on the labels, namespaces and container ports of the pods the other stages render
through the real charts: the Dify chart 0.37.0 with our values, the Dify stage's Valkey StatefulSet, the
CloudNativePG operator chart, the PostgreSQL instances and their initdb/join Jobs as CloudNativePG labels them (the
operator makes those pods from our Cluster), the serving stage's Deployments, LeaderWorkerSets and weights Jobs.

The connections are read from the rendered configuration, not from the security stage's flow table: the Ingress'
backend, the nginx front's proxy_pass targets, every host:port the Dify pods' environment names (ConfigMaps and env),
the model Services the SSRF proxy's allowlist lets through, the PostgreSQL Cluster's backup endpoint; each is
resolved through the rendered Service (selector, targetPort) to the pods and the port a NetworkPolicy sees.

The platform namespaces (cert-manager, the GPU and Network Operators, rook-ceph, lws-system, keda, cnpg-system,
monitoring, velero, istio-system) are evaluated the same way below (Platform): the charts' pods, the webhooks and
APIServices the API server calls, the targets of every ServiceMonitor/PodMonitor, the in-cluster addresses in the
pods' environment and arguments, Grafana's datasources, KEDA's triggers and Velero's backup location."""

import json
import os
import re
import sys

import pytest

import chart_render
import checks
from conftest import releases, rendered_files, run_one_playbook

sys.path.insert(0, os.path.join(checks.REPO, "collections"))
sys.path.insert(0, os.path.join(checks.REPO, "tests", "unit", "plugins", "plugin_utils"))

import netpol_eval as ne  # noqa: E402
import test_k8s_security as unit  # noqa: E402  (pods of what the stack does not render: ingress-nginx, CoreDNS, ...)

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_security  # noqa: E402

INVENTORY = "prod"
API_SERVER = ne.external("10.0.0.10")  # inventories/prod: security_api_server_cidrs
# Rook's object gateway (made by the Rook operator from the CephObjectStore): pods labelled app: rook-ceph-rgw and
# rook_object_store: <store>, listening on 8080 behind the Service rook-ceph-rgw-<store> port 80.
RGW_POD_PORT = 8080


def _pod(namespace, labels, name, containers=()):
    pod = ne.pod(namespace, labels, name)
    pod["ports"] = dict((p.get("name") or str(p["containerPort"]), p["containerPort"])
                        for c in containers for p in c.get("ports") or [])
    return pod


class Cluster(object):
    """The pods and Services of one render, as the stages and the operators they feed would create them."""

    def __init__(self, render_dir):
        self.pods, self.services, self.env, self.config = {}, {}, {}, {}
        self.ingress_backends, self.proxy_passes, self.ssrf_hosts, self.backup_endpoints = [], [], [], []
        self.api_server_clients = []
        for stage, release, values in releases(render_dir):
            if release["chart"] in ("dify", "cloudnative-pg"):
                self._chart(release, chart_render.render_release(release, values))
        for stage in ("dify", "model_serving"):
            for path in rendered_files(os.path.join(render_dir, stage), "manifests"):
                for obj in checks.load_documents(path):
                    self._manifest(obj)
        self.pods["rgw"] = _pod("rook-ceph", unit.RGW["labels"], "rgw",
                                [{"ports": [{"name": "http", "containerPort": RGW_POD_PORT}]}])

    def _add_service(self, namespace, obj):
        ports = {}
        for port in obj["spec"].get("ports") or []:
            ports[port["port"]] = port.get("targetPort", port["port"])
        self.services[(namespace, obj["metadata"]["name"])] = (obj["spec"].get("selector") or {}, ports)

    def _workload(self, namespace, obj):
        spec = obj["spec"]
        if obj["kind"] == "LeaderWorkerSet":
            template = spec["leaderWorkerTemplate"]
            for part in ("leaderTemplate", "workerTemplate"):
                self.pods["%s %s" % (obj["metadata"]["name"], part)] = _pod(
                    namespace, template[part]["metadata"]["labels"], obj["metadata"]["name"] + " " + part,
                    template[part]["spec"]["containers"])
            return
        template = spec["template"]
        labels = (template.get("metadata") or {}).get("labels")
        if not labels:
            return  # the chart's `helm test` Jobs: run by hand (helm test), not by the stack
        name = obj["metadata"]["name"]
        self.pods[name] = _pod(namespace, labels, name, template["spec"]["containers"])
        env = {}
        for container in template["spec"]["containers"]:
            for source in container.get("envFrom") or []:
                if "configMapRef" in source:
                    env.update(self.config.get((namespace, source["configMapRef"]["name"]), {}))
            for item in container.get("env") or []:
                if "value" in item:
                    env[item["name"]] = item["value"]
        self.env[name] = env

    def _chart(self, release, objects):
        namespace = release["namespace"]
        for obj in objects:
            if obj["kind"] == "ConfigMap":
                self.config[(namespace, obj["metadata"]["name"])] = obj.get("data") or {}
                for text in (obj.get("data") or {}).values():
                    self.proxy_passes += [(obj["metadata"]["name"], host, int(port)) for host, port
                                          in re.findall(r"proxy_pass http://([a-z0-9.-]+):([0-9]+)", text)]
        for obj in objects:
            if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
                self._workload(namespace, obj)
            elif obj["kind"] == "Service":
                self._add_service(namespace, obj)
            elif obj["kind"] == "Ingress":
                for rule in obj["spec"]["rules"]:
                    for path in rule["http"]["paths"]:
                        backend = path["backend"]["service"]
                        self.ingress_backends.append((namespace, backend["name"], backend["port"]["number"]))

    def _manifest(self, obj):
        namespace = obj["metadata"].get("namespace")
        if obj["kind"] in ("Deployment", "StatefulSet", "Job", "LeaderWorkerSet"):
            self._workload(namespace, obj)
        elif obj["kind"] == "Service":
            self._add_service(namespace, obj)
        elif obj["kind"] == "ConfigMap" and "privateai.conf" in obj.get("data", {}):
            for line in obj["data"]["privateai.conf"].splitlines():
                if line.startswith("acl privateai_models dstdomain "):
                    self.ssrf_hosts += line.split()[3:]
        elif obj["kind"] == "Cluster":
            self._postgres(namespace, obj)

    def _postgres(self, namespace, cluster):
        """The pods CloudNativePG makes from a Cluster, labelled as its documentation (labels and annotations) and
        its Job builder (pkg/specs/jobs.go) say: instances cnpg.io/podRole: instance with cnpg.io/instanceRole; the
        initdb Job of the first instance and the join Job of each further one with cnpg.io/jobRole, no podRole."""
        name = cluster["metadata"]["name"]
        common = {"cnpg.io/cluster": name, "app.kubernetes.io/name": "postgresql", "app.kubernetes.io/instance": name,
                  "app.kubernetes.io/component": "database", "app.kubernetes.io/managed-by": "cloudnative-pg"}
        ports = [{"ports": [{"name": "postgresql", "containerPort": 5432}, {"name": "metrics", "containerPort": 9187},
                            {"name": "status", "containerPort": 8000}]}]
        for serial in range(1, cluster["spec"]["instances"] + 1):
            instance = "%s-%d" % (name, serial)
            role = "primary" if serial == 1 else "replica"
            self.pods[instance] = _pod(namespace, dict(common, **{
                "cnpg.io/instanceName": instance, "cnpg.io/podRole": "instance", "cnpg.io/instanceRole": role,
                "role": role}), instance, ports)
            job = "%s-%s" % (instance, "initdb" if serial == 1 else "join")
            self.pods[job] = _pod(namespace, dict(common, **{
                "cnpg.io/instanceName": instance, "cnpg.io/jobRole": job.rsplit("-", 1)[1]}), job)
            self.api_server_clients += [instance, job]
            if serial > 1:
                # The join Job clones the primary (pg_basebackup) through the -rw Service; the replica streams from it.
                self.env[job] = {"PARENT_NODE": "%s-rw:5432" % name}
                self.env[instance] = {"PRIMARY": "%s-rw:5432" % name}
        self.services[(namespace, name + "-rw")] = ({"cnpg.io/cluster": name, "cnpg.io/instanceRole": "primary"},
                                                    {5432: "postgresql"})
        backup = (cluster["spec"].get("backup") or {}).get("barmanObjectStore")
        if backup:
            self.backup_endpoints += [(name, backup["endpointURL"])]

    def resolve(self, namespace, host, port):
        """[(pod, pod port)] a connection from ``namespace`` to host:port reaches, through the rendered Service."""
        parts = host.split(".")
        service_ns = parts[1] if len(parts) > 1 else namespace
        if parts[0].startswith("rook-ceph-rgw-"):
            return [(self.pods["rgw"], RGW_POD_PORT)] if port == 80 else []
        found = self.services.get((service_ns, parts[0]))
        if found is None:
            return None
        selector, ports = found
        target = ports.get(port)
        out = []
        for pod in self.pods.values():
            if pod["namespace"] == service_ns and ne.selects({"matchLabels": selector}, pod["labels"]):
                out.append((pod, target if isinstance(target, int) else pod["ports"].get(target)))
        return out


URL_RE = re.compile(r"^(https?|redis)://(?:[^@/]*@)?([a-z0-9.-]+)(?::([0-9]+))?(?:/|$)")
HOST_PORT_RE = re.compile(r"^([a-z][a-z0-9.-]*):([0-9]+)$")
DEFAULT_PORTS = {"http": 80, "https": 443, "redis": 6379}


def _reference(value):
    """(host, port) a configuration value points at (a URL, or host:port), None for anything else or for a name
    outside the cluster (the site's own host names go out through the ingress, not pod to pod)."""
    match = URL_RE.match(str(value))
    if match:
        host, port = match.group(2), int(match.group(3) or DEFAULT_PORTS[match.group(1)])
    else:
        match = HOST_PORT_RE.match(str(value))
        if not match:
            return None
        host, port = match.group(1), int(match.group(2))
    if "." in host and ".svc" not in host:
        return None
    return host, port


def connections(cluster, namespaces):
    """[(what, source pod, destination pod, port)] every connection the rendered configuration makes, and the
    host:port references that resolved to no rendered Service (problems of the test itself)."""
    out, unresolved = [], []

    def add(what, source, namespace, host, port):
        targets = cluster.resolve(namespace, host, port)
        if not targets:
            unresolved.append("%s: %s:%s resolves to no rendered pod" % (what, host, port))
            return
        for pod, pod_port in targets:
            out.append((what, source, pod, pod_port))

    for namespace, service, port in cluster.ingress_backends:
        add("ingress -> %s:%d" % (service, port), unit.INGRESS, namespace, service, port)
    for config, host, port in sorted(set(cluster.proxy_passes)):
        proxy = [p for p in cluster.pods.values() if ne.selects({"matchLabels": {"component": "proxy"}}, p["labels"])]
        assert proxy, "no nginx front pod rendered"
        for pod in proxy:
            add("%s proxy_pass %s:%d" % (config, host, port), pod, pod["namespace"], host, port)
    for name, env in sorted(cluster.env.items()):
        source = cluster.pods[name]
        pairs = []
        for key, value in sorted(env.items()):
            reference = _reference(value)
            if reference:
                pairs.append((key,) + reference)
            elif key.endswith("_HOST") and env.get(key[:-5] + "_PORT"):
                pairs.append((key, value, int(env[key[:-5] + "_PORT"])))
        if source["labels"].get("component") == "beat":
            # Celery beat shares the worker's ConfigMap but only schedules: it talks to its broker alone.
            pairs = [pair for pair in pairs if pair[0] in ("CELERY_BROKER_URL", "REDIS_HOST")]
        for key, host, port in pairs:
            own = cluster.services.get((source["namespace"], host.split(".")[0]))
            if host in ("0.0.0.0", "localhost") or (own and ne.selects({"matchLabels": own[0]}, source["labels"])):
                continue  # its own listener (PLUGIN_REMOTE_INSTALLING_HOST) or its own Service (INTERNAL_FILES_URL)
            add("%s %s=%s:%d" % (name, key, host, port), source, source["namespace"], host, port)
    ssrf = [p for p in cluster.pods.values() if p["labels"].get("component") == "ssrf-proxy"]
    assert ssrf and cluster.ssrf_hosts, "no SSRF proxy or no model host in its allowlist"
    for host in cluster.ssrf_hosts:
        if host.endswith(".cluster.local"):
            continue  # the same Service, fully qualified
        service = cluster.services.get((host.split(".")[1], host.split(".")[0]))
        assert service, "the SSRF allowlist names %s, which no rendered Service is" % host
        for port in service[1]:
            add("SSRF proxy -> %s:%d" % (host, port), ssrf[0], ssrf[0]["namespace"], host, port)
    for name, url in cluster.backup_endpoints:
        host, port = _reference(url)
        for pod in [p for p in cluster.pods.values() if p["labels"].get("cnpg.io/podRole") == "instance"]:
            add("%s backup -> %s" % (name, url), pod, pod["namespace"], host, port)
    cnpg = [p for p in cluster.pods.values() if p["labels"].get("app.kubernetes.io/name") == "cloudnative-pg"]
    assert cnpg, "the CloudNativePG operator chart rendered no pod"
    for pod in [p for p in cluster.pods.values() if p["labels"].get("cnpg.io/podRole") == "instance"]:
        out.append(("CloudNativePG operator -> %s status" % pod["name"], cnpg[0], pod, pod["ports"]["status"]))
    for name in cluster.api_server_clients:
        out.append(("%s -> API server" % name, cluster.pods[name], API_SERVER, 6443))
    engines = [p for p in cluster.pods.values() if p["namespace"] == namespaces["serving"]
               and p["labels"].get("app.kubernetes.io/component") in ("leader", "worker")]
    for leader in [p for p in engines if p["labels"]["app.kubernetes.io/component"] == "leader"]:
        for worker in [p for p in engines if p["labels"]["app.kubernetes.io/component"] == "worker"
                       and p["labels"].get("app.kubernetes.io/name") == leader["labels"].get("app.kubernetes.io/name")]:
            out += [("NCCL %s -> %s" % (leader["name"], worker["name"]), leader, worker, 29500),
                    ("NCCL %s -> %s" % (worker["name"], leader["name"]), worker, leader, 29500)]
    return out, unresolved


@pytest.fixture(scope="module")
def prod(renders):
    render_dir = renders[INVENTORY]
    policies = [checks.load_documents(p)[0] for p in rendered_files(os.path.join(render_dir, "security"), "manifests")]
    policies = [p for p in policies if p["kind"] == "NetworkPolicy"]
    assert policies, "no NetworkPolicy rendered"
    namespaces = dict((k, v) for k, v in unit.defaults()["security_namespaces"].items())
    return Cluster(render_dir), policies, namespaces


def test_every_connection_the_rendered_stages_make_is_allowed(prod):
    cluster, policies, namespaces = prod
    found, unresolved = connections(cluster, namespaces)
    assert unresolved == []
    # The configuration names at least: ingress, nginx's 5 upstreams, Dify's database, Redis, object store,
    # sandbox, SSRF proxy, plugin daemon, the model Services, the CNPG cluster's own traffic.
    assert len(found) >= 40, found
    denied = sorted(set("%s (%s -> %s:%s)" % (what, source["name"], dest["name"], port)
                        for what, source, dest, port in found if not ne.allowed(policies, source, dest, port)))
    assert denied == []


def test_the_real_pods_are_cut_off_where_the_flow_table_says(prod):
    cluster, policies, _namespaces = prod
    pods = cluster.pods
    by_component = dict((p["labels"]["component"], p) for p in pods.values() if "component" in p["labels"])
    redis = [p for p in pods.values() if p["labels"].get("app.kubernetes.io/name") == "redis"]
    primary = [p for p in pods.values() if p["labels"].get("cnpg.io/instanceRole") == "primary"]
    assert redis and primary and len(by_component) >= 8, sorted(pods)
    must_deny = [("web -> database", by_component["web"], primary[0], 5432),
                 ("web -> redis", by_component["web"], redis[0], 6379),
                 ("sandbox -> database", by_component["sandbox"], primary[0], 5432),
                 ("sandbox -> redis", by_component["sandbox"], redis[0], 6379),
                 ("nginx front -> database", by_component["proxy"], primary[0], 5432),
                 ("ingress -> api past the nginx front", unit.INGRESS, by_component["api"], 5001),
                 ("tenant -> plugin daemon", unit.TENANT_A, by_component["plugin-daemon"], 5002),
                 ("unmanaged namespace -> redis", unit.ELSEWHERE, redis[0], 6379)]
    for pod in pods.values():
        if pod["namespace"] in ("dify", "serving"):
            must_deny.append(("%s -> internet" % pod["name"], pod, unit.INTERNET, 443))
    allowed = [what for what, source, dest, port in must_deny if ne.allowed(policies, source, dest, port)]
    assert allowed == []


# Which rendered pods each workload of the flow table is (named here from what renders them, not from the role's
# selectors): the test of the selectors themselves.
def _workload_pods(cluster):
    pods = cluster.pods.values()

    def component(name):
        return [p for p in pods if p["namespace"] == "dify" and p["labels"].get("component") == name]
    return {
        "dify_web": component("web"), "dify_api": component("api"), "dify_worker": component("worker"),
        "dify_beat": component("beat"), "dify_plugin_daemon": component("plugin-daemon"),
        "dify_sandbox": component("sandbox"), "dify_ssrf_proxy": component("ssrf-proxy"),
        "dify_proxy": component("proxy"),
        "dify_postgres": [p for p in pods if "cnpg.io/cluster" in p["labels"]],
        "dify_redis": [cluster.pods["dify-redis"]],
        "model_engines": [p for p in pods if p["namespace"] == "serving"
                          and p["labels"].get("app.kubernetes.io/component") != "weights"],
        "model_weights": [p for p in pods if p["labels"].get("app.kubernetes.io/component") == "weights"],
        "cnpg_operator": [p for p in pods if p["labels"].get("app.kubernetes.io/name") == "cloudnative-pg"],
        "object_store": [cluster.pods["rgw"]],
    }


def test_every_flow_of_the_table_holds_between_the_rendered_pods(prod):
    """Each flow of k8s_security.FLOWS whose ends the prod render runs, between every pair of those real pods."""
    cluster, policies, _namespaces = prod
    workloads = _workload_pods(cluster)
    others = {"ingress_controller": unit.INGRESS, "prometheus": unit.PROMETHEUS, "waypoint": unit.WAYPOINT,
              "istiod": unit.ISTIOD, "oauth2_proxy": unit.OAUTH2}
    checked, failures = 0, []
    for name, source, dest, ports, condition in k8s_security.FLOWS:
        if dest.startswith("cidrs:") or source.startswith("cidrs:") or "weaviate" in (source + dest) \
                or isinstance(condition, tuple):
            # addresses outside the cluster; Weaviate is not rendered with pgvector (prod); the platform flows are
            # the Platform tests' below
            continue
        sources = workloads.get(source) or [others[source]]
        dests = workloads.get(dest) or [others[dest]]
        if dest == "dify_postgres":
            # Clients reach the instances; the initdb/join Jobs only connect out (to the primary, the API server).
            dests = [p for p in dests if p["labels"].get("cnpg.io/podRole") == "instance"]
        port_list = (29500,) if ports is None else ports
        for src in sources:
            for dst in dests:
                for port in port_list:
                    checked += 1
                    if src is not dst and not ne.allowed(policies, src, dst, port):
                        failures.append("%s: %s -> %s:%d" % (name, src["name"], dst["name"], port))
    assert checked > 60
    assert failures == []
    for workload, pods in workloads.items():
        assert pods, "the prod render runs no pod of %s" % workload


def test_weaviate_is_reachable_from_the_pods_its_endpoints_are_given_to(prod, tmp_path):
    """dify_vector_store: weaviate (the chart's Weaviate subchart): every pod whose environment names Weaviate's
    endpoints (HTTP and gRPC) reaches the Weaviate pods under the prod inventory's policies; the web does not."""
    _cluster, policies, _namespaces = prod
    render_dir = str(tmp_path / "render")
    result = run_one_playbook("playbooks/dify.yml", INVENTORY, render_dir, json.dumps({"dify_vector_store": "weaviate"}))
    assert result.returncode == 0, result.stdout[-3000:]
    cluster = Cluster(render_dir)
    weaviate = [p for p in cluster.pods.values() if p["labels"].get("app.kubernetes.io/name") == "weaviate"]
    assert weaviate, sorted(cluster.pods)
    uses = []
    for name, env in sorted(cluster.env.items()):
        if cluster.pods[name]["labels"].get("component") == "beat":
            continue  # shares the worker's ConfigMap, talks to its broker alone (see connections)
        for key, value in sorted(env.items()):
            reference = _reference(value) if key.startswith("WEAVIATE_") else None
            for pod, port in (cluster.resolve(cluster.pods[name]["namespace"], *reference) or []) if reference else []:
                uses.append(("%s %s" % (name, key), cluster.pods[name], pod, port))
    # api and worker, each with the HTTP (8080 behind the Service's 80) and the gRPC (50051) endpoint.
    assert sorted(set((what.split()[0], port) for what, _s, _d, port in uses)) == [
        ("dify-api", 8080), ("dify-api", 50051), ("dify-worker", 8080), ("dify-worker", 50051)]
    denied = [what for what, source, dest, port in uses if not ne.allowed(policies, source, dest, port)]
    assert denied == []
    web = [p for p in cluster.pods.values() if p["labels"].get("component") == "web"][0]
    assert not ne.allowed(policies, web, weaviate[0], 8080)


# --------------------------------------------------------------------------------------------- platform namespaces
#
# The platform stages (cert_manager, gpu_operator, network_operator, storage, model_serving's LeaderWorkerSet and
# KEDA charts, cloudnative_pg, observability, backup, the security stage's Istio and Fluent Bit) rendered through
# their real charts, plus the pods their operators make from what those stages render (named here from the
# operators' documentation: Rook's Ceph daemons and their metrics Service, the GPU Operator's DCGM exporter and its
# Service, the Prometheus operator's Prometheus and Alertmanager). The connections are read from the renders: every
# admission webhook and APIService the charts register (called by the API server), every ServiceMonitor/PodMonitor
# target (Prometheus), every in-cluster address in the platform pods' environment, Grafana's datasources, KEDA's
# prometheus triggers, Velero's backup location.

PLATFORM_STAGES = ("cert_manager", "gpu_operator", "network_operator", "storage", "model_serving", "cloudnative_pg",
                   "observability", "backup", "security")
# Address of the webhook caller (security_webhook_source_cidrs is empty in the prod inventory: the API server's).
WEBHOOK_SOURCE = API_SERVER
NODE = ne.external("192.0.2.11")  # a node of the prod inventory (security_node_cidrs: 192.0.2.0/24)
# The pods that do not talk to the API server: ztunnel takes its configuration and certificates from istiod.
NOT_API_CLIENTS = ("ztunnel",)


def _service_ports(obj):
    out = {}
    for port in obj["spec"].get("ports") or []:
        out[port["port"]] = (port.get("name"), port.get("targetPort", port["port"]))
    return out


class Platform(object):
    """The platform namespaces' pods, Services, webhooks and monitors of one render."""

    def __init__(self, render_dir, namespaces):
        self.namespaces = namespaces
        self.pods, self.services, self.webhooks, self.monitors, self.references = {}, {}, [], [], []
        for stage, release, values in releases(render_dir):
            if stage not in PLATFORM_STAGES or release["chart"] == "oauth2-proxy":
                continue  # oauth2-proxy: the security namespace's own flows (the tests above)
            for obj in chart_render.render_release(release, values):
                self._object(obj, release["namespace"], "%s/%s" % (stage, release["name"]))
            if release["chart"] == "velero":
                for location in values["configuration"]["backupStorageLocation"]:
                    self.references.append(("velero backup location", "velero", location["config"]["s3Url"]))
        for stage in PLATFORM_STAGES:
            for path in rendered_files(os.path.join(render_dir, stage), "manifests"):
                for obj in checks.load_documents(path):
                    self._object(obj, obj["metadata"].get("namespace"), stage)
        # The cluster's CoreDNS (the site's, in kube-system): kube-prometheus-stack's coredns monitor scrapes 9153.
        self._add_pod(namespaces["dns"], "coredns", unit.COREDNS["labels"],
                      [{"ports": [{"name": "dns-tcp", "containerPort": 53}, {"name": "metrics", "containerPort": 9153}]}],
                      source="the cluster's CoreDNS")

    def _add_pod(self, namespace, name, labels, containers, host_network=False, source=""):
        pod = _pod(namespace, labels, name, containers)
        pod["host_network"] = bool(host_network)
        pod["source"] = source
        self.pods[name] = pod
        for container in containers:
            for item in container.get("env") or []:
                if "value" in item:
                    self.references.append((name, name, item["value"]))
            for arg in container.get("args") or []:
                if str(arg).startswith("--") and "=" in str(arg):
                    self.references.append((name, name, str(arg).split("=", 1)[1]))
        return pod

    def _object(self, obj, namespace, source):
        kind, meta = obj["kind"], obj["metadata"]
        namespace = meta.get("namespace") or namespace
        if kind in ("Deployment", "DaemonSet", "StatefulSet", "Job"):
            if "test" in (meta.get("annotations") or {}).get("helm.sh/hook", ""):
                return  # `helm test` pods: run by hand, not by the stack
            template = obj["spec"]["template"]
            self._add_pod(namespace, meta["name"], (template.get("metadata") or {}).get("labels") or {},
                          template["spec"]["containers"], template["spec"].get("hostNetwork"), source)
        elif kind == "Service":
            self.services[(namespace, meta["name"])] = (obj["spec"].get("selector"), _service_ports(obj),
                                                        meta.get("labels") or {})
        elif kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
            for hook in obj.get("webhooks") or []:
                service = hook["clientConfig"].get("service")
                if service:
                    self.webhooks.append(("%s %s" % (kind, hook["name"]), service["namespace"], service["name"],
                                          service.get("port", 443)))
        elif kind == "APIService" and obj["spec"].get("service"):
            service = obj["spec"]["service"]
            self.webhooks.append(("APIService " + meta["name"], service["namespace"], service["name"],
                                  service.get("port", 443)))
        elif kind in ("ServiceMonitor", "PodMonitor"):
            self.monitors.append((kind, namespace, meta["name"], obj["spec"]))
        elif kind == "ConfigMap" and (meta.get("labels") or {}).get("grafana_datasource"):
            for text in (obj.get("data") or {}).values():
                for url in re.findall(r"url: *(http://[^\s]+)", text):
                    self.references.append(("grafana datasource", "kube-prometheus-stack-grafana", url))
        elif kind == "ScaledObject":
            for trigger in obj["spec"].get("triggers") or []:
                if trigger.get("type") == "prometheus":
                    self.references.append(("KEDA trigger of " + meta["name"], "keda-operator",
                                            trigger["metadata"]["serverAddress"]))
        elif kind in ("Prometheus", "Alertmanager"):
            self._monitoring(kind, namespace, obj)
        elif kind == "CephCluster":
            self._ceph(namespace, obj)
        elif kind == "ClusterPolicy" and (obj["spec"].get("dcgmExporter") or {}).get("enabled", True):
            # The GPU Operator's DCGM exporter DaemonSet and Service (its pods app: nvidia-dcgm-exporter, port 9400).
            ns = self.namespaces["gpu_operator"]
            self._add_pod(ns, "nvidia-dcgm-exporter", {"app": "nvidia-dcgm-exporter"},
                          [{"ports": [{"name": "metrics", "containerPort": 9400}]}], source="gpu-operator ClusterPolicy")
            self.services[(ns, "nvidia-dcgm-exporter")] = ({"app": "nvidia-dcgm-exporter"},
                                                           {9400: ("gpu-metrics", 9400)}, {"app": "nvidia-dcgm-exporter"})

    def _monitoring(self, kind, namespace, obj):
        """The Prometheus operator's pods: app.kubernetes.io/name prometheus|alertmanager, <kind>: <name>."""
        name = obj["metadata"]["name"]
        app = kind.lower()
        labels = {"app.kubernetes.io/name": app, app: name, "app.kubernetes.io/instance": name,
                  "app.kubernetes.io/managed-by": "prometheus-operator", "operator.prometheus.io/name": name}
        ports = ([{"name": "web", "containerPort": 9090}] if kind == "Prometheus" else
                 [{"name": "web", "containerPort": 9093}, {"name": "mesh-tcp", "containerPort": 9094}])
        ports.append({"name": "reloader-web", "containerPort": 8080})
        for index in range(obj["spec"].get("replicas") or 1):
            self._add_pod(namespace, "%s-%s-%d" % (app, name, index), labels, [{"ports": ports}],
                          source="prometheus-operator " + kind)
        self.services.setdefault((namespace, "%s-operated" % app), (
            {"app.kubernetes.io/name": app},
            dict((p["containerPort"], (p["name"], p["name"])) for p in ports), {}))

    def _ceph(self, namespace, cluster):
        """Rook's Ceph daemons (labels app: rook-ceph-<daemon>, ceph_daemon_type) and the mgr's metrics Service."""
        spec = cluster["spec"]
        for index in range((spec.get("mon") or {}).get("count", 3)):
            self._add_pod(namespace, "rook-ceph-mon-%d" % index, {"app": "rook-ceph-mon", "ceph_daemon_type": "mon"},
                          [{"ports": [{"name": "tcp-msgr2", "containerPort": 3300},
                                      {"name": "tcp-msgr1", "containerPort": 6789}]}], source="rook CephCluster")
        for index in range((spec.get("mgr") or {}).get("count", 1)):
            self._add_pod(namespace, "rook-ceph-mgr-%d" % index, {"app": "rook-ceph-mgr", "ceph_daemon_type": "mgr",
                                                                  "mgr_role": "active" if index == 0 else "standby"},
                          [{"ports": [{"name": "http-metrics", "containerPort": 9283}]}], source="rook CephCluster")
        for index in range(2):
            self._add_pod(namespace, "rook-ceph-osd-%d" % index, {"app": "rook-ceph-osd", "ceph_daemon_type": "osd"},
                          [], source="rook CephCluster")
        self._add_pod(namespace, "rook-ceph-mds-a", {"app": "rook-ceph-mds", "ceph_daemon_type": "mds"}, [],
                      source="rook CephFilesystem")
        gateway = [{"ports": [{"name": "http", "containerPort": RGW_POD_PORT}]}]
        self._add_pod(namespace, "rook-ceph-rgw", unit.RGW["labels"], gateway, source="rook CephObjectStore")
        self.services[(namespace, "rook-ceph-mgr")] = ({"app": "rook-ceph-mgr", "mgr_role": "active"},
                                                       {9283: ("http-metrics", 9283)}, {"app": "rook-ceph-mgr"})

    def endpoints(self, namespace, name, port):
        """[(pod, pod port)] behind Service namespace/name on ``port`` (a number or a port name)."""
        if name.startswith("rook-ceph-rgw-"):
            # Rook's gateway Service rook-ceph-rgw-<store>: port 80 to the gateway pods' 8080 (as Cluster.resolve).
            return [(pod, RGW_POD_PORT) for pod in self.pods.values() if pod["namespace"] == namespace
                    and pod["labels"].get("app") == "rook-ceph-rgw"] if port == 80 else []
        selector, ports, _labels = self.services.get((namespace, name), (None, {}, {}))
        if not selector:
            return []
        target = None
        for number, (port_name, target_port) in ports.items():
            if port in (number, port_name):
                target = target_port
        if target is None:
            return []
        out = []
        for pod in self.pods.values():
            if pod["namespace"] == namespace and ne.selects({"matchLabels": selector}, pod["labels"]):
                number = target if isinstance(target, int) else pod["ports"].get(target)
                if number:
                    out.append((pod, number))
        return out

    def monitor_targets(self):
        """[(what, pod, port)] every ServiceMonitor/PodMonitor endpoint of the render resolves to."""
        out = []
        for kind, namespace, name, spec in self.monitors:
            names = (spec.get("namespaceSelector") or {}).get("matchNames") or [namespace]
            for endpoint in spec.get("endpoints") or spec.get("podMetricsEndpoints") or []:
                port = endpoint.get("port") or endpoint.get("targetPort")
                if kind == "ServiceMonitor":
                    for (service_ns, service), (_selector, _ports, labels) in sorted(self.services.items()):
                        if service_ns in names and ne.selects(spec["selector"], labels):
                            if endpoint.get("targetPort"):
                                pods = [(pod, endpoint["targetPort"]) for pod, _p in
                                        self.endpoints(service_ns, service, list(_ports)[0])] if _ports else []
                            else:
                                pods = self.endpoints(service_ns, service, port)
                            out += [("%s %s -> %s" % (kind, name, service), pod, number) for pod, number in pods]
                else:
                    out += [("%s %s" % (kind, name), pod, pod["ports"].get(port, port)) for pod in self.pods.values()
                            if pod["namespace"] in names and ne.selects(spec["selector"], pod["labels"])]
        return out


@pytest.fixture(scope="module")
def platform(renders):
    render_dir = renders[INVENTORY]
    policies = [checks.load_documents(p)[0] for p in rendered_files(os.path.join(render_dir, "security"), "manifests")]
    policies = [p for p in policies if p["kind"] == "NetworkPolicy"]
    namespaces = dict(unit.defaults()["security_namespaces"])
    return Platform(render_dir, namespaces), policies, namespaces


def _platform_namespaces(policies, namespaces):
    """The platform namespaces the prod render default-denies."""
    denied = set(p["metadata"]["namespace"] for p in policies if p["metadata"]["name"] == "privateai-default-deny")
    return sorted(denied - set(namespaces[k] for k in k8s_security.OWNED))


def platform_connections(platform, policies, namespaces):
    """[(what, source, destination, port, protocol)] every connection the platform renders make, and the problems of
    the test itself (a webhook, a monitor or an address that resolves to no rendered pod)."""
    denied_ns = _platform_namespaces(policies, namespaces)
    pods = [p for p in platform.pods.values() if p["namespace"] in denied_ns]
    out, unresolved = [], []
    for pod in pods:
        if pod["host_network"]:
            continue  # not governed by NetworkPolicy (k8s_security.HOST_NETWORK)
        out.append(("%s -> DNS" % pod["name"], pod, unit.COREDNS, 53, "UDP"))
        chart_pod = "/" in pod["source"]  # rendered by a chart (operators' pods: only Prometheus discovers targets)
        if (chart_pod or pod["labels"].get("app.kubernetes.io/name") == "prometheus") \
                and pod["labels"].get("app") not in NOT_API_CLIENTS:
            out.append(("%s (%s) -> API server" % (pod["name"], pod["source"]), pod, API_SERVER, 6443, "TCP"))
    for what, namespace, service, port in platform.webhooks:
        targets = platform.endpoints(namespace, service, port)
        if not targets:
            unresolved.append("%s: Service %s/%s:%s has no rendered pod" % (what, namespace, service, port))
        out += [("API server -> %s (%s)" % (what, pod["name"]), WEBHOOK_SOURCE, pod, number, "TCP")
                for pod, number in targets]
    prometheus = [p for p in platform.pods.values() if p["labels"].get("app.kubernetes.io/name") == "prometheus"]
    assert prometheus, "no Prometheus pod made from the render"
    for what, pod, port in platform.monitor_targets():
        target = NODE if pod["host_network"] else pod
        out += [("Prometheus -> %s (%s:%s)" % (what, pod["name"], port), source, target, port, "TCP")
                for source in prometheus if source is not pod]
    known = set(namespaces.values())
    for what, name, value in platform.references:
        reference = _reference(re.sub(r"^(https?://[a-z0-9-]+\.(%s))(:[0-9]+)?(/|$)" % "|".join(sorted(known)),
                                      lambda m: m.group(1) + ".svc" + (m.group(3) or "") + m.group(4), str(value)))
        source = platform.pods.get(name) or [p for p in platform.pods.values() if p["name"].startswith(name)]
        if not reference or not source:
            continue
        host, port = reference
        parts = host.split(".")
        service_ns = parts[1] if len(parts) > 1 else platform.pods[name]["namespace"] if name in platform.pods else None
        sources = source if isinstance(source, list) else [source]
        targets = platform.endpoints(service_ns, parts[0], port)
        if parts[0] in ("localhost", "0.0.0.0", "127.0.0.1") or (service_ns, parts[0]) == ("default", "kubernetes"):
            continue
        if not targets:
            unresolved.append("%s: %s resolves to no rendered pod" % (what, value))
        out += [("%s -> %s:%s" % (what, pod["name"], number), src, pod, number, "TCP")
                for src in sources for pod, number in targets if src is not pod]
    ceph = [p for p in platform.pods.values() if p["labels"].get("app", "").startswith("rook-ceph-")
            and p["labels"].get("app") != "rook-ceph-operator"]
    rook = [p for p in platform.pods.values() if p["namespace"] == namespaces["object_store"]]
    for daemon in [p for p in ceph if p["labels"].get("ceph_daemon_type") in ("mon", "osd", "mds")]:
        port = 3300 if daemon["labels"]["ceph_daemon_type"] == "mon" else 6800
        out.append(("node (kernel Ceph client, CSI node plugin) -> %s" % daemon["name"], NODE, daemon, port, "TCP"))
        out += [("%s -> %s" % (src["name"], daemon["name"]), src, daemon, port, "TCP") for src in rook if src is not daemon]
    return out, unresolved


def test_every_connection_the_platform_renders_make_is_allowed(platform):
    found_platform, policies, namespaces = platform
    found, unresolved = platform_connections(found_platform, policies, namespaces)
    assert unresolved == []
    kinds = set(what.split(" ")[0] for what, _s, _d, _p, _proto in found)
    assert {"API", "Prometheus", "node"} <= kinds, sorted(kinds)
    assert len(found) >= 150, len(found)
    denied = sorted(set("%s (%s -> %s:%s)" % (what, source["name"], dest["name"], port)
                        for what, source, dest, port, protocol in found
                        if not ne.allowed(policies, source, dest, port, protocol)))
    assert denied == []


def _platform_must_deny(platform, cluster, policies, namespaces):
    pods = platform.pods
    denied_ns = _platform_namespaces(policies, namespaces)
    web = [p for p in cluster.pods.values() if p["labels"].get("component") == "web"][0]
    engine = [p for p in cluster.pods.values() if p["namespace"] == "serving"
              and p["labels"].get("app.kubernetes.io/component") in ("engine", "leader")][0]
    mons = [p for p in pods.values() if p["labels"].get("app") == "rook-ceph-mon"]
    webhook = [p for p in pods.values() if p["labels"].get("app.kubernetes.io/component") == "webhook"
               and p["namespace"] == namespaces["cert_manager"]]
    prometheus = [p for p in pods.values() if p["labels"].get("app.kubernetes.io/name") == "prometheus"]
    assert mons and webhook and prometheus
    out = [("Dify web -> Ceph mon", web, mons[0], 3300, "TCP"),
           ("model pod -> cert-manager webhook", engine, webhook[0], 10250, "TCP"),
           ("tenant -> Prometheus", unit.TENANT_A, prometheus[0], 9090, "TCP"),
           ("unmanaged namespace -> Prometheus", unit.ELSEWHERE, prometheus[0], 9090, "TCP"),
           ("a node -> Prometheus", NODE, prometheus[0], 9090, "TCP")]
    for pod in pods.values():
        if pod["namespace"] in denied_ns and not pod["host_network"]:
            out.append(("%s -> internet" % pod["name"], pod, unit.INTERNET, 443, "TCP"))
            for port in sorted(set(pod["ports"].values())) or [8080]:
                out.append(("unmanaged namespace -> %s:%d" % (pod["name"], port), unit.ELSEWHERE, pod, port, "TCP"))
    for namespace in denied_ns:
        stray = ne.pod(namespace, {"app": "debug-shell"}, "a pod the stack does not know in " + namespace)
        out += [("unmanaged namespace -> %s" % stray["name"], unit.ELSEWHERE, stray, 8080, "TCP"),
                ("%s -> internet" % stray["name"], stray, unit.INTERNET, 443, "TCP")]
    return out


def test_the_platform_pods_are_cut_off_where_the_flow_table_says(platform, prod):
    found_platform, policies, namespaces = platform
    must_deny = _platform_must_deny(found_platform, prod[0], policies, namespaces)
    assert len(must_deny) > 60
    allowed = [what for what, source, dest, port, protocol in must_deny if ne.allowed(policies, source, dest, port, protocol)]
    assert allowed == []


def test_removing_any_one_platform_policy_breaks_the_rendered_table(platform, prod):
    """Each policy of a platform namespace (and each policy of a platform flow) is needed by a connection the renders
    make, or keeps a must-deny flow denied: without it the table breaks."""
    found_platform, policies, namespaces = platform
    needed, _unresolved = platform_connections(found_platform, policies, namespaces)
    must_deny = _platform_must_deny(found_platform, prod[0], policies, namespaces)
    denied_ns = set(_platform_namespaces(policies, namespaces))
    platform_flows = set(flow[0] for flow in k8s_security.FLOWS[k8s_security.FLOWS.index(
        [f for f in k8s_security.FLOWS if f[0] == "cert-manager-to-api-server"][0]):])
    platform_policies = [p for p in policies if (p["metadata"]["namespace"] in denied_ns and p["metadata"]["name"] in (
        "privateai-default-deny", "privateai-dns"))
        or re.sub(r"^privateai-|-(egress|ingress)$", "", p["metadata"]["name"]) in platform_flows]
    assert len(platform_policies) > 50

    def failures(rest):
        return ([what for what, source, dest, port, protocol in needed if not ne.allowed(rest, source, dest, port, protocol)]
                + [what for what, source, dest, port, protocol in must_deny if ne.allowed(rest, source, dest, port, protocol)])
    assert failures(policies) == []
    unneeded = []
    for policy in platform_policies:
        rest = [p for p in policies if p is not policy]
        if not failures(rest):
            unneeded.append("%s/%s" % (policy["metadata"]["namespace"], policy["metadata"]["name"]))
    assert unneeded == []
