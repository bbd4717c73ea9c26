#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: nvidia_driver_info
short_description: Report which NVIDIA driver a node has, whether it is the one running, and whether it must reboot
version_added: "0.1.0"
description:
  - Reads NVIDIA GPUs and NVSwitch chips from the PCI bus, the loaded kernel module (C(/sys/module/nvidia),
    C(/proc/driver/nvidia/version)), the module installed for the running kernel (C(modinfo)), the user-space
    library C(libnvidia-ml.so.<version>), NVML's own answer when C(pynvml) is importable, and dpkg's record of the
    driver packages.
  - Recognises a driver that runs without packages (NVIDIA's .run installer, a vendor image) from what the kernel
    and NVML report.
  - Says why a reboot is needed, naming versions, for the "Driver/library version mismatch" case (library or
    module on disk newer than the loaded module), a module installed but not loaded, and nouveau still loaded.
  - Read-only; runs the same in check mode.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.attributes.read_only
options:
  wanted_version:
    description: Driver version the node should run (V(580.95.05)); sets RV(matches_wanted).
    type: str
  wanted_branch:
    description: Driver branch the node should run when no exact version is wanted (V(580)).
    type: str
  expect_loaded:
    description:
      - Whether a driver is meant to run here, which makes "installed but not loaded" a reboot reason.
      - Default is true when the PCI bus has an NVIDIA GPU.
    type: bool
  package_names:
    description: Driver package names to look up in dpkg's database (from the role's package plan).
    type: list
    elements: str
    default: []
  package_pattern:
    description: Regular expression for further driver package names.
    type: str
    default: ^(nvidia-(driver|kernel|open|dkms|headless|utils|compute-utils|fabricmanager|persistenced)|libnvidia-(compute|ml|cfg)|cuda-drivers|libcuda1)
  use_nvml:
    description: Ask NVML (C(pynvml)) for the driver version too, when the module is importable and a GPU is present.
    type: bool
    default: true
  sysfs_root:
    description: Root of sysfs. Only tests change it.
    type: path
    default: /sys
  proc_root:
    description: Root of procfs. Only tests change it.
    type: path
    default: /proc
  root:
    description: Root of the file system (libraries, C(/etc/modprobe.d), dpkg's database). Only tests change it.
    type: path
    default: /
"""

EXAMPLES = r"""
- name: What driver does this node run?
  privateai.deepseek_dify.nvidia_driver_info:
    wanted_version: "580.95.05"
  register: driver

- name: Stop when the node must reboot first
  ansible.builtin.fail:
    msg: "{{ driver.reboot_reasons | join('; ') }}"
  when: driver.reboot_reasons | length > 0
"""

RETURN = r"""
gpus:
  description: PCI addresses of NVIDIA GPUs.
  returned: always
  type: list
  elements: str
  sample: ["0000:18:00.0", "0000:2a:00.0"]
nvswitches:
  description: PCI addresses of NVIDIA NVSwitch chips (fabric manager needed when not empty).
  returned: always
  type: list
  elements: str
running_version:
  description: Version of the loaded nvidia kernel module; null when none is loaded.
  returned: always
  type: str
  sample: "580.159.04"
kernel_module_flavor:
  description: V(open) or V(proprietary) for the loaded module; null when none is loaded.
  returned: always
  type: str
installed_version:
  description: The version a reboot would run (module on disk, else user-space library, else packages).
  returned: always
  type: str
module_on_disk:
  description: Version C(modinfo) reports for the nvidia module of the running kernel (what a reboot loads); null without modinfo.
  returned: always
  type: str
nouveau_blacklisted:
  description: Whether a C(modprobe.d) file blacklists nouveau.
  returned: always
  type: bool
nvml_version:
  description: Driver version NVML reports; null when NVML was not asked or not importable.
  returned: always
  type: str
nvml_error:
  description: NVML's error when it could not start, for example a version mismatch.
  returned: always
  type: str
library_versions:
  description: Versions of C(libnvidia-ml.so) installed.
  returned: always
  type: list
  elements: str
packages:
  description: Installed driver packages with version and hold state.
  returned: always
  type: dict
  sample: {"nvidia-driver-cuda": {"version": "580.95.05-1", "held": true, "architecture": "amd64"}}
from_packages:
  description: Whether dpkg knows a driver package (false for a .run install or an image-provided driver).
  returned: always
  type: bool
matches_wanted:
  description: Whether the running and the installed driver both equal O(wanted_version) (or are of O(wanted_branch)).
  returned: always
  type: bool
reboot_reasons:
  description: Why the node must reboot before the installed driver runs; empty when it need not.
  returned: always
  type: list
  elements: str
nouveau_loaded:
  description: Whether the nouveau module is loaded.
  returned: always
  type: bool
summary:
  description: One line for reports.
  returned: always
  type: str
  sample: "driver 580.159.04 running (open kernel module), not from packages (runfile or image)"
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_snapshot, nvidia_driver


def _module_on_disk(module):
    modinfo = module.get_bin_path("modinfo") or (os.path.exists("/sbin/modinfo") and "/sbin/modinfo")
    if not modinfo:
        return None
    rc, out, dummy = module.run_command([modinfo, "-F", "version", "nvidia"])
    return out.strip() or None if rc == 0 else None


def _ldconfig_libraries(module):
    """Versions of libnvidia-ml the dynamic linker knows (drivers outside the standard directories)."""
    ldconfig = module.get_bin_path("ldconfig") or (os.path.exists("/sbin/ldconfig") and "/sbin/ldconfig")
    if not ldconfig:
        return []
    rc, out, dummy = module.run_command([ldconfig, "-p"])
    if rc != 0:
        return []
    paths = [line.split("=>", 1)[1].strip() for line in out.splitlines() if "libnvidia-ml.so" in line and "=>" in line]
    return nvidia_driver.library_versions_from_paths(os.path.realpath(path) for path in paths)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            wanted_version=dict(type="str"),
            wanted_branch=dict(type="str"),
            expect_loaded=dict(type="bool"),
            package_names=dict(type="list", elements="str", default=[]),
            package_pattern=dict(
                type="str",
                default=r"^(nvidia-(driver|kernel|open|dkms|headless|utils|compute-utils|fabricmanager|persistenced)"
                        r"|libnvidia-(compute|ml|cfg)|cuda-drivers|libcuda1)"),
            use_nvml=dict(type="bool", default=True),
            sysfs_root=dict(type="path", default="/sys"),
            proc_root=dict(type="path", default="/proc"),
            root=dict(type="path", default="/"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    real = params["root"] == "/" and params["sysfs_root"] == "/sys"
    status_path = os.path.join(params["root"], "var", "lib", "dpkg", "status")
    status_text = ""
    if os.path.exists(status_path):
        try:
            with open(status_path, "r") as handle:
                status_text = handle.read()
        except (IOError, OSError) as exc:
            module.fail_json(msg="Failed to read dpkg's database '%s' due to: %s" % (status_path, to_native(exc)))

    state = nvidia_driver.collect(
        sysfs_root=params["sysfs_root"], proc_root=params["proc_root"], root=params["root"],
        dpkg_status_text=status_text, package_names=params["package_names"],
        package_pattern=params["package_pattern"],
        module_on_disk=_module_on_disk(module) if real else None,
    )
    if real and not state["library_versions"]:
        state["library_versions"] = _ldconfig_libraries(module)
    expect_loaded = params["expect_loaded"]
    if expect_loaded is None:
        expect_loaded = bool(state["pci"]["gpus"])
    nvml_version = nvml_error = None
    if params["use_nvml"] and real and state["pci"]["gpus"]:
        nvml_version, nvml_error = gpu_snapshot.nvml_driver_version()
    state["nvml_version"] = nvml_version
    state["nvml_error"] = nvml_error
    summary = nvidia_driver.summarize(state, params["wanted_version"], params["wanted_branch"], expect_loaded)

    module.exit_json(
        changed=False,
        gpus=state["pci"]["gpus"],
        nvswitches=state["pci"]["nvswitches"],
        running_version=summary["running_version"],
        kernel_module_flavor=state["loaded"]["flavor"],
        installed_version=summary["installed_version"],
        module_on_disk=state["module_on_disk"],
        nvml_version=nvml_version,
        nvml_error=nvml_error,
        library_versions=state["library_versions"],
        packages=state["packages"],
        from_packages=summary["from_packages"],
        matches_wanted=summary["matches_wanted"],
        reboot_reasons=summary["reboot_reasons"],
        nouveau_loaded=state["nouveau_loaded"],
        nouveau_blacklisted=state["nouveau_blacklisted"],
        summary=nvidia_driver.describe(summary),
    )


if __name__ == "__main__":
    main()
