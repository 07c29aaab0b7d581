"""What each document is made from, as one short digest: equal recipes make equal bytes.

An export records every document's recipe in its manifest. The next build computes the recipes
first, which costs a hash of what the document shows, and renders only the documents whose
recipe changed; the others' files are carried over from the previous export (feeds/export.py).
A recipe covers the code that renders (every file of this package, templates, taxonomy and
gazetteer included, and the versions of the libraries that serialize), the settings, and what
the document shows, down to each item's text and times. Anything a document shows must reach
its recipe: tests/test_incremental.py builds every kind of change both ways and compares.
"""
from __future__ import annotations

import dataclasses
import hashlib
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

from .config import Config
from .items import Item

PACKAGE = Path(__file__).resolve().parent
# what reads or writes what a document shows: the serializers, the date reader, the slugs, the
# country names (pycountry's release decides "Bolivia, Plurinational State of" or not)
LIBRARIES = ("feedgen", "lxml", "Jinja2", "MarkupSafe", "isal", "python-slugify", "text-unidecode", "Werkzeug",
             "python-dateutil", "pycountry")
# settings no document depends on: where things are, and how the server answers
NOT_SHOWN = ("seeds", "out", "config_file", "state", "cache_max_age", "max_limit", "reload_interval")


@cache
def code() -> bytes:
    """The digest of everything that renders: this package's files and the serializers' versions."""
    digest = hashlib.sha256(repr(sys.version_info[:2]).encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".toml", ".html", ".opml", ".conf", ".json"):
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in LIBRARIES:
        try:
            digest.update(f"{name} {metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name} -\0".encode())
    return digest.digest()


class Recipes:
    def __init__(self, config: Config):
        settings = {k: v for k, v in dataclasses.asdict(config).items() if k not in NOT_SHOWN}
        self.base = hashlib.sha256(code() + repr(sorted(settings.items())).encode()).digest()
        # the settings a publisher chose (those left at their defaults are not named, so a new
        # setting in a later version changes nothing): the ledger keeps it, for documents' times
        chosen = sorted((f.name, settings[f.name]) for f in dataclasses.fields(config)
                        if f.name in settings and settings[f.name] != _default(f))
        self.settings = hashlib.sha256(repr(chosen).encode()).hexdigest()[:16]
        self.items: dict[str, str] = {}

    def item(self, item: Item) -> str:
        """What every document shows of an item: its text, address, times, themes and countries."""
        made = self.items.get(item.id)
        if made is None:
            shown = (item.id, item.slug, item.title, item.summary, item.paragraphs, item.published, item.updated,
                     item.themes, item.countries, item.place)
            made = self.items[item.id] = hashlib.sha1(repr(shown).encode()).hexdigest()
        return made

    def of(self, *parts) -> str:
        """The recipe of a document from what it shows (strings, times, tuples: their repr is stable)."""
        return hashlib.sha256(self.base + repr(parts).encode()).hexdigest()[:32]


def _default(setting: dataclasses.Field):
    return setting.default_factory() if setting.default_factory is not dataclasses.MISSING else setting.default

