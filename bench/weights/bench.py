# -*- coding: utf-8 -*-
# Copyright: (c) 2026, privateai.deepseek_dify maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the weights downloader (plugins/module_utils/weights_fetch.py) against plain parallel curl.

A loopback mirror (the Hugging Face mirror test double, tests/doubles/hf_mirror_server.py, serving with sendfile)
holds synthetic shards of realistic sizes (SHARDS files of SHARD_MIB MiB, as a checkpoint's safetensors shards, plus
the small config and tokenizer files). Measured, each REPEAT times (median reported):

- curl: one ``curl -sf -o`` per file, all files at once (the plain parallel download a person would script);
- ours: ``weights_fetch.py`` with WORKERS connections and CHUNK_MIB ranges, checksums verified (its time includes the
  sha256 of every shard, which curl does not do);
- resume: ours killed (SIGKILL) at about half the bytes, then run again: the time the second run takes, the bytes it
  fetches, and its start (listing and checking the parts) before the first new byte.

Writes bench/weights/results/<date>-<label>.json and .md with the machine described. Not part of CI.
  python3 bench/weights/bench.py [--shards 8] [--shard-mib 1024] [--workers 8] [--chunk-mib 64] [--repeat 3]
  (a quick run: --shard-mib 64 --repeat 1)
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FETCH = os.path.join(REPO, "plugins", "module_utils", "weights_fetch.py")
MIRROR = os.path.join(REPO, "tests", "doubles", "hf_mirror_server.py")
REPO_ID = "bench/DeepSeek-Synthetic"
MIB = 1024 * 1024


def make_shards(root, shards, shard_mib):
    """Synthetic shards: a 64 MiB random block, rewritten with each shard's index so no two shards are equal."""
    os.makedirs(root, exist_ok=True)
    block = bytearray(os.urandom(64 * MIB))
    for index in range(shards):
        path = os.path.join(root, "model-%05d-of-%05d.safetensors" % (index + 1, shards))
        with open(path, "wb") as handle:
            left = shard_mib * MIB
            part = 0
            while left > 0:
                block[:16] = b"%08d%08d" % (index, part)
                chunk = memoryview(block)[:min(left, len(block))]
                handle.write(chunk)
                left -= len(chunk)
                part += 1
    with open(os.path.join(root, "config.json"), "w") as handle:
        json.dump({"architectures": ["DeepseekV3ForCausalLM"], "synthetic": True}, handle)
    with open(os.path.join(root, "tokenizer.json"), "wb") as handle:
        handle.write(os.urandom(7 * MIB))


def start_mirror(root):
    process = subprocess.Popen([sys.executable, MIRROR, "--root", root, "--repo", REPO_ID], stdout=subprocess.PIPE,
                               text=True, env=dict(os.environ, PYTHONPATH=REPO))
    url = process.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        process.kill()
        raise SystemExit("the mirror did not start: %r" % url)
    return process, url


def listing(url):
    import urllib.request
    with urllib.request.urlopen("%s/api/models/%s/tree/main?recursive=true" % (url, REPO_ID)) as response:
        return json.loads(response.read())


def drop(dest):
    shutil.rmtree(dest, ignore_errors=True)


def run_curl(url, files, dest):
    os.makedirs(dest)
    start = time.time()
    procs = [subprocess.Popen(["curl", "-sf", "-o", os.path.join(dest, f["path"]),
                               "%s/%s/resolve/main/%s" % (url, REPO_ID, f["path"])]) for f in files]
    codes = [p.wait() for p in procs]
    elapsed = time.time() - start
    if any(codes):
        raise SystemExit("curl failed: %s" % codes)
    return elapsed


def fetch_cmd(url, dest, workers, chunk_mib):
    return [sys.executable, FETCH, "--source", "huggingface", "--repo", REPO_ID, "--dest", dest, "--endpoint", url,
            "--workers", str(workers), "--chunk-mib", str(chunk_mib), "--interval", "0.5"]


def run_ours(url, dest, workers, chunk_mib):
    start = time.time()
    subprocess.run(fetch_cmd(url, dest, workers, chunk_mib), check=True, stdout=subprocess.DEVNULL)
    return time.time() - start


