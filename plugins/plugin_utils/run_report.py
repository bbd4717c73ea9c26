# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The run report (role run_report): the report as data, then JSON, Markdown and a self-contained HTML page with
an inline SVG picture of each node's GPUs, NVLinks or NVSwitch, NICs and NUMA nodes.

HTML and SVG are built as element trees (tuples) and serialised by one function that escapes every text and
attribute value: no value is ever pasted into markup text.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils.gpu_consistency import gate_node_summary

try:
    from html import escape as _html_escape
except ImportError:  # Python 2 (ansible-test sanity compile tests only)
    from cgi import escape as _cgi_escape

    def _html_escape(text, quote=True):
        return _cgi_escape(text, quote)

# ------------------------------------------------------------------------------------------------ markup as data

VOID = frozenset(("meta", "br", "hr", "img", "link", "input"))


def el(tag, attrs=None, *children):
    """One element: (tag, {attribute: value}, [children]); a child is an element or text."""
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9:-]*$", tag):
        raise ValueError("not an element name: %r" % (tag,))
    return (tag, dict(attrs or {}), [c for c in children if c is not None])


def serialize(node):
    """Markup of an element tree; every text and attribute value escaped."""
    if isinstance(node, (list, tuple)) and len(node) == 3 and isinstance(node[1], dict):
        tag, attrs, children = node
        out = ["<", tag]
        for name in sorted(attrs):
            value = attrs[name]
            if value is None or value is False:
                continue
            if not re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:.-]*$", name):
                raise ValueError("not an attribute name: %r" % (name,))
            out.append(' %s="%s"' % (name, _html_escape(_text(value), quote=True)))
        out.append(">")
        if tag in VOID:
            return "".join(out)
        out.extend(serialize(child) for child in children)
        out.append("</%s>" % tag)
        return "".join(out)
    if isinstance(node, list):
        return "".join(serialize(child) for child in node)
    return _html_escape(_text(node), quote=False)


def _text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return ("%.2f" % value).rstrip("0").rstrip(".")
    return "%s" % (value,)


# ------------------------------------------------------------------------------------------------ report data

LOCAL_TYPES = ("PIX", "PXB", "PHB", "NODE")


def _gib(value_bytes):
    try:
        return round(float(value_bytes) / (1 << 30), 1)
    except (TypeError, ValueError):
        return None


