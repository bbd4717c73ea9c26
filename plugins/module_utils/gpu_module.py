# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the three GPU modules share: their common options and how they get a snapshot."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_snapshot

COMMON_ARGS = dict(
    snapshot=dict(type="path"),
    expect_gpus=dict(type="bool", default=False),
    sysfs_root=dict(type="path", default="/sys"),
)


def get_snapshot(module, parts, xid_lookback_hours=24):
    """The replay snapshot when O(snapshot) is set, else a live one. Fails the module with the file
    and reason for an unusable snapshot, and with the reason when GPUs were expected but none found."""
    params = module.params
    if params["snapshot"]:
        try:
            snap = gpu_snapshot.load(params["snapshot"])
        except gpu_snapshot.SnapshotError as exc:
            module.fail_json(msg="Failed to read the NVML snapshot '%s' due to: %s" % (params["snapshot"], exc))
    else:
        snap = gpu_snapshot.collect(sysfs_root=params["sysfs_root"],
                                    run_command=module.run_command if "xid" in parts else None,
                                    xid_lookback_hours=xid_lookback_hours, parts=parts)
    if params["expect_gpus"] and not snap["gpus"]:
        module.fail_json(msg="Failed to find NVIDIA GPUs on this node (expect_gpus is true): %s. Install the driver "
                             "(role nvidia_driver) or remove the node from gpu_nodes."
                             % (snap.get("reason") or "NVML reports 0 GPUs"),
                         gpu_count=0, reason=snap.get("reason"))
    return snap


def no_gpu_reason(snap):
    if snap["gpus"]:
        return None
    return snap.get("reason") or "NVML reports 0 GPUs"
