"""The ledger: what the publication has published, kept beside the digests and committed with them.

The digest text says what the news is now; the ledger says what subscribers have already seen:
every item's id, its current and former slugs, a fingerprint of its text, its time in the feeds,
when it was first published, edited, moved or withdrawn. Identity, update times, redirects,
tombstones and every document's Last-Modified come from it, so the same digests and the same
ledger always give the same bytes.

The file is JSON Lines: a header line, then one item per line, newest first, with its keys in a
fixed order, so a week's publishing is a diff of a few lines a person can read and, if need be,
edit (docs/publishing.md, "The ledger").
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import tempfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .problems import DigestError, Problem

NAME = "ledger.jsonl"  # in the seeds folder; not a digest file (those are *.txt)
FORMAT = "iom-digest-ledger/1"
HEADER = {"format": FORMAT,
          "about": "What the feeds have published, one item per line, newest first. Written by feeds build; "
                   "see docs/publishing.md, 'The ledger', before editing by hand."}
SKETCH_SIZE = 12  # smallest hashes kept of a body's word pairs (bottom-k sketch)


UTC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)


def utc(text: str) -> dt.datetime:
    """A time as the ledger writes it, 2021-10-26T12:00:00Z, and no other form (fromisoformat takes
    many; checked first, it reads a large ledger four times faster than strptime)."""
    if not UTC_TIME.fullmatch(text):
        raise ValueError(f"{text!r} is not a time like 2021-10-26T12:00:00Z")
    return dt.datetime.fromisoformat(text)


def stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_time(environ=os.environ) -> dt.datetime:
    """When this build publishes: SOURCE_DATE_EPOCH when set (reproducible builds), else the clock,
    to the second. The ledger then fixes it: a rebuild of the same sources keeps every time."""
    epoch = environ.get("SOURCE_DATE_EPOCH")
    clock = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    if epoch:
        try:
            when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ValueError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds since 1970") from None
        if when > clock + dt.timedelta(days=1):  # the ledger would keep it: every later build would follow it
            raise ValueError(f"SOURCE_DATE_EPOCH={epoch} is {when:%Y-%m-%d %H:%M} UTC, in the future")
        return when
    return clock


def body_fingerprint(paragraphs: tuple[str, ...]) -> str:
    return hashlib.sha256("\n\n".join(paragraphs).encode("utf-8")).hexdigest()[:16]


WORD = re.compile(r"\w+")


def body_sketch(paragraphs: tuple[str, ...]) -> str:
    """The SKETCH_SIZE smallest CRC-32s of the body's consecutive word pairs, in hex: two sketches
    estimate how much of two bodies' wording is shared (`resemblance`), without the ledger holding
    the text. A one-word fix in a 60-word body leaves about nine in ten pairs; two different
    stories share almost none."""
    words = WORD.findall(" ".join(paragraphs).casefold())
    crc = zlib.crc32
    # pairs of short words ("of the", "in a") are in every story: they would make any two look alike
    hashes = {crc(f"{a} {b}".encode("utf-8")) for a, b in zip(words, words[1:]) if len(a) > 3 or len(b) > 3}
    if not hashes:  # only short words: the words; no word at all ("— … —"): the text itself
        hashes = {crc(word.encode("utf-8")) for word in words} or {crc(" ".join(paragraphs).encode("utf-8"))}
    return "".join(f"{value:08x}" for value in sorted(hashes)[:SKETCH_SIZE])


def resemblance(a: str, b: str) -> float:
    """Estimated share of word pairs two bodies have in common (Jaccard), from their sketches:
    of the SKETCH_SIZE smallest hashes of both together, the fraction both bodies have."""
    left = {a[i:i + 8] for i in range(0, len(a), 8)}
    right = {b[i:i + 8] for i in range(0, len(b), 8)}
    union = sorted(left | right)[:SKETCH_SIZE]
    if not union:
        return 0.0
    return sum(1 for value in union if value in left and value in right) / len(union)


@dataclass(slots=True)
class Record:
    """One item ever published. Times are UTC, to the second."""
    id: str  # tag URI, minted once; never changes
    slug: str  # the item page is /items/<slug>/
    published: dt.datetime  # the item's time in the feeds (12:00 UTC of its date, less a second per earlier item of the day)
    title: str
    body: str  # body_fingerprint of the text
    sketch: str  # body_sketch of the text, to recognise a body edited a little
    themes: tuple[str, ...]  # where it is (or, withdrawn, was) published
    countries: tuple[str, ...]
    added: dt.datetime  # the build that first published it
    edited: dt.datetime | None = None  # the build that last changed its text, date or themes
    moved: dt.datetime | None = None  # the build that last changed its place: date fixed, theme or country changed
    withdrawn: dt.datetime | None = None  # the build that found it in no digest; None while published
    former_slugs: tuple[str, ...] = ()  # each redirects to `slug`
    left: tuple[str, ...] = ()  # feeds it was once in and no longer is: "themes/<slug>", "countries/<code>"

    @property
    def date(self) -> dt.date:
        return self.published.date()

    @property
    def touched(self) -> dt.datetime:
        """When the documents showing it last changed because of it."""
        return max(t for t in (self.added, self.edited, self.withdrawn) if t is not None)

    @property
    def updated(self) -> dt.datetime:
        """Atom `updated`, JSON Feed `date_modified`: its time in the feeds until its text changes."""
        return max(self.published, self.edited) if self.edited else self.published

    @property
    def placed(self) -> dt.datetime:
        """When it last took or changed its place in the feeds: documents from its place on shift."""
        return max(self.added, self.moved) if self.moved else self.added

    @property
    def lowest(self) -> dt.datetime:
        """The oldest place it ever had: its time, or an earlier date it once had (a former slug
        starts with it), so a date fixed forward still reaches the pages it left."""
        dates = [self.published]
        for slug in self.former_slugs:
            try:
                dates.append(dt.datetime.combine(dt.date.fromisoformat(slug[:10]), dt.time(0, tzinfo=dt.timezone.utc)))
            except ValueError:
                pass
        return min(dates)

    def feeds(self) -> tuple[str, ...]:
        """Every feed it is or was in, as channel keys."""
        return (*(f"themes/{t}" for t in self.themes), *(f"countries/{c}" for c in self.countries), *self.left)

    def line(self) -> str:
        fields = {"id": self.id, "slug": self.slug, "published": stamp(self.published), "title": self.title,
                  "body": self.body, "sketch": self.sketch, "themes": list(self.themes),
                  "countries": list(self.countries), "added": stamp(self.added)}
        for name in ("edited", "moved", "withdrawn"):
            if getattr(self, name):
                fields[name] = stamp(getattr(self, name))
        if self.former_slugs:
            fields["former_slugs"] = list(self.former_slugs)
        if self.left:
            fields["left"] = list(self.left)
        return json.dumps(fields, ensure_ascii=False, separators=(", ", ": "))


SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # as items.title_slug makes them: safe in paths and nginx maps
FIRST = dt.datetime(1951, 1, 1, tzinfo=dt.timezone.utc)
LAST = dt.datetime(2999, 12, 31, tzinfo=dt.timezone.utc)
REQUIRED = ("id", "slug", "published", "title", "body", "sketch", "themes", "countries", "added")
OPTIONAL = ("edited", "moved", "withdrawn", "former_slugs", "left")


@dataclass
class Rendering:
    """The settings a site's documents were last made with (a digest of those the publisher chose:
    feeds/recipes.py), and since when: None if since before the ledger kept them."""
    settings: str
    since: dt.datetime | None = None


@dataclass
class Ledger:
    records: list[Record] = field(default_factory=list)
    # each site built from these seeds (by its base URL: a `feeds build` for the public and a
    # `feeds serve` on this machine share the ledger) → how its documents are made
    rendering: dict[str, Rendering] = field(default_factory=dict)
    # id → (its record as read, its line): an unchanged record is written back as read, not encoded
    # again (10,000 records: 0.1 s a publish)
    lines: dict[str, tuple[Record, str]] = field(default_factory=dict, compare=False, repr=False)

    def made_since(self, site: str, settings: str, now: dt.datetime) -> dt.datetime | None:
        """The earliest time a document of `site` made with `settings` may carry: the build that
        first made the site's documents with them (`now`, when the ledger names other settings).
        Every document's bytes may have changed then (a title is in every feed), whatever its
        items' times, and a reader or CDN that asks "modified since?" must hear so. Kept in the
        ledger, so every later build of the site, from nothing or not, dates alike."""
        known = self.rendering.get(site)
        if known is None:  # a site new to the ledger (or one from before it kept them): its items' times
            self.rendering[site] = Rendering(settings)
        elif known.settings != settings:
            self.rendering[site] = Rendering(settings, now)
        return self.rendering[site].since

    def text(self) -> str:
        ordered = sorted(self.records, key=lambda r: (r.published, r.id), reverse=True)
        header = dict(HEADER)
        if self.rendering:
            header["rendering"] = {site: {"settings": made.settings, **({"since": stamp(made.since)} if made.since else {})}
                                   for site, made in sorted(self.rendering.items())}
        lines = self.lines
        written = [json.dumps(header, ensure_ascii=False)]
        for record in ordered:
            read = lines.get(record.id)
            written.append(read[1] if read is not None and read[0] == record else record.line())
        return "\n".join(written) + "\n"


def read_ledger(seeds: Path) -> Ledger:
    """The ledger in a seeds folder; an empty one when there is none yet (the first build)."""
    path = Path(seeds) / NAME
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return Ledger()
    except (OSError, UnicodeDecodeError) as e:
        raise DigestError([Problem(str(path), 0, f"cannot read the ledger: {e}")]) from None
    return parse(text, str(path))


def parse(text: str, path: str) -> Ledger:
    problems, records, rendering, lines = [], [], {}, {}
    ids, slugs = {}, {}
    times: dict[str, dt.datetime] = {}  # most times repeat (dates at noon): each read and checked once
    first = True
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(Problem(path, number, f"not a JSON object ({e.msg} at column {e.colno})"))
            continue
        header, first = first and isinstance(fields, dict) and "format" in fields, False
        if header:
            if fields["format"] != FORMAT:
                problems.append(Problem(path, number, f"ledger format {fields['format']!r} is not {FORMAT!r}"))
            try:
                rendering = _rendering(fields.get("rendering"))
            except ValueError as e:
                problems.append(Problem(path, number, str(e)))
            continue
        try:
            record = _record(fields, times)
        except (TypeError, ValueError) as e:
            problems.append(Problem(path, number, str(e)))
            continue
        if record.id in ids:
            problems.append(Problem(path, number, f"id {record.id} is also on line {ids[record.id]}; "
                                                  "an id belongs to one item"))
        ids.setdefault(record.id, number)
        for slug in (record.slug, *record.former_slugs):
            if slug in slugs:
                problems.append(Problem(path, number, f"slug {slug!r} is also on line {slugs[slug]}; "
                                                      "a slug (current or former) belongs to one item"))
            slugs.setdefault(slug, number)
        records.append(record)
        lines[record.id] = (record, line)
    if problems:
        raise DigestError(problems)
    return Ledger(records, rendering, lines)


def _rendering(fields) -> dict[str, Rendering]:
    if fields is None:
        return {}
    shape = 'rendering must be {"<base URL>": {"settings": 16 hex digits, "since": a UTC time}} (written by feeds build)'
    if not isinstance(fields, dict):
        raise ValueError(shape)
    found = {}
    for site, made in fields.items():
        if (not isinstance(made, dict) or set(made) - {"settings", "since"} or not isinstance(made.get("settings"), str)
                or not FINGERPRINT.fullmatch(made["settings"])):
            raise ValueError(f"{site}: {shape}")
        since = made.get("since")
        try:
            found[site] = Rendering(made["settings"], utc(since) if since is not None else None)
        except (TypeError, ValueError):
            raise ValueError(f"{site}: rendering since {since!r} is not a UTC time like 2021-10-26T12:00:00Z") from None
    return found


def _record(fields, times: dict[str, dt.datetime] | None = None) -> Record:
    """A ledger line's fields as a Record, each checked (the ledger may be edited by hand)."""
    if not isinstance(fields, dict):
        raise TypeError("not a JSON object")
    if not FIELDS_REQUIRED <= fields.keys():
        raise ValueError(f"missing {', '.join(name for name in REQUIRED if name not in fields)}")
    if unknown := fields.keys() - FIELDS_KNOWN:
        raise ValueError(f"unknown field {sorted(unknown)[0]!r} (the fields are {', '.join(REQUIRED + OPTIONAL)})")
    times = {} if times is None else times
    slug = _text(fields, "slug")
    _slug("slug", slug)
    former_slugs = _names(fields, "former_slugs")
    for former in former_slugs:
        _slug("former_slugs", former)
    if SPACE.search(id_ := _text(fields, "id")):
        raise ValueError(f"id {id_!r} holds a space")
    if not FINGERPRINT.fullmatch(body := _text(fields, "body")):
        raise ValueError("body must be 16 hex digits (a fingerprint written by feeds build)")
    if not SKETCH.fullmatch(sketch := _text(fields, "sketch")):
        raise ValueError("sketch must be hex digits written by feeds build")
    get = fields.get
    return Record(id=id_, slug=slug, published=_time(fields, "published", times), title=_text(fields, "title"),
                  body=body, sketch=sketch, themes=_names(fields, "themes"), countries=_names(fields, "countries"),
                  added=_time(fields, "added", times),
                  edited=None if get("edited") is None else _time(fields, "edited", times),
                  moved=None if get("moved") is None else _time(fields, "moved", times),
                  withdrawn=None if get("withdrawn") is None else _time(fields, "withdrawn", times),
                  former_slugs=former_slugs, left=_names(fields, "left"))


