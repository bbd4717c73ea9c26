# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

import pytest

from ansible.module_utils import basic

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import sysctl as sysctl_utils
from ansible_collections.privateai.deepseek_dify.plugins.modules import sysctl_profile
from ansible_collections.privateai.deepseek_dify.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    exit_json,
    fail_json,
    set_module_args,
)

HEADER = "Managed by Ansible (privateai.deepseek_dify). Local changes are overwritten."

LIVE = {
    "net.core.default_qdisc": "pfifo_fast",
    "net.core.somaxconn": "4096",
    "net.ipv4.tcp_congestion_control": "cubic",
    "net.ipv4.tcp_rmem": "4096\t131072\t6291456",
    "vm.swappiness": "60",
}

SETTINGS = {
    "net.core.default_qdisc": "fq",
    "net.core.somaxconn": 4096,
    "net.ipv4.tcp_congestion_control": "bbr",
    "net.ipv4.tcp_rmem": [4096, 87380, 134217728],
    "vm.swappiness": 10,
}

EXPECTED_FILE = (
    "# " + HEADER + "\n"
    "net.core.default_qdisc = fq\n"
    "net.core.somaxconn = 4096\n"
    "net.ipv4.tcp_congestion_control = bbr\n"
    "net.ipv4.tcp_rmem = 4096 87380 134217728\n"
    "vm.swappiness = 10\n"
)

EXPECTED_APPLIED = {
    "net.core.default_qdisc": {"before": "pfifo_fast", "after": "fq"},
    "net.ipv4.tcp_congestion_control": {"before": "cubic", "after": "bbr"},
    "net.ipv4.tcp_rmem": {"before": "4096 131072 6291456", "after": "4096 87380 134217728"},
    "vm.swappiness": {"before": "60", "after": "10"},
}


@pytest.fixture(autouse=True)
def patch_module(monkeypatch):
    """exit_json/fail_json raise instead of printing and exiting; warnings are recorded."""
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, warning, **kwargs: warnings.append(warning))
    return warnings


@pytest.fixture
def tree(fake_proc_sys):
    return fake_proc_sys(LIVE)


@pytest.fixture
def conf(tmp_path):
    directory = tmp_path / "sysctl.d"
    directory.mkdir()
    return str(directory / "90-privateai.conf")


def run(args, expect_fail=False):
    """Run main() with ``args``; return the result dict passed to exit_json/fail_json."""
    with set_module_args(args):
        if expect_fail:
            with pytest.raises(AnsibleFailJson) as excinfo:
                sysctl_profile.main()
        else:
            with pytest.raises(AnsibleExitJson) as excinfo:
                sysctl_profile.main()
    return excinfo.value.args[0]


def read(path):
    with open(path, "r") as handle:
        return handle.read()


def live_snapshot(tree, keys):
    return dict((key, tree.raw(key)) for key in keys)


# ---------------------------------------------------------------------------------------------


def test_first_run_writes_file_and_applies_drifted_keys(tree, conf):
    result = run({"settings": SETTINGS, "path": conf, "proc_sys_root": tree.root})

    assert result["changed"] is True
    assert result["file_changed"] is True
    assert result["applied"] == EXPECTED_APPLIED
    assert result["in_sync"] == ["net.core.somaxconn"]
    assert result["unavailable"] == {}
    assert "diff" not in result

    assert read(conf) == EXPECTED_FILE
    assert not os.path.exists(os.path.join(os.path.dirname(conf), ".90-privateai.conf.tmp"))

    assert tree.raw("net.core.default_qdisc") == "fq\n"
    assert tree.raw("net.ipv4.tcp_congestion_control") == "bbr\n"
    assert tree.raw("net.ipv4.tcp_rmem") == "4096 87380 134217728\n"
    assert tree.raw("vm.swappiness") == "10\n"
    # the in-sync key is not rewritten (its original formatting is kept)
    assert tree.raw("net.core.somaxconn") == "4096\n"


def test_second_run_is_idempotent(tree, conf, patch_module):
    args = {"settings": SETTINGS, "path": conf, "proc_sys_root": tree.root}
    first = run(args)
    assert first["changed"] is True
    mtime = os.stat(conf).st_mtime_ns

    second = run(args)
    assert second["changed"] is False
    assert second["file_changed"] is False
    assert second["applied"] == {}
    assert second["unavailable"] == {}
    assert second["in_sync"] == sorted(SETTINGS)
    assert read(conf) == EXPECTED_FILE
    assert os.stat(conf).st_mtime_ns == mtime
    assert patch_module == []


