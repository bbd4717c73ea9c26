# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline checks of what the Kubernetes stages render (used by the tests in this folder).

- manifests: core kinds against the official OpenAPI schemas of a pinned Kubernetes version
  (PyPI kubernetes-validate, strict: unknown fields are errors); custom resources against the JSON
  Schemas in ../shared/schemas (<group>/<kind>_<version>.json, strict as well);
- Helm values: every key path we render must be declared by the chart's values.yaml (or its subchart's,
  or its values.schema.json), or be allowlisted with the template that reads it, with the type the chart's
  default has (check_values_keys says what it sees and what not); the values are also validated against
  values.schema.json where the chart ships one (chart_render.py renders them through the real chart);
- chart versions: what we pin must equal the reference version in ../shared/reference/chart-values.
"""

import json
import os
import re
import socket
import subprocess
import sys

import jsonschema
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.environ.get("PRIVATEAI_SHARED_DIR", os.path.join(os.path.dirname(REPO), "shared"))
SCHEMAS = os.path.join(SHARED, "schemas")
CHART_VALUES = os.path.join(SHARED, "reference", "chart-values")
ALLOWLIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "values-allowlist.yml")
# The oldest Kubernetes the collection supports (docs/architecture: 1.30 or newer), and the newest
# kubernetes-validate ships a schema for; manifests must pass both.
K8S_VERSIONS = ("1.30.0", "1.37.0")


def load_documents(path):
    with open(path) as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


# Schemas of kinds the shared folder lacks, made here the same way (tests/k8s/schemas/SOURCES.md).
LOCAL_SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")


def _schema_path(doc):
    group, _slash, version = str(doc.get("apiVersion", "")).rpartition("/")
    if not group:
        return None
    name = "%s_%s.json" % (str(doc.get("kind", "")).lower(), version)
    local = os.path.join(LOCAL_SCHEMAS, group, name)
    return local if os.path.exists(local) else os.path.join(SCHEMAS, group, name)


def is_custom_resource(doc):
    path = _schema_path(doc)
    return path is not None and os.path.exists(path)


_RESULTS = {}
_VALIDATORS = {}


def _kubernetes_validate():
    """kubernetes_validate, with its schema files read once per process: its validate() opens and parses the
    schema of the kind and the multi-megabyte _definitions.json again on every call (ten times the cost of the
    validation itself); the files are part of the installed package and do not change while tests run."""
    import functools
    import kubernetes_validate
    import kubernetes_validate.utils
    if not hasattr(kubernetes_validate.utils.schema_contents, "cache_info"):
        kubernetes_validate.utils.schema_contents = functools.lru_cache(maxsize=None)(kubernetes_validate.utils.schema_contents)
    return kubernetes_validate


def validate_manifest(doc, k8s_version=K8S_VERSIONS[0]):
    """Every error of one object, as 'path: message' strings (empty when valid). Results are kept per
    (object, version) for the process: the same object rendered for several inventories is validated once."""
    try:
        key = (json.dumps(doc, sort_keys=True), k8s_version)
    except (TypeError, ValueError):
        return _validate_manifest(doc, k8s_version)
    if key not in _RESULTS:
        _RESULTS[key] = _validate_manifest(doc, k8s_version)
    return list(_RESULTS[key])


def _validate_manifest(doc, k8s_version):
    if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
        return ["not a Kubernetes object (no apiVersion/kind)"]
    path = _schema_path(doc)
    if path and os.path.exists(path):
        if path not in _VALIDATORS:
            with open(path) as handle:
                _VALIDATORS[path] = jsonschema.Draft7Validator(json.load(handle))
        return ["%s: %s" % (err.json_path, err.message)
                for err in sorted(_VALIDATORS[path].iter_errors(doc), key=lambda e: e.json_path)]
    kubernetes_validate = _kubernetes_validate()
    try:
        kubernetes_validate.validate(doc, k8s_version, strict=True)
    except kubernetes_validate.SchemaNotFoundError:
        return ["no schema for %s %s (neither in %s nor in Kubernetes %s)" % (doc["apiVersion"], doc["kind"], SCHEMAS, k8s_version)]
    except kubernetes_validate.ValidationError as exc:
        return ["%s: %s (Kubernetes %s)" % (exc.json_path if hasattr(exc, "json_path") else "$", exc.message, k8s_version)]
    return []


# --- Helm values ----------------------------------------------------------------------------------

def load_allowlist(path=ALLOWLIST):
    with open(path) as handle:
        entries = yaml.safe_load(handle) or []
    for entry in entries:
        missing = [k for k in ("chart", "key", "template", "reason") if not entry.get(k)]
        if missing:
            raise ValueError("allowlist entry %r lacks %s" % (entry, ", ".join(missing)))
    return entries


def _load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle) or {}


def chart_reference(chart_dir):
    """(values, schema or None, {subchart key: chart_reference}) of a chart folder."""
    values = _load_yaml(os.path.join(chart_dir, "values.yaml"))
    if isinstance(values, dict) and "_internal_defaults_do_not_set" in values:  # istio
        values = values["_internal_defaults_do_not_set"]
    schema_path = os.path.join(chart_dir, "values.schema.json")
    schema = None
    if os.path.exists(schema_path):
        with open(schema_path) as handle:
            schema = json.load(handle)
    subcharts = {}
    charts = os.path.join(chart_dir, "charts")
    if os.path.isdir(charts):
        for name in sorted(os.listdir(charts)):
            if os.path.exists(os.path.join(charts, name, "values.yaml")):
                subcharts[name] = chart_reference(os.path.join(charts, name))
    return values, schema, subcharts


def _deep_merge(base, over):
    out = dict(base)
    for key, value in (over or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _resolve(schema, root):
    """``schema`` with its local $ref followed ({} for None or an unresolvable reference)."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return {}
        node = root
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema = node
        seen += 1
    return schema if isinstance(schema, dict) else {}


