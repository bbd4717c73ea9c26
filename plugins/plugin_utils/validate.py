# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Syntax checks of single input values, shared by every stage's input checks (controller side).

Each ``check_*`` function takes the variable's name (as the user wrote it, e.g. ``gpu_operator_namespace`` or
``cert_manager_certificates[0].name``) and the value, and returns a list of problems (empty when the value is
good). Every problem names the variable, the value and the fix. The ``to_*`` converters follow Ansible's own
argument-spec conversions, so a value YAML typed differently but meaning one thing (the string ``"4"`` for an
integer, ``"yes"`` for a boolean) is accepted, and anything else (``ture``) is refused instead of read as false.

This module is the one home of the syntax rules and converters: the host roles' check tables (host_input.py,
through the role_inputs action) and the network stage (network_input.py) use the rules below and only word their
problems differently. Two forms exist for each rule:

* value rules (``interface_name(value)``, ``kernel_module(value)``, ...) return None when the value is good, else
  what the value must be ("must be ..."); the host roles' check tables name them;
* ``check_*(name, value)`` functions return a list of complete problems (the Kubernetes stages).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible.module_utils.six import string_types

# Ansible's boolean spellings (ansible.module_utils.parsing.convert_bool), nothing else.
_TRUE = frozenset(["y", "yes", "on", "1", "true", "t", "1.0"])
_FALSE = frozenset(["n", "no", "off", "0", "false", "f", "0.0"])

DNS_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
LABEL_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
# host[:port] then optional /path components, as a container registry (docker/distribution reference grammar).
_HOST = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?))*(?::[0-9]{1,5})?"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REGISTRY_RE = re.compile(r"^%s(?:/%s)*/?$" % (_HOST, _PATH_COMPONENT))
REPOSITORY_RE = re.compile(r"^(?:%s/)?%s(?:/%s)*$" % (_HOST, _PATH_COMPONENT, _PATH_COMPONENT))
TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")
# Kubernetes resource quantity (apimachinery resource.Quantity).
QUANTITY_RE = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")
# Go time.Duration as cert-manager and most controllers parse it: one or more <number><unit>.
GO_DURATION_RE = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|\u00b5s|ms|s|m|h))+$")
WHOLE_HOURS_RE = re.compile(r"^[0-9]+h$")
# A Linux network interface name: at most 15 characters (IFNAMSIZ 16 with its NUL), never '.' or '..', no '/',
# ':' (an alias label, refused by the kernel) or whitespace. Narrowed further to letters, digits, '_', '.' and
# '-' without a leading '-', because the name is written into networkd/netplan files, systemd device unit names,
# whitespace-separated configuration and command lines.
INTERFACE_RE = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$")
# A kernel module name (MODULE_NAME_LEN 56 with its NUL): letters, digits, '_' and '-', not starting with '-'
# (modprobe would read it as an option).
KERNEL_MODULE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,54}$")
# A systemd unit name: letters, digits and ':', '_', '.', '@', '-', '\\', with an optional type suffix.
UNIT_NAME_RE = re.compile(r"^(?=.{1,255}$)[A-Za-z0-9_][A-Za-z0-9:_.@\\-]*$")
# A name that becomes part of a file name (a fabric network's 60-privateai-rdma-<name>.network).
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$")
# An absolute path that may stand unquoted in a unit's ExecStart, a shell script or a configuration line.
PLAIN_PATH_RE = re.compile(r"^/[A-Za-z0-9_.+/-]*[A-Za-z0-9_+-]$")
HOST_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
# Debian policy 5.6.1: lower case letters, digits, + - . ; at least two characters, starting alphanumeric.
# An optional :arch qualifier (nvidia-driver:amd64) is allowed.
DEB_PACKAGE_RE = re.compile(r"^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$")
# Debian policy 5.6.12: [epoch:]upstream[-revision]
APT_VERSION_RE = re.compile(r"^([0-9]+:)?[0-9][A-Za-z0-9.+~:-]*$")
SYSTEMD_SIZE_RE = re.compile(r"^[0-9]+(\.[0-9]+)?[KMGTPE]?$")
LOGROTATE_SIZE_RE = re.compile(r"^[0-9]+[kMG]?$")
_TIMESPAN_UNITS = ("usec", "us", "\u00b5s", "msec", "ms", "seconds", "second", "sec", "s", "minutes", "minute", "min",
                   "m", "hours", "hour", "hr", "h", "days", "day", "d", "weeks", "week", "w", "months", "month", "M",
                   "years", "year", "y")