def node_entry(name, gate=None, summary=None, rdma_ports=None, reboot_reasons=None, rebooted=False):
    """One node of the report from what the stages published: the GPU gate's result (gpu_validate_gate: facts,
    topology, health), its summary (gpu_validate_summary), the RDMA ports and the reboot reasons."""
    gate = gate if isinstance(gate, dict) else {}
    summary = summary if isinstance(summary, dict) else {}
    if not summary and "gpu_count" in gate:
        # Read by the report itself (no GPU gate in this run): the gate's own summary of the reading.
        summary = gate_node_summary(gate)
    facts = gate.get("facts") or {}
    topo = gate.get("topology") or {}
    health = gate.get("health") or {}
    numa = topo.get("numa_affinity") or {}
    gpus = []
    for gpu in facts.get("gpus") or []:
        index = gpu.get("index")
        key = "GPU%s" % index
        gpus.append({"id": key, "index": index, "name": gpu.get("name"),
                     "memory_gib": round(float(gpu.get("memory_total_mib") or 0) / 1024, 1),
                     "pci_bus_id": gpu.get("pci_bus_id"), "numa": numa.get(key, gpu.get("numa_node")),
                     "fabric_state": (topo.get("fabric_state") or {}).get(key)})
    if not gpus and topo.get("gpu_count"):
        gpus = [{"id": "GPU%d" % i, "index": i, "name": None, "memory_gib": None, "pci_bus_id": None,
                 "numa": numa.get("GPU%d" % i), "fabric_state": None} for i in range(int(topo["gpu_count"]))]
    links = _links(topo, [g["id"] for g in gpus])
    nics = []
    matrix = topo.get("matrix") or {}
    for position, nic in enumerate(topo.get("nics") or []):
        column = "NIC%d" % position
        near = [g["id"] for g in gpus if (matrix.get(g["id"]) or {}).get(column) in ("PIX", "PXB")]
        local = [g for g in gpus if (matrix.get(g["id"]) or {}).get(column) in LOCAL_TYPES]
        nics.append({"id": column, "name": nic, "near_gpus": near,
                     "numa": local[0]["numa"] if local else None})
    findings = [{"severity": f.get("severity"), "gpu": f.get("gpu"), "check": f.get("check"), "message": f.get("message")}
                for f in health.get("findings") or []]
    ports = []
    for port in rdma_ports or []:
        if isinstance(port, dict):
            ports.append(dict((k, port.get(k)) for k in ("name", "netdev", "link_layer", "state", "rate_gbps")
                              if port.get(k) is not None))
    problems = list(gate.get("problems") or []) + [
        "%s: found %s, expected %s" % (row.get("field"), row.get("found"), row.get("expected"))
        for row in summary.get("problems") or [] if isinstance(row, dict)]
    unhealthy = [link for link in links if not link["healthy"]]
    return {
        "name": name,
        "status": summary.get("status") or (gate.get("reason") and "no GPU: %s" % gate["reason"]) or "",
        "gpu_count": facts.get("gpu_count", gate.get("gpu_count", 0)) or 0,
        "gpu_model": summary.get("gpu_model") or (gpus[0]["name"] if gpus else None),
        "driver_version": facts.get("driver_version") or summary.get("driver_version"),
        "cuda_driver_version": facts.get("cuda_driver_version") or summary.get("cuda_driver_version"),
        "shape": topo.get("shape") or summary.get("nvlink_shape"),
        "nvswitch": bool(topo.get("nvswitch")),
        "gpus": gpus,
        "links": links,
        "nics": nics,
        "numa_nodes": sorted(set(_numa_key(g["numa"]) for g in gpus) | set(_numa_key(n["numa"]) for n in nics)),
        "findings": findings,
        "problems": problems,
        "healthy": not problems and not unhealthy and not any(f["severity"] == "critical" for f in findings),
        "rdma_ports": ports,
        "reboot_reasons": [str(r) for r in reboot_reasons or []],
        "rebooted": bool(rebooted),
    }


def _numa_key(value):
    return "none" if value is None else str(value)


def _links(topo, gpu_ids):
    """NVLink connections: with NVSwitch one per GPU to the switch (its active links), else one per GPU pair.

    A connection is unhealthy when a link of it is not active, counts errors, or it has fewer links than its
    peers have (a missing link)."""
    per_gpu = topo.get("links") or {}
    counts = topo.get("nvlink_counts") or {}
    links = []
    if topo.get("nvswitch"):
        active = dict((g, [l for l in per_gpu.get(g) or [] if l.get("state") == "active"]) for g in gpu_ids)
        most = max([len(v) for v in active.values()] or [0])
        for gpu in gpu_ids:
            all_links = per_gpu.get(gpu) or []
            errors = sum(sum((l.get("errors") or {}).values()) for l in all_links)
            down = [l.get("link") for l in all_links if l.get("state") != "active"]
            fabric = (topo.get("fabric_state") or {}).get(gpu)
            healthy = not down and errors == 0 and len(active[gpu]) == most and fabric in (None, "COMPLETED", "NOT_SUPPORTED")
            links.append({"a": gpu, "b": "NVSwitch", "count": len(active[gpu]), "healthy": healthy,
                          "note": _link_note(down, errors, len(active[gpu]), most, fabric)})
        return links
    best = max([c for c in counts.values() if c] or [0])
    for index, a in enumerate(gpu_ids):
        for b in gpu_ids[index + 1:]:
            count = counts.get("%s-%s" % (a, b)) or 0
            if count:
                links.append({"a": a, "b": b, "count": count, "healthy": count == best,
                              "note": "" if count == best else "%d of %d links" % (count, best)})
    return links


def _link_note(down, errors, count, most, fabric):
    notes = []
    if down:
        notes.append("link%s %s not active" % ("" if len(down) == 1 else "s", ", ".join(str(d) for d in down)))
    if count < most:
        notes.append("%d of %d links" % (count, most))
    if errors:
        notes.append("%d link errors" % errors)
    if fabric not in (None, "COMPLETED", "NOT_SUPPORTED"):
        notes.append("fabric %s" % fabric)
    return "; ".join(notes)


