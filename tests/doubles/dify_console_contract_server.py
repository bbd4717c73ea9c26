# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLE of Dify's console API (``/console/api``), for the dify_* modules.

It is not Dify: it keeps a little state in memory and answers on 127.0.0.1 only. It plays the documented sequence
(../shared/reference/dify-deployment-and-api.md) with the answers the real API 1.14.2 gave when run from source
(tests/dify/recorded/, where the two disagreed the real API won):

- every answer carries ``X-Version`` (``version``);
- ``GET /setup`` -> ``{"step": "not_started"|"finished", "setup_at"}``;
- ``POST /init {"password"}`` -> 201 and a ``session`` cookie; wrong password -> 401, after setup -> 403, both with
  the body of Dify 1.14's fastopenapi routes ``{"error": {"message", "status", "type"}}``;
- ``POST /setup {"email", "name", "password", "language"}`` -> 201; a bad email, a name over 30 characters or a
  password without letters and digits or under 8 characters -> 422 (checked first, as the real API does); after
  setup -> 403; with ``init_password`` set and no validated session -> 401;
- ``POST /login {"email", "password": base64, "remember_me"}`` -> 200 ``{"result": "success"}`` and the cookies
  ``access_token``, ``refresh_token`` (HttpOnly), ``csrf_token``; a password that is not base64 -> 401 "Invalid
  encrypted data" (for ``version`` 1.11.2 and newer; older versions take it plain), wrong -> 401
  ``authentication_failed``; before setup -> 401 ``not_setup``;
- every other path needs the ``access_token`` cookie (else 401 "Invalid token.") and an ``X-CSRF-Token`` header equal
  to the ``csrf_token`` cookie (else 401 "CSRF token is missing or invalid.");
- ``POST /refresh-token`` with the ``refresh_token`` cookie -> new cookies; without -> 401
  ``{"result": "fail", "message": "No refresh token provided"}``;
- plugins: ``GET .../plugin/list``, ``POST .../plugin/upload/pkg`` (multipart ``pkg``, a .difypkg zip whose
  manifest.yaml names author, name, version) -> ``{"unique_identifier": "author/name:version@sha256"}``,
  ``POST .../plugin/install/pkg`` -> ``{"all_installed": false, "task_id"}``, ``GET .../plugin/tasks/<id>`` ->
  ``{"task": {"status": pending|running|success|failed, "plugins": [{"message", ...}]}}``;
- models of ``langgenius/openai_api_compatible/openai_api_compatible``: ``GET|POST|PUT .../models/credentials``,
  ``POST .../models/credentials/validate`` (the double, like Dify, calls ``<endpoint_url>/models`` with the API key;
  the error texts of a failed validation are the double's, the real ones come from the plugin daemon, which could
  not run here); the stored ``api_key`` is answered obfuscated, as Dify does;
- ``GET|POST /workspaces/current/default-model``; ``GET|POST /apps``, ``GET /apps/<id>`` (a new chat app names
  openai/gpt-4o, as 1.14.2 does), ``POST /apps/<id>/chat-messages`` (blocking; the double asks the model's
  ``endpoint_url`` for a chat completion and answers with its text).

Knobs for the error paths: ``plugin_daemon=False`` (every plugin and model path answers 400 "Failed to request
plugin daemon", ``GET default-model`` answers ``{"data": null}`` - both as observed on the real API without a plugin
daemon), ``plugin_task_error`` (the install task fails with that message), ``task_polls`` (polls before the task
ends), ``access_token_uses`` (each access token is good for that many calls, then answers 401 "Invalid token." -
an expired token), ``https_console`` (as Dify 1.14.2 does when its CONSOLE_API_URL and CONSOLE_WEB_URL are https, even
when reached over plain http as through a ``kubectl port-forward``: the ``access_token``, ``refresh_token`` and
``csrf_token`` cookies are named ``__Host-<name>`` and marked Secure, and only those names are read back;
api/libs/token.py ``is_secure`` and ``_real_cookie_name``; the Flask ``session`` cookie stays as it is).
``requests`` records method, path, status and cookie names as sent - never a password or token.

Use in-process (``with DifyConsoleContractServer(...) as server: server.url``) or as a script that prints its port:
``python dify_console_contract_server.py [--init-password-file F] [--version 1.14.2]``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import base64
import binascii
import hashlib
import io
import json
import re
import threading
import time
import uuid
import zipfile

from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler
from urllib.error import HTTPError, URLError
from urllib.parse import parse_qs, urlparse
from urllib.request import Request, urlopen

