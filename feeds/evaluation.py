"""Measuring the classifier: precision, recall and F1 per theme against a labelled set.

A labelled set is TOML: [[entry]] tables with `title`, `body` and `themes` (the slugs a reader
following each theme would want). See tests/data/.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .problems import DigestError, Problem
from .themes import Taxonomy


@dataclass(frozen=True)
class Labelled:
    title: str
    body: str
    themes: frozenset[str]


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Miss:
    entry: Labelled
    theme: str
    kind: str  # "false positive" or "false negative"


def load_labelled(path: Path, taxonomy: Taxonomy) -> list[Labelled]:
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise DigestError([Problem(str(path), 0, f"cannot read the labelled set: {e}")]) from None
    known = {theme.slug for theme in taxonomy.themes}
    entries, problems = [], []
    for number, raw in enumerate(data.get("entry", []), 1):
        unknown = set(raw.get("themes", [])) - known
        if not raw.get("title") or not raw.get("body") or unknown:
            problems.append(Problem(str(path), 0, f"entry {number}: needs a title, a body and known theme "
                                                  f"slugs (unknown: {sorted(unknown)})"))
            continue
        entries.append(Labelled(raw["title"], raw["body"], frozenset(raw["themes"])))
    if problems or not entries:
        raise DigestError(problems or [Problem(str(path), 0, "no [[entry]] tables")])
    return entries


def evaluate(taxonomy: Taxonomy, entries: list[Labelled]) -> tuple[dict[str, Scores], list[Miss]]:
    scores = {theme.slug: Scores() for theme in taxonomy.themes}
    misses = []
    for entry in entries:
        got = set(taxonomy.classify(entry.title, entry.body))
        for slug, score in scores.items():
            if slug in got and slug in entry.themes:
                score.tp += 1
            elif slug in got:
                score.fp += 1
                misses.append(Miss(entry, slug, "false positive"))
            elif slug in entry.themes:
                score.fn += 1
                misses.append(Miss(entry, slug, "false negative"))
    return scores, misses
