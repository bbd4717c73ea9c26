"""Converts one CRD version's openAPIV3Schema to the draft-07 JSON Schema layout of ../shared/schemas (the same
rules as its SOURCES.md: strict objects, apiVersion/kind enums at the root, defaulted fields not required,
int-or-string as anyOf). Usage: git show <tag>:<crd.yaml> | python crd_to_schema.py <version> <source text> > out.json"""

import json
import sys

import yaml


def convert(node):
    if isinstance(node, list):
        return [convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = dict((key, convert(value)) for key, value in node.items() if not key.startswith("x-kubernetes-"))
    if node.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if "properties" in out and "additionalProperties" not in out and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    if "required" in out and "properties" in out:
        out["required"] = [name for name in out["required"] if "default" not in out["properties"].get(name, {})]
        if not out["required"]:
            del out["required"]
    return out


def main():
    version, source = sys.argv[1], sys.argv[2]
    crd = yaml.safe_load(sys.stdin)
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    schema = [v for v in crd["spec"]["versions"] if v["name"] == version][0]["schema"]["openAPIV3Schema"]
    out = convert(schema)
    out["properties"]["apiVersion"] = {"type": "string", "enum": ["%s/%s" % (group, version)]}
    out["properties"]["kind"] = {"type": "string", "enum": [kind]}
    out["properties"].setdefault("metadata", {"type": "object"})
    out["required"] = sorted(set(out.get("required", [])) | set(["apiVersion", "kind"]))
    out["additionalProperties"] = False
    result = {"$schema": "http://json-schema.org/draft-07/schema#", "title": "%s %s/%s" % (kind, group, version),
              "$comment": "Generated from spec.versions[%s].schema.openAPIV3Schema of %s" % (version, source)}
    result.update(out)
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
