# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks and stage building of the Dify stage (roles cloudnative_pg and dify, stages ``cloudnative_pg`` and
``dify``).

``cloudnative_pg_stage(settings)`` builds the CloudNativePG operator release (its own stage, applied before the
``dify`` stage: the ``dify`` stage's PostgreSQL ``Cluster`` needs the operator's CRDs and webhook before the Dify chart
starts its migrations).

``dify_stage(settings, secrets=None)`` takes the dify role's variables by name, converts each as the role's argument
spec declares it, checks the syntax of every value written into a manifest, a Helm value or a label and the
combinations Dify would refuse later (an admin password without letters and digits, an external database without
host or password Secret, a vector store it does not support, a plugin package that does not exist), and builds the
stage as data: the namespace, the credentials Secrets (``secret``: rendered only in apply mode or on request), the
buckets (ObjectBucketClaims), the PostgreSQL ``Cluster`` with continuous backup, the databases, Redis (Valkey), the
SSRF proxy allowlist, PodDisruptionBudgets and the Dify chart release whose values reference those Secrets instead of
holding the secrets. ``secrets`` is ``{name: value}`` of the generated credentials (see ``SECRET_NAMES``); None writes
placeholders marked as such into the Secrets (a render reviewed without secrets does not write them at all).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import os
import re

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import chart_values
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_service_accounts as ksa
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

VECTOR_STORES = ("weaviate", "qdrant", "pgvector")
POSTGRES_MODES = ("cnpg", "external")
REDIS_MODES = ("internal", "external")
FILES_MODES = ("bucket", "s3")
BACKUP_MODES = ("bucket", "s3", "none")
# The generated credentials: key of the Secret dify-credentials (the environment variable Dify reads) per name.
SECRET_NAMES = ("secret_key", "plugin_daemon_key", "inner_api_key", "sandbox_key", "init_password", "admin_password",
                "db_password", "redis_password", "weaviate_api_key")
CREDENTIAL_KEYS = {"secret_key": "SECRET_KEY", "plugin_daemon_key": "PLUGIN_DAEMON_KEY",
                   "inner_api_key": "INNER_API_KEY", "sandbox_key": "CODE_EXECUTION_API_KEY",
                   "init_password": "INIT_PASSWORD", "redis_password": "REDIS_PASSWORD",
                   # The key name the Weaviate chart's envSecrets reads (the variable of the Weaviate server).
                   "weaviate_api_key": "AUTHENTICATION_APIKEY_ALLOWED_KEYS"}
PLACEHOLDER = "privateai-placeholder-not-a-secret"
# What the chart's own Secrets get where it wants a value: the real one comes from our Secrets (env beats envFrom).
CHART_PLACEHOLDER = "privateai-placeholder-the-real-value-is-in-secret-%s"
IMAGE_KEYS = ("api", "web", "sandbox", "plugin_daemon", "proxy", "ssrf_proxy", "weaviate", "weaviate_init", "redis",
              "postgres")
COMPONENTS = ("api", "worker", "beat", "web", "sandbox", "plugin_daemon", "proxy", "ssrf_proxy", "redis", "postgres",
              "weaviate")
# Values key of each chart component.
CHART_KEYS = {"api": "api", "worker": "worker", "beat": "beat", "web": "web", "sandbox": "sandbox",
              "plugin_daemon": "pluginDaemon", "proxy": "proxy", "ssrf_proxy": "ssrfProxy"}
EXTERNAL_POSTGRES_KEYS = ("host", "port", "database", "plugin_database", "user", "password_secret", "password_key")
EXTERNAL_REDIS_KEYS = ("host", "port", "password_secret", "password_key", "use_ssl")
S3_KEYS = ("endpoint", "bucket", "region", "credentials_secret", "access_key_key", "secret_key_key", "path_style")
QDRANT_KEYS = ("url", "api_key_secret", "api_key_key")
# Dify's password rule (api/libs/password.py): 8 characters or more with at least one letter and one digit.
DIFY_PASSWORD_RE = re.compile(r"^(?=.*[a-zA-Z])(?=.*\d).{8,}$")
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$")
# PostgreSQL identifiers we write unquoted (database and role names).
PG_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
OBC_CREDENTIAL_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
DB_SECRET_SUFFIX = "-db-app"
# The port of the chart's nginx front Service (values service.port, left at the chart's default).
CHART_SERVICE_PORT = 80
PUBLISHED = ("dify_k8s_stage", "dify_outputs")


# ------------------------------------------------------------------------------------------- CloudNativePG


