# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of playbooks/dr_failover.yml (role dr_failover): fail over to the second site and fail back.

Each run acts on ONE site's cluster (the inventory's kubeconfig), through that site's Rook toolbox. The actions:

- ``failover``: the other site is lost; promote this site's copy of the mirrored block pool (``--force``);
- ``demote``: this site gives up being primary (the old primary that came back after a failover, or the current
  primary before a planned failback);
- ``resync``: this site, demoted, copies again from the primary every image whose copy diverged (split-brain) or
  stopped;
- ``failback``: this site becomes primary again once the other site has demoted and this site has caught up
  (a planned promotion, never forced);
- ``status``: read and judge only.

Functions:

- ``action_plan(settings)``: converts and checks the settings; ``{problems, settings, status_command, ...}``;
- ``mirror_status(text)``: judges ``rbd mirror pool status --verbose --format json``:
  ``{health, images, summary, problem, image_states}``;
- ``step_plan(plan, text)``: the action's preconditions checked against that status, every refusal naming the
  pool, the image and the fix; ``{problems, commands, notes, summary, changes}``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible_collections.privateai.deepseek_dify.plugins.plugin_utils import validate as v

ACTIONS = ("failover", "demote", "resync", "failback", "status")
# rbd image names as Ceph CSI creates them (csi-vol-<uuid>) and as an operator names them: written into command
# lines and the render, so anything else in a status is refused rather than passed on.
IMAGE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
# What each action does to the pool, for the confirmation message.
CONFIRM_WHY = {
    "failover": "promoting makes this site's copy of pool %(pool)s the primary (the other site's writes after the last "
                "mirrored snapshot are lost if it comes back)",
    "demote": "demoting makes this site's copy of pool %(pool)s read-only (its writes since the other site took over "
              "are discarded by the resync that follows)",
    "resync": "resyncing discards this site's copy of each diverged image of pool %(pool)s and copies it again from "
              "the primary",
    "failback": "promoting makes this site's copy of pool %(pool)s the primary again (the other site must have "
                "demoted)",
}


def action_plan(settings):
    reader = v.Reader(dict(settings))
    s = {}
    s["action"] = reader.read("dr_failover_action", v.to_choice, ACTIONS)
    s["pool"] = reader.read("dr_failover_pool", v.to_str, check=v.check_dns_label)
    s["rook_namespace"] = reader.read("dr_failover_rook_namespace", v.to_str, check=v.check_dns_label)
    s["force"] = reader.read("dr_failover_force", v.to_bool)
    s["confirm"] = reader.read("dr_failover_confirm", v.to_str)
    s["restore_hint"] = reader.read("dr_failover_next_steps", v.to_bool)
    s["mode"] = reader.read("dr_failover_mode", v.to_choice, ("apply", "render"))
    s["render_dir"] = reader.read("dr_failover_render_dir", v.to_str)
    s["status_file"] = reader.read("dr_failover_status_file", v.to_str)
    for name in reader.unread():
        reader.add(["%s is not a setting of the failover (a misspelt variable would be ignored): remove or correct it"
                    % name])
    for name in ("render_dir", "status_file"):
        if s[name] and v.absolute_path(s[name]) is not None:
            reader.add(["dr_failover_%s is %s: give an absolute path" % (name, v.describe(s[name]))])
    if s["mode"] == "render" and s["status_file"] == "":
        reader.add(["dr_failover_status_file is empty in render mode: render mode contacts no cluster and plans the %s "
                    "from a saved status; save the output of 'rbd mirror pool status %s --verbose --format json' from "
                    "this site's toolbox and give -e dr_failover_status_file=<that file>"
                    % (s["action"], s["pool"] or "<pool>")])
    if s["mode"] == "render" and not s["render_dir"]:
        reader.add(["dr_failover_render_dir is empty in render mode: give the directory the plan is written to "
                    "(privateai_render_dir)"])
    if s["action"] in CONFIRM_WHY and s["pool"] and s["confirm"] is not None and s["confirm"] != s["pool"]:
        reader.add(["dr_failover_confirm is %s: %s; give -e dr_failover_confirm=%s to confirm the %s"
                    % (v.describe(s["confirm"]), CONFIRM_WHY[s["action"]] % {"pool": s["pool"]}, s["pool"], s["action"])])
    out = {"problems": reader.problems, "settings": s, "status_command": None, "promote_command": None}
    if not reader.problems:
        out["status_command"] = ["rbd", "mirror", "pool", "status", s["pool"], "--verbose", "--format", "json"]
        out["promote_command"] = ["rbd", "mirror", "pool", "promote"] + (["--force"] if s["force"] else []) + [s["pool"]]
    return out


def failover_plan(settings):
    """The failover's settings (the action's default): ``action_plan`` with ``dr_failover_action`` failover."""
    return action_plan(settings)


