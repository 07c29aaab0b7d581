"""Every document of the URL map: a Build renders them, a Site holds them in memory.

`feeds build`, and the builder whose export the server's workers serve, stream the same Build
to disk, so every URL without a query string is the same bytes from the server and from nginx.
Nothing renders a feed anywhere else, but the server's filters (feeds/searches.py).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterator, Mapping

from isal import igzip

from . import urls
from .catalog import Catalog
from .channels import ALL, COUNTRY, THEME, Channel, channels
from .config import Config
from .items import Item
from .ledger import build_time
from .listing import ListPage, list_pages
from .pages import Pages
from .recipes import Recipes
from .syndication import EntryCache, Feeds

IMMUTABLE = "public, max-age=31536000, immutable"  # full archive pages never change


def compress(body: bytes) -> bytes:
    """Deterministic gzip: no file name, no timestamp, so equal bytes give equal files and ETags.

    ISA-L (isal) at its level 2 compresses a page 7× faster than zlib's level 6 for output about
    15% larger (bench notes in docs/internals.md); with every document gzipped at build time, that is
    most of a large build's compression cost."""
    return igzip.compress(body, compresslevel=2, mtime=0)


def etag(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True)
class Resource:
    """One document in both its representations, each with its own strong validator."""
    body: bytes
    media_type: str
    last_modified: dt.datetime  # when the document's bytes last changed, as the ledger knows it
    immutable: bool = False  # a full archive page: its bytes never change, caches may keep it a year
    redirect: str | None = None  # a former address of an item: the server answers 301 to this site path
    gone: bool = False  # the page of a withdrawn item: the server answers 410 Gone with it
    recipe: str = ""  # what the bytes were made from (feeds/recipes.py): equal recipes, equal bytes
    etag: str = field(init=False)
    gzip: bytes = field(init=False, repr=False)  # compressed once, here, never per request
    gzip_etag: str = field(init=False)

    def cache_control(self, max_age: int) -> str:
        return IMMUTABLE if self.immutable else f"public, max-age={max_age}"

    @property
    def size(self) -> int:
        return len(self.body)

    @property
    def gzip_size(self) -> int:
        return len(self.gzip)

    def content(self, gzipped: bool) -> bytes:
        return self.gzip if gzipped else self.body

    def __post_init__(self):
        object.__setattr__(self, "etag", etag(self.body))
        object.__setattr__(self, "gzip", compress(self.body))
        object.__setattr__(self, "gzip_etag", etag(self.gzip))

    @cached_property
    def http_date(self) -> str:
        """Last-Modified as HTTP writes it: for the server's answers (a build does not need it,
        nor werkzeug, whose import was a hundredth of a weekly publish)."""
        from werkzeug.http import http_date
        return http_date(self.last_modified)


@dataclass(frozen=True)
class Carried:
    """A document whose recipe is the one the previous export recorded for it: not rendered
    again, its files are carried over from that export (feeds/export.py)."""
    media_type: str
    last_modified: dt.datetime
    recipe: str
    immutable: bool = False
    redirect: str | None = None
    gone: bool = False
    render: Callable[[], bytes] | None = field(default=None, compare=False, repr=False)  # if the file is not there

    def cache_control(self, max_age: int) -> str:
        return IMMUTABLE if self.immutable else f"public, max-age={max_age}"

    def rendered(self) -> Resource:
        return Resource(self.render(), self.media_type, self.last_modified, self.immutable, self.redirect, self.gone,
                        self.recipe)


@dataclass(frozen=True)
class Site(Mapping[str, Resource]):
    resources: dict[str, Resource]  # site path ("/", "/feed.atom", "/items/x/") → document
    catalog: Catalog
    config: Config
    feeds: dict[str, tuple[Channel, str]] = field(default_factory=dict)  # feed path → (channel, format)
    previews: dict[str, Resource] = field(default_factory=dict)  # feed path → its page for a browser

    def __getitem__(self, path: str) -> Resource:
        return self.resources[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)


def build_site(catalog: Catalog, config: Config) -> Site:
    """Every document in memory (for tests and tools; `feeds build` and the server's builder
    stream them to disk instead)."""
    build = Build(catalog, config)
    out, previews = {}, {}
    for path, resource in build.documents():
        if path.startswith(urls.PREVIEWS + "/"):  # kept by the feed's path: not an address of the site
            previews[path.removeprefix(urls.PREVIEWS).removesuffix(".html")] = resource
        else:
            out[path] = resource
    by_path = {channel.path(fmt): (channel, fmt) for channel in build.channels for fmt in urls.FORMATS}
    return Site(out, catalog, config, by_path, previews)


