# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The disk decision over the synthetic storage node (tests/unit/fixtures/lsblk/synthetic-storage-node.json).

Three hosts carry the same synthetic disks; serials and WWNs get the host's number appended so each host's
disks are distinct, as on real hardware.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import block_devices as bd
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import storage_disks as sd

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "fixtures", "lsblk")
HOSTS = ["st1", "st2", "st3"]


def synthetic_disks(host_number):
    with open(os.path.join(FIXTURES, "synthetic-storage-node.json")) as handle:
        disks = bd.collect(handle.read(), sysfs_root=None, by_id_dir=None)["disks"]
    for disk in disks:
        disk["serial"] = "%s%d" % (disk["serial"], host_number)
        disk["wwn"] = "%s%d" % (disk["wwn"], host_number)
    return disks


def serial(name, host_number=1):
    return dict((d["name"], d["serial"]) for d in synthetic_disks(host_number))[name]


def nodes(**per_node):
    """Inputs of the three hosts: each takes nvme1n1 and nvme2n1 by serial unless told otherwise."""
    result = {}
    for number, host in enumerate(HOSTS, 1):
        entry = {"block_devices": {"disks": synthetic_disks(number)},
                 "devices": ["serial:%s" % serial("nvme1n1", number), "serial:%s" % serial("nvme2n1", number)]}
        entry.update(copy.deepcopy(per_node.get(host, {})))
        result[host] = entry
    return result


def test_three_blank_nvme_pairs_are_accepted():
    result = sd.decide(nodes())
    assert result["problems"] == []
    assert result["ok"] is True
    assert result["osd_count"] == 6
    assert result["hosts_with_osds"] == 3
    assert result["wipe_count"] == 0
    st1 = result["nodes"]["st1"]
    assert [o["name"] for o in st1["osds"]] == ["nvme1n1", "nvme2n1"]
    assert st1["rook_devices"] == [{"name": "/dev/nvme1n1"}, {"name": "/dev/nvme2n1"}]
    # No udev links in the synthetic data: Rook gets the path, with a warning
    assert any("no /dev/disk/by-id link" in w for w in result["warnings"])
    # Recorded lsblk only, nothing probed: blank by lsblk alone, said so
    assert any(w.startswith("st1: nvme1n1 (serial S64HNE0T2000011, WWN eui.363447305420000100253845000000011) was not "
                            "probed") for w in result["warnings"])


def test_by_id_and_wwn_selectors_match():
    disks = synthetic_disks(1)
    sdb = [d for d in disks if d["name"] == "nvme1n1"][0]
    sdb["by_id"] = ["/dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_S64HNE0T2000011"]
    assert sd.matches("by_id", sdb["by_id"][0], sdb)
    assert sd.matches("by_id", "/dev/disk/by-id/nvme-OTHER_S64HNE0T2000011", sdb)  # made of the serial
    assert sd.matches("wwn", "eui.36344730542000010025384500000001" + "1", sdb)
    assert not sd.matches("wwn", "0x5000c500a1b2c3011", sdb)
    assert sd.rook_name(sdb) == sdb["by_id"][0]


