# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""GPU interconnect topology from a snapshot, with `nvidia-smi topo -m` semantics.

Cells: X (the GPU itself), NV# (bonded NVLinks; through NVSwitch every GPU pair on the fabric
shows its own active link count), PIX (at most one PCIe switch), PXB (several PCIe switches, no host
bridge), PHB (through a PCIe host bridge, the CPU), NODE (between host bridges of one NUMA node),
SYS (across NUMA nodes / the SMP interconnect).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.privateai.deepseek_dify.plugins.module_utils.gpu_snapshot import (
    NVSWITCH_PCI, is_error, sysfs_bus_id)

# nvmlDeviceGetTopologyCommonAncestor levels
ANCESTOR_CELL = {0: "PIX", 10: "PIX", 20: "PXB", 30: "PHB", 40: "NODE", 50: "SYS"}
P2P_STATUS = {0: "OK", 1: "CHIPSET_NOT_SUPPORTED", 2: "GPU_NOT_SUPPORTED", 3: "IOH_TOPOLOGY_NOT_SUPPORTED",
              4: "DISABLED_BY_REGKEY", 5: "NOT_SUPPORTED", 6: "UNKNOWN"}
REMOTE_TYPE = {0: "GPU", 1: "IBMNPU", 2: "SWITCH"}
FABRIC_STATE = {0: "NOT_SUPPORTED", 1: "NOT_STARTED", 2: "IN_PROGRESS", 3: "COMPLETED"}


def _norm_pci(bus_id):
    return (bus_id or "").upper()


def active_links(gpu):
    """NVLinks of a GPU that NVML reports active (state 1)."""
    return [l for l in gpu.get("nvlinks", []) if l.get("state") == 1]


def is_switch_link(link):
    return link.get("remote_type") == 2 or _norm_pci(link.get("remote_pci")) == NVSWITCH_PCI


def nvlink_counts(snapshot):
    """{(i, j): links} for every ordered GPU pair joined by active NVLinks, directly or through NVSwitch."""
    gpus = snapshot["gpus"]
    by_bus = dict((_norm_pci(g.get("pci_bus_id")), g["index"]) for g in gpus)
    switch = {}
    direct = {}
    for g in gpus:
        switch[g["index"]] = 0
        for link in active_links(g):
            if is_switch_link(link):
                switch[g["index"]] += 1
            else:
                peer = by_bus.get(_norm_pci(link.get("remote_pci")))
                if peer is not None and peer != g["index"]:
                    direct[(g["index"], peer)] = direct.get((g["index"], peer), 0) + 1
    counts = {}
    for a in gpus:
        for b in gpus:
            i, j = a["index"], b["index"]
            if i == j:
                continue
            n = direct.get((i, j), 0)
            if switch[i] and switch[j]:
                n += min(switch[i], switch[j])
            if n:
                counts[(i, j)] = n
    return counts


def gpu_cell(snapshot, i, j, counts=None):
    if i == j:
        return "X"
    counts = nvlink_counts(snapshot) if counts is None else counts
    if counts.get((i, j)):
        return "NV%d" % counts[(i, j)]
    pair = snapshot["pairs"].get("%d-%d" % (i, j), {})
    return ANCESTOR_CELL.get(pair.get("ancestor"), "SYS" if pair else "?")


def _pci_chain(path):
    """/sys/devices/pci0000:00/0000:00:01.0/0000:02:00.0 -> ('pci0000:00', ['0000:00:01.0', '0000:02:00.0'])"""
    parts = [p for p in (path or "").split("/") if p]
    for k, part in enumerate(parts):
        if part.startswith("pci"):
            return part, parts[k + 1:]
    return None, parts


def pci_cell(path_a, path_b, numa_a, numa_b):
    """PCIe relation of two devices from their sysfs paths, in nvidia-smi terms ("?" when a path is unknown)."""
    if not path_a or not path_b:
        return "?"
    root_a, chain_a = _pci_chain(path_a)
    root_b, chain_b = _pci_chain(path_b)
    if root_a is None or root_b is None:
        return "SYS"
    if root_a != root_b:
        return "NODE" if numa_a is not None and numa_a == numa_b else "SYS"
    common = 0
    for x, y in zip(chain_a[:-1], chain_b[:-1]):
        if x != y:
            break
        common += 1
    if common == 0:
        return "PHB"  # only the host bridge (root complex) is shared
    # bridges below the deepest shared one, on each side (the devices themselves excluded). How deep
    # that shared bridge sits does not matter: two devices on the downstream ports of a leaf switch
    # that hangs below another switch traverse only the leaf switch (NVML_TOPOLOGY_SINGLE, PIX), as
    # GPU and NIC under one leaf PLX switch of a DGX-2 show in nvidia-smi topo -m.
    below = (len(chain_a) - 1 - common) + (len(chain_b) - 1 - common)
    return "PIX" if below <= 2 else "PXB"