def _schema_node(schema, key, root):
    """The sub-schema of property ``key`` (following local $ref), or None when the schema does not declare it."""
    if not isinstance(schema, dict):
        return None
    seen = 0
    while "$ref" in schema and seen < 20:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return None
        node = root
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema = node
        seen += 1
    props = schema.get("properties") or {}
    if key in props:
        return props[key]
    for combinator in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(combinator) or []:
            found = _schema_node(sub, key, root)
            if found is not None:
                return found
    return None


# Keys whose value charts pass through whole (toYaml) into Kubernetes fields or free-form maps, even when the
# chart's default holds entries (operator.nodeSelector defaults to {kubernetes.io/os: linux}): keys below
# them are not the chart's to declare.
FREEFORM_KEYS = frozenset(["nodeSelector", "labels", "annotations", "podAnnotations", "podLabels", "commonLabels",
                           "serviceLabels", "additionalLabels", "resources", "affinity", "securityContext",
                           "containerSecurityContext", "podSecurityContext"])
# Values subtrees a chart copies whole into a custom resource's spec: their keys are the CRD's, not the chart's, and
# the real render (chart_render.render_and_validate) validates the resource against the CRD schema in
# ../shared/schemas, which checks every key below them. {chart folder: key paths, list indexes written [*]}.
CR_SPEC_KEYS = {
    # templates/cephcluster.yaml (spec: cephClusterSpec), cephblockpool.yaml, cephfilesystem.yaml and
    # cephobjectstore.yaml (spec: each item's spec).
    "rook-ceph-cluster": ("cephClusterSpec", "cephBlockPools[*].spec", "cephFileSystems[*].spec",
                          "cephObjectStores[*].spec"),
}
# Free-form maps that become Kubernetes labels or annotations: their values must be strings (Helm's toYaml writes
# 1 or true unquoted, and the API server rejects a non-string label or annotation value).
STRING_MAPS = frozenset(["nodeSelector", "labels", "annotations", "podAnnotations", "podLabels", "commonLabels",
                         "serviceLabels", "additionalLabels"])
# List items that charts pass through whole as a Kubernetes type, whatever the chart's default item shows (the
# default toleration has no tolerationSeconds, the default network policy rule no 'from'): {values key:
# (Kubernetes type, {field: Python types}, {field: allowed values})}, the fields as the Kubernetes API has them.
KUBERNETES_LIST_ITEMS = {
    "tolerations": ("Toleration", {"key": (str,), "operator": (str,), "value": (str,), "effect": (str,),
                                   "tolerationSeconds": (int,)},
                    {"operator": ("Exists", "Equal"), "effect": ("NoSchedule", "PreferNoSchedule", "NoExecute", "")}),
    "env": ("EnvVar", {"name": (str,), "value": (str,), "valueFrom": (dict,)}, {}),
    # The dify chart's <component>.extraEnv, written verbatim (toYaml) into the container's env.
    "extraEnv": ("EnvVar", {"name": (str,), "value": (str,), "valueFrom": (dict,)}, {}),
    "matchExpressions": ("LabelSelectorRequirement", {"key": (str,), "operator": (str,), "values": (list,)},
                         {"operator": ("In", "NotIn", "Exists", "DoesNotExist")}),
    "ingress": ("NetworkPolicyIngressRule", {"from": (list,), "ports": (list,)}, {}),
    "egress": ("NetworkPolicyEgressRule", {"to": (list,), "ports": (list,)}, {}),
}


