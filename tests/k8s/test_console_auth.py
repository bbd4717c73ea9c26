# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Dify console behind oauth2-proxy (dify_console_auth_enabled), as rendered for the example inventories (on)
and the lab (off, and on by extra variables).

Routing: every Ingress the render would create for the Dify host (the dify stage's own, the security stage's
/oauth2, the chart's when it still renders one) is evaluated as ingress-nginx routes (the host, then the longest
matching path, Prefix by path elements as the Ingress API defines it, Exact before Prefix on a tie), then, for the
chart's nginx front, the location the rendered nginx configuration picks (longest plain prefix). A table says, per
request path, which Ingress path takes it, whether it passes oauth2-proxy first (the external-auth annotations with
their expected values) and where it ends. Dropping any path or any auth annotation breaks the table.

Network: each Ingress backend and oauth2-proxy's auth endpoint, resolved through the rendered Services to the pods
the charts render, is allowed from the ingress controller by the security stage's rendered NetworkPolicies."""

import copy
import json
import os
import re
import subprocess

import pytest

import chart_render
import checks
from conftest import BIN, REPO, releases, rendered_files, run_one_playbook, tree

import test_seams as seams  # puts tests/unit/plugins/plugin_utils on the path

import netpol_eval as ne  # noqa: E402
import test_k8s_security as unit  # noqa: E402

INVENTORIES = ("prod", "prod-h100x8", "h200x8-single")
HOST = "dify.example.internal"
AUTH_URL = "http://oauth2-proxy.privateai-security.svc.cluster.local/oauth2/auth"
AUTH = {"nginx.ingress.kubernetes.io/auth-url": AUTH_URL,
        "nginx.ingress.kubernetes.io/auth-signin": "https://%s/oauth2/start?rd=$escaped_request_uri" % HOST,
        "nginx.ingress.kubernetes.io/auth-response-headers":
            "X-Auth-Request-User,X-Auth-Request-Email,X-Auth-Request-Groups"}
DIFY = ("dify", "dify", 80)
OAUTH2 = ("privateai-security", "oauth2-proxy", 80)
# request path -> (the Ingress path that takes it, behind oauth2-proxy, backend Service, where Dify's nginx sends it)
ROUTES = (
    ("/", "/", True, DIFY, "web"),
    ("/apps", "/", True, DIFY, "web"),
    ("/signin", "/", True, DIFY, "web"),
    ("/chat/AbCdEf123456", "/", True, DIFY, "web"),  # a published web app's page
    ("/_next/static/chunks/main.js", "/", True, DIFY, "web"),
    ("/console/api/login", "/console/api", True, DIFY, "api"),
    ("/console/api/apps", "/console/api", True, DIFY, "api"),
    ("/api/passport", "/api", True, DIFY, "api"),
    ("/api/chat-messages", "/api", True, DIFY, "api"),
    # nginx's `location /api` is a plain prefix: /apis reaches the API, but the Ingress (by path elements) keeps it
    # behind oauth2-proxy through /.
    ("/apis", "/", True, DIFY, "api"),
    ("/explore/apps", "/explore", True, DIFY, "web"),
    ("/marketplace/plugins", "/marketplace", True, DIFY, "web"),  # no marketplace proxy offline: web
    ("/v1/chat-messages", "/v1", False, DIFY, "api"),
    ("/v1/workflows/run", "/v1", False, DIFY, "api"),
    ("/v10", "/", True, DIFY, "api"),
    ("/files/0f3c2b/file-preview", "/files", False, DIFY, "api"),
    ("/files/tools/0f3c2b.png", "/files", False, DIFY, "api"),
    ("/e/hook123/webhook", "/e/", False, DIFY, "plugin_daemon"),
    # The Ingress path /e/ takes /e too (path elements); nginx sends it to web's not-found page.
    ("/e", "/e/", False, DIFY, "web"),
    ("/mcp/server/abc123/mcp", "/mcp", False, DIFY, "api"),
    ("/triggers/webhook/abc123", "/triggers", False, DIFY, "api"),
    ("/oauth2/start", "/oauth2", False, OAUTH2, None),
    ("/oauth2/callback", "/oauth2", False, OAUTH2, None),
    ("/oauth2/sign_out", "/oauth2", False, OAUTH2, None),
)
NGINX_UPSTREAMS = {"dify-api": "api", "dify-web": "web", "dify-plugin-daemon": "plugin_daemon"}


def _manifests(render_dir, stage, kind):
    docs = [checks.load_documents(p)[0] for p in rendered_files(os.path.join(render_dir, stage), "manifests")]
    return [d for d in docs if d["kind"] == kind]


