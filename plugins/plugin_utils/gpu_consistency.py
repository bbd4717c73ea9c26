# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The GPU gate's arithmetic: one summary per node from what gpu_gate_info (or the three GPU modules) returned, then
the cross-node comparison (same driver, CUDA driver, GPU model and count, NVLink shape within a group)
and the table of every node that deviates. Pure functions of plain data, no Ansible objects, so the
filter plugins (gpu_node_summary, gpu_consistency) and the unit tests share them. Controller-side only
(plugin_utils): no module runs this.

A row of the table is ``{"node", "field", "found", "expected"}``: what the node has, and the value it
was held against (an explicit expectation, the group's majority, or "no majority" when the group is
split evenly).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import textwrap

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import gpu_health

# Fields compared across the nodes of a group, in table order.
COMPARED = ("gpu_count", "gpu_model", "driver_version", "cuda_driver_version", "nvlink_shape")
DEFAULT_GROUP = "all"
WRAP = 64  # width of the found / expected columns; longer values wrap onto continuation lines


def _text(value):
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "%s" % (value,)


def _same(found, wanted):
    """Compare loosely on text, so 8 (int) from a module matches "8" from a templated inventory value."""
    return _text(found).strip() == _text(wanted).strip()


def _model(gpus):
    """One model name, or "A x1, B x7" when a node mixes models (that then differs from the majority)."""
    names = [(g or {}).get("name") or "unknown" for g in gpus or []]
    if not names:
        return None
    counts = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    if len(counts) == 1:
        return names[0]
    return ", ".join("%s x%d" % (name, n) for name, n in sorted(counts.items()))


def _row(field, found, expected):
    return {"field": field, "found": _text(found), "expected": _text(expected)}


def _module_errors(results):
    """Modules that returned no gpu_count failed for a reason other than an expectation (unreadable snapshot,
    crash): one problem row per distinct message, naming the modules that gave it."""
    by_msg = {}
    order = []
    for name, result in results:
        if isinstance(result, dict) and "gpu_count" in result:
            continue
        msg = (result.get("msg") if isinstance(result, dict) else None) or "no result"
        if msg not in by_msg:
            order.append(msg)
            by_msg[msg] = []
        by_msg[msg].append(name)
    return [_row(", ".join(by_msg[msg]), msg, "the module to run") for msg in order]


# nvlink_topology's problem for a thin pair, "GPU0-GPU1: 12 NVLinks, expected at least 18 (found NV12)": the
# expectation goes to the expected column, so found keeps "GPU0-GPU1: 12 NVLinks (NV12)".
_THIN_PAIR = re.compile(r"^(?P<pair>.+?): (?P<links>\d+ NVLinks), expected at least \d+ \(found (?P<cell>[^)]*)\)$")


def _topology_found(problem):
    m = _THIN_PAIR.match(problem or "")
    return "%s: %s (%s)" % (m.group("pair"), m.group("links"), m.group("cell")) if m else problem


def _topology_expectation(fully_connected, min_links):
    parts = []
    if fully_connected:
        parts.append("every GPU pair on NVLink")
    if min_links:
        parts.append("at least %s NVLinks per pair" % min_links)
    return ", ".join(parts) or "the NVLink expectations"


def node_summary(facts, topology, health, expect_gpus=True, expected=None, group=DEFAULT_GROUP, fail_on="critical",
                 expect_fully_connected=False, min_nvlinks_per_pair=None):
    """The per-node summary the gpu_validate role keeps as the fact gpu_validate_summary.

    facts, topology, health: the registered results of nvidia_gpu_info, nvlink_topology and gpu_health
    (expectation failures included: their data is still there). expected: the node's explicit expectations
    ({gpu_count, gpu_model, driver_version, cuda_driver_version}; None values mean "the group's majority").
    problems holds what is wrong on the node by itself (NVLink pairs, failing health findings, module errors).
    """
    results = (("nvidia_gpu_info", facts), ("nvlink_topology", topology), ("gpu_health", health))
    return _summary(results, expect_gpus=expect_gpus, expected=expected, group=group, fail_on=fail_on,
                    expect_fully_connected=expect_fully_connected, min_nvlinks_per_pair=min_nvlinks_per_pair)


def gate_node_summary(gate, **options):
    """node_summary from the registered result of gpu_gate_info (its facts, topology and health parts). A gate
    result without gpu_count (the module failed for another reason than an expectation) is one problem row
    naming gpu_gate_info. options: those of node_summary."""
    gate = gate if isinstance(gate, dict) else {}
    if "gpu_count" not in gate:
        results = (("gpu_gate_info", gate),)
    else:
        # A gate that stopped at expect_gpus returns gpu_count and reason only: each part is then just those.
        bare = {"gpu_count": gate["gpu_count"], "reason": gate.get("reason")}
        results = tuple(("gpu_gate_info", gate.get(part) or bare) for part in ("facts", "topology", "health"))
    return _summary(results, **options)


