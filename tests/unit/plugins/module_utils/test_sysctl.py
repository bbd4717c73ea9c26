# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import sysctl
from ansible_collections.privateai.deepseek_dify.plugins.module_utils.sysctl import SysctlProfileError


# ---------------------------------------------------------------------------------------------
# normalize_value
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (True, "1"),
    (False, "0"),
    (0, "0"),
    (1, "1"),
    (4096, "4096"),
    ("bbr", "bbr"),
    ("  bbr  ", "bbr"),
    ("4096\t87380   134217728", "4096 87380 134217728"),
    ("4096\n87380\n134217728\n", "4096 87380 134217728"),
    ([4096, 87380, 134217728], "4096 87380 134217728"),
    ((4096, "87380", 134217728), "4096 87380 134217728"),
    ([True, False], "1 0"),
    ([" 1 ", "2"], "1 2"),
])
def test_normalize_value(value, expected):
    assert sysctl.normalize_value(value) == expected


def test_normalize_value_bool_is_not_rendered_as_python_text():
    # bool is a subclass of int: make sure it is not "True"
    assert sysctl.normalize_value(True) != "True"


@pytest.mark.parametrize("value", ["", "   ", "\t\n"])
def test_normalize_value_empty_raises(value):
    with pytest.raises(SysctlProfileError, match="empty"):
        sysctl.normalize_value(value)


# ---------------------------------------------------------------------------------------------
# normalize_settings
# ---------------------------------------------------------------------------------------------

def test_normalize_settings_good_values_normalized():
    result = sysctl.normalize_settings({
        "net.ipv4.tcp_congestion_control": " bbr ",
        "net.ipv4.tcp_rmem": [4096, 87380, 134217728],
        "net.ipv4.tcp_wmem": "4096   65536\t134217728",
        "net.ipv4.ip_forward": True,
        "vm.swappiness": 10,
        "net/ipv4/conf/eth0.100/rp_filter": 0,
    })
    assert result == {
        "net.ipv4.tcp_congestion_control": "bbr",
        "net.ipv4.tcp_rmem": "4096 87380 134217728",
        "net.ipv4.tcp_wmem": "4096 65536 134217728",
        "net.ipv4.ip_forward": "1",
        "vm.swappiness": "10",
        "net/ipv4/conf/eth0.100/rp_filter": "0",
    }


def test_normalize_settings_empty_dict():
    assert sysctl.normalize_settings({}) == {}


@pytest.mark.parametrize("settings", [None, [], "net.core.somaxconn=4096", [("a", 1)]])
def test_normalize_settings_not_a_dict(settings):
    with pytest.raises(SysctlProfileError, match="settings must be a dict"):
        sysctl.normalize_settings(settings)


def test_normalize_settings_reports_every_bad_entry_at_once():
    with pytest.raises(SysctlProfileError) as excinfo:
        sysctl.normalize_settings({
            "net.core.somaxconn": 4096,           # good
            "vm.swappiness": None,                 # bad value: None
            "net.ipv4.tcp_rmem": {"min": 4096},    # bad value: dict
            "kernel.pid_max": "   ",               # bad value: empty
            " net.core.rmem_max": 1,               # bad key: leading space
            "net.core wmem_max": 1,                # bad key: inner space
            "": 1,                                 # bad key: empty
            ".net.core.x": 1,                      # bad key: leading dot
            "/net/core/x": 1,                      # bad key: leading slash
            "net..core.x": 1,                      # bad key: double dot
            "net//core/x": 1,                      # bad key: double slash
        })
    message = str(excinfo.value)
    for fragment in (
        "value of vm.swappiness is None",
        "value of net.ipv4.tcp_rmem is {'min': 4096}",
        "value of kernel.pid_max is empty",
        "key ' net.core.rmem_max'",
        "key 'net.core wmem_max'",
        "key ''",
        "key '.net.core.x'",
        "key '/net/core/x'",
        "key 'net..core.x'",
        "key 'net//core/x'",
    ):
        assert fragment in message, "%r missing from %r" % (fragment, message)
    assert "net.core.somaxconn" not in message
    # one message, entries separated by "; "
    assert message.count("; ") == 9


def test_normalize_settings_non_string_key_reported():
    with pytest.raises(SysctlProfileError, match="key 1 is not a sysctl name"):
        sysctl.normalize_settings({1: "1"})


