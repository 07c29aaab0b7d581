"""Serving benchmark: `feeds serve` on a large corpus, as an operator runs it.

    python bench/serve.py [N] [--workers 2]        # default: 10000 items

Measured, in this order, on one corpus (bench/corpus.py) and one state folder:

- the first start (nothing published yet): seconds until /feed.atom answers;
- memory: PSS (each shared page counted once, split between the processes sharing it) summed
  over every process of the server, after each worker has answered documents, and again after
  each has also answered a search (?q=), which reads the catalog;
- a restart on unchanged sources: seconds until /feed.atom answers;
- a new 10-item digest file: seconds from writing it until every answer holds its items;
- load during reloads: 8 clients fetch /feed.atom (and a search now and then) while three digest
  files land one after another; errors, and answers whose ETag is not the hash of their body;
  PSS at its peak meanwhile (the build's process included), and once the last build has exited.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

def digest(tag: str, day: int) -> str:
    """Ten items dated `day` days ago."""
    when = dt.date.today() - dt.timedelta(days=day)
    return "".join(f"{when.day} {when:%B}, {when.year}\n\nItem {tag}-{n}: migrant workers meet officials in Panama\n\n"
                   f"Seasonal workers and employers discussed permits ({tag} {n}).\n\n" for n in range(10))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 30) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, dict(response.headers), response.read()


def wait_for(url: str, process: subprocess.Popen, timeout: float = 600) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {process.returncode}")
        try:
            get(url, 5)
            return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not answer")


def tree(pid: int) -> list[int]:
    """The process and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending += children.get(current, [])
    return found


def pss_mb(pid: int) -> tuple[float, int]:
    """PSS summed over the server's processes, in MB, and how many processes."""
    total, count = 0, 0
    for member in tree(pid):
        try:
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    count += 1
        except OSError:
            pass
    return total / 1024, count


def load_during_reloads(base: str, seeds: Path, files: int = 3) -> tuple[int, int, int]:
    """(answers, errors, answers whose ETag is not their body's hash) while `files` digests land."""
    url = urllib.parse.urlsplit(base)
    stop, counts, lock = threading.Event(), [0, 0, 0], threading.Lock()

    def client(n: int) -> None:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        requests = 0
        while not stop.is_set():
            path = "/feed.atom?q=panama" if n == 0 and requests % 20 == 19 else "/feed.atom"
            requests += 1
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
                etag = (response.getheader("ETag") or "").strip('"')
                bad = response.status != 200
                mixed = not bad and path == "/feed.atom" and etag != hashlib.sha256(body).hexdigest()[:32]
            except Exception:
                bad, mixed = True, False
                connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            with lock:
                counts[0] += 1
                counts[1] += bad
                counts[2] += mixed

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for n in range(files):
        (seeds / f"zz-load-{n}.txt").write_text(digest(f"load{n}", 0))
        wait_until_served(base, f"Item load{n}-")
    stop.set()
    for thread in threads:
        thread.join()
    return tuple(counts)


def wait_until_served(base: str, title: str, timeout: float = 300) -> float:
    """Seconds until 8 answers in a row hold an item whose title starts with `title`."""
    started, streak, wanted = time.monotonic(), 0, f"<title>{title}".encode()
    while time.monotonic() - started < timeout:
        streak = streak + 1 if wanted in get(base + "feed.atom")[2] else 0
        if streak >= 8:
            return time.monotonic() - started
        time.sleep(0.02 if streak else 0.1)
    raise RuntimeError(f"{title!r} not served within {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("items", nargs="?", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="feeds-serve-bench-") as work:
        work = Path(work)
        seeds, state = work / "seeds", work / "state"
        corpus.write(args.items, seeds)
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}  # new items dated now
        command = [sys.executable, "-m", "feeds", "serve", "--seeds", str(seeds), "--state", str(state),
                   "--port", str(port), "--workers", str(args.workers), "--reload-interval", "1"]

        def start() -> subprocess.Popen:
            return subprocess.Popen(command, cwd=HERE.parent, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)

        def stop(process: subprocess.Popen) -> None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)

        rows = []
        process = start()
        rows.append(("first start: seconds to the first /feed.atom", f"{wait_for(base + 'feed.atom', process):.1f}"))
        time.sleep(2)
        for _ in range(200):
            for path in ("feed.atom", "feed.rss", "items/", "themes/labour-migration/feed.atom"):
                get(base + path)
        pss, count = pss_mb(process.pid)
        rows.append((f"PSS, {count} processes, documents served", f"{pss:.0f} MB"))
        for _ in range(20):  # both workers meet a search: each reads the catalog once
            get(base + "feed.atom?q=panama")
        pss, count = pss_mb(process.pid)
        rows.append((f"PSS, {count} processes, after searches too", f"{pss:.0f} MB"))
        stop(process)

        process = start()
        rows.append(("restart, unchanged sources: seconds to the first /feed.atom",
                     f"{wait_for(base + 'feed.atom', process):.2f}"))
        time.sleep(2)
        (seeds / "zz-weekly.txt").write_text(digest("weekly", 1))
        rows.append(("new 10-item digest: seconds until served", f"{wait_until_served(base, 'Item weekly-'):.1f}"))
        peak, sampling = [0.0, 0], threading.Event()

        def sample() -> None:  # the builder's process included, while it runs
            while not sampling.wait(0.25):
                peak[:] = max(peak, list(pss_mb(process.pid)))

        sampler = threading.Thread(target=sample)
        sampler.start()
        answers, errors, mixed = load_during_reloads(base, seeds)
        sampling.set()
        sampler.join()
        rows.append(("load during 3 reloads: answers / errors / mixed", f"{answers:,} / {errors} / {mixed}"))
        rows.append((f"PSS at its peak during the reloads ({peak[1]} processes)", f"{peak[0]:.0f} MB"))
        deadline = time.monotonic() + 60
        while len(tree(process.pid)) > args.workers + 1 and time.monotonic() < deadline:
            time.sleep(0.2)  # the last build has exited
        pss, count = pss_mb(process.pid)
        rows.append((f"PSS, {count} processes, after the reloads", f"{pss:.0f} MB"))
        stop(process)

    print(f"\n`feeds serve` at {args.items:,} items, {args.workers} workers\n\n| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
