# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Continuous profiling in the monitoring stage (plugins/plugin_utils/k8s_observability.py: read_profiling,
profiling_values, alloy_config, the Grafana datasource) and its seam with the security stage (flows, image
allowlist). The pyroscope chart's values are checked against the keys recorded in tests/k8s/pyroscope_keys.py (a
documented-schema check: the chart cannot be rendered here)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import sys

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_observability as ko
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_security as ks

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import test_k8s_observability as base  # noqa: E402  (the role's defaults as the role passes them)
import test_k8s_security as security  # noqa: E402

sys.path.insert(0, os.path.join(base.ROOT, "tests", "k8s"))

import pyroscope_keys  # noqa: E402

ON = {"observability_profiling_enabled": True}
MIRROR = "registry.example.internal:5000"


def stage(**overrides):
    return ko.observability_stage(base.defaults(**overrides))


def pyroscope(result):
    found = [r for r in result["stage"]["releases"] if r["chart"] == "pyroscope"]
    assert len(found) == 1, [r["chart"] for r in result["stage"]["releases"]]
    return found[0]


def grafana_values(result):
    return [r for r in result["stage"]["releases"] if r["chart"] == "kube-prometheus-stack"][0]["values"]["grafana"]


# (id, overrides, the texts the problem list must contain: each names the variable and the value)
BAD = [
    ("retention not a duration", {"observability_profiling_retention": "1 week"},
     ["observability_profiling_retention is '1 week': give a Prometheus duration"]),
    ("retention zero keeps forever", {"observability_profiling_retention": "0d"},
     ["observability_profiling_retention is '0d': give a duration above zero"]),
    ("storage size not a quantity", {"observability_profiling_storage_size": "50 GB"},
     ["observability_profiling_storage_size is '50 GB': give a Kubernetes quantity"]),
    ("resource quantity wrong", {"observability_profiling_resources": {"requests": {"cpu": "one", "memory": "2Gi"}}},
     ["observability_profiling_resources.requests.cpu is 'one': give a Kubernetes quantity"]),
    ("resource unknown", {"observability_profiling_resources": {"requests": {"cpu": "1", "gpu": "1"}}},
     ["observability_profiling_resources.requests: unknown resource 'gpu'"]),
    ("resources without requests", {"observability_profiling_agent_resources": {"limits": {"memory": "1Gi"}}},
     ["observability_profiling_agent_resources.requests is None: give {cpu, memory}"]),
    ("resources unknown part", {"observability_profiling_agent_resources": {"requests": {"cpu": "1"}, "limit": {}}},
     ["observability_profiling_agent_resources: unknown key 'limit'"]),
    ("ebpf namespace not a label", {"observability_profiling_ebpf_namespaces": ["serving", "Model_Serving"]},
     ["observability_profiling_ebpf_namespaces[1] is 'Model_Serving': give a DNS label"]),
    ("sample rate zero", {"observability_profiling_ebpf_sample_rate": 0},
     ["observability_profiling_ebpf_sample_rate is 0: give the samples per second per CPU, 1 to 1000"]),
    ("sample rate not a number", {"observability_profiling_ebpf_sample_rate": "fast"},
     ["observability_profiling_ebpf_sample_rate is 'fast'"]),
    ("chart version a range", {"observability_profiling_chart_version": "~2.2"},
     ["observability_profiling_chart_version is '~2.2': give the exact chart version"]),
    ("chart repository not https", {"observability_profiling_chart_repo_url": "grafana.github.io/helm-charts"},
     ["observability_profiling_chart_repo_url is 'grafana.github.io/helm-charts': give an https:// chart repository"]),
    ("chart archive missing", {"observability_profiling_chart_archive": "/nonexistent/pyroscope-2.2.1.tgz"},
     ["observability_profiling_chart_archive is '/nonexistent/pyroscope-2.2.1.tgz': no such file"]),
    ("registry with a scheme", {"observability_profiling_image_registry": "https://registry.example.internal"},
     ["observability_profiling_image_registry is 'https://registry.example.internal'"]),
    ("release name not a label", {"observability_profiling_release_name": "Pyroscope"},
     ["observability_profiling_release_name is 'Pyroscope': give a DNS label"]),
    ("release name too long", {"observability_profiling_release_name": "p" * 54},
     ["observability_profiling_release_name is '%s': Helm release names are 53 characters at most" % ("p" * 54)]),
    ("enabled not a boolean", {"observability_profiling_enabled": "ture"}, ["observability_profiling_enabled is 'ture'"]),
    ("values_extra not a mapping", {"observability_profiling_values_extra": ["x"]},
     ["observability_profiling_values_extra is ['x']: give a mapping"]),
]


