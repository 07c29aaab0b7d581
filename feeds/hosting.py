"""Host configuration written beside the export: `_headers` for Netlify and Cloudflare Pages.

Those hosts merge the headers of every rule that matches a path, so no two rules here match the
same document: feeds and archive pages are listed one by one (content type, cache lifetime, CORS),
and HTML pages are matched by folder patterns. nginx is configured once, by deploy/nginx.conf.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .export import Written

HTML_RULES = ["/", "/themes/", "/countries/", "/items/", "/themes/:slug/", "/countries/:code/", "/items/:slug/"]


def headers_file(written: dict[str, Written], max_age: int) -> str:
    """`written`: file name in the export → what was written there."""
    lines = ["# Content types and cache lifetimes for Netlify and Cloudflare Pages, written by `feeds build`.",
             "# Full archive pages never change: they may be cached for a year.", ""]
    for rule in HTML_RULES:
        lines += [rule, f"  Cache-Control: public, max-age={max_age}", ""]
    for name, document in sorted(written.items()):
        if document.media_type.startswith("text/html"):
            continue
        lines += ["/" + name, f"  Content-Type: {document.media_type}",
                  f"  Cache-Control: {document.cache_control}",
                  "  Access-Control-Allow-Origin: *", ""]
    return "\n".join(lines)
