"""Writing a Site to a folder for nginx or a CDN: same paths, same bytes, swapped in atomically.

The new export is written beside the old one and exchanged with it in one rename, so a reader
fetching during a publish gets the old site or the new one, never a mix, and a failed build
leaves the previous export untouched.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

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
    if out.is_dir() and any(out.iterdir()) and not (out / "index.html").is_file():
        raise ExportError(f"{out}: refusing to replace a non-empty folder that is not an earlier export "
                          "(it has no index.html)")
    if out.resolve() in (Path.cwd().resolve(), *Path.cwd().resolve().parents):
        raise ExportError(f"{out}: refusing to replace the current folder or one above it")


def export(site: Site, out: Path) -> Changes:
    out = Path(out)
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        os.chmod(new, 0o755)  # mkdtemp makes it private; a web server must read the export
        for path, resource in site.items():
            target = new / file_for(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(resource.body)
            stamp = resource.last_modified.timestamp()
            os.utime(target, (stamp, stamp))  # mtime = newest item: rsync and CDNs see real changes only
        changes = diff(site, out)
        if not out.exists():
            new.rename(out)
        elif _exchange(new, out):
            shutil.rmtree(new)  # `new` now holds the previous export
        else:  # no renameat2: two renames, a moment with no export at all
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
            new.rename(out)
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    return changes


def diff(site: Site, out: Path) -> Changes:
    """What publishing `site` over the export in `out` adds, changes and removes."""
    old = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} if out.is_dir() else set()
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
