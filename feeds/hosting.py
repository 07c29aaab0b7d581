"""Host configuration written beside the export: `_headers` and `_redirects` for Netlify and
Cloudflare Pages, and the map of former item addresses that deploy/nginx.conf includes.

Those hosts merge the headers of every rule that matches a path, so no two rules here match the
same document: feeds and archive pages are listed one by one (content type, cache lifetime, CORS),
and HTML pages are matched by folder patterns. nginx is configured once, by deploy/nginx.conf.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .export import Written

HTML_RULES = ["/", "/themes/", "/countries/", "/items/", "/themes/:slug/", "/countries/:code/", "/items/:slug/",
              "/items/page/:number/", "/themes/:slug/page/:number/", "/countries/:code/page/:number/"]


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


REDIRECTS = "_redirects"  # Netlify and Cloudflare Pages
NGINX_REDIRECTS = "_redirects.map"  # included by deploy/nginx.conf in a `map $uri …` block


def redirects_file(redirects: dict[str, Written]) -> str:
    """`redirects`: former site path of an item ("/items/old/") → what was written there."""
    lines = ["# Former addresses of items whose title or date was corrected, written by `feeds build`."]
    for path, document in sorted(redirects.items()):
        lines.append(f"{path} {document.redirect} 301")  # one line a move: Cloudflare Pages takes 2,000
    return "\n".join(lines) + "\n"


def nginx_map(redirects: dict[str, Written]) -> str:
    """The same, as the body of an nginx map from $uri to the new path (slugs are ASCII letters,
    digits and hyphens: nothing to quote). nginx reads it when it (re)loads its configuration."""
    lines = ["# Former addresses of items → current ones, written by `feeds build`; reload nginx after a build that adds one."]
    for path, document in sorted(redirects.items()):
        lines += [f"{path} {document.redirect};", f"{path.rstrip('/')} {document.redirect};",
                  f"{path}index.html {document.redirect};"]
    return "\n".join(lines) + "\n"
