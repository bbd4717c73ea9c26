# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NVML access for the GPU modules: a live backend over pynvml and sysfs, and a replay backend.

Both return a snapshot: a plain dict described in docs/gpu-snapshot.md. Everything the modules
compute (facts, topology, health) is a pure function of a snapshot, so recorded and synthetic
snapshots exercise the same code as a live GPU node.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import errno
import json
import os
import re
import shutil
import socket
import time

FORMAT = "privateai-nvml-snapshot/1"
NVSWITCH_PCI = "FFFFFFFF:FF:FF.0"
NVLINK_ERROR_COUNTERS = (("dl_replay", 0), ("dl_recovery", 1), ("crc_flit", 2), ("crc_data", 3), ("ecc_data", 4))
# NVML field ids of the per-link (scoped) NVLink error counters, read for all links in one
# nvmlDeviceGetFieldValues call: one nvmlDeviceGetNvLinkErrorCounter call costs about 1.2 ms on an
# H100/H200 (bench/probe), 90 of them per NVSwitch-connected GPU.
NVLINK_ERROR_FIELDS = (("dl_replay", 161), ("dl_recovery", 162), ("dl_crc", 163))
VALUE_FIELDS = {0: "dVal", 1: "uiVal", 2: "ulVal", 3: "ullVal", 4: "sllVal", 5: "siVal", 6: "usVal"}
P2P_INDEXES = (("read", 0), ("write", 1), ("nvlink", 2), ("atomics", 3))
MAX_NVLINKS = 18
XID_RE = re.compile(r"NVRM: Xid \(PCI:([0-9a-fA-F:.]+)\): (\d+)")


class SnapshotError(Exception):
    """A snapshot file that cannot be used, named by path and reason."""


def is_error(value):
    return isinstance(value, str) and value.startswith("ERR:")


def sysfs_bus_id(nvml_bus_id):
    """00000000:00:06.0 (NVML) -> 0000:00:06.0 (sysfs), lower case."""
    domain, rest = nvml_bus_id.split(":", 1)
    return ("%04x:%s" % (int(domain, 16) & 0xFFFF, rest)).lower()


def empty(reason):
    return {"format": FORMAT, "source": "live", "nvml_available": False, "reason": reason,
            "driver_version": None, "cuda_driver_version": None, "nvml_version": None,
            "kernel_module_version": None, "gpus": [], "pairs": {}, "sysfs": {"gpu_paths": {}, "nics": []},
            "kernel_log": []}


# ------------------------------------------------------------------------------------------------
# replay backend
# ------------------------------------------------------------------------------------------------

def load(path):
    """Read a snapshot file. Raises SnapshotError naming the file."""
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (IOError, OSError) as exc:
        raise SnapshotError("cannot read snapshot %s: %s" % (path, exc))
    except ValueError as exc:
        raise SnapshotError("snapshot %s is not JSON: %s" % (path, exc))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SnapshotError("snapshot %s is not in format %s (found format %r)"
                            % (path, FORMAT, data.get("format") if isinstance(data, dict) else None))
    for key in ("gpus", "pairs"):
        if key not in data:
            raise SnapshotError("snapshot %s has no '%s'" % (path, key))
    data.setdefault("sysfs", {"gpu_paths": {}, "nics": []})
    data.setdefault("kernel_log", [])
    return data


# ------------------------------------------------------------------------------------------------
# live backend
# ------------------------------------------------------------------------------------------------

def _read(path, default=None):
    try:
        with open(path) as handle:
            return handle.read().strip()
    except (IOError, OSError):
        return default


def _cpulist(text):
    cpus = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            low, high = part.split("-")
            cpus.extend(range(int(low), int(high) + 1))
        else:
            cpus.append(int(part))
    return cpus


