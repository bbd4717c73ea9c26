# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The weights downloader (plugins/module_utils/weights_fetch.py) against a Hugging Face mirror test double on
127.0.0.1 (tests/doubles/hf_mirror_server.py): listing with pages, parallel ranged download, resume after a kill,
a corrupted shard refetched (and refused when it stays corrupted), a 404, a missing listing, ModelScope."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import io
import json
import signal
import subprocess
import sys
import time

import pytest

from ansible_collections.privateai.deepseek_dify.plugins.module_utils import weights_fetch as wf
from ansible_collections.privateai.deepseek_dify.tests.doubles.hf_mirror_server import MirrorServer

REPO = "deepseek-ai/DeepSeek-Test"
KIB = 1024
SHARD = "model-00001-of-00002.safetensors"
SHARD2 = "model-00002-of-00002.safetensors"


def _content(seed, size):
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(b"%s-%d" % (seed.encode(), counter)).digest()
        counter += 1
    return bytes(out[:size])


FILES = {
    "config.json": b'{"architectures": ["DeepseekV3ForCausalLM"]}\n',
    SHARD: _content("a", 700 * KIB + 13),
    SHARD2: _content("b", 300 * KIB),
    "tokenizer/tokenizer.json": _content("t", 40 * KIB),
    "empty.txt": b"",
}


@pytest.fixture
def repo_root(tmp_path):
    root = tmp_path / "mirror"
    for rel, data in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return str(root)


@pytest.fixture
def mirror(repo_root):
    with MirrorServer(repo_root, REPO, page_size=2) as server:
        yield server


def fetcher(mirror, dest, **kwargs):
    options = dict(workers=4, chunk_mib=64.0 / 1024, interval=0.05, retries=2, out=io.StringIO())
    options.update(kwargs)
    return wf.Fetcher(kwargs.pop("source", "huggingface"), REPO, str(dest), endpoint=mirror.url,
                      **dict((k, v) for k, v in options.items() if k != "source"))


# Five files: 4 connections take one file each, hashing as it arrives; 16 spread every file's chunks over all.
MODES = pytest.mark.parametrize("workers", [4, 16], ids=["file-per-connection", "chunks-spread"])


def assert_complete(dest):
    for rel, data in FILES.items():
        assert (dest / rel).read_bytes() == data, rel
        assert not (dest / (rel + wf.PART_SUFFIX)).exists()
        assert not (dest / (rel + wf.CHUNKS_SUFFIX)).exists()
    status = json.loads((dest / wf.STATUS_FILE).read_text())
    assert status["state"] == "complete"
    assert status["bytes_done"] == status["bytes_total"] == sum(len(d) for d in FILES.values())
    assert status["files_done"] == status["files_total"] == len(FILES)
    assert (dest / wf.DONE_MARKER).is_file()
    return status


@MODES
def test_full_download_over_listing_pages_with_ranged_parallel_gets(workers, mirror, tmp_path):
    dest = tmp_path / "models" / REPO
    out = io.StringIO()
    record = fetcher(mirror, dest, out=out, workers=workers).run()
    assert record["state"] == "complete"
    assert_complete(dest)
    # Five files, two a page: the listing followed the Link header over three pages.
    assert len([r for r in mirror.requests if "/tree/" in r[1]]) == 3
    # The 700 KiB shard came in 64 KiB ranges, each asked once.
    ranges = [r[2] for r in mirror.requests if r[1].endswith(SHARD)]
    assert len(ranges) == 11 and all(r.startswith("bytes=") for r in ranges)
    assert mirror.served[SHARD] == len(FILES[SHARD])
    # Progress lines carry bytes done and total for Ansible.
    lines = [json.loads(line[len(wf.PROGRESS_PREFIX):]) for line in out.getvalue().splitlines()
             if line.startswith(wf.PROGRESS_PREFIX)]
    assert lines[-1]["state"] == "complete" and lines[-1]["bytes_total"] == record["bytes_total"]
    verified = json.loads((dest / wf.VERIFIED_FILE).read_text())
    assert verified[SHARD]["algorithm"] == "sha256"
    assert verified["config.json"]["algorithm"] == "sha1-git"


def test_nothing_complete_is_fetched_again(mirror, tmp_path):
    dest = tmp_path / REPO
    fetcher(mirror, dest).run()
    served = dict(mirror.served)
    requests = len(mirror.requests)
    # With the marker: not even the listing is asked.
    assert fetcher(mirror, dest).run()["state"] == "complete"
    assert len(mirror.requests) == requests
    # Without the marker: the listing is asked, every file is found verified, no byte is fetched.
    (dest / wf.DONE_MARKER).unlink()
    assert fetcher(mirror, dest).run()["bytes_fetched"] == 0
    assert mirror.served == served
    assert_complete(dest)


