# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What NVIDIA driver a node has, read from the kernel, the file system and dpkg.

Plain functions over a sysfs root, a procfs root and file contents, so they run in unit tests
against fake trees. The module ``nvidia_driver_info`` is a thin wrapper around them.

Sources, in the order a driver engineer checks them:

* PCI bus (``/sys/bus/pci/devices/*/{vendor,class}``): NVIDIA GPUs (class 0x0300 display or 0x0302
  3D controller) and NVSwitch chips (class 0x0680, "bridge: other"), present whatever software runs.
* The loaded kernel module: ``/sys/module/nvidia/version`` exists only while ``nvidia.ko`` is loaded;
  ``/proc/driver/nvidia/version`` adds whether it is NVIDIA's open kernel module.
* The module on disk for the running kernel (``modinfo -F version nvidia``): what a reboot would load.
* The user-space library (``libnvidia-ml.so.<version>``): what ``nvidia-smi`` and CUDA talk through.
  When it differs from the loaded module, NVML fails with "Driver/library version mismatch" until
  the node reboots (deepops#1186).
* dpkg's status database: which driver packages are installed, at which version, and held or not.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re

NVIDIA_VENDOR = "0x10de"
GPU_CLASSES = ("0x0300", "0x0302")
NVSWITCH_CLASS = "0x0680"

LIBRARY_DIRS = (
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
)

_NVRM_RE = re.compile(r"NVRM version:.*?\s(\d+\.\d+(?:\.\d+)?)\s")
_LIBRARY_RE = re.compile(r"^libnvidia-ml\.so\.(\d+\.\d+(?:\.\d+)?)$")


def _read(path):
    try:
        with open(path, "r") as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return None


def scan_pci(sysfs_root="/sys"):
    """NVIDIA GPUs and NVSwitches on the PCI bus: ``{"gpus": [bdf], "nvswitches": [bdf], "devices": {...}}``."""
    base = os.path.join(sysfs_root, "bus", "pci", "devices")
    result = {"gpus": [], "nvswitches": [], "device_ids": {}}
    try:
        entries = sorted(os.listdir(base))
    except OSError:
        return result
    for bdf in entries:
        vendor = (_read(os.path.join(base, bdf, "vendor")) or "").lower()
        if vendor != NVIDIA_VENDOR:
            continue
        pci_class = (_read(os.path.join(base, bdf, "class")) or "").lower()
        device = (_read(os.path.join(base, bdf, "device")) or "").lower()
        if pci_class.startswith(GPU_CLASSES):
            result["gpus"].append(bdf)
            result["device_ids"][bdf] = device
        elif pci_class.startswith(NVSWITCH_CLASS):
            result["nvswitches"].append(bdf)
            result["device_ids"][bdf] = device
    return result


def loaded_module(sysfs_root="/sys", proc_root="/proc"):
    """The nvidia kernel module currently loaded: ``{"loaded", "version", "flavor"}``.

    ``flavor`` is ``open`` for NVIDIA's open GPU kernel modules, ``proprietary`` otherwise, None when
    nothing is loaded or the banner cannot be read.
    """
    version = _read(os.path.join(sysfs_root, "module", "nvidia", "version"))
    banner = _read(os.path.join(proc_root, "driver", "nvidia", "version"))
    flavor = None
    if banner:
        first = banner.splitlines()[0]
        flavor = "open" if "Open Kernel Module" in first else "proprietary"
        if not version:
            match = _NVRM_RE.search(first + " ")
            if match:
                version = match.group(1)
    loaded = bool(version) or os.path.isdir(os.path.join(sysfs_root, "module", "nvidia"))
    return {"loaded": loaded, "version": version or None, "flavor": flavor if loaded else None}


def nouveau_loaded(sysfs_root="/sys"):
    return os.path.isdir(os.path.join(sysfs_root, "module", "nouveau"))


def library_versions(root="/", lib_dirs=LIBRARY_DIRS):
    """Versions of ``libnvidia-ml.so.<version>`` installed (sorted, usually one)."""
    found = set()
    for directory in lib_dirs:
        pattern = os.path.join(root, directory.lstrip("/"), "libnvidia-ml.so.*")
        for path in glob.glob(pattern):
            match = _LIBRARY_RE.match(os.path.basename(path))
            if match:
                found.add(match.group(1))
    return sorted(found, key=version_key)


def library_versions_from_paths(paths):
    """Versions from library file paths (``/usr/lib64/libnvidia-ml.so.580.159.04``), sorted."""
    found = set()
    for path in paths:
        match = _LIBRARY_RE.match(os.path.basename(path))
        if match:
            found.add(match.group(1))
    return sorted(found, key=version_key)


def version_key(version):
    """Sort key for dotted driver versions (``580.95.05`` < ``580.105.08``)."""
    return tuple(int(part) if part.isdigit() else 0 for part in re.split(r"[.]", version or "0"))


def upstream_version(deb_version):
    """The upstream part of a Debian version: ``1:580.95.05-0ubuntu1`` -> ``580.95.05``."""
    if not deb_version:
        return None
    version = deb_version.split(":", 1)[-1]
    if "-" in version:
        version = version.rsplit("-", 1)[0]
    return version


def parse_dpkg_status(text, names=None, pattern=None):
    """Installed packages from the text of ``/var/lib/dpkg/status``.

    Returns ``{name: {"version": str, "held": bool}}`` for packages whose Status ends in
    "installed" and whose name is in ``names`` or matches the regular expression ``pattern``.
    """
    wanted_names = set(names or [])
    regex = re.compile(pattern) if pattern else None
    packages = {}
    for stanza in re.split(r"\n\s*\n", text or ""):
        fields = {}
        for line in stanza.splitlines():
            if not line or line[0] in " \t" or ":" not in line:
                continue
            key, value = line.split(":", 1)
            fields[key.strip()] = value.strip()
        name = fields.get("Package")
        status = fields.get("Status", "").split()
        if not name or len(status) != 3 or status[2] != "installed":
            continue
        if name not in wanted_names and not (regex and regex.search(name)):
            continue
        arch = fields.get("Architecture")
        key = name
        packages[key] = {"version": fields.get("Version"), "held": status[0] == "hold", "architecture": arch}
    return packages


def nouveau_blacklisted(root="/"):
    """Whether a modprobe.d file blacklists nouveau."""
    for path in sorted(glob.glob(os.path.join(root, "etc", "modprobe.d", "*.conf"))
                       + glob.glob(os.path.join(root, "usr", "lib", "modprobe.d", "*.conf"))):
        for line in (_read(path) or "").splitlines():
            if line.split("#", 1)[0].split() == ["blacklist", "nouveau"]:
                return True
    return False


def collect(sysfs_root="/sys", proc_root="/proc", root="/", dpkg_status_text="", package_names=None,
            package_pattern=None, module_on_disk=None):
    """Everything this file knows how to read, as one dict (the ``state`` other functions take).

    ``module_on_disk`` is the version ``modinfo`` reports for the running kernel (the caller runs it).
    """
    return {
        "pci": scan_pci(sysfs_root),
        "loaded": loaded_module(sysfs_root, proc_root),
        "module_on_disk": module_on_disk or None,
        "library_versions": library_versions(root),
        "packages": parse_dpkg_status(dpkg_status_text, package_names, package_pattern),
        "nouveau_loaded": nouveau_loaded(sysfs_root),
        "nouveau_blacklisted": nouveau_blacklisted(root),
    }


def reboot_reasons(state, expect_loaded):
    """Why this node must reboot before the installed driver is the one running.

    ``state`` is what :func:`collect` returned; ``expect_loaded`` says whether a driver is meant to
    run here (GPUs present, or an install was forced). Each reason is one sentence naming the versions.
    """
    reasons = []
    loaded = state["loaded"]
    disk = state.get("module_on_disk")
    libraries = state.get("library_versions") or []
    if loaded["loaded"] and loaded["version"]:
        if disk and disk != loaded["version"]:
            reasons.append("the loaded nvidia kernel module is %s but %s is installed for the running kernel"
                           % (loaded["version"], disk))
        elif libraries and loaded["version"] not in libraries:
            reasons.append("the loaded nvidia kernel module is %s but the user-space library is %s "
                           "(NVML reports 'Driver/library version mismatch' until a reboot)"
                           % (loaded["version"], ", ".join(libraries)))
    elif expect_loaded and (disk or libraries or state.get("packages")):
        installed = disk or (libraries[-1] if libraries else None)
        reasons.append("the nvidia kernel module%s is installed but not loaded"
                       % (" %s" % installed if installed else ""))
    nvml_error = state.get("nvml_error") or ""
    if "mismatch" in nvml_error.lower() and not any("mismatch" in reason for reason in reasons):
        reasons.append("NVML reports '%s': the loaded kernel module and the installed libraries differ" % nvml_error)
    if expect_loaded and state.get("nouveau_loaded") and state.get("nouveau_blacklisted"):
        reasons.append("nouveau is loaded and now blacklisted; it is released only by a reboot")
    return reasons


def installed_version(state):
    """The driver version a reboot would run: module on disk, else the library, else the packages."""
    if state.get("module_on_disk"):
        return state["module_on_disk"]
    libraries = state.get("library_versions") or []
    if libraries:
        return libraries[-1]
    versions = sorted(set(upstream_version(p["version"]) for p in (state.get("packages") or {}).values()),
                      key=version_key)
    return versions[-1] if versions else None


def summarize(state, wanted_version=None, wanted_branch=None, expect_loaded=True):
    """Add the derived answers the role acts on to a collected ``state`` (returns a new dict).

    * ``running_version``: the loaded module's version (None when no driver runs);
    * ``installed_version``: what runs after a reboot;
    * ``from_packages``: whether dpkg knows the installed driver (False for a .run installer or an image);
    * ``matches_wanted``: the running and installed versions both equal ``wanted_version`` (or are of
      ``wanted_branch`` when no exact version is asked for);
    * ``reboot_reasons``.
    """
    result = dict(state)
    running = state["loaded"]["version"] if state["loaded"]["loaded"] else None
    installed = installed_version(state)
    result["running_version"] = running
    result["installed_version"] = installed
    driver_packages = state.get("packages") or {}
    result["from_packages"] = bool(driver_packages)
    result["reboot_reasons"] = reboot_reasons(state, expect_loaded)

    def matches(version):
        if not version:
            return False
        if wanted_version:
            return version == wanted_version
        if wanted_branch:
            return version.split(".", 1)[0] == str(wanted_branch)
        return True

    result["matches_wanted"] = matches(running) and matches(installed or running)
    return result


def describe(summary):
    """One line for the per-node report."""
    if summary.get("running_version"):
        origin = "from packages" if summary["from_packages"] else "not from packages (runfile or image)"
        text = "driver %s running (%s kernel module), %s" % (
            summary["running_version"], summary["loaded"].get("flavor") or "unknown", origin)
    elif summary.get("installed_version"):
        text = "driver %s installed, not loaded" % summary["installed_version"]
    else:
        text = "no NVIDIA driver"
    if summary.get("reboot_reasons"):
        text += "; reboot needed: " + "; ".join(summary["reboot_reasons"])
    return text
