"""A kept store served from a `chroma run` server: restarts, first answers and memory.

    python -m bench.served --data DIR [--starts 3] [--passes 2] [--questions FILE]

``DIR`` is a data dir that ``pantau bench scale --keep DIR`` left (its embedded Chroma files
in ``DIR/chroma``). This starts ``chroma run --path DIR/chroma`` on a free loopback port,
then ``pantau serve`` against it (``PANTAU_CHROMA_URL``; the derived indexes' snapshots of
that server store go under ``DIR/snapshots``, apart from the embedded store's) ``--starts``
times, each from process start to its first ``POST /api/ask`` 200, and reads
``/proc/PID/status`` of the app and of the Chroma server then. The last start also asks the
``--questions`` one after another, ``--passes`` times, over HTTP. The first start of a store
the server has no snapshots for rebuilds them (minutes at 1M passages); the starts after it
load them. Prints one line per step.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.load import REPO, free_port


def status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM and the anonymous and file-backed parts of the RSS, in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            out[key] = int(value.split()[0]) // 1024
    return out


def _say(*parts) -> None:
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def _up(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"no Chroma server at {url} within {timeout:.0f} s")


def start(data: Path, chroma_url: str, chroma_pid: int, questions: list[str], passes: int,
          log: Path, timeout: float = 7200) -> None:
    """One ``pantau serve`` on the store: start -> first answer, memory, then ``passes``
    sequential passes over ``questions`` (when any), and stop."""
    port = free_port()
    env = {**os.environ, "PANTAU_DATA_DIR": str(data), "PANTAU_CHROMA_URL": chroma_url,
           "PANTAU_INGEST_SAMPLE_ON_START": "false", "PANTAU_LLM_BACKEND": "none",
           "PANTAU_API_KEY": "", "PANTAU_RATE_LIMIT": ""}
    ask = f"http://127.0.0.1:{port}/api/ask"
    t0 = time.perf_counter()
    with log.open("a") as err:
        app = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1",
                                "--port", str(port)], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=err)
    try:
        while True:
            if app.poll() is not None:
                raise RuntimeError(f"pantau serve exited; its log: {log}")
            if time.perf_counter() - t0 > timeout:
                raise TimeoutError(f"no answer within {timeout:.0f} s")
            try:
                if httpx.post(ask, json={"question": "Kapan TikTok Shop berhenti beroperasi?"},
                              timeout=120).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        _say(f"first answer {time.perf_counter() - t0:.1f} s", "app", status(app.pid),
             "chroma server", status(chroma_pid))
        for n in range(1, passes + 1 if questions else 1):
            took, errors = [], 0
            for q in questions:
                t = time.perf_counter()
                errors += httpx.post(ask, json={"question": q}, timeout=120).status_code != 200
                took.append((time.perf_counter() - t) * 1000)
            took.sort()
            _say(f"pass {n}: p50 {statistics.median(took):.0f} ms, "
                 f"p95 {took[max(0, int(0.95 * len(took)) - 1)]:.0f} ms, max {took[-1]:.0f} ms, "
                 f"errors {errors}/{len(took)}", "app", status(app.pid),
                 "chroma server", status(chroma_pid))
    finally:
        app.terminate()
        try:  # a rebuild's snapshots are written before it exits
            app.wait(300)
        except subprocess.TimeoutExpired:
            app.kill()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="a data dir kept by `pantau bench scale`")
    p.add_argument("--starts", type=int, default=3)
    p.add_argument("--passes", type=int, default=2)
    p.add_argument("--questions", default=str(REPO / "data" / "eval" / "qa.jsonl"))
    args = p.parse_args(argv)
    data = Path(args.data).resolve()
    questions = [json.loads(line)["question"]
                 for line in Path(args.questions).read_text().splitlines() if line.strip()]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = data / "served.log"
    chroma = subprocess.Popen([str(Path(sys.executable).with_name("chroma")), "run", "--path",
                               str(data / "chroma"), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _up(url, chroma, 600)
        _say(f"chroma run --path {data / 'chroma'} up", status(chroma.pid))
        for n in range(args.starts):
            last = n == args.starts - 1
            start(data, url, chroma.pid, questions if last else [], args.passes, log)
    finally:
        chroma.terminate()
        chroma.wait(120)
    return 0


if __name__ == "__main__":
    sys.exit(main())
