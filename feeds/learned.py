"""Learned weights for the themes: a linear model over an item's words and the taxonomy's terms
it contains.

Each theme has a bias and a weight per feature (feeds/learned.toml, written by `feeds themes
--train` from the labelled sets in tests/data/). The features of an item are its words (without case
or accents) and each taxonomy term it matches, named "term:<theme>:<term>", so the model learns
how far to trust each hand-written term, for its own theme and for the others. (Pairs of words
added little on held-out sets and tripled the file: bench/themes_cv.py.) An item's score for a theme is the bias plus the weights of the
features it has, each counted once; it joins the theme when the score's probability reaches
THRESHOLD. Its evidence is every feature that counted, with its weight. Nothing is learned at
build time: the file is data, like the taxonomy.
"""
from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass
from importlib import resources

from .places import plain

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
FILE = "learned.toml"
TERM = "term:"  # prefix of the features that are taxonomy terms: "term:smuggling:migrant smuggling"
# An item joins a theme at this probability. Chosen by leaving each labelled set out in turn
# (bench/themes_cv.py): lower than 0.5 because a missed story and a wrong one were weighed alike
# by the fit, and the held-out sets lost more to misses.
THRESHOLD = 0.25


def words(text: str) -> set[str]:
    """The words of a text, without case or accents ("Panamá's" → "panama's")."""
    return set(WORD.findall(plain(text).lower().replace("’", "'")))


def term_feature(theme: str, term: str) -> str:
    return f"{TERM}{theme}:{term}"


def probability(logit: float) -> float:
    return 1 / (1 + math.exp(-max(-60.0, min(60.0, logit))))


@dataclass(frozen=True)
class Learned:
    """A column per theme: its bias, and a row of weights per feature."""
    slugs: tuple[str, ...]
    bias: tuple[float, ...]
    rows: dict[str, tuple[float, ...]]
    threshold: float = THRESHOLD

    def weighed(self, seen: set[str]) -> list[tuple[str, tuple[float, ...]]]:
        """The item's features that have weights, with their rows."""
        rows = self.rows
        return [(f, rows[f]) for f in seen if f in rows]

    def logits(self, weighed: list[tuple[str, tuple[float, ...]]]) -> dict[str, float]:
        """Every theme's score for an item: one pass over its weighed features for all themes at
        once, summed column-wise in C by zip and sum."""
        sums = map(sum, zip(*(row for _, row in weighed))) if weighed else (0.0 for _ in self.slugs)
        return {slug: b + s for slug, b, s in zip(self.slugs, self.bias, sums)}

    def contributions(self, slug: str, weighed: list, most: int, least: int) -> tuple[list, list, int]:
        """The features that weigh most for this theme (up to `most`, heaviest first) and most
        against it (up to `least`, lightest last), and how many weigh on it in all."""
        column = self.slugs.index(slug)
        found = sorted((row[column], f) for f, row in weighed if row[column])
        top = [(f, w) for w, f in reversed(found[-most:]) if w > 0]
        bottom = [(f, w) for w, f in reversed(found[:least]) if w < 0]
        return top, bottom, len(found)

    @classmethod
    def load(cls, text: str | None = None, path: str = FILE) -> "Learned":
        """The shipped weights, or those given as TOML text: `themes` names the columns, `bias`
        and every row of `[weights]` give one number per theme."""
        if text is None:
            text = resources.files(__package__).joinpath(FILE).read_text("utf-8")
        data = as_written(text) or tomllib.loads(text)
        slugs = tuple(data["themes"])
        rows = {feature: tuple(map(float, row)) for feature, row in data["weights"].items()}
        for feature, row in rows.items():
            if len(row) != len(slugs):
                raise ValueError(f"{path}: {feature!r} has {len(row)} weights for {len(slugs)} themes")
        return cls(slugs, tuple(map(float, data["bias"])), rows, float(data.get("threshold", THRESHOLD)))


def as_written(text: str) -> dict | None:
    """The file as `feeds themes --train` writes it (feeds/training.py: each value, and each row's
    name, is JSON), read by the JSON parser: a publish that classifies a new digest reads it in
    0.01 s, where a TOML parser takes 0.12 s at 10,000 rows. None for any other shape: tomllib
    reads it then."""
    head, marker, rows = text.partition("\n[weights]\n")
    if not marker:
        return None
    data = {}
    try:
        for line in head.splitlines():
            if line and not line.startswith("#"):
                key, equals, value = line.partition(" = ")
                if not equals or not key.isidentifier():
                    return None
                data[key] = json.loads(value)
        lines = rows.splitlines()
        # a row's numbers hold no quote: its name ends at the last '" = ['
        data["weights"] = json.loads("{" + ",".join('": ['.join(line.rsplit('" = [', 1)) for line in lines) + "}")
    except json.JSONDecodeError:
        return None
    return data if len(data["weights"]) == len(lines) else None

