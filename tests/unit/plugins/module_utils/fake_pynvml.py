# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLE: a fake ``pynvml`` module built from an NVML snapshot (docs/gpu-snapshot.md).

It is not NVML and knows nothing a snapshot does not hold. It serves a snapshot back through the
pynvml function names that ``gpu_snapshot.collect()`` calls, with pynvml 13.x's signatures, return
types and constants, so collect() can be run without a GPU:

- a snapshot value ``"ERR:<name>"`` is raised as ``NVMLError`` whose ``str()`` is ``<name>`` (what
  pynvml's NVMLError.__str__ prints for that NVML return code);
- arguments are checked against the real NVML constants (a wrong ECC counter type or temperature
  sensor raises NVML_ERROR_INVALID_ARGUMENT instead of quietly answering), so a collector calling
  NVML wrongly does not round-trip;
- like pynvml 13.x, it has ``nvmlDeviceGetNvLinkRemotePciInfo`` but no ``..._v2`` Python wrapper,
  ``NVML_NVLINK_MAX_LINKS`` is 36, strings come back as ``str`` and PCI bus ids as ``bytes`` (a
  ctypes ``char[32]`` field);
- nvmlDeviceGetFieldValues answers the scoped NVLink fields DL_REPLAY/DL_RECOVERY/DL_CRC (161-163) from a
  link's dl_replay/dl_recovery/dl_crc, and NVML_ERROR_NOT_SUPPORTED (per field) where the snapshot has no
  such counter (older recordings: crc_flit, crc_data, ecc_data); collect() then falls back to
  nvmlDeviceGetNvLinkErrorCounter, which answers those;
- every call is recorded in ``calls`` as ``(name, args)``.

``FakeSysfs`` lays out the sysfs files collect() reads (/sys/bus/pci/devices/<bdf> links, numa_node,
/sys/class/infiniband/<nic>/device, /sys/module/nvidia/version) under a temporary root, from the same
snapshot.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import os

# pynvml 13.x constants (nvml.h values)
NVML_SUCCESS = 0
ERROR_CODES = {
    "Uninitialized": 1,
    "Invalid Argument": 2,
    "Not Supported": 3,
    "Insufficient Permissions": 4,
    "Already Initialized": 5,
    "Not Found": 6,
    "Insufficient Size": 7,
    "Insufficient External Power": 8,
    "Driver Not Loaded": 9,
    "Timeout": 10,
    "Interrupt Request Issue": 11,
    "NVML Shared Library Not Found": 12,
    "Function Not Found": 13,
    "Corrupted infoROM": 14,
    "GPU is lost": 15,
    "GPU requires restart": 16,
    "The operating system has blocked the request.": 17,
    "RM has detected an NVML/RM version mismatch.": 18,
    "Insufficient Memory": 20,
    "Unknown Error": 999,
}


class NVMLError(Exception):
    """Like pynvml.NVMLError: carries the NVML return code in ``value``; ``str()`` is NVML's text."""

    _text = dict((code, text) for text, code in ERROR_CODES.items())

    def __init__(self, value, text=None):
        super(NVMLError, self).__init__(value)
        self.value = value
        self.text = text

    def __str__(self):
        if self.text is not None:
            return self.text
        return self._text.get(self.value, "NVML Error with code %d" % self.value)


def error_from(value):
    """The NVMLError a recorded "ERR:<name>" stands for (names NVML does not have keep their text)."""
    name = value[4:]
    return NVMLError(ERROR_CODES.get(name, 999), text=None if name in ERROR_CODES else name)


class nvmlPciInfo_t(ctypes.Structure):  # pylint: disable=invalid-name
    """The fields collect() reads of pynvml's nvmlPciInfo_t (busId is char[32]: reads back as bytes)."""
    _fields_ = [("busId", ctypes.c_char * 32)]


class c_nvmlMemory_t(ctypes.Structure):  # pylint: disable=invalid-name
    _fields_ = [("total", ctypes.c_ulonglong), ("free", ctypes.c_ulonglong), ("used", ctypes.c_ulonglong)]


class c_nvmlGpuFabricInfo_t(ctypes.Structure):  # pylint: disable=invalid-name
    """pynvml 13.x layout."""
    _fields_ = [("clusterUuid", ctypes.c_uint8 * 16), ("status", ctypes.c_uint), ("cliqueId", ctypes.c_uint32),
                ("state", ctypes.c_uint)]


class c_nvmlValue_t(ctypes.Union):  # pylint: disable=invalid-name
    _fields_ = [("dVal", ctypes.c_double), ("uiVal", ctypes.c_uint), ("ulVal", ctypes.c_ulong),
                ("ullVal", ctypes.c_ulonglong), ("sllVal", ctypes.c_longlong), ("siVal", ctypes.c_int),
                ("usVal", ctypes.c_ushort)]


class c_nvmlFieldValue_t(ctypes.Structure):  # pylint: disable=invalid-name
    _fields_ = [("fieldId", ctypes.c_uint32), ("scopeId", ctypes.c_uint32), ("timestamp", ctypes.c_int64),
                ("latencyUsec", ctypes.c_int64), ("valueType", ctypes.c_uint), ("nvmlReturn", ctypes.c_uint),
                ("value", c_nvmlValue_t)]


class FakeHandle(object):
    def __init__(self, index):
        self.index = index

    def __repr__(self):
        return "<FakeHandle %d>" % self.index


class FakePynvml(object):
    """A pynvml stand-in serving ``snapshot``. ``init_error`` (an NVML error text such as
    "NVML Shared Library Not Found") makes nvmlInit raise it."""

    NVMLError = NVMLError
    c_nvmlGpuFabricInfo_t = c_nvmlGpuFabricInfo_t

    NVML_NVLINK_MAX_LINKS = 36
    NVML_MEMORY_ERROR_TYPE_CORRECTED = 0
    NVML_MEMORY_ERROR_TYPE_UNCORRECTED = 1
    NVML_VOLATILE_ECC = 0
    NVML_AGGREGATE_ECC = 1
    NVML_TEMPERATURE_GPU = 0
    NVML_TEMPERATURE_THRESHOLD_SHUTDOWN = 0
    NVML_TEMPERATURE_THRESHOLD_SLOWDOWN = 1
    NVLINK_COUNTERS = {0: "dl_replay", 1: "dl_recovery", 2: "crc_flit", 3: "crc_data", 4: "ecc_data"}
    P2P_INDEXES = {0: "read", 1: "write", 2: "nvlink", 3: "atomics"}

    def __init__(self, snapshot, init_error=None):
        self.snapshot = snapshot
        self.init_error = init_error
        self.calls = []
        self.initialized = False

    # -- plumbing ---------------------------------------------------------------------------------
    def _record(self, name, *args):
        self.calls.append((name, args))
        if name not in ("nvmlInit", "nvmlShutdown") and not self.initialized:
            raise NVMLError(ERROR_CODES["Uninitialized"])

    @staticmethod
    def _value(value):
        if isinstance(value, str) and value.startswith("ERR:"):
            raise error_from(value)
        return value

    def _gpu(self, handle):
        if not isinstance(handle, FakeHandle):
            raise NVMLError(ERROR_CODES["Invalid Argument"])
        return self.snapshot["gpus"][handle.index]

    def _link(self, handle, link):
        links = dict((l["link"], l) for l in self._gpu(handle).get("nvlinks", []))
        if link not in links:
            # nvmlDeviceGetNvLinkState & co.: NVML_ERROR_INVALID_ARGUMENT for a link the GPU does not have
            raise NVMLError(ERROR_CODES["Invalid Argument"])
        entry = links[link]
        self._value(entry.get("state"))
        return entry

    # -- library ----------------------------------------------------------------------------------
    def nvmlInit(self):  # pylint: disable=invalid-name
        self._record("nvmlInit")
        if self.init_error is not None:
            raise NVMLError(ERROR_CODES.get(self.init_error, 999), text=None if self.init_error in ERROR_CODES
                            else self.init_error)
        self.initialized = True

    def nvmlShutdown(self):  # pylint: disable=invalid-name
        self._record("nvmlShutdown")
        if not self.initialized:
            raise NVMLError(ERROR_CODES["Uninitialized"])
        self.initialized = False

    def nvmlSystemGetDriverVersion(self):  # pylint: disable=invalid-name
        self._record("nvmlSystemGetDriverVersion")
        return self._value(self.snapshot["driver_version"])

    def nvmlSystemGetCudaDriverVersion_v2(self):  # pylint: disable=invalid-name
        self._record("nvmlSystemGetCudaDriverVersion_v2")
        return self._value(self.snapshot["cuda_driver_version"])

    def nvmlSystemGetNVMLVersion(self):  # pylint: disable=invalid-name
        self._record("nvmlSystemGetNVMLVersion")
        if self.snapshot.get("nvml_version") is None:
            raise NVMLError(ERROR_CODES["Function Not Found"])
        return self._value(self.snapshot["nvml_version"])

    def nvmlDeviceGetCount(self):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetCount")
        return len(self.snapshot["gpus"])

    def nvmlDeviceGetHandleByIndex(self, index):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetHandleByIndex", index)
        if not 0 <= index < len(self.snapshot["gpus"]):
            raise NVMLError(ERROR_CODES["Invalid Argument"])
        self._value(self.snapshot["gpus"][index].get("handle_error"))
        return FakeHandle(index)

    # -- per GPU ----------------------------------------------------------------------------------
    def nvmlDeviceGetPciInfo(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetPciInfo", handle)
        info = nvmlPciInfo_t()
        info.busId = self._value(self._gpu(handle)["pci_bus_id"]).encode()
        return info

    def nvmlDeviceGetMemoryInfo(self, handle, version=None):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetMemoryInfo", handle)
        mem = c_nvmlMemory_t()
        mem.total = self._value(self._gpu(handle)["memory_total"])
        mem.used = 4 * 1024 * 1024
        mem.free = mem.total - mem.used
        return mem

    def nvmlDeviceGetNumaNodeId(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetNumaNodeId", handle)
        g = self._gpu(handle)
        if g.get("numa_source") != "nvml":
            raise NVMLError(ERROR_CODES["Not Supported"])  # the snapshot came from sysfs or nowhere
        return g["numa_node"]

    def nvmlDeviceGetCpuAffinity(self, handle, cpuSetSize):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetCpuAffinity", handle, cpuSetSize)
        cpus = self._gpu(handle).get("cpu_affinity")
        if not cpus:
            raise NVMLError(ERROR_CODES["Not Supported"])
        words = (ctypes.c_ulonglong * cpuSetSize)()
        for cpu in cpus:
            if cpu // 64 < cpuSetSize:  # NVML fills only the cpuSetSize words it was given
                words[cpu // 64] |= 1 << (cpu % 64)
        return words

    def nvmlDeviceGetEnforcedPowerLimit(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetEnforcedPowerLimit", handle)
        return self._value(self._gpu(handle)["power_limit"]["enforced"])

    def nvmlDeviceGetPowerManagementDefaultLimit(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetPowerManagementDefaultLimit", handle)
        return self._value(self._gpu(handle)["power_limit"]["default"])

    def nvmlDeviceGetPowerManagementLimitConstraints(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetPowerManagementLimitConstraints", handle)
        power = self._gpu(handle)["power_limit"]
        return [self._value(power["min"]), self._value(power["max"])]

    def nvmlDeviceGetNvLinkState(self, handle, link):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetNvLinkState", handle, link)
        return self._link(handle, link)["state"]

    def nvmlDeviceGetNvLinkRemotePciInfo(self, handle, link):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetNvLinkRemotePciInfo", handle, link)
        info = nvmlPciInfo_t()
        info.busId = self._value(self._link(handle, link)["remote_pci"]).encode()
        return info

    def nvmlDeviceGetNvLinkVersion(self, handle, link):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetNvLinkVersion", handle, link)
        return self._value(self._link(handle, link)["version"])

    def nvmlDeviceGetNvLinkRemoteDeviceType(self, handle, link):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetNvLinkRemoteDeviceType", handle, link)
        return self._value(self._link(handle, link)["remote_type"])

    def nvmlDeviceGetNvLinkErrorCounter(self, handle, link, counter):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetNvLinkErrorCounter", handle, link, counter)
        errors = self._link(handle, link).get("errors") or {}
        if counter not in self.NVLINK_COUNTERS:
            raise NVMLError(ERROR_CODES["Invalid Argument"])
        if self.NVLINK_COUNTERS[counter] not in errors:
            raise NVMLError(ERROR_CODES["Not Supported"])
        return self._value(errors[self.NVLINK_COUNTERS[counter]])

    # NVML field ids of the scoped (per-link) NVLink error counters, and the snapshot counter each one is
    NVLINK_FIELDS = {161: "dl_replay", 162: "dl_recovery", 163: "dl_crc"}

    def nvmlDeviceGetFieldValues(self, handle, fieldIds):  # pylint: disable=invalid-name
        """Like pynvml: fieldIds are ids or (id, scopeId) pairs; each value carries its own nvmlReturn.
        A field the snapshot does not hold (older recordings have crc_flit/crc_data/ecc_data, not dl_crc)
        answers NVML_ERROR_NOT_SUPPORTED in its nvmlReturn, as NVML does for a field it lacks."""
        self._record("nvmlDeviceGetFieldValues", handle, tuple(fieldIds))
        values = (c_nvmlFieldValue_t * len(fieldIds))()
        for i, field in enumerate(fieldIds):
            fid, scope = field if isinstance(field, tuple) else (field, 0)
            values[i].fieldId, values[i].scopeId = fid, scope
            name = self.NVLINK_FIELDS.get(fid)
            try:
                value = self._value((self._link(handle, scope).get("errors") or {})[name]) if name else None
            except (NVMLError, KeyError):
                value = None
            if value is None:
                values[i].nvmlReturn = ERROR_CODES["Not Supported"]
            else:
                values[i].valueType, values[i].value.ullVal = 3, value  # NVML_VALUE_TYPE_UNSIGNED_LONG_LONG
        return values

    def nvmlDeviceGetGpuFabricInfo(self, handle, info_ref):  # pylint: disable=invalid-name
        """Fills the c_nvmlGpuFabricInfo_t passed by reference (ctypes.byref), as pynvml does."""
        self._record("nvmlDeviceGetGpuFabricInfo", handle)
        fabric = self._value(self._gpu(handle)["fabric"])
        info = info_ref._obj  # pylint: disable=protected-access  # the structure behind ctypes.byref()
        info.state = fabric["state"]
        info.status = fabric["status"]
        return NVML_SUCCESS

    def nvmlDeviceGetCurrentClocksEventReasons(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetCurrentClocksEventReasons", handle)
        return self._value(self._gpu(handle)["clock_event_reasons"])

    def nvmlDeviceGetCurrentClocksThrottleReasons(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetCurrentClocksThrottleReasons", handle)
        return self._value(self._gpu(handle)["clock_event_reasons"])

    def nvmlDeviceGetCudaComputeCapability(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetCudaComputeCapability", handle)
        return tuple(self._value(self._gpu(handle)["compute_capability"]))

    def nvmlDeviceGetMigMode(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetMigMode", handle)
        return list(self._value(self._gpu(handle)["mig_mode"]))

    def nvmlDeviceGetEccMode(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetEccMode", handle)
        return list(self._value(self._gpu(handle)["ecc_mode"]))

    def nvmlDeviceGetRemappedRows(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetRemappedRows", handle)
        return tuple(self._value(self._gpu(handle)["remapped_rows"]))

    def nvmlDeviceGetName(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetName", handle)
        return self._value(self._gpu(handle)["name"])

    def nvmlDeviceGetUUID(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetUUID", handle)
        return self._value(self._gpu(handle)["uuid"])

    def nvmlDeviceGetPersistenceMode(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetPersistenceMode", handle)
        return self._value(self._gpu(handle)["persistence_mode"])

    def nvmlDeviceGetPowerUsage(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetPowerUsage", handle)
        return self._value(self._gpu(handle)["power_usage"])

    def nvmlDeviceGetTotalEccErrors(self, handle, errorType, counterType):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetTotalEccErrors", handle, errorType, counterType)
        if errorType != self.NVML_MEMORY_ERROR_TYPE_UNCORRECTED or counterType not in (0, 1):
            # a snapshot holds uncorrected counts only: any other question is answered as NVML would a bad one
            raise NVMLError(ERROR_CODES["Invalid Argument"])
        key = "ecc_uncorrected_volatile" if counterType == self.NVML_VOLATILE_ECC else "ecc_uncorrected_aggregate"
        return self._value(self._gpu(handle)[key])

    def nvmlDeviceGetRetiredPagesPendingStatus(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetRetiredPagesPendingStatus", handle)
        return self._value(self._gpu(handle)["retired_pages_pending"])

    def nvmlDeviceGetTemperature(self, handle, sensor):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetTemperature", handle, sensor)
        if sensor != self.NVML_TEMPERATURE_GPU:
            raise NVMLError(ERROR_CODES["Invalid Argument"])
        return self._value(self._gpu(handle)["temperature"])

    def nvmlDeviceGetTemperatureThreshold(self, handle, threshold):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetTemperatureThreshold", handle, threshold)
        if threshold != self.NVML_TEMPERATURE_THRESHOLD_SLOWDOWN:
            raise NVMLError(ERROR_CODES["Invalid Argument"])
        return self._value(self._gpu(handle)["temperature_slowdown"])

    def nvmlDeviceGetCurrPcieLinkGeneration(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetCurrPcieLinkGeneration", handle)
        return self._value(self._gpu(handle)["pcie"]["gen"])

    def nvmlDeviceGetGpuMaxPcieLinkGeneration(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetGpuMaxPcieLinkGeneration", handle)
        return self._value(self._gpu(handle)["pcie"]["gen_max"])

    def nvmlDeviceGetCurrPcieLinkWidth(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetCurrPcieLinkWidth", handle)
        return self._value(self._gpu(handle)["pcie"]["width"])

    def nvmlDeviceGetMaxPcieLinkWidth(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetMaxPcieLinkWidth", handle)
        return self._value(self._gpu(handle)["pcie"]["width_max"])

    def nvmlDeviceGetPcieReplayCounter(self, handle):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetPcieReplayCounter", handle)
        return self._value(self._gpu(handle)["pcie"]["replay_counter"])

    # -- GPU pairs --------------------------------------------------------------------------------
    def _pair(self, a, b):
        self._gpu(a)
        self._gpu(b)
        pair = self.snapshot["pairs"].get("%d-%d" % (a.index, b.index))
        if pair is None:
            raise NVMLError(ERROR_CODES["Invalid Argument"])
        return pair

    def nvmlDeviceGetTopologyCommonAncestor(self, device1, device2):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetTopologyCommonAncestor", device1, device2)
        return self._value(self._pair(device1, device2)["ancestor"])

    def nvmlDeviceGetP2PStatus(self, device1, device2, p2pIndex):  # pylint: disable=invalid-name
        self._record("nvmlDeviceGetP2PStatus", device1, device2, p2pIndex)
        if p2pIndex not in self.P2P_INDEXES:
            raise NVMLError(ERROR_CODES["Invalid Argument"])
        return self._value(self._pair(device1, device2)["p2p"][self.P2P_INDEXES[p2pIndex]])


class FakeSysfs(object):
    """The sysfs files collect() reads, laid out under ``root`` from a snapshot's ``sysfs`` section:
    /sys/devices/... directories (with numa_node), /sys/bus/pci/devices/<bdf> links to them,
    /sys/class/infiniband/<nic>/device links, and /sys/module/nvidia/version."""

    def __init__(self, root, snapshot, kernel_module_version=None):
        self.root = os.path.realpath(str(root))
        numa_by_bdf = {}
        for g in snapshot["gpus"]:
            bus = g.get("pci_bus_id")
            if isinstance(bus, str) and not bus.startswith("ERR:"):
                domain, rest = bus.split(":", 1)
                numa_by_bdf[("%04x:%s" % (int(domain, 16) & 0xFFFF, rest)).lower()] = g.get("numa_node")
        sysfs = snapshot.get("sysfs", {})
        for bdf, path in sysfs.get("gpu_paths", {}).items():
            device = self._device(path, numa_by_bdf.get(bdf))
            self._link(device, "bus", "pci", "devices", bdf)
        for nic in sysfs.get("nics", []):
            device = self._device(nic["path"], nic.get("numa_node"))
            self._link(device, "bus", "pci", "devices", nic["pci"])
            os.makedirs(self.path("class", "infiniband", nic["name"]))
            self._link(device, "class", "infiniband", nic["name"], "device")
        version = kernel_module_version or snapshot.get("kernel_module_version")
        if version:
            os.makedirs(self.path("module", "nvidia"))
            with open(self.path("module", "nvidia", "version"), "w") as handle:
                handle.write(version + "\n")

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def _device(self, sys_path, numa):
        assert sys_path.startswith("/sys/devices/"), sys_path
        device = self.path(*sys_path[len("/sys/"):].split("/"))
        if not os.path.isdir(device):
            os.makedirs(device)
        with open(os.path.join(device, "numa_node"), "w") as handle:
            handle.write("%d\n" % (-1 if numa is None else numa))
        return device

    def _link(self, target, *parts):
        link = self.path(*parts)
        if not os.path.isdir(os.path.dirname(link)):
            os.makedirs(os.path.dirname(link))
        if not os.path.lexists(link):
            os.symlink(target, link)

    def to_sys(self, path):
        """A path collect() found under this root, written as on a real node (/sys/...)."""
        assert path.startswith(self.root + os.sep), path
        return "/sys" + path[len(self.root):]