# Kubernetes int-or-string fields (a count or a percentage, a port number or name): a number where the chart's
# default is a string, or the other way round, is fine there.
INT_OR_STRING_KEYS = frozenset(["maxUnavailable", "maxSurge", "minAvailable", "targetPort"])


def _type_name(value):
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "map"}.get(type(value), type(value).__name__)


def _a_type(value):
    """'an integer', 'a string', ... of a value."""
    name = _type_name(value)
    return ("an " if name[0] in "aeiou" else "a ") + name


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scalar_mismatch(value, default):
    """Whether scalar ``value`` is another of boolean, number, string than the chart's scalar ``default``."""
    if isinstance(default, bool) != isinstance(value, bool) and (isinstance(default, bool) or isinstance(value, bool)):
        return True
    if isinstance(default, str) and _is_number(value):
        return True
    if _is_number(default) and isinstance(value, str):
        return True
    return False


def _merged_item(items):
    """One map holding every key of the chart's default list items (deep-merged), or None when they are not maps."""
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    merged = {}
    for item in items:
        merged = _deep_merge(merged, item)
    return merged


def check_values_keys(chart, ours, chart_dir, allowlist=()):
    """Problems with the key paths of rendered values ``ours`` for the chart folder ``chart_dir``.

    Seen: keys the chart (values.yaml, subchart values.yaml, values.schema.json) does not declare, at any depth,
    below subchart keys too; a map where the default is a scalar or a scalar where it is a map (a subchart key
    included); a boolean, number or string where the default is another of the three (not for the
    int-or-string keys of INT_OR_STRING_KEYS); a scalar where the default is a list and a list where it is a
    scalar; list items against the fields of the Kubernetes type the chart passes through (KUBERNETES_LIST_ITEMS,
    whatever the default items show) or, for other lists, against the keys and types of the chart's default
    items; non-string values in label and annotation maps (STRING_MAPS); values.schema.json of the chart and of
    each subchart.
    Not seen: keys below free-form maps (FREEFORM_KEYS such as resources, affinity, securityContext, and maps
    whose default is {}), items of lists whose default is empty or holds scalars (unless KUBERNETES_LIST_ITEMS
    knows the key), the type of a key whose default is null or only commented out, and whether a template
    reads a declared key at all. The real render (chart_render) sees what these templates make of the values.
    """
    values, schema, subcharts = chart_reference(chart_dir)
    allowed = [entry["key"] for entry in allowlist if entry["chart"] == chart]
    problems = []

    def allow(dotted):
        generic = re.sub(r"\[[0-9]+\]", "[*]", dotted)
        return any(dotted == key or dotted.startswith(key + ".") for key in allowed) or any(
            generic.startswith(key + ".") for key in CR_SPEC_KEYS.get(chart, ()))

    def check_list(key, value, default, dotted, path):
        if key in KUBERNETES_LIST_ITEMS:
            kind, fields, enums = KUBERNETES_LIST_ITEMS[key]
            for index, item in enumerate(value):
                where = "%s[%d]" % (dotted, index)
                if not isinstance(item, dict):
                    problems.append("%s: values key '%s' is %s, the chart passes a Kubernetes %s (a map) through"
                                    % (chart, where, _a_type(item), kind))
                    continue
                for field in sorted(item):
                    if field not in fields:
                        problems.append("%s: values key '%s.%s' is not a field of a Kubernetes %s (%s)"
                                        % (chart, where, field, kind, ", ".join(sorted(fields))))
                    elif item[field] is not None and (not isinstance(item[field], fields[field])
                                                      or isinstance(item[field], bool)):
                        problems.append("%s: values key '%s.%s' is %s (%r), a Kubernetes %s takes %s"
                                        % (chart, where, field, _a_type(item[field]), item[field], kind,
                                           " or ".join(_a_type(t()) for t in fields[field])))
                    elif field in enums and item[field] not in enums[field]:
                        problems.append("%s: values key '%s.%s' is %r, a Kubernetes %s takes one of %s"
                                        % (chart, where, field, item[field], kind, ", ".join(repr(e) for e in enums[field])))
            return
        shape = _merged_item(default)
        if shape is None:
            return  # the default list is empty or holds scalars: nothing to compare items with
        for index, item in enumerate(value):
            where = "%s[%d]" % (key, index)
            if not isinstance(item, dict):
                problems.append("%s: values key '%s[%d]' is %s, the chart's default items are maps with keys %s"
                                % (chart, dotted, index, _a_type(item), ", ".join(sorted(shape))))
                continue
            walk(item, shape, None, None, {}, path + [where])

    def walk(node, ref, schema_node, schema_root, subs, path):
        for key in sorted(node):
            value = node[key]
            dotted = ".".join(path + [key])
            if allow(dotted):
                continue
            if subs and key in subs:  # values passed to a subchart: its defaults plus what the parent overrides
                sub_values, sub_schema, sub_subs = subs[key]
                merged = _deep_merge(sub_values, ref.get(key) if isinstance(ref, dict) and isinstance(ref.get(key), dict) else {})
                if isinstance(value, dict):
                    walk(value, merged, sub_schema, sub_schema, sub_subs, path + [key])
                else:
                    problems.append("%s: values key '%s' is %s (%r), the chart passes it to its subchart %s, which "
                                    "takes a map of its values (enable or disable it with the chart's own key)"
                                    % (chart, dotted, _a_type(value), value, key))
                continue
            declared = isinstance(ref, dict) and key in ref
            sub_schema_node = _schema_node(schema_node, key, schema_root) if schema_node else None
            if not declared and sub_schema_node is None:
                problems.append("%s: values key '%s' is not declared by the chart (values.yaml%s); Helm would ignore it. "
                                "Fix the spelling, or allowlist it in tests/k8s/values-allowlist.yml naming the template that reads it"
                                % (chart, dotted, ", values.schema.json" if schema else ""))
                continue
            default = ref.get(key) if declared else None
            if isinstance(value, dict):
                if declared and default is not None and not isinstance(default, dict):
                    problems.append("%s: values key '%s' is a map here, the chart's default is %s (%r)"
                                    % (chart, dotted, _a_type(default), default))
                elif key in FREEFORM_KEYS or ((not declared or default == {})
                                              and not _resolve(sub_schema_node, schema_root).get("properties")):
                    if key in STRING_MAPS:
                        for name in sorted(value, key=str):
                            if not isinstance(value[name], str):
                                problems.append("%s: values key '%s.%s' is %s (%r); labels and annotations take "
                                                "strings (quote it)" % (chart, dotted, name, _a_type(value[name]), value[name]))
                    continue  # a free-form map (nodeSelector, labels, ...): any key goes below it
                else:
                    walk(value, default if isinstance(default, dict) else {}, sub_schema_node, schema_root, {}, path + [key])
            elif isinstance(value, list) and declared and isinstance(default, list):
                check_list(key, value, default, dotted, path)
            elif declared and default is not None:
                if isinstance(default, dict) and default:
                    problems.append("%s: values key '%s' is %s here, the chart expects a map with keys %s"
                                    % (chart, dotted, _a_type(value), ", ".join(sorted(default))))
                elif isinstance(default, list) and not isinstance(value, list):
                    problems.append("%s: values key '%s' is %s (%r), the chart expects a list"
                                    % (chart, dotted, _a_type(value), value))
                elif isinstance(value, list) and not isinstance(default, list) and not isinstance(default, dict):
                    problems.append("%s: values key '%s' is a list, the chart's default is %s (%r)"
                                    % (chart, dotted, _a_type(default), default))
                elif not isinstance(default, (dict, list)) and _scalar_mismatch(value, default) and not (
                        key in INT_OR_STRING_KEYS and not isinstance(value, bool) and not isinstance(default, bool)):
                    problems.append("%s: values key '%s' is %s (%r), the chart's default is %s (%r)"
                                    % (chart, dotted, _a_type(value), value, _a_type(default), default))

    walk(ours, values, schema, schema, subcharts, [])
    if schema is not None:
        # Helm validates the schema against the chart's defaults merged with the given values, not the given values
        # alone: a schema's "required" keys (velero's image, rbac, ...) come from values.yaml.
        for err in sorted(jsonschema.Draft7Validator(schema).iter_errors(_deep_merge(values, ours)),
                          key=lambda e: e.json_path):
            problems.append("%s: values.schema.json: %s: %s" % (chart, err.json_path, err.message))
    for key, (_values, sub_schema, _subs) in sorted(subcharts.items()):
        if sub_schema is not None and isinstance(ours.get(key), dict):
            for err in sorted(jsonschema.Draft7Validator(sub_schema).iter_errors(ours[key]), key=lambda e: e.json_path):
                problems.append("%s: %s/values.schema.json: %s: %s" % (chart, key, err.json_path, err.message))
    return problems


