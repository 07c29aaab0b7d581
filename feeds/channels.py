"""What each feed says, apart from how it is serialized: one Channel per feed of the URL map."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from . import urls
from .catalog import Catalog
from .config import Config
from .items import Item

ALL, THEME, COUNTRY = "all", "theme", "country"


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
    updated: dt.datetime  # newest item's time; never the build time
    query: str = ""  # a filtered view of the channel (?q=…&limit=…), served only by the server
    # RFC 5005 archives: the subscription document is "feed"; archive page k is "archive/k"
    stem: str = "feed"
    prev_archive: str | None = None  # stem of the next older archive page
    next_archive: str | None = None  # stem of the next newer archive page
    complete: bool = False  # an archive page holding its full ARCHIVE_PAGE items: it never changes again

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
        """Pages of the items older than the feed holds; the last is the one still filling (maybe empty)."""
        older = len(self.all_items) - len(self.items)
        return older // size + 1 if older else 0

    def archives(self, size: int) -> list[Channel]:
        """Archive pages of the items older than the feed holds, numbered from the oldest, `size`
        items each, so a full page never changes again; newest page first.

        Items are numbered oldest first and cut into pages: page 1 holds the 1st to 50th oldest.
        Every full page links to the page after it, so when the pages are all full an empty page
        follows: the link a full page carries never has to be added later.
        """
        older = list(reversed(self.all_items[len(self.items):]))  # oldest first
        count = self.archive_count(size)
        pages = []
        for number in range(1, count + 1):
            chunk = tuple(reversed(older[(number - 1) * size:number * size]))  # newest first, as feeds are
            pages.append(dataclasses.replace(
                self, id=f"{self.id}/archive/{number}", title=f"{self.title} (archive, page {number})",
                items=chunk, all_items=chunk, updated=chunk[0].published if chunk else self.updated,
                stem=f"archive/{number}", prev_archive=f"archive/{number - 1}" if number > 1 else None,
                next_archive=f"archive/{number + 1}" if number < count else None,
                complete=len(chunk) == size))
        return pages[::-1]


def channels(catalog: Catalog, config: Config) -> list[Channel]:
    """The all-items channel, then one per theme in taxonomy order, then one per country by name."""
    # an empty feed still needs an `updated`; a fixed one, so adding unrelated items changes nothing
    epoch = dt.datetime(int(config.tag_year), 1, 1, tzinfo=dt.timezone.utc)
    tag = f"tag:{config.tag_authority},{config.tag_year}:"

    def channel(kind, key, name, title, description, page, items, tag_path):
        current = Channel(tag + tag_path, kind, key, name, title, description, page, items,
                          items[:config.feed_size], items[0].published if items else epoch)
        newest = current.archive_count(config.feed_size)  # the pages themselves are made by the Site
        return dataclasses.replace(current, prev_archive=f"archive/{newest}") if newest else current

    result = [channel(ALL, "", config.title, config.title, config.description, "/", catalog.items, "feed")]
    for theme in catalog.taxonomy.themes:
        result.append(channel(THEME, theme.slug, theme.title, f"{config.title}: {theme.title}", theme.description,
                              urls.theme_page(theme.slug), catalog.in_theme(theme.slug), f"themes/{theme.slug}"))
    for country in catalog.countries():
        result.append(channel(COUNTRY, country.code, country.name, f"{config.title}: {country.name}",
                              f"News from the digest about {country.name}.", urls.country_page(country.slug),
                              catalog.in_country(country.code), f"countries/{country.slug}"))
    return result
