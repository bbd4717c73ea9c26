# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AWX as code (playbooks/awx_configure.yml): the parameters of every awx.awx module call, built as data from the
one stage list (playbooks/vars/stages.yml): credential types, project, one job template per stage, the workflow in
site order, surveys, notifications."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.privateai.deepseek_dify.plugins.module_utils.serving_catalog import MODELS

NAME_RE = re.compile(r"^[^\x00-\x1f]{1,200}$")
DRIVER_RE = r"^([0-9]{3}([.][0-9]+){1,2})?$"

# Kept literally by AWX (it renders injectors with its own Jinja, not Ansible's).
KUBECONFIG_TYPE = {
    "name": "privateai Kubernetes kubeconfig",
    "description": "A kubeconfig for the Kubernetes stages (privateai_kubeconfig)",
    "kind": "cloud",
    "inputs": {"fields": [{"id": "kubeconfig", "type": "string", "label": "kubeconfig (YAML)", "secret": True,
                           "multiline": True},
                          {"id": "context", "type": "string", "label": "Context (empty: the kubeconfig's current)"}],
               "required": ["kubeconfig"]},
    "injectors": {"file": {"template.kubeconfig": "{{ kubeconfig }}"},
                  "env": {"K8S_AUTH_KUBECONFIG": "{{ tower.filename.kubeconfig }}"},
                  "extra_vars": {"privateai_kubeconfig": "{{ tower.filename.kubeconfig }}",
                                 "privateai_kube_context": "{{ context }}"}},
}
VAULT_TYPE = {
    "name": "privateai HashiCorp Vault token",
    "description": "Address and token of the HashiCorp Vault the stages read secrets from (VAULT_ADDR, VAULT_TOKEN)",
    "kind": "cloud",
    "inputs": {"fields": [{"id": "vault_addr", "type": "string", "label": "Vault address (https://...)"},
                          {"id": "vault_token", "type": "string", "label": "Vault token", "secret": True}],
               "required": ["vault_addr", "vault_token"]},
    "injectors": {"env": {"VAULT_ADDR": "{{ vault_addr }}", "VAULT_TOKEN": "{{ vault_token }}"}},
}


def _check(problems, name, value, ok, what):
    if not ok:
        problems.append("%s is %r: %s" % (name, value, what))


def survey(kind):
    """The survey of a job template or the workflow: the model (model serving), the driver version (GPU node
    software). The limit is a launch prompt (ask_limit_on_launch), not a survey question."""
    questions = []
    if kind in ("model_serving", "workflow"):
        questions.append({"question_name": "Models to serve", "variable": "model_serving_models", "type": "multiselect",
                          "required": False, "choices": sorted(MODELS), "default": "",
                          "question_description": "Empty: the inventory's model_serving_models"})
    if kind in ("gpu_node_software", "workflow"):
        questions.append({"question_name": "NVIDIA driver version", "variable": "privateai_nvidia_driver_version",
                          "type": "text", "required": False, "default": "", "min": 0, "max": 32,
                          "question_description": "Exact version such as 580.95.05; empty: the newest of the branch"})
    if not questions:
        return None
    return {"name": "privateai %s" % kind, "description": "What an operator changes per run", "spec": questions}


def awx_objects(stages, settings):
    """{problems, credential_types, project, job_templates, workflow, notifications} for awx_configure.yml.

    settings: {organization, project, scm_url, scm_branch, inventory, execution_environment, credentials,
    notifications: [{name, type, configuration}], prefix}."""
    problems = []
    s = dict(settings or {})
    prefix = s.get("prefix") or "privateai"
    for key in ("organization", "project", "inventory", "scm_url"):
        value = s.get(key)
        _check(problems, "privateai_awx_%s" % key, value, isinstance(value, str) and NAME_RE.match(value or "") and value.strip(),
               "give a name of one line (1 to 200 characters)")
    scm = s.get("scm_url") or ""
    _check(problems, "privateai_awx_scm_url", scm,
           re.match(r"^(https://|ssh://|git@|file://)[^\s]+$", scm) is not None,
           "give the Git URL of this repository (https://, ssh://, git@ or file://)")
    notifications = []
    for index, note in enumerate(s.get("notifications") or []):
        if not isinstance(note, dict) or not note.get("name") or note.get("type") not in (
                "email", "grafana", "irc", "mattermost", "pagerduty", "rocketchat", "slack", "twilio", "webhook"):
            problems.append("privateai_awx_notifications[%d] is %r: give {name, type (email, slack, webhook, ...), "
                            "configuration}" % (index, note))
            continue
        notifications.append({"name": note["name"], "organization": s.get("organization"),
                              "notification_type": note["type"],
                              "notification_configuration": note.get("configuration") or {}})
    credentials = list(s.get("credentials") or [])
    ee = s.get("execution_environment") or None
    runs = ([{"name": "preflight", "title": "Preflight", "playbook": "preflight.yml"}] + list(stages or [])
            + [{"name": "run_report", "title": "Run report", "playbook": "run_report.yml"}])
    templates = []
    for stage in runs:
        spec = survey(stage["name"])
        templates.append({
            "name": "%s %s" % (prefix, stage.get("title") or stage["name"]),
            "description": "Stage %s: playbooks/%s" % (stage["name"], stage["playbook"]),
            "organization": s.get("organization"), "project": s.get("project"), "inventory": s.get("inventory"),
            "playbook": "playbooks/%s" % stage["playbook"], "job_type": "run",
            "execution_environment": ee, "credentials": credentials,
            "ask_limit_on_launch": True, "ask_variables_on_launch": True, "ask_job_type_on_launch": True,
            "survey_enabled": spec is not None, "survey_spec": spec or {},
            "stage": stage["name"],
        })
    # The workflow in site.yml order: each stage after the one before succeeded; the report after any failure
    # and at the end.
    nodes = []
    for index, template in enumerate(templates):
        node = {"identifier": template["stage"],
                "unified_job_template": {"name": template["name"], "type": "job_template",
                                         "organization": {"name": s.get("organization")}},
                "related": {}}
        if template["stage"] != "run_report":
            following = templates[index + 1]["stage"]
            node["related"]["success_nodes"] = [{"identifier": following}]
            if following != "run_report":
                node["related"]["failure_nodes"] = [{"identifier": "run_report"}]
        nodes.append(node)
    workflow = {"name": "%s site" % prefix, "description": "Every stage in site.yml order, then the run report",
                "organization": s.get("organization"), "inventory": s.get("inventory"),
                "ask_limit_on_launch": True, "ask_variables_on_launch": True,
                "survey_enabled": True, "survey_spec": survey("workflow"), "workflow_nodes": nodes,
                "notification_templates_error": [n["name"] for n in notifications],
                "notification_templates_success": [n["name"] for n in notifications]}
    project = {"name": s.get("project"), "organization": s.get("organization"), "scm_type": "git", "scm_url": scm,
               "scm_branch": s.get("scm_branch") or "main", "scm_update_on_launch": True}
    return {"problems": problems, "credential_types": [KUBECONFIG_TYPE, VAULT_TYPE], "project": project,
            "job_templates": templates, "workflow": workflow, "notifications": notifications}
