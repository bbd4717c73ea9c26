# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render plan of a Kubernetes stage: what files to write, with which bytes, and how to apply them.

Plain Python (no Ansible imports) so the unit tests can drive it directly. Controller-only (filters and
action plugins use it, no module does), hence plugin_utils. The role privateai.deepseek_dify.k8s_render_apply
calls it through the filters k8s_render_plan and k8s_stages_have_secrets; the action plugin k8s_render_files
writes the plans (plugins/plugin_utils/k8s_render_files.py).

A stage is ``{name, releases, manifests}``:

- a release is a Helm release: ``name``, ``chart``, ``version`` (exact, pinned), ``namespace``, ``values``
  and exactly one source: ``repo_url`` (an https:// chart repository or an oci:// registry path) or
  ``archive`` (a local chart .tgz for air-gapped sites);
- a manifest is ``{definition, phase: pre|post, secret, wait, wait_condition, wait_timeout}``;
  ``pre`` manifests are applied before the stage's Helm releases (namespaces, configuration the chart
  points at), ``post`` ones after (custom resources whose CRDs the charts install).

Files (relative to the render directory):

- ``<stage>/helm/<release>.values.yaml``: exactly the values passed to ``helm upgrade --install -f``;
- ``<stage>/helm/releases.yaml``: chart, source, version and namespace of every release, in apply order;
- ``<stage>/manifests/NN-<kind>-<name>.yaml``: one object per file, NN the apply order.

Every file is canonical YAML: keys sorted, block style, multi-line strings as literal blocks, no
timestamps, so the same inventory gives the same bytes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re
import traceback

try:
    import yaml
except ImportError:  # PyYAML comes with ansible-core; the controller always has it
    yaml = None
    YAML_IMPORT_ERROR = traceback.format_exc()
else:
    YAML_IMPORT_ERROR = None

HEADER = "# Rendered by privateai.deepseek_dify (stage %s): %s.\n# Change the inventory and render again; edits here are overwritten.\n"

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# An exact version: Helm semver with an optional leading v, no ranges (^ ~ > < * x ||).
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
STAGE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
PHASES = ("pre", "post")
RELEASE_KEYS = frozenset(["name", "chart", "version", "namespace", "values", "repo_url", "archive", "wait",
                          "wait_timeout", "atomic", "create_namespace", "secret", "description"])
MANIFEST_KEYS = frozenset(["definition", "phase", "secret", "wait", "wait_condition", "wait_timeout", "description"])


class K8sRenderError(Exception):
    """Data that cannot be rendered (a type YAML cannot represent)."""


def to_plain(data, where="value"):
    """Return ``data`` as plain dict/list/str/int/float/bool/None (Ansible hands over subclasses)."""
    if data is None or isinstance(data, bool):
        return data
    if isinstance(data, int):
        return int(data)
    if isinstance(data, float):
        if math.isnan(data) or math.isinf(data):
            raise K8sRenderError("%s: %r cannot be rendered" % (where, data))
        return float(data)
    if isinstance(data, str):
        return str(data)
    if isinstance(data, bytes):
        return data.decode("utf-8")
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if not isinstance(key, str):
                if isinstance(key, (int, float, bool)) or key is None:
                    raise K8sRenderError("%s: key %r is not a string (quote it in YAML)" % (where, key))
                raise K8sRenderError("%s: key %r of type %s is not a string" % (where, key, type(key).__name__))
            out[str(key)] = to_plain(value, "%s.%s" % (where, key))
        return out
    if isinstance(data, (list, tuple)):
        return [to_plain(item, "%s[%d]" % (where, i)) for i, item in enumerate(data)]
    raise K8sRenderError("%s: type %s cannot be rendered to YAML" % (where, type(data).__name__))


_DUMPER = []


def _dumper():
    """A SafeDumper with block style, sequences indented under their key (kubectl's layout) and literal
    blocks for multi-line strings; built on first use so importing this file does not need PyYAML."""
    if _DUMPER:
        return _DUMPER[0]
    if yaml is None:
        raise K8sRenderError("PyYAML is needed to render: %s" % YAML_IMPORT_ERROR)

    class Dumper(yaml.SafeDumper):  # pylint: disable=too-many-ancestors
        def increase_indent(self, flow=False, indentless=False):
            return super(Dumper, self).increase_indent(flow, False)

    def represent_str(dumper, value):
        if "\n" in value:
            # PyYAML falls back to a quoted scalar by itself when a literal block cannot hold the text.
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
        return dumper.represent_scalar("tag:yaml.org,2002:str", value)

    Dumper.add_representer(str, represent_str)
    _DUMPER.append(Dumper)
    return Dumper


