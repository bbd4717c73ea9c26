# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the files of Kubernetes render plans on the controller, in one step.

Plain Python (no Ansible imports) so the unit tests drive it on temporary directories. The action
plugin privateai.deepseek_dify.k8s_render_files calls :func:`write_plans` with the plans made by
:func:`ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.k8s_render.build_plans`.

For each plan (one stage):

- the directories ``dir``, ``helm_dir`` and ``manifests_dir`` are created mode 0750 (an existing one
  with another mode is set to 0750);
- each file is written only when its bytes or its mode differ: to a temporary file in the same
  directory, then renamed over the old one (a reader sees the old or the new file, never half of one);
  mode 0600 for secrets, 0644 otherwise;
- with ``prune``, every other entry of ``helm_dir`` and ``manifests_dir`` is removed (a release or a
  manifest taken out of the inventory, a secret no longer rendered, a temporary file left by a crash).

Every problem that would stop the write (a file where a directory must be, a directory where a file
must be, a path outside its stage's directories) is found before anything is changed and reported in
one :class:`K8sRenderFilesError`. The result never holds a secret file's content; the diff holds the
before and after text of non-secret files only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import stat
import tempfile

DIR_MODE = 0o750
FILE_MODE = 0o644
SECRET_MODE = 0o600
PLAN_DIRS = ("dir", "helm_dir", "manifests_dir")
PRUNED_DIRS = ("helm_dir", "manifests_dir")


class K8sRenderFilesError(Exception):
    """The plans cannot be written; ``problems`` lists every reason, nothing was changed."""

    def __init__(self, problems):
        super(K8sRenderFilesError, self).__init__("; ".join(problems))
        self.problems = list(problems)


def _relative(path, root):
    rel = os.path.relpath(path, root)
    return path if rel.startswith("..") else rel


def _mode(st):
    return stat.S_IMODE(st.st_mode)


def _lstat(path):
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):  # missing, or a file stands where a parent directory must be
        return None


def _first_existing_ancestor(path):
    """The nearest existing path at or above ``path`` (an absolute path always has one: /)."""
    current = path
    while _lstat(current) is None:
        parent = os.path.dirname(current)
        if parent == current:
            return current
        current = parent
    return current


