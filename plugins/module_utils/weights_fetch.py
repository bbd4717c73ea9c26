# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The weights downloader the model serving stage's download Job runs (standard library only, Python 3.6+).

The stage ships this file to the Job through a ConfigMap and runs it as
``python3 weights_fetch.py --source huggingface --repo deepseek-ai/DeepSeek-R1 --dest /models/deepseek-ai/DeepSeek-R1``
in whatever Python image the Job uses (the engine's by default). What it does:

- lists the repository's files from the source with their sizes and checksums: a Hugging Face mirror
  (``HF_ENDPOINT``; ``GET /api/models/<repo>/tree/<revision>?recursive=true``, following ``Link: rel="next"``
  pages; an LFS file carries its sha256, any other its git blob sha1) or ModelScope
  (``GET /api/v1/models/<repo>/repo/files?Revision=<rev>&Recursive=True``, each file with its Sha256);
- downloads every file in chunks with ranged GETs over ``--workers`` parallel connections (one file a connection,
  hashed as it arrives, when there are at least as many files as connections; else every file's chunks spread
  over all connections) into
  ``<file>.part``, recording each finished chunk (and every 16 MiB the offset a running chunk reached) in
  ``<file>.part.chunks``: after a kill a new run fetches only the bytes not recorded;
- verifies each file's size and checksum against the listing before renaming it into place (the checksum is computed
  chunk by chunk while the file arrives, so verification overlaps the download); a mismatch removes the
  part and fetches the file again (``--attempts`` times), then fails naming the file and both digests;
- skips what is already complete (a file verified earlier, recorded in ``.privateai-verified.json``, or a present
  file whose checksum matches) and, once the ``.privateai-download-complete`` marker is written, the whole repository;
- writes ``.privateai-download-status.json`` on the volume (state, bytes done and total, files done and total, rate,
  error) every ``--interval`` seconds and prints the same record on a ``PRIVATEAI-PROGRESS`` line, which Ansible
  reads from the Job pod's log.

Exit status: 0 complete, 1 failed (the status file and stderr say why), 2 bad arguments.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import hashlib
import http.client
import json
import os
import re
import sys
import threading
import time

import queue
from urllib.error import HTTPError, URLError
from urllib.parse import quote
from urllib.request import Request, build_opener

STATUS_FILE = ".privateai-download-status.json"
DONE_MARKER = ".privateai-download-complete"
VERIFIED_FILE = ".privateai-verified.json"
PART_SUFFIX = ".part"
CHUNKS_SUFFIX = ".part.chunks"
PROGRESS_PREFIX = "PRIVATEAI-PROGRESS "
SOURCES = ("huggingface", "modelscope")
DEFAULT_ENDPOINTS = {"huggingface": "https://huggingface.co", "modelscope": "https://www.modelscope.cn"}
TOKEN_ENV = {"huggingface": "HF_TOKEN", "modelscope": "MODELSCOPE_API_TOKEN"}
ENDPOINT_ENV = {"huggingface": "HF_ENDPOINT", "modelscope": "MODELSCOPE_DOMAIN"}
MIB = 1024 * 1024
BLOCK = 4 * MIB
# A running chunk records its offset every RECORD_EVERY bytes: a kill loses at most that much per connection.
RECORD_EVERY = 16 * MIB
USER_AGENT = "privateai-weights-fetch/1"
# Our own bookkeeping files: never part of a listing, never removed as stale.
OWN_FILES = (STATUS_FILE, DONE_MARKER, VERIFIED_FILE)


class FetchError(Exception):
    """A failure the Job cannot recover from by itself; the message names the file or URL and the cause."""


# ------------------------------------------------------------------------------------------------------ listing


def safe_path(path):
    """The listed path if it stays inside the destination (relative, no '..', no empty part), else FetchError."""
    if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path or "\x00" in path:
        raise FetchError("the listing names a file path %r outside the repository's folder: refused" % (path,))
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise FetchError("the listing names a file path %r outside the repository's folder: refused" % (path,))
    if path in OWN_FILES or path.endswith((PART_SUFFIX, CHUNKS_SUFFIX)):
        raise FetchError("the listing names a file %r that clashes with the downloader's own files: refused" % path)
    return path


