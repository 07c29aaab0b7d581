"""HTML lists of items in pages that do not grow with history: /items/, a theme's, a country's.

The first page of a list holds its newest items. The items older than those are cut into pages
numbered from the oldest, as the feeds' archive pages are (RFC 5005), so a full page keeps its
items when news arrives: a new item changes the first page and the newest numbered page only,
and an edited one the pages from its own to the newest.
"""
from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from itertools import accumulate

from . import urls
from .channels import Channel
from .items import Item


@dataclass(frozen=True)
class ListPage:
    path: str  # site path: /items/, /items/page/3/
    items: tuple[Item, ...]  # newest first
    number: int  # 0 for the first page, which holds the newest items
    newer: str | None  # site path of the page of the next newer items
    older: str | None  # site path of the page of the next older items
    last_modified: dt.datetime


def list_pages(channel: Channel, front: str, size: int) -> list[ListPage]:
    """The pages of a channel's items at `front` (its page, or /items/ for every item), first
    page first; each numbered page holds `size` items, the newest one up to `size`.

    Times come from the ledger, as the feeds' do (channels.Freshness), and only move forward.
    A list page shows no tombstones, so a withdrawal shifts the pages above the withdrawn item as
    an addition does. A numbered page therefore changed when anything happened to an item at or
    below its newest place (added, edited, moved, withdrawn, restored), and when the page after
    it was started (its "newer" link stopped leading to the first page). The first page and the
    newest numbered page, which takes the items the first page lets go, change with anything."""
    items, fresh = channel.all_items, channel.freshness
    older = items[size:][::-1]  # oldest first
    count = -(-len(older) // size)

    def path(number: int) -> str:
        return urls.list_page(front, number) if number else front

    if fresh is not None:
        def event(member) -> dt.datetime:
            return max(fresh.placed(member), fresh.touched(member))
        events = sorted((fresh.lowest(m), event(m)) for m in fresh.members)
        positions = [lowest for lowest, _ in events]
        upto = list(accumulate((when for _, when in events), max))
        held = sorted(event(item) for item in items)  # held[k - 1]: when the list first held k items

    def time(number: int, shown: tuple[Item, ...]) -> dt.datetime:
        if fresh is None or number == count:
            return channel.latest
        below = bisect.bisect_right(positions, shown[0].published)
        started = held[(number + 1) * size]  # the page after this one took its first item
        return max(fresh.floor, started, upto[below - 1] if below else fresh.floor)

    pages = [ListPage(front, items[:size], 0, None, path(count) if count else None, channel.latest)]
    for number in range(count, 0, -1):
        shown = tuple(reversed(older[(number - 1) * size:number * size]))
        pages.append(ListPage(path(number), shown, number, path(number + 1 if number < count else 0),
                              path(number - 1) if number > 1 else None, time(number, shown)))
    return pages