def _check_plan(plan, problems):
    """Problems with one plan's shape and with what is on disk where it writes. Appends; returns nothing."""
    if not isinstance(plan, dict):
        problems.append("a plan must be a dict (from the k8s_render_plan filter), got %s" % type(plan).__name__)
        return
    stage = plan.get("stage", "?")
    missing = [key for key in PLAN_DIRS + ("files",) if key not in plan]
    if missing:
        problems.append("stage %s: the plan has no %s (pass the plans the k8s_render_plan filter returns)" % (stage, ", ".join(missing)))
        return
    if plan.get("problems"):
        problems.append("stage %s: the plan has problems and cannot be written: %s" % (stage, "; ".join(plan["problems"])))
        return
    dirs = [str(plan[key]) for key in PLAN_DIRS]
    for directory in dirs:
        if not os.path.isabs(directory):
            problems.append("stage %s: directory %s is not an absolute path (set k8s_render_apply_dir to an absolute path)" % (stage, directory))
            return
    for directory in dirs:
        existing = _first_existing_ancestor(directory)
        st = os.stat(existing) if _lstat(existing) is not None else None
        if st is not None and not stat.S_ISDIR(st.st_mode):
            problems.append("stage %s: %s is a file where the directory %s must be; move it away or choose another "
                            "k8s_render_apply_dir" % (stage, existing, directory))
            return  # the ones below it would repeat the same message
    targets = (os.path.normpath(str(plan["helm_dir"])), os.path.normpath(str(plan["manifests_dir"])))
    for entry in plan["files"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not isinstance(entry.get("content"), str):
            problems.append("stage %s: a file entry must be {path, content, secret}, got %r" % (stage, type(entry).__name__))
            continue
        path = os.path.normpath(entry["path"])
        if os.path.dirname(path) not in targets:
            problems.append("stage %s: file %s is not directly under %s or %s; only the plan's own directories are written"
                            % (stage, path, targets[0], targets[1]))
            continue
        st = _lstat(path)
        if st is not None and stat.S_ISDIR(st.st_mode):
            problems.append("stage %s: %s is a directory where the rendered file must go; remove it" % (stage, path))


def _ensure_dir(path, check):
    """Create ``path`` (and its parents) mode 0750 or set its mode; returns 'created', 'mode' or None.
    A symbolic link to a directory is followed (a render directory on another file system)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    if st is None:
        if not check:
            os.makedirs(path, DIR_MODE)
            os.chmod(path, DIR_MODE)  # makedirs' mode is filtered by the umask
        return "created"
    if _mode(st) != DIR_MODE:
        if not check:
            os.chmod(path, DIR_MODE)
        return "mode"
    return None


def _read(path):
    """Bytes of ``path`` or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _write_atomic(path, data, mode):
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def _text(data):
    return data.decode("utf-8", "replace")


def write_plans(plans, prune=True, check=False, diff=False):
    """Write the files of every plan; see the module docstring.

    ``check``: find what would change and write nothing. ``diff``: also return, per changed file, its
    before and after text (secrets: the path only). Returns ``{changed, stages, diff}``; each stage is
    ``{stage, dir, created, updated, removed, unchanged, skipped_secrets}`` with paths relative to the
    render directory (the parent of the stage's directory). Raises :class:`K8sRenderFilesError` with
    every problem before anything is changed."""
    if not isinstance(plans, list):
        raise K8sRenderFilesError(["plans must be a list of render plans, got %s" % type(plans).__name__])
    problems = []
    for plan in plans:
        _check_plan(plan, problems)
    dirs_seen = {}
    for plan in plans:
        if isinstance(plan, dict) and plan.get("dir") in dirs_seen:
            problems.append("stage %s: directory %s is also the directory of stage %s" % (
                plan.get("stage"), plan.get("dir"), dirs_seen[plan.get("dir")]))
        elif isinstance(plan, dict):
            dirs_seen[plan.get("dir")] = plan.get("stage")
    if problems:
        raise K8sRenderFilesError(problems)

    result = {"changed": False, "stages": [], "diff": []}
    for plan in plans:
        root = os.path.dirname(os.path.normpath(str(plan["dir"])))
        report = {"stage": plan.get("stage"), "dir": _relative(str(plan["dir"]), root), "created": [], "updated": [],
                  "removed": [], "unchanged": 0, "directories": [],
                  "skipped_secrets": [_relative(p, root) for p in plan.get("skipped_secrets") or []]}
        for key in PLAN_DIRS:
            what = _ensure_dir(str(plan[key]), check)
            if what:
                report["directories"].append(_relative(str(plan[key]), root))

        wanted = set()
        for entry in sorted(plan["files"], key=lambda e: e["path"]):
            path = os.path.normpath(entry["path"])
            wanted.add(path)
            secret = bool(entry.get("secret"))
            mode = SECRET_MODE if secret else FILE_MODE
            data = entry["content"].encode("utf-8")
            # Not a directory (checked above); a symlink is replaced by a regular file.
            st = _lstat(path)
            before = _read(path) if st is not None and stat.S_ISREG(st.st_mode) else None
            if before == data and _mode(st) == mode:
                report["unchanged"] += 1
                continue
            if not check:
                if before == data:
                    os.chmod(path, mode)
                else:
                    _write_atomic(path, data, mode)
            rel = _relative(path, root)
            report["created" if st is None else "updated"].append(rel)
            if diff:
                result["diff"].append(_file_diff(rel, before, data, st, mode, secret))

        if prune:
            for key in PRUNED_DIRS:
                directory = os.path.normpath(str(plan[key]))
                try:
                    names = sorted(os.listdir(directory))
                except FileNotFoundError:
                    continue  # check mode: not created yet
                for name in names:
                    path = os.path.join(directory, name)
                    if path in wanted:
                        continue
                    st = os.lstat(path)
                    rel = _relative(path, root)
                    if diff:
                        # Secrets are always written 0600, so a 0600 file's content is never shown.
                        shown = stat.S_ISREG(st.st_mode) and _mode(st) != SECRET_MODE
                        result["diff"].append({
                            "before_header": rel, "after_header": "%s (removed: no longer rendered)" % rel,
                            "before": _text(_read(path)) if shown else "(content not shown)\n", "after": ""})
                    if not check:
                        if stat.S_ISDIR(st.st_mode):
                            shutil.rmtree(path)
                        else:
                            os.unlink(path)
                    report["removed"].append(rel)
        if report["created"] or report["updated"] or report["removed"] or report["directories"]:
            result["changed"] = True
        result["stages"].append(report)
    return result


def _file_diff(rel, before, data, st, mode, secret):
    old_mode = "%04o" % _mode(st) if st is not None else "absent"
    if secret:
        return {"before_header": "%s (secret, mode %s)" % (rel, old_mode),
                "after_header": "%s (secret, mode %04o)" % (rel, mode),
                "before": "(secret content not shown)\n" if st is not None else "",
                "after": "(secret content not shown)\n" if before != data else "(secret content not shown, mode only)\n"}
    mode_note = " (mode %s)" % old_mode if st is not None and _mode(st) != mode else ""
    if before is not None and _mode(st) == SECRET_MODE:
        shown_before = "(content not shown: it was mode 0600, a secret)\n"  # a secret that is no longer one
    else:
        shown_before = _text(before) if before is not None else ""
    return {"before_header": rel + mode_note, "after_header": "%s (mode %04o)" % (rel, mode),
            "before": shown_before, "after": _text(data)}


def summary(result):
    """One line per stage for the task's msg."""
    lines = []
    for report in result["stages"]:
        lines.append("%s: %d created, %d updated, %d removed, %d unchanged" % (
            report["stage"], len(report["created"]), len(report["updated"]), len(report["removed"]), report["unchanged"]))
    return "; ".join(lines)