TIMESPAN_RE = re.compile(r"^(\s*[0-9]+(\.[0-9]+)?\s*(%s)?)+\s*$" % "|".join(re.escape(u) for u in _TIMESPAN_UNITS))
CALENDAR_RE = re.compile(r"^[A-Za-z0-9*:,./~ +-]+$")
SYSCTL_KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:/@*-]*$")
APT_SUITE_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._+~-]*(/[A-Za-z0-9._+~-]*)*/?|/)$")
APT_COMPONENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+/-]*$")
APT_URL_RE = re.compile(r"^(https?://[^\s/$.?#][^\s]*|file:/[^\s]*)$")
FILE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
PCI_ID_RE = re.compile(r"^(0x)?[0-9a-f]{4}$")
# A DCGM field identifier as dcgm-exporter's metrics CSV names it (DCGM_FI_DEV_GPU_TEMP, DCGM_FI_PROF_SM_ACTIVE): the
# exporter looks the name up in DCGM's field table and refuses the whole file on an unknown one.
DCGM_FIELD_RE = re.compile(r"^DCGM_FI_[A-Z0-9]+(_[A-Z0-9]+)*$")
# A column of a comma-separated line read without quoting (dcgm-exporter's CSV): no comma, quote or control character.
CSV_TEXT_RE = re.compile(r'^[^,"\x00-\x1f\x7f]+$')


class Invalid(ValueError):
    """A value that cannot be converted; its message is a complete problem text."""


def describe(value):
    """The value as a problem text shows it: strings quoted, everything else as Python writes it."""
    if isinstance(value, str):
        return "'%s'" % value
    return repr(value)


def to_bool(name, value):
    """Ansible's boolean conversion, refusing spellings it does not know (``ture``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE:
        return True
    if isinstance(value, str) and value.strip().lower() in _FALSE:
        return False
    raise Invalid("%s is %s: give true or false" % (name, describe(value)))


def to_int(name, value):
    """An integer, also from a string of digits (YAML quoted it) or a float with no fraction; never from a bool."""
    if isinstance(value, bool):
        raise Invalid("%s is %s: give a whole number" % (name, describe(value)))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.match(r"^\s*[-+]?[0-9]+\s*$", value):
        return int(value)
    raise Invalid("%s is %s: give a whole number" % (name, describe(value)))


def to_str(name, value):
    """A string; numbers are accepted as their text (YAML reads 26.4 as a float), containers and None are not."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise Invalid("%s is %s: give a string" % (name, describe(value)))
    if isinstance(value, (int, float)):
        return str(value)
    raise Invalid("%s is %s: give a string" % (name, describe(value)))


def to_list(name, value):
    """A list; a comma-separated string becomes a list of its stripped, non-empty items and a number a list of its
    text (as Ansible's list type does); a mapping, a boolean or None is refused."""
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    raise Invalid("%s is %s: give a list" % (name, describe(value)))


def to_dict(name, value):
    if isinstance(value, dict):
        return value
    raise Invalid("%s is %s: give a mapping (key: value)" % (name, describe(value)))


def to_choice(name, value, choices):
    """One of ``choices``, checked before it is used anywhere (a dictionary key, a file name)."""
    text = value if isinstance(value, str) else None
    if text not in choices:
        raise Invalid("%s is %s: give one of %s" % (name, describe(value), ", ".join(choices)))
    return text


class Reader(object):
    """Converts named settings, gathering every problem instead of stopping at the first.

    ``read(name, converter, *args, check=None)`` returns the converted value, or None after recording the problem;
    ``check(name, value)``, when given, runs on a converted value and its problems are recorded too.
    """

    def __init__(self, settings):
        self.settings = settings
        self.problems = []
        self.names = set()

    def unread(self):
        """Settings given but never read: misspelt variable names."""
        return sorted(name for name in self.settings if name not in self.names)

    def read(self, name, converter, *args, **kwargs):
        self.names.add(name)
        if name not in self.settings:
            self.problems.append("%s is not set (the role's defaults set it; was it removed?)" % name)
            return None
        try:
            value = converter(name, self.settings[name], *args)
        except Invalid as err:
            self.problems.append(str(err))
            return None
        check = kwargs.get("check")
        if check is not None and value is not None:
            self.problems.extend(check(name, value))
        return value

    def add(self, problems):
        self.problems.extend(problems)


def check_dns_label(name, value):
    """A Kubernetes name that must be an RFC 1123 label (namespaces, Services, most names): 63 characters at most."""
    if not isinstance(value, str) or not DNS_LABEL_RE.match(value) or len(value) > 63:
        return ["%s is %s: give a DNS label (lower-case letters, digits and '-', starting and ending with a letter or "
                "digit, 63 characters at most)" % (name, describe(value))]
    return []


