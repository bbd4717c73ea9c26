# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLE of a Hugging Face mirror (and of ModelScope's file API), for the weights downloader's tests and bench.

It serves files from a local folder on 127.0.0.1 only, through the endpoints plugins/module_utils/weights_fetch.py
uses, with the shapes the real services answer with:

- ``GET /api/models/<owner>/<name>/tree/<revision>?recursive=true``: a JSON list of
  ``{"type": "file", "path", "size", "oid"}`` (``oid`` the git blob sha1), files of ``lfs_min_size`` bytes or more
  with ``"lfs": {"oid": <sha256>, "size", "pointerSize"}``; ``page_size`` entries a page, the next page in a
  ``Link: <url>; rel="next"`` header, as the Hub paginates.
- ``GET|HEAD /<owner>/<name>/resolve/<revision>/<path>``: the file, ``Range: bytes=a-b`` answered with 206 and
  ``Content-Range`` (``ignore_range`` answers 200 with the whole file, as a server without range support does).
- ModelScope: ``GET /api/v1/models/<owner>/<name>/repo/files?Revision=..&Recursive=True`` answers
  ``{"Code": 200, "Data": {"Files": [{"Type": "blob", "Path", "Size", "Sha256"}]}}`` and
  ``GET /api/v1/models/<owner>/<name>/repo?Revision=..&FilePath=<path>`` the file, ranges as above.

Knobs for the error paths: ``corrupt`` ({path: n}: the first n downloads of that file serve flipped bytes at its
start), ``missing`` (paths listed but answered 404), ``no_listing`` (the listing is 404), ``cut_after``
({path: bytes}: the first response of that file closes the connection after that many bytes), ``delay`` (seconds
before each file response, to slow a download down enough to kill it midway), ``token`` (every
request needs ``Authorization: Bearer <token>``, else 401). ``served`` counts the bytes sent per path and
``requests`` records (method, path, range) - never the token.

Use in-process (``with MirrorServer(root, repo) as mirror: mirror.url``) or as a script (the bench):
``python hf_mirror_server.py --root DIR --repo owner/name [--port N]`` prints its URL and serves until killed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import hashlib
import json
import os
import re
import threading
import time

from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote, unquote, urlparse

try:
    from ansible_collections.privateai.deepseek_dify.tests.doubles.http_double import ThreadedHTTPDouble
except ImportError:  # run as a script (python tests/doubles/<double>.py): its folder is on sys.path
    from http_double import ThreadedHTTPDouble

BLOCK = 4 * 1024 * 1024


