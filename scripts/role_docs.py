"""Writes the variables table of each role's README from its meta/argument_specs.yml.

Usage: python scripts/role_docs.py [--check]
The table sits between the markers below in roles/<role>/README.md; --check exits 1 when a README
is out of date (tests/unit/test_roles.py runs the same comparison).
"""

import json
import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
BEGIN = "<!-- BEGIN VARIABLES (scripts/role_docs.py) -->"
END = "<!-- END VARIABLES -->"


def _text(value):
    if isinstance(value, list):
        value = " ".join(value)
    return " ".join(str(value).split()).replace("|", "\\|")


def _default(option):
    if "default" not in option:
        return "(none)"
    value = option["default"]
    if isinstance(value, (dict, list)) and len(json.dumps(value)) > 60:
        return "see `defaults/main.yml`"
    return "`%s`" % json.dumps(value)


def variables_table(role_dir):
    spec = yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text())
    lines = [BEGIN, "", "| variable | type | default | description |", "|---|---|---|---|"]
    for name, option in sorted(spec["argument_specs"]["main"]["options"].items()):
        kind = option.get("type", "str")
        if option.get("elements"):
            kind = "%s of %s" % (kind, option["elements"])
        if option.get("choices"):
            kind += " (%s)" % ", ".join(str(c) for c in option["choices"])
        lines.append("| `%s` | %s | %s | %s |" % (name, kind, _default(option), _text(option.get("description", ""))))
    lines += ["", END]
    return "\n".join(lines)


def render(readme_text, table):
    if BEGIN in readme_text and END in readme_text:
        head, rest = readme_text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        return head + table + tail
    return readme_text.rstrip("\n") + "\n\n## Variables\n\n" + table + "\n"


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for role_dir in sorted((ROOT / "roles").iterdir()):
        if not (role_dir / "meta" / "argument_specs.yml").exists():
            continue
        readme = role_dir / "README.md"
        current = readme.read_text() if readme.exists() else "# %s\n" % role_dir.name
        wanted = render(current, variables_table(role_dir))
        if wanted != current:
            stale.append(str(readme.relative_to(ROOT)))
            if not check:
                readme.write_text(wanted)
    if check and stale:
        print("out of date (run python scripts/role_docs.py): %s" % ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
