"""Editors' overrides: a theme added to or removed from one item, with a reason, beside the digests.

`seeds/themes-overrides.toml` fixes a call today without touching the taxonomy or the learned
weights:

    [[item]]
    item = "tag:iom-digest.example.org,2021-10-14:border-personnel-in-panama-…"   # or its slug
    add = ["governance"]
    remove = ["labour-migration"]
    reason = "A border-management exchange, not a labour migration story."

An item is named by its id (kept through every correction) or by its current slug, as `feeds
check` and `feeds items --json` print them. Every mistake is `file:line: …`; an override that names no
published item is a warning, since it does nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .problems import DigestError, Problem, parse_toml

NAME = "themes-overrides.toml"
KEYS = {"item", "add", "remove", "reason"}


@dataclass(frozen=True)
class Override:
    item: str  # an id or a slug, as written
    add: tuple[str, ...]
    remove: tuple[str, ...]
    reason: str
    line: int  # of its [[item]] header
    path: str

    def apply(self, themes: tuple[str, ...], order: list[str]) -> tuple[str, ...]:
        """The item's themes with this override: taxonomy order, each once."""
        wanted = (set(themes) | set(self.add)) - set(self.remove)
        return tuple(slug for slug in order if slug in wanted)

    def agrees(self, classified: tuple[str, ...]) -> bool:
        """Whether the classifier already makes this call by itself (the override could go)."""
        return set(self.add) <= set(classified) and not set(self.remove) & set(classified)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


class Overrides:
    def __init__(self, overrides: list[Override] = ()):
        self.by_key = {o.item: o for o in overrides}

    def __bool__(self) -> bool:
        return bool(self.by_key)

    def __iter__(self):
        return iter(self.by_key.values())

    def find(self, item_id: str, slugs) -> Override | None:
        """The override naming this item by its id or one of its slugs (current first)."""
        for key in (item_id, *slugs):
            if key in self.by_key:
                return self.by_key[key]
        return None

    def naming(self, item_id: str, slugs) -> list[Override]:
        """Every override that names this item (more than one is a mistake)."""
        return [self.by_key[key] for key in dict.fromkeys((item_id, *slugs)) if key in self.by_key]


def read_overrides(seeds: Path, themes: list[str]) -> Overrides:
    """The seeds folder's overrides (none without the file); DigestError with `file:line` for
    anything that cannot be applied as written."""
    path = Path(seeds) / NAME
    if not path.is_file():
        return Overrides()
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DigestError([Problem(str(path), 0, f"cannot read: {getattr(e, 'strerror', None) or 'not UTF-8 text'}")]) from None
    data = parse_toml(text, str(path))
    headers = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"^[ \t]*\[\[?[ \t]*item[ \t]*\]", text, re.MULTILINE)]
    problems, overrides, seen = [], [], {}
    if set(data) - {"item"}:
        problems.append(Problem(str(path), 0, f"expected only [[item]] tables, found {sorted(set(data) - {'item'})}"))
    tables = data.get("item", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        problems.append(Problem(str(path), headers[0] if headers else 0,
                                "each override is an [[item]] table (two brackets), with item, add or remove, and reason"))
        tables = []
    for n, table in enumerate(tables):
        line = headers[n] if n < len(headers) else 0
        say = lambda message: problems.append(Problem(str(path), line, message))  # noqa: E731
        unknown = set(table) - KEYS
        if unknown:
            say(f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, sorted(unknown)))} "
                f"(an override has {', '.join(sorted(KEYS))})")
        item, reason = table.get("item"), table.get("reason")
        add, remove = table.get("add", []), table.get("remove", [])
        if not isinstance(item, str) or not item.strip():
            say("needs `item`: the item's id or slug, as `feeds items` prints them")
            continue
        if not isinstance(reason, str) or not reason.strip():
            say("needs a `reason`: why the editor overrides the classifier (the next editor reads it)")
        lists_ok = all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in (add, remove))
        if not lists_ok:
            say("`add` and `remove` are lists of theme slugs")
            continue
        if not add and not remove:
            say("adds and removes nothing")
        for slug in sorted({*add, *remove} - set(themes)):
            say(f"no theme {slug!r} (themes: {', '.join(themes)})")
        for slug in sorted(set(add) & set(remove)):
            say(f"theme {slug!r} is both added and removed")
        item = item.strip()
        if item in seen:
            say(f"{item!r} is overridden already at line {seen[item]}: one override per item")
        seen.setdefault(item, line)
        overrides.append(Override(item, tuple(add), tuple(remove), (reason or "").strip(), line, str(path)))
    if problems:
        raise DigestError(problems)
    return Overrides(overrides)