def serving_entries(plan):
    """The serving plan per model with its memory breakdown (GiB per GPU)."""
    out = []
    for model in (plan or {}).get("models") or []:
        mem = model.get("memory_per_gpu") or {}
        out.append({
            "name": model.get("name"), "served_name": model.get("served_name"), "kind": model.get("kind"),
            "workload": model.get("workload"), "replicas": model.get("replicas"), "nodes": model.get("nodes"),
            "gpus_per_replica": model.get("gpus_per_replica"), "parallel": (model.get("parallel") or {}).get("text"),
            "gpu_model": model.get("gpu_model"), "max_model_len": model.get("max_model_len"),
            "memory_gib_per_gpu": {
                "gpu": _gib(mem.get("gpu_memory_bytes")), "budget": _gib(mem.get("budget_bytes")),
                "weights": _gib(mem.get("weights_bytes")), "reserve": _gib(mem.get("reserve_bytes")),
                "kv_cache": _gib(mem.get("kv_cache_bytes"))},
            "kv_tokens": mem.get("kv_tokens"),
        })
    return out


def _secret_like(value):
    return bool(re.search(r"(?i)(password|secret|token|api[_-]?key)\s*[:=]", str(value)))


def build_report(inventory, nodes, stages=None, serving=None, endpoints=None, credentials=None, warnings=None,
                 generated=None, failed=None):
    """The whole report as data (what report.json holds).

    stages: [{name, title, ran, changed, failed}]; endpoints: {label: url}; credentials: {label: file path} (paths
    only: a value that looks like a secret is refused); failed: the failure that ended the run, if any."""
    for label, path in (credentials or {}).items():
        if not isinstance(path, str) or not path.startswith("/") or _secret_like(path):
            raise ValueError("credentials: %s must be the path of a file, got a value that is not one" % label)
    nodes = list(nodes or [])
    return {
        "inventory": inventory,
        "generated": generated,
        "result": "failed" if failed else "ok",
        "failure": failed or None,
        "summary": {
            "nodes": len(nodes),
            "gpus": sum(n["gpu_count"] for n in nodes),
            "unhealthy_nodes": [n["name"] for n in nodes if not n["healthy"]],
            "reboots_pending": [n["name"] for n in nodes if n["reboot_reasons"] and not n["rebooted"]],
            "models": [m["served_name"] or m["name"] for m in serving or []],
            "warnings": len(warnings or []),
        },
        "stages": list(stages or []),
        "nodes": nodes,
        "serving": list(serving or []),
        "endpoints": dict(endpoints or {}),
        "credentials": dict(credentials or {}),
        "warnings": [str(w) for w in warnings or []],
    }


def render_json(report):
    return json.dumps(report, indent=2, sort_keys=True) + "\n"


# ------------------------------------------------------------------------------------------------ Markdown

def _md(value):
    """Text for a Markdown table cell or line: no markup characters take effect."""
    text = _text(value if value is not None else "")
    text = re.sub(r"[\r\n]+", " ", text)
    return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", text)


def _md_code(value):
    """A path or URL as a Markdown code span (nothing inside takes effect)."""
    return "`%s`" % re.sub(r"[\r\n]+", " ", _text(value)).replace("`", "'")


