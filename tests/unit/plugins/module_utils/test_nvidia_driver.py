# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What driver a node has, from fake sysfs/procfs/file-system trees (plugins/module_utils/nvidia_driver.py).

The trees follow the kernel's layout: /sys/bus/pci/devices/<bdf>/{vendor,class,device}, /sys/module/<name>/version
(present only while the module is loaded), /proc/driver/nvidia/version (NVRM banner, as read on the GPU machines:
"NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build ...").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import nvidia_driver as nd

OPEN_BANNER = ("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (nixbld@)  \n"
               "GCC version:  gcc version 15.3.0 (GCC) \n")
PROPRIETARY_BANNER = "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.183.01  Sun May 12 19:39:15 UTC 2024\n"

DPKG_STATUS = """Package: nvidia-driver-cuda
Status: hold ok installed
Version: 580.95.05-1
Architecture: amd64

Package: nvidia-kernel-open-dkms
Status: install ok installed
Version: 580.95.05-1
Architecture: amd64

Package: nvidia-fabricmanager
Status: deinstall ok config-files
Version: 580.82.07-1

Package: cuda-compat-13-0
Status: install ok installed
Version: 580.95.05-0ubuntu1

Package: bash
Status: install ok installed
Version: 5.2.15-2+b7
"""


def _write(root, path, text):
    full = os.path.join(str(root), path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as handle:
        handle.write(text)


class Node(object):
    """A fake node: sysfs, procfs and / under one temporary directory."""

    def __init__(self, tmp_path):
        self.sys = str(tmp_path / "sys")
        self.proc = str(tmp_path / "proc")
        self.root = str(tmp_path / "root")
        for path in (self.sys, self.proc, self.root):
            os.makedirs(path)

    def pci(self, bdf, vendor, pci_class, device="0x2330"):
        base = "bus/pci/devices/%s/" % bdf
        _write(self.sys, base + "vendor", vendor + "\n")
        _write(self.sys, base + "class", pci_class + "\n")
        _write(self.sys, base + "device", device + "\n")

    def load(self, version, banner=OPEN_BANNER):
        _write(self.sys, "module/nvidia/version", version + "\n")
        _write(self.proc, "driver/nvidia/version", banner.replace("580.159.04", version))

    def library(self, version, directory="/usr/lib/x86_64-linux-gnu"):
        _write(self.root, "%s/libnvidia-ml.so.%s" % (directory, version), "")

    def collect(self, module_on_disk=None, status=""):
        return nd.collect(self.sys, self.proc, self.root, status, package_pattern=r"^(nvidia-|libnvidia-)",
                          module_on_disk=module_on_disk)


def test_pci_scan_finds_gpus_and_nvswitches_only(tmp_path):
    node = Node(tmp_path)
    node.pci("0000:18:00.0", "0x10de", "0x030200")        # H100 SXM: 3D controller
    node.pci("0000:2a:00.0", "0x10de", "0x030000")        # display controller
    node.pci("0000:05:00.0", "0x10de", "0x068000", "0x22a3")  # NVSwitch
    node.pci("0000:c1:00.0", "0x15b3", "0x020700")        # ConnectX InfiniBand
    node.pci("0000:18:00.1", "0x10de", "0x040300")        # NVIDIA audio function: neither
    found = nd.scan_pci(node.sys)
    assert found["gpus"] == ["0000:18:00.0", "0000:2a:00.0"]
    assert found["nvswitches"] == ["0000:05:00.0"]


def test_no_pci_tree_means_no_gpu(tmp_path):
    assert nd.scan_pci(str(tmp_path / "absent"))["gpus"] == []


def test_loaded_open_module_from_sysfs_and_banner(tmp_path):
    node = Node(tmp_path)
    node.load("580.159.04")
    assert nd.loaded_module(node.sys, node.proc) == {"loaded": True, "version": "580.159.04", "flavor": "open"}


def test_loaded_proprietary_module_version_from_banner_only(tmp_path):
    node = Node(tmp_path)
    _write(node.proc, "driver/nvidia/version", PROPRIETARY_BANNER)
    os.makedirs(os.path.join(node.sys, "module", "nvidia"))
    assert nd.loaded_module(node.sys, node.proc) == {"loaded": True, "version": "535.183.01", "flavor": "proprietary"}


def test_nothing_loaded(tmp_path):
    node = Node(tmp_path)
    assert nd.loaded_module(node.sys, node.proc) == {"loaded": False, "version": None, "flavor": None}


def test_dpkg_status_keeps_installed_matching_packages_with_hold(tmp_path):
    packages = nd.parse_dpkg_status(DPKG_STATUS, pattern=r"^(nvidia-|libnvidia-)")
    assert packages == {
        "nvidia-driver-cuda": {"version": "580.95.05-1", "held": True, "architecture": "amd64"},
        "nvidia-kernel-open-dkms": {"version": "580.95.05-1", "held": False, "architecture": "amd64"},
    }
    assert list(nd.parse_dpkg_status(DPKG_STATUS, names=["bash"])) == ["bash"]


def test_upstream_version():
    assert nd.upstream_version("1:580.95.05-0ubuntu1") == "580.95.05"
    assert nd.upstream_version("580.105.08-1") == "580.105.08"
    assert nd.upstream_version("580.105.08") == "580.105.08"
    assert nd.upstream_version(None) is None


def test_library_versions_sorted_numerically(tmp_path):
    node = Node(tmp_path)
    node.library("580.105.08")
    node.library("580.95.05", "/usr/lib64")
    _write(node.root, "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1", "")
    assert nd.library_versions(node.root) == ["580.95.05", "580.105.08"]
    assert nd.library_versions_from_paths(["/usr/local/nvidia/lib64/libnvidia-ml.so.580.159.04", "/lib/libnvidia-ml.so.1"]) == [
        "580.159.04"]


def test_runfile_driver_running_wanted_version_needs_nothing(tmp_path):
    """The GPU machines: driver from the image, no packages; asked for the running version."""
    node = Node(tmp_path)
    node.pci("0000:00:06.0", "0x10de", "0x030200")
    node.load("580.159.04")
    node.library("580.159.04")
    summary = nd.summarize(node.collect(), wanted_version="580.159.04")
    assert summary["running_version"] == "580.159.04"
    assert summary["from_packages"] is False
    assert summary["matches_wanted"] is True
    assert summary["reboot_reasons"] == []
    assert nd.describe(summary) == "driver 580.159.04 running (open kernel module), not from packages (runfile or image)"


def test_other_version_wanted_does_not_match(tmp_path):
    node = Node(tmp_path)
    node.load("580.159.04")
    node.library("580.159.04")
    assert nd.summarize(node.collect(), wanted_version="580.95.05")["matches_wanted"] is False
    assert nd.summarize(node.collect(), wanted_branch="580")["matches_wanted"] is True
    assert nd.summarize(node.collect(), wanted_branch="575")["matches_wanted"] is False


def test_upgrade_without_reboot_is_the_version_mismatch_case(tmp_path):
    """deepops#1186: packages upgraded, the old module still loaded: NVML fails until a reboot."""
    node = Node(tmp_path)
    node.pci("0000:18:00.0", "0x10de", "0x030200")
    node.load("580.95.05")
    node.library("580.105.08")
    state = node.collect(status=DPKG_STATUS.replace("580.95.05-1", "580.105.08-1"))
    state["nvml_error"] = "Driver/library version mismatch"
    summary = nd.summarize(state, wanted_version="580.105.08")
    assert summary["installed_version"] == "580.105.08"
    assert summary["matches_wanted"] is False
    assert summary["reboot_reasons"] == [
        "the loaded nvidia kernel module is 580.95.05 but the user-space library is 580.105.08 "
        "(NVML reports 'Driver/library version mismatch' until a reboot)"]


def test_module_on_disk_newer_than_loaded(tmp_path):
    node = Node(tmp_path)
    node.load("580.95.05")
    node.library("580.95.05")
    reasons = nd.summarize(node.collect(module_on_disk="580.105.08"))["reboot_reasons"]
    assert reasons == ["the loaded nvidia kernel module is 580.95.05 but 580.105.08 is installed for the running kernel"]


def test_installed_but_not_loaded_only_when_a_driver_is_expected(tmp_path):
    node = Node(tmp_path)
    node.library("580.105.08")
    state = node.collect()
    assert nd.summarize(state, expect_loaded=True)["reboot_reasons"] == [
        "the nvidia kernel module 580.105.08 is installed but not loaded"]
    assert nd.summarize(state, expect_loaded=False)["reboot_reasons"] == []


def test_nouveau_loaded_and_blacklisted_needs_reboot(tmp_path):
    node = Node(tmp_path)
    node.load("580.95.05")
    node.library("580.95.05")
    os.makedirs(os.path.join(node.sys, "module", "nouveau"))
    assert nd.summarize(node.collect())["reboot_reasons"] == []      # not blacklisted yet: nothing to wait for
    _write(node.root, "/etc/modprobe.d/privateai-blacklist-nouveau.conf", "# x\nblacklist nouveau\noptions nouveau modeset=0\n")
    assert nd.summarize(node.collect())["reboot_reasons"] == [
        "nouveau is loaded and now blacklisted; it is released only by a reboot"]


def test_nvml_mismatch_alone_is_a_reason(tmp_path):
    node = Node(tmp_path)
    node.load("580.95.05")
    state = node.collect()
    state["nvml_error"] = "Driver/library version mismatch"
    assert nd.summarize(state)["reboot_reasons"] == [
        "NVML reports 'Driver/library version mismatch': the loaded kernel module and the installed libraries differ"]


def test_no_driver_description(tmp_path):
    node = Node(tmp_path)
    assert nd.describe(nd.summarize(node.collect(), expect_loaded=False)) == "no NVIDIA driver"
