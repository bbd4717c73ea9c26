"""The host_baseline probe script (roles/host_baseline/files/probe.py), run as the role runs it:
a JSON request as its argument, JSON on stdout."""

import hashlib
import json
import os
import pathlib
import subprocess
import sys

PROBE = pathlib.Path(__file__).resolve().parents[3] / "roles" / "host_baseline" / "files" / "probe.py"


def run_probe(request):
    out = subprocess.run([sys.executable, "-c", PROBE.read_text(), json.dumps(request)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def test_file_state_is_sha1_mode_owner_group(tmp_path):
    target = tmp_path / "policy"
    target.write_text("weekly 7\n")
    os.chmod(target, 0o640)
    result = run_probe({"files": [str(target), str(tmp_path / "absent")]})
    digest, mode, owner, group = result["files"][str(target)].split()
    assert digest == hashlib.sha1(b"weekly 7\n").hexdigest()
    assert mode == "0640"
    assert owner and group
    assert result["files"][str(tmp_path / "absent")] is None


def test_dirs_report_presence(tmp_path):
    result = run_probe({"dirs": [str(tmp_path), str(tmp_path / "nope")]})
    assert result["dirs"] == {str(tmp_path): True, str(tmp_path / "nope"): False}


def test_names_resolve_or_null():
    result = run_probe({"names": ["localhost", "no-such-host.invalid"]})
    assert result["names"]["localhost"] in ("127.0.0.1", "::1")
    assert result["names"]["no-such-host.invalid"] is None


def test_empty_request_gives_every_section():
    assert run_probe({}) == {"names": {}, "files": {}, "dirs": {}, "packages": {}, "units": {}}
