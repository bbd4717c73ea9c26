# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render Helm releases through the real upstream chart packages, in process, and validate what comes out.

Plain Python (no Ansible), so tests can call it per release and per wrong input cheaply:

- ``chart_archive(chart, version)``: the package in ../shared/charts (Istio charts under istio/);
- ``render_release(release, values)``: the objects Helm's own engine (PyPI helm-python-sdk, Helm's Go code, no
  helm binary) renders for one entry of a rendered ``<stage>/helm/releases.yaml`` with exactly those values, like
  ``helm template NAME CHART --version V --namespace NS -f VALUES`` (NOTES.txt left out; CRDs of the chart's crds/
  folders come from ``release_crds``, as ``helm template`` without ``--include-crds``);
- ``validate_objects(objects, where)``: every object, core kinds with kubernetes-validate (strict) at each
  Kubernetes version of checks.K8S_VERSIONS, custom resources against ../shared/schemas (checks.validate_manifest),
  plus the label and quantity syntax the API server enforces beyond those schemas (api_server_problems).

Each (release, values) renders once per process (module-level cache); callers get their own copies.
"""

import copy
import json
import os
import re

import yaml

import checks

CHARTS = os.path.join(checks.SHARED, "charts")

# Helm's document separator inside one rendered file, as Helm itself splits (a "---" at the start of a line,
# possibly followed by text on the same line: cert-manager's rbac.yaml renders "---# Permission to ...").
_SEPARATOR = re.compile(r"(?:^|\s*\n)---\s*")

_CACHE = {}


class ChartNotFound(LookupError):
    """No package of that chart at that version in ../shared/charts."""


class RenderError(Exception):
    """Helm refused to render a release: a template error, or values its values.schema.json rejects."""


class _Loader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """SafeLoader that also reads YAML's '=' (value) tag, which one kube-prometheus-stack CRD carries."""


_Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def chart_archive(chart, version):
    """Path of the package of ``chart`` at ``version`` in ../shared/charts (or its istio/ folder)."""
    name = "%s-%s.tgz" % (chart, version)
    for folder in (CHARTS, os.path.join(CHARTS, "istio")):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    present = sorted(n for folder in (CHARTS, os.path.join(CHARTS, "istio")) if os.path.isdir(folder)
                     for n in os.listdir(folder) if n.startswith(chart + "-") and n.endswith(".tgz"))
    raise ChartNotFound("chart %s version %s: no package %s in %s (or its istio/ folder)%s; add the upstream package "
                        "at that version there (see its SOURCES.md) or pin a version that is there"
                        % (chart, version, name, CHARTS, "; present: " + ", ".join(present) if present else ""))


def _where(release):
    return "release %s (chart %s %s, namespace %s)" % (release.get("name"), release.get("chart"),
                                                       release.get("version"), release.get("namespace"))


def parse_rendered(files):
    """Objects of Helm's {template path: text} output, in template path order, NOTES.txt excluded."""
    objects = []
    for path, text in sorted(files.items()):
        if path.endswith("NOTES.txt"):
            continue
        for part in _SEPARATOR.split(text):
            if not part.strip():
                continue
            try:
                docs = list(yaml.load_all(part, Loader=_Loader))  # nosec B506 - SafeLoader subclass
            except yaml.YAMLError as exc:
                raise RenderError("%s renders YAML that does not parse: %s" % (path, exc)) from exc
            objects.extend(doc for doc in docs if doc is not None)
    return objects


def render_release(release, values):
    """The objects the release's chart renders with ``values`` (a list of dicts; every call gets its own copy).

    Raises ChartNotFound when the package is missing and RenderError naming the release and Helm's message when
    a template fails or the values break the chart's values.schema.json.
    """
    import helm_python  # pylint: disable=import-outside-toplevel

    key = (release["chart"], str(release["version"]), release["name"], release["namespace"],
           json.dumps(values, sort_keys=True, default=str))
    if key not in _CACHE:
        archive = chart_archive(release["chart"], release["version"])
        try:
            # Loaded afresh per render: render() drops the subcharts whose condition is false for those values
            # from the loaded chart, so a Chart object must not be reused with other values.
            with helm_python.Chart.load(archive) as chart:
                files = chart.render(values=copy.deepcopy(values), name=release["name"],
                                     namespace=release["namespace"], is_install=True)
        except helm_python.HelmError as exc:
            _CACHE[key] = RenderError("%s: Helm refused to render it: %s" % (_where(release), str(exc).strip()))
        else:
            try:
                _CACHE[key] = parse_rendered(files)
            except RenderError as exc:
                _CACHE[key] = RenderError("%s: %s" % (_where(release), exc))
    result = _CACHE[key]
    if isinstance(result, RenderError):
        raise RenderError(str(result))
    return copy.deepcopy(result)


def release_crds(release):
    """The CustomResourceDefinitions of the chart's crds/ folders (chart and subcharts) as objects."""
    import helm_python  # pylint: disable=import-outside-toplevel

    key = ("crds", release["chart"], str(release["version"]))
    if key not in _CACHE:
        with helm_python.Chart.load(chart_archive(release["chart"], release["version"])) as chart:
            _CACHE[key] = parse_rendered({crd["filename"]: crd["data"] for crd in chart.crds or []})
    return copy.deepcopy(_CACHE[key])


def object_name(obj):
    """'Kind namespace/name' (or 'Kind name' for objects without a namespace) of a rendered object."""
    if not isinstance(obj, dict):
        return "<not a mapping: %s>" % type(obj).__name__
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name = meta.get("name", "<no name>")
    return "%s %s" % (obj.get("kind", "<no kind>"), "%s/%s" % (meta["namespace"], name) if meta.get("namespace") else name)


