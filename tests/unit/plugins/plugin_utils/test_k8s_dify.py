# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import sys

import pytest
import yaml

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_dify as kd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from role_defaults import role_settings  # noqa: E402  (the shared test helper)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
# What the role's templated defaults evaluate to without the storage and serving stages.
TEMPLATED = {"dify_tolerate_control_plane": False, "dify_tls_cluster_issuer": "privateai-ca",
             "dify_credentials_dir": "/srv/privateai/credentials/dify", "dify_postgres_storage_class": "ceph-block",
             "dify_bucket_storage_class": "ceph-bucket",
             "dify_object_store_endpoint": "http://rook-ceph-rgw-ceph-objectstore.rook-ceph.svc:80",
             "dify_model_serving_outputs": {}, "cloudnative_pg_tolerate_control_plane": False,
             "dify_console_auth_url": "http://oauth2-proxy.privateai-security.svc.cluster.local/oauth2/auth",
             "dify_admin_password": ""}
SERVING = {"namespace": "serving", "models": [
    {"name": "deepseek-r1", "served_name": "deepseek-r1", "kind": "chat",
     "base_url": "http://deepseek-r1.serving.svc:8000/v1", "max_model_len": 32768, "reasoning": True},
    {"name": "bge-m3", "served_name": "bge-m3", "kind": "embedding", "base_url": "http://bge-m3.serving.svc:8000/v1",
     "max_model_len": 8192, "reasoning": False}]}
SECRETS = dict((name, "TEST-DOUBLE-%s-1a" % name.replace("_", "-")) for name in kd.SECRET_NAMES)


def defaults(role="dify", **overrides):
    """roles/<role>/defaults/main.yml as the role passes it (templated defaults evaluated as TEMPLATED says)."""
    return role_settings(role, TEMPLATED, **overrides)


def stage(secrets=None, **overrides):
    result = kd.dify_stage(defaults(**overrides), secrets)
    assert result["problems"] == [], result["problems"]
    return result


def values(result):
    (release,) = result["stage"]["releases"]
    return release["values"]


def objects(result, kind):
    return [m["definition"] for m in result["stage"]["manifests"] if m["definition"]["kind"] == kind]


def env(entries):
    return dict((e["name"], e.get("value", e.get("valueFrom"))) for e in entries)


def test_defaults_build_the_stage_with_every_part():
    result = stage()
    kinds = [m["definition"]["kind"] for m in result["stage"]["manifests"]]
    assert kinds.count("Secret") == 2 and kinds.count("ObjectBucketClaim") == 2 and kinds.count("Database") == 2
    assert set(kinds) >= {"Namespace", "Cluster", "ScheduledBackup", "StatefulSet", "Service", "ConfigMap",
                          "PodDisruptionBudget"}
    v = values(result)
    assert v["postgresql"]["enabled"] is False and v["redis"]["enabled"] is False
    assert v["postgresql"]["image"] == {"registry": "ghcr.io", "repository": "cloudnative-pg/postgresql",
                                        "tag": "17.5-standard-bookworm"}
    assert v["externalPostgres"]["address"] == "dify-pg-rw" and v["externalRedis"]["host"] == "dify-redis"
    assert v["externalPgvector"]["enabled"] is True and v["weaviate"] == {"enabled": False}
    assert result["outputs"] == {
        "namespace": "dify", "console_url": "https://dify.example.internal",
        "api_url": "https://dify.example.internal/v1", "app_url": "https://dify.example.internal",
        "admin_email": "admin@example.internal", "admin_name": "Admin",
        "credentials_dir": "/srv/privateai/credentials/dify",
        "credentials_file": "/srv/privateai/credentials/dify/admin-password",
        "admin_password_file": "/srv/privateai/credentials/dify/admin-password",
        "init_password_file": "/srv/privateai/credentials/dify/init-password", "plugin_packages": [],
        "console_auth": False, "front_service": "dify", "front_port": 80}


