# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apt_package_versions and nvidia_driver_info run in-process against files in a temporary directory."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import os

import pytest

from ansible.module_utils import basic

from ansible_collections.privateai.deepseek_dify.plugins.modules import apt_package_versions, nvidia_driver_info
from ansible_collections.privateai.deepseek_dify.tests.unit.plugins.modules.utils import (
    AnsibleExitJson,
    AnsibleFailJson,
    exit_json,
    fail_json,
    set_module_args,
)

STANZA = "Package: %s\nVersion: %s\nArchitecture: amd64\nFilename: ./%s_%s_amd64.deb\n"


@pytest.fixture(autouse=True)
def patch_module(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


def _repo(tmp_path, packages, gz=False):
    text = "\n".join(STANZA % (name, version, name, version) for name, version in packages)
    repo = tmp_path / "repo"
    repo.mkdir()
    if gz:
        (repo / "Packages.gz").write_bytes(gzip.compress(text.encode()))
    else:
        (repo / "Packages").write_text(text)
    return "file:%s/" % repo


def _run(module, args):
    with set_module_args(args):
        with pytest.raises((AnsibleExitJson, AnsibleFailJson)) as result:
            module.main()
    return result.value.args[0]


def test_resolves_exact_versions_from_a_gzipped_flat_repository(tmp_path):
    url = _repo(tmp_path, [("nvidia-driver-cuda", "580.95.05-1"), ("nvidia-driver-cuda", "580.105.08-1"),
                           ("libnvidia-ml1", "580.95.05-1"), ("libnvidia-ml1", "580.105.08-1")], gz=True)
    result = _run(apt_package_versions, {"repositories": [{"url": url}], "packages": ["nvidia-driver-cuda", "libnvidia-ml1"],
                                         "version": "580.95.05", "arch": "amd64", "_ansible_check_mode": True})
    assert result["changed"] is False
    assert result["packages"] == {"nvidia-driver-cuda": "580.95.05-1", "libnvidia-ml1": "580.95.05-1"}
    assert result["specs"] == ["nvidia-driver-cuda=580.95.05-1", "libnvidia-ml1=580.95.05-1"]
    assert result["sources"] == [url + "Packages.gz"]


def test_newest_of_branch(tmp_path):
    url = _repo(tmp_path, [("nvidia-container-toolkit", "1.17.8-1"), ("nvidia-container-toolkit", "1.18.0-1")])
    result = _run(apt_package_versions, {"repositories": [{"url": url}], "packages": ["nvidia-container-toolkit"],
                                         "arch": "amd64"})
    assert result["packages"] == {"nvidia-container-toolkit": "1.18.0-1"}
    assert result["available"] == {"nvidia-container-toolkit": ["1.17.8-1", "1.18.0-1"]}


def test_missing_version_fails_naming_package_repository_and_os(tmp_path):
    url = _repo(tmp_path, [("nvidia-driver-cuda", "580.95.05-1")])
    result = _run(apt_package_versions, {"repositories": [{"url": url}], "packages": ["nvidia-driver-cuda", "nvidia-fabricmanager"],
                                         "version": "580.105.08", "arch": "amd64", "os_label": "Debian 12"})
    assert result["failed"] is True
    assert "package 'nvidia-driver-cuda' version 580.105.08 is not in repository %s (suite /) for Debian 12 amd64" % url in result["msg"]
    assert "package 'nvidia-fabricmanager' is not in repository" in result["msg"]
    assert "Mirror the missing versions" in result["msg"]


def test_repository_without_index_fails_naming_the_url(tmp_path):
    (tmp_path / "empty").mkdir()
    url = "file:%s/" % (tmp_path / "empty")
    result = _run(apt_package_versions, {"repositories": [{"url": url}], "packages": ["x"], "arch": "amd64"})
    assert result["failed"] is True
    assert "Failed to read the package index of repository '%s'" % url in result["msg"]
    assert "use suite '/' for a flat repository" in result["msg"]


def test_dists_layout_reads_every_component(tmp_path):
    base = tmp_path / "mirror"
    for component, name in (("main", "a"), ("non-free", "nvidia-driver")):
        path = base / "dists" / "bookworm" / component / "binary-amd64"
        path.mkdir(parents=True)
        (path / "Packages").write_text(STANZA % (name, "535.247.01-1", name, "535.247.01-1"))
    result = _run(apt_package_versions, {"repositories": [{"url": "file:%s" % base, "suite": "bookworm",
                                                           "components": ["main", "non-free"]}],
                                         "packages": ["nvidia-driver"], "branch": "535", "arch": "amd64"})
    assert result["packages"] == {"nvidia-driver": "535.247.01-1"}
    assert len(result["sources"]) == 2


def test_apt_lists(tmp_path):
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "archive.ubuntu.com_ubuntu_dists_noble_restricted_binary-amd64_Packages").write_text(
        STANZA % ("nvidia-headless-580-server", "580.95.05-0ubuntu0.24.04.2", "x", "y"))
    result = _run(apt_package_versions, {"apt_lists": True, "lists_dir": str(lists), "packages": ["nvidia-headless-580-server"],
                                         "branch": "580", "arch": "amd64"})
    assert result["packages"] == {"nvidia-headless-580-server": "580.95.05-0ubuntu0.24.04.2"}