def nic_columns(snapshot):
    """{gpu index: {nic name: cell}} from sysfs PCI paths (GPU to RDMA NIC affinity)."""
    paths = snapshot.get("sysfs", {}).get("gpu_paths", {})
    result = {}
    for g in snapshot["gpus"]:
        if is_error(g.get("pci_bus_id", "ERR:")):
            continue
        gpath = paths.get(sysfs_bus_id(g["pci_bus_id"]))
        result[g["index"]] = dict(
            (nic["name"], pci_cell(gpath, nic.get("path"), g.get("numa_node"), nic.get("numa_node")))
            for nic in snapshot.get("sysfs", {}).get("nics", []))
    return result


def islands(snapshot, counts=None):
    """Groups of GPUs connected by NVLink (each GPU alone when it has none), sorted."""
    counts = nvlink_counts(snapshot) if counts is None else counts
    parent = dict((g["index"], g["index"]) for g in snapshot["gpus"])

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for (i, j) in counts:
        parent[find(i)] = find(j)
    groups = {}
    for g in snapshot["gpus"]:
        groups.setdefault(find(g["index"]), []).append(g["index"])
    return sorted(sorted(v) for v in groups.values())


def cpus_text(cpus):
    if not cpus:
        return "N/A"
    cpus = sorted(cpus)
    ranges, start, prev = [], cpus[0], cpus[0]
    for c in cpus[1:] + [None]:
        if c is not None and c == prev + 1:
            prev = c
            continue
        ranges.append("%d-%d" % (start, prev) if start != prev else "%d" % start)
        if c is not None:
            start = prev = c
    return ",".join(ranges)


def topology(snapshot):
    """Everything nvlink_topology returns, from one snapshot."""
    gpus = snapshot["gpus"]
    counts = nvlink_counts(snapshot)
    nics = nic_columns(snapshot)
    nic_names = [n["name"] for n in snapshot.get("sysfs", {}).get("nics", [])]
    matrix = {}
    for a in gpus:
        row = dict(("GPU%d" % b["index"], gpu_cell(snapshot, a["index"], b["index"], counts)) for b in gpus)
        for k, name in enumerate(nic_names):
            # "?" like a GPU pair NVML could not relate: a GPU without a PCI bus id (lost) has no sysfs path
            row["NIC%d" % k] = nics.get(a["index"], {}).get(name, "?")
        matrix["GPU%d" % a["index"]] = row
    links = {}
    for g in gpus:
        links["GPU%d" % g["index"]] = [
            dict(link=l["link"], state="active" if l.get("state") == 1 else ("inactive" if l.get("state") == 0 else l.get("state")),
                 version=l.get("version"), remote_pci=l.get("remote_pci"),
                 remote_type=REMOTE_TYPE.get(l.get("remote_type"), "SWITCH" if is_switch_link(l) else l.get("remote_type")),
                 errors=l.get("errors", {}))
            for l in g.get("nvlinks", []) if not is_error(l.get("state"))]
    p2p = {}
    for key, pair in sorted(snapshot["pairs"].items()):
        i, j = key.split("-")
        p2p["GPU%s-GPU%s" % (i, j)] = dict(
            (cap, P2P_STATUS.get(v, v) if not is_error(v) else v) for cap, v in sorted(pair.get("p2p", {}).items()))
    nvswitch = any(is_switch_link(l) for g in gpus for l in active_links(g))
    fabric = dict(("GPU%d" % g["index"], FABRIC_STATE.get(g["fabric"]["state"], g["fabric"]["state"])
                   if isinstance(g.get("fabric"), dict) else g.get("fabric")) for g in gpus)
    result = {
        "gpu_count": len(gpus),
        "matrix": matrix,
        "nvlink_counts": dict(("GPU%d-GPU%d" % k, v) for k, v in sorted(counts.items())),
        "links": links,
        "p2p": p2p,
        "nvswitch": nvswitch,
        "fabric_state": fabric,
        "islands": [["GPU%d" % i for i in island] for island in islands(snapshot, counts)],
        "nics": nic_names,
        "cpu_affinity": dict(("GPU%d" % g["index"], cpus_text(g.get("cpu_affinity"))) for g in gpus),
        "numa_affinity": dict(("GPU%d" % g["index"], g.get("numa_node")) for g in gpus),
    }
    result["matrix_text"] = render_text(result)
    result["shape"] = shape(result)
    return result


