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
from dataclasses import dataclass
from functools import lru_cache

from dateutil.parser import parserinfo

from .places import plain as strip_accents


def plain(word: str) -> str:
    """Lower case without accents: "Miércoles" → "miercoles"."""
    return strip_accents(word.casefold())


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
        ("lunes", "lun"), ("tues", "martes"), ("weds", "miercoles", "mier", "mie"), ("thr", "thur", "thurs", "jueves", "jue"),
        ("viernes", "vie"), ("sabado", "sab"), ("domingo", "dom")])]


INFO = DigestDates()
MONTH_NAMES = sorted({plain(name) for names in DigestDates.MONTHS for name in names})
WEEKDAY_NAMES = {plain(name): names[1] for names in DigestDates.WEEKDAYS for name in names if len(name) >= 5}
ENGLISH = [names[-1] for names in parserinfo.MONTHS]  # "January", …
CONNECTORS = {"de", "del", "of", "the"}
DIGITS = re.compile(r"[0-9]+")  # ASCII only: "²" and "５" are digits to str.isdigit()
ORDINAL = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th|º|°)", re.IGNORECASE)
LOOKALIKE = re.compile(r"[0-9OoIl]+|[0-9OoIlZS]*[0-9][0-9OoIlZS]*")  # digits typed as letters: 2O21, l9, ZO21
LOOKS = str.maketrans("OoIlZS", "001125")
TOKEN = re.compile(r"[^\W_]+")


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


def nearest(word: str, names, most: int) -> tuple[int, str]:
    """The fewest edits from `word` to one of `names` (of about its length), and that name."""
    return min(((distance(word, name), name) for name in names if abs(len(name) - len(word)) <= most),
               default=(most + 1, ""))


@lru_cache(maxsize=4096)
def near_month(word: str) -> str | None:
    """The English month a misspelt word stands for ("Novmber", "Octobre"), if any."""
    if len(word) < 4:
        return None
    edits, name = nearest(word, MONTH_NAMES, 2)
    allowed = 1 if len(word) <= 5 or len(name) <= 3 else 2  # "Juin" → "Jun", "Novmber", "Ocotber"
    return ENGLISH[INFO.month(name) - 1] if edits <= allowed else None


@lru_cache(maxsize=4096)
def near_weekday(word: str) -> str | None:
    """The weekday a misspelt word stands for ("Tuseday", "Wendesday"), if any."""
    if len(word) < 5:
        return None
    edits, name = nearest(word, WEEKDAY_NAMES, 2)
    return WEEKDAY_NAMES[name] if edits <= 2 else None


WEEKDAY_WORDS = {plain(name) for names in DigestDates.WEEKDAYS for name in names}


def weekday_like(word: str) -> bool:
    """A weekday, or a letter away from one: "Mo", "Tu", "Wendsday"."""
    return any(distance(word, name) <= 1 for name in WEEKDAY_WORDS if len(name) >= 3)


@dataclass(frozen=True)
class Token:
    text: str  # as typed
    kind: str  # "number", "month", "near-month", "weekday", "connector", "lookalike", "word"
    value: int | str | None = None  # the number, the month number, or the month meant
    digits: str = ""  # of a number: as typed, without an ordinal's letters ("0021", "7" of "7th")


THOUSANDS = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")  # "1,047 migrants": one number
PIECES = re.compile(r"[0-9]+|[^\W\d_]+")  # "9Nov2021" → "9", "Nov", "2021"


def tokens(line: str) -> list[Token]:
    found = []
    for raw in TOKEN.findall(THOUSANDS.sub("", line)):
        if ORDINAL.fullmatch(raw) or LOOKALIKE.fullmatch(raw):
            pieces = [raw]
        else:
            pieces = PIECES.findall(raw)
        found += [token(piece) for piece in pieces]
    return found


def token(text: str) -> Token:
    word = plain(text)
    if DIGITS.fullmatch(text):
        return Token(text, "number", int(text), text)
    if ordinal := ORDINAL.fullmatch(text):
        return Token(text, "number", int(ordinal[1]), ordinal[1])
    if LOOKALIKE.fullmatch(text) and (DIGITS.search(text) or len(text) <= 2):  # "2O21", "l9", "l" for 1
        return Token(text, "lookalike", int(text.translate(LOOKS)))
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


def has_words(line: str) -> bool:
    """Whether a line holds words besides a date's."""
    return any(t.kind == "word" for t in tokens(line))


DATE_KINDS = {"number", "month", "near-month", "weekday", "near-weekday", "lookalike"}
NUMERIC_DATE = re.compile(r"[0-9]{1,4}([/.-])[0-9]{1,2}\1[0-9]{1,4}")  # 07/10/2021, 2021-10-26
PLAIN_DATE = re.compile(r"[\w\s,./-]*\w\.?")  # a date line inside a paragraph: no dash or colon to lead on
DASHES = re.compile("[\u2010-\u2015\u2212]")
TIME = re.compile(r"\b[0-9]{1,2}:[0-9]{2}\b")  # "9:00", "10:30"
OPENERS = {"the"}  # "the 9th of November, 2021" ("On 9 November, 2021 …" opens a sentence)