def dump_yaml(data, header=None):
    """Canonical YAML text of ``data`` (plain types), optionally after a comment header."""
    text = yaml.dump(to_plain(data), Dumper=_dumper(), default_flow_style=False, sort_keys=True,
                     allow_unicode=True, width=100000, indent=2, explicit_start=True)
    return (header or "") + text


def manifest_filename(index, definition):
    kind = str(definition.get("kind", "object")).lower()
    name = str((definition.get("metadata") or {}).get("name", "unnamed"))
    safe = re.sub(r"[^a-z0-9.-]+", "-", name.lower()).strip("-") or "unnamed"
    return "%02d-%s-%s.yaml" % (index, re.sub(r"[^a-z0-9]+", "", kind) or "object", safe)


def chart_ref(release):
    """The chart reference Helm is given: an archive path, oci://registry/path/chart, or the bare chart name."""
    if release.get("archive"):
        return release["archive"]
    repo = release.get("repo_url") or ""
    if repo.startswith("oci://"):
        return repo.rstrip("/") + "/" + release["chart"]
    return release["chart"]


def chart_repo_url(release):
    repo = release.get("repo_url") or ""
    if release.get("archive") or repo.startswith("oci://"):
        return None
    return repo or None


def manifest_is_secret(manifest):
    """A manifest holds secrets when it is marked ``secret`` or is a Secret object."""
    if not isinstance(manifest, dict):
        return False
    definition = manifest.get("definition")
    return bool(manifest.get("secret")) or (isinstance(definition, dict) and definition.get("kind") == "Secret")


def release_is_secret(release):
    """A release's values hold secrets when it is marked ``secret``."""
    return isinstance(release, dict) and bool(release.get("secret"))


def stages_have_secrets(stages):
    """Whether any of ``stages`` holds a secret, by the rule the plans use (the role hides its plan when so).
    Malformed stages are not an error here (build_plans reports them): only what is recognisable counts."""
    for stage in stages if isinstance(stages, list) else []:
        if not isinstance(stage, dict):
            continue
        manifests = stage.get("manifests") if isinstance(stage.get("manifests"), list) else []
        releases = stage.get("releases") if isinstance(stage.get("releases"), list) else []
        if any(manifest_is_secret(m) for m in manifests) or any(release_is_secret(r) for r in releases):
            return True
    return False


def _check_release(stage, index, release, problems):
    where = "stage %s, release #%d" % (stage, index + 1)
    if not isinstance(release, dict):
        problems.append("%s: must be a dict, got %s" % (where, type(release).__name__))
        return False
    name = release.get("name")
    if isinstance(name, str) and name:
        where = "stage %s, release %s" % (stage, name)
    unknown = sorted(set(release) - RELEASE_KEYS)
    if unknown:
        problems.append("%s: unknown keys %s (known: %s)" % (where, ", ".join(unknown), ", ".join(sorted(RELEASE_KEYS))))
    if not isinstance(name, str) or not DNS_LABEL.match(name) or len(name) > 53:
        problems.append("%s: name %r must be a DNS label of at most 53 characters (Helm's limit)" % (where, name))
    if not isinstance(release.get("chart"), str) or not release.get("chart"):
        problems.append("%s: chart must be the chart's name, e.g. gpu-operator" % where)
    version = release.get("version")
    if not isinstance(version, str) or not EXACT_VERSION.match(version):
        problems.append("%s: version %r must be one exact chart version such as v26.7.0 or 26.4.1 "
                        "(ranges and 'latest' are refused: the same inventory must install the same chart)" % (where, version))
    namespace = release.get("namespace")
    if not isinstance(namespace, str) or not DNS_LABEL.match(namespace) or len(namespace) > 63:
        problems.append("%s: namespace %r must be a DNS label (lower case, digits, '-', at most 63 characters)" % (where, namespace))
    repo, archive = release.get("repo_url"), release.get("archive")
    if bool(repo) == bool(archive):
        problems.append("%s: give exactly one of repo_url (https://... or oci://...) and archive (a local chart .tgz); "
                        "got repo_url=%r, archive=%r" % (where, repo, archive))
    elif repo and not re.match(r"^(https?|oci)://[^\s]+$", str(repo)):
        problems.append("%s: repo_url %r must start with https://, http:// or oci://" % (where, repo))
    elif archive and not str(archive).endswith((".tgz", ".tar.gz")):
        problems.append("%s: archive %r must be a packaged chart (.tgz), as made by helm package or helm pull" % (where, archive))
    if not isinstance(release.get("values", {}), dict):
        problems.append("%s: values must be a dict, got %s" % (where, type(release.get("values")).__name__))
    timeout = release.get("wait_timeout", 600)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        problems.append("%s: wait_timeout %r must be a positive number of seconds" % (where, timeout))
    for flag in ("wait", "atomic", "create_namespace", "secret"):
        if flag in release and not isinstance(release[flag], bool):
            problems.append("%s: %s must be true or false, got %r" % (where, flag, release[flag]))
    return True


