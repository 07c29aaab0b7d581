"""The one build a server's workers share: a builder publishes into the server's state folder, the
workers serve that export (feeds/exported.py).

`feeds serve` keeps a state folder (`--state`; by default one in the user's cache, per seeds folder
and address): the export `public/` with what `feeds build` keeps beside it (the standby and the
facts, so each publish follows what changed), `status.json` (what the last build did), and the
ledger when the seeds folder is read-only. A Supervisor thread in the server's main process looks
at the seeds folder and, after a change has settled, runs one build in a process of its own
(`python -m feeds.builder STATE`): the server's workers never read the seeds, and what a build
allocates is returned when it exits. A restart on unchanged sources serves the last export at once.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .config import Config
from .digest import digest_paths
from .export import MANIFEST_HEAD, MARKER
from .ledger import (NAME as LEDGER, Ledger, build_time, locked as ledger_lock, parse as parse_ledger, read_ledger,
                     write_ledger)
from .overrides import NAME as OVERRIDES
from .problems import DigestError, Problem

if TYPE_CHECKING:
    from .catalog import Catalog

log = logging.getLogger("feeds")

EXPORT = "public"  # the export in a state folder
STATUS = "status.json"  # beside it: what the last build did


def log_to_stderr() -> None:
    """One handler for the feeds logger in a server process: time, PID, level."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s [%(process)d] %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def default_state(config: Config, environ=os.environ) -> Path:
    """A server's state folder when none is set: in the user's cache, one per seeds folder and
    address, so two servers (two ports) on the same seeds never publish into one export."""
    cache = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    key = hashlib.sha256(f"{config.seeds.resolve()}\0{config.base_url}".encode()).hexdigest()[:16]
    return cache / "feeds" / f"serve-{key}"


def state_of(config: Config) -> Path:
    return Path(config.state) if config.state else default_state(config)


def export_of(state: Path) -> Path:
    return Path(state) / EXPORT


