"""Matching the digest's entries to what the ledger says was published.

An entry continues a published item when the evidence says it is the same story; the item keeps
its id (and, unless the date line was fixed, its time). The evidence is tried strongest first, and
at each step an entry and a record must have one partner each:

1. same date, title and body: unchanged;
2. same title and body, another date: the date line was fixed;
3. same date and body, another title: the title was edited;
4. same date and title, another body: the body was corrected;
5. same body, another date and title: both were fixed;
6. same title, the bodies alike (`BODY_ALIKE`), maybe another date: the body and the date were fixed;
7. the titles alike and the bodies alike (`TITLE_ALIKE`, `BODY_ALIKE`), dates at most a week apart
   (`NEAR`): a small edit of title and body, maybe with a fixed date.

A whole body is stronger evidence than a title (titles are short, and an editor may move one
from a story to another), so the same body wins over the same title.

Anything else is new. A record no entry continues is withdrawn; its id comes back if the text
does. Two entries that could continue one record at the same step are a problem to settle, never
a guess: ids are forever.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

from .digest import Source
from .ledger import NAME, Ledger, Record, body_fingerprint, body_sketch, resemblance
from .overrides import Overrides
from .problems import DigestError, Problem, quote

NOON = dt.time(12, 0, tzinfo=dt.timezone.utc)
SECOND = dt.timedelta(seconds=1)
# Measured on the labelled sets (docs/publishing.md, "How an edited item keeps its id"): an edited item scores
# above both, two stories of one day never did.
TITLE_ALIKE = 0.6  # difflib's ratio of the two titles, without case
BODY_ALIKE = 0.4  # resemblance of the bodies' word pairs
NEAR = dt.timedelta(days=7)  # how far a date line may be fixed along with a small edit of title and body


@dataclass(frozen=True, slots=True)
class Draft:
    """An entry about to be published: what the digest says, and what it is about."""
    date: dt.date
    title: str
    paragraphs: tuple[str, ...]  # as written, dateline included: what the fingerprint covers
    themes: tuple[str, ...]
    countries: tuple[str, ...]
    source: Source
    slug: str  # slug of the title alone
    order: tuple[str, ...] = ()  # every theme, in taxonomy order (where an override puts one)
    sketch: str = ""  # body_sketch of the paragraphs, when made already (feeds/items.py: in the workers)

    @property
    def body(self) -> str:
        return body_fingerprint(self.paragraphs)


@dataclass(frozen=True, slots=True)
class Change:
    """What a build publishes differently from the ledger, for the publisher to read."""
    what: str  # "new", "withdrawn", or edits: "title edited, body corrected"
    title: str
    id: str
    source: Source | None = None  # where the entry is; None for a withdrawn item

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        if self.what == "new":
            return f"{where}new: {quote(self.title)} ({self.id})"
        if self.what == "withdrawn":
            return f"withdrawn: {quote(self.title)} ({self.id}); it is in no digest file"
        return f"{where}{self.what}: {quote(self.title)}, keeps id {self.id}"


@dataclass
class Reconciled:
    ledger: Ledger  # the ledger after this build
    records: list[Record]  # the record of each draft, in draft order
    changes: list[Change]


def similar_titles(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.casefold(), b.casefold()).ratio()


def reconcile(drafts: list[Draft], ledger: Ledger, now: dt.datetime, tag_authority: str,
              overrides: Overrides | None = None) -> Reconciled:
    """The ledger after publishing `drafts` (in digest order) at `now`; raises DigestError when
    an entry's identity is ambiguous. `overrides`: the editors' theme calls, by id or slug."""
    records = list(ledger.records)
    # a build comes after every build the ledger remembers, even two within one second or a clock
    # set back: a changed document must never get a Last-Modified a client already holds
    latest = max((t for r in records for t in (r.added, r.edited, r.moved, r.withdrawn) if t), default=None)
    if latest is not None and now <= latest:
        now = latest + SECOND
    partner: dict[int, int] = {}  # draft index → record index
    taken: set[int] = set()  # record indexes matched
    problems: list[Problem] = []
    sketches: dict[int, str] = {}

    def sketch(i: int) -> str:
        if i not in sketches:
            sketches[i] = drafts[i].sketch or body_sketch(drafts[i].paragraphs)
        return sketches[i]

    bodies = [d.body for d in drafts]
    steps: list[tuple[str, Callable[[Draft, str], tuple], Callable[[Record], tuple]]] = [
        ("date, title and body", lambda d, b: (d.date, d.title, b), lambda r: (r.date, r.title, r.body)),
        ("title and body", lambda d, b: (d.title, b), lambda r: (r.title, r.body)),
        ("date and body", lambda d, b: (d.date, b), lambda r: (r.date, r.body)),
        ("date and title", lambda d, b: (d.date, d.title), lambda r: (r.date, r.title)),
        ("body", lambda d, b: (b,), lambda r: (r.body,)),
    ]
    unsettled: set[int] = set()  # drafts already reported: one problem each
    for evidence, draft_key, record_key in steps:
        waiting = defaultdict(list)
        for r, record in enumerate(records):
            if r not in taken:
                waiting[record_key(record)].append(r)
        claims = defaultdict(list)
        for i, draft in enumerate(drafts):
            if i not in partner and i not in unsettled and (key := draft_key(draft, bodies[i])) in waiting:
                claims[key].append(i)
        for key, claimants in claims.items():
            candidates = waiting[key]
            if len(claimants) == 1 and len(candidates) == 1:
                partner[claimants[0]] = candidates[0]
                taken.add(candidates[0])
            else:
                problems.append(_ambiguous(drafts, claimants, [records[r] for r in candidates], evidence))
                unsettled.update(claimants)

    # edits of several at once: the same title over a body edited a little, or a small edit of
    # both title and body; a fixed date line with either
    alike_steps = [
        ("title and a similar body", lambda draft, record: record.title == draft.title),
        ("a similar title and body", lambda draft, record: abs(record.date - draft.date) <= NEAR
         and similar_titles(draft.title, record.title) >= TITLE_ALIKE),
    ]
    for evidence, near in alike_steps:
        claims = defaultdict(list)  # record index → drafts alike
        for i, draft in enumerate(drafts):
            if i in partner or i in unsettled:
                continue
            alike = [r for r, record in enumerate(records) if r not in taken and near(draft, record)
                     and resemblance(sketch(i), record.sketch) >= BODY_ALIKE]
            if len(alike) > 1:
                problems.append(_ambiguous(drafts, [i], [records[r] for r in alike], evidence))
                unsettled.add(i)
            elif alike:
                claims[alike[0]].append(i)
        for r, claimants in claims.items():
            if len(claimants) == 1:
                partner[claimants[0]] = r
                taken.add(r)
            else:
                problems.append(_ambiguous(drafts, claimants, [records[r]], evidence))
                unsettled.update(claimants)
    if problems:
        raise DigestError(problems)
    reconciled = _publish(drafts, bodies, records, partner, taken, sketch, now, tag_authority, overrides or Overrides())
    reconciled.ledger.rendering = dict(ledger.rendering)  # how documents are made is the build's to say
    reconciled.ledger.lines = ledger.lines  # the records kept as they were are written as they were read
    return reconciled


def _ambiguous(drafts: list[Draft], claimants: list[int], records: list[Record], evidence: str) -> Problem:
    first = drafts[claimants[0]]
    if len(claimants) > 1:
        others = ", ".join(f"{quote(drafts[i].title)} at {drafts[i].source.name}" for i in claimants[1:])
        return Problem(first.source.path, first.source.line,
                       f"{quote(first.title)} and {others} could each continue the published item "
                       f"{records[0].id} (same {evidence}); to settle it, set that item's \"title\" in "
                       f"{NAME} to the title of the entry that continues it, and the other is published as new")
    ids = " and ".join(r.id for r in records)
    return Problem(first.source.path, first.source.line,
                   f"{quote(first.title)} could continue either of the published items {ids} (same {evidence}); "
                   f"to settle it, set the \"title\" of the one it continues in {NAME} to this entry's title")


def _publish(drafts, bodies, records, partner, taken, sketch, now, tag_authority, overrides) -> Reconciled:
    changes: list[Change] = []
    used_times = {r.published for r in records}
    ids = {r.id for r in records}
    slugs = {s for r in records for s in (r.slug, *r.former_slugs)}
    # updated times must differ within a feed (the W3C validator warns DuplicateUpdated): the items
    # edited by this build take `now` and the free seconds after it, never one a client may hold
    updated = {r.updated for r in records}
    edit_times = _free_seconds(now, lambda when: when in updated or when in used_times)

    def free_time(date: dt.date) -> dt.datetime:
        """12:00 UTC of the date, or the first second before it no item of the day holds."""
        when = dt.datetime.combine(date, NOON)
        while when in used_times:
            when -= SECOND
        used_times.add(when)
        return when

    def unique(value: str, used: set[str]) -> str:
        candidate, n = value, 1
        while candidate in used:
            n += 1
            candidate = f"{value}-{n}"
        used.add(candidate)
        return candidate

    def themes(draft: Draft, item_id: str, *item_slugs: str) -> tuple[str, ...]:
        """The classifier's themes, or the editor's where an override names the item."""
        override = overrides.find(item_id, item_slugs)
        return override.apply(draft.themes, draft.order) if override else draft.themes

    mine: list[Record | None] = [None] * len(drafts)
    for i, draft in enumerate(drafts):  # in digest order, so the first build keeps digest order within a day
        if i in partner:
            continue
        slug = unique(f"{draft.date:%Y-%m-%d}-{draft.slug}", slugs)
        item_id = unique(f"tag:{tag_authority},{draft.date:%Y-%m-%d}:{draft.slug}", ids)
        record = Record(id=item_id, slug=slug, published=free_time(draft.date), title=draft.title,
                        body=bodies[i], sketch=sketch(i), themes=themes(draft, item_id, slug),
                        countries=draft.countries, added=now)
        mine[i] = record
        changes.append(Change("new", draft.title, record.id, draft.source))

    for i in sorted(partner, key=lambda i: (drafts[i].date, i), reverse=True):
        draft, old = drafts[i], records[partner[i]]
        slug = f"{draft.date:%Y-%m-%d}-{draft.slug}"
        # the address it will have: its own former one back, or a free one (never another's)
        new_slug = old.slug if slug == old.slug else slug if slug in old.former_slugs else unique(slug, slugs)
        # an override is found by the same keys feeds/items.py uses: id, then current and former slugs
        chosen = themes(draft, old.id, new_slug, old.slug, *old.former_slugs)
        if chosen != draft.themes:
            draft = dataclasses.replace(draft, themes=chosen)
        if (not old.withdrawn and draft.date == old.date and draft.title == old.title and bodies[i] == old.body
                and draft.themes == old.themes and draft.countries == old.countries and slug == old.slug):
            mine[i] = old  # unchanged: most items, every build
            continue
        what = []
        new = dataclasses.replace(old)
        if old.withdrawn:
            what.append("restored")
            new.withdrawn = None
        if draft.date != old.date:
            what.append("date fixed")
            used_times.discard(old.published)
            new.published = free_time(draft.date)
        if draft.title != old.title:
            what.append("title edited")
            new.title = draft.title
        if bodies[i] != old.body:
            what.append("body corrected")
            new.body, new.sketch = bodies[i], sketch(i)
        if draft.themes != old.themes:
            what.append("themes changed")
        if draft.countries != old.countries:
            what.append("countries changed")
        if slug != old.slug and not {"title edited", "date fixed"} & set(what):
            what.append("title edited")  # the ledger's title was set by hand; subscribers saw the old one
        if slug != old.slug:  # the old address redirects to the new one; an edit undone takes its old slug back
            new.slug = new_slug
            new.former_slugs = tuple(s for s in (*old.former_slugs, old.slug) if s != new.slug)
        if draft.themes != old.themes or draft.countries != old.countries or draft.date != old.date:
            new.moved = now
            current = {*(f"themes/{t}" for t in draft.themes), *(f"countries/{c}" for c in draft.countries)}
            new.left = tuple(sorted(set(old.feeds()) - current))
            new.themes, new.countries = draft.themes, draft.countries
        if what:
            new.edited = next(edit_times)
            changes.append(Change(", ".join(what), draft.title, old.id, draft.source))
        mine[i] = new

    continued = set(partner.values())
    kept = []
    for r, record in enumerate(records):
        if r in continued:
            continue
        if record.withdrawn is None:
            record = dataclasses.replace(record, withdrawn=now)
            changes.append(Change("withdrawn", record.title, record.id))
        kept.append(record)
    ledger = Ledger([*kept, *mine])
    order = {"new": 0, "withdrawn": 2}
    changes.sort(key=lambda c: (order.get(c.what, 1), c.source.path if c.source else "", c.source.line if c.source else 0, c.id))
    return Reconciled(ledger, mine, changes)


def _free_seconds(now: dt.datetime, used: Callable[[dt.datetime], bool]):
    when = now
    while True:
        if not used(when):
            yield when
        when += SECOND
