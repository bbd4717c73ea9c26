# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a kubeconfig file and describe one context of it, without credentials.

Returns only names and the server address: never tokens, passwords, keys or certificates,
so the result can be printed and registered safely.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import traceback

try:
    import yaml
except ImportError:  # PyYAML comes with ansible-core; the controller always has it
    yaml = None
    YAML_IMPORT_ERROR = traceback.format_exc()
else:
    YAML_IMPORT_ERROR = None

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover (Python 2)
    from urlparse import urlsplit


def _named(items, kind, path, problems):
    out = {}
    if items is None:
        return out
    if not isinstance(items, list):
        problems.append("kubeconfig %s: '%s' must be a list" % (path, kind))
        return out
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            out[item["name"]] = item
    return out


def server_endpoint(server):
    """(host, port) of an API server URL; https without a port means 443."""
    parts = urlsplit(server)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None, None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.hostname, port


def describe(path, context=None):
    """Describe ``context`` (or the current-context) of the kubeconfig at ``path``.

    Returns a dict: path, context, contexts (names), cluster, user, namespace, server, host, port,
    proxy_url, insecure, problems (every problem found, each naming the file and the context).
    """
    result = {"path": path, "context": context, "contexts": [], "cluster": None, "user": None,
              "namespace": None, "server": None, "host": None, "port": None, "proxy_url": None,
              "insecure": False, "problems": []}
    problems = result["problems"]
    if not path:
        problems.append("no kubeconfig given: set privateai_kubeconfig to the cluster's kubeconfig file")
        return result
    if not os.path.exists(path):
        problems.append("kubeconfig %s does not exist: copy the cluster's admin kubeconfig there (mode 0600) "
                        "or point privateai_kubeconfig at it" % path)
        return result
    if not os.path.isfile(path):
        problems.append("kubeconfig %s is not a file" % path)
        return result
    try:
        with open(path) as handle:
            data = yaml.safe_load(handle)
    except (IOError, OSError) as exc:
        problems.append("kubeconfig %s cannot be read: %s" % (path, exc))
        return result
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append("kubeconfig %s is not valid YAML%s" % (
            path, " (line %d, column %d)" % (mark.line + 1, mark.column + 1) if mark else ""))
        return result
    if not isinstance(data, dict) or data.get("kind", "Config") != "Config":
        problems.append("kubeconfig %s is not a kubeconfig (kind: Config with clusters, contexts and users)" % path)
        return result

    contexts = _named(data.get("contexts"), "contexts", path, problems)
    clusters = _named(data.get("clusters"), "clusters", path, problems)
    users = _named(data.get("users"), "users", path, problems)
    result["contexts"] = sorted(contexts)
    if not context:
        context = data.get("current-context")
        result["context"] = context
        if not context:
            problems.append("kubeconfig %s has no current-context and no context was given: set privateai_kube_context "
                            "to one of %s" % (path, ", ".join(sorted(contexts)) or "(none: the file has no contexts)"))
            return result
    if context not in contexts:
        problems.append("context %s is not in kubeconfig %s; it has: %s. Set privateai_kube_context to one of them"
                        % (context, path, ", ".join(sorted(contexts)) or "(no contexts)"))
        return result
    ctx = contexts[context].get("context") or {}
    result["cluster"] = ctx.get("cluster")
    result["user"] = ctx.get("user")
    result["namespace"] = ctx.get("namespace")
    cluster = clusters.get(ctx.get("cluster"))
    if cluster is None:
        problems.append("context %s in kubeconfig %s names cluster %r, which the file does not define"
                        % (context, path, ctx.get("cluster")))
        return result
    if ctx.get("user") and ctx.get("user") not in users:
        problems.append("context %s in kubeconfig %s names user %r, which the file does not define"
                        % (context, path, ctx.get("user")))
    spec = cluster.get("cluster") or {}
    server = spec.get("server")
    result["server"] = server
    result["proxy_url"] = spec.get("proxy-url")
    result["insecure"] = bool(spec.get("insecure-skip-tls-verify", False))
    host, port = server_endpoint(server or "")
    if not host:
        problems.append("cluster %s (context %s, kubeconfig %s) has no usable server URL: %r"
                        % (ctx.get("cluster"), context, path, server))
    result["host"], result["port"] = host, port
    return result
