# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The security stage (roles/security) as rendered for the example inventories: the NetworkPolicies on disk,
evaluated as Kubernetes defines them against the flow table, with the serving pods' labels read from the serving
stage's own rendered objects."""

import os
import re
import subprocess
import sys

import pytest
import yaml

import chart_render
import checks
import fluent_bit_keys
from conftest import BIN, REPO, releases, rendered_files

sys.path.insert(0, os.path.join(REPO, "collections"))
sys.path.insert(0, os.path.join(REPO, "tests", "unit", "plugins", "plugin_utils"))

import netpol_eval as ne  # noqa: E402
import test_k8s_security as unit  # noqa: E402  (the flow tables)

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_security  # noqa: E402

INVENTORIES = ("prod", "prod-h100x8", "h200x8-single")
# The example inventories name an OIDC issuer: the model API goes through the serving namespace's waypoint.
NEEDED = unit.NEEDED + unit.OIDC_NEEDED
DENIED = unit.DENIED + unit.OIDC_DENIED


def tables(policies):
    """(needed, denied) for one render: the tables above plus the platform namespaces' (unit.PLATFORM_NEEDED,
    unit.PLATFORM_DENIED) whose platform pods run in a namespace that render default-denies (a stage that is off or
    a LeaderWorkerSet/KEDA the inventory does not need renders no policy there)."""
    denied_ns = set(p["metadata"]["namespace"] for p in policies if p["metadata"]["name"] == "privateai-default-deny")

    def runs(row):
        return all(end.get("namespace") in denied_ns for end in row[1:3]
                   if "namespace" in end and end["namespace"] in unit.PLATFORM_NAMESPACES)
    return (NEEDED + [row for row in unit.PLATFORM_NEEDED if runs(row)],
            DENIED + [row for row in unit.PLATFORM_DENIED if runs(row)])


def objects(render_dir, stage):
    out = []
    for path in rendered_files(os.path.join(render_dir, stage), "manifests"):
        out += checks.load_documents(path)
    return out


def serving_pods(render_dir):
    """The engine pods' labels (Deployment template, LeaderWorkerSet leader and worker templates) as rendered."""
    pods = []
    for obj in objects(render_dir, "model_serving"):
        namespace = obj["metadata"].get("namespace")
        if obj["kind"] == "Deployment":
            pods.append(ne.pod(namespace, obj["spec"]["template"]["metadata"]["labels"], obj["metadata"]["name"]))
        elif obj["kind"] == "LeaderWorkerSet":
            template = obj["spec"]["leaderWorkerTemplate"]
            for part in ("leaderTemplate", "workerTemplate"):
                pods.append(ne.pod(namespace, template[part]["metadata"]["labels"], obj["metadata"]["name"] + " " + part))
        elif obj["kind"] == "Job":
            pods.append(ne.pod(namespace, obj["spec"]["template"]["metadata"]["labels"], obj["metadata"]["name"]))
    return pods


@pytest.mark.parametrize("name", INVENTORIES)
def test_rendered_policies_meet_the_flow_table(renders, name):
    policies = [o for o in objects(renders[name], "security") if o["kind"] == "NetworkPolicy"]
    assert policies, "no NetworkPolicy rendered for %s" % name
    needed, denied = tables(policies)
    assert len(needed) > len(NEEDED) + 40
    assert ne.table_failures(policies, needed, denied) == []


@pytest.mark.parametrize("name", INVENTORIES)
def test_every_rendered_serving_pod_reaches_dify_and_is_cut_off_from_the_internet(renders, name):
    policies = [o for o in objects(renders[name], "security") if o["kind"] == "NetworkPolicy"]
    pods = serving_pods(renders[name])
    engines = [p for p in pods if p["labels"].get("app.kubernetes.io/component") != "weights"]
    assert engines, "the serving stage rendered no engine for %s" % name
    failures = []
    for pod in engines:
        if not ne.allowed(policies, unit.API, pod, 8000):
            failures.append("Dify api -> %s denied" % pod["name"])
        if ne.allowed(policies, pod, unit.INTERNET, 443):
            failures.append("%s -> internet allowed" % pod["name"])
    for pod in [p for p in pods if p["labels"].get("app.kubernetes.io/component") == "weights"]:
        if not ne.allowed(policies, pod, unit.RGW, unit.RGW_PORT):
            failures.append("%s -> object store denied" % pod["name"])
        if ne.allowed(policies, pod, unit.INTERNET, 443):
            failures.append("%s -> internet allowed" % pod["name"])
    assert failures == []


