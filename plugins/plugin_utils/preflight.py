# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The whole-inventory preflight (playbooks/preflight.yml): which stages this run executes, and one message listing
every problem grouped by stage, each naming the host."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Tags that select no stage of their own: a run with only these validates every stage.
NEUTRAL_TAGS = frozenset(("all", "always", "preflight", "run_report", "report", "tagged"))


def _tags(value, what):
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset)):
        raise ValueError("%s must be a list of tags, got %r" % (what, value))
    return [str(tag) for tag in value]


def selected_stages(stages, run_tags=None, skip_tags=None):
    """The stages (items of privateai_stages) that a run with these --tags / --skip-tags executes, in order.

    A stage runs when the run is not limited (no tags, or only 'all', 'preflight', 'run_report', 'always') or one of
    its tags is asked for, and none of its tags is skipped."""
    if not isinstance(stages, list):
        raise ValueError("the stages must be a list of {name, tags, ...}, got %r" % (stages,))
    run = set(_tags(run_tags, "ansible_run_tags")) or set(["all"])
    skip = set(_tags(skip_tags, "ansible_skip_tags"))
    limited = not run <= NEUTRAL_TAGS
    out = []
    for stage in stages:
        if not isinstance(stage, dict) or not stage.get("name"):
            raise ValueError("every stage needs a name, got %r" % (stage,))
        tags = set(_tags(stage.get("tags", []), "tags of stage %s" % stage["name"])) | set([stage["name"]])
        if limited and not tags & run:
            continue
        if tags & skip:
            continue
        out.append(stage)
    return out


def problems_message(problems, stage_order=None):
    """One message for every problem: [{stage, host, problem}] grouped by stage (in stage_order), host by host.

    Returns '' when there is no problem."""
    if not problems:
        return ""
    order = list(stage_order or [])
    groups = {}
    for entry in problems:
        stage = entry.get("stage") or "preflight"
        if stage not in order:
            order.append(stage)
        line = entry.get("problem", "")
        host = entry.get("host")
        if host and host not in line:
            line = "%s: %s" % (host, line)
        bucket = groups.setdefault(stage, [])
        if line not in bucket:
            bucket.append(line)
    count = sum(len(lines) for lines in groups.values())
    out = ["preflight: %d problem%s in %d stage%s, nothing was changed on any host:" % (
        count, "" if count == 1 else "s", len(groups), "" if len(groups) == 1 else "s")]
    for stage in order:
        if stage in groups:
            out.append("[%s]" % stage)
            out.extend("- %s" % line for line in groups[stage])
    return "\n".join(out)


def clock_skew_problem(host, node_epoch, control_epoch, max_skew):
    """A problem when the node's clock differs from the control node's by more than max_skew seconds."""
    try:
        skew = float(node_epoch) - float(control_epoch)
    except (TypeError, ValueError):
        return "time: the clock of %s could not be read (%r)" % (host, node_epoch)
    if abs(skew) > float(max_skew):
        return ("time: the clock of %s is %+.0f s off the control node's (more than privateai_preflight_max_clock_skew "
                "%s s): sync it with chrony (host_baseline_chrony_servers) before the run" % (host, skew, max_skew))
    return None


def disk_problems(host, mounts, wanted_gib):
    """Problems for each path of wanted_gib ({path: GiB}) whose file system has less free space.

    mounts: [{mount, size_available}] as Ansible's mount facts give them."""
    problems = []
    by_mount = dict((m.get("mount"), m) for m in mounts or [] if isinstance(m, dict))
    for path in sorted(wanted_gib or {}):
        best = None
        for mount in by_mount:
            if mount and (path == mount or path.startswith(mount.rstrip("/") + "/")) and (best is None or len(mount) > len(best)):
                best = mount
        if best is None:
            continue
        free = float(by_mount[best].get("size_available") or 0) / (1 << 30)
        if free < float(wanted_gib[path]):
            problems.append("disk: %s has %.1f GiB free on %s (for %s), needs %s GiB (privateai_preflight_free_disk_gib)"
                            % (host, free, best, path, wanted_gib[path]))
    return problems


def host_problems(host, reading, control_epoch, max_skew, wanted_gib):
    """Every problem of one host's preflight reading: clock, free disk, name resolution.

    reading: {epoch, mounts: [{mount, size_available}], resolves: bool, hostname}."""
    if not isinstance(reading, dict):
        raise ValueError("the reading of %s must be a mapping, got %r" % (host, reading))
    problems = []
    skew = clock_skew_problem(host, reading.get("epoch"), control_epoch, max_skew)
    if skew:
        problems.append(skew)
    problems.extend(disk_problems(host, reading.get("mounts"), wanted_gib))
    if reading.get("resolves") is False:
        problems.append("name resolution: %s cannot resolve its own name %s (getent hosts): add it to DNS or /etc/hosts"
                        % (host, reading.get("hostname") or host))
    return problems
