# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Disaster recovery in the storage render: RBD mirroring of the block pool (rook_ceph_rbd_mirroring)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_storage as ks

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from test_k8s_storage import defaults, nodes, values  # noqa: E402  (the storage stage's own test helpers)

MIRRORING = {"enabled": True, "mode": "image", "snapshot_interval": "15m", "peer_secrets": ["site-b-bootstrap"],
             "daemons": 2}


def test_off_by_default():
    result = ks.rook_ceph_stage(defaults(), nodes(3), None)
    pool = values(result, "rook-ceph-cluster")["cephBlockPools"][0]["spec"]
    assert "mirroring" not in pool
    assert [m for m in result["stage"]["manifests"] if m["definition"]["kind"] == "CephRBDMirror"] == []
    disabled = ks.rook_ceph_stage(defaults(rook_ceph_rbd_mirroring={"enabled": False, "mode": "bad"}), nodes(3), None)
    assert disabled["problems"] == [] and "mirroring" not in values(disabled, "rook-ceph-cluster")["cephBlockPools"][0]["spec"]


def test_mirroring_reaches_the_block_pool_and_the_daemons():
    result = ks.rook_ceph_stage(defaults(rook_ceph_rbd_mirroring=MIRRORING), nodes(3), None)
    assert result["problems"] == []
    pool = values(result, "rook-ceph-cluster")["cephBlockPools"][0]["spec"]
    assert pool["mirroring"] == {"enabled": True, "mode": "image", "snapshotSchedules": [{"interval": "15m"}],
                                 "peers": {"secretNames": ["site-b-bootstrap"]}}
    # Only the block pool: the file system (weights) and the object store are not mirrored.
    cluster = values(result, "rook-ceph-cluster")
    assert "mirroring" not in cluster["cephFileSystems"][0]["spec"]["dataPools"][0]
    mirror = [m["definition"] for m in result["stage"]["manifests"] if m["definition"]["kind"] == "CephRBDMirror"]
    assert len(mirror) == 1 and mirror[0]["spec"]["count"] == 2
    assert mirror[0]["metadata"]["namespace"] == "rook-ceph"


# (id, mirroring, text every problem list must contain)
BAD = [
    ("mode unknown", dict(MIRRORING, mode="journal"), ["rook_ceph_rbd_mirroring.mode is 'journal'"]),
    ("interval in seconds", dict(MIRRORING, snapshot_interval="30s"), ["rook_ceph_rbd_mirroring.snapshot_interval is '30s'"]),
    ("peer not a name", dict(MIRRORING, peer_secrets=["Site B"]), ["rook_ceph_rbd_mirroring.peer_secrets[0]"]),
    ("too many daemons", dict(MIRRORING, daemons=5), ["rook_ceph_rbd_mirroring.daemons is 5"]),
    ("unknown key", dict(MIRRORING, remote="site-b"), ["remote"]),
    ("enabled not a boolean", dict(MIRRORING, enabled="yes"), ["rook_ceph_rbd_mirroring.enabled is 'yes'"]),
]