def status(dest):
    try:
        with open(os.path.join(dest, ".privateai-download-status.json")) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def run_resume(url, dest, workers, chunk_mib, total):
    process = subprocess.Popen(fetch_cmd(url, dest, workers, chunk_mib), stdout=subprocess.DEVNULL)
    while process.poll() is None and status(dest).get("bytes_done", 0) < total // 2:
        time.sleep(0.05)
    if process.poll() is not None:
        raise SystemExit("the downloader finished before the kill: use larger shards")
    process.send_signal(signal.SIGKILL)
    process.wait()
    at_kill = status(dest).get("bytes_done", 0)
    start = time.time()
    second = subprocess.Popen(fetch_cmd(url, dest, workers, chunk_mib), stdout=subprocess.PIPE, text=True)
    first_byte = None
    last = {}
    for line in second.stdout:
        if line.startswith("PRIVATEAI-PROGRESS "):
            last = json.loads(line[len("PRIVATEAI-PROGRESS "):])
            if first_byte is None and last.get("bytes_fetched", 0) > 0:
                first_byte = time.time() - start
    second.wait()
    elapsed = time.time() - start
    if second.returncode:
        raise SystemExit("the resumed run failed")
    return {"killed_at_bytes": at_kill, "resume_s": round(elapsed, 2), "resume_fetched_bytes": last.get("bytes_fetched"),
            "resume_first_progress_with_bytes_s": round(first_byte, 2) if first_byte else None,
            "remaining_at_kill_bytes": total - at_kill}


def machine():
    info = {"cpus": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release(),
            "machine": platform.machine()}
    try:
        with open("/proc/meminfo") as handle:
            info["memory_gib"] = round(int(handle.readline().split()[1]) / 1024.0 / 1024.0, 1)
        with open("/proc/cpuinfo") as handle:
            models = [line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")]
        info["cpu_model"] = models[0] if models else None
        info["load_at_start"] = os.getloadavg()
    except OSError:
        pass
    info["curl"] = subprocess.run(["curl", "--version"], capture_output=True, text=True,
                                  check=False).stdout.splitlines()[0]
    info["commit"] = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                                    text=True, check=False).stdout.strip() or None
    return info


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--shard-mib", type=int, default=1024)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--chunk-mib", type=float, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--label", default=platform.node() or "here")
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="weights-bench-")
    root = os.path.join(work, "mirror")
    info = machine()
    make_shards(root, args.shards, args.shard_mib)
    mirror, url = start_mirror(root)
    try:
        files = [f for f in listing(url) if f["type"] == "file"]
        total = sum(f.get("lfs", f)["size"] for f in files)
        curl_s, ours_s = [], []
        for _repeat in range(args.repeat):
            dest = os.path.join(work, "curl")
            drop(dest)
            curl_s.append(run_curl(url, files, dest))
            drop(dest)
            dest = os.path.join(work, "ours")
            drop(dest)
            ours_s.append(run_ours(url, dest, args.workers, args.chunk_mib))
            drop(dest)
        dest = os.path.join(work, "resume")
        drop(dest)
        resume = run_resume(url, dest, args.workers, args.chunk_mib, total)
        drop(dest)
    finally:
        mirror.kill()
        mirror.wait()
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    curl_med, ours_med = statistics.median(curl_s), statistics.median(ours_s)
    result = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"), "label": args.label,
              "machine": info, "shards": args.shards, "shard_mib": args.shard_mib, "files": len(files),
              "bytes_total": total, "workers": args.workers, "chunk_mib": args.chunk_mib, "repeat": args.repeat,
              "curl_s": [round(x, 2) for x in curl_s], "ours_s": [round(x, 2) for x in ours_s],
              "curl_mb_per_s": round(total / curl_med / 1e6, 1), "ours_mb_per_s": round(total / ours_med / 1e6, 1),
              "ours_vs_curl_percent": round(100.0 * curl_med / ours_med, 1), "resume": resume}
    os.makedirs(args.results, exist_ok=True)
    stem = os.path.join(args.results, "%s-%s" % (result["date"][:10], args.label))
    with open(stem + ".json", "w") as handle:
        json.dump(result, handle, indent=1, sort_keys=True)
        handle.write("\n")
    print(json.dumps(result, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
