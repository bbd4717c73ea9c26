# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a Debian repository's package index and resolve wanted packages to exact versions.

Used before anything is installed, so a mirror that lacks the requested driver (or a package name
that changed between releases) fails with the package, the repository and the OS named, instead of
half-way through an ``apt install``. Plain functions; the module ``apt_package_versions`` fetches the
index text (read_url, repository_indexes, apt_list_indexes here, with the module's URL opener passed in) and
calls them.

Version ordering follows deb-version(7): epoch, then upstream version and revision compared part by
part, where ``~`` sorts before everything (even the end of the string) and letters before other
characters.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import gzip
import os
import re

from ansible.module_utils.common.text.converters import to_native, to_text


class AptIndexError(Exception):
    """A wanted package cannot be resolved; the message names package, repository and OS."""


def _order(char):
    if char == "~":
        return -1
    if char.isdigit():
        return 0
    if not char:
        return 0
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(left, right):
    left = left or ""
    right = right or ""
    while left or right:
        first_diff = 0
        while (left and not left[0].isdigit()) or (right and not right[0].isdigit()):
            lc = _order(left[0]) if left else 0
            rc = _order(right[0]) if right else 0
            if lc != rc:
                return lc - rc
            left, right = left[1:], right[1:]
        lnum = re.match(r"\d*", left).group(0)
        rnum = re.match(r"\d*", right).group(0)
        left, right = left[len(lnum):], right[len(rnum):]
        first_diff = int(lnum or 0) - int(rnum or 0)
        if first_diff:
            return first_diff
    return 0


def split_version(version):
    """``(epoch, upstream, revision)`` of a Debian version string."""
    epoch = 0
    if ":" in version:
        head, version = version.split(":", 1)
        epoch = int(head or 0)
    revision = ""
    if "-" in version:
        version, revision = version.rsplit("-", 1)
    return epoch, version, revision


def compare_versions(left, right):
    """Negative, zero or positive as ``left`` sorts before, equal to or after ``right`` (dpkg rules)."""
    le, lu, lr = split_version(left)
    re_, ru, rr = split_version(right)
    if le != re_:
        return le - re_
    return _compare_part(lu, ru) or _compare_part(lr, rr)


def sort_versions(versions):
    """Versions oldest first, by dpkg's rules."""
    result = []
    for version in versions:
        index = len(result)
        while index > 0 and compare_versions(result[index - 1], version) > 0:
            index -= 1
        result.insert(index, version)
    return result


def parse_packages(text, arch=None):
    """``{name: [version, ...]}`` from the text of a ``Packages`` index.

    With ``arch`` only stanzas of that architecture (or ``all``) count.
    """
    index = {}
    for stanza in re.split(r"\n\s*\n", text or ""):
        name = version = architecture = None
        for line in stanza.splitlines():
            if line.startswith("Package:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("Version:"):
                version = line.split(":", 1)[1].strip()
            elif line.startswith("Architecture:"):
                architecture = line.split(":", 1)[1].strip()
        if not name or not version:
            continue
        if arch and architecture not in (None, arch, "all"):
            continue
        versions = index.setdefault(name, [])
        if version not in versions:
            versions.append(version)
    return index


def merge(indexes):
    """One ``{name: [versions]}`` from several (a repository with several components or lists)."""
    merged = {}
    for index in indexes:
        for name, versions in index.items():
            target = merged.setdefault(name, [])
            target.extend(v for v in versions if v not in target)
    return merged


def upstream(version):
    return split_version(version)[1]


def matching_versions(versions, version=None, branch=None):
    """The versions (sorted, oldest first) whose upstream part equals ``version``, or starts with
    ``branch.``; all of them when neither is given."""
    chosen = []
    for candidate in versions:
        up = upstream(candidate)
        if version and up != version:
            continue
        if branch and up.split(".", 1)[0] != str(branch):
            continue
        chosen.append(candidate)
    return sort_versions(chosen)


def resolve(index, requests, where):
    """Pick the exact version of every requested package.

    ``requests`` is a list of ``{"name", "version" (upstream, optional), "branch" (optional)}``;
    ``where`` is the text naming the repository and OS in messages. Returns
    ``{name: {"version": full version, "available": [versions of the branch]}}`` or raises
    :class:`AptIndexError` listing every package that cannot be resolved, at once.
    """
    resolved = {}
    problems = []
    for request in requests:
        name = request["name"]
        want = request.get("version") or None
        branch = request.get("branch") or None
        versions = index.get(name)
        if not versions:
            problems.append("package '%s' is not in %s" % (name, where))
            continue
        candidates = matching_versions(versions, want, branch)
        if not candidates:
            shown = ", ".join(sort_versions(versions)[-8:])
            if want:
                problems.append("package '%s' version %s is not in %s (versions there: %s)" % (name, want, where, shown))
            else:
                problems.append("package '%s' has no version of branch %s in %s (versions there: %s)"
                                % (name, branch, where, shown))
            continue
        resolved[name] = {"version": candidates[-1], "available": candidates}
    if problems:
        raise AptIndexError("; ".join(problems))
    return resolved


def index_paths(suite, components, arch):
    """Relative paths of the Packages index for a repository line (``suite`` ``/`` means flat)."""
    if not suite or suite == "/" or suite.endswith("/"):
        prefix = "" if suite in (None, "", "/") else suite
        return [prefix + "Packages"]
    return ["dists/%s/%s/binary-%s/Packages" % (suite, component, arch) for component in components]


class IndexReadError(AptIndexError):
    """An index that could not be read; ``sources`` lists the indexes read before it."""

    def __init__(self, message, sources):
        super(IndexReadError, self).__init__(message)
        self.sources = list(sources)


def read_url(url, open_url):
    """Text of ``url`` (``file:`` or HTTP(S), ``.gz`` unpacked); None when it does not exist.

    ``open_url(url)`` returns a response with ``read()`` (the module passes ansible.module_utils.urls.open_url with
    its timeout and certificate settings); an error saying 404 / Not Found means "try the next name"."""
    if url.startswith("file:"):
        path = url[len("file:"):]
        while path.startswith("//"):
            path = path[1:]
        if not os.path.exists(path):
            return None
        with open(path, "rb") as handle:
            data = handle.read()
    else:
        try:
            data = open_url(url).read()
        except Exception as exc:  # urllib raises several types; a 404 means "try the next name"
            if "404" in to_native(exc) or "Not Found" in to_native(exc):
                return None
            raise
    if url.endswith(".gz"):
        data = gzip.decompress(data)
    return to_text(data, errors="surrogate_or_strict")


def repository_indexes(repositories, arch, open_url):
    """Parsed indexes of ``repositories`` (dicts of url, suite, components), the index URLs read, and a description
    of each repository for messages. Raises IndexReadError naming the index and the repository."""
    indexes, sources, where = [], [], []
    for repo in repositories:
        base = repo["url"] if repo["url"].endswith("/") else repo["url"] + "/"
        where.append("repository %s (suite %s)" % (repo["url"], repo["suite"]))
        for relative in index_paths(repo["suite"], repo["components"], arch):
            text = None
            for candidate in (base + relative + ".gz", base + relative):
                try:
                    text = read_url(candidate, open_url)
                except Exception as exc:
                    raise IndexReadError("Failed to read the package index '%s' of repository '%s' due to: %s. "
                                         "Check the repository URL (an internal mirror?) and that this node can reach it."
                                         % (candidate, repo["url"], to_native(exc)), sources)
                if text is not None:
                    sources.append(candidate)
                    break
            if text is None:
                raise IndexReadError("Failed to read the package index of repository '%s' due to: neither %s.gz nor %s "
                                     "exists. Check the repository URL and suite (use suite '/' for a flat repository)."
                                     % (repo["url"], base + relative, base + relative), sources)
            indexes.append(parse_packages(text, arch))
    return indexes, sources, where


def apt_list_indexes(lists_dir, arch):
    """Parsed indexes of apt's own package lists (``*_Packages`` in ``lists_dir``) and their paths."""
    paths = sorted(glob.glob(os.path.join(lists_dir, "*_Packages")))
    if not paths:
        raise IndexReadError("Failed to read apt's package lists due to: no *_Packages file in '%s'. "
                             "Run apt update (or check the distribution's repositories) first." % lists_dir, [])
    indexes = []
    for path in paths:
        with open(path, "r") as handle:
            indexes.append(parse_packages(handle.read(), arch))
    return indexes, paths
