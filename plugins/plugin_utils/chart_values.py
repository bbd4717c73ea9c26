# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the keys of extra Helm values (``<role>_values_extra``) against the chart that will receive them.

Helm ignores a values key the chart does not know, so a misspelt key in an extra-values hook would be dropped
without a word. The roles call :func:`unknown_keys` with the chart reference read from the pinned chart archive
(:func:`load_archive`): the archive the inventory names (``<role>_chart_archive``), or in apply mode the one
``helm pull`` fetched for the pinned version.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import posixpath
import tarfile

import yaml

# Keys whose values charts pass whole into Kubernetes fields or free-form maps: keys below them are not the
# chart's to declare.
FREEFORM_KEYS = frozenset(["nodeSelector", "labels", "annotations", "podAnnotations", "podLabels", "commonLabels",
                           "serviceLabels", "resources", "affinity", "securityContext", "containerSecurityContext",
                           "podSecurityContext", "env", "tolerations", "extraArgs", "args"])


class ChartError(Exception):
    pass


def _reference_from_members(files, root):
    """(values, schema properties or None, {subchart: reference}) from {path: bytes} below ``root``."""
    values = yaml.safe_load(files.get(posixpath.join(root, "values.yaml"), b"") or b"") or {}
    schema = None
    if posixpath.join(root, "values.schema.json") in files:
        schema = json.loads(files[posixpath.join(root, "values.schema.json")].decode("utf-8"))
    subcharts = {}
    prefix = posixpath.join(root, "charts") + "/"
    names = set()
    for path in files:
        if path.startswith(prefix):
            rest = path[len(prefix):]
            if "/" in rest:
                names.add(("dir", rest.split("/", 1)[0]))
            elif rest.endswith(".tgz"):
                names.add(("tgz", rest))
    for kind, name in sorted(names):
        if kind == "dir":
            sub = _reference_from_members(files, posixpath.join(root, "charts", name))
            subcharts[_chart_name(files, posixpath.join(root, "charts", name)) or name] = sub
        else:
            sub_files, sub_root = _members(io.BytesIO(files[prefix + name]))
            subcharts[_chart_name(sub_files, sub_root) or name] = _reference_from_members(sub_files, sub_root)
    return values, schema, subcharts


def _chart_name(files, root):
    data = files.get(posixpath.join(root, "Chart.yaml"))
    if data is None:
        return None
    return (yaml.safe_load(data) or {}).get("name")


def _members(fileobj):
    files = {}
    try:
        with tarfile.open(fileobj=fileobj, mode="r:*") as archive:
            for member in archive.getmembers():
                if member.isfile() and (member.name.endswith(("values.yaml", "values.schema.json", "Chart.yaml", ".tgz"))):
                    files[member.name.lstrip("./")] = archive.extractfile(member).read()
    except (tarfile.TarError, OSError) as err:
        raise ChartError("not a chart archive (%s)" % err)
    roots = sorted(path[:-len("/Chart.yaml")] for path in files if path.count("/") == 1 and path.endswith("/Chart.yaml"))
    if not roots:
        raise ChartError("no Chart.yaml at the top of the archive")
    return files, roots[0]


def load_archive(path):
    """The chart reference (values, schema, subcharts) of a chart archive (.tgz) on the controller."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (IOError, OSError) as err:
        raise ChartError("cannot read %s: %s" % (path, err))
    files, root = _members(io.BytesIO(data))
    return _reference_from_members(files, root)


def _schema_has(schema, key):
    if not isinstance(schema, dict):
        return None
    props = schema.get("properties") or {}
    if key in props:
        return props[key]
    for combinator in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(combinator) or []:
            found = _schema_has(sub, key)
            if found is not None:
                return found
    return None


def _merge(base, over):
    out = dict(base)
    for key, value in (over or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def unknown_keys(variable, extra, reference, allowed=()):
    """Problems naming each key path of ``extra`` the chart does not declare (values.yaml or values.schema.json).

    ``allowed`` lists dotted key paths the chart reads without declaring them (with the template that reads them
    documented where the list is kept). Keys below a map whose default is empty or free-form are not checked.
    """
    values, schema, subcharts = reference
    problems = []

    def walk(node, ref, schema_node, subs, path):
        for key in sorted(node, key=str):
            dotted = ".".join(path + [str(key)])
            if any(dotted == entry or dotted.startswith(entry + ".") for entry in allowed):
                continue
            value = node[key]
            if key in subs:
                sub_values, sub_schema, sub_subs = subs[key]
                parent = ref.get(key) if isinstance(ref, dict) and isinstance(ref.get(key), dict) else {}
                if isinstance(value, dict):
                    walk(value, _merge(sub_values, parent), sub_schema, sub_subs, path + [str(key)])
                continue
            declared = isinstance(ref, dict) and key in ref
            sub_schema = _schema_has(schema_node, key)
            if not declared and sub_schema is None:
                problems.append("%s: key %s is not a value of the chart (Helm would ignore it silently): fix the "
                                "spelling or remove it" % (variable, dotted))
                continue
            default = ref.get(key) if declared else None
            if not isinstance(value, dict) or key in FREEFORM_KEYS:
                continue
            if isinstance(default, dict) and default:
                walk(value, default, sub_schema, {}, path + [str(key)])
            elif not declared and isinstance(sub_schema, dict) and sub_schema.get("properties"):
                walk(value, {}, sub_schema, {}, path + [str(key)])

    if not isinstance(extra, dict):
        return ["%s is %r: give a mapping of Helm values" % (variable, extra)]
    walk(extra, values, schema, subcharts, [])
    return problems
