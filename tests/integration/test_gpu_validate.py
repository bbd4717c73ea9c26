"""The GPU gate (playbooks/gpu_validate.yml) on two throwaway nodes.

The nodes have no GPU, no driver and no pynvml. Given recorded snapshots (gpu_validate_snapshot),
they look like GPU nodes: the same 2x H100 NVSwitch reading on both passes, one node on another
driver version fails the play with one table naming it. Without snapshots, the lab's setting
(gpu_validate_expect_gpus: false) reports zero GPUs per node and passes.
"""

import json
import os
import re

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLAYBOOK = "playbooks/gpu_validate.yml"
FIXTURE = os.path.join(REPO, "tests", "unit", "fixtures", "nvml", "h100x2-nvswitch.json")
SNAPSHOT = "/root/gpu-snapshot.json"
NO_PYNVML = "the pynvml module is not installed (pip package nvidia-ml-py)"
# One line per result, so messages are not wrapped and results parse as JSON.
JSON_RESULTS = {"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"}


def results(stdout, status):
    """[(host, result dict)] of every 'ok: [host] => {...}' or 'fatal: [host]: FAILED! => {...}' line."""
    prefix = {"ok": r"^ok: \[([^\]]+)\] => ", "fatal": r"^fatal: \[([^\]]+)\]: FAILED! => "}[status]
    found = []
    for m in re.finditer(prefix, stdout, re.M):
        value, dummy = json.JSONDecoder().raw_decode(stdout[m.end():])
        found.append((m.group(1), value))
    return found


def messages(stdout):
    return [r["msg"] for host, r in results(stdout, "ok") if "msg" in r]


@pytest.fixture(scope="module")
def snapshots(node_pair):
    """node 1: the recorded 2x H100 reading; node 2: the same with driver 570.86.15 instead of 580.159.04."""
    first, second = node_pair.names
    with open(FIXTURE) as handle:
        snap = json.load(handle)
    node_pair.put(first, json.dumps(snap), SNAPSHOT)
    snap["driver_version"] = "570.86.15"
    node_pair.put(second, json.dumps(snap), SNAPSHOT)
    return node_pair


def test_the_nodes_have_no_pynvml(node_pair):
    for name in node_pair.names:
        assert node_pair.sh(name, "python3 -c 'import pynvml'").returncode != 0


def test_a_node_on_another_driver_fails_the_gate_with_one_table(snapshots):
    first, second = snapshots.names
    inventory = snapshots.inventory({"gpu_validate_snapshot": SNAPSHOT})
    run = snapshots.playbook(PLAYBOOK, inventory, **JSON_RESULTS)
    assert run.returncode != 0, run.stdout[-3000:]
    fatal = results(run.stdout, "fatal")
    assert len(fatal) == 1, run.stdout[-3000:]  # one failure: the gate's, once for the play
    table = fatal[0][1]["msg"]
    assert table.splitlines()[0] == "GPU gate: 2 of 2 nodes deviate"
    # Two nodes on two versions: no majority, so both are listed, each with both values.
    split = "no majority: 580.159.04 on 1 node, 570.86.15 on 1 node"
    assert re.search(r"^%s +\| driver_version +\| 570\.86\.15 +\| %s$" % (second, split), table, re.M), table
    assert re.search(r"^%s +\| driver_version +\| 580\.159\.04 +\| %s$" % (first, split), table, re.M), table
    assert len(table.splitlines()) == 5  # title, header, rule, one row per node: nothing else deviates
    # Both nodes read their snapshot (the modules ran and the summaries say so).
    assert "%s: 2x NVIDIA H100 80GB HBM3, driver 570.86.15 (CUDA 13.0)" % second in " ".join(messages(run.stdout))