def allowlist_problems(allowlist):
    """Entries that name no chart folder, or keys the chart now declares (stale entries)."""
    problems = []
    for entry in allowlist:
        chart_dir = os.path.join(CHART_VALUES, entry["chart"])
        if not os.path.isdir(chart_dir):
            problems.append("allowlist: chart %s has no folder in %s" % (entry["chart"], CHART_VALUES))
            continue
        node = {}
        cursor = node
        parts = entry["key"].split(".")
        for part in parts[:-1]:
            cursor[part] = {}
            cursor = cursor[part]
        cursor[parts[-1]] = "probe"
        if not any("is not declared" in p for p in check_values_keys(entry["chart"], node, chart_dir)):
            problems.append("allowlist: %s %s is declared by the chart now; remove the entry" % (entry["chart"], entry["key"]))
    return problems


# --- chart versions --------------------------------------------------------------------------------

def reference_versions(sources=os.path.join(CHART_VALUES, "SOURCES.md")):
    """{chart folder: published chart version} from the main table of SOURCES.md."""
    versions = {}
    with open(sources) as handle:
        text = handle.read()
    main = text.split("## Main charts", 1)[1].split("\n## ", 1)[0]
    for line in main.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or cells[0] in ("chart (folder)", "") or set(cells[0]) <= set("- "):
            continue
        folder = cells[0].split()[0]  # "istio/base (chart `base`)" -> istio/base
        versions[folder] = re.sub(r"[^\w.+-]", "", cells[1].replace("¹", "").replace("²", "").replace("³", ""))
    for chart, version in sorted(ARCHIVE_REFERENCES.items()):
        versions[chart_folder(chart)] = version
    return versions