def _check_manifest(stage, index, manifest, problems):
    where = "stage %s, manifest #%d" % (stage, index + 1)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("definition"), dict):
        problems.append("%s: must be a dict with a definition (the Kubernetes object)" % where)
        return False
    unknown = sorted(set(manifest) - MANIFEST_KEYS)
    if unknown:
        problems.append("%s: unknown keys %s (known: %s)" % (where, ", ".join(unknown), ", ".join(sorted(MANIFEST_KEYS))))
    definition = manifest["definition"]
    meta = definition.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    if isinstance(name, str):
        where = "stage %s, manifest %s/%s" % (stage, definition.get("kind"), name)
    for key in ("apiVersion", "kind"):
        if not isinstance(definition.get(key), str) or not definition.get(key):
            problems.append("%s: definition has no %s" % (where, key))
    if not isinstance(name, str) or not DNS_SUBDOMAIN.match(name) or len(name) > 253:
        problems.append("%s: metadata.name %r must be a DNS subdomain (lower case, digits, '-', '.')" % (where, name))
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    if namespace is not None and (not isinstance(namespace, str) or not DNS_LABEL.match(namespace)):
        problems.append("%s: metadata.namespace %r must be a DNS label" % (where, namespace))
    if manifest.get("phase", "post") not in PHASES:
        problems.append("%s: phase %r must be one of %s" % (where, manifest.get("phase"), ", ".join(PHASES)))
    timeout = manifest.get("wait_timeout", 300)
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        problems.append("%s: wait_timeout %r must be a positive number of seconds" % (where, timeout))
    condition = manifest.get("wait_condition")
    if condition is not None and (not isinstance(condition, dict) or not condition.get("type")):
        problems.append("%s: wait_condition must be a dict with a type, e.g. {type: Ready, status: 'True'}" % where)
    return True


def _object_key(definition):
    meta = definition.get("metadata") or {}
    return (definition.get("apiVersion"), definition.get("kind"), meta.get("namespace") or "", meta.get("name"))


def _release_header(stage, release):
    source = release.get("archive") or release.get("repo_url")
    return HEADER % (stage, "values of Helm release %s in namespace %s, chart %s %s from %s" % (
        release["name"], release["namespace"], release["chart"], release["version"], source))


def _manifest_header(stage, manifest, phase):
    definition = manifest["definition"]
    meta = definition.get("metadata") or {}
    what = "%s %s%s, applied %s the stage's Helm releases" % (
        definition["kind"], ("%s/" % meta["namespace"]) if meta.get("namespace") else "", meta["name"],
        "before" if phase == "pre" else "after")
    if manifest.get("description"):
        what += " (%s)" % " ".join(str(manifest["description"]).split())
    return HEADER % (stage, what)