# Each refusal case: name, per-node inputs, cluster options, text every matching problem must contain.
REFUSALS = [
    ("ext4 filesystem on the disk",
     {"st1": {"devices": ["serial:%s" % serial("sdb"), "serial:%s" % serial("nvme1n1")]}}, {},
     ["st1: sdb (serial ZA1EXT40011, WWN 0x5000c500a1b2c3011) refused: it carries ext4 filesystem"]),
    ("LVM physical volume without volumes",
     {"st1": {"devices": ["serial:%s" % serial("sdd")]}}, {},
     ["st1: sdd (serial ZA1LVMP0031", "refused: it carries LVM physical volume"]),
    ("LVM physical volume with an active volume is in use, never wiped",
     {"st1": {"devices": ["wwn:0x5000c500a1b2c3021"], "wipe_devices": [serial("sdc")]}},
     {"wipe_confirm": [serial("sdc")]},
     ["st1: sdc (serial ZA1LVMA0021", "in use by lvm vg_old-data; it cannot be an OSD and is never wiped"]),
    ("leftover Ceph BlueStore label",
     {"st1": {"devices": ["serial:%s" % serial("sde")]}}, {},
     ["st1: sde (serial ZA1CEPH0041", "it carries Ceph BlueStore label"]),
    ("mounted disk",
     {"st1": {"devices": ["serial:%s" % serial("sdf")]}}, {},
     ["st1: sdf (serial ZA1MNT00051", "mounted at /data"]),
    ("root disk",
     {"st1": {"devices": ["serial:%s" % serial("nvme0n1")]}}, {},
     ["st1: nvme0n1 (serial S665NE0R1000011", "holds the root file system; holds the boot file system"]),
    ("multipath path named by its shared serial matches two disks",
     {"st1": {"devices": ["serial:%s" % serial("sdg")]}}, {},
     ["st1: rook_ceph_devices entry \"serial:F0MPATH00011\" matches several disks (sdg", "sdh"]),
    ("multipath path named by kernel name",
     {"st1": {"devices": ["sdg"], "allow_kernel_names": True}}, {},
     ["st1: sdg (serial F0MPATH00011", "is one path of a multipath device"]),
    ("kernel name on a multi-disk node without acknowledgement",
     {"st1": {"devices": ["nvme1n1", "serial:%s" % serial("nvme2n1")]}}, {},
     ["st1: rook_ceph_devices entry \"nvme1n1\" is a kernel name", "rook_ceph_allow_kernel_names: true; this node has 10 disks"]),
    ("wipe listed by kernel name",
     {"st1": {"wipe_devices": ["sdb"]}}, {},
     ["st1: rook_ceph_wipe_devices entry \"sdb\" refused: disks to wipe are named by serial or WWN, never by kernel name"]),
    ("wipe listed but not confirmed for this run",
     {"st1": {"devices": ["serial:%s" % serial("sdb")], "wipe_devices": [serial("sdb")]}}, {},
     ["st1: sdb (serial ZA1EXT40011", "listed in rook_ceph_wipe_devices, but rook_ceph_wipe_confirm does not name it",
      "-e rook_ceph_wipe_confirm=ZA1EXT40011"]),
    ("wipe confirmation given as a bare yes",
     {"st1": {"devices": ["serial:%s" % serial("sdb")], "wipe_devices": [serial("sdb")]}}, {"wipe_confirm": True},
     ["rook_ceph_wipe_confirm true refused: a yes is not enough"]),
    ("node without any eligible disk (filter matches only disks the system uses)",
     {"st1": {"devices": [], "device_filter": {"nvme_only": True, "max_size": "1TB"}}}, {},
     ["st1: no eligible disk for an OSD (left out: nvme0n1 (holds the root file system; holds the boot file system))"]),
    ("filter takes a disk that holds data",
     {"st1": {"devices": [], "device_filter": {"rotational": True, "min_size": "8TB", "model": "ST8000*"}}}, {},
     ["st1: sdb (serial ZA1EXT40011", "it carries ext4 filesystem"]),
    ("node with nothing chosen",
     {"st2": {"devices": []}}, {},
     ["st2: no disks chosen for Ceph (rook_ceph_devices and rook_ceph_device_filter are both empty)"]),
    ("devices and filter both set",
     {"st2": {"device_filter": {"nvme_only": True}}}, {},
     ["st2: both rook_ceph_devices and rook_ceph_device_filter are set"]),
    ("entry matching no disk",
     {"st3": {"devices": ["wwn:0x5000c500deadbeef"]}}, {},
     ["st3: rook_ceph_devices entry \"wwn:0x5000c500deadbeef\" matches no disk; disks there: nvme0n1 (serial S665NE0R1000013"]),
    ("replicas above the number of hosts",
     {}, {"replicas": 4},
     ["rook_ceph_replicas 4 with failure domain host needs 4 storage nodes, storage_nodes has 3 (st1, st2, st3)"]),
    ("too few hosts with OSD disks",
     {}, {"storage_nodes": ["st1", "st2"], "replicas": 3},
     ["rook_ceph_replicas 3 with failure domain host needs 3 storage nodes, storage_nodes has 2"]),
    ("too few OSDs for failure domain osd",
     {}, {"storage_nodes": ["st1"], "replicas": 3, "failure_domain": "osd"},
     ["rook_ceph_replicas 3 with failure domain osd needs 3 OSD disks, found 2 (per node: st1: 2)"]),
    ("single replica without acknowledgement",
     {}, {"replicas": 1},
     ["rook_ceph_replicas 1 keeps a single copy of the data"]),
    ("bad filter values",
     {"st1": {"devices": [], "device_filter": {"min_size": "lots", "nvme": True}}}, {},
     ["st1: rook_ceph_device_filter has unknown keys nvme", "st1: rook_ceph_device_filter.min_size \"lots\" is not a size"]),
    ("storage node without facts",
     {}, {"storage_nodes": ["st1", "st2", "st3", "st4"]},
     ["st4: in storage_nodes but no storage inputs were given for it"]),
    ("selector that is a by-path name",
     {"st1": {"devices": ["/dev/disk/by-path/pci-0000:01:00.0-nvme-1"]}}, {},
     ["st1: rook_ceph_devices entry \"/dev/disk/by-path/pci-0000:01:00.0-nvme-1\" refused"]),
]