@pytest.mark.parametrize("overrides,expected", [(o, e) for _i, o, e in BAD], ids=[i for i, _o, _e in BAD])
def test_bad_profiling_input_is_refused_naming_the_variable(overrides, expected):
    result = stage(**dict(ON, **overrides))
    assert result["stage"] is None
    for text in expected:
        assert any(text in problem for problem in result["problems"]), (text, result["problems"])


def test_a_bad_value_is_refused_while_profiling_is_off_too():
    """Waiting in the inventory, it would break the day profiling is turned on: reported now."""
    result = stage(observability_profiling_retention="a week")
    assert result["stage"] is None
    assert [p for p in result["problems"] if "observability_profiling_retention is 'a week'" in p]


def test_every_problem_reported_at_once():
    result = stage(**dict(ON, observability_profiling_retention="7 days", observability_profiling_storage_size="big",
                          observability_profiling_ebpf_sample_rate=5000, observability_prometheus_retention="2 weeks"))
    names = sorted(set(re.match(r"^(\w+)", p).group(1) for p in result["problems"]))
    assert names == ["observability_profiling_ebpf_sample_rate", "observability_profiling_retention",
                     "observability_profiling_storage_size", "observability_prometheus_retention"]


def test_off_by_default_nothing_of_profiling_is_built():
    result = stage()
    assert result["problems"] == []
    assert [r["chart"] for r in result["stage"]["releases"]] == ["kube-prometheus-stack"]
    assert "additionalDataSources" not in grafana_values(result)
    assert "profiling_url" not in result["outputs"]
    assert not [w for w in result["warnings"] if "profiling" in w]


def test_on_pins_the_chart_and_keeps_profiles_on_the_block_class():
    result = stage(**ON)
    assert result["problems"] == []
    release = pyroscope(result)
    assert (release["name"], release["version"], release["namespace"], release["repo_url"]) == \
        ("pyroscope", "2.2.1", "monitoring", "https://grafana.github.io/helm-charts")
    values = release["values"]["pyroscope"]
    assert values["persistence"] == {"enabled": True, "storageClassName": "ceph-block", "size": "50Gi",
                                     "accessModes": ["ReadWriteOnce"]}
    assert values["extraArgs"]["retention-period"] == "7d"
    assert values["resources"] == {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "8Gi"}}
    # The Service is named after the release whatever its name (the datasource and the agent point at it).
    assert values["fullnameOverride"] == "pyroscope"
    assert values["image"] == {"registry": "docker.io"}
    assert result["outputs"]["profiling_url"] == "http://pyroscope.monitoring.svc:4040"
    # Only Pyroscope itself: kube-prometheus-stack's release is built as before.
    assert [r["chart"] for r in result["stage"]["releases"]] == ["kube-prometheus-stack", "pyroscope"]


def test_retention_size_resources_and_release_name_follow_the_inventory():
    result = stage(**dict(ON, observability_profiling_retention="72h", observability_profiling_storage_size="200Gi",
                          observability_profiling_release_name="profiles",
                          observability_profiling_resources={"requests": {"cpu": 2, "memory": "4Gi"}}))
    release = pyroscope(result)
    values = release["values"]["pyroscope"]
    assert release["name"] == "profiles" and values["fullnameOverride"] == "profiles"
    assert values["extraArgs"]["retention-period"] == "72h" and values["persistence"]["size"] == "200Gi"
    assert values["resources"] == {"requests": {"cpu": "2", "memory": "4Gi"}}
    url = "http://profiles.monitoring.svc:4040"
    assert grafana_values(result)["additionalDataSources"][0]["url"] == url
    assert 'url = "%s"' % url in release["values"]["alloy"]["alloy"]["configMap"]["content"]


