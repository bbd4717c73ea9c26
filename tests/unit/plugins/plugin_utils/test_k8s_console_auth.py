# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Dify console behind oauth2-proxy: the dify stage's own Ingresses and checks (k8s_dify), the security stage's
/oauth2 Ingress and oauth2-proxy's arguments for the Dify host (k8s_security). Rendered through the charts and routed
as ingress-nginx does in tests/k8s/test_console_auth.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_dify as kd
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_security as ks

import test_k8s_dify as dify_unit
import test_k8s_security as security_unit

ISSUER = security_unit.ISSUER
SECURITY_ON = {"security_enabled": True, "security_oidc_issuer_url": ISSUER}
AUTH_URL = "http://oauth2-proxy.privateai-security.svc.cluster.local/oauth2/auth"
ANNOTATIONS = dify_unit.defaults()["dify_console_auth_annotations"]


def dify(security=None, **overrides):
    return kd.dify_stage(dify_unit.defaults(**overrides), None, SECURITY_ON if security is None else security)


def ingresses(result):
    return dict((m["definition"]["metadata"]["name"], m) for m in result["stage"]["manifests"]
                if m["definition"]["kind"] == "Ingress")


def paths(ingress):
    return [p["path"] for p in ingress["spec"]["rules"][0]["http"]["paths"]]


# ------------------------------------------------------------------------------------------- the annotations map

@pytest.mark.parametrize("value, expected", [
    (ANNOTATIONS, []),
    ({"traefik.ingress.kubernetes.io/router.middlewares": "privateai-security-oauth2@kubernetescrd"}, []),
    ({}, ["dify_console_auth_annotations is empty: give the ingress controller's external-auth annotations"]),
    ({"nginx.ingress.kubernetes.io/auth url": "{auth_url}"}, ["dify_console_auth_annotations key is"]),
    ({"nginx.ingress.kubernetes.io/auth-url": "{auth_url}\nx"},
     ["dify_console_auth_annotations['nginx.ingress.kubernetes.io/auth-url'] is", "text on one line"]),
    ({"nginx.ingress.kubernetes.io/auth-url": 3}, ["dify_console_auth_annotations['nginx.ingress.kubernetes.io/auth-url'] is 3"]),
    ({"nginx.ingress.kubernetes.io/auth-signin": "https://{hostname}/oauth2/start"},
     ["it names {hostname}; the placeholders are {auth_url} and {host}"]),
])
def test_auth_annotations_are_checked(value, expected):
    problems = kd.check_auth_annotations("dify_console_auth_annotations", value)
    assert len(problems) == (1 if expected else 0), problems
    for text in expected:
        assert text in problems[0]


def test_placeholders_are_filled_in():
    filled = kd.auth_annotations(ANNOTATIONS, AUTH_URL, "dify.site.internal")
    assert filled == {
        "nginx.ingress.kubernetes.io/auth-url": AUTH_URL,
        "nginx.ingress.kubernetes.io/auth-signin": "https://dify.site.internal/oauth2/start?rd=$escaped_request_uri",
        "nginx.ingress.kubernetes.io/auth-response-headers": "X-Auth-Request-User,X-Auth-Request-Email,X-Auth-Request-Groups"}


# ------------------------------------------------------------------------------------------- the dify stage

def test_front_off_keeps_the_charts_ingress_and_renders_none():
    result = dify(security={})
    assert result["problems"] == []
    (release,) = result["stage"]["releases"]
    assert release["values"]["ingress"]["enabled"] is True
    assert release["values"]["ingress"]["hosts"] == [{"host": "dify.example.internal",
                                                      "paths": [{"path": "/", "pathType": "Prefix"}]}]
    assert ingresses(result) == {} and result["outputs"]["console_auth"] is False