FIELDS_REQUIRED, FIELDS_KNOWN = frozenset(REQUIRED), frozenset(REQUIRED + OPTIONAL)


def _slug(name: str, slug: str) -> None:
    if not SLUG.fullmatch(slug):
        raise ValueError(f"{name} {slug!r} is not a slug: lower-case letters, digits and single hyphens")


def _text(fields: dict, name: str) -> str:
    value = fields[name]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")
    return value


def _names(fields: dict, name: str) -> tuple[str, ...]:
    value = fields.get(name, ())
    if value == ():
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{name} must be a list of strings")
    return tuple(value)


def _time(fields: dict, name: str, times: dict[str, dt.datetime]) -> dt.datetime:
    """The time in `name`, once per distinct text (most repeat: dates at noon, a build's time)."""
    text = fields[name]
    known = times.get(text) if isinstance(text, str) else None
    if known is not None:
        return known
    try:
        when = utc(text)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {text!r} is not a UTC time like 2021-10-26T12:00:00Z") from None
    if not FIRST <= when <= LAST:
        raise ValueError(f"{name} {text!r} is not a plausible time (years 1951 to 2999)")
    times[text] = when
    return when


SPACE = re.compile(r"\s")  # what str.isspace() calls a space, found by the regex engine: ids are long
FINGERPRINT = re.compile(r"[0-9a-f]{16}")  # a body's, and a digest of settings
SKETCH = re.compile(r"(?:[0-9a-f]{8}){1,%d}" % SKETCH_SIZE)


@contextmanager
def locked(seeds: Path, spare: Path | None = None):
    """Held while a build reads the ledger, publishes and writes it back, so two builders (a
    `feeds build` and a server's workers) never date one change twice. Where the seeds folder
    cannot hold the lock file (read-only), the lock is in `spare`, a folder the builders share."""
    handle = None
    for folder in (seeds, spare):
        try:
            handle = open(Path(folder) / LOCK, "a") if folder else None
        except OSError:
            continue
        if handle:
            break
    if handle is None:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


LOCK = ".ledger.lock"


def write_ledger(seeds: Path, ledger: Ledger) -> bool:
    """Replace the ledger file whole (a reader never sees half of it); False when unchanged."""
    path = Path(seeds) / NAME
    text = ledger.text()
    try:
        if path.read_text("utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    fd, scratch = tempfile.mkstemp(prefix=f".{NAME}.", dir=seeds)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(scratch, 0o644)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return True
