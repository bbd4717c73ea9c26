"""Bad input stops host_baseline before it changes anything, with a message naming the problem.

"Nothing changed" is checked on the node itself: none of the files the role writes exist and
chrony (the first package it installs) is not installed.
"""

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
