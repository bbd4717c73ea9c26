# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Dify stage (roles cloudnative_pg and dify) as rendered for the example inventories and the lab, through the
real pinned charts (dify 0.37.0, cloudnative-pg 0.29.0): values keys against the charts and dify's values.schema.json,
every object valid (core kinds against Kubernetes, CloudNativePG and ObjectBucketClaim resources against their CRD
schemas), what our values switch on read from the rendered objects, deterministic and changed=0 on a rerun; bad input
stops the playbook before anything is rendered or generated; credentials generated once, 0600, never logged."""

import base64
import json
import os
import subprocess

import pytest

import chart_render
import checks
from conftest import BIN, REPO, releases, rendered_files, run_one_playbook, tree

INVENTORIES = ("prod", "prod-h100x8", "h200x8-single")


def _dify_release(render_dir, chart="dify"):
    found = [(r, v) for _stage, r, v in releases(render_dir) if r["chart"] == chart]
    assert len(found) == 1, found
    return found[0]


def _manifests(render_dir, kind=None):
    docs = [checks.load_documents(p)[0] for p in rendered_files(os.path.join(render_dir, "dify"), "manifests")]
    return [d for d in docs if kind is None or d["kind"] == kind]


def _run(inventory, render_dir, *extra):
    return run_one_playbook("playbooks/dify.yml", inventory, render_dir, *extra)


def _env(container):
    return dict((e["name"], e.get("value", e.get("valueFrom"))) for e in container.get("env", []))


@pytest.mark.parametrize("name", INVENTORIES)
def test_dify_and_cnpg_render_through_the_real_charts(renders, name):
    render_dir = renders[name]
    problems = []
    for chart in ("dify", "cloudnative-pg"):
        release, values = _dify_release(render_dir, chart)
        folder = checks.chart_folder(chart)
        # Values keys against values.yaml and values.schema.json (dify ships one), then the real render.
        problems += checks.check_values_keys(folder, values, os.path.join(checks.CHART_VALUES, folder),
                                             checks.load_allowlist())
        problems += chart_render.render_and_validate(release, values)[1]
    assert problems == []


@pytest.mark.parametrize("name", INVENTORIES)
def test_what_our_values_switch_on_reaches_the_objects(renders, name):
    release, values = _dify_release(renders[name])
    objects = chart_render.render_release(release, values)
    by = dict(((o["kind"], o["metadata"]["name"]), o) for o in objects)
    # No Bitnami subchart: no StatefulSet of the chart at all (Redis and PostgreSQL are ours), pgvector by default.
    assert not [o for o in objects if o["kind"] == "StatefulSet"]
    # Every pod template the chart renders (Deployments and its `helm test` Jobs): no Bitnami image, no :latest.
    images = [c["image"] for o in objects if o["kind"] in ("Deployment", "Job")
              for c in o["spec"]["template"]["spec"]["containers"]]
    assert len(images) >= 10 and not [i for i in images if "bitnami" in i or i.endswith(":latest")], images
    # The example inventories put the console behind oauth2-proxy (dify_console_auth_enabled): the chart renders no
    # Ingress, the stage's own take the host (tests/k8s/test_console_auth.py routes them).
    assert not [o for o in objects if o["kind"] == "Ingress"]
    (ingress,) = [m for m in _manifests(renders[name], "Ingress") if m["metadata"]["name"] == "dify-console"]
    assert ingress["spec"]["tls"] == [{"hosts": ["dify.example.internal"], "secretName": "dify-tls"}]
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "privateai-ca"
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == "200m"
    for component in ("api", "worker"):
        hpa = by[("HorizontalPodAutoscaler", "dify-" + component)]["spec"]
        assert hpa["metrics"][0]["resource"]["target"]["averageUtilization"] == 70 and hpa["minReplicas"] == 2
    api = by[("Deployment", "dify-api")]["spec"]["template"]["spec"]["containers"][0]
    env = _env(api)
    assert env["SECRET_KEY"] == {"secretKeyRef": {"name": "dify-credentials", "key": "SECRET_KEY"}}
    assert env["DB_PASSWORD"] == {"secretKeyRef": {"name": "dify-pg-db-app", "key": "password"}}
    assert api["resources"]["requests"] == {"cpu": "1", "memory": "2Gi"}
    daemon = by[("Deployment", "dify-plugin-daemon")]["spec"]["template"]["spec"]
    assert daemon["shareProcessNamespace"] is True
    denv = _env(daemon["containers"][0])
    assert denv["DIFY_INNER_API_KEY"] == env["INNER_API_KEY_FOR_PLUGIN"]
    assert denv["MAX_PLUGIN_PACKAGE_SIZE"] == env["PLUGIN_MAX_PACKAGE_SIZE"] == str(200 * 1024 * 1024)
    config = by[("ConfigMap", "dify-api")]["data"]
    assert config["MARKETPLACE_ENABLED"] == "false" and config["MIGRATION_ENABLED"] == "true"
    assert config["VECTOR_STORE"] == "pgvector" and config["STORAGE_TYPE"] == "s3"
    assert config["CONSOLE_API_URL"] == config["FILES_URL"] == "https://dify.example.internal"
    assert config["DB_HOST"] == "dify-pg-rw" and config["REDIS_HOST"] == "dify-redis"
    # The chart's own Secrets hold placeholders only: the values file carries no secret.
    secret = by[("Secret", "dify-api")]["data"]
    assert base64.b64decode(secret["SECRET_KEY"]).decode().startswith("privateai-placeholder")
    squid = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "dify-ssrf-proxy"][0]
    mounts = squid["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert {"name": "privateai-allow", "mountPath": "/etc/squid/conf.d/privateai.conf", "subPath": "privateai.conf",
            "readOnly": True} in mounts


@pytest.mark.parametrize("name", INVENTORIES)
def test_database_redis_and_buckets_are_valid_custom_resources(renders, name):
    render_dir = renders[name]
    (cluster,) = _manifests(render_dir, "Cluster")
    assert checks.is_custom_resource(cluster) and checks.validate_manifest(cluster) == []
    spec = cluster["spec"]
    assert spec["instances"] == 3 and spec["storage"]["storageClass"] == "ceph-block"
    assert spec["backup"]["barmanObjectStore"]["destinationPath"] == "s3://dify-pg-backup/"
    assert spec["backup"]["barmanObjectStore"]["endpointURL"] == "http://rook-ceph-rgw-ceph-objectstore.rook-ceph.svc:80"
    claims = _manifests(render_dir, "ObjectBucketClaim")
    assert sorted(c["spec"]["bucketName"] for c in claims) == ["dify-files", "dify-pg-backup"]
    assert all(checks.validate_manifest(c) == [] and c["spec"]["storageClassName"] == "ceph-bucket" for c in claims)
    databases = dict((d["spec"]["name"], d) for d in _manifests(render_dir, "Database"))
    assert databases["dify"]["spec"]["extensions"] == [{"name": "vector", "ensure": "present"}]
    assert sorted(databases) == ["dify", "dify_plugin"]
    (backup,) = _manifests(render_dir, "ScheduledBackup")
    assert checks.validate_manifest(backup) == [] and backup["spec"]["method"] == "barmanObjectStore"
    (redis,) = _manifests(render_dir, "StatefulSet")
    assert redis["spec"]["template"]["spec"]["containers"][0]["image"] == "docker.io/valkey/valkey:8.1.1"
    assert {p["metadata"]["name"] for p in _manifests(render_dir, "PodDisruptionBudget")} == {
        "dify-api", "dify-worker", "dify-web", "dify-proxy"}
    # Secrets are not rendered in render mode without privateai_render_secrets.
    assert _manifests(render_dir, "Secret") == []


def test_variant_mirror_reaches_every_image(tmp_path):
    """A mirror and a pull secret: every Dify, Redis, PostgreSQL and operator image from it."""
    render_dir = str(tmp_path / "render")
    mirror = "registry.example.internal:5000"
    result = _run("prod", render_dir, {"dify_image_registry": mirror, "dify_image_pull_secrets": ["mirror-login"],
                                       "cloudnative_pg_image_registry": mirror, "dify_vector_store": "weaviate"})
    assert result.returncode == 0, result.stdout[-3000:]
    images = []
    for chart in ("dify", "cloudnative-pg"):
        release, values = _dify_release(render_dir, chart)
        objects, problems = chart_render.render_and_validate(release, values)
        assert problems == []
        for obj in objects:
            pod = (obj.get("spec") or {}).get("template", {}).get("spec")
            if pod:
                images += [c["image"] for c in pod.get("containers", []) + pod.get("initContainers", [])]
    images += [_manifests(render_dir, "Cluster")[0]["spec"]["imageName"],
               _manifests(render_dir, "StatefulSet")[0]["spec"]["template"]["spec"]["containers"][0]["image"]]
    assert len(images) >= 10 and [i for i in images if not i.startswith(mirror + "/")] == []


def test_lab_renders_the_stage_with_changed_0_on_the_second_run(tmp_path):
    render_dir = str(tmp_path / "render")
    first = _run("lab", render_dir)
    assert first.returncode == 0, first.stdout[-3000:]
    files = tree(render_dir)
    assert "dify/helm/dify.values.yaml" in files and "cloudnative_pg/helm/cnpg.values.yaml" in files
    # The lab has no OIDC issuer: the console front is off and the chart's Ingress takes the host.
    release, values = _dify_release(render_dir)
    assert values["ingress"]["enabled"] is True and _manifests(render_dir, "Ingress") == []
    second = _run("lab", render_dir)
    assert second.returncode == 0 and "changed=0" in second.stdout, second.stdout[-3000:]
    assert tree(render_dir) == files


def test_credentials_generated_once_0600_written_on_request_never_logged(tmp_path):
    render_dir = str(tmp_path / "render")
    credentials = render_dir + ".dify-credentials"  # conftest points dify_credentials_dir beside the render
    result = _run("h200x8-single", render_dir)
    assert result.returncode == 0, result.stdout[-3000:]
    assert not os.path.exists(credentials), "credentials generated in render mode without privateai_render_secrets"
    seen = None
    for run in (1, 2):
        result = _run("h200x8-single", render_dir, "privateai_render_secrets=true")
        assert result.returncode == 0, result.stdout[-3000:]
        files = dict((name, open(os.path.join(credentials, name)).read().strip()) for name in os.listdir(credentials))
        assert sorted(files) == ["admin-password", "db-password", "init-password", "inner-api-key", "plugin-daemon-key",
                                 "redis-password", "sandbox-key", "secret-key", "weaviate-api-key"]
        assert all(os.stat(os.path.join(credentials, n)).st_mode & 0o777 == 0o600 for n in files)
        manifests = os.path.join(render_dir, "dify", "manifests")
        secrets = [os.path.join(manifests, n) for n in os.listdir(manifests) if "-secret-" in n]
        assert len(secrets) == 2 and all(os.stat(p).st_mode & 0o777 == 0o600 for p in secrets)
        data = dict((doc["metadata"]["name"], doc["data"]) for doc in (checks.load_documents(p)[0] for p in secrets))
        assert base64.b64decode(data["dify-credentials"]["SECRET_KEY"]).decode() == files["secret-key"]
        assert base64.b64decode(data["dify-credentials"]["INIT_PASSWORD"]).decode() == files["init-password"]
        assert base64.b64decode(data["dify-pg-db-app"]["password"]).decode() == files["db-password"]
        for value in files.values():
            assert value not in result.stdout + result.stderr
        if run == 2:
            assert files == seen and "changed=0" in result.stdout, result.stdout[-3000:]
        seen = files


def test_bad_input_stops_before_anything_is_rendered_or_generated(tmp_path):
    """The issue's bad inputs at once: every one named in one failure, nothing rendered, no credential generated."""
    render_dir = str(tmp_path / "render")
    bad = {"dify_admin_email": "admin-at-example", "dify_admin_password": "onlyletters", "dify_vector_store": "milvus",
           "dify_postgres_mode": "external", "dify_postgres_external": {"port": 5432}, "dify_host": "dify_example",
           "dify_plugin_packages": [str(tmp_path / "openai_api_compatible-0.0.35.difypkg")],
           "dify_chart_archive": os.path.join(checks.SHARED, "charts", "dify-0.37.0.tgz"),
           "dify_values_extra": {"api": {"replica": 3}}}
    command = [os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, "playbooks", "dify.yml"),
               "-i", os.path.join(REPO, "inventories", "prod"), "-e", "privateai_k8s_mode=apply",
               "-e", "privateai_render_dir=" + render_dir, "-e", "dify_credentials_dir=%s.creds" % render_dir,
               "-e", json.dumps(bad)]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "dify: 8 problem(s)" in output, output[-4000:]
    for text in ("dify_admin_email is 'admin-at-example'", "dify_admin_password is not a password Dify accepts",
                 "dify_vector_store is 'milvus'", "dify_postgres_external.host is None",
                 "dify_postgres_external.password_secret is None", "dify_host is 'dify_example'",
                 "dify_plugin_packages[0] is '%s': no such file" % bad["dify_plugin_packages"][0],
                 "dify_values_extra: key api.replica is not a value of the chart"):
        assert text in output, text
    assert "onlyletters" not in output.replace("dify_admin_password is not", "")
    assert not os.path.exists(render_dir) and not os.path.exists(render_dir + ".creds")
