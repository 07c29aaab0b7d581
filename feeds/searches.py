"""Filtered feeds (?q=, ?limit=) for a worker that serves an export: the one thing it renders.

They are narrowed from the catalog the export was built from, which a worker reads only when the
first filter after a publish is asked for (from what the build kept: its facts and ledger, so
nothing is classified again), without the evidence of each theme and country, which no feed
shows. Each distinct filter is rendered once per generation and kept in a bounded cache.
"""
from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from pathlib import Path

from . import urls
from .builder import Ledgers, export_of
from .channels import channels
from .config import Config
from .filters import Filter, narrow
from .items import Item
from .site import Resource
from .syndication import Feeds


FILTERED_CACHE_BYTES = 16 * 2**20  # filtered feed documents kept per generation (and worker)


class Unavailable(Exception):
    """The catalog cannot be read now (the seeds stopped reading since the export was built)."""


class Searches:
    def __init__(self, config: Config, state: Path):
        self.config, self.state = config, Path(state)
        self.lock = threading.Lock()
        self.loaded: tuple[int, dict, Feeds, dict, BoundedCache] | None = None  # for one generation

    def render(self, inode: int, path: str, wanted: Filter) -> Resource:
        """The feed at `path` (a channel's current feed) narrowed by `wanted`, for the export
        generation `inode`."""
        generation, by_path, feeds, texts, cache = self._load(inode)
        key = (path, wanted)
        resource = cache.get(key)
        if resource is None:
            channel, fmt = by_path[path]
            view = narrow(channel, wanted, self.config.feed_size, texts)
            resource = cache.put(key, Resource(feeds.render(view, fmt), urls.MEDIA_TYPES[fmt], view.updated))
        return resource

    def _load(self, inode: int):
        loaded = self.loaded
        if loaded is None or loaded[0] != inode:
            with self.lock:  # one thread reads; the others wait for it
                if self.loaded is None or self.loaded[0] != inode:
                    self.loaded = None  # the previous generation's catalog goes before the next is read
                    self.loaded = (inode, *self._read())
                loaded = self.loaded
        return loaded

    def _read(self):
        from .catalog import load_catalog
        from .export import facts_file
        from .factcache import FactCache
        from .ledger import build_time
        from .problems import DigestError

        config = self.config
        try:
            catalog = load_catalog(config.seeds, config.tag_authority, now=build_time(),
                                   ledger=Ledgers(config.seeds, self.state).current(),
                                   facts=FactCache(facts_file(export_of(self.state))))
        except (DigestError, ValueError, OSError) as e:
            raise Unavailable(str(e)) from None
        catalog = dataclasses.replace(catalog, items=tuple(map(lean, catalog.items)))
        by_path = {channel.path(fmt): (channel, fmt) for channel in channels(catalog, config) for fmt in urls.FORMATS}
        return by_path, Feeds(config, catalog.taxonomy), catalog.search_texts, BoundedCache(FILTERED_CACHE_BYTES)


def lean(item: Item) -> Item:
    """The item without the words that put it in each theme and country: a feed shows the
    themes and countries, never why."""
    return dataclasses.replace(item, evidence=dict.fromkeys(item.evidence, ()),
                               country_evidence=dict.fromkeys(item.country_evidence, ()), override=None)


class BoundedCache:
    """Least recently used first out, bounded by bytes held (a filtered feed can be 50 KB or 2 MB)."""

    def __init__(self, max_bytes: int):
        self.max_bytes, self.size = max_bytes, 0
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        return None

    def put(self, key, resource: Resource) -> Resource:
        with self.lock:
            if key not in self.entries:
                self.entries[key] = resource
                self.size += len(resource.body) + len(resource.gzip)
            while self.size > self.max_bytes and len(self.entries) > 1:
                _, old = self.entries.popitem(last=False)
                self.size -= len(old.body) + len(old.gzip)
        return resource

