"""Filters on feed URLs that a static host cannot offer: ?limit=N and ?q=words.

A filtered feed is the channel narrowed to the items that match, rendered like any other
channel: a valid feed whose self link is the filtered URL.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from .digest import XML_FORBIDDEN
from .items import tokens

MAX_QUERY = 200  # characters of ?q=
MAX_WORDS = 10


class BadFilter(ValueError):
    """A filter value the server answers with 400 and this one-line reason."""


@dataclass(frozen=True)
class Filter:
    words: tuple[str, ...] = ()  # lower case, accents removed; an item must contain every one
    limit: int | None = None

    @property
    def query(self) -> str:
        """Canonical query string, so equal filters share one cache entry and one self link."""
        pairs = ([("q", " ".join(self.words))] if self.words else []) + (
            [("limit", str(self.limit))] if self.limit is not None else [])
        return urlencode(pairs)

    def __bool__(self) -> bool:
        return bool(self.words) or self.limit is not None


def parse(args, max_limit: int) -> Filter:
    """Filter from request arguments (a mapping of lists); other parameters are ignored, as a static
    host ignores them (readers append tracking parameters)."""
    limit = None
    if "limit" in args:
        values = args.getlist("limit")
        if len(values) != 1 or not NUMBER.fullmatch(values[0]) or not 1 <= int(values[0]) <= max_limit:
            raise BadFilter(f"limit must be one whole number from 1 to {max_limit}")
        limit = int(values[0])
    words: tuple[str, ...] = ()
    if "q" in args:
        values = args.getlist("q")
        text = " ".join(values)
        if len(values) != 1 or len(text) > MAX_QUERY or XML_FORBIDDEN.search(text):
            raise BadFilter(f"q must be one search of at most {MAX_QUERY} characters")
        words = tuple(sorted(set(tokens(text))))  # sorted: "a b" and "b a" are one filter, one URL
        if not words or len(words) > MAX_WORDS:
            raise BadFilter(f"q must hold 1 to {MAX_WORDS} words")
    return Filter(words, limit)


NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII digits only: "²" and "５" are digits to str.isdigit()