# Charts ../shared/reference/chart-values does not carry (yet), with the version the collection pins: their reference
# is the values.yaml and values.schema.json of the package in ../shared/charts, which its SOURCES.md records as
# byte-for-byte the upstream files at the chart's tag (cloudnative-pg: tag cloudnative-pg-v0.29.0).
ARCHIVE_REFERENCES = {"cloudnative-pg": "0.29.0"}
_ARCHIVE_FOLDERS = {}


def _archive_folder(chart, version):
    """A folder with the chart's values.yaml, values.schema.json and Chart.yaml (and its subcharts' under charts/),
    extracted once per process from ../shared/charts/<chart>-<version>.tgz."""
    import atexit
    import shutil
    import tarfile
    import tempfile
    if chart not in _ARCHIVE_FOLDERS:
        target = tempfile.mkdtemp(prefix="chart-reference-%s-" % chart)
        atexit.register(shutil.rmtree, target, True)
        with tarfile.open(os.path.join(SHARED, "charts", "%s-%s.tgz" % (chart, version))) as archive:
            for member in archive.getmembers():
                name = member.name.split("/", 1)[1] if "/" in member.name else ""
                if member.isfile() and os.path.basename(name) in ("values.yaml", "values.schema.json", "Chart.yaml") \
                        and ".." not in name.split("/"):
                    path = os.path.join(target, name)
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with open(path, "wb") as handle:
                        handle.write(archive.extractfile(member).read())
        _ARCHIVE_FOLDERS[chart] = target
    return _ARCHIVE_FOLDERS[chart]


def chart_folder(chart):
    """The reference folder of a chart name (istio charts live under istio/; a chart of ARCHIVE_REFERENCES: an
    absolute folder extracted from its package, which os.path.join(CHART_VALUES, folder) keeps as it is)."""
    if os.path.isdir(os.path.join(CHART_VALUES, chart)):
        return chart
    if os.path.isdir(os.path.join(CHART_VALUES, "istio", chart)):
        return "istio/" + chart
    if chart in ARCHIVE_REFERENCES:
        return _archive_folder(chart, ARCHIVE_REFERENCES[chart])
    return None


