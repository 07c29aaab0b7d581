"""HTTP benchmark: `feeds serve` under granian and gunicorn against a bare Flask baseline, with wrk.

    python bench/load.py [--duration 10] [--connections 64] [--workers 2] [--servers granian gunicorn]

For each server: the production app on a corpus whose /feed.atom is about 64-90 KB (full
document; the same with If-None-Match, a 304; gzip; a ?q= search), then in the same run the
baseline (bench/baseline.py: the same bytes from memory) under the same server and workers.
Prints requests/s, p99 latency and errors per case and the ratio to the baseline, then checks the
targets. Needs wrk (Debian package `wrk`). Everything runs on loopback.
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402  (bench/corpus.py, beside this file)

THREADS = 4  # per worker: gunicorn gthread threads, granian blocking threads


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], cwd: Path, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in command]
    process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/feed.atom", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("server did not start: " + " ".join(command))
    # every worker up and warm before anything is measured
    subprocess.run(["wrk", "-t2", "-c16", "-d2s", base + "/feed.atom"], capture_output=True, check=True)
    return process, base


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()


def seconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60}[unit]


def wrk(url: str, duration: int, connections: int, headers: dict[str, str]) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    for name, value in headers.items():
        command[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    errors += int(m[1]) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
            "p99": seconds(re.search(r"\s99%\s+(\S+)", out)[1]),
            "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per case")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--servers", nargs="+", default=["granian", "gunicorn"])
    parser.add_argument("--entries", type=int, default=60, help="corpus size (60 gives a ~87 KB feed.atom)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="feeds-bench-"))
    seeds = work / "seeds"
    corpus.write(args.entries, seeds)
    subprocess.run([sys.executable, "-m", "feeds", "build", "--seeds", str(seeds), "--out", str(work / "public")],
                   check=True, capture_output=True)
    feed = work / "public" / "feed.atom"
    print(f"corpus: {args.entries} entries; /feed.atom is {feed.stat().st_size:,} bytes; "
          f"wrk -t2 -c{args.connections} -d{args.duration}s; {args.workers} workers × {THREADS} threads")

    rows = []
    for server in args.servers:
        app, base = start([sys.executable, "-m", "feeds", "serve", "--seeds", str(seeds), "--port", "{port}",
                           "--state", str(work / f"state-{server}"), "--workers", str(args.workers),
                           "--server", server], HERE.parent)
        etag = urllib.request.urlopen(base + "/feed.atom").headers["ETag"]
        cases = {
            "feed.atom": ("/feed.atom", {}),
            "304 If-None-Match": ("/feed.atom", {"If-None-Match": etag}),
            "gzip": ("/feed.atom", {"Accept-Encoding": "gzip"}),
            "?q=migrant workers": ("/feed.atom?q=migrant+workers", {}),
        }
        try:
            results = {name: wrk(base + path, args.duration, args.connections, headers)
                       for name, (path, headers) in cases.items()}
        finally:
            stop(app)
        baseline_command = {
            "granian": [sys.executable, "-m", "granian", "--interface", "wsgi", "--workers", str(args.workers),
                        "--blocking-threads", str(THREADS), "--no-ws", "--port", "{port}", "baseline:app"],
            "gunicorn": [sys.executable, "-m", "gunicorn", "-k", "gthread", "-w", str(args.workers),
                         "--threads", str(THREADS), "-b", "127.0.0.1:{port}", "baseline:app"],
        }[server]
        base_app, base_url = start(baseline_command, HERE, {"BASELINE_FILE": str(feed)})
        try:
            baseline = wrk(base_url + "/feed.atom", args.duration, args.connections, {})
        finally:
            stop(base_app)
        for name, result in [("baseline (bare Flask)", baseline), *results.items()]:
            rows.append((server, name, result, result["rps"] / baseline["rps"]))

    print("\n| server | case | requests/s | p99 ms | errors | × baseline |\n|---|---|---|---|---|---|")
    for server, name, r, ratio in rows:
        print(f"| {server} | {name} | {r['rps']:,.0f} | {r['p99'] * 1000:.1f} | {r['errors']} | {ratio:.2f} |")

    print()
    best = None
    for server in args.servers:
        mine = {name: r for s, name, r, _ in rows if s == server}
        checks = {
            "feed ≥ 0.9 × baseline": mine["feed.atom"]["rps"] >= 0.9 * mine["baseline (bare Flask)"]["rps"],
            "304 at least as fast as 200": mine["304 If-None-Match"]["rps"] >= mine["feed.atom"]["rps"],
            "zero errors": all(r["errors"] == 0 for r in mine.values()),
            "p99 < 50 ms": all(r["p99"] < 0.050 for r in mine.values()),
        }
        print(f"{server}: " + ", ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in checks.items()))
        holds_up = checks["zero errors"] and checks["p99 < 50 ms"]
        if holds_up and (best is None or mine["feed.atom"]["rps"] > best[1]):
            best = (server, mine["feed.atom"]["rps"])
    print(f"fastest server that holds up: {best[0] if best else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