def test_values_hold_no_secret_and_env_references_the_secrets():
    result = stage(SECRETS)
    text = yaml.safe_dump(values(result))
    for secret in SECRETS.values():
        assert secret not in text
    api = env(values(result)["api"]["extraEnv"])
    assert api["SECRET_KEY"] == {"secretKeyRef": {"name": "dify-credentials", "key": "SECRET_KEY"}}
    assert api["DB_PASSWORD"] == {"secretKeyRef": {"name": "dify-pg-db-app", "key": "password"}}
    assert api["S3_ACCESS_KEY"] == {"secretKeyRef": {"name": "dify-files", "key": "AWS_ACCESS_KEY_ID"}}
    assert api["CELERY_BROKER_URL"] == "redis://:$(REDIS_PASSWORD)@dify-redis:6379/1"
    assert api["INIT_PASSWORD"] == {"secretKeyRef": {"name": "dify-credentials", "key": "INIT_PASSWORD"}}
    daemon = env(values(result)["pluginDaemon"]["extraEnv"])
    # The inner API key must match across the API (INNER_API_KEY_FOR_PLUGIN) and the daemon (DIFY_INNER_API_KEY).
    assert daemon["DIFY_INNER_API_KEY"] == api["INNER_API_KEY_FOR_PLUGIN"]
    assert daemon["SERVER_KEY"] == api["PLUGIN_DAEMON_KEY"]
    (credentials,) = [s for s in objects(result, "Secret") if s["metadata"]["name"] == "dify-credentials"]
    assert base64.b64decode(credentials["data"]["SECRET_KEY"]).decode() == SECRETS["secret_key"]


def test_without_secrets_the_secrets_hold_marked_placeholders():
    result = stage()
    for secret in objects(result, "Secret"):
        decoded = [base64.b64decode(value).decode() for key, value in secret["data"].items() if key != "username"]
        assert set(decoded) == {kd.PLACEHOLDER}
    assert all(m["secret"] for m in result["stage"]["manifests"] if m["definition"]["kind"] == "Secret")


