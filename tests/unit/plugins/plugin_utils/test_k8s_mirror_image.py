# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""k8s_platform.mirror_image: an image pulled through the internal mirror (the serving and Dify stages use it)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform as kp

# (id, reference, mirror registry, expected)
CASES = [
    ("no mirror: unchanged", "docker.io/vllm/vllm-openai:v0.11.0", "", "docker.io/vllm/vllm-openai:v0.11.0"),
    ("no mirror (None): unchanged", "vllm/vllm-openai:v0.11.0", None, "vllm/vllm-openai:v0.11.0"),
    ("registry host replaced", "docker.io/vllm/vllm-openai:v0.11.0", "registry.internal:5000",
     "registry.internal:5000/vllm/vllm-openai:v0.11.0"),
    ("short Docker Hub name gets the mirror in front", "vllm/vllm-openai:v0.11.0", "registry.internal:5000",
     "registry.internal:5000/vllm/vllm-openai:v0.11.0"),
    ("host with a port replaced", "mirror.old:5000/lmsysorg/sglang:v0.5", "registry.internal",
     "registry.internal/lmsysorg/sglang:v0.5"),
    ("localhost replaced", "localhost/dify-api:1.14.2", "registry.internal", "registry.internal/dify-api:1.14.2"),
    ("single name kept whole", "redis:7.4", "registry.internal", "registry.internal/redis:7.4"),
    ("mirror with a path", "ghcr.io/cloudnative-pg/postgresql:17", "registry.internal/site-a",
     "registry.internal/site-a/cloudnative-pg/postgresql:17"),
    ("digest kept", "quay.io/ceph/ceph@sha256:" + "a" * 64, "registry.internal",
     "registry.internal/ceph/ceph@sha256:" + "a" * 64),
]


@pytest.mark.parametrize("reference, registry, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_mirror_image(reference, registry, expected):
    assert kp.mirror_image(reference, registry) == expected