@pytest.mark.parametrize("case,per_node,options,expected", REFUSALS, ids=[c[0] for c in REFUSALS])
def test_refusals(case, per_node, options, expected):
    options = dict(options)
    result = sd.decide(nodes(**per_node), **options)
    assert result["ok"] is False
    text = "\n".join(result["problems"])
    for fragment in expected:
        assert fragment in text, "%r not in:\n%s" % (fragment, text)


def test_all_problems_are_listed_at_once():
    result = sd.decide(nodes(st1={"devices": ["serial:%s" % serial("sdb")]},
                             st2={"devices": ["sdb"]}), replicas=5)
    problems = result["problems"]
    assert any(p.startswith("st1: sdb") for p in problems)
    assert any(p.startswith("st2: rook_ceph_devices entry \"sdb\" is a kernel name") for p in problems)
    assert any(p.startswith("rook_ceph_replicas 5") for p in problems)


def test_wipe_happens_only_with_list_and_confirmation():
    per_node = {"st1": {"devices": ["serial:%s" % serial("sdb"), "serial:%s" % serial("sde")],
                        "wipe_devices": [serial("sdb"), "wwn:0x5000c500a1b2c3041"]}}
    result = sd.decide(nodes(**per_node), wipe_confirm="%s, wwn:0x5000c500a1b2c3041" % serial("sdb"))
    assert result["problems"] == []
    wiped = result["nodes"]["st1"]["wipe"]
    expected = [("sdb", ["ext4 filesystem"]), ("sde", ["Ceph BlueStore label"])]
    assert [(w["name"], w["found"]) for w in wiped] == expected
    assert result["wipe_count"] == 2
    # Nothing else on the other hosts is wiped
    assert result["nodes"]["st2"]["wipe"] == []


def test_confirmation_alone_wipes_nothing():
    result = sd.decide(nodes(st1={"devices": ["serial:%s" % serial("sdb")]}), wipe_confirm=[serial("sdb")])
    assert result["wipe_count"] == 0
    assert any("rook_ceph_wipe_confirm entry" in w and "nothing is wiped" in w for w in result["warnings"])
    assert any(p.startswith("st1: sdb") and "refused: it carries ext4 filesystem" in p for p in result["problems"])


def test_kernel_name_is_accepted_with_a_warning_when_acknowledged():
    result = sd.decide(nodes(st1={"devices": ["/dev/nvme1n1", "serial:%s" % serial("nvme2n1")],
                                  "allow_kernel_names": True}))
    assert result["ok"] is True
    assert any(w.startswith("st1: rook_ceph_devices entry \"/dev/nvme1n1\" is a kernel name") for w in result["warnings"])


def test_kernel_name_on_a_single_disk_node_is_a_warning_only():
    disk = [d for d in synthetic_disks(1) if d["name"] == "nvme1n1"]
    result = sd.decide({"solo": {"block_devices": {"disks": disk}, "devices": ["nvme1n1"]}},
                       replicas=1, allow_single_replica=True)
    assert result["problems"] == []
    assert result["osd_count"] == 1
    assert any("is a kernel name" in w for w in result["warnings"])


def test_filter_takes_blank_nvme_and_leaves_out_the_root_disk():
    flt = {"nvme_only": True, "min_size": "3TB", "max_size": "4TB"}
    result = sd.decide(nodes(**dict((h, {"devices": [], "device_filter": flt}) for h in HOSTS)))
    assert result["ok"] is True
    assert [o["name"] for o in result["nodes"]["st2"]["osds"]] == ["nvme1n1", "nvme2n1"]
    wide = sd.decide(nodes(**dict((h, {"devices": [], "device_filter": {"nvme_only": True}}) for h in HOSTS)))
    assert wide["nodes"]["st1"]["excluded"] == [
        {"disk": "nvme0n1", "serial": "S665NE0R1000011",
         "reason": "holds the root file system; holds the boot file system"}]


SIZES = [(1000, 1000), ("960G", 960 * 10 ** 9), ("3.84TB", 3840 * 10 ** 9), ("3.5TiB", int(3.5 * 2 ** 40)),
         ("512MiB", 512 * 2 ** 20), ("100", 100)]


@pytest.mark.parametrize("text,expected", SIZES)
def test_parse_size(text, expected):
    assert sd.parse_size(text) == expected


@pytest.mark.parametrize("text", ["lots", "-1", True, "1.5XB"])
def test_parse_size_refuses(text):
    with pytest.raises(ValueError):
        sd.parse_size(text)


