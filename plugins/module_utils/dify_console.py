# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client of Dify's console API (``<console_url>/console/api``) and the bootstrap steps built on it.

One ``DifyConsole`` keeps one cookie jar for a whole run, as the console web app does:

- ``POST /init`` (the INIT_PASSWORD check) leaves a Flask ``session`` cookie that ``POST /setup`` needs;
- ``POST /login`` sets ``access_token``, ``refresh_token`` and ``csrf_token`` cookies (``__Host-`` prefixed when the
  console runs on https); every later call sends the cookies and the header ``X-CSRF-Token`` with the value of the
  ``csrf_token`` cookie (Dify 1.9 and newer refuse a call without it with HTTP 401);
- the login password is sent base64-encoded from Dify 1.11.2 on (older versions take it plain); the version comes
  from the ``X-Version`` header Dify puts on every answer, so the client knows it before logging in;
- an HTTP 401 on a logged-in call refreshes the tokens once (``POST /refresh-token``), logs in again when the
  refresh token is refused too, and retries the call once.

Every failure is a ``DifyError`` whose message names the step, the URL, what Dify answered (status, its error code
and message) and the fix. Passwords and API keys given to the client are replaced by ``********`` in every message.
Only ansible-core's ``module_utils.urls`` is used, nothing beyond ansible-core on the host the modules run on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import json
import os
import re
import socket
import ssl
import time
import uuid
import zipfile

from ansible.module_utils.six.moves import http_client
from ansible.module_utils.six.moves.http_cookiejar import CookieJar, DefaultCookiePolicy
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urlencode, urlparse
from ansible.module_utils.urls import open_url

DEFAULT_TIMEOUT = 30.0
REDACTED = "********"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# Dify's own rules (api/libs/password.py, controllers/console/setup.py, init_validate.py, models.py).
PASSWORD_RE = re.compile(r"^(?=.*[a-zA-Z])(?=.*\d).{8,}$")
INIT_PASSWORD_MAX = 30
ADMIN_NAME_MAX = 30
CREDENTIAL_NAME_MAX = 30
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
# The first versions with the behaviour (tags of langgenius/dify): CSRF header and cookies, base64 login password.
CSRF_SINCE = (1, 9, 0)
BASE64_LOGIN_SINCE = (1, 11, 2)
PROVIDER_PLUGIN = "langgenius/openai_api_compatible"
PROVIDER = PROVIDER_PLUGIN + "/openai_api_compatible"
MODEL_TYPES = {"chat": "llm", "embedding": "text-embedding", "rerank": "rerank"}
# The hosts a `kubectl port-forward` listens on (``--address 127.0.0.1``; ``localhost`` and ``::1`` name the same).
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
# A model name as Dify and the OpenAI-compatible engines take it: no spaces or control characters.
MODEL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,254}$")


class DifyError(Exception):
    """A failed step; ``step`` names it, ``status`` is the HTTP status (None below HTTP), ``code`` Dify's error code."""

    def __init__(self, step, message, status=None, code=None):
        super(DifyError, self).__init__(message)
        self.step = step
        self.message = message
        self.status = status
        self.code = code


