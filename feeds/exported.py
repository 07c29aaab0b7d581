"""An export, as a server's worker serves it: the documents its manifest lists, read from its files.

The manifest gives each document's validators, sizes, time, type and flags, so a worker answers
304s and HEADs without opening a file, and holds a few hundred bytes per document rather than the
documents. Bodies are read from the export when asked for, and the most asked-for are kept in a
cache bounded in bytes.

A publish swaps a new tree in at the export's path (feeds/export.py). A worker holds the folder it
serves open, so every document of one generation comes from one tree even while the next is
swapped in. On each request it looks at the manifest at the export's path (a stat, a microsecond
or two) and takes the new tree once the manifest is another. Two trees take turns at the path
(the export and the standby), so a generation is known by its manifest, written anew by every
publish (its inode and change time), not by its folder. The tree a publish swapped out becomes
the standby, which the publish after next changes in place: a document read from a generation
that has meanwhile been changed (its file's size or time is not the manifest's) is not served;
the request is answered from the new generation instead.
"""
from __future__ import annotations

import datetime as dt
import mmap
import os
import re
import stat
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping

from werkzeug.http import http_date

from . import urls
from .export import IMMUTABLE, MANIFEST_HEAD, MARKER, path_for

BODY_CACHE_BYTES = 8 * 2**20  # document bodies kept per worker: the feeds readers poll, mostly


class Stale(Exception):
    """The generation's files were changed by a later publish: serve from the current one."""


@dataclass(frozen=True, slots=True, eq=False)
class Document:
    """One document of an export, as its manifest lists it; its bytes stay in the export."""
    generation: "weakref.ref[Generation]"  # not a strong reference: a generation is freed with its last request
    name: str  # its file in the export
    etag: str
    gzip_etag: str
    size: int
    gzip_size: int
    mtime: float
    media_type: str
    http_date: str
    immutable: bool
    gone: bool
    redirect: str | None

    @property
    def last_modified(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.mtime, dt.timezone.utc)

    def cache_control(self, max_age: int) -> str:
        return IMMUTABLE if self.immutable else f"public, max-age={max_age}"

    def content(self, gzipped: bool) -> bytes:
        generation = self.generation()
        if generation is None:  # replaced, and no request holds it any more
            raise Stale(self.name)
        return generation.read(self, gzipped)


class Generation:
    """One published tree: its documents by site path, the feeds' previews, and the open folder
    they are read from.

    Its manifest is mapped, not parsed: the pages are the kernel's page cache, shared by every
    worker, and each holds only where each document's line starts (at 100,000 items, about 20 MB
    a worker instead of 70 MB of parsed lines). A line is parsed when its document is asked for."""

    def __init__(self, root: Path, cache: BoundedCache):
        self.cache = cache
        self.fd = None
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            marker = os.open(MARKER, os.O_RDONLY, dir_fd=fd)
            try:
                self.key = identity(os.fstat(marker))
                self.manifest = mmap.mmap(marker, 0, prot=mmap.PROT_READ)
            finally:
                os.close(marker)
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd
        head = MANIFEST_HEAD.encode() + b"\n"
        if self.manifest[:len(head)] != head:
            raise ValueError(f"{root}: not an export of this version (its manifest is another)")
        documents: dict[str, int] = {}
        previews: dict[str, int] = {}  # feed path → where its page for a browser is listed
        for line in LINE.finditer(self.manifest, len(head)):  # "… name\n": the name is the last field
            path = path_for(line[1].decode("utf-8", "replace"))
            if path.startswith(urls.PREVIEWS + "/"):  # kept by the feed's path: not an address of the site
                previews[path.removeprefix(urls.PREVIEWS).removesuffix(".html")] = line.start()
            else:
                documents[path] = line.start()
        if not documents:
            raise ValueError(f"{root}: its manifest lists no document")
        self.dates: dict[float, str] = {}  # few distinct times: one string each
        me = weakref.ref(self)
        self.documents = Listing(me, documents)
        self.previews = Listing(me, previews)

    def document(self, start: int) -> Document | None:
        """The document listed on the manifest's line at `start`."""
        end = self.manifest.find(b"\n", start)
        parts = self.manifest[start:end].decode("utf-8", "replace").split(" ", 8)
        if len(parts) != 9 or parts[5] not in urls.MEDIA_TYPES:
            return None  # not a line a build writes: a document nobody can serve
        etag, gzip_etag, size, gzip_size, mtime, kind, flags, _, name = parts
        try:
            size, gzip_size, mtime = int(size), int(gzip_size), float(mtime)
        except ValueError:
            return None
        flags = flags.split(",")
        redirect = next((flag[1:] for flag in flags if flag.startswith(">")), None)
        date = self.dates.get(mtime) or self.dates.setdefault(mtime, http_date(mtime))
        return Document(weakref.ref(self), name, etag, gzip_etag, size, gzip_size, mtime,
                        urls.MEDIA_TYPES[kind], date, "immutable" in flags, "gone" in flags, redirect)

    def unchanged(self) -> bool:
        """Whether its tree is still as published: a publish that changes it removes the manifest first."""
        try:
            return identity(os.stat(MARKER, dir_fd=self.fd)) == self.key
        except OSError:
            return False

    def __del__(self):  # the last request on this generation has finished
        if self.fd is not None:
            os.close(self.fd)

    def read(self, document: Document, gzipped: bool) -> bytes:
        name = document.name + ".gz" if gzipped else document.name
        key = (name, document.gzip_etag if gzipped else document.etag)  # equal ETags, equal bytes
        body = self.cache.get(key)
        if body is None:
            size = document.gzip_size if gzipped else document.size
            try:
                fd = os.open(name, os.O_RDONLY, dir_fd=self.fd)
            except FileNotFoundError:
                raise Stale(name) from None
            try:
                status = os.fstat(fd)
                if not stat.S_ISREG(status.st_mode) or status.st_size != size or status.st_mtime != document.mtime:
                    raise Stale(name)
                body = os.read(fd, size + 1)
                while len(body) < size:
                    more = os.read(fd, size - len(body) + 1)
                    if not more:
                        break
                    body += more
            finally:
                os.close(fd)
            if len(body) != size:
                raise Stale(name)
            self.cache.put(key, body)
        return body