def render_markdown(report):
    s = report["summary"]
    lines = ["# Run report: %s" % _md(report["inventory"]), "",
             "Result: **%s**%s. Generated %s." % (
                 report["result"], (" (%s)" % _md(report["failure"])) if report["failure"] else "",
                 _md(report["generated"] or "")), "",
             "%d nodes, %d GPUs; unhealthy: %s; reboots pending: %s; %d warnings." % (
                 s["nodes"], s["gpus"], _md(", ".join(s["unhealthy_nodes"]) or "none"),
                 _md(", ".join(s["reboots_pending"]) or "none"), s["warnings"]), ""]
    lines += ["## Stages", "", "| stage | ran | changed | failed |", "|---|---|---|---|"]
    for st in report["stages"]:
        lines.append("| %s | %s | %s | %s |" % (_md(st.get("title") or st.get("name")), _yn(st.get("ran")),
                                                _md(st.get("changed", 0)), _yn(st.get("failed"))))
    lines += ["", "## Nodes", ""]
    for n in report["nodes"]:
        lines += ["### %s" % _md(n["name"]), "", _md(n["status"] or "no GPU reading"), ""]
        if n["shape"]:
            lines.append("- Topology: %s" % _md(n["shape"]))
        lines.append("- Driver: %s (CUDA %s)" % (_md(n["driver_version"] or "-"), _md(n["cuda_driver_version"] or "-")))
        for link in n["links"]:
            if not link["healthy"]:
                lines.append("- Unhealthy link %s - %s: %s" % (_md(link["a"]), _md(link["b"]), _md(link["note"])))
        for f in n["findings"]:
            where = "GPU%s" % f["gpu"] if f["gpu"] is not None else "node"
            lines.append("- Health %s: %s %s: %s" % (_md(f["severity"]), _md(where), _md(f["check"]), _md(f["message"])))
        for p in n["problems"]:
            lines.append("- Problem: %s" % _md(p))
        if n["rdma_ports"]:
            lines.append("- RDMA ports: %s" % _md(", ".join("%s (%s)" % (p.get("name"), p.get("netdev", "-")) for p in n["rdma_ports"])))
        if n["reboot_reasons"]:
            lines.append("- Reboot %s: %s" % ("done" if n["rebooted"] else "pending", _md("; ".join(n["reboot_reasons"]))))
        lines.append("")
    if report["serving"]:
        lines += ["## Model serving", "", "| model | layout | replicas | max len | GiB per GPU: weights / KV cache / reserve / budget |",
                  "|---|---|---|---|---|"]
        for m in report["serving"]:
            mem = m["memory_gib_per_gpu"]
            lines.append("| %s | %s | %s | %s | %s / %s / %s / %s |" % (
                _md(m["served_name"] or m["name"]), _md("%s, %s GPUs, %s" % (m["workload"], m["gpus_per_replica"], m["parallel"])),
                _md(m["replicas"]), _md(m["max_model_len"]), _md(mem["weights"]), _md(mem["kv_cache"]), _md(mem["reserve"]),
                _md(mem["budget"])))
        lines.append("")
    if report["endpoints"]:
        lines += ["## Endpoints", ""] + ["- %s: %s" % (_md(k), _md_code(v)) for k, v in sorted(report["endpoints"].items())] + [""]
    if report["credentials"]:
        lines += ["## Credential files (paths only)", ""] + [
            "- %s: %s" % (_md(k), _md_code(v)) for k, v in sorted(report["credentials"].items())] + [""]
    lines += ["## Warnings", ""] + (["- %s" % _md(w) for w in report["warnings"]] or ["none"]) + [""]
    return "\n".join(lines)


def _yn(value):
    return "yes" if value else "no"


# ------------------------------------------------------------------------------------------------ SVG topology

GPU_W, GPU_H, GAP, PAD = 92, 46, 14, 16
OK_COLOUR, BAD_COLOUR = "#2e7d32", "#c62828"