def _get_json(opener, url, token):
    request = Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    if token:
        request.add_unredirected_header("Authorization", "Bearer %s" % token)
    try:
        response = opener.open(request, timeout=60)
        try:
            body = response.read()
            link = response.headers.get("Link") or ""
        finally:
            response.close()
    except HTTPError as err:
        raise FetchError("listing %s: HTTP %d %s%s" % (url, err.code, err.reason, _hint(err.code)))
    except (URLError, OSError, http.client.HTTPException) as err:
        raise FetchError("listing %s: %s (is the mirror reachable from the cluster?)" % (url, err))
    try:
        return json.loads(body.decode("utf-8")), link
    except ValueError:
        raise FetchError("listing %s: the answer is not JSON (is the endpoint a Hugging Face or ModelScope mirror?)"
                         % url)


def _hint(code):
    if code in (401, 403):
        return ": the repository needs a token (HF_TOKEN / MODELSCOPE_API_TOKEN in the credentials Secret)"
    if code == 404:
        return ": the mirror does not have this repository or revision"
    return ""


def _next_link(link):
    for part in link.split(","):
        match = re.match(r'\s*<([^>]+)>\s*;.*rel="?next"?', part)
        if match:
            return match.group(1)
    return None


def hf_listing(opener, endpoint, repo, revision, token):
    """[{path, size, sha256, sha1, url}] of a Hugging Face (mirror) repository."""
    url = "%s/api/models/%s/tree/%s?recursive=true" % (endpoint, repo, quote(revision, safe=""))
    files = []
    pages = 0
    while url:
        data, link = _get_json(opener, url, token)
        if not isinstance(data, list):
            raise FetchError("listing %s: expected a list of files, got %s" % (url, type(data).__name__))
        for entry in data:
            if not isinstance(entry, dict) or entry.get("type") != "file":
                continue
            lfs = entry.get("lfs") if isinstance(entry.get("lfs"), dict) else None
            path = safe_path(entry.get("path"))
            files.append({"path": path,
                          "size": int((lfs or entry).get("size")),
                          "sha256": lfs.get("oid") if lfs else None,
                          "sha1": None if lfs else entry.get("oid"),
                          "url": "%s/%s/resolve/%s/%s" % (endpoint, repo, quote(revision, safe=""),
                                                          quote(path, safe="/"))})
        url = _next_link(link)
        pages += 1
        if pages > 10000:
            raise FetchError("listing of %s: more than 10000 pages, refused" % repo)
    return files


def modelscope_listing(opener, endpoint, repo, revision, token):
    """[{path, size, sha256, sha1, url}] of a ModelScope repository."""
    url = "%s/api/v1/models/%s/repo/files?Revision=%s&Recursive=True" % (endpoint, repo, quote(revision, safe=""))
    data, _link = _get_json(opener, url, token)
    entries = ((data or {}).get("Data") or {}).get("Files") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise FetchError("listing %s: no Data.Files in the answer (%s)" % (url, str(data)[:200]))
    files = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("Type") != "blob":
            continue
        path = safe_path(entry.get("Path"))
        files.append({"path": path, "size": int(entry.get("Size")), "sha256": entry.get("Sha256") or None,
                      "sha1": None,
                      "url": "%s/api/v1/models/%s/repo?Revision=%s&FilePath=%s" % (
                          endpoint, repo, quote(revision, safe=""), quote(path, safe=""))})
    return files


def listing(source, opener, endpoint, repo, revision, token):
    if source == "huggingface":
        files = hf_listing(opener, endpoint, repo, revision, token)
    else:
        files = modelscope_listing(opener, endpoint, repo, revision, token)
    if not files:
        raise FetchError("the listing of %s at %s has no file: refused (an empty repository serves nothing)"
                         % (repo, endpoint))
    return files