def test_removing_any_rendered_policy_breaks_the_table(renders):
    render_dir = renders["prod-h100x8"]
    paths = [p for p in rendered_files(os.path.join(render_dir, "security"), "manifests")
             if checks.load_documents(p)[0]["kind"] == "NetworkPolicy"]
    policies = [checks.load_documents(p)[0] for p in paths]
    needed, denied = tables(policies)
    assert ne.table_failures(policies, needed, denied) == []
    unneeded = [os.path.basename(path) for index, path in enumerate(paths)
                if not ne.table_failures(policies[:index] + policies[index + 1:], needed, denied)]
    assert unneeded == []


def test_bad_input_stops_the_playbook_before_anything_is_rendered(tmp_path):
    render_dir = str(tmp_path / "render")
    command = [os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, "playbooks", "security.yml"),
               "-i", os.path.join(REPO, "inventories", "prod"), "-e", "privateai_k8s_mode=render",
               "-e", "privateai_render_dir=" + render_dir,
               "-e", '{"security_api_server_cidrs": [], "security_tenant_namespaces": ["serving"]}']
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "security: 2 problem(s)" in output, output[-3000:]
    assert "security_api_server_cidrs is empty" in output
    assert "security_tenant_namespaces names 'serving'" in output
    assert not os.path.exists(render_dir), "files were rendered although the input was refused"


def _release_objects(render_dir, chart):
    found = [(r, v) for stage, r, v in releases(render_dir) if stage == "security" and r["chart"] == chart]
    assert len(found) == 1, found
    return chart_render.render_release(*found[0])