def check_dns_subdomain(name, value):
    """A Kubernetes object name that may be a DNS subdomain (ConfigMaps, Secrets, ClusterIssuers): 253 at most."""
    if not isinstance(value, str) or not DNS_SUBDOMAIN_RE.match(value) or len(value) > 253:
        return ["%s is %s: give a DNS subdomain (lower-case letters, digits, '-' and '.', 253 characters at most)"
                % (name, describe(value))]
    return []


def check_label_value(name, value):
    """A Kubernetes label value: empty, or 63 characters at most of letters, digits, '-', '_', '.', alphanumeric ends."""
    if not isinstance(value, str) or len(value) > 63 or not LABEL_VALUE_RE.match(value):
        return ["%s is %s: a Kubernetes label value is empty or at most 63 letters, digits, '-', '_' and '.', "
                "beginning and ending with a letter or digit" % (name, describe(value))]
    return []


def check_label_key(name, value):
    """A label key: [DNS subdomain prefix/]name, the name at most 63 characters."""
    problem = ["%s is %s: a Kubernetes label key is [prefix/]name, the prefix a DNS subdomain, the name at most 63 "
               "letters, digits, '-', '_' and '.'" % (name, describe(value))]
    if not isinstance(value, str) or value.count("/") > 1:
        return problem
    prefix, _sep, label = value.rpartition("/")
    if prefix and (not DNS_SUBDOMAIN_RE.match(prefix) or len(prefix) > 253):
        return problem
    if len(label) > 63 or not LABEL_NAME_RE.match(label):
        return problem
    return []


def check_labels(name, value):
    """A label map (node selector, labels): every key and value checked; values YAML typed (true, 4) are refused
    because Kubernetes wants strings and the writer must quote them."""
    if not isinstance(value, dict):
        return ["%s is %s: give a mapping of label keys to values" % (name, describe(value))]
    problems = []
    for key in sorted(value, key=str):
        problems += check_label_key("%s key" % name, key)
        item = value[key]
        if not isinstance(item, str):
            problems.append("%s[%s] is %s: label values are strings, quote it (\"%s\")"
                            % (name, key, describe(item), str(item).lower() if isinstance(item, bool) else item))
        else:
            problems += check_label_value("%s[%s]" % (name, key), item)
    return problems


def check_registry(name, value):
    """A container registry with an optional path: host[:port][/path], the form image repositories start with."""
    if not isinstance(value, str) or not REGISTRY_RE.match(value):
        return ["%s is %s: give a registry host[:port][/path] such as registry.example.internal:5000/nvcr.io (no "
                "scheme, no tag, lower-case path)" % (name, describe(value))]
    return []


def check_repository(name, value):
    """An image repository without tag: [host[:port]/]path."""
    if not isinstance(value, str) or not REPOSITORY_RE.match(value):
        return ["%s is %s: give an image repository [host[:port]/]path without tag, such as "
                "registry.k8s.io/nfd/node-feature-discovery" % (name, describe(value))]
    return []


def check_image_reference(name, value):
    """A full image reference: repository[:tag][@digest]."""
    problem = ["%s is %s: give an image reference repository[:tag][@sha256:digest], such as "
               "nvcr.io/nvidia/mellanox/ib-sriov-cni:network-operator-v26.4.1" % (name, describe(value))]
    if not isinstance(value, str):
        return problem
    rest, _at, digest = value.partition("@")
    if _at and not DIGEST_RE.match(digest):
        return problem
    last = rest.rsplit("/", 1)[-1]
    if ":" in last:
        repository, tag = rest.rsplit(":", 1)
        if not TAG_RE.match(tag):
            return problem
    else:
        repository = rest
    if not REPOSITORY_RE.match(repository):
        return problem
    return []


def check_tag(name, value):
    if not isinstance(value, str) or not TAG_RE.match(value):
        return ["%s is %s: give an image tag (letters, digits, '_', '.', '-', 128 characters at most)" % (name, describe(value))]
    return []


def check_quantity(name, value):
    """A Kubernetes resource quantity (size) such as 10Gi, 500m, 1.5."""
    if not isinstance(value, str) or not QUANTITY_RE.match(value):
        return ["%s is %s: give a Kubernetes quantity such as 10Gi, 512Mi or 500m" % (name, describe(value))]
    return []


def check_go_duration(name, value):
    """A Go duration such as 90s, 5m or 1h30m."""
    if not isinstance(value, str) or not GO_DURATION_RE.match(value):
        return ["%s is %s: give a duration such as 90s, 5m or 1h30m" % (name, describe(value))]
    return []