def build_plan(stage, render_dir, mode="render", render_secrets=False):
    """Validate one stage and return its plan (see the module docstring). Never raises on bad input:
    every problem is listed in ``problems`` so the caller can report them all at once."""
    problems = []
    if not isinstance(stage, dict):
        return {"problems": ["a stage must be a dict with name, releases and manifests, got %s" % type(stage).__name__]}
    name = stage.get("name")
    if not isinstance(name, str) or not STAGE_NAME.match(name):
        problems.append("stage name %r must be lower case letters, digits and '_' (it names a directory)" % (name,))
        name = str(name)
    releases = stage.get("releases") or []
    manifests = stage.get("manifests") or []
    if not isinstance(releases, list):
        problems.append("stage %s: releases must be a list" % name)
        releases = []
    if not isinstance(manifests, list):
        problems.append("stage %s: manifests must be a list" % name)
        manifests = []
    if mode not in ("render", "apply"):
        problems.append("mode %r must be render or apply" % (mode,))

    good_releases = [r for i, r in enumerate(releases) if _check_release(name, i, r, problems)]
    good_manifests = [m for i, m in enumerate(manifests) if _check_manifest(name, i, m, problems)]

    seen = {}
    for release in good_releases:
        if release.get("name") in seen:
            problems.append("stage %s: release name %s is used twice" % (name, release.get("name")))
        seen[release.get("name")] = True
    seen = {}
    for manifest in good_manifests:
        key = _object_key(manifest["definition"])
        if key in seen:
            problems.append("stage %s: %s %s%s is defined twice" % (name, key[1], key[2] + "/" if key[2] else "", key[3]))
        seen[key] = True

    base = "%s/%s" % (str(render_dir).rstrip("/"), name)
    plan = {
        "stage": name, "dir": base, "helm_dir": base + "/helm", "manifests_dir": base + "/manifests",
        "files": [], "releases": [], "manifests": [], "skipped_secrets": [], "problems": problems,
    }
    if problems:
        return plan

    ordered = [m for m in good_manifests if m.get("phase", "post") == "pre"] + \
              [m for m in good_manifests if m.get("phase", "post") == "post"]
    try:
        for index, manifest in enumerate(ordered, start=1):
            definition = to_plain(manifest["definition"], "stage %s manifest %s" % (name, manifest["definition"]["metadata"]["name"]))
            phase = manifest.get("phase", "post")
            secret = manifest_is_secret(manifest)
            path = "%s/manifests/%s" % (base, manifest_filename(index, definition))
            meta = definition["metadata"]
            entry = {
                "path": path, "phase": phase, "secret": secret, "api_version": definition["apiVersion"],
                "kind": definition["kind"], "name": meta["name"], "namespace": meta.get("namespace") or "",
                "wait": bool(manifest.get("wait", False)), "wait_condition": manifest.get("wait_condition"),
                "wait_timeout": int(manifest.get("wait_timeout", 300)),
            }
            if secret and mode == "render" and not render_secrets:
                plan["skipped_secrets"].append(path)
                continue
            plan["manifests"].append(entry)
            plan["files"].append({"path": path, "secret": secret,
                                  "content": dump_yaml(definition, _manifest_header(name, manifest, phase))})

        index_doc = []
        for release in good_releases:
            values = to_plain(release.get("values") or {}, "stage %s release %s values" % (name, release["name"]))
            path = "%s/helm/%s.values.yaml" % (base, release["name"])
            secret = release_is_secret(release)
            entry = {
                "name": release["name"], "chart": release["chart"], "version": release["version"],
                "namespace": release["namespace"], "chart_ref": chart_ref(release),
                "chart_repo_url": chart_repo_url(release), "archive": release.get("archive") or None,
                "repo_url": release.get("repo_url") or None, "values_file": path, "secret": secret,
                "wait": bool(release.get("wait", True)), "wait_timeout": int(release.get("wait_timeout", 600)),
                "atomic": bool(release.get("atomic", False)),
                "create_namespace": bool(release.get("create_namespace", True)),
            }
            index_keys = ("name", "chart", "version", "namespace", "chart_ref", "chart_repo_url", "wait", "wait_timeout", "atomic")
            index_doc.append(dict((k, entry[k]) for k in index_keys))
            index_doc[-1]["values_file"] = "%s.values.yaml" % release["name"]
            if secret and mode == "render" and not render_secrets:
                plan["skipped_secrets"].append(path)
                index_doc[-1]["values_file"] = None
                continue
            plan["releases"].append(entry)
            plan["files"].append({"path": path, "secret": secret, "content": dump_yaml(values, _release_header(name, release))})
        if good_releases:
            plan["files"].append({
                "path": base + "/helm/releases.yaml", "secret": False,
                "content": dump_yaml({"releases": index_doc}, HEADER % (
                    name, "the Helm releases of this stage in apply order; helm upgrade --install NAME CHART_REF "
                    "--repo CHART_REPO_URL --version VERSION --namespace NAMESPACE -f VALUES_FILE"))})
    except K8sRenderError as exc:
        problems.append(str(exc))
    plan["files"].sort(key=lambda f: f["path"])
    return plan


def build_plans(stages, render_dir, mode="render", render_secrets=False):
    """Plans of several stages, plus the problems of all of them (stage names must be unique)."""
    problems = []
    plans = []
    names = {}
    if not isinstance(stages, list):
        return {"plans": [], "problems": ["stages must be a list, got %s" % type(stages).__name__]}
    for stage in stages:
        plan = build_plan(stage, render_dir, mode=mode, render_secrets=render_secrets)
        problems.extend(plan["problems"])
        if "stage" in plan:
            if plan["stage"] in names:
                problems.append("stage %s is listed twice" % plan["stage"])
            names[plan["stage"]] = True
            plans.append(plan)
    return {"plans": plans, "problems": problems}