try:
    from ansible_collections.privateai.deepseek_dify.tests.doubles.http_double import ThreadedHTTPDouble
except ImportError:  # run as a script (python tests/doubles/<double>.py): its folder is on sys.path
    from http_double import ThreadedHTTPDouble

PROVIDER = "langgenius/openai_api_compatible/openai_api_compatible"
PASSWORD_RE = re.compile(r"^(?=.*[a-zA-Z])(?=.*\d).{8,}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MODEL_PREFIX = "/workspaces/current/model-providers/"


def _version_tuple(text):
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


def _fastapi_error(status, kind, message):
    return status, {"error": {"message": message, "status": status, "type": kind}}


def _error(status, code, message):
    return status, {"code": code, "message": message, "status": status}


def _obfuscate(value):
    if not value:
        return value
    return value[:6] + "*" * 12 + value[-2:] if len(value) > 8 else value[0] + "*" * 12


class _State(object):
    def __init__(self, init_password, version):
        self.lock = threading.Lock()
        self.init_password = init_password
        self.version = version
        self.setup_at = None
        self.admin = None                # {"email", "name", "password"}
        self.sessions = {}               # session cookie -> validated
        self.access = {}                 # access token -> uses left (None: unlimited)
        self.refresh = set()
        self.csrf = set()
        self.uploads = {}                # unique identifier -> (plugin_id, version)
        self.plugins = {}                # plugin_id -> {"plugin_id", "version", "plugin_unique_identifier"}
        self.tasks = {}                  # task id -> {"uid", "polls"}
        self.models = {}                 # (model, model_type) -> {"id", "name", "credentials"}
        self.defaults = {}               # model_type -> model
        self.apps = {}                   # id -> app


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dify-console-contract-test-double/1"

    def log_message(self, *args):  # pylint: disable=arguments-differ  # quiet: tests read results, not logs
        pass

    # -- plumbing -----------------------------------------------------------------------------------------------
    @property
    def double(self):
        return self.server.double

    def _cookie_names(self):
        """The names of the cookies as sent (``__Host-`` prefixes kept)."""
        jar = SimpleCookie()
        jar.load(self.headers.get("Cookie", ""))
        return list(jar)

    def _cookies(self):
        jar = SimpleCookie()
        jar.load(self.headers.get("Cookie", ""))
        found = dict((k, v.value) for k, v in jar.items())
        if self.double.https_console:
            # Dify reads only the __Host- names then: a cookie under the plain name counts as absent.
            for name in TOKEN_COOKIES:
                found.pop(name, None)
                if "__Host-" + name in found:
                    found[name] = found.pop("__Host-" + name)
        return found

    def _send(self, status, body, set_cookies=()):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Version", self.double.state.version)
        self.send_header("X-Env", "TEST-DOUBLE")
        for name, value, http_only in set_cookies:
            flags = "; HttpOnly" if http_only else ""
            if self.double.https_console and name in TOKEN_COOKIES:
                name, flags = "__Host-" + name, flags + "; Secure"
            self.send_header("Set-Cookie", "%s=%s; Path=/; SameSite=Lax%s" % (name, value, flags))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self, raw):
        try:
            return json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            return None

    def _handle(self, method):
        parsed = urlparse(self.path)
        path = parsed.path
        query = dict((k, v[0]) for k, v in parse_qs(parsed.query).items())
        raw = self._body()
        cookies = self._cookies()
        set_cookies = []
        if not path.startswith("/console/api/"):
            status, body = _error(404, "not_found", "The requested URL was not found on the server.")
        else:
            with self.double.state.lock:
                status, body = self.double.route(method, path[len("/console/api"):], query, raw, cookies,
                                                 self.headers, set_cookies)
        self.double.requests.append({"method": method, "path": path, "status": status,
                                     "cookies": sorted(self._cookie_names()), "csrf_header": CSRF in self.headers})
        self._send(status, body, set_cookies)

    def do_GET(self):  # noqa: N802  # http.server's naming
        self._handle("GET")

    def do_POST(self):  # noqa: N802
        self._handle("POST")

    def do_PUT(self):  # noqa: N802
        self._handle("PUT")


CSRF = "X-CSRF-Token"
TOKEN_COOKIES = ("access_token", "refresh_token", "csrf_token")