def hours(name, value):
    """Whole hours ('2160h') as an integer, or Invalid."""
    if not isinstance(value, str) or not WHOLE_HOURS_RE.match(value):
        raise Invalid("%s is %s: give whole hours, e.g. 2160h" % (name, describe(value)))
    return int(value[:-1])


def check_interface_name(name, value):
    if interface_name(value) is not None:
        return ["%s is %s: give a network interface name (15 characters at most of letters, digits, '_', '.' and '-', "
                "as `ip -br link` shows it)" % (name, describe(value))]
    return []


def check_pci_id(name, value):
    """A 4-digit hex PCI vendor or device ID (15b3, 101e); YAML may have read 1017 as a number, which is accepted."""
    text = str(value).lower() if not isinstance(value, bool) and isinstance(value, (str, int)) else None
    if text is None or not PCI_ID_RE.match(text):
        return ["%s is %s: give a 4-digit hex PCI ID such as 15b3" % (name, describe(value))]
    return []


def pci_id(value):
    """Normalised 4-digit lower-case PCI ID (after check_pci_id passed)."""
    text = str(value).lower()
    return text[2:] if text.startswith("0x") else text


def check_cidr(name, value):
    """An IPv4 or IPv6 network in CIDR form with no host bits set."""
    try:
        ipaddress.ip_network(value if isinstance(value, str) else "!", strict=True)
    except ValueError:
        return ["%s is %s: give a network in CIDR form with no host bits, such as 10.230.0.0/16" % (name, describe(value))]
    return []


def check_dcgm_field(name, value):
    """A DCGM field identifier (a line of dcgm-exporter's metrics CSV): DCGM_FI_ and upper-case words."""
    if not isinstance(value, str) or not DCGM_FIELD_RE.match(value) or len(value) > 96:
        return ["%s is %s: give a DCGM field identifier such as DCGM_FI_DEV_ECC_DBE_VOL_TOTAL (DCGM_FI_ then upper-case "
                "letters, digits and '_'; the names are in DCGM's field identifiers list)" % (name, describe(value))]
    return []


def check_csv_text(name, value):
    """Text written as one column of a comma-separated line that is not quoted (dcgm-exporter's help column)."""
    if not isinstance(value, str) or not CSV_TEXT_RE.match(value) or not value.strip() or len(value) > 200:
        return ["%s is %s: give one line of text of at most 200 characters without commas, double quotes or line "
                "breaks (it is a column of a comma-separated file)" % (name, describe(value))]
    return []


def unknown_keys(name, value, known):
    """Problems for keys of a mapping that are not among ``known`` (a typo would otherwise be ignored)."""
    return ["%s: unknown key %s (known: %s)" % (name, describe(key), ", ".join(known))
            for key in sorted(value, key=str) if key not in known]


# Value rules: None when the value is good, else what it must be. The host roles' check tables (host_input.py)
# name them, network_input.py words their answers as its problems, the check_* functions above use them too.

def _is_text(value):
    return isinstance(value, string_types)


def _matching(name, pattern, must, excluded=()):
    """A value rule that accepts the strings matching ``pattern`` (except ``excluded``) and answers ``must``."""
    def rule(value):
        if _is_text(value) and pattern.match(value) and value not in excluded:
            return None
        return must
    rule.__name__ = name
    return rule


interface_name = _matching("interface_name", INTERFACE_RE,
                           "must be a network interface name of at most 15 letters, digits, '_', '.' or '-' (not '.' or '..')",
                           excluded=(".", ".."))


kernel_module = _matching("kernel_module", KERNEL_MODULE_RE,
                          "must be a kernel module name (letters, digits, '_' and '-')")


unit_name = _matching("unit_name", UNIT_NAME_RE,
                      "must be a systemd unit name such as nvidia-dcgm or nvidia-dcgm.service")


# A name that becomes part of a file name: letters, digits, '.', '_', '-', 48 characters at most.
file_name_part = _matching("file_name_part", NAME_RE,
                           "must be a name of letters, digits, '.', '_' or '-' (it becomes part of a file name)",
                           excluded=(".", ".."))


def hostname(value):
    """A DNS name (RFC 1123 labels) or an IPv4/IPv6 address."""
    if not _is_text(value) or not value:
        return "must be a host name or an IP address"
    try:
        ipaddress.ip_address(value)
        return None
    except ValueError:
        pass
    name = value[:-1] if value.endswith(".") else value
    if len(name) > 253 or not all(HOST_LABEL_RE.match(label) for label in name.split(".")):
        return "must be a host name or an IP address (letters, digits, '-' and '.', no spaces or line breaks)"
    return None