# ------------------------------------------------------------------------------------------------ verification


def file_digest(path, algorithm):
    """Hex digest of the file; 'sha1-git' is git's blob id (sha1 of 'blob <size>\\0' + content)."""
    digest = new_digest(algorithm, os.path.getsize(path))
    with open(path, "rb") as handle:
        while True:
            block = handle.read(BLOCK)
            if not block:
                break
            digest.update(block)
    return digest.hexdigest()


def new_digest(algorithm, size):
    """A hash object for ``algorithm`` ('sha1-git' starts with git's blob header), or None."""
    if algorithm is None:
        return None
    if algorithm == "sha1-git":
        digest = hashlib.sha1()
        digest.update(b"blob %d\x00" % size)
        return digest
    return hashlib.new(algorithm)


def expected_digest(entry):
    """(algorithm, hex) the listing gives for the file, or (None, None): then the size alone is checked."""
    if entry.get("sha256"):
        return "sha256", entry["sha256"].lower()
    if entry.get("sha1"):
        return "sha1-git", entry["sha1"].lower()
    return None, None


def verify(path, entry):
    """None when the file matches the listing's size and checksum, else what differs."""
    size = os.path.getsize(path)
    if size != entry["size"]:
        return "size %d, the listing says %d" % (size, entry["size"])
    algorithm, want = expected_digest(entry)
    if algorithm:
        got = file_digest(path, algorithm)
        if got != want:
            return "%s %s, the listing says %s" % (algorithm.replace("-git", " (git blob)"), got, want)
    return None


def _write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as handle:
        json.dump(data, handle, sort_keys=True)
        handle.write("\n")
    os.replace(tmp, path)


def _read_json(path, default):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return default


# ------------------------------------------------------------------------------------------------------- fetching