def parse_date_line(text: str, today: dt.date | None = None, alone: bool = True) -> dt.date | str | None:
    """A date for a date line; what is wrong with a line standing alone (`alone`: blank lines, or
    the file's edges, around it) that nearly is one; None for any other line. A line inside a
    paragraph is a date line only when it is a date and nothing else, in plain characters."""
    if len(text) > MAX_LENGTH or not DIGITS.search(text):  # a date line has a number: most lines stop here
        return None
    if not alone and not PLAIN_DATE.fullmatch(text):
        return None
    text = DASHES.sub("-", text.replace("\u00ad", ""))  # soft hyphens; dashes of every width
    if ":" in text:  # "12 October: workshop …", "9:00 – 10:30", "Date: 9 November, 2021", "9 November, 2021:"
        if not alone:
            return None
        label, _, rest = TIME.sub("", text).partition(":")
        if not rest.strip():
            text = label.strip()
        elif DIGITS.search(label) or len(label.split()) > 2:
            return None
        else:
            return parse_date_line(rest.strip(), today, alone)
    found = tokens(text)
    if found and found[0].kind == "connector" or found and plain(found[0].text) in OPENERS:
        found = found[1:]
    result = _read(text, found, today or dt.date.today())
    if result is None and alone:
        result = _unknown_word(text, found)
    if not alone and not isinstance(result, dt.date):
        return None
    return result


def _unknown_word(text: str, found: list[Token]) -> str | None:
    """A short line standing alone with a day, a year and one or two words nothing knows, as
    "9 Nbr 2021", "9 Novem. 2021", "Mo 8 Nov 2021": a date line with a word to fix. A place
    before a comma ("Panama City, 9 November 2021") is a dateline: body text."""
    words = [t for t in found if t.kind == "word" and len(t.text) > 1]
    numbers = [t for t in found if t.kind == "number"]
    if not numbers or any(len(t.text) < 3 and found.index(t) > found.index(numbers[0]) for t in words):
        return None  # "5 of 12 in 2021": a month abbreviated has three letters
    has_day = any(len(t.digits) <= 2 and 1 <= t.value <= 31 for t in numbers)
    has_year = any(len(t.digits) == 4 and FIRST_YEAR <= t.value <= 2100 for t in numbers)
    if not (has_day and has_year and 1 <= len(words) <= 2 and len(found) <= 5) or "," in text.split(numbers[0].text)[0]:
        return None
    leading = TOKEN.findall(text[:text.index(numbers[0].text)])
    if leading and (len(leading) > 1 or plain(leading[0]) in CONNECTORS | OPENERS
                    or not weekday_like(plain(leading[0]))):  # only "Mo", "Tu" and the like may lead
        return None
    unknown = " ".join(t.text for t in words)
    return (f"date line {text!r} has {unknown!r}, which is no month or weekday: "
            f"{EXAMPLE}")


def _read(text: str, found: list[Token], today: dt.date) -> dt.date | str | None:
    if not found or found[0].kind not in DATE_KINDS:
        return None
    quoted = repr(text)
    if all(t.kind == "number" for t in found):
        if NUMERIC_DATE.fullmatch(text):
            return f"date line {quoted} gives the month as a number; {EXAMPLE}"
        if [len(t.digits) <= 2 for t in found] == [True, False] and len(found[1].digits) == 4:
            return f"date line {quoted} has no month; {EXAMPLE}"  # "9, 2021"
        return None
    words = [t for t in found if t.kind == "word" and len(t.text) > 1]  # a lone letter is a typo's debris: "30S eptember"
    numbers = [t for t in found if t.kind == "number"]
    months = [t for t in found if t.kind == "month"]
    near = [t for t in found if t.kind in ("near-month", "near-weekday")]
    days = [t for t in numbers if len(t.digits) <= 2]
    years = [t for t in numbers if len(t.digits) >= 3]
    if not months and not near:
        if any(t.kind == "weekday" for t in found) and days and years and len(found) == 3:
            return f"date line {quoted} has no month; {EXAMPLE}"  # "Tuesday 9, 2021"
        return None  # no month: "2021 in numbers", "300 families in 12 communities"
    if words:
        # a note beside a whole date ("9 November, 2021 (corrected)", a title typed on the date
        # line); without a day, year and month before the first word it is a sentence, a caption
        # or a name ("1,047 migrants arrived on 14 October 2021", "Mar del Plata, 2021")
        head = found[:found.index(words[0])]
        if near or not (any(t.kind == "month" for t in head) and any(t.kind == "number" and len(t.digits) <= 2 for t in head)
                        and any(t.kind == "number" and len(t.digits) >= 3 for t in head)):
            return None
        note = " ".join(t.text for t in words)
        return (f"date line {quoted} has {note!r} beside the date; a date line holds only the date "
                f"(put a note in the body, a title on the line after)")
    if lookalike := next((t for t in found if t.kind == "lookalike"), None):
        fixed = lookalike.text.translate(LOOKS)
        return f"date line {quoted} has {lookalike.text!r}, with letters for digits: did you mean {fixed!r}?"
    if near:
        what = "month" if near[0].kind == "near-month" else "weekday"
        return f"unknown {what} {near[0].text!r} in date line {quoted}: did you mean {near[0].value!r}? ({EXAMPLE})"
    if len(months) > 1:
        return None if len(years) > 1 else f"date line {quoted} names two months; {EXAMPLE}"  # a range is body text
    if not years:
        short = [t for t in days if len(t.digits) == 2 and len(days) > 1]
        return f"date line {quoted} has no year" + (" (write the year in full)" if short else "") + f"; {EXAMPLE}"
    if len(years) > 1 or len(days) > 1:
        return f"date line {quoted} has more numbers than a day and a year; {EXAMPLE}"
    year = years[0]
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
