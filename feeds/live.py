"""The Site a server is serving, and the watcher that replaces it when the seeds change.

A request reads `live.state` once and uses that generation throughout, so it never sees a mix of
two Sites. A rebuild that fails keeps the last good Site and records the problems.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import shutil
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from .digest import digest_paths
from .ledger import NAME as LEDGER, Ledger, locked as ledger_lock, read_ledger, write_ledger
from .overrides import NAME as OVERRIDES
from .problems import DigestError
from .site import Site

log = logging.getLogger("feeds")


def log_to_stderr() -> None:
    """One handler for the feeds logger in a server process: time, worker PID, level."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s [%(process)d] %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


@dataclass(frozen=True)
class State:
    site: Site
    generation: int
    built_at: dt.datetime
    last_error: tuple[str, ...] | None = None  # problems of the last failed build, if it failed

    def health(self) -> dict:
        return {
            "status": "ok" if self.last_error is None else "serving the last good build",
            "items": len(self.site.catalog.items),
            "documents": len(self.site),
            "generation": self.generation,  # per worker process:
            "worker": os.getpid(),
            "built_at": self.built_at.isoformat(timespec="seconds"),
            "last_error": list(self.last_error) if self.last_error else None,
            "warnings": [str(warning) for warning in self.site.catalog.warnings],  # published anyway
        }


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Live:
    def __init__(self, site: Site, problems=None):
        self.state = State(site, 1, now())  # one attribute, replaced whole: atomic for readers
        if problems:
            self.failed(problems)

    def swap(self, site: Site) -> None:
        self.state = State(site, self.state.generation + 1, now())
        log.info("serving generation %d: %d items", self.state.generation, len(site.catalog.items))

    def failed(self, problems) -> None:
        self.state = replace(self.state, last_error=tuple(map(str, problems)))
        for problem in problems:
            log.error("seeds do not read, still serving generation %d: %s", self.state.generation, problem)


def watched(folder: Path) -> list[Path]:
    """The digest files, the editors' overrides and the ledger (a publisher may edit it by hand
    to settle an identity)."""
    return digest_paths(folder) + [path for path in (folder / OVERRIDES, folder / LEDGER) if path.is_file()]


def fingerprint(folder: Path) -> tuple:
    """What a change to the published files changes: their names, sizes and modification times."""
    try:
        return tuple((p.name, s.st_size, s.st_mtime_ns) for p in watched(folder) for s in [p.stat()])
    except OSError as e:
        return ("unreadable", str(e))


class Ledgers:
    """A server's ledger: read from the seeds folder before each build and written back after it,
    under the lock `feeds build` takes too, so workers and builds date each change once.

    Where the seeds folder cannot be written (a read-only mount), the server says so once and
    keeps the ledger in `spare`, a folder its workers share (`feeds serve` makes one), so every
    worker, a restarted one included, serves the same ids and times; without a spare folder, in
    this process's memory. A ledger file changed in the seeds folder meanwhile (a deploy, a hand
    edit) is taken over what was kept."""

    def __init__(self, seeds: Path, spare: Path | None = None):
        self.seeds, self.spare = Path(seeds), Path(spare) if spare else None
        self.kept: tuple[str, Ledger] | None = None  # (the seeds ledger it came from, the ledger)
        self.warned = False

    def _seeds_text(self) -> str:
        try:
            return (self.seeds / LEDGER).read_text("utf-8")
        except FileNotFoundError:
            return ""

    def _kept(self, base: str) -> Ledger | None:
        """What was kept on top of the seeds ledger `base`, if that is still the seeds ledger."""
        if self.spare:
            try:
                if (self.spare / KEPT_BASE).read_text("utf-8") == _digest(base):
                    return read_ledger(self.spare)
            except FileNotFoundError:
                return None
        return self.kept[1] if self.kept and self.kept[0] == base else None

    def publish(self, make: Callable[[Ledger], "Catalog"]) -> "Catalog":
        with ledger_lock(self.seeds, self.spare):
            base = self._seeds_text()
            kept = self._kept(base)
            catalog = make(kept if kept is not None else read_ledger(self.seeds))
            try:
                write_ledger(self.seeds, catalog.ledger)
            except OSError as e:
                if not self.warned:
                    where = f"in {self.spare}, shared by the workers," if self.spare else "in memory"
                    log.warning("cannot write the ledger %s (%s): keeping it %s until the server stops",
                                self.seeds / LEDGER, e.strerror or e, where)
                    self.warned = True
                self.kept = (base, catalog.ledger)
                if self.spare:
                    write_ledger(self.spare, catalog.ledger)
                    (self.spare / f".{KEPT_BASE}.{os.getpid()}").write_text(_digest(base), "utf-8")
                    (self.spare / f".{KEPT_BASE}.{os.getpid()}").replace(self.spare / KEPT_BASE)
            else:
                self.kept = None
        return catalog


KEPT_BASE = "ledger.base"  # in the spare folder: which seeds ledger the kept one grew from


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class LastGood:
    """A copy of the digest files of the last build that read, shared by a server's workers, so a
    worker that (re)starts while the seeds are broken serves the last good Site rather than none.

    Each copy is a folder named by the hash of its files, written whole then renamed; the file
    `current` names the newest, and is replaced atomically."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def save(self, folder: Path, expected: tuple) -> None:
        paths = watched(folder)
        files = [(p.name, p.read_bytes()) for p in paths]
        if fingerprint(folder) != expected:
            return  # changed since it was read; the next build saves
        key = hashlib.sha256(b"".join(name.encode() + b"\0" + data for name, data in files)).hexdigest()[:16]
        target = self.root / key
        if not target.is_dir():
            scratch = self.root / f".{key}.{os.getpid()}"
            scratch.mkdir(parents=True, exist_ok=True)
            for name, data in files:
                (scratch / name).write_bytes(data)
            try:
                scratch.rename(target)
            except OSError:  # another worker saved the same files first
                shutil.rmtree(scratch, ignore_errors=True)
        pointer = self.root / f".current.{os.getpid()}"
        pointer.write_text(key)
        pointer.replace(self.root / "current")

    def folder(self) -> Path | None:
        try:
            folder = self.root / (self.root / "current").read_text().strip()
        except OSError:
            return None
        return folder if folder.is_dir() else None


class Watcher(threading.Thread):
    """Looks at the seeds folder every `interval` seconds, on the clock so all workers look at the
    same moments; rebuilds once a change has settled (two looks alike), so a file caught
    half-written is not read."""

    def __init__(self, folder: Path, interval: float, build: Callable[[], Site], live: Live,
                 built: tuple, last_good: LastGood | None = None):
        super().__init__(name="feeds-seeds-watcher", daemon=True)
        self.folder, self.interval, self.build, self.live = folder, interval, build, live
        self.built, self.last_good = built, last_good  # `built`: the fingerprint the live Site was read at
        self.stopping = threading.Event()  # set by tests that stop a watcher

    def run(self) -> None:
        seen = self.built
        while not self.stopping.wait(self.interval - time.time() % self.interval):
            current = fingerprint(self.folder)
            if current == self.built or current != seen:
                seen = current
                continue
            self.built = current
            try:
                site = self.build()
            except DigestError as e:
                self.live.failed(e.problems)
            except Exception as e:  # a bug must not kill the watcher; the last good Site stays
                log.exception("rebuild failed")
                self.live.failed([f"{type(e).__name__}: {e}"])
            else:
                self.live.swap(site)
                if self.last_good:
                    self.last_good.save(self.folder, current)
