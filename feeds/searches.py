"""Filtered feeds (?q=, ?limit=) for a worker that serves an export: the one thing it renders.

They are narrowed from the search index published in the same tree as the documents
(feeds/searchindex.py), mapped when the first filter of a generation is asked for. Each distinct
filter is rendered once per generation and kept in a cache bounded in bytes.
"""
from __future__ import annotations

import threading

from . import urls
from .config import Config
from .exported import BoundedCache, Generation, Stale
from .filters import Filter
from .searchindex import NAME, SearchIndex, open_index
from .site import Resource
from .syndication import Feeds

FILTERED_CACHE_BYTES = 16 * 2**20  # filtered feed documents kept per generation (and worker); the newest always


def weigh(resource: Resource) -> int:
    return len(resource.body) + len(resource.gzip)


class Unavailable(Exception):
    """The export has no search index this code reads (it was published by `feeds build`, not the
    server's builder, or by another version, and the builder has yet to publish again)."""


class Searches:
    def __init__(self, config: Config):
        self.config = config
        self.lock = threading.Lock()
        self.loaded: tuple[tuple, SearchIndex, Feeds, BoundedCache] | None = None  # for one generation

    def render(self, generation: Generation, path: str, wanted: Filter) -> Resource | None:
        """The feed at `path` (a channel's current feed) narrowed by `wanted`; None if the index
        has no such feed."""
        index, feeds, cache = self._load(generation)
        key = (path, wanted)
        resource = cache.get(key)
        if resource is None:
            if path not in index.paths:
                return None
            view, fmt = index.narrow(path, wanted, self.config.feed_size)
            dated = max(view.updated, index.since) if index.since else view.updated  # as the export's documents
            resource = cache.put(key, Resource(feeds.render(view, fmt), urls.MEDIA_TYPES[fmt], dated))
        return resource

    def _load(self, generation: Generation) -> tuple[SearchIndex, Feeds, "BoundedCache"]:
        loaded = self.loaded
        if loaded is None or loaded[0] != generation.key:
            with self.lock:
                if self.loaded is None or self.loaded[0] != generation.key:
                    self.loaded = None  # the previous generation's index goes first
                    try:
                        index = open_index(generation.fd)
                    except (OSError, ValueError) as e:
                        raise Unavailable(str(e)) from None
                    if not generation.unchanged():
                        raise Stale(NAME)  # a publish is changing its tree: the index may be the next one's
                    self.loaded = (generation.key, index, Feeds(self.config, index.labels),
                                   BoundedCache(FILTERED_CACHE_BYTES, weigh, largest=FILTERED_CACHE_BYTES))
                loaded = self.loaded
        return loaded[1:]