def parse_version(text):
    """``(major, minor, patch)`` of a Dify version string (``1.14.2``, ``1.10.1-fix.1``), or None."""
    match = re.match(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


def check_password(name, value, problems, what="a Dify account password"):
    """Dify's password rule: at least 8 characters with letters and digits. The value is never put in a message."""
    if not value or not PASSWORD_RE.match(value):
        problems.append("%s is not %s Dify accepts (at least 8 characters, with letters and digits; the value is not "
                        "shown); set %s to such a password" % (name, what, name))


def check_email(name, value, problems):
    if not value or not EMAIL_RE.match(value) or len(value) > 254:
        problems.append("%s %r is not an email address; set %s to the admin's address, for example admin@example.com"
                        % (name, value, name))


def check_console_url(name, value, problems):
    parsed = urlparse(value or "")
    if not value or parsed.scheme not in ("http", "https") or not parsed.hostname:
        problems.append("%s %r is not an http:// or https:// URL with a host; set %s to the Dify console's URL, for "
                        "example https://dify.example.internal" % (name, value, name))
    elif parsed.query or parsed.fragment or re.search(r"\s", value):
        problems.append("%s %r has a query, a fragment or a space; set %s to the console's base URL, for example "
                        "https://dify.example.internal" % (name, value, name))


def check_models(models):
    """Problems of the models to register (each a dict: name, served_name, kind, base_url, max_model_len)."""
    problems = []
    for index, model in enumerate(models):
        where = "models[%d]" % index
        for key in ("name", "served_name"):
            if key == "served_name" and model.get(key) == model.get("name"):
                continue  # the same value, named once
            if not MODEL_NAME_RE.match(model.get(key) or ""):
                problems.append("%s.%s %r is not a model name (letters, digits and . _ : / @ + -, first a letter or "
                                "digit); set it to the name the engine serves" % (where, key, model.get(key)))
        if model.get("kind") not in MODEL_TYPES:
            problems.append("%s.kind %r is not one of %s; set it to the model's kind"
                            % (where, model.get("kind"), ", ".join(sorted(MODEL_TYPES))))
        url = model.get("base_url") or ""
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname or re.search(r"\s", url) \
                or parsed.query or parsed.fragment:
            problems.append("%s.base_url %r is not an http:// or https:// URL with a host; set it to the endpoint, "
                            "for example http://deepseek-r1.serving.svc:8000/v1" % (where, url))
        length = model.get("max_model_len")
        if not isinstance(length, int) or isinstance(length, bool) or length < 1:
            problems.append("%s.max_model_len %r is not a positive number of tokens; set it to the engine's "
                            "--max-model-len" % (where, length))
        tokens = model.get("max_tokens", 4096)
        if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 1:
            problems.append("%s.max_tokens %r is not a positive number of tokens" % (where, tokens))
    names = [m.get("name") for m in models]
    for name in sorted(set(n for n in names if names.count(n) > 1)):
        problems.append("models has %r more than once; give each model once" % (name,))
    if not models:
        problems.append("models is empty; give at least one served model")
    return problems


def error_text(body):
    """``code: message`` of a Dify error body ({"code", "message", "status"}; pydantic 422 bodies; plain text)."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        # The routes Dify moved to its fastopenapi router (/setup, /init in 1.14) answer
        # {"error": {"message", "status", "type"}}.
        data = {"code": data["error"].get("type"), "message": data["error"].get("message")}
    if isinstance(data, dict):
        code = data.get("code")
        message = data.get("message") or data.get("msg") or data.get("detail") or data.get("error")
        if isinstance(message, (list, dict)):
            message = json.dumps(message, sort_keys=True)[:300]
        if code and message:
            return "%s: %s" % (code, message)
        if message:
            return str(message)
        if code:
            return str(code)
    text = " ".join((body or "").split())
    return text[:300] if text else "no body"


def multipart(files):
    """``(content_type, body)`` of a multipart/form-data body with the files' bytes as they are (no transfer
    encoding: Werkzeug, which Dify runs on, does not decode base64 parts)."""
    boundary = "privateai-%s" % uuid.uuid4().hex
    chunks = []
    for name, (filename, content) in sorted(files.items()):
        chunks.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                       "Content-Type: application/octet-stream\r\n\r\n" % (boundary, name, filename)).encode("utf-8"))
        chunks.append(content)
        chunks.append(b"\r\n")
    chunks.append(("--%s--\r\n" % boundary).encode("ascii"))
    return "multipart/form-data; boundary=%s" % boundary, b"".join(chunks)


def path_of(url):
    """The console API path of ``url`` (``/init`` of ``https://x/console/api/init?a=b``)."""
    path = urlparse(url).path
    marker = "/console/api"
    return path[path.index(marker) + len(marker):] if marker in path else path


def _is_timeout(exc):
    return isinstance(exc, (socket.timeout, TimeoutError)) or "timed out" in str(exc).lower()


def is_loopback(url):
    """Whether ``url``'s host is the loopback address a port-forward listens on (127.0.0.1, ::1, localhost)."""
    try:
        host = urlparse(url or "").hostname
    except ValueError:
        return False
    return (host or "").lower() in LOOPBACK_HOSTS


class PortForwardCookiePolicy(DefaultCookiePolicy):
    """The standard policy, except that a Secure cookie goes back over plain http to a loopback host.

    Dify marks its console cookies Secure (``__Host-`` names) when its console URL is https. Reached through a
    ``kubectl port-forward`` on 127.0.0.1 the hop to the tunnel is plain http, but the bytes travel only on this host
    and then inside the Kubernetes API server's connection, so sending the cookies back is what the browser on the
    https URL does. Any other http host still gets no Secure cookie (the standard rule)."""

    def return_ok_secure(self, cookie, request):
        if cookie.secure and request.type == "http" and is_loopback(request.get_full_url()):
            return True
        return DefaultCookiePolicy.return_ok_secure(self, cookie, request)


class DifyConsole(object):
    """One session with Dify's console API. ``opener`` is ``open_url`` (a test may pass another);
    ``sleep``/``clock`` are ``time.sleep``/``time.monotonic``. ``port_forward``: the URL is a loopback address
    reached through a ``kubectl port-forward`` (refused for any other host), so Dify's Secure cookies are sent back
    over its plain http (PortForwardCookiePolicy)."""

    def __init__(self, url, timeout=DEFAULT_TIMEOUT, validate_certs=True, ca_path=None, secrets=(),
                 opener=open_url, sleep=time.sleep, clock=time.monotonic, port_forward=False):
        if port_forward and not is_loopback(url):
            raise ValueError("port_forward needs a loopback console URL (http://127.0.0.1:PORT), not %r" % (url,))
        self.base = url.strip().rstrip("/")
        self.api = self.base + "/console/api"
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.opener = opener
        self.sleep = sleep
        self.clock = clock
        self.port_forward = bool(port_forward)
        self.jar = CookieJar(PortForwardCookiePolicy() if port_forward else DefaultCookiePolicy())
        self.version = None
        self.secrets = [s for s in secrets if s]
        self._credentials = None
        self.refreshed = 0
        self.exchanges = []

    # -- plumbing ---------------------------------------------------------------------------------------------------
    def add_secret(self, value):
        if value and value not in self.secrets:
            self.secrets.append(value)
            self.secrets.append(base64.b64encode(value.encode("utf-8")).decode("ascii"))

    def redact(self, text):
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def cookie(self, name):
        """The value of cookie ``name`` (or its ``__Host-`` form, which Dify uses on https)."""
        for item in self.jar:
            if item.name in (name, "__Host-" + name):
                return item.value
        return None

    def version_at_least(self, wanted):
        """Whether the server's version is ``wanted`` or newer; an unknown version counts as new."""
        found = parse_version(self.version)
        return True if found is None else found >= wanted

    def _note_version(self, headers):
        if headers is None:
            return
        value = headers.get("X-Version")
        if value:
            self.version = value.strip()

    def request(self, step, method, path, body=None, query=None, files=None, auth=True, retry=True):
        """``(status, data)`` of one call; raises DifyError. ``files`` = {field: (filename, bytes)} for multipart."""
        url = self.api + path + ("?" + urlencode(query) if query else "")
        headers = {"Accept": "application/json"}
        data = None
        if files:
            headers["Content-Type"], data = multipart(files)
        elif body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        if auth:
            csrf = self.cookie(CSRF_COOKIE)
            if csrf:
                headers[CSRF_HEADER] = csrf
        try:
            response = self.opener(url, data=data, headers=headers, method=method, timeout=self.timeout,
                                   validate_certs=self.validate_certs, ca_path=self.ca_path, use_netrc=False,
                                   cookies=self.jar, follow_redirects="safe",
                                   http_agent="privateai.deepseek_dify dify_console")
            status = response.getcode() if hasattr(response, "getcode") else response.status
            self._note_version(getattr(response, "headers", None))
            text = response.read().decode("utf-8", "replace")
        except HTTPError as exc:
            self._note_version(getattr(exc, "headers", None))
            try:
                text = exc.read().decode("utf-8", "replace")
            except Exception:  # pylint: disable=broad-except  # the body is only for the message
                text = ""
            self.exchanges.append({"step": step, "method": method, "path": path, "status": exc.code})
            if exc.code == 401 and auth and retry and self._credentials is not None:
                self.reauthenticate(step)
                return self.request(step, method, path, body=body, query=query, files=files, auth=auth,
                                    retry=False)
            raise self.http_error(step, method, url, exc.code, text)
        except (URLError, socket.error, ssl.SSLError, TimeoutError, http_client.HTTPException) as exc:
            raise self.transport_error(step, url, exc)
        self.exchanges.append({"step": step, "method": method, "path": path, "status": status})
        try:
            parsed = json.loads(text) if text.strip() else None
        except ValueError:
            raise DifyError(step, self.redact("Failed to %s at %s due to: the answer (HTTP %s) is not JSON (%s); "
                                              "check that the URL names the Dify console (its /console/api)"
                                              % (step, url, status, " ".join(text.split())[:200])), status)
        return status, parsed

    def http_error(self, step, method, url, status, text):
        answer = error_text(text)
        code = None
        try:
            data = json.loads(text)
            code = data["error"].get("type") if isinstance(data.get("error"), dict) else data.get("code")
        except (ValueError, AttributeError):
            pass
        hint = ""
        if status == 401 and path_of(url) == "/init":
            hint = "; the init password was refused: set init_password to the INIT_PASSWORD Dify runs with"
        elif status == 401 and path_of(url) == "/setup":
            hint = "; Dify wants the init password validated first: give init_password (its INIT_PASSWORD)"
        elif status == 401 and path_of(url) == "/login":
            hint = "; set admin_email and admin_password to the admin account's"
        elif status == 422:
            hint = "; Dify refused the values: an email address, a name of at most 30 characters and a password of " \
                   "at least 8 characters with letters and digits"
        elif status == 401 and "csrf" in answer.lower():
            hint = "; the X-CSRF-Token header did not match the csrf_token cookie (log in again)"
        elif status == 404:
            hint = "; no such console API path here: check the console URL and that the server is Dify %s" % (
                self.version or "1.9 or newer")
        elif "plugin daemon" in answer.lower():
            hint = "; Dify's API could not reach its plugin daemon: check that the plugin daemon runs and that " \
                   "PLUGIN_DAEMON_URL and PLUGIN_DAEMON_KEY match it"
        message = "Failed to %s (%s %s) due to: HTTP %d (%s)%s" % (step, method, url, status, answer, hint)
        return DifyError(step, self.redact(message), status, code)

    def transport_error(self, step, url, exc):
        reason = getattr(exc, "reason", exc)
        if _is_timeout(reason):
            why = "no answer within the timeout of %s seconds; raise timeout or check the Dify API's logs" % self.timeout
        elif isinstance(reason, ConnectionRefusedError) or "refused" in str(reason).lower():
            why = "connection refused (%s): nothing listens there; check that Dify's API runs and the URL" % reason
        elif isinstance(reason, ssl.SSLError) or "certificate" in str(reason).lower():
            why = "TLS failed (%s); set ca_path to the internal CA bundle that signed the console's certificate" % reason
        else:
            why = "%s; check the URL and the network path to Dify" % reason
        return DifyError(step, self.redact("Failed to %s (%s) due to: %s" % (step, url, why)))

    # -- authentication ---------------------------------------------------------------------------------------------
    def setup_status(self):
        """``finished`` or ``not_started`` (GET /setup, no authentication)."""
        _status, data = self.request("read the setup status", "GET", "/setup", auth=False)
        step = (data or {}).get("step")
        if step not in ("finished", "not_started"):
            raise DifyError("read the setup status", "Failed to read the setup status (GET %s/setup) due to: the "
                            "answer %r has no step finished|not_started; check that the URL names a Dify console"
                            % (self.api, data))
        return step

    def init(self, init_password):
        """POST /init with the INIT_PASSWORD; the session cookie it sets lets /setup through."""
        self.add_secret(init_password)
        self.request("validate the init password", "POST", "/init", body={"password": init_password}, auth=False)

    def setup(self, email, name, password, language="en-US"):
        self.add_secret(password)
        self.request("create the first admin account", "POST", "/setup",
                     body={"email": email, "name": name, "password": password, "language": language}, auth=False)

    def login(self, email, password, step="log in as the admin"):
        self.add_secret(password)
        if self.version is None:
            # The version decides the password encoding: any answer carries X-Version.
            try:
                self.request("read the Dify version", "GET", "/setup", auth=False)
            except DifyError:
                pass
        sent = password
        if self.version_at_least(BASE64_LOGIN_SINCE):
            sent = base64.b64encode(password.encode("utf-8")).decode("ascii")
        _status, data = self.request(step, "POST", "/login",
                                     body={"email": email, "password": sent, "remember_me": True}, auth=False)
        if not isinstance(data, dict) or data.get("result") != "success":
            raise DifyError(step, self.redact("Failed to %s (POST %s/login) due to: Dify answered %s; the account "
                                              "has no workspace: log in to the console once or invite it"
                                              % (step, self.api, json.dumps(data)[:300])))
        if self.version_at_least(CSRF_SINCE) and not self.cookie(CSRF_COOKIE):
            raise DifyError(step, "Failed to %s (POST %s/login) due to: the answer set no csrf_token cookie; on an "
                                  "https console the cookies are Secure: use the https:// console URL"
                            % (step, self.api))
        secure = sorted(c.name for c in self.jar if c.secure)
        if secure and urlparse(self.api).scheme == "http" and not self.port_forward:
            raise DifyError(step, "Failed to %s (POST %s/login) due to: Dify set Secure cookies (%s; its console URL "
                                  "is https) that are never sent back over plain http to this host; use the https:// "
                                  "console URL, or a kubectl port-forward on 127.0.0.1 with port_forward true"
                            % (step, self.api, ", ".join(secure)))
        self._credentials = (email, password)

    def reauthenticate(self, step):
        """After a 401: refresh the tokens (POST /refresh-token with the refresh_token cookie), else log in again."""
        try:
            self.request("refresh the console token (during: %s)" % step, "POST", "/refresh-token", auth=False,
                         retry=False)
            self.refreshed += 1
            if self.cookie(CSRF_COOKIE):
                return
        except DifyError:
            pass
        email, password = self._credentials
        self.login(email, password, step="log in again (during: %s)" % step)

    def account(self):
        _status, data = self.request("read the logged-in account", "GET", "/account/profile")
        return data or {}

    # -- plugins ----------------------------------------------------------------------------------------------------
    def plugins(self):
        """Installed plugins: [{plugin_id, version, plugin_unique_identifier}]."""
        _status, data = self.request("list the installed plugins", "GET", "/workspaces/current/plugin/list",
                                     query={"page": 1, "page_size": 256})
        return [dict(plugin_id=p.get("plugin_id"), version=p.get("version"),
                     plugin_unique_identifier=p.get("plugin_unique_identifier"))
                for p in (data or {}).get("plugins") or []]

    def upload_plugin(self, filename, content):
        _status, data = self.request("upload the plugin package", "POST", "/workspaces/current/plugin/upload/pkg",
                                     files={"pkg": (filename, content)})
        uid = (data or {}).get("unique_identifier")
        if not uid:
            raise DifyError("upload the plugin package", "Failed to upload the plugin package %s due to: the answer "
                            "has no unique_identifier (%s)" % (filename, json.dumps(data)[:300]))
        return uid

    def install_plugin(self, uid):
        _status, data = self.request("install the plugin", "POST", "/workspaces/current/plugin/install/pkg",
                                     body={"plugin_unique_identifiers": [uid]})
        return data or {}

    def wait_plugin_task(self, task_id, timeout, interval=2.0):
        """The finished task (status success); raises DifyError on failed or when ``timeout`` seconds pass."""
        step = "wait for the plugin install task %s" % task_id
        deadline = self.clock() + timeout
        while True:
            _status, data = self.request(step, "GET", "/workspaces/current/plugin/tasks/%s" % task_id)
            task = (data or {}).get("task") or {}
            state = task.get("status")
            if state == "success":
                return task
            if state == "failed":
                messages = "; ".join("%s: %s" % (p.get("plugin_unique_identifier") or p.get("plugin_id"),
                                                 p.get("message") or "no message")
                                     for p in task.get("plugins") or []) or "no message"
                raise DifyError(step, self.redact(
                    "Failed to install the plugin (task %s) due to: the plugin daemon reported failed (%s); an "
                    "offline install needs a package with its Python dependencies (repackaged, see "
                    "docs/dify-bootstrap.md), FORCE_VERIFYING_SIGNATURE=false for an unsigned one, or a reachable "
                    "PIP_MIRROR_URL" % (task_id, messages)))
            if self.clock() >= deadline:
                raise DifyError(step, "Failed to install the plugin (task %s) due to: still %s after %s seconds; "
                                      "raise task_timeout or check the plugin daemon's logs"
                                % (task_id, state, timeout))
            self.sleep(interval)

    # -- models -----------------------------------------------------------------------------------------------------
    def model_credentials(self, provider, model, model_type):
        _status, data = self.request("read the credentials of model %s" % model, "GET",
                                     "/workspaces/current/model-providers/%s/models/credentials" % provider,
                                     query={"model": model, "model_type": model_type})
        return data or {}

    def validate_model(self, provider, model, model_type, credentials):
        step = "validate the credentials of model %s" % model
        _status, data = self.request(step, "POST",
                                     "/workspaces/current/model-providers/%s/models/credentials/validate" % provider,
                                     body={"model": model, "model_type": model_type, "credentials": credentials})
        if (data or {}).get("result") != "success":
            raise DifyError(step, self.redact(
                "Failed to %s due to: Dify could not use the endpoint (%s); check the endpoint URL, the served model "
                "name and the API key, and that Dify's SSRF proxy lets Dify reach the model Service"
                % (step, (data or {}).get("error") or json.dumps(data)[:300])))

    def save_model(self, provider, model, model_type, name, credentials, credential_id=None):
        step = "%s model %s" % ("update" if credential_id else "add", model)
        body = {"model": model, "model_type": model_type, "name": name, "credentials": credentials}
        if credential_id:
            body["credential_id"] = credential_id
        self.request(step, "PUT" if credential_id else "POST",
                     "/workspaces/current/model-providers/%s/models/credentials" % provider, body=body)

    def default_model(self, model_type):
        _status, data = self.request("read the default %s model" % model_type, "GET",
                                     "/workspaces/current/default-model", query={"model_type": model_type})
        current = (data or {}).get("data")
        if not current:
            return None
        provider = current.get("provider")
        if isinstance(provider, dict):
            provider = provider.get("provider")
        return {"provider": provider, "model": current.get("model")}

    def set_default_models(self, settings):
        self.request("set the default models", "POST", "/workspaces/current/default-model",
                     body={"model_settings": settings})

    # -- apps -------------------------------------------------------------------------------------------------------
    def find_app(self, name):
        _status, data = self.request("list the apps", "GET", "/apps", query={"page": 1, "limit": 100, "name": name})
        for app in (data or {}).get("data") or []:
            if app.get("name") == name:
                return app
        return None

    def create_app(self, name, mode="chat"):
        _status, data = self.request("create the app %s" % name, "POST", "/apps",
                                     body={"name": name, "mode": mode, "icon_type": "emoji", "icon": "robot",
                                           "icon_background": "#FFEAD5",
                                           "description": "privateai.deepseek_dify smoke test"})
        return data or {}

    def app(self, app_id):
        _status, data = self.request("read the app %s" % app_id, "GET", "/apps/%s" % app_id)
        return data or {}

    def chat(self, app_id, query, model_config):
        step = "send the smoke message to app %s" % app_id
        _status, data = self.request(step, "POST", "/apps/%s/chat-messages" % app_id,
                                     body={"inputs": {}, "query": query, "response_mode": "blocking",
                                           "model_config": model_config, "conversation_id": ""})
        return data or {}


# -- bootstrap steps (what the modules run) -----------------------------------------------------------------------

def ensure_setup(client, email, name, password, init_password=None, check_mode=False):
    """Set up Dify's first admin unless done; then log in as that admin. Returns the module result.

    Already set up is not an error when ``email``/``password`` log in; a login that fails after setup is reported as
    a different admin (or a changed password)."""
    result = {"changed": False, "setup_step": None, "version": None, "admin_email": email, "logged_in": False}
    step = client.setup_status()
    result["version"] = client.version
    result["setup_step"] = step
    if step == "not_started":
        result["changed"] = True
        if check_mode:
            return result
        if init_password:
            client.init(init_password)
        try:
            client.setup(email, name, password)
        except DifyError as exc:
            if exc.status == 403:
                # Someone finished setup between our two calls: treat as set up and let the login decide.
                result["changed"] = False
            else:
                raise
        result["setup_step"] = "finished"
    try:
        client.login(email, password)
    except DifyError as exc:
        if step == "finished" and exc.status == 401:
            raise DifyError(exc.step, client.redact(
                "Dify at %s is already set up, and %s cannot log in with the given password (%s); its admin is a "
                "different account or the password was changed: set admin_email/admin_password to the existing "
                "admin's, or reset it with `flask reset-password` in the api pod" % (client.base, email, exc.message)),
                exc.status, exc.code)
        raise
    result["logged_in"] = True
    result["version"] = client.version
    profile = client.account()
    result["account"] = {"email": profile.get("email"), "name": profile.get("name")}
    return result


def read_manifest(path):
    """``(plugin_id, version)`` from the manifest.yaml of a .difypkg (a zip): top-level author, name, version."""
    try:
        with zipfile.ZipFile(path) as archive:
            text = archive.read("manifest.yaml").decode("utf-8", "replace")
    except (IOError, OSError, zipfile.BadZipfile, KeyError) as exc:
        raise DifyError("read the plugin package", "Failed to read the plugin package %s due to: %s; set "
                                                   "package to a .difypkg file (a zip with manifest.yaml)"
                        % (path, exc))
    fields = {}
    for line in text.splitlines():
        match = re.match(r"^(author|name|version):\s*['\"]?([^'\"#\s]+)['\"]?\s*(?:#.*)?$", line)
        if match and match.group(1) not in fields:
            fields[match.group(1)] = match.group(2)
    missing = [key for key in ("author", "name", "version") if key not in fields]
    if missing:
        raise DifyError("read the plugin package", "Failed to read the plugin package %s due to: its manifest.yaml "
                                                   "has no top-level %s" % (path, ", ".join(missing)))
    return "%s/%s" % (fields["author"], fields["name"]), fields["version"]


def ensure_plugin(client, package, task_timeout=600, check_mode=False):
    """Install the .difypkg at ``package`` unless that plugin is installed at that version."""
    plugin_id, version = read_manifest(package)
    result = {"changed": False, "plugin_id": plugin_id, "version": version, "previous_version": None,
              "plugin_unique_identifier": None, "task_id": None}
    for plugin in client.plugins():
        if plugin["plugin_id"] == plugin_id:
            result["previous_version"] = plugin["version"]
            if plugin["version"] == version:
                result["plugin_unique_identifier"] = plugin["plugin_unique_identifier"]
                return result
    result["changed"] = True
    if check_mode:
        return result
    with open(package, "rb") as handle:
        content = handle.read()
    uid = client.upload_plugin(os.path.basename(package), content)
    result["plugin_unique_identifier"] = uid
    started = client.install_plugin(uid)
    if started.get("all_installed"):
        return result
    task_id = started.get("task_id")
    if not task_id:
        raise DifyError("install the plugin", "Failed to install the plugin %s due to: the answer has neither "
                                              "all_installed nor a task_id (%s)" % (uid, json.dumps(started)[:300]))
    result["task_id"] = task_id
    client.wait_plugin_task(task_id, task_timeout)
    return result


def credential_name(model, api_key):
    """The name Dify shows for the credential; it carries a short fingerprint of the API key (never the key), so a
    changed key is seen although Dify answers the stored key only obfuscated."""
    digest = hashlib.sha256(("%s\n%s" % (model, api_key or "")).encode("utf-8")).hexdigest()[:8]
    return ("%s %s" % (model[:CREDENTIAL_NAME_MAX - 9], digest))[:CREDENTIAL_NAME_MAX]


def model_credentials(model, api_key):
    """The credentials of one model of the openai_api_compatible provider, as Dify's form sends them (strings)."""
    kind = model["kind"]
    context = str(model.get("max_model_len") or 4096)
    creds = {"endpoint_url": model["base_url"], "endpoint_model_name": model["served_name"],
             "api_key": api_key or ""}
    if kind == "chat":
        creds.update({"mode": "chat", "context_size": context,
                      "max_tokens_to_sample": str(min(int(context), int(model.get("max_tokens") or 4096))),
                      "function_calling_type": "tool_call", "stream_function_calling": "supported",
                      "vision_support": "no_support", "structured_output_support": "supported"})
    elif kind == "embedding":
        creds.update({"context_size": context, "max_chunks": str(model.get("max_chunks") or 1)})
    elif kind == "rerank":
        creds.update({"context_size": context})
    return creds


def _differs(stored, wanted):
    """Keys whose stored value differs; the API key is compared through the credential name, not here."""
    return sorted(key for key, value in wanted.items() if key != "api_key" and str(stored.get(key)) != str(value))


def ensure_models(client, models, api_key, validate=True, check_mode=False, provider=PROVIDER):
    """Add or update each model's credentials; untouched when the stored ones match. Returns the module result."""
    client.add_secret(api_key)
    result = {"changed": False, "models": []}
    for model in models:
        model_type = MODEL_TYPES[model["kind"]]
        name = model["name"]
        wanted = model_credentials(model, api_key)
        cred_name = credential_name(name, api_key)
        current = client.model_credentials(provider, name, model_type)
        stored = current.get("credentials") or {}
        credential_id = current.get("current_credential_id")
        if credential_id:
            changes = _differs(stored, wanted)
            if current.get("current_credential_name") != cred_name:
                changes.append("api_key")
            action = "update" if changes else "none"
        else:
            changes = sorted(wanted)
            action = "add"
        result["models"].append({"name": name, "model_type": model_type, "action": action, "changed_keys": changes})
        if action == "none":
            continue
        result["changed"] = True
        if check_mode:
            continue
        if validate:
            client.validate_model(provider, name, model_type, wanted)
        client.save_model(provider, name, model_type, cred_name, wanted, credential_id)
    return result


def ensure_default_models(client, defaults, check_mode=False, provider=PROVIDER):
    """``defaults`` = {"llm": name, "text-embedding": name, "rerank": name} (None/absent: left as is)."""
    result = {"changed": False, "defaults": {}, "previous": {}}
    settings = []
    for model_type in ("llm", "text-embedding", "rerank"):
        name = defaults.get(model_type)
        if not name:
            continue
        current = client.default_model(model_type)
        result["previous"][model_type] = current
        result["defaults"][model_type] = {"provider": provider, "model": name}
        if current != {"provider": provider, "model": name}:
            settings.append({"model_type": model_type, "provider": provider, "model": name})
    if settings:
        result["changed"] = True
        if not check_mode:
            client.set_default_models(settings)
    result["updated"] = [s["model_type"] for s in settings]
    return result


def chat_smoke(client, app_name, query, model=None, provider=PROVIDER, check_mode=False):
    """Create or reuse the chat app ``app_name`` and send ``query``; the answer must not be empty."""
    result = {"changed": False, "app_id": None, "app_created": False, "answer": None, "model": model}
    app = client.find_app(app_name)
    if app is None:
        result["changed"] = result["app_created"] = True
        if check_mode:
            return result
        app = client.create_app(app_name)
    result["app_id"] = app.get("id")
    if check_mode:
        return result
    if not model:
        # A new app's model config names a hosted model (Dify 1.14.2: openai/gpt-4o), not the workspace default.
        default = client.default_model("llm")
        if not default:
            raise DifyError("send the smoke message", "Failed to send the smoke message to app %s due to: no model "
                                                      "was given and Dify has no default LLM; set it first "
                                                      "(dify_default_model) or give model" % app_name)
        provider, model = default["provider"], default["model"]
    detail = client.app(app["id"])
    config = dict(detail.get("model_config") or {})
    configured = dict(config.get("model") or {})
    configured.update({"provider": provider, "name": model, "mode": "chat"})
    configured.setdefault("completion_params", {})
    config["model"] = configured
    result["model"] = configured["name"]
    answer = client.chat(app["id"], query, config)
    result["answer"] = answer.get("answer")
    result["message_id"] = answer.get("message_id") or answer.get("id")
    if not (result["answer"] or "").strip():
        raise DifyError("send the smoke message", "Failed to get an answer from model %s through app %s due to: "
                                                  "Dify answered without text (%s); check the model endpoint's logs"
                        % (configured["name"], app_name, json.dumps(answer)[:300]))
    return result


def connection_argument_spec():
    """The options every dify_* module shares (doc fragment privateai.deepseek_dify.dify_console)."""
    return dict(
        console_url=dict(type="str", required=True),
        admin_email=dict(type="str", required=True),
        admin_password=dict(type="str", required=True, no_log=True),
        timeout=dict(type="float", default=DEFAULT_TIMEOUT),
        validate_certs=dict(type="bool", default=True),
        ca_path=dict(type="path"),
        port_forward=dict(type="bool", default=False),
    )


def check_connection(params):
    """Problems of the shared options, each naming the option and the fix (never a password's value)."""
    problems = []
    check_console_url("console_url", params.get("console_url"), problems)
    check_email("admin_email", params.get("admin_email"), problems)
    check_password("admin_password", params.get("admin_password"), problems)
    timeout = params.get("timeout")
    if timeout is None or not timeout > 0:
        problems.append("timeout %r is not a positive number of seconds; set timeout to, for example, %s"
                        % (timeout, DEFAULT_TIMEOUT))
    ca_path = params.get("ca_path")
    if ca_path and not os.path.isfile(ca_path):
        problems.append("ca_path %r is not a file; set ca_path to the internal CA bundle (PEM)" % (ca_path,))
    if params.get("port_forward") and not is_loopback(params.get("console_url")):
        problems.append("port_forward is true but console_url %r is not a loopback address; a port-forward listens "
                        "on http://127.0.0.1:PORT: set console_url to it, or port_forward to false (Secure cookies "
                        "are never sent over plain http to another host)" % (params.get("console_url"),))
    return problems


def client_from(params):
    return DifyConsole(params["console_url"], timeout=params["timeout"], validate_certs=params["validate_certs"],
                       ca_path=params["ca_path"], secrets=[params.get("admin_password")],
                       port_forward=bool(params.get("port_forward")))


def run_module(module, action, extra_problems=(), login=True):
    """What every dify_* module does around its own step: check the shared options (with the module's own problems,
    all at once, before any call), build the client, log in as the admin unless ``login`` is false (dify_setup logs
    in itself, after the setup), run ``action(client)`` and exit with its result plus C(version),
    C(token_refreshes) and C(exchanges), or fail naming the step, Dify's status and code, the message redacted."""
    problems = check_connection(module.params) + list(extra_problems)
    if problems:
        module.fail_json(msg="Bad options, nothing was called: %s" % " | ".join(problems), problems=problems)
    client = client_from(module.params)
    try:
        if login:
            client.login(module.params["admin_email"], module.params["admin_password"])
        result = action(client)
    except DifyError as exc:
        module.fail_json(msg=client.redact(exc.message), step=exc.step, status=exc.status, code=exc.code,
                         version=client.version, exchanges=client.exchanges)
    result["version"] = client.version
    result["token_refreshes"] = client.refreshed
    result["exchanges"] = client.exchanges
    module.exit_json(**result)
