# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of playbooks/dr_failover.yml (role dr_failover): promote the mirrored block pool on the surviving site.

- ``failover_plan(settings)``: converts and checks the settings (the pool, the Rook namespace, the confirmation that
  must name the pool, force); ``{problems, settings, status_command, promote_command}`` (argv lists for the toolbox);
- ``mirror_status(text)``: judges ``rbd mirror pool status --format json``; ``{health, images, summary, problem}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v


def failover_plan(settings):
    reader = v.Reader(dict(settings))
    s = {}
    s["pool"] = reader.read("dr_failover_pool", v.to_str, check=v.check_dns_label)
    s["rook_namespace"] = reader.read("dr_failover_rook_namespace", v.to_str, check=v.check_dns_label)
    s["force"] = reader.read("dr_failover_force", v.to_bool)
    s["confirm"] = reader.read("dr_failover_confirm", v.to_str)
    s["restore_hint"] = reader.read("dr_failover_next_steps", v.to_bool)
    for name in reader.unread():
        reader.add(["%s is not a setting of the failover (a misspelt variable would be ignored): remove or correct it"
                    % name])
    if s["pool"] and s["confirm"] is not None and s["confirm"] != s["pool"]:
        reader.add(["dr_failover_confirm is %s: promoting makes this site's copy of pool %s the primary (the other "
                    "site's writes after the last mirrored snapshot are lost if it comes back); give "
                    "-e dr_failover_confirm=%s to confirm" % (v.describe(s["confirm"]), s["pool"], s["pool"])])
    out = {"problems": reader.problems, "settings": s, "status_command": None, "promote_command": None}
    if not reader.problems:
        out["status_command"] = ["rbd", "mirror", "pool", "status", s["pool"], "--format", "json"]
        out["promote_command"] = ["rbd", "mirror", "pool", "promote"] + (["--force"] if s["force"] else []) + [s["pool"]]
    return out


def mirror_status(text):
    """``rbd mirror pool status --format json``: {"summary": {"health", "states": {state: count}}}."""
    try:
        data = json.loads(text or "")
    except ValueError:
        return {"health": None, "images": 0, "summary": "", "problem": "rbd mirror pool status printed no JSON: %s"
                % (text or "nothing")[:200]}
    summary = data.get("summary") if isinstance(data, dict) else None
    if not isinstance(summary, dict):
        return {"health": None, "images": 0, "summary": "", "problem": "rbd mirror pool status has no summary: "
                "is mirroring enabled on this pool (rook_ceph_rbd_mirroring)?"}
    states = summary.get("states") or {}
    images = sum(int(n) for n in states.values())
    detail = (": " + ", ".join("%s %s" % (n, s) for s, n in sorted(states.items()))) if states else ""
    text = "health %s, %d image(s)%s" % (summary.get("health"), images, detail)
    return {"health": summary.get("health"), "images": images, "summary": text, "problem": None}
