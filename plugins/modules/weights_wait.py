#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: weights_wait
short_description: Wait for the model serving stage's weights download Jobs, showing bytes and percent at every poll
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Runs on the control node (an action plugin). Polls each download Job of the model serving stage through
    C(kubernetes.core.k8s_info) (the Job and its pod) and C(kubernetes.core.k8s_log) (the pod's last progress lines,
    which the Job's downloader prints), and shows one line per Job and poll - repository, percent, bytes done and
    total, files, rate, time left.
  - Returns when every Job has completed; fails naming the Job, its condition, the downloader's error and the fix when a
    Job fails, when a Job's time (its C(timeout), sized from the checkpoint and the declared bandwidth) is up, or when
    the Kubernetes API cannot be read.
  - Needs the C(kubernetes.core) collection and the Python C(kubernetes) client on the control node.
extends_documentation_fragment:
  - privateai.deepseek_dify.attributes
  - privateai.deepseek_dify.attributes.read_only
options:
  downloads:
    description: The Jobs to wait for, as the C(serving_stage) filter returns them in C(downloads).
    type: list
    elements: dict
    required: true
  kubeconfig:
    description: Path of the kubeconfig file.
    type: path
  context:
    description: Context of the kubeconfig to use.
    type: str
  poll_interval:
    description: Seconds between polls.
    type: int
    default: 30
notes:
  - In check mode the Jobs were not created; the task is skipped.
"""

EXAMPLES = r"""
- name: Wait for the weights (progress at every poll)
  privateai.deepseek_dify.weights_wait:
    downloads: "{{ __model_serving_plan.downloads }}"
    kubeconfig: "{{ privateai_kubeconfig }}"
    poll_interval: 30
"""

RETURN = r"""
downloads:
  description: The last verdict of each Job.
  returned: always
  type: list
  elements: dict
  sample: [{"job": "deepseek-r1-weights", "repo": "deepseek-ai/DeepSeek-R1", "state": "complete", "done": true,
            "failed": false, "percent": 100.0,
            "message": "deepseek-ai/DeepSeek-R1: complete and verified (688.0 GB), Job serving/deepseek-r1-weights"}]
"""
