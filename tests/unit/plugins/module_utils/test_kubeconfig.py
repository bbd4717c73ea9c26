# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils import basic

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import kubeconfig
from ansible_collections.privateai.deepseek_dify.plugins.modules import kubeconfig_info
from ansible_collections.privateai.deepseek_dify.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    exit_json,
    fail_json,
    set_module_args,
)

# The layout kubeadm/Kubespray write (admin.conf), with credentials that must never come back.
KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: Q0EtREFUQQ==
    server: https://k8s-api.example.internal:6443
  name: cluster.local
- cluster:
    server: https://10.0.0.1
    proxy-url: http://proxy.example.internal:3128
  name: behind-proxy
contexts:
- context:
    cluster: cluster.local
    user: kubernetes-admin
    namespace: ops
  name: kubernetes-admin@cluster.local
- context: {cluster: behind-proxy, user: kubernetes-admin}
  name: proxied
- context: {cluster: missing, user: kubernetes-admin}
  name: dangling
current-context: kubernetes-admin@cluster.local
users:
- name: kubernetes-admin
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZLVNFQ1JFVA==
"""


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "kubeconfig"
    p.write_text(KUBECONFIG)
    return str(p)


def test_describes_the_context_without_credentials(path):
    info = kubeconfig.describe(path, "kubernetes-admin@cluster.local")
    assert info["problems"] == []
    assert (info["server"], info["host"], info["port"], info["cluster"], info["user"], info["namespace"]) == (
        "https://k8s-api.example.internal:6443", "k8s-api.example.internal", 6443, "cluster.local", "kubernetes-admin", "ops")
    assert info["contexts"] == ["dangling", "kubernetes-admin@cluster.local", "proxied"]
    text = json.dumps(info)
    assert "S0VZLVNFQ1JFVA" not in text and "Q0VSVA" not in text and "Q0EtREFUQQ" not in text


def test_current_context_proxy_and_default_port(path):
    assert kubeconfig.describe(path)["context"] == "kubernetes-admin@cluster.local"
    proxied = kubeconfig.describe(path, "proxied")
    assert (proxied["port"], proxied["proxy_url"]) == (443, "http://proxy.example.internal:3128")


@pytest.mark.parametrize("context, message", [
    ("admin@prod", "context admin@prod is not in kubeconfig {path}; it has: dangling, kubernetes-admin@cluster.local, proxied"),
    ("dangling", "context dangling in kubeconfig {path} names cluster 'missing', which the file does not define"),
])
def test_context_problems_name_file_and_context(path, context, message):
    problems = kubeconfig.describe(path, context)["problems"]
    assert len(problems) == 1 and problems[0].startswith(message.format(path=path)), problems


def test_file_problems(tmp_path):
    missing = str(tmp_path / "nope")
    assert "kubeconfig %s does not exist" % missing in kubeconfig.describe(missing, "x")["problems"][0]
    bad = tmp_path / "bad"
    bad.write_text("clusters: [\n")
    assert "is not valid YAML (line" in kubeconfig.describe(str(bad), "x")["problems"][0]
    other = tmp_path / "other"
    other.write_text("kind: Deployment\n")
    assert "is not a kubeconfig" in kubeconfig.describe(str(other), "x")["problems"][0]
    noserver = tmp_path / "noserver"
    noserver.write_text("kind: Config\nclusters: [{name: c, cluster: {}}]\ncontexts: [{name: x, context: {cluster: c}}]\n")
    assert "has no usable server URL" in kubeconfig.describe(str(noserver), "x")["problems"][0]


def test_module_fails_with_every_problem_or_returns_them(path, monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    with set_module_args({"kubeconfig": path, "context": "admin@prod"}):
        with pytest.raises(AnsibleFailJson) as failed:
            kubeconfig_info.main()
    assert "context admin@prod is not in kubeconfig" in failed.value.args[0]["msg"]
    with set_module_args({"kubeconfig": path, "context": "admin@prod", "fail_on_problems": False}):
        with pytest.raises(AnsibleExitJson) as done:
            kubeconfig_info.main()
    assert done.value.args[0]["changed"] is False and len(done.value.args[0]["problems"]) == 1
    with set_module_args({"kubeconfig": path, "_ansible_check_mode": True}):
        with pytest.raises(AnsibleExitJson) as done:
            kubeconfig_info.main()
    assert done.value.args[0]["server"] == "https://k8s-api.example.internal:6443"
    assert "S0VZLVNFQ1JFVA" not in json.dumps(done.value.args[0])
