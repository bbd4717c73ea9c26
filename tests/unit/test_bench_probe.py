"""bench/probe's arithmetic and report, and the gate check of tests/gpu/compare_topology.py: the parts of the
GPU-machine run (tests/gpu/run_gate_bench.sh) that can be checked without a GPU."""

import copy
import importlib.util
import json
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
PROBE_DIR = REPO / "bench" / "probe"


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run = _load(PROBE_DIR / "run.py", "bench_probe_run")
report = _load(PROBE_DIR / "report.py", "bench_probe_report")
compare = _load(REPO / "tests" / "gpu" / "compare_topology.py", "compare_topology")


def _b(gate, modules, commands, empty):
    return {"gate_module_playbook": {"median_ms": gate}, "our_modules_playbook": {"median_ms": modules},
            "nvidia_smi_command_tasks_playbook": {"median_ms": commands}, "empty_playbook": {"median_ms": empty}}


# (gate, three modules, two commands, empty playbook) -> ratios
RATIO_CASES = [
    ((1500.0, 3200.0, 2000.0, 1000.0),
     {"ratio": 1.6, "gate_ratio": 0.75, "gate_task_ms": 500.0, "modules_task_ms": 2200.0, "commands_task_ms": 1000.0,
      "gate_task_ratio": 0.5}),
    ((2100.0, 3200.0, 2000.0, 1000.0),
     {"ratio": 1.6, "gate_ratio": 1.05, "gate_task_ms": 1100.0, "modules_task_ms": 2200.0, "commands_task_ms": 1000.0,
      "gate_task_ratio": 1.1}),
    # the empty playbook no faster than the commands (noise): no per-task figures rather than a division by ~0
    ((1500.0, 3200.0, 2000.0, 2000.0), {"ratio": 1.6, "gate_ratio": 0.75}),
]


@pytest.mark.parametrize("times, expected", RATIO_CASES, ids=["gate-cheaper", "gate-dearer", "no-start-baseline"])
def test_ratios(times, expected):
    assert run.ratios(_b(*times)) == expected


def _result(name, gpus, b):
    base = json.loads((PROBE_DIR / "results-h200x2.json").read_text())
    base.update(gpu_name=name, gpus=gpus)
    base["through_ansible"] = dict(b, **run.ratios(b)) if "gate_module_playbook" in b else b
    return base


# the one-module rows -> the closing sentence of section (b)
VERDICT_CASES = [
    ([], "Not yet measured with the one-module gate"),
    ([_b(1500.0, 3200.0, 2000.0, 1000.0)], "Met on every machine measured with the one-module gate"),
    ([_b(1500.0, 3200.0, 2000.0, 1000.0), _b(2100.0, 3200.0, 2000.0, 1000.0)],
     "NOT met on 1 of 2 machines measured with the one-module gate"),
]


@pytest.mark.parametrize("new, sentence", VERDICT_CASES, ids=["old-files-only", "met", "one-not-met"])
def test_report_regenerates_results_from_the_json_files(tmp_path, new, sentence):
    # the measurements made before the one-module gate existed (the committed gate results are left out: this
    # test writes its own)
    old_files = ("results-h100x1.json", "results-h200x2.json", "results-h200x4.json")
    for name in old_files:
        (tmp_path / name).write_text((PROBE_DIR / name).read_text())
    for i, b in enumerate(new):
        (tmp_path / ("results-h200x1-gate%d.json" % i)).write_text(json.dumps(_result("NVIDIA H200", 1, b)))
    out = tmp_path / "RESULTS.md"
    report.main(["--dir", str(tmp_path), "--out", str(out)])
    text = out.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| NVIDIA")]
    assert len(rows) == 2 * (len(old_files) + len(new))  # one row per file in (a) and in (b)
    assert sentence in text
    gate_rows = [r for r in rows if "-gate" in r and "not measured" not in r and r.count("|") > 10]
    assert len(gate_rows) == len(new)
    if new:
        assert "| 1500 | 3200 | 2000 | 1000 | 0.75 | 0.50 | 1.60 | met |" in gate_rows[0]
    for old in old_files:
        assert any(old in r and r.endswith("| not measured |") for r in rows), old


def test_the_committed_results_are_what_report_writes(tmp_path):
    out = tmp_path / "RESULTS.md"
    report.main(["--out", str(out)])
    assert out.read_text() == (PROBE_DIR / "RESULTS.md").read_text(), "stale: run python3 bench/probe/report.py"


def _modules_json():
    facts = {"gpu_count": 2, "reason": None, "driver_version": "580.159.04", "gpus": [{"index": 0}, {"index": 1}]}
    topology = {"gpu_count": 2, "matrix": {"GPU0": {"GPU0": "X", "GPU1": "NV18"}}, "problems": []}
    health = {"gpu_count": 2, "findings": [{"gpu": 0, "check": "persistence_mode", "severity": "info"}],
              "counts": {"critical": 0}}
    gate = {"gpu_count": 2, "facts": copy.deepcopy(facts), "topology": copy.deepcopy(topology),
            "health": copy.deepcopy(health), "changed": False}
    facts.update(changed=False, probe_seconds=0.1, invocation={})
    return {"facts": facts, "topology": topology, "health": health, "gate": gate}


def test_gate_vs_modules_agrees_when_equal():
    assert compare.gate_vs_modules(_modules_json()) == []


@pytest.mark.parametrize("change, found", [
    (lambda r: r["gate"]["facts"].update(driver_version="570.86.15"),
     "gpu_gate_info facts differs from the module's: ['driver_version']"),
    (lambda r: r["gate"]["topology"]["matrix"]["GPU0"].update(GPU1="SYS"),
     "gpu_gate_info topology differs from the module's: ['matrix']"),
    (lambda r: r["gate"]["health"]["findings"].append({"gpu": 1, "check": "ecc_uncorrected", "severity": "critical"}),
     "gpu_gate_info health findings [(0, 'persistence_mode'), (1, 'ecc_uncorrected')] differ from gpu_health's "
     "[(0, 'persistence_mode')]"),
], ids=["facts", "topology", "health"])
def test_gate_vs_modules_names_what_differs(change, found):
    results = _modules_json()
    change(results)
    assert compare.gate_vs_modules(results) == [found]
