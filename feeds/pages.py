"""HTML pages and the OPML list, rendered from Jinja2 templates with every text escaped."""
from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from . import urls
from .catalog import Catalog
from .channels import Channel
from .config import Config
from .items import Item



class Pages:
    def __init__(self, catalog: Catalog, config: Config, channels: list[Channel]):
        self.env = Environment(
            loader=PackageLoader(__package__, "templates"),
            autoescape=select_autoescape(["html", "opml"]),
            undefined=StrictUndefined,  # a typo in a template fails the build, not the reader
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        )
        self.catalog = catalog
        self.channels = channels
        self.env.globals.update(
            config=config, taxonomy=catalog.taxonomy, urls=urls, absolute=urls.Absolute(config.base_url),
            formats=urls.FORMAT_NAMES, media_type=urls.media_type,
        )

    def _render(self, template: str, **context) -> bytes:
        return self.env.get_template(template).render(**context).encode("utf-8")

    def index(self) -> bytes:
        return self._render("index.html", channel=self.channels[0], themes=self.theme_summaries(),
                            alternates=self.channels, items=self.catalog.items[:10],
                            count=len(self.catalog.items))

    def items(self) -> bytes:
        return self._render("items.html", items=self.catalog.items, alternates=self.channels[:1])

    def themes(self) -> bytes:
        return self._render("themes.html", themes=self.theme_summaries(), alternates=self.channels[1:])

    def theme_summaries(self) -> list[tuple[Channel, tuple[Item, ...]]]:
        return [(ch, self.catalog.in_theme(ch.theme.slug)) for ch in self.channels[1:]]

    def theme(self, channel: Channel) -> bytes:
        return self._render("theme.html", channel=channel, items=self.catalog.in_theme(channel.theme.slug),
                            alternates=[channel, self.channels[0]])

    def item(self, item: Item) -> bytes:
        theme_channels = [ch for ch in self.channels[1:] if ch.theme.slug in item.themes]
        return self._render("item.html", item=item, theme_channels=theme_channels,
                            alternates=[self.channels[0], *theme_channels])

    def opml(self) -> bytes:
        return self._render("feeds.opml", channels=self.channels)
