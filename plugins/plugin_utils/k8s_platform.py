# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks and stage building of the platform roles (cert_manager, gpu_operator, network_operator).

Each ``<role>_stage(settings)`` takes the role's variables by name (as the inventory gave them), converts every
one the way the role's argument spec declares it (so the string ``"4"`` is the integer 4 and ``ture`` is a
problem, not false), checks each value's syntax and every combination the cluster would refuse later, and
returns ``{"problems": [...], "warnings": [...], "stage": {...}}``. The stage (Helm release with its values,
manifests) is built as data from the converted values only, and only when there is no problem, so an unchecked
value never reaches a file. Problems name the variable, the value and the fix; all of them come at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy
import ipaddress
import json
import os
import re

import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_service_accounts as ksa
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

LABELS = {"app.kubernetes.io/managed-by": "privateai.deepseek_dify", "app.kubernetes.io/part-of": "privateai"}
CONTROL_PLANE_TOLERATION = {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}
TOLERATION_KEYS = ("key", "operator", "value", "effect", "tolerationSeconds")
KEY_ALGORITHMS = ("RSA", "ECDSA", "Ed25519")
# Key sizes cert-manager accepts per algorithm (Ed25519 ignores the size).
KEY_SIZES = {"RSA": (2048, 3072, 4096, 8192), "ECDSA": (256, 384, 521)}
CERT_USAGES = ("signing", "digital signature", "content commitment", "key encipherment", "key agreement",
               "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any",
               "server auth", "client auth", "code signing", "email protection", "s/mime", "ipsec end system",
               "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc")
