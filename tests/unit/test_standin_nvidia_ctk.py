"""The TEST DOUBLE nvidia-ctk (tests/standins/nvidia_ctk.py) behaves as the real `nvidia-ctk config` for what the
nvidia_container_toolkit role and its Molecule scenario rely on: --set on the toolkit's config.toml, output to
standard output, --in-place or --output, and refusal of unknown keys and malformed values."""

import importlib.util
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location("standin_nvidia_ctk", str(REPO / "tests" / "standins" / "nvidia_ctk.py"))
standin_ctk = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(standin_ctk)

ENVVAR = "accept-nvidia-visible-devices-envvar-when-unprivileged"
MOUNTS = "accept-nvidia-visible-devices-as-volume-mounts"
ISOLATE = ["--set=%s=false" % ENVVAR, "--set=%s=true" % MOUNTS]


def _lines(text):
    return text.splitlines()


@pytest.mark.parametrize("assignment, expected", [
    ("%s=false" % ENVVAR, "%s = false" % ENVVAR),
    ("%s=0" % ENVVAR, "%s = false" % ENVVAR),
    ("%s=True" % MOUNTS, "%s = true" % MOUNTS),
    (MOUNTS, "%s = true" % MOUNTS),
    ("nvidia-container-runtime.log-level=debug", 'log-level = "debug"'),
    ("nvidia-container-cli.no-cgroups=true", "no-cgroups = true"),
])
def test_set_uncomments_or_replaces_the_key(assignment, expected):
    result = standin_ctk.toolkit_set(standin_ctk.DEFAULT_TOOLKIT_CONFIG, assignment)
    assert expected in _lines(result)
    assert len(_lines(result)) == len(_lines(standin_ctk.DEFAULT_TOOLKIT_CONFIG))


def test_set_keeps_table_keys_in_their_table():
    result = _lines(standin_ctk.toolkit_set(standin_ctk.DEFAULT_TOOLKIT_CONFIG, "nvidia-container-cli.no-cgroups=true"))
    assert result.index("[nvidia-container-cli]") < result.index("no-cgroups = true") < result.index(
        "[nvidia-container-runtime]")


def test_set_adds_a_key_the_file_lacks_before_the_first_table():
    result = _lines(standin_ctk.toolkit_set('disable-require = false\n\n[nvidia-ctk]\npath = "nvidia-ctk"\n',
                                            "%s=false" % ENVVAR))
    assert result.index("%s = false" % ENVVAR) < result.index("[nvidia-ctk]")


@pytest.mark.parametrize("assignment, message", [
    ("accept-everything=true", "undefined field"),
    ("%s=maybe" % ENVVAR, "not a boolean"),
    ("nvidia-container-runtime.mode", "expected key=value"),
])
def test_set_refuses_what_the_real_tool_refuses(assignment, message):
    with pytest.raises(ValueError, match=message):
        standin_ctk.toolkit_set(standin_ctk.DEFAULT_TOOLKIT_CONFIG, assignment)


def test_config_prints_without_writing(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text(standin_ctk.DEFAULT_TOOLKIT_CONFIG)
    assert standin_ctk.main(["config", "--config-file=%s" % path] + ISOLATE) == 0
    out = _lines(capsys.readouterr().out)
    assert "%s = false" % ENVVAR in out and "%s = true" % MOUNTS in out
    assert path.read_text() == standin_ctk.DEFAULT_TOOLKIT_CONFIG


def test_config_of_a_missing_file_starts_from_the_defaults(tmp_path, capsys):
    assert standin_ctk.main(["config", "--config-file", str(tmp_path / "absent.toml"), "--set=%s=true" % MOUNTS]) == 0
    out = _lines(capsys.readouterr().out)
    assert "%s = true" % MOUNTS in out and "#%s = true" % ENVVAR in out
    assert not (tmp_path / "absent.toml").exists()


def test_config_in_place_and_output(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(standin_ctk.DEFAULT_TOOLKIT_CONFIG)
    output = tmp_path / "out" / "config.toml"
    assert standin_ctk.main(["config", "-c", str(path), "--output", str(output)] + ISOLATE) == 0
    assert "%s = false" % ENVVAR in _lines(output.read_text())
    assert path.read_text() == standin_ctk.DEFAULT_TOOLKIT_CONFIG
    assert standin_ctk.main(["config", "--config-file=%s" % path, "--in-place"] + ISOLATE) == 0
    assert path.read_text() == output.read_text()


def test_config_refuses_in_place_with_output(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text(standin_ctk.DEFAULT_TOOLKIT_CONFIG)
    assert standin_ctk.main(["config", "--config-file=%s" % path, "-i", "-o", str(tmp_path / "o")] + ISOLATE) == 1
    assert "cannot specify both" in capsys.readouterr().err
    assert path.read_text() == standin_ctk.DEFAULT_TOOLKIT_CONFIG
    assert not (tmp_path / "o").exists()


def test_config_refuses_an_unknown_key_without_writing(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text(standin_ctk.DEFAULT_TOOLKIT_CONFIG)
    assert standin_ctk.main(["config", "--config-file=%s" % path, "--in-place", "--set=nope=1"]) == 1
    assert "undefined field" in capsys.readouterr().err
    assert path.read_text() == standin_ctk.DEFAULT_TOOLKIT_CONFIG
