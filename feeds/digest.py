"""Reading digest files: text → entries, each remembering its file and line.

A digest is repeated blocks of: a line holding only a date (``26 October, 2021``), a title line,
then body paragraphs up to the next date line. Everything that does not fit is a Problem, never
a silently dropped entry.
"""
from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dateutil import parser as dateparser

from .problems import DigestError, Problem, quote

# The digest's own shape of a date line: day, month word, optional comma, four-digit year.
# Anything of this shape is a date line, so a misspelt month is reported rather than read as
# body text (which would silently swallow the entry).
DATE_LINE = re.compile(r"(\d{1,2})\s+([^\W\d_]+)\.?\s*,?\s+(\d{4})\.?")
# Other spellings of a whole-line date ("October 14, 2021", "Thursday, 7th October 2021",
# "07/10/2021") are recognised too: a line of only numbers, month and weekday names and
# separators, with a four-digit year, is a date line, never body text.
DATE_TOKEN = re.compile(r"(\d+)(?:st|nd|rd|th)?|([^\W\d_]+)", re.IGNORECASE)
DATE_CHARS = re.compile(r"[\w\s,./-]+")
FIRST_YEAR = 1951  # IOM's founding; an earlier year is a typo
MAX_LINE = 20_000  # characters; the longest real paragraph is a few thousand
MAX_TITLE = 300

# XML 1.0 forbids C0 controls other than tab/newline/CR, lone surrogates, U+FFFE and U+FFFF.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Inside a line, any run of whitespace (tabs, no-break spaces from pasted web pages) is one space.
SPACES = re.compile(r"\s+")

_INFO = dateparser.parserinfo()  # dateutil's names of months and weekdays


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
def dateutil_date(text: str) -> dt.date | None:
    """dateutil's reading of a date line, None for an impossible date. Cached: a digest repeats
    the date line of every story of a day, and parsing was half of the time spent reading."""
    try:
        return dateparser.parse(text, parserinfo=_INFO, dayfirst=True).date()
    except (ValueError, OverflowError):
        return None


def parse_date_line(text: str, today: dt.date | None = None) -> dt.date | str | None:
    """A date for a date line, an error message for a malformed one, None for any other line."""
    canonical = DATE_LINE.fullmatch(text)
    if canonical and _INFO.month(canonical[2]) is None:
        return f"unknown month {canonical[2]!r} in date line {text!r} (write it like '26 October, 2021')"
    if len(text) > 40 or not DATE_CHARS.fullmatch(text):
        return None
    numbers, months = [], []
    for number, word in DATE_TOKEN.findall(text):
        if number:
            numbers.append(number)
        elif _INFO.month(word):
            months.append(word)
        elif not (_INFO.weekday(word) or _INFO.jump(word)):
            return None  # a word that is no part of a date: an ordinary line
    years = [n for n in numbers if len(n) == 4]
    if len(years) != 1 or len(numbers) + len(months) != 3 or len(months) > 1:
        return None
    if not months:
        return f"date line {text!r} gives the month as a number; write it like '26 October, 2021'"
    year, day, month = int(years[0]), int(next(n for n in numbers if n != years[0])), months[0]
    today = today or dt.date.today()
    if not FIRST_YEAR <= year <= today.year + 1:
        return f"date line {text!r} has the year {years[0]}; is it a typo?"
    date = dateutil_date(text)
    if date is None:
        return f"impossible date {text!r}: {month} {year} has no day {day}"
    if date > today + dt.timedelta(days=1):
        return f"date line {text!r} is in the future"
    return date


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
    entries: list[Entry] = []

    # Group the file into blocks, one per date line; what precedes the first date is an error.
    blocks: list[tuple[int, dt.date | str, list[tuple[int, str]]]] = []
    for number, line in enumerate(lines, 1):
        date = parse_date_line(line)
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
        entries.append(Entry(date, title, paragraphs, Source(path, number)))

    if problems:
        raise DigestError(problems)
    return Reading(entries, warnings)


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


def read_folder(folder: Path) -> Reading:
    """Every ``*.txt`` in the folder, in name order; problems of all files are gathered."""
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
            reading = read_file(path)
        except DigestError as e:
            problems += e.problems
            continue
        entries += reading.entries
        warnings += reading.warnings
    if problems:
        raise DigestError(problems)
    return Reading(entries, warnings)
