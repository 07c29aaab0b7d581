"""Writing a Site to a folder for nginx or a CDN: same paths, same bytes, swapped in atomically.

The new export is written beside the old one and exchanged with it in one rename, so a reader
fetching during a publish gets the old site or the new one, never a mix, and a failed build
leaves the previous export untouched.
"""
from __future__ import annotations

import ctypes
import fcntl
import glob
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .hosting import headers_file
from .site import IMMUTABLE, Resource, Site, etag

RENAME_EXCHANGE = 2  # renameat2(2) flag: swap two paths atomically (Linux ≥ 3.15)
AT_FDCWD = -100


class ExportError(Exception):
    pass


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    immutable: set[str] = field(default_factory=set)  # archive pages published as never changing


def file_for(path: str) -> str:
    """Site path → file path in the export: /x/ is x/index.html."""
    name = path.lstrip("/")
    return name + "index.html" if name == "" or name.endswith("/") else name


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    return renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0


def _check_target(out: Path) -> None:
    """Refuse to replace a folder that is not an earlier export (a mistyped --out must not wipe it)."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ExportError(f"{out}: refusing to replace a non-empty folder that is not an earlier export "
                          f"(it has no {MARKER} file)")
    if out.resolve() in (Path.cwd().resolve(), *Path.cwd().resolve().parents):
        raise ExportError(f"{out}: refusing to replace the current folder or one above it")


MARKER = ".feeds-export"  # written in every export: only such a folder is ever replaced


def target(out: Path) -> Path:
    """The folder a build publishes into: a symlinked --out (current → releases/v7) is followed."""
    return Path(out).resolve() if Path(out).is_symlink() else Path(out)


def export(site: Site, out: Path, progress: Callable[[int], None] | None = None) -> Changes:
    """Publish a Site held in memory (the tests, the server's documents)."""
    with publishing(out):
        return publish(site.items(), out, site.config.cache_max_age, progress)


@contextmanager
def publishing(out: Path):
    """Hold the export for one build (take it before rendering, so a second build fails at once);
    what a killed build left behind is cleared first. The lock file stays: deleting it would let
    a waiting build lock a file that is no longer the one others open."""
    out = target(out)
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExportError(f"{out}: another build is publishing there right now") from None
        for kind in ("new", "old"):
            for stale in out.parent.glob(f".{glob.escape(out.name)}.{kind}-*"):
                shutil.rmtree(stale, ignore_errors=True)
        yield


def publish(documents: Iterable[tuple[str, Resource]], out: Path, max_age: int,
            progress: Callable[[int], None] | None = None) -> Changes:
    """Write (site path, Resource) pairs as they come, then swap them in; call inside `publishing(out)`.

    Documents are written and forgotten one by one, so a build of any size needs the memory of one
    document, not of the whole site."""
    return _publish(documents, target(out), max_age, progress or (lambda n: None))


def _publish(documents, out: Path, max_age: int, progress: Callable[[int], None]) -> Changes:
    new = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        written = _write(documents, new, max_age, progress)
        changes = diff(written, out)
        if not out.exists():
            new.rename(out)
            return changes
        if not _exchange(new, out):  # no renameat2: two renames, a moment with no export at all
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
            new.rename(out)
            new = old
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    # published; what is left in `new` is the previous export, and failing to delete it fails nothing
    shutil.rmtree(new, ignore_errors=True)
    return changes


@dataclass(frozen=True)
class Written:
    """What is kept of a document once its files are written: enough for _headers, the manifest
    and the folder times."""
    etag: str
    media_type: str
    cache_control: str
    mtime: float


def _write(documents, root: Path, max_age: int, progress: Callable[[int], None]) -> dict[str, Written]:
    written: dict[str, Written] = {}
    folders: dict[str, float] = {}  # folder (relative, "" for root) → newest file time in it
    for path, resource in documents:
        name, mtime = file_for(path), resource.last_modified.timestamp()
        if name in written:
            raise AssertionError(f"{path} rendered twice")
        _write_file(root, name, resource.body, mtime, folders)
        _write_file(root, name + ".gz", resource.gzip, mtime, folders)  # for gzip_static and CDNs
        written[name] = Written(resource.etag, resource.media_type, resource.cache_control(max_age), mtime)
        progress(1)
    stamp = written["index.html"].mtime if "index.html" in written else 0
    _write_file(root, HEADERS, headers_file(written, max_age).encode(), stamp, folders)
    _write_file(root, MARKER, manifest(written).encode(), stamp, folders)
    # folders: readable, and timed like their newest file, so two builds are identical trees
    for folder, newest in list(folders.items()):
        while folder:
            folder = folder.rpartition("/")[0]
            folders[folder] = max(folders.get(folder, 0), newest)
    for folder, newest in folders.items():
        os.chmod(root / folder, 0o755)  # mkdtemp makes folders private and a strict umask would hide files
        os.utime(root / folder, (newest, newest))
    return written


def _write_file(root: Path, name: str, data: bytes, mtime: float, folders: dict[str, float]) -> None:
    folder = name.rpartition("/")[0]
    if folder not in folders:
        (root / folder).mkdir(parents=True, exist_ok=True)
        folders[folder] = mtime
    folders[folder] = max(folders[folder], mtime)
    fd = os.open(root / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fchmod(fd, 0o644)  # explicit: a strict umask must not hide files from nginx
        os.utime(fd, (mtime, mtime))  # mtime = newest item: rsync and CDNs see real changes only
    finally:
        os.close(fd)


HEADERS = "_headers"  # host configuration beside the documents (not a document of the Site)
MANIFEST_HEAD = "# written by feeds build; the folder is replaced whole by the next. ETag and file of each document:"


def manifest(written: dict[str, Written]) -> str:
    """The export marker's text: each document's ETag, so the next build sees what changed without
    reading the old files."""
    return "\n".join([MANIFEST_HEAD, *(f"{w.etag} {name}" for name, w in sorted(written.items()))]) + "\n"


def old_etags(out: Path) -> dict[str, str]:
    try:
        lines = (out / MARKER).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    if not lines or lines[0] != MANIFEST_HEAD:  # an export from before manifests
        return {}
    return dict(reversed(line.split(" ", 1)) for line in lines[1:] if " " in line)


def diff(written: dict[str, Written], out: Path) -> Changes:
    """What publishing `written` over the export in `out` adds, changes and removes, in documents
    (a document's .gz twin and the host configuration follow their documents)."""
    old = set()
    if out.is_dir():
        for folder, _, files in os.walk(out):
            relative = os.path.relpath(folder, out)
            old.update(name if relative == "." else f"{relative}/{name}" for name in files)
    old = {name for name in old if not name.endswith(".gz") and name not in (HEADERS, MARKER)}
    etags = old_etags(out)
    changes = Changes()
    for name in sorted(written):
        if name not in old:
            changes.added.append(name)
        elif etags.get(name, None) == written[name].etag or (
                name not in etags and etag((out / name).read_bytes()) == written[name].etag):
            changes.unchanged += 1
        else:
            changes.changed.append(name)
    changes.removed = sorted(old - set(written))
    changes.immutable = {name for name, document in written.items() if document.cache_control == IMMUTABLE}
    return changes
