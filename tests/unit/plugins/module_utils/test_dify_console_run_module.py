# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dify_console.run_module: what every dify_* module does around its own step (options checked at once before any
call, the client built, the admin logged in, the result or the failure with the step), against the console
contract-server test double."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import dify_console
from ansible_collections.privateai.deepseek_dify.tests.doubles.dify_console_contract_server import (
    DifyConsoleContractServer)

ADMIN = "admin@example.com"
PASSWORD = "Double-admin-pass-1"


class Exited(Exception):
    """How the module double stops, as AnsibleModule's exit_json/fail_json do."""

    def __init__(self, how, result):
        super(Exited, self).__init__(how)
        self.how = how
        self.result = result


class ModuleDouble(object):
    """Test double for AnsibleModule: params, check_mode, exit_json/fail_json recorded and raised."""

    def __init__(self, **params):
        self.params = dict(console_url="http://127.0.0.1:9", admin_email=ADMIN, admin_password=PASSWORD, timeout=5.0,
                           validate_certs=True, ca_path=None)
        self.params.update(params)
        self.check_mode = False

    def exit_json(self, **result):
        raise Exited("exit", result)

    def fail_json(self, **result):
        raise Exited("fail", result)


def run(module, action, problems=(), login=True):
    with pytest.raises(Exited) as stopped:
        dify_console.run_module(module, action, problems, login=login)
    return stopped.value


def set_up(server):
    dify_console.ensure_setup(dify_console.DifyConsole(server.url, timeout=5, secrets=[PASSWORD]), ADMIN, "Admin",
                              PASSWORD)
    server.requests[:] = []


def test_bad_options_are_all_reported_before_any_call():
    called = []
    with DifyConsoleContractServer() as server:
        module = ModuleDouble(console_url=server.url.split("://")[1], timeout=0)  # no scheme
        stopped = run(module, called.append, problems=["model 'a b' is not a model name"])
        assert server.requests == []
    assert stopped.how == "fail" and called == []
    problems = stopped.result["problems"]
    assert len(problems) == 3 and problems[-1] == "model 'a b' is not a model name"
    assert any(p.startswith("console_url") for p in problems) and any(p.startswith("timeout 0") for p in problems)
    assert stopped.result["msg"].startswith("Bad options, nothing was called: ")


def test_the_action_gets_a_logged_in_client_and_the_result_carries_the_session():
    seen = []

    def action(client):
        seen.append(client.account()["email"])  # only a logged-in session may read the profile
        return {"changed": False, "answer": 42}

    with DifyConsoleContractServer() as server:
        set_up(server)
        stopped = run(ModuleDouble(console_url=server.url), action)
        paths = [r["path"] for r in server.requests]
    assert stopped.how == "exit" and seen == [ADMIN]
    # the version read that decides the password encoding, the login, then the action's own call
    assert paths == ["/console/api/setup", "/console/api/login", "/console/api/account/profile"]
    assert stopped.result["answer"] == 42 and stopped.result["version"] == "1.14.2"
    assert stopped.result["token_refreshes"] == 0
    assert [e["path"] for e in stopped.result["exchanges"]] == ["/setup", "/login", "/account/profile"]


def test_without_login_the_action_runs_on_a_fresh_client():
    with DifyConsoleContractServer() as server:
        stopped = run(ModuleDouble(console_url=server.url), lambda client: {"changed": True}, login=False)
        assert server.requests == []
    assert stopped.how == "exit" and stopped.result["changed"] is True and stopped.result["exchanges"] == []


def test_a_failed_login_names_the_step_and_never_the_password():
    called = []
    with DifyConsoleContractServer() as server:
        set_up(server)
        stopped = run(ModuleDouble(console_url=server.url, admin_password="Wrong-admin-pass-2"), called.append)
    assert stopped.how == "fail" and called == []
    assert stopped.result["step"] == "log in as the admin" and stopped.result["status"] == 401
    assert "Wrong-admin-pass-2" not in str(stopped.result) and PASSWORD not in str(stopped.result)


def test_a_failed_step_is_redacted_with_the_version_and_exchanges():
    def action(client):
        raise dify_console.DifyError("install the plugin", "refused for %s" % PASSWORD, status=400, code="bad")

    with DifyConsoleContractServer() as server:
        set_up(server)
        stopped = run(ModuleDouble(console_url=server.url), action)
    assert stopped.how == "fail"
    assert stopped.result["msg"] == "refused for %s" % dify_console.REDACTED
    assert (stopped.result["step"], stopped.result["status"], stopped.result["code"]) == ("install the plugin", 400, "bad")
    assert stopped.result["version"] == "1.14.2" and [e["path"] for e in stopped.result["exchanges"]] == ["/setup", "/login"]
