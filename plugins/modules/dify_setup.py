#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dify_setup
short_description: Set up a fresh Dify through its console API (init password, first admin) and log in as that admin
version_added: "0.4.0"
description:
  - Reads C(GET /console/api/setup). On a fresh Dify (V(not_started)) it validates the init password (C(POST /init),
    when Dify runs with C(INIT_PASSWORD)) and creates the first admin account (C(POST /setup)), then logs in as it.
  - On a Dify that is already set up it only logs in; that is not an error and reports no change. When the login is
    refused there, the module fails saying that Dify's admin is a different account (or its password was changed).
  - Bad options are refused before any request, all at once, naming the option (never a password's value).
  - Passwords are never returned or printed.
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.dify_console
  - privateai.deepseek_dify.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode a fresh Dify is reported as changed and nothing is sent; a set-up Dify is logged in to (read only).
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  init_password:
    description:
      - Dify's C(INIT_PASSWORD) (at most 30 characters), needed on a fresh Dify that was started with one.
    type: str
  admin_name:
    description: Display name of the first admin (at most 30 characters).
    type: str
    default: Admin
  language:
    description: Interface language of the first admin.
    type: str
    default: en-US
seealso:
  - module: privateai.deepseek_dify.dify_plugin
  - module: privateai.deepseek_dify.dify_model_provider
"""

EXAMPLES = r"""
- name: Set up Dify and its first admin
  privateai.deepseek_dify.dify_setup:
    console_url: https://dify.example.internal
    ca_path: /etc/privateai/ca.crt
    admin_email: admin@example.com
    admin_password: "{{ lookup('ansible.builtin.file', credentials_dir ~ '/dify-admin-password') }}"
    init_password: "{{ lookup('ansible.builtin.file', credentials_dir ~ '/dify-init-password') }}"
  no_log: true
  register: dify_setup
"""

RETURN = r"""
setup_step:
  description: The setup state after the run (V(finished)).
  returned: always
  type: str
  sample: finished
logged_in:
  description: Whether the admin logged in.
  returned: success
  type: bool
admin_email:
  description: The admin's email address.
  returned: success
  type: str
account:
  description: The logged-in account as Dify reports it (email, name).
  returned: success
  type: dict
version:
  description: Dify's version from the C(X-Version) header.
  returned: always
  type: str
  sample: 1.14.2
token_refreshes:
  description: How many times the console token was refreshed after an HTTP 401.
  returned: success
  type: int
step:
  description: The step that failed.
  returned: failure
  type: str
status:
  description: The HTTP status Dify answered in the failed step (null below HTTP).
  returned: failure
  type: int
code:
  description: Dify's error code in the failed step (for example V(already_setup), V(init_validate_failed)).
  returned: failure
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import dify_console


def main():
    spec = dify_console.connection_argument_spec()
    spec.update(
        init_password=dict(type="str", no_log=True),
        admin_name=dict(type="str", default="Admin"),
        language=dict(type="str", default="en-US"),
    )
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    problems = []
    init_password = params["init_password"]
    if init_password is not None and not 0 < len(init_password) <= dify_console.INIT_PASSWORD_MAX:
        problems.append("init_password is not 1 to %d characters long (Dify's limit; the value is not shown); set "
                        "init_password to the INIT_PASSWORD Dify was started with" % dify_console.INIT_PASSWORD_MAX)
    name = params["admin_name"]
    if not name or not name.strip() or len(name) > dify_console.ADMIN_NAME_MAX:
        problems.append("admin_name %r is empty or longer than %d characters; set admin_name to a short display "
                        "name, for example Admin" % (name, dify_console.ADMIN_NAME_MAX))

    def action(client):
        client.add_secret(init_password)
        return dify_console.ensure_setup(client, params["admin_email"], name, params["admin_password"],
                                         init_password=init_password, check_mode=module.check_mode)

    dify_console.run_module(module, action, problems, login=False)  # ensure_setup logs in after the setup


if __name__ == "__main__":
    main()
