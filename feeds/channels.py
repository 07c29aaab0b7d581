"""What each feed says, apart from how it is serialized: one Channel per feed of the URL map."""
from __future__ import annotations

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

    def path(self, fmt: str) -> str:
        return urls.feed(self.page, fmt) + (f"?{self.query}" if self.query else "")


def channels(catalog: Catalog, config: Config) -> list[Channel]:
    """The all-items channel, then one per theme in taxonomy order, then one per country by name."""
    # an empty feed still needs an `updated`; a fixed one, so adding unrelated items changes nothing
    epoch = dt.datetime(int(config.tag_year), 1, 1, tzinfo=dt.timezone.utc)
    tag = f"tag:{config.tag_authority},{config.tag_year}:"

    def channel(kind, key, name, title, description, page, items, tag_path):
        return Channel(tag + tag_path, kind, key, name, title, description, page, items,
                       items[:config.feed_size], items[0].published if items else epoch)

    result = [channel(ALL, "", config.title, config.title, config.description, "/", catalog.items, "feed")]
    for theme in catalog.taxonomy.themes:
        result.append(channel(THEME, theme.slug, theme.title, f"{config.title}: {theme.title}", theme.description,
                              urls.theme_page(theme.slug), catalog.in_theme(theme.slug), f"themes/{theme.slug}"))
    for country in catalog.countries():
        result.append(channel(COUNTRY, country.code, country.name, f"{config.title}: {country.name}",
                              f"News from the digest about {country.name}.", urls.country_page(country.slug),
                              catalog.in_country(country.code), f"countries/{country.slug}"))
    return result
