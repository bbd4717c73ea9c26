#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: dify_plugin
short_description: Install an offline Dify plugin package (.difypkg) through the console API, once per version
version_added: "0.4.0"
description:
  - Reads the plugin's identifier (C(author/name)) and version from the package's C(manifest.yaml) and lists the
    installed plugins. When that plugin is installed at that version nothing is sent (changed=false).
  - Otherwise uploads the package (C(POST .../plugin/upload/pkg)), installs it (C(POST .../plugin/install/pkg)) and
    polls the install task until it succeeds, fails or O(task_timeout) passes. A failed task fails the module with
    the plugin daemon's message.
  - Made for the OpenAI-API-compatible model provider (C(langgenius/openai_api_compatible)) in an air-gapped
    cluster; any .difypkg works. Offline, the package must carry its Python dependencies (see docs/dify-bootstrap.md).
author:
  - privateai.deepseek_dify maintainers (@privateai)
extends_documentation_fragment:
  - privateai.deepseek_dify.dify_console
  - privateai.deepseek_dify.attributes
attributes:
  check_mode:
    support: full
    details:
      - Check mode logs in and lists the plugins (read only) and reports whether the package would be installed.
  diff_mode:
    support: none
  idempotent:
    support: full
options:
  package:
    description: Path of the .difypkg file on the host the module runs on.
    type: path
    required: true
  task_timeout:
    description: Seconds to wait for the install task.
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Install the OpenAI-API-compatible provider from the offline package
  privateai.deepseek_dify.dify_plugin:
    console_url: https://dify.example.internal
    admin_email: admin@example.com
    admin_password: "{{ dify_admin_password }}"
    package: /srv/privateai/plugins/langgenius-openai_api_compatible_0.0.35-offline.difypkg
"""

RETURN = r"""
plugin_id:
  description: The plugin's identifier from its manifest.
  returned: success
  type: str
  sample: langgenius/openai_api_compatible
version:
  description: Dify's version from the C(X-Version) header.
  returned: always
  type: str
plugin_version:
  description: The package's plugin version.
  returned: success
  type: str
  sample: 0.0.35
previous_version:
  description: The version of the plugin installed before the run (null when none was).
  returned: success
  type: str
plugin_unique_identifier:
  description: Dify's unique identifier of the installed package (null in check mode before an install).
  returned: success
  type: str
task_id:
  description: The install task that was polled (null when nothing was installed or Dify installed at once).
  returned: success
  type: str
step:
  description: The step that failed.
  returned: failure
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import dify_console


def main():
    spec = dify_console.connection_argument_spec()
    spec.update(package=dict(type="path", required=True), task_timeout=dict(type="int", default=600))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    problems = []
    if not os.path.isfile(params["package"]):
        problems.append("package %r is not a file; set package to the path of the .difypkg on the host the module "
                        "runs on" % (params["package"],))
    if params["task_timeout"] < 1:
        problems.append("task_timeout %r is not a positive number of seconds; set it to, for example, 600"
                        % (params["task_timeout"],))

    def action(client):
        result = dify_console.ensure_plugin(client, params["package"], params["task_timeout"], module.check_mode)
        result["plugin_version"] = result.pop("version")
        return result

    dify_console.run_module(module, action, problems)


if __name__ == "__main__":
    main()