class DifyConsoleContractServer(ThreadedHTTPDouble):
    """The double; ``url`` is its base (the console URL), ``requests`` what was asked."""

    thread_name = "dify-contract-double"

    def __init__(self, init_password=None, version="1.14.2", plugin_daemon=True, plugin_task_error=None,
                 task_polls=1, access_token_uses=None, port=0, https_console=False):
        self.state = _State(init_password, version)
        self.plugin_daemon = plugin_daemon
        self.plugin_task_error = plugin_task_error
        self.task_polls = task_polls
        self.access_token_uses = access_token_uses
        self.https_console = https_console
        self.requests = []
        super(DifyConsoleContractServer, self).__init__(_Handler, port=port)

    # -- routing --------------------------------------------------------------------------------------------------
    def route(self, method, path, query, raw, cookies, headers, set_cookies):
        state = self.state
        body = self._parse(raw, headers)
        if (method, path) == ("GET", "/setup"):
            return 200, {"step": "finished" if state.setup_at else "not_started", "setup_at": state.setup_at}
        if (method, path) == ("POST", "/init"):
            return self._init(body, cookies, set_cookies)
        if (method, path) == ("POST", "/setup"):
            return self._setup(body, cookies)
        if (method, path) == ("POST", "/login"):
            return self._login(body, set_cookies)
        if (method, path) == ("POST", "/refresh-token"):
            token = cookies.get("refresh_token")
            if not token:
                return 401, {"result": "fail", "message": "No refresh token provided"}
            if token not in state.refresh:
                return 401, {"result": "fail", "message": "Invalid refresh token"}
            state.refresh.discard(token)
            self._issue(set_cookies)
            return 200, {"result": "success"}
        # Everything else: logged in, with the CSRF header.
        denied = self._authenticate(cookies, headers)
        if denied:
            return denied
        if (method, path) == ("GET", "/account/profile"):
            return 200, {"id": "admin-1", "email": state.admin["email"], "name": state.admin["name"]}
        if path.startswith("/workspaces/current/plugin/"):
            if not self.plugin_daemon:
                return self._no_daemon("management/list")
            return self._plugin(method, path[len("/workspaces/current/plugin/"):], raw, headers, body)
        if path.startswith(MODEL_PREFIX):
            if not self.plugin_daemon:
                return self._no_daemon("management/models")
            return self._model(method, path[len(MODEL_PREFIX):], query, body)
        if path == "/workspaces/current/default-model":
            return self._default_model(method, query, body)
        if path == "/apps" or path.startswith("/apps/"):
            return self._apps(method, path, query, body)
        return _error(404, "not_found", "The requested URL was not found on the server.")

    @staticmethod
    def _parse(raw, headers):
        if (headers.get("Content-Type") or "").startswith("application/json"):
            try:
                return json.loads(raw.decode("utf-8")) if raw else {}
            except ValueError:
                return None
        return {}

    def _no_daemon(self, what):
        return _error(400, "invalid_param", "Failed to request plugin daemon, url: plugin/tenant-double/%s" % what)

    def _init(self, body, cookies, set_cookies):
        state = self.state
        if state.setup_at:
            return _fastapi_error(403, "authorization_error", "Forbidden")
        password = (body or {}).get("password")
        if not isinstance(password, str) or len(password) > 30:
            return _fastapi_error(422, "validation_error", "Validation error for parameter 'payload'")
        session = cookies.get("session") or uuid.uuid4().hex
        ok = state.init_password is None or password == state.init_password
        state.sessions[session] = ok
        set_cookies.append(("session", session, True))
        if not ok:
            return _fastapi_error(401, "authentication_error", "Unauthorized")
        return 201, {"result": "success"}

    def _setup(self, body, cookies):
        state = self.state
        body = body or {}
        email = body.get("email") or ""
        name = body.get("name") or ""
        password = body.get("password") or ""
        if not EMAIL_RE.match(email) or not name or len(name) > 30 or not PASSWORD_RE.match(password):
            return _fastapi_error(422, "validation_error", "Validation error for parameter 'payload'")
        if state.setup_at:
            return _fastapi_error(403, "authorization_error", "Forbidden")
        if state.init_password is not None and not state.sessions.get(cookies.get("session")):
            return _fastapi_error(401, "authentication_error", "Unauthorized")
        state.admin = {"email": email.lower(), "name": name, "password": password}
        state.setup_at = "2026-11-30T00:00:00"
        return 201, {"result": "success"}

    def _login(self, body, set_cookies):
        state = self.state
        body = body or {}
        if not state.setup_at:
            return _error(401, "not_setup", "Dify has not been initialized and installed yet. Please proceed with "
                                            "the initialization and installation process first.")
        password = body.get("password") or ""
        if _version_tuple(state.version) >= (1, 11, 2):
            try:
                password = base64.b64decode(password.encode("ascii"), validate=True).decode("utf-8")
            except (binascii.Error, ValueError, UnicodeError):
                return _error(401, "authentication_failed", "Invalid encrypted data")
        if (body.get("email") or "").lower() != state.admin["email"] or password != state.admin["password"]:
            return _error(401, "authentication_failed", "Invalid email or password.")
        self._issue(set_cookies)
        return 200, {"result": "success"}

    def _issue(self, set_cookies):
        access, refresh, csrf = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
        self.state.access[access] = self.access_token_uses
        self.state.refresh.add(refresh)
        self.state.csrf.add(csrf)
        set_cookies.extend([("access_token", access, True), ("refresh_token", refresh, True),
                            ("csrf_token", csrf, False)])

    def _authenticate(self, cookies, headers):
        state = self.state
        token = cookies.get("access_token")
        if token not in state.access:
            return _error(401, "unauthorized", "Invalid token.")
        uses = state.access[token]
        if uses is not None:
            if uses <= 0:
                return _error(401, "unauthorized", "Invalid token.")
            state.access[token] = uses - 1
        csrf = headers.get(CSRF)
        if not csrf or csrf != cookies.get("csrf_token") or csrf not in state.csrf:
            return _error(401, "unauthorized", "CSRF token is missing or invalid.")
        return None

    # -- plugins --------------------------------------------------------------------------------------------------
    def _plugin(self, method, rest, raw, headers, body):
        state = self.state
        if (method, rest) == ("GET", "list"):
            plugins = list(state.plugins.values())
            return 200, {"plugins": plugins, "total": len(plugins)}
        if (method, rest) == ("POST", "upload/pkg"):
            content = self._multipart_file(raw, headers.get("Content-Type") or "", "pkg")
            if content is None:
                return _error(400, "invalid_param", "pkg is required")
            try:
                with zipfile.ZipFile(io.BytesIO(content)) as archive:
                    manifest = archive.read("manifest.yaml").decode("utf-8")
            except (zipfile.BadZipfile, KeyError):
                return 400, {"code": "plugin_error", "message": "failed to decode plugin package: not a zip with "
                                                                "manifest.yaml"}
            fields = dict(re.findall(r"^(author|name|version):\s*(\S+)\s*$", manifest, re.M))
            plugin_id = "%s/%s" % (fields.get("author"), fields.get("name"))
            uid = "%s:%s@%s" % (plugin_id, fields.get("version"), hashlib.sha256(content).hexdigest())
            state.uploads[uid] = (plugin_id, fields.get("version"))
            manifest = dict((key, fields.get(key)) for key in ("author", "name", "version"))
            return 200, {"unique_identifier": uid, "manifest": manifest}
        if (method, rest) == ("POST", "install/pkg"):
            uids = (body or {}).get("plugin_unique_identifiers") or []
            if not uids or any(uid not in state.uploads for uid in uids):
                return 400, {"code": "plugin_error", "message": "plugin not found, please upload it first"}
            task_id = str(uuid.uuid4())
            state.tasks[task_id] = {"uid": uids[0], "polls": 0}
            return 200, {"all_installed": False, "task_id": task_id}
        match = re.match(r"^tasks/([0-9a-f-]+)$", rest)
        if method == "GET" and match:
            task = state.tasks.get(match.group(1))
            if task is None:
                return 400, {"code": "plugin_error", "message": "task not found"}
            task["polls"] += 1
            uid = task["uid"]
            plugin_id, version = state.uploads[uid]
            status, message = "running", ""
            if task["polls"] > self.task_polls:
                if self.plugin_task_error:
                    status, message = "failed", self.plugin_task_error
                else:
                    status, message = "success", "installed"
                    state.plugins[plugin_id] = {"plugin_id": plugin_id, "version": version,
                                                "plugin_unique_identifier": uid}
            return 200, {"task": {"id": match.group(1), "status": status, "total_plugins": 1,
                                  "completed_plugins": 1 if status == "success" else 0,
                                  "plugins": [{"plugin_unique_identifier": uid, "plugin_id": plugin_id,
                                               "status": status, "message": message, "icon": "", "labels": {}}]}}
        return _error(404, "not_found", "The requested URL was not found on the server.")

    @staticmethod
    def _multipart_file(raw, content_type, field):
        """The bytes of file ``field`` of a multipart/form-data body (parts as sent, no transfer encoding)."""
        match = re.search(r"boundary=\"?([^\";]+)\"?", content_type)
        if not content_type.startswith("multipart/form-data") or not match:
            return None
        for part in raw.split(b"--" + match.group(1).encode("latin-1")):
            head, sep, content = part.partition(b"\r\n\r\n")
            if sep and re.search(br'name="%s"' % re.escape(field.encode("ascii")), head):
                return content[:-2] if content.endswith(b"\r\n") else content
        return None

    # -- models ---------------------------------------------------------------------------------------------------
    def _model(self, method, rest, query, body):
        state = self.state
        if not rest.startswith(PROVIDER + "/models/credentials"):
            return _error(400, "invalid_param", "Provider %s does not exist." % rest.split("/models")[0])
        if PROVIDER.rsplit("/", 1)[0] not in state.plugins:
            return _error(400, "invalid_param", "Provider %s does not exist." % PROVIDER)
        tail = rest[len(PROVIDER + "/models/credentials"):]
        if tail == "" and method == "GET":
            stored = state.models.get((query.get("model"), query.get("model_type")))
            if stored is None:
                return 200, {"credentials": {}, "current_credential_id": None, "current_credential_name": None,
                             "load_balancing": {"enabled": False, "configs": []}, "available_credentials": []}
            creds = dict(stored["credentials"], api_key=_obfuscate(stored["credentials"].get("api_key")))
            return 200, {"credentials": creds, "current_credential_id": stored["id"],
                         "current_credential_name": stored["name"],
                         "load_balancing": {"enabled": False, "configs": []},
                         "available_credentials": [{"credential_id": stored["id"], "credential_name": stored["name"]}]}
        body = body or {}
        key = (body.get("model"), body.get("model_type"))
        if body.get("model_type") not in ("llm", "text-embedding", "rerank"):
            return _error(400, "invalid_param", "model_type %r is not valid" % body.get("model_type"))
        if tail == "/validate" and method == "POST":
            problem = self._call_endpoint(body.get("credentials") or {})
            return 200, ({"result": "success"} if problem is None else {"result": "error", "error": problem})
        if tail == "" and method in ("POST", "PUT"):
            name = body.get("name") or ""
            if len(name) > 30:
                return _fastapi_error(422, "validation_error", "Validation error for parameter 'payload'")
            credentials = dict(body.get("credentials") or {})
            stored = state.models.get(key)
            if method == "PUT":
                if stored is None or body.get("credential_id") != stored["id"]:
                    return _error(400, "invalid_param", "Credential record not found.")
                if credentials.get("api_key") == _obfuscate(stored["credentials"].get("api_key")):
                    credentials["api_key"] = stored["credentials"].get("api_key")
            elif stored is not None and stored["name"] == name:
                return _error(400, "invalid_param", "Credential with name '%s' already exists." % name)
            problem = self._call_endpoint(credentials)
            if problem is not None:
                return _error(400, "invalid_param", problem)
            state.models[key] = {"id": stored["id"] if stored else str(uuid.uuid4()), "name": name,
                                 "credentials": credentials}
            return (200 if method == "PUT" else 201), {"result": "success"}
        return _error(404, "not_found", "The requested URL was not found on the server.")

    @staticmethod
    def _call_endpoint(credentials, timeout=5):
        """None when ``<endpoint_url>/models`` answers with the served name, else why not (the double's text)."""
        url = (credentials.get("endpoint_url") or "").rstrip("/")
        request = Request(url + "/models", headers={"Authorization": "Bearer %s" % credentials.get("api_key", "")})
        try:
            with urlopen(request, timeout=timeout) as response:  # noqa: S310  # test double, local URLs
                served = [m.get("id") for m in json.loads(response.read().decode("utf-8")).get("data") or []]
        except HTTPError as exc:
            return "Credentials validation failed with status code %d" % exc.code
        except (URLError, OSError, ValueError) as exc:
            return "Credentials validation failed: cannot reach %s (%s)" % (url, getattr(exc, "reason", exc))
        if credentials.get("endpoint_model_name") not in served:
            return "Credentials validation failed: model %s is not served at %s" % (
                credentials.get("endpoint_model_name"), url)
        return None

    def _default_model(self, method, query, body):
        state = self.state
        if method == "GET":
            model = state.defaults.get(query.get("model_type")) if self.plugin_daemon else None
            if not model:
                return 200, {"data": None}
            return 200, {"data": {"model": model, "model_type": query.get("model_type"),
                                  "provider": {"provider": PROVIDER, "label": {"en_US": "OpenAI-API-compatible"}}}}
        if not self.plugin_daemon:
            return self._no_daemon("management/models")
        for setting in (body or {}).get("model_settings") or []:
            if setting.get("provider") != PROVIDER or \
                    (setting.get("model"), setting.get("model_type")) not in state.models:
                return _error(400, "invalid_param", "Model %s not exist." % setting.get("model"))
        for setting in (body or {}).get("model_settings") or []:
            state.defaults[setting["model_type"]] = setting["model"]
        return 200, {"result": "success"}

    # -- apps -----------------------------------------------------------------------------------------------------
    def _apps(self, method, path, query, body):
        state = self.state
        if (method, path) == ("GET", "/apps"):
            apps = [a for a in state.apps.values() if query.get("name", "") in a["name"]]
            return 200, {"data": [dict(id=a["id"], name=a["name"], mode=a["mode"]) for a in apps], "has_more": False,
                         "limit": int(query.get("limit", 20)), "page": 1, "total": len(apps)}
        if (method, path) == ("POST", "/apps"):
            app_id = str(uuid.uuid4())
            state.apps[app_id] = {"id": app_id, "name": (body or {}).get("name"), "mode": (body or {}).get("mode"),
                                  "model_config": {"model": {"provider": "openai", "name": "gpt-4o", "mode": "chat",
                                                             "completion_params": {}}, "pre_prompt": ""}}
            return 201, state.apps[app_id]
        match = re.match(r"^/apps/([0-9a-f-]+)(/chat-messages)?$", path)
        app = state.apps.get(match.group(1)) if match else None
        if app is None:
            return _error(404, "app_not_found", "App not found.")
        if method == "GET" and not match.group(2):
            return 200, app
        if method == "POST" and match.group(2):
            if not self.plugin_daemon:
                return self._no_daemon("management/models")
            model = ((body or {}).get("model_config") or {}).get("model") or {}
            stored = state.models.get((model.get("name"), "llm"))
            if model.get("provider") != PROVIDER or stored is None:
                return _error(400, "provider_not_initialize", "No valid model provider credentials found. Please go "
                                                              "to Settings -> Model Provider to complete your provider "
                                                              "credentials.")
            return self._chat(stored["credentials"], (body or {}).get("query") or "")
        return _error(405, "method_not_allowed", "The method is not allowed for the requested URL.")

    @staticmethod
    def _chat(credentials, query):
        url = credentials["endpoint_url"].rstrip("/") + "/chat/completions"
        payload = json.dumps({"model": credentials["endpoint_model_name"], "stream": False, "max_tokens": 64,
                              "messages": [{"role": "user", "content": query}]}).encode("utf-8")
        request = Request(url, data=payload, headers={"Authorization": "Bearer %s" % credentials.get("api_key", ""),
                                                      "Content-Type": "application/json"})
        try:
            with urlopen(request, timeout=10) as response:  # noqa: S310  # test double, local URLs
                answer = json.loads(response.read().decode("utf-8"))["choices"][0]["message"].get("content") or ""
        except (HTTPError, URLError, OSError, ValueError, KeyError, IndexError) as exc:
            return _error(400, "completion_request_error", "[openai_api_compatible] Error: %s" % exc)
        return 200, {"event": "message", "message_id": str(uuid.uuid4()), "conversation_id": str(uuid.uuid4()),
                     "mode": "chat", "answer": answer, "created_at": int(time.time())}


def main(argv=None):
    parser = argparse.ArgumentParser(description="TEST DOUBLE of Dify's console API")
    parser.add_argument("--init-password-file", help="file holding the INIT_PASSWORD the double requires")
    parser.add_argument("--version", default="1.14.2")
    parser.add_argument("--no-plugin-daemon", action="store_true")
    parser.add_argument("--plugin-task-error")
    parser.add_argument("--access-token-uses", type=int)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--https-console", action="store_true",
                        help="__Host- Secure token cookies over plain http, as Dify with an https console URL")
    args = parser.parse_args(argv)
    init_password = None
    if args.init_password_file:
        with open(args.init_password_file) as handle:
            init_password = handle.read().strip()
    server = DifyConsoleContractServer(init_password=init_password, version=args.version,
                                       plugin_daemon=not args.no_plugin_daemon,
                                       plugin_task_error=args.plugin_task_error,
                                       access_token_uses=args.access_token_uses, port=args.port,
                                       https_console=args.https_console)
    server.run_until_interrupted(server.port)


if __name__ == "__main__":
    main()