def collect_sysfs(bus_ids, sysfs_root="/sys"):
    """PCI paths of the GPUs and the RDMA NICs, with NUMA nodes and CPU lists (for NIC affinity)."""
    gpu_paths = {}
    for bus_id in bus_ids:
        link = os.path.join(sysfs_root, "bus", "pci", "devices", bus_id)
        if os.path.exists(link):
            gpu_paths[bus_id] = os.path.realpath(link)
    nics = []
    ib_root = os.path.join(sysfs_root, "class", "infiniband")
    if os.path.isdir(ib_root):
        for name in sorted(os.listdir(ib_root)):
            device = os.path.realpath(os.path.join(ib_root, name, "device"))
            numa = _read(os.path.join(device, "numa_node"))
            nics.append({"name": name, "pci": os.path.basename(device), "path": device,
                         "numa_node": int(numa) if numa not in (None, "-1") else None})
    return {"gpu_paths": gpu_paths, "nics": nics}


def _read_kmsg(path="/dev/kmsg", limit=20000):
    """Kernel ring buffer records without blocking (for nodes with neither journalctl nor dmesg)."""
    lines = []
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        while len(lines) < limit:
            try:
                record = os.read(fd, 8192)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno == errno.EPIPE:  # overwritten record: keep reading
                    continue
                break
            if not record:
                break
            lines.append(record.decode("utf-8", "replace").split(";", 1)[-1].strip())
    finally:
        os.close(fd)
    return lines


def read_kernel_xids(run_command=None, lookback_hours=24, which=shutil.which):
    """(source, lines): kernel log lines with 'NVRM: Xid', newest last, from journalctl (the last
    lookback_hours), else dmesg, else /dev/kmsg; source says which, or why none could be read."""
    if run_command is None:
        return "not read", []
    if which("journalctl"):
        rc, out, dummy = run_command(["journalctl", "-k", "--no-pager", "-o", "short-unix",
                                      "--since", "-%dh" % int(lookback_hours), "--grep", "NVRM: Xid"])
        if rc in (0, 1):  # 1: no match
            return "journalctl", [line for line in (out or "").splitlines() if "NVRM: Xid" in line]
    if which("dmesg"):
        rc, out, dummy = run_command(["dmesg"])
        if rc == 0:
            return "dmesg", [line for line in (out or "").splitlines() if "NVRM: Xid" in line]
    records = _read_kmsg()
    if records is not None:
        return "/dev/kmsg", [line for line in records if "NVRM: Xid" in line]
    return "unavailable (no journalctl, dmesg or readable /dev/kmsg)", []


NO_PYNVML = "the pynvml module is not installed (pip package nvidia-ml-py)"


def _import_pynvml():
    try:
        import pynvml  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    return pynvml


def _start(pynvml):
    """nvmlInit: None when NVML started, else NVML's error text."""
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return _error_text(exc)
    return None


def _stop(pynvml):
    try:
        pynvml.nvmlShutdown()
    except pynvml.NVMLError:
        pass


def nvml_driver_version(pynvml=None):
    """The driver version NVML reports, for nvidia_driver_info: (version, None); (None, NVML's error) when NVML
    cannot start or answer (for example "RM has detected an NVML/RM version mismatch."); (None, None) without
    pynvml. Only nvmlInit, one call and nvmlShutdown: no GPU is opened."""
    pynvml = pynvml or _import_pynvml()
    if pynvml is None:
        return None, None
    error = _start(pynvml)
    if error is not None:
        return None, error
    try:
        version = _Nvml(pynvml)("nvmlSystemGetDriverVersion")
    finally:
        _stop(pynvml)
    if is_error(version):
        return None, version[len("ERR:"):]
    return version, None


class _Nvml(object):
    """Calls pynvml, turning NVML errors into 'ERR:<name>' values."""

    def __init__(self, pynvml, profile=None):
        self.n = pynvml
        self.profile = profile  # {function name: [calls, seconds]} when given

    def __call__(self, name, *args):
        func = getattr(self.n, name, None)
        if func is None:
            return "ERR:Function Not Found"
        started = time.time() if self.profile is not None else 0
        try:
            value = func(*args)
        except self.n.NVMLError as exc:
            value = "ERR:%s" % _error_text(exc)
        finally:
            if self.profile is not None:
                entry = self.profile.setdefault(name, [0, 0.0])
                entry[0] += 1
                entry[1] += time.time() - started
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        return value


