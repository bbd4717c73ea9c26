# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: serving_upgrade
short_description: Decide the blue-green upgrade (or rollback) of the model serving stage from what is deployed
version_added: "0.5.0"
author:
  - privateai.deepseek_dify maintainers (@privateai)
description:
  - Used by C(playbooks/serving_upgrade.yml). From the model Services, nodes, pods and workloads the cluster returned
    (or none, in render mode) it tells which colour each model's Service selects, the colour to deploy, whether the
    cluster has GPUs for both colours (allocatable C(nvidia.com/gpu) of the GPU nodes against the new colour's
    requests and the GPUs running pods hold), the refusal with the numbers and the fix, and the Service definitions of
    the switch or of the rollback.
  - The logic lives in C(plugins/plugin_utils/serving_upgrade.py).
options:
  _input:
    description:
      - "C({action, mode, colour, served, namespace, services, nodes, pods, workloads, stage, render}): C(action)
        upgrade or rollback; C(mode) bluegreen or rolling; C(colour) the colour render mode renders (empty - the other
        of C(fallback)); C(served) the served names; C(services), C(nodes), C(pods), C(workloads) the live objects;
        C(stage) the new colour's stage (absent on the first call, which only decides the colour)."
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Decide the colour
  ansible.builtin.set_fact:
    __upgrade: "{{ {'action': 'upgrade', 'mode': 'bluegreen', 'colour': '', 'served': ['deepseek-r1'],
                    'namespace': 'serving', 'services': [], 'render': true, 'fallback': 'blue'}
                   | privateai.deepseek_dify.serving_upgrade }}"
"""

RETURN = r"""
_value:
  description: The decision.
  type: dict
  contains:
    problems: {description: "Every reason not to go on, each with the numbers and the fix", type: list, elements: str}
    state: {description: "C({active, previous, models, missing}) - the colours the model Services select", type: dict}
    colour: {description: The colour to deploy (upgrade) or switch back to (rollback), type: str}
    switch: {description: Whether the model Services are switched after the smoke test, type: bool}
    summary: {description: One line saying what happens, type: str}
    upgrade_stage: {description: "The new colour's stage without the model Services (with C(stage)); named C(model_serving)", type: dict}
    switch_services: {description: "The model Service definitions of the switch or rollback", type: list, elements: dict}
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_platform
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import serving_upgrade as su


def _resources(value):
    """k8s_info's result (``resources``) or a list of objects."""
    if isinstance(value, dict):
        return value.get("resources") or []
    return value or []


def serving_upgrade(inputs):
    if not isinstance(inputs, dict):
        raise AnsibleFilterError("serving_upgrade: the input is %r, give a mapping" % (inputs,))
    inputs = k8s_platform.plain(inputs)
    action, mode = inputs.get("action"), inputs.get("mode")
    served = list(inputs.get("served") or [])
    out = {"problems": su.check_settings(mode, action, inputs.get("colour") or ""), "state": None, "colour": None,
           "switch": False, "summary": "", "upgrade_stage": None, "switch_services": []}
    if out["problems"]:
        return out
    if inputs.get("render") and action == "rollback":
        out["problems"].append("serving_upgrade_action is rollback but privateai_k8s_mode is render: a rollback switches "
                               "the live Services back; run it in apply mode")
        return out
    if inputs.get("render"):
        # No cluster: render the requested colour (or the other of the inventory's) for review.
        colour = inputs.get("colour") or su.next_colour(inputs.get("fallback") or None)
        out["state"] = {"active": None, "previous": None, "models": {}, "missing": served, "problems": []}
        out.update(colour=colour, switch=True, summary="render: the %s colour's manifests, for review" % colour)
    elif action == "rollback":
        result = su.rollback_services(_resources(inputs.get("services")), served, _resources(inputs.get("workloads")))
        out["problems"] += result["problems"]
        out.update(colour=result["colour"], switch=True, switch_services=result["services"],
                   state=su.colour_state(_resources(inputs.get("services")), served),
                   summary="rollback: the model Services select %s again" % result["colour"])
        return out
    else:
        out["state"] = su.colour_state(_resources(inputs.get("services")), served)
        active = out["state"]["active"]
        out["colour"] = (active or su.next_colour(None)) if mode == "rolling" else su.next_colour(active)
    stage = inputs.get("stage")
    if stage is None:
        out["problems"] += out["state"]["problems"]
        return out
    definitions = [m["definition"] for m in stage["manifests"]]
    if not inputs.get("render"):
        decision = su.decide(mode, out["state"], out["colour"], su.gpu_demand(definitions),
                             su.allocatable_gpus(_resources(inputs.get("nodes"))),
                             su.pods_gpus(_resources(inputs.get("pods")), inputs.get("namespace"), out["colour"]))
        out["problems"] += decision["problems"]
        out.update(switch=decision["switch"], summary=decision["summary"])
    else:
        out["problems"] += out["state"]["problems"]
    # Named as the stage of playbooks/model_serving.yml: applied with its field manager, so that play and this one
    # own the same fields (a rolling upgrade changes that play's objects in place).
    out["upgrade_stage"] = su.without_model_services(stage, served) if out["switch"] else stage
    previous = out["state"]["active"] or (inputs.get("fallback") if inputs.get("render") else None)
    out["switch_services"] = su.switch_services(stage["manifests"], served, previous) if out["switch"] else []
    return out


class FilterModule(object):
    """The blue-green upgrade of the model serving stage."""

    def filters(self):
        return {"serving_upgrade": serving_upgrade}