deb_package = _matching("deb_package", DEB_PACKAGE_RE,
                        "must be a Debian package name (lower case letters, digits, '+', '-', '.'; optionally ':<arch>')")


def deb_package_pattern(value):
    """A Debian package name that may hold the roles' placeholders {branch} and {kernel}."""
    if _is_text(value) and deb_package(value.replace("{branch}", "580").replace("{kernel}", "6.1.0-28-amd64")) is None:
        return None
    return "must be a Debian package name (lower case letters, digits, '+', '-', '.'), placeholders {branch} and {kernel} allowed"


def apt_version(value):
    """An exact Debian version, or empty for 'any'."""
    if value is None or value == "":
        return None
    if _is_text(value) and APT_VERSION_RE.match(value):
        return None
    return "must be a Debian package version such as 580.95.05-0ubuntu1 (or empty)"


systemd_size = _matching("systemd_size", SYSTEMD_SIZE_RE,
                         "must be a size such as 512M, 4G or 1T (bytes with an optional K, M, G, T, P or E)")


logrotate_size = _matching("logrotate_size", LOGROTATE_SIZE_RE,
                           "must be a logrotate size such as 100k, 500M or 1G")


def systemd_timespan(value):
    if _is_text(value) and value.strip() and TIMESPAN_RE.match(value) and not CONTROL_RE.search(value):
        return None
    return "must be a systemd time span such as 1month, 2weeks or 7d"


def systemd_calendar(value):
    """A loose check of an OnCalendar expression: one line of its characters."""
    if _is_text(value) and value.strip() and CALENDAR_RE.match(value):
        return None
    return "must be one systemd calendar expression such as hourly or *-*-* 03:00:00"


def absolute_path(value):
    """An absolute path without whitespace, control characters or a '..' component."""
    if _is_text(value) and value.startswith("/") and not re.search(r"\s|[\x00-\x1f\x7f]", value) \
            and "/../" not in value + "/":
        return None
    return "must be an absolute path without spaces, line breaks or '..'"


def plain_path(value):
    """An absolute path that may stand unquoted in a unit's ExecStart or a shell script: letters, digits, '.', '_',
    '+', '-' and '/', no '..' component, no trailing '/'."""
    if absolute_path(value) is None and PLAIN_PATH_RE.match(value):
        return None
    return "must be an absolute path of letters, digits, '.', '_', '+', '-' and '/' (no spaces, quotes or '..')"


def log_glob(value):
    """A logrotate path or glob: absolute, no whitespace (logrotate splits on it), no braces (they open a block)."""
    if absolute_path(value) is None and not re.search(r"[{}\"']", value):
        return None
    return "must be an absolute path or glob without spaces, quotes, braces or line breaks"


def one_line(value):
    """Free text that goes verbatim into one line of a file or a command: printable, no line break."""
    if _is_text(value) and not CONTROL_RE.search(value):
        return None
    return "must be one line of text (no line breaks or control characters)"


apt_url = _matching("apt_url", APT_URL_RE,
                    "must be a repository URL starting with http://, https:// or file:/ without spaces")


apt_suite = _matching("apt_suite", APT_SUITE_RE,
                      "must be a suite such as bookworm, a path such as debian12/x86_64/ or the flat suite /")


apt_component = _matching("apt_component", APT_COMPONENT_RE,
                          "must be a component name such as main (letters, digits, '.', '_', '-')")


def apt_key(value):
    """A signing key given as a URL, an absolute path on the node, or an armoured block."""
    if not _is_text(value) or not value.strip():
        return "must be a key URL, an absolute path on the node or an armoured PGP block"
    text = value.strip()
    if text.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----") and text.endswith("-----END PGP PUBLIC KEY BLOCK-----"):
        return None
    if apt_url(text) is None or absolute_path(text) is None:
        return None
    return "must be a key URL, an absolute path on the node or an armoured PGP block"


file_name = _matching("file_name", FILE_NAME_RE,
                      "must be a file name of lower case letters, digits, '.', '_' and '-'")


sysctl_key = _matching("sysctl_key", SYSCTL_KEY_RE,
                       "must be a kernel parameter name (such as net.ipv4.ip_forward)")


def positive(value):
    """A count or a number of seconds whose zero means something dangerous (Ansible's 'no limit')."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return None
    return "must be a whole number of at least 1"


def not_negative(value):
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return None
    return "must be a whole number of at least 0"