def _summary(results, expect_gpus=True, expected=None, group=DEFAULT_GROUP, fail_on="critical",
             expect_fully_connected=False, min_nvlinks_per_pair=None):
    """results: ((module name, result), ...) giving the facts, topology and health results in that order, or one
    failed module's result alone (then only its error row is made)."""
    problems = _module_errors(results)
    parts = [r if isinstance(r, dict) and "gpu_count" in r else {} for dummy, r in results]
    facts, topology, health = (parts + [{}, {}, {}])[:3]

    gpu_count = facts.get("gpu_count")
    if gpu_count is None:
        gpu_count = topology.get("gpu_count", health.get("gpu_count"))
    reason = facts.get("reason") or topology.get("reason") or health.get("reason")
    if gpu_count:
        reason = None

    wanted_topology = _topology_expectation(expect_fully_connected, min_nvlinks_per_pair)
    for problem in topology.get("problems") or []:
        problems.append(_row("nvlink", _topology_found(problem), wanted_topology))

    findings = health.get("findings") or []
    counts = health.get("counts") or gpu_health.summarize(findings, "never")["counts"]
    failing = gpu_health.summarize(findings, fail_on)["failing"] if fail_on in gpu_health.RANK else []
    wanted_health = ("no %s finding" % ("critical" if fail_on == "critical" else "warning or critical")
                     if fail_on != "never" else "")
    failing_text = ["%s %s %s: %s" % ("GPU%s" % f["gpu"] if f.get("gpu") is not None else "node",
                                      f["severity"], f["check"], f["message"]) for f in failing]
    for text in failing_text:
        problems.append(_row("health", text, wanted_health))

    explicit = dict((k, v) for k, v in (expected or {}).items() if v is not None and v != "")
    summary = {
        "gpu_count": gpu_count,
        "reason": reason,
        "driver_version": facts.get("driver_version"),
        "cuda_driver_version": facts.get("cuda_driver_version"),
        "kernel_module_version": facts.get("kernel_module_version"),
        "gpu_model": _model(facts.get("gpus")),
        "gpu_models": [(g or {}).get("name") for g in facts.get("gpus") or []],
        "memory_total_mib": [(g or {}).get("memory_total_mib") for g in facts.get("gpus") or []],
        "nvlink_shape": topology.get("shape"),
        "nvswitch": topology.get("nvswitch"),
        "islands": topology.get("islands") or [],
        "nvlink_counts": topology.get("nvlink_counts") or {},
        "health": {"counts": counts, "healthy": counts.get("critical", 0) == 0, "failing": failing_text,
                   "kernel_log_source": health.get("kernel_log_source")},
        "expect_gpus": bool(expect_gpus),
        "expected": explicit,
        "group": _text(group) if group is not None else DEFAULT_GROUP,
        "problems": problems,
    }
    summary["status"] = status_line(summary)
    return summary


def status_line(summary):
    """One line for the node: what it has, or why it has no GPU and whether that is expected."""
    if not summary.get("gpu_count"):
        why = summary.get("reason") or "NVML reports 0 GPUs"
        if summary.get("expect_gpus", True):
            return "no NVIDIA GPU (%s), but GPUs are expected (gpu_validate_expect_gpus)" % why
        return "no NVIDIA GPU (%s), not expected here" % why
    counts = (summary.get("health") or {}).get("counts") or {}
    line = "%sx %s, driver %s (CUDA %s), %s, health: %s" % (
        summary["gpu_count"], summary.get("gpu_model"), _text(summary.get("driver_version")),
        _text(summary.get("cuda_driver_version")), _text(summary.get("nvlink_shape")),
        ", ".join("%d %s" % (counts.get(s, 0), s) for s in gpu_health.SEVERITIES))
    if summary.get("problems"):
        line += "; %d problem%s" % (len(summary["problems"]), "" if len(summary["problems"]) == 1 else "s")
    return line


def _majority(values):
    """(text of the single most common value or None when the top is shared, its count, {text: count} in
    first-seen order, {text: the original value})."""
    counts = {}
    originals = {}
    for v in values:
        key = _text(v)
        if key not in counts:
            counts[key] = 0
            originals[key] = v
        counts[key] += 1
    if not counts:
        return None, 0, counts, originals
    top = max(counts.values())
    winners = [k for k in counts if counts[k] == top]
    return (winners[0] if len(winners) == 1 else None), top, counts, originals


