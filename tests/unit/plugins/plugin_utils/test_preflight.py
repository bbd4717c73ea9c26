# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole-inventory preflight's logic: stage selection by tags, the grouped message, host readings."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import preflight

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
with open(os.path.join(REPO, "playbooks", "vars", "stages.yml")) as handle:
    STAGES = yaml.safe_load(handle)["privateai_stages"]
ALL = [stage["name"] for stage in STAGES]


@pytest.mark.parametrize("run_tags, skip_tags, expected", [
    (None, None, ALL),
    (["all"], [], ALL),
    (["preflight"], [], ALL),
    (["preflight", "run_report"], [], ALL),
    (["model_serving"], [], ["model_serving"]),
    # a stage's other tags select it too
    (["serving", "baseline"], [], ["host_baseline", "model_serving"]),
    (["rdma"], [], ["network"]),
    (["all"], ["network", "storage"], [n for n in ALL if n not in ("network", "storage")]),
    (["preflight"], ["gpu_software"], [n for n in ALL if n != "gpu_node_software"]),
    # a tag of no stage selects none (the run only does what that tag names)
    (["nvidia_driver_preflight"], [], []),
])
def test_selected_stages_follow_tags_and_skip_tags(run_tags, skip_tags, expected):
    assert [s["name"] for s in preflight.selected_stages(STAGES, run_tags, skip_tags)] == expected


def test_the_stage_list_matches_site_yml_order():
    with open(os.path.join(REPO, "playbooks", "site.yml")) as handle:
        site = [item["ansible.builtin.import_playbook"] for item in yaml.safe_load(handle)]
    listed = [stage["playbook"] for stage in STAGES]
    in_site = [playbook for playbook in site if playbook in listed]
    assert in_site == listed, "playbooks/vars/stages.yml and playbooks/site.yml list the stages in another order"
    for stage in STAGES:
        assert ("host_roles" in stage) != ("k8s_roles" in stage), stage["name"]
        for role in stage.get("host_roles", []) + stage.get("k8s_roles", []):
            assert os.path.isdir(os.path.join(REPO, "roles", role)), role
        for role in stage.get("k8s_roles", []):
            assert os.path.exists(os.path.join(REPO, "roles", role, "tasks", "inputs.yml")), role


@pytest.mark.parametrize("stages, run_tags, message", [
    ("host_baseline", None, "the stages must be a list"),
    ([{"tags": ["x"]}], None, "every stage needs a name"),
    ([{"name": "a", "tags": "a"}], None, "tags of stage a must be a list"),
    ([{"name": "a"}], "a", "ansible_run_tags must be a list"),
])
def test_bad_stage_lists_are_refused(stages, run_tags, message):
    with pytest.raises(ValueError, match=message):
        preflight.selected_stages(stages, run_tags)


def test_message_groups_by_stage_in_site_order_names_the_host_and_drops_repeats():
    problems = [
        {"stage": "model_serving", "host": "", "problem": "model_serving_port is 0"},
        {"stage": "host_baseline", "host": "gpu02", "problem": "host_baseline_logrotate_keep 'many'"},
        {"stage": "host_baseline", "host": "gpu01", "problem": "host_baseline_logrotate_keep 'many'"},
        {"stage": "host_baseline", "host": "gpu01", "problem": "host_baseline_logrotate_keep 'many'"},
        {"stage": "hosts", "host": "gpu03", "problem": "unreachable: gpu03: timed out"},
    ]
    message = preflight.problems_message(problems, ["hosts", "host_baseline", "model_serving"])
    assert message.split("\n") == [
        "preflight: 4 problems in 3 stages, nothing was changed on any host:",
        "[hosts]",
        "- unreachable: gpu03: timed out",
        "[host_baseline]",
        "- gpu02: host_baseline_logrotate_keep 'many'",
        "- gpu01: host_baseline_logrotate_keep 'many'",
        "[model_serving]",
        "- model_serving_port is 0",
    ]


def test_no_problem_no_message():
    assert preflight.problems_message([], ["hosts"]) == ""


GIB = 1 << 30


@pytest.mark.parametrize("reading, expected", [
    ({"epoch": "1000", "mounts": [{"mount": "/", "size_available": 50 * GIB}], "resolves": True, "hostname": "n1"}, []),
    # clock 120 s ahead of the control node
    ({"epoch": "1120", "mounts": [], "resolves": True}, ["time: the clock of n1 is +120 s off"]),
    ({"epoch": "880", "mounts": [], "resolves": True}, ["time: the clock of n1 is -120 s off"]),
    ({"epoch": None, "mounts": [], "resolves": True}, ["time: the clock of n1 could not be read"]),
    # /var on its own small file system; / has room
    ({"epoch": 1000, "resolves": True,
      "mounts": [{"mount": "/", "size_available": 50 * GIB}, {"mount": "/var", "size_available": 1 * GIB}]},
     ["disk: n1 has 1.0 GiB free on /var (for /var), needs 5 GiB"]),
    ({"epoch": 1000, "resolves": False, "hostname": "gpu-01", "mounts": []},
     ["name resolution: n1 cannot resolve its own name gpu-01"]),
])
def test_host_problems(reading, expected):
    problems = preflight.host_problems("n1", reading, 1000, 30, {"/": 5, "/var": 5})
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected):
        assert problem.startswith(start), problem


def test_host_reading_must_be_a_mapping():
    with pytest.raises(ValueError, match="reading of n1 must be a mapping"):
        preflight.host_problems("n1", "nothing", 1000, 30, {})
