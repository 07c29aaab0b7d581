"""The Site a server is serving, and the watcher that replaces it when the seeds change.

A request reads `live.state` once and uses that generation throughout, so it never sees a mix of
two Sites. A rebuild that fails keeps the last good Site and records the problems.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from .problems import DigestError
from .site import Site

log = logging.getLogger("feeds")


@dataclass(frozen=True)
class State:
    site: Site
    generation: int
    built_at: dt.datetime
    last_error: tuple[str, ...] | None = None  # problems of the last failed rebuild, if it failed

    def health(self) -> dict:
        return {
            "status": "ok" if self.last_error is None else "serving the last good build",
            "items": len(self.site.catalog.items),
            "documents": len(self.site),
            "generation": self.generation,
            "built_at": self.built_at.isoformat(timespec="seconds"),
            "last_error": list(self.last_error) if self.last_error else None,
        }


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Live:
    def __init__(self, site: Site):
        self.state = State(site, 1, now())  # one attribute, replaced whole: atomic for readers

    def swap(self, site: Site) -> None:
        self.state = State(site, self.state.generation + 1, now())
        log.info("serving generation %d: %d items", self.state.generation, len(site.catalog.items))

    def failed(self, problems) -> None:
        self.state = replace(self.state, last_error=tuple(map(str, problems)))
        for problem in problems:
            log.error("reload failed, still serving generation %d: %s", self.state.generation, problem)


def fingerprint(folder: Path) -> tuple:
    """What a change to the seeds changes: names, sizes and modification times of the folder's files."""
    try:
        return tuple(sorted((p.name, s.st_size, s.st_mtime_ns) for p in folder.iterdir() for s in [p.stat()]))
    except OSError as e:
        return ("unreadable", str(e))


class Watcher(threading.Thread):
    """Looks at the seeds folder every `interval` seconds; rebuilds once a change has settled
    (two looks alike), so a file caught half-written is not read."""

    def __init__(self, folder: Path, interval: float, build: Callable[[], Site], live: Live):
        super().__init__(name="feeds-seeds-watcher", daemon=True)
        self.folder, self.interval, self.build, self.live = folder, interval, build, live
        self.stopping = threading.Event()

    def run(self) -> None:
        built = seen = fingerprint(self.folder)
        while not self.stopping.wait(self.interval):
            current = fingerprint(self.folder)
            if current == built or current != seen:
                seen = current
                continue
            built = current
            try:
                site = self.build()
            except DigestError as e:
                self.live.failed(e.problems)
            except Exception as e:  # a bug must not kill the watcher; the last good Site stays
                log.exception("reload failed")
                self.live.failed([f"{type(e).__name__}: {e}"])
            else:
                self.live.swap(site)

    def stop(self) -> None:
        self.stopping.set()