LINE = re.compile(rb"^[^\n]* ([^ \n]+)\n", re.MULTILINE)  # a line and its last field


class Listing(Mapping[str, Document]):
    """Site path → document, parsed from its manifest line when asked for; the last few hundred
    asked for are kept parsed (readers poll the same feeds)."""

    def __init__(self, generation: "weakref.ref[Generation]", lines: dict[str, int]):
        self.generation, self.lines = generation, lines
        self.parsed: dict[str, Document] = {}

    def __getitem__(self, path: str) -> Document:
        document = self.parsed.get(path)
        if document is None:
            generation = self.generation()
            if generation is None:
                raise Stale(path)
            document = generation.document(self.lines[path])
            if document is None:
                raise KeyError(path)
            if len(self.parsed) >= PARSED:
                self.parsed.clear()  # cheaper than an LRU, and a poll refills it at once
            self.parsed[path] = document
        return document

    def __contains__(self, path) -> bool:
        try:
            self[path]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)


PARSED = 512  # documents kept parsed per generation


class BoundedCache:
    """Least recently used first out, bounded by the bytes its values hold (`weigh`); the newest
    is always kept, and a value heavier than `largest` never (for bodies, a quarter of the bound:
    one large page must not push out every feed)."""

    def __init__(self, max_bytes: int, weigh: Callable[[object], int] = len, largest: int | None = None):
        self.max_bytes, self.weigh, self.size = max_bytes, weigh, 0
        self.largest = max_bytes // 4 if largest is None else largest
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key, value):
        weight = self.weigh(value)
        if weight > self.largest:
            return value
        with self.lock:
            if key not in self.entries:
                self.entries[key] = value
                self.size += weight
            while self.size > self.max_bytes and len(self.entries) > 1:
                _, old = self.entries.popitem(last=False)
                self.size -= self.weigh(old)
        return value


class Export:
    """The export a worker serves, followed across publishes."""

    def __init__(self, root: Path, cache_bytes: int = BODY_CACHE_BYTES):
        self.root = Path(root)
        self.manifest = self.root / MARKER
        self.cache = BoundedCache(cache_bytes)  # bodies, shared by its generations
        self.lock = threading.Lock()
        self.generation = Generation(self.root, self.cache)
        self.loaded = 1  # how many generations this worker has served

    def current(self) -> Generation:
        """The generation at the export's path now: the one held, unless a publish swapped another in."""
        generation = self.generation
        try:
            key = identity(os.stat(self.manifest))
        except OSError:
            return generation  # between the two renames of a host without renameat2, or gone: keep serving
        if key != generation.key:
            with self.lock:  # one thread reads the new manifest; the others wait for it, not repeat it
                if self.generation.key == generation.key:
                    try:
                        self.generation = Generation(self.root, self.cache)
                        self.loaded += 1
                    except (OSError, ValueError):
                        pass  # caught mid-swap: the next request looks again
                generation = self.generation
        return generation


def identity(status: os.stat_result) -> tuple[int, int, int]:
    """What tells one publish's manifest from another's: each publish writes it anew."""
    return status.st_dev, status.st_ino, status.st_ctime_ns