def describe_files(root, lfs_min_size=1024):
    """Listing entries of every file under root (sorted), with sizes and checksums computed from the content."""
    out = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            size = os.path.getsize(path)
            sha256 = hashlib.sha256()
            sha1 = hashlib.sha1()
            sha1.update(b"blob %d\x00" % size)
            with open(path, "rb") as handle:
                while True:
                    block = handle.read(BLOCK)
                    if not block:
                        break
                    sha256.update(block)
                    sha1.update(block)
            entry = {"type": "file", "path": rel, "size": size, "oid": sha1.hexdigest()}
            if size >= lfs_min_size:
                entry["lfs"] = {"oid": sha256.hexdigest(), "size": size, "pointerSize": 134}
            out.append(entry)
    return sorted(out, key=lambda e: e["path"])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hf-mirror-test-double/1"

    def log_message(self, *args):  # pylint: disable=arguments-differ  # quiet: tests read results, not logs
        pass

    def _json(self, status, body, headers=None):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_HEAD(self):  # pylint: disable=invalid-name  # the http.server API
        self.do_GET()

    def do_GET(self):  # pylint: disable=invalid-name  # the http.server API
        double = self.server.double
        url = urlparse(self.path)
        query = parse_qs(url.query)
        path = unquote(url.path)
        with double.lock:
            double.requests.append((self.command, url.path, self.headers.get("Range")))
        if double.token and self.headers.get("Authorization") != "Bearer %s" % double.token:
            return self._json(401, {"error": "Invalid credentials in Authorization header"})
        repo = double.repo
        tree = re.match(r"^/api/models/%s/tree/([^/]+)$" % re.escape(repo), path)
        if tree:
            if double.no_listing:
                return self._json(404, {"error": "Repository not found"})
            start = int((query.get("cursor") or ["0"])[0])
            page = double.listing[start:start + double.page_size]
            headers = {}
            if start + double.page_size < len(double.listing):
                headers["Link"] = '<%s/api/models/%s/tree/%s?recursive=true&cursor=%d>; rel="next"' % (
                    double.url, repo, tree.group(1), start + double.page_size)
            return self._json(200, page, headers)
        if path == "/api/v1/models/%s/repo/files" % repo:
            if double.no_listing:
                return self._json(404, {"Code": 10010205001, "Message": "model not found"})
            files = [{"Type": "blob", "Path": e["path"], "Name": e["path"].split("/")[-1], "Size": e["size"],
                      "Sha256": e.get("lfs", {}).get("oid") or hashlib.sha256(
                          open(os.path.join(double.root, e["path"]), "rb").read()).hexdigest()}
                     for e in double.listing]
            return self._json(200, {"Code": 200, "Data": {"Files": files}, "Success": True})
        resolve = re.match(r"^/%s/resolve/[^/]+/(.+)$" % re.escape(repo), path)
        rel = resolve.group(1) if resolve else None
        if rel is None and path == "/api/v1/models/%s/repo" % repo:
            rel = (query.get("FilePath") or [None])[0]
        if rel is None:
            return self._json(404, {"error": "no such endpoint in the test double: %s" % path})
        return self._file(rel)

    def _file(self, rel):
        double = self.server.double
        full = os.path.join(double.root, rel)
        if rel in double.missing or not os.path.isfile(full) or ".." in rel.split("/"):
            return self._json(404, {"error": "Entry not found"})
        size = os.path.getsize(full)
        start, end, status = 0, size - 1, 200
        wanted = self.headers.get("Range")
        match = re.match(r"^bytes=(\d+)-(\d*)$", wanted or "")
        if match and not double.ignore_range:
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
            if start > end:
                return self._json(416, {"error": "Range Not Satisfiable"})
            status = 206
        with double.lock:
            corrupt = double.corrupt.get(rel, 0) > 0 and start == 0
            if corrupt:
                double.corrupt[rel] -= 1
            cut = double.cut_after.pop(rel, None)
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end + 1 - start))
        self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        self.end_headers()
        if self.command == "HEAD":
            return None
        if double.delay:
            time.sleep(double.delay)
        try:
            sent = self._send_file(full, start, end, corrupt, cut)
        except (BrokenPipeError, ConnectionResetError):
            # The client went away (a killed download): what a server sees then, not an error of the double.
            self.close_connection = True
            return None
        with double.lock:
            double.served[rel] = double.served.get(rel, 0) + sent
        return None

    def _send_file(self, full, start, end, corrupt, cut):
        sent = 0
        with open(full, "rb") as handle:
            if not corrupt and cut is None:
                # The kernel copies the file to the socket: the mirror is not the bottleneck of the bench.
                self.wfile.flush()
                offset = start
                while offset <= end:
                    n = os.sendfile(self.connection.fileno(), handle.fileno(), offset, end + 1 - offset)
                    if n == 0:
                        break
                    offset += n
                sent = offset - start
            else:
                handle.seek(start)
                while start + sent <= end:
                    block = handle.read(min(BLOCK, end + 1 - start - sent))
                    if corrupt and sent == 0:
                        block = bytes(b ^ 0xFF for b in block[:16]) + block[16:]
                    if cut is not None and sent + len(block) > cut:
                        self.wfile.write(block[:cut - sent])
                        sent = cut
                        self.close_connection = True
                        self.wfile.flush()
                        self.connection.shutdown(2)
                        break
                    self.wfile.write(block)
                    sent += len(block)
        return sent


class MirrorServer(ThreadedHTTPDouble):
    """The test double. Files under ``root`` are the repository ``repo``."""

    thread_name = "hf-mirror-double"

    def __init__(self, root, repo, page_size=1000, lfs_min_size=1024, host="127.0.0.1", port=0):
        self.root = root
        self.repo = repo
        self.page_size = page_size
        self.listing = describe_files(root, lfs_min_size)
        self.corrupt = {}
        self.missing = set()
        self.cut_after = {}
        self.no_listing = False
        self.ignore_range = False
        self.token = None
        self.delay = 0.0
        self.lock = threading.Lock()
        self.requests = []
        self.served = {}
        super(MirrorServer, self).__init__(_Handler, host=host, port=port)

    def file_url(self, path):
        return "%s/%s/resolve/main/%s" % (self.url, self.repo, quote(path))


def main():
    parser = argparse.ArgumentParser(description="Serve a folder as a Hugging Face mirror on loopback (test double).")
    parser.add_argument("--root", required=True)
    parser.add_argument("--repo", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = MirrorServer(args.root, args.repo, port=args.port)
    server.run_until_interrupted(server.url)


if __name__ == "__main__":
    main()