@contextmanager
def serving_from(state: Path):
    """Held by the one server that uses a state folder: two would publish each change twice."""
    with open(Path(state) / ".serve.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StateBusy(f"{state}: another feeds serve keeps its state there; give this one --state DIR") from None
        yield


class StateBusy(Exception):
    pass


def exported(state: Path) -> bool:
    """Whether the state folder holds an export a worker can serve: its manifest, of this version
    (its first line; the rest is the worker's to read)."""
    try:
        with open(export_of(state) / MARKER, encoding="utf-8") as manifest:
            return manifest.readline() == MANIFEST_HEAD + "\n"
    except (OSError, UnicodeDecodeError):
        return False


def read_status(state: Path) -> dict:
    """What the builder last said of its work, {} before its first word."""
    try:
        return json.loads((Path(state) / STATUS).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def watched(folder: Path) -> list[Path]:
    """The digest files, the editors' overrides and the ledger (a publisher may edit it by hand
    to settle an identity)."""
    return digest_paths(folder) + [path for path in (folder / OVERRIDES, folder / LEDGER) if path.is_file()]


def fingerprint(folder: Path) -> list:
    """What a change to the published files changes: their names, sizes and modification times."""
    try:
        return [[p.name, s.st_size, s.st_mtime_ns] for p in watched(folder) for s in [p.stat()]]
    except OSError as e:
        return ["unreadable", str(e)]


def made_with(config: Config) -> str:
    """The code and the settings a build renders with (feeds/recipes.py): a restart with other
    ones builds again, though the seeds are unchanged."""
    from .recipes import Recipes
    return Recipes(config).base.hex()


class Ledgers:
    """A server's ledger: read from the seeds folder before each build and written back after it,
    under the lock `feeds build` takes too, so a server and a `feeds build` beside it date each
    change once.

    Where the seeds folder cannot be written (a read-only mount), the builder says so once and
    keeps the ledger in `spare`, the state folder, so later builds and a restarted server keep the
    same ids and times. A ledger file changed in the seeds folder meanwhile (a deploy, a hand
    edit) is taken over what was kept."""

    def __init__(self, seeds: Path, spare: Path, warned: bool = False):
        self.seeds, self.spare = Path(seeds), Path(spare)
        self.warned = warned
        self.kept_in: Path | None = None  # where the last publish wrote the ledger, when not in the seeds

    def _seeds_text(self) -> str:
        """The seeds' ledger file as it is now ("" for none), read once a build."""
        path = self.seeds / LEDGER
        try:
            return path.read_text("utf-8")
        except FileNotFoundError:
            return ""
        except (OSError, UnicodeDecodeError) as e:  # as read_ledger says it
            raise DigestError([Problem(str(path), 0, f"cannot read the ledger: {e}")]) from None

    def _start(self, base: str) -> Ledger:
        """The ledger a build starts from: what was kept, if it grew from the seeds' ledger `base`
        (its text now); else that one."""
        try:
            if (self.spare / KEPT_BASE).read_text("utf-8") == _digest(base):
                return read_ledger(self.spare)
        except FileNotFoundError:
            pass
        return parse_ledger(base, str(self.seeds / LEDGER)) if base else Ledger()

    def publish(self, make: Callable[[Ledger], "Catalog"]) -> "Catalog":
        with ledger_lock(self.seeds, self.spare):
            base = self._seeds_text()
            catalog = make(self._start(base))
            try:
                write_ledger(self.seeds, catalog.ledger)
            except OSError as e:
                if not self.warned:
                    log.warning("cannot write the ledger %s (%s): keeping it in %s instead",
                                self.seeds / LEDGER, e.strerror or e, self.spare)
                    self.warned = True
                write_ledger(self.spare, catalog.ledger)
                scratch = self.spare / f".{KEPT_BASE}.{os.getpid()}"
                scratch.write_text(_digest(base), "utf-8")
                scratch.replace(self.spare / KEPT_BASE)
                self.kept_in = self.spare
            else:
                (self.spare / KEPT_BASE).unlink(missing_ok=True)
        return catalog


KEPT_BASE = "ledger.base"  # in the spare folder: which seeds ledger the kept one grew from


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_status(state: Path, status: dict) -> None:
    scratch = Path(state) / f".{STATUS}.{os.getpid()}"
    scratch.write_text(json.dumps(status, indent=2) + "\n", "utf-8")
    scratch.replace(Path(state) / STATUS)


def build(config: Config, state: Path) -> dict:
    """Publish the seeds into the state folder's export; the new status. Raises DigestError (and
    ExportError, OSError, WorkerDied) with the export as it was."""
    from .catalog import load_catalog
    from .export import facts_file, publish_build, publishing
    from .factcache import FactCache
    from .searchindex import NAME, index_parts
    from .site import Build
    from .workers import build_processes, without_cycle_collection

    state.mkdir(parents=True, exist_ok=True)
    seen, previous, started = fingerprint(config.seeds), read_status(state), time.monotonic()
    try:
        now = build_time()
    except ValueError as e:  # a bad SOURCE_DATE_EPOCH, said as plainly as a bad digest
        raise DigestError([Problem("SOURCE_DATE_EPOCH", 0, str(e))]) from None
    out, processes = export_of(state), build_processes()
    ledgers = Ledgers(config.seeds, state, warned=previous.get("ledger_kept_in") is not None)
    result = {}

    def make(ledger: Ledger):
        facts = FactCache(facts_file(out))
        catalog = load_catalog(config.seeds, config.tag_authority, processes=processes, now=now, ledger=ledger,
                               facts=facts)
        with publishing(out):
            facts.save()  # before rendering, which needs the memory
            made = Build(catalog, config)
            # published in the same tree, made once the documents are written
            search = {NAME: lambda: index_parts(catalog, made.channels, made.since)}
            result["changes"] = publish_build(made, out, processes, extras=search)
            result["documents"] = made.size()
        return catalog

    with without_cycle_collection():  # the ledger, the facts and the catalog are 100,000s of objects
        catalog = ledgers.publish(make)
    after = fingerprint(config.seeds)  # the ledger just written is no change to build again for
    if [entry for entry in after if entry[0] != LEDGER] == [entry for entry in seen if entry[0] != LEDGER]:
        seen = after
    changes = result["changes"]
    status = {
        "generation": previous.get("generation", 0) + 1,
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "items": len(catalog.items),
        "documents": result["documents"],
        "rendered": result["documents"] - changes.carried,
        "seconds": round(time.monotonic() - started, 2),
        "last_error": None,
        "warnings": [str(warning) for warning in catalog.warnings],  # published anyway
        "ledger_kept_in": str(ledgers.kept_in) if ledgers.kept_in else None,
        "fingerprint": seen,
        "made_with": made_with(config),
    }
    write_status(state, status)
    return status


def main(argv: list[str] | None = None) -> int:
    """`python -m feeds.builder STATE`: one build, with the settings of the FEEDS_* environment.
    Problems are written to stdout one a line (file:line: what is wrong; the log goes to stderr)
    and kept in the status, with the export as it was; exit status 1."""
    from .export import ExportError
    from .workers import WorkerDied

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: python -m feeds.builder STATE\n\nPublish the seeds (settings from feeds.toml and FEEDS_* "
              "variables) into the export in the folder STATE, which create_app() serves.", file=sys.stderr)
        return 2
    state = Path(argv[0])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwinds: the half-written tree is removed
    log_to_stderr()
    config = Config.from_env()
    try:
        status = build(config, state)
    except DigestError as e:
        problems = [*map(str, e.problems), *(f"{w.path}:{w.line}: warning: {w.message}" for w in e.warnings)]
    except (ExportError, WorkerDied, OSError) as e:
        problems = [f"cannot write the export: {e}"]
    except Exception as e:  # a bug: said, with its traceback in the log, and the last export stays
        log.exception("the build failed")
        problems = [f"the build failed: {type(e).__name__}: {e}"]
    else:
        log.info("published generation %d: %d items, %d documents (%d rendered) in %.1f s", status["generation"],
                 status["items"], status["documents"], status["rendered"], status["seconds"])
        return 0
    previous = read_status(state)
    if state.is_dir():
        write_status(state, {**previous, "last_error": problems, "fingerprint": fingerprint(config.seeds),
                             "made_with": made_with(config)})
    print("\n".join(problems))
    return 1


class Supervisor(threading.Thread):
    """Looks at the seeds folder every `interval` seconds, on the clock; once a change has settled
    (two looks alike, so a file caught half-written is not read), runs one build. At start it
    builds only if the seeds, code or settings differ from what the last build was made with."""

    def __init__(self, config: Config, state: Path, interval: float):
        super().__init__(name="feeds-builder", daemon=True)
        self.config, self.state, self.interval = config, Path(state), interval
        self.stopping = threading.Event()
        status = read_status(self.state)
        current = status.get("made_with") == made_with(config)
        self.built = status.get("fingerprint") if current else None  # what the export was made from

    def run(self) -> None:
        if self.built is None:
            self.build()
        if not self.interval:
            return  # reloading is off: the export stays as this start left it
        seen = self.built
        while not self.stopping.wait(self.interval - time.time() % self.interval):
            if not (self.state / STATUS).is_file() or not exported(self.state):
                log.warning("the export in %s is gone: publishing it again", self.state)
                self.build()
                seen = self.built
                continue
            current = fingerprint(self.config.seeds)
            if current == self.built or current != seen:
                seen = current
                continue
            self.build()
            seen = self.built

    def build(self) -> bool:
        """One build in a process of its own (its log goes to the server's); its problems are logged."""
        before, seen = read_status(self.state), fingerprint(self.config.seeds)
        generation = before.get("generation", 0)
        done = run_builder(self.config, self.state)
        after = read_status(self.state)
        for line in done.stdout.splitlines():
            log.error("seeds do not read, still serving generation %d: %s", generation, line)
        if done.returncode and after == before:  # killed, or out of memory: it said nothing
            log.error("the build stopped with exit status %d and no word; still serving generation %d until "
                      "the next change", done.returncode, generation)
        # what the build read (the ledger it wrote is no change), or failed to: the next build
        # waits for the next change
        self.built = after.get("fingerprint") if after != before else seen
        return done.returncode == 0


def run_builder(config: Config, state: Path) -> subprocess.CompletedProcess:
    """One build into `state`, in a process of its own: its problems in `stdout`, its log on this
    process's stderr."""
    try:
        return subprocess.run([sys.executable, "-m", "feeds.builder", str(state)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, **config.environment()})
    except OSError as e:
        return subprocess.CompletedProcess([], 1, f"cannot start a build: {e}\n")


if __name__ == "__main__":
    sys.exit(main())
