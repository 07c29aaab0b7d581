"""The URL map in one place: site paths, and the one function that makes them absolute."""
from __future__ import annotations

from urllib.parse import urljoin

FORMATS = ("atom", "rss", "json")


def item_page(slug: str) -> str:
    return f"/items/{slug}/"


THEMES = "/themes/"  # the list of themes; also the scheme of every theme category


def theme_page(slug: str) -> str:
    return f"/themes/{slug}/"


def feed(page: str, fmt: str) -> str:
    """A feed lives beside its HTML page: / → /feed.atom, /themes/x/ → /themes/x/feed.atom."""
    return f"{page}feed.{fmt}"


OPML = "/feeds.opml"


class Absolute:
    """Site path → public URL under the configured base URL (never from a request's Host)."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/") + "/"

    def __call__(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))
