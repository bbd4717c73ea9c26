# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dify_bootstrap role's inputs (plugins/plugin_utils/dify_bootstrap.py): conversions, checks and the defaults,
by case tables; every problem names the variable and never a password's value."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import dify_bootstrap

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "dify_bootstrap")
GOOD_PASSWORD = "Unit-admin-pass-5"


def settings(tmp_path, **changes):
    """The role's defaults with the facts' values filled in, as the filter gets them."""
    with open(os.path.join(ROLE, "defaults", "main.yml")) as handle:
        values = yaml.safe_load(handle)
    admin = tmp_path / "admin"
    admin.write_text(GOOD_PASSWORD)
    init = tmp_path / "init"
    init.write_text("unit-init-1")
    key = tmp_path / "key"
    key.write_text("sk-unit")
    package = tmp_path / "p.difypkg"
    package.write_bytes(b"PK")
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    values.update({
        # The templated defaults, as they come out for a Dify stage with the console gate off.
        "dify_bootstrap_console_access": "ingress",
        "dify_bootstrap_namespace": "dify",
        "dify_bootstrap_front_service": "dify",
        "dify_bootstrap_front_port": "80",
        "dify_bootstrap_kubeconfig": str(kubeconfig),
        "dify_bootstrap_kube_context": "",
        "dify_bootstrap_console_url": "https://dify.example.internal",
        "dify_bootstrap_admin_email": "admin@example.com",
        "dify_bootstrap_admin_password_file": str(admin),
        "dify_bootstrap_init_password_file": str(init),
        "dify_bootstrap_api_key_file": str(key),
        "dify_bootstrap_plugin_package": str(package),
        "dify_bootstrap_models": [
            {"name": "deepseek-r1", "kind": "chat", "base_url": "http://deepseek-r1.serving.svc:8000/v1",
             "max_model_len": 32768, "reasoning": True},
            {"name": "bge-m3", "served_name": "BAAI/bge-m3", "kind": "embedding",
             "base_url": "http://bge-m3.serving.svc:8000/v1", "max_model_len": "8192"},
            {"name": "bge-reranker", "kind": "rerank", "base_url": "http://bge-reranker.serving.svc:8000/v1"}],
    })
    values.update(changes)
    return values


def test_good_inputs_convert_and_pick_the_first_model_of_each_kind(tmp_path):
    result = dify_bootstrap.bootstrap_inputs(settings(tmp_path))
    assert result["problems"] == [] and result["enabled"] and result["contact"]
    assert result["defaults"] == {"llm": "deepseek-r1", "text-embedding": "bge-m3", "rerank": "bge-reranker"}
    assert result["models"][1] == {"name": "bge-m3", "served_name": "BAAI/bge-m3", "kind": "embedding",
                                   "base_url": "http://bge-m3.serving.svc:8000/v1", "max_model_len": 8192}
    assert result["models"][2]["served_name"] == "bge-reranker" and result["models"][2]["max_model_len"] == 4096
    assert result["settings"]["timeout"] == 30 and result["settings"]["smoke"] is True


@pytest.mark.parametrize("changes, fragment", [
    ({"dify_bootstrap_admin_email": "admin"}, "dify_bootstrap_admin_email 'admin' is not an email address"),
    ({"dify_bootstrap_console_url": "dify.example"}, "dify_bootstrap_console_url 'dify.example' is not an http://"),
    ({"dify_bootstrap_admin_name": "x" * 31}, "dify_bootstrap_admin_name '%s' is empty or longer than 30" % ("x" * 31)),
    ({"dify_bootstrap_plugin_package": "/nonexistent/p.difypkg"},
     "dify_bootstrap_plugin_package '/nonexistent/p.difypkg' is not a file"),
    ({"dify_bootstrap_timeout": "soon"}, "dify_bootstrap_timeout is 'soon': give a whole number"),
    ({"dify_bootstrap_timeout": 0}, "dify_bootstrap_timeout is 0: give a positive number of seconds"),
    ({"dify_bootstrap_smoke": "ture"}, "dify_bootstrap_smoke is 'ture': give true or false"),
    ({"dify_bootstrap_models": [{"name": "m", "kind": "tts", "base_url": "http://m/v1"}]},
     "dify_bootstrap_models[0].kind is 'tts': give one of chat, embedding, rerank"),
    ({"dify_bootstrap_models": [{"name": "m m", "base_url": "http://m/v1"}]},
     "dify_bootstrap_models[0].name 'm m' is not a model name"),
    ({"dify_bootstrap_models": [{"name": "m", "base_url": "m:8000"}]},
     "dify_bootstrap_models[0].base_url 'm:8000' is not an http:// or https:// URL"),
    ({"dify_bootstrap_models": ["deepseek-r1"]}, "dify_bootstrap_models[0] is 'deepseek-r1': give a mapping"),
    ({"dify_bootstrap_models": [{"name": "m", "base_url": "http://m/v1"}] * 2},
     "dify_bootstrap_models has 'm' more than once"),
    ({"dify_bootstrap_default_llm": "bge-m3"}, "dify_bootstrap_default_llm 'bge-m3' is not a chat model"),
    ({"dify_bootstrap_api_key_file": "/nonexistent/key"}, "dify_bootstrap_api_key_file '/nonexistent/key' is not a"),
    ({"dify_bootstrap_admin_password_file": "/nonexistent/admin"},
     "dify_bootstrap_admin_password_file '/nonexistent/admin' is not a file; run the Dify stage in apply mode"),
])
def test_each_bad_input_is_named(tmp_path, changes, fragment):
    problems = dify_bootstrap.bootstrap_inputs(settings(tmp_path, **changes))["problems"]
    assert len(problems) == 1 and problems[0].startswith(fragment), problems


