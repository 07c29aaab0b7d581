"""The catalog: every item newest first, what was withdrawn, the taxonomy, and the item lists each feed draws from."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .digest import read_folder
from .factcache import FactCache
from .identity import Change
from .items import Item, publish_items, search_text
from .ledger import Ledger, Record, build_time, read_ledger
from .places import Country, gazetteer, plain
from .overrides import read_overrides
from .problems import DigestError, Problem
from .themes import Taxonomy


@dataclass(frozen=True)
class Catalog:
    items: tuple[Item, ...]  # newest first
    taxonomy: Taxonomy
    warnings: tuple[Problem, ...] = ()
    ledger: Ledger = field(default_factory=Ledger)  # what is published once this catalog is
    changes: tuple[Change, ...] = ()  # how that differs from the ledger the catalog was read with
    files: tuple[tuple[str, int, dt.date, dt.date], ...] = ()  # each digest file: path, entries, first and last date
    built: dt.datetime | None = None  # when it is published; None: made without a build (tests)

    @cached_property
    def records(self) -> dict[str, Record]:
        """Item id → its ledger record (withdrawn items included)."""
        return {record.id: record for record in self.ledger.records}

    @cached_property
    def times(self) -> dict[str, tuple[dt.datetime, dt.datetime, dt.datetime]]:
        """Item id → (lowest, placed, touched) of its ledger record (withdrawn items included):
        what every document's time is made of, worked out once, not once per document showing it."""
        return {record.id: (record.lowest, record.placed, record.touched) for record in self.ledger.records}

    @cached_property
    def withdrawn(self) -> tuple[Record, ...]:
        """Items once published and now in no digest, newest first: tombstones in the feeds."""
        return tuple(sorted((r for r in self.ledger.records if r.withdrawn), key=lambda r: r.published, reverse=True))

    @cached_property
    def redirects(self) -> dict[str, str]:
        """Former slug → current slug."""
        return {former: record.slug for record in self.ledger.records for former in record.former_slugs}

    @cached_property
    def search_texts(self) -> dict[str, str]:
        """Item id → its words for ?q= searches, computed on the first search, once per catalog."""
        return {item.id: search_text(item) for item in self.items}

    def in_theme(self, slug: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if slug in item.evidence)

    def in_country(self, code: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if code in item.country_evidence)

    def countries(self) -> list[Country]:
        """Every country some item is (or a withdrawn item was) about, by name."""
        codes = {code for item in self.items for code in item.country_evidence}
        # a country whose items were all withdrawn or moved elsewhere keeps its feed (with their
        # tombstones, or empty): its subscribers are told, not answered 404
        codes |= {code for record in self.withdrawn for code in record.countries}
        codes |= {key.removeprefix("countries/") for record in self.ledger.records for key in record.left
                  if key.startswith("countries/")}
        codes &= gazetteer().countries.keys()
        return sorted((gazetteer().countries[code] for code in codes), key=lambda c: plain(c.name))


def load_catalog(seeds: Path, tag_authority: str, taxonomy: Taxonomy | None = None, processes: int = 1,
                 now: dt.datetime | None = None, ledger: Ledger | None = None,
                 facts: FactCache | None = None) -> Catalog:
    """Read every digest file and the ledger beside them (or the one given), and make the catalog
    as published at `now` (default: SOURCE_DATE_EPOCH or the clock); raises DigestError naming
    every problem. Nothing is written: the caller saves `catalog.ledger` once it is published.
    `processes` > 1 (`feeds build`) spreads the classifying over this process and forked workers;
    `facts` holds what earlier builds read (feeds/factcache.py)."""
    taxonomy = taxonomy or Taxonomy.shipped()
    now = now or build_time()
    reading = read_folder(seeds, facts)
    ledger = read_ledger(seeds) if ledger is None else ledger
    overrides = read_overrides(seeds, [theme.slug for theme in taxonomy.themes])
    items, reconciled = publish_items(reading.entries, taxonomy, tag_authority, processes, ledger, now, overrides, facts)
    twice = []
    for record in reconciled.ledger.records if overrides else ():
        first, *more = overrides.naming(record.id, (record.slug, *record.former_slugs)) or [None]
        twice += [Problem(o.path, o.line, f"names the same item as line {first.line} ({first.item!r}): "
                                          "one override per item") for o in more]
    if twice:
        raise DigestError(twice)
    applied = {id(item.override) for item in items if item.override}
    withdrawn = {key for record in reconciled.ledger.records if record.withdrawn
                 for key in (record.id, record.slug, *record.former_slugs)}
    unused = [Problem(o.path, o.line, f"{o.item!r} is {'withdrawn' if o.item in withdrawn else 'no published item'}: "
                                      "this override does nothing")
              for o in overrides if id(o) not in applied]
    files: dict[str, list[dt.date]] = {}
    for entry in reading.entries:
        files.setdefault(entry.source.path, []).append(entry.date)
    return Catalog(tuple(items), taxonomy, (*reading.warnings, *unused), reconciled.ledger, tuple(reconciled.changes),
                   tuple((path, len(dates), min(dates), max(dates)) for path, dates in files.items()), now)