def cloudnative_pg_stage(settings):
    """The CloudNativePG operator chart (pinned, mirror-overridable) as the stage ``cloudnative_pg``."""
    reader = v.Reader(settings)
    common = kp._common(reader, "cloudnative_pg")
    warnings = []
    if common["enabled"]:
        _check_values_extra(reader, warnings, common, "cloudnative_pg", "cloudnative-pg")

    def build():
        values = {"crds": {"create": True},
                  "image": {"repository": "%s/cloudnative-pg/cloudnative-pg" % common["image_registry"]},
                  "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}}
        if common["image_pull_secrets"]:
            values["imagePullSecrets"] = [{"name": name} for name in common["image_pull_secrets"]]
        if common["tolerate_control_plane"]:
            values["tolerations"] = [dict(kp.CONTROL_PLANE_TOLERATION)]
        return {"name": "cloudnative_pg", "releases": [kp._release(common, "cloudnative-pg", values)],
                "manifests": [kp._namespace(common["namespace"], dict(kp.LABELS), "the CloudNativePG operator")]}

    result = kp._result(reader, common, build, "cloudnative-pg")
    result["warnings"] = warnings + result["warnings"]
    return result


# -------------------------------------------------------------------------------------------------- Dify


def _image(reader, name, value, registry):
    """A full image reference, its registry host replaced by the mirror when one is set (paths kept)."""
    problems = v.check_image_reference(name, value)
    reader.add(problems)
    if problems:
        return None
    return kp.mirror_image(value, registry)


def _split(reference):
    """(repository, tag) of an image reference with a tag."""
    repository, _colon, tag = reference.rpartition(":")
    return repository, tag


def _check_url(reader, name, value, schemes=("http://", "https://")):
    if not isinstance(value, str) or not value.startswith(schemes) or v.one_line(value) or " " in value \
            or len(value) <= len("https://"):
        reader.add(["%s is %s: give a URL starting with %s, one line without spaces"
                    % (name, v.describe(value), " or ".join(schemes))])
        return False
    return True


def _host_of(url):
    rest = url.split("://", 1)[1]
    return rest.split("/", 1)[0].split(":", 1)[0]


def _check_secret_key(reader, name, value):
    """A key of a Secret (what a secretKeyRef names): letters, digits, '-', '_' and '.'."""
    if not isinstance(value, str) or not re.match(r"^[-._a-zA-Z0-9]{1,253}$", value):
        reader.add(["%s is %s: give the key of the Secret (letters, digits, '-', '_' and '.')" % (name, v.describe(value))])


def _email(reader, name, value):
    if not isinstance(value, str) or not EMAIL_RE.match(value) or len(value) > 254:
        reader.add(["%s is %s: give the admin's e-mail address, such as admin@example.internal" % (name, v.describe(value))])


def password_problem(name, value, longest=None):
    """Why Dify would refuse ``value`` as a password (None when it accepts it)."""
    if not isinstance(value, str) or not DIFY_PASSWORD_RE.match(value):
        return ("%s is not a password Dify accepts: give 8 characters or more with at least one letter and one digit"
                % name)
    if longest and len(value) > longest:
        return "%s is %d characters long: Dify takes %d at most" % (name, len(value), longest)
    return None


def _mapping(reader, name, keys, required):
    value = reader.read(name, v.to_dict)
    if value is None:
        return None
    reader.add(v.unknown_keys(name, value, keys))
    missing = [key for key in required if value.get(key) in (None, "")]
    for key in missing:
        reader.add(["%s.%s is %s: %s" % (name, key, v.describe(value.get(key)), required[key])])
    return value


def _s3(reader, name, value):
    """A site S3 bucket {endpoint, bucket, region, credentials_secret, access_key_key, secret_key_key, path_style}."""
    problems = len(reader.problems)
    if value.get("endpoint"):
        _check_url(reader, name + ".endpoint", value["endpoint"])
    if value.get("bucket") and (not isinstance(value["bucket"], str) or not BUCKET_RE.match(value["bucket"])):
        reader.add(["%s.bucket is %s: give an S3 bucket name (3-63 lower-case letters, digits, '.' and '-')"
                    % (name, v.describe(value["bucket"]))])
    if value.get("credentials_secret"):
        reader.add(v.check_dns_subdomain(name + ".credentials_secret", value["credentials_secret"]))
    for key in ("access_key_key", "secret_key_key"):
        if key in value:
            _check_secret_key(reader, "%s.%s" % (name, key), value[key])
    if "region" in value and (not isinstance(value["region"], str) or not re.match(r"^[a-z0-9-]+$", value["region"])):
        reader.add(["%s.region is %s: give an S3 region such as us-east-1" % (name, v.describe(value["region"]))])
    if "path_style" in value:
        try:
            value["path_style"] = v.to_bool(name + ".path_style", value["path_style"])
        except v.Invalid as err:
            reader.add([str(err)])
    return len(reader.problems) == problems


S3_REQUIRED = {"endpoint": "give the S3 endpoint URL, such as https://s3.example.internal",
               "bucket": "give the bucket's name",
               "credentials_secret": "give the Secret (in the Dify namespace) holding the access key and secret key"}


def _read(reader, registry):
    s = {}
    s["host"] = reader.read("dify_host", v.to_str, check=check_host)
    s["ingress_class"] = reader.read("dify_ingress_class_name", v.to_str, check=v.check_dns_subdomain)
    s["issuer"] = reader.read("dify_tls_cluster_issuer", v.to_str, check=v.check_dns_subdomain)
    s["tls_secret"] = reader.read("dify_tls_secret_name", v.to_str, check=v.check_dns_subdomain)
    s["console_auth"] = reader.read("dify_console_auth_enabled", v.to_bool)
    s["console_auth_url"] = reader.read("dify_console_auth_url", v.to_str)
    if s["console_auth"] and s["console_auth_url"] is not None:
        _check_url(reader, "dify_console_auth_url", s["console_auth_url"])
    s["console_auth_annotations"] = reader.read("dify_console_auth_annotations", v.to_dict,
                                                check=check_auth_annotations)
    s["admin_email"] = reader.read("dify_admin_email", v.to_str)
    if s["admin_email"] is not None:
        _email(reader, "dify_admin_email", s["admin_email"])
    s["admin_name"] = reader.read("dify_admin_name", v.to_str)
    if s["admin_name"] is not None and (not s["admin_name"].strip() or len(s["admin_name"]) > 30
                                        or v.one_line(s["admin_name"])):
        reader.add(["dify_admin_name is %s: give the admin's display name, 1 to 30 characters on one line"
                    % v.describe(s["admin_name"])])
    for key, longest in (("admin_password", None), ("init_password", 30)):
        value = reader.read("dify_" + key, v.to_str)
        if value:
            problem = password_problem("dify_" + key, value, longest)
            if problem:
                reader.add([problem])
    s["credentials_dir"] = reader.read("dify_credentials_dir", v.to_str)
    if s["credentials_dir"] is not None and (not s["credentials_dir"] or v.one_line(s["credentials_dir"])):
        reader.add(["dify_credentials_dir is %s: give the directory on the control node the credentials are generated "
                    "into" % v.describe(s["credentials_dir"])])
    packages = reader.read("dify_plugin_packages", v.to_list)
    s["plugin_packages"] = []
    for index, path in enumerate(packages or []):
        where = "dify_plugin_packages[%d]" % index
        if not isinstance(path, str) or not path.endswith(".difypkg"):
            reader.add(["%s is %s: give the path of a .difypkg plugin package on the control node" % (where, v.describe(path))])
        elif not os.path.isfile(os.path.expanduser(path)):
            reader.add(["%s is '%s': no such file on the control node (download the .difypkg, repackaged with its "
                        "dependencies for an offline site, and give its path)" % (where, path)])
        else:
            s["plugin_packages"].append(os.path.expanduser(path))
    s["max_package_mb"] = reader.read("dify_plugin_max_package_size_mb", v.to_int)
    if s["max_package_mb"] is not None and not 1 <= s["max_package_mb"] <= 4096:
        reader.add(["dify_plugin_max_package_size_mb is %d: give the largest plugin package in MiB, 1 to 4096"
                    % s["max_package_mb"]])
    s["pip_mirror"] = reader.read("dify_plugin_pip_mirror_url", v.to_str)
    if s["pip_mirror"]:
        _check_url(reader, "dify_plugin_pip_mirror_url", s["pip_mirror"])
    s["verify_signature"] = reader.read("dify_plugin_force_verifying_signature", v.to_bool)
    s["init_timeout"] = reader.read("dify_plugin_python_env_init_timeout", v.to_int)
    if s["init_timeout"] is not None and s["init_timeout"] < 60:
        reader.add(["dify_plugin_python_env_init_timeout is %d: give the seconds a plugin's Python environment may take "
                    "to install, 60 or more" % s["init_timeout"]])
    s["marketplace"] = reader.read("dify_marketplace_enabled", v.to_bool)

    # --- images
    images = reader.read("dify_images", v.to_dict)
    s["images"] = {}
    if images is not None:
        reader.add(v.unknown_keys("dify_images", images, IMAGE_KEYS))
        for key in IMAGE_KEYS:
            if key not in images:
                reader.add(["dify_images.%s is not set: give the image reference (the role's defaults set it)" % key])
                continue
            image = _image(reader, "dify_images." + key, images[key], registry)
            if image is not None and ":" not in image.rsplit("/", 1)[-1]:
                reader.add(["dify_images.%s is '%s': pin a tag" % (key, images[key])])
            s["images"][key] = image

    # --- database
    s["postgres_mode"] = reader.read("dify_postgres_mode", v.to_choice, POSTGRES_MODES)
    s["postgres_instances"] = reader.read("dify_postgres_instances", v.to_int)
    if s["postgres_instances"] is not None and not 1 <= s["postgres_instances"] <= 9:
        reader.add(["dify_postgres_instances is %d: give 3 (1 for a lab)" % s["postgres_instances"]])
    s["postgres_storage_class"] = reader.read("dify_postgres_storage_class", v.to_str, check=v.check_dns_subdomain)
    s["postgres_size"] = reader.read("dify_postgres_storage_size", v.to_str, check=v.check_quantity)
    s["postgres_cluster"] = reader.read("dify_postgres_cluster_name", v.to_str, check=v.check_dns_label)
    for key in ("database", "plugin_database", "user"):
        s["postgres_" + key] = reader.read("dify_postgres_" + key, v.to_str)
        if s["postgres_" + key] is not None and not PG_NAME_RE.match(s["postgres_" + key]):
            reader.add(["dify_postgres_%s is %s: give a PostgreSQL name of lower-case letters, digits and '_'"
                        % (key, v.describe(s["postgres_" + key]))])
    s["backup"] = reader.read("dify_postgres_backup", v.to_choice, BACKUP_MODES)
    s["backup_retention"] = reader.read("dify_postgres_backup_retention", v.to_str)
    if s["backup_retention"] is not None and not re.match(r"^[1-9][0-9]*[dwm]$", s["backup_retention"]):
        reader.add(["dify_postgres_backup_retention is %s: give days, weeks or months such as 30d, 4w or 3m"
                    % v.describe(s["backup_retention"])])
    s["backup_schedule"] = reader.read("dify_postgres_backup_schedule", v.to_str)
    if s["backup_schedule"] is not None and (len(s["backup_schedule"].split()) != 6 or v.one_line(s["backup_schedule"])):
        reader.add(["dify_postgres_backup_schedule is %s: give six cron fields with seconds first (CloudNativePG), "
                    "such as '0 0 2 * * *'" % v.describe(s["backup_schedule"])])
    s["backup_bucket"] = reader.read("dify_postgres_backup_bucket_name", v.to_str)
    s["backup_s3"] = reader.read("dify_postgres_backup_s3", v.to_dict)
    s["external_postgres"] = reader.read("dify_postgres_external", v.to_dict)
    if s["postgres_mode"] == "external":
        ext = _mapping(reader, "dify_postgres_external", EXTERNAL_POSTGRES_KEYS, {
            "host": "give the host name or address of the site's PostgreSQL (dify_postgres_mode is external)",
            "password_secret": "give the Secret (in the Dify namespace) holding the database password "
                               "(dify_postgres_mode is external)"})
        if ext:
            if ext.get("host") and v.hostname(ext["host"]):
                reader.add(["dify_postgres_external.host is %s: it %s" % (v.describe(ext["host"]), v.hostname(ext["host"]))])
            if ext.get("password_secret"):
                reader.add(v.check_dns_subdomain("dify_postgres_external.password_secret", ext["password_secret"]))
            try:
                ext["port"] = v.to_int("dify_postgres_external.port", ext.get("port", 5432))
                if not 1 <= ext["port"] <= 65535:
                    reader.add(["dify_postgres_external.port is %d: give a TCP port" % ext["port"]])
            except v.Invalid as err:
                reader.add([str(err)])
            for key in ("database", "plugin_database", "user"):
                if key in ext and (not isinstance(ext[key], str) or not PG_NAME_RE.match(ext[key])):
                    reader.add(["dify_postgres_external.%s is %s: give a PostgreSQL name of lower-case letters, digits "
                                "and '_'" % (key, v.describe(ext[key]))])
            if "password_key" in ext:
                _check_secret_key(reader, "dify_postgres_external.password_key", ext["password_key"])
        s["external_postgres"] = ext
    elif s["backup"] == "s3" and s["backup_s3"] is not None:
        required = dict(S3_REQUIRED)
        backup = _mapping(reader, "dify_postgres_backup_s3", S3_KEYS, required)
        if backup:
            _s3(reader, "dify_postgres_backup_s3", backup)

    # --- Redis
    s["redis_mode"] = reader.read("dify_redis_mode", v.to_choice, REDIS_MODES)
    s["redis_size"] = reader.read("dify_redis_storage_size", v.to_str, check=v.check_quantity)
    s["redis_external"] = reader.read("dify_redis_external", v.to_dict)
    if s["redis_mode"] == "external":
        ext = _mapping(reader, "dify_redis_external", EXTERNAL_REDIS_KEYS, {
            "host": "give the host name or address of the site's Redis (dify_redis_mode is external)",
            "password_secret": "give the Secret (in the Dify namespace) holding the Redis password"})
        if ext:
            if ext.get("host") and v.hostname(ext["host"]):
                reader.add(["dify_redis_external.host is %s: it %s" % (v.describe(ext["host"]), v.hostname(ext["host"]))])
            if ext.get("password_secret"):
                reader.add(v.check_dns_subdomain("dify_redis_external.password_secret", ext["password_secret"]))
            if "password_key" in ext:
                _check_secret_key(reader, "dify_redis_external.password_key", ext["password_key"])
            try:
                ext["port"] = v.to_int("dify_redis_external.port", ext.get("port", 6379))
                ext["use_ssl"] = v.to_bool("dify_redis_external.use_ssl", ext.get("use_ssl", False))
            except v.Invalid as err:
                reader.add([str(err)])
        s["redis_external"] = ext

    # --- vector store
    s["vector_store"] = reader.read("dify_vector_store", v.to_choice, VECTOR_STORES)
    s["weaviate_size"] = reader.read("dify_weaviate_storage_size", v.to_str, check=v.check_quantity)
    s["qdrant"] = reader.read("dify_qdrant", v.to_dict)
    if s["vector_store"] == "qdrant":
        qdrant = _mapping(reader, "dify_qdrant", QDRANT_KEYS, {
            "url": "give the URL of the site's Qdrant, such as http://qdrant.qdrant.svc:6333 (dify_vector_store is qdrant)"})
        if qdrant:
            if qdrant.get("url"):
                _check_url(reader, "dify_qdrant.url", qdrant["url"])
            if qdrant.get("api_key_secret"):
                reader.add(v.check_dns_subdomain("dify_qdrant.api_key_secret", qdrant["api_key_secret"]))
            if "api_key_key" in qdrant:
                _check_secret_key(reader, "dify_qdrant.api_key_key", qdrant["api_key_key"])
        s["qdrant"] = qdrant

    # --- files
    s["files"] = reader.read("dify_files", v.to_choice, FILES_MODES)
    s["files_bucket"] = reader.read("dify_files_bucket_name", v.to_str)
    for key in ("files_bucket", "backup_bucket"):
        name = "dify_files_bucket_name" if key == "files_bucket" else "dify_postgres_backup_bucket_name"
        if s[key] is not None and (not BUCKET_RE.match(s[key]) or not kp.DNS_NAME_RE.match(s[key])):
            reader.add(["%s is %s: give a bucket name of 3-63 lower-case letters, digits, '.' and '-'"
                        % (name, v.describe(s[key]))])
    s["files_s3"] = reader.read("dify_files_s3", v.to_dict)
    if s["files"] == "s3":
        files = _mapping(reader, "dify_files_s3", S3_KEYS, S3_REQUIRED)
        if files:
            _s3(reader, "dify_files_s3", files)
        s["files_s3"] = files
    s["bucket_storage_class"] = reader.read("dify_bucket_storage_class", v.to_str, check=v.check_dns_subdomain)
    s["object_store_endpoint"] = reader.read("dify_object_store_endpoint", v.to_str)
    if s["object_store_endpoint"] is not None and (s["files"] == "bucket" or s["backup"] == "bucket"):
        _check_url(reader, "dify_object_store_endpoint", s["object_store_endpoint"])

    # --- scale, resources, SSRF
    for key in ("api_replicas", "worker_replicas", "api_max_replicas", "worker_max_replicas", "web_replicas",
                "hpa_cpu_percent"):
        s[key] = reader.read("dify_" + key, v.to_int)
    for key in ("api", "worker"):
        low, high = s[key + "_replicas"], s[key + "_max_replicas"]
        if low is not None and low < 1:
            reader.add(["dify_%s_replicas is %d: give 1 or more (2 keeps Dify up through a node drain)" % (key, low)])
        elif low is not None and high is not None and high < low:
            reader.add(["dify_%s_max_replicas is %d, below dify_%s_replicas %d: give %d or more" % (key, high, key, low, low)])
    if s["web_replicas"] is not None and s["web_replicas"] < 1:
        reader.add(["dify_web_replicas is %d: give 1 or more" % s["web_replicas"]])
    if s["hpa_cpu_percent"] is not None and not 10 <= s["hpa_cpu_percent"] <= 100:
        reader.add(["dify_hpa_cpu_percent is %d: give the CPU utilisation the autoscalers aim at, 10 to 100 (70)"
                    % s["hpa_cpu_percent"]])
    resources = reader.read("dify_resources", v.to_dict)
    s["resources"] = {}
    if resources is not None:
        reader.add(v.unknown_keys("dify_resources", resources, COMPONENTS))
        for key in COMPONENTS:
            item = resources.get(key)
            where = "dify_resources.%s" % key
            if not isinstance(item, dict) or not item.get("requests"):
                reader.add(["%s is %s: give {requests: {cpu, memory}, limits: {memory}}" % (where, v.describe(item))])
                continue
            reader.add(v.unknown_keys(where, item, ("requests", "limits")))
            for part in ("requests", "limits"):
                for resource, quantity in sorted((item.get(part) or {}).items()):
                    if resource not in ("cpu", "memory", "ephemeral-storage"):
                        reader.add(["%s.%s: unknown resource %s (known: cpu, memory, ephemeral-storage)"
                                    % (where, part, v.describe(resource))])
                    reader.add(v.check_quantity("%s.%s.%s" % (where, part, resource), str(quantity)
                                                if isinstance(quantity, (int, float)) and not isinstance(quantity, bool)
                                                else quantity))
            s["resources"][key] = item
    s["ssrf_allowed"] = []
    for index, name in enumerate(reader.read("dify_ssrf_allowed_domains", v.to_list) or []):
        if not isinstance(name, str) or not kp.DNS_NAME_RE.match(name.lstrip(".")):
            reader.add(["dify_ssrf_allowed_domains[%d] is %s: give a DNS name (a leading '.' allows its subdomains)"
                        % (index, v.describe(name))])
        else:
            s["ssrf_allowed"].append(name)
    s["model_outputs"] = reader.read("dify_model_serving_outputs", v.to_dict)
    s["model_hosts"] = []
    for index, model in enumerate((s["model_outputs"] or {}).get("models") or []):
        url = model.get("base_url") if isinstance(model, dict) else None
        if _check_url(reader, "dify_model_serving_outputs.models[%d].base_url" % index, url):
            host = _host_of(url)
            if host not in s["model_hosts"]:
                s["model_hosts"].append(host)
    return s


def check_host(name, value):
    """The DNS name users open Dify at (the Ingress host, the URLs, oauth2-proxy's cookie domain)."""
    if not isinstance(value, str) or not kp.DNS_NAME_RE.match(value) or value.startswith("*.") or "." not in value \
            or len(value) > 253:
        return ["%s is %s: give the DNS name users open Dify at, such as dify.example.internal (lower-case letters, "
                "digits, '-' and '.', no scheme, no path)" % (name, v.describe(value))]
    return []


# ------------------------------------------------------------------------- the console front (oauth2-proxy)

# Every route of Dify 1.14.2's nginx front (the chart's config.tpl, "dify.nginx.config.default": the location blocks in
# front of api, web and the plugin daemon), decided one by one: (Ingress path, behind oauth2-proxy, where that nginx
# sends it, why). Browser paths go through the site's IdP; paths that carry their own credential (an app's API key,
# a signed URL, a plugin endpoint's or MCP server's key) or that other systems call stay without it, since neither
# a script nor a webhook sender can do a browser login. An Ingress path is a Prefix by path elements (/api does not
# match /apis, which falls to / and stays behind oauth2-proxy).
CONSOLE_ROUTES = (
    ("/", True, "web", "the console and the published web apps' pages (Next.js), and every path no row names"),
    ("/console/api", True, "api", "the console's API, called by the console pages in the browser"),
    ("/api", True, "api", "the published web apps' API, called by their pages in the browser"),
    ("/explore", True, "web", "the explore pages of the console"),
    ("/marketplace", True, "marketplace", "the marketplace proxy (only with dify_marketplace_enabled; else web)"),
    ("/v1", False, "api", "the service API: machine clients with an app's API key (Dify checks the key)"),
    ("/files", False, "api", "signed file URLs (timestamp, nonce, signature), fetched by models, plugins and clients"),
    ("/e/", False, "plugin_daemon", "plugin endpoints, called by other systems (the plugin checks its own key)"),
    ("/mcp", False, "api", "Dify's MCP server, called by MCP clients with the app's server code"),
    ("/triggers", False, "api", "webhook and plugin triggers, called by other systems"),
)
# What the annotation values of dify_console_auth_annotations may name; replaced when the Ingress is built.
AUTH_PLACEHOLDERS = {"auth_url": "dify_console_auth_url", "host": "dify_host"}
AUTH_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


def check_auth_annotations(name, value):
    """The annotations that put an Ingress behind oauth2-proxy: annotation keys, one-line text values, only the
    placeholders {auth_url} and {host}, and not empty (an empty map would leave the console ungated)."""
    if not value:
        return ["%s is empty: give the ingress controller's external-auth annotations (the role's defaults hold "
                "ingress-nginx's: auth-url, auth-signin, auth-response-headers)" % name]
    problems = []
    for key in sorted(value):
        problems += v.check_label_key("%s key" % name, key)
        text = value[key]
        if not isinstance(text, str) or not text or v.one_line(text):
            problems.append("%s['%s'] is %s: give the annotation's value as text on one line"
                            % (name, key, v.describe(text)))
            continue
        unknown = sorted(set(AUTH_PLACEHOLDER_RE.findall(text)) - set(AUTH_PLACEHOLDERS))
        if unknown:
            problems.append("%s['%s'] is '%s': it names {%s}; the placeholders are {auth_url} and {host}"
                            % (name, key, text, "}, {".join(unknown)))
    return problems


def auth_annotations(annotations, auth_url, host):
    """dify_console_auth_annotations with {auth_url} and {host} filled in."""
    out = {}
    for key, text in annotations.items():
        out[key] = text.replace("{auth_url}", auth_url).replace("{host}", host)
    return out


def ingress_annotations(s):
    """What every Ingress of the Dify host carries (the chart's and ours): body size and timeouts."""
    return {"nginx.ingress.kubernetes.io/proxy-body-size": "%dm" % s["max_package_mb"],
            "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
            "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600"}


def ingress(name, namespace, host, paths, service, port, ingress_class, tls_secret, annotations, description):
    """An Ingress of ``host`` sending each of ``paths`` (Prefix) to ``service``:``port``, TLS from ``tls_secret``."""
    rules = [{"path": path, "pathType": "Prefix",
              "backend": {"service": {"name": service, "port": {"number": port}}}} for path in paths]
    return {"phase": "post", "description": description,
            "definition": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                           "metadata": {"name": name, "namespace": namespace, "labels": dict(kp.LABELS),
                                        "annotations": dict(annotations)},
                           "spec": {"ingressClassName": ingress_class,
                                    "tls": [{"hosts": [host], "secretName": tls_secret}],
                                    "rules": [{"host": host, "http": {"paths": rules}}]}}}


