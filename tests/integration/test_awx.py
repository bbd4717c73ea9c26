"""AWX as code: the execution environment's build context, the job templates, workflow and surveys against the
awx.awx modules' own argument specs, and a clean stop naming the URL when AWX cannot be reached."""

import os
import shutil
import subprocess
import sys
from unittest import mock

import pytest
import yaml

from conftest import REPO, run_playbook

sys.path.insert(0, os.path.join(REPO, "collections"))

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator  # noqa: E402

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.awx_config import awx_objects  # noqa: E402

with open(os.path.join(REPO, "playbooks", "vars", "stages.yml")) as handle:
    STAGES = yaml.safe_load(handle)["privateai_stages"]
SETTINGS = {"organization": "Default", "project": "privateai", "scm_url": "https://git.example.org/privateai.git",
            "inventory": "prod", "execution_environment": "privateai EE", "credentials": ["prod kubeconfig"],
            "notifications": [{"name": "ops webhook", "type": "webhook",
                               "configuration": {"url": "https://hooks.example.org/x", "http_method": "POST",
                                                 "headers": {}}}]}


def module_spec(name):
    """The argument spec an awx.awx module builds in main() (ControllerAPIModule's own plus the module's)."""
    module = __import__("ansible_collections.awx.awx.plugins.modules.%s" % name, fromlist=["main"])
    from ansible_collections.awx.awx.plugins.module_utils.controller_api import ControllerModule

    class Captured(Exception):
        pass

    def capture(self, argument_spec=None, **kwargs):
        spec = dict(ControllerModule.AUTH_ARGSPEC)
        spec.update(argument_spec)
        raise Captured(spec)

    with mock.patch("ansible_collections.awx.awx.plugins.module_utils.controller_api.ControllerAPIModule.__init__", capture):
        with pytest.raises(Captured) as caught:
            module.main()
    return caught.value.args[0]


def validate(module, params):
    result = ArgumentSpecValidator(module_spec(module)).validate(dict(params))
    assert result.error_messages == [], "%s: %s" % (module, result.error_messages)


def playbook_keys(module):
    with open(os.path.join(REPO, "playbooks", "awx_configure.yml")) as handle:
        plays = yaml.safe_load(handle)
    return [set(task[module]) for task in plays[0]["tasks"] if module in task]


def test_every_object_passes_its_modules_argument_spec():
    objects = awx_objects(STAGES, SETTINGS)
    assert objects["problems"] == []
    names = [t["name"] for t in objects["job_templates"]]
    # one per stage, plus the preflight first and the report last
    assert len(names) == len(STAGES) + 2 and names[0] == "privateai Preflight" and names[-1] == "privateai Run report"
    for template in objects["job_templates"]:
        validate("job_template", dict((k, v) for k, v in template.items() if k != "stage"))
    validate("workflow_job_template", objects["workflow"])
    validate("project", objects["project"])
    for credential_type in objects["credential_types"]:
        validate("credential_type", credential_type)
    for note in objects["notifications"]:
        validate("notification_template", note)
    # the playbook passes only options the modules have
    for module in ("job_template", "workflow_job_template", "project", "credential_type", "notification_template"):
        spec = module_spec(module)
        for keys in playbook_keys("awx.awx." + module):
            assert keys <= set(spec), "%s: %s" % (module, keys - set(spec))


def test_the_workflow_runs_the_stages_in_site_order_and_the_report_after_any_failure():
    workflow = awx_objects(STAGES, SETTINGS)["workflow"]
    nodes = dict((n["identifier"], n) for n in workflow["workflow_nodes"])
    order, current = [], "preflight"
    while current:
        order.append(current)
        following = nodes[current]["related"].get("success_nodes") or []
        current = following[0]["identifier"] if following else None
    assert order == ["preflight"] + [s["name"] for s in STAGES] + ["run_report"]
    for name in order[:-2]:
        assert nodes[name]["related"]["failure_nodes"] == [{"identifier": "run_report"}], name
    assert workflow["notification_templates_error"] == ["ops webhook"]


SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


@pytest.mark.parametrize("template, variables", [
    ("privateai Model serving", ["model_serving_models"]),
    ("privateai GPU node software", ["privateai_nvidia_driver_version"]),
    ("privateai site", ["model_serving_models", "privateai_nvidia_driver_version"]),
    ("privateai Host baseline", []),
])
def test_surveys(template, variables):
    objects = awx_objects(STAGES, SETTINGS)
    found = [t for t in objects["job_templates"] + [objects["workflow"]] if t["name"] == template]
    assert len(found) == 1
    spec = found[0]["survey_spec"]
    assert found[0]["survey_enabled"] is bool(variables)
    assert found[0]["ask_limit_on_launch"] is True  # the limit is AWX's launch prompt
    assert [q["variable"] for q in (spec or {}).get("spec", [])] == variables
    for question in (spec or {}).get("spec", []):
        assert question["type"] in SURVEY_TYPES and question["question_name"]
        if question["type"] == "multiselect":
            assert "deepseek-ai/DeepSeek-R1" in question["choices"]


@pytest.mark.parametrize("settings, problem", [
    (dict(SETTINGS, scm_url="git.example.org/x"), "privateai_awx_scm_url is 'git.example.org/x'"),
    (dict(SETTINGS, organization=""), "privateai_awx_organization is ''"),
    (dict(SETTINGS, notifications=[{"name": "x", "type": "carrier pigeon"}]), "privateai_awx_notifications[0]"),
])
def test_bad_settings_are_named(settings, problem):
    assert any(p.startswith(problem) for p in awx_objects(STAGES, settings)["problems"])


def test_ansible_builder_creates_the_build_context(tmp_path):
    builder = shutil.which("ansible-builder") or os.path.join(os.path.dirname(sys.executable), "ansible-builder")
    if not os.path.exists(builder):
        pytest.fail("ansible-builder is not installed: pip install -r test-requirements.txt")
    context = tmp_path / "ee"
    subprocess.run([builder, "create", "-f", os.path.join(REPO, "awx", "execution-environment.yml"), "-c", str(context)],
                   check=True, capture_output=True, text=True, cwd=REPO)
    containerfile = (context / "Containerfile").read_text()
    assert 'ARG EE_BASE_IMAGE="registry.access.redhat.com/ubi9/ubi:latest"' in containerfile
    assert "ENV PIP_INDEX_URL=$PIP_INDEX_URL" in containerfile
    requirements = (context / "_build" / "requirements.txt").read_text()
    assert "kubernetes" in requirements and "netaddr" in requirements
    assert "kubernetes.core" in (context / "_build" / "requirements.yml").read_text()
    assert "nvidia-ml-py" in (context / "_build" / "exclude-requirements.txt").read_text()


def test_check_mode_against_an_unreachable_awx_fails_naming_the_url(tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n")
    url = "https://127.0.0.1:9"
    result = run_playbook("playbooks/awx_configure.yml", inventory, "--check", "-e", "privateai_awx_host=" + url,
                          "-e", "privateai_awx_scm_url=https://git.example.org/privateai.git")
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 2, out[-2000:]
    assert "AWX at %s cannot be reached" % url in out
    # it stopped before any awx.awx module ran
    assert "Credential types" not in out and "Traceback" not in out
