"""The catalog: every item newest first, the taxonomy, and the item lists each feed draws from."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .digest import read_folder
from .items import Item, make_items
from .problems import Problem
from .themes import Taxonomy


@dataclass(frozen=True)
class Catalog:
    items: tuple[Item, ...]  # newest first
    taxonomy: Taxonomy
    warnings: tuple[Problem, ...] = ()

    def in_theme(self, slug: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if slug in item.themes)


def load_catalog(seeds: Path, tag_authority: str, taxonomy: Taxonomy | None = None) -> Catalog:
    """Read every digest file and make the catalog; raises DigestError naming every problem."""
    taxonomy = taxonomy or Taxonomy.load()
    reading = read_folder(seeds)
    items = make_items(reading.entries, taxonomy, tag_authority)
    return Catalog(tuple(items), taxonomy, tuple(reading.warnings))