# ------------------------------------------------------------------------------------------------ the status

def _state(text):
    """'up+replaying' -> (True, 'replaying'); 'down+unknown' -> (False, 'unknown')."""
    text = str(text or "")
    if "+" in text:
        up, _sep, state = text.partition("+")
        return up == "up", state
    return False, text or "unknown"


def _replay(description):
    """The JSON that follows 'replaying, ' or 'syncing, ' in a snapshot-mirrored image's description."""
    start = description.find("{")
    if start < 0:
        return {}
    try:
        data = json.loads(description[start:])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _side(entry):
    up, state = _state(entry.get("state"))
    description = str(entry.get("description") or "")
    replay = _replay(description)
    syncing = state in ("syncing", "starting_replay") or replay.get("replay_state") == "syncing"
    return {"up": up, "state": state, "description": description,
            "primary": description.startswith("local image is primary"),
            "split_brain": "split-brain" in description,
            "syncing": syncing,
            "percent": replay.get("syncing_percent", replay.get("progress")) if syncing else None}


def mirror_status(text):
    """``rbd mirror pool status --verbose --format json``: the summary and, per image, this site's and the peers'
    view (primary, up, state, split-brain, syncing)."""
    empty = {"health": None, "images": 0, "summary": "", "image_states": []}
    try:
        data = json.loads(text or "")
    except ValueError:
        return dict(empty, problem="rbd mirror pool status printed no JSON: %s" % (text or "nothing")[:200])
    summary = data.get("summary") if isinstance(data, dict) else None
    if not isinstance(summary, dict):
        return dict(empty, problem="rbd mirror pool status has no summary: is mirroring enabled on this pool "
                                   "(rook_ceph_rbd_mirroring)?")
    states = summary.get("states") or {}
    images = []
    problems = []
    for entry in data.get("images") or []:
        if not isinstance(entry, dict):
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not IMAGE_NAME_RE.match(name):
            problems.append("the status names an image %s, not an rbd image name: refusing to act on it"
                            % v.describe(name))
            continue
        image = {"name": name, "local": _side(entry), "peers": []}
        for peer in entry.get("peer_sites") or []:
            if isinstance(peer, dict):
                image["peers"].append(dict(_side(peer), site=str(peer.get("site_name") or "the peer")))
        images.append(image)
    count = len(images) if data.get("images") is not None else sum(int(n) for n in states.values())
    detail = (": " + ", ".join("%s %s" % (n, s) for s, n in sorted(states.items()))) if states else ""
    here = [i["name"] for i in images if i["local"]["primary"]]
    there = [i["name"] for i in images if any(p["primary"] for p in i["peers"])]
    roles = ""
    if images:
        roles = "; primary here: %s; primary at the peer: %s" % (", ".join(here) or "none", ", ".join(there) or "none")
        both = sorted(set(here) & set(there))
        if both:
            roles += "; BOTH primary (split-brain): %s" % ", ".join(both)
    text = "health %s, %d image(s)%s%s" % (summary.get("health"), count, detail, roles)
    return {"health": summary.get("health"), "images": count, "summary": text,
            "problem": "; ".join(problems) or None, "image_states": images}


# ------------------------------------------------------------------------------------------------ the steps

def _peer(image):
    """The peer site's view of an image (the first peer: this collection mirrors to one second site)."""
    if image["peers"]:
        return image["peers"][0]
    return {"up": False, "state": "unknown", "description": "no peer site reported", "primary": False,
            "split_brain": False, "syncing": False, "percent": None, "site": "the peer"}


def _where(pool, image):
    return "pool %s image %s" % (pool, image["name"])


def _syncing(pool, image, action):
    local = image["local"]
    percent = (" (%s%%)" % local["percent"]) if local["percent"] is not None else ""
    return ("%s is still syncing here%s: its copy is incomplete; wait until 'rbd mirror image status %s/%s' says "
            "replaying and idle, then run dr_failover_action=%s again" % (_where(pool, image), percent, pool,
                                                                          image["name"], action))


def _failover(pool, images):
    problems, todo, notes = [], [], []
    for image in images:
        local, peer = image["local"], _peer(image)
        if local["primary"]:
            notes.append("%s is already primary here" % _where(pool, image))
            continue
        if peer["up"] and peer["primary"]:
            problems.append("%s: site %s is up and primary for it: the other site is alive, a promotion now makes both "
                            "primary (split-brain); for a planned switch run dr_failover_action=demote against site "
                            "%s, then dr_failover_action=failback here" % (_where(pool, image), peer["site"], peer["site"]))
        elif local["syncing"]:
            problems.append(_syncing(pool, image, "failover"))
        todo.append(image["name"])
    return problems, todo, notes


