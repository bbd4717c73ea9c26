# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import apiserver_flags as af

AUDIT = "/etc/kubernetes/audit-policy.yaml"
ENC = "/etc/kubernetes/encryption-config.yaml"
# Synthetic command lines in the shapes kubeadm/Kubespray and RKE2 start the API server with.
KUBESPRAY = ["kube-apiserver", "--advertise-address=10.0.0.10", "--audit-policy-file=" + AUDIT,
             "--audit-log-path=/var/log/audit/kube-apiserver-audit.log", "--audit-log-maxage=30",
             "--encryption-provider-config=" + ENC, "--encryption-provider-config-automatic-reload=true"]
RKE2 = ["/var/lib/rancher/rke2/data/v1.33/bin/kube-apiserver", "--audit-policy-file", AUDIT, "--audit-log-path",
        "/var/lib/rancher/rke2/server/logs/audit.log", "--allow-privileged"]
BARE = ["kube-apiserver", "--advertise-address=10.0.0.10", "--authorization-mode=Node,RBAC"]
POLICY_NO_LOG = ["kube-apiserver", "--audit-policy-file=" + AUDIT]
OTHER_PATH = ["kube-apiserver", "--audit-policy-file=/etc/k8s/audit.yaml", "--audit-log-path=-"]

# (id, argv, audit expected, encryption expected, audit active, encryption active, problem fragments)
CASES = [
    ("kubespray, both on", KUBESPRAY, AUDIT, ENC, True, True, []),
    ("rke2, audit only, encryption asked", RKE2, AUDIT, ENC, True, False,
     ["without --encryption-provider-config: set it to %s" % ENC]),
    ("rke2, encryption not asked", RKE2, AUDIT, "", True, False, []),
    ("bare", BARE, AUDIT, ENC, False, False, ["without --audit-policy-file", "without --encryption-provider-config"]),
    ("policy without a log", POLICY_NO_LOG, AUDIT, "", False, False, ["neither --audit-log-path nor a webhook"]),
    ("another path", OTHER_PATH, AUDIT, "", True, False, ["uses /etc/k8s/audit.yaml for audit, not %s" % AUDIT]),
]


@pytest.mark.parametrize("argv,audit,enc,audit_on,enc_on,problems", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_report(argv, audit, enc, audit_on, enc_on, problems):
    result = af.report(argv, "process", audit, enc, exists=lambda path: True)
    assert result["audit"]["active"] is audit_on
    assert result["encryption"]["active"] is enc_on
    text = "\n".join(result["problems"])
    for part in problems:
        assert part in text, text
    assert len(result["problems"]) == len(problems), result["problems"]


def test_a_named_file_missing_on_the_node_is_reported():
    result = af.report(KUBESPRAY, "process", AUDIT, ENC, exists=lambda path: path != ENC)
    assert result["problems"] == ["kube-apiserver names %s for encryption but the file is not on this node" % ENC]


def test_nothing_found():
    result = af.report(None, None, AUDIT, ENC)
    assert result["found"] is False and "no kube-apiserver process" in result["problems"][0]


# (id, argv, flags)
PARSE = [
    ("equals", ["--a=1", "--b=x=y"], {"a": "1", "b": "x=y"}),
    ("separate value", ["--a", "1", "--b"], {"a": "1", "b": "true"}),
    ("later wins", ["--a=1", "--a=2"], {"a": "2"}),
    ("positional ignored", ["x", "--a=1"], {"a": "1"}),
]


@pytest.mark.parametrize("argv,flags", [c[1:] for c in PARSE], ids=[c[0] for c in PARSE])
def test_parse_flags(argv, flags):
    assert af.parse_flags(argv) == flags


def test_from_proc_finds_the_apiserver(tmp_path):
    for pid, argv in (("1", ["/sbin/init"]), ("77", ["/usr/local/bin/kube-apiserver", "--audit-policy-file=" + AUDIT]),
                      ("self", ["python"])):
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
    assert af.from_proc(str(tmp_path)) == ["/usr/local/bin/kube-apiserver", "--audit-policy-file=" + AUDIT]


def test_static_pod_manifest_then_inspect(tmp_path):
    manifest = tmp_path / "kube-apiserver.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n"
                        "    - kube-apiserver\n    - --audit-policy-file=%s\n    - --audit-log-path=/var/log/a.log\n" % AUDIT)
    empty_proc = tmp_path / "proc"
    empty_proc.mkdir()
    result = af.inspect(AUDIT, "", proc_root=str(empty_proc), manifests=(str(tmp_path / "absent.yaml"), str(manifest)))
    assert result["source"] == str(manifest)
    assert result["audit"]["active"] is True and result["audit"]["matches"] is True
