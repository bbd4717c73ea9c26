# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The console client through a `kubectl port-forward` on 127.0.0.1: Dify's Secure (``__Host-``) cookies go back over
the tunnel's plain http, and only there (PortForwardCookiePolicy), with the contract double in its https-console mode
(Secure ``__Host-`` cookies on a plain http server, as Dify 1.14.2 with an https CONSOLE_API_URL)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils.six.moves.http_cookiejar import Cookie, DefaultCookiePolicy
from ansible.module_utils.six.moves.urllib.request import Request

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import dify_console
from ansible_collections.privateai.deepseek_dify.tests.doubles.dify_console_contract_server import (
    DifyConsoleContractServer)

ADMIN = "admin@example.com"
PASSWORD = "Double-admin-pass-1"


def cookie(secure, domain="127.0.0.1"):
    return Cookie(0, "__Host-csrf_token", "v", None, False, domain, False, False, "/", True, secure, None, False,
                  None, None, {})


# (URL the request goes to, Secure cookie?, sent with PortForwardCookiePolicy, sent with the default policy)
POLICY_CASES = [
    ("http://127.0.0.1:18080/console/api/setup", True, True, False),
    ("http://localhost:18080/console/api/setup", True, True, False),
    ("http://[::1]:18080/console/api/setup", True, True, False),
    ("http://dify.example.internal/console/api/setup", True, False, False),
    ("http://10.0.0.5:80/console/api/setup", True, False, False),
    ("http://127.0.0.1.example.com/console/api/setup", True, False, False),
    ("http://127.0.0.2:18080/console/api/setup", True, False, False),
    ("https://dify.example.internal/console/api/setup", True, True, True),
    ("http://dify.example.internal/console/api/setup", False, True, True),
]


@pytest.mark.parametrize("url, secure, tunnel, default", POLICY_CASES,
                         ids=["127.0.0.1", "localhost", "ipv6-loopback", "other-name", "other-ip", "lookalike-name",
                              "other-loopback-net-ip", "https", "not-secure"])
def test_secure_cookies_go_back_over_http_only_to_a_loopback_host(url, secure, tunnel, default):
    request = Request(url)
    item = cookie(secure)
    assert dify_console.PortForwardCookiePolicy().return_ok_secure(item, request) is tunnel
    assert DefaultCookiePolicy().return_ok_secure(item, request) is default


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:18080", True), ("http://LOCALHOST:1", True), ("http://[::1]:8080", True),
    ("http://dify.example.internal", False), ("https://10.0.0.1", False), ("", False), (None, False),
    ("http://[::1", False),
])
def test_is_loopback(url, loopback):
    assert dify_console.is_loopback(url) is loopback


def test_a_port_forward_client_refuses_a_non_loopback_url():
    with pytest.raises(ValueError) as err:
        dify_console.DifyConsole("http://dify.example.internal", port_forward=True)
    assert "loopback" in str(err.value)


@pytest.mark.parametrize("params, fragment", [
    ({"console_url": "http://dify.example.internal", "port_forward": True},
     "port_forward is true but console_url 'http://dify.example.internal' is not a loopback address"),
    ({"console_url": "https://10.1.2.3", "port_forward": True},
     "port_forward is true but console_url 'https://10.1.2.3' is not a loopback address"),
])
def test_check_connection_names_port_forward_with_another_host(params, fragment):
    base = {"admin_email": ADMIN, "admin_password": PASSWORD, "timeout": 5, "ca_path": None}
    problems = dify_console.check_connection(dict(base, **params))
    assert any(fragment in p for p in problems), problems


def test_check_connection_accepts_port_forward_on_loopback():
    params = {"console_url": "http://127.0.0.1:18080", "port_forward": True, "admin_email": ADMIN,
              "admin_password": PASSWORD, "timeout": 5, "ca_path": None}
    assert dify_console.check_connection(params) == []
    assert dify_console.client_from(dict(params, validate_certs=True)).port_forward is True


def test_through_the_tunnel_the_secure_cookies_are_sent_and_every_step_passes():
    with DifyConsoleContractServer(https_console=True) as server:
        assert server.url.startswith("http://127.0.0.1:")
        client = dify_console.DifyConsole(server.url, timeout=5, secrets=[PASSWORD], port_forward=True)
        result = dify_console.ensure_setup(client, ADMIN, "Admin", PASSWORD)
        assert result["logged_in"] and result["account"]["email"] == ADMIN
        assert sorted(c.name for c in client.jar if c.secure) == [
            "__Host-access_token", "__Host-csrf_token", "__Host-refresh_token"]
        profile = [r for r in server.requests if r["path"] == "/console/api/account/profile"]
        assert profile and all({"__Host-access_token", "__Host-csrf_token"} <= set(r["cookies"]) for r in profile)
        assert profile[-1]["status"] == 200


def test_without_the_tunnel_flag_the_secure_cookies_stay_home_and_login_says_why():
    with DifyConsoleContractServer(https_console=True) as server:
        dify_console.ensure_setup(dify_console.DifyConsole(server.url, timeout=5, port_forward=True), ADMIN, "Admin",
                                  PASSWORD)
        client = dify_console.DifyConsole(server.url, timeout=5, secrets=[PASSWORD])
        with pytest.raises(dify_console.DifyError) as err:
            client.login(ADMIN, PASSWORD)
        assert "Dify set Secure cookies (__Host-access_token, __Host-csrf_token, __Host-refresh_token" in \
            err.value.message
        assert "port_forward true" in err.value.message and PASSWORD not in err.value.message
        # and indeed: a call made anyway carries none of them, so Dify (the double) refuses it
        client._credentials = None
        with pytest.raises(dify_console.DifyError) as err:
            client.account()
        assert "HTTP 401 (unauthorized: Invalid token.)" in err.value.message
        assert server.requests[-1]["cookies"] == []


def test_the_double_without_https_mode_sets_plain_cookies():
    with DifyConsoleContractServer() as server:
        client = dify_console.DifyConsole(server.url, timeout=5)
        dify_console.ensure_setup(client, ADMIN, "Admin", PASSWORD)
        assert sorted(c.name for c in client.jar) == ["access_token", "csrf_token", "refresh_token"]
        assert not any(c.secure for c in client.jar)