def console_ingresses(common, s, n):
    """The Ingresses of the Dify host when the console is behind oauth2-proxy: the browser paths of CONSOLE_ROUTES
    with the external-auth annotations, the machine paths without; both to the chart's nginx front (Service
    <fullname>:80), with the chart Ingress' host, TLS Secret, body size and timeouts. The cert-manager annotation is
    on the browser Ingress only: one Certificate owns the TLS Secret that both name."""
    base = ingress_annotations(s)
    browser = dict(base, **auth_annotations(s["console_auth_annotations"], s["console_auth_url"], s["host"]))
    browser["cert-manager.io/cluster-issuer"] = s["issuer"]
    namespace = common["namespace"]
    gated = [path for path, behind, _backend, _why in CONSOLE_ROUTES if behind]
    machine = [path for path, behind, _backend, _why in CONSOLE_ROUTES if not behind]
    return [ingress("%s-console" % n.full, namespace, s["host"], gated, n.full, CHART_SERVICE_PORT, s["ingress_class"],
                    s["tls_secret"], browser, "Dify's browser paths, behind oauth2-proxy (the site's IdP)"),
            ingress("%s-machine" % n.full, namespace, s["host"], machine, n.full, CHART_SERVICE_PORT,
                    s["ingress_class"], s["tls_secret"], base,
                    "Dify's machine paths (API keys, signed URLs, plugin endpoints, MCP, triggers), without oauth2-proxy")]


