# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the bootstrap reaches Dify's console (dify_bootstrap_console_access ingress | port_forward): the templated
default the role computes from the Dify stage's outputs, the port-forward plan and the bad inputs, by case tables."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import dify_bootstrap

from ansible_collections.privateai.deepseek_dify.tests.unit.plugins.plugin_utils.test_dify_bootstrap import (
    ROLE, settings)

GATED = "https://dify.example.internal"


def raw_defaults():
    with open(os.path.join(ROLE, "defaults", "main.yml")) as handle:
        return yaml.safe_load(handle)


def template(name, variables):
    from ansible.template import Templar, trust_as_template
    defaults = raw_defaults()
    # The role's defaults are there too (dify_bootstrap_console_access reads dify_bootstrap_console_url).
    scope = dict((key, trust_as_template(value) if isinstance(value, str) else value)
                 for key, value in defaults.items())
    scope.update(variables)
    return Templar(loader=None, variables=scope).template(scope[name])


@pytest.mark.parametrize("variables, expected", [
    ({"dify_outputs": {"console_url": GATED, "console_auth": True}}, "port_forward"),
    ({"dify_outputs": {"console_url": GATED, "console_auth": False}}, "ingress"),
    # The fact wins over the inventory: it says what the Dify stage applied.
    ({"dify_outputs": {"console_url": GATED, "console_auth": False}, "dify_console_auth_enabled": True}, "ingress"),
    ({"dify_outputs": {"console_url": GATED}, "dify_console_auth_enabled": True}, "port_forward"),
    ({"dify_console_auth_enabled": True}, "port_forward"),
    ({"dify_console_auth_enabled": "false"}, "ingress"),
    ({}, "ingress"),
    # An explicit console URL keeps working as before: reached as given.
    ({"dify_outputs": {"console_url": GATED, "console_auth": True},
      "dify_bootstrap_console_url": "https://dify-internal.example.internal"}, "ingress"),
], ids=["gate-on", "gate-off", "fact-wins", "inventory-gate", "no-facts-gate", "gate-off-string", "nothing",
        "explicit-url"])
def test_console_access_default(variables, expected):
    assert template("dify_bootstrap_console_access", variables) == expected


def test_front_defaults_follow_the_dify_stage_outputs():
    outputs = {"dify_outputs": {"namespace": "ai-dify", "front_service": "site-dify", "front_port": 8080}}
    assert [template(name, outputs) for name in ("dify_bootstrap_namespace", "dify_bootstrap_front_service",
                                                 "dify_bootstrap_front_port")] == ["ai-dify", "site-dify", 8080]
    assert [template(name, {}) for name in ("dify_bootstrap_namespace", "dify_bootstrap_front_service",
                                            "dify_bootstrap_front_port")] == ["dify", "dify", 80]
    assert template("dify_bootstrap_kubeconfig", {"privateai_kubeconfig": "/srv/kc"}) == "/srv/kc"


def test_port_forward_plan(tmp_path):
    result = dify_bootstrap.bootstrap_inputs(settings(tmp_path, dify_bootstrap_console_access="port_forward",
                                                      dify_bootstrap_local_port="18999",
                                                      dify_bootstrap_kube_context="ops@site"))
    assert result["problems"] == []
    s = result["settings"]
    assert s["connect_url"] == "http://127.0.0.1:18999" and s["console_url"] == GATED
    assert s["forward"] == {"name": "dify-console", "namespace": "dify", "service": "dify", "local_port": 18999,
                            "remote_port": 80, "seconds": 3600}
    assert s["kube_context"] == "ops@site"


def test_ingress_plan_calls_the_console_url(tmp_path):
    s = dify_bootstrap.bootstrap_inputs(settings(tmp_path))["settings"]
    assert s["forward"] is None and s["connect_url"] == GATED


def test_port_forward_without_dify_outputs_needs_no_console_url(tmp_path):
    result = dify_bootstrap.bootstrap_inputs(settings(tmp_path, dify_bootstrap_console_access="port_forward",
                                                      dify_bootstrap_console_url=""))
    assert result["problems"] == [] and result["settings"]["connect_url"] == "http://127.0.0.1:18480"
    # through the console URL an empty one is a problem
    result = dify_bootstrap.bootstrap_inputs(settings(tmp_path, dify_bootstrap_console_url=""))
    assert [p for p in result["problems"] if p.startswith("dify_bootstrap_console_url '' is not an http://")]