def topology_svg(node):
    """An SVG element tree of one node: NUMA nodes as columns, GPUs in them, the NVSwitch (or direct NVLinks)
    above, NICs below with a line to the GPUs under the same PCIe switch; unhealthy links red."""
    numas = node["numa_nodes"] or ["none"]
    columns = dict((key, {"gpus": [g for g in node["gpus"] if _numa_key(g["numa"]) == key],
                          "nics": [n for n in node["nics"] if _numa_key(n["numa"]) == key]}) for key in numas)
    widths = dict((key, max(len(c["gpus"]), len(c["nics"]), 1) * (GPU_W + GAP) - GAP + 2 * PAD) for key, c in columns.items())
    switch_h = 40 if node["nvswitch"] else 0
    direct = not node["nvswitch"] and node["links"]
    top = 20 + switch_h + (40 if node["nvswitch"] else 0) + (48 if direct else 0)
    nic_y = top + PAD + 20 + GPU_H + 50
    height = nic_y + (34 + PAD if any(c["nics"] for c in columns.values()) else 0) + 10
    width = max(sum(widths.values()) + GAP * (len(numas) - 1) + 20, 440)
    pos = {}
    shapes, lines = [], []
    x = 10
    for key in numas:
        col = columns[key]
        shapes.append(el("rect", {"x": x, "y": top, "width": widths[key], "height": height - top - 10, "rx": 10,
                                  "fill": "#eef3f8", "stroke": "#90a4ae"}))
        shapes.append(el("text", {"x": x + 8, "y": top + 16, "class": "numa"},
                         "NUMA %s" % key if key != "none" else "NUMA not reported"))
        for i, gpu in enumerate(col["gpus"]):
            gx = x + PAD + i * (GPU_W + GAP)
            gy = top + PAD + 20
            pos[gpu["id"]] = (gx + GPU_W // 2, gy, gy + GPU_H)
            shapes.append(el("g", {"class": "gpu"},
                             el("title", {}, "%s %s %s GiB %s" % (gpu["id"], gpu["name"] or "", gpu["memory_gib"] or "", gpu["pci_bus_id"] or "")),
                             el("rect", {"x": gx, "y": gy, "width": GPU_W, "height": GPU_H, "rx": 6, "fill": "#76b900",
                                         "stroke": "#33691e"}),
                             el("text", {"x": gx + GPU_W // 2, "y": gy + 20, "text-anchor": "middle", "class": "gl"}, gpu["id"]),
                             el("text", {"x": gx + GPU_W // 2, "y": gy + 36, "text-anchor": "middle", "class": "gs"},
                                _short(gpu["name"]))))
        for i, nic in enumerate(col["nics"]):
            nx = x + PAD + i * (GPU_W + GAP)
            shapes.append(el("g", {"class": "nic"},
                             el("title", {}, "%s %s" % (nic["id"], nic["name"])),
                             el("rect", {"x": nx, "y": nic_y, "width": GPU_W, "height": 30, "rx": 4, "fill": "#fff3e0",
                                         "stroke": "#ef6c00"}),
                             el("text", {"x": nx + GPU_W // 2, "y": nic_y + 19, "text-anchor": "middle", "class": "gs"}, nic["name"])))
            for gpu_id in nic["near_gpus"]:
                if gpu_id in pos:
                    lines.append(el("line", {"x1": nx + GPU_W // 2, "y1": nic_y, "x2": pos[gpu_id][0], "y2": pos[gpu_id][2],
                                             "stroke": "#ef6c00", "stroke-dasharray": "4 3", "class": "pcie"}))
        x += widths[key] + GAP
    if node["nvswitch"]:
        shapes.append(el("g", {"class": "nvswitch"},
                         el("rect", {"x": 10, "y": 20, "width": width - 20, "height": switch_h, "rx": 8, "fill": "#37474f"}),
                         el("text", {"x": width // 2, "y": 20 + 25, "text-anchor": "middle", "class": "sw"}, "NVSwitch")))
        for link in node["links"]:
            if link["a"] in pos:
                cx, gy, dummy = pos[link["a"]]
                colour = OK_COLOUR if link["healthy"] else BAD_COLOUR
                lines.append(el("g", {"class": "nvlink" + ("" if link["healthy"] else " unhealthy")},
                                el("title", {}, "%s - NVSwitch: %d links%s" % (link["a"], link["count"], (", " + link["note"]) if link["note"] else "")),
                                el("line", {"x1": cx, "y1": 20 + switch_h, "x2": cx, "y2": gy, "stroke": colour, "stroke-width": 4}),
                                el("text", {"x": cx + 5, "y": 20 + switch_h + 22, "class": "ll", "fill": colour}, "NV%d" % link["count"])))
    else:
        for n, link in enumerate(node["links"]):
            if link["a"] in pos and link["b"] in pos:
                ax, ay, dummy = pos[link["a"]]
                bx, by, dummy = pos[link["b"]]
                lift = 14 + (n % 3) * 12
                colour = OK_COLOUR if link["healthy"] else BAD_COLOUR
                lines.append(el("g", {"class": "nvlink" + ("" if link["healthy"] else " unhealthy")},
                                el("title", {}, "%s - %s: %d NVLinks%s" % (
                                    link["a"], link["b"], link["count"], (", " + link["note"]) if link["note"] else "")),
                                el("path", {"d": "M%d %d C%d %d %d %d %d %d" % (ax, ay, ax, ay - lift * 2, bx, by - lift * 2, bx, by),
                                            "fill": "none", "stroke": colour, "stroke-width": 3})))
    legend_y = height - 4
    return el("svg", {"xmlns": "http://www.w3.org/2000/svg", "viewBox": "0 0 %d %d" % (width, height + 14),
                      "width": width, "height": height + 14,
                      "class": "topology", "role": "img", "aria-label": "GPU topology of %s" % node["name"]},
              el("title", {}, "GPU topology of %s: %s" % (node["name"], node["shape"] or "")),
              *(lines + shapes + [el("text", {"x": 10, "y": legend_y + 12, "class": "gs"},
                                     "green: healthy NVLink, red: unhealthy, dashed: NIC under the same PCIe switch")]))


def _short(name):
    text = (name or "").replace("NVIDIA ", "")
    return text if len(text) <= 14 else text[:13] + "\u2026"


# ------------------------------------------------------------------------------------------------ HTML

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:12px;color:#1c2430;background:#fafbfc}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.15em;border-bottom:1px solid #ccd;margin-top:1.4em}h3{font-size:1em;margin:.6em 0}
.ok{color:#2e7d32}.bad{color:#c62828;font-weight:600}.card{background:#fff;border:1px solid #dde;border-radius:8px;padding:10px;margin:10px 0}
table{border-collapse:collapse;width:100%;font-size:.9em;display:block;overflow-x:auto}
td,th{border:1px solid #dde;padding:4px 6px;text-align:left;vertical-align:top}
svg.topology{max-width:100%;height:auto;display:block}svg .numa,svg .gs{font-size:11px;fill:#37474f}svg .gl{font-size:13px;font-weight:700;fill:#fff}
svg .sw{font-size:14px;font-weight:700;fill:#fff}svg .ll{font-size:10px}code{word-break:break-all}
@media (max-width:600px){body{padding:6px}td,th{padding:3px}}
"""


def render_html(report):
    s = report["summary"]
    result_class = "bad" if report["result"] != "ok" else "ok"
    body = [el("h1", {}, "Run report: %s" % report["inventory"]),
            el("p", {}, el("span", {"class": result_class}, "Result: %s" % report["result"]),
               " (%s)" % report["failure"] if report["failure"] else None,
               " \u2014 generated %s" % (report["generated"] or "")),
            el("p", {}, "%d nodes, %d GPUs; unhealthy nodes: %s; reboots pending: %s; %d warnings" % (
                s["nodes"], s["gpus"], ", ".join(s["unhealthy_nodes"]) or "none", ", ".join(s["reboots_pending"]) or "none",
                s["warnings"]))]
    if report["stages"]:
        rows = [el("tr", {}, el("th", {}, "stage"), el("th", {}, "ran"), el("th", {}, "changed"), el("th", {}, "failed"))]
        for st in report["stages"]:
            rows.append(el("tr", {}, el("td", {}, st.get("title") or st.get("name")), el("td", {}, _yn(st.get("ran"))),
                           el("td", {}, st.get("changed", 0)),
                           el("td", {"class": "bad" if st.get("failed") else None}, _yn(st.get("failed")))))
        body += [el("h2", {}, "Stages"), el("table", {}, *rows)]
    body.append(el("h2", {}, "Nodes"))
    for n in report["nodes"]:
        items = [el("li", {}, "Driver %s (CUDA %s)" % (n["driver_version"] or "-", n["cuda_driver_version"] or "-"))]
        if n["shape"]:
            items.append(el("li", {}, "Topology: %s" % n["shape"]))
        for link in n["links"]:
            if not link["healthy"]:
                items.append(el("li", {"class": "bad"}, "Unhealthy link %s \u2013 %s: %s" % (link["a"], link["b"], link["note"])))
        for f in n["findings"]:
            items.append(el("li", {"class": "bad" if f["severity"] == "critical" else None},
                            "Health %s: %s %s: %s" % (f["severity"], "GPU%s" % f["gpu"] if f["gpu"] is not None else "node",
                                                      f["check"], f["message"])))
        for p in n["problems"]:
            items.append(el("li", {"class": "bad"}, "Problem: %s" % p))
        if n["rdma_ports"]:
            items.append(el("li", {}, "RDMA ports: %s" % ", ".join("%s (%s)" % (p.get("name"), p.get("netdev", "-")) for p in n["rdma_ports"])))
        if n["reboot_reasons"]:
            items.append(el("li", {"class": None if n["rebooted"] else "bad"},
                            "Reboot %s: %s" % ("done" if n["rebooted"] else "pending", "; ".join(n["reboot_reasons"]))))
        card = [el("h3", {}, n["name"], " ", el("span", {"class": "ok" if n["healthy"] else "bad"},
                                                "healthy" if n["healthy"] else "needs a look")),
                el("p", {}, n["status"] or "no GPU reading")]
        if n["gpus"]:
            card.append(topology_svg(n))
        card.append(el("ul", {}, *items))
        body.append(el("div", {"class": "card node"}, *card))
    if report["serving"]:
        rows = [el("tr", {}, *[el("th", {}, h) for h in ("model", "layout", "replicas", "max len", "weights", "KV cache",
                                                         "reserve", "budget (GiB per GPU)")])]
        for m in report["serving"]:
            mem = m["memory_gib_per_gpu"]
            rows.append(el("tr", {}, el("td", {}, m["served_name"] or m["name"]),
                           el("td", {}, "%s, %s GPUs, %s" % (m["workload"], m["gpus_per_replica"], m["parallel"])),
                           el("td", {}, m["replicas"]), el("td", {}, m["max_model_len"]), el("td", {}, mem["weights"]),
                           el("td", {}, mem["kv_cache"]), el("td", {}, mem["reserve"]), el("td", {}, mem["budget"])))
        body += [el("h2", {}, "Model serving"), el("table", {}, *rows)]
    if report["endpoints"]:
        body += [el("h2", {}, "Endpoints"),
                 el("ul", {}, *[el("li", {}, "%s: " % k, el("code", {}, v)) for k, v in sorted(report["endpoints"].items())])]
    if report["credentials"]:
        body += [el("h2", {}, "Credential files (paths only, never their content)"),
                 el("ul", {}, *[el("li", {}, "%s: " % k, el("code", {}, v)) for k, v in sorted(report["credentials"].items())])]
    body += [el("h2", {}, "Warnings"),
             el("ul", {}, *[el("li", {}, w) for w in report["warnings"]]) if report["warnings"] else el("p", {}, "none")]
    page = el("html", {"lang": "en"},
              el("head", {}, el("meta", {"charset": "utf-8"}),
                 el("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}),
                 el("title", {}, "Run report: %s" % report["inventory"]), el("style", {}, CSS)),
              el("body", {}, *body))
    return "<!DOCTYPE html>\n" + serialize(page) + "\n"


# ------------------------------------------------------------------------------------------------ from the run

def from_run(inputs):
    """Everything the role run_report writes, from what the run published (the role gathers it from hostvars).

    inputs: {inventory, generated, failed, nodes: [{name, gate, summary, rdma_ports, reboot_reasons, rebooted}],
    stages: [{name, title}], selected: [stage names], changes: {stage: {changed, failed}}, serving_plan,
    endpoints, credentials, warnings}. Returns {report, json, markdown, html, stats}."""
    if not isinstance(inputs, dict):
        raise ValueError("the input must be a mapping, got %r" % (inputs,))
    nodes = [node_entry(n.get("name"), n.get("gate"), n.get("summary"), n.get("rdma_ports"), n.get("reboot_reasons"),
                        n.get("rebooted")) for n in inputs.get("nodes") or []]
    selected = inputs.get("selected")
    changes = inputs.get("changes") or {}
    stages = []
    for stage in inputs.get("stages") or []:
        record = changes.get(stage.get("name")) or {}
        stages.append({"name": stage.get("name"), "title": stage.get("title") or stage.get("name"),
                       "ran": (stage.get("name") in selected) if selected is not None else bool(record),
                       "changed": record.get("changed", 0), "failed": bool(record.get("failed"))})
    endpoints = dict((k, v) for k, v in (inputs.get("endpoints") or {}).items() if v)
    credentials = dict((k, v) for k, v in (inputs.get("credentials") or {}).items() if v)
    report = build_report(inputs.get("inventory") or "inventory", nodes, stages, serving_entries(inputs.get("serving_plan")),
                          endpoints, credentials, inputs.get("warnings"), inputs.get("generated"), inputs.get("failed"))
    s = report["summary"]
    stats = {"privateai_report": {
        "result": report["result"], "nodes": s["nodes"], "gpus": s["gpus"], "unhealthy_nodes": s["unhealthy_nodes"],
        "reboots_pending": s["reboots_pending"], "models": s["models"], "warnings": report["warnings"],
        "endpoints": report["endpoints"], "stages_changed": dict((st["name"], st["changed"]) for st in stages if st["ran"])}}
    return {"report": report, "json": render_json(report), "markdown": render_markdown(report),
            "html": render_html(report), "stats": stats}
