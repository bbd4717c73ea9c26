# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: a role's settings as the role passes them to its stage builder.

``role_settings(role, stand_ins, **overrides)`` reads ``roles/<role>/defaults/main.yml``, replaces every templated
default (a string holding ``{{``; the inventory evaluates it in a real run) by the test's stand-in for it, then
applies ``overrides``. It refuses, naming the variable:

- a templated default the test gives no stand-in for (unless ``fallback`` is given), so a new templated default is
  not passed to the stage builder as raw Jinja text;
- a stand-in of the role's own prefix that is not a templated default of the role, or not an option of its
  ``meta/argument_specs.yml``, so a stand-in for a renamed or removed variable does not linger unnoticed.

Stand-ins of another prefix are ignored (one table may serve two roles, as Dify's serves dify and cloudnative_pg).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
_REQUIRED = object()

# What model_serving's templated defaults evaluate to in the serving unit tests (the example inventory's two H100x8
# nodes on an InfiniBand fabric, after the storage stage): shared by test_k8s_serving*.py.
MODEL_SERVING = {
    "model_serving_expected_gpu": {"model": "NVIDIA H100 80GB HBM3", "count_per_node": 8, "memory_gib": 80},
    "model_serving_fabric": {"type": "infiniband", "rate_gbps": 400,
                             "networks": [{"name": "rail0", "interface": "ibp26s0"}]},
    "model_serving_gpu_hosts": ["gpu01", "gpu02"],
    "model_serving_tolerate_control_plane": False,
    "model_serving_lws_tolerate_control_plane": False,
    "model_serving_keda_tolerate_control_plane": False,
    "model_serving_rdma_resource": "rdma/rdma_shared_device",
    "model_serving_api_key_file": "/nonexistent/serving-api-key",
    "model_serving_weights_storage_class": "ceph-filesystem",
    "model_serving_rdma_facts": {},
}


def _load(role, *parts):
    with open(os.path.join(ROOT, "roles", role, *parts)) as handle:
        return yaml.safe_load(handle)


def raw_defaults(role):
    """roles/<role>/defaults/main.yml as written (templated defaults left as their Jinja text)."""
    return _load(role, "defaults", "main.yml")


def spec_options(role):
    """The names of every option of every entry point of roles/<role>/meta/argument_specs.yml."""
    names = set()
    for entry in _load(role, "meta", "argument_specs.yml")["argument_specs"].values():
        names.update((entry or {}).get("options") or {})
    return names


def templated(value):
    return isinstance(value, str) and "{{" in value


def role_settings(role, stand_ins=None, fallback=_REQUIRED, **overrides):
    """The role's defaults with each templated default replaced by ``stand_ins[name]`` (else ``fallback``), then
    ``overrides`` applied."""
    stand_ins = stand_ins or {}
    settings = raw_defaults(role)
    declared = spec_options(role)
    for name in sorted(stand_ins):
        if not name.startswith(role + "_"):
            continue
        if name not in declared:
            raise AssertionError("stand-in %s is not an option of roles/%s/meta/argument_specs.yml: drop it" % (name, role))
        if not templated(settings.get(name)):
            raise AssertionError("stand-in %s: roles/%s/defaults/main.yml does not template it (%r): pass it as an "
                                 "override instead" % (name, role, settings.get(name)))
    for name, value in settings.items():
        if not templated(value):
            continue
        if name in stand_ins:
            settings[name] = stand_ins[name]
        elif fallback is not _REQUIRED:
            settings[name] = fallback
        else:
            raise AssertionError("roles/%s/defaults/main.yml templates %s (%s): give the test a stand-in for it"
                                 % (role, name, value))
    settings.update(overrides)
    return settings
