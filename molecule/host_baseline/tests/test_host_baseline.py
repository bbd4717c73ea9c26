"""Verify host_baseline on the live nodes: values in effect, daemons running, policies accepted.

The nodes are podman containers. Keys the container does not own (fs.*, net.core.default_qdisc,
...) are checked as persisted, not as applied; kernel modules are checked as persisted only.
"""

import os

import pytest
import testinfra.utils.ansible_runner

# The inventory names the nodes; the checks reach them with podman exec (testinfra's podman backend), which costs a
# fraction of an ansible ad-hoc run per command (the ansible backend starts ansible once per check).
testinfra_hosts = ["podman://%s" % name for name in testinfra.utils.ansible_runner.AnsibleRunner(
    os.environ["MOLECULE_INVENTORY_FILE"]
).get_hosts("all")]

SYSCTL_FILE = "/etc/sysctl.d/90-privateai-baseline.conf"

# Network-namespace keys a container owns: the role must have put these values in effect.
IN_EFFECT = {
    "net.ipv4.tcp_congestion_control": "bbr",
    "net.ipv4.tcp_rmem": "4096 87380 134217728",
    "net.ipv4.tcp_wmem": "4096 65536 134217728",
    "net.ipv4.tcp_mtu_probing": "1",
    "net.ipv4.tcp_slow_start_after_idle": "0",
    "net.ipv4.conf.all.arp_ignore": "1",
    "net.ipv4.conf.all.arp_announce": "2",
    "net.ipv4.ip_forward": "1",
    "net.ipv4.tcp_fin_timeout": "15",  # from host_baseline_sysctl_extra in molecule.yml
}


def _live(host, key):
    return " ".join(host.run_expect([0], "sysctl -n %s" % key).stdout.split())


def test_network_sysctls_in_effect(host):
    wrong = {k: _live(host, k) for k in IN_EFFECT if _live(host, k) != IN_EFFECT[k]}
    assert wrong == {}


def test_sysctl_file_persists_every_key(host):
    content = host.file(SYSCTL_FILE).content_string
    assert host.file(SYSCTL_FILE).mode == 0o644
    for line in ("net.core.default_qdisc = fq", "net.ipv4.tcp_congestion_control = bbr",
                 "fs.inotify.max_user_watches = 1048576", "net.ipv4.tcp_fin_timeout = 15"):
        assert line in content.splitlines()


def test_sysctl_file_is_accepted_by_sysctl(host):
    # sysctl -p parses the file; in a container the host-owned keys are refused, but a syntax
    # error would be reported differently ("malformed").
    out = host.run("sysctl -e -p %s" % SYSCTL_FILE)
    assert "malformed" not in out.stderr.lower()
    assert "net.ipv4.tcp_congestion_control = bbr" in out.stdout


def test_chrony_running_with_configured_servers(host):
    svc = host.service("chrony")
    assert svc.is_running
    assert svc.is_enabled
    conf = host.file("/etc/chrony/chrony.conf").content_string
    assert "server ntp1.example.internal iburst" in conf
    assert "server ntp2.example.internal iburst" in conf
    assert "pool " not in conf
    tracking = host.run_expect([0], "chronyc -n tracking")
    assert "Reference ID" in tracking.stdout
    # The other time daemon must be gone (chrony conflicts with systemd-timesyncd).
    assert not host.package("systemd-timesyncd").is_installed


def test_chrony_does_not_control_the_hosts_clock(host):
    pid = host.run_expect([0], "systemctl show -p MainPID --value chrony").stdout.strip()
    cmdline = host.file("/proc/%s/cmdline" % pid).content_string.split("\x00")
    assert "-x" in cmdline


def test_logrotate_accepts_policy(host):
    result = host.run("logrotate -d /etc/logrotate.d/privateai")
    assert result.rc == 0, result.stderr
    assert "error" not in result.stderr.lower()
    policy = host.file("/etc/logrotate.d/privateai").content_string
    assert "weekly 7" in policy
    assert "compress" in policy


def test_logrotate_defaults_are_1g_and_7_days(host):
    policy = host.file("/etc/logrotate.d/privateai").content_string
    if host.backend.get_hostname() == "hb-node-1":
        assert "maxsize 1M" in policy  # scenario override, see molecule.yml
    else:
        assert "maxsize 1G" in policy


def test_logrotate_rotates_a_log_past_its_size(host):
    if host.backend.get_hostname() != "hb-node-1":
        pytest.skip("only hb-node-1 has a size limit small enough to exercise (molecule.yml)")
    host.run_expect([0], "mkdir -p /var/log/privateai && head -c 2000000 /dev/zero > /var/log/privateai/vllm.log")
    host.run_expect([0], "logrotate -s /tmp/logrotate-test.state /etc/logrotate.d/privateai")
    rotated = host.run_expect([0], "ls /var/log/privateai").stdout.split()
    assert any(name.startswith("vllm.log-") for name in rotated), rotated
    assert host.file("/var/log/privateai/vllm.log").size == 0  # copytruncate


def test_logrotate_runs_hourly(host):
    calendar = host.run_expect([0], "systemctl show -p TimersCalendar logrotate.timer").stdout
    assert "OnCalendar=hourly" in calendar or "*-*-* *:00:00" in calendar


def test_journald_capped(host):
    merged = host.run_expect([0], "systemd-analyze cat-config systemd/journald.conf").stdout
    assert "SystemMaxUse=4G" in merged
    assert "RuntimeMaxUse=512M" in merged
    assert host.service("systemd-journald").is_running


def test_kernel_modules_persisted(host):
    f = host.file("/etc/modules-load.d/90-privateai-baseline.conf")
    assert f.exists
    assert {"overlay", "br_netfilter", "tcp_bbr", "sch_fq"} <= set(f.content_string.split())