def test_empty_storage_class_keeps_profiles_on_the_node_with_a_warning():
    result = stage(**dict(ON, observability_storage_class=""))
    assert pyroscope(result)["values"]["pyroscope"]["persistence"] == {"enabled": False}
    assert [w for w in result["warnings"] if w.startswith("observability_storage_class is empty: Pyroscope")]


def test_the_agent_is_a_privileged_daemonset_in_the_host_pid_namespace_and_says_so():
    result = stage(**ON)
    alloy = pyroscope(result)["values"]["alloy"]
    assert alloy["enabled"] is True
    assert alloy["controller"]["type"] == "daemonset" and alloy["controller"]["hostPID"] is True
    # Every node, the GPU nodes' taints included.
    assert alloy["controller"]["tolerations"] == [{"operator": "Exists"}]
    assert alloy["alloy"]["securityContext"]["privileged"] is True
    assert alloy["alloy"]["configMap"]["create"] is True and alloy["alloy"]["clustering"] == {"enabled": False}
    assert alloy["alloy"]["resources"] == {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}}
    assert [w for w in result["warnings"] if "runs privileged in the host PID namespace" in w]
    namespace = [m["definition"] for m in result["stage"]["manifests"] if m["definition"]["kind"] == "Namespace"][0]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"


# (id, ebpf namespaces setting, serving namespace, the namespace regex the agent keeps)
EBPF_NAMESPACES = [
    ("empty: the serving namespace", [], "serving", "serving"),
    ("empty follows a renamed serving namespace", [], "llm", "llm"),
    ("explicit list", ["serving", "batch"], "serving", "serving|batch"),
    ("duplicates once", ["serving", "serving"], "serving", "serving"),
]


@pytest.mark.parametrize("namespaces,serving,regex", [c[1:] for c in EBPF_NAMESPACES], ids=[c[0] for c in EBPF_NAMESPACES])
def test_ebpf_profiles_the_containers_of_the_chosen_namespaces(namespaces, serving, regex):
    result = stage(**dict(ON, observability_profiling_ebpf_namespaces=namespaces,
                          observability_serving_namespace=serving))
    config = pyroscope(result)["values"]["alloy"]["alloy"]["configMap"]["content"]
    ebpf = config[config.index('discovery.relabel "ebpf"'):config.index('pyroscope.ebpf "model_servers"')]
    keep = re.search(r'source_labels = \["__meta_kubernetes_namespace"\]\n\s+regex\s+= "([^"]*)"\n\s+action\s+= "keep"',
                     ebpf)
    assert keep and keep.group(1) == regex


def test_agent_configuration_sends_ebpf_and_pprof_profiles_of_its_own_node_to_pyroscope():
    config = pyroscope(stage(**dict(ON, observability_profiling_ebpf_sample_rate=49)))["values"]["alloy"]["alloy"][
        "configMap"]["content"]
    # Its own node's pods only (one agent per node).
    assert 'field = "spec.nodeName=" + sys.env("HOSTNAME")' in config
    ebpf = config[config.index('pyroscope.ebpf "model_servers"'):]
    assert "targets     = discovery.relabel.ebpf.output" in ebpf and "sample_rate = 49" in ebpf
    # pprof: one scrape per annotation kind, each with exactly its own profile on.
    for kind, profile in sorted(ko.PPROF_KINDS.items()):
        block = config[config.index('pyroscope.scrape "pprof_%s"' % kind):]
        block = block[:block.index("\n}\n")]
        enabled = re.findall(r"profile\.(\w+) \{\n\s+enabled = true", block)
        assert enabled == [profile], (kind, enabled)
        assert "__meta_kubernetes_pod_annotation_profiles_grafana_com_%s_scrape" % kind in config
    assert config.count('pyroscope.write "pyroscope"') == 1
    assert config.count("forward_to") == 1 + len(ko.PPROF_KINDS)
    # Balanced blocks and strings: a cheap stand-in for Alloy's parser, which is not available here.
    assert config.count("{") == config.count("}") and config.count('"') % 2 == 0
    # The alloy subchart passes the content through Helm's tpl: no template action may appear in it.
    assert "{{" not in config and "}}" not in config