def check_console_front(reader, s, security):
    """The front needs the security stage's identity (oauth2-proxy runs only with an OIDC issuer)."""
    if not s.get("console_auth"):
        return
    sec = v.Reader(dict(security or {}))
    sec_enabled = sec.read("security_enabled", v.to_bool) if "security_enabled" in sec.settings else True
    issuer = sec.read("security_oidc_issuer_url", v.to_str) if "security_oidc_issuer_url" in sec.settings else ""
    reader.add(sec.problems)
    if sec_enabled is False:
        reader.add(["dify_console_auth_enabled is true but security_enabled is false: oauth2-proxy comes with the "
                    "security stage; set security_enabled: true with security_oidc_issuer_url, or "
                    "dify_console_auth_enabled: false"])
    elif sec_enabled and not issuer:
        reader.add(["dify_console_auth_enabled is true but security_oidc_issuer_url is empty: oauth2-proxy runs only "
                    "with the site's OIDC issuer; set security_oidc_issuer_url, or dify_console_auth_enabled: false"])


def _check_values_extra(reader, warnings, common, role, chart):
    """Helm ignores a values key its chart does not know without a word: every key of the extra values is checked
    against the chart archive when one is given; without one a warning says it is not checked."""
    extra = common["values_extra"]
    if not extra:
        return
    archive = common["chart_archive"]
    if archive and os.path.isfile(archive):
        try:
            reference = chart_values.load_archive(archive)
        except chart_values.ChartError as err:
            reader.add(["%s_chart_archive is '%s': not a chart archive (%s)" % (role, archive, err)])
            return
        reader.add(chart_values.unknown_keys(role + "_values_extra", extra, reference))
    elif not archive:
        warnings.append("%s_values_extra is not checked against the chart without %s_chart_archive: set it to the "
                        "%s %s archive (helm pull) to check every key here" % (role, role, chart, common["chart_version"]))


