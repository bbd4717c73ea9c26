# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter node_maintenance_route is thin: registered under its name, it joins the control host's registered
results into the cluster state and the route (logic tested in tests/unit/plugins/plugin_utils/test_node_maintenance.py)
and turns a programming error into AnsibleFilterError."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.filter import node_maintenance_route as f

REASONS = ["nvidia_driver: nouveau is loaded and now blacklisted"]
KUBECONFIG = {"problems": [], "server": "https://10.0.0.10:6443", "host": "10.0.0.10", "port": 6443, "context": "ops@site"}


def test_registered_under_its_name():
    assert f.FilterModule().filters()["node_maintenance_route"] is f.node_maintenance_route


def test_the_registered_results_make_the_route():
    # As tasks/reboot.yml calls it: skipped tasks where the cluster was not asked.
    skipped = {"skipped": True}
    plain = f.node_maintenance_route(REASONS, "gpu01", "gpu01", mode="render", kubeconfig_path="/k", kubeconfig=skipped,
                                     tcp=skipped, lookup=skipped)
    assert plain["route"] == "plain" and "privateai_k8s_mode is render" in plain["why"]
    drain = f.node_maintenance_route(REASONS, "gpu01", "gpu01", kubeconfig_path="/k", kubeconfig_exists=True,
                                     kubeconfig=KUBECONFIG, tcp={"state": "started"}, lookup={"resources": [{"kind": "Node"}]})
    assert drain["route"] == "drain"
    stop = f.node_maintenance_route(REASONS, "gpu01", "gpu01", kubeconfig_path="/k", kubeconfig_exists=True,
                                    kubeconfig=KUBECONFIG, tcp={"msg": "Timeout"}, lookup=skipped, api_timeout=3)
    assert stop["route"] == "stop" and "within 3 s" in stop["message"]
    allowed = f.node_maintenance_route(REASONS, "gpu01", "gpu01", kubeconfig_path="/k", kubeconfig_exists=True,
                                       kubeconfig=KUBECONFIG, tcp={"msg": "Timeout"}, lookup=skipped, allow_without_api=True)
    assert allowed["route"] == "plain"


def test_reasons_must_be_a_list():
    with pytest.raises(AnsibleFilterError, match="pending reboot reasons as a list"):
        f.node_maintenance_route("nvidia_driver: x", "gpu01", "gpu01")