CERTIFICATE_KEYS = ("name", "namespace", "dns_names", "secret_name", "ip_addresses", "usages")
DNS_NAME_RE = re.compile(r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

# Values keys the charts read although their values.yaml does not declare them (the template that reads each is
# named in tests/k8s/values-allowlist.yml, which tests/k8s keeps honest).
UNDECLARED_VALUES = {
    "gpu-operator": ("hostPaths.kubeletRootDir", "dcgmExporter.imagePullSecrets", "dcgm.imagePullSecrets",
                     "dcgmExporter.config"),
    "network-operator": (),
    "cert-manager": (),
}


def _common(reader, role, chart_default_repo=True):
    """Settings every platform role has: enabled, release, namespace, chart, wait, pull secrets, values_extra."""
    out = {}
    out["enabled"] = reader.read(role + "_enabled", v.to_bool)
    out["release_name"] = reader.read(role + "_release_name", v.to_str)
    if out["release_name"] is not None:
        if len(out["release_name"]) > 53:
            reader.add(["%s_release_name is '%s': Helm release names are 53 characters at most" % (role, out["release_name"])])
        else:
            reader.add(v.check_dns_label(role + "_release_name", out["release_name"]))
    out["namespace"] = reader.read(role + "_namespace", v.to_str, check=v.check_dns_label)
    out["chart_version"] = reader.read(role + "_chart_version", v.to_str)
    if out["chart_version"] is not None and not v.TAG_RE.match(out["chart_version"]):
        reader.add(["%s_chart_version is '%s': give the exact chart version, such as %s"
                    % (role, out["chart_version"], "v1.21.1")])
    out["chart_repo_url"] = reader.read(role + "_chart_repo_url", v.to_str)
    if out["chart_repo_url"] is not None and not out["chart_repo_url"].startswith(("https://", "http://", "oci://")):
        reader.add(["%s_chart_repo_url is '%s': give an https:// chart repository or an oci:// registry path"
                    % (role, out["chart_repo_url"])])
    out["chart_archive"] = reader.read(role + "_chart_archive", v.to_str)
    if out["chart_archive"]:
        out["chart_archive"] = os.path.expanduser(out["chart_archive"])
        if not os.path.isfile(out["chart_archive"]):
            reader.add(["%s_chart_archive is '%s': no such file on the control node (helm pull the pinned chart there, "
                        "or leave it empty to use %s_chart_repo_url)" % (role, out["chart_archive"], role)])
    out["wait_timeout"] = reader.read(role + "_wait_timeout", v.to_int)
    if out["wait_timeout"] is not None and out["wait_timeout"] < 1:
        reader.add(["%s_wait_timeout is %d: give the seconds helm waits, 1 or more" % (role, out["wait_timeout"])])
    out["image_registry"] = reader.read(role + "_image_registry", v.to_str, check=v.check_registry)
    if out["image_registry"] is not None:
        out["image_registry"] = out["image_registry"].rstrip("/")
    secrets = reader.read(role + "_image_pull_secrets", v.to_list)
    out["image_pull_secrets"] = []
    for index, name in enumerate(secrets or []):
        problems = v.check_dns_subdomain("%s_image_pull_secrets[%d]" % (role, index), name)
        if isinstance(name, dict):
            problems = ["%s_image_pull_secrets[%d] is %r: give the Secret's name only (the role writes {name: ...} "
                        "where the chart wants it)" % (role, index, name)]
        reader.add(problems)
        if not problems:
            out["image_pull_secrets"].append(name)
    out["tolerate_control_plane"] = reader.read(role + "_tolerate_control_plane", v.to_bool)
    out["values_extra"] = reader.read(role + "_values_extra", v.to_dict)
    return out


def _tolerations(reader, name):
    value = reader.read(name, v.to_list)
    if value is None:
        return None
    for index, item in enumerate(value):
        where = "%s[%d]" % (name, index)
        if not isinstance(item, dict):
            reader.add(["%s is %r: give a toleration {key, operator, value, effect}" % (where, item)])
            continue
        reader.add(v.unknown_keys(where, item, TOLERATION_KEYS))
        if item.get("operator", "Equal") not in ("Exists", "Equal"):
            reader.add(["%s: operator is %s: give Exists or Equal" % (where, v.describe(item.get("operator")))])
        if item.get("effect", "") not in ("", "NoSchedule", "PreferNoSchedule", "NoExecute"):
            reader.add(["%s: effect is %s: give NoSchedule, PreferNoSchedule or NoExecute"
                        % (where, v.describe(item.get("effect")))])
        if "key" in item:
            reader.add(v.check_label_key(where + ".key", item["key"]))
        if "value" in item:
            reader.add(v.check_label_value(where + ".value", item["value"]))
    return value


def _with_control_plane(tolerations, tolerate):
    out = [dict(item) for item in tolerations or []]
    if tolerate and not any(item.get("key") == CONTROL_PLANE_TOLERATION["key"] for item in out):
        out.append(dict(CONTROL_PLANE_TOLERATION))
    return out


def _namespace(name, labels, description=None):
    manifest = {"phase": "pre", "definition": {"apiVersion": "v1", "kind": "Namespace",
                                               "metadata": {"name": name, "labels": labels}}}
    if description:
        manifest["description"] = description
    return manifest


def _merge(base, over):
    """Recursive merge (as Ansible's combine(recursive=True)): maps merge, everything else is replaced."""
    out = copy.deepcopy(base)
    for key, value in (over or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _release(common, chart, values):
    release = {"name": common["release_name"], "chart": chart, "version": common["chart_version"],
               "namespace": common["namespace"], "wait": True, "wait_timeout": common["wait_timeout"],
               "values": _merge(values, common["values_extra"])}
    if common["chart_archive"]:
        release["archive"] = common["chart_archive"]
    else:
        release["repo_url"] = common["chart_repo_url"]
    return release


def _result(reader, common, build, chart):
    if common.get("enabled"):
        for name in reader.unread():
            reader.add(["%s is not a setting of this role (a misspelt variable would be ignored): remove or correct it"
                        % name])
    out = {"problems": reader.problems, "warnings": [], "enabled": bool(common.get("enabled")), "stage": None,
           "values_extra": common.get("values_extra") or {}, "chart": None}
    if common.get("enabled") and isinstance(common.get("values_extra"), dict):
        # Where the extra values' keys can be checked, even when other settings have problems (all at once).
        archive = common.get("chart_archive")
        out["chart"] = {"name": chart, "version": common.get("chart_version"), "repo_url": common.get("chart_repo_url"),
                        "archive": archive if archive and os.path.isfile(archive) else ""}
    if common.get("enabled") and not reader.problems:
        out["stage"] = build()
    return out


# --------------------------------------------------------------------------------------------- cert_manager


def _key_problems(prefix, algorithm, size):
    if algorithm is None or size is None or algorithm == "Ed25519":
        return []
    if size not in KEY_SIZES[algorithm]:
        return ["%s_key_size is %d but %s_key_algorithm is %s: cert-manager accepts %s for %s"
                % (prefix, size, prefix, algorithm, ", ".join(str(s) for s in KEY_SIZES[algorithm]), algorithm)]
    return []


def _certificates(reader, names_seen):
    value = reader.read("cert_manager_certificates", v.to_list)
    out = []
    for index, cert in enumerate(value or []):
        where = "cert_manager_certificates[%d]" % index
        if not isinstance(cert, dict):
            reader.add(["%s is %r: give {name, namespace, dns_names}" % (where, cert)])
            continue
        problems = v.unknown_keys(where, cert, CERTIFICATE_KEYS)
        problems += v.check_dns_label(where + ".name", cert.get("name"))
        problems += v.check_dns_label(where + ".namespace", cert.get("namespace"))
        dns_names = cert.get("dns_names")
        if not isinstance(dns_names, list) or not dns_names:
            problems.append("%s.dns_names is %s: give a non-empty list of DNS names" % (where, v.describe(dns_names)))
        else:
            for pos, name in enumerate(dns_names):
                if not isinstance(name, str) or not DNS_NAME_RE.match(name) or len(name) > 253:
                    problems.append("%s.dns_names[%d] is %s: give a DNS name (lower case, an optional leading *.)"
                                    % (where, pos, v.describe(name)))
        secret_name = cert.get("secret_name", "%s-tls" % cert.get("name"))
        problems += v.check_dns_subdomain(where + ".secret_name", secret_name)
        addresses = cert.get("ip_addresses", []) or []
        if not isinstance(addresses, list):
            problems.append("%s.ip_addresses is %s: give a list of IP addresses" % (where, v.describe(addresses)))
            addresses = []
        for pos, address in enumerate(addresses):
            try:
                ipaddress.ip_address(address if isinstance(address, str) else "!")
            except ValueError:
                problems.append("%s.ip_addresses[%d] is %s: give an IPv4 or IPv6 address" % (where, pos, v.describe(address)))
        usages = cert.get("usages", []) or []
        if not isinstance(usages, list):
            problems.append("%s.usages is %s: give a list of key usages" % (where, v.describe(usages)))
            usages = []
        for pos, usage in enumerate(usages):
            if usage not in CERT_USAGES:
                problems.append("%s.usages[%d] is %s: give one of cert-manager's key usages (%s)"
                                % (where, pos, v.describe(usage), ", ".join(CERT_USAGES)))
        key = (cert.get("name"), cert.get("namespace"))
        if not problems and key in names_seen:
            problems.append("%s: %s in namespace %s is listed twice" % (where, key[0], key[1]))
        names_seen.add(key)
        reader.add(problems)
        if not problems:
            out.append({"name": cert["name"], "namespace": cert["namespace"], "dns_names": dns_names,
                        "secret_name": secret_name, "ip_addresses": addresses, "usages": usages})
    return out


def cert_manager_stage(settings, credentials_dir=None):
    """Checks and builds the cert_manager stage. ``credentials_dir``: privateai_credentials_dir, when set."""
    reader = v.Reader(settings)
    common = _common(reader, "cert_manager")
    if not common["enabled"]:
        return _result(reader, common, None, "cert-manager")
    s = {}
    s["image_namespace"] = reader.read("cert_manager_image_namespace", v.to_str)
    if s["image_namespace"] is not None and not v.REPOSITORY_RE.match(s["image_namespace"]):
        reader.add(["cert_manager_image_namespace is '%s': give an image path such as jetstack" % s["image_namespace"]])
    s["replicas"] = reader.read("cert_manager_replicas", v.to_int)
    if s["replicas"] is not None and s["replicas"] < 1:
        reader.add(["cert_manager_replicas is %d: give 1 or more" % s["replicas"]])
    s["service_monitor"] = reader.read("cert_manager_service_monitor", v.to_bool)
    s["ca_source"] = reader.read("cert_manager_ca_source", v.to_choice, ("selfsigned", "provided"))
    s["ca_common_name"] = reader.read("cert_manager_ca_common_name", v.to_str)
    if s["ca_common_name"] is not None and not 0 < len(s["ca_common_name"]) <= 64:
        reader.add(["cert_manager_ca_common_name is '%s': give 1 to 64 characters (X.509 limit)" % s["ca_common_name"]])
    s["ca_organizations"] = reader.read("cert_manager_ca_organizations", v.to_list)
    for index, org in enumerate(s["ca_organizations"] or []):
        if not isinstance(org, str) or not org:
            reader.add(["cert_manager_ca_organizations[%d] is %s: give a non-empty string" % (index, v.describe(org))])
    for name in ("cert_manager_ca_secret_name", "cert_manager_cluster_issuer_name"):
        s[name] = reader.read(name, v.to_str, check=v.check_dns_subdomain)
    hours = {}
    for name in ("cert_manager_ca_duration", "cert_manager_ca_renew_before", "cert_manager_certificate_duration",
                 "cert_manager_certificate_renew_before"):
        hours[name] = reader.read(name, v.hours)
    if None not in hours.values():
        if hours["cert_manager_certificate_renew_before"] >= hours["cert_manager_certificate_duration"]:
            reader.add(["cert_manager_certificate_renew_before %dh must be shorter than cert_manager_certificate_duration %dh"
                        % (hours["cert_manager_certificate_renew_before"], hours["cert_manager_certificate_duration"])])
        if hours["cert_manager_ca_renew_before"] >= hours["cert_manager_ca_duration"]:
            reader.add(["cert_manager_ca_renew_before %dh must be shorter than cert_manager_ca_duration %dh"
                        % (hours["cert_manager_ca_renew_before"], hours["cert_manager_ca_duration"])])
        if hours["cert_manager_certificate_duration"] > hours["cert_manager_ca_duration"]:
            reader.add(["cert_manager_certificate_duration %dh outlives the CA (cert_manager_ca_duration %dh)"
                        % (hours["cert_manager_certificate_duration"], hours["cert_manager_ca_duration"])])
    for prefix in ("cert_manager_ca", "cert_manager_certificate"):
        s[prefix + "_key_algorithm"] = reader.read(prefix + "_key_algorithm", v.to_choice, KEY_ALGORITHMS)
        s[prefix + "_key_size"] = reader.read(prefix + "_key_size", v.to_int)
        reader.add(_key_problems(prefix, s[prefix + "_key_algorithm"], s[prefix + "_key_size"]))
    if credentials_dir is not None:
        if not isinstance(credentials_dir, str) or not credentials_dir:
            reader.add(["privateai_credentials_dir is %s: give the credentials directory's path" % v.describe(credentials_dir)])
        elif os.path.exists(credentials_dir) and not os.path.isdir(credentials_dir):
            reader.add(["privateai_credentials_dir is '%s', which is a file: give a directory (secrets are kept there, "
                        "one file each, mode 0600)" % credentials_dir])
    ca_files = {}
    for name in ("cert_manager_ca_cert_file", "cert_manager_ca_key_file"):
        ca_files[name] = reader.read(name, v.to_str)
        if ca_files[name] is not None:
            ca_files[name] = os.path.expanduser(ca_files[name])
        if s["ca_source"] == "provided" and ca_files[name] is not None and not os.path.isfile(ca_files[name]):
            reader.add(["cert_manager_ca_source is provided but %s '%s' is not a file on the control node (PEM)"
                        % (name, ca_files[name])])
    certificates = _certificates(reader, set())

    def build():
        return _cert_manager_build(common, s, hours, ca_files, certificates)

    return _result(reader, common, build, "cert-manager")


def _read_pem(path):
    with open(path, "rb") as handle:
        return base64.b64encode(handle.read()).decode("ascii")


def _cert_manager_build(common, s, hours, ca_files, certificates):
    replicas = s["replicas"]
    pdb = {"enabled": replicas > 1}
    tolerations = _with_control_plane([], common["tolerate_control_plane"])
    values = {
        "crds": {"enabled": True, "keep": True},
        "imageRegistry": common["image_registry"],
        "imageNamespace": s["image_namespace"],
        "replicaCount": replicas,
        "podDisruptionBudget": dict(pdb),
        "webhook": {"replicaCount": replicas, "podDisruptionBudget": dict(pdb)},
        "cainjector": {"replicaCount": replicas, "podDisruptionBudget": dict(pdb)},
        # Leader election in the release namespace: no write access to kube-system needed.
        "global": {"leaderElection": {"namespace": common["namespace"]},
                   "imagePullSecrets": [{"name": name} for name in common["image_pull_secrets"]]},
        "prometheus": {"enabled": True, "servicemonitor": {"enabled": s["service_monitor"]}},
    }
    if tolerations:
        for part in (values, values["webhook"], values["cainjector"]):
            part["tolerations"] = copy.deepcopy(tolerations)
        values["startupapicheck"] = {"tolerations": copy.deepcopy(tolerations)}
    namespace = common["namespace"]
    restricted = dict(LABELS)
    for mode in ("enforce", "warn", "audit"):
        restricted["pod-security.kubernetes.io/%s" % mode] = "restricted"
    manifests = [_namespace(namespace, restricted)]
    for extra in sorted(set(c["namespace"] for c in certificates) - set([namespace])):
        manifests.append(_namespace(extra, dict(LABELS)))
    secret_name = s["cert_manager_ca_secret_name"]
    if s["ca_source"] == "provided":
        cert = _read_pem(ca_files["cert_manager_ca_cert_file"])
        manifests.append({"secret": True,
                          "description": "the site's CA certificate and key, from %s and %s"
                          % (ca_files["cert_manager_ca_cert_file"], ca_files["cert_manager_ca_key_file"]),
                          "definition": {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                                         "metadata": {"name": secret_name, "namespace": namespace, "labels": dict(LABELS)},
                                         "data": {"tls.crt": cert, "ca.crt": cert,
                                                  "tls.key": _read_pem(ca_files["cert_manager_ca_key_file"])}}})
    ready = {"type": "Ready", "status": "True"}
    if s["ca_source"] == "selfsigned":
        manifests.append({"description": "signs only the root CA certificate below", "wait": True,
                          "wait_condition": dict(ready), "wait_timeout": 120,
                          "definition": {"apiVersion": "cert-manager.io/v1", "kind": "Issuer",
                                         "metadata": {"name": "privateai-selfsigned", "namespace": namespace,
                                                      "labels": dict(LABELS)},
                                         "spec": {"selfSigned": {}}}})
        private_key = {"algorithm": s["cert_manager_ca_key_algorithm"], "size": s["cert_manager_ca_key_size"],
                       # Renewing the root keeps its key, so certificates it signed stay trusted by clients that trust it.
                       "rotationPolicy": "Never"}
        manifests.append({"description": "the internal root CA; its key stays in the Secret %s" % secret_name,
                          "wait": True, "wait_condition": dict(ready), "wait_timeout": 300,
                          "definition": {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                                         "metadata": {"name": secret_name, "namespace": namespace, "labels": dict(LABELS)},
                                         "spec": {"isCA": True, "commonName": s["ca_common_name"],
                                                  "subject": {"organizations": s["ca_organizations"]},
                                                  "secretName": secret_name,
                                                  "duration": "%dh" % hours["cert_manager_ca_duration"],
                                                  "renewBefore": "%dh" % hours["cert_manager_ca_renew_before"],
                                                  "privateKey": private_key,
                                                  "issuerRef": {"group": "cert-manager.io", "kind": "Issuer",
                                                                "name": "privateai-selfsigned"}}}})
    issuer = s["cert_manager_cluster_issuer_name"]
    manifests.append({"description": "signs the stack's certificates with the internal CA", "wait": True,
                      "wait_condition": dict(ready), "wait_timeout": 300,
                      "definition": {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer",
                                     "metadata": {"name": issuer, "labels": dict(LABELS)},
                                     "spec": {"ca": {"secretName": secret_name}}}})
    duration = "%dh" % hours["cert_manager_certificate_duration"]
    renew = "%dh" % hours["cert_manager_certificate_renew_before"]
    for cert in sorted(certificates, key=lambda c: (c["name"], c["namespace"])):
        spec = {"secretName": cert["secret_name"], "duration": duration, "renewBefore": renew,
                "commonName": cert["dns_names"][0], "dnsNames": cert["dns_names"],
                "privateKey": {"algorithm": s["cert_manager_certificate_key_algorithm"],
                               "size": s["cert_manager_certificate_key_size"], "rotationPolicy": "Always"},
                "issuerRef": {"group": "cert-manager.io", "kind": "ClusterIssuer", "name": issuer}}
        if cert["ip_addresses"]:
            spec["ipAddresses"] = cert["ip_addresses"]
        if cert["usages"]:
            spec["usages"] = cert["usages"]
        manifests.append({"description": "certificate for %s: %s, renewed %s before expiry" % (cert["name"], duration, renew),
                          "wait": True, "wait_condition": dict(ready), "wait_timeout": 300,
                          "definition": {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                                         "metadata": {"name": cert["name"], "namespace": cert["namespace"],
                                                      "labels": dict(LABELS)},
                                         "spec": spec}})
    return {"name": "cert_manager", "releases": [_release(common, "cert-manager", values)], "manifests": manifests}


# --------------------------------------------------------------------------------------------- gpu_operator

SHARING_CONFIGS = {"none": "exclusive", "time-slicing": "time-slicing", "mps": "mps"}
# Image repository of every component that has one, by the nvcr.io path it lives under.
GPU_IMAGE_PATHS = {
    "operator": "nvidia", "validator": "nvidia", "driver": "nvidia", "toolkit": "nvidia/k8s", "devicePlugin": "nvidia",
    "dcgm": "nvidia/cloud-native", "dcgmExporter": "nvidia/k8s", "gfd": "nvidia", "migManager": "nvidia/cloud-native",
    "nodeStatusExporter": "nvidia", "gds": "nvidia/cloud-native", "gdrcopy": "nvidia/cloud-native",
    "vgpuDeviceManager": "nvidia/cloud-native", "vfioManager": "nvidia/cloud-native", "sandboxDevicePlugin": "nvidia",
    "kataSandboxDevicePlugin": "nvidia/cloud-native", "ccManager": "nvidia/cloud-native", "draDriver": "nvidia",
}
# Components whose pods get an image pull secret from the chart's <component>.imagePullSecrets (a list of
# names): every component with an image, including dcgm and dcgmExporter, which the chart's templates read
# although its values.yaml does not declare the key, and the managers without an image of their own.
GPU_PULL_SECRET_COMPONENTS = tuple(sorted(set(GPU_IMAGE_PATHS) | set(["vgpuManager", "kataManager"])))
NFD_DEFAULT_REPOSITORY = "registry.k8s.io/nfd/node-feature-discovery"


# The fields dcgm-exporter publishes when no metrics CSV is given (its etc/default-counters.csv of the image the
# chart pins, 4.x: the lines that are not commented out), as (field, Prometheus type, help). The exporter's
# ConfigMap of this stage starts with these, so pointing the exporter at it loses none of its defaults; the ECC
# and NVLink error counters the monitoring stage's alerts read are commented out there and come from
# gpu_operator_dcgm_exporter_metrics_extra.
DCGM_DEFAULT_METRICS = (
    ("DCGM_FI_DEV_SM_CLOCK", "gauge", "SM clock (MHz)."),
    ("DCGM_FI_DEV_MEM_CLOCK", "gauge", "Memory clock (MHz)."),
    ("DCGM_FI_DEV_MEMORY_TEMP", "gauge", "Memory temperature (C)."),
    ("DCGM_FI_DEV_GPU_TEMP", "gauge", "GPU temperature (C)."),
    ("DCGM_FI_DEV_POWER_USAGE", "gauge", "Power draw (W)."),
    ("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "Energy used since boot (mJ)."),
    ("DCGM_FI_DEV_PCIE_TX_THROUGHPUT", "counter", "PCIe bytes transmitted (KB)."),
    ("DCGM_FI_DEV_PCIE_RX_THROUGHPUT", "counter", "PCIe bytes received (KB)."),
    ("DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "counter", "PCIe retries."),
    ("DCGM_FI_DEV_GPU_UTIL", "gauge", "GPU utilisation (%)."),
    ("DCGM_FI_DEV_MEM_COPY_UTIL", "gauge", "Memory copy utilisation (%)."),
    ("DCGM_FI_DEV_ENC_UTIL", "gauge", "Encoder utilisation (%)."),
    ("DCGM_FI_DEV_DEC_UTIL", "gauge", "Decoder utilisation (%)."),
    ("DCGM_FI_DEV_XID_ERRORS", "gauge", "Last XID error seen."),
    ("DCGM_FI_DEV_FB_FREE", "gauge", "Frame buffer free (MiB)."),
    ("DCGM_FI_DEV_FB_USED", "gauge", "Frame buffer used (MiB)."),
    ("DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", "counter", "NVLink bandwidth counter of all lanes."),
    ("DCGM_FI_DEV_VGPU_LICENSE_STATUS", "gauge", "vGPU license status."),
    ("DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", "counter", "Rows remapped for uncorrectable errors."),
    ("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "counter", "Rows remapped for correctable errors."),
    ("DCGM_FI_DEV_ROW_REMAP_FAILURE", "gauge", "Whether a row remapping failed."),
)
DCGM_METRIC_TYPES = ("gauge", "counter")
DCGM_METRIC_KEYS = ("field", "type", "help")
# The key of the exporter's ConfigMap the GPU Operator mounts (dcgmExporter.config.name).
DCGM_CSV_KEY = "dcgm-metrics.csv"


def _dcgm_metrics(reader, name):
    """gpu_operator_dcgm_exporter_metrics_extra: [{field, type, help}], each field a DCGM field identifier not
    already published, type gauge or counter, help one CSV column."""
    value = reader.read(name, v.to_list)
    if value is None:
        return None
    out = []
    seen = dict((field, "a default field of dcgm-exporter") for field, _type, _help in DCGM_DEFAULT_METRICS)
    for index, item in enumerate(value):
        where = "%s[%d]" % (name, index)
        if not isinstance(item, dict):
            reader.add(["%s is %s: give {field: DCGM_FI_..., type: gauge or counter, help: text}" % (where, v.describe(item))])
            continue
        problems = v.unknown_keys(where, item, DCGM_METRIC_KEYS)
        problems += v.check_dcgm_field(where + ".field", item.get("field"))
        if item.get("type") not in DCGM_METRIC_TYPES:
            problems.append("%s.type is %s: give gauge (a value that goes up and down) or counter (a total that only "
                            "grows)" % (where, v.describe(item.get("type"))))
        problems += v.check_csv_text(where + ".help", item.get("help", item.get("field")))
        if not problems and item["field"] in seen:
            problems.append("%s.field is %s: it is already %s; list each field once" % (where, item["field"], seen[item["field"]]))
        reader.add(problems)
        if not problems:
            seen[item["field"]] = "%s (%s)" % (where, "listed before")
            out.append((item["field"], item["type"], item.get("help", item["field"])))
    return out


def dcgm_metrics_csv(extra):
    """dcgm-exporter's metrics CSV: its default fields, then the extra ones, one 'field, type, help' line each."""
    lines = ["# dcgm-exporter metrics (privateai.deepseek_dify gpu_operator): DCGM field, Prometheus type, help",
             "# dcgm-exporter's default fields"]
    lines += ["%s, %s, %s" % item for item in DCGM_DEFAULT_METRICS]
    lines.append("# gpu_operator_dcgm_exporter_metrics_extra")
    lines += ["%s, %s, %s" % item for item in extra]
    return "\n".join(lines) + "\n"


def valid_sharing_configs(mig_strategy):
    """Device plugin configs valid for a MIG strategy: the device plugin refuses MPS with migStrategy mixed."""
    if mig_strategy == "mixed":
        return ("exclusive", "time-slicing")
    return ("exclusive", "time-slicing", "mps")


def gpu_operator_stage(settings):
    reader = v.Reader(settings)
    common = _common(reader, "gpu_operator")
    if not common["enabled"]:
        return _result(reader, common, None, "gpu-operator")
    s = {}
    s["nfd_image_repository"] = reader.read("gpu_operator_nfd_image_repository", v.to_str, check=v.check_repository)
    for name in ("driver_enabled", "toolkit_enabled", "cdi_enabled", "nfd_enabled", "dcgm_exporter_enabled",
                 "dcgm_exporter_service_monitor", "mig_manager_enabled"):
        s[name] = reader.read("gpu_operator_" + name, v.to_bool)
    s["kubelet_root_dir"] = reader.read("gpu_operator_kubelet_root_dir", v.to_str)
    if s["kubelet_root_dir"] and not s["kubelet_root_dir"].startswith("/"):
        reader.add(["gpu_operator_kubelet_root_dir is '%s': give an absolute path such as /var/lib/k0s/kubelet, or empty"
                    % s["kubelet_root_dir"]])
    s["mig_strategy"] = reader.read("gpu_operator_mig_strategy", v.to_choice, ("none", "single", "mixed"))
    s["mig_config_default"] = reader.read("gpu_operator_mig_config_default", v.to_str)
    if s["mig_config_default"] is not None:
        # Nodes get it as the label nvidia.com/mig.config=<value>.
        problems = v.check_label_value("gpu_operator_mig_config_default", s["mig_config_default"])
        if not problems and not s["mig_config_default"]:
            problems = ["gpu_operator_mig_config_default is empty: give a MIG layout name such as all-disabled"]
        reader.add(problems)
    s["sharing"] = reader.read("gpu_operator_sharing", v.to_choice, tuple(SHARING_CONFIGS))
    s["sharing_replicas"] = reader.read("gpu_operator_sharing_replicas", v.to_int)
    if s["sharing_replicas"] is not None:
        if not 1 <= s["sharing_replicas"] <= 48:
            reader.add(["gpu_operator_sharing_replicas is %d: give 1 to 48 (MPS serves at most 48 clients per GPU)"
                        % s["sharing_replicas"]])
        elif s["sharing"] not in (None, "none") and s["sharing_replicas"] < 2:
            reader.add(["gpu_operator_sharing is %s but gpu_operator_sharing_replicas is %d: give 2 or more (containers per GPU)"
                        % (s["sharing"], s["sharing_replicas"])])
    if s["sharing"] is not None and s["mig_strategy"] is not None \
            and SHARING_CONFIGS[s["sharing"]] not in valid_sharing_configs(s["mig_strategy"]):
        reader.add(["gpu_operator_sharing is %s but gpu_operator_mig_strategy is %s: the device plugin refuses MPS with "
                    "migStrategy mixed and would crash-loop; use time-slicing or none, or MIG strategy single or none"
                    % (s["sharing"], s["mig_strategy"])])
    s["device_plugin_config_name"] = reader.read("gpu_operator_device_plugin_config_name", v.to_str, check=v.check_dns_subdomain)
    s["operator_node_selector"] = reader.read("gpu_operator_operator_node_selector", v.to_dict, check=v.check_labels)
    s["daemonset_tolerations"] = _tolerations(reader, "gpu_operator_daemonset_tolerations")
    s["dcgm_exporter_config_name"] = reader.read("gpu_operator_dcgm_exporter_config_name", v.to_str,
                                                 check=v.check_dns_subdomain)
    s["dcgm_exporter_metrics_extra"] = _dcgm_metrics(reader, "gpu_operator_dcgm_exporter_metrics_extra")

    def build():
        return _gpu_operator_build(common, s)

    result = _result(reader, common, build, "gpu-operator")
    if not reader.problems and s["nfd_enabled"] and common["image_registry"] != "nvcr.io" \
            and s["nfd_image_repository"] == NFD_DEFAULT_REPOSITORY:
        result["warnings"].append(
            "gpu_operator_image_registry is a mirror (%s) but gpu_operator_nfd_image_repository is still %s: Node Feature "
            "Discovery pulls from registry.k8s.io; set gpu_operator_nfd_image_repository to your mirror of it when the "
            "nodes cannot reach registry.k8s.io" % (common["image_registry"], NFD_DEFAULT_REPOSITORY))
    return result


def device_plugin_configs(mig_strategy, replicas):
    """{config name: config (data)} of the device plugin ConfigMap: only configs valid for the MIG strategy."""
    flags = {"migStrategy": mig_strategy}
    resources = [{"name": "nvidia.com/gpu", "replicas": replicas}]
    configs = {
        "exclusive": {"version": "v1", "flags": dict(flags)},
        "time-slicing": {"version": "v1", "flags": dict(flags),
                         "sharing": {"timeSlicing": {"renameByDefault": False, "failRequestsGreaterThanOne": True,
                                                     "resources": copy.deepcopy(resources)}}},
        "mps": {"version": "v1", "flags": dict(flags),
                "sharing": {"mps": {"renameByDefault": False, "resources": copy.deepcopy(resources)}}},
    }
    return dict((name, configs[name]) for name in valid_sharing_configs(mig_strategy))


def _gpu_operator_build(common, s):
    registry = common["image_registry"]
    secrets = common["image_pull_secrets"]
    values = {}
    for component, path in GPU_IMAGE_PATHS.items():
        values[component] = {"repository": "%s/%s" % (registry, path)}
    values["driver"]["manager"] = {"repository": registry + "/nvidia/cloud-native"}
    values["vfioManager"]["driverManager"] = {"repository": registry + "/nvidia/cloud-native"}
    values["vgpuManager"] = {"driverManager": {"repository": registry + "/nvidia/cloud-native"}}
    nfd = {"image": {"repository": s["nfd_image_repository"]}}
    if secrets:
        for component in GPU_PULL_SECRET_COMPONENTS:
            values.setdefault(component, {})["imagePullSecrets"] = list(secrets)
        # The subchart wraps nothing: it wants Kubernetes' [{name: ...}] form.
        nfd["imagePullSecrets"] = [{"name": name} for name in secrets]
    tolerate = common["tolerate_control_plane"]
    if tolerate:
        # The master and worker tolerate the control plane by the chart's defaults; the garbage collector does not.
        nfd["gc"] = {"tolerations": [dict(CONTROL_PLANE_TOLERATION)]}
        values["operator"]["tolerations"] = [dict(CONTROL_PLANE_TOLERATION)]
    values["node-feature-discovery"] = nfd
    values["nfd"] = {"enabled": s["nfd_enabled"]}
    values["cdi"] = {"enabled": s["cdi_enabled"]}
    values["driver"]["enabled"] = s["driver_enabled"]
    values["toolkit"]["enabled"] = s["toolkit_enabled"]
    values["mig"] = {"strategy": s["mig_strategy"]}
    values["migManager"].update({"enabled": s["mig_manager_enabled"], "config": {"default": s["mig_config_default"]}})
    values["devicePlugin"]["config"] = {"create": False, "name": s["device_plugin_config_name"],
                                        "default": SHARING_CONFIGS[s["sharing"]]}
    if not s["cdi_enabled"]:
        # Without CDI, the device plugin passes the GPUs as volume mounts: with the host toolkit set to
        # accept-nvidia-visible-devices-as-volume-mounts and to refuse NVIDIA_VISIBLE_DEVICES from unprivileged
        # containers, an image's NVIDIA_VISIBLE_DEVICES=all no longer reaches every GPU of the node.
        values["devicePlugin"]["env"] = [{"name": "DEVICE_LIST_STRATEGY", "value": "volume-mounts"}]
    values["dcgmExporter"].update({"enabled": s["dcgm_exporter_enabled"],
                                   "serviceMonitor": {"enabled": s["dcgm_exporter_service_monitor"]}})
    if s["dcgm_exporter_enabled"]:
        # The exporter reads its field list from this stage's ConfigMap (rendered below) instead of its built-in
        # defaults, which leave out the ECC and NVLink error counters the monitoring stage's alerts need.
        values["dcgmExporter"]["config"] = {"name": s["dcgm_exporter_config_name"]}
    values["daemonsets"] = {"tolerations": _with_control_plane(s["daemonset_tolerations"], tolerate)}
    if s["operator_node_selector"]:
        values["operator"]["nodeSelector"] = dict(s["operator_node_selector"])
    if s["kubelet_root_dir"]:
        values["hostPaths"] = {"kubeletRootDir": s["kubelet_root_dir"]}
    configs = device_plugin_configs(s["mig_strategy"], s["sharing_replicas"])
    data = dict((name, yaml.safe_dump(config, default_flow_style=False, sort_keys=True, indent=2))
                for name, config in configs.items())
    description = ("device plugin configs (%s, valid for MIG strategy %s); the default is %s, a node picks another with "
                   "the label nvidia.com/device-plugin.config" % (", ".join(configs), s["mig_strategy"],
                                                                  SHARING_CONFIGS[s["sharing"]]))
    namespace = common["namespace"]
    manifests = [
        _namespace(namespace, dict(LABELS, **{"pod-security.kubernetes.io/enforce": "privileged"}),
                   "the operands run privileged on the GPU nodes"),
        {"phase": "pre",
         "description": description,
         "definition": {"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": s["device_plugin_config_name"], "namespace": namespace, "labels": dict(LABELS)},
                        "data": data}},
    ]
    if s["dcgm_exporter_enabled"]:
        extra = s["dcgm_exporter_metrics_extra"]
        description = ("dcgm-exporter metrics: its %d default fields and %d more (%s)"
                       % (len(DCGM_DEFAULT_METRICS), len(extra), ", ".join(f for f, _t, _h in extra) or "none"))
        manifests.append({"phase": "pre",
                          "description": description,
                          "definition": {"apiVersion": "v1", "kind": "ConfigMap",
                                         "metadata": {"name": s["dcgm_exporter_config_name"], "namespace": namespace,
                                                      "labels": dict(LABELS)},
                                         "data": {DCGM_CSV_KEY: dcgm_metrics_csv(extra)}}})
    return {"name": "gpu_operator", "releases": [_release(common, "gpu-operator", values)], "manifests": manifests}


# ------------------------------------------------------------------------------------------ network_operator


def network_operator_stage(settings):
    reader = v.Reader(settings)
    common = _common(reader, "network_operator")
    if not common["enabled"]:
        return _result(reader, common, None, "network-operator")
    s = {}
    s["fabric_type"] = reader.read("network_operator_fabric_type", v.to_str)
    if s["fabric_type"] is not None and s["fabric_type"] not in ("infiniband", "roce"):
        reader.add(["network_operator_fabric_type is '%s': the Network Operator is for an RDMA fabric, set infiniband or "
                    "roce (or privateai_fabric.type), or network_operator_enabled false" % s["fabric_type"]])
        s["fabric_type"] = None
    s["components_version"] = reader.read("network_operator_components_version", v.to_str, check=v.check_tag)
    s["nfd_enabled"] = reader.read("network_operator_nfd_enabled", v.to_bool)
    s["device_plugin"] = reader.read("network_operator_device_plugin", v.to_choice, ("rdma_shared", "sriov"))
    s["resource_name"] = reader.read("network_operator_resource_name", v.to_str)
    if s["resource_name"] is not None and (not v.LABEL_NAME_RE.match(s["resource_name"]) or len(s["resource_name"]) > 63):
        reader.add(["network_operator_resource_name is '%s': give a resource name (letters, digits, '-', '_', '.', "
                    "63 characters at most), such as rdma_shared_device" % s["resource_name"]])
    s["rdma_hca_max"] = reader.read("network_operator_rdma_hca_max", v.to_int)
    if s["rdma_hca_max"] is not None and s["rdma_hca_max"] < 1:
        reader.add(["network_operator_rdma_hca_max is %d: give 1 or more" % s["rdma_hca_max"]])
    ids = reader.read("network_operator_sriov_vf_device_ids", v.to_list)
    s["sriov_vf_device_ids"] = []
    for index, item in enumerate(ids or []):
        problems = v.check_pci_id("network_operator_sriov_vf_device_ids[%d]" % index, item)
        reader.add(problems)
        if not problems:
            s["sriov_vf_device_ids"].append(v.pci_id(item))
    s["secondary_network"] = reader.read("network_operator_secondary_network", v.to_bool)
    s["node_selector"] = reader.read("network_operator_node_selector", v.to_dict, check=v.check_labels)
    s["tolerations"] = _tolerations(reader, "network_operator_tolerations")
    for name in ("network_operator_network_name", "network_operator_network_namespace"):
        s[name] = reader.read(name, v.to_str, check=v.check_dns_label)
    s["ip_pool_subnet"] = reader.read("network_operator_ip_pool_subnet", v.to_str)
    s["ip_pool_gateway"] = reader.read("network_operator_ip_pool_gateway", v.to_str)
    s["ip_pool_per_node_block_size"] = reader.read("network_operator_ip_pool_per_node_block_size", v.to_int)
    if s["secondary_network"] and s["device_plugin"] == "sriov":
        _check_ip_pool(reader, s)
    devices = reader.read("network_operator_rdma_devices", v.to_list)
    s["devices"] = []
    link_layer = "InfiniBand" if s["fabric_type"] == "infiniband" else "Ethernet"
    for index, dev in enumerate(devices or []):
        where = "network_operator_rdma_devices[%d]" % index
        if not isinstance(dev, dict):
            reader.add(["%s is %r: give {name, netdev, link_layer, vendor_id}" % (where, dev)])
            continue
        where = "%s (%s)" % (where, dev.get("name", "no name"))
        problems = v.check_interface_name(where + ": netdev", dev.get("netdev"))
        if dev.get("link_layer") not in ("InfiniBand", "Ethernet"):
            problems.append("%s: link_layer is %s: give InfiniBand or Ethernet (as sysfs says)"
                            % (where, v.describe(dev.get("link_layer"))))
        if "vendor_id" in dev:
            problems += v.check_pci_id(where + ": vendor_id", dev["vendor_id"])
        reader.add(problems)
        if not problems and dev["link_layer"] == link_layer:
            s["devices"].append(dict(dev, vendor_id=v.pci_id(dev.get("vendor_id", "15b3"))))
    if devices and not s["devices"] and s["fabric_type"] and not reader.problems:
        reader.add(["none of the %d network_operator_rdma_devices has link_layer %s, the %s fabric: the device plugin "
                    "would select nothing" % (len(devices), link_layer, s["fabric_type"])])

    def build():
        return _network_operator_build(common, s)

    return _result(reader, common, build, "network-operator")


def _check_ip_pool(reader, s):
    subnet = s["ip_pool_subnet"]
    if not subnet:
        reader.add(["network_operator_ip_pool_subnet is empty but network_operator_secondary_network is true with the "
                    "sriov device plugin: give the subnet the pods' virtual functions get addresses from (NVIDIA IPAM), "
                    "such as 10.230.0.0/16"])
        return
    problems = v.check_cidr("network_operator_ip_pool_subnet", subnet)
    reader.add(problems)
    if problems:
        return
    network = ipaddress.ip_network(subnet)
    if s["ip_pool_gateway"]:
        try:
            gateway = ipaddress.ip_address(s["ip_pool_gateway"])
        except ValueError:
            reader.add(["network_operator_ip_pool_gateway is '%s': give an IP address in %s, or empty"
                        % (s["ip_pool_gateway"], subnet)])
        else:
            if gateway not in network:
                reader.add(["network_operator_ip_pool_gateway %s is not in network_operator_ip_pool_subnet %s"
                            % (gateway, subnet)])
    block = s["ip_pool_per_node_block_size"]
    if block is not None and not 2 <= block <= network.num_addresses:
        reader.add(["network_operator_ip_pool_per_node_block_size is %d: give 2 to %d (addresses of %s one node gets)"
                    % (block, network.num_addresses, subnet)])


def _network_operator_build(common, s):
    registry = common["image_registry"]
    components = registry + "/nvidia/mellanox"
    secrets = common["image_pull_secrets"]
    infiniband = s["fabric_type"] == "infiniband"
    link_type = "infiniband" if infiniband else "ether"
    netdevs = sorted(set(d["netdev"] for d in s["devices"]))
    vendors = sorted(set(d["vendor_id"] for d in s["devices"])) or ["15b3"]
    tolerations = _with_control_plane(s["tolerations"], common["tolerate_control_plane"])

    def image(name):
        out = {"image": name, "repository": components, "version": s["components_version"]}
        if secrets:
            out["imagePullSecrets"] = list(secrets)  # NicClusterPolicy: a list of Secret names
        return out

    if s["device_plugin"] == "rdma_shared":
        selectors = {"vendors": vendors}
        selectors.update({"ifNames": netdevs} if netdevs else {"linkTypes": [link_type]})
        config = {"configList": [{"resourceName": s["resource_name"], "rdmaHcaMax": s["rdma_hca_max"],
                                  "selectors": selectors}]}
        plugin = {"rdmaSharedDevicePlugin": dict(image("k8s-rdma-shared-dev-plugin"),
                                                 config=json.dumps(config, indent=2, sort_keys=True))}
    else:
        selectors = {"vendors": vendors, "devices": s["sriov_vf_device_ids"], "drivers": ["mlx5_core"], "isRdma": True,
                     "linkTypes": [link_type]}
        if netdevs:
            selectors["pfNames"] = netdevs
        config = {"resourceList": [{"resourcePrefix": "nvidia.com", "resourceName": s["resource_name"],
                                    "selectors": selectors}]}
        plugin = {"sriovDevicePlugin": dict(image("sriov-network-device-plugin"),
                                            config=json.dumps(config, indent=2, sort_keys=True))}
    match = [{"key": key, "operator": "In", "values": [s["node_selector"][key]]} for key in sorted(s["node_selector"])]
    affinity = {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": match}]}}
    spec = {"nodeAffinity": affinity, "tolerations": tolerations}
    spec.update(plugin)
    if s["secondary_network"]:
        secondary = {"multus": image("multus-cni"), "cniPlugins": image("plugins")}
        if infiniband:
            secondary["ipoib"] = image("ipoib-cni")
        spec["secondaryNetwork"] = secondary
        spec["nvIpam"] = dict(image("nvidia-k8s-ipam"), enableWebhook=False)
    devices_text = ", ".join(sorted(set(d.get("name", "?") for d in s["devices"]))) or \
        "selected by vendor and link type (no rdma_info devices given)"
    namespace = common["namespace"]
    manifests = [
        _namespace(namespace, dict(LABELS, **{"pod-security.kubernetes.io/enforce": "privileged"}),
                   "the device plugins run privileged on the RDMA nodes"),
        {"phase": "post", "wait": True, "wait_condition": {"type": "Ready", "status": "True"}, "wait_timeout": 600,
         "description": "%s device plugin for the %s fabric, devices %s"
                        % (s["device_plugin"].replace("_", " "), s["fabric_type"], devices_text),
         "definition": {"apiVersion": "mellanox.com/v1alpha1", "kind": "NicClusterPolicy",
                        # The operator reconciles only the NicClusterPolicy of this name.
                        "metadata": {"name": "nic-cluster-policy", "labels": dict(LABELS)},
                        "spec": spec}},
    ]
    if s["secondary_network"] and s["device_plugin"] == "sriov":
        manifests += _sriov_network(common, s, infiniband, affinity, tolerations, components)
    nfd = {"image": {"repository": components + "/node-feature-discovery"}}
    if secrets:
        nfd["imagePullSecrets"] = [{"name": name} for name in secrets]
    if common["tolerate_control_plane"]:
        nfd["gc"] = {"tolerations": [dict(CONTROL_PLANE_TOLERATION)]}
    values = {
        "nfd": {"enabled": s["nfd_enabled"], "deployNodeFeatureRules": True},
        "sriovNetworkOperator": {"enabled": False},
        "operator": {"repository": registry + "/nvidia/cloud-native",
                     "ofedDriver": {"initContainer": {"repository": components}}},
        "node-feature-discovery": nfd,
        # The chart wraps each name into {name: ...} itself (operator Deployment and its hook Jobs).
        "imagePullSecrets": list(secrets),
    }
    return {"name": "network_operator", "releases": [_release(common, "network-operator", values)], "manifests": manifests}


def _sriov_network(common, s, infiniband, affinity, tolerations, components):
    """The SR-IOV CNI (the NicClusterPolicy deploys none), the IP pool and the NetworkAttachmentDefinition that
    let a pod attach the virtual function the SR-IOV device plugin gives it."""
    cni = "ib-sriov" if infiniband else "sriov"
    cni_image = "%s/%s-cni:%s" % (components, cni, s["components_version"])
    name = s["network_operator_network_name"]
    namespace = common["namespace"]
    labels = dict(LABELS, **{"app.kubernetes.io/name": "%s-cni" % cni})
    pod_spec = {
        "affinity": {"nodeAffinity": affinity},
        "tolerations": tolerations,
        "priorityClassName": "system-node-critical",
        "containers": [{
            "name": "%s-cni" % cni,
            "image": cni_image,
            # The image's entrypoint copies the plugin into the host's CNI binary directory, then sleeps.
            "securityContext": {"privileged": True},
            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "64Mi"}},
            "volumeMounts": [{"name": "cni-bin", "mountPath": "/host/opt/cni/bin"}],
        }],
        "volumes": [{"name": "cni-bin", "hostPath": {"path": "/opt/cni/bin", "type": "DirectoryOrCreate"}}],
    }
    if common["image_pull_secrets"]:
        pod_spec["imagePullSecrets"] = [{"name": secret} for secret in common["image_pull_secrets"]]
    # It only copies a binary onto the host: its own ServiceAccount, no Kubernetes API token.
    ksa.no_token(pod_spec, "%s-cni" % cni)
    daemonset = {"apiVersion": "apps/v1", "kind": "DaemonSet",
                 "metadata": {"name": "%s-cni" % cni, "namespace": namespace, "labels": labels},
                 "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": "%s-cni" % cni}},
                          "updateStrategy": {"type": "RollingUpdate"},
                          "template": {"metadata": {"labels": labels}, "spec": pod_spec}}}
    pool = {"subnet": s["ip_pool_subnet"], "perNodeBlockSize": s["ip_pool_per_node_block_size"],
            "nodeSelector": affinity["requiredDuringSchedulingIgnoredDuringExecution"]}
    if s["ip_pool_gateway"]:
        pool["gateway"] = s["ip_pool_gateway"]
    resource = "nvidia.com/%s" % s["resource_name"]
    config = {"cniVersion": "0.3.1", "name": name, "type": cni,
              "ipam": {"type": "nv-ipam", "poolName": name}}
    if not infiniband:
        config["spoofchk"] = "off"
    nad = {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition",
           "metadata": {"name": name, "namespace": s["network_operator_network_namespace"], "labels": dict(LABELS),
                        "annotations": {"k8s.v1.cni.cncf.io/resourceName": resource}},
           "spec": {"config": json.dumps(config, sort_keys=True)}}
    return [
        ksa.service_account(namespace, "%s-cni" % cni, LABELS, "the %s CNI DaemonSet's ServiceAccount, without a "
                            "Kubernetes API token" % cni),
        {"phase": "post", "description": "the %s CNI plugin on the RDMA nodes (the NicClusterPolicy has none)" % cni,
         "definition": daemonset},
        {"phase": "post", "description": "addresses of the pods' virtual functions, %d per node" % s["ip_pool_per_node_block_size"],
         "definition": {"apiVersion": "nv-ipam.nvidia.com/v1alpha1", "kind": "IPPool",
                        "metadata": {"name": name, "namespace": namespace, "labels": dict(LABELS)}, "spec": pool}},
        {"phase": "post", "description": "pods attach a virtual function (%s) with the annotation "
                                         "k8s.v1.cni.cncf.io/networks: %s" % (resource, name),
         "definition": nad},
    ]


