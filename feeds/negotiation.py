"""Which representation of a feed a request gets: the feed itself, or its HTML preview.

A browser opening a feed asks for text/html; it gets a page rendered at build time from the same
channel (what a feed is, the address to copy, the items), with no XSLT and no script. A feed
reader gets the feed's bytes. The rule is one pair of patterns, used as they are by `feeds serve`
and by deploy/nginx.conf's `map` (tests/test_nginx.py checks that the two say the same):

- an Accept header naming a feed type is a feed reader, whatever else it names (SimplePie, in
  FreshRSS, sends `application/atom+xml, …, text/html;q=0.7`);
- otherwise one naming text/html is a browser (Chromium, Firefox and Safari all lead with it);
- anything else (`*/*`, none: curl, newsboat, most readers) gets the feed.

Quality values are not weighed: nginx's map cannot, and no client seen sends a preference the
two patterns get wrong.
"""
from __future__ import annotations

import re

READER = r"(atom|rss|rdf)\+xml|feed\+json|application/json"  # case-insensitive, as nginx's ~*
BROWSER = r"text/html"

_reader, _browser = re.compile(READER, re.IGNORECASE), re.compile(BROWSER, re.IGNORECASE)


def wants_preview(accept: str | None) -> bool:
    return bool(accept) and not _reader.search(accept) and bool(_browser.search(accept))
