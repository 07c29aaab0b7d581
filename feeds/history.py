"""A feedgen extension for what feedgen writes only partly: RFC 5005 feed history and WebSub.

feedgen writes any Atom <link>, but an RSS channel gets only the self link; RSS readers find
archives and hubs through atom:link too. Archive documents also carry <fh:archive/>.
"""
from __future__ import annotations

from feedgen.ext.base import BaseExtension
from lxml import etree

FH = "http://purl.org/syndication/history/1.0"
ATOM = "http://www.w3.org/2005/Atom"


class HistoryExtension(BaseExtension):
    def __init__(self):
        self.archive = False
        self.rss_links: list[dict] = []  # atom:link attributes to add to an RSS channel

    def extend_ns(self):
        return {"fh": FH}

    def _head(self, parent, first_child_tag) -> int:
        """Position after the metadata: extension elements must come before the first entry/item."""
        for index, child in enumerate(parent):
            if child.tag == first_child_tag:
                return index
        return len(parent)

    def extend_atom(self, feed):
        if self.archive:
            feed.insert(self._head(feed, f"{{{ATOM}}}entry"), etree.Element(f"{{{FH}}}archive"))
        return feed

    def extend_rss(self, rss):
        channel = rss[0]
        at = self._head(channel, "item")
        elements = [etree.Element(f"{{{ATOM}}}link", attrib) for attrib in self.rss_links]
        if self.archive:
            elements.append(etree.Element(f"{{{FH}}}archive"))
        for offset, element in enumerate(elements):
            channel.insert(at + offset, element)
        return rss
