"""Comparing theme classifiers on sets none of them was fitted to: leave one labelled set out.

    python bench/themes_cv.py [extra.toml ...]

The labelled sets are the rounds of tests/data/themes-tuning.toml (cut at its round markers),
the other tests/data/themes-*.toml files, the shipped digest (labelled in tests/test_themes.py)
and any files given. For each set in turn, the learned weights are fitted (feeds/training.py) on
all the other labelled sets and the set is classified. The taxonomy was hand-tuned on the tuning
rounds and the shipped digest, so figures on those are optimistic for every design that uses
it; the other sets ("honest") are not. Printed per design: item agreement (an item has every
required theme it must and none it must not) and precision / recall of the three required
themes, on the honest sets, per honest set, and on the shipped digest.
"""
from __future__ import annotations

import dataclasses
import re
import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from feeds import training  # noqa: E402
from feeds.digest import read_folder  # noqa: E402
from feeds.evaluation import Labelled  # noqa: E402
from feeds.themes import Taxonomy  # noqa: E402
from tests.test_themes import EXPECTED  # noqa: E402

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


def shipped_digest() -> list[Labelled]:
    return [Labelled(e.title, " ".join(e.paragraphs), frozenset(EXPECTED[e.title]))
            for e in read_folder(HERE.parent / "seeds").entries]


class Scores:
    def __init__(self):
        self.items = self.agree = 0
        self.counts = {slug: [0, 0, 0] for slug in REQUIRED}  # tp, fp, fn

    def add(self, truth: frozenset, got: set):
        self.items += 1
        self.agree += all((slug in truth) == (slug in got) for slug in REQUIRED)
        for slug, counts in self.counts.items():
            counts[0] += slug in truth and slug in got
            counts[1] += slug in got and slug not in truth
            counts[2] += slug in truth and slug not in got

    def row(self) -> str:
        cells = [f"{self.agree / self.items:.3f}"]
        for tp, fp, fn in self.counts.values():
            cells.append(f"{tp / (tp + fp) if tp + fp else 1:.2f} / {tp / (tp + fn) if tp + fn else 1:.2f}")
        return " | ".join(cells)


def main(argv):
    shipped = Taxonomy.load()
    terms_only = dataclasses.replace(shipped, learned=None)
    sets = labelled_sets([Path(a) for a in argv])
    digest = shipped_digest()
    print("sets:", ", ".join(f"{name} ({len(e)}{'' if honest else ', tuned on'})" for name, (e, honest) in sets.items()))
    designs = {"taxonomy terms alone": {}, "learned weights, or a strong term (shipped)": {},
               "learned weights alone": {}}
    for held, (test, _) in [*sets.items(), ("digest", (digest, False))]:
        train = [e for name, (entries, _) in sets.items() if name != held for e in entries]
        learned = training.fit(terms_only, train)
        fitted = dataclasses.replace(shipped, learned=learned)
        calls = [fitted.classify(entry.title, entry.body) for entry in test]  # once, for both learned designs
        designs["taxonomy terms alone"][held] = [(entry.themes, set(terms_only.classify(entry.title, entry.body)))
                                                 for entry in test]
        designs["learned weights, or a strong term (shipped)"][held] = [
            (entry.themes, set(call)) for entry, call in zip(test, calls)]
        # the same calls without those a strong term made against the learned score
        designs["learned weights alone"][held] = [
            (entry.themes, {slug for slug, evidence in call.items() if evidence[0].kind != "strong"})
            for entry, call in zip(test, calls)]
        print(f"  fitted without {held}", file=sys.stderr, flush=True)
    honest_names = [name for name, (_, honest) in sets.items() if honest]
    print("| design | honest sets: agreement | labour P / R | smuggling P / R | governance P / R | "
          + " | ".join(honest_names) + " | shipped digest |")
    print("|---|" + "---|" * (4 + len(honest_names) + 1))
    for design, results in designs.items():
        honest = Scores()
        per = {}
        for name in [*honest_names, "digest"]:
            one = Scores()
            for truth, got in results[name]:
                one.add(truth, got)
                if name in honest_names:
                    honest.add(truth, got)
            per[name] = one.row().split(" | ")[0]
        print(f"| {design} | {honest.row()} | " + " | ".join(per.values()) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
