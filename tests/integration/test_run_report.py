"""The run report (playbooks/run_report.yml, role run_report): written from a lab run and from recorded GPU
snapshots, opened in a real headless browser (Chromium from Debian) that takes a screenshot; it must hold the
topology picture and never a credential's content.

PRIVATEAI_UPDATE_SCREENSHOT=1 also writes the recorded-snapshot screenshot to docs/run-report.png (the README's).
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import REPO

sys.path.insert(0, os.path.join(REPO, "collections"))

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_health, gpu_module, gpu_snapshot  # noqa: E402
from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import run_report  # noqa: E402

NVML = os.path.join(REPO, "tests", "unit", "fixtures", "nvml")
LAB_VARS = os.path.join(REPO, "inventories", "lab", "group_vars", "all.yml")
SECRET = "s3cr3t-Credential-Value-4f1c9"


def chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("chromium is not installed: run scripts/bootstrap (Debian package chromium)")


def browse(html_path, out_dir, width=412, height=2400):
    """Open the page in headless Chromium: (screenshot path, the DOM the browser built)."""
    shot = os.path.join(str(out_dir), "shot.png")
    base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--window-size=%d,%d" % (width, height), "--user-data-dir=%s" % os.path.join(str(out_dir), "profile")]
    url = "file://" + os.path.abspath(str(html_path))
    subprocess.run(base + ["--screenshot=%s" % shot, url], check=True, capture_output=True, timeout=120)
    dom = subprocess.run(base + ["--dump-dom", url], check=True, capture_output=True, text=True, timeout=120).stdout
    return shot, dom


def assert_png(path):
    with open(path, "rb") as handle:
        data = handle.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert len(data) > 20000, "screenshot of %d bytes: a blank page?" % len(data)


def gate(name):
    snap = gpu_snapshot.load(os.path.join(NVML, name + ".json"))
    params = {"expect_fully_connected": False, "expect_min_nvlinks_per_pair": None, "fail_on": "critical",
              "xid_lookback_hours": 24}
    return gpu_module.gate_result(snap, params, gpu_health.merge_thresholds(None), True)[0]


def test_report_from_recorded_snapshots_in_a_browser(tmp_path):
    # H100 x1, H200 x2 and x4 were recorded on real machines; the HGX x8 is synthetic (named as such)
    names = ["h100x1", "h200x2-nvswitch", "h200x4-nvswitch", "synthetic-hgx-h100x8-nvswitch",
             "synthetic-unhealthy-nvlink-inactive"]
    out = run_report.from_run({
        "inventory": "recorded-snapshots", "generated": "recorded GPU snapshots",
        "nodes": [{"name": n, "gate": gate(n)} for n in names],
        "endpoints": {"model API deepseek-r1": "http://deepseek-r1.privateai-serving.svc:8000/v1"},
        "credentials": {"model API key": "/srv/privateai/credentials/model-api-key"},
        "warnings": ["the synthetic nodes are made by tests/unit/fixtures/nvml/make_synthetic.py"]})
    page = tmp_path / "index.html"
    page.write_text(out["html"])
    shot, dom = browse(page, tmp_path)
    assert_png(shot)
    # the browser built one SVG per node, with the switch, every GPU and the one red link
    assert dom.count("<svg") == len(names)
    assert dom.count('class="gpu"') == 1 + 2 + 4 + 8 + 8
    assert dom.count('class="nvlink unhealthy"') == 1
    if os.environ.get("PRIVATEAI_UPDATE_SCREENSHOT"):
        shutil.copy(shot, os.path.join(REPO, "docs", "run-report.png"))


def test_report_from_a_lab_run_holds_the_topology_and_no_credential(node_pair, tmp_path):
    first, second = node_pair.names
    # The lab nodes have no GPU: each reads a recorded snapshot instead (gpu_gate_info's snapshot option)
    node_pair.put(first, open(os.path.join(NVML, "h200x2-nvswitch.json")).read(), "/root/gpu-snapshot.json")
    node_pair.put(second, open(os.path.join(NVML, "synthetic-hgx-h100x8-nvswitch.json")).read(), "/root/gpu-snapshot.json")
    secret_file = tmp_path / "admin-password"
    secret_file.write_text(SECRET)
    secret_file.chmod(0o600)
    report_dir = tmp_path / "report"
    with open(LAB_VARS) as handle:
        values = yaml.safe_load(handle)
    values.update({"gpu_validate_snapshot": "/root/gpu-snapshot.json", "privateai_report_dir": str(report_dir),
                   "run_report_credential_files": {"Dify admin": str(secret_file)},
                   "privateai_reboot_reasons": ["lab: pending reboot for the report"]})
    inventory = node_pair.inventory(group_vars=values)
    hosts = yaml.safe_load((inventory / "hosts.yml").read_text())
    hosts["all"]["children"]["storage_nodes"] = {"hosts": dict((n, None) for n in node_pair.names)}
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    changes = tmp_path / "changes.json"
    # the documented path after a failed run: the report alone
    result = node_pair.playbook("site.yml", inventory, "--tags", "run_report", PRIVATEAI_STAGE_CHANGES_FILE=str(changes))
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    report = json.loads((report_dir / "report.json").read_text())
    nodes = dict((n["name"], n) for n in report["nodes"])
    assert sorted(nodes) == sorted([first, second])
    assert (nodes[first]["gpu_count"], nodes[first]["nvswitch"]) == (2, True)
    assert (nodes[second]["gpu_count"], len(nodes[second]["nics"])) == (8, 4)
    assert nodes[first]["driver_version"] == "580.159.04"
    assert sorted(report["summary"]["reboots_pending"]) == sorted([first, second])
    assert report["credentials"] == {"Dify admin": str(secret_file)}
    for name in ("index.html", "report.json", "report.md"):
        text = (report_dir / name).read_text()
        assert SECRET not in text, "%s holds the credential's content" % name
        assert str(secret_file) in text
    assert "SECRET" not in result.stdout and SECRET not in result.stdout
    # the callback wrote this run's counts, the run report play among them
    assert "run_report" in json.loads(changes.read_text())
    shot, dom = browse(report_dir / "index.html", tmp_path)
    assert_png(shot)
    assert dom.count("<svg") == 2 and "NVSwitch" in dom and SECRET not in dom
    # rerun: same content apart from the time stamp, nothing else changes
    again = node_pair.playbook("site.yml", inventory, "--tags", "run_report", PRIVATEAI_STAGE_CHANGES_FILE=str(changes))
    assert again.returncode == 0