def test_plugin_daemon_is_air_gapped_and_sizes_match():
    v = values(stage(dify_plugin_max_package_size_mb=300, dify_plugin_pip_mirror_url="https://pypi.example.internal/simple"))
    daemon = env(v["pluginDaemon"]["extraEnv"])
    assert v["global"]["marketplace"]["enabled"] is False and v["pluginDaemon"]["shareProcessNamespace"] is True
    assert daemon["MAX_PLUGIN_PACKAGE_SIZE"] == str(300 * 1024 * 1024) == env(v["api"]["extraEnv"])["PLUGIN_MAX_PACKAGE_SIZE"]
    assert daemon["PIP_MIRROR_URL"] == "https://pypi.example.internal/simple"
    assert daemon["FORCE_VERIFYING_SIGNATURE"] == "true" and daemon["PYTHON_ENV_INIT_TIMEOUT"] == "640"
    assert v["proxy"]["clientMaxBodySize"] == "300m"
    assert v["ingress"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == "300m"


def test_ingress_tls_urls_and_autoscaling():
    v = values(stage(dify_host="ai.corp.example"))
    assert v["ingress"]["tls"] == [{"secretName": "dify-tls", "hosts": ["ai.corp.example"]}]
    assert v["ingress"]["annotations"]["cert-manager.io/cluster-issuer"] == "privateai-ca"
    for key in ("consoleApiDomain", "consoleWebDomain", "serviceApiDomain", "appApiDomain", "appWebDomain", "filesDomain"):
        assert v["global"][key] == "https://ai.corp.example"
    for component in ("api", "worker"):
        assert v[component]["autoscaling"] == {"enabled": True, "minReplicas": 2, "maxReplicas": 6,
                                               "targetCPUUtilizationPercentage": 70}
        assert v[component]["resources"]["requests"]["cpu"] == "1"


def test_ssrf_proxy_allows_the_model_services():
    result = stage(dify_model_serving_outputs=SERVING, dify_ssrf_allowed_domains=[".corp.example"])
    (config,) = objects(result, "ConfigMap")
    text = config["data"]["privateai.conf"]
    assert "dstdomain deepseek-r1.serving.svc deepseek-r1.serving.svc.cluster.local bge-m3.serving.svc" in text
    assert "acl privateai_allowed dstdomain .corp.example" in text
    assert values(result)["ssrfProxy"]["enabled"] is True


# (id, overrides, what the values/manifests must show)
CHOICES = [
    ("weaviate", {"dify_vector_store": "weaviate"},
     lambda r: values(r)["weaviate"]["enabled"] and values(r)["weaviate"]["envSecrets"] == {
         "AUTHENTICATION_APIKEY_ALLOWED_KEYS": "dify-credentials"}),
    ("qdrant", {"dify_vector_store": "qdrant", "dify_qdrant": {"url": "http://qdrant.qdrant.svc:6333",
                                                               "api_key_secret": "qdrant-key"}},
     lambda r: values(r)["externalQdrant"]["endpoint"] == "http://qdrant.qdrant.svc:6333"
     and env(values(r)["api"]["extraEnv"])["QDRANT_API_KEY"]["secretKeyRef"]["name"] == "qdrant-key"),
    ("pgvector extension", {}, lambda r: [d["spec"].get("extensions") for d in objects(r, "Database")][0] == [
        {"name": "vector", "ensure": "present"}]),
    ("external postgres", {"dify_postgres_mode": "external",
                           "dify_postgres_external": {"host": "pg.example.internal", "password_secret": "site-pg"}},
     lambda r: not objects(r, "Cluster") and values(r)["externalPostgres"]["address"] == "pg.example.internal"
     and env(values(r)["api"]["extraEnv"])["DB_PASSWORD"]["secretKeyRef"] == {"name": "site-pg", "key": "password"}),
    ("external redis", {"dify_redis_mode": "external",
                        "dify_redis_external": {"host": "redis.example.internal", "password_secret": "site-redis",
                                                "use_ssl": "yes"}},
     lambda r: not objects(r, "StatefulSet")
     and env(values(r)["api"]["extraEnv"])["CELERY_BROKER_URL"].startswith("rediss://:$(REDIS_PASSWORD)@redis.")),
    ("site s3 files", {"dify_files": "s3", "dify_files_s3": {"endpoint": "https://s3.example.internal", "bucket": "dify",
                                                             "credentials_secret": "site-s3"}},
     lambda r: [o["metadata"]["name"] for o in objects(r, "ObjectBucketClaim")] == ["dify-pg-backup"]
     and values(r)["externalS3"]["endpoint"] == "https://s3.example.internal"),
    ("site s3 backup", {"dify_postgres_backup": "s3", "dify_postgres_backup_s3": {
        "endpoint": "https://s3.example.internal", "bucket": "pg-backup", "credentials_secret": "site-s3",
        "access_key_key": "AWS_ACCESS_KEY_ID"}},
     lambda r: [o["metadata"]["name"] for o in objects(r, "ObjectBucketClaim")] == ["dify-files"]
     and objects(r, "Cluster")[0]["spec"]["backup"]["barmanObjectStore"]["s3Credentials"]["accessKeyId"] == {
         "name": "site-s3", "key": "AWS_ACCESS_KEY_ID"}),
    ("no backup", {"dify_postgres_backup": "none"},
     lambda r: not objects(r, "ScheduledBackup") and "backup" not in objects(r, "Cluster")[0]["spec"]),
    ("bucket backup", {}, lambda r: objects(r, "Cluster")[0]["spec"]["backup"]["barmanObjectStore"]["destinationPath"]
     == "s3://dify-pg-backup/"),
    ("mirror", {"dify_image_registry": "registry.example.internal:5000", "dify_image_pull_secrets": ["mirror-login"]},
     lambda r: values(r)["image"]["api"]["repository"] == "registry.example.internal:5000/langgenius/dify-api"
     and objects(r, "Cluster")[0]["spec"]["imageName"].startswith("registry.example.internal:5000/cloudnative-pg/")
     and objects(r, "StatefulSet")[0]["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "mirror-login"}]),
    ("one replica, no pdb", {"dify_api_replicas": 1, "dify_worker_replicas": 1, "dify_web_replicas": 1},
     lambda r: not objects(r, "PodDisruptionBudget")),
]


@pytest.mark.parametrize("overrides,check", [c[1:] for c in CHOICES], ids=[c[0] for c in CHOICES])
def test_choices(overrides, check):
    assert check(stage(**overrides))


# (id, overrides, text the problems must contain)
BAD = [
    ("email", {"dify_admin_email": "admin"}, ["dify_admin_email is 'admin': give the admin's e-mail address"]),
    ("weak admin password", {"dify_admin_password": "password"}, ["dify_admin_password is not a password Dify accepts"]),
    ("short admin password", {"dify_admin_password": "ab1"}, ["dify_admin_password is not a password Dify accepts"]),
    ("init password too long", {"dify_init_password": "a1" * 16}, ["dify_init_password is 32 characters long"]),
    ("vector store", {"dify_vector_store": "milvus"}, ["dify_vector_store is 'milvus': give one of weaviate, qdrant, pgvector"]),
    ("external postgres without host and password", {"dify_postgres_mode": "external", "dify_postgres_external": {}},
     ["dify_postgres_external.host is None", "dify_postgres_external.password_secret is None"]),
    ("external redis without host", {"dify_redis_mode": "external", "dify_redis_external": {"password_secret": "r"}},
     ["dify_redis_external.host is None"]),
    ("host not a DNS name", {"dify_host": "https://dify.example.internal/"}, ["dify_host is 'https://dify.example.internal/'"]),
    ("host with a capital", {"dify_host": "Dify.example.internal"}, ["dify_host is 'Dify.example.internal'"]),
    ("plugin package missing", {"dify_plugin_packages": ["/nonexistent/openai_api_compatible-0.0.35.difypkg"]},
     ["dify_plugin_packages[0] is '/nonexistent/openai_api_compatible-0.0.35.difypkg': no such file"]),
    ("plugin package not a difypkg", {"dify_plugin_packages": ["/etc/hostname"]}, ["dify_plugin_packages[0] is '/etc/hostname'"]),
    ("qdrant without url", {"dify_vector_store": "qdrant", "dify_qdrant": {}}, ["dify_qdrant.url is None"]),
    ("secret key with a space", {"dify_redis_mode": "external", "dify_redis_external": {
        "host": "redis.example.internal", "password_secret": "r", "password_key": "pass word"}},
     ["dify_redis_external.password_key is 'pass word': give the key of the Secret"]),
    ("site s3 backup incomplete", {"dify_postgres_backup": "s3"}, ["dify_postgres_backup_s3.endpoint is None"]),
    ("site s3 incomplete", {"dify_files": "s3", "dify_files_s3": {"bucket": "Bad_Bucket"}},
     ["dify_files_s3.endpoint is None", "dify_files_s3.credentials_secret is None", "dify_files_s3.bucket is 'Bad_Bucket'"]),
    ("unknown image key", {"dify_images": dict(defaults()["dify_images"], agent="x/y:1")}, ["dify_images: unknown key 'agent'"]),
    ("unpinned image", {"dify_images": dict(defaults()["dify_images"], api="langgenius/dify-api")}, ["dify_images.api is 'langgenius/dify-api': pin a tag"]),
    ("quantity", {"dify_postgres_storage_size": "50 GB"}, ["dify_postgres_storage_size is '50 GB'"]),
    ("max below min", {"dify_api_max_replicas": 1}, ["dify_api_max_replicas is 1, below dify_api_replicas 2"]),
    ("hpa", {"dify_hpa_cpu_percent": 700}, ["dify_hpa_cpu_percent is 700"]),
    ("backup schedule", {"dify_postgres_backup_schedule": "0 2 * * *"}, ["dify_postgres_backup_schedule is '0 2 * * *'"]),
    ("model url", {"dify_model_serving_outputs": {"models": [{"base_url": "deepseek:8000"}]}},
     ["dify_model_serving_outputs.models[0].base_url is 'deepseek:8000'"]),
    ("misspelt variable", {"dify_vectorstore": "qdrant"}, ["dify_vectorstore is not a setting of this role"]),
    ("resources", {"dify_resources": dict(defaults()["dify_resources"], api={"requests": {"cpu": "one"}})},
     ["dify_resources.api.requests.cpu is 'one'"]),
]


@pytest.mark.parametrize("overrides,expected", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_refused_naming_the_variable(overrides, expected):
    result = kd.dify_stage(defaults(**overrides))
    assert result["stage"] is None
    for text in expected:
        assert any(text in problem for problem in result["problems"]), (text, result["problems"])


def test_every_problem_at_once():
    result = kd.dify_stage(defaults(dify_admin_email="root", dify_vector_store="chroma", dify_host="-bad-",
                                    dify_postgres_mode="external", dify_postgres_external={"port": 5432}))
    assert len(result["problems"]) == 5, result["problems"]


def test_values_extra_checked_against_the_chart_archive():
    archive = os.path.join(os.path.dirname(ROOT), "shared", "charts", "dify-0.37.0.tgz")
    if not os.path.isfile(archive):
        pytest.skip("the pinned chart package is not beside the checkout (%s)" % archive)
    result = kd.dify_stage(defaults(dify_chart_archive=archive, dify_values_extra={"api": {"replica": 3}}))
    assert result["problems"] == ["dify_values_extra: key api.replica is not a value of the chart (Helm would ignore it "
                                  "silently): fix the spelling or remove it"]
    ok = kd.dify_stage(defaults(dify_chart_archive=archive, dify_values_extra={"api": {"logLevel": "DEBUG"}}))
    assert ok["problems"] == [] and values(ok)["api"]["logLevel"] == "DEBUG"


def test_values_extra_without_archive_is_a_warning():
    result = stage(dify_values_extra={"api": {"logLevel": "DEBUG"}})
    assert any("dify_values_extra is not checked against the chart" in w for w in result["warnings"])


# (id, generated secret overrides, problem)
GENERATED = [
    ("admin without digit", {"admin_password": "abcdefghijklmnopqrstuvwx"}, "the generated admin password"),
    ("init without letter", {"init_password": "123456789012345678901234"}, "the generated init password"),
]


@pytest.mark.parametrize("secrets,text", [g[1:] for g in GENERATED], ids=[g[0] for g in GENERATED])
def test_a_generated_password_dify_would_refuse_is_a_problem(secrets, text):
    result = kd.dify_stage(defaults(), dict(SECRETS, **secrets))
    assert result["stage"] is None and any(text in p and "delete the file" in p for p in result["problems"])


def test_disabled_builds_nothing():
    result = kd.dify_stage(defaults(dify_enabled=False, dify_admin_email="not checked when off"))
    assert result["enabled"] is False and result["stage"] is None and result["problems"] == []


def test_credential_files():
    files = kd.credential_files("/srv/c/dify/")
    assert files["admin_password"] == "/srv/c/dify/admin-password" and len(files) == len(kd.SECRET_NAMES)


def test_cloudnative_pg_stage_and_mirror():
    result = kd.cloudnative_pg_stage(defaults("cloudnative_pg", cloudnative_pg_image_registry="registry.example.internal:5000"))
    assert result["problems"] == []
    (release,) = result["stage"]["releases"]
    assert (release["chart"], release["version"], release["namespace"]) == ("cloudnative-pg", "0.29.0", "cnpg-system")
    assert release["values"]["image"]["repository"] == "registry.example.internal:5000/cloudnative-pg/cloudnative-pg"
    bad = kd.cloudnative_pg_stage(defaults("cloudnative_pg", cloudnative_pg_namespace="CNPG"))
    assert bad["stage"] is None and any("cloudnative_pg_namespace is 'CNPG'" in p for p in bad["problems"])
