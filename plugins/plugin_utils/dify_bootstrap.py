# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inputs of the role dify_bootstrap (controller side): every variable converted as meta/argument_specs.yml
declares it, every value checked, all problems at once, each naming the variable, the value (never a password's) and
the fix; then what the role's tasks run: the models to register and the defaults to set.

In render mode (privateai_k8s_mode render) Dify is not contacted, so the password files the Dify stage writes in
apply mode need not exist yet; in apply mode they must, and their contents are checked against Dify's own rules
(the values never leave this module: only problems do).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import dify_console
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate

PREFIX = "dify_bootstrap_"
KINDS = ("chat", "embedding", "rerank")
# How the bootstrap reaches the console: the console URL (ingress), or a `kubectl port-forward` of Dify's nginx front
# Service on 127.0.0.1 (port_forward: past the oauth2-proxy gate of dify_console_auth_enabled, which only a browser
# session of the site's IdP passes).
ACCESS = ("ingress", "port_forward")
LOOPBACK = "127.0.0.1"


def _model(name, value, problems):
    """One served model as model_serving_outputs.models lists it, converted; None after recording the problems."""
    if not isinstance(value, dict):
        problems.append("%s is %s: give a mapping with name, kind, base_url (model_serving_outputs.models)"
                        % (name, validate.describe(value)))
        return None
    found = []

    def read(key, converter, default, *args):
        try:
            return converter("%s.%s" % (name, key), value.get(key, default), *args)
        except validate.Invalid as err:
            found.append(str(err))
            return None

    model = {"name": read("name", validate.to_str, None)}
    served = value.get("served_name")
    model["served_name"] = model["name"] if served in (None, "") else read("served_name", validate.to_str, None)
    model["kind"] = read("kind", validate.to_choice, "chat", KINDS)
    model["base_url"] = read("base_url", validate.to_str, None)
    model["max_model_len"] = read("max_model_len", validate.to_int, 4096)
    problems.extend(found)
    return None if found else model


def _secret_file(name, path, problems, rule):
    """Check the file at ``path`` holds a value ``rule`` accepts; the value itself never reaches a problem."""
    if not path:
        problems.append("%s is empty; set it to the file the Dify stage wrote (dify_outputs), or to a file holding "
                        "the password (mode 0600)" % name)
        return
    if not os.path.isfile(path):
        problems.append("%s %r is not a file; run the Dify stage in apply mode first (it writes the file) or set %s "
                        "to a file holding the password" % (name, path, name))
        return
    with open(path) as handle:
        value = handle.read().strip()
    rule(name, value, problems)


def _admin_password_rule(name, value, problems):
    found = []
    dify_console.check_password("the content of " + name, value, found)
    problems.extend(found)


def _init_password_rule(name, value, problems):
    if not 0 < len(value) <= dify_console.INIT_PASSWORD_MAX:
        problems.append("the content of %s is not 1 to %d characters (Dify's INIT_PASSWORD limit; the value is not "
                        "shown); write a shorter init password into it" % (name, dify_console.INIT_PASSWORD_MAX))


def _port(name, value):
    """A TCP port, 1 to 65535."""
    if not 0 < value < 65536:
        return ["%s is %d: give a TCP port, 1 to 65535" % (name, value)]
    return []


def _kubectl(name, value):
    if not value or validate.one_line(value) or " " in value:
        return ["%s is %s: give the kubectl binary (a name on PATH or an absolute path)"
                % (name, validate.describe(value))]
    return []


def _access(reader, s, problems, contact):
    """The console access settings; ``s["forward"]``: the port-forward to start (None for ingress) and
    ``s["connect_url"]``: the URL the modules call (the loopback end of the tunnel, or the console URL)."""
    before = len(problems)
    s["console_access"] = reader.read(PREFIX + "console_access", validate.to_choice, ACCESS)
    s["namespace"] = reader.read(PREFIX + "namespace", validate.to_str, check=validate.check_dns_label)
    s["front_service"] = reader.read(PREFIX + "front_service", validate.to_str, check=validate.check_dns_label)
    s["front_port"] = reader.read(PREFIX + "front_port", validate.to_int, check=_port)
    s["local_port"] = reader.read(PREFIX + "local_port", validate.to_int, check=_port)
    s["port_forward_seconds"] = reader.read(PREFIX + "port_forward_seconds", validate.to_int)
    s["kubectl"] = reader.read(PREFIX + "kubectl", validate.to_str, check=_kubectl)
    s["kubeconfig"] = reader.read(PREFIX + "kubeconfig", validate.to_str)
    s["kube_context"] = reader.read(PREFIX + "kube_context", validate.to_str)
    s["forward"] = None
    s["connect_url"] = s["console_url"]
    if s["console_access"] != "port_forward":
        return
    if s["port_forward_seconds"] is not None and s["port_forward_seconds"] < 60:
        problems.append("%sport_forward_seconds is %d: give the seconds the port-forward may live, 60 or more (the "
                        "whole bootstrap, plugin install included, runs through it)" % (PREFIX, s["port_forward_seconds"]))
    if s["kubeconfig"] is not None:
        if not s["kubeconfig"]:
            # Render mode starts no port-forward (Dify is not contacted): the lab and a review render have none.
            if contact:
                problems.append("%skubeconfig is empty: %sconsole_access port_forward starts `kubectl port-forward` "
                                "to Dify's nginx front Service and needs the cluster's kubeconfig; set "
                                "privateai_kubeconfig (or %skubeconfig) to it, or set %sconsole_access to ingress"
                                % ((PREFIX,) * 4))
        elif validate.one_line(s["kubeconfig"]):
            problems.append("%skubeconfig %r is not one line; give the kubeconfig file's path" % (PREFIX, s["kubeconfig"]))
        elif contact and not os.path.isfile(s["kubeconfig"]):
            problems.append("%skubeconfig %r is not a file; set privateai_kubeconfig (or %skubeconfig) to the "
                            "cluster's kubeconfig" % (PREFIX, s["kubeconfig"], PREFIX))
    if s["kube_context"] and validate.one_line(s["kube_context"]):
        problems.append("%skube_context %r is not one line; give a context name of the kubeconfig"
                        % (PREFIX, s["kube_context"]))
    if len(problems) > before:
        return  # no port-forward from a bad setting (the role stops on the problems anyway)
    s["connect_url"] = "http://%s:%d" % (LOOPBACK, s["local_port"])
    s["forward"] = {"name": "dify-console", "namespace": s["namespace"], "service": s["front_service"],
                    "local_port": s["local_port"], "remote_port": s["front_port"],
                    "seconds": s["port_forward_seconds"]}


def bootstrap_inputs(settings, mode="apply"):
    """``{enabled, contact, problems, warnings, settings, models, defaults}`` from the role's variables."""
    reader = validate.Reader(settings)
    result = {"enabled": False, "contact": False, "problems": [], "warnings": [], "settings": {}, "models": [],
              "defaults": {}}
    if mode not in ("apply", "render"):
        reader.add(["privateai_k8s_mode is %s: give apply or render" % validate.describe(mode)])
    s = result["settings"]
    s["enabled"] = reader.read(PREFIX + "enabled", validate.to_bool)
    for key in ("console_url", "admin_email", "admin_name", "init_password_file", "admin_password_file",
                "ca_path", "plugin_package", "api_key_file", "default_llm", "default_embedding", "default_rerank",
                "smoke_app_name", "smoke_query"):
        s[key] = reader.read(PREFIX + key, validate.to_str)
    for key in ("validate_certs", "validate_models", "smoke"):
        s[key] = reader.read(PREFIX + key, validate.to_bool)
    for key in ("timeout", "plugin_task_timeout"):
        s[key] = reader.read(PREFIX + key, validate.to_int)
    raw_models = reader.read(PREFIX + "models", validate.to_list)
    result["enabled"] = bool(s["enabled"])
    if not s["enabled"]:
        result["problems"] = reader.problems
        return result
    problems = reader.problems
    _access(reader, s, problems, mode == "apply")
    # Through a port-forward the console URL is only what outputs name (it may be empty without dify_outputs).
    if s["console_url"] is not None and (s["console_access"] != "port_forward" or s["console_url"]):
        dify_console.check_console_url(PREFIX + "console_url", s["console_url"], problems)
    if s["admin_email"] is not None:
        dify_console.check_email(PREFIX + "admin_email", s["admin_email"], problems)
    if s["admin_name"] is not None and not (0 < len(s["admin_name"].strip()) and len(s["admin_name"]) <= 30):
        problems.append("%sadmin_name %r is empty or longer than 30 characters (Dify's limit); set it to a short "
                        "display name" % (PREFIX, s["admin_name"]))
    for key in ("timeout", "plugin_task_timeout"):
        if s[key] is not None and s[key] < 1:
            problems.append("%s%s is %r: give a positive number of seconds" % (PREFIX, key, s[key]))
    if s["plugin_package"]:
        if not os.path.isfile(s["plugin_package"]):
            problems.append("%splugin_package %r is not a file; set it to the offline .difypkg of "
                            "langgenius/openai_api_compatible on the control host (docs/dify-bootstrap.md), or to "
                            "'' when the plugin is installed already" % (PREFIX, s["plugin_package"]))
        elif not s["plugin_package"].endswith(".difypkg"):
            problems.append("%splugin_package %r is not a .difypkg file; give the plugin package Dify's "
                            "marketplace or the repackaging tool writes" % (PREFIX, s["plugin_package"]))
    else:
        result["warnings"].append("%splugin_package is empty: the provider plugin langgenius/openai_api_compatible "
                                  "must be installed in Dify already" % PREFIX)
    if s["ca_path"] and not os.path.isfile(s["ca_path"]):
        problems.append("%sca_path %r is not a file; set it to the internal CA bundle (PEM) or ''"
                        % (PREFIX, s["ca_path"]))
    models = []
    for index, value in enumerate(raw_models or []):
        model = _model("%smodels[%d]" % (PREFIX, index), value, problems)
        if model is not None:
            problems.extend(p.replace("models[0]", "%smodels[%d]" % (PREFIX, index), 1)
                            for p in dify_console.check_models([model]))
            models.append(model)
    names = [m["name"] for m in models]
    problems.extend("%smodels has %r more than once; give each model once" % (PREFIX, name)
                    for name in sorted(set(n for n in names if names.count(n) > 1)))
    if raw_models == []:
        result["warnings"].append("%smodels is empty (model_serving_outputs has no models): Dify gets no model "
                                  "provider, no defaults and no smoke test" % PREFIX)
    result["models"] = models
    names = dict((kind, [m["name"] for m in models if m["kind"] == kind]) for kind in KINDS)
    for key, kind, model_type in (("default_llm", "chat", "llm"), ("default_embedding", "embedding", "text-embedding"),
                                  ("default_rerank", "rerank", "rerank")):
        chosen = s[key] or (names[kind][0] if names[kind] else None)
        if s[key] and s[key] not in names[kind]:
            problems.append("%s%s %r is not a %s model of %smodels (%s); set it to one of them or ''"
                            % (PREFIX, key, s[key], kind, PREFIX, ", ".join(names[kind]) or "none"))
        if chosen:
            result["defaults"][model_type] = chosen
    if s["smoke"] and s["smoke_app_name"] is not None and not s["smoke_app_name"].strip():
        problems.append("%ssmoke_app_name is empty; set it to a short app name, for example privateai-smoke" % PREFIX)
    if s["smoke"] and s["smoke_query"] is not None and not s["smoke_query"].strip():
        problems.append("%ssmoke_query is empty; set it to a short question" % PREFIX)
    result["contact"] = mode == "apply"
    if result["contact"]:
        if s["admin_password_file"] is not None:
            _secret_file(PREFIX + "admin_password_file", s["admin_password_file"], problems, _admin_password_rule)
        if s["init_password_file"]:
            _secret_file(PREFIX + "init_password_file", s["init_password_file"], problems, _init_password_rule)
        if models and not s["api_key_file"]:
            result["warnings"].append("%sapi_key_file is empty: the models are registered without an API key"
                                      % PREFIX)
        elif models and not os.path.isfile(s["api_key_file"]):
            problems.append("%sapi_key_file %r is not a file; run the model serving stage in apply mode first (it "
                            "writes the key) or set it to the file holding the endpoint's API key"
                            % (PREFIX, s["api_key_file"]))
    result["problems"] = problems
    return result
