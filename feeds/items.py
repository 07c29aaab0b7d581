"""Entries → items: what each says (summary, themes, countries), and who it is (from the ledger).

Identity is forever: an item's id is minted once, then kept by the ledger through edits
(feeds/identity.py). The same date and title in two digest files is the same item.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slugify import slugify, smart_truncate

from .digest import Entry, Source
from .identity import Draft, Reconciled, reconcile
from .ledger import Ledger, body_sketch, build_time
from .places import Mention, countries, plain, split_dateline
from .problems import DigestError, Problem, quote
from .overrides import Override, Overrides
from .themes import Match, Taxonomy
from .workers import alongside

if TYPE_CHECKING:
    from .factcache import FactCache

SLUG_LENGTH = 80
SUMMARY_LENGTH = 280


@dataclass(frozen=True, slots=True)  # slots: one per item or match, 100,000s of them
class Item:
    id: str
    slug: str
    title: str
    paragraphs: tuple[str, ...]  # the body without its dateline
    published: dt.datetime  # its time in the feeds, fixed by the ledger
    updated: dt.datetime  # when its text last changed; `published` until then
    evidence: dict[str, tuple[Match, ...]]  # theme slug → the words that put the item there
    source: Source
    place: str | None = None  # from the dateline the body opened with, e.g. "Georgetown, Guyana"
    # ISO 3166-1 alpha-2 code → where the item names the country, in order of first mention
    country_evidence: dict[str, tuple[Mention, ...]] = field(default_factory=dict)
    override: Override | None = None  # the editor's call on its themes, if any
    classified: tuple[str, ...] = ()  # with an override: the themes the classifier gave by itself

    @property
    def summary(self) -> str:
        """The first paragraph, cut at SUMMARY_LENGTH (never the dateline): made when asked, not
        kept, as most are cut copies (100,000 items: 60 MB)."""
        return summarize(self.paragraphs)

    @property
    def themes(self) -> tuple[str, ...]:
        return tuple(self.evidence)

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(self.country_evidence)

    @property
    def date(self) -> dt.date:
        return self.published.date()

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)


def tokens(text: str) -> list[str]:
    """Words without case or accents, for search: "Panamá's" → ["panama", "s"]."""
    return re.findall(r"\w+", plain(text).casefold())


def search_text(item: Item) -> str:
    """The item's words, each preceded by a space, so " panam" finds words starting with "panam"."""
    return " " + " ".join(tokens(f"{item.title} {item.body}"))


def title_slug(title: str) -> str:
    """ASCII slug of the title; a long title is cut on a word and made unique by a hash of all of it.

    The hash is of the full slug, not the raw title, so case and punctuation never change identity.
    """
    full = slugify(title)
    # cut as slugify(title, max_length=…, word_boundary=True) cuts, without slugifying twice
    short = smart_truncate(full, max_length=SLUG_LENGTH, word_boundary=True, separator="-")
    if short == full and short:
        return short
    digest = hashlib.sha1((full or title).encode("utf-8")).hexdigest()[:8]
    return f"{short}-{digest}" if short else digest


def summarize(paragraphs: tuple[str, ...]) -> str:
    text = paragraphs[0]
    if len(text) <= SUMMARY_LENGTH:
        return text
    cut = text[:SUMMARY_LENGTH].rsplit(" ", 1)[0].rstrip(",;:-–—")
    return cut + "…"


def make_items(entries: list[Entry], taxonomy: Taxonomy, tag_authority: str, processes: int = 1,
               ledger: Ledger | None = None, now: dt.datetime | None = None) -> list[Item]:
    """Items newest first (see `publish_items`)."""
    return publish_items(entries, taxonomy, tag_authority, processes, ledger, now)[0]


def overridden(evidence: dict[str, tuple[Match, ...]], override: Override, order: list[str]) -> dict[str, tuple[Match, ...]]:
    """The evidence with the editor's call: an added theme's evidence is the reason (after the
    classifier's own, if it found some), a removed one's is gone."""
    note = Match(f"editor: {override.where}", override.reason, "editor", 0.0, "editor")
    return {slug: evidence.get(slug, ()) + ((note,) if slug in override.add else ())
            for slug in override.apply(tuple(evidence), order)}