def test_normalize_settings_empty_list_rejected():
    # An empty list renders as "" and would write "key = " to the file and "\n" to /proc/sys;
    # it must be refused like an empty string.
    with pytest.raises(SysctlProfileError, match="net.ipv4.tcp_rmem"):
        sysctl.normalize_settings({"net.ipv4.tcp_rmem": []})


@pytest.mark.parametrize("key", [
    "net.core.somaxconn\nkernel.core_pattern=|/tmp/x",   # newline, no space
    "net.core\tsomaxconn",                               # tab
])
def test_normalize_settings_key_with_embedded_whitespace_rejected(key):
    # A space is refused, but other whitespace is not: a newline in a key would inject an extra
    # line (here kernel.core_pattern) into the rendered sysctl.d file.
    with pytest.raises(SysctlProfileError, match="is not a sysctl name"):
        sysctl.normalize_settings({key: "1"})


# ---------------------------------------------------------------------------------------------
# key_to_path
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, root, expected", [
    ("net.ipv4.tcp_rmem", "/proc/sys", "/proc/sys/net/ipv4/tcp_rmem"),
    ("vm.swappiness", "/proc/sys", "/proc/sys/vm/swappiness"),
    ("net/ipv4/conf/eth0.100/rp_filter", "/proc/sys", "/proc/sys/net/ipv4/conf/eth0.100/rp_filter"),
    ("net.core.somaxconn", "/tmp/fake", "/tmp/fake/net/core/somaxconn"),
])
def test_key_to_path(key, root, expected):
    assert sysctl.key_to_path(key, root) == expected


def test_key_to_path_default_root():
    assert sysctl.key_to_path("kernel.pid_max") == "/proc/sys/kernel/pid_max"


# ---------------------------------------------------------------------------------------------
# render_file
# ---------------------------------------------------------------------------------------------

def test_render_file_sorted_with_header():
    text = sysctl.render_file(
        {"vm.swappiness": "10", "net.ipv4.tcp_rmem": "4096 87380 134217728", "kernel.pid_max": "4194304"},
        "Managed by Ansible.\n\nDo not edit.",
    )
    assert text == (
        "# Managed by Ansible.\n"
        "#\n"
        "# Do not edit.\n"
        "kernel.pid_max = 4194304\n"
        "net.ipv4.tcp_rmem = 4096 87380 134217728\n"
        "vm.swappiness = 10\n"
    )


def test_render_file_deterministic_regardless_of_insertion_order():
    a = {"b.x": "2", "a.x": "1", "c.x": "3"}
    b = {"c.x": "3", "a.x": "1", "b.x": "2"}
    assert sysctl.render_file(a, "h") == sysctl.render_file(b, "h")
    assert sysctl.render_file(a, "h") == "# h\na.x = 1\nb.x = 2\nc.x = 3\n"


def test_render_file_empty_header():
    assert sysctl.render_file({"a.b": "1"}, "") == "a.b = 1\n"


# ---------------------------------------------------------------------------------------------
# read_live / write_live
# ---------------------------------------------------------------------------------------------

def test_read_live_normalizes_whitespace(fake_proc_sys):
    tree = fake_proc_sys({"net.ipv4.tcp_rmem": "4096\t131072\t6291456"})
    assert sysctl.read_live("net.ipv4.tcp_rmem", tree.root) == "4096 131072 6291456"


def test_read_live_missing_key_and_not_a_directory(fake_proc_sys):
    tree = fake_proc_sys({"net.core.somaxconn": 4096})
    assert sysctl.read_live("net.core.nope", tree.root) is None
    assert sysctl.read_live("nope.at.all", tree.root) is None
    # a component that is a file, not a directory (ENOTDIR)
    assert sysctl.read_live("net.core.somaxconn.x", tree.root) is None


def test_write_live_writes_value_and_newline(fake_proc_sys):
    tree = fake_proc_sys({"vm.swappiness": 60})
    sysctl.write_live("vm.swappiness", "10", tree.root)
    assert tree.raw("vm.swappiness") == "10\n"


# ---------------------------------------------------------------------------------------------
# plan
# ---------------------------------------------------------------------------------------------