def test_driver_info_on_a_fake_gpu_node(tmp_path):
    sysfs = tmp_path / "sys"
    dev = sysfs / "bus" / "pci" / "devices" / "0000:18:00.0"
    dev.mkdir(parents=True)
    (dev / "vendor").write_text("0x10de\n")
    (dev / "class").write_text("0x030200\n")
    (dev / "device").write_text("0x2330\n")
    (sysfs / "module" / "nvidia").mkdir(parents=True)
    (sysfs / "module" / "nvidia" / "version").write_text("580.95.05\n")
    proc = tmp_path / "proc" / "driver" / "nvidia"
    proc.mkdir(parents=True)
    (proc / "version").write_text("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.95.05  Release Build\n")
    root = tmp_path / "root"
    lib = root / "usr" / "lib" / "x86_64-linux-gnu"
    lib.mkdir(parents=True)
    (lib / "libnvidia-ml.so.580.105.08").write_text("")
    (root / "var" / "lib" / "dpkg").mkdir(parents=True)
    (root / "var" / "lib" / "dpkg" / "status").write_text(
        "Package: nvidia-driver-cuda\nStatus: hold ok installed\nVersion: 580.105.08-1\nArchitecture: amd64\n")
    result = _run(nvidia_driver_info, {"sysfs_root": str(sysfs), "proc_root": str(tmp_path / "proc"), "root": str(root),
                                       "wanted_version": "580.105.08"})
    assert result["changed"] is False
    assert result["gpus"] == ["0000:18:00.0"]
    assert result["running_version"] == "580.95.05"
    assert result["installed_version"] == "580.105.08"
    assert result["kernel_module_flavor"] == "open"
    assert result["packages"] == {"nvidia-driver-cuda": {"version": "580.105.08-1", "held": True, "architecture": "amd64"}}
    assert result["from_packages"] is True
    assert result["matches_wanted"] is False
    assert result["nvml_version"] is None      # not asked: not the real root
    assert len(result["reboot_reasons"]) == 1 and "580.95.05" in result["reboot_reasons"][0]


def test_driver_info_without_gpu_expects_nothing(tmp_path):
    for part in ("sys", "proc", "root"):
        os.makedirs(str(tmp_path / part))
    result = _run(nvidia_driver_info, {"sysfs_root": str(tmp_path / "sys"), "proc_root": str(tmp_path / "proc"),
                                       "root": str(tmp_path / "root")})
    assert result["gpus"] == [] and result["reboot_reasons"] == [] and result["summary"] == "no NVIDIA driver"


@pytest.mark.parametrize("answer, use_nvml, expected", [
    (("580.95.05", None), True, {"nvml_version": "580.95.05", "nvml_error": None, "reboot": []}),
    ((None, "RM has detected an NVML/RM version mismatch."), True,
     {"nvml_version": None, "nvml_error": "RM has detected an NVML/RM version mismatch.",
      "reboot": ["NVML reports 'RM has detected an NVML/RM version mismatch.': the loaded kernel module and the "
                 "installed libraries differ"]}),
    (("580.95.05", None), False, {"nvml_version": None, "nvml_error": None, "reboot": []}),
], ids=["answers", "mismatch", "not-asked"])
def test_driver_info_asks_nvml_through_the_snapshot_layer(monkeypatch, answer, use_nvml, expected):
    """On the real root with a GPU on the PCI bus, the NVML answer comes from gpu_snapshot.nvml_driver_version (a
    test double here; its own cases are in test_gpu_snapshot.py) and a mismatch becomes a reboot reason."""
    asked = []

    def nvml_driver_version_double():
        asked.append(True)
        return answer

    state = {"pci": {"gpus": ["0000:18:00.0"], "nvswitches": [], "device_ids": {}},
             "loaded": {"loaded": True, "version": "580.95.05", "flavor": "open"}, "module_on_disk": None,
             "library_versions": ["580.95.05"], "packages": {}, "nouveau_loaded": False, "nouveau_blacklisted": False}
    monkeypatch.setattr(nvidia_driver_info.nvidia_driver, "collect", lambda **kwargs: dict(state))
    monkeypatch.setattr(nvidia_driver_info, "_module_on_disk", lambda module: None)
    monkeypatch.setattr(nvidia_driver_info.gpu_snapshot, "nvml_driver_version", nvml_driver_version_double)
    result = _run(nvidia_driver_info, {"use_nvml": use_nvml})
    assert asked == ([True] if use_nvml else [])
    assert (result["nvml_version"], result["nvml_error"]) == (expected["nvml_version"], expected["nvml_error"])
    assert result["reboot_reasons"] == expected["reboot"]