def _release(render_dir, chart):
    found = [(r, v) for _stage, r, v in releases(render_dir) if r["chart"] == chart]
    assert len(found) == 1, found
    return found[0]


def _dify_chart(render_dir):
    return chart_render.render_release(*_release(render_dir, "dify"))


def ingresses(render_dir):
    """Every Ingress the render creates: the dify and security stages' manifests and the Dify chart's."""
    chart = [o for o in _dify_chart(render_dir) if o["kind"] == "Ingress"]
    for obj in chart:
        obj["metadata"].setdefault("namespace", "dify")
    return _manifests(render_dir, "dify", "Ingress") + _manifests(render_dir, "security", "Ingress") + chart


def nginx_locations(render_dir):
    """{location: upstream component} of the chart's nginx front, from its rendered configuration."""
    texts = [text for o in _dify_chart(render_dir) if o["kind"] == "ConfigMap"
             for text in (o.get("data") or {}).values() if "location /console/api" in text]
    assert len(texts) == 1, "no (or more than one) rendered nginx configuration with Dify's locations"
    out = {}
    for path, body in re.findall(r"location\s+(/\S*)\s*\{([^}]*)\}", texts[0]):
        upstream = re.search(r"proxy_pass\s+https?://([a-z0-9-]+)", body)
        out[path] = NGINX_UPSTREAMS.get(upstream.group(1), upstream.group(1)) if upstream else None
    return out


def _elements(path):
    return [part for part in path.split("/") if part]


def _matches(rule, request):
    if rule["pathType"] == "Exact":
        return request == rule["path"]
    prefix = _elements(rule["path"])
    return _elements(request)[:len(prefix)] == prefix


def route(objects, host, request):
    """(Ingress, path rule) ingress-nginx picks for https://host<request>: the rules of every Ingress of the host,
    the longest matching path first, Exact before Prefix on a tie; None when no rule matches."""
    candidates = []
    for obj in objects:
        for rule in obj["spec"].get("rules") or []:
            if rule.get("host") != host:
                continue
            for path in rule["http"]["paths"]:
                if _matches(path, request):
                    candidates.append((len(path["path"].rstrip("/")), path["pathType"] == "Exact", obj, path))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (c[0], c[1]), reverse=True)
    return candidates[0][2], candidates[0][3]


def nginx_route(locations, request):
    best = max((path for path in locations if request.startswith(path)), key=len)
    return locations[best]


def route_failures(objects, locations, host=HOST, auth=None):
    """Every row of ROUTES the Ingresses get wrong, as text (empty when all are right)."""
    auth = AUTH if auth is None else auth
    failures = []
    for request, ingress_path, behind, backend, upstream in ROUTES:
        found = route(objects, host, request)
        if found is None:
            failures.append("%s: no Ingress takes it" % request)
            continue
        obj, path = found
        annotations = obj["metadata"].get("annotations") or {}
        gated = all(annotations.get(key) == value for key, value in auth.items())
        service = path["backend"]["service"]
        got = (obj["metadata"]["namespace"], service["name"], service["port"]["number"])
        if path["path"] != ingress_path:
            failures.append("%s: taken by %s's path %s, not %s" % (request, obj["metadata"]["name"], path["path"],
                                                                   ingress_path))
        if gated != behind:
            where = "behind" if gated else "not behind"
            failures.append("%s: %s oauth2-proxy (Ingress %s)" % (request, where, obj["metadata"]["name"]))
        if got != backend:
            failures.append("%s: backend %s, not %s" % (request, got, backend))
        if upstream and got == DIFY and nginx_route(locations, request) != upstream:
            failures.append("%s: Dify's nginx sends it to %s, not %s" % (request, nginx_route(locations, request),
                                                                         upstream))
    return failures


@pytest.fixture(scope="module")
def prod(renders):
    render_dir = renders["prod"]
    return ingresses(render_dir), nginx_locations(render_dir)


# ------------------------------------------------------------------------------------------- rendered objects

