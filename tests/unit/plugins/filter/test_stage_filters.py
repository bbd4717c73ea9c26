# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stage filters are thin: registered under their names, refusing an input that is not the role's variables as a
mapping through one helper (k8s_platform.filter_settings), which takes the role's settings out of the variables."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.filter import backup_stage, dify_bootstrap_inputs, dify_stage
from ansible_collections.privateai.deepseek_dify.plugins.filter import observability_stage, platform_stage, restore_plan
from ansible_collections.privateai.deepseek_dify.plugins.filter import rook_ceph_stage, security_stage, serving_stage
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform

# (module, filter name, the call with a bad input)
FILTERS = [
    (backup_stage, "backup_stage", lambda f, bad: f(bad)),
    (dify_stage, "dify_stage", lambda f, bad: f(bad)),
    (dify_stage, "cloudnative_pg_stage", lambda f, bad: f(bad)),
    (dify_bootstrap_inputs, "dify_bootstrap_inputs", lambda f, bad: f(bad)),
    (observability_stage, "observability_stage", lambda f, bad: f(bad)),
    (platform_stage, "platform_stage", lambda f, bad: f(bad, "gpu_operator")),
    (restore_plan, "restore_plan", lambda f, bad: f(bad)),
    (rook_ceph_stage, "rook_ceph_stage", lambda f, bad: f(bad, [])),
    (security_stage, "security_stage", lambda f, bad: f(bad)),
    (serving_stage, "serving_stage", lambda f, bad: f(bad)),
]


@pytest.mark.parametrize("module, name, call", FILTERS, ids=[c[1] for c in FILTERS])
def test_registered_under_its_name(module, name, call):
    assert module.FilterModule().filters()[name] is getattr(module, name)


@pytest.mark.parametrize("bad", ["backup_location=s3", ["backup_location"], None], ids=["text", "list", "none"])
@pytest.mark.parametrize("module, name, call", FILTERS, ids=[c[1] for c in FILTERS])
def test_a_non_mapping_input_is_refused_naming_the_filter(module, name, call, bad):
    with pytest.raises(AnsibleFilterError) as caught:
        call(getattr(module, name), bad)
    assert str(caught.value) == "%s: the input is %r, give the role's variables as a mapping" % (name, bad)


class WrappedText(str):
    """Test double for the templating engine's wrapped strings."""


# (id, variables, prefix, ignore, expected settings)
SETTINGS = [
    ("keeps the prefix only", {"backup_a": 1, "restore_b": 2, "backup": 3}, "backup_", (), {"backup_a": 1}),
    ("drops the published facts", {"backup_a": 1, "backup_outputs": {}}, "backup_", ("backup_outputs",),
     {"backup_a": 1}),
    ("nothing of the role", {"dify_a": 1}, "backup_", (), {}),
    ("unwraps names and values", {WrappedText("backup_a"): [WrappedText("x")]}, "backup_", (), {"backup_a": ["x"]}),
]


@pytest.mark.parametrize("variables, prefix, ignore, expected", [c[1:] for c in SETTINGS], ids=[c[0] for c in SETTINGS])
def test_filter_settings(variables, prefix, ignore, expected):
    settings = k8s_platform.filter_settings("backup_stage", variables, prefix, ignore=ignore)
    assert settings == expected
    assert not [name for name in settings if isinstance(name, WrappedText)]
    assert not [item for value in settings.values() if isinstance(value, list) for item in value
                if isinstance(item, WrappedText)]
