# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fluent Bit's documented configuration keys (classic mode), for checking the configuration the security stage
renders. No Fluent Bit build is available here (no Debian package in bookworm, none on PyPI), so this is a check
against the DOCUMENTED SCHEMA, not against Fluent Bit itself: the key lists below were written from the Fluent Bit
manual (docs.fluentbit.io/manual: administration/configuring-fluent-bit/classic-mode/configuration-file, the
buffering and storage page, and the pages of the tail input, the kubernetes and grep filters, and the es, opensearch
and syslog outputs), for the keys the stage uses and their close neighbours. Keys are case-insensitive."""

SERVICE = {"daemon", "flush", "log_level", "log_file", "parsers_file", "plugins_file", "http_server", "http_listen",
           "http_port", "health_check", "hot_reload", "storage.path", "storage.sync", "storage.checksum",
           "storage.backlog.mem_limit", "storage.max_chunks_up", "storage.metrics", "grace"}
COMMON_INPUT = {"name", "tag", "alias", "log_level", "mem_buf_limit", "storage.type", "storage.pause_on_chunks_overlimit",
                "threaded"}
COMMON_OUTPUT = {"name", "match", "match_regex", "alias", "log_level", "retry_limit", "storage.total_limit_size",
                 "workers", "tls", "tls.verify", "tls.ca_file", "tls.ca_path", "tls.crt_file", "tls.key_file",
                 "tls.vhost", "tls.debug"}
COMMON_FILTER = {"name", "match", "match_regex", "alias", "log_level"}
PLUGINS = {
    ("INPUT", "tail"): COMMON_INPUT | {"path", "exclude_path", "path_key", "parser", "multiline.parser", "db",
                                       "db.sync", "db.locking", "skip_long_lines", "skip_empty_lines", "refresh_interval",
                                       "read_from_head", "rotate_wait", "buffer_chunk_size", "buffer_max_size",
                                       "key", "ignore_older"},
    ("FILTER", "kubernetes"): COMMON_FILTER | {"kube_url", "kube_ca_file", "kube_token_file", "kube_tag_prefix",
                                               "merge_log", "merge_log_key", "keep_log", "k8s-logging.parser",
                                               "k8s-logging.exclude", "labels", "annotations", "buffer_size",
                                               "use_kubelet", "kubelet_port"},
    ("FILTER", "grep"): COMMON_FILTER | {"regex", "exclude", "logical_op"},
    ("OUTPUT", "es"): COMMON_OUTPUT | {"host", "port", "index", "http_user", "http_passwd", "logstash_format",
                                       "logstash_prefix", "suppress_type_name", "trace_error", "replace_dots",
                                       "buffer_size", "generate_id", "time_key"},
    ("OUTPUT", "opensearch"): COMMON_OUTPUT | {"host", "port", "index", "http_user", "http_passwd", "logstash_format",
                                               "logstash_prefix", "suppress_type_name", "trace_error",
                                               "replace_dots", "buffer_size", "generate_id", "time_key"},
    ("OUTPUT", "syslog"): COMMON_OUTPUT | {"host", "port", "mode", "syslog_format", "syslog_maxsize",
                                           "syslog_message_key", "syslog_hostname_key", "syslog_appname_key",
                                           "syslog_severity_key", "syslog_facility_key"},
}
# Values the manual enumerates.
ENUMS = {"mode": {"tcp", "udp", "tls"}, "syslog_format": {"rfc3164", "rfc5424"}, "storage.type": {"filesystem", "memory"},
         "storage.sync": {"normal", "full"}}


def parse(text):
    """[(section, {key: value})] of a classic configuration text."""
    sections = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            sections.append((line[1:-1].upper(), {}))
            continue
        assert sections, "a key before any section: %r" % raw
        key, _sep, value = line.partition(" ")
        sections[-1][1][key.lower()] = value.strip()
    return sections


def problems(text):
    out = []
    for kind, entries in parse(text):
        if kind == "SERVICE":
            known = SERVICE
        else:
            known = PLUGINS.get((kind, entries.get("name", "").lower()))
            if known is None:
                out.append("[%s] Name %s: not a plugin this table documents" % (kind, entries.get("name")))
                continue
        for key, value in entries.items():
            if key not in known:
                out.append("[%s] %s: key %s is not documented for it" % (kind, entries.get("name", ""), key))
            elif key in ENUMS and value.lower() not in ENUMS[key]:
                out.append("[%s] %s: %s %s is not one of %s" % (kind, entries.get("name", ""), key, value,
                                                                ", ".join(sorted(ENUMS[key]))))
            elif not value:
                out.append("[%s] %s: key %s has no value" % (kind, entries.get("name", ""), key))
    return out
