"""Date lines: which lines of a digest are dates, and which only nearly are.

A line standing alone that is made mostly of date-like words (a day, a month or something close to
a month's name, a year-like number, a weekday, an ordinal, "de" or "of") is a date line: either it
reads as a date, in any common order, abbreviated or in Spanish ("26 de octubre de 2021"), or it is
reported with what is wrong and what to type. It never becomes a paragraph of the entry above,
which would swallow the entry it starts. A sentence that mentions a date has other words around
it, or does not start with the date, and is body text.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from dateutil.parser import parserinfo


def plain(word: str) -> str:
    """Lower case without accents: "Miércoles" → "miercoles"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))

FIRST_YEAR = 1951  # IOM's founding; an earlier year is a typo
EXAMPLE = "write it like '26 October, 2021'"
MAX_LENGTH = 60  # characters: a date line, a weekday and a short note fit



class DigestDates(parserinfo):
    """dateutil's English names of months and weekdays, and the Spanish ones the region's office
    also writes (accents dropped: words are compared without them)."""
    SPANISH_MONTHS = [("enero", "ene"), ("febrero",), ("marzo",), ("abril", "abr"), ("mayo",), ("junio",),
                      ("julio",), ("agosto", "ago"), ("septiembre", "setiembre"), ("octubre",), ("noviembre",),
                      ("diciembre", "dic")]
    MONTHS = [(*english, *spanish) for english, spanish in zip(parserinfo.MONTHS, SPANISH_MONTHS)]
    WEEKDAYS = [(*english, *more) for english, more in zip(parserinfo.WEEKDAYS, [
        ("lunes",), ("tues", "martes"), ("miercoles",), ("thur", "thurs", "jueves"), ("viernes",), ("sabado",),
        ("domingo",)])]


INFO = DigestDates()
MONTH_NAMES = sorted({plain(name) for names in DigestDates.MONTHS for name in names})
WEEKDAY_NAMES = {plain(name): names[1] for names in DigestDates.WEEKDAYS for name in names if len(name) >= 5}
ENGLISH = [names[-1] for names in parserinfo.MONTHS]  # "January", …
CONNECTORS = {"de", "del", "of", "the"}
DIGITS = re.compile(r"[0-9]+")  # ASCII only: "²" and "５" are digits to str.isdigit()
ORDINAL = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th|º|°)", re.IGNORECASE)
LOOKALIKE = re.compile(r"[0-9OoIl]+")  # digits typed as letters: 2O21, l9
TOKEN = re.compile(r"[^\W_]+")
LETTERS_THEN_DIGITS = re.compile(r"([^\W\d_]+)([0-9]+)|([0-9]+)([^\W\d_]+)")


