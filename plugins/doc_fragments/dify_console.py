# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The connection and login options of the dify_* modules (one console API session each)."""

    DOCUMENTATION = r"""
options:
  console_url:
    description:
      - Base URL of the Dify console (where C(/console/api) is served), for example V(https://dify.example.internal)
        or V(http://dify-api.dify.svc:5001).
      - On an V(https) console Dify sets C(__Host-) prefixed Secure cookies; the client sends them back only over
        https, so give the https URL the console runs on, or a loopback port-forward with O(port_forward=true).
    type: str
    required: true
  admin_email:
    description: Email address of Dify's admin account, used to log in.
    type: str
    required: true
  admin_password:
    description:
      - Password of the admin account (at least 8 characters with letters and digits, Dify's rule). Never returned or
        printed; sent base64-encoded at login from Dify 1.11.2 on, as the console web app does.
    type: str
    required: true
  timeout:
    description: Seconds to wait for each answer of the console API.
    type: float
    default: 30
  validate_certs:
    description: Verify the console's TLS certificate (V(https) URLs).
    type: bool
    default: true
  ca_path:
    description: PEM file with the CA that signed the console's certificate (the internal CA).
    type: path
  port_forward:
    description:
      - O(console_url) is a loopback address (V(127.0.0.1), V(::1), V(localhost)) where a C(kubectl port-forward)
        of Dify's nginx front Service listens, for example V(http://127.0.0.1:18080).
      - Dify's Secure (C(__Host-) prefixed) cookies, set because its own console URL is https, are then sent back
        over the tunnel's plain http, as a browser on the https URL would. Never for any other http host; a
        non-loopback O(console_url) with V(true) is refused before any call.
    type: bool
    default: false
notes:
  - One cookie jar per run, as the console web app keeps; every call after login sends the C(X-CSRF-Token) header
    with the value of the C(csrf_token) cookie. An HTTP 401 refreshes the tokens once (or logs in again) and retries.
  - The version of Dify comes from the C(X-Version) header of its answers and is returned as RV(version).
"""