@pytest.mark.parametrize("mirroring,expected", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_mirroring_is_refused(mirroring, expected):
    result = ks.rook_ceph_stage(defaults(rook_ceph_rbd_mirroring=mirroring), nodes(3), None)
    assert result["stage"] is None
    text = "\n".join(result["problems"])
    for part in expected:
        assert part in text, text


# ------------------------------------------------------------------------------------------------ the failover

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import dr  # noqa: E402

FAILOVER = {"dr_failover_action": "failover", "dr_failover_pool": "ceph-blockpool", "dr_failover_rook_namespace": "rook-ceph",
            "dr_failover_force": True, "dr_failover_confirm": "ceph-blockpool", "dr_failover_next_steps": True,
            "dr_failover_mode": "apply", "dr_failover_render_dir": "/srv/render/site-b", "dr_failover_status_file": ""}


def test_failover_commands():
    plan = dr.failover_plan(FAILOVER)
    assert plan["problems"] == []
    assert plan["status_command"] == ["rbd", "mirror", "pool", "status", "ceph-blockpool", "--verbose", "--format", "json"]
    assert plan["promote_command"] == ["rbd", "mirror", "pool", "promote", "--force", "ceph-blockpool"]
    gentle = dr.failover_plan(dict(FAILOVER, dr_failover_force=False))
    assert gentle["promote_command"] == ["rbd", "mirror", "pool", "promote", "ceph-blockpool"]


# (id, overrides, text every problem list must contain)
FAILOVER_BAD = [
    ("not confirmed", {"dr_failover_confirm": ""}, ["dr_failover_confirm is ''", "-e dr_failover_confirm=ceph-blockpool"]),
    ("confirmed another pool", {"dr_failover_confirm": "replicapool"}, ["dr_failover_confirm is 'replicapool'"]),
    ("pool not a name", {"dr_failover_pool": "Ceph Pool", "dr_failover_confirm": "Ceph Pool"}, ["dr_failover_pool"]),
    ("force not a boolean", {"dr_failover_force": "maybe"}, ["dr_failover_force"]),
    ("misspelt variable", {"dr_failover_forced": True}, ["dr_failover_forced is not a setting"]),
    ("unknown action", {"dr_failover_action": "switchover"}, ["dr_failover_action is 'switchover'"]),
    ("demote not confirmed", {"dr_failover_action": "demote", "dr_failover_confirm": ""},
     ["dr_failover_confirm is ''", "demoting makes this site's copy of pool ceph-blockpool read-only",
      "to confirm the demote"]),
    ("resync not confirmed", {"dr_failover_action": "resync", "dr_failover_confirm": "yes"},
     ["dr_failover_confirm is 'yes'", "resyncing discards"]),
    ("render without a saved status", {"dr_failover_mode": "render"},
     ["dr_failover_status_file is empty in render mode", "rbd mirror pool status ceph-blockpool --verbose --format json"]),
    ("relative status file", {"dr_failover_mode": "render", "dr_failover_status_file": "status.json"},
     ["dr_failover_status_file is 'status.json': give an absolute path"]),
    ("unknown mode", {"dr_failover_mode": "dry-run"}, ["dr_failover_mode is 'dry-run'"]),
]


@pytest.mark.parametrize("overrides,expected", [c[1:] for c in FAILOVER_BAD], ids=[c[0] for c in FAILOVER_BAD])
def test_failover_bad_settings(overrides, expected):
    plan = dr.failover_plan(dict(FAILOVER, **overrides))
    assert plan["promote_command"] is None
    text = "\n".join(plan["problems"])
    for part in expected:
        assert part in text, text


# (id, rbd output, health, images, problem text)
STATUS = [
    ("healthy", '{"summary": {"health": "OK", "daemon_health": "OK", "image_health": "OK", '
                '"states": {"replaying": 12}}}', "OK", 12, None),
    ("split states", '{"summary": {"health": "WARNING", "states": {"replaying": 10, "stopped": 2}}}', "WARNING", 12, None),
    ("not JSON", "rbd: mirroring not enabled on the pool", None, 0, "printed no JSON"),
    ("no summary", "{}", None, 0, "is mirroring enabled on this pool"),
]


@pytest.mark.parametrize("text,health,images,problem", [c[1:] for c in STATUS], ids=[c[0] for c in STATUS])
def test_mirror_status(text, health, images, problem):
    result = dr.mirror_status(text)
    assert result["health"] == health and result["images"] == images
    if problem:
        assert problem in result["problem"]
    else:
        assert result["problem"] is None and ("%d image(s)" % images) in result["summary"]


def test_status_needs_no_confirmation():
    plan = dr.action_plan(dict(FAILOVER, dr_failover_action="status", dr_failover_confirm=""))
    assert plan["problems"] == []


# ------------------------------------------------------------------------------------------------ the step planner
# What `rbd mirror pool status <pool> --verbose --format json` says of an image on this site (state, description)
# and what its peer site reports. Snapshot-based mirroring (rook_ceph_rbd_mirroring.mode image).
PRIMARY = ("up+stopped", "local image is primary")
REPLAYING = ("up+replaying", 'replaying, {"bytes_per_second":0.0,"local_snapshot_timestamp":1764460800,'
                             '"remote_snapshot_timestamp":1764460800,"replay_state":"idle"}')
CATCHING_UP = ("up+replaying", 'replaying, {"bytes_per_second":5242880.0,"local_snapshot_timestamp":1764460800,'
                               '"remote_snapshot_timestamp":1764461700,"replay_state":"syncing","syncing_percent":42}')
FIRST_SYNC = ("up+syncing", "bootstrapping, IMAGE_SYNC/COPY_IMAGE 37%")
SPLIT_BRAIN = ("up+error", "split-brain")
DEMOTED = ("up+unknown", "remote image demoted")
DOWN = ("down+unknown", "status not found")


def status_text(*images, **summary):
    """The JSON of rbd mirror pool status --verbose for images given as (name, (local state, description),
    (peer state, description))."""
    entries = []
    for name, local, peer in images:
        entries.append({"name": name, "global_id": "0b5f7c3e-%04d" % len(entries), "state": local[0],
                        "description": local[1], "last_update": "2026-11-30 03:00:00",
                        "peer_sites": [{"site_name": "site-a", "mirror_uuids": "a1b2", "state": peer[0],
                                        "description": peer[1], "last_update": "2026-11-30 03:00:00"}]})
    states = {}
    for _name, local, _peer in images:
        state = local[0].split("+")[1]
        states[state] = states.get(state, 0) + 1
    return json.dumps({"summary": {"health": summary.get("health", "OK"), "daemon_health": "OK",
                                   "image_health": summary.get("health", "OK"), "states": states},
                       "images": entries})


def steps(action, *images, **summary):
    plan = dr.action_plan(dict(FAILOVER, dr_failover_action=action))
    assert plan["problems"] == []
    return dr.step_plan(plan, status_text(*images, **summary))


PVC = "csi-vol-6f1c2a9e-0d4b-4c3e-9a51-2b7e8d1f0a11"
PG = "csi-vol-pg-0"
PROMOTE_FORCE = [["rbd", "mirror", "pool", "promote", "--force", "ceph-blockpool"]]
DEMOTE = [["rbd", "mirror", "pool", "demote", "ceph-blockpool"]]
PROMOTE = [["rbd", "mirror", "pool", "promote", "ceph-blockpool"]]

# (id, action, images, commands, texts the problems must contain (none: no problem))
STEPS = [
    ("failover: the other site is lost", "failover", [(PVC, REPLAYING, DOWN)], PROMOTE_FORCE, []),
    ("failover: the other site is alive and primary", "failover", [(PVC, REPLAYING, PRIMARY)], [],
     ["pool ceph-blockpool image %s: site site-a is up and primary" % PVC, "dr_failover_action=demote against site site-a"]),
    ("failover: an image never finished its first sync", "failover", [(PVC, REPLAYING, DOWN), (PG, FIRST_SYNC, DOWN)], [],
     ["pool ceph-blockpool image %s is still syncing here" % PG]),
    ("failover: already primary here", "failover", [(PVC, PRIMARY, DOWN)], [], []),
    ("demote: split-brain after the failover (both primary)", "demote", [(PVC, PRIMARY, PRIMARY)], DEMOTE, []),
    ("demote: planned, the other site replays", "demote", [(PVC, PRIMARY, REPLAYING)], DEMOTE, []),
    ("demote: mirroring not healthy, nobody would be primary", "demote", [(PVC, PRIMARY, DOWN)], [],
     ["pool ceph-blockpool image %s: site site-a is not primary and does not replay it (down, unknown)" % PVC,
      "leaves the image with no primary"]),
    ("demote: already demoted", "demote", [(PVC, SPLIT_BRAIN, PRIMARY)], [], []),
    ("resync: the diverged image only", "resync", [(PVC, SPLIT_BRAIN, PRIMARY), (PG, REPLAYING, PRIMARY)],
     [["rbd", "mirror", "image", "resync", "ceph-blockpool/" + PVC]], []),
    ("resync: split-brain, still primary here", "resync", [(PVC, PRIMARY, PRIMARY)], [],
     ["pool ceph-blockpool image %s is still primary here" % PVC, "dr_failover_action=demote against this site first"]),
    ("resync: no primary to copy from", "resync", [(PVC, SPLIT_BRAIN, REPLAYING)], [],
     ["site site-a is not primary for it", "nothing to resync from"]),
    ("resync: everything replays", "resync", [(PVC, REPLAYING, PRIMARY)], [], []),
    ("failback: the other site demoted, in step", "failback", [(PVC, DEMOTED, DEMOTED), (PG, REPLAYING, DEMOTED)],
     PROMOTE, []),
    ("failback: the other site is still primary", "failback", [(PVC, REPLAYING, PRIMARY)], [],
     ["site site-a is still primary for it", "run dr_failover_action=demote against site site-a first"]),
    ("failback: split-brain, both primary", "failback", [(PVC, PRIMARY, PRIMARY)], [],
     ["pool ceph-blockpool image %s is primary on both sites (split-brain)" % PVC]),
    ("failback: images still syncing", "failback", [(PVC, CATCHING_UP, DEMOTED), (PG, FIRST_SYNC, DEMOTED)], [],
     ["image %s is still syncing here (42%%)" % PVC, "image %s is still syncing here" % PG]),
    ("failback: mirroring not healthy, the other site down", "failback", [(PVC, REPLAYING, DOWN)], [],
     ["site site-a's rbd-mirror is down (unknown)", "use dr_failover_action=failover"]),
    ("failback: diverged copy", "failback", [(PVC, SPLIT_BRAIN, DEMOTED)], [],
     ["is error here (split-brain)", "run dr_failover_action=resync against this site"]),
    ("failback: already primary here", "failback", [(PVC, PRIMARY, DEMOTED)], [], []),
]


@pytest.mark.parametrize("action,images,commands,expected", [c[1:] for c in STEPS], ids=[c[0] for c in STEPS])
def test_step_planner(action, images, commands, expected):
    result = steps(action, *images)
    text = "\n".join(result["problems"])
    assert result["commands"] == commands, text
    assert result["changes"] is bool(commands)
    if expected:
        for part in expected:
            assert part in text, text
    else:
        assert result["problems"] == []
    if not commands and not expected:
        assert "pool ceph-blockpool: nothing to %s" % action in result["notes"]


# (id, rbd output, problem text)
UNREADABLE = [
    ("mirroring not enabled", "rbd: mirroring not enabled on the pool", "pool ceph-blockpool: rbd mirror pool status printed no JSON"),
    ("no summary", "{}", "is mirroring enabled on this pool"),
]


@pytest.mark.parametrize("action", ["failover", "demote", "resync", "failback"])
@pytest.mark.parametrize("text,problem", [c[1:] for c in UNREADABLE], ids=[c[0] for c in UNREADABLE])
def test_no_step_without_a_readable_status(action, text, problem):
    plan = dr.action_plan(dict(FAILOVER, dr_failover_action=action))
    result = dr.step_plan(plan, text)
    assert result["commands"] == [] and result["changes"] is False
    assert problem in "\n".join(result["problems"])


@pytest.mark.parametrize("action", ["demote", "resync", "failback"])
def test_no_images_is_refused(action):
    result = steps(action)
    assert result["commands"] == []
    assert "pool ceph-blockpool lists no mirrored images: nothing to %s" % action in result["problems"][0]


def test_every_refused_image_is_named_at_once():
    result = steps("resync", (PVC, PRIMARY, PRIMARY), (PG, SPLIT_BRAIN, REPLAYING))
    assert len(result["problems"]) == 2 and result["commands"] == []
    assert PVC in result["problems"][0] and PG in result["problems"][1]


def test_status_says_which_site_is_primary():
    result = steps("status", (PVC, PRIMARY, PRIMARY), (PG, REPLAYING, PRIMARY))
    assert result["problems"] == [] and result["commands"] == []
    assert "primary here: %s" % PVC in result["summary"]
    assert "primary at the peer: %s, %s" % (PVC, PG) in result["summary"]
    assert "BOTH primary (split-brain): %s" % PVC in result["summary"]


def test_an_image_name_that_is_not_one_is_not_acted_on():
    text = json.loads(status_text((PVC, SPLIT_BRAIN, PRIMARY)))
    text["images"][0]["name"] = "x; rm -rf /"
    plan = dr.action_plan(dict(FAILOVER, dr_failover_action="resync"))
    result = dr.step_plan(plan, json.dumps(text))
    assert result["commands"] == []
    assert "an image 'x; rm -rf /', not an rbd image name" in "\n".join(result["problems"])
