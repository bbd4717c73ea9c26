# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options shared by the GPU modules (they all read one NVML snapshot); TOPOLOGY and HEALTH are the options of
    nvlink_topology and gpu_health, which gpu_gate_info takes too."""

    # With privateai.deepseek_dify.attributes (the attribute descriptions): every GPU module only reads.
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    details: Reads NVML, sysfs and the kernel log only, so check mode runs exactly what a normal run does.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  snapshot:
    description:
      - Read this recorded NVML snapshot (JSON, format in C(docs/gpu-snapshot.md)) instead of the live driver.
      - For tests, offline review and reproducing a problem seen on another node.
    type: path
  expect_gpus:
    description:
      - Whether GPUs must be present. A node without GPUs or without a driver returns RV(gpu_count=0) with the
        reason; it fails only when this is V(true).
    type: bool
    default: false
  sysfs_root:
    description: Root of the sysfs tree (NUMA nodes, PCI paths, RDMA NICs). Only tests change it.
    type: path
    default: /sys
requirements:
  - pynvml (PyPI package nvidia-ml-py) and the NVIDIA driver on the node, unless O(snapshot) is given
"""

    # Options of nvlink_topology, also taken by gpu_gate_info.
    TOPOLOGY = r"""
options:
  expect_gpu_count:
    description: Fail unless NVML reports exactly this many GPUs.
    type: int
  expect_fully_connected:
    description: Fail unless every GPU pair is joined by NVLink (directly or through NVSwitch).
    type: bool
    default: false
  expect_min_nvlinks_per_pair:
    description: Fail for every GPU pair joined by fewer active NVLinks than this.
    type: int
"""

    # Options of gpu_health, also taken by gpu_gate_info.
    HEALTH = r"""
options:
  fail_on:
    description: Fail the task when a health finding of this severity or worse exists; V(never) only reports.
    type: str
    choices: [critical, warning, never]
    default: critical
  thresholds:
    description:
      - Overrides of the default health thresholds; unknown keys are refused.
      - C(temperature_margin_c) (10), C(pcie_replay_counter) (100), C(nvlink_replay) (100), C(nvlink_recovery) (1),
        C(nvlink_crc) (100), C(xid_ignore) (application XIDs 13, 31, 43, 45, 68),
        C(xid_critical) (48, 61, 62, 64, 74, 79, 94, 95, 119, 120, 140; other XIDs are warnings).
    type: dict
    default: {}
  xid_lookback_hours:
    description: How far back the kernel log is read for XID errors (live backend).
    type: int
    default: 24
"""