def render_text(topo):
    """The matrix as nvidia-smi prints it: GPU and NIC columns, CPU and NUMA affinity, and a legend."""
    gpus = sorted(topo["matrix"], key=lambda name: int(name[3:]))
    cols = gpus + ["NIC%d" % k for k in range(len(topo["nics"]))]
    lines = ["\t" + "\t".join(cols) + "\tCPU Affinity\tNUMA Affinity"]
    for g in gpus:
        numa = topo["numa_affinity"].get(g)
        cells = "\t".join(" X " if topo["matrix"][g][c] == "X" else topo["matrix"][g][c] for c in cols)
        lines.append("%s\t%s\t%s\t%s" % (g, cells, topo["cpu_affinity"].get(g), "N/A" if numa is None else numa))
    for k, name in enumerate(topo["nics"]):
        lines.append("NIC%d: %s" % (k, name))
    lines.append("Legend: X = self, NV# = # bonded NVLinks, PIX/PXB = one/several PCIe switches, "
                 "PHB = PCIe host bridge, NODE = within a NUMA node, SYS = across NUMA nodes")
    return "\n".join(lines)


def shape(topo):
    """A node-independent description of the NVLink shape, for cross-node comparison:
    GPU count, NVSwitch or not, and the sorted multiset of GPU-GPU cells."""
    cells = sorted(topo["matrix"][a][b] for a in topo["matrix"] for b in topo["matrix"][a]
                   if b.startswith("GPU") and a != b)
    summary = {}
    for c in cells:
        summary[c] = summary.get(c, 0) + 1
    return "%d GPU%s%s: %s" % (topo["gpu_count"], "" if topo["gpu_count"] == 1 else "s",
                               " via NVSwitch" if topo["nvswitch"] else "",
                               ", ".join("%s x%d" % (c, n) for c, n in sorted(summary.items())) or "no peers")


def check_expectations(topo, expect_gpu_count=None, expect_fully_connected=False, expect_min_nvlinks_per_pair=None):
    """Problems, each naming the GPU pair (or count) and what was found."""
    problems = []
    if expect_gpu_count is not None and topo["gpu_count"] != expect_gpu_count:
        problems.append("expected %d GPUs, found %d" % (expect_gpu_count, topo["gpu_count"]))
    names = sorted(topo["matrix"], key=lambda n: int(n[3:]))
    for x, a in enumerate(names):
        for b in names[x + 1:]:
            cell = topo["matrix"][a][b]
            links = topo["nvlink_counts"].get("%s-%s" % (a, b), 0)
            if expect_fully_connected and not cell.startswith("NV"):
                problems.append("%s-%s: not connected by NVLink (found %s)" % (a, b, cell))
            elif expect_min_nvlinks_per_pair and links < expect_min_nvlinks_per_pair:
                problems.append("%s-%s: %d NVLinks, expected at least %d (found %s)"
                                % (a, b, links, expect_min_nvlinks_per_pair, cell))
    return problems


def parse_nvidia_smi_topo(text):
    """The GPU and NIC cells of `nvidia-smi topo -m` output: {"GPU0": {"GPU0": "X", "GPU1": "NV18", "NIC0": "PIX"}}."""
    import re  # pylint: disable=import-outside-toplevel
    clean = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = [l for l in clean.splitlines() if l.strip()]
    if not lines:
        return {}
    header = [h.strip() for h in lines[0].split("\t") if h.strip()]
    cols = [h for h in header if re.match(r"^(GPU|NIC)\d+$", h)]
    result = {}
    for line in lines[1:]:
        fields = [f.strip() for f in line.split("\t")]
        if not fields or not re.match(r"^GPU\d+$", fields[0]):
            continue
        result[fields[0]] = dict(zip(cols, fields[1:1 + len(cols)]))
    return result
