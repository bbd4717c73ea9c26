# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible.module_utils import basic

from ansible_collections.privateai.deepseek_dify.plugins.modules import rdma_info
from ansible_collections.privateai.deepseek_dify.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    exit_json,
    fail_json,
    set_module_args,
)


@pytest.fixture(autouse=True)
def patch_module(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


def run(args, expect_fail=False):
    with set_module_args(args):
        with pytest.raises(AnsibleFailJson if expect_fail else AnsibleExitJson) as exc:
            rdma_info.main()
    return exc.value.args[0]


def test_reads_the_ndr_host_and_changes_nothing(fake_sysfs):
    fs = fake_sysfs("connectx7-ndr")
    result = run({"sysfs_root": fs.root, "expect_min_rate_gbps": 400, "expect_link_layer": "InfiniBand",
                  "expect_min_active_ports": 4, "_ansible_check_mode": True})
    assert result["changed"] is False
    assert result["rdma_present"] is True
    assert result["problems"] == []
    assert result["active_ports"] == ["mlx5_0:1", "mlx5_1:1", "mlx5_2:1", "mlx5_3:1"]
    assert result["nccl_env"]["NCCL_IB_HCA"] == "mlx5_0:1,mlx5_1:1,mlx5_2:1,mlx5_3:1"
    # The fake root does not leak into the result, and the result is JSON as Ansible sends it
    assert fs.root not in json.dumps(result)


def test_down_port_fails_naming_device_and_port_with_the_facts(fake_sysfs):
    fs = fake_sysfs("hdr-down")
    result = run({"sysfs_root": fs.root, "expect_ports_active": ["mlx5_*"], "expect_min_rate_gbps": 200}, expect_fail=True)
    assert result["msg"].startswith("Failed to meet the RDMA expectations on this node: "
                                    "mlx5_1 port 1: state DOWN (physical state Polling), expected ACTIVE. Fix: ")
    assert "subnet manager" in result["msg"]
    assert result["problems"] == ["mlx5_1 port 1: state DOWN (physical state Polling), expected ACTIVE"]
    assert [d["name"] for d in result["devices"]] == ["mlx5_0", "mlx5_1"]


def test_ndr_expectation_on_hdr_ports_names_rate(fake_sysfs):
    fs = fake_sysfs("hdr-down")
    result = run({"sysfs_root": fs.root, "expect_min_rate_gbps": 400}, expect_fail=True)
    assert result["problems"] == ["mlx5_0 port 1: rate 200 Gb/sec (4X HDR), expected at least 400 Gb/sec"]


def test_no_hardware_is_a_fact_not_a_failure(fake_sysfs):
    fs = fake_sysfs("none")
    result = run({"sysfs_root": fs.root})
    assert result["rdma_present"] is False
    assert result["reason"].startswith("no RDMA hardware")
    assert result["problems"] == []
    assert "eno1" in result["interfaces"]


def test_no_hardware_fails_when_ports_are_expected(fake_sysfs):
    fs = fake_sysfs("none")
    result = run({"sysfs_root": fs.root, "expect_min_active_ports": 1}, expect_fail=True)
    assert "0 active RDMA ports (none), expected at least 1" in result["msg"]
    assert "Fix: no RDMA hardware" in result["msg"]


def test_roce_gid_index_and_link_layer_choice(fake_sysfs):
    fs = fake_sysfs("roce")
    result = run({"sysfs_root": fs.root, "expect_link_layer": "Ethernet"})
    assert result["nccl_env"]["NCCL_IB_GID_INDEX"] == "3"
    result = run({"sysfs_root": fs.root, "expect_link_layer": "Infiniband"}, expect_fail=True)
    assert "value of expect_link_layer must be one of" in result["msg"]