def test_plan_all_scope(fake_proc_sys):
    tree = fake_proc_sys({
        "net.core.somaxconn": 4096,
        "net.ipv4.tcp_rmem": "4096\t87380\t6291456",
        "net.ipv4.tcp_congestion_control": "cubic",
        "vm.swappiness": 10,
    })
    result = sysctl.plan({
        "net.core.somaxconn": "4096",
        "net.ipv4.tcp_rmem": "4096 87380 134217728",
        "net.ipv4.tcp_congestion_control": "bbr",
        "vm.swappiness": "10",
        "net.core.netdev_budget_does_not_exist": "600",
    }, "all", tree.root)
    assert result == {
        "to_apply": {
            "net.ipv4.tcp_congestion_control": {"before": "cubic", "after": "bbr"},
            "net.ipv4.tcp_rmem": {"before": "4096 87380 6291456", "after": "4096 87380 134217728"},
        },
        "in_sync": ["net.core.somaxconn", "vm.swappiness"],
        "unavailable": {"net.core.netdev_budget_does_not_exist": sysctl.REASON_ABSENT},
    }
    # plan never writes
    assert tree.raw("net.ipv4.tcp_congestion_control") == "cubic\n"


def test_plan_in_sync_list_is_sorted(fake_proc_sys):
    tree = fake_proc_sys({"z.a": 1, "a.z": 1, "m.m": 1})
    result = sysctl.plan({"z.a": "1", "a.z": "1", "m.m": "1"}, "all", tree.root)
    assert result["in_sync"] == ["a.z", "m.m", "z.a"]
    assert result["to_apply"] == {}
    assert result["unavailable"] == {}


def test_plan_namespaced_scope_host_owned(fake_proc_sys):
    tree = fake_proc_sys({
        "vm.swappiness": 60,
        "kernel.pid_max": 32768,
        "fs.file-max": 100,
        "net.core.somaxconn": 128,
    })
    result = sysctl.plan({
        "vm.swappiness": "10",
        "kernel.pid_max": "32768",   # even when in sync, host-owned in a container
        "fs.file-max": "200",
        "net.core.somaxconn": "4096",
    }, "namespaced", tree.root)
    assert result["unavailable"] == {
        "vm.swappiness": sysctl.REASON_HOST_OWNED,
        "kernel.pid_max": sysctl.REASON_HOST_OWNED,
        "fs.file-max": sysctl.REASON_HOST_OWNED,
    }
    assert result["to_apply"] == {"net.core.somaxconn": {"before": "128", "after": "4096"}}
    assert result["in_sync"] == []


def test_plan_namespaced_scope_slash_form_net_key_is_namespaced(fake_proc_sys):
    # net/ipv4/conf/eth0.100/rp_filter is a net.* key written in the slash form; it belongs to the
    # network namespace exactly like net.ipv4.conf.eth0.rp_filter and must not be "host-owned".
    key = "net/ipv4/conf/eth0.100/rp_filter"
    tree = fake_proc_sys({key: 1})
    result = sysctl.plan({key: "2"}, "namespaced", tree.root)
    assert result["unavailable"] == {}
    assert result["to_apply"] == {key: {"before": "1", "after": "2"}}


def test_plan_namespaced_absent_net_key(fake_proc_sys):
    tree = fake_proc_sys({})
    result = sysctl.plan({"net.core.rmem_max": "1"}, "namespaced", tree.root)
    assert result["unavailable"] == {"net.core.rmem_max": sysctl.REASON_ABSENT}


@pytest.mark.parametrize("scope", ["host", "", None, "ALL"])
def test_plan_bad_scope(scope, fake_proc_sys):
    tree = fake_proc_sys({})
    with pytest.raises(SysctlProfileError, match="scope is"):
        sysctl.plan({"vm.swappiness": "10"}, scope, tree.root)


# ---------------------------------------------------------------------------------------------
# apply
# ---------------------------------------------------------------------------------------------

def test_apply_writes_and_reads_back(fake_proc_sys):
    tree = fake_proc_sys({"net.core.somaxconn": 128, "vm.swappiness": 60})
    to_apply = {
        "net.core.somaxconn": {"before": "128", "after": "4096"},
        "vm.swappiness": {"before": "60", "after": "10"},
    }
    applied, unavailable = sysctl.apply(to_apply, tree.root)
    assert applied == to_apply
    assert unavailable == {}
    assert tree.raw("net.core.somaxconn") == "4096\n"
    assert tree.raw("vm.swappiness") == "10\n"


