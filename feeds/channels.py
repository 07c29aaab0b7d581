"""What each feed says, apart from how it is serialized: one Channel per feed of the URL map.

A channel's history is a row of slots, newest first: its items, and the tombstones of items it
showed and that were withdrawn. A withdrawn item keeps its slot, so withdrawing one never shifts
the archive pages after it. Each document's `updated` is when its bytes last changed, as the
ledger knows it (`Freshness`): that is its Last-Modified, its file's mtime and its Atom `updated`.
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from dataclasses import dataclass
from itertools import accumulate
from typing import Union

from . import urls
from .catalog import Catalog
from .config import Config
from .items import Item
from .ledger import Record

ALL, THEME, COUNTRY = "all", "theme", "country"
Slot = Union[Item, Record]  # a Record in a slot is a withdrawn item's tombstone
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Channel:
    id: str  # tag URI: like item ids, independent of the base URL
    kind: str  # ALL, THEME or COUNTRY
    key: str  # theme slug or country code; "" for all items
    name: str  # what it is about, for headings: "Labour migration", "Panama"
    title: str  # the feed's title
    description: str
    page: str  # site path of the HTML page this feed belongs to
    all_items: tuple[Item, ...]  # newest first; its page lists them all
    items: tuple[Item, ...]  # newest first, at most feed_size: what the feed holds
    updated: dt.datetime  # the feed's own `updated`: the newest change to what it shows (never the build time)
    query: str = ""  # a filtered view of the channel (?q=…&limit=…), served only by the server
    # RFC 5005 archives: the subscription document is "feed"; archive page k is "archive/k"
    stem: str = "feed"
    prev_archive: str | None = None  # stem of the next older archive page
    next_archive: str | None = None  # stem of the next newer archive page
    complete: bool = False  # an archive page holding its full ARCHIVE_PAGE slots: it never changes again
    slots: tuple[Slot, ...] = ()  # the whole history, newest first: items and tombstones
    tombstones: tuple[Record, ...] = ()  # withdrawn items in this document's slots, newest first
    latest: dt.datetime = EPOCH  # when anything in the channel's history last changed
    freshness: "Freshness | None" = None
    modified: dt.datetime | None = None  # the document's Last-Modified, when not `updated` (archive pages)

    @property
    def last_modified(self) -> dt.datetime:
        """When the document's bytes last changed: its Last-Modified and file time."""
        return self.modified or self.updated

    def path(self, fmt: str) -> str:
        """A feed lives beside its HTML page: / → /feed.atom, /themes/x/ → /themes/x/archive/3.rss."""
        return self.sibling(self.stem, fmt) + (f"?{self.query}" if self.query else "")

    def sibling(self, stem: str, fmt: str) -> str:
        """Path of another document of this channel: an archive page, or "feed", the current one."""
        return f"{self.page}{stem}.{fmt}"

    @property
    def is_archive(self) -> bool:
        return self.stem != "feed"

    def archive_count(self, size: int) -> int:
        """Pages of the slots older than the feed holds; the last is the one still filling (maybe empty)."""
        older = len(self.slots) - size
        return older // size + 1 if older > 0 else 0

    def archives(self, size: int) -> list[Channel]:
        """Archive pages of the slots older than the feed holds, numbered from the oldest, `size`
        slots each, so a full page never changes again; newest page first.

        Slots are numbered oldest first and cut into pages: page 1 holds the 1st to 50th oldest.
        Every full page links to the page after it, so when the pages are all full an empty page
        follows: the link a full page carries never has to be added later.
        """
        older = list(reversed(self.slots[size:]))  # oldest first
        count = self.archive_count(size)
        pages = []
        for number in range(1, count + 1):
            chunk = tuple(reversed(older[(number - 1) * size:number * size]))  # newest first, as feeds are
            items = tuple(slot for slot in chunk if isinstance(slot, Item))
            newest = chunk[0].published if chunk else None
            # an archive page's `updated` is the newest change to what it shows, so its bytes do not
            # move with the wider reckoning of its Last-Modified (which may say later than needed)
            shown = max((self.freshness.touched(slot) for slot in chunk), default=self.freshness.floor) \
                if self.freshness else self.updated
            pages.append(dataclasses.replace(
                self, id=f"{self.id}/archive/{number}", title=f"{self.title} (archive, page {number})",
                items=items, all_items=items, slots=chunk,
                tombstones=tuple(slot for slot in chunk if isinstance(slot, Record)),
                updated=shown,
                modified=(self.freshness.archive(chunk, newest, count - number, (number + 1) * size)
                          if self.freshness else None),
                stem=f"archive/{number}", prev_archive=f"archive/{number - 1}" if number > 1 else None,
                next_archive=f"archive/{number + 1}" if number < count else None,
                complete=len(chunk) == size))
        return pages[::-1]