@MODES
def test_resume_fetches_only_the_chunks_not_recorded(workers, mirror, tmp_path):
    dest = tmp_path / REPO
    dest.mkdir(parents=True)
    chunk = 64 * KIB
    data = FILES[SHARD]
    # What a killed run leaves: the part at full size, chunks 0-4 written and recorded, the rest not.
    part = bytearray(len(data))
    part[:5 * chunk] = data[:5 * chunk]
    (dest / (SHARD + wf.PART_SUFFIX)).write_bytes(bytes(part))
    (dest / (SHARD + wf.CHUNKS_SUFFIX)).write_text("0\n1\n2\n3\n4\n")
    record = fetcher(mirror, dest, workers=workers).run()
    assert mirror.served[SHARD] == len(data) - 5 * chunk
    assert record["bytes_fetched"] == sum(len(d) for d in FILES.values()) - 5 * chunk
    assert_complete(dest)


@MODES
def test_resume_goes_on_inside_a_chunk_from_the_recorded_offset(workers, mirror, tmp_path):
    dest = tmp_path / REPO
    dest.mkdir(parents=True)
    data = FILES[SHARD]
    # Chunk 0 complete, chunk 1 recorded up to 100000 bytes in (64 KiB chunks: offset 65536 + 34464).
    part = bytearray(len(data))
    part[:100000] = data[:100000]
    (dest / (SHARD + wf.PART_SUFFIX)).write_bytes(bytes(part))
    (dest / (SHARD + wf.CHUNKS_SUFFIX)).write_text("0\n1:80000\n1:100000\n")
    fetcher(mirror, dest, workers=workers).run()
    assert mirror.served[SHARD] == len(data) - 100000
    assert "bytes=100000-131071" in [r[2] for r in mirror.requests if r[1].endswith(SHARD)]
    assert_complete(dest)


@pytest.mark.parametrize("record, expected", [
    ("", {}),
    ("0\n", {0: 65536}),
    ("1:70000\n1:90000\n", {1: 90000}),
    ("1:90000\n1:70000\n", {1: 90000}),
    ("1:10\n", {1: 65536}),           # below the chunk's start: nothing of it
    ("1:999999\n", {1: 131072}),      # past the chunk's end: the chunk is whole
    ("x\n99\n2:y\n", {}),           # garbage and chunks the file does not have are ignored
])
def test_chunk_record_parsing(tmp_path, record, expected):
    handle = wf._File({"path": SHARD, "size": len(FILES[SHARD])}, str(tmp_path), 64 * KIB)
    (tmp_path / (SHARD + wf.CHUNKS_SUFFIX)).write_text(record)
    assert handle.read_progress() == expected


