#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dify_default_model
short_description: Set Dify's default system models (LLM, text embedding, rerank) through the console API
version_added: "0.4.0"
description:
  - Reads each default (C(GET .../default-model?model_type=...)) and sets those that differ in one
    C(POST .../default-model); defaults that match are left alone (changed=false). A type left unset is not touched.
  - The models must have been registered first (M(privateai.deepseek_dify.dify_model_provider)).
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.dify_console
  - privateai.deepseek_dify.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  llm:
    description: Name of the default chat model (Dify type C(llm)).
    type: str
  text_embedding:
    description: Name of the default embedding model (Dify type C(text-embedding)).
    type: str
  rerank:
    description: Name of the default rerank model.
    type: str
  provider:
    description: Dify's provider path of the models.
    type: str
    default: langgenius/openai_api_compatible/openai_api_compatible
"""

EXAMPLES = r"""
- name: Make DeepSeek Dify's default model
  privateai.deepseek_dify.dify_default_model:
    console_url: https://dify.example.internal
    admin_email: admin@example.com
    admin_password: "{{ dify_admin_password }}"
    llm: deepseek-r1
    text_embedding: bge-m3
"""

RETURN = r"""
defaults:
  description: The defaults asked for, by Dify model type.
  returned: success
  type: dict
previous:
  description: The defaults before the run, by Dify model type (null where none was set).
  returned: success
  type: dict
updated:
  description: The model types that were (or in check mode would be) set.
  returned: success
  type: list
  elements: str
version:
  description: Dify's version from the C(X-Version) header.
  returned: always
  type: str
step:
  description: The step that failed.
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import dify_console


def main():
    spec = dify_console.connection_argument_spec()
    spec.update(llm=dict(type="str"), text_embedding=dict(type="str"), rerank=dict(type="str"),
                provider=dict(type="str", default=dify_console.PROVIDER))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True,
                           required_one_of=[("llm", "text_embedding", "rerank")])
    params = module.params
    defaults = {"llm": params["llm"], "text-embedding": params["text_embedding"], "rerank": params["rerank"]}
    problems = []
    for option, name in (("llm", params["llm"]), ("text_embedding", params["text_embedding"]),
                         ("rerank", params["rerank"])):
        if name is not None and not dify_console.MODEL_NAME_RE.match(name):
            problems.append("%s %r is not a model name (letters, digits and . _ : / @ + -); set %s to the name the "
                            "model was registered under" % (option, name, option))

    def action(client):
        return dify_console.ensure_default_models(client, defaults, module.check_mode, provider=params["provider"])

    dify_console.run_module(module, action, problems)


if __name__ == "__main__":
    main()