@pytest.mark.parametrize("name", INVENTORIES)
def test_the_ingresses_validate_and_the_charts_is_off(renders, name):
    render_dir = renders[name]
    _release_dict, values = _release(render_dir, "dify")
    assert values["ingress"] == {"enabled": False}
    objects = ingresses(render_dir)
    names = sorted("%s/%s" % (o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects)
    assert names == ["dify/dify-console", "dify/dify-machine", "privateai-security/oauth2-proxy-dify"]
    assert chart_render.validate_objects(objects, name) == []


@pytest.mark.parametrize("name", INVENTORIES)
def test_every_path_routes_as_the_table_says(renders, name):
    render_dir = renders[name]
    assert route_failures(ingresses(render_dir), nginx_locations(render_dir)) == []


def test_no_two_ingresses_claim_the_same_path_of_the_host(prod):
    objects, _locations = prod
    claimed = [(rule["host"], path["path"], path["pathType"]) for o in objects for rule in o["spec"]["rules"]
               for path in rule["http"]["paths"]]
    assert len(claimed) == len(set(claimed)) == 11, claimed


def test_the_table_covers_every_location_of_difys_nginx(prod):
    _objects, locations = prod
    # Each location block of Dify 1.14.2's nginx front (offline: no /marketplace block) is a row of k8s_dify's table.
    assert sorted(locations) == ["/", "/api", "/console/api", "/e/", "/explore", "/files", "/mcp", "/triggers", "/v1"]
    tested = set(row[1] for row in ROUTES)
    assert set(locations) <= tested


@pytest.mark.parametrize("key", sorted(AUTH))
def test_dropping_an_auth_annotation_breaks_the_table(prod, key):
    objects, locations = prod
    changed = copy.deepcopy(objects)
    (console,) = [o for o in changed if o["metadata"]["name"] == "dify-console"]
    del console["metadata"]["annotations"][key]
    failures = route_failures(changed, locations)
    assert failures and all("not behind oauth2-proxy" in f for f in failures), failures


@pytest.mark.parametrize("path", ["/", "/console/api", "/api", "/explore", "/marketplace", "/v1", "/files", "/e/",
                                  "/mcp", "/triggers", "/oauth2"])
def test_dropping_a_path_breaks_the_table(prod, path):
    objects, locations = prod
    changed = copy.deepcopy(objects)
    for obj in changed:
        for rule in obj["spec"]["rules"]:
            rule["http"]["paths"] = [p for p in rule["http"]["paths"] if p["path"] != path]
    assert route_failures(changed, locations) != []


def test_the_evaluator_follows_the_ingress_path_rules():
    def ing(*paths):
        return [{"metadata": {"name": "x", "namespace": "n"}, "spec": {"rules": [{"host": HOST, "http": {"paths": [
            {"path": p, "pathType": t, "backend": {"service": {"name": p, "port": {"number": 80}}}} for p, t in paths]}}]}}]
    objects = ing(("/", "Prefix"), ("/api", "Prefix"), ("/api/x", "Exact"), ("/e/", "Prefix"))
    requests = ("/api", "/api/", "/apis", "/api/x", "/api/x/y", "/e", "/e/1", "/elsewhere")
    picked = dict((req, route(objects, HOST, req)[1]["path"]) for req in requests)
    assert picked == {"/api": "/api", "/api/": "/api", "/apis": "/", "/api/x": "/api/x", "/api/x/y": "/api",
                      "/e": "/e/", "/e/1": "/e/", "/elsewhere": "/"}
    assert route(objects, "other.example.internal", "/") is None


# ------------------------------------------------------------------------------------------- oauth2-proxy

@pytest.mark.parametrize("name", INVENTORIES)
def test_oauth2_proxy_matches_the_dify_host(renders, name):
    _release_dict, values = _release(renders[name], "oauth2-proxy")
    args = values["extraArgs"]
    for arg in ("--cookie-domain=%s" % HOST, "--whitelist-domain=%s" % HOST,
                "--redirect-url=https://%s/oauth2/callback" % HOST, "--allowed-group=ai-users",
                "--allowed-group=ai-admins"):
        assert arg in args
    # The Ingress' host and TLS Secret name are the Dify Ingresses'.
    (oauth2,) = _manifests(renders[name], "security", "Ingress")
    (console,) = [o for o in _manifests(renders[name], "dify", "Ingress") if o["metadata"]["name"] == "dify-console"]
    assert oauth2["spec"]["tls"] == console["spec"]["tls"] == [{"hosts": [HOST], "secretName": "dify-tls"}]
    assert oauth2["spec"]["ingressClassName"] == console["spec"]["ingressClassName"] == "nginx"


def test_the_ingress_controller_reaches_every_backend_and_the_auth_endpoint(renders):
    """Through the rendered Services to the pods the charts render, allowed by the rendered NetworkPolicies."""
    render_dir = renders["prod"]
    cluster = seams.Cluster(render_dir)
    oauth2_release, oauth2_values = _release(render_dir, "oauth2-proxy")
    cluster._chart(oauth2_release, chart_render.render_release(oauth2_release, oauth2_values))
    policies = _manifests(render_dir, "security", "NetworkPolicy")
    targets = set()
    for obj in ingresses(render_dir):
        for rule in obj["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                service = path["backend"]["service"]
                targets.add((obj["metadata"]["namespace"], service["name"], service["port"]["number"]))
    auth_host = AUTH_URL.split("/")[2].split(".")
    targets.add((auth_host[1], auth_host[0], 80))
    assert len(targets) == 2, targets  # the nginx front and oauth2-proxy (its auth endpoint the same Service)
    reached = []
    for namespace, service, port in sorted(targets, key=str):
        found = cluster.resolve(namespace, service, port)
        assert found, "%s:%d resolves to no rendered pod" % (service, port)
        for pod, pod_port in found:
            reached.append((pod["name"], pod_port, ne.allowed(policies, unit.INGRESS, pod, pod_port)))
    assert sorted(set((name, port) for name, port, _ok in reached)) == [("dify-proxy", 8080), ("oauth2-proxy", 4180)]
    assert [r for r in reached if not r[2]] == []
    # Without the ingress-to-oauth2-proxy policies oauth2-proxy is cut off: the check above is a real one.
    cut = [p for p in policies if "ingress-to-oauth2-proxy" not in p["metadata"]["name"]]
    oauth2_pods = [pod for pod, port in cluster.resolve("privateai-security", "oauth2-proxy", 80)]
    assert not any(ne.allowed(cut, unit.INGRESS, pod, 4180) for pod in oauth2_pods)


# ------------------------------------------------------------------------------------------- the lab, bad input

def test_lab_keeps_the_charts_ingress_and_turns_the_front_on_by_variable_changed_0_on_rerun(tmp_path):
    off = str(tmp_path / "off")
    result = run_one_playbook("playbooks/dify.yml", "lab", off)
    assert result.returncode == 0, result.stdout[-3000:]
    chart = [o for o in _dify_chart(off) if o["kind"] == "Ingress"]
    assert [o["metadata"]["name"] for o in chart] == ["dify"] and _manifests(off, "dify", "Ingress") == []
    on = str(tmp_path / "on")
    extra = {"dify_console_auth_enabled": True, "security_oidc_issuer_url": unit.ISSUER,
             "security_oidc_egress_cidrs": ["10.0.0.20/32"], "security_api_server_cidrs": ["10.0.0.10/32"]}
    for playbook in ("dify.yml", "security.yml"):
        result = run_one_playbook("playbooks/" + playbook, "lab", on, extra)
        assert result.returncode == 0, result.stdout[-3000:]
    files = tree(on)
    for playbook in ("dify.yml", "security.yml"):
        again = run_one_playbook("playbooks/" + playbook, "lab", on, extra)
        assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout[-3000:]
    assert tree(on) == files
    objects = ingresses(on)
    assert sorted(o["metadata"]["name"] for o in objects) == ["dify-console", "dify-machine", "oauth2-proxy-dify"]
    assert chart_render.validate_objects(objects, "lab") == []
    lab_host = objects[0]["spec"]["rules"][0]["host"]
    assert route_failures(objects, nginx_locations(on), host=lab_host, auth=dict(
        AUTH, **{"nginx.ingress.kubernetes.io/auth-signin": "https://%s/oauth2/start?rd=$escaped_request_uri"
                 % lab_host})) == []


def _playbook(playbook, render_dir, extra):
    command = [os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, "playbooks", playbook),
               "-i", os.path.join(REPO, "inventories", "prod"), "-e", "privateai_k8s_mode=apply",
               "-e", "privateai_render_dir=" + render_dir, "-e", "dify_credentials_dir=%s.creds" % render_dir,
               "-e", json.dumps(extra)]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    return result.returncode, result.stdout + result.stderr


def test_a_front_without_the_identity_or_a_host_is_refused_before_anything(tmp_path):
    render_dir = str(tmp_path / "render")
    rc, output = _playbook("dify.yml", render_dir, {
        "security_oidc_issuer_url": "", "dify_host": "",
        "dify_console_auth_annotations": {"nginx.ingress.kubernetes.io/auth-url": "{oauth2}"}})
    assert rc != 0
    assert "dify: 3 problem(s)" in output, output[-4000:]
    for text in ("dify_console_auth_enabled is true but security_oidc_issuer_url is empty",
                 "dify_host is '': give the DNS name users open Dify at",
                 "it names {oauth2}; the placeholders are {auth_url} and {host}"):
        assert text in output, text
    rc, output = _playbook("security.yml", render_dir, {"security_oidc_issuer_url": ""})
    assert rc != 0
    assert "security_console_front is true (dify_console_auth_enabled) but security_oidc_issuer_url is empty" in output, \
        output[-4000:]
    assert not os.path.exists(render_dir) and not os.path.exists(render_dir + ".creds")
