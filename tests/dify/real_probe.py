# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Probes of the real Dify console API for what the contract double must play (run by tests/dify/run_real_dify.sh
after the modules set Dify up; not part of CI). Writes the HTTP exchanges - method, path, status, Dify's error body,
cookie NAMES - never a password, token or cookie value.

Usage: python real_probe.py URL ADMIN_EMAIL ADMIN_PASSWORD_FILE OUT.json
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "collections"))

from ansible.module_utils.urls import open_url  # noqa: E402
from ansible.module_utils.six.moves.urllib.error import HTTPError  # noqa: E402

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import dify_console  # noqa: E402


def raw(client, method, path, headers=None, body=None):
    """One call outside the client's retry logic: (status, body) with the body parsed."""
    try:
        response = open_url(client.api + path, method=method, headers=headers or {}, cookies=client.jar,
                            data=None if body is None else json.dumps(body), timeout=30)
        status, text = response.getcode(), response.read().decode("utf-8", "replace")
    except HTTPError as exc:
        status, text = exc.code, exc.read().decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text[:200]


def main(url, email, password_file, out):
    with open(password_file) as handle:
        password = handle.read().strip()
    seen = []

    def note(name, status, body, **extra):
        item = dict(probe=name, status=status, body=body, **extra)
        seen.append(json.loads(dify_console.DifyConsole(url, secrets=[password]).redact(json.dumps(item))))

    client = dify_console.DifyConsole(url, secrets=[password])
    client.login(email, password)
    note("login", 200, None, cookie_names=sorted(c.name for c in client.jar), version=client.version)

    status, body = raw(client, "GET", "/account/profile")
    note("GET /account/profile without X-CSRF-Token (cookies only)", status, body)

    status, body = raw(client, "GET", "/account/profile",
                       headers={"X-CSRF-Token": client.cookie("csrf_token"), "Accept": "application/json"})
    note("GET /account/profile with X-CSRF-Token", status, "email" in (body or {}) and "profile" or body)

    status, body = raw(client, "GET", "/account/profile", headers={"X-CSRF-Token": "not-the-token"})
    note("GET /account/profile with a wrong X-CSRF-Token", status, body)

    # An expired/invalid access token: replace the cookie's value, then let the client refresh and retry.
    for cookie in client.jar:
        if cookie.name in ("access_token", "__Host-access_token"):
            cookie.value = "expired.invalid.token"
    status, body = raw(client, "GET", "/account/profile", headers={"X-CSRF-Token": client.cookie("csrf_token")})
    note("GET /account/profile with an invalid access_token cookie", status, body)
    before = len(client.exchanges)
    profile = client.account()
    note("client.account() after the invalid token: refresh then one retry", 200, bool(profile.get("email")),
         refreshes=client.refreshed, exchanges=client.exchanges[before:])

    # The login password sent plain instead of base64 (what clients before 1.11.2 sent).
    plain = dify_console.DifyConsole(url, secrets=[password])
    status, body = raw(plain, "POST", "/login", headers={"Content-Type": "application/json"},
                       body={"email": email, "password": password, "remember_me": True})
    note("POST /login with the password not base64-encoded", status, body)

    status, body = raw(plain, "POST", "/setup", headers={"Content-Type": "application/json"},
                       body={"email": email, "name": "Admin", "password": "weak", "language": "en-US"})
    note("POST /setup again (already set up) with a weak password", status, body)
    status, body = raw(plain, "POST", "/init", headers={"Content-Type": "application/json"},
                       body={"password": "whatever-1"})
    note("POST /init after setup", status, body)
    status, body = raw(plain, "POST", "/refresh-token")
    note("POST /refresh-token without a refresh_token cookie", status, body)
    status, body = raw(client, "GET", "/workspaces/current/default-model?model_type=llm",
                       headers={"X-CSRF-Token": client.cookie("csrf_token")})
    note("GET /workspaces/current/default-model?model_type=llm without a plugin daemon", status, body)
    status, body = raw(client, "GET", "/apps?page=1&limit=100&name=privateai-smoke",
                       headers={"X-CSRF-Token": client.cookie("csrf_token")})
    note("GET /apps?name=privateai-smoke", status,
         {"total": body.get("total"), "names": [a.get("name") for a in body.get("data") or []],
          "modes": [a.get("mode") for a in body.get("data") or []]} if isinstance(body, dict) else body)
    app_id = ((body or {}).get("data") or [{}])[0].get("id") if isinstance(body, dict) else None
    if app_id:
        status, body = raw(client, "GET", "/apps/%s" % app_id, headers={"X-CSRF-Token": client.cookie("csrf_token")})
        note("GET /apps/<id> (model_config keys)", status,
             {"model_config_keys": sorted((body.get("model_config") or {}).keys()),
              "model": (body.get("model_config") or {}).get("model")} if isinstance(body, dict) else body)
    with open(out, "w") as handle:
        json.dump(seen, handle, indent=2, sort_keys=True)
    if password in open(out).read():
        os.remove(out)
        raise SystemExit("the password reached the record: removed")


if __name__ == "__main__":
    main(*sys.argv[1:5])
