"""The Site: every document of the URL map, rendered once into memory.

The server and the static export both serve this mapping, so every URL without a query string
is the same bytes in both. Nothing renders a feed anywhere else.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Iterator, Mapping

from . import urls
from .catalog import Catalog
from .channels import ALL, COUNTRY, THEME, channels
from .config import Config
from .pages import Pages
from .syndication import Feeds




@dataclass(frozen=True)
class Resource:
    body: bytes
    media_type: str
    last_modified: dt.datetime  # newest item the document shows, never the build time
    etag: str = field(init=False)  # strong validator, from the bytes

    def __post_init__(self):
        object.__setattr__(self, "etag", hashlib.sha256(self.body).hexdigest()[:32])


@dataclass(frozen=True)
class Site(Mapping[str, Resource]):
    resources: dict[str, Resource]  # site path ("/", "/feed.atom", "/items/x/") → document
    catalog: Catalog
    config: Config

    def __getitem__(self, path: str) -> Resource:
        return self.resources[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)


def build_site(catalog: Catalog, config: Config) -> Site:
    chans = channels(catalog, config)
    feeds = Feeds(config, catalog.taxonomy)
    pages = Pages(catalog, config, chans)
    updated = chans[0].updated
    out: dict[str, Resource] = {}

    out["/"] = Resource(pages.index(), urls.MEDIA_TYPES["html"], updated)
    out[urls.OPML] = Resource(pages.opml(), urls.MEDIA_TYPES["opml"], updated)
    out[urls.THEMES] = Resource(pages.topics(THEME), urls.MEDIA_TYPES["html"], updated)
    out[urls.COUNTRIES] = Resource(pages.topics(COUNTRY), urls.MEDIA_TYPES["html"], updated)
    out[urls.ITEMS] = Resource(pages.items(), urls.MEDIA_TYPES["html"], updated)
    for channel in chans:
        for fmt in urls.FORMATS:
            out[channel.path(fmt)] = Resource(feeds.render(channel, fmt), urls.MEDIA_TYPES[fmt], channel.updated)
        if channel.kind != ALL:
            out[channel.page] = Resource(pages.topic(channel), urls.MEDIA_TYPES["html"], channel.updated)
    for item in catalog.items:
        out[urls.item_page(item.slug)] = Resource(pages.item(item), urls.MEDIA_TYPES["html"], item.published)
    return Site(out, catalog, config)

