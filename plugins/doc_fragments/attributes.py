# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Attribute descriptions shared by the collection's modules (each module states its support)."""

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return what would change without changing the target.
  diff_mode:
    description: Returns details of what changed (or would change in check mode) when run with C(--diff).
  idempotent:
    description: A second run with the same arguments reports no change.
"""

    # A module that only reads (the _info modules, the planners): full check mode, no diff, always idempotent.
    READ_ONLY = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
"""