@pytest.mark.parametrize("changes, fragment", [
    ({"dify_bootstrap_console_access": "tunnel"},
     "dify_bootstrap_console_access is 'tunnel': give one of ingress, port_forward"),
    ({"dify_bootstrap_console_access": "port_forward", "dify_bootstrap_kubeconfig": ""},
     "dify_bootstrap_kubeconfig is empty: dify_bootstrap_console_access port_forward starts `kubectl port-forward`"),
    ({"dify_bootstrap_console_access": "port_forward", "dify_bootstrap_kubeconfig": "/nonexistent/kubeconfig"},
     "dify_bootstrap_kubeconfig '/nonexistent/kubeconfig' is not a file; set privateai_kubeconfig"),
    ({"dify_bootstrap_console_access": "port_forward", "dify_bootstrap_namespace": ""},
     "dify_bootstrap_namespace is '': give a DNS label"),
    ({"dify_bootstrap_console_access": "port_forward", "dify_bootstrap_namespace": "Dify"},
     "dify_bootstrap_namespace is 'Dify': give a DNS label"),
    ({"dify_bootstrap_console_access": "port_forward", "dify_bootstrap_front_service": "dify;rm"},
     "dify_bootstrap_front_service is 'dify;rm': give a DNS label"),
    ({"dify_bootstrap_console_access": "port_forward", "dify_bootstrap_local_port": 70000},
     "dify_bootstrap_local_port is 70000: give a TCP port, 1 to 65535"),
    ({"dify_bootstrap_console_access": "port_forward", "dify_bootstrap_front_port": "http"},
     "dify_bootstrap_front_port is 'http': give a whole number"),
    ({"dify_bootstrap_console_access": "port_forward", "dify_bootstrap_kubectl": "kubectl --insecure"},
     "dify_bootstrap_kubectl is 'kubectl --insecure': give the kubectl binary"),
    ({"dify_bootstrap_console_access": "port_forward", "dify_bootstrap_port_forward_seconds": 5},
     "dify_bootstrap_port_forward_seconds is 5: give the seconds the port-forward may live, 60 or more"),
    ({"dify_bootstrap_console_access": "port_forward", "dify_bootstrap_kube_context": "a\nb"},
     "dify_bootstrap_kube_context 'a\\nb' is not one line"),
], ids=["choice", "no-kubeconfig", "kubeconfig-missing", "no-namespace", "namespace-case", "service", "local-port",
        "front-port", "kubectl-args", "seconds", "context-lines"])
def test_bad_access_input_names_the_variable_and_the_fix(tmp_path, changes, fragment):
    result = dify_bootstrap.bootstrap_inputs(settings(tmp_path, **changes))
    assert [p for p in result["problems"] if fragment in p], result["problems"]
    assert result["settings"].get("forward") is None


def test_every_access_problem_at_once(tmp_path):
    result = dify_bootstrap.bootstrap_inputs(settings(
        tmp_path, dify_bootstrap_console_access="port_forward", dify_bootstrap_kubeconfig="",
        dify_bootstrap_namespace="", dify_bootstrap_admin_email="admin"))
    names = sorted(p.split(" ", 1)[0] for p in result["problems"])
    assert names == ["dify_bootstrap_admin_email", "dify_bootstrap_kubeconfig", "dify_bootstrap_namespace"]


def test_render_mode_does_not_need_the_kubeconfig_file(tmp_path):
    result = dify_bootstrap.bootstrap_inputs(settings(tmp_path, dify_bootstrap_console_access="port_forward",
                                                      dify_bootstrap_kubeconfig="/srv/not-here/kubeconfig",
                                                      dify_bootstrap_admin_password_file="/nonexistent"),
                                             mode="render")
    assert result["problems"] == [] and not result["contact"]


def test_render_mode_does_not_need_a_kubeconfig_at_all(tmp_path):
    # The lab and a review render set no kubeconfig; with the console front on the access is port_forward, and a
    # render starts no port-forward. Apply mode with the same settings is refused (naming the variable).
    changes = dict(dify_bootstrap_console_access="port_forward", dify_bootstrap_kubeconfig="",
                   dify_bootstrap_admin_password_file="/nonexistent")
    render = dify_bootstrap.bootstrap_inputs(settings(tmp_path, **changes), mode="render")
    assert render["problems"] == [] and not render["contact"]
    applied = dify_bootstrap.bootstrap_inputs(settings(tmp_path, **changes))
    assert any(p.startswith("dify_bootstrap_kubeconfig is empty") for p in applied["problems"]), applied["problems"]