def test_alloy_strings_are_escaped():
    assert ko._alloy_string('a"b\\c') == '"a\\"b\\\\c"'


def test_a_mirror_and_pull_secrets_reach_every_image_of_the_chart():
    result = stage(**dict(ON, observability_profiling_image_registry=MIRROR + "/",
                          observability_image_pull_secrets=["mirror-login"]))
    values = pyroscope(result)["values"]
    assert values["global"] == {"imageRegistry": MIRROR, "image": {"registry": MIRROR,
                                                                   "pullSecrets": [{"name": "mirror-login"}]}}
    assert values["pyroscope"]["image"] == {"registry": MIRROR}
    assert values["alloy"]["image"] == {"registry": MIRROR}
    assert values["alloy"]["configReloader"]["image"] == {"registry": MIRROR}
    assert values["pyroscope"]["imagePullSecrets"] == [{"name": "mirror-login"}]


def test_upstream_registries_without_a_mirror():
    values = pyroscope(stage(**ON))["values"]
    assert "global" not in values
    assert values["alloy"]["image"] == {"registry": "docker.io"}
    assert values["alloy"]["configReloader"]["image"] == {"registry": "quay.io"}


def test_control_plane_toleration_reaches_pyroscope():
    values = pyroscope(stage(**dict(ON, observability_tolerate_control_plane=True)))["values"]["pyroscope"]
    assert values["tolerations"] == [dict(ko.kp.CONTROL_PLANE_TOLERATION)]


def test_values_extra_merged_last():
    extra = {"pyroscope": {"extraArgs": {"log.level": "warn"}}, "alloy": {"controller": {"nodeSelector": {"gpu": "1"}}}}
    values = pyroscope(stage(**dict(ON, observability_profiling_values_extra=extra)))["values"]
    assert values["pyroscope"]["extraArgs"] == {"log.level": "warn", "retention-period": "7d"}
    assert values["alloy"]["controller"]["nodeSelector"] == {"gpu": "1"}
    assert values["alloy"]["controller"]["hostPID"] is True


def test_grafana_gets_the_pyroscope_datasource():
    datasources = grafana_values(stage(**ON))["additionalDataSources"]
    assert datasources == [{"name": "Pyroscope", "type": "grafana-pyroscope-datasource", "uid": "pyroscope",
                            "access": "proxy", "editable": False, "url": "http://pyroscope.monitoring.svc:4040"}]


# The values as the role writes them, for the recorded documented keys of the chart (tests/k8s/pyroscope_keys.py).
KEY_CASES = [
    ("defaults", {}),
    ("mirror and pull secrets", {"observability_profiling_image_registry": MIRROR,
                                 "observability_image_pull_secrets": ["mirror-login"]}),
    ("no storage class, control plane", {"observability_storage_class": "", "observability_tolerate_control_plane": True}),
]


@pytest.mark.parametrize("overrides", [c[1] for c in KEY_CASES], ids=[c[0] for c in KEY_CASES])
def test_values_use_only_the_documented_keys_of_the_chart(overrides):
    assert pyroscope_keys.problems(pyroscope(stage(**dict(ON, **overrides)))["values"]) == []


def test_the_key_check_finds_a_misspelt_key_and_a_wrong_controller_type():
    values = pyroscope(stage(**ON))["values"]
    values["pyroscope"]["persistance"] = {"enabled": True}
    values["alloy"]["controller"]["type"] = "DaemonSet"
    assert pyroscope_keys.problems(values) == [
        "alloy.controller.type is 'DaemonSet': not one of daemonset, deployment, statefulset",
        "pyroscope.persistance: not a key of the pyroscope chart 2.2.1 (or of its alloy subchart)"]