def test_front_on_replaces_the_charts_ingress_by_two_split_by_the_route_table():
    result = dify(dify_console_auth_enabled=True)
    assert result["problems"] == []
    (release,) = result["stage"]["releases"]
    chart_ingress = dict(dify(security={})["stage"]["releases"][0]["values"]["ingress"])
    assert release["values"]["ingress"] == {"enabled": False}
    found = ingresses(result)
    assert sorted(found) == ["dify-console", "dify-machine"]
    console, machine = found["dify-console"]["definition"], found["dify-machine"]["definition"]
    assert paths(console) == ["/", "/console/api", "/api", "/explore", "/marketplace"]
    assert paths(machine) == ["/v1", "/files", "/e/", "/mcp", "/triggers"]
    for ingress in (console, machine):
        spec = ingress["spec"]
        # The chart Ingress' host, class, TLS Secret; every path to the chart's nginx front Service.
        assert spec["ingressClassName"] == chart_ingress["className"]
        assert spec["tls"] == chart_ingress["tls"]
        assert [r["host"] for r in spec["rules"]] == ["dify.example.internal"]
        assert all(p["pathType"] == "Prefix" and p["backend"] == {"service": {"name": "dify", "port": {"number": 80}}}
                   for p in spec["rules"][0]["http"]["paths"])
        assert ingress["metadata"]["namespace"] == "dify"
        for key in ("proxy-body-size", "proxy-read-timeout", "proxy-send-timeout"):
            key = "nginx.ingress.kubernetes.io/" + key
            assert ingress["metadata"]["annotations"][key] == chart_ingress["annotations"][key]
    assert console["metadata"]["annotations"]["nginx.ingress.kubernetes.io/auth-url"] == AUTH_URL
    assert console["metadata"]["annotations"]["nginx.ingress.kubernetes.io/auth-signin"] == \
        "https://dify.example.internal/oauth2/start?rd=$escaped_request_uri"
    assert not [k for k in machine["metadata"]["annotations"] if "auth" in k]
    # One Certificate owns the TLS Secret both Ingresses name.
    assert console["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "privateai-ca"
    assert "cert-manager.io/cluster-issuer" not in machine["metadata"]["annotations"]
    assert result["outputs"]["console_auth"] is True
    # The bootstrap reaches the console through a port-forward of the nginx front the Ingresses name, past the gate:
    # no warning about the gate any more, and the outputs name that Service.
    assert not [w for w in result["warnings"] if "dify_console_auth_enabled" in w]
    assert (result["outputs"]["front_service"], result["outputs"]["front_port"]) == (
        console["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"],
        console["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]["number"])
    assert not [w for w in dify(security={})["warnings"] if "dify_console_auth_enabled" in w]


def test_every_route_of_the_table_is_in_exactly_one_ingress():
    found = ingresses(dify(dify_console_auth_enabled=True))
    console, machine = paths(found["dify-console"]["definition"]), paths(found["dify-machine"]["definition"])
    assert not set(console) & set(machine)
    assert sorted(console + machine) == sorted(path for path, _behind, _backend, _why in kd.CONSOLE_ROUTES)
    for path, behind, _backend, _why in kd.CONSOLE_ROUTES:
        assert (path in console) is behind, path


def test_another_controllers_annotations_replace_ingress_nginx_ones():
    traefik = {"traefik.ingress.kubernetes.io/router.middlewares": "privateai-security-oauth2@kubernetescrd"}
    found = ingresses(dify(dify_console_auth_enabled=True, dify_console_auth_annotations=traefik))
    annotations = found["dify-console"]["definition"]["metadata"]["annotations"]
    assert annotations["traefik.ingress.kubernetes.io/router.middlewares"] == traefik[
        "traefik.ingress.kubernetes.io/router.middlewares"]
    assert "nginx.ingress.kubernetes.io/auth-url" not in annotations


@pytest.mark.parametrize("security, overrides, expected", [
    ({"security_enabled": False, "security_oidc_issuer_url": ISSUER}, {},
     "dify_console_auth_enabled is true but security_enabled is false"),
    ({"security_enabled": True, "security_oidc_issuer_url": ""}, {},
     "dify_console_auth_enabled is true but security_oidc_issuer_url is empty"),
    # Nothing set in the inventory: the security role's defaults (enabled, no issuer).
    ({}, {}, "dify_console_auth_enabled is true but security_oidc_issuer_url is empty"),
    (SECURITY_ON, {"dify_host": ""}, "dify_host is '': give the DNS name users open Dify at"),
    (SECURITY_ON, {"dify_console_auth_url": "oauth2-proxy/oauth2/auth"},
     "dify_console_auth_url is 'oauth2-proxy/oauth2/auth': give a URL starting with http:// or https://"),
    (SECURITY_ON, {"dify_console_auth_annotations": {}}, "dify_console_auth_annotations is empty"),
    ({"security_enabled": "maybe", "security_oidc_issuer_url": ISSUER}, {}, "security_enabled is 'maybe'"),
])
def test_bad_front_input_is_refused_naming_the_variable(security, overrides, expected):
    result = dify(security=security, dify_console_auth_enabled=True, **overrides)
    assert result["stage"] is None
    assert [p for p in result["problems"] if expected in p], result["problems"]


def test_front_problems_come_with_the_others_at_once():
    result = dify(security={"security_oidc_issuer_url": ""}, dify_console_auth_enabled=True, dify_host="",
                  dify_admin_email="nobody")
    assert len(result["problems"]) == 3, result["problems"]


def test_front_off_does_not_need_the_security_identity():
    assert dify(security={"security_enabled": False})["problems"] == []


# ------------------------------------------------------------------------------------------- the security stage

OIDC = dict(security_oidc_issuer_url=ISSUER, security_oidc_egress_cidrs=["10.0.0.20/32"])


def security(**overrides):
    return ks.security_stage(security_unit.defaults(**dict(OIDC, **overrides)))


def oauth2_args(result):
    return [r for r in result["stage"]["releases"] if r["chart"] == "oauth2-proxy"][0]["values"]["extraArgs"]


def test_front_on_adds_the_oauth2_ingress_and_oauth2_proxys_host_arguments():
    result = security(security_console_front=True, security_console_host="dify.site.internal")
    assert result["problems"] == []
    args = oauth2_args(result)
    for arg in ("--cookie-domain=dify.site.internal", "--whitelist-domain=dify.site.internal",
                "--redirect-url=https://dify.site.internal/oauth2/callback", "--allowed-group=ai-users",
                "--allowed-group=ai-admins"):
        assert arg in args
    (ingress,) = [m["definition"] for m in result["stage"]["manifests"] if m["definition"]["kind"] == "Ingress"]
    assert ingress["metadata"]["namespace"] == "privateai-security"
    assert ingress["spec"]["rules"] == [{"host": "dify.site.internal", "http": {"paths": [
        {"path": "/oauth2", "pathType": "Prefix", "backend": {"service": {"name": "oauth2-proxy", "port": {"number": 80}}}}]}}]
    assert ingress["spec"]["tls"] == [{"hosts": ["dify.site.internal"], "secretName": "dify-tls"}]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "privateai-ca"}
    assert result["outputs"]["oauth2_proxy"]["console_front"] is True


def test_front_off_adds_neither():
    result = security()
    assert result["problems"] == []
    assert not [a for a in oauth2_args(result) if a.startswith(("--cookie-domain", "--whitelist-domain", "--redirect-url"))]
    assert not [m for m in result["stage"]["manifests"] if m["definition"]["kind"] == "Ingress"]
    assert result["outputs"]["oauth2_proxy"]["console_front"] is False


@pytest.mark.parametrize("overrides, expected", [
    ({"security_oidc_issuer_url": "", "security_oidc_egress_cidrs": []},
     "security_console_front is true (dify_console_auth_enabled) but security_oidc_issuer_url is empty"),
    ({"security_console_host": "Dify Console"}, "security_console_host is 'Dify Console'"),
    ({"security_console_tls_secret_name": "dify_tls"}, "security_console_tls_secret_name is 'dify_tls'"),
    ({"security_console_front": "sometimes"}, "security_console_front is 'sometimes'"),
])
def test_bad_console_input_of_the_security_stage_is_refused(overrides, expected):
    result = security(**dict({"security_console_front": True}, **overrides))
    assert result["stage"] is None
    assert [p for p in result["problems"] if expected in p], result["problems"]


def test_a_bad_host_is_not_the_security_stages_problem_while_the_front_is_off():
    assert security(security_console_host="Dify Console")["problems"] == []