def test_file_drift_alone_is_a_change(fake_proc_sys, conf):
    tree = fake_proc_sys({"vm.swappiness": 10})
    with open(conf, "w") as handle:
        handle.write("vm.swappiness = 60\n")
    result = run({"settings": {"vm.swappiness": 10}, "path": conf, "proc_sys_root": tree.root})
    assert result["changed"] is True
    assert result["file_changed"] is True
    assert result["applied"] == {}
    assert read(conf) == "# " + HEADER + "\nvm.swappiness = 10\n"


def test_check_mode_reports_change_but_writes_nothing(tree, conf):
    before = live_snapshot(tree, LIVE)
    result = run({"settings": SETTINGS, "path": conf, "proc_sys_root": tree.root, "_ansible_check_mode": True})

    assert result["changed"] is True
    assert result["file_changed"] is True
    assert result["applied"] == EXPECTED_APPLIED
    assert not os.path.exists(conf)
    assert os.listdir(os.path.dirname(conf)) == []
    assert live_snapshot(tree, LIVE) == before


def test_check_mode_in_sync_is_unchanged(tree, conf):
    run({"settings": SETTINGS, "path": conf, "proc_sys_root": tree.root})
    result = run({"settings": SETTINGS, "path": conf, "proc_sys_root": tree.root, "_ansible_check_mode": True})
    assert result["changed"] is False
    assert result["applied"] == {}


def test_diff_mode(tree, conf):
    with open(conf, "w") as handle:
        handle.write("vm.swappiness = 60\n")
    result = run({"settings": SETTINGS, "path": conf, "proc_sys_root": tree.root, "_ansible_diff": True})

    assert result["changed"] is True
    assert result["diff"] == [
        {
            "before_header": conf,
            "after_header": conf,
            "before": "vm.swappiness = 60\n",
            "after": EXPECTED_FILE,
        },
        {
            "before_header": "running kernel",
            "after_header": "running kernel",
            "before": (
                "net.core.default_qdisc = pfifo_fast\n"
                "net.ipv4.tcp_congestion_control = cubic\n"
                "net.ipv4.tcp_rmem = 4096 131072 6291456\n"
                "vm.swappiness = 60\n"
            ),
            "after": (
                "net.core.default_qdisc = fq\n"
                "net.ipv4.tcp_congestion_control = bbr\n"
                "net.ipv4.tcp_rmem = 4096 87380 134217728\n"
                "vm.swappiness = 10\n"
            ),
        },
    ]


def test_diff_mode_new_file_before_is_empty(tree, conf):
    result = run({"settings": SETTINGS, "path": conf, "proc_sys_root": tree.root,
                  "_ansible_diff": True, "_ansible_check_mode": True})
    assert result["diff"][0]["before"] == ""
    assert result["diff"][0]["after"] == EXPECTED_FILE
    assert not os.path.exists(conf)


def test_apply_false_manages_only_the_file(tree, conf):
    before = live_snapshot(tree, LIVE)
    result = run({"settings": SETTINGS, "path": conf, "proc_sys_root": tree.root, "apply": False})
    assert result["changed"] is True
    assert result["file_changed"] is True
    assert result["applied"] == {}
    assert read(conf) == EXPECTED_FILE
    assert live_snapshot(tree, LIVE) == before


def test_unavailable_fail_absent_key_fails_before_writing(tree, conf):
    before = live_snapshot(tree, LIVE)
    settings = dict(SETTINGS, **{"net.netfilter.nf_conntrack_max": 1048576})
    result = run({"settings": settings, "path": conf, "proc_sys_root": tree.root}, expect_fail=True)

    assert "net.netfilter.nf_conntrack_max" in result["msg"]
    assert "do not exist in the running kernel" in result["msg"]
    # only the absent key is named as absent
    for key in SETTINGS:
        assert key not in result["msg"]
    assert result["unavailable"] == {"net.netfilter.nf_conntrack_max": sysctl_utils.REASON_ABSENT}
    assert not os.path.exists(conf)
    assert os.listdir(os.path.dirname(conf)) == []
    assert live_snapshot(tree, LIVE) == before


def test_unavailable_warn_persists_applies_rest_and_reports(tree, conf, patch_module):
    settings = dict(SETTINGS, **{"net.netfilter.nf_conntrack_max": 1048576})
    result = run({"settings": settings, "path": conf, "proc_sys_root": tree.root, "unavailable": "warn"})

    assert result["changed"] is True
    assert result["unavailable"] == {"net.netfilter.nf_conntrack_max": sysctl_utils.REASON_ABSENT}
    assert result["applied"] == EXPECTED_APPLIED
    assert "net.netfilter.nf_conntrack_max = 1048576\n" in read(conf)
    assert read(conf) == sysctl_utils.render_file(sysctl_utils.normalize_settings(settings), HEADER)
    assert tree.raw("vm.swappiness") == "10\n"
    assert not tree.exists("net.netfilter.nf_conntrack_max")
    assert len(patch_module) == 1
    assert "net.netfilter.nf_conntrack_max" in patch_module[0]


