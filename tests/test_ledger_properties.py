"""Random sequences of a publisher's edits, published one after the other.

Whatever the sequence: an item that persists keeps its id, no two items share one, a restored item
gets its id back, and every document whose bytes change gets a later Last-Modified (the time of
the build that changed it), so a reader revalidating with If-Modified-Since alone sees it.
"""
import datetime as dt
import tomllib
from dataclasses import dataclass, replace

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.catalog import Catalog
from feeds.config import Config
from feeds.digest import Entry, Source
from feeds.items import publish_items
from feeds.ledger import Ledger
from feeds.site import build_site
from feeds.themes import Taxonomy

from .conftest import ROOT

TAXONOMY = Taxonomy.load()
CONFIG = Config(seeds=ROOT / "seeds", base_url="https://feeds.example.org/", feed_size=4,
                page_size=3)  # small: archives and list pages too
TEXTS = [(e["title"], e["body"]) for e in tomllib.loads((ROOT / "tests/data/themes-tuning.toml").read_text())["entry"]][:40]
START = dt.datetime(2021, 11, 1, 9, tzinfo=dt.timezone.utc)
FIRST_DATE = dt.date(2021, 10, 1)


@dataclass(frozen=True)
class Story:
    """One story as the test knows it: its own name, and what the digest says of it now."""
    name: int
    date: dt.date
    title: str
    body: str


def tweak(text: str, n: int) -> str:
    """A small correction: one word of the text replaced."""
    words = text.split()
    i = n % len(words)
    words[i] = "corrected" if words[i] != "corrected" else "amended"
    return " ".join(words)


EDIT = st.tuples(st.sampled_from(["retitle", "rebody", "redate", "both", "withdraw", "restore", "add", "reorder"]),
                 st.integers(0, 10_000))
# each build: its edits, and the seconds since the last build (0: the same SOURCE_DATE_EPOCH again)
BUILDS = st.lists(st.tuples(st.lists(EDIT, min_size=1, max_size=3), st.sampled_from([0, 1, 5, 3600])),
                  min_size=1, max_size=6)


def publish(stories, ledger, now):
    entries = [Entry(s.date, s.title, (s.body,), Source("d.txt", 4 * i + 1)) for i, s in enumerate(stories)]
    items, reconciled = publish_items(entries, TAXONOMY, "example.org", ledger=ledger, now=now)
    catalog = Catalog(tuple(items), TAXONOMY, (), reconciled.ledger, tuple(reconciled.changes))
    return catalog, build_site(catalog, CONFIG)


@settings(max_examples=60, deadline=None)
@given(BUILDS, st.integers(4, 12))
def test_edits_keep_ids_and_every_change_reaches_last_modified(builds, count):
    stories = [Story(i, FIRST_DATE + dt.timedelta(days=i // 2), *TEXTS[i]) for i in range(count)]
    withdrawn: list[Story] = []
    fresh = iter(range(count, len(TEXTS)))
    now = START
    catalog, site = publish(stories, Ledger(), now)
    ids = {s.name: item.id for s, item in zip(stories, find(catalog, stories))}
    for edits, seconds in builds:
        for kind, n in edits:
            edit(stories, withdrawn, fresh, kind, n)
        now += dt.timedelta(seconds=seconds)
        before, held = site, latest(catalog.ledger)
        catalog, site = publish(stories, catalog.ledger, now)
        items = find(catalog, stories)
        assert len({item.id for item in items}) == len(items)  # no two stories share an id
        assert not {item.id for item in items} & {r.id for r in catalog.withdrawn}
        for story, item in zip(stories, items):
            assert ids.setdefault(story.name, item.id) == item.id, (edits, story)  # persists, or restored: same id
        for path, resource in site.items():
            old = before.resources.get(path)
            if old is None or old.body != resource.body:
                # later than any time a client can hold: the build's own, never an earlier one
                assert held < resource.last_modified < now + dt.timedelta(minutes=1), (edits, path)
            else:
                assert resource.last_modified >= old.last_modified, (edits, path)


def edit(stories, withdrawn, fresh, kind, n):
    """One edit of the digest, as a publisher makes it."""
    if kind == "withdraw" and len(stories) > 1:
        withdrawn.append(stories.pop(n % len(stories)))
    elif kind == "restore" and withdrawn:
        stories.append(withdrawn.pop(n % len(withdrawn)))
    elif kind == "add" and (name := next(fresh, None)) is not None:
        stories.insert(n % (len(stories) + 1), Story(name, FIRST_DATE + dt.timedelta(days=n % 9), *TEXTS[name]))
    elif kind == "reorder":
        i = n % len(stories)
        same_day = [j for j, s in enumerate(stories) if s.date == stories[i].date and j != i]
        if same_day:
            j = same_day[0]
            stories[i], stories[j] = stories[j], stories[i]
    elif kind in ("retitle", "rebody", "redate", "both"):
        i = n % len(stories)
        s = stories[i]
        if kind in ("retitle", "both"):
            s = replace(s, title=tweak(s.title, n))
        if kind in ("rebody", "both"):
            s = replace(s, body=tweak(s.body, n // 7))
        if kind == "redate":
            s = replace(s, date=s.date + dt.timedelta(days=1 + n % 3))
        if any(o.date == s.date and o.title == s.title for o in stories if o is not stories[i]):
            return  # two stories of one day under one title are one item: not this test's subject
        stories[i] = s


def latest(ledger):
    """The newest time the ledger gave any document."""
    return max(t for r in ledger.records for t in (r.added, r.edited, r.moved, r.withdrawn) if t)


def find(catalog, stories):
    """The item of each story, by its date and title."""
    by_text = {(item.published.date(), item.title): item for item in catalog.items}
    return [by_text[s.date, s.title] for s in stories]