Document = tuple[str, "Resource | Carried"]  # (site path, the document or where its files are)


class Build:
    """What renders every document of the URL map, once, in an order that keeps memory flat.

    Its parts can be rendered apart: the pages, shares of the feeds (`feeds(part, parts)`) and
    spans of the item pages (`item_pages(start, stop)`), which is how `feeds build` spreads them
    over worker processes. `previous` (site path → recipe) is what the export being replaced was
    made from (publish_build reads it): a document whose recipe is unchanged is yielded
    `Carried`, not rendered."""

    def __init__(self, catalog: Catalog, config: Config):
        self.catalog, self.config = catalog, config
        self.previous: Mapping[str, str] = {}
        self.item_made: dict[str, tuple] = {}  # item id → its page's path, time, what it shows, recipe
        self.recipes = Recipes(config)
        # with other settings than the last build's, every document is dated from the build that
        # first made it so, at the earliest: its bytes changed then (recorded in the catalog's
        # ledger, which the caller writes back once published). Not for a site on this machine
        # only: a server on another port each run would add a site to the ledger each time.
        self.since = None if config.loopback else catalog.ledger.made_since(
            config.base_url, self.recipes.settings, catalog.built or build_time())
        self.channels = channels(catalog, config)
        self.pages = Pages(catalog, config, self.channels)
        # each channel's HTML list, in pages: the main channel's at /items/, the others' at their page
        self.lists = [(channel, list_pages(channel, urls.ITEMS if channel.kind == ALL else channel.page,
                                           config.page_size)) for channel in self.channels]

    @cached_property
    def feed_documents(self) -> list[Channel]:
        """Every feed and archive page, oldest first, so an item's serialized elements are made at
        its first document and dropped after its last, a few pages later, instead of all held to
        the end; a share of them is a run of consecutive documents, so few items are serialized by
        two shares (empty documents, which hold no item to share, first and in the first share)."""
        return sorted((doc for channel in self.channels for doc in (channel, *channel.archives(self.config.feed_size))),
                      key=lambda doc: (bool(doc.items), doc.items[-1].published if doc.items else None))

    def size(self) -> int:
        """How many documents `documents()` yields."""
        feeds = sum(1 + channel.archive_count(self.config.feed_size) for channel in self.channels)
        lists = sum(len(pages) for _, pages in self.lists)
        return (4 + lists + (feeds + len(self.channels)) * len(urls.FORMATS) + len(self.catalog.items)
                + len(self.catalog.withdrawn) + len(self.catalog.redirects))

    def documents(self) -> Iterator[Document]:
        """(site path, document) of every document, each once."""
        yield from self.pages_documents()
        yield from self.feeds()
        yield from self.item_pages(0, len(self.catalog.items))
        yield from self.former_pages()

    def _made(self, path: str, kind: str, last_modified: dt.datetime, shows: tuple, render: Callable[[], bytes],
              recipe: str | None = None, **flags) -> Document:
        """The document at `path`: carried over when the previous export made it from the same
        recipe (made here, unless given), else rendered."""
        last_modified = self._dated(last_modified)
        recipe = recipe or self._recipe(path, kind, last_modified, shows, **flags)
        media_type = urls.MEDIA_TYPES[kind]
        if self.previous.get(path) == recipe:
            return path, Carried(media_type, last_modified, recipe, **flags, render=render)
        return path, Resource(render(), media_type, last_modified, recipe=recipe, **flags)

    def _dated(self, when: dt.datetime) -> dt.datetime:
        return max(when, self.since) if self.since else when

    def _recipe(self, path: str, kind: str, last_modified: dt.datetime, shows: tuple, **flags) -> str:
        return self.recipes.of(path, kind, last_modified, sorted(flags.items()), shows)

    @staticmethod
    def _names(channel: Channel) -> tuple:
        """What a page shows of a channel apart from its items: its names, its page, its current
        feeds (not its archive pages, which come and go as it grows)."""
        return channel.id, channel.kind, channel.key, channel.name, channel.title, channel.description, channel.page

    def _head(self, channel: Channel) -> tuple:
        """What a feed document shows of its channel apart from its items: also where it sits in
        the archive chain."""
        return (*self._names(channel), channel.stem, channel.prev_archive, channel.next_archive)

    def _shown(self, items) -> tuple:
        return tuple(self.recipes.item(item) if isinstance(item, Item) else repr(item) for item in items)

    def pages_documents(self) -> Iterator[Document]:
        """The index, lists, theme and country pages, OPML, and each feed's preview for browsers."""
        pages, updated = self.pages, self._dated(self.channels[0].latest)  # they list or count every item
        html = urls.MEDIA_TYPES["html"]
        # these four show every channel and its counts: always rendered, they are few
        yield "/", Resource(pages.index(), html, updated)
        yield urls.OPML, Resource(pages.opml(), urls.MEDIA_TYPES["opml"], updated)
        yield urls.THEMES, Resource(pages.topics(THEME), html, updated)
        yield urls.COUNTRIES, Resource(pages.topics(COUNTRY), html, updated)
        main = self._names(self.channels[0])
        for channel, pages_of_list in self.lists:
            for page in pages_of_list:
                yield self._list_page(channel, page, main)
        for channel in self.channels:
            for fmt in urls.FORMATS:  # what it shows is what the feed shows
                yield self._made(urls.preview(channel.path(fmt)), "html", channel.last_modified,
                                 (self._names(channel), fmt, self._shown(channel.items),
                                  self._shown(channel.tombstones)),
                                 lambda channel=channel, fmt=fmt: pages.preview(channel, fmt))

    def _list_page(self, channel: Channel, page: ListPage, main: tuple) -> Document:
        shows = (self._names(channel), main, page.number, page.newer, page.older, self._shown(page.items))
        render = (lambda: self.pages.items(page)) if channel.kind == ALL else (lambda: self.pages.topic(channel, page))
        return self._made(page.path, "html", page.last_modified, shows, render)

    def feeds(self, part: int = 0, parts: int = 1) -> Iterator[Document]:
        """Every feed and archive page in every format; or one of `parts` shares of them, cut so
        that each share holds about as many items, for worker processes."""
        config = self.config
        documents = self.feed_documents
        total, seen, share = sum(len(doc.items) for doc in documents), 0, []
        for document in documents:
            if part == min(seen * parts // total, parts - 1) if total else part == 0:
                share.append(document)
            seen += len(document.items)
        entries = EntryCache(share)
        feeds = Feeds(config, self.catalog.taxonomy.labels, entries)
        for document in share:
            shows = (self._head(document), document.updated, self._shown(document.items),
                     self._shown(document.tombstones))
            for fmt in urls.FORMATS:
                yield self._made(document.path(fmt), fmt, document.last_modified, (fmt, shows),
                                 lambda document=document, fmt=fmt: feeds.render(document, fmt),
                                 immutable=document.complete)
            entries.done(document)

    def item_pages(self, start: int, stop: int) -> Iterator[Document]:
        for item in self.catalog.items[start:stop]:
            path, when, shows, recipe = self._item_page(item)
            yield self._made(path, "html", when, shows, lambda item=item: self.pages.item(item), recipe)

    def _item_page(self, item: Item) -> tuple[str, dt.datetime, tuple, str]:
        """An item page's path, time, what it shows, and the recipe made of them: made once, for
        `stale()` and then for rendering."""
        made = self.item_made.get(item.id)
        if made is None:
            record = self.catalog.records.get(item.id)
            path, shows = urls.item_page(item.slug), (self.recipes.item(item),)
            when = self._dated(record.touched if record else item.updated)
            made = self.item_made[item.id] = (path, when, shows, self._recipe(path, "html", when, shows))
        return made

    def stale(self) -> float:
        """The share of item pages whose recipe is not the previous export's: what is left to render,
        known before rendering (item pages are most documents)."""
        items = self.catalog.items
        if not items:
            return 0.0
        made = sum(self.previous.get(path) == recipe for path, _, _, recipe in map(self._item_page, items))
        return 1 - made / len(items)

    def former_pages(self) -> Iterator[Document]:
        """The pages of withdrawn items, and every former address of an item: a page that leads to
        the current one (the server answers 301 there; hosts that read `_redirects` or the nginx
        map do too)."""
        for record in self.catalog.withdrawn:
            yield self._made(urls.item_page(record.slug), "html", record.touched, (repr(record),),
                             lambda record=record: self.pages.withdrawn(record), gone=True)
        items = {item.id: item for item in self.catalog.items}
        for record in self.catalog.ledger.records:
            for former in record.former_slugs:
                target = urls.item_page(record.slug)
                shown = items.get(record.id, record)
                yield self._made(urls.item_page(former), "html", record.touched, self._shown([shown]),
                                 lambda shown=shown: self.pages.moved(shown), redirect=target)