def test_oauth2_proxy_reads_our_secret_and_keeps_none_in_its_values(renders):
    objects = _release_objects(renders["prod"], "oauth2-proxy")
    assert not [o for o in objects if o["kind"] == "Secret"], "the chart rendered its own Secret from values"
    deployment = [o for o in objects if o["kind"] == "Deployment"][0]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    refs = dict((e["name"], e["valueFrom"]["secretKeyRef"]) for e in container["env"] if "valueFrom" in e
                and "secretKeyRef" in e["valueFrom"])
    assert refs["OAUTH2_PROXY_CLIENT_SECRET"]["name"] == "oauth2-proxy-credentials"
    assert refs["OAUTH2_PROXY_COOKIE_SECRET"]["name"] == "oauth2-proxy-credentials"
    assert "--oidc-issuer-url=https://keycloak.example.internal/realms/privateai" in container["args"]
    assert container["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_istiod_runs_ambient_with_the_plugged_in_ca(renders):
    objects = _release_objects(renders["prod"], "istiod")
    deployment = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "istiod"][0]
    volumes = dict((v["name"], v) for v in deployment["spec"]["template"]["spec"]["volumes"])
    assert volumes["cacerts"]["secret"]["secretName"] == "cacerts"
    env = dict((e["name"], e.get("value")) for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"])
    assert env["PILOT_ENABLE_AMBIENT"] == "true"
    assert env["DEFAULT_WORKLOAD_CERT_TTL"] == "24h"
    ztunnel = _release_objects(renders["prod"], "ztunnel")
    assert [o for o in ztunnel if o["kind"] == "DaemonSet"], "the ztunnel chart rendered no DaemonSet"


def _role_defaults(role):
    with open(os.path.join(REPO, "roles", role, "defaults", "main.yml")) as handle:
        values = yaml.safe_load(handle)
    return dict((k, v) for k, v in values.items() if k in k8s_security.STACK_IMAGE_VARIABLES and "{{" not in str(v))


def _image_fields(node, out):
    """Image references custom resources carry (CephCluster's Ceph image): any 'image' field naming a registry."""
    if isinstance(node, dict):
        for key, value in node.items():
            # image: CephCluster's Ceph image; imageName: CloudNativePG Cluster's PostgreSQL image.
            if key in ("image", "imageName") and isinstance(value, str) and "." in value.split("/", 1)[0] and "/" in value:
                out.add(value)
            else:
                _image_fields(value, out)
    elif isinstance(node, list):
        for item in node:
            _image_fields(item, out)


def _images(objects):
    out = set()
    for obj in objects:
        _image_fields(obj.get("spec"), out)
    for obj in objects:
        spec = obj.get("spec") or {}
        for template in (spec.get("template"), (spec.get("jobTemplate") or {}).get("spec", {}).get("template"), {"spec": spec}):
            pod = (template or {}).get("spec") or {}
            for field in ("containers", "initContainers"):
                for container in pod.get(field) or []:
                    if isinstance(container, dict) and isinstance(container.get("image"), str):
                        out.add(container["image"])
    return out


def _vap_prefixes(policy):
    return re.findall(r"'([^']+)'", policy["spec"]["validations"][0]["expression"])


def test_image_allowlist_admits_every_image_the_stages_render_through_their_charts(renders):
    """The allowlist built from the stages' image variables (what the bad-input check compares with) admits every
    image the real charts and manifests of a render run; one registry short and the check names what it would block."""
    render_dir = renders["prod-h100x8"]
    rendered = set()
    for stage, release, values in releases(render_dir):
        rendered |= _images(chart_render.render_release(release, values))
    for stage in os.listdir(render_dir):
        rendered |= _images(objects(render_dir, stage))
    stack = {}
    for role in ("gpu_operator", "network_operator", "cert_manager", "model_serving", "rook_ceph", "cloudnative_pg", "dify",
                 "observability", "backup"):
        stack.update(_role_defaults(role))
    settings = dict(unit.defaults(), **unit.OIDC)
    # A full image reference (docker.io/vllm/vllm-openai:v0.11.0) is admitted by its repository's parent path.
    prefixes = sorted(set(item["image"] if item["kind"] == "registry" else item["image"].rsplit("/", 1)[0]
                          for item in k8s_security.stack_images(stack, settings)))
    result = k8s_security.security_stage(dict(settings, security_image_registries=prefixes),
                                         stack_images=k8s_security.stack_images(stack, settings))
    assert result["problems"] == []
    policy = [m["definition"] for m in result["stage"]["manifests"]
              if m["definition"]["kind"] == "ValidatingAdmissionPolicy"][0]
    assert checks.validate_manifest(policy) == []
    admitted = _vap_prefixes(policy)
    # Images the charts pull that are not ours to mirror list: none may be outside the allowlist.
    refused = sorted(i for i in rendered if not any(i.startswith(p) for p in admitted))
    assert refused == [], "images the stages run that the policy would refuse: %s" % refused
    # The Dify and CloudNativePG stages' images are among those rendered and checked.
    assert [i for i in rendered if i.startswith("docker.io/langgenius/")] and \
        [i for i in rendered if i.startswith("ghcr.io/cloudnative-pg/postgresql:")]
    without_dify = [p for p in prefixes if p != "docker.io/langgenius"]
    short = k8s_security.security_stage(dict(settings, security_image_registries=without_dify),
                                        stack_images=k8s_security.stack_images(stack, settings))
    assert any("docker.io/langgenius/dify-api:1.14.2 (dify_images.api)" in p for p in short["problems"]), short["problems"]
    without_istio = [p for p in prefixes if "istio" not in p]
    short = k8s_security.security_stage(dict(settings, security_image_registries=without_istio),
                                        stack_images=k8s_security.stack_images(stack, settings))
    assert any("would block the stack's own images: registry.istio.io/release (security_mesh_image_registry)" in p
               for p in short["problems"]), short["problems"]


def test_secret_sentinels_appear_only_in_the_secret_file(tmp_path):
    """A render that writes secrets (privateai_render_secrets), with known sentinel values for the OIDC client secret
    and the cookie secret, run verbose: Ansible's output and every rendered file but the Secret hold neither."""
    client, cookie = "SENTINEL-OIDC-CLIENT-7f3a9c", "SENTINELCOOKIE0123456789abcdefgh"
    cookie_file = tmp_path / "credentials" / "oauth2-proxy-cookie-secret"
    cookie_file.parent.mkdir()
    cookie_file.write_text(cookie + "\n")
    cookie_file.chmod(0o600)
    render_dir = str(tmp_path / "render")
    command = [os.path.join(BIN, "ansible-playbook"), "-v", os.path.join(REPO, "playbooks", "security.yml"),
               "-i", os.path.join(REPO, "inventories", "prod"), "-e", "privateai_k8s_mode=render",
               "-e", "privateai_render_secrets=true", "-e", "privateai_render_dir=" + render_dir,
               "-e", "security_oauth2_proxy_cookie_secret_file=%s" % cookie_file,
               "-e", "security_oidc_client_secret=%s" % client]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert client not in output and cookie not in output
    holders = []
    for base, _dirs, files in os.walk(render_dir):
        for name in files:
            path = os.path.join(base, name)
            with open(path) as handle:
                text = handle.read()
            if client in text or cookie in text:
                holders.append((os.path.relpath(path, render_dir), oct(os.stat(path).st_mode & 0o777)))
    assert holders == [("security/manifests/09-secret-oauth2-proxy-credentials.yaml", "0o600")]
    assert oct(cookie_file.stat().st_mode & 0o777) == "0o600"


def test_fluent_bit_config_through_the_real_chart_against_the_documented_keys():
    """Fluent Bit's configuration as the chart writes it into its ConfigMap, checked against the keys the Fluent Bit
    manual documents (tests/k8s/fluent_bit_keys.py: no Fluent Bit build is available here to load it)."""
    sink = {"type": "opensearch", "host": "siem.example.internal", "port": 9200, "user": "shipper",
            "password_secret": "siem-shipper", "ca_secret": "siem-ca"}
    for the_sink in (sink, {"type": "syslog", "host": "10.1.2.3", "port": 6514}):
        result = k8s_security.security_stage(dict(unit.defaults(), security_audit_sink=the_sink,
                                                  security_audit_sink_cidrs=["10.1.2.0/24"]))
        assert result["problems"] == []
        release = [r for r in result["stage"]["releases"] if r["chart"] == "fluent-bit"][0]
        objects, problems = chart_render.render_and_validate(release, release["values"])
        assert problems == []
        assert checks.check_values_keys("fluent-bit", release["values"], os.path.join(checks.CHART_VALUES, "fluent-bit"),
                                        checks.load_allowlist()) == []
        config = [o for o in objects if o["kind"] == "ConfigMap" and "fluent-bit.conf" in o.get("data", {})][0]
        text = config["data"]["fluent-bit.conf"]
        assert fluent_bit_keys.problems(text) == []
        assert "storage.total_limit_size 10G" in " ".join(text.split())
        daemonset = [o for o in objects if o["kind"] == "DaemonSet"][0]
        pod = daemonset["spec"]["template"]["spec"]
        assert {"name": "buffer", "mountPath": "/var/lib/fluent-bit"} in pod["containers"][0]["volumeMounts"]
        assert any(t.get("key") == "node-role.kubernetes.io/control-plane" for t in pod.get("tolerations", []))


def test_the_documented_key_check_catches_a_misspelt_key():
    assert fluent_bit_keys.problems("[OUTPUT]\n    Name opensearch\n    Hots x\n") == [
        "[OUTPUT] opensearch: key hots is not documented for it"]
    assert fluent_bit_keys.problems("[OUTPUT]\n    Name syslog\n    Mode ssl\n")