@pytest.mark.parametrize("content, fragment", [
    ("short1", "the content of dify_bootstrap_admin_password_file is not a Dify account password"),
    ("onlyletters", "the content of dify_bootstrap_admin_password_file is not a Dify account password"),
    ("1234567890", "the content of dify_bootstrap_admin_password_file is not a Dify account password"),
])
def test_a_password_dify_would_reject_is_refused_without_showing_it(tmp_path, content, fragment):
    values = settings(tmp_path)
    weak = tmp_path / "weak"
    weak.write_text(content)
    values["dify_bootstrap_admin_password_file"] = str(weak)
    problems = dify_bootstrap.bootstrap_inputs(values)["problems"]
    assert len(problems) == 1 and problems[0].startswith(fragment) and content not in problems[0]


def test_an_init_password_over_30_characters_is_refused(tmp_path):
    values = settings(tmp_path)
    (tmp_path / "init").write_text("i" * 31)
    problems = dify_bootstrap.bootstrap_inputs(values)["problems"]
    assert problems == ["the content of dify_bootstrap_init_password_file is not 1 to 30 characters (Dify's "
                        "INIT_PASSWORD limit; the value is not shown); write a shorter init password into it"]


def test_every_problem_at_once(tmp_path):
    problems = dify_bootstrap.bootstrap_inputs(settings(
        tmp_path, dify_bootstrap_admin_email="x", dify_bootstrap_plugin_package="/nope.difypkg",
        dify_bootstrap_timeout=-1, dify_bootstrap_models=[{"name": "m", "kind": "x", "base_url": "http://m"}]))["problems"]
    assert len(problems) == 4


def test_render_mode_does_not_need_the_files_and_contacts_nothing(tmp_path):
    result = dify_bootstrap.bootstrap_inputs(settings(tmp_path, dify_bootstrap_admin_password_file="/later/admin",
                                                      dify_bootstrap_api_key_file="/later/key"), mode="render")
    assert result["problems"] == [] and result["contact"] is False and result["enabled"] is True


def test_disabled_checks_nothing_else(tmp_path):
    result = dify_bootstrap.bootstrap_inputs(settings(tmp_path, dify_bootstrap_enabled=False,
                                                      dify_bootstrap_admin_email="x"))
    assert result == {"enabled": False, "contact": False, "problems": [], "warnings": [],
                      "settings": result["settings"], "models": [], "defaults": {}}


def test_absent_facts_give_empty_values_and_warnings(tmp_path):
    result = dify_bootstrap.bootstrap_inputs(settings(tmp_path, dify_bootstrap_models=[],
                                                      dify_bootstrap_plugin_package=""))
    assert result["problems"] == [] and result["defaults"] == {}
    assert len(result["warnings"]) == 2 and "dify_bootstrap_models is empty" in result["warnings"][1]


def test_a_mode_that_is_not_apply_or_render_is_refused(tmp_path):
    problems = dify_bootstrap.bootstrap_inputs(settings(tmp_path), mode="dry")["problems"]
    assert problems == ["privateai_k8s_mode is 'dry': give apply or render"]