def test_apply_empty():
    assert sysctl.apply({}, "/nonexistent") == ({}, {})


@pytest.mark.parametrize("err", [errno.EINVAL, errno.EROFS, errno.EACCES, errno.EPERM])
def test_apply_refused(err, fake_proc_sys):
    tree = fake_proc_sys({"net.core.somaxconn": 128, "vm.swappiness": 60})
    tree.refuse_writes("vm.swappiness", err)
    applied, unavailable = sysctl.apply({
        "net.core.somaxconn": {"before": "128", "after": "4096"},
        "vm.swappiness": {"before": "60", "after": "10"},
    }, tree.root)
    assert unavailable == {"vm.swappiness": sysctl.REASON_REFUSED}
    assert applied == {"net.core.somaxconn": {"before": "128", "after": "4096"}}
    assert tree.raw("vm.swappiness") == "60\n"
    assert tree.raw("net.core.somaxconn") == "4096\n"


def test_apply_read_back_differs_is_not_applied(fake_proc_sys, monkeypatch):
    tree = fake_proc_sys({"net.ipv4.tcp_congestion_control": "cubic"})

    def clamping_write(key, value, proc_sys_root="/proc/sys"):
        # the kernel accepts the write but keeps (or clamps to) another value
        with open(sysctl.key_to_path(key, proc_sys_root), "w") as handle:
            handle.write("reno\n")

    monkeypatch.setattr(sysctl, "write_live", clamping_write)
    applied, unavailable = sysctl.apply(
        {"net.ipv4.tcp_congestion_control": {"before": "cubic", "after": "bbr"}}, tree.root)
    assert applied == {}
    assert unavailable == {"net.ipv4.tcp_congestion_control": sysctl.REASON_NOT_APPLIED}


def test_apply_enoent_is_absent(fake_proc_sys):
    # The parent directory does not exist, so open(..., "w") fails with ENOENT as on /proc/sys.
    tree = fake_proc_sys({"net.core.somaxconn": 128})
    applied, unavailable = sysctl.apply(
        {"net.netfilter.nf_conntrack_max": {"before": "1", "after": "2"}}, tree.root)
    assert applied == {}
    assert unavailable == {"net.netfilter.nf_conntrack_max": sysctl.REASON_ABSENT}
    assert not tree.exists("net.netfilter.nf_conntrack_max")


def test_apply_enoent_from_write_is_absent(fake_proc_sys):
    tree = fake_proc_sys({"net.core.somaxconn": 128})
    tree.refuse_writes("net.core.somaxconn", errno.ENOENT)
    applied, unavailable = sysctl.apply({"net.core.somaxconn": {"before": "128", "after": "4096"}}, tree.root)
    assert applied == {}
    assert unavailable == {"net.core.somaxconn": sysctl.REASON_ABSENT}


def test_apply_other_errors_raise(fake_proc_sys):
    tree = fake_proc_sys({"net.core.somaxconn": 128})
    tree.refuse_writes("net.core.somaxconn", errno.EIO)
    with pytest.raises(OSError) as excinfo:
        sysctl.apply({"net.core.somaxconn": {"before": "128", "after": "4096"}}, tree.root)
    assert excinfo.value.errno == errno.EIO


# ---------------------------------------------------------------------------------------------
# describe_unavailable
# ---------------------------------------------------------------------------------------------

def test_describe_unavailable_groups_keys_by_reason():
    lines = sysctl.describe_unavailable({
        "fs.inotify.max_user_watches": sysctl.REASON_HOST_OWNED,
        "vm.swappiness": sysctl.REASON_HOST_OWNED,
        "net.core.rmem_max": sysctl.REASON_REFUSED,
    })
    assert lines == [
        "fs.inotify.max_user_watches, vm.swappiness: " + sysctl.REASON_TEXT[sysctl.REASON_HOST_OWNED],
        "net.core.rmem_max: " + sysctl.REASON_TEXT[sysctl.REASON_REFUSED],
    ]