def plain(value):
    """The value as plain Python data (str, int, float, bool, None, list, dict), without the wrapper types the
    templating engine puts around strings and containers, so the stage serialises like any data."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        return dict((plain(key), plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def mirror_image(reference, registry):
    """The image ``reference`` pulled through the internal mirror ``registry`` (empty: unchanged). The mirror keeps
    the image's path: the registry host of the reference (a first part with a dot or a port, or localhost) is
    replaced, repository and tag are kept (docker.io/vllm/vllm-openai:v1 and vllm/vllm-openai:v1 both become
    <registry>/vllm/vllm-openai:v1)."""
    if not registry:
        return reference
    first, _slash, rest = reference.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        reference = rest
    return "%s/%s" % (registry, reference)


def settings_of(variables, prefix, ignore=()):
    """The role's settings from a {name: value} map (lookup vars), without the facts the role publishes."""
    return dict((plain(name), plain(value)) for name, value in variables.items()
                if name.startswith(prefix) and name not in ignore)


def filter_settings(filter_name, variables, prefix, ignore=()):
    """What every stage filter does first: refuse an input that is not the role's variables as a mapping (naming the
    filter), then take the role's settings from it as settings_of() does."""
    if not isinstance(variables, dict):
        raise AnsibleFilterError("%s: the input is %r, give the role's variables as a mapping" % (filter_name, variables))
    return settings_of(variables, prefix, ignore=ignore)
