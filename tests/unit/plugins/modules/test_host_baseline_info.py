# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_baseline_info runs in-process; its commands go to a run_command test double."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils import basic

from ansible_collections.privateai.deepseek_dify.plugins.modules import host_baseline_info
from ansible_collections.privateai.deepseek_dify.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    exit_json,
    fail_json,
    set_module_args,
)


@pytest.fixture
def commands(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    calls = []

    def run_command_double(self, args, **kwargs):
        calls.append(list(args))
        if args[0] == "dpkg-query":
            return 0, "chrony installed\n", ""
        return 0, {"is-active": "active\n", "is-enabled": "enabled\n"}[args[1]], ""
    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command_double)
    return calls


@pytest.mark.parametrize("check_mode", [False, True])
def test_reads_the_state_and_changes_nothing(commands, tmp_path, check_mode):
    with set_module_args({"files": [str(tmp_path / "absent")], "dirs": [str(tmp_path)], "packages": ["chrony", "kmod"],
                          "units": ["chrony"], "_ansible_check_mode": check_mode}):
        with pytest.raises(AnsibleExitJson) as result:
            host_baseline_info.main()
    out = result.value.args[0]
    assert out["changed"] is False
    assert out["files"] == {str(tmp_path / "absent"): None}
    assert out["dirs"] == {str(tmp_path): True}
    assert out["packages"] == {"chrony": "installed", "kmod": None}
    assert out["units"] == {"chrony": "active enabled"}
    assert out["names"] == {}
    # read-only commands only, the same in check mode
    assert [c[:2] for c in commands] == [["dpkg-query", "-W"], ["systemctl", "is-active"], ["systemctl", "is-enabled"]]