class _File(object):
    def __init__(self, entry, dest, chunk):
        self.entry = entry
        self.final = os.path.join(dest, entry["path"])
        self.part = self.final + PART_SUFFIX
        self.chunks_path = self.final + CHUNKS_SUFFIX
        self.size = entry["size"]
        self.nchunks = max(1, (self.size + chunk - 1) // chunk)
        self.chunk = chunk
        self.attempt = 0
        self.whole = True
        self.reset_hash()

    def reset_hash(self):
        """The checksum is computed while the file arrives: chunk by chunk, in order, as each one completes."""
        self.algorithm, self.want = expected_digest(self.entry)
        self.digest = new_digest(self.algorithm, self.size)
        self.hashed_chunks = 0
        self.complete = set()

    def bounds(self, index):
        return index * self.chunk, min(self.size, (index + 1) * self.chunk) - 1

    def ranges(self, progress):
        """(index, first byte still needed, last byte) of every chunk not complete in ``progress``
        ({index: the absolute offset written up to})."""
        out = []
        for index in range(self.nchunks if self.size else 0):
            start, end = self.bounds(index)
            position = max(start, min(progress.get(index, start), end + 1))
            if position <= end:
                out.append((index, position, end))
        return out

    def read_progress(self):
        """{index: offset written up to} from the chunk record: 'i' (complete) or 'i:offset' lines."""
        progress = {}
        try:
            with open(self.chunks_path) as record:
                lines = record.read().split()
        except OSError:
            return progress
        for line in lines:
            index, _sep, offset = line.partition(":")
            if not index.isdigit() or int(index) >= self.nchunks or (offset and not offset.isdigit()):
                continue
            start, end = self.bounds(int(index))
            reached = int(offset) if offset else end + 1
            progress[int(index)] = max(progress.get(int(index), start), min(max(reached, start), end + 1))
        return progress

    def done_bytes(self, progress):
        return sum(progress[i] - self.bounds(i)[0] for i in progress)


class Fetcher(object):
    """One repository into ``dest``. ``run()`` returns the final status record or raises FetchError."""

    def __init__(self, source, repo, dest, endpoint=None, revision="main", token=None, workers=8, chunk_mib=64,
                 interval=5.0, attempts=3, retries=5, out=None):
        self.source = source
        self.repo = repo
        self.dest = dest
        self.endpoint = (endpoint or DEFAULT_ENDPOINTS[source]).rstrip("/")
        self.revision = revision
        self.token = token
        self.workers = max(1, int(workers))
        self.chunk = max(1, int(chunk_mib * MIB))
        self.interval = interval
        self.attempts = attempts
        self.retries = retries
        self.out = out if out is not None else sys.stdout
        self.opener = build_opener()
        self.lock = threading.Lock()
        self.tasks = queue.Queue()
        self.verify_queue = queue.Queue()
        self.finished = threading.Event()
        self.error = None
        self.bytes_done = 0
        self.bytes_total = 0
        self.bytes_fetched = 0
        self.files_done = 0
        self.files_total = 0
        self.refetched = []
        self.started = time.time()
        self.state = "listing"
        self.verified = {}

    # --- status
    def status(self):
        with self.lock:
            elapsed = max(time.time() - self.started, 1e-6)
            return {"repo": self.repo, "source": self.source, "state": self.state, "bytes_done": self.bytes_done,
                    "bytes_total": self.bytes_total, "files_done": self.files_done, "files_total": self.files_total,
                    "bytes_fetched": self.bytes_fetched, "bytes_per_s": int(self.bytes_fetched / elapsed),
                    "elapsed_s": round(elapsed, 1), "refetched": list(self.refetched), "error": self.error,
                    "updated": int(time.time())}

    def report(self):
        record = self.status()
        try:
            _write_json(os.path.join(self.dest, STATUS_FILE), record)
        except OSError:
            pass
        self.out.write(PROGRESS_PREFIX + json.dumps(record, sort_keys=True) + "\n")
        self.out.flush()
        return record

    def _reporter(self):
        while not self.finished.wait(self.interval):
            self.report()

    def _fail(self, message):
        with self.lock:
            if self.error is None:
                self.error = message
        self.finished.set()

    # --- network
    def _record(self, handle, line):
        with self.lock:
            with open(handle.chunks_path, "a") as record:
                record.write(line + "\n")

    def _range(self, handle, index, start, end, fd, buffer, digest=None):
        """Fetch bytes start..end of the file into fd at start; returns the offset reached (end + 1 when whole).
        Every RECORD_EVERY bytes the offset is recorded, so a kill loses at most that much of a chunk. ``digest``:
        the file's hash, fed with each block as it arrives (a file fetched in order by one worker)."""
        url = handle.entry["url"]
        request = Request(url, headers={"User-Agent": USER_AGENT, "Range": "bytes=%d-%d" % (start, end),
                                        "Accept-Encoding": "identity"})
        if self.token:
            request.add_unredirected_header("Authorization", "Bearer %s" % self.token)
        offset = start
        marked = start
        try:
            response = self.opener.open(request, timeout=120)
        except HTTPError as err:
            if err.code in (401, 403, 404, 410, 416):
                raise FetchError("%s (%s): HTTP %d %s%s"
                                 % (handle.entry["path"], url, err.code, err.reason, _hint(err.code)))
            return offset, "HTTP %d %s" % (err.code, err.reason)
        except (URLError, OSError, http.client.HTTPException) as err:
            return offset, "%s: %s" % (type(err).__name__, err)
        try:
            if response.status == 200 and not (start == 0 and end == handle.size - 1):
                raise FetchError("%s: the server ignores Range requests (HTTP 200 for bytes=%d-%d): a mirror that "
                                 "serves ranges is needed for parallel, resumable downloads" % (url, start, end))
            view = memoryview(buffer)
            while offset <= end:
                n = response.readinto(view[:min(len(buffer), end + 1 - offset)])
                if not n:
                    break
                os.pwrite(fd, view[:n], offset)
                if digest is not None:
                    digest.update(view[:n])
                offset += n
                with self.lock:
                    self.bytes_done += n
                    self.bytes_fetched += n
                if offset - marked >= RECORD_EVERY and offset <= end:
                    self._record(handle, "%d:%d" % (index, offset))
                    marked = offset
            if offset != end + 1:
                return offset, "connection closed after %d of %d bytes" % (offset - start, end + 1 - start)
            return offset, None
        except (URLError, OSError, http.client.HTTPException) as err:
            return offset, "%s: %s" % (type(err).__name__, err)
        finally:
            response.close()

    def _chunk(self, handle, index, start, end, buffer, digest=None):
        """The chunk's bytes from start; a broken try goes on from where it stopped."""
        last = None
        position = start
        for attempt in range(self.retries):
            if self.finished.is_set():
                return False
            fd = os.open(handle.part, os.O_WRONLY)
            try:
                position, last = self._range(handle, index, position, end, fd, buffer, digest)
            finally:
                os.close(fd)
            if last is None:
                return True
            time.sleep(min(30, 0.5 * 2 ** attempt))
        raise FetchError("%s: bytes %d-%d failed %d times, last: %s"
                         % (handle.entry["path"], start, end, self.retries, last))

    def _worker(self):
        buffer = bytearray(BLOCK)
        while True:
            task = self.tasks.get()
            if task is None:
                return
            if self.finished.is_set():
                continue
            if task[0] == "file":
                self._whole_file(task[1], task[2], buffer)
                continue
            _kind, handle, index, start, end = task
            try:
                if not self._chunk(handle, index, start, end, buffer):
                    continue
            except FetchError as err:
                self._fail(str(err))
                continue
            except Exception as err:  # pylint: disable=broad-except  # anything else ends the Job, named
                self._fail("%s: %s" % (handle.entry["path"], err))
                continue
            self._record(handle, "%d" % index)
            self.verify_queue.put((handle, index))

    def _hash_disk(self, handle, digest, start, end):
        """Feed bytes start..end of the part (written before a kill) into digest."""
        if digest is None or start > end:
            return
        with open(handle.part, "rb") as part:
            part.seek(start)
            left = end + 1 - start
            while left > 0:
                block = part.read(min(BLOCK, left))
                if not block:
                    raise FetchError("the part ends at %d bytes, %d expected" % (part.tell(), handle.size))
                digest.update(block)
                left -= len(block)

    def _whole_file(self, handle, progress, buffer):
        """One worker fetches the file's chunks in order and hashes each block as it arrives: no second read of
        the file (what a kill left is hashed from the part first), then finishes it."""
        try:
            for index in range(handle.nchunks if handle.size else 0):
                start, end = handle.bounds(index)
                reached = max(start, min(progress.get(index, start), end + 1))
                self._hash_disk(handle, handle.digest, start, reached - 1)
                if reached <= end:
                    if not self._chunk(handle, index, reached, end, buffer, handle.digest):
                        return
                    self._record(handle, "%d" % index)
                handle.hashed_chunks = index + 1
            self._finish(handle)
        except FetchError as err:
            self._fail(str(err))
        except Exception as err:  # pylint: disable=broad-except  # anything else ends the Job, named
            self._fail("%s: %s" % (handle.entry["path"], err))

    def _verifier(self):
        """Hashes each file's chunks in order as they complete (overlapping the download), then finishes it."""
        while True:
            item = self.verify_queue.get()
            if item is None:
                return
            handle, index = item
            if self.finished.is_set():
                continue
            try:
                if index is not None:
                    handle.complete.add(index)
                self._hash_ready(handle)
                if handle.hashed_chunks >= (handle.nchunks if handle.size else 0):
                    self._finish(handle)
            except Exception as err:  # pylint: disable=broad-except  # anything else ends the Job, named
                self._fail("%s: %s" % (handle.entry["path"], err))

    def _hash_ready(self, handle):
        if handle.digest is None:
            handle.hashed_chunks = len(handle.complete)
            return
        with open(handle.part, "rb") as part:
            while handle.hashed_chunks in handle.complete:
                start, end = handle.bounds(handle.hashed_chunks)
                part.seek(start)
                left = end + 1 - start
                while left > 0:
                    block = part.read(min(BLOCK, left))
                    if not block:
                        raise FetchError("the part ends at %d bytes, %d expected" % (part.tell(), handle.size))
                    handle.digest.update(block)
                    left -= len(block)
                handle.hashed_chunks += 1

    def _finish(self, handle):
        problem = None
        if os.path.getsize(handle.part) != handle.size:
            problem = "size %d, the listing says %d" % (os.path.getsize(handle.part), handle.size)
        elif handle.digest is not None and handle.digest.hexdigest() != handle.want:
            problem = "%s %s, the listing says %s" % (handle.algorithm.replace("-git", " (git blob)"),
                                                      handle.digest.hexdigest(), handle.want)
        if problem:
            handle.attempt += 1
            for path in (handle.part, handle.chunks_path):
                if os.path.exists(path):
                    os.remove(path)
            with self.lock:
                self.bytes_done -= handle.size
                self.refetched.append(handle.entry["path"])
            if handle.attempt >= self.attempts:
                raise FetchError("%s: %s after %d downloads: refused (the mirror serves a different file than it "
                                 "lists)" % (handle.entry["path"], problem, handle.attempt))
            self.out.write("%s: %s: removed, fetching it again\n" % (handle.entry["path"], problem))
            handle.reset_hash()
            self._queue_file(handle, {}, handle.whole)
            return
        os.replace(handle.part, handle.final)
        os.remove(handle.chunks_path)
        self._done(handle.entry)

    def _done(self, entry):
        algorithm, want = expected_digest(entry)
        with self.lock:
            self.verified[entry["path"]] = {"size": entry["size"], "digest": want, "algorithm": algorithm}
            _write_json(os.path.join(self.dest, VERIFIED_FILE), self.verified)
            self.files_done += 1
            if self.files_done == self.files_total:
                self.finished.set()

    def _queue_file(self, handle, progress, whole=True):
        directory = os.path.dirname(handle.final)
        if not os.path.isdir(directory):
            os.makedirs(directory)
        if not os.path.exists(handle.part) or os.path.getsize(handle.part) != handle.size:
            progress = {}
            with open(handle.part, "wb") as part:
                part.truncate(handle.size)
            with open(handle.chunks_path, "w"):
                pass
        handle.whole = whole
        if whole or handle.nchunks == 1:
            self.tasks.put(("file", handle, progress))
            return
        todo = handle.ranges(progress)
        pending = set(item[0] for item in todo)
        for index in range(handle.nchunks if handle.size else 0):
            if index not in pending:
                self.verify_queue.put((handle, index))  # complete before a kill: hashed from the part
        if not handle.size:
            self.verify_queue.put((handle, None))
        for item in todo:
            self.tasks.put(("range", handle) + item)

    # --- plan
    def _plan(self, files):
        """Counts what is present; returns [(handle, chunk progress)] still to fetch or to verify."""
        self.verified = _read_json(os.path.join(self.dest, VERIFIED_FILE), {})
        if not isinstance(self.verified, dict):
            self.verified = {}
        todo = []
        self.files_total = len(files)
        self.bytes_total = sum(f["size"] for f in files)
        for entry in files:
            handle = _File(entry, self.dest, self.chunk)
            algorithm, want = expected_digest(entry)
            record = self.verified.get(entry["path"])
            if os.path.isfile(handle.final) and os.path.getsize(handle.final) == entry["size"]:
                if record == {"size": entry["size"], "digest": want, "algorithm": algorithm} or \
                        verify(handle.final, entry) is None:
                    self.verified[entry["path"]] = {"size": entry["size"], "digest": want, "algorithm": algorithm}
                    self.files_done += 1
                    self.bytes_done += entry["size"]
                    continue
            if os.path.isfile(handle.final):
                os.remove(handle.final)
            self.verified.pop(entry["path"], None)
            progress = {}
            if os.path.isfile(handle.part) and os.path.getsize(handle.part) == entry["size"]:
                progress = handle.read_progress()
            self.bytes_done += handle.done_bytes(progress)
            todo.append((handle, progress))
        return todo

    def run(self):
        marker = os.path.join(self.dest, DONE_MARKER)
        if os.path.isfile(marker):
            record = _read_json(marker, {})
            self.out.write("weights of %s present (%s): nothing to fetch\n" % (self.repo, DONE_MARKER))
            record = dict(record, state="complete")
            self.out.write(PROGRESS_PREFIX + json.dumps(record, sort_keys=True) + "\n")
            return record
        if not os.path.isdir(self.dest):
            os.makedirs(self.dest)
        self.report()
        try:
            files = listing(self.source, self.opener, self.endpoint, self.repo, self.revision, self.token)
        except FetchError as err:
            self.error = str(err)
            self.state = "failed"
            self.report()
            raise
        self.state = "checking"
        todo = self._plan(files)
        self.state = "running"
        self.report()
        reporter = threading.Thread(target=self._reporter)
        reporter.daemon = True
        reporter.start()
        workers = [threading.Thread(target=self._worker) for _index in range(self.workers)]
        verifier = threading.Thread(target=self._verifier)
        for thread in workers + [verifier]:
            thread.daemon = True
            thread.start()
        if self.files_done == self.files_total:
            self.finished.set()
        # As many files as connections or more (a checkpoint's shards): one worker a file, hashing as it arrives.
        # Fewer: the files' chunks spread over every connection, hashed from the part as they complete.
        whole = len(todo) >= self.workers
        for handle, done in todo:
            self._queue_file(handle, done, whole)
        self.finished.wait()
        for _thread in workers:
            self.tasks.put(None)
        self.verify_queue.put(None)
        for thread in workers + [verifier]:
            thread.join()
        _write_json(os.path.join(self.dest, VERIFIED_FILE), self.verified)
        if self.error:
            self.state = "failed"
            self.report()
            raise FetchError(self.error)
        self.state = "complete"
        record = self.report()
        _write_json(marker, record)
        return record


def main(argv=None):
    parser = argparse.ArgumentParser(description="Download a model repository's files, resumable and verified.")
    parser.add_argument("--source", choices=SOURCES, required=True)
    parser.add_argument("--repo", required=True, help="repository id, such as deepseek-ai/DeepSeek-R1")
    parser.add_argument("--dest", required=True, help="the repository's folder on the weights volume")
    parser.add_argument("--endpoint", default=None, help="mirror URL (default: $HF_ENDPOINT / $MODELSCOPE_DOMAIN)")
    parser.add_argument("--revision", default="main")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEIGHTS_FETCH_WORKERS", "8")))
    parser.add_argument("--chunk-mib", type=float, default=float(os.environ.get("WEIGHTS_FETCH_CHUNK_MIB", "64")))
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between progress records")
    parser.add_argument("--attempts", type=int, default=3, help="downloads of a file whose checksum mismatches")
    args = parser.parse_args(argv)
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$", args.repo):
        parser.error("--repo %r is not a repository id (owner/name)" % args.repo)
    if args.workers < 1 or args.chunk_mib <= 0:
        parser.error("--workers and --chunk-mib must be positive")
    endpoint = args.endpoint or os.environ.get(ENDPOINT_ENV[args.source]) or DEFAULT_ENDPOINTS[args.source]
    if not endpoint.startswith(("http://", "https://")):
        parser.error("the endpoint %r is not an http(s):// URL" % endpoint)
    fetcher = Fetcher(args.source, args.repo, args.dest, endpoint=endpoint, revision=args.revision,
                      token=os.environ.get(TOKEN_ENV[args.source]) or None, workers=args.workers,
                      chunk_mib=args.chunk_mib, interval=args.interval, attempts=args.attempts)
    try:
        fetcher.run()
    except FetchError as err:
        sys.stderr.write("weights_fetch: %s\n" % err)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