def _error_text(exc):
    text = str(exc)
    return text or exc.__class__.__name__


def _nvlink_errors(call, handle, links):
    """{link: {counter: value}}: the scoped field values in one call, else one call per counter."""
    if not links:
        return {}
    fields = [(fid, link) for link in links for dummy, fid in NVLINK_ERROR_FIELDS]
    values = call("nvmlDeviceGetFieldValues", handle, fields)
    result = dict((link, {}) for link in links)
    if not is_error(values):
        names = dict((fid, name) for name, fid in NVLINK_ERROR_FIELDS)
        for v in values:
            if int(v.nvmlReturn) != 0:
                value = "ERR:nvmlReturn %d" % int(v.nvmlReturn)
            else:
                value = getattr(v.value, VALUE_FIELDS.get(int(v.valueType), "ullVal"))
            result[int(v.scopeId)][names[int(v.fieldId)]] = value
        if all(not is_error(x) for counters in result.values() for x in counters.values()):
            return result
    for link in links:
        result[link] = dict((name, call("nvmlDeviceGetNvLinkErrorCounter", handle, link, counter))
                            for name, counter in NVLINK_ERROR_COUNTERS)
    return result


def _fabric(call, pynvml, handle):
    """nvmlDeviceGetGpuFabricInfo fills a struct passed by reference."""
    struct_type = getattr(pynvml, "c_nvmlGpuFabricInfo_t", None)
    if struct_type is None:
        return "ERR:Function Not Found"
    info = struct_type()
    result = call("nvmlDeviceGetGpuFabricInfo", handle, ctypes.byref(info))
    if is_error(result):
        return result
    return {"state": int(info.state), "status": int(info.status)}


ALL_PARTS = frozenset(("nvlink", "pairs", "health", "sysfs", "xid"))


