"""How well edited items keep their ids, and how exact Last-Modified is: `python bench/matching.py`.

1. False merges. Every labelled item (tests/data) and every seed item is published on one date,
   the worst case, since only items of one date (or, edited a little, of one week) compete. Then each item is taken out and each
   other item, in turn, arrives as new: a false merge is a newcomer that takes the id of the item
   that left.
2. False splits. Each item is edited in one way while all the others stay; a false split is an
   edited item that gets a new id (or an edit that is reported as ambiguous).
3. Last-Modified. A 300-item corpus takes 60 random edits, one build each: how many documents
   changed bytes, how many got a new Last-Modified with unchanged bytes (a redundant download for
   a client revalidating with If-Modified-Since alone; never the reverse: tests/test_ledger_properties.py).
"""
from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feeds.catalog import load_catalog  # noqa: E402
from feeds.config import Config  # noqa: E402
from feeds.digest import Source, read_folder  # noqa: E402
from feeds.identity import Draft, reconcile  # noqa: E402
from feeds.items import title_slug  # noqa: E402
from feeds.ledger import Ledger, write_ledger  # noqa: E402
from feeds.problems import DigestError  # noqa: E402
from feeds.site import build_site  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402

DATE = dt.date(2021, 10, 14)
NOW = dt.datetime(2021, 11, 1, tzinfo=dt.timezone.utc)


def texts() -> list[tuple[str, tuple[str, ...]]]:
    found = {}
    for path in sorted((ROOT / "tests" / "data").glob("*.toml")):
        for entry in tomllib.loads(path.read_text("utf-8"))["entry"]:
            found.setdefault(entry["title"], (entry["body"],))
    for entry in read_folder(ROOT / "seeds").entries:
        found.setdefault(entry.title, entry.paragraphs)
    return list(found.items())


def draft(i: int, title: str, paragraphs: tuple[str, ...], date: dt.date = DATE) -> Draft:
    return Draft(date, title, paragraphs, (), (), Source("bench.txt", i + 1), title_slug(title))


def change_words(text: str, n: int, rnd: random.Random) -> str:
    """n words replaced, dropped or added, as a correction does."""
    words = text.split()
    for _ in range(n):
        i = rnd.randrange(len(words))
        kind = rnd.random()
        if kind < 0.4:
            words[i] = rnd.choice(["new", "revised", "regional", "national", "first", "2022"])
        elif kind < 0.7 and len(words) > 3:
            del words[i]
        else:
            words.insert(i, rnd.choice(["also", "further", "jointly", "recently"]))
    return " ".join(words)


def typo(text: str, rnd: random.Random) -> str:
    """One letter dropped, doubled or swapped with the next."""
    i = rnd.randrange(1, len(text) - 2)
    kind = rnd.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1:]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    return text[:i] + text[i + 1] + text[i] + text[i + 2:]


def edited(title, paragraphs, kind, rnd):
    body = " ".join(paragraphs)
    if kind == "title typo":
        return typo(title, rnd), paragraphs, DATE
    if kind == "title reworded (2 words)":
        return change_words(title, 2, rnd), paragraphs, DATE
    if kind == "body corrected (3 words)":
        return title, (change_words(body, 3, rnd),), DATE
    if kind == "date fixed":
        return title, paragraphs, DATE + dt.timedelta(days=1)
    if kind == "body (3 words) + date fixed":
        return title, (change_words(body, 3, rnd),), DATE + dt.timedelta(days=1)
    if kind == "title typo + body (1 word)":
        return typo(title, rnd), (change_words(body, 1, rnd),), DATE
    if kind == "title (1 word) + body (3 words)":
        return change_words(title, 1, rnd), (change_words(body, 3, rnd),), DATE
    if kind == "title (1 word) + body (3 words) + date":
        return change_words(title, 1, rnd), (change_words(body, 3, rnd),), DATE + dt.timedelta(days=3)
    if kind == "title (2 words) + body (6 words)":
        return change_words(title, 2, rnd), (change_words(body, 6, rnd),), DATE
    raise ValueError(kind)


KINDS = ["title typo", "title reworded (2 words)", "body corrected (3 words)", "date fixed", "body (3 words) + date fixed",
         "title typo + body (1 word)", "title (1 word) + body (3 words)", "title (1 word) + body (3 words) + date", "title (2 words) + body (6 words)"]


