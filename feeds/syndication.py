"""Channels serialized: Atom 1.0 and RSS 2.0 through feedgen, JSON Feed 1.1 by its spec.

Every function here is pure: the same channel and base URL give the same bytes.
"""
from __future__ import annotations

import json
from collections import Counter
from typing import Mapping

from feedgen.entry import FeedEntry
from feedgen.ext.dc import DcEntryExtension, DcExtension
from feedgen.feed import FeedGenerator
from lxml import etree
from markupsafe import escape

from . import urls
from .channels import Channel
from .config import Config
from .history import HistoryExtension
from .items import Item
from .ledger import Record
from .places import country_name


TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"  # RFC 6721
DC = "http://purl.org/dc/elements/1.1/"  # RSS 2.0's <author> takes only an e-mail address: dc:creator names one
ATOM = "http://www.w3.org/2005/Atom"
WITHDRAWN = "This item was withdrawn by the publisher."
CLOSING = {"atom": b"</feed>\n", "rss": b"  </channel>\n</rss>\n"}  # where a document's items go
GENERATOR = "iom-digest-feeds"  # no version: upgrading must not change the published bytes


def body_html(item: Item) -> str:
    """The body as HTML: each paragraph escaped text in <p>, nothing from the digest taken as markup.

    A dateline's place leads the first paragraph, as in a newspaper: "<b>Georgetown, Guyana</b> — …".
    """
    paragraphs = [str(escape(p)) for p in item.paragraphs]
    if item.place:
        paragraphs[0] = f"<b>{escape(item.place)}</b> — {paragraphs[0]}"
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def body_text(item: Item) -> str:
    return (f"{item.place} — " if item.place else "") + item.body


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class EntryCache(dict):
    """Item id → what `Feeds.cached` made of the item, kept while documents still to be rendered
    show it: `done(document)` after each one drops what no later document needs."""

    def __init__(self, documents: list[Channel]):
        super().__init__()
        self.left = Counter(item.id for document in documents for item in document.items)

    def done(self, document: Channel) -> None:
        for item in document.items:
            self.left[item.id] -= 1
            if not self.left[item.id]:
                self.pop(item.id, None)


