"""One route from the site-wide settings to the roles (issue 11 §1): privateai_nvidia_driver_version is read by
the defaults of roles/nvidia_driver (what it installs) and roles/gpu_validate (what the gate expects), and
privateai_expected_gpu by the gate's defaults (count and model); an inventory that does not set them leaves them
empty, and a gate told to expect no GPUs (the lab) holds no node to a count. The defaults files are loaded and
templated by Ansible itself."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - ansible.builtin.include_vars: {file: "%(repo)s/roles/nvidia_driver/defaults/main.yml"}
    - ansible.builtin.include_vars: {file: "%(repo)s/roles/gpu_validate/defaults/main.yml"}
    - ansible.builtin.copy:
        content: >-
          {{ {'installs': nvidia_driver_version, 'expects': gpu_validate_expected_driver_version,
              'count': gpu_validate_expected_gpu_count, 'model': gpu_validate_expected_gpu_model} | to_json }}
        dest: "%(out)s"
        mode: "0644"
"""


H200X8 = {"model": "NVIDIA H200", "count_per_node": 8, "memory_gib": 141}
NONE = {"count": None, "model": None}


@pytest.mark.parametrize("extra, expected", [
    ({"privateai_nvidia_driver_version": "580.95.05"}, dict(NONE, installs="580.95.05", expects="580.95.05")),
    ({}, dict(NONE, installs="", expects="")),
    ({"privateai_expected_gpu": H200X8}, {"installs": "", "expects": "", "count": 8, "model": "NVIDIA H200"}),
    ({"privateai_expected_gpu": H200X8, "gpu_validate_expect_gpus": False}, dict(NONE, installs="", expects="")),
], ids=["pinned", "not-pinned", "expected-gpu", "expected-gpu-but-no-gpus-expected"])
def test_the_site_settings_reach_the_roles(tmp_path, extra, expected):
    out = tmp_path / "values.json"
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY % {"repo": REPO, "out": out})
    cmd = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(playbook), "-i", "localhost,",
           "-c", "local", "-e", "ansible_python_interpreter=%s" % sys.executable, "-e", json.dumps(extra)]
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    run = subprocess.run(cmd, cwd=str(REPO), env=env, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert json.loads(out.read_text()) == expected
