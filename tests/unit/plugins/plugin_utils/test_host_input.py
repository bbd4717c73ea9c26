# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import host_input
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))

# check, value, good?
CASES = [
    ("hostname", "ntp1.example.org", True),
    ("hostname", "ntp1.example.org.", True),
    ("hostname", "10.0.0.1", True),
    ("hostname", "fd00::1", True),
    ("hostname", "ntp1.example.org\nallow all", False),
    ("hostname", "ntp1 ntp2", False),
    ("hostname", "-bad.example.org", False),
    ("hostname", "", False),
    ("hostname", 5, False),
    ("chrony_allow", "all", True),
    ("chrony_allow", "10.0.0.0/8", True),
    ("chrony_allow", "fd00::/64", True),
    ("chrony_allow", "10.0.0.0/33", False),
    ("chrony_allow", "10.0.0.0/8\nallow all", False),
    ("chrony_makestep", "1.0 3", True),
    ("chrony_makestep", "0.1 -1", True),
    ("chrony_makestep", "1.0 3\nallow all", False),
    ("chrony_makestep", "one", False),
    ("kernel_module", "br_netfilter", True),
    ("kernel_module", "nvidia-peermem", True),
    ("kernel_module", "br netfilter", False),
    ("kernel_module", "overlay\ntcp_bbr", False),
    ("kernel_module", "../evil", False),
    ("kernel_module", "-r", False),           # would read as an option of modprobe
    ("deb_package", "nvidia-driver-580", True),
    ("deb_package", "libnvidia-compute-580:amd64", True),
    ("deb_package", "g++", True),
    ("deb_package", "Chrony", False),
    ("deb_package", "chrony logrotate", False),
    ("deb_package", "-chrony", False),
    ("deb_package_pattern", "nvidia-driver-{branch}-open", True),
    ("deb_package_pattern", "linux-headers-{kernel}", True),
    ("deb_package_pattern", "linux headers {kernel}", False),
    ("apt_url_or_empty", "", True),
    ("apt_url_or_empty", "https://mirror.internal/nvidia", True),
    ("apt_url_or_empty", "mirror.internal", False),
    ("apt_version", "", True),
    ("apt_version", "580.95.05-0ubuntu1", True),
    ("apt_version", "1:2.4~rc1+dfsg-3", True),
    ("apt_version", "latest", False),
    ("apt_version", "580.95 05", False),
    ("systemd_size", "4G", True),
    ("systemd_size", "512M", True),
    ("systemd_size", "1073741824", True),
    ("systemd_size", "4 GB", False),
    ("systemd_size", "4GB", False),
    ("systemd_size", "4G\nStorage=none", False),
    ("logrotate_size", "1G", True),
    ("logrotate_size", "100k", True),
    ("logrotate_size", "1 G", False),
    ("logrotate_size", "1T", False),
    ("systemd_timespan", "1month", True),
    ("systemd_timespan", "2weeks 3d", True),
    ("systemd_timespan", "3600", True),
    ("systemd_timespan", "1 fortnight", False),
    ("systemd_timespan", "1month\nStorage=none", False),
    ("systemd_timespan", "", False),
    ("systemd_calendar", "hourly", True),
    ("systemd_calendar", "*-*-* 03:00:00", True),
    ("systemd_calendar", "Mon..Fri *-*-* 02:00", True),
    ("systemd_calendar", "hourly\nPersistent=false", False),
    ("systemd_calendar", "", False),
    ("absolute_path", "/etc/sysctl.d/90-privateai.conf", True),
    ("absolute_path", "etc/sysctl.d/x.conf", False),
    ("absolute_path", "/etc/sysctl.d/../../x", False),
    ("absolute_path", "/etc/my file", False),
    ("log_glob", "/var/log/privateai/*/*.log", True),
    ("log_glob", "/var/log/privateai/*.log {", False),
    ("log_glob", "/var/log/a.log /var/log/b.log", False),
    ("log_glob", "relative/*.log", False),
    ("one_line", "maxdistance 16", True),
    ("one_line", "maxdistance 16\nallow all", False),
    ("one_line", "bell\x07", False),
    ("apt_url", "https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/", True),
    ("apt_url", "http://mirror.internal/nvidia", True),
    ("apt_url", "file:/srv/repo", True),
    ("apt_url", "ftp://mirror.internal/nvidia", False),
    ("apt_url", "https://mirror.internal/a b", False),
    ("apt_url", "https://mirror.internal/\nTrusted: yes", False),
    ("apt_suite", "bookworm", True),
    ("apt_suite", "/", True),
    ("apt_suite", "stable/deb/", True),
    ("apt_suite", "bookworm main", False),
    ("apt_component", "main", True),
    ("apt_component", "non-free-firmware", True),
    ("apt_component", "main\nTrusted: yes", False),
    ("apt_key", "https://mirror.internal/key.gpg", True),
    ("apt_key", "/usr/share/keyrings/nvidia.gpg", True),
    ("apt_key", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINB\n-----END PGP PUBLIC KEY BLOCK-----\n", True),
    ("apt_key", "somewhere", False),
    ("apt_key", "", False),
    ("file_name", "privateai-nvidia-driver", True),
    ("file_name", "../x", False),
    ("file_name", "Nvidia", False),
    ("unit_name", "nvidia-dcgm", True),
    ("unit_name", "nvidia-dcgm.service", True),
    ("unit_name", "nvidia dcgm", False),
    ("positive", 1, True),
    ("positive", 50, True),
    ("positive", 0, False),
    ("positive", -3, False),
    ("positive", True, False),
    ("not_negative", 0, True),
    ("not_negative", -1, False),
    ("sysctl_settings", {"net.ipv4.ip_forward": 1, "net.ipv4.tcp_rmem": "4096 87380 134217728"}, True),
    ("sysctl_settings", {"net.ipv4.conf.eth0/1.rp_filter": 0}, True),
    ("sysctl_settings", {"net.ipv4.ip_forward": True}, True),
    ("sysctl_settings", {"net.core.somaxconn\nkernel.panic": 1}, False),
    ("sysctl_settings", {"net.core.somaxconn": "1\nkernel.panic = 0"}, False),
    ("sysctl_settings", {"net.core.somaxconn": ""}, False),
    ("sysctl_settings", {"net.core.somaxconn": [1]}, False),
    ("sysctl_settings", "net.core.somaxconn=1", False),
    ("package_versions", {"nvidia-driver": "580.95.05-1"}, True),
    ("package_versions", {"nvidia-driver": ""}, False),
    ("package_versions", {"nvidia driver": "580.95.05-1"}, False),
    ("package_versions", {"nvidia-driver": "580\nPin-Priority: -1"}, False),
]


@pytest.mark.parametrize("check, value, good", CASES, ids=["%s-%r" % (c[0], c[1]) for c in CASES])
def test_check(check, value, good):
    problems = host_input.check_value(check, value)
    if good:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0]


