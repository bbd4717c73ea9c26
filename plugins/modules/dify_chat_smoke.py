#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dify_chat_smoke
short_description: Smoke-test Dify end to end - create or reuse a minimal chat app and get one answer from the model
version_added: "0.4.0"
description:
  - Finds the chat app O(app_name) (C(GET /console/api/apps)) or creates it (C(POST /console/api/apps), mode
    C(chat), which takes the workspace's default LLM), then sends O(query) through the app's debugger endpoint
    (C(POST /console/api/apps/<id>/chat-messages), blocking) and fails unless the model answers with text.
  - Reports changed=true only when it created the app; the message itself is a read-only probe.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.dify_console
  - privateai.deepseek_dify.attributes
attributes:
  check_mode:
    support: full
    details:
      - Check mode looks the app up and reports whether it would be created; it sends no message.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  app_name:
    description: Name of the smoke-test app.
    type: str
    default: privateai-smoke
  query:
    description: The message sent.
    type: str
    default: "Reply with the single word: ready."
  model:
    description: The model to answer (registered in O(provider)); unset, the app's own model (the default LLM).
    type: str
  provider:
    description: Dify's provider path of O(model).
    type: str
    default: langgenius/openai_api_compatible/openai_api_compatible
"""

EXAMPLES = r"""
- name: Ask DeepSeek through Dify
  privateai.deepseek_dify.dify_chat_smoke:
    console_url: https://dify.example.internal
    admin_email: admin@example.com
    admin_password: "{{ dify_admin_password }}"
    model: deepseek-r1
  register: dify_smoke
"""

RETURN = r"""
app_id:
  description: The smoke-test app's id (null in check mode when it would be created).
  returned: success
  type: str
app_created:
  description: Whether the app was (or would be) created.
  returned: success
  type: bool
answer:
  description: The model's answer (null in check mode).
  returned: success
  type: str
model:
  description: The model that answered.
  returned: success
  type: str
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
    spec.update(app_name=dict(type="str", default="privateai-smoke"),
                query=dict(type="str", default="Reply with the single word: ready."),
                model=dict(type="str"), provider=dict(type="str", default=dify_console.PROVIDER))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    problems = []
    if not (params["app_name"] or "").strip() or len(params["app_name"]) > 255:
        problems.append("app_name %r is empty or longer than 255 characters; set app_name to a short name, for "
                        "example privateai-smoke" % (params["app_name"],))
    if not (params["query"] or "").strip():
        problems.append("query is empty; set query to a short question, for example 'Reply with the single word: "
                        "ready.'")
    if params["model"] is not None and not dify_console.MODEL_NAME_RE.match(params["model"]):
        problems.append("model %r is not a model name (letters, digits and . _ : / @ + -); set model to the name "
                        "the model was registered under" % (params["model"],))

    def action(client):
        return dify_console.chat_smoke(client, params["app_name"], params["query"], model=params["model"],
                                       provider=params["provider"], check_mode=module.check_mode)

    dify_console.run_module(module, action, problems)


if __name__ == "__main__":
    main()
