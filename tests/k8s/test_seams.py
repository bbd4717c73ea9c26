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
resolved through the rendered Service (selector, targetPort) to the pods and the port a NetworkPolicy sees."""

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
    for name, source, dest, ports, _condition in k8s_security.FLOWS:
        if dest.startswith("cidrs:") or "weaviate" in (source + dest):
            continue  # addresses outside the cluster; Weaviate is not rendered with pgvector (prod)
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
