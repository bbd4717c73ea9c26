# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether the kube-apiserver of a control-plane node runs with the audit Policy and the EncryptionConfiguration the
security stage renders: read-only, from the running process's command line (/proc/<pid>/cmdline), else from the
static Pod manifest the installer wrote (kubeadm/Kubespray, RKE2).

Plain Python, so the unit tests drive it with recorded or synthetic command lines.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import traceback

try:
    import yaml
except ImportError:  # PyYAML comes with ansible-core
    yaml = None
    YAML_IMPORT_ERROR = traceback.format_exc()
else:
    YAML_IMPORT_ERROR = None

# Static Pod manifests of kubeadm and Kubespray, then RKE2.
MANIFESTS = ("/etc/kubernetes/manifests/kube-apiserver.yaml",
             "/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml")
AUDIT_FLAGS = ("audit-policy-file", "audit-log-path", "audit-log-maxage", "audit-log-maxbackup", "audit-log-maxsize",
               "audit-webhook-config-file")
ENCRYPTION_FLAGS = ("encryption-provider-config", "encryption-provider-config-automatic-reload")


def parse_flags(argv):
    """{flag: value} of a command line: --flag=value, --flag value, --flag (true); later flags win."""
    flags = {}
    items = list(argv or [])
    index = 0
    while index < len(items):
        item = items[index]
        if item.startswith("--"):
            name, sep, value = item[2:].partition("=")
            if not sep:
                following = items[index + 1] if index + 1 < len(items) else None
                if following is not None and not following.startswith("--"):
                    value = following
                    index += 1
                else:
                    value = "true"
            flags[name] = value
        index += 1
    return flags


def is_apiserver(argv):
    return bool(argv) and os.path.basename(argv[0]) == "kube-apiserver"


def from_proc(proc_root="/proc"):
    """The running kube-apiserver's argv, or None."""
    try:
        entries = os.listdir(proc_root)
    except OSError:
        return None
    for entry in sorted(entries):
        if not entry.isdigit():
            continue
        try:
            with open(os.path.join(proc_root, entry, "cmdline"), "rb") as handle:
                raw = handle.read()
        except (IOError, OSError):
            continue
        argv = [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]
        if is_apiserver(argv):
            return argv
    return None


def from_manifest(text):
    """The kube-apiserver container's command and args of a static Pod manifest, or None."""
    try:
        pod = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    for container in ((pod or {}).get("spec") or {}).get("containers") or []:
        argv = list(container.get("command") or []) + list(container.get("args") or [])
        if argv and (is_apiserver(argv) or container.get("name") == "kube-apiserver"):
            return argv
    return None


def report(argv, source, expected_audit_policy, expected_encryption_config, exists=os.path.exists):
    """What the API server runs with, against what the security stage renders (empty expected path: not asked)."""
    out = {"found": argv is not None, "source": source, "audit": {}, "encryption": {}, "problems": []}
    if argv is None:
        out["problems"].append("no kube-apiserver process and no static Pod manifest (%s) on this node"
                               % ", ".join(MANIFESTS))
        return out
    flags = parse_flags(argv[1:] if is_apiserver(argv) else argv)
    audit = dict((name, flags[name]) for name in AUDIT_FLAGS if name in flags)
    encryption = dict((name, flags[name]) for name in ENCRYPTION_FLAGS if name in flags)
    writes = bool(audit.get("audit-log-path") or audit.get("audit-webhook-config-file"))
    out["audit"] = {"flags": audit, "policy_file": audit.get("audit-policy-file", ""),
                    "active": bool(audit.get("audit-policy-file")) and writes}
    out["encryption"] = {"flags": encryption, "config_file": encryption.get("encryption-provider-config", ""),
                         "active": bool(encryption.get("encryption-provider-config"))}
    for kind, key, expected, variable in (("audit", "policy_file", expected_audit_policy, "security_audit_policy_path"),
                                          ("encryption", "config_file", expected_encryption_config,
                                           "security_encryption_config_path")):
        if not expected:
            continue
        actual = out[kind][key]
        out[kind]["expected"] = expected
        out[kind]["matches"] = actual == expected
        if not actual:
            out["problems"].append("kube-apiserver runs without --%s: set it to %s in the installer (%s)"
                                   % ("audit-policy-file" if kind == "audit" else "encryption-provider-config",
                                      expected, variable))
        elif actual != expected:
            out["problems"].append("kube-apiserver uses %s for %s, not %s (%s)" % (actual, kind, expected, variable))
        elif not exists(actual):
            out["problems"].append("kube-apiserver names %s for %s but the file is not on this node" % (actual, kind))
    if out["audit"]["policy_file"] and not out["audit"]["active"]:
        out["problems"].append("kube-apiserver has --audit-policy-file but neither --audit-log-path nor a webhook: "
                               "nothing is written")
    return out


def inspect(expected_audit_policy, expected_encryption_config, proc_root="/proc", manifests=MANIFESTS):
    argv = from_proc(proc_root)
    source = "process"
    if argv is None:
        source = None
        for path in manifests:
            if os.path.isfile(path):
                with open(path) as handle:
                    argv = from_manifest(handle.read())
                if argv is not None:
                    source = path
                    break
    return report(argv, source, expected_audit_policy, expected_encryption_config)
