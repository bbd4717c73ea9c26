# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: k8s_render_plan
short_description: Validate Kubernetes stages and plan the files that render them
version_added: "0.2.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Takes the stages of a Kubernetes playbook (each a name, Helm releases and manifests) and returns, per stage,
    the files to write (path, canonical YAML content, whether it is a secret), the Helm releases and the manifests
    to apply in order, and every problem found in any stage.
  - Files are canonical YAML (sorted keys, block style, literal blocks for multi-line strings, no timestamps),
    so the same input always gives the same bytes.
  - Used by the role privateai.deepseek_dify.k8s_render_apply; the layout is described in its README.
positional: render_dir, mode, render_secrets
options:
  _input:
    description: The stages, each C({name, releases, manifests}).
    type: list
    elements: dict
    required: true
  render_dir:
    description: Directory under which each stage gets C(<stage>/helm) and C(<stage>/manifests).
    type: path
    required: true
  mode:
    description: V(render) leaves secrets out unless O(render_secrets); V(apply) always writes them (mode 0600).
    type: str
    choices: [render, apply]
    default: render
  render_secrets:
    description: Write secret manifests and secret Helm values in V(render) mode too.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Plan the stage
  ansible.builtin.set_fact:
    plan: "{{ [my_stage] | privateai.deepseek_dify.k8s_render_plan('/srv/render', 'render') }}"
"""

RETURN = r"""
_value:
  description: C({plans, problems}); each plan has C(stage), C(dir), C(files), C(releases), C(manifests), C(skipped_secrets).
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_render


def k8s_render_plan(stages, render_dir, mode="render", render_secrets=False):
    if not render_dir:
        raise AnsibleFilterError("k8s_render_plan: render_dir is empty")
    try:
        plain = k8s_render.to_plain(stages, "stages")
    except k8s_render.K8sRenderError as exc:
        return {"plans": [], "problems": [str(exc)]}
    return k8s_render.build_plans(plain, str(render_dir), mode=str(mode), render_secrets=bool(render_secrets))


class FilterModule(object):
    """Render plans of Kubernetes stages."""

    def filters(self):
        return {"k8s_render_plan": k8s_render_plan}
