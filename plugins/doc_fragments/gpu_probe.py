# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options shared by the GPU modules (they all read one NVML snapshot)."""

    DOCUMENTATION = r"""
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