# ----------------------------------------------------------------------------------- the security stage's side


def _flow_names(stack):
    result = ks.security_stage(security.defaults(), stack=stack)
    assert result["problems"] == []
    return [f["name"] for f in result["outputs"]["flows"]]


PROFILING_FLOWS = ["grafana-to-pyroscope", "profiling-agent-to-pyroscope", "profiling-agent-to-api-server"]
# (id, the monitoring stage's settings the security stage sees, whether the profiling flows exist)
FLOW_CASES = [
    ("profiling on", {"observability_enabled": True, "observability_profiling_enabled": True}, True),
    ("profiling on, as -e gives it", {"observability_profiling_enabled": "true"}, True),
    ("profiling off", {"observability_enabled": True, "observability_profiling_enabled": False}, False),
    ("monitoring stage off", {"observability_enabled": False, "observability_profiling_enabled": True}, False),
    ("not known", {}, False),
]


@pytest.mark.parametrize("stack,present", [c[1:] for c in FLOW_CASES], ids=[c[0] for c in FLOW_CASES])
def test_profiling_flows_exist_only_with_profiling_on(stack, present):
    names = _flow_names(stack)
    assert [n for n in PROFILING_FLOWS if n in names] == (PROFILING_FLOWS if present else [])


def test_profiling_flows_name_their_ports_and_pyroscope_has_no_egress():
    flows = dict((f[0], f) for f in ks.FLOWS)
    assert flows["grafana-to-pyroscope"][1:4] == ("grafana", "pyroscope", (ko.PROFILING_PORT,))
    assert flows["profiling-agent-to-pyroscope"][1:4] == ("profiling_agent", "pyroscope", (ko.PROFILING_PORT,))
    assert [f for f in ks.FLOWS if f[1] == "pyroscope"] == []
    for workload in ("grafana", "pyroscope", "profiling_agent"):
        assert ks.WORKLOADS[workload][0] == "monitoring"


def test_allowlist_learns_the_profiling_images():
    stack = {"observability_enabled": True, "observability_profiling_enabled": True,
             "observability_profiling_image_registry": ""}
    images = [i["image"] for i in ks.stack_images(stack, {}) if i["source"].startswith("observability_profiling")]
    assert images == ["docker.io/grafana/pyroscope", "docker.io/grafana/alloy",
                      "quay.io/prometheus-operator/prometheus-config-reloader"]
    mirrored = ks.stack_images(dict(stack, observability_profiling_image_registry=MIRROR), {})
    assert [i for i in mirrored if i["source"] == "observability_profiling_image_registry"] == [
        {"source": "observability_profiling_image_registry", "image": MIRROR, "kind": "registry"}]
    assert not [i for i in ks.stack_images(dict(stack, observability_profiling_enabled=False), {})
                if i["source"].startswith("observability_profiling")]


def test_an_allowlist_without_the_profiling_images_is_refused():
    stack = {"observability_enabled": True, "observability_profiling_enabled": True,
             "observability_profiling_image_registry": ""}
    settings = security.defaults(security_image_registries=["docker.io/grafana"])
    result = ks.security_stage(settings, stack_images=ks.stack_images(stack, settings))
    assert [p for p in result["problems"] if "quay.io/prometheus-operator/prometheus-config-reloader "
            "(observability_profiling_image_registry (empty: upstream))" in p]
    assert not [p for p in result["problems"] if "docker.io/grafana/alloy" in p]
    # With the config reloader's registry too (and the mesh's own), nothing is blocked.
    settings = security.defaults(security_image_registries=["docker.io/grafana", "quay.io/prometheus-operator",
                                                            "registry.istio.io"])
    assert ks.security_stage(settings, stack_images=ks.stack_images(stack, settings))["problems"] == []