def _gpu(call, pynvml, index, sysfs_root, parts=ALL_PARTS):
    h = call("nvmlDeviceGetHandleByIndex", index)
    if is_error(h):
        return {"index": index, "handle_error": h}
    pci = call("nvmlDeviceGetPciInfo", h)
    bus_id = pci.busId if not is_error(pci) else pci
    if isinstance(bus_id, bytes):
        bus_id = bus_id.decode()
    mem = call("nvmlDeviceGetMemoryInfo", h)
    sysfs_id = sysfs_bus_id(bus_id) if not is_error(bus_id) else None

    numa = call("nvmlDeviceGetNumaNodeId", h)
    numa_source = "nvml"
    if is_error(numa) or numa is None or numa < 0:
        raw = _read(os.path.join(sysfs_root, "bus", "pci", "devices", sysfs_id or "-", "numa_node"))
        numa, numa_source = (int(raw), "sysfs") if raw not in (None, "-1") else (None, "none")

    ncpus = os.cpu_count() or 1
    words = call("nvmlDeviceGetCpuAffinity", h, (ncpus + 63) // 64)
    if not is_error(words):
        cpus = [w * 64 + b for w, word in enumerate(words) for b in range(64) if int(word) >> b & 1]
    else:
        cpus = _cpulist(_read(os.path.join(sysfs_root, "bus", "pci", "devices", sysfs_id or "-", "local_cpulist")))
    cpus = cpus or None

    power = {"enforced": call("nvmlDeviceGetEnforcedPowerLimit", h),
             "default": call("nvmlDeviceGetPowerManagementDefaultLimit", h)}
    limits = call("nvmlDeviceGetPowerManagementLimitConstraints", h)
    power["min"], power["max"] = (limits if not is_error(limits) else (limits, limits))

    nvlinks = []
    for link in range(getattr(pynvml, "NVML_NVLINK_MAX_LINKS", MAX_NVLINKS) if "nvlink" in parts else 0):
        state = call("nvmlDeviceGetNvLinkState", h, link)
        if is_error(state):
            if state != "ERR:Not Supported" or link == 0:
                nvlinks.append({"link": link, "state": state})
            break
        remote = call("nvmlDeviceGetNvLinkRemotePciInfo_v2", h, link)
        if remote == "ERR:Function Not Found":
            remote = call("nvmlDeviceGetNvLinkRemotePciInfo", h, link)
        remote_bus = remote.busId if not is_error(remote) else remote
        if isinstance(remote_bus, bytes):
            remote_bus = remote_bus.decode()
        nvlinks.append({
            "link": link,
            "state": state,
            "version": call("nvmlDeviceGetNvLinkVersion", h, link),
            "remote_pci": remote_bus,
            "remote_type": call("nvmlDeviceGetNvLinkRemoteDeviceType", h, link),
        })
    errors = _nvlink_errors(call, h, [l["link"] for l in nvlinks if not is_error(l["state"])])
    for l in nvlinks:
        if l["link"] in errors:
            l["errors"] = errors[l["link"]]

    cc = call("nvmlDeviceGetCudaComputeCapability", h)
    mig = call("nvmlDeviceGetMigMode", h)
    ecc = call("nvmlDeviceGetEccMode", h)
    gpu = {
        "index": index,
        "name": call("nvmlDeviceGetName", h),
        "uuid": call("nvmlDeviceGetUUID", h),
        "pci_bus_id": bus_id,
        "memory_total": mem.total if not is_error(mem) else mem,
        "compute_capability": list(cc) if not is_error(cc) else cc,
        "persistence_mode": call("nvmlDeviceGetPersistenceMode", h),
        "mig_mode": list(mig) if not is_error(mig) else mig,
        "power_limit": power,
        "power_usage": call("nvmlDeviceGetPowerUsage", h),
        "numa_node": numa,
        "numa_source": numa_source,
        "cpu_affinity": cpus,
        "ecc_mode": list(ecc) if not is_error(ecc) else ecc,
        "_handle": h,
    }
    if "nvlink" in parts:
        gpu["nvlinks"] = nvlinks
        gpu["fabric"] = _fabric(call, pynvml, h)
    if "health" in parts:
        reasons = call("nvmlDeviceGetCurrentClocksEventReasons", h)
        if is_error(reasons):
            reasons = call("nvmlDeviceGetCurrentClocksThrottleReasons", h)
        remapped = call("nvmlDeviceGetRemappedRows", h)
        gpu.update({
            "ecc_uncorrected_volatile": call("nvmlDeviceGetTotalEccErrors", h, pynvml.NVML_MEMORY_ERROR_TYPE_UNCORRECTED,
                                             pynvml.NVML_VOLATILE_ECC),
            "ecc_uncorrected_aggregate": call("nvmlDeviceGetTotalEccErrors", h, pynvml.NVML_MEMORY_ERROR_TYPE_UNCORRECTED,
                                              pynvml.NVML_AGGREGATE_ECC),
            "retired_pages_pending": call("nvmlDeviceGetRetiredPagesPendingStatus", h),
            "remapped_rows": list(remapped) if not is_error(remapped) else remapped,
            "clock_event_reasons": reasons,
            "temperature": call("nvmlDeviceGetTemperature", h, pynvml.NVML_TEMPERATURE_GPU),
            "temperature_slowdown": call("nvmlDeviceGetTemperatureThreshold", h, pynvml.NVML_TEMPERATURE_THRESHOLD_SLOWDOWN),
            "pcie": {
                "gen": call("nvmlDeviceGetCurrPcieLinkGeneration", h),
                "gen_max": call("nvmlDeviceGetGpuMaxPcieLinkGeneration", h),
                "width": call("nvmlDeviceGetCurrPcieLinkWidth", h),
                "width_max": call("nvmlDeviceGetMaxPcieLinkWidth", h),
                "replay_counter": call("nvmlDeviceGetPcieReplayCounter", h),
            },
        })
    return gpu


def collect(sysfs_root="/sys", run_command=None, xid_lookback_hours=24, pynvml=None, parts=None, profile=None):
    """Live snapshot of this node. Never raises for a missing driver or library: returns a
    snapshot with nvml_available false and the reason.

    parts limits what is read beyond the basic per-GPU facts: "nvlink" (links, fabric), "pairs"
    (common ancestors, P2P), "health" (ECC, remapping, clocks, temperatures, PCIe), "sysfs" (PCI
    paths, RDMA NICs), "xid" (kernel log). None reads everything (the recorder does).
    profile: a dict to fill with {NVML function: [calls, seconds]} (bench/probe)."""
    parts = ALL_PARTS if parts is None else frozenset(parts)
    started = time.time()
    pynvml = pynvml or _import_pynvml()
    if pynvml is None:
        return empty(NO_PYNVML)
    init_started = time.time()
    reason = _start(pynvml)
    if reason is not None:
        loaded = _read(os.path.join(sysfs_root, "module", "nvidia", "version"))
        if "Library Not Found" in reason or "Driver Not Loaded" in reason:
            snap = empty("no NVIDIA driver: NVML says '%s'" % reason)
        elif "Mismatch" in reason or "mismatch" in reason:
            snap = empty("driver/library version mismatch: the loaded kernel module is %s but the installed NVML library is "
                         "another version; reboot the node (or reload the nvidia modules) after a driver upgrade" % loaded)
        else:
            snap = empty("NVML initialisation failed: %s" % reason)
        snap["kernel_module_version"] = loaded
        return snap
    if profile is not None:
        profile["nvmlInit"] = [1, time.time() - init_started]
    try:
        call = _Nvml(pynvml, profile)
        snap = empty(None)
        snap.update({
            "source": "live on %s" % socket.gethostname(),
            "nvml_available": True,
            "driver_version": call("nvmlSystemGetDriverVersion"),
            "cuda_driver_version": call("nvmlSystemGetCudaDriverVersion_v2"),
            "nvml_version": call("nvmlSystemGetNVMLVersion"),
            "kernel_module_version": _read(os.path.join(sysfs_root, "module", "nvidia", "version")),
        })
        count = call("nvmlDeviceGetCount")
        if is_error(count):
            snap["reason"] = "nvmlDeviceGetCount failed: %s" % count
            count = 0
        gpus = [_gpu(call, pynvml, i, sysfs_root, parts) for i in range(count)]
        for a in gpus:
            for b in gpus:
                if "pairs" not in parts or a is b or "_handle" not in a or "_handle" not in b:
                    continue
                snap["pairs"]["%d-%d" % (a["index"], b["index"])] = {
                    "ancestor": call("nvmlDeviceGetTopologyCommonAncestor", a["_handle"], b["_handle"]),
                    "p2p": dict((name, call("nvmlDeviceGetP2PStatus", a["_handle"], b["_handle"], idx))
                                for name, idx in P2P_INDEXES),
                }
        for g in gpus:
            g.pop("_handle", None)
        snap["gpus"] = gpus
        if "sysfs" in parts:
            snap["sysfs"] = collect_sysfs([sysfs_bus_id(g["pci_bus_id"]) for g in gpus if not is_error(g.get("pci_bus_id", "ERR:"))],
                                          sysfs_root)
        if "xid" in parts:
            log_started = time.time()
            snap["kernel_log_source"], snap["kernel_log"] = read_kernel_xids(run_command, xid_lookback_hours)
            if profile is not None:
                profile["kernel log (%s)" % snap["kernel_log_source"]] = [1, time.time() - log_started]
        snap["probe_seconds"] = round(time.time() - started, 4)
        return snap
    finally:
        _stop(pynvml)
