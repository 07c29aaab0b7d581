"""Writing a Site to a folder for nginx or a CDN: same paths, same bytes, swapped in atomically.

The new export is written beside the old one and exchanged with it in one rename, so a reader
fetching during a publish gets the old site or the new one, never a mix, and a failed build
leaves the previous export untouched.

The export a publish replaces is not deleted: it is kept beside the new one as the standby
(`.public.standby`), and the next publish brings that folder up to date in place and exchanges
it in. Most of its files are already what the next export needs, so a publish touches the files
that changed over the last two builds, not the whole tree: on this machine's disk, creating the
10,000 folders of a 10,000-item export takes longer than rendering what a weekly digest changes.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import glob
import math
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple

from .hosting import NGINX_REDIRECTS, REDIRECTS, headers_file, nginx_map, redirects_file
from .site import IMMUTABLE, Build, Carried, Resource, Site, etag
from .urls import MEDIA_TYPES
from .workers import alongside

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
    carried: int = 0  # documents not rendered: their files were carried over from the previous export


def file_for(path: str) -> str:
    """Site path → file path in the export: /x/ is x/index.html."""
    name = path.lstrip("/")
    return name + "index.html" if name == "" or name.endswith("/") else name


def path_for(name: str) -> str:
    """File path in the export → site path: x/index.html is /x/."""
    return "/" + (name.removesuffix("index.html") if name == "index.html" or name.endswith("/index.html") else name)


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
    """Hold the export for one build (take it before rendering, so a second build into the same
    folder fails at once; one from the same seeds folder first waits for the ledger's lock);
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
    """Write (site path, Resource) pairs as they come, then swap them in; call inside `publishing(out)`."""
    progress = progress or (lambda n: None)

    def fill(writer: Writer) -> None:
        for path, resource in documents:
            writer.write(path, resource)
            progress(1)

    return _publish(fill, target(out), max_age, manifest_of(target(out)))


def publish_build(build: Build, out: Path, processes: int = 1,
                  progress: Callable[[int], None] | None = None, extras: dict[str, Extra] | None = None) -> Changes:
    """Render and write a whole build, then swap it in; call inside `publishing(out)`.

    A document whose recipe (feeds/recipes.py) is the one the export being replaced recorded is
    not rendered: its file and .gz twin are hard links to that export's, which keep their bytes
    and their time, so the new tree equals a build from nothing and still replaces the old one
    in one rename. The cost of a publish thus follows what changed.

    Documents are written and forgotten one by one: what a build keeps grows by a few hundred
    bytes per document (what was written, for _headers and the manifest), not by the documents.
    With `processes` > 1, this process and `processes` - 1 forked workers share the work: the
    pages, the feeds (in shares) and the item pages (in spans); see feeds/workers.py.
    `extras`: dotfiles published in the same tree, never served (the server's search index), each
    made only once every document is written, when the workers' memory is gone."""
    progress = progress or (lambda n: None)

    items = len(build.catalog.items)
    previous = manifest_of(target(out))
    build.previous = {path_for(name): listed.recipe for name, listed in previous.items() if listed.recipe != NO_RECIPE}
    # starting processes costs more than few items, or than a publish that carries most documents over
    used = processes if items >= PARALLEL_FROM and build.stale() > MOSTLY_CARRIED else 1

    build.feed_documents  # made once, before the workers fork, not once per share

    def fill(writer: Writer) -> None:
        global _WORKER
        _WORKER = (build, writer.target)  # inherited by the forked workers, not pickled
        try:
            # the feed shares, the longest tasks, go first (to the workers; see alongside), one
            # per process: an item is serialized once in each share that shows it (10,000 items:
            # 10,348 times in 2 shares, 15,773 in 16); the spans of item pages even out the end
            shares = used
            tasks = [("pages_documents", ())] + [("feeds", (share, shares)) for share in range(shares)]
            tasks += [("item_pages", (i, min(i + CHUNK, items))) for i in range(0, items, CHUNK)]
            tasks.append(("former_pages", ()))
            for written, folders in alongside(_write_part, tasks, used):
                writer.add(written, folders)
                progress(len(written))
        finally:
            _WORKER = None

    return _publish(fill, target(out), build.config.cache_max_age, previous, extras or {})


PARALLEL_FROM = 200  # items; below this, one process
MOSTLY_CARRIED = 0.2  # at most this share of item pages to render: one process (forking 10,000 items costs 2 s)
CHUNK = 250  # item pages per worker task
_WORKER = None  # (build, where to write) for the forked workers


def _write_part(task: tuple[str, tuple]):  # in a worker, or this process
    build, where = _WORKER
    part, arguments = task  # a Build method that yields documents, and its arguments
    writer = Writer(where)
    for path, resource in getattr(build, part)(*arguments):
        writer.write(path, resource)
    return writer.written, writer.folders


def facts_file(out: Path) -> Path:
    """Where a build into `out` keeps what it read of the digests, for the next (feeds/factcache.py)."""
    out = target(out)
    return out.with_name(f".{out.name}.facts")



def standby_of(out: Path) -> Path:
    """Where the export a publish replaced is kept, for the next publish to bring up to date."""
    return out.with_name(f".{out.name}.standby")


def _publish(fill: Callable[["Writer"], None], out: Path, max_age: int,
             previous: dict[str, Listed], extras: dict[str, Extra] | None = None) -> Changes:
    """`previous`: the manifest of the export in `out`, whose files a carried document links to."""
    standby = standby_of(out)
    if standby.is_symlink():  # only ever a folder this build made; never followed
        standby.unlink()
    present, written_at, folders = _trusted(standby) if out.is_dir() else ({}, 0, {})
    if present:
        new = standby
        (standby / MARKER).unlink()  # from here on it is being changed: without a manifest, never trusted
    else:  # none, or left half-updated by a build that was killed: start a new tree
        shutil.rmtree(standby, ignore_errors=True)
        new = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        writer = Writer(Target(new, max_age, out, previous, present, written_at, folders))
        fill(writer)
        written = writer.finish(extras or {})
        changes = diff(written, out, previous)
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
    # published; what is left in `new` is the previous export: kept as the next publish's standby
    if new != standby:
        try:
            new.rename(standby)
        except OSError:
            shutil.rmtree(new, ignore_errors=True)
    return changes


def _trusted(standby: Path) -> tuple[dict[str, "Listed"], int, dict[str, float]]:
    """The standby's manifest, when it was written (its ctime, in ns) and its folders' times
    (`folder_times`); ({}, 0, {}) when the standby is not to be brought up to date: none, left
    half-updated by a killed build, or with a folder of its documents that is no longer a folder
    (removed, or replaced by a file or a symbolic link by hand: a publish would write or remove
    files through it)."""
    present = manifest_of(standby)
    folders = folder_times(present)
    try:
        written_at = os.lstat(standby / MARKER).st_ctime_ns
        for folder in folders:
            if not stat.S_ISDIR(os.lstat(os.path.join(standby, folder)).st_mode):
                return {}, 0, {}
    except OSError:
        return {}, 0, {}
    return present, written_at, folders


@dataclass(frozen=True, slots=True)
class Written:
    """What is kept of a document once its files are written: enough for _headers, the manifest
    (which a server's workers serve the export by) and the folder times."""
    etag: str
    gzip_etag: str
    size: int
    gzip_size: int
    media_type: str
    cache_control: str
    mtime: float
    redirect: str | None = None  # site path a former address of an item leads to
    gone: bool = False  # the page of a withdrawn item (the server answers 410 with it)
    recipe: str = ""  # what it was made from (feeds/recipes.py); "" for a document always rendered
    carried: bool = False  # carried over from the previous export, not rendered

    @property
    def immutable(self) -> bool:
        return self.cache_control == IMMUTABLE


@dataclass(frozen=True)
class Target:
    """Where a build writes, shared by its processes: the folder of the next export (new, or the
    standby), and what it can reuse."""
    root: Path
    max_age: int
    old: Path | None = None  # the live export, which carried documents are linked from
    previous: dict[str, Listed] = field(default_factory=dict)  # its manifest
    present: dict[str, Listed] = field(default_factory=dict)  # the standby's manifest, when `root` is it
    present_at: int = 0  # when that manifest was written (its ctime, ns)
    # the folders `root` has already ("" for itself), with the time the standby's build gave each
    folders: dict[str, float] = field(default_factory=dict)


def folder_times(listed: dict[str, Listed]) -> dict[str, float]:
    """The folders of an export's documents and those above ("" for the root), each with the time
    its build gave it: that of the newest document below."""
    times: dict[str, float] = {}
    for name, document in listed.items():
        folder = name.rpartition("/")[0]
        while times.get(folder, -math.inf) < document.mtime:  # a folder is never older than one below
            times[folder] = document.mtime
            if not folder:
                break
            folder = folder.rpartition("/")[0]
    return times


class Writer:
    """Writes documents into the folder of the next export, each with its .gz twin, and remembers
    what it wrote.

    In the standby, a document whose recipe is the one the standby holds is left as it is, and
    any other file there is unlinked before it is written: never written into, since it may be a
    hard link to a file of the live export."""

    def __init__(self, target: Target):
        self.target = target
        self.root, self.max_age = target.root, target.max_age
        # the paths of 13,000 files a publish: joined as strings (pathlib's joins cost 0.2 s at 10,000 items)
        self.here = os.fspath(target.root) + "/"
        self.old = os.fspath(target.old) + "/" if target.old else None  # carried documents come from there
        self.written: dict[str, Written] = {}  # file name → what was written there
        self.folders: dict[str, float] = {}  # folder ("" for the root) → newest file time in it

    def write(self, path: str, resource: Resource | Carried) -> None:
        name, mtime = file_for(path), resource.last_modified.timestamp()
        if name in self.written:
            raise AssertionError(f"{path} rendered twice")
        held = self.target.present.get(name)
        if held is not None and resource.recipe and held.recipe == resource.recipe and _intact(self.here + name, mtime):
            self._folder(name, mtime)  # the standby has it: same recipe, same bytes and time
            made = held
        elif isinstance(resource, Carried) and self.old is not None and _intact(self.old + name, mtime):
            self._carry(name, mtime)
            self._carry(name + ".gz", mtime)
            made = self.target.previous[name]
        else:
            if isinstance(resource, Carried):  # the live export's files are gone or were changed by hand
                resource = resource.rendered()
            self._file(name, resource.body, mtime)
            self._file(name + ".gz", resource.gzip, mtime)  # for gzip_static and CDNs that take precompressed files
            made = resource
        self.written[name] = Written(made.etag, made.gzip_etag, made.size, made.gzip_size, resource.media_type,
                                     resource.cache_control(self.max_age), mtime, resource.redirect, resource.gone,
                                     resource.recipe, isinstance(resource, Carried))

    def _carry(self, name: str, mtime: float) -> None:
        """The live export's file, linked into this one: same bytes, same time (one inode)."""
        self._folder(name, mtime)
        self._clear(name)
        try:
            os.link(self.old + name, self.here + name)
        except OSError as e:
            if e.errno not in NO_LINKS:
                raise
            shutil.copyfile(self.old + name, self.here + name)  # a copy, timed like the original
            os.chmod(self.here + name, 0o644)
            os.utime(self.here + name, (mtime, mtime))

    def _clear(self, name: str) -> None:
        """In the standby, whatever is at `name` goes first: a file there is never written into
        (it may be a hard link to the live export's)."""
        if self.target.present:
            path = self.here + name
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                _unlink(path)

    def add(self, written: dict[str, Written], folders: dict[str, float]) -> None:
        """What a worker wrote into the same folder."""
        if twice := written.keys() & self.written.keys():
            raise AssertionError(f"{sorted(twice)[0]} rendered twice")
        self.written.update(written)
        for folder, newest in folders.items():
            self.folders[folder] = max(self.folders.get(folder, 0), newest)

    def finish(self, extras: dict[str, Extra]) -> dict[str, Written]:
        """The host configuration, the extras and the manifest; in the standby, what the new
        export no longer has removed; then folders readable and timed like their newest file, so
        two builds are identical trees."""
        stamp = self.written["index.html"].mtime if "index.html" in self.written else 0
        for name, make in extras.items():
            assert name.startswith(".") and "/" not in name, name  # never an address of the site
            self._file(name, make(), stamp)
        self._file(HEADERS, headers_file(self.written, self.max_age).encode(), stamp)
        redirects = {"/" + name.removesuffix("index.html"): w for name, w in self.written.items() if w.redirect}
        # the index lists every title, so it changed whenever an address did
        self._file(REDIRECTS, redirects_file(redirects).encode(), stamp)
        self._file(NGINX_REDIRECTS, nginx_map(redirects).encode(), stamp)
        self.folders.update(folder_times(self.written))  # and those above: as new as their newest document
        if self.target.present:  # the standby: remove what the new export does not have
            for name in self.target.present.keys() - self.written.keys():
                for file in (name, name + ".gz"):
                    try:
                        os.unlink(self.here + file)
                    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                        pass  # something else is there: the folder's times say so, and it is looked into
            keep = {*self.written, *(name + ".gz" for name in self.written), *HOST_FILES, *extras}
            found = set()
            for folder, files, links in self._changed_folders():
                for name in [*(name for name in files if name not in keep), *links]:
                    os.unlink(self.here + name)  # a symbolic link is never part of an export
                found.add(folder)
            emptied = (found | self.target.folders.keys()) - self.folders.keys()
            for folder in sorted(emptied, key=lambda f: f.count("/"), reverse=True):
                try:
                    os.rmdir(self.here + folder)
                except FileNotFoundError:
                    pass
        # folders readable and timed, then the manifest: a build killed before it leaves a standby
        # the next build does not trust
        for folder, newest in self.folders.items():
            path = self.here + folder
            if folder not in self.target.folders:
                os.chmod(path, 0o755)  # mkdtemp makes folders private; a strict umask would too
                os.utime(path, (newest, newest))
            else:  # the standby's folders: only those that changed
                status = os.lstat(path)
                if stat.S_IMODE(status.st_mode) != 0o755:
                    os.chmod(path, 0o755)
                if status.st_mtime != newest:
                    os.utime(path, (newest, newest))
        root_time = self.folders.get("", stamp)
        self._file(MARKER, manifest(self.written).encode(), stamp)
        os.utime(self.root, (root_time, root_time))  # the manifest's writing moved it
        return self.written

    def _changed_folders(self) -> Iterator[tuple[str, list[str], list[str]]]:
        """(folder, its files, its symbolic links) for each standby folder that may hold more than
        its manifest's documents, and every folder below it that the manifest does not know. The
        others need not be read (10,000 item pages: 10,000 folders, 0.2 s): a folder changed
        since the manifest was written (a file added, removed or renamed in it, by hand or by
        this build, or its time set) has a later ctime, which no program sets, and most often
        another time than its build gave it; a file written into in place has changed its own."""
        times = self.target.folders
        for folder, when in times.items():
            try:
                status = os.lstat(self.here + folder)
            except FileNotFoundError:
                continue
            if not stat.S_ISDIR(status.st_mode):  # replaced meanwhile: listed in its folder, changed too
                continue
            if status.st_mtime == when and status.st_ctime_ns < self.target.present_at:
                continue
            files, links, folders = _entries(self.root, folder)
            yield folder, files, links
            for name in folders:
                if name not in times:  # a known folder is checked on its own
                    yield from _walk(self.root, name)

    def _folder(self, name: str, mtime: float) -> None:
        folder = name.rpartition("/")[0]
        if folder not in self.folders:
            if folder not in self.target.folders:
                (self.root / folder).mkdir(parents=True, exist_ok=True)
            self.folders[folder] = mtime
        self.folders[folder] = max(self.folders[folder], mtime)

    def _file(self, name: str, data: bytes | tuple[bytes, ...], mtime: float) -> None:
        """A file of `data`, or of its parts one after another."""
        self._folder(name, mtime)
        self._clear(name)
        fd = os.open(self.here + name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            for part in data if isinstance(data, tuple) else (data,):
                view = memoryview(part)
                while view:
                    view = view[os.write(fd, view):]
            os.fchmod(fd, 0o644)  # explicit: a strict umask must not hide files from nginx
            os.utime(fd, (mtime, mtime))  # mtime = newest item: rsync and CDNs see real changes only
        finally:
            os.close(fd)


Extra = Callable[[], "bytes | tuple[bytes, ...]"]  # makes a dotfile of the export, whole or in parts


NO_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP}  # a file system without hard links


def _intact(path: str, mtime: float) -> bool:
    """Whether a document's file and .gz twin are there (`path`, in some export) as a build wrote
    them: regular files, readable by all, with its time (a file changed by hand has another)."""
    for file in (path, path + ".gz"):
        try:
            status = os.lstat(file)
        except OSError:
            return False
        if not stat.S_ISREG(status.st_mode) or stat.S_IMODE(status.st_mode) != 0o644 or status.st_mtime != mtime:
            return False
    return True


def _walk(root: Path, start: str = "") -> Iterator[tuple[str, list[str], list[str]]]:
    """(folder, its files, its symbolic links) under `root` (from its folder `start`), as names
    relative to it ("" for the root); symbolic links to folders are listed, not followed."""
    pending = [start]
    while pending:
        folder = pending.pop()
        files, links, folders = _entries(root, folder)
        pending += folders
        yield folder, files, links


def _entries(root: Path, folder: str) -> tuple[list[str], list[str], list[str]]:
    """The files, symbolic links and folders in one folder under `root`, as names relative to it."""
    files, links, folders = [], [], []
    with os.scandir(os.path.join(root, folder)) as entries:
        for entry in entries:
            name = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_symlink():
                links.append(name)
            elif entry.is_dir():
                folders.append(name)
            else:
                files.append(name)
    return files, links, folders


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


HEADERS = "_headers"  # host configuration beside the documents (not a document of the Site)
HOST_FILES = (HEADERS, MARKER, REDIRECTS, NGINX_REDIRECTS)  # files of an export that are not documents
MANIFEST_HEAD = ("# written by feeds build; the folder is replaced whole by the next. Each document: "
                 "ETag, gzip ETag, sizes, time, type, flags, recipe, file")
NO_RECIPE = "-"  # a document rendered by every build
KINDS = {media_type: kind for kind, media_type in MEDIA_TYPES.items()}


class Listed(NamedTuple):
    """A document as an export's manifest lists it: what the next build reuses it by (its recipe),
    and what a server answers it with without reading it (feeds/exported.py)."""
    etag: str
    gzip_etag: str
    size: int
    gzip_size: int
    mtime: float
    kind: str  # a key of urls.MEDIA_TYPES
    flags: str  # "-", or any of "immutable", "gone", ">" + where a former address leads, joined by ","
    recipe: str


def manifest(written: dict[str, Written]) -> str:
    """The export marker's text: each document's validators, sizes, time and flags, so the next
    build sees what changed without reading the old files and a server answers without reading
    them; and its recipe, so the next build carries over what is made the same way."""
    lines = [MANIFEST_HEAD]
    for name, w in sorted(written.items()):
        flags = ",".join([*(["immutable"] if w.immutable else []), *(["gone"] if w.gone else []),
                          *([">" + w.redirect] if w.redirect else [])]) or "-"
        lines.append(f"{w.etag} {w.gzip_etag} {w.size} {w.gzip_size} {w.mtime!r} {KINDS[w.media_type]} {flags} "
                     f"{w.recipe or NO_RECIPE} {name}")
    return "\n".join(lines) + "\n"


def manifest_of(out: Path) -> dict[str, Listed]:
    """File name → how the manifest lists it, for each document of an earlier export; {} for
    none, or for an export from before this manifest (it is then rendered whole, once)."""
    try:
        return parse_manifest((out / MARKER).read_text("utf-8"))
    except (OSError, UnicodeDecodeError):
        return {}


def parse_manifest(text: str) -> dict[str, Listed]:
    lines = text.splitlines()
    if not lines or lines[0] != MANIFEST_HEAD:
        return {}
    found = {}
    for line in lines[1:]:
        parts = line.split(" ", 8)
        if len(parts) == 9 and parts[5] in MEDIA_TYPES:
            try:
                found[parts[8]] = Listed(parts[0], parts[1], int(parts[2]), int(parts[3]), float(parts[4]),
                                         *parts[5:8])
            except ValueError:
                continue
    return found


def diff(written: dict[str, Written], out: Path, previous: dict[str, Listed] | None = None) -> Changes:
    """What publishing `written` over the export in `out` (whose manifest is `previous`, if read)
    adds, changes and removes, in documents (a document's .gz twin and the host configuration
    follow their documents)."""
    previous = manifest_of(out) if previous is None else previous
    old = set(previous)
    if not previous and out.is_dir():  # an export from before manifests: its files say what it has
        old = {name for _, files, _ in _walk(out) for name in files}
    old = {name for name in old if not name.endswith(".gz") and name not in HOST_FILES}
    etags = {name: listed.etag for name, listed in previous.items()}
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
    changes.carried = sum(document.carried for document in written.values())
    return changes