def publish_items(entries: list[Entry], taxonomy: Taxonomy, tag_authority: str, processes: int = 1,
                  ledger: Ledger | None = None, now: dt.datetime | None = None,
                  overrides: Overrides | None = None, facts: FactCache | None = None) -> tuple[list[Item], Reconciled]:
    """Items newest first, and the ledger after publishing them at `now` (default: `build_time()`).
    Entries are given in digest order (files by name, then by line).

    An item's id, slug and times come from the ledger when an entry continues a published item
    (feeds/identity.py); a new item gets a tag URI of the authority, its date and the slug of
    its title. With `processes` > 1, this process and forked workers find the themes and places
    of large digests (feeds/workers.py): only for a single-threaded caller such as `feeds build`
    (a server's watcher thread must not fork)."""
    first: dict[tuple[dt.date, str], Entry] = {}
    problems = []
    slug = (lambda title: facts.slug(title, title_slug)) if facts else title_slug
    for entry in entries:
        key = (entry.date, slug(entry.title))
        seen = first.setdefault(key, entry)
        if seen is not entry and seen.paragraphs != entry.paragraphs:
            problems.append(Problem(entry.source.path, entry.source.line,
                                    f"{quote(entry.title)} of {entry.date:%d %B %Y} is also at "
                                    f"{seen.source} with a different body; keep one version"))
    if problems:
        raise DigestError(problems)

    unique = list(first.values())
    found = read_all(unique, taxonomy, processes, facts)
    order = tuple(theme.slug for theme in taxonomy.themes)
    drafts = [Draft(entry.date, entry.title, entry.paragraphs, tuple(evidence), tuple(where), entry.source, slug, order,
                    sketch)
              for ((_, slug), entry), (_, _, evidence, where, sketch) in zip(first.items(), found)]
    overrides = overrides or Overrides()
    reconciled = reconcile(drafts, ledger or Ledger(), now or build_time(), tag_authority, overrides)
    items = []
    for entry, record, (place, paragraphs, evidence, where, _) in zip(unique, reconciled.records, found):
        override = overrides.find(record.id, (record.slug, *record.former_slugs)) if overrides else None
        items.append(Item(
            id=record.id,
            slug=record.slug,
            title=entry.title,
            paragraphs=paragraphs,
            published=record.published,
            updated=record.updated,
            evidence=evidence,
            source=entry.source,
            place=place,
            country_evidence=where,
            override=override,
            classified=tuple(evidence) if override else (),
        ))
        if override:
            items[-1] = dataclasses.replace(items[-1], evidence=overridden(evidence, override, order))
    items.sort(key=lambda item: item.published, reverse=True)
    return items, reconciled


Facts = tuple  # (dateline place, paragraphs without it, theme evidence, country evidence, body sketch)


def facts(entry: Entry, taxonomy: Taxonomy) -> Facts:
    """What an entry says of itself: its dateline, themes and countries (most of make_items' time)."""
    place, paragraphs = split_dateline(entry.paragraphs)
    body = " ".join(paragraphs)
    # the sketch, for the ledger (feeds/identity.py), is made here too: in the workers, and kept
    return (place, paragraphs, taxonomy.classify(entry.title, body), countries(entry.title, place, body),
            body_sketch(entry.paragraphs))


PARALLEL_FROM = 200  # entries; below this, one process
CHUNK = 500
_WORK = None  # (entries, taxonomy) for forked workers: inherited, not pickled


def _facts_of(span: tuple[int, int]) -> tuple[int, list[Facts]]:  # in a forked worker, or this process
    entries, taxonomy = _WORK
    # paragraphs go back only when a dateline changed them: the parent has the rest already; and
    # one object per distinct match (most repeat across items), which pickling sends once
    made: dict = {}
    return span[0], [(place, paragraphs if place else None, _interned(evidence, made), _interned(where, made), sketch)
                     for place, paragraphs, evidence, where, sketch in (facts(entry, taxonomy)
                                                                        for entry in entries[span[0]:span[1]])]


def _interned(found: dict[str, tuple], made: dict) -> dict[str, tuple]:
    """Theme (or country) → its matches (or mentions), each the one object `made` holds equal to it."""
    return {key: tuple([made.setdefault(one, one) for one in ones]) for key, ones in found.items()}


def read_all(entries: list[Entry], taxonomy: Taxonomy, processes: int, cache: FactCache | None = None) -> list[Facts]:
    """The facts of each entry; with a cache (and the shipped taxonomy, which the cache's key
    covers), only of the entries it does not hold."""
    if cache is None or taxonomy is not Taxonomy.shipped():
        return _read_all(entries, taxonomy, processes)
    found = [cache.get(entry) for entry in entries]
    missing = [i for i, facts in enumerate(found) if facts is None]
    for i, facts in zip(missing, _read_all([entries[i] for i in missing], taxonomy, processes)):
        found[i] = facts
        cache.put(entries[i], facts)
    return found


def _read_all(entries: list[Entry], taxonomy: Taxonomy, processes: int) -> list[Facts]:
    global _WORK
    if not entries:
        return []
    used = processes if len(entries) >= PARALLEL_FROM else 1  # starting processes costs more than few entries
    _WORK = (entries, taxonomy)
    try:
        spans = [(i, min(i + CHUNK, len(entries))) for i in range(0, len(entries), CHUNK)]
        done = dict(alongside(_facts_of, spans, used))  # span start → its facts, in any order
        found = [one for start, _ in spans for one in done[start]]
        # one object per distinct match (and mention) across the parts too: 10,000 items hold
        # 118,410 matches, 9,900 of them distinct, and the catalog keeps them for as long as it lives
        made: dict = {}
        return [(place, paragraphs or entry.paragraphs, _interned(evidence, made), _interned(where, made), sketch)
                for entry, (place, paragraphs, evidence, where, sketch) in zip(entries, found)]
    finally:
        _WORK = None