def pinned_version_problems(render_dir, label=""):
    """One message per rendered release whose pinned chart version differs from the reference version."""
    reference = reference_versions()
    problems = []
    for base, _dirs, files in sorted(os.walk(render_dir)):
        if "releases.yaml" not in files:
            continue
        with open(os.path.join(base, "releases.yaml")) as handle:
            releases = yaml.safe_load(handle)["releases"]
        for release in releases:
            folder = chart_folder(release["chart"])
            want = reference.get(folder)
            if want != release["version"]:
                problems.append(
                    "%s%s: release %s pins chart %s %s, but the reference chart values (%s) are for %s: "
                    "either the pin or ../shared/reference/chart-values is stale" % (
                        label, os.path.basename(os.path.dirname(base)), release["name"],
                        release["chart"], release["version"], folder, want))
    return problems


# --- one stage playbook in apply mode against an API server nothing listens on ----------------------------------------
# (the apply paths are tested this way: nothing here can reach a real Kubernetes API, and none is faked)
KUBECONFIG_TOKEN = "tok-en-THAT-MUST-NEVER-BE-PRINTED"
UNREACHABLE_FAILURE = "Assert the cluster, helm and every chart are ready to apply"


def closed_port():
    """A local port nothing listens on any more: connections to it are refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def write_kubeconfig(path, server, context="ops@site"):
    """A kubeconfig (0600) naming ``server`` under ``context``, its token KUBECONFIG_TOKEN; returns its path."""
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: %s\n"
        "clusters:\n- name: site\n  cluster:\n    server: %s\n"
        "contexts:\n- name: %s\n  context: {cluster: site, user: ops}\n"
        "users:\n- name: ops\n  user: {token: %s}\n" % (context, server, context, KUBECONFIG_TOKEN))
    path.chmod(0o600)
    return str(path)


def run_stage_playbook(playbook, *extra, inventory="prod", check=False):
    """ansible-playbook playbooks/<playbook> on inventories/<inventory> with each extra variable (text as given, data
    as JSON), through the JSON callback; returns (CompletedProcess, [(task name, localhost result)])."""
    bin_dir = os.path.dirname(sys.executable)
    command = [os.path.join(bin_dir, "ansible-playbook"), os.path.join(REPO, "playbooks", playbook),
               "-i", os.path.join(REPO, "inventories", inventory)] + (["--check"] if check else [])
    for item in extra:
        command += ["-e", item if isinstance(item, str) else json.dumps(item)]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False)
    report = json.loads(result.stdout[result.stdout.find("{"):])
    tasks = [(t["task"]["name"].split(" : ", 1)[-1], t["hosts"].get("localhost", {}))
             for play in report["plays"] for t in play["tasks"]]
    return result, tasks


def assert_nothing_changed(result, render_dir, tasks):
    """The failed task is the last one that ran: nothing after it (render, apply) was even started. Checked without
    naming the render and apply tasks, which are free to change (a task list or an action plugin)."""
    failed_at = [i for i, (_name, res) in enumerate(tasks) if res.get("failed")]
    assert failed_at == [len(tasks) - 1], [name for name, _res in tasks]
    assert not [n for n, res in tasks if res.get("changed")], "a task reported a change"
    assert not os.path.exists(render_dir), "files were rendered although the preflight failed"
    assert KUBECONFIG_TOKEN not in result.stdout + result.stderr


def apply_against_unreachable_api(tmp_path, playbook, *extra):
    """playbooks/<playbook> alone on prod in apply mode, its kubeconfig naming an API server nothing listens on:
    asserts it stops once, at k8s_render_apply's preflight, naming the server, context and kubeconfig, with nothing
    changed, rendered or printed of the token. Returns (CompletedProcess, tasks) for the caller's own checks."""
    server = "https://127.0.0.1:%d" % closed_port()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server)
    render_dir = str(tmp_path / "render")
    result, tasks = run_stage_playbook(playbook, "privateai_k8s_mode=apply", "privateai_render_dir=" + render_dir,
                                       "k8s_render_apply_api_timeout=3", "privateai_kubeconfig=" + kubeconfig,
                                       "privateai_kube_context=ops@site", *extra)
    failed = [(name, res) for name, res in tasks if res.get("failed")]
    assert result.returncode != 0 and len(failed) == 1, failed
    assert failed[0][0] == UNREACHABLE_FAILURE
    assert "API server %s of context ops@site (kubeconfig %s) is not reachable" % (server, kubeconfig) in failed[0][1]["msg"]
    assert_nothing_changed(result, render_dir, tasks)
    return result, tasks
