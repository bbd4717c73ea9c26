"""Every role's argument spec matches its defaults and its README (prometheus.prometheus's rule).

- every variable in defaults/main.yml has a spec entry with a type and a description, and back;
- a literal spec default equals the value in defaults/main.yml;
- every public variable carries the role's prefix;
- the README's variable table is what scripts/role_docs.py writes from the spec.
"""

import importlib.machinery
import importlib.util
import pathlib

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
ROLES = sorted(p for p in (ROOT / "roles").iterdir() if (p / "tasks").is_dir())


def _load(path):
    return yaml.safe_load(path.read_text()) or {}


def _spec(role):
    return _load(role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]


def _role_docs():
    loader = importlib.machinery.SourceFileLoader("role_docs", str(ROOT / "scripts" / "role_docs.py"))
    spec = importlib.util.spec_from_loader("role_docs", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_defaults_and_spec_have_the_same_variables(role):
    defaults = set(_load(role / "defaults" / "main.yml"))
    options = _spec(role)
    spec = set(options)
    # A required option (the caller must give it, e.g. the internal apt_source role) has no default, on purpose.
    required = set(name for name, option in options.items() if option.get("required"))
    assert sorted(defaults - spec) == [], "in defaults/main.yml but not in meta/argument_specs.yml"
    assert sorted(spec - defaults - required) == [], "in meta/argument_specs.yml but not in defaults/main.yml"
    assert sorted(required & defaults) == [], "required in meta/argument_specs.yml yet given a default"


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_spec_defaults_equal_role_defaults(role):
    defaults = _load(role / "defaults" / "main.yml")
    mismatched = {}
    for name, option in _spec(role).items():
        if option.get("required"):
            continue  # no default by design (checked above)
        value = defaults.get(name)
        if isinstance(value, str) and "{{" in value:
            continue  # templated defaults are documented in words
        if "default" not in option:
            mismatched[name] = "spec gives no default, defaults/main.yml has %r" % (value,)
        elif option["default"] != value:
            mismatched[name] = "spec %r != defaults %r" % (option["default"], value)
    assert mismatched == {}


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_every_option_is_typed_described_and_prefixed(role):
    problems = []
    for name, option in _spec(role).items():
        if not name.startswith(role.name + "_"):
            problems.append("%s: not prefixed with %s_" % (name, role.name))
        if "type" not in option:
            problems.append("%s: no type" % name)
        if not option.get("description"):
            problems.append("%s: no description" % name)
        if option.get("type") == "list" and "elements" not in option:
            problems.append("%s: list without elements" % name)
    assert problems == []


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_readme_variable_table_is_current(role):
    docs = _role_docs()
    readme = (role / "README.md").read_text()
    assert docs.BEGIN in readme, "no variables table: run python scripts/role_docs.py"
    assert docs.render(readme, docs.variables_table(role)) == readme, "stale: run python scripts/role_docs.py"
    for name in _spec(role):
        assert "`%s`" % name in readme


def test_the_checks_see_a_role():
    assert "host_baseline" in [r.name for r in ROLES]
