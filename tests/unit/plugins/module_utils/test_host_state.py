# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_state: the read-only probe behind the host_baseline_info module (was roles/host_baseline/files/probe.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import host_state


class RunDouble(object):
    """Test double of AnsibleModule.run_command: answers by argv prefix, records every call."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, argv):
        self.calls.append(argv)
        for prefix, answer in self.answers:
            if argv[:len(prefix)] == prefix:
                return answer
        return 1, "", "unexpected command"


def test_file_state_is_sha1_mode_owner_group(tmp_path):
    target = tmp_path / "policy"
    target.write_text("weekly 7\n")
    os.chmod(str(target), 0o640)
    digest, mode, owner, group = host_state.file_state(str(target)).split()
    assert digest == hashlib.sha1(b"weekly 7\n").hexdigest()
    assert mode == "0640"
    assert owner and group
    assert host_state.file_state(str(tmp_path / "absent")) is None


@pytest.mark.parametrize("out, expected", [
    ("chrony installed\nlogrotate config-files\n", {"chrony": "installed", "logrotate": "config-files", "kmod": None}),
    ("", {"chrony": None, "logrotate": None, "kmod": None}),
])
def test_package_states(out, expected):
    run = RunDouble([(["dpkg-query", "-W"], (1 if not out else 0, out, "no packages found"))])
    assert host_state.package_states(["chrony", "logrotate", "kmod"], run) == expected
    assert run.calls == [["dpkg-query", "-W", "-f=${Package} ${db:Status-Status}\\n", "chrony", "logrotate", "kmod"]]


def test_no_packages_asks_nothing():
    run = RunDouble([])
    assert host_state.package_states([], run) == {}
    assert run.calls == []


@pytest.mark.parametrize("active, enabled, expected", [
    ("active\n", "enabled\n", "active enabled"),
    ("inactive\n", "disabled\n", "inactive disabled"),
    ("", "", "unknown unknown"),
])
def test_unit_state(active, enabled, expected):
    run = RunDouble([(["systemctl", "is-active"], (0, active, "")), (["systemctl", "is-enabled"], (0, enabled, ""))])
    assert host_state.unit_state("chrony", run) == expected


def test_read_state_gives_every_section(tmp_path):
    run = RunDouble([(["dpkg-query"], (0, "chrony installed\n", "")), (["systemctl", "is-active"], (3, "inactive\n", "")),
                     (["systemctl", "is-enabled"], (1, "disabled\n", ""))])
    state = host_state.read_state(names=["localhost", "no-such-host.invalid"], files=[str(tmp_path / "absent")],
                                  dirs=[str(tmp_path), str(tmp_path / "nope")], packages=["chrony"], units=["chrony"], run=run)
    assert state["names"]["localhost"] in ("127.0.0.1", "::1")
    assert state["names"]["no-such-host.invalid"] is None
    assert state["files"] == {str(tmp_path / "absent"): None}
    assert state["dirs"] == {str(tmp_path): True, str(tmp_path / "nope"): False}
    assert state["packages"] == {"chrony": "installed"}
    assert state["units"] == {"chrony": "inactive disabled"}
    assert host_state.read_state(run=RunDouble([])) == {"names": {}, "files": {}, "dirs": {}, "packages": {}, "units": {}}
