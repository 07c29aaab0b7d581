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
from typing import Callable

from .hosting import headers_file
from .site import Site

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
    with publishing(out):
        return publish(site, out, progress)


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


def publish(site: Site, out: Path, progress: Callable[[int], None] | None = None) -> Changes:
    """Write and swap in; call inside `publishing(out)`."""
    return _publish(site, target(out), progress or (lambda n: None))


def _publish(site: Site, out: Path, progress: Callable[[int], None]) -> Changes:
    new = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        _write(site, new, progress)
        changes = diff(site, out)
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


def _write(site: Site, root: Path, progress: Callable[[int], None] = lambda n: None) -> None:
    # explicit modes: mkdtemp makes folders private and a strict umask would hide files from nginx
    stamp = site["/"].last_modified.timestamp() if "/" in site else 0
    for name, data, mtime in [*_documents(site), (HEADERS, headers_file(site).encode(), stamp),
                              (MARKER, b"written by feeds build; the folder is replaced whole by the next\n", stamp)]:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.chmod(target, 0o644)
        os.utime(target, (mtime, mtime))  # mtime = newest item: rsync and CDNs see real changes only
        if not name.endswith(".gz"):
            progress(1)
    # folders: readable, and timed like their newest file, so two builds are identical trees
    for folder in sorted([root, *root.rglob("*/")], key=lambda p: len(p.parts), reverse=True):
        os.chmod(folder, 0o755)
        newest = max((child.stat().st_mtime for child in folder.iterdir()), default=stamp)
        os.utime(folder, (newest, newest))


HEADERS = "_headers"  # host configuration beside the documents (not a document of the Site)


def _documents(site: Site):
    """(file name, bytes, mtime) of every document and its precompressed twin, for gzip_static and
    CDNs that take precompressed uploads."""
    for path, resource in site.items():
        name, stamp = file_for(path), resource.last_modified.timestamp()
        yield name, resource.body, stamp
        yield name + ".gz", resource.gzip, stamp


def diff(site: Site, out: Path) -> Changes:
    """What publishing `site` over the export in `out` adds, changes and removes, in documents
    (a document's .gz twin and the host configuration follow their documents)."""
    old = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} if out.is_dir() else set()
    old = {name for name in old if not name.endswith(".gz") and name not in (HEADERS, MARKER)}
    changes = Changes()
    new = set()
    for name, resource in sorted((file_for(path), resource) for path, resource in site.items()):
        new.add(name)
        if name not in old:
            changes.added.append(name)
        elif (out / name).read_bytes() != resource.body:
            changes.changed.append(name)
        else:
            changes.unchanged += 1
    changes.removed = sorted(old - new)
    return changes