def test_every_check_has_a_good_and_a_bad_case():
    checks = set(host_input.CHECKS) | set(["apt_url_or_empty"])
    assert checks == set(c[0] for c in CASES if c[2])
    assert checks == set(c[0] for c in CASES if not c[2])


def test_a_list_is_checked_item_by_item_and_names_the_bad_items():
    problems = host_input.check_value("kernel_module", ["overlay", "br netfilter", "tcp_bbr", "a\nb"])
    assert problems == [
        "item 'br netfilter' must be a kernel module name (letters, digits, '_' and '-')",
        "item 'a\\nb' must be a kernel module name (letters, digits, '_' and '-')",
    ]


@pytest.mark.parametrize("check", ["hostnames", "positive_or_empty"])
def test_unknown_check_is_a_programming_error(check):
    with pytest.raises(ValueError, match="unknown check '%s'" % check):
        host_input.check_value(check, "x")


SPEC = {
    "r_servers": {"type": "list", "elements": "str", "default": []},
    "r_keep": {"type": "int", "default": 8},
    "r_throttle": {"type": "int", "default": 1},
    "r_enabled": {"type": "bool", "default": True},
    "r_mode": {"type": "str", "choices": ["fail", "warn"], "default": "fail"},
    "r_size": {"type": "str", "default": "4G"},
}
CHECKS = {"r_servers": "hostname", "r_keep": "not_negative", "r_throttle": "positive", "r_size": "systemd_size"}

