# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: preflight_stages
short_description: The stages a run with these --tags and --skip-tags executes
version_added: "0.1.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the stage list C(privateai_stages) (C(playbooks/vars/stages.yml)) and returns the stages, in order, that
    the run executes, so the whole-inventory preflight checks the inputs of exactly those.
  - A run with no tags, or only V(all), V(always), V(preflight), V(run_report), selects every stage; otherwise a
    stage is selected when one of its tags (or its name) is asked for. A stage with a skipped tag is never selected.
positional: run_tags, skip_tags
options:
  _input:
    description: The stages, each C({name, tags, ...}).
    type: list
    elements: dict
    required: true
  run_tags:
    description: C(ansible_run_tags).
    type: list
    elements: str
  skip_tags:
    description: C(ansible_skip_tags).
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: The stages of this run
  ansible.builtin.set_fact:
    stages: "{{ privateai_stages | privateai.deepseek_dify.preflight_stages(ansible_run_tags, ansible_skip_tags) }}"
"""

RETURN = r"""
_value:
  description: The selected stages, in the order given.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.preflight import selected_stages


def preflight_stages(stages, run_tags=None, skip_tags=None):
    try:
        return selected_stages(stages, run_tags, skip_tags)
    except ValueError as exc:
        raise AnsibleFilterError("preflight_stages: %s" % exc)


class FilterModule(object):
    """Stage selection of the preflight."""

    def filters(self):
        return {"preflight_stages": preflight_stages}
