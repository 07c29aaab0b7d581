"""Where an item is: the countries it names (ISO 3166-1 alpha-2) and the dateline its body opens with.

Country names come from pycountry, the maintained ISO 3166 list; places.toml adds the region's
demonyms, cities and other spellings. Every country found keeps its evidence, like themes do.
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pycountry

from .patterns import trie_pattern


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2, upper case
    name: str

    @property
    def slug(self) -> str:  # URL part: /countries/pa/
        return self.code.lower()


@dataclass(frozen=True, slots=True)
class Mention:
    text: str  # as written, e.g. "Belizean"
    where: str  # "title", "dateline" or "body"

    def __str__(self) -> str:
        return f"{self.text!r} in {self.where}"


COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def plain(text: str) -> str:
    """Without accents, so "Darién" and "Darien", "Panamá" and "Panama" are one name."""
    if text.isascii():
        return text
    return COMBINING.sub("", unicodedata.normalize("NFKD", text))


def display_name(record) -> str:
    """The name people use: "Venezuela", not "Venezuela, Bolivarian Republic of"."""
    for name in (getattr(record, "common_name", None), record.name, getattr(record, "official_name", None)):
        if name and "," not in name:
            return re.sub(r"\s*\(.*\)$", "", name)
    return record.name


class Gazetteer:
    """Country names, demonyms and places → countries, matched longest first on word boundaries."""

    def __init__(self, aliases: dict[str, list[str]]):
        self.countries: dict[str, Country] = {}
        names: dict[str, str] = {}
        for record in pycountry.countries:
            country = Country(record.alpha_2, display_name(record))
            self.countries[country.code] = country
            for name in (record.name, getattr(record, "common_name", None), getattr(record, "official_name", None),
                         country.name):
                if name and "," not in name:
                    names[plain(name)] = country.code
        for code, spellings in aliases.items():
            if code not in self.countries:
                raise ValueError(f"places.toml: {code} is not an ISO 3166-1 alpha-2 code")
            for spelling in spellings:
                names[plain(spelling)] = code
        self.names = names
        self.pattern = re.compile(r"(?<![\w-])(" + trie_pattern(names) + r")s?(?![\w-])")

    def find(self, text: str) -> list[tuple[str, str]]:
        """(code, text as written) for each name in the text, in order."""
        flat = plain(text)
        # NFKD may change lengths (ligatures); map back through positions only when it did not
        same = len(flat) == len(text)
        return [(self.names[m[1]], text[m.start():m.end()] if same else m[0]) for m in self.pattern.finditer(flat)]

    def knows(self, place: str) -> bool:
        return any(self.find(part.strip()) for part in place.split(","))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    data = tomllib.loads(resources.files(__package__).joinpath("places.toml").read_text("utf-8"))
    return Gazetteer(data["aliases"])


def country_name(code: str) -> str:
    return gazetteer().countries[code].name


def countries(title: str, dateline: str | None, body: str) -> dict[str, tuple[Mention, ...]]:
    """Country code → where it is named, in order of first mention (title, dateline, body)."""
    found: dict[str, list[Mention]] = {}
    for where, text in (("title", title), ("dateline", dateline or ""), ("body", body)):
        for code, written in gazetteer().find(text):
            mentions = found.setdefault(code, [])
            if Mention(written, where) not in mentions:
                mentions.append(Mention(written, where))
    return {code: tuple(mentions) for code, mentions in found.items()}


# A dateline opens a body: "Georgetown, Guyana, 24 September2021", "Puebla, Puebla – …",
# "Port of Spain - …", "Mexico City. …". Its place is one to three capitalised names separated by
# commas, optionally followed by a date, then a dash, a full stop or the end of the paragraph.
_NAME = r"(?:the\s+)?[A-Z][\w'’.-]*(?:\s+(?:(?:of|de|del|la|las|los|and|the)\s+)?[A-Z][\w'’.-]*)*"
_DATE = r"\d{1,2}\s*[A-Za-z]+\.?,?\s*\d{4}|[A-Za-z]+\s+\d{1,2},?\s*\d{4}"
DATELINE = re.compile(
    rf"(?P<place>{_NAME}(?:,\s*{_NAME}){{0,2}})(?:,?\s*(?P<date>{_DATE}))?"
    rf"(?:\s*$|\s+[-–—]+\s+|\.\s+(?=[A-Z])|\s*[-–—]+\s*(?=[A-Z]))(?P<rest>.*)", re.DOTALL)


def split_dateline(paragraphs: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """(place, the paragraphs without the dateline), or (None, paragraphs) when there is none.

    Only a known place counts, so an opening like "IOM – The International…" stays body text.
    """
    if not paragraphs:
        return None, paragraphs
    m = DATELINE.match(paragraphs[0])
    if not m or not gazetteer().knows(m["place"]) or len(m["place"]) > 60:
        return None, paragraphs
    rest = m["rest"].strip()
    if not rest:  # the whole first paragraph was the dateline
        return m["place"], paragraphs[1:] if len(paragraphs) > 1 else paragraphs
    return m["place"], (rest, *paragraphs[1:])
