# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks and stage building of the monitoring stage (role observability, stage ``observability``).

``observability_stage(settings, owned)`` takes the role's variables by name (as the inventory gave them) and the
scrape targets whose owning stage already renders its own monitor (``owned``: a list of target names); converts
every value as the role's argument spec declares it, checks each value's syntax, and builds as data, only when there
is no problem:

- the kube-prometheus-stack Helm release (pinned, mirror-overridable through the chart's ``global.imageRegistry``),
  Prometheus retention and storage on the block StorageClass, Alertmanager routing from the inventory's receivers
  (e-mail, webhook, WeChat Work) grouped by node, Grafana with its admin credentials from a Secret;
- a ServiceMonitor per scrape target (DCGM exporter, model servers, Ceph, Fluent Bit, cert-manager) that no other
  stage renders;
- the PrometheusRule of the alerts (``alert_groups(s)``), each with a runbook annotation pointing at
  docs/operations.md, thresholds from the variables;
- the Grafana dashboards (GPU fleet, serving, Ceph, Dify) as ConfigMaps for Grafana's sidecar
  (plugins/plugin_utils/k8s_dashboards.py);
- with ``observability_profiling_enabled``, continuous profiling: the Pyroscope Helm release (grafana/pyroscope chart,
  pinned, mirror-overridable; single binary, retention and storage on the block StorageClass) with its Grafana Alloy
  agent as a privileged DaemonSet in the host PID namespace (eBPF CPU profiles of the model servers' Python
  processes, ``pyroscope.ebpf``; pprof scraping of pods annotated ``profiles.grafana.com/<type>.scrape``), and a
  Pyroscope datasource in Grafana (``profiling_values``, ``alloy_config``).

Receivers never carry a secret in the values: passwords, webhook URLs and API secrets are files of Secrets the site
creates in the monitoring namespace (``observability_alertmanager_secrets``, mounted by the Alertmanager at
/etc/alertmanager/secrets/<secret>/<key>).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import os
import re

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_dashboards
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

PUBLISHED = ("observability_k8s_stage", "observability_outputs")
# What the stage scrapes; "owned" names those another stage already renders a monitor for (no duplicate targets).
TARGETS = ("dcgm_exporter", "model_serving", "ceph", "fluent_bit", "cert_manager")
RECEIVER_TYPES = ("email", "webhook", "wechat")
RECEIVER_KEYS = {
    "email": ("name", "type", "severities", "to", "from", "smarthost", "auth_username", "auth_password_file",
              "require_tls"),
    "webhook": ("name", "type", "severities", "url", "url_file", "max_alerts"),
    "wechat": ("name", "type", "severities", "corp_id", "agent_id", "to_party", "to_user", "api_secret_file",
               "api_url"),
}
SEVERITIES = ("critical", "warning")
# Prometheus durations and sizes (its own syntax, not Go's): 15d, 12h, 30s; 45GB.
PROM_DURATION_RE = re.compile(r"^[0-9]+(ms|s|m|h|d|w|y)$")
PROM_SIZE_RE = re.compile(r"^[0-9]+(B|KB|MB|GB|TB|PB|EB)$")
SECRET_FILE_RE = re.compile(r"^/etc/alertmanager/secrets/[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[-._a-zA-Z0-9]+$")
EMAIL_RE = re.compile(r"^[^@\s,<>]+@[^@\s,<>]+$")
HOSTPORT_RE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?:[0-9]{1,5}$")
# XIDs that an application causes (bad kernel, out of memory, a killed process), not the GPU: not paged
# (../shared/reference/gpu-nodes-and-health.md).
APPLICATION_XIDS = (13, 31, 43, 45, 68)
RUNBOOK = "docs/operations.md"
GROUP_BY = ["alertname", "node"]
DASHBOARD_LABEL = "grafana_dashboard"

# Continuous profiling: the grafana/pyroscope chart (single binary) and its Grafana Alloy subchart as the agent.
PROFILING_CHART = "pyroscope"
PROFILING_PORT = 4040
PROFILING_DATASOURCE = {"name": "Pyroscope", "type": "grafana-pyroscope-datasource", "uid": "pyroscope"}
# The registries the chart pulls from with observability_profiling_image_registry empty: Pyroscope and Alloy from
# Docker Hub's grafana organisation, Alloy's config reloader from quay.io.
PROFILING_UPSTREAM = {"pyroscope": "docker.io", "alloy": "docker.io", "config_reloader": "quay.io"}
PROFILING_RESOURCE_KEYS = ("requests", "limits")
PROFILING_RESOURCES = ("cpu", "memory", "ephemeral-storage")
# The pprof annotations the agent follows (profiles.grafana.com/<kind>.scrape) and the profile each one turns on;
# every profile of pyroscope.scrape's profiling_config is set explicitly (one per scrape).
PPROF_KINDS = {"cpu": "process_cpu", "memory": "memory", "goroutine": "goroutine"}
PPROF_PROFILES = ("process_cpu", "memory", "goroutine", "block", "mutex", "fgprof", "godeltaprof_memory",
                  "godeltaprof_mutex", "godeltaprof_block")


def _prom_duration(reader, name):
    value = reader.read(name, v.to_str)
    if value is not None and not PROM_DURATION_RE.match(value):
        reader.add(["%s is '%s': give a Prometheus duration such as 2m, 12h or 15d" % (name, value)])
        return None
    return value


def _number(reader, name, low, high, what):
    value = reader.read(name, _to_number)
    if value is not None and not low <= value <= high:
        reader.add(["%s is %s: give %s between %s and %s" % (name, value, what, low, high)])
        return None
    return value


def _to_number(name, value):
    if isinstance(value, bool):
        raise v.Invalid("%s is %s: give a number" % (name, v.describe(value)))
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                pass
    raise v.Invalid("%s is %s: give a number" % (name, v.describe(value)))


def _text(where, value, problems, pattern=None, what="one line of text"):
    if not isinstance(value, str) or not value or v.one_line(value) is not None or (pattern and not pattern.match(value)):
        problems.append("%s is %s: give %s" % (where, v.describe(value), what))
        return False
    return True


def _receivers(reader, secrets):
    receivers = reader.read("observability_alert_receivers", v.to_list)
    out = []
    seen = set()
    for index, item in enumerate(receivers or []):
        where = "observability_alert_receivers[%d]" % index
        problems = []
        if not isinstance(item, dict):
            reader.add(["%s is %s: give {name, type: email|webhook|wechat, ...}" % (where, v.describe(item))])
            continue
        kind = item.get("type")
        if kind not in RECEIVER_TYPES:
            reader.add(["%s.type is %s: give email, webhook or wechat" % (where, v.describe(kind))])
            continue
        problems += v.unknown_keys(where, item, RECEIVER_KEYS[kind])
        name = item.get("name")
        problems += v.check_dns_label(where + ".name", name)
        if name in seen or name == "null":
            problems.append("%s.name is '%s': each receiver needs its own name (not null)" % (where, name))
        seen.add(name)
        severities = item.get("severities", list(SEVERITIES))
        if not isinstance(severities, list) or not severities or any(s not in SEVERITIES for s in severities):
            problems.append("%s.severities is %s: give a list of critical and/or warning" % (where, v.describe(severities)))
        for key in ("auth_password_file", "url_file", "api_secret_file"):
            if key in item and _text(where + "." + key, item[key], problems, SECRET_FILE_RE,
                                     "a file /etc/alertmanager/secrets/<secret>/<key> of a Secret listed in "
                                     "observability_alertmanager_secrets"):
                secret = item[key].split("/")[4]
                if secret not in secrets:
                    problems.append("%s.%s is '%s': the Secret %s is not in observability_alertmanager_secrets: add it "
                                    "there (it is mounted at /etc/alertmanager/secrets/%s/)"
                                    % (where, key, item[key], secret, secret))
        config = {"name": name}
        if kind == "email":
            for key in ("to", "from"):
                _text("%s.%s" % (where, key), item.get(key), problems, EMAIL_RE, "an e-mail address")
            _text(where + ".smarthost", item.get("smarthost"), problems, HOSTPORT_RE, "the SMTP relay as host:port")
            if "auth_username" in item:
                _text(where + ".auth_username", item["auth_username"], problems)
            if "require_tls" in item and not isinstance(item["require_tls"], bool):
                problems.append("%s.require_tls is %s: give true or false" % (where, v.describe(item["require_tls"])))
            email = dict((k, item[k]) for k in ("to", "from", "smarthost", "auth_username", "auth_password_file",
                                                "require_tls") if k in item)
            email["send_resolved"] = True
            config["email_configs"] = [email]
        elif kind == "webhook":
            if ("url" in item) == ("url_file" in item):
                problems.append("%s: give url or url_file (a file of a Secret, when the URL carries a token), one of "
                                "them" % where)
            elif "url" in item:
                _text(where + ".url", item["url"], problems, re.compile(r"^https?://\S+$"), "an http(s):// URL")
            if "max_alerts" in item and (not isinstance(item["max_alerts"], int) or isinstance(item["max_alerts"], bool)
                                         or item["max_alerts"] < 0):
                problems.append("%s.max_alerts is %s: give a count, 0 for all" % (where, v.describe(item["max_alerts"])))
            hook = dict((k, item[k]) for k in ("url", "url_file", "max_alerts") if k in item)
            hook["send_resolved"] = True
            config["webhook_configs"] = [hook]
        else:
            _text(where + ".corp_id", item.get("corp_id"), problems, re.compile(r"^[A-Za-z0-9]+$"),
                  "the WeChat Work corp ID (letters and digits)")
            agent = item.get("agent_id")
            _text(where + ".agent_id", str(agent) if isinstance(agent, int) and not isinstance(agent, bool) else agent,
                  problems, re.compile(r"^[0-9]+$"), "the application's agent ID (digits)")
            if "api_secret_file" not in item:
                problems.append("%s.api_secret_file is not set: give the file of the application secret "
                                "(/etc/alertmanager/secrets/<secret>/<key>)" % where)
            if not item.get("to_party") and not item.get("to_user"):
                problems.append("%s: give to_party (department IDs) or to_user (user IDs, '@all')" % where)
            for key in ("to_party", "to_user", "api_url"):
                if key in item:
                    _text("%s.%s" % (where, key), item[key], problems)
            wechat = dict((k, item[k]) for k in ("corp_id", "to_party", "to_user", "api_secret_file", "api_url")
                          if k in item)
            wechat["agent_id"] = str(agent)
            wechat["send_resolved"] = True
            config["wechat_configs"] = [wechat]
        reader.add(problems)
        if not problems:
            out.append((config, severities))
    return out


def read_settings(reader):
    """The stage's settings beyond the common ones, converted and checked."""
    s = {}
    s["storage_class"] = reader.read("observability_storage_class", v.to_str)
    if s["storage_class"]:
        reader.add(v.check_dns_subdomain("observability_storage_class", s["storage_class"]))
    for name in ("prometheus_storage_size", "alertmanager_storage_size", "grafana_storage_size"):
        s[name] = reader.read("observability_" + name, v.to_str, check=v.check_quantity)
    s["prometheus_retention"] = _prom_duration(reader, "observability_prometheus_retention")
    s["prometheus_retention_size"] = reader.read("observability_prometheus_retention_size", v.to_str)
    if s["prometheus_retention_size"] and not PROM_SIZE_RE.match(s["prometheus_retention_size"]):
        reader.add(["observability_prometheus_retention_size is '%s': give a Prometheus size such as 45GB (a little "
                    "below observability_prometheus_storage_size), or empty" % s["prometheus_retention_size"]])
    s["grafana_admin_secret"] = reader.read("observability_grafana_admin_secret", v.to_str, check=v.check_dns_subdomain)
    s["grafana_admin_password_file"] = reader.read("observability_grafana_admin_password_file", v.to_str)
    s["targets"] = reader.read("observability_scrape_targets", v.to_list)
    for index, target in enumerate(s["targets"] or []):
        if target not in TARGETS:
            reader.add(["observability_scrape_targets[%d] is %s: give some of %s"
                        % (index, v.describe(target), ", ".join(TARGETS))])
    for name in ("gpu_operator_namespace", "serving_namespace", "ceph_namespace", "fluent_bit_namespace",
                 "cert_manager_namespace", "dify_namespace", "backup_namespace"):
        s[name] = reader.read("observability_" + name, v.to_str, check=v.check_dns_label)
    s["dify_api_service"] = reader.read("observability_dify_api_service", v.to_str, check=v.check_dns_label)
    s["backup_schedule"] = reader.read("observability_backup_schedule", v.to_str, check=v.check_dns_subdomain)
    # Thresholds.
    s["gpu_temp_celsius"] = _number(reader, "observability_gpu_temp_celsius", 40, 110, "degrees Celsius")
    s["gpu_temp_for"] = _prom_duration(reader, "observability_gpu_temp_for")
    s["gpus_per_node"] = reader.read("observability_gpus_per_node", v.to_int)
    if s["gpus_per_node"] is not None and not 1 <= s["gpus_per_node"] <= 16:
        reader.add(["observability_gpus_per_node is %d: give the GPUs each GPU node has (1 to 16; "
                    "privateai_expected_gpu.count_per_node)" % s["gpus_per_node"]])
    s["nvlink_errors_per_10m"] = _number(reader, "observability_nvlink_errors_per_10m", 0, 10 ** 9, "a count")
    s["ttft_p99_seconds"] = _number(reader, "observability_ttft_p99_seconds", 0.01, 600, "seconds")
    s["queue_length"] = _number(reader, "observability_queue_length", 1, 10 ** 6, "requests")
    s["kv_cache_ratio"] = _number(reader, "observability_kv_cache_ratio", 0.1, 1, "a ratio")
    s["pod_restarts_per_15m"] = _number(reader, "observability_pod_restarts_per_15m", 1, 1000, "a count")
    s["pvc_used_ratio"] = _number(reader, "observability_pvc_used_ratio", 0.1, 1, "a ratio")
    s["certificate_days"] = _number(reader, "observability_certificate_days", 1, 365, "days")
    s["backup_max_age_hours"] = _number(reader, "observability_backup_max_age_hours", 1, 24 * 31, "hours")
    s["dify_5xx_ratio"] = _number(reader, "observability_dify_5xx_ratio", 0.0001, 1, "a ratio")
    s["secrets"] = reader.read("observability_alertmanager_secrets", v.to_list)
    for index, name in enumerate(s["secrets"] or []):
        reader.add(v.check_dns_subdomain("observability_alertmanager_secrets[%d]" % index, name))
    s["receivers"] = _receivers(reader, s["secrets"] or [])
    s["group_wait"] = _prom_duration(reader, "observability_alert_group_wait")
    s["repeat_interval"] = _prom_duration(reader, "observability_alert_repeat_interval")
    s["dashboards"] = reader.read("observability_dashboards", v.to_bool)
    s["profiling"] = read_profiling(reader, s["serving_namespace"])
    return s


# ---------------------------------------------------------------------------------------------- the profiling


def _resources(reader, name):
    """A container's {requests, limits} of cpu, memory, ephemeral-storage, every quantity checked."""
    value = reader.read(name, v.to_dict)
    if value is None:
        return None
    problems = v.unknown_keys(name, value, PROFILING_RESOURCE_KEYS)
    if not isinstance(value.get("requests"), dict) or not value.get("requests"):
        problems.append("%s.requests is %s: give {cpu, memory} (the scheduler places the pod by them)"
                        % (name, v.describe(value.get("requests"))))
    out = {}
    for part in PROFILING_RESOURCE_KEYS:
        items = value.get(part)
        if items is None:
            continue
        if not isinstance(items, dict):
            problems.append("%s.%s is %s: give a mapping of cpu, memory" % (name, part, v.describe(items)))
            continue
        out[part] = {}
        for resource, quantity in sorted(items.items(), key=lambda item: str(item[0])):
            where = "%s.%s.%s" % (name, part, resource)
            if resource not in PROFILING_RESOURCES:
                known = ", ".join(PROFILING_RESOURCES)
                problems.append("%s.%s: unknown resource %s (known: %s)" % (name, part, v.describe(resource), known))
                continue
            if isinstance(quantity, (int, float)) and not isinstance(quantity, bool):
                quantity = str(quantity)
            found = v.check_quantity(where, quantity)
            problems += found
            if not found:
                out[part][resource] = quantity
    reader.add(problems)
    return None if problems else out


def read_profiling(reader, serving_namespace):
    """The continuous profiling settings, converted and checked (also while profiling is off: a bad value waiting in
    the inventory is reported before the day it is turned on)."""
    p = {"enabled": reader.read("observability_profiling_enabled", v.to_bool)}
    p["release_name"] = reader.read("observability_profiling_release_name", v.to_str)
    if p["release_name"] is not None:
        if len(p["release_name"]) > 53:
            reader.add(["observability_profiling_release_name is '%s': Helm release names are 53 characters at most"
                        % p["release_name"]])
        else:
            reader.add(v.check_dns_label("observability_profiling_release_name", p["release_name"]))
    p["chart_version"] = reader.read("observability_profiling_chart_version", v.to_str)
    if p["chart_version"] is not None and not v.TAG_RE.match(p["chart_version"]):
        reader.add(["observability_profiling_chart_version is '%s': give the exact chart version, such as 2.2.1"
                    % p["chart_version"]])
    p["chart_repo_url"] = reader.read("observability_profiling_chart_repo_url", v.to_str)
    if p["chart_repo_url"] is not None and not p["chart_repo_url"].startswith(("https://", "http://", "oci://")):
        reader.add(["observability_profiling_chart_repo_url is '%s': give an https:// chart repository (such as "
                    "https://grafana.github.io/helm-charts) or an oci:// registry path" % p["chart_repo_url"]])
    p["chart_archive"] = reader.read("observability_profiling_chart_archive", v.to_str)
    if p["chart_archive"]:
        p["chart_archive"] = os.path.expanduser(p["chart_archive"])
        if not os.path.isfile(p["chart_archive"]):
            reader.add(["observability_profiling_chart_archive is '%s': no such file on the control node (helm pull "
                        "the pinned pyroscope chart there, or leave it empty to use "
                        "observability_profiling_chart_repo_url)" % p["chart_archive"]])
    p["image_registry"] = reader.read("observability_profiling_image_registry", v.to_str)
    if p["image_registry"]:
        reader.add(v.check_registry("observability_profiling_image_registry", p["image_registry"]))
        p["image_registry"] = p["image_registry"].rstrip("/")
    p["retention"] = _prom_duration(reader, "observability_profiling_retention")
    if p["retention"] is not None and int(re.match(r"^[0-9]+", p["retention"]).group(0)) == 0:
        reader.add(["observability_profiling_retention is '%s': give a duration above zero such as 7d (Pyroscope "
                    "reads 0 as keep forever, and the volume fills)" % p["retention"]])
        p["retention"] = None
    p["storage_size"] = reader.read("observability_profiling_storage_size", v.to_str, check=v.check_quantity)
    p["resources"] = _resources(reader, "observability_profiling_resources")
    p["agent_resources"] = _resources(reader, "observability_profiling_agent_resources")
    namespaces = reader.read("observability_profiling_ebpf_namespaces", v.to_list)
    p["ebpf_namespaces"] = []
    for index, name in enumerate(namespaces or []):
        found = v.check_dns_label("observability_profiling_ebpf_namespaces[%d]" % index, name)
        reader.add(found)
        if not found and name not in p["ebpf_namespaces"]:
            p["ebpf_namespaces"].append(name)
    if namespaces == [] and serving_namespace:
        p["ebpf_namespaces"] = [serving_namespace]
    p["sample_rate"] = reader.read("observability_profiling_ebpf_sample_rate", v.to_int)
    if p["sample_rate"] is not None and not 1 <= p["sample_rate"] <= 1000:
        reader.add(["observability_profiling_ebpf_sample_rate is %d: give the samples per second per CPU, 1 to 1000 "
                    "(19, the agent's default)" % p["sample_rate"]])
    p["values_extra"] = reader.read("observability_profiling_values_extra", v.to_dict)
    return p


def profiling_url(release_name, namespace):
    """Where Pyroscope answers (its Service is named after the release: the values set fullnameOverride)."""
    return "http://%s.%s.svc:%d" % (release_name, namespace, PROFILING_PORT)


def _alloy_string(value):
    """A string literal of Alloy's configuration syntax (the values are checked names; escaped all the same)."""
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def _labels_and_service_name(common_rules):
    """The relabel rules every target of the agent gets (namespace, pod, node, container, and service_name as
    <namespace>/<container>), closing the discovery.relabel block."""
    lines = []
    for source, target in common_rules:
        lines += ["  rule {", "    source_labels = [%s]" % _alloy_string(source),
                  "    target_label  = %s" % _alloy_string(target), "  }"]
    return lines + [
        "  rule {",
        "    source_labels = [\"__meta_kubernetes_namespace\", \"__meta_kubernetes_pod_container_name\"]",
        "    separator     = \"/\"",
        "    target_label  = \"service_name\"",
        "  }",
        "}",
        "",
    ]


def alloy_config(p, write_url):
    """The agent's configuration (Alloy syntax), one instance per node: eBPF CPU profiles of the containers of the
    pods of ``ebpf_namespaces`` on its node, pprof profiles of the pods on its node that ask for it through the
    ``profiles.grafana.com/<type>.scrape`` annotations (Go services: the operators, Pyroscope itself), both sent to
    Pyroscope. Written from Alloy's component reference (discovery.kubernetes, discovery.relabel, pyroscope.ebpf,
    pyroscope.scrape, pyroscope.write); no Alloy build checks it here. The alloy subchart passes it through Helm's
    tpl: it holds no "{{" (the namespaces are DNS labels)."""
    namespaces = "|".join(re.escape(n) for n in p["ebpf_namespaces"])
    lines = [
        "// Rendered by privateai.deepseek_dify (stage observability): the profiling agent, one per node.",
        "// Change the inventory (observability_profiling_*) and render again.",
        "",
        "discovery.kubernetes \"local_pods\" {",
        "  role = \"pod\"",
        "  selectors {",
        "    role  = \"pod\"",
        "    field = \"spec.nodeName=\" + sys.env(\"HOSTNAME\")",
        "  }",
        "}",
        "",
        "// eBPF: the processes of the model servers' containers (vLLM, SGLang: Python) on this node.",
        "discovery.relabel \"ebpf\" {",
        "  targets = discovery.kubernetes.local_pods.targets",
        "  rule {",
        "    source_labels = [\"__meta_kubernetes_namespace\"]",
        "    regex         = %s" % _alloy_string(namespaces),
        "    action        = \"keep\"",
        "  }",
        "  rule {",
        "    source_labels = [\"__meta_kubernetes_pod_phase\"]",
        "    regex         = \"Pending|Succeeded|Failed|Completed\"",
        "    action        = \"drop\"",
        "  }",
    ]
    common_rules = [
        ("__meta_kubernetes_namespace", "namespace"),
        ("__meta_kubernetes_pod_name", "pod"),
        ("__meta_kubernetes_pod_node_name", "node"),
        ("__meta_kubernetes_pod_container_name", "container"),
    ]
    lines += _labels_and_service_name(common_rules) + [
        "pyroscope.ebpf \"model_servers\" {",
        "  targets     = discovery.relabel.ebpf.output",
        "  forward_to  = [pyroscope.write.pyroscope.receiver]",
        "  sample_rate = %d" % p["sample_rate"],
        "}",
        "",
        "// pprof: pods on this node annotated profiles.grafana.com/<cpu|memory|goroutine>.scrape: \"true\" and",
        "// profiles.grafana.com/<type>.port_name (Go services).",
    ]
    for kind in sorted(PPROF_KINDS):
        annotation = "__meta_kubernetes_pod_annotation_profiles_grafana_com_%s" % kind
        lines += [
            "discovery.relabel \"pprof_%s\" {" % kind,
            "  targets = discovery.kubernetes.local_pods.targets",
            "  rule {",
            "    source_labels = [%s]" % _alloy_string(annotation + "_scrape"),
            "    regex         = \"true\"",
            "    action        = \"keep\"",
            "  }",
            # The container port the annotation names (profiles.grafana.com/<type>.port_name).
            "  rule {",
            "    source_labels = [\"__meta_kubernetes_pod_container_port_name\"]",
            "    target_label  = %s" % _alloy_string(annotation + "_port_name"),
            "    action        = \"keepequal\"",
            "  }",
            "  rule {",
            "    source_labels = [\"__meta_kubernetes_pod_phase\"]",
            "    regex         = \"Pending|Succeeded|Failed|Completed\"",
            "    action        = \"drop\"",
            "  }",
        ]
        lines += _labels_and_service_name(common_rules) + [
            "pyroscope.scrape \"pprof_%s\" {" % kind,
            "  targets    = discovery.relabel.pprof_%s.output" % kind,
            "  forward_to = [pyroscope.write.pyroscope.receiver]",
            "  profiling_config {",
        ]
        for other in PPROF_PROFILES:
            lines.append("    profile.%s {" % other)
            lines.append("      enabled = %s" % ("true" if other == PPROF_KINDS[kind] else "false"))
            lines.append("    }")
        lines += ["  }", "}", ""]
    lines += [
        "pyroscope.write \"pyroscope\" {",
        "  endpoint {",
        "    url = %s" % _alloy_string(write_url),
        "  }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def profiling_values(common, s):
    """The pyroscope chart's values: one Pyroscope (single binary, v2 storage on the block class, retention), the
    Alloy subchart as a privileged DaemonSet in the host PID namespace on every node (eBPF needs both), mirror and
    pull secrets for the three images."""
    p = s["profiling"]
    registry = p["image_registry"]
    tolerations = kp._with_control_plane([], common["tolerate_control_plane"])
    pyroscope = {"fullnameOverride": p["release_name"],
                 "image": {"registry": registry or PROFILING_UPSTREAM["pyroscope"]},
                 "extraArgs": {"log.level": "info", "retention-period": p["retention"]},
                 "resources": copy.deepcopy(p["resources"])}
    if s["storage_class"] != "":
        pyroscope["persistence"] = {"enabled": True, "storageClassName": s["storage_class"], "size": p["storage_size"],
                                    "accessModes": ["ReadWriteOnce"]}
    else:
        pyroscope["persistence"] = {"enabled": False}
    if tolerations:
        pyroscope["tolerations"] = copy.deepcopy(tolerations)
    if common["image_pull_secrets"]:
        pyroscope["imagePullSecrets"] = [{"name": name} for name in common["image_pull_secrets"]]
    write_url = profiling_url(p["release_name"], common["namespace"])
    alloy = {"enabled": True,
             # One agent per node, every node (the GPU nodes' taints included): eBPF sees only its own host.
             "controller": {"type": "daemonset", "hostPID": True, "tolerations": [{"operator": "Exists"}]},
             "alloy": {"configMap": {"create": True, "content": alloy_config(p, write_url)},
                       "clustering": {"enabled": False},
                       # eBPF: root in the host PID namespace, privileged (docs/operations.md: what it may do).
                       "securityContext": {"privileged": True, "runAsUser": 0, "runAsGroup": 0},
                       "resources": copy.deepcopy(p["agent_resources"])},
             "image": {"registry": registry or PROFILING_UPSTREAM["alloy"]},
             "configReloader": {"image": {"registry": registry or PROFILING_UPSTREAM["config_reloader"]}}}
    values = {"pyroscope": pyroscope, "alloy": alloy, "agent": {"enabled": False}, "minio": {"enabled": False},
              "serviceMonitor": {"enabled": True}}
    if registry or common["image_pull_secrets"]:
        image = {}
        if registry:
            image["registry"] = registry
        if common["image_pull_secrets"]:
            image["pullSecrets"] = [{"name": name} for name in common["image_pull_secrets"]]
        values["global"] = {"image": image}
        if registry:
            values["global"]["imageRegistry"] = registry
    return values


def profiling_release(common, s):
    p = s["profiling"]
    release_common = dict(common, release_name=p["release_name"], chart_version=p["chart_version"],
                          chart_repo_url=p["chart_repo_url"], chart_archive=p["chart_archive"],
                          values_extra=p["values_extra"])
    return kp._release(release_common, PROFILING_CHART, profiling_values(common, s))


def observability_stage(settings, owned=None, admin_password=None):
    """The stage's plan: {problems, warnings, enabled, stage, outputs}. ``admin_password`` is Grafana's admin
    password (generated once by the role where the Secret is written); without it the Secret holds a placeholder and
    is marked secret, so render mode does not write it."""
    settings = dict(settings)
    # Empty registry: each image from its upstream registry; _common checks a registry's syntax.
    upstream = settings.get("observability_image_registry") == ""
    if upstream:
        settings["observability_image_registry"] = "quay.io"
    reader = v.Reader(settings)
    common = kp._common(reader, "observability")
    if upstream:
        common["image_registry"] = ""
    owned = [t for t in (owned or []) if t in TARGETS]
    if not common["enabled"]:
        return dict(kp._result(reader, common, None, "kube-prometheus-stack"), owned=owned)
    s = read_settings(reader)
    warnings = []
    if s["storage_class"] == "":
        warnings.append("observability_storage_class is empty (no storage stage output): Prometheus, Alertmanager and "
                        "Grafana keep their data on the node (emptyDir) and lose it when a pod moves; run the storage "
                        "stage first or name a StorageClass")
    if s["profiling"]["enabled"]:
        warnings.append("observability_profiling_enabled: the profiling agent (Grafana Alloy) runs privileged in the "
                        "host PID namespace on every node of the cluster (eBPF needs it); the %s namespace keeps Pod "
                        "Security enforce=privileged for it" % common["namespace"])
        if s["storage_class"] == "":
            warnings.append("observability_storage_class is empty: Pyroscope keeps its profiles on the node "
                            "(emptyDir) and loses them when its pod moves")
    if not s["receivers"] and not reader.problems:
        warnings.append("observability_alert_receivers is empty: alerts show in Alertmanager and Grafana but nobody is "
                        "told (give an e-mail, webhook or WeChat Work receiver)")

    def build():
        return _build(common, s, owned, admin_password)

    result = kp._result(reader, common, build, "kube-prometheus-stack")
    result["warnings"] = warnings + result["warnings"]
    result["owned"] = owned
    if result["stage"] is not None:
        release, namespace = common["release_name"], common["namespace"]
        result["outputs"] = {"namespace": namespace,
                             "alertmanager_url": "http://%s-alertmanager.%s.svc:9093" % (release, namespace),
                             "prometheus_url": "http://%s-prometheus.%s.svc:9090" % (release, namespace),
                             "grafana_url": "http://%s-grafana.%s.svc:80" % (release, namespace)}
        if s["profiling"]["enabled"]:
            result["outputs"]["profiling_url"] = profiling_url(s["profiling"]["release_name"], namespace)
    return result


# ------------------------------------------------------------------------------------------------ the release


def _volume_claim(storage_class, size):
    spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if storage_class:
        spec["storageClassName"] = storage_class
    return {"volumeClaimTemplate": {"spec": spec}}


def alertmanager_config(s):
    """Alertmanager's configuration: one route per receiver and severity it takes, every route grouped by node."""
    routes = []
    for config, severities in s["receivers"]:
        matcher = 'severity=~"%s"' % "|".join(severities)
        routes.append({"receiver": config["name"], "matchers": [matcher], "continue": True})
    return {"global": {"resolve_timeout": "5m"},
            "route": {"receiver": "null", "group_by": list(GROUP_BY), "group_wait": s["group_wait"],
                      "group_interval": "5m", "repeat_interval": s["repeat_interval"],
                      "routes": [{"receiver": "null", "matchers": ['alertname="Watchdog"']}] + routes},
            # A critical alert of a node silences the warnings of the same alert on that node.
            "inhibit_rules": [{"source_matchers": ['severity="critical"'], "target_matchers": ['severity="warning"'],
                               "equal": ["alertname", "node"]}],
            "receivers": [{"name": "null"}] + [config for config, _severities in s["receivers"]],
            "templates": ["/etc/alertmanager/config/*.tmpl"]}


def _values(common, s):
    tolerations = kp._with_control_plane([], common["tolerate_control_plane"])
    prometheus_spec = {"retention": s["prometheus_retention"],
                       # Select every ServiceMonitor, PodMonitor and PrometheusRule of the cluster, not only the
                       # release's own (the other stages label theirs with their own names).
                       "serviceMonitorSelectorNilUsesHelmValues": False, "podMonitorSelectorNilUsesHelmValues": False,
                       "ruleSelectorNilUsesHelmValues": False, "probeSelectorNilUsesHelmValues": False}
    if s["prometheus_retention_size"]:
        prometheus_spec["retentionSize"] = s["prometheus_retention_size"]
    # Alertmanager never talks to the Kubernetes API (its configuration is a mounted Secret): no token
    # (k8s_service_accounts.WORKLOADS).
    alertmanager_spec = {"automountServiceAccountToken": False}
    grafana = {"admin": {"existingSecret": s["grafana_admin_secret"], "userKey": "admin-user",
                         "passwordKey": "admin-password"},
               # The chart's `helm test` pod (never run by the stack) would mount a token it does not need.
               "testFramework": {"enabled": False},
               "sidecar": {"dashboards": {"enabled": True, "label": DASHBOARD_LABEL, "labelValue": "1",
                                          "searchNamespace": "ALL"}}}
    if s["storage_class"] != "":
        prometheus_spec["storageSpec"] = _volume_claim(s["storage_class"], s["prometheus_storage_size"])
        alertmanager_spec["storage"] = _volume_claim(s["storage_class"], s["alertmanager_storage_size"])
        grafana["persistence"] = {"enabled": True, "storageClassName": s["storage_class"],
                                  "size": s["grafana_storage_size"]}
    if s["secrets"]:
        alertmanager_spec["secrets"] = list(s["secrets"])
    if s["profiling"]["enabled"]:
        # Grafana's sidecar provisions it with the Prometheus datasource (the chart's grafana.additionalDataSources).
        grafana["additionalDataSources"] = [dict(PROFILING_DATASOURCE, access="proxy", editable=False,
                                                 url=profiling_url(s["profiling"]["release_name"], common["namespace"]))]
    if tolerations:
        prometheus_spec["tolerations"] = copy.deepcopy(tolerations)
        alertmanager_spec["tolerations"] = copy.deepcopy(tolerations)
        grafana["tolerations"] = copy.deepcopy(tolerations)
    values = {"prometheus": {"prometheusSpec": prometheus_spec},
              "alertmanager": {"config": alertmanager_config(s),
                               "serviceAccount": {"automountServiceAccountToken": False}},
              "grafana": grafana}
    values["alertmanager"]["alertmanagerSpec"] = alertmanager_spec
    global_values = {}
    if common["image_registry"]:
        global_values["imageRegistry"] = common["image_registry"]
    if common["image_pull_secrets"]:
        global_values["imagePullSecrets"] = [{"name": name} for name in common["image_pull_secrets"]]
    if global_values:
        values["global"] = global_values
    return values


# ----------------------------------------------------------------------------------------------- the monitors


def _monitor(common, name, namespace, selector, endpoint, description):
    return {"description": description, "phase": "post",
            "definition": {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
                           "metadata": {"name": name, "namespace": common["namespace"], "labels": dict(kp.LABELS)},
                           "spec": {"namespaceSelector": {"matchNames": [namespace]},
                                    "selector": {"matchLabels": selector},
                                    "endpoints": [endpoint]}}}


NODE_RELABEL = {"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node", "action": "replace"}


def monitors(common, s, owned):
    out = []
    targets = [t for t in s["targets"] if t not in owned]
    if "dcgm_exporter" in targets:
        # honorLabels keeps the exporter's own pod/namespace labels (the workload using the GPU); node is the node.
        out.append(_monitor(common, "dcgm-exporter", s["gpu_operator_namespace"], {"app": "nvidia-dcgm-exporter"},
                            {"port": "gpu-metrics", "path": "/metrics", "interval": "15s", "honorLabels": True,
                             "relabelings": [dict(NODE_RELABEL)]},
                            "per-GPU temperature, utilisation, memory, power, XIDs, ECC, NVLink (DCGM exporter)"))
    if "model_serving" in targets:
        out.append(_monitor(common, "model-serving", s["serving_namespace"],
                            {"app.kubernetes.io/component": "api", "app.kubernetes.io/part-of": "privateai"},
                            {"port": "http", "path": "/metrics", "interval": "15s",
                             "relabelings": [dict(NODE_RELABEL),
                                             {"sourceLabels": ["__meta_kubernetes_service_label_app_kubernetes_io_name"],
                                              "targetLabel": "served_name", "action": "replace"}]},
                            "vLLM / SGLang engine metrics (TTFT, TPOT, queue, KV cache) of every model"))
    if "ceph" in targets:
        out.append(_monitor(common, "ceph-mgr", s["ceph_namespace"], {"app": "rook-ceph-mgr"},
                            {"port": "http-metrics", "path": "/metrics", "interval": "30s", "honorLabels": True},
                            "Ceph health, capacity, OSDs and pools (the mgr's Prometheus module)"))
    if "fluent_bit" in targets:
        out.append(_monitor(common, "fluent-bit", s["fluent_bit_namespace"], {"app.kubernetes.io/name": "fluent-bit"},
                            {"port": "http", "path": "/api/v2/metrics/prometheus", "interval": "30s",
                             "relabelings": [dict(NODE_RELABEL)]},
                            "Fluent Bit input/output records, retries and errors per node"))
    if "cert_manager" in targets:
        out.append(_monitor(common, "cert-manager", s["cert_manager_namespace"],
                            {"app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller"},
                            {"targetPort": 9402, "path": "/metrics", "interval": "60s"},
                            "certificate expiry and issuance (cert-manager controller)"))
    return out


# -------------------------------------------------------------------------------------------------- the alerts


def _alert(name, expr, duration, severity, summary, description, anchor):
    rule = {"alert": name, "expr": expr, "labels": {"severity": severity},
            "annotations": {"summary": summary, "description": description,
                            "runbook_url": "%s#%s" % (RUNBOOK, anchor)}}
    if duration:
        rule["for"] = duration
    return rule


def _fmt(value):
    """A threshold as PromQL writes it (85, 0.9, 2.5)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return repr(value) if isinstance(value, float) else str(value)


def alert_groups(s):
    """The alert rules as PrometheusRule groups, thresholds from the converted settings."""
    serving = s["serving_namespace"]
    xids = "".join(" != %d" % xid for xid in APPLICATION_XIDS)
    gpu = [
        _alert("GPUTemperatureHigh", "DCGM_FI_DEV_GPU_TEMP > %s" % _fmt(s["gpu_temp_celsius"]), s["gpu_temp_for"],
               "critical", "GPU {{ $labels.gpu }} on {{ $labels.node }} is at {{ $value }} C",
               "GPU {{ $labels.gpu }} of node {{ $labels.node }} has been above %s C for %s: it throttles and may "
               "fail. Check cooling and the workload." % (_fmt(s["gpu_temp_celsius"]), s["gpu_temp_for"]),
               "gpu-temperature-high"),
        _alert("GPUXidError", "DCGM_FI_DEV_XID_ERRORS%s > 0" % xids, "", "critical",
               "XID {{ $value }} on GPU {{ $labels.gpu }} of {{ $labels.node }}",
               "The driver reported XID {{ $value }} on GPU {{ $labels.gpu }} of node {{ $labels.node }} "
               "(application XIDs %s are not paged)." % ", ".join(str(x) for x in APPLICATION_XIDS), "gpu-xid-error"),
        _alert("GPUDoubleBitECCError", "increase(DCGM_FI_DEV_ECC_DBE_VOL_TOTAL[10m]) > 0", "", "critical",
               "Uncorrectable ECC errors on GPU {{ $labels.gpu }} of {{ $labels.node }}",
               "GPU {{ $labels.gpu }} of node {{ $labels.node }} counted double-bit (uncorrectable) ECC errors: drain "
               "the node and reset the GPU.", "gpu-ecc-row-remap"),
        _alert("GPURowRemapFailure", "DCGM_FI_DEV_ROW_REMAP_FAILURE > 0", "", "critical",
               "Row remapping failed on GPU {{ $labels.gpu }} of {{ $labels.node }}",
               "GPU {{ $labels.gpu }} of node {{ $labels.node }} could not remap a failing memory row: the GPU needs "
               "replacing (RMA).", "gpu-ecc-row-remap"),
        _alert("GPUNVLinkErrors",
               "increase(DCGM_FI_DEV_NVLINK_CRC_FLIT_ERROR_COUNT_TOTAL[10m]) + "
               "increase(DCGM_FI_DEV_NVLINK_REPLAY_ERROR_COUNT_TOTAL[10m]) > %s" % _fmt(s["nvlink_errors_per_10m"]),
               "", "warning", "NVLink errors on GPU {{ $labels.gpu }} of {{ $labels.node }}",
               "GPU {{ $labels.gpu }} of node {{ $labels.node }} counted {{ $value }} NVLink CRC/replay errors in 10 "
               "minutes.", "gpu-nvlink"),
        _alert("GPUNVLinkDown", "increase(DCGM_FI_DEV_NVLINK_RECOVERY_ERROR_COUNT_TOTAL[10m]) > 0", "", "critical",
               "An NVLink of GPU {{ $labels.gpu }} on {{ $labels.node }} went down",
               "An NVLink of GPU {{ $labels.gpu }} of node {{ $labels.node }} dropped and retrained (recovery errors): "
               "collective traffic slows or fails.", "gpu-nvlink"),
        _alert("GPUMissing", "count by (node) (DCGM_FI_DEV_GPU_TEMP) < %d" % s["gpus_per_node"], "5m", "critical",
               "{{ $labels.node }} reports {{ $value }} of %d GPUs" % s["gpus_per_node"],
               "Node {{ $labels.node }} reports {{ $value }} GPUs, not %d: a GPU fell off the bus or its driver lost "
               "it." % s["gpus_per_node"], "gpu-missing"),
    ]
    ttft = ("histogram_quantile(0.99, sum by (le, namespace, service, model_name) ("
            "rate(vllm:time_to_first_token_seconds_bucket{namespace=\"%s\"}[5m]) or "
            "rate(sglang:time_to_first_token_seconds_bucket{namespace=\"%s\"}[5m])))" % (serving, serving))
    serving_rules = [
        _alert("ServingTTFTHigh", "%s > %s" % (ttft, _fmt(s["ttft_p99_seconds"])), "10m", "warning",
               "p99 time to first token of {{ $labels.model_name }} is {{ $value }} s",
               "The 99th percentile time to first token of {{ $labels.model_name }} has been above %s s for 10 "
               "minutes." % _fmt(s["ttft_p99_seconds"]), "serving-latency"),
        _alert("ServingQueueLong",
               "max by (namespace, service, model_name) (vllm:num_requests_waiting{namespace=\"%s\"} or "
               "sglang:num_queue_reqs{namespace=\"%s\"}) > %s" % (serving, serving, _fmt(s["queue_length"])),
               "5m", "warning", "{{ $value }} requests wait for {{ $labels.model_name }}",
               "More than %s requests have waited for {{ $labels.model_name }} for 5 minutes."
               % _fmt(s["queue_length"]), "serving-latency"),
        _alert("ServingKVCacheFull",
               "max by (namespace, service, model_name) (vllm:kv_cache_usage_perc{namespace=\"%s\"} or "
               "sglang:token_usage{namespace=\"%s\"}) > %s" % (serving, serving, _fmt(s["kv_cache_ratio"])),
               "10m", "warning", "KV cache of {{ $labels.model_name }} is {{ $value | humanizePercentage }} full",
               "The KV cache of {{ $labels.model_name }} has been above %s for 10 minutes: requests queue and get "
               "preempted." % _fmt(s["kv_cache_ratio"]), "serving-kv-cache"),
        _alert("ServingPodRestarting",
               "increase(kube_pod_container_status_restarts_total{namespace=\"%s\"}[15m]) > %s"
               % (serving, _fmt(s["pod_restarts_per_15m"])), "", "critical",
               "{{ $labels.pod }} restarted {{ $value }} times in 15 minutes",
               "Container {{ $labels.container }} of {{ $labels.pod }} restarts: read its previous log.",
               "serving-restarts"),
    ]
    platform = [
        _alert("CephHealthWarning", "ceph_health_status == 1", "15m", "warning", "Ceph is HEALTH_WARN",
               "The Ceph cluster has been HEALTH_WARN for 15 minutes.", "ceph-health"),
        _alert("CephHealthError", "ceph_health_status == 2", "5m", "critical", "Ceph is HEALTH_ERR",
               "The Ceph cluster is HEALTH_ERR: data may be unavailable.", "ceph-health"),
        _alert("PersistentVolumeFilling",
               "kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > %s"
               % _fmt(s["pvc_used_ratio"]), "5m", "warning",
               "PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} "
               "full", "The volume is above %s of its size: expand the PVC or free space."
               % _fmt(s["pvc_used_ratio"]), "pvc-filling"),
        _alert("CertificateExpiring",
               "certmanager_certificate_expiration_timestamp_seconds - time() < %d" % (s["certificate_days"] * 86400),
               "1h", "warning", "Certificate {{ $labels.namespace }}/{{ $labels.name }} expires soon",
               "The certificate expires within %s days and cert-manager has not renewed it." % _fmt(s["certificate_days"]),
               "certificate-expiring"),
        _alert("BackupNotRecent",
               "(time() - max by (schedule) (velero_backup_last_successful_timestamp{schedule=\"%s\"})) > %d"
               % (s["backup_schedule"], s["backup_max_age_hours"] * 3600), "", "critical",
               "No successful backup of schedule {{ $labels.schedule }} for %s hours" % _fmt(s["backup_max_age_hours"]),
               "The daily backup has not succeeded within %s hours." % _fmt(s["backup_max_age_hours"]),
               "backup-not-recent"),
        _alert("BackupNeverSucceeded",
               "absent(velero_backup_last_successful_timestamp{schedule=\"%s\"})" % s["backup_schedule"],
               "%dh" % s["backup_max_age_hours"], "critical",
               "Velero reports no successful backup of schedule %s" % s["backup_schedule"],
               "No successful backup of the schedule for %s hours (or Velero is not scraped)."
               % _fmt(s["backup_max_age_hours"]), "backup-not-recent"),
        _alert("DifyAPIErrors",
               "sum(rate(istio_requests_total{destination_service_namespace=\"%s\",destination_service_name=\"%s\","
               "response_code=~\"5..\"}[5m])) / sum(rate(istio_requests_total{destination_service_namespace=\"%s\","
               "destination_service_name=\"%s\"}[5m])) > %s"
               % (s["dify_namespace"], s["dify_api_service"], s["dify_namespace"], s["dify_api_service"],
                  _fmt(s["dify_5xx_ratio"])), "5m", "critical",
               "Dify API answers {{ $value | humanizePercentage }} of requests with 5xx",
               "More than %s of the requests to %s/%s fail with a 5xx status." % (
                   _fmt(s["dify_5xx_ratio"]), s["dify_namespace"], s["dify_api_service"]), "dify-api-errors"),
    ]
    return [{"name": "privateai-gpu", "rules": gpu}, {"name": "privateai-serving", "rules": serving_rules},
            {"name": "privateai-platform", "rules": platform}]


def _build(common, s, owned, admin_password):
    namespace = common["namespace"]
    password = admin_password if admin_password else "not-rendered"
    manifests = [kp._namespace(namespace, dict(kp.LABELS, **{"pod-security.kubernetes.io/enforce": "privileged"}),
                               "Prometheus, Alertmanager, Grafana; node-exporter runs on the host network%s"
                               % ("; the profiling agent runs privileged in the host PID namespace (eBPF)"
                                  if s["profiling"]["enabled"] else "")),
                 {"secret": True, "phase": "pre",
                  "description": "Grafana's admin login (password generated once into privateai_credentials_dir)",
                  "definition": {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                                 "metadata": {"name": s["grafana_admin_secret"], "namespace": namespace,
                                              "labels": dict(kp.LABELS)},
                                 "data": {"admin-user": base64.b64encode(b"admin").decode("ascii"),
                                          "admin-password": base64.b64encode(password.encode("utf-8")).decode("ascii")}}}]
    manifests += monitors(common, s, owned)
    manifests.append({"phase": "post", "description": "the alerts (docs/operations.md is their runbook)",
                      "definition": {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
                                     "metadata": {"name": "privateai-alerts", "namespace": namespace,
                                                  "labels": dict(kp.LABELS)},
                                     "spec": {"groups": alert_groups(s)}}})
    if s["dashboards"]:
        manifests += k8s_dashboards.config_maps(namespace, kp.LABELS, {"serving": s["serving_namespace"],
                                                                       "ceph": s["ceph_namespace"],
                                                                       "dify": s["dify_namespace"]})
    releases = [kp._release(common, "kube-prometheus-stack", _values(common, s))]
    if s["profiling"]["enabled"]:
        releases.append(profiling_release(common, s))
    return {"name": "observability", "releases": releases, "manifests": manifests}
