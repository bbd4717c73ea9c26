# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_service_accounts as ksa

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))

# (pod automountServiceAccountToken, ServiceAccount's, mounted): the pod's field wins, then the account's, else
# Kubernetes mounts the token.
AUTOMOUNT_CASES = [
    (None, None, True),
    (None, True, True),
    (None, False, False),
    (False, None, False),
    (False, True, False),
    (True, False, True),
    (True, None, True),
]


@pytest.mark.parametrize("pod, account, mounted", AUTOMOUNT_CASES)
def test_effective_automount(pod, account, mounted):
    assert ksa.effective_automount(pod, account) is mounted


def _deployment(name, namespace="ns", **spec):
    return {"kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
            "spec": {"template": {"spec": dict({"containers": [{"name": "c"}]}, **spec)}}}


POD_CASES = [
    ("deployment on default", _deployment("web"), [("", "default", None, False)]),
    ("deployment with account", _deployment("web", serviceAccountName="web", automountServiceAccountToken=False),
     [("", "web", False, False)]),
    ("deprecated serviceAccount field", _deployment("web", serviceAccount="old"), [("", "old", None, False)]),
    ("cronjob", {"kind": "CronJob", "metadata": {"name": "c", "namespace": "ns"},
                 "spec": {"jobTemplate": {"spec": {"template": {"spec": {"serviceAccountName": "c"}}}}}},
     [("", "c", None, False)]),
    ("bare pod", {"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
                  "spec": {"automountServiceAccountToken": True}}, [("", "default", True, False)]),
    ("leaderworkerset", {"kind": "LeaderWorkerSet", "metadata": {"name": "m", "namespace": "ns"},
                         "spec": {"leaderWorkerTemplate": {
                             "leaderTemplate": {"spec": {"serviceAccountName": "e"}},
                             "workerTemplate": {"spec": {"automountServiceAccountToken": False}}}}},
     [(" leaderTemplate", "e", None, False), (" workerTemplate", "default", False, False)]),
    ("cnpg cluster: its own account", {"kind": "Cluster", "metadata": {"name": "pg", "namespace": "ns"}, "spec": {}},
     [("", "pg", None, False)]),
    ("cnpg cluster: a named account", {"kind": "Cluster", "metadata": {"name": "pg", "namespace": "ns"},
                                       "spec": {"serviceAccountName": "shared"}}, [("", "shared", None, False)]),
    ("alertmanager", {"kind": "Alertmanager", "metadata": {"name": "am", "namespace": "ns"},
                      "spec": {"serviceAccountName": "am", "automountServiceAccountToken": False}},
     [("", "am", False, False)]),
    ("prometheus without account", {"kind": "Prometheus", "metadata": {"name": "p", "namespace": "ns"}, "spec": {}},
     [("", "default", None, False)]),
    ("gpu operator operands", {"kind": "ClusterPolicy", "metadata": {"name": "cp"}, "spec": {}},
     [("", None, None, True)]),
    ("no pods", {"kind": "Service", "metadata": {"name": "s", "namespace": "ns"}, "spec": {}}, []),
]


@pytest.mark.parametrize("obj, expected", [c[1:] for c in POD_CASES], ids=[c[0] for c in POD_CASES])
def test_pods(obj, expected):
    assert [(p["part"], p["service_account"], p["automount"], p["operator"]) for p in ksa.pods("s", [obj])] == expected