def test_refused_write_fails_after_writing_file(tree, conf):
    tree.refuse_writes("vm.swappiness", errno.EINVAL)
    result = run({"settings": SETTINGS, "path": conf, "proc_sys_root": tree.root}, expect_fail=True)

    assert "vm.swappiness" in result["msg"]
    assert "the file was written" in result["msg"]
    assert result["unavailable"] == {"vm.swappiness": sysctl_utils.REASON_REFUSED}
    assert "vm.swappiness" not in result["applied"]
    assert result["applied"]["net.ipv4.tcp_congestion_control"] == {"before": "cubic", "after": "bbr"}
    assert result["changed"] is True
    assert read(conf) == EXPECTED_FILE
    assert tree.raw("vm.swappiness") == "60\n"


def test_refused_write_warn(tree, conf, patch_module):
    tree.refuse_writes("vm.swappiness", errno.EROFS)
    result = run({"settings": SETTINGS, "path": conf, "proc_sys_root": tree.root, "unavailable": "warn"})
    assert result["changed"] is True
    assert result["unavailable"] == {"vm.swappiness": sysctl_utils.REASON_REFUSED}
    assert len(patch_module) == 1 and "vm.swappiness" in patch_module[0]


def test_namespaced_scope_never_writes_host_keys(tree, conf, monkeypatch, patch_module):
    written = []
    original = sysctl_utils.write_live

    def spy(key, value, proc_sys_root="/proc/sys"):
        written.append(key)
        return original(key, value, proc_sys_root)

    monkeypatch.setattr(sysctl_utils, "write_live", spy)
    result = run({"settings": SETTINGS, "path": conf, "proc_sys_root": tree.root, "scope": "namespaced"})

    assert tree.raw("vm.swappiness") == "60\n"
    assert not [key for key in written if key.startswith("vm.")]
    assert sorted(written) == ["net.core.default_qdisc", "net.ipv4.tcp_congestion_control", "net.ipv4.tcp_rmem"]
    assert result["unavailable"] == {"vm.swappiness": sysctl_utils.REASON_HOST_OWNED}
    assert "vm.swappiness" not in result["applied"]
    assert result["changed"] is True
    # host-owned keys are still persisted
    assert read(conf) == EXPECTED_FILE
    # unavailable=fail (default) does not fail for host-owned keys, and does not warn
    assert patch_module == []


def test_namespaced_scope_warn_names_host_owned_key(tree, conf, patch_module):
    result = run({"settings": SETTINGS, "path": conf, "proc_sys_root": tree.root,
                  "scope": "namespaced", "unavailable": "warn"})
    assert result["unavailable"] == {"vm.swappiness": sysctl_utils.REASON_HOST_OWNED}
    assert tree.raw("vm.swappiness") == "60\n"
    assert len(patch_module) == 1 and "vm.swappiness" in patch_module[0]


@pytest.mark.parametrize("settings, names", [
    ({"vm.swappiness": None}, ["vm.swappiness"]),
    ({"vm.swappiness": None, "net.core.somaxconn": "", "net.ipv4.tcp_rmem": {"a": 1}},
     ["vm.swappiness", "net.core.somaxconn", "net.ipv4.tcp_rmem"]),
    ({"net core": 1}, ["net core"]),
])
def test_invalid_settings_fail_naming_the_key(tree, conf, settings, names):
    before = live_snapshot(tree, LIVE)
    result = run({"settings": settings, "path": conf, "proc_sys_root": tree.root}, expect_fail=True)
    assert result["msg"].startswith("Failed to validate the settings for '%s'" % conf)
    for name in names:
        assert name in result["msg"]
    assert not os.path.exists(conf)
    assert live_snapshot(tree, LIVE) == before


def test_missing_directory_fails(tree, tmp_path):
    path = str(tmp_path / "missing" / "90-privateai.conf")
    result = run({"settings": SETTINGS, "path": path, "proc_sys_root": tree.root}, expect_fail=True)
    assert "does not exist" in result["msg"]
    assert not os.path.exists(path)


def test_bad_scope_rejected_by_argument_spec(tree, conf):
    result = run({"settings": SETTINGS, "path": conf, "proc_sys_root": tree.root, "scope": "host"}, expect_fail=True)
    assert "scope" in result["msg"]
    assert not os.path.exists(conf)


def test_settings_required(conf):
    result = run({"path": conf}, expect_fail=True)
    assert "settings" in result["msg"]
