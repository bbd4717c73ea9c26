# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Disaster recovery in the storage render: RBD mirroring of the block pool (rook_ceph_rbd_mirroring)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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

FAILOVER = {"dr_failover_pool": "ceph-blockpool", "dr_failover_rook_namespace": "rook-ceph", "dr_failover_force": True,
            "dr_failover_confirm": "ceph-blockpool", "dr_failover_next_steps": True}


def test_failover_commands():
    plan = dr.failover_plan(FAILOVER)
    assert plan["problems"] == []
    assert plan["status_command"] == ["rbd", "mirror", "pool", "status", "ceph-blockpool", "--format", "json"]
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
