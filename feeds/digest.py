"""Reading digest files: text → entries, each remembering its file and line.

A digest is repeated blocks of: a line holding only a date (``26 October, 2021``), a title line,
then body paragraphs up to the next date line (which lines are date lines: feeds/dates.py).
Everything that does not fit is a Problem, never a silently dropped entry; what a careful editor
would look at twice is a warning.
"""
from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from . import dates
from .problems import DigestError, Problem, quote

if TYPE_CHECKING:
    from .factcache import FactCache

MAX_LINE = 20_000  # characters; the longest real paragraph is a few thousand
MAX_TITLE = 300

# XML 1.0 forbids C0 controls other than tab/newline/CR, lone surrogates, U+FFFE and U+FFFF.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Inside a line, any run of whitespace (tabs, no-break spaces from pasted web pages) is one space.
SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Source:
    path: str  # as the reader was given it, for messages
    line: int

    @property
    def file(self) -> str:
        """The file's name, independent of where the seeds folder lives."""
        return Path(self.path).name

    @property
    def name(self) -> str:
        return f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Entry:
    date: dt.date
    title: str
    paragraphs: tuple[str, ...]
    source: Source


@dataclass
class Reading:
    entries: list[Entry]
    warnings: list[Problem]  # published anyway, but worth telling the person who typed it


@lru_cache(maxsize=65536)
def parse_date_line(text: str, today: dt.date | None = None, alone: bool = True) -> dt.date | str | None:
    """A date for a date line, what is wrong with a line standing alone that nearly is one, None
    for any other line (feeds/dates.py). Cached: a digest repeats the date line of every story
    of a day."""
    return dates.parse_date_line(text, today, alone)


