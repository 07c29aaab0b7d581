"""What each feed says, apart from how it is serialized: one Channel per feed of the URL map."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import urls
from .catalog import Catalog
from .config import Config
from .items import Item
from .themes import Theme


@dataclass(frozen=True)
class Channel:
    id: str  # tag URI: like item ids, independent of the base URL
    title: str
    description: str
    page: str  # site path of the HTML page this feed belongs to
    items: tuple[Item, ...]  # newest first, at most feed_size
    updated: dt.datetime  # newest item's time; never the build time
    theme: Theme | None = None  # None for the all-items channel

    def path(self, fmt: str) -> str:
        return urls.feed(self.page, fmt)


def newest(items, fallback: dt.datetime) -> dt.datetime:
    return items[0].published if items else fallback


def channels(catalog: Catalog, config: Config) -> list[Channel]:
    """The all-items channel first, then one per theme in taxonomy order."""
    # an empty feed still needs an `updated`; a fixed one, so adding unrelated items changes nothing
    epoch = dt.datetime(int(config.tag_year), 1, 1, tzinfo=dt.timezone.utc)
    tag = f"tag:{config.tag_authority},{config.tag_year}:"
    result = [Channel(tag + "feed", config.title, config.description, "/",
                      catalog.items[:config.feed_size], newest(catalog.items, epoch))]
    for theme in catalog.taxonomy.themes:
        items = catalog.in_theme(theme.slug)
        result.append(Channel(tag + f"themes/{theme.slug}", f"{config.title}: {theme.title}",
                              theme.description, urls.theme_page(theme.slug),
                              items[:config.feed_size], newest(items, epoch), theme))
    return result