def test_killed_process_resumes_where_it_stopped(mirror, tmp_path):
    dest = tmp_path / REPO
    mirror.delay = 0.1
    script = wf.__file__
    process = subprocess.Popen([sys.executable, script, "--source", "huggingface", "--repo", REPO, "--dest",
                                str(dest), "--endpoint", mirror.url, "--workers", "1", "--chunk-mib", "0.0625",
                                "--interval", "0.1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    chunks = dest / (SHARD + wf.CHUNKS_SUFFIX)
    deadline = time.time() + 30
    while time.time() < deadline and process.poll() is None:
        if chunks.is_file() and len(chunks.read_text().split()) >= 3:
            break
        time.sleep(0.02)
    if process.poll() is not None:
        pytest.fail("the downloader finished before it could be killed (exit %s)" % process.returncode)
    process.send_signal(signal.SIGKILL)
    process.wait()
    recorded = len(chunks.read_text().split())
    assert recorded >= 3 and not (dest / wf.DONE_MARKER).exists()
    mirror.delay = 0
    record = fetcher(mirror, dest).run()
    assert_complete(dest)
    # The second run fetched only what was not recorded (a chunk in flight at the kill is fetched again).
    assert record["bytes_fetched"] <= sum(len(d) for d in FILES.values()) - recorded * 64 * KIB


@MODES
def test_corrupted_shard_is_refused_and_fetched_again(workers, mirror, tmp_path):
    dest = tmp_path / REPO
    mirror.corrupt[SHARD] = 1
    record = fetcher(mirror, dest, workers=workers).run()
    assert record["refetched"] == [SHARD]
    assert mirror.served[SHARD] == 2 * len(FILES[SHARD])
    assert_complete(dest)


@MODES
def test_shard_that_stays_corrupted_fails_naming_file_and_digests(workers, mirror, tmp_path):
    dest = tmp_path / REPO
    mirror.corrupt[SHARD] = 5
    with pytest.raises(wf.FetchError) as err:
        fetcher(mirror, dest, attempts=2, workers=workers).run()
    message = str(err.value)
    want = hashlib.sha256(FILES[SHARD]).hexdigest()
    assert SHARD in message and "sha256" in message and want in message and "after 2 downloads" in message
    assert not (dest / SHARD).exists() and not (dest / wf.DONE_MARKER).exists()
    assert json.loads((dest / wf.STATUS_FILE).read_text())["state"] == "failed"


@MODES
def test_corrupted_small_file_is_caught_by_its_git_blob_id(workers, mirror, tmp_path):
    dest = tmp_path / REPO
    mirror.corrupt["config.json"] = 1
    record = fetcher(mirror, dest, workers=workers).run()
    assert record["refetched"] == ["config.json"]
    assert_complete(dest)


def test_present_file_with_wrong_content_is_replaced(mirror, tmp_path):
    dest = tmp_path / REPO
    fetcher(mirror, dest).run()
    (dest / wf.DONE_MARKER).unlink()
    (dest / wf.VERIFIED_FILE).unlink()
    data = bytearray(FILES[SHARD2])
    data[100] ^= 0xFF
    (dest / SHARD2).write_bytes(bytes(data))
    fetcher(mirror, dest).run()
    assert mirror.served[SHARD2] == 2 * len(FILES[SHARD2])
    assert_complete(dest)


def test_file_listed_but_404_fails_naming_it(mirror, tmp_path):
    dest = tmp_path / REPO
    mirror.missing.add(SHARD2)
    with pytest.raises(wf.FetchError) as err:
        fetcher(mirror, dest).run()
    assert SHARD2 in str(err.value) and "HTTP 404" in str(err.value)
    assert not (dest / wf.DONE_MARKER).exists()
    status = json.loads((dest / wf.STATUS_FILE).read_text())
    assert status["state"] == "failed" and SHARD2 in status["error"]


def test_missing_listing_fails_before_any_download(mirror, tmp_path, capsys):
    dest = tmp_path / REPO
    mirror.no_listing = True
    code = wf.main(["--source", "huggingface", "--repo", REPO, "--dest", str(dest), "--endpoint", mirror.url])
    assert code == 1
    assert "HTTP 404" in capsys.readouterr().err
    assert mirror.served == {}
    status = json.loads((dest / wf.STATUS_FILE).read_text())
    assert status["state"] == "failed" and "does not have this repository" in status["error"]


def test_server_without_range_support_is_refused_clearly(mirror, tmp_path):
    mirror.ignore_range = True
    with pytest.raises(wf.FetchError) as err:
        fetcher(mirror, tmp_path / REPO).run()
    assert "ignores Range requests" in str(err.value)


@MODES
def test_connection_cut_midway_is_retried(workers, mirror, tmp_path):
    dest = tmp_path / REPO
    mirror.cut_after[SHARD] = 1000
    record = fetcher(mirror, dest, workers=workers).run()
    assert record["bytes_done"] == record["bytes_total"]
    assert_complete(dest)


def test_token_is_sent_from_the_environment(mirror, tmp_path, monkeypatch):
    dest = tmp_path / REPO
    mirror.token = "hf_test_token"
    monkeypatch.delenv("HF_TOKEN", raising=False)
    assert wf.main(["--source", "huggingface", "--repo", REPO, "--dest", str(dest), "--endpoint", mirror.url]) == 1
    monkeypatch.setenv("HF_TOKEN", "hf_test_token")
    monkeypatch.setenv("HF_ENDPOINT", mirror.url)
    assert wf.main(["--source", "huggingface", "--repo", REPO, "--dest", str(dest), "--interval", "0.05"]) == 0
    assert_complete(dest)
    # The token is never written into the status or the marker.
    assert "hf_test_token" not in (dest / wf.STATUS_FILE).read_text() + (dest / wf.DONE_MARKER).read_text()


def test_modelscope_source(mirror, tmp_path):
    dest = tmp_path / REPO
    record = fetcher(mirror, dest, source="modelscope").run()
    assert record["source"] == "modelscope"
    assert any(r[1] == "/api/v1/models/%s/repo/files" % REPO for r in mirror.requests)
    assert_complete(dest)


@pytest.mark.parametrize("path, ok", [
    ("model.safetensors", True),
    ("sub/dir/file.bin", True),
    ("../etc/passwd", False),
    ("/abs/file", False),
    ("a//b", False),
    ("a/./b", False),
    ("", False),
    (wf.STATUS_FILE, False),
    ("x.part", False),
    ("a\\b", False),
])
def test_listing_paths_stay_inside_the_folder(path, ok):
    if ok:
        assert wf.safe_path(path) == path
    else:
        with pytest.raises(wf.FetchError):
            wf.safe_path(path)


@pytest.mark.parametrize("argv, message", [
    (["--repo", "not a repo"], "is not a repository id"),
    (["--repo", "a/b", "--endpoint", "ftp://x"], "is not an http(s):// URL"),
    (["--repo", "a/b", "--workers", "0"], "must be positive"),
])
def test_bad_arguments_exit_2(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as err:
        wf.main(["--source", "huggingface", "--dest", str(tmp_path)] + argv)
    assert err.value.code == 2
    assert message in capsys.readouterr().err


def test_next_link_parsing():
    assert wf._next_link('<http://m/api/x?cursor=2>; rel="next"') == "http://m/api/x?cursor=2"
    assert wf._next_link('<http://m/a>; rel="prev", <http://m/b>; rel="next"') == "http://m/b"
    assert wf._next_link("") is None