class Freshness:
    """When each document of one channel last changed, from the ledger's times.

    A document changes when an item it shows is added, edited or withdrawn (`Record.touched`),
    or when an item takes or changes its place in the channel (`Record.placed`: added, date
    fixed, theme changed), which shifts the documents from that place to the newest. So a
    document's time is the newest `touched` of what it shows and the newest `placed` of every
    item at or below its newest slot (all of them for the current feed and the newest archive
    page, which takes the slots the current feed lets go). A full page also changed when it took
    its last slot from the current feed: when the channel first held enough slots to start the
    page after it. An edited old item thus reaches the pages that show it and no others, and a
    full archive page stays as it was when news arrives."""

    def __init__(self, catalog: Catalog, slots: tuple[Slot, ...], left: list[Record], floor: dt.datetime = EPOCH):
        self.catalog = catalog
        self.members = members = [*slots, *left]  # every item it holds, held, or showed withdrawn
        self.slot_times = sorted(self.placed(slot) for slot in slots)  # when the channel held 1, 2, … slots
        placed = sorted((self.lowest(m), self.placed(m)) for m in members)
        self.positions = [lowest for lowest, _ in placed]
        self.placed_upto = list(accumulate((when for _, when in placed), max))
        self.floor = floor  # the time of a document that shows nothing and never did
        self.all_placed = max(self.placed_upto[-1], floor) if placed else floor
        self.latest = max([self.all_placed, *(self.touched(m) for m in members)])

    def touched(self, slot) -> dt.datetime:
        found = self.catalog.times.get(slot.id)
        return found[2] if found else slot.updated

    def placed(self, slot) -> dt.datetime:
        found = self.catalog.times.get(slot.id)
        return found[1] if found else slot.published

    def lowest(self, slot) -> dt.datetime:
        found = self.catalog.times.get(slot.id)
        return found[0] if found else slot.published

    def current(self, shown) -> dt.datetime:
        return max([self.all_placed, *(self.touched(s) for s in shown)])

    def archive(self, shown, newest: dt.datetime | None, rank: int, filled: int) -> dt.datetime:
        """`rank`: 0 for the newest archive page, 1 for the one before it, and so on; `filled`: how
        many slots the channel holds once this page is full and the next one is started."""
        if rank == 0 or newest is None:  # the newest page takes the slots the current feed lets go
            placed = self.all_placed
        else:
            upto = bisect.bisect_right(self.positions, newest)
            placed = max(self.placed_upto[upto - 1], self.floor) if upto else self.floor
            # it took its last slot (from the current feed) and its next-archive link when the
            # channel first held `filled` slots
            placed = max(placed, self.slot_times[filled - 1] if filled <= len(self.slot_times) else self.floor)
        return max([placed, *(self.touched(s) for s in shown)])


def channels(catalog: Catalog, config: Config) -> list[Channel]:
    """The all-items channel, then one per theme in taxonomy order, then one per country by name."""
    tag = f"tag:{config.tag_authority},{config.tag_year}:"
    # an empty feed still needs an `updated`; a fixed one, so adding unrelated items changes nothing
    epoch = dt.datetime(int(config.tag_year), 1, 1, tzinfo=dt.timezone.utc)
    # where each ledger record is or was: channel key → records, for tombstones and freshness
    withdrawn: dict[str, list[Record]] = {}
    departed: dict[str, list[Record]] = {}
    for record in catalog.ledger.records:
        if record.withdrawn:
            for key in record.feeds()[:len(record.themes) + len(record.countries)]:
                withdrawn.setdefault(key, []).append(record)
        for key in record.left:
            departed.setdefault(key, []).append(record)

    def channel(kind, key, name, title, description, page, items, tag_path, gone, left):
        slots = tuple(sorted((*items, *gone), key=lambda slot: slot.published, reverse=True))
        freshness = Freshness(catalog, slots, left, epoch)
        shown = slots[:config.feed_size]
        current = Channel(tag + tag_path, kind, key, name, title, description, page, items,
                          tuple(s for s in shown if isinstance(s, Item)), freshness.current(shown),
                          slots=slots, tombstones=tuple(s for s in shown if isinstance(s, Record)),
                          latest=freshness.latest, freshness=freshness)
        newest = current.archive_count(config.feed_size)  # the pages themselves are made by the Site
        return dataclasses.replace(current, prev_archive=f"archive/{newest}") if newest else current

    result = [channel(ALL, "", config.title, config.title, config.description, "/", catalog.items, "feed",
                      catalog.withdrawn, [])]
    for theme in catalog.taxonomy.themes:
        key = f"themes/{theme.slug}"
        result.append(channel(THEME, theme.slug, theme.title, f"{config.title}: {theme.title}", theme.description,
                              urls.theme_page(theme.slug), catalog.in_theme(theme.slug), key,
                              withdrawn.get(key, []), departed.get(key, [])))
    for country in catalog.countries():
        key = f"countries/{country.code}"
        result.append(channel(COUNTRY, country.code, country.name, f"{config.title}: {country.name}",
                              f"News from the digest about {country.name}.", urls.country_page(country.slug),
                              catalog.in_country(country.code), f"countries/{country.slug}",
                              withdrawn.get(key, []), departed.get(key, [])))
    return result