def dify_stage(settings, secrets=None, security=None):
    """Checks and builds the dify stage; ``secrets``: {name: value} of SECRET_NAMES, or None for placeholders;
    ``security``: the inventory's security_enabled and security_oidc_issuer_url (the dify stage runs before the
    security stage: dify_console_auth_enabled is checked against them, not against the security stage's outputs)."""
    settings = dict(settings)
    upstream = settings.get("dify_image_registry") == ""
    if upstream:
        settings["dify_image_registry"] = "docker.io"
    reader = v.Reader(settings)
    common = kp._common(reader, "dify")
    if upstream:
        common["image_registry"] = ""
    if not common["enabled"]:
        return kp._result(reader, common, None, "dify")
    s = _read(reader, common["image_registry"] if not reader.problems else "")
    check_console_front(reader, s, security)
    warnings = []
    _check_values_extra(reader, warnings, common, "dify", "dify")
    if s["postgres_mode"] == "cnpg" and s["postgres_instances"] == 1:
        warnings.append("dify_postgres_instances is 1: no standby; a lost node stops Dify until it is back (3 is safe)")
    if s["backup"] == "none" and s["postgres_mode"] == "cnpg":
        warnings.append("dify_postgres_backup is none: the Dify database has no continuous backup")
    if s["verify_signature"] is False:
        warnings.append("dify_plugin_force_verifying_signature is false: the plugin daemon installs unsigned packages "
                        "(needed for repackaged offline plugins); install only packages you trust")
    if secrets is not None:
        for key, longest in (("admin_password", None), ("init_password", 30)):
            problem = password_problem("the generated %s in %s" % (key.replace("_", " "), s["credentials_dir"]),
                                       secrets.get(key), longest)
            if problem:
                reader.add([problem + " (delete the file to generate another)"])

    def build():
        return _build(common, s, secrets or {})

    result = kp._result(reader, common, build, "dify")
    result["warnings"] = warnings + result["warnings"]
    if result["stage"] is not None:
        result["outputs"] = outputs(common, s)
    return result


def outputs(common, s):
    """What later stages read (the bootstrap above all): URLs, admin e-mail, the credential files and the nginx front
    Service the bootstrap port-forwards to."""
    url = "https://%s" % s["host"]
    directory = s["credentials_dir"].rstrip("/")
    return {"namespace": common["namespace"], "console_url": url, "api_url": url + "/v1", "app_url": url,
            "admin_email": s["admin_email"], "admin_name": s["admin_name"],
            "credentials_dir": directory, "credentials_file": directory + "/admin-password",
            "admin_password_file": directory + "/admin-password", "init_password_file": directory + "/init-password",
            "plugin_packages": list(s["plugin_packages"]), "console_auth": bool(s["console_auth"]),
            # Dify's nginx front Service (both Dify Ingresses name it): the bootstrap's port-forward past oauth2-proxy.
            "front_service": _fullname(common["release_name"]), "front_port": CHART_SERVICE_PORT}


def credential_files(credentials_dir):
    """{secret name: file} of the generated credentials (the role's lookups write them once, 0600)."""
    directory = str(credentials_dir).rstrip("/")
    return dict((name, "%s/%s" % (directory, name.replace("_", "-"))) for name in SECRET_NAMES)


# ------------------------------------------------------------------------------------------------- the build


def _fullname(release):
    return release if "dify" in release else "%s-dify" % release