def _demote(pool, images):
    problems, todo, notes = [], [], []
    for image in images:
        local, peer = image["local"], _peer(image)
        if not local["primary"]:
            notes.append("%s is not primary here" % _where(pool, image))
            continue
        if peer["primary"]:
            notes.append("%s is primary on both sites (split-brain after a failover): demoting here ends it; then "
                         "dr_failover_action=resync here" % _where(pool, image))
        elif not (peer["up"] and peer["state"] == "replaying" and not peer["split_brain"]):
            problems.append("%s: site %s is not primary and does not replay it (%s, %s): demoting here leaves the image "
                            "with no primary (read-only on both sites); bring site %s's rbd-mirror up until it says "
                            "up+replaying ('rbd mirror pool status %s --verbose'), or keep this site primary"
                            % (_where(pool, image), peer["site"], "up" if peer["up"] else "down", peer["state"],
                               peer["site"], pool))
        todo.append(image["name"])
    return problems, todo, notes


def _resync(pool, images):
    problems, todo, notes = [], [], []
    for image in images:
        local, peer = image["local"], _peer(image)
        if local["primary"]:
            problems.append("%s is still primary here: Ceph resyncs only a non-primary image; run "
                            "dr_failover_action=demote against this site first" % _where(pool, image))
            continue
        if not peer["primary"]:
            problems.append("%s: site %s is not primary for it (%s): there is nothing to resync from; promote the other "
                            "site first (dr_failover_action=failover there)" % (_where(pool, image), peer["site"],
                                                                                peer["description"] or peer["state"]))
            continue
        healthy = local["up"] and local["state"] == "replaying" and not local["split_brain"]
        if healthy:
            notes.append("%s already replays from site %s" % (_where(pool, image), peer["site"]))
            continue
        todo.append(image["name"])
    return problems, todo, notes


def _failback(pool, images):
    problems, todo, notes = [], [], []
    for image in images:
        local, peer = image["local"], _peer(image)
        if local["primary"]:
            notes.append("%s is already primary here" % _where(pool, image))
            if peer["primary"]:
                problems.append("%s is primary on both sites (split-brain): run dr_failover_action=demote against the "
                                "site whose writes are to be dropped, then resync there" % _where(pool, image))
            continue
        if peer["primary"]:
            problems.append("%s: site %s is still primary for it: a promotion here makes both primary (split-brain); "
                            "run dr_failover_action=demote against site %s first and wait for the demotion to reach "
                            "this site" % (_where(pool, image), peer["site"], peer["site"]))
        elif not peer["up"]:
            where = _where(pool, image)
            problems.append("%s: site %s's rbd-mirror is down (%s): a failback is planned and needs both sites up; if "
                            "site %s is lost use dr_failover_action=failover"
                            % (where, peer["site"], peer["state"], peer["site"]))
        elif local["syncing"]:
            problems.append(_syncing(pool, image, "failback"))
        elif local["split_brain"] or local["state"] in ("error", "stopped") or not local["up"]:
            details = (_where(pool, image), local["state"], local["description"] or "no description", peer["site"])
            problems.append("%s is %s here (%s): its copy is not in step with site %s; run dr_failover_action=resync "
                            "against this site before the failback" % details)
        todo.append(image["name"])
    return problems, todo, notes


def step_plan(plan, text):
    """The plan's action checked against this site's mirror status (the output of plan['status_command'])."""
    s = plan["settings"]
    pool, action = s["pool"], s["action"]
    status = mirror_status(text)
    out = {"action": action, "pool": pool, "problems": [], "commands": [], "notes": [], "changes": False,
           "summary": "pool %s: %s" % (pool, status["summary"])}
    if status["problem"]:
        out["problems"].append("pool %s: %s" % (pool, status["problem"]))
    if status["health"] is None:
        return out
    images = status["image_states"]
    if action == "status":
        return out
    if not images and action != "failover":
        out["problems"].append("pool %s lists no mirrored images: nothing to %s (is this the right site and pool, and "
                               "does the status come from 'rbd mirror pool status %s --verbose'?)" % (pool, action, pool))
        return out
    if action == "failover":
        problems, todo, notes = _failover(pool, images)
        commands = [plan["promote_command"]] if todo or not images else []
    elif action == "demote":
        problems, todo, notes = _demote(pool, images)
        commands = [["rbd", "mirror", "pool", "demote", pool]] if todo else []
    elif action == "resync":
        problems, todo, notes = _resync(pool, images)
        commands = [["rbd", "mirror", "image", "resync", "%s/%s" % (pool, name)] for name in todo]
    else:
        problems, todo, notes = _failback(pool, images)
        commands = [["rbd", "mirror", "pool", "promote", pool]] if todo else []
    out["problems"] += problems
    out["notes"] = notes
    if not out["problems"]:
        out["commands"] = commands
        out["changes"] = bool(commands)
        if not commands:
            out["notes"].append("pool %s: nothing to %s" % (pool, action))
    return out
