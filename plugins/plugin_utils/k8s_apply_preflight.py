# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Problems the apply-mode preflight of privateai.deepseek_dify.k8s_render_apply found, from its task results.

Plain Python (no Ansible imports) so the unit tests drive it with result dicts. The role registers the
results of its preflight tasks (kubeconfig_info, wait_for, k8s_cluster_info, helm version, helm show chart
per release) and the filter k8s_apply_problems turns them into one list of messages, each naming what is
wrong (server, context, kubeconfig file, chart, version) and how to fix it. A task that was skipped
because an earlier one failed adds nothing: the earlier problem is the one to fix first.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    import yaml
except ImportError:  # PyYAML comes with ansible-core; the controller always has it
    yaml = None

MAJOR_MINOR = re.compile(r"^(\d+)\.(\d+)$")
MESSAGE_LIMIT = 300


def _skipped(result):
    return not isinstance(result, dict) or bool(result.get("skipped"))


def _one_line(text, limit=MESSAGE_LIMIT):
    """``text`` on one line, cut to ``limit`` characters (with ...): tool output quoted in a message."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def parse_major_minor(value, variable="k8s_render_apply_min_kubernetes_version"):
    """(major, minor) of a 'MAJOR.MINOR' string, or a problem message naming ``variable``."""
    match = MAJOR_MINOR.match(str(value).strip())
    if not match:
        return None, "%s %r must be MAJOR.MINOR, e.g. \"1.30\"" % (variable, value)
    return (int(match.group(1)), int(match.group(2))), None


def server_major_minor(version):
    """(major, minor) from the API server's version dict ({major: '1', minor: '30+'} on some distributions)."""
    version = version if isinstance(version, dict) else {}
    numbers = []
    for key in ("major", "minor"):
        match = re.match(r"^\d+", str(version.get(key, "0")))
        numbers.append(int(match.group(0)) if match else 0)
    return tuple(numbers)


def cluster_problems(kubeconfig, tcp, cluster, kubeconfig_path, min_version, api_timeout):
    """Problems with the kubeconfig, the API server's reachability, its answer and its version."""
    kubeconfig = kubeconfig if isinstance(kubeconfig, dict) else {"skipped": True}
    access = [str(p) for p in kubeconfig.get("problems") or []]
    if _skipped(kubeconfig):
        access.append("the kubeconfig %s was not read (its task was skipped)" % kubeconfig_path)
    minimum, bad_minimum = parse_major_minor(min_version)
    problems = access + ([bad_minimum] if bad_minimum else [])
    if access:
        return problems  # nothing was dialled without a usable kubeconfig and context
    server, context = kubeconfig.get("server"), kubeconfig.get("context")
    where = "context %s (kubeconfig %s)" % (context, kubeconfig_path)
    if not _skipped(tcp) and "state" not in tcp:  # wait_for returns state only on success
        problems.append("API server %s of %s is not reachable: no TCP connection to %s:%s within %s s. Check the server "
                        "address, the route or VPN to it and that the cluster is up" % (
                            server, where, kubeconfig.get("host"), kubeconfig.get("port"), api_timeout))
    elif not isinstance(cluster, dict) or "version" not in cluster:
        reason = _one_line(cluster.get("msg", "skipped") if isinstance(cluster, dict) else "skipped")
        problems.append("API server %s of %s did not answer the version request: %s. Check TLS (certificate-authority) "
                        "and the credentials; kubectl --context %s version shows the same" % (server, where, reason, context))
    elif minimum is not None:
        version = ((cluster.get("version") or {}).get("server") or {}).get("kubernetes") or {}
        if server_major_minor(version) < minimum:
            problems.append("API server %s runs Kubernetes %s, older than the %s this collection needs" % (
                server, version.get("gitVersion", "?"), min_version))
    return problems


def helm_problems(helm, helm_binary):
    """The problem with ``helm version`` on the control node, if any (a skipped task: no releases, none)."""
    if _skipped(helm) or helm.get("rc", 1) == 0:
        return []
    reason = str(helm.get("stderr") or "").strip() or str(helm.get("msg") or "").strip()
    return ["helm (%s) was not found or failed on this control node (%s), and apply runs helm. Install helm 3 (a static "
            "binary; from an internal mirror on air-gapped sites) or set k8s_render_apply_helm_binary to its path" % (
                helm_binary, reason)]


def _strip_v(version):
    return re.sub(r"^v", "", str(version))


def chart_problems(charts):
    """One problem per ``helm show chart`` result (registered over the releases) that failed or named another version."""
    problems = []
    results = charts.get("results") if isinstance(charts, dict) else None
    for res in results or []:
        if _skipped(res):
            continue
        item = res.get("item") or {}
        chart, version, release = item.get("chart_ref"), item.get("version"), item.get("name")
        if res.get("rc", 1) != 0:
            source = item.get("archive") or item.get("chart_repo_url") or chart
            reason = _one_line(str(res.get("stderr") or "").strip() or str(res.get("msg") or "").strip())
            problems.append("chart %s version %s (release %s) not found in %s: %s. Mirror that exact version, or pin one the "
                            "mirror has" % (chart, version, release, source, reason))
            continue
        try:
            shown = yaml.safe_load(res.get("stdout") or "") if yaml is not None else None
        except yaml.YAMLError:
            shown = None
        found = shown.get("version") if isinstance(shown, dict) else None
        if found is None:
            problems.append("chart %s (release %s): helm show chart printed no chart version (%s)" % (
                chart, release, _one_line(res.get("stdout") or "nothing", 120)))
        elif _strip_v(found) != _strip_v(version):
            problems.append("chart %s (release %s) is version %s, the inventory pins %s" % (chart, release, found, version))
    return problems


def preflight_problems(kubeconfig, tcp=None, cluster=None, helm=None, charts=None, kubeconfig_path="", min_version="1.30",
                       api_timeout=10, helm_binary="helm"):
    """Every problem of the apply preflight, in the order the tasks ran."""
    return (cluster_problems(kubeconfig, tcp, cluster, kubeconfig_path, min_version, api_timeout)
            + helm_problems(helm, helm_binary) + chart_problems(charts))