TABLE = (
    {"stage": "s", "kind": "Deployment", "name": "*-ssrf-proxy", "api": True, "why": "W1", "how": "H"},
    {"stage": "s", "kind": "Deployment", "name": "*-proxy", "api": False, "why": "W2", "how": "H"},
    {"stage": "s", "kind": "Job", "name": "*-test-*", "api": False, "default_sa": True, "why": "W3", "how": "H"},
    {"stage": "s", "kind": "ClusterPolicy", "name": "*", "api": True, "operator": True, "why": "W4", "how": "H"},
)
ACCOUNTS = {("ns", "p"): False, ("ns", "q"): None, ("ns", "default"): False}
WHERE = "Deployment x-proxy (stage s, namespace ns)"
PROBLEM_CASES = [
    ("no token", _deployment("x-proxy", serviceAccountName="p"), ACCOUNTS, []),
    ("account mounts", _deployment("x-proxy", serviceAccountName="q"), ACCOUNTS,
     [WHERE + " mounts a Kubernetes API token (ServiceAccount q) but the table says it does not talk to the API "
      "(W2): set automountServiceAccountToken false"]),
    ("pod field reverted", _deployment("x-proxy", serviceAccountName="p", automountServiceAccountToken=True),
     ACCOUNTS, [WHERE + " mounts a Kubernetes API token (ServiceAccount p) but the table says it does not talk to "
                "the API (W2): set automountServiceAccountToken false"]),
    ("pod field saves an account that mounts", _deployment("x-proxy", serviceAccountName="q",
                                                           automountServiceAccountToken=False), ACCOUNTS, []),
    ("account not rendered: mounted", _deployment("x-proxy", serviceAccountName="elsewhere"), ACCOUNTS,
     [WHERE + " mounts a Kubernetes API token (ServiceAccount elsewhere) but the table says it does not talk to "
      "the API (W2): set automountServiceAccountToken false"]),
    ("default without a token still refused", _deployment("x-proxy"), ACCOUNTS,
     [WHERE + " runs as the namespace's `default` ServiceAccount: give it a dedicated one"]),
    ("default with a token: both", _deployment("x-proxy"), {},
     [WHERE + " runs as the namespace's `default` ServiceAccount: give it a dedicated one",
      WHERE + " mounts a Kubernetes API token (ServiceAccount default) but the table says it does not talk to the "
      "API (W2): set automountServiceAccountToken false"]),
    ("first row wins: the API one", _deployment("x-ssrf-proxy", serviceAccountName="q"), ACCOUNTS, []),
    ("needs the API but runs as default", _deployment("x-ssrf-proxy"), ACCOUNTS,
     ["Deployment x-ssrf-proxy (stage s, namespace ns) runs as the namespace's `default` ServiceAccount: give it a "
      "dedicated one"]),
    ("default allowed by the table, no token", {"kind": "Job", "metadata": {"name": "x-test-db", "namespace": "ns"},
                                                "spec": {"template": {"spec": {}}}}, ACCOUNTS, []),
    ("default allowed by the table, token", {"kind": "Job", "metadata": {"name": "x-test-db", "namespace": "ns"},
                                             "spec": {"template": {"spec": {}}}}, {},
     ["Job x-test-db (stage s, namespace ns) mounts a Kubernetes API token (ServiceAccount default) but the table "
      "says it does not talk to the API (W3): set automountServiceAccountToken false"]),
    ("missing", _deployment("worker"), ACCOUNTS,
     ["Deployment worker (stage s, namespace ns) is missing from the ServiceAccount table "
      "(k8s_service_accounts.WORKLOADS): add whether it talks to the Kubernetes API and why"]),
    ("operator row", {"kind": "ClusterPolicy", "metadata": {"name": "cp"}, "spec": {}}, ACCOUNTS, []),
]


@pytest.mark.parametrize("obj, accounts, expected", [c[1:] for c in PROBLEM_CASES], ids=[c[0] for c in PROBLEM_CASES])
def test_problems(obj, accounts, expected):
    assert ksa.problems(ksa.pods("s", [obj]), accounts, TABLE) == expected


def test_an_operator_row_for_rendered_pods_is_refused():
    table = (dict(TABLE[1], operator=True),)
    assert ksa.problems(ksa.pods("s", [_deployment("x-proxy", serviceAccountName="p")]), ACCOUNTS, table) == [
        WHERE + ": the table says its pods are the operator's"]


def test_builders():
    manifest = ksa.service_account("ns", "web", {"a": "b"}, "what")
    assert manifest == {"phase": "pre", "description": "what",
                        "definition": {"apiVersion": "v1", "kind": "ServiceAccount",
                                       "metadata": {"name": "web", "namespace": "ns", "labels": {"a": "b"}},
                                       "automountServiceAccountToken": False}}
    assert ksa.no_token({"containers": []}, "web") == {
        "containers": [], "serviceAccountName": "web", "automountServiceAccountToken": False}
    assert ksa.chart_service_account("dify-api") == {"create": True, "name": "dify-api",
                                                     "automountServiceAccountToken": False}


def test_table_rows_are_complete_and_unique():
    keys = ("stage", "kind", "name", "api", "why", "how")
    for entry in ksa.WORKLOADS:
        assert set(keys) <= set(entry) <= set(keys + ("operator", "default_sa")), entry
        assert isinstance(entry["api"], bool) and entry["why"] and entry["how"]
        if entry["kind"] in ksa.OPERATOR_KINDS and ksa.OPERATOR_KINDS[entry["kind"]] is None:
            assert entry.get("operator") is True, entry
    rows = [(e["stage"], e["kind"], e["name"]) for e in ksa.WORKLOADS]
    assert len(rows) == len(set(rows))


def test_every_row_is_reachable():
    """No row is shadowed by an earlier, more general one of the same stage and kind."""
    import fnmatch  # pylint: disable=import-outside-toplevel
    for index, entry in enumerate(ksa.WORKLOADS):
        for earlier in ksa.WORKLOADS[:index]:
            if (earlier["stage"], earlier["kind"]) == (entry["stage"], entry["kind"]):
                assert not fnmatch.fnmatchcase(entry["name"], earlier["name"]), (earlier, entry)


def test_docs_show_the_table():
    with open(os.path.join(REPO, "docs", "security.md")) as handle:
        text = handle.read()
    assert ksa.markdown_table() in text, "docs/security.md: paste k8s_service_accounts.markdown_table() output"