def test_disk_that_could_not_be_read_is_refused():
    disks = synthetic_disks(1)
    for disk in disks:
        if disk["name"] == "nvme1n1":
            disk["probe_errors"] = ["cannot read its first 4096 bytes: Operation not permitted"]
            disk["blank"] = False
    result = sd.decide(nodes(st1={"block_devices": {"disks": disks}}))
    assert result["ok"] is False
    assert any(p.startswith("st1: nvme1n1 (serial S64HNE0T2000011") and "could not be checked for data "
               "(cannot read its first 4096 bytes: Operation not permitted)" in p for p in result["problems"])
    assert [o["name"] for o in result["nodes"]["st1"]["osds"]] == ["nvme2n1"]


def test_wipe_entry_by_device_path_is_refused():
    result = sd.decide(nodes(st1={"wipe_devices": ["/dev/disk/by-id/wwn-0x5000c500a1b2c3011"]}))
    assert result["problems"] == [
        "st1: rook_ceph_wipe_devices entry \"/dev/disk/by-id/wwn-0x5000c500a1b2c3011\" refused: disks to wipe are "
        "named by serial or WWN, never by kernel name or path; fix: name the disk by its serial or WWN "
        "(lsblk -o NAME,SERIAL,WWN)"]


def recorded_gpu_vm():
    with open(os.path.join(FIXTURES, "gpu-h200-vm-virtio.json")) as handle:
        return bd.collect(handle.read(), sysfs_root=None, by_id_dir=None)


def test_recorded_gpu_vm_has_no_eligible_disk_for_a_filter():
    result = sd.decide({"gpu1": {"block_devices": recorded_gpu_vm(), "device_filter": {"min_size": 1}}},
                       replicas=1, allow_single_replica=True)
    assert result["problems"] == [
        "gpu1: no eligible disk for an OSD (left out: vda (holds the root file system); vdb (mounted at "
        "/usr/local/nvidia; is read-only)); fix: add a blank disk or widen the selection",
        "rook_ceph_replicas 1 with failure domain host needs OSD disks on 1 hosts, found them on 0 "
        "(OSD disks per node: gpu1: 0)"]


def test_recorded_gpu_vm_driver_disk_named_by_kernel_name_is_refused():
    result = sd.decide({"gpu1": {"block_devices": recorded_gpu_vm(), "devices": ["vdb"], "allow_kernel_names": True}},
                       replicas=1, allow_single_replica=True)
    assert result["problems"][0] == (
        "gpu1: vdb (no serial or WWN) refused: mounted at /usr/local/nvidia; is read-only; it cannot be an OSD and "
        "is never wiped; fix: remove it from rook_ceph_devices")
    assert len(result["problems"]) == 2


# --- the wipe, checked again just before it (wipe_targets) ---------------------------------------------------------

def _planned(name, **changes):
    disk = [d for d in synthetic_disks(1) if d["name"] == name][0]
    return dict({"name": disk["name"], "path": disk["path"], "serial": disk["serial"], "wwn": disk["wwn"]}, **changes)


def _moved(disks, name, path):
    for disk in disks:
        if disk["name"] == name:
            disk["path"] = path
    return disks


# (id, planned wipes, fresh disks, paths to wipe, text every problem list must contain)
WIPE_NOW = [
    ("the ext4 disk, unchanged", [_planned("sdb")], synthetic_disks(1), ["/dev/sdb"], []),
    ("named by WWN only", [_planned("sde", serial=None)], synthetic_disks(1), ["/dev/sde"], []),
    ("gone", [_planned("sdb")], [d for d in synthetic_disks(1) if d["name"] != "sdb"], [], ["not found on the node now"]),
    ("moved", [_planned("sdb")], _moved(synthetic_disks(1), "sdb", "/dev/sdx"), [], ["moved from /dev/sdb to /dev/sdx"]),
    ("mounted since", [_planned("sdf")], synthetic_disks(1), [], ["is in use now (mounted at /data)"]),
    ("no identity", [_planned("sdb", serial=None, wwn=None)], synthetic_disks(1), [], ["has no serial or WWN"]),
    ("no fresh result", [_planned("sdb")], None, [], ["no fresh block_devices_info result"]),
]


@pytest.mark.parametrize("planned,fresh,paths,expected", [c[1:] for c in WIPE_NOW], ids=[c[0] for c in WIPE_NOW])
def test_wipe_targets_are_checked_again_before_the_wipe(planned, fresh, paths, expected):
    result = sd.wipe_targets("st1", planned, {"disks": fresh} if fresh is not None else None)
    assert [t["path"] for t in result["targets"]] == paths
    text = "\n".join(result["problems"])
    assert (text == "") == (not expected)
    for part in expected:
        assert part in text, text
    for target in result["targets"]:
        assert target["found"] and target["size"] % 512 == 0
