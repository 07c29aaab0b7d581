"""The catalog: every item newest first, the taxonomy, and the item lists each feed draws from."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .digest import read_folder
from .items import Item, make_items, search_text
from .places import Country, gazetteer, plain
from .problems import Problem
from .themes import Taxonomy


@dataclass(frozen=True)
class Catalog:
    items: tuple[Item, ...]  # newest first
    taxonomy: Taxonomy
    warnings: tuple[Problem, ...] = ()

    @cached_property
    def search_texts(self) -> dict[str, str]:
        """Item id → its words for ?q= searches, computed on the first search, once per catalog."""
        return {item.id: search_text(item) for item in self.items}

    def in_theme(self, slug: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if slug in item.evidence)

    def in_country(self, code: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if code in item.country_evidence)

    def countries(self) -> list[Country]:
        """Every country some item is about, by name."""
        codes = {code for item in self.items for code in item.country_evidence}
        return sorted((gazetteer().countries[code] for code in codes), key=lambda c: plain(c.name))


def load_catalog(seeds: Path, tag_authority: str, taxonomy: Taxonomy | None = None, processes: int = 1) -> Catalog:
    """Read every digest file and make the catalog; raises DigestError naming every problem.
    `processes` > 1 (`feeds build`) spreads the classifying over this process and forked workers."""
    taxonomy = taxonomy or Taxonomy.load()
    reading = read_folder(seeds)
    items = make_items(reading.entries, taxonomy, tag_authority, processes)
    return Catalog(tuple(items), taxonomy, tuple(reading.warnings))