def matching() -> None:
    items = texts()
    drafts = [draft(i, title, paragraphs) for i, (title, paragraphs) in enumerate(items)]
    published = reconcile(drafts, Ledger(), NOW, "bench.example.org")
    records = published.records
    print(f"{len(items)} items (tests/data and the seed), all on one date")

    merges = ambiguous = 0
    start = time.perf_counter()
    for i in range(len(items)):
        left = records[i]
        for j in range(len(items)):
            if j == i:
                continue
            # item i left; item j arrives as new beside a ledger that holds only i's record
            try:
                result = reconcile([drafts[j]], Ledger([left]), NOW + dt.timedelta(days=1), "bench.example.org")
            except DigestError:
                ambiguous += 1
                continue
            merges += result.records[0].id == left.id
    pairs = len(items) * (len(items) - 1)
    print(f"false merges: {merges} of {pairs:,} pairs (ambiguity reported: {ambiguous}) "
          f"[{time.perf_counter() - start:.1f} s]")

    rnd = random.Random(20211026)
    print(f"{'edit':<40} {'kept id':>8} {'split':>6} {'ambiguous':>9}")
    for kind in KINDS:
        kept = split = unclear = 0
        for i, (title, paragraphs) in enumerate(items):
            new_title, new_paragraphs, date = edited(title, paragraphs, kind, rnd)
            if any(new_title == t for j, (t, _) in enumerate(items) if j != i):
                continue
            changed = list(drafts)
            changed[i] = draft(i, new_title, new_paragraphs, date)
            try:
                result = reconcile(changed, published.ledger, NOW + dt.timedelta(days=1), "bench.example.org")
            except DigestError:
                unclear += 1
                continue
            if result.records[i].id == records[i].id:
                kept += 1
            else:
                split += 1
        total = kept + split + unclear
        print(f"{kind:<40} {kept / total:>8.3f} {split / total:>6.3f} {unclear / total:>9.3f}  ({total} items)")


def freshness(items: int = 300, builds: int = 60) -> None:
    rnd = random.Random(7)
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "seeds"
        corpus.write(items, folder)
        config = Config(seeds=folder, base_url="https://feeds.example.org/")
        now = NOW

        def publish():
            catalog = load_catalog(folder, "bench.example.org", now=now)
            write_ledger(folder, catalog.ledger)
            return build_site(catalog, config)

        site = publish()
        changed = redundant = total = 0
        for _ in range(builds):
            path = rnd.choice(sorted(folder.glob("*.txt")))
            lines = path.read_text("utf-8").split("\n")
            kind = rnd.choice(["body", "title", "withdraw", "add"])
            titles = [n for n in range(1, len(lines)) if lines[n] and not lines[n - 1] and
                      n >= 2 and corpus_date(lines[n - 2])]
            n = rnd.choice(titles)
            if kind == "body":
                lines[n + 2] = lines[n + 2].replace(" the ", " this ", 1)
            elif kind == "title":
                lines[n] = lines[n] + " (corrected)"
            elif kind == "withdraw":
                del lines[n - 2:n + 3]
            else:
                lines[n - 2:n - 2] = [lines[n - 2], "", f"A backfilled story {now:%H%M%S}", "", "Its body.", ""]
            path.write_text("\n".join(lines), "utf-8")
            now += dt.timedelta(hours=1)
            before, site = site, publish()
            for name, resource in site.items():
                old = before.resources.get(name)
                total += 1
                if old is None or old.body != resource.body:
                    changed += 1
                elif resource.last_modified != old.last_modified:
                    redundant += 1
        print(f"Last-Modified over {builds} builds of a {items}-item corpus, one edit each: {total:,} documents "
              f"served, {changed:,} changed bytes, {redundant:,} got a new Last-Modified with the same bytes "
              f"({redundant / total:.1%} of all, {redundant / max(1, changed + redundant):.1%} of those with a new one)")


def corpus_date(line: str) -> bool:
    from feeds.digest import parse_date_line
    return isinstance(parse_date_line(line), dt.date)


if __name__ == "__main__":
    matching()
    freshness()
