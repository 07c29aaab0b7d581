"""The URL map in one place: site paths, and the one function that makes them absolute."""
from __future__ import annotations

FORMATS = ("atom", "rss", "json")  # feed formats, named by their file extension
FORMAT_NAMES = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}
# Content-Type per extension; the export's host configuration must send the same
MEDIA_TYPES = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
    "json": "application/feed+json",
    "html": "text/html; charset=utf-8",
    "opml": "text/x-opml",
}


def media_type(fmt: str) -> str:
    """The bare type, for type="…" attributes of links."""
    return MEDIA_TYPES[fmt].split(";")[0]


ITEMS = "/items/"  # every item, newest first


def list_page(front: str, number: int) -> str:
    """Page `number` (1 = the oldest items) of the list at `front`: /items/page/3/,
    /themes/x/page/3/. Item slugs start with a date, so none is "page"."""
    return f"{front}page/{number}/"


def item_page(slug: str) -> str:
    return f"/items/{slug}/"


THEMES = "/themes/"  # the list of themes; also the scheme of every theme category


def theme_page(slug: str) -> str:
    return f"/themes/{slug}/"


COUNTRIES = "/countries/"  # the list of countries; also the scheme of every country category


def country_page(slug: str) -> str:
    return f"/countries/{slug}/"


OPML = "/feeds.opml"

PREVIEWS = "/_preview"  # not an address of the site: the server and nginx answer a browser from here


def preview(feed_path: str) -> str:
    """Where the HTML preview of a feed is kept: /feed.atom → /_preview/feed.atom.html (a file
    of the export that nginx serves in place of the feed to a browser; 404 when asked for)."""
    return f"{PREVIEWS}{feed_path}.html"


class Absolute:
    """Site path → public URL under the configured base URL (never from a request's Host)."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/") + "/"

    def __call__(self, path: str) -> str:
        # site paths are absolute paths ("/feed.atom"), so joining is concatenation (urljoin's
        # generality cost seconds on a large site)
        return self.base_url + path.lstrip("/")
