"""Bad input stops host_baseline before it changes anything, with a message naming the problem.

"Nothing changed" is checked on the node itself: none of the files the role writes exist and
chrony (the first package it installs) is not installed.
"""

import json

PLAYBOOK = "playbooks/host_baseline.yml"
ROLE_FILES = [
    "/etc/sysctl.d/90-privateai-baseline.conf",
    "/etc/logrotate.d/privateai",
    "/etc/modules-load.d/90-privateai-baseline.conf",
    "/etc/systemd/journald.conf.d/90-privateai.conf",
]


def assert_untouched(node):
    present = [f for f in ROLE_FILES if node.sh("test -e %s" % f).returncode == 0]
    assert present == []
    assert node.sh("dpkg-query -W -f='${Status}' chrony 2>/dev/null | grep -q 'ok installed'").returncode != 0


def test_wrongly_typed_variable_is_named(node):
    result = node.playbook(PLAYBOOK, "-e", '{"host_baseline_logrotate_keep": "a week"}')
    assert result.returncode != 0
    assert "host_baseline_logrotate_keep" in result.stdout
    assert "Validating arguments against arg spec" in result.stdout
    assert_untouched(node)


def test_value_outside_choices_is_named(node):
    result = node.playbook(PLAYBOOK, "-e", "host_baseline_name_resolution_check=sometimes")
    assert result.returncode != 0
    assert "host_baseline_name_resolution_check" in result.stdout
    assert "sometimes" in result.stdout
    assert_untouched(node)


def test_unsupported_os_is_named_with_the_supported_ones(node):
    # Test double: a Debian container whose os-release claims Fedora 40, as Ansible's
    # distribution facts read it.
    node.sh("printf 'NAME=\"Fedora Linux\"\\nID=fedora\\nVERSION_ID=40\\nVERSION=\"40 (Server Edition)\"\\n'"
            " > /etc/os-release && rm -f /etc/debian_version /usr/lib/os-release"
            " && echo 'Fedora release 40 (Forty)' | tee /etc/fedora-release > /etc/redhat-release")
    result = node.playbook(PLAYBOOK)
    assert result.returncode != 0
    assert "runs Fedora 40, which is not supported" in result.stdout
    assert "Debian 12/13" in result.stdout and "Ubuntu 22.04/24.04" in result.stdout
    assert_untouched(node)


def test_hostname_on_loopback_fails_before_any_change(node):
    # Debian installers write "127.0.1.1 <hostname>"; NCCL, Ray and kubelet then bind to loopback.
    node.sh("grep -v \"$(hostname)\" /etc/hosts > /tmp/h; echo \"127.0.1.1 $(hostname)\" >> /tmp/h; cat /tmp/h > /etc/hosts")
    result = node.playbook(PLAYBOOK)
    assert result.returncode != 0
    assert "resolves to loopback 127.0.1.1" in result.stdout
    assert_untouched(node)


def test_loopback_hostname_only_warns_when_asked(node):
    node.sh("grep -v \"$(hostname)\" /etc/hosts > /tmp/h; echo \"127.0.1.1 $(hostname)\" >> /tmp/h; cat /tmp/h > /etc/hosts")
    result = node.playbook(PLAYBOOK, "--check", "-e", "host_baseline_name_resolution_check=warn")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "resolves to loopback 127.0.1.1" in result.stdout


def test_unresolvable_peer_is_named(node):
    result = node.playbook(PLAYBOOK, "-e", '{"host_baseline_name_resolution_peers": ["localhost", "gpu99.invalid"]}')
    assert result.returncode != 0
    assert "peer gpu99.invalid does not resolve" in result.stdout
    assert "peer localhost" not in result.stdout
    assert_untouched(node)


def _one_line(text):
    return " ".join(text.split())


def test_free_text_that_would_reach_a_file_is_refused_all_at_once(node):
    # One run, one bad value of each free-text kind: every one is listed, nothing is written.
    bad = {
        # a newline in an NTP server would add "allow all" (every node an NTP server for anyone)
        "host_baseline_chrony_servers": ["ntp1.example.org\nallow all"],
        "host_baseline_kernel_modules_extra": ["br netfilter"],
        "host_baseline_journald_system_max_use": "4 GB",
        "host_baseline_journald_max_retention": "1 fortnight",
        "host_baseline_logrotate_paths": ["/var/log/privateai/*.log { }"],
        "host_baseline_sysctl_extra": {"net.core.somaxconn\nkernel.panic": 1},
        "host_baseline_chrony_extra_config": ["maxdistance 16\nallow all"],
        # a list given as one string with a separator: Ansible would split it silently at the comma
        "host_baseline_chrony_pools": "pool1.example.org, pool2.example.org",
        # a number whose negative has no meaning
        "host_baseline_logrotate_keep": -1,
    }
    result = node.playbook(PLAYBOOK, "-e", json.dumps(bad))
    assert result.returncode != 0
    # The failure is printed as YAML: lines wrapped, single quotes doubled.
    out = _one_line(result.stdout).replace("''", "'")
    assert "bad input value(s), nothing was changed" in out, out[-3000:]
    assert "host_baseline_chrony_servers: item 'ntp1.example.org\\nallow all' must be a host name" in out, out[-3000:]
    assert "host_baseline_kernel_modules_extra: item 'br netfilter' must be a kernel module name" in out
    assert "host_baseline_journald_system_max_use: '4 GB' must be a size" in out
    assert "host_baseline_journald_max_retention: '1 fortnight' must be a systemd time span" in out
    assert "host_baseline_logrotate_paths: item '/var/log/privateai/*.log { }' must be an absolute path or glob" in out
    assert "host_baseline_sysctl_extra: key 'net.core.somaxconn\\nkernel.panic' is not a kernel parameter name" in out
    assert "host_baseline_chrony_extra_config: item 'maxdistance 16\\nallow all' must be one line" in out
    assert "host_baseline_chrony_pools is the single string 'pool1.example.org, pool2.example.org': give a YAML list" in out
    assert "host_baseline_logrotate_keep: -1 must be a whole number of at least 0" in out
    assert_untouched(node)
    assert node.sh("test -e /etc/chrony/chrony.conf").returncode != 0


def test_boolean_typo_is_refused_not_read_as_false(node):
    result = node.playbook(PLAYBOOK, "-e", '{"host_baseline_chrony_enabled": "ture"}')
    assert result.returncode != 0
    assert "host_baseline_chrony_enabled" in result.stdout
    assert "'ture' is not a valid boolean" in result.stdout
    assert_untouched(node)


def test_unambiguous_values_typed_differently_are_converted_and_used(node):
    # A single NTP server given as a string, a count given as the string "4", a boolean as "no":
    # accepted, and the files the role would write use the converted values (check mode, diff).
    good = {"host_baseline_chrony_servers": "ntp1.example.org", "host_baseline_chrony_pools": [],
            "host_baseline_logrotate_keep": "4", "host_baseline_logrotate_compress": "no"}
    result = node.playbook(PLAYBOOK, "--check", "--diff", "-e", json.dumps(good))
    assert result.returncode == 0, result.stdout[-3000:]
    assert "+server ntp1.example.org iburst" in result.stdout
    # the string was not taken character by character
    assert "+server n iburst" not in result.stdout
    assert "+    rotate 4" in result.stdout
    assert "+    compress" not in result.stdout
    assert_untouched(node)
