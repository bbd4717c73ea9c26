# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared test helper role_defaults.py: a role's defaults with stand-ins for the templated ones."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import role_defaults as rd  # noqa: E402  (the helper under test)

DEFAULTS = {"demo_port": 8080, "demo_class": "{{ storage_outputs.class | default('ceph') }}",
            "demo_hosts": "{{ groups['gpu_nodes'] }}"}
SPEC = {"argument_specs": {"main": {"options": {"demo_port": {"type": "int"}, "demo_class": {"type": "str"},
                                                "demo_hosts": {"type": "list"}}},
                           "inputs": {"options": {"demo_extra": {"type": "str"}}}}}


@pytest.fixture
def demo_role(tmp_path, monkeypatch):
    """A role 'demo' under a temporary tree, the helper pointed at it."""
    role = tmp_path / "roles" / "demo"
    (role / "defaults").mkdir(parents=True)
    (role / "meta").mkdir()
    (role / "defaults" / "main.yml").write_text(yaml.safe_dump(DEFAULTS))
    (role / "meta" / "argument_specs.yml").write_text(yaml.safe_dump(SPEC))
    monkeypatch.setattr(rd, "ROOT", str(tmp_path))
    return role


# (id, stand-ins, fallback given?, fallback, overrides, expected settings)
GOOD = [
    ("stand-ins replace the templated defaults", {"demo_class": "fast", "demo_hosts": ["gpu01"]}, False, None, {},
     {"demo_port": 8080, "demo_class": "fast", "demo_hosts": ["gpu01"]}),
    ("fallback for those without a stand-in", {"demo_class": "fast"}, True, False, {},
     {"demo_port": 8080, "demo_class": "fast", "demo_hosts": False}),
    ("overrides win, even over a stand-in", {"demo_class": "fast", "demo_hosts": []}, False, None,
     {"demo_class": "slow", "demo_port": "80", "demo_typo": 1},
     {"demo_port": "80", "demo_class": "slow", "demo_hosts": [], "demo_typo": 1}),
    ("stand-ins of another role are ignored", {"demo_class": "c", "demo_hosts": [], "other_x": 1}, False, None, {},
     {"demo_port": 8080, "demo_class": "c", "demo_hosts": []}),
]


@pytest.mark.parametrize("stand_ins, has_fallback, fallback, overrides, expected", [c[1:] for c in GOOD],
                         ids=[c[0] for c in GOOD])
def test_role_settings(demo_role, stand_ins, has_fallback, fallback, overrides, expected):
    kwargs = dict(overrides)
    if has_fallback:
        kwargs["fallback"] = fallback
    assert rd.role_settings("demo", stand_ins, **kwargs) == expected


# (id, stand-ins, text of the refusal)
REFUSED = [
    ("a templated default without a stand-in", {"demo_class": "fast"},
     "roles/demo/defaults/main.yml templates demo_hosts ({{ groups['gpu_nodes'] }}): give the test a stand-in"),
    ("a stand-in the argument spec does not know", {"demo_class": "c", "demo_hosts": [], "demo_old_name": 1},
     "stand-in demo_old_name is not an option of roles/demo/meta/argument_specs.yml"),
    ("a stand-in for a plain default", {"demo_class": "c", "demo_hosts": [], "demo_port": 80},
     "stand-in demo_port: roles/demo/defaults/main.yml does not template it (8080): pass it as an override"),
]


@pytest.mark.parametrize("stand_ins, message", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_role_settings_refuses(demo_role, stand_ins, message):
    with pytest.raises(AssertionError) as caught:
        rd.role_settings("demo", stand_ins)
    assert message in str(caught.value)


def test_spec_options_reads_every_entry_point(demo_role):
    assert rd.spec_options("demo") == {"demo_port", "demo_class", "demo_hosts", "demo_extra"}


def test_raw_defaults_keep_the_jinja_text(demo_role):
    assert rd.raw_defaults("demo") == DEFAULTS


def test_model_serving_stand_ins_cover_exactly_its_templated_defaults():
    """The shared serving table against the real role: no templated default left raw, no stale stand-in."""
    templated = set(k for k, v in rd.raw_defaults("model_serving").items() if rd.templated(v))
    assert templated == set(rd.MODEL_SERVING)
    settings = rd.role_settings("model_serving", rd.MODEL_SERVING)
    assert not [k for k, v in settings.items() if rd.templated(v)]
