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

import netpol_eval as ne  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
API_SERVER = ["10.0.0.10/32"]


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
    settings["security_api_server_cidrs"] = list(API_SERVER)
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
DAEMON, SANDBOX, SSRF = dify("plugin-daemon"), dify("sandbox"), dify("ssrfProxy")
POSTGRES = ne.pod("dify", {"cnpg.io/cluster": "dify-db", "cnpg.io/podRole": "instance", "role": "primary"}, "pg-1")
POSTGRES_2 = ne.pod("dify", {"cnpg.io/cluster": "dify-db", "cnpg.io/podRole": "instance", "role": "replica"}, "pg-2")
REDIS = ne.pod("dify", {"app.kubernetes.io/name": "redis", "app.kubernetes.io/component": "master"}, "redis")
ENGINE = ne.pod("serving", dict(SERVING, **{"app.kubernetes.io/name": "bge-m3", "app.kubernetes.io/component": "engine"}))
LEADER = ne.pod("serving", dict(SERVING, **{"app.kubernetes.io/name": "r1", "app.kubernetes.io/component": "leader"}))
WORKER_POD = ne.pod("serving", dict(SERVING, **{"app.kubernetes.io/name": "r1", "app.kubernetes.io/component": "worker"}))
WEIGHTS = ne.pod("serving", dict(SERVING, **{"app.kubernetes.io/name": "r1-weights", "app.kubernetes.io/component": "weights"}))
RGW = ne.pod("rook-ceph", {"app": "rook-ceph-rgw", "rook_object_store": "ceph-objectstore"}, "rgw")
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
    ("ingress -> Dify web", INGRESS, WEB, 3000, "TCP"),
    ("ingress -> Dify api", INGRESS, API, 5001, "TCP"),
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
    ("CNPG operator -> instance status", CNPG, POSTGRES, 8000, "TCP"),
    ("postgres -> API server", POSTGRES, API_SERVER_IP, 6443, "TCP"),
    ("Dify api -> redis", API, REDIS, 6379, "TCP"),
    ("Dify worker -> redis", WORKER, REDIS, 6379, "TCP"),
    ("Dify beat -> redis", BEAT, REDIS, 6379, "TCP"),
    ("Dify plugin daemon -> redis", DAEMON, REDIS, 6379, "TCP"),
    ("Dify api -> plugin daemon", API, DAEMON, 5002, "TCP"),
    ("Dify plugin daemon -> api", DAEMON, API, 5001, "TCP"),
    ("Dify api -> sandbox", API, SANDBOX, 8194, "TCP"),
    ("Dify sandbox -> ssrf proxy", SANDBOX, SSRF, 3128, "TCP"),
    ("Dify api -> object store", API, RGW, 80, "TCP"),
    ("Dify worker -> object store", WORKER, RGW, 80, "TCP"),
    ("Prometheus -> model metrics", PROMETHEUS, ENGINE, 8000, "TCP"),
    ("Prometheus -> postgres exporter", PROMETHEUS, POSTGRES, 9187, "TCP"),
    ("leader -> worker (NCCL, any port)", LEADER, WORKER_POD, 29500, "TCP"),
    ("worker -> leader (NCCL, any port)", WORKER_POD, LEADER, 41000, "TCP"),
    ("weights Job -> object store", WEIGHTS, RGW, 80, "TCP"),
    ("Dify api -> DNS", API, COREDNS, 53, "UDP"),
    ("model -> DNS", ENGINE, COREDNS, 53, "UDP"),
    ("weights Job -> DNS over TCP", WEIGHTS, COREDNS, 53, "TCP"),
    ("oauth2-proxy -> DNS", OAUTH2, COREDNS, 53, "UDP"),
    ("Dify worker -> plugin daemon", WORKER, DAEMON, 5002, "TCP"),
    ("Dify api -> ssrf proxy", API, SSRF, 3128, "TCP"),
    ("Dify worker -> ssrf proxy", WORKER, SSRF, 3128, "TCP"),
    ("Dify plugin daemon -> object store", DAEMON, RGW, 80, "TCP"),
]
# What must stay denied.
DENIED = [
    ("Dify web -> database", WEB, POSTGRES, 5432, "TCP"),
    ("Dify web -> redis", WEB, REDIS, 6379, "TCP"),
    ("Dify web -> model", WEB, ENGINE, 8000, "TCP"),
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
                 ("tenant pod -> DNS", TENANT_A, COREDNS, 53, "UDP"),
                 ("tenant-b pod -> its own namespace", TENANT_B, ne.pod("tenant-b", {"app": "db"}), 5432, "TCP"),
                 ("tenant-b pod -> DNS", TENANT_B, COREDNS, 53, "UDP")]
