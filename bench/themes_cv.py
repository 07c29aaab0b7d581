"""Comparing theme classifiers on sets none of them was fitted to: leave one labelled set out.

    python bench/themes_cv.py [extra.toml ...]

The labelled sets are the rounds of tests/data/themes-tuning.toml (cut at its round markers),
tests/data/themes-heldout.toml, the learned model's training sets in tests/data/ and any files
given. Each design is fitted on all sets but one and scored on that one, for every set in turn.
The taxonomy was hand-tuned on the tuning rounds, so its figures (and those of designs that use
it) on those rounds are optimistic; the other sets are honest for every design. Printed per
design: item agreement (an item has every required theme it must and none it must not) and
precision / recall of the three required themes, on the honest sets and over all.
"""
from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from feeds.evaluation import Labelled  # noqa: E402
from feeds.learned import features, probability  # noqa: E402
from feeds.themes import Taxonomy  # noqa: E402
from feeds import training  # noqa: E402

DATA = HERE.parent / "tests" / "data"
REQUIRED = ("labour-migration", "smuggling", "governance")
MARKER = re.compile(r"^# (?:----|Round \d)", re.MULTILINE)


def entries_of(text: str) -> list[Labelled]:
    return [Labelled(e["title"], e["body"], frozenset(e["themes"])) for e in tomllib.loads(text).get("entry", [])]


def labelled_sets(extra: list[Path]) -> dict[str, tuple[list[Labelled], bool]]:
    """name → (entries, honest: never tuned on)."""
    sets = {}
    tuning = (DATA / "themes-tuning.toml").read_text()
    cuts = [0, *(m.start() for m in MARKER.finditer(tuning)), len(tuning)]
    for n, (a, b) in enumerate(zip(cuts, cuts[1:])):
        sets[f"tuning-{n}"] = (entries_of(tuning[a:b]), False)
    for path in [*sorted(DATA.glob("themes-*.toml")), *extra]:
        if path.name != "themes-tuning.toml":
            sets[path.stem] = (entries_of(path.read_text()), True)
    return sets


class Scores:
    def __init__(self):
        self.items = self.agree = 0
        self.counts = {slug: [0, 0, 0] for slug in REQUIRED}  # tp, fp, fn

    def add(self, truth: frozenset, got: set):
        self.items += 1
        self.agree += all((slug in truth) == (slug in got) for slug in REQUIRED)
        for slug in REQUIRED:
            tp, fp, fn = self.counts[slug]
            self.counts[slug] = [tp + (slug in truth and slug in got), fp + (slug in got and slug not in truth),
                                 fn + (slug in truth and slug not in got)]

    def row(self) -> str:
        cells = [f"{self.agree / self.items:.3f}"]
        for tp, fp, fn in self.counts.values():
            cells.append(f"{tp / (tp + fp) if tp + fp else 1:.2f} / {tp / (tp + fn) if tp + fn else 1:.2f}")
        return " | ".join(cells)


def taxonomy_scores(taxonomy, entry) -> dict[str, float]:
    return {t.slug: sum(m.score for m in t.matches(entry.title, entry.body)) for t in taxonomy.themes}


def designs(taxonomy, slugs):
    """name → fit(train entries) → predict(entry) → set of slugs."""
    def tax(train):
        return lambda e: set(taxonomy.classify(e.title, e.body))

    def learned(c, threshold):
        def fit(train):
            model = training.fit(train, slugs, c=c)
            return lambda e: {s for s, t in model.themes.items() if probability(t.logit(features(e.title, e.body))) >= threshold}
        return fit

    def union(c, threshold):
        def fit(train):
            ml = learned(c, threshold)(train)
            return lambda e: ml(e) | tax(train)(e)
        return fit

    def gate(c, low, high):
        def fit(train):
            model = training.fit(train, slugs, c=c)

            def predict(e):
                grams, hand = features(e.title, e.body), set(taxonomy.classify(e.title, e.body))
                p = {s: probability(t.logit(grams)) for s, t in model.themes.items()}
                return {s for s in slugs if (s in hand and p[s] >= low) or p[s] >= high}
            return predict
        return fit

    def fused(c, threshold, cap=6.0):
        def fit(train):
            extra = {s: [] for s in slugs}
            for e in train:
                for s, v in taxonomy_scores(taxonomy, e).items():
                    extra[s].append(min(v, cap))
            model = training.fit(train, slugs, c=c, extra=extra)

            def predict(e):
                grams, hand = features(e.title, e.body), taxonomy_scores(taxonomy, e)
                return {s for s, t in model.themes.items()
                        if probability(t.logit(grams) + t.weights.get("(taxonomy)", 0) * min(hand[s], cap)
                                       - 0) >= threshold}
            return predict
        return fit

    found = {"taxonomy": tax}
    for c in (1.0, 4.0):
        for threshold in (0.4, 0.5):
            found[f"learned C={c} p>={threshold}"] = learned(c, threshold)
    found["union C=4 p>=0.5"] = union(4.0, 0.5)
    for low, high in ((0.15, 0.6), (0.25, 0.7), (0.1, 0.5)):
        found[f"gate C=4 tax&p>={low} | p>={high}"] = gate(4.0, low, high)
    for c in (1.0, 4.0):
        for threshold in (0.4, 0.5):
            found[f"fused C={c} p>={threshold}"] = fused(c, threshold)
    return found


def main(argv):
    taxonomy = Taxonomy.load()
    slugs = [t.slug for t in taxonomy.themes]
    sets = labelled_sets([Path(a) for a in argv])
    print("sets:", ", ".join(f"{name} ({len(e)}{'' if honest else ', tuned on'})" for name, (e, honest) in sets.items()))
    print("| design | honest sets: agreement | labour P / R | smuggling P / R | governance P / R | all sets: agreement |")
    print("|---|---|---|---|---|---|")
    for name, fit in designs(taxonomy, slugs).items():
        honest, every = Scores(), Scores()
        for held, (test, is_honest) in sets.items():
            train = [e for other, (entries, _) in sets.items() if other != held for e in entries]
            predict = fit(train)
            for entry in test:
                got = predict(entry)
                every.add(entry.themes, got)
                if is_honest:
                    honest.add(entry.themes, got)
        print(f"| {name} | {honest.row()} | {every.row().split(' | ')[0]} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
