#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dify_model_provider
short_description: Register served models in Dify's OpenAI-API-compatible model provider, updating only on change
version_added: "0.4.0"
description:
  - For each model of O(models) reads the credentials Dify holds (C(GET .../models/credentials)). A model Dify does
    not have is validated (C(POST .../models/credentials/validate), where Dify calls the endpoint) and added
    (C(POST .../models/credentials)); a model whose endpoint URL, served name, context size or API key differs is
    validated and updated (C(PUT)); a model that matches is left alone (changed=false).
  - Dify answers a stored API key only obfuscated, so the credential's name carries a short SHA-256 fingerprint of
    the model name and key (never the key); a changed key changes the name and so is seen.
  - Needs the plugin O(provider) belongs to (C(langgenius/openai_api_compatible), see
    M(privateai.deepseek_dify.dify_plugin)) and Dify's plugin daemon; without it Dify answers HTTP 400 "Failed to
    request plugin daemon" and the module fails naming the step.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.dify_console
  - privateai.deepseek_dify.attributes
attributes:
  check_mode:
    support: full
    details:
      - Check mode reads the stored credentials and reports per model whether it would be added or updated.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  models:
    description: The served models, as the serving stage's C(model_serving_outputs.models) lists them.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The model's name in Dify.
        type: str
        required: true
      served_name:
        description: The name the endpoint serves it under (C(--served-model-name)); defaults to O(models[].name).
        type: str
      kind:
        description: V(chat) (Dify model type C(llm)), V(embedding) (C(text-embedding)) or V(rerank).
        type: str
        choices: [chat, embedding, rerank]
        default: chat
      base_url:
        description: The OpenAI-compatible endpoint, for example V(http://deepseek-r1.serving.svc:8000/v1).
        type: str
        required: true
      max_model_len:
        description: The context size in tokens (the engine's C(--max-model-len)).
        type: int
        default: 4096
      max_tokens:
        description: Most tokens of an answer Dify may ask for (chat models; at most O(models[].max_model_len)).
        type: int
        default: 4096
  api_key:
    description: The endpoint's API key (the same for every model). Never returned or printed.
    type: str
  validate:
    description: Let Dify validate the credentials (call the endpoint) before adding or updating them.
    type: bool
    default: true
  provider:
    description: Dify's provider path of the OpenAI-API-compatible plugin.
    type: str
    default: langgenius/openai_api_compatible/openai_api_compatible
"""

EXAMPLES = r"""
- name: Register the served models in Dify
  privateai.deepseek_dify.dify_model_provider:
    console_url: https://dify.example.internal
    admin_email: admin@example.com
    admin_password: "{{ dify_admin_password }}"
    api_key: "{{ lookup('ansible.builtin.file', model_serving_outputs.api_key_file) }}"
    models: "{{ model_serving_outputs.models }}"
"""

RETURN = r"""
models:
  description: Per model what was (or in check mode would be) done.
  returned: success
  type: list
  elements: dict
  contains:
    name: {description: "The model", type: str}
    model_type: {description: "Dify's model type (llm, text-embedding, rerank)", type: str}
    action: {description: "add, update or none", type: str}
    changed_keys: {description: "The credential fields that differed (api_key when the key changed)", type: list}
version:
  description: Dify's version from the C(X-Version) header.
  returned: always
  type: str
step:
  description: The step that failed (for example C(validate the credentials of model deepseek-r1)).
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import dify_console


def main():
    spec = dify_console.connection_argument_spec()
    spec.update(
        models=dict(type="list", elements="dict", required=True, options=dict(
            name=dict(type="str", required=True),
            served_name=dict(type="str"),
            kind=dict(type="str", choices=["chat", "embedding", "rerank"], default="chat"),
            base_url=dict(type="str", required=True),
            max_model_len=dict(type="int", default=4096),
            max_tokens=dict(type="int", default=4096, no_log=False),
        )),
        api_key=dict(type="str", no_log=True),
        validate=dict(type="bool", default=True),
        provider=dict(type="str", default=dify_console.PROVIDER),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    models = []
    for model in params["models"]:
        model = dict(model)
        model["served_name"] = model["served_name"] or model["name"]
        models.append(model)
    problems = dify_console.check_models(models)

    def action(client):
        return dify_console.ensure_models(client, models, params["api_key"], validate=params["validate"],
                                          check_mode=module.check_mode, provider=params["provider"])

    dify_console.run_module(module, action, problems)


if __name__ == "__main__":
    main()
