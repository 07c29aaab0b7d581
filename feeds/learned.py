"""Learned weights for the themes: a linear model over the words and word pairs of an item.

Each theme has a bias and a weight per n-gram (feeds/learned.toml, written by `feeds themes
--train` from the labelled sets in tests/data/). An item's learned score for a theme is the bias
plus the weights of the n-grams it contains, each counted once; its evidence is those n-grams
with their weights. Nothing is learned at build time: the file is data, like the taxonomy.
"""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from importlib import resources

from .places import plain

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
FILE = "learned.toml"


def words(text: str) -> list[str]:
    return WORD.findall(plain(text).lower().replace("’", "'"))


def ngrams(text: str) -> set[str]:
    """The words of a text and its pairs of adjacent words ("migrant", "migrant workers")."""
    found = words(text)
    return {*found, *(f"{a} {b}" for a, b in zip(found, found[1:]))}


def features(title: str, body: str) -> set[str]:
    """What the model sees of an item: the n-grams of its title and of its body (pairs do not
    cross from one to the other)."""
    return ngrams(title) | ngrams(body)


@dataclass(frozen=True)
class LearnedTheme:
    bias: float
    weights: dict[str, float]

    def contributions(self, seen: set[str]) -> list[tuple[str, float]]:
        """The n-grams of the item that carry a weight, strongest first."""
        found = [(gram, self.weights[gram]) for gram in seen & self.weights.keys()]
        return sorted(found, key=lambda gw: (-abs(gw[1]), gw[0]))

    def logit(self, seen: set[str]) -> float:
        return self.bias + sum(self.weights[gram] for gram in seen & self.weights.keys())


def probability(logit: float) -> float:
    return 1 / (1 + math.exp(-max(-60.0, min(60.0, logit))))


@dataclass(frozen=True)
class Learned:
    themes: dict[str, LearnedTheme]

    @classmethod
    def load(cls, text: str | None = None) -> "Learned":
        if text is None:
            text = resources.files(__package__).joinpath(FILE).read_text("utf-8")
        data = tomllib.loads(text)
        return cls({slug: LearnedTheme(float(table["bias"]), {k: float(v) for k, v in table["weights"].items()})
                    for slug, table in data.get("themes", {}).items()})