# Only where the site lists its tenant namespaces (security_tenant_namespaces).
TENANT_DENIED = [("tenant -> tenant", TENANT_A, TENANT_B, 8080, "TCP"),
                 ("tenant -> internet", TENANT_A, INTERNET, 443, "TCP"),
                 ("unmanaged namespace -> tenant", ELSEWHERE, TENANT_A, 8080, "TCP")]
TENANTS = ["tenant-a", "tenant-b"]


@pytest.fixture(scope="module")
def built():
    result = ks.security_stage(defaults(security_tenant_namespaces=TENANTS))
    assert result["problems"] == [], result["problems"]
    return policies(result)


def test_every_needed_flow_is_allowed_and_every_forbidden_one_denied(built):
    assert ne.table_failures(built, NEEDED + TENANT_NEEDED, DENIED + TENANT_DENIED) == []


def test_removing_any_one_policy_breaks_the_table(built):
    """Every policy is needed: without it a needed flow is denied or a forbidden one allowed."""
    unneeded = []
    for index, policy in enumerate(built):
        rest = built[:index] + built[index + 1:]
        if not ne.table_failures(rest, NEEDED + TENANT_NEEDED, DENIED + TENANT_DENIED):
            unneeded.append("%s/%s" % (policy["metadata"]["namespace"], policy["metadata"]["name"]))
    assert unneeded == []


def test_without_policies_the_table_fails():
    """The evaluator itself: an open cluster fails the must-deny half, a deny-all one the needed half."""
    assert len(ne.table_failures([], NEEDED, DENIED)) == len(DENIED)
    deny_all = [{"kind": "NetworkPolicy", "metadata": {"name": "d", "namespace": ns},
                 "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}
                for ns in ("dify", "serving", "kube-system", "rook-ceph", "ingress-nginx", "monitoring", "cnpg-system")]
    assert len(ne.table_failures(deny_all, NEEDED, [])) == len(NEEDED)


def test_the_egress_the_site_opens_and_nothing_else():
    mirror = {"name": "hf-mirror", "from": "model_weights", "cidrs": ["10.40.0.0/24"], "ports": [443]}
    built = policies(ks.security_stage(defaults(security_egress_extra=[mirror])))
    assert ne.allowed(built, WEIGHTS, ne.external("10.40.0.7"), 443)
    assert not ne.allowed(built, WEIGHTS, ne.external("10.40.0.7"), 80)
    assert not ne.allowed(built, WEIGHTS, INTERNET, 443)
    assert not ne.allowed(built, ENGINE, ne.external("10.40.0.7"), 443)


def test_the_stage_namespace_is_restricted_and_default_denied(built):
    result = ks.security_stage(defaults())
    namespaces = [m["definition"] for m in result["stage"]["manifests"] if m["definition"]["kind"] == "Namespace"]
    assert [n["metadata"]["name"] for n in namespaces] == ["privateai-security"]
    assert namespaces[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    denied = sorted(p["metadata"]["namespace"] for p in built if p["metadata"]["name"] == "privateai-default-deny")
    assert denied == ["dify", "privateai-security", "serving"]
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