def test_describe_unavailable_sorted_with_reason_text():
    lines = sysctl.describe_unavailable({
        "vm.swappiness": sysctl.REASON_HOST_OWNED,
        "net.core.netdev_max_backlog": sysctl.REASON_ABSENT,
        "net.ipv4.tcp_rmem": sysctl.REASON_REFUSED,
        "net.core.somaxconn": sysctl.REASON_NOT_APPLIED,
    })
    assert lines == [
        "net.core.netdev_max_backlog: " + sysctl.REASON_TEXT[sysctl.REASON_ABSENT],
        "net.core.somaxconn: " + sysctl.REASON_TEXT[sysctl.REASON_NOT_APPLIED],
        "net.ipv4.tcp_rmem: " + sysctl.REASON_TEXT[sysctl.REASON_REFUSED],
        "vm.swappiness: " + sysctl.REASON_TEXT[sysctl.REASON_HOST_OWNED],
    ]
    assert "not exposed by this kernel" in lines[0]


def test_describe_unavailable_unknown_reason_passes_through():
    assert sysctl.describe_unavailable({"a.b": "mystery"}) == ["a.b: mystery"]


def test_describe_unavailable_empty():
    assert sysctl.describe_unavailable({}) == []


def test_reason_text_covers_every_reason():
    for reason in (sysctl.REASON_ABSENT, sysctl.REASON_REFUSED, sysctl.REASON_HOST_OWNED, sysctl.REASON_NOT_APPLIED):
        assert sysctl.REASON_TEXT[reason]


# ---------------------------------------------------------------------------------------------
# ensure_profile / write_file (the file writing moved from the module)
# ---------------------------------------------------------------------------------------------

def _move_double(calls):
    """Test double of AnsibleModule.atomic_move: records the call and renames."""
    def atomic_move(src, dest):
        calls.append((src, dest))
        os.rename(src, dest)
    return atomic_move


def test_ensure_profile_writes_the_file_and_applies(fake_proc_sys, tmp_path):
    tree = fake_proc_sys({"net.core.somaxconn": 128})
    path = str(tmp_path / "90-test.conf")
    calls = []
    result, warning = sysctl.ensure_profile({"net.core.somaxconn": 4096}, path, "header", proc_sys_root=tree.root,
                                            atomic_move=_move_double(calls))
    assert warning is None
    assert result["changed"] and result["file_changed"]
    assert result["applied"] == {"net.core.somaxconn": {"before": "128", "after": "4096"}}
    assert calls == [(os.path.join(str(tmp_path), ".90-test.conf.tmp"), path)]
    assert open(path).read() == sysctl.render_file({"net.core.somaxconn": "4096"}, "header")
    assert oct(os.stat(path).st_mode & 0o777) == "0o644"
    assert tree.raw("net.core.somaxconn") == "4096\n"


def test_ensure_profile_in_check_mode_writes_nothing_and_reports_the_diff(fake_proc_sys, tmp_path):
    tree = fake_proc_sys({"net.core.somaxconn": 128})
    path = str(tmp_path / "90-test.conf")
    calls = []
    result, warning = sysctl.ensure_profile({"net.core.somaxconn": 4096}, path, "header", proc_sys_root=tree.root,
                                            check_mode=True, diff=True, atomic_move=_move_double(calls))
    assert result["changed"] and calls == [] and not os.path.exists(path)
    assert tree.raw("net.core.somaxconn") == "128\n"
    assert result["diff"][0]["before"] == "" and "net.core.somaxconn = 4096" in result["diff"][0]["after"]
    assert result["diff"][1] == dict(before_header="running kernel", after_header="running kernel",
                                     before="net.core.somaxconn = 128\n", after="net.core.somaxconn = 4096\n")


def test_ensure_profile_fails_on_absent_keys_before_writing(fake_proc_sys, tmp_path):
    tree = fake_proc_sys({})
    path = str(tmp_path / "90-test.conf")
    with pytest.raises(sysctl.SysctlProfileFailure) as caught:
        sysctl.ensure_profile({"net.core.somaxconn": 4096}, path, "header", proc_sys_root=tree.root,
                              atomic_move=_move_double([]))
    assert "do not exist in the running kernel" in str(caught.value)
    assert caught.value.details == {"unavailable": {"net.core.somaxconn": "absent"}}
    assert not os.path.exists(path)


def test_write_file_names_a_missing_directory(tmp_path):
    with pytest.raises(sysctl.SysctlProfileFailure, match="directory '%s' does not exist" % (tmp_path / "nope")):
        sysctl.write_file(str(tmp_path / "nope" / "x.conf"), "text", _move_double([]))