class Feeds:
    """Serializers bound to what every feed shares: base URL, configuration and theme labels."""

    def __init__(self, config: Config, labels: Mapping[str, str], cache: dict | None = None):
        self.config = config
        self.cache = cache  # item id → its serialized forms, shared by a build's documents (or a share's)
        self.labels = labels  # theme slug → its title (Taxonomy.labels)
        self.absolute = urls.Absolute(config.base_url)

    def categories(self, item: Item) -> list[dict]:
        """Themes, then countries, each kind with its own scheme (the page that lists them)."""
        themes, countries = self.absolute(urls.THEMES), self.absolute(urls.COUNTRIES)
        return ([{"term": slug, "scheme": themes, "label": self.labels[slug]} for slug in item.themes]
                + [{"term": code, "scheme": countries, "label": country_name(code)} for code in item.countries])

    def _generator(self, channel: Channel, fmt: str) -> FeedGenerator:
        """The document's head: everything but its entries, which `entry` makes once per item."""
        fg = FeedGenerator()
        fg.id(channel.id)
        fg.title(channel.title)
        fg.description(channel.description)
        fg.author({"name": self.config.author})
        fg.language(self.config.language)
        fg.generator(GENERATOR)
        if fmt == "rss":  # the root declares dc: for the items' dc:creator
            fg.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
        # self before alternate: feedgen takes the RSS <link> from the last link added
        fg.link(href=self.absolute(channel.path(fmt)), rel="self", type=urls.media_type(fmt))
        related = self.related(channel, fmt)
        if related or channel.is_archive:
            fg.register_extension("history", HistoryExtension, atom=True, rss=True)
            fg.history.archive = channel.is_archive
            if fmt == "rss":
                fg.history.rss_links = related
        if fmt == "atom":
            for link in related:
                fg.link(**link)
        fg.link(href=self.absolute(channel.page), rel="alternate", type="text/html")
        fg.updated(channel.updated)  # also RSS lastBuildDate; feedgen would use the clock
        return fg

    def _feed_entry(self, item: Item) -> FeedEntry:
        """The item as feedgen's entry; with the summary only in Atom (see `_serialized`)."""
        fe = FeedEntry()
        fe.id(item.id)  # also the RSS guid, isPermaLink="false"
        fe.title(item.title)
        fe.link(href=self.absolute(urls.item_page(item.slug)), rel="alternate", type="text/html")
        fe.published(item.published)
        fe.updated(item.updated)  # moves when the text is corrected, so readers show the fix
        fe.author({"name": self.config.author})  # readers show an entry's own author, not the feed's
        # registered by class: feedgen's load_extension first tries to import a module that
        # does not exist, a search of the import path for each of 12,000 entries
        fe.register_extension("dc", DcEntryExtension, atom=False, rss=True)
        fe.dc.dc_creator(self.config.author)
        fe.category(self.categories(item))
        # RSS has one description and readers take it as HTML, so it gets the escaped body
        fe.content(body_html(item), type="html")
        return fe

    def entry(self, item: Item, fmt: str) -> bytes:
        """One item's <entry> (Atom) or <item> (RSS), indented for its place in a document.

        An item reads the same in every feed and archive page it is in (four or five of them), so
        its element is made and serialized once per build (see EntryCache), not once per document."""
        return self.cached(item, "xml", self._serialized)[fmt]

    def _serialized(self, item: Item) -> dict[str, bytes]:
        """Both XML formats from one FeedEntry: RSS first, before the summary, which feedgen would
        otherwise make the RSS description in place of the body."""
        fe = self._feed_entry(item)
        rss = self._indented(fe.rss_entry(), 2)
        # serialized alone, the item declares dc: itself; in the document the root declares it
        # (as feedgen writes it whole); the tag is unique, a title's "<" is always escaped
        alone, spliced = f'<dc:creator xmlns:dc="{DC}">'.encode(), b"<dc:creator>"
        if rss.count(alone) != 1:
            raise AssertionError(f"feedgen's RSS item has no single {alone!r}")
        fe.summary(item.summary)
        return {"rss": rss.replace(alone, spliced), "atom": self._indented(fe.atom_entry(), 1)}

    @staticmethod
    def _indented(element, depth: int) -> bytes:
        etree.indent(element, space="  ", level=depth)
        return b"  " * depth + etree.tostring(element, encoding="utf-8") + b"\n"

    def cached(self, item: Item, kind: str, make):
        """make(item), once per build when there is a cache: an item reads the same everywhere."""
        if self.cache is None:
            return make(item)
        made = self.cache.setdefault(item.id, {})
        if kind not in made:
            made[kind] = make(item)
        return made[kind]

    def _document(self, channel: Channel, fmt: str) -> bytes:
        """feedgen's document for the head, the items' elements spliced in before its closing tags:
        the same bytes feedgen writes with the entries added to it (tests/test_feeds.py)."""
        fg = self._generator(channel, fmt)
        head = fg.atom_str(pretty=True) if fmt == "atom" else fg.rss_str(pretty=True)
        close = CLOSING[fmt]
        if not head.endswith(close):
            raise AssertionError(f"feedgen's {fmt} document does not end with {close!r}")
        entries = b"".join(self.entry(item, fmt) for item in channel.items)
        if fmt == "atom":  # withdrawn items first: RFC 4287's schema puts extension elements before entries
            entries = b"".join(map(self.tombstone, channel.tombstones)) + entries
        return head[:-len(close)] + entries + close

    def tombstone(self, record: Record) -> bytes:
        """RFC 6721 deleted-entry: readers that know it drop the entry; the link leads to the
        page that says it was withdrawn. It carries its own namespace declaration, so it is
        spliced in like an entry."""
        element = etree.Element(f"{{{TOMBSTONES}}}deleted-entry", nsmap={None: ATOM, "at": TOMBSTONES},
                                ref=record.id, when=record.withdrawn.isoformat())
        etree.SubElement(element, f"{{{ATOM}}}link", rel="alternate", type="text/html",
                         href=self.absolute(urls.item_page(record.slug)))
        etree.SubElement(element, f"{{{TOMBSTONES}}}comment").text = WITHDRAWN
        return self._indented(element, 1)

    def related(self, channel: Channel, fmt: str) -> list[dict]:
        """RFC 5005 archive links and the WebSub hub, as link attributes."""
        links = []
        if channel.is_archive:
            links.append({"rel": "current", "href": self.absolute(channel.sibling("feed", fmt))})
        for rel, stem in (("prev-archive", channel.prev_archive), ("next-archive", channel.next_archive)):
            if stem:
                links.append({"rel": rel, "href": self.absolute(channel.sibling(stem, fmt)),
                              "type": urls.media_type(fmt)})
        if self.config.websub_hub and not channel.is_archive:
            links.append({"rel": "hub", "href": self.config.websub_hub})
        return links

    def atom(self, channel: Channel) -> bytes:
        return self._document(channel, "atom")

    def rss(self, channel: Channel) -> bytes:
        return self._document(channel, "rss")

    def json_feed(self, channel: Channel) -> bytes:
        doc = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": channel.title,
            "home_page_url": self.absolute(channel.page),
            "feed_url": self.absolute(channel.path("json")),
            "description": channel.description,
            "language": self.config.language,
            "authors": [{"name": self.config.author}],
        }
        if channel.prev_archive:  # JSON Feed pages: next_url leads to older items
            doc["next_url"] = self.absolute(channel.sibling(channel.prev_archive, "json"))
        if self.config.websub_hub and not channel.is_archive:
            doc["hubs"] = [{"type": "WebSub", "url": self.config.websub_hub}]
        # compact: json's C encoder only runs without indent; readers do not care, and 100,000 items do.
        # Items are encoded once each and spliced in, as in Atom and RSS: `"items":[…]` comes last.
        head = dumps(doc)[:-1]
        items = ",".join(self.cached(item, "json", lambda item: dumps(self.json_item(item))) for item in channel.items)
        return f'{head},"items":[{items}]}}\n'.encode("utf-8")

    def json_item(self, item: Item) -> dict:
        return {
            "id": item.id,
            "url": self.absolute(urls.item_page(item.slug)),
            "title": item.title,
            "summary": item.summary,
            "content_html": body_html(item),
            "content_text": body_text(item),
            "date_published": item.published.isoformat(),
            "date_modified": item.updated.isoformat(),
            "authors": [{"name": self.config.author}],
            "tags": [category["label"] for category in self.categories(item)],
            # JSON Feed extension (an underscore key): the same facts as codes, for programs
            "_digest": {"themes": list(item.themes), "countries": list(item.countries), "place": item.place},
        }

    def render(self, channel: Channel, fmt: str) -> bytes:
        return {"atom": self.atom, "rss": self.rss, "json": self.json_feed}[fmt](channel)
