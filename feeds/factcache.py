"""What reading the digests found, kept between builds: each file's entries, and each entry's
dateline, themes with their evidence and countries; so a publish parses only the files and
classifies only the entries it has not read before.

Classifying is most of the time a build spends reading (4 s of 5 for 10,000 items here), and an
entry whose text is unchanged, read by the same code (feeds/recipes.py: the taxonomy and weights
are part of it), finds the same facts. `feeds build` keeps the facts of its last build beside the
export (`.public.facts`, a marshal file: Python's own fast format for plain values), and keeps
only the current entries' facts, so the file follows the digest, not its history. A file that
does not read is ignored: the entries are classified again.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import os
from pathlib import Path
from typing import Callable

from .digest import Entry, Reading, Source
from .places import Mention
from .problems import Problem
from .recipes import code
from .themes import Match

Facts = tuple  # (dateline place, paragraphs without it, theme evidence, country evidence, body sketch)
FORMAT = 4


class FactCache:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.known: dict[bytes, tuple] = {}
        self.kept: dict[bytes, tuple] = {}  # what the next build will find: this build's entries
        self.known_files: dict[bytes, tuple] = {}
        self.kept_files: dict[bytes, tuple] = {}  # this build's files
        self.known_slugs: dict[str, str] = {}
        self.kept_slugs: dict[str, str] = {}  # this build's titles
        try:
            stored = marshal.loads(self.path.read_bytes())
            if stored[0] == FORMAT and stored[1] == code():
                self.known, self.known_files, self.known_slugs = stored[2], stored[3], stored[4]
        except (OSError, EOFError, ValueError, TypeError, IndexError):
            pass
        self.matches: dict[tuple, Match] = {}  # one object per distinct match: most repeat across items

    def read(self, path: Path, read: Callable[[Path], Reading]) -> Reading:
        """read(path), or what it gave for the same bytes at the same path before. A reading that
        succeeded stays right as days pass (a date line is refused only while it is in the future),
        except for the plausible years, which end with next year: this year is in the key."""
        try:
            data = path.read_bytes()
        except OSError:
            return read(path)  # which says what is wrong, as file:line
        key = hashlib.sha1(f"{path}\0{dt.date.today().year}\0".encode() + data).digest()
        stored = self.known_files.get(key)
        if stored is not None:
            self.kept_files[key] = stored
            entries, warnings = stored
            name = str(path)
            return Reading([Entry(dt.date.fromordinal(day), title, paragraphs, Source(name, line))
                            for day, title, paragraphs, line in entries],
                           [Problem(*warning) for warning in warnings])
        reading = read(path)
        self.kept_files[key] = (
            tuple((e.date.toordinal(), e.title, tuple(e.paragraphs), e.source.line) for e in reading.entries),
            tuple((w.path, w.line, w.message) for w in reading.warnings))
        return reading

    def slug(self, title: str, make: Callable[[str], str]) -> str:
        """make(title), or what it made of the same title before: slugifying every title took a
        tenth of a weekly publish at 10,000 items."""
        slug = self.known_slugs.get(title)
        if slug is None:
            slug = make(title)
        self.kept_slugs[title] = slug
        return slug

    @staticmethod
    def key(entry: Entry) -> bytes:
        text = "\0".join((entry.date.isoformat(), entry.title, *entry.paragraphs))
        return hashlib.sha1(text.encode("utf-8")).digest()

    def get(self, entry: Entry) -> Facts | None:
        key = self.key(entry)
        stored = self.known.get(key)
        if stored is None:
            return None
        self.kept[key] = stored
        place, paragraphs, evidence, where, sketch = stored
        return (place, paragraphs if place else entry.paragraphs,
                {slug: tuple(map(self._match, matches)) for slug, matches in evidence},
                {code_: tuple(Mention(*m) for m in mentions) for code_, mentions in where}, sketch)

    def _match(self, fields: tuple) -> Match:
        made = self.matches.get(fields)
        if made is None:
            made = self.matches[fields] = Match(*fields)
        return made

    def put(self, entry: Entry, facts: Facts) -> None:
        place, paragraphs, evidence, where, sketch = facts
        self.kept[self.key(entry)] = (
            place, tuple(paragraphs) if place else None,  # without a dateline, the entry's own
            tuple((slug, tuple((m.term, m.text, m.where, m.score, m.kind) for m in matches))
                  for slug, matches in evidence.items()),
            tuple((code_, tuple((m.text, m.where) for m in mentions)) for code_, mentions in where.items()), sketch)

    def save(self) -> None:
        """Write what this build read, in place of the last build's (atomically; failing to write
        fails nothing), and let go of it: called once the catalog is read, so that rendering does
        not hold it too (at 100,000 items it is some 380 MB)."""
        if (self.kept.keys() != self.known.keys() or self.kept_files.keys() != self.known_files.keys()
                or self.kept_slugs.keys() != self.known_slugs.keys()):
            scratch = self.path.with_name(f"{self.path.name}.{os.getpid()}")
            try:
                scratch.write_bytes(marshal.dumps((FORMAT, code(), self.kept, self.kept_files, self.kept_slugs)))
                scratch.replace(self.path)
            except OSError:
                scratch.unlink(missing_ok=True)
        for held in (self.known, self.kept, self.known_files, self.kept_files, self.known_slugs, self.kept_slugs,
                     self.matches):
            held.clear()