def _b64(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _secret(namespace, name, data, description, secret_type="Opaque"):
    return {"secret": True, "phase": "pre", "description": description,
            "definition": {"apiVersion": "v1", "kind": "Secret", "type": secret_type,
                           "metadata": {"name": name, "namespace": namespace, "labels": dict(kp.LABELS)},
                           "data": dict((key, _b64(value)) for key, value in sorted(data.items()))}}


def _from(secret, key, name):
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def _obc(namespace, name, bucket, storage_class, description):
    return {"phase": "pre", "description": description,
            "definition": {"apiVersion": "objectbucket.io/v1alpha1", "kind": "ObjectBucketClaim",
                           "metadata": {"name": name, "namespace": namespace, "labels": dict(kp.LABELS)},
                           "spec": {"bucketName": bucket, "storageClassName": storage_class}},
            "wait": True, "wait_timeout": 300}


def _pdb(namespace, name, selector):
    return {"phase": "post", "description": "keeps one %s pod up through voluntary disruptions (node drains)" % name,
            "definition": {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                           "metadata": {"name": name, "namespace": namespace, "labels": dict(kp.LABELS)},
                           "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector}}}}


class _Names(object):
    """Names of what the stage creates and the chart's Services, from the release name."""

    def __init__(self, common, s):
        self.full = _fullname(common["release_name"])
        self.credentials = "%s-credentials" % common["release_name"]
        self.db_secret = s["postgres_cluster"] + DB_SECRET_SUFFIX
        self.redis = "%s-redis" % common["release_name"]
        self.files_obc = "%s-files" % common["release_name"]
        self.backup_obc = "%s-pg-backup" % common["release_name"]
        self.ssrf = "%s-ssrf-allow" % common["release_name"]
        self.weaviate_sa = "%s-weaviate" % self.full


def _database(s, n):
    """(host, port, database, plugin database, user, (secret, user key or None), (secret, password key))."""
    if s["postgres_mode"] == "external":
        ext = s["external_postgres"]
        return (ext["host"], ext.get("port", 5432), ext.get("database", s["postgres_database"]),
                ext.get("plugin_database", s["postgres_plugin_database"]), ext.get("user", s["postgres_user"]),
                None, (ext["password_secret"], ext.get("password_key", "password")))
    return ("%s-rw" % s["postgres_cluster"], 5432, s["postgres_database"], s["postgres_plugin_database"],
            s["postgres_user"], (n.db_secret, "username"), (n.db_secret, "password"))


def _redis(s, n):
    """(host, port, use_ssl, (secret, key))."""
    if s["redis_mode"] == "external":
        ext = s["redis_external"]
        return (ext["host"], ext.get("port", 6379), bool(ext.get("use_ssl")),
                (ext["password_secret"], ext.get("password_key", "password")))
    return (n.redis, 6379, False, (n.credentials, "REDIS_PASSWORD"))


def _files(s, n):
    """(endpoint, bucket, region, path_style, (secret, access key key), (secret, secret key key))."""
    if s["files"] == "s3":
        f = s["files_s3"]
        return (f["endpoint"], f["bucket"], f.get("region", "us-east-1"), bool(f.get("path_style", True)),
                (f["credentials_secret"], f.get("access_key_key", "access_key")),
                (f["credentials_secret"], f.get("secret_key_key", "secret_key")))
    return (s["object_store_endpoint"], s["files_bucket"], "us-east-1", True,
            (n.files_obc, OBC_CREDENTIAL_KEYS[0]), (n.files_obc, OBC_CREDENTIAL_KEYS[1]))


def _backend_env(s, n, component):
    """Environment of api, worker, beat and the plugin daemon: every secret from a Secret (env beats the chart's
    envFrom Secret, which holds placeholders only)."""
    _host, _port, _db, _plugin_db, _user, user_ref, password_ref = _database(s, n)
    redis_host, redis_port, redis_ssl, redis_ref = _redis(s, n)
    _endpoint, _bucket, _region, _path, access_ref, secret_ref = _files(s, n)
    env = []
    if user_ref:
        env.append(_from(user_ref[0], user_ref[1], "DB_USERNAME"))
    env.append(_from(password_ref[0], password_ref[1], "DB_PASSWORD"))
    env.append(_from(redis_ref[0], redis_ref[1], "REDIS_PASSWORD"))
    if component == "plugin_daemon":
        env += [_from(n.credentials, "PLUGIN_DAEMON_KEY", "SERVER_KEY"),
                _from(n.credentials, "INNER_API_KEY", "DIFY_INNER_API_KEY"),
                _from(access_ref[0], access_ref[1], "AWS_ACCESS_KEY"),
                _from(secret_ref[0], secret_ref[1], "AWS_SECRET_KEY"),
                {"name": "S3_USE_AWS", "value": "false"},
                {"name": "FORCE_VERIFYING_SIGNATURE", "value": "true" if s["verify_signature"] else "false"},
                {"name": "PYTHON_ENV_INIT_TIMEOUT", "value": str(s["init_timeout"])},
                {"name": "PLUGIN_PYTHON_ENV_INIT_TIMEOUT", "value": str(s["init_timeout"])},
                {"name": "MAX_PLUGIN_PACKAGE_SIZE", "value": str(s["max_package_mb"] * 1024 * 1024)},
                {"name": "PIP_MIRROR_URL", "value": s["pip_mirror"] or ""}]
        return env
    scheme = "rediss" if redis_ssl else "redis"
    env += [_from(n.credentials, "SECRET_KEY", "SECRET_KEY"),
            _from(n.credentials, "CODE_EXECUTION_API_KEY", "CODE_EXECUTION_API_KEY"),
            _from(n.credentials, "PLUGIN_DAEMON_KEY", "PLUGIN_DAEMON_KEY"),
            _from(n.credentials, "INNER_API_KEY", "INNER_API_KEY_FOR_PLUGIN"),
            _from(access_ref[0], access_ref[1], "S3_ACCESS_KEY"),
            _from(secret_ref[0], secret_ref[1], "S3_SECRET_KEY"),
            # Kubernetes expands $(REDIS_PASSWORD) from the entry above: the URL holds no secret in the values.
            {"name": "CELERY_BROKER_URL", "value": "%s://:$(REDIS_PASSWORD)@%s:%d/1" % (scheme, redis_host, redis_port)}]
    if s["vector_store"] == "pgvector":
        if user_ref:
            env.append(_from(user_ref[0], user_ref[1], "PGVECTOR_USER"))
        env.append(_from(password_ref[0], password_ref[1], "PGVECTOR_PASSWORD"))
    elif s["vector_store"] == "weaviate":
        env.append(_from(n.credentials, CREDENTIAL_KEYS["weaviate_api_key"], "WEAVIATE_API_KEY"))
    elif s["vector_store"] == "qdrant" and s["qdrant"].get("api_key_secret"):
        env.append(_from(s["qdrant"]["api_key_secret"], s["qdrant"].get("api_key_key", "api-key"), "QDRANT_API_KEY"))
    if component == "api":
        env += [_from(n.credentials, "INIT_PASSWORD", "INIT_PASSWORD"),
                {"name": "CHECK_UPDATE_URL", "value": ""},
                {"name": "PLUGIN_MAX_PACKAGE_SIZE", "value": str(s["max_package_mb"] * 1024 * 1024)},
                {"name": "UPLOAD_FILE_SIZE_LIMIT", "value": "15"},
                # Files the API hands to the plugin daemon and the workers inside the cluster (not through the ingress).
                {"name": "INTERNAL_FILES_URL", "value": "http://%s-api:5001" % n.full}]
    return env


def _registry_image(reference):
    """{registry, repository, tag} of a full image reference (the Bitnami-style image values)."""
    registry, _slash, path = reference.partition("/")
    repository, tag = _split(path)
    return {"registry": registry, "repository": repository, "tag": tag}


def _resources(s, key):
    return copy.deepcopy(s["resources"][key])


def _values(common, s, n):
    registry_secrets = list(common["image_pull_secrets"])
    url = "https://%s" % s["host"]
    placeholder = CHART_PLACEHOLDER % n.credentials
    images = {}
    for key, chart_key in (("api", "api"), ("web", "web"), ("sandbox", "sandbox"), ("plugin_daemon", "pluginDaemon"),
                           ("proxy", "proxy"), ("ssrf_proxy", "ssrfProxy")):
        repository, tag = _split(s["images"][key])
        images[chart_key] = {"repository": repository, "tag": tag, "pullPolicy": "IfNotPresent"}
        if registry_secrets:
            images[chart_key]["pullSecrets"] = list(registry_secrets)
    db_host, db_port, db, plugin_db, db_user, _user_ref, _password_ref = _database(s, n)
    redis_host, redis_port, redis_ssl, _redis_ref = _redis(s, n)
    endpoint, bucket, region, path_style, _a, _b = _files(s, n)
    body = "%dm" % s["max_package_mb"]
    tolerations = kp._with_control_plane([], common["tolerate_control_plane"])
    values = {
        "global": {"appSecretKey": placeholder, "internalApiKey": "",
                   "consoleApiDomain": url, "consoleWebDomain": url, "serviceApiDomain": url,
                   "appApiDomain": url, "appWebDomain": url, "filesDomain": url,
                   "marketplace": {"enabled": bool(s["marketplace"])}},
        "image": images,
        "api": {"replicas": s["api_replicas"], "resources": _resources(s, "api"), "migration": True,
                "autoscaling": {"enabled": True, "minReplicas": s["api_replicas"], "maxReplicas": s["api_max_replicas"],
                                "targetCPUUtilizationPercentage": s["hpa_cpu_percent"]},
                "mail": {"type": ""},
                "extraEnv": _backend_env(s, n, "api")},
        "worker": {"replicas": s["worker_replicas"], "resources": _resources(s, "worker"),
                   "autoscaling": {"enabled": True, "minReplicas": s["worker_replicas"],
                                   "maxReplicas": s["worker_max_replicas"],
                                   "targetCPUUtilizationPercentage": s["hpa_cpu_percent"]},
                   "extraEnv": _backend_env(s, n, "worker")},
        "beat": {"resources": _resources(s, "beat"), "extraEnv": _backend_env(s, n, "beat")},
        "web": {"replicas": s["web_replicas"], "resources": _resources(s, "web")},
        "proxy": {"replicas": s["web_replicas"], "resources": _resources(s, "proxy"), "clientMaxBodySize": body},
        "sandbox": {"resources": _resources(s, "sandbox"), "auth": {"apiKey": placeholder},
                    "extraEnv": [{"name": "WORKER_TIMEOUT", "value": "15"},
                                 _from(n.credentials, "CODE_EXECUTION_API_KEY", "API_KEY")]},
        "ssrfProxy": {"enabled": True, "resources": _resources(s, "ssrf_proxy"),
                      "extraVolumes": [{"name": "privateai-allow", "configMap": {"name": n.ssrf}}],
                      "extraVolumeMounts": [{"name": "privateai-allow", "mountPath": "/etc/squid/conf.d/privateai.conf",
                                             "subPath": "privateai.conf", "readOnly": True}]},
        "pluginDaemon": {"resources": _resources(s, "plugin_daemon"), "shareProcessNamespace": True,
                         "auth": {"serverKey": placeholder, "difyApiKey": placeholder},
                         "extraEnv": _backend_env(s, n, "plugin_daemon")},
        # Not the bundled Bitnami subcharts: their images moved to an unmaintained legacy repository (2025). Their
        # image values still feed the chart's `helm test` Jobs (pg_isready, redis-cli): our images carry both tools.
        "postgresql": {"enabled": False, "image": _registry_image(s["images"]["postgres"])},
        "redis": {"enabled": False, "image": _registry_image(s["images"]["redis"])},
        "externalPostgres": {"enabled": True, "username": db_user, "password": placeholder, "address": db_host,
                             "port": db_port, "database": {"api": db, "pluginDaemon": plugin_db}},
        "externalRedis": {"enabled": True, "host": redis_host, "port": redis_port, "username": "",
                          "password": placeholder, "useSSL": redis_ssl, "db": {"app": 0, "celery": 1}},
        "externalS3": {"enabled": True, "endpoint": endpoint, "pathStyle": path_style, "accessKey": placeholder,
                       "secretKey": placeholder, "bucketName": {"api": bucket, "pluginDaemon": bucket},
                       "useIAM": False, "region": region},
        "ingress": {"enabled": True, "className": s["ingress_class"],
                    "annotations": dict(ingress_annotations(s), **{"cert-manager.io/cluster-issuer": s["issuer"]}),
                    "hosts": [{"host": s["host"], "paths": [{"path": "/", "pathType": "Prefix"}]}],
                    "tls": [{"secretName": s["tls_secret"], "hosts": [s["host"]]}]},
    }
    if s["console_auth"]:
        # Our own Ingresses (console_ingresses) take the host: one Ingress cannot gate some paths and not others.
        values["ingress"] = {"enabled": False}
    if tolerations:
        values["tolerations"] = copy.deepcopy(tolerations)
    # No Dify component talks to the Kubernetes API: each its own ServiceAccount, without a token
    # (k8s_service_accounts.WORKLOADS says why).
    for chart_key, suffix in ksa.DIFY_CHART_COMPONENTS:
        values.setdefault(chart_key, {})["serviceAccount"] = ksa.chart_service_account("%s-%s" % (n.full, suffix))
    vector = s["vector_store"]
    values["weaviate"] = {"enabled": vector == "weaviate"}
    if vector == "weaviate":
        registry, _slash, path = s["images"]["weaviate"].partition("/")
        repo, tag = _split(path)
        values["weaviate"].update({
            "image": {"registry": registry, "repo": repo, "tag": tag, "pullSecrets": list(registry_secrets)},
            "initContainers": {"sysctlInitContainer": {"image": dict(
                (k if k != "repository" else "repo", value)
                for k, value in _registry_image(s["images"]["weaviate_init"]).items())}},
            "storage": {"size": s["weaviate_size"], "storageClassName": s["postgres_storage_class"]},
            "resources": _resources(s, "weaviate"),
            # The subchart makes no ServiceAccount: the stage's own (without a token) is named here.
            "serviceAccountName": n.weaviate_sa,
            "authentication": {"anonymous_access": {"enabled": False}},
            "env": {"AUTHENTICATION_APIKEY_ENABLED": "true", "AUTHENTICATION_APIKEY_USERS": "dify"},
            "envSecrets": {CREDENTIAL_KEYS["weaviate_api_key"]: n.credentials}})
    elif vector == "qdrant":
        values["externalQdrant"] = {"enabled": True, "endpoint": s["qdrant"]["url"], "apiKey": placeholder}
    else:
        values["externalPgvector"] = {"enabled": True, "username": db_user, "password": placeholder,
                                      "address": db_host, "port": db_port, "dbName": db}
    return values


def _squid_allow(s, namespace):
    """The SSRF proxy's allowlist (a file included by the chart's squid.conf before its final 'deny all')."""
    lines = ["# Rendered by privateai.deepseek_dify: what Dify may reach through its SSRF proxy."]
    domains = []
    for host in s["model_hosts"]:
        domains += [host, host + ".cluster.local"] if host.endswith(".svc") else [host]
    if domains:
        lines += ["acl privateai_models dstdomain %s" % " ".join(domains), "http_access allow privateai_models"]
    if s["ssrf_allowed"]:
        lines += ["acl privateai_allowed dstdomain %s" % " ".join(s["ssrf_allowed"]), "http_access allow privateai_allowed"]
    if not domains and not s["ssrf_allowed"]:
        lines.append("# No model Service published by the serving stage and no dify_ssrf_allowed_domains.")
    return "\n".join(lines) + "\n"


def _redis_manifests(common, s, n):
    namespace = common["namespace"]
    labels = dict(kp.LABELS, **{"app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": n.redis})
    selector = {"app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": n.redis}
    pod = {"securityContext": {"runAsNonRoot": True, "runAsUser": 999, "runAsGroup": 999, "fsGroup": 999},
           "containers": [{
               "name": "redis", "image": s["images"]["redis"], "imagePullPolicy": "IfNotPresent",
               "env": [_from(n.credentials, "REDIS_PASSWORD", "REDIS_PASSWORD")],
               "command": ["valkey-server"],
               "args": ["--requirepass", "$(REDIS_PASSWORD)", "--appendonly", "yes", "--dir", "/data",
                        "--maxmemory-policy", "noeviction"],
               "ports": [{"name": "redis", "containerPort": 6379, "protocol": "TCP"}],
               "readinessProbe": {"tcpSocket": {"port": "redis"}, "periodSeconds": 10},
               "livenessProbe": {"tcpSocket": {"port": "redis"}, "periodSeconds": 20, "failureThreshold": 6},
               "resources": _resources(s, "redis"),
               "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
               "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}
    if common["image_pull_secrets"]:
        pod["imagePullSecrets"] = [{"name": name} for name in common["image_pull_secrets"]]
    tolerations = kp._with_control_plane([], common["tolerate_control_plane"])
    if tolerations:
        pod["tolerations"] = tolerations
    ksa.no_token(pod, n.redis)
    return [
        ksa.service_account(namespace, n.redis, kp.LABELS,
                            "Redis (Valkey)'s own ServiceAccount, without a Kubernetes API token"),
        {"phase": "pre", "description": "Redis (Valkey) for Dify's cache and Celery broker",
         "definition": {"apiVersion": "v1", "kind": "Service",
                        "metadata": {"name": n.redis, "namespace": namespace, "labels": labels},
                        "spec": {"selector": selector, "ports": [{"name": "redis", "port": 6379, "targetPort": "redis"}]}}},
        {"phase": "pre", "description": "Redis (Valkey) with append-only persistence on the block StorageClass",
         "wait": True, "wait_timeout": 600,
         "definition": {"apiVersion": "apps/v1", "kind": "StatefulSet",
                        "metadata": {"name": n.redis, "namespace": namespace, "labels": labels},
                        "spec": {"serviceName": n.redis, "replicas": 1, "selector": {"matchLabels": selector},
                                 "template": {"metadata": {"labels": labels}, "spec": pod},
                                 "volumeClaimTemplates": [{
                                     "metadata": {"name": "data"},
                                     "spec": {"accessModes": ["ReadWriteOnce"],
                                              "storageClassName": s["postgres_storage_class"],
                                              "resources": {"requests": {"storage": s["redis_size"]}}}}]}}}]


def _postgres_manifests(common, s, n):
    namespace = common["namespace"]
    cluster = s["postgres_cluster"]
    spec = {"instances": s["postgres_instances"], "imageName": s["images"]["postgres"],
            "primaryUpdateStrategy": "unsupervised",
            "storage": {"storageClass": s["postgres_storage_class"], "size": s["postgres_size"]},
            "bootstrap": {"initdb": {"database": s["postgres_database"], "owner": s["postgres_user"],
                                     "secret": {"name": n.db_secret}}},
            "affinity": {"enablePodAntiAffinity": True, "topologyKey": "kubernetes.io/hostname",
                         "podAntiAffinityType": "preferred"},
            "resources": _resources(s, "postgres")}
    if common["image_pull_secrets"]:
        spec["imagePullSecrets"] = [{"name": name} for name in common["image_pull_secrets"]]
    if common["tolerate_control_plane"]:
        spec["affinity"]["tolerations"] = [dict(kp.CONTROL_PLANE_TOLERATION)]
    manifests = []
    if s["backup"] != "none":
        if s["backup"] == "bucket":
            endpoint, bucket = s["object_store_endpoint"], s["backup_bucket"]
            secret, access, secret_key = n.backup_obc, OBC_CREDENTIAL_KEYS[0], OBC_CREDENTIAL_KEYS[1]
            manifests.append(_obc(namespace, n.backup_obc, bucket, s["bucket_storage_class"],
                                  "bucket of the PostgreSQL base backups and WAL archive"))
        else:
            b = s["backup_s3"]
            endpoint, bucket, secret = b["endpoint"], b["bucket"], b["credentials_secret"]
            access, secret_key = b.get("access_key_key", "access_key"), b.get("secret_key_key", "secret_key")
        # CloudNativePG 1.30's in-tree Barman Cloud backup (the Barman Cloud plugin is not among the pinned charts).
        credentials = {"accessKeyId": {"name": secret, "key": access},
                       "secretAccessKey": {"name": secret, "key": secret_key}}
        store = {"destinationPath": "s3://%s/" % bucket, "endpointURL": endpoint, "s3Credentials": credentials,
                 "wal": {"compression": "gzip"}, "data": {"compression": "gzip"}}
        spec["backup"] = {"retentionPolicy": s["backup_retention"], "barmanObjectStore": store}
    description = "the Dify database: %d PostgreSQL instance(s) managed by CloudNativePG" % s["postgres_instances"]
    manifests.append({"phase": "pre", "description": description,
                      "wait": True, "wait_condition": {"type": "Ready", "status": "True"}, "wait_timeout": 900,
                      "definition": {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
                                     "metadata": {"name": cluster, "namespace": namespace, "labels": dict(kp.LABELS)},
                                     "spec": spec}})
    databases = [(s["postgres_plugin_database"], [])]
    if s["vector_store"] == "pgvector":
        databases.insert(0, (s["postgres_database"], [{"name": "vector", "ensure": "present"}]))
    for name, extensions in databases:
        db_spec = {"cluster": {"name": cluster}, "name": name, "owner": s["postgres_user"], "ensure": "present"}
        if extensions:
            db_spec["extensions"] = extensions
        what = " with the pgvector extension" if extensions else " of the plugin daemon"
        manifests.append({"phase": "pre", "description": "database %s%s" % (name, what),
                          "definition": {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Database",
                                         "metadata": {"name": "%s-%s" % (cluster, name.replace("_", "-")),
                                                      "namespace": namespace, "labels": dict(kp.LABELS)},
                                         "spec": db_spec}})
    if s["backup"] != "none":
        manifests.append({"phase": "pre", "description": "daily base backup (the WAL is archived continuously)",
                          "definition": {"apiVersion": "postgresql.cnpg.io/v1", "kind": "ScheduledBackup",
                                         "metadata": {"name": "%s-daily" % cluster, "namespace": namespace,
                                                      "labels": dict(kp.LABELS)},
                                         "spec": {"schedule": s["backup_schedule"], "cluster": {"name": cluster},
                                                  "backupOwnerReference": "self", "method": "barmanObjectStore"}}})
    return manifests


def _build(common, s, secrets):
    namespace = common["namespace"]
    n = _Names(common, s)

    def value(name):
        return secrets.get(name) or PLACEHOLDER

    credentials = dict((key, value(name)) for name, key in CREDENTIAL_KEYS.items()
                       if name != "weaviate_api_key" or s["vector_store"] == "weaviate")
    if s["redis_mode"] == "external":
        credentials.pop("REDIS_PASSWORD")
    manifests = [kp._namespace(namespace, dict(kp.LABELS)),
                 # Only the chart's `helm test` Jobs (no ServiceAccount option) run as `default`: no token for it.
                 ksa.service_account(namespace, "default", kp.LABELS,
                                     "the namespace's default ServiceAccount, without a Kubernetes API token"),
                 _secret(namespace, n.credentials, credentials,
                         "Dify's keys and passwords (generated once into dify_credentials_dir)")]
    if s["postgres_mode"] == "cnpg":
        manifests.append(_secret(namespace, n.db_secret, {"username": s["postgres_user"], "password": value("db_password")},
                                 "owner of the Dify databases (CloudNativePG initdb)", "kubernetes.io/basic-auth"))
    if s["files"] == "bucket":
        manifests.append(_obc(namespace, n.files_obc, s["files_bucket"], s["bucket_storage_class"],
                              "bucket of Dify's files and plugin packages"))
    if s["redis_mode"] == "internal":
        manifests += _redis_manifests(common, s, n)
    if s["vector_store"] == "weaviate":
        manifests.append(ksa.service_account(namespace, n.weaviate_sa, kp.LABELS, "Weaviate's ServiceAccount (the chart "
                                             "makes none), without a Kubernetes API token"))
    if s["postgres_mode"] == "cnpg":
        manifests += _postgres_manifests(common, s, n)
    manifests.append({"phase": "pre", "description": "what Dify's SSRF proxy lets through (model Services)",
                      "definition": {"apiVersion": "v1", "kind": "ConfigMap",
                                     "metadata": {"name": n.ssrf, "namespace": namespace, "labels": dict(kp.LABELS)},
                                     "data": {"privateai.conf": _squid_allow(s, namespace)}}})
    chart_selector = {"app.kubernetes.io/name": "dify", "app.kubernetes.io/instance": common["release_name"]}
    for component, replicas in (("api", s["api_replicas"]), ("worker", s["worker_replicas"]),
                                ("web", s["web_replicas"]), ("proxy", s["web_replicas"])):
        if replicas >= 2:
            manifests.append(_pdb(namespace, "%s-%s" % (n.full, component), dict(chart_selector, component=component)))
    release = kp._release(common, "dify", _values(common, s, n))
    if s["console_auth"]:
        manifests += console_ingresses(common, s, n)
    return {"name": "dify", "releases": [release], "manifests": manifests}