def distance(a: str, b: str) -> int:
    """Edits (a letter added, dropped, changed, or two swapped) between two words."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if previous2 is not None and i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=4096)
def near_month(word: str) -> str | None:
    """The English month a misspelt word stands for ("Novmber", "Octobre"), if any."""
    if len(word) < 4:
        return None
    edits, name = min(((distance(word, name), name) for name in MONTH_NAMES if abs(len(name) - len(word)) <= 2),
                      default=(99, ""))
    allowed = 1 if len(word) <= 5 or len(name) <= 3 else 2  # "Juin" → "Jun", "Novmber", "Ocotber"
    return ENGLISH[INFO.month(name) - 1] if edits <= allowed else None


@lru_cache(maxsize=4096)
def near_weekday(word: str) -> str | None:
    """The weekday a misspelt word stands for ("Tuseday", "Wendesday"), if any."""
    if len(word) < 5:
        return None
    edits, name = min(((distance(word, name), name) for name in WEEKDAY_NAMES if abs(len(name) - len(word)) <= 2),
                      default=(99, ""))
    return WEEKDAY_NAMES[name] if edits <= 2 else None


@dataclass(frozen=True)
class Token:
    text: str  # as typed
    kind: str  # "number", "month", "near-month", "weekday", "connector", "lookalike", "word"
    value: int | str | None = None  # the number, the month number, or the month meant
    digits: str = ""  # of a number: as typed, without an ordinal's letters ("0021", "7" of "7th")


THOUSANDS = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")  # "1,047 migrants": one number


def tokens(line: str) -> list[Token]:
    found = []
    for raw in TOKEN.findall(THOUSANDS.sub("", line)):
        parts = LETTERS_THEN_DIGITS.fullmatch(raw)
        if parts and not ORDINAL.fullmatch(raw) and not LOOKALIKE.fullmatch(raw):
            pieces = [p for p in parts.groups() if p]  # "September2021" → "September", "2021"
        else:
            pieces = [raw]
        found += [token(piece) for piece in pieces]
    return found


def token(text: str) -> Token:
    word = plain(text)
    if DIGITS.fullmatch(text):
        return Token(text, "number", int(text), text)
    if ordinal := ORDINAL.fullmatch(text):
        return Token(text, "number", int(ordinal[1]), ordinal[1])
    if LOOKALIKE.fullmatch(text) and (DIGITS.search(text) or len(text) <= 2):  # "2O21", "l9", "l" for 1
        return Token(text, "lookalike", int(text.translate(str.maketrans("OoIl", "0011"))))
    if (month := INFO.month(word)) is not None:  # 1 to 12
        return Token(text, "month", month)
    if INFO.weekday(word) is not None:
        return Token(text, "weekday")
    if word in CONNECTORS:
        return Token(text, "connector")
    if meant := near_month(word):
        return Token(text, "near-month", meant)
    if meant := near_weekday(word):
        return Token(text, "near-weekday", meant)
    return Token(text, "word")


DATE_KINDS = {"number", "month", "near-month", "weekday", "near-weekday", "connector", "lookalike"}


def is_date_like(found: list[Token]) -> bool:
    """Mostly date words, starting with one, with a number and a month (or only numbers, as in
    07/10/2021): a date line, typed right or not. "12 October: workshop for consular staff" has
    too many other words; "Georgetown, Guyana, 24 September2021" and "On 12 October, 2021 the
    committee met" do not start with the date; "Mayor of Tapachula" has no number."""
    start = found[1] if len(found) > 1 and found[0].text.casefold() == "the" else found[0] if found else None
    if start is None or start.kind not in DATE_KINDS - {"connector"}:  # "the 9th of November, 2021" starts right
        return False
    numbers = [t for t in found if t.kind in ("number", "lookalike")]
    if not numbers:
        return False
    if len(numbers) == len(found):
        return len(numbers) >= 3  # 07/10/2021, 2021-10-26
    dated = [t for t in found if t.kind in DATE_KINDS]
    other = len(found) - len(dated)
    named = any(t.kind in ("month", "near-month") for t in found)
    return named and len(dated) >= 2 and other <= max(1, len(dated) - 1) and other < len(dated)


def parse_date_line(text: str, today: dt.date | None = None) -> dt.date | str | None:
    """A date for a date line, what is wrong with a line that nearly is one, None for any other line."""
    if len(text) > MAX_LENGTH or not DIGITS.search(text):  # a date line has a number: most lines stop here
        return None
    found = tokens(text)
    if not is_date_like(found):
        return None
    quoted = repr(text)
    words = [t for t in found if t.kind == "word"]
    if lookalike := next((t for t in found if t.kind == "lookalike"), None):
        fixed = lookalike.text.translate(str.maketrans("OoIl", "0011"))
        return f"date line {quoted} has {lookalike.text!r}, with letters for digits: did you mean {fixed!r}?"
    if near := next((t for t in found if t.kind == "near-month"), None):
        return f"unknown month {near.text!r} in date line {quoted}: did you mean {near.value!r}? ({EXAMPLE})"
    if near := next((t for t in found if t.kind == "near-weekday"), None):
        return f"unknown weekday {near.text!r} in date line {quoted}: did you mean {near.value!r}? ({EXAMPLE})"
    months = [t for t in found if t.kind == "month"]
    numbers = [t for t in found if t.kind == "number"]
    if not months:
        if len(numbers) >= 3 or "/" in text or "-" in text or "." in text:
            return f"date line {quoted} gives the month as a number; {EXAMPLE}"
        return f"date line {quoted} has no month; {EXAMPLE}"
    if len(months) > 1:
        return f"date line {quoted} names two months; {EXAMPLE}"
    if words:
        note = " ".join(t.text for t in words)
        return (f"date line {quoted} has {note!r} beside the date; a date line holds only the date "
                f"(put a note in the body)")
    years = [t for t in numbers if len(t.digits) >= 3]
    days = [t for t in numbers if len(t.digits) <= 2]
    if not years:
        return f"date line {quoted} has no year; {EXAMPLE}"
    if len(years) > 1 or len(days) > 1:
        return f"date line {quoted} has more numbers than a day and a year; {EXAMPLE}"
    year = years[0]
    today = today or dt.date.today()
    if len(year.digits) != 4 or not FIRST_YEAR <= year.value <= today.year + 1:
        return f"date line {quoted} has the year {year.digits}; is it a typo?"
    if not days:
        return f"date line {quoted} has no day; {EXAMPLE}"
    month, day = months[0].value, days[0].value
    try:
        date = dt.date(year.value, month, day)
    except ValueError:
        return f"impossible date {quoted}: {ENGLISH[month - 1]} {year.value} has no day {day}"
    if date > today + dt.timedelta(days=1):
        return f"date line {quoted} is in the future"
    return date
