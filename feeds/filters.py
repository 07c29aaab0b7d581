"""Filters on feed URLs that a static host cannot offer: ?limit=N and ?q=words.

A filtered feed is the channel narrowed to the items that match, rendered like any other
channel: a valid feed whose self link is the filtered URL.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from urllib.parse import urlencode

from .channels import Channel
from .items import Item
from .places import plain

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
        if len(values) != 1 or not values[0].isdigit() or not 1 <= int(values[0]) <= max_limit:
            raise BadFilter(f"limit must be one whole number from 1 to {max_limit}")
        limit = int(values[0])
    words: tuple[str, ...] = ()
    if "q" in args:
        values = args.getlist("q")
        text = " ".join(values)
        if len(values) != 1 or len(text) > MAX_QUERY:
            raise BadFilter(f"q must be one search of at most {MAX_QUERY} characters")
        words = tuple(dict.fromkeys(normalize(text).split()))
        if not words or len(words) > MAX_WORDS:
            raise BadFilter(f"q must hold 1 to {MAX_WORDS} words")
    return Filter(words, limit)


def normalize(text: str) -> str:
    return plain(text).casefold()


def matches(item: Item, words: tuple[str, ...]) -> bool:
    """Every word appears in the title or body, ignoring case and accents."""
    text = normalize(f"{item.title}\n{item.body}")
    return all(word in text for word in words)


def narrow(channel: Channel, wanted: Filter, feed_size: int) -> Channel:
    """The channel as the filtered URL publishes it: ?q= searches its whole history, newest first;
    ?limit= sets how many items the document holds (otherwise the usual feed size)."""
    pool = [item for item in channel.all_items if matches(item, wanted.words)] if wanted.words \
        else channel.all_items
    items = tuple(pool[:wanted.limit or feed_size])
    title = f"{channel.title} — search: {' '.join(wanted.words)}" if wanted.words else channel.title
    return dataclasses.replace(channel, id=f"{channel.id}?{wanted.query}", query=wanted.query, title=title,
                               all_items=tuple(pool), items=items,
                               updated=items[0].published if items else channel.updated)