# raw inventory values -> converted values (None when refused), problem fragments
ROLE_CASES = [
    ("string numbers and booleans convert",
     {"r_keep": "4", "r_throttle": "2", "r_enabled": "no"},
     {"r_keep": 4, "r_throttle": 2, "r_enabled": False, "r_servers": [], "r_mode": "fail", "r_size": "4G"}, []),
    ("one server as a string is a one-item list",
     {"r_servers": "ntp1.example.org"}, {"r_servers": ["ntp1.example.org"]}, []),
    ("a comma string is refused, not split",
     {"r_servers": "ntp1.example.org,ntp2.example.org"}, None,
     ["r_servers is the single string 'ntp1.example.org,ntp2.example.org': give a YAML list"]),
    ("a string with a line break is refused",
     {"r_servers": "ntp1.example.org\nallow all"}, None, ["r_servers is the single string 'ntp1.example.org\\nallow all'"]),
    ("a boolean typo is refused, not read as false",
     {"r_enabled": "ture"}, None, ["argument 'r_enabled' is of type str and we were unable to convert to bool: "
                                   "The value 'ture' is not a valid boolean"]),
    ("a throttle of 0 (Ansible's no limit) is refused",
     {"r_throttle": 0}, None, ["r_throttle: 0 must be a whole number of at least 1"]),
    ("a choice typo is refused",
     {"r_mode": "sometimes"}, None, ["r_mode must be one of: fail, warn, got: sometimes"]),
    ("every problem at once, each named",
     {"r_servers": ["ok.example.org", "bad name"], "r_keep": "-1", "r_size": "4 GB", "r_enabled": "ture"}, None,
     ["r_servers: item 'bad name' must be a host name", "r_keep: -1 must be", "r_size: '4 GB' must be a size",
      "'ture' is not a valid boolean"]),
]


@pytest.mark.parametrize("title, raw, converted, fragments", ROLE_CASES, ids=[c[0] for c in ROLE_CASES])
def test_check_role_inputs(title, raw, converted, fragments):
    values, problems = host_input.check_role_inputs(SPEC, raw, CHECKS)
    if converted is None:
        assert len(problems) == len(fragments), problems
        for fragment in fragments:
            assert any(fragment in problem for problem in problems), (fragment, problems)
    else:
        assert problems == []
        for name, value in converted.items():
            assert values[name] == value


def test_a_type_error_is_not_reported_twice():
    values, problems = host_input.check_role_inputs(SPEC, {"r_keep": "a week"}, CHECKS)
    assert len(problems) == 1 and "argument 'r_keep'" in problems[0]


def test_a_check_for_an_unknown_variable_is_a_programming_error():
    with pytest.raises(ValueError, match="r_nope"):
        host_input.check_role_inputs(SPEC, {}, {"r_nope": "hostname"})


# Values for the options without a default (the calling roles pass them).
REQUIRED_SAMPLES = {
    "apt_pin_name": "privateai-nvidia-driver",
    "apt_pin_versions": {"nvidia-driver": "580.95.05-1"},
    "apt_source_name": "privateai-nvidia-cuda",
    "apt_source_url": "https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/",
    "apt_source_key": "https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/3bf863cc.pub",
}
ROLES = ["host_baseline", "node_reboot", "nvidia_driver", "nvidia_container_toolkit", "nvidia_cuda_toolkit",
         "nvidia_dcgm", "apt_pin", "apt_source"]


@pytest.mark.parametrize("role", ROLES)
def test_role_defaults_pass_their_own_checks(role):
    # The shipped defaults must pass the checks the role runs (else every run would stop).
    spec = yaml.safe_load(open(os.path.join(REPO, "roles", role, "meta", "argument_specs.yml")))
    options = spec["argument_specs"]["main"]["options"]
    vars_file = os.path.join(REPO, "roles", role, "vars", "main.yml")
    role_vars = (yaml.safe_load(open(vars_file)) or {}) if os.path.exists(vars_file) else {}
    checks = role_vars.get("_%s_input_checks" % role)
    if checks is None:
        pytest.skip("%s declares no input checks" % role)
    defaults = dict((name, option["default"]) for name, option in options.items()
                    if "default" in option and not (isinstance(option["default"], str) and "{{" in option["default"]))
    defaults.update((name, value) for name, value in REQUIRED_SAMPLES.items() if name in options)
    values, problems = host_input.check_role_inputs(options, defaults, checks)
    assert problems == []
    # every option that ends in a file or a command has a check
    assert set(checks) <= set(options)


@pytest.mark.parametrize("check", sorted(host_input.ELEMENT_CHECKS))
def test_shared_rules_come_from_validate(check):
    """Only the host roles' own checks (chrony arguments) live here; every other rule is validate.py's."""
    function = host_input.ELEMENT_CHECKS[check]
    if check.startswith("chrony_"):
        assert function.__module__ == host_input.__name__
    else:
        assert function is getattr(v, check)