# The role's own variable, or the site-wide driver pin that roles/nvidia_driver installs and the role's default reads.
@pytest.mark.parametrize("driver_variable", ["gpu_validate_expected_driver_version", "privateai_nvidia_driver_version"])
def test_an_explicit_driver_version_names_only_the_node_that_differs(snapshots, driver_variable):
    first, second = snapshots.names
    inventory = snapshots.inventory({"gpu_validate_snapshot": SNAPSHOT,
                                     driver_variable: "580.159.04",
                                     "gpu_validate_expected_gpu_count": 2,
                                     "gpu_validate_expect_fully_connected": True,
                                     "gpu_validate_min_nvlinks_per_pair": 18})
    run = snapshots.playbook(PLAYBOOK, inventory, **JSON_RESULTS)
    assert run.returncode != 0
    fatal = results(run.stdout, "fatal")
    assert len(fatal) == 1
    lines = fatal[0][1]["msg"].splitlines()
    assert lines[0] == "GPU gate: 1 of 2 nodes deviates"
    assert [l.split(" | ")[0].strip() for l in lines[3:]] == [second]
    assert re.match(r"^%s \| driver_version \| 570\.86\.15 \| 580\.159\.04 \(expected\)$" % second, lines[3])
    assert first not in "\n".join(lines)


def test_the_same_reading_on_both_nodes_passes(snapshots):
    first, second = snapshots.names
    inventory = snapshots.inventory({"gpu_validate_snapshot": SNAPSHOT, "gpu_validate_expected_gpu_count": 2},
                                    host_vars={second: {"gpu_validate_snapshot": "/root/gpu-snapshot-same.json"}})
    with open(FIXTURE) as handle:
        snapshots.put(second, handle.read(), "/root/gpu-snapshot-same.json")
    run = snapshots.playbook(PLAYBOOK, inventory, **JSON_RESULTS)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "GPU gate: 2 nodes, 4 GPUs; consistent" in " ".join(messages(run.stdout))


def test_lab_inventory_without_gpus_passes_reporting_zero_gpus(node_pair):
    inventory = node_pair.inventory({"gpu_validate_expect_gpus": False})  # as inventories/lab/group_vars/all.yml
    run = node_pair.playbook(PLAYBOOK, inventory, **JSON_RESULTS)
    assert run.returncode == 0, run.stdout[-3000:]
    said = messages(run.stdout)
    for name in node_pair.names:
        assert "%s: no NVIDIA GPU (%s), not expected here" % (name, NO_PYNVML) in said
    assert any(m.startswith("GPU gate: 2 nodes, 0 GPUs; no GPU on ") and m.endswith("; consistent") for m in said), said
    assert re.search(r"changed=0 +unreachable=0 +failed=0", run.stdout)
    assert "changed=1" not in run.stdout


def test_gpu_nodes_without_gpus_fail_when_gpus_are_expected(node_pair):
    inventory = node_pair.inventory({})  # the role's default: gpu_validate_expect_gpus true
    run = node_pair.playbook(PLAYBOOK, inventory, **JSON_RESULTS)
    assert run.returncode != 0
    fatal = results(run.stdout, "fatal")
    assert len(fatal) == 1
    table = fatal[0][1]["msg"]
    for name in node_pair.names:
        assert re.search(r"^%s +\| gpu_count +\| 0: %s +\| at least 1 \(gpu_validate_expect_gpus\)$"
                         % (name, re.escape(NO_PYNVML)), table, re.M), table


def test_a_driver_pin_that_is_no_version_is_refused_by_name(node_pair):
    inventory = node_pair.inventory({"gpu_validate_expect_gpus": False, "privateai_nvidia_driver_version": "latest"})
    run = node_pair.playbook(PLAYBOOK, inventory, **JSON_RESULTS)
    assert run.returncode != 0
    fatal = results(run.stdout, "fatal")
    assert sorted(host for host, dummy in fatal) == sorted(node_pair.names)  # each node, before reading any GPU
    for host, result in fatal:
        assert result["msg"] == (
            "gpu_validate: on %s, gpu_validate_expected_driver_version must be an NVIDIA driver version such as "
            "580.95.05 (empty to compare with the majority), got latest: fix privateai_nvidia_driver_version (its "
            "default) or set the variable" % host)
    assert "Read the GPUs, their NVLink topology and health" not in run.stdout