def decode(data: bytes, path: str) -> str:
    """UTF-8 (with or without a BOM); an undecodable byte is reported with its line."""
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[:e.start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        hint = " (the file looks like UTF-16; save it as UTF-8)" if data[:2] in (codecs.BOM_UTF16_LE,
                                                                               codecs.BOM_UTF16_BE) else ""
        message = f"byte 0x{data[e.start]:02x} is not UTF-8 text{hint}"
        raise DigestError([Problem(path, before.count(b"\n") + 1, message)]) from None


def clean_lines(text: str, path: str, warnings: list[Problem]) -> list[str]:
    """Lines without line-ending variants, forbidden characters or whitespace runs."""
    lines = []
    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if len(raw) > MAX_LINE:
            raise DigestError([Problem(path, number, f"line is {len(raw):,} characters long (at most {MAX_LINE:,}); "
                                                     "is this file a digest?")])
        bad = sorted(set(XML_FORBIDDEN.findall(raw)))
        if bad:
            names = ", ".join(f"U+{ord(c):04X}" for c in bad)
            warnings.append(Problem(path, number, f"removed characters that feeds cannot carry: {names}"))
            raw = XML_FORBIDDEN.sub("", raw)
        lines.append(SPACES.sub(" ", raw).strip())
    return lines


def read_text(text: str, path: str) -> Reading:
    warnings: list[Problem] = []
    problems: list[Problem] = []
    lines = clean_lines(text.removeprefix("\ufeff"), path, warnings)
    today = dt.date.today()  # part of the cache key: a date that was in the future may not be tomorrow
    entries: list[Entry] = []

    # Group the file into blocks, one per date line; what precedes the first date is an error. The
    # line after a date line is its title, even when it is nearly a date ("October 2021 in review").
    blocks: list[tuple[int, dt.date | str, list[tuple[int, str]]]] = []
    for number, line in enumerate(lines, 1):
        alone = (number == 1 or not lines[number - 2]) and (number == len(lines) or not lines[number])
        date = parse_date_line(line, today, alone) if line else None
        if isinstance(date, str) and blocks and not any(text for _, text in blocks[-1][2]) and dates.has_words(line):
            date = None  # a title that begins like a date: "October 2021 in review"
        if date is not None:
            blocks.append((number, date, []))
        elif blocks:
            blocks[-1][2].append((number, line))
        elif line and not problems:  # one message for a preamble, not one per line
            problems.append(Problem(path, number, f"text before the first date line: {quote(line)}"))

    if not blocks and not problems:
        problems.append(Problem(path, 1, "no entries: the file holds no date line such as '26 October, 2021'"
                                if any(lines) else "empty file: expected entries starting with a date line"))

    for number, date, rest in blocks:
        if isinstance(date, str):
            problems.append(Problem(path, number, date))
            continue
        content = [(n, text) for n, text in rest if text]
        if not content:
            problems.append(Problem(path, number, f"date line {lines[number - 1]!r} has no title after it"))
            continue
        title_line, title = content[0]
        if len(title) > MAX_TITLE:
            problems.append(Problem(path, title_line, f"title is {len(title):,} characters long (at most {MAX_TITLE}); "
                                                      "did a paragraph end up on the title line?"))
            continue
        body = rest[rest.index(content[0]) + 1:]
        paragraphs = split_paragraphs(line for _, line in body)
        if not paragraphs:
            problems.append(Problem(path, title_line, f"entry {quote(title)} has a title but no body"))
            continue
        if body and body[0][1]:
            warnings.append(Problem(path, title_line + 1, f"the title {quote(title)} runs on into this line: "
                                                          "if the title is wrapped, join it into one line; "
                                                          "if not, leave a blank line after the title"))
        entries.append(Entry(date, title, paragraphs, Source(path, number)))
    warnings += order_warnings(entries, path)

    if problems:
        raise DigestError(problems, warnings)
    return Reading(entries, warnings)


FAR = dt.timedelta(days=366)


def order_warnings(entries: list[Entry], path: str) -> list[Problem]:
    """Dates a careful editor would look at twice: a date more than a year from every entry within
    two places of it (a year typed wrong), and an entry newer than the one above it in a file
    that otherwise runs newest first."""
    warnings, far = [], set()
    for i, entry in enumerate(entries):
        around = entries[max(0, i - 2):i] + entries[i + 1:i + 3]
        if len(around) >= 2 and all(abs(entry.date - other.date) > FAR for other in around):
            far.add(i)
            nearest = min(around, key=lambda other: abs(entry.date - other.date))
            warnings.append(Problem(path, entry.source.line,
                                    f"{entry.date:%-d %B %Y} is more than a year from the entries around it "
                                    f"(the nearest: {nearest.date:%-d %B %Y}): is the year a typo?"))
    kept = [entry for i, entry in enumerate(entries) if i not in far]
    pairs = list(zip(kept, kept[1:]))
    descending = sum(a.date >= b.date for a, b in pairs)
    # newest first, but for a few: the first entry is newer than the last, and most steps go down
    if len(pairs) >= 2 and kept[0].date > kept[-1].date and descending >= len(pairs) - descending:
        for above, entry in pairs:
            if entry.date > above.date:
                warnings.append(Problem(path, entry.source.line,
                                        f"{entry.date:%-d %B %Y} is newer than the entry above it "
                                        f"({above.date:%-d %B %Y}, line {above.source.line}) in a file that runs "
                                        "newest first: is the date right?"))
    return warnings


def split_paragraphs(lines) -> tuple[str, ...]:
    """Blank lines separate paragraphs; lines wrapped inside a paragraph are joined."""
    paragraphs, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return tuple(paragraphs)


def read_file(path: Path) -> Reading:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DigestError([Problem(str(path), 0, f"cannot read: {e.strerror}")]) from None
    return read_text(decode(data, str(path)), str(path))


def digest_paths(folder: Path) -> list[Path]:
    """The files a seeds folder publishes: every *.txt whatever its case, in name order; dotfiles are
    editors' lock and swap files, not digests."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() == ".txt" and not p.name.startswith("."))


def read_folder(folder: Path, cache: FactCache | None = None) -> Reading:
    """Every ``*.txt`` in the folder, in name order; problems of all files are gathered. With a
    cache (feeds/factcache.py), a file whose bytes it has read before is not parsed again."""
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is a file, not a folder"
        raise DigestError([Problem(str(folder), 0, f"the seeds folder {what}")])
    try:
        paths = digest_paths(folder)
    except OSError as e:
        raise DigestError([Problem(str(folder), 0, f"cannot read the seeds folder: {e.strerror}")]) from None
    if not paths:
        raise DigestError([Problem(str(folder), 0, "the seeds folder holds no .txt digest files")])
    entries: list[Entry] = []
    warnings: list[Problem] = []
    problems: list[Problem] = []
    for path in paths:
        if not path.is_file():
            problems.append(Problem(str(path), 0, "not a regular file (a folder or a broken link?)"))
            continue
        try:
            reading = cache.read(path, read_file) if cache is not None else read_file(path)
        except DigestError as e:
            problems += e.problems
            warnings += e.warnings
            continue
        entries += reading.entries
        warnings += reading.warnings
    if problems:
        raise DigestError(problems, warnings)
    return Reading(entries, warnings)
