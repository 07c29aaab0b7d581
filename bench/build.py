"""Build benchmark: seconds per stage and peak memory for corpora of 1,000, 10,000 and 100,000 items.

    python bench/build.py [N ...]            # default: 1000 10000 100000

Each N runs in a fresh process on a corpus from bench/corpus.py (written first, not timed):
read (digest files → entries), classify (entries → items: themes, countries, datelines, and ids
from the ledger, here a first build's),
render and write (every document of the Site with its gzip twin, streamed into the export as it
is rendered, then swapped in: what `feeds build` does), ledger (written). Peak RSS is the maximum resident set of
the main process and, separately, of the largest worker process (forked: most of its pages are
shared with the main process); catalog MB is the main process's resident set once the items are
made, which is what the workers inherit; all processes is the peak of the main process and its
workers together, counting shared pages once (the sum of their PSS, sampled every 0.1 s).
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


class TreeMemory:
    """The peak, sampled every 0.1 s, of the memory of this process and its workers together: the
    sum of their proportional set sizes (PSS), in which a page shared by n processes counts 1/n
    in each, so shared pages count once."""

    def __init__(self):
        self.peak_mb, self.running = 0.0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    @staticmethod
    def pss_mb(pid: int) -> float:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    @staticmethod
    def children(pid: int) -> list[int]:
        kids = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                kids += [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                pass
        return kids

    def sample(self):
        me = os.getpid()
        while self.running:
            self.peak_mb = max(self.peak_mb, sum(map(self.pss_mb, [me, *self.children(me)])))
            time.sleep(0.1)

    def stop(self) -> float:
        self.running = False
        self.thread.join()
        return self.peak_mb


def rss_mb() -> float:
    """The resident set now (not the peak): pages in /proc/self/statm's second field."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def one(n: int, work: Path) -> dict:
    from feeds.config import Config
    from feeds.digest import read_folder
    from feeds.export import publish_build, publishing
    from feeds.items import publish_items
    from feeds.ledger import read_ledger, write_ledger
    from feeds.catalog import Catalog
    from feeds.site import Build
    from feeds.themes import Taxonomy
    from feeds.workers import build_processes

    import gc
    gc.disable()  # as `feeds build` does (feeds/cli.py, without_cycle_collection)
    config = Config(seeds=work / "seeds")
    memory = TreeMemory()
    times = {}
    start = time.perf_counter()
    reading = read_folder(config.seeds)
    times["read"] = time.perf_counter() - start
    start = time.perf_counter()
    taxonomy = Taxonomy.load()
    items, published = publish_items(reading.entries, taxonomy, config.tag_authority, build_processes(),
                                     read_ledger(config.seeds))  # none yet: every item is new, as in a first build
    catalog = Catalog(tuple(items), taxonomy, (), published.ledger, tuple(published.changes))
    times["classify"] = time.perf_counter() - start
    del reading  # as load_catalog does: the items keep what they need
    catalog_mb = rss_mb()
    start = time.perf_counter()
    build = Build(catalog, config)
    with publishing(work / "public"):  # as `feeds build` does
        changes = publish_build(build, work / "public", build_processes())
    times["render_write"] = time.perf_counter() - start
    start = time.perf_counter()
    write_ledger(config.seeds, catalog.ledger)
    times["ledger"] = time.perf_counter() - start
    files = sum(len(names) for _, _, names in os.walk(work / "public"))
    largest = max((path.stat().st_size, path.relative_to(work / "public").as_posix())
                  for path in (work / "public").rglob("*.html"))
    return {"n": n, **times, "total": sum(times.values()), "documents": len(changes.added), "files": files,
            "largest_html": largest,
            "catalog_mb": catalog_mb, "tree_mb": memory.stop(), "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def main() -> int:
    if sys.argv[1:2] == ["--one"]:  # the child: one N, in its own process for its own peak
        print(json.dumps(one(int(sys.argv[2]), Path(sys.argv[3]))))
        return 0
    import corpus
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000, 100000]
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"feeds-build-{n}-") as work:
            corpus.write(n, Path(work) / "seeds")
            out = subprocess.run([sys.executable, __file__, "--one", str(n), work], capture_output=True, text=True)
            if out.returncode:
                print(out.stderr, file=sys.stderr)
                return 1
            rows.append(json.loads(out.stdout))
            r = rows[-1]
            print(f"{n:>7} items: {r['total']:.1f} s, {r['peak_mb']:.0f} MB peak", file=sys.stderr)
    print("| items | read s | classify s | render + write s | ledger s | total s | documents | files | catalog MB | peak MB | worker peak MB | all processes peak MB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['n']:,} | {r['read']:.2f} | {r['classify']:.2f} | {r['render_write']:.2f} | {r['ledger']:.2f} | "
              f"{r['total']:.2f} | {r['documents']:,} | {r['files']:,} | {r['catalog_mb']:.0f} | {r['peak_mb']:.0f} | "
              f"{r['worker_mb']:.0f} | {r['tree_mb']:.0f} |")
    for r in rows:
        size, name = r["largest_html"]
        print(f"\n{r['n']:,} items: largest HTML page {name}, {size / 1024:.0f} KB")
    if len(rows) > 1:
        print(f"\ngrowth: {rows[-1]['n'] // rows[-2]['n']}× the items took "
              f"{rows[-1]['total'] / rows[-2]['total']:.1f}× the time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
