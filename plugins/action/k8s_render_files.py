# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of privateai.deepseek_dify.k8s_render_files (documented in plugins/modules/k8s_render_files.py).

Writes render plans on the controller in one step; the logic is in plugins/plugin_utils/k8s_render_files.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import k8s_render_files

ARGUMENT_SPEC = {
    "plans": {"type": "list", "elements": "dict", "required": True},
    "prune": {"type": "bool", "default": True},
    "write_in_check_mode": {"type": "bool", "default": True},
}


class ActionModule(ActionBase):
    """Write every file of the given render plans atomically, prune the stale ones, report per file."""

    TRANSFERS_FILES = False
    _requires_connection = False  # everything happens on the controller
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp  # nothing is copied to a target: the files are the controller's
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        check = bool(self._task.check_mode) and not args["write_in_check_mode"]
        try:
            written = k8s_render_files.write_plans(args["plans"], prune=args["prune"], check=check, diff=bool(self._task.diff))
        except k8s_render_files.K8sRenderFilesError as exc:
            result.update(failed=True, problems=exc.problems,
                          msg="k8s_render_files: %d problem(s), nothing was written: %s" % (len(exc.problems), "; ".join(exc.problems)))
            return result
        except OSError as exc:
            # A failure while writing (disk full, permissions): name the path, never the content.
            result.update(failed=True, msg="k8s_render_files: writing failed at %s: %s" % (exc.filename, exc.strerror or exc))
            return result
        result.update(changed=written["changed"], stages=written["stages"], written=not check,
                      msg=k8s_render_files.summary(written) + ("" if not check else " (check mode: nothing written)"))
        result["skipped_secrets"] = [path for stage in written["stages"] for path in stage["skipped_secrets"]]
        if self._task.diff and written["diff"]:
            result["diff"] = written["diff"]
        return result