def check(summaries, groups=None, expected=None):
    """Compare node summaries ({host: summary}) group by group.

    groups: {host: group key}; a host missing there uses its summary's "group", else "all".
    expected: explicit values ({field: value}) every node is held against; a node's own summary["expected"]
    wins over it, and fields with neither are held against the group's majority.

    Returns consistent, deviations ({host: [rows]}), rows (flat, table order), table (text, empty when
    consistent), groups ({key: {hosts, reference}}), nodes ({host: status line}), gpu_total and the lists of
    hosts with and without GPUs.
    """
    summaries = summaries or {}
    expected = dict((k, v) for k, v in (expected or {}).items() if v is not None and v != "")
    members = {}
    for host, summary in summaries.items():
        key = (groups or {}).get(host)
        if key is None:
            key = (summary or {}).get("group") or DEFAULT_GROUP
        members.setdefault(_text(key), []).append(host)

    deviations = dict((host, []) for host in summaries)
    group_report = {}
    for key, hosts in members.items():
        with_gpus = [h for h in hosts if summaries[h].get("gpu_count")]
        reference = {}
        for field in COMPARED:
            value, top, counts, originals = _majority([summaries[h].get(field) for h in with_gpus])
            reference[field] = {"value": originals.get(value), "text": value, "nodes": top, "counts": counts}
            for host in with_gpus:
                summary = summaries[host]
                wanted = summary.get("expected", {}).get(field, expected.get(field))
                found = summary.get(field)
                if wanted is not None:
                    if not _same(found, wanted):
                        deviations[host].append(_row(field, found, "%s (expected)" % _text(wanted)))
                elif value is None and len(counts) > 1:
                    deviations[host].append(_row(field, found, "no majority: " + ", ".join(
                        "%s on %d node%s" % (k, n, "" if n == 1 else "s") for k, n in counts.items())))
                elif value is not None and _text(found) != value:
                    deviations[host].append(_row(field, found, "%s (majority, %d of %d nodes)"
                                                 % (value, top, len(with_gpus))))
        for host in hosts:
            summary = summaries[host]
            if not summary.get("gpu_count") and summary.get("expect_gpus", True):
                wanted = summary.get("expected", {}).get("gpu_count", expected.get("gpu_count"))
                if wanted is not None:
                    wanted = "%s (expected)" % _text(wanted)
                elif reference["gpu_count"]["text"] is not None:
                    wanted = "%s (majority, %d of %d nodes)" % (reference["gpu_count"]["text"],
                                                                reference["gpu_count"]["nodes"], len(with_gpus))
                else:
                    wanted = "at least 1 (gpu_validate_expect_gpus)"
                deviations[host].insert(0, _row("gpu_count", "0: %s" % (summary.get("reason") or "NVML reports 0 GPUs"),
                                                wanted))
            deviations[host].extend(dict(r) for r in summary.get("problems") or [])
        # reference: the majority value of each field (None when split evenly or no node has GPUs);
        # values: how many nodes have each value
        group_report[key] = {"hosts": hosts, "nodes_with_gpus": with_gpus,
                             "reference": dict((f, reference[f]["value"]) for f in COMPARED),
                             "values": dict((f, reference[f]["counts"]) for f in COMPARED)}

    rows = []
    for host in summaries:
        for r in deviations[host]:
            row = {"node": host, "field": r["field"], "found": r["found"], "expected": r["expected"]}
            if len(members) > 1:
                row["group"] = _group_of(host, members)
            rows.append(row)
    deviations = dict((h, rows_) for h, rows_ in deviations.items() if rows_)
    with_gpus = [h for h in summaries if summaries[h].get("gpu_count")]
    return {
        "consistent": not rows,
        "deviations": deviations,
        "rows": rows,
        "table": render_table(rows, title=_title(summaries, deviations, members)) if rows else "",
        "groups": group_report,
        "nodes": dict((h, summaries[h].get("status") or status_line(summaries[h])) for h in summaries),
        "nodes_with_gpus": with_gpus,
        "nodes_without_gpus": [h for h in summaries if h not in with_gpus],
        "gpu_total": sum(summaries[h].get("gpu_count") or 0 for h in summaries),
    }


def _group_of(host, members):
    for key, hosts in members.items():
        if host in hosts:
            return key
    return DEFAULT_GROUP


def _title(summaries, deviations, members):
    title = "GPU gate: %d of %d node%s deviate%s" % (len(deviations), len(summaries), "" if len(summaries) == 1 else "s",
                                                     "s" if len(deviations) == 1 else "")
    if len(members) > 1:
        title += " (compared within %d groups: %s)" % (len(members), ", ".join(sorted(members)))
    return title


def render_table(rows, title=None):
    """Fixed-width text table: node | [group |] field | found | majority/expected. Long values wrap."""
    columns = [("node", "node"), ("field", "field"), ("found", "found"), ("expected", "majority/expected")]
    if any("group" in r for r in rows):
        columns.insert(1, ("group", "group"))
    cells = []
    for r in rows:
        cells.append(dict((key, textwrap.wrap(_text(r.get(key, "")), WRAP) or [""]) if key in ("found", "expected")
                          else (key, [_text(r.get(key, ""))]) for key, dummy in columns))
    widths = dict((key, max([len(head)] + [len(line) for c in cells for line in c[key]])) for key, head in columns)
    lines = []
    if title:
        lines.append(title)
    lines.append(" | ".join(head.ljust(widths[key]) for key, head in columns).rstrip())
    lines.append("-+-".join("-" * widths[key] for key, dummy in columns))
    for c in cells:
        height = max(len(v) for v in c.values())
        for i in range(height):
            parts = [(c[key][i] if i < len(c[key]) else "").ljust(widths[key]) for key, dummy in columns]
            while len(parts) > 1 and not parts[-1].strip():
                parts.pop()  # a continuation line ends at its last wrapped cell
            lines.append(" | ".join(parts).rstrip())
    return "\n".join(lines)
