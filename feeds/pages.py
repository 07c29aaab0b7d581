"""HTML pages and the OPML list, rendered from Jinja2 templates with every text escaped."""
from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from . import urls
from .catalog import Catalog
from .channels import ALL, COUNTRY, THEME, Channel
from .chart import build_chart
from .config import Config
from .items import Item
from .ledger import Record
from .listing import ListPage


def once(macro):
    """A macro of one channel or item, rendered on first use and then reused (keyed by its id:
    hashing a channel would hash all its items)."""
    made = {}

    def render(thing):
        if thing.id not in made:
            made[thing.id] = macro(thing)
        return made[thing.id]
    return render


class Pages:
    def __init__(self, catalog: Catalog, config: Config, channels: list[Channel]):
        self.env = Environment(
            loader=PackageLoader(__package__, "templates"),
            autoescape=select_autoescape(["html", "opml"]),
            undefined=StrictUndefined,  # a typo in a template fails the build, not the reader
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        )
        self.catalog, self.config = catalog, config
        self.main = next(ch for ch in channels if ch.kind == ALL)
        self.themes = [ch for ch in channels if ch.kind == THEME]
        self.countries = [ch for ch in channels if ch.kind == COUNTRY]
        self.by_key = {(ch.kind, ch.key): ch for ch in channels}
        self.env.globals.update(
            config=config, urls=urls, absolute=urls.Absolute(config.base_url),
            formats=urls.FORMAT_NAMES, media_type=urls.media_type, main=self.main,
        )
        # a channel's <link rel=alternate> tags and an item's row in a list read the same on every
        # page: made once each, they halve the time of the item pages (docs/internals.md, build benchmark)
        parts = self.env.get_template("_parts.html").module
        self.env.globals.update(alternate_links=once(parts.alternate_links), item_row=once(parts.item_row),
                                topic_link=once(parts.topic_link))

    def _render(self, template: str, **context) -> bytes:
        return self.env.get_template(template).render(**context).encode("utf-8")

    def index(self) -> bytes:
        return self._render("index.html", themes=self.themes, countries=self.countries,
                            alternates=[self.main, *self.themes], items=self.catalog.items[:10],
                            chart=build_chart(self.catalog))

    def items(self, page: ListPage) -> bytes:
        """One page of every item, newest first."""
        return self._render("items.html", page=page, alternates=[self.main])

    def topics(self, kind: str) -> bytes:
        """/themes/ or /countries/: every channel of that kind with its feeds."""
        channels = self.themes if kind == THEME else self.countries
        return self._render("topics.html", kind=kind, channels=channels, alternates=channels)

    def topic(self, channel: Channel, page: ListPage) -> bytes:
        """A page of one theme or one country: its feeds, and its newest items or a page of older ones."""
        return self._render("topic.html", channel=channel, page=page, alternates=[channel, self.main])

    def item(self, item: Item) -> bytes:
        themes = [self.by_key[THEME, slug] for slug in item.themes]
        countries = [self.by_key[COUNTRY, code] for code in item.countries]
        return self._render("item.html", item=item, themes=themes, countries=countries,
                            alternates=[self.main, *themes, *countries])

    def moved(self, item: Item | Record) -> bytes:
        """What a former address of an item shows where a host cannot redirect: a link, a refresh
        and rel=canonical to the current one."""
        return self._render("moved.html", item=item, target=urls.Absolute(self.config.base_url)(urls.item_page(item.slug)),
                            alternates=[])

    def withdrawn(self, record: Record) -> bytes:
        return self._render("withdrawn.html", record=record, alternates=[])

    def preview(self, channel: Channel, fmt: str) -> bytes:
        """What a browser opening the feed gets in its place: what a feed is, the address to copy,
        the items it holds, with links (feeds/negotiation.py)."""
        return self._render("preview.html", channel=channel, fmt=fmt, alternates=[channel])

    def opml(self) -> bytes:
        return self._render("feeds.opml", themes=self.themes, countries=self.countries)
