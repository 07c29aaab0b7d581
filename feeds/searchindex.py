"""What a server's workers search and render filtered feeds (?q=, ?limit=) from: one file the
server's builder writes into each export it publishes (`.feeds-search`, a dotfile: never served).

Each worker maps the file of the generation it serves into memory, so its pages are the kernel's
page cache, shared by every worker and counted once, and the file always belongs to the tree it
was published with. A search reads each item's words where they lie in the file, newest first,
and stops once it has the items the feed will hold; only those are unpickled, to be rendered.

Layout: 8 bytes giving the header's length, the header (a pickle: the themes' labels, the
channels without their items, each with the indices of its items, newest first; each item's offsets in the two blobs),
then every item's search words ("\\n"-terminated), then every item, pickled without the evidence
of its themes and countries, which no feed shows.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import mmap
import os
import pickle
import struct
from array import array

from . import urls
from .catalog import Catalog
from .channels import Channel
from .filters import Filter
from .items import Item, search_text
from .recipes import code

NAME = ".feeds-search"
FORMAT = 1
LENGTH = struct.Struct("<Q")


def lean(item: Item) -> Item:
    """The item as a feed shows it: its themes and countries, without the words behind them."""
    return dataclasses.replace(item, evidence=dict.fromkeys(item.evidence, ()),
                               country_evidence=dict.fromkeys(item.country_evidence, ()), override=None)


def index_parts(catalog: Catalog, channels: list[Channel], since: dt.datetime | None = None) -> tuple[bytes, ...]:
    """The file for the export of `catalog`, whose current channels are `channels` and whose
    documents are dated `since` at the earliest (Build.since), in the parts it is written from:
    joined, they were copied twice more (100,000 items: some 170 MB each time)."""
    position = {item.id: n for n, item in enumerate(catalog.items)}
    words, records = bytearray(), bytearray()
    word_offsets, record_offsets = array("Q", [0]), array("Q", [0])
    for item in catalog.items:
        words += search_text(item).encode("utf-8") + b"\n"
        word_offsets.append(len(words))
        records += pickle.dumps(lean(item), protocol=pickle.HIGHEST_PROTOCOL)
        record_offsets.append(len(records))
    shown = [(dataclasses.replace(channel, all_items=(), items=(), slots=(), tombstones=(), freshness=None),
              array("I", (position[item.id] for item in channel.all_items))) for channel in channels]
    paths = {channel.path(fmt): (n, fmt) for n, channel in enumerate(channels) for fmt in urls.FORMATS}
    header = pickle.dumps((FORMAT, code(), catalog.taxonomy.labels, shown, paths, word_offsets, record_offsets, since),
                          protocol=pickle.HIGHEST_PROTOCOL)
    return LENGTH.pack(len(header)), header, words, records


class SearchIndex:
    """One generation's file, mapped."""

    def __init__(self, fd: int):
        try:
            self.map = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
            (length,) = LENGTH.unpack_from(self.map)
            start = LENGTH.size + length
            found, made_by, *rest = pickle.loads(self.map[LENGTH.size:start])
        except Exception as e:  # empty, cut short, or not this file at all
            raise ValueError(f"{NAME}: cannot be read ({type(e).__name__}: {e})") from None
        if (found, made_by) != (FORMAT, code()):  # its items are pickled: read only by the code that wrote them
            raise ValueError(f"{NAME}: written by another version of this program")
        self.labels, self.channels, self.paths, self.word_offsets, self.record_offsets, self.since = rest
        self.words_at = start
        self.records_at = start + self.word_offsets[-1]

    def narrow(self, path: str, wanted: Filter, feed_size: int) -> tuple[Channel, str]:
        """The channel of the feed at `path` as the filtered URL publishes it (feeds/filters.py):
        ?q= searches its whole history, newest first, for items holding a word that starts with
        each word of the query; ?limit= sets how many the document holds."""
        number, fmt = self.paths[path]
        channel, members = self.channels[number]
        wanted_count = wanted.limit or feed_size
        prefixes = [b" " + word.encode("utf-8") for word in wanted.words]
        find, words, offsets = self.map.find, self.words_at, self.word_offsets
        chosen = []
        for index in members:
            start, stop = words + offsets[index], words + offsets[index + 1]
            if all(find(prefix, start, stop) != -1 for prefix in prefixes):
                chosen.append(index)
                if len(chosen) == wanted_count:
                    break
        items = tuple(self.item(index) for index in chosen)
        title = f"{channel.title} — search: {' '.join(wanted.words)}" if wanted.words else channel.title
        return dataclasses.replace(channel, id=f"{channel.id}?{wanted.query}", query=wanted.query, title=title,
                                   prev_archive=None,  # the archives hold the unfiltered history
                                   all_items=items, items=items, updated=channel.latest), fmt

    def item(self, index: int) -> Item:
        at = self.records_at
        return pickle.loads(self.map[at + self.record_offsets[index]:at + self.record_offsets[index + 1]])


def open_index(directory: int) -> SearchIndex:
    """The file in the export folder open as `directory` (a file descriptor)."""
    fd = os.open(NAME, os.O_RDONLY, dir_fd=directory)
    try:
        return SearchIndex(fd)
    finally:
        os.close(fd)  # the mapping keeps the file