# What the API server checks beyond the OpenAPI schemas kubernetes-validate has (those type labels as strings and
# quantities as int-or-string): label syntax (k8s.io/apimachinery validation.IsQualifiedName / IsValidLabelValue)
# resource quantity syntax (resource.ParseQuantity) and toleration operators and effects (core validation).
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_QUANTITY = re.compile(r"^[+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$")


def label_key_problem(key):
    """Why ``key`` is not a valid label (or annotation) key, or None."""
    if not isinstance(key, str):
        return "label key %r is not a string" % (key,)
    prefix, _slash, name = key.rpartition("/")
    if _slash and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return "label key %r: prefix %r is not a DNS subdomain (lower case, at most 253 characters)" % (key, prefix)
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        return ("label key %r: name %r must be 1-63 characters of alphanumerics, '-', '_' or '.', starting and ending "
                "alphanumeric" % (key, name))
    return None


def label_value_problem(value):
    """Why ``value`` is not a valid label value, or None."""
    if not isinstance(value, str):
        return "label value %r is not a string" % (value,)
    if value and (len(value) > 63 or not _LABEL_NAME.match(value)):
        return ("label value %r must be at most 63 characters of alphanumerics, '-', '_' or '.', starting and ending "
                "alphanumeric" % value)
    return None


def quantity_problem(value):
    """Why ``value`` is not a Kubernetes resource quantity, or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return "%r is not a quantity" % (value,)
    if isinstance(value, str) and not _QUANTITY.match(value):
        return "%r is not a quantity (e.g. 500m, 2, 1.5Gi, 64Mi)" % value
    return None


def api_server_problems(obj):
    """Label, annotation key, quantity and toleration problems anywhere in ``obj``, as '<path>: <message>' strings."""
    problems = []

    def labels(mapping, path, values=True):
        for key in sorted(mapping, key=str):
            for problem in (label_key_problem(key), label_value_problem(mapping[key]) if values else None):
                if problem:
                    problems.append("%s.%s: %s" % (path, key, problem))

    def walk(node, path):
        if isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, "%s[%d]" % (path, index))
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            here = "%s.%s" % (path, key)
            # Anywhere in the object: custom resources carry labels for what their operator creates
            # (ClusterPolicy spec.daemonsets.labels), pod templates and selectors their own.
            if key in ("labels", "matchLabels", "nodeSelector") and isinstance(value, dict) and all(
                    not isinstance(v, (dict, list)) for v in value.values()):
                labels(value, here)
            elif key == "annotations" and isinstance(value, dict):
                labels(value, here, values=False)
            elif key == "tolerations" and isinstance(value, list):
                for index, item in enumerate(value):
                    for field, allowed in (("operator", ("Exists", "Equal")), ("effect", _TAINT_EFFECTS)):
                        if isinstance(item, dict) and item.get(field) not in allowed + (None, ""):
                            problems.append("%s[%d].%s: %r is not one of %s" % (
                                here, index, field, item[field], ", ".join(allowed)))
                walk(value, here)
            elif key in ("limits", "requests") and isinstance(value, dict) and path.endswith("resources"):
                for name in sorted(value, key=str):
                    problem = quantity_problem(value[name])
                    if problem:
                        problems.append("%s.%s: %s" % (here, name, problem))
            else:
                walk(value, here)

    walk(obj, "$")
    return problems


def validate_objects(objects, where, k8s_versions=checks.K8S_VERSIONS):
    """Every problem of every object, as '<where>: <Kind ns/name>: <path>: <message>' strings (empty when valid).

    Core kinds are checked at each Kubernetes version in ``k8s_versions`` (kubernetes-validate, strict: unknown
    fields are errors), custom resources once against their schema in ../shared/schemas; an object with a schema
    in neither is a problem too. Label keys/values (metadata, selectors, nodeSelector), annotation keys,
    resource quantities (``resources.limits/requests``) and toleration operators/effects are checked as well.
    """
    problems = []
    for obj in objects:
        versions = k8s_versions[:1] if isinstance(obj, dict) and checks.is_custom_resource(obj) else k8s_versions
        seen = set()
        for version in versions:
            for err in checks.validate_manifest(obj, version):
                if err not in seen:
                    seen.add(err)
                    problems.append("%s: %s: %s" % (where, object_name(obj), err))
        if isinstance(obj, dict):
            problems.extend("%s: %s: %s" % (where, object_name(obj), err) for err in api_server_problems(obj))
    return problems


def render_and_validate(release, values):
    """(objects, problems) of one release: a render failure is one problem naming release and Helm's message."""
    try:
        objects = render_release(release, values)
    except (RenderError, ChartNotFound) as exc:
        return [], [str(exc)]
    return objects, validate_objects(objects, "release %s" % release["name"])


def release_problems(release, values, allowlist=None):
    """Everything wrong with one release and its values, each naming the release: the values key check
    (checks.check_values_keys against the chart's reference values and values.schema.json), then the real render
    and the validation of every object it renders (render_and_validate)."""
    where = "release %s" % release["name"]
    folder = checks.chart_folder(release["chart"])
    if folder is None:
        problems = ["%s: no reference values for chart %s in %s" % (where, release["chart"], checks.CHART_VALUES)]
    else:
        problems = ["%s: %s" % (where, problem) for problem in checks.check_values_keys(
            folder, values, os.path.join(checks.CHART_VALUES, folder),
            checks.load_allowlist() if allowlist is None else allowlist)]
    return problems + render_and_validate(release, values)[1]
