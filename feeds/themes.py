"""Themes: the taxonomy (data, in taxonomy.toml) and the explainable classifier that applies it.

The taxonomy's terms are found in an item; learned weights (feeds/learned.py) then weigh those
terms and the item's words for each theme. An item joins a theme when its learned score reaches
the threshold, or when it holds one of the theme's strong terms: a phrase an editor wrote down
as meaning the theme ("migrant smuggling") always does, and the real digest's releases, longer
than any labelled item, need it (bench/themes_cv.py). A theme the weights do not know yet (added
to the taxonomy since the last `feeds themes --train`) is decided by its terms alone: strong
terms 2, weak 1, title 1.5 times, joined at its threshold."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache, cached_property
from typing import Callable, Iterable
from importlib import resources

from .learned import FILE as LEARNED, Learned, probability, term_feature, words
from .patterns import trie_pattern
from .problems import DigestError, Problem, parse_toml

STRONG, WEAK, TITLE_FACTOR, DEFAULT_THRESHOLD = 2.0, 1.0, 1.5, 2.0


def term_pattern(term: str) -> str:
    """A phrase as a regex: words on word boundaries, any whitespace between, `*` = any ending."""
    words = []
    for word in term.split():
        stem = word.rstrip("*")
        words.append(re.escape(stem) + (r"[\w-]*" if word.endswith("*") else ""))
    return r"(?<![\w-])" + r"\s+".join(words) + r"(?![\w-])"


def lower_term_pattern(term: str) -> str:
    """A phrase as a regex for lower-case text (`lowered`): the same matches as term_pattern with
    re.IGNORECASE, found some 20 times faster, since the regex engine looks for a literal first
    word with a fast scan, where a pattern that starts with a lookbehind is tried at every
    character (bench/build.py: a fifth of classifying went to that). The same for ASCII terms,
    which the taxonomy's are; for others, as str.lower() compares."""
    first, _, rest = " ".join(term.lower().split()).partition(" ")
    stem = first.rstrip("*")
    if not stem:  # no literal to start from
        return term_pattern(term.lower())
    after = term_pattern(f"x {rest}" if rest else "x").removeprefix(r"(?<![\w-])x")  # what follows the first word
    return re.escape(stem) + r"(?<![\w-]" + re.escape(stem) + ")" + (r"[\w-]*" if first.endswith("*") else "") + after


WORD = re.compile(r"[\w-]+")  # what a term's word matches whole: runs of word characters and hyphens


def term_words(term: str) -> frozenset[str]:
    """A term's words in lower case, "*" kept on those that take any ending: "Report* on" → {"report*", "on"}."""
    return frozenset(m[0].lower() + ("*" if term[m.end():m.end() + 1] == "*" else "") for m in WORD.finditer(term))


# The only characters that re.IGNORECASE matches to an ASCII letter and str.lower() does not turn
# into it (found by trying every code point): the terms are ASCII, so the prefilter folds them too.
RE_FOLDS = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})


def lowered(text: str) -> str:
    """The text in lower case as re.IGNORECASE compares an ASCII term with it, character for
    character: the same length, and word characters, hyphens and spaces where the text has them
    (tests/test_themes.py checks every code point), so a match's place is the text's."""
    if "İ" in text or "ı" in text or "ſ" in text:  # rare; translate() of every text costs a third
        text = text.translate(RE_FOLDS)
    return text.lower()


def _cut_out(pattern: re.Pattern, text: str, low: str) -> tuple[str, str]:
    """re.sub(pattern, " ", text) for a pattern made for lowered text, and the same of `low`,
    the text lowered()."""
    spans = [m.span() for m in pattern.finditer(low)]
    return _cut(text, spans), _cut(low, spans)


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with each span replaced by a space, as re.sub(pattern, " ", text) replaces matches."""
    pieces, last = [], 0
    for start, end in spans:
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    return " ".join(pieces)


class Needed:
    """Every word some term uses, and the stems of those that take any ending, found in a text by
    one trie-shaped regex."""

    def __init__(self, terms: Iterable[frozenset[str]]):
        self.words = frozenset().union(*terms)
        stems = [word[:-1] for word in self.words if word.endswith("*")]
        # the regex finds the longest stem a word starts with; the shorter ones it contains count too
        self.within = {stem: [other + "*" for other in stems if stem.startswith(other)] for stem in stems}
        self.stems = re.compile(r"(?<![\w-])(" + trie_pattern(stems) + ")") if stems else None


class Vocabulary:
    """The words of an item among those the terms use, for ruling terms out before any regex runs:
    a term whose words are not all in the text cannot match, however vetoes and used-up words
    later cut the text. Classifying got 2.5 times faster (docs/internals.md, build benchmark)."""

    def __init__(self, low: str, needed: Needed):  # low: the item's text, lowered()
        self.words = set(WORD.findall(low)) & needed.words
        if needed.stems:
            for stem in set(needed.stems.findall(low)):
                self.words.update(needed.within[stem])

    def may_match(self, words: frozenset[str]) -> bool:
        return words <= self.words


@dataclass(frozen=True, slots=True)  # slots: one per item or match, 100,000s of them
class Match:
    term: str  # as written in the taxonomy, e.g. "recruit*"
    text: str  # what it matched, e.g. "recruitment"
    where: str  # "title" or "body"; "editor" for an editor's override
    score: float  # what it adds to the item's score for the theme
    # "term" (the taxonomy's; "other-theme: term" for another theme's), "learned" (a word the
    # learned weights know), "rest" (the other words, summed), "bias" (the learned theme's own),
    # "strong" (a strong term that put the item in the theme although the learned score did not),
    # or "editor" (an override)
    kind: str = "term"

    @property
    def weight(self) -> float:
        return self.score / TITLE_FACTOR if self.where == "title" else self.score

    def __str__(self) -> str:
        if self.kind == "editor":
            return f"editor ({self.term.removeprefix('editor: ')}): {self.text}"
        if self.kind in ("bias", "rest"):
            return f"{self.term.strip('()')} {self.score:+.2f}"
        if self.kind == "strong":
            return f"strong term {self.text!r} in {self.where}"
        if self.kind == "learned":
            return f"{self.text!r} {self.score:+.2f}"
        return f"term {self.text!r} in {self.where} {self.score:+.2f}"


@cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


@dataclass(frozen=True)
class Theme:
    slug: str
    title: str
    description: str
    strong: tuple[str, ...]
    weak: tuple[str, ...]
    veto: tuple[str, ...]
    threshold: float = DEFAULT_THRESHOLD
    # Themes whose claim wins unless this theme has a strong term in the title: an item in
    # `smuggling` whose labour evidence is "recruit" and "jobs" is a trafficking story, and a
    # governance forum whose agenda lists labour migration is not a labour migration story.
    yields_to: tuple[str, ...] = ()

    def __post_init__(self):
        terms = [(t, STRONG) for t in self.strong] + [(t, WEAK) for t in self.weak]
        # (term, weight, pattern for lowered text, words): the words rule the term out before its
        # regex runs, which is compiled then, when first needed (a weekly publish classifies ten
        # items: compiling all 363 took a twentieth of it)
        object.__setattr__(self, "_terms", [(t, w, lower_term_pattern(t), term_words(t)) for t, w in terms])
        veto = "|".join(lower_term_pattern(v) for v in self.veto)
        object.__setattr__(self, "_veto", re.compile(veto) if veto else None)
        object.__setattr__(self, "_veto_words", [term_words(v) for v in self.veto])
        object.__setattr__(self, "needed", Needed([words for *_, words in self._terms] + self._veto_words))

    def matches(self, title: str, body: str, vocabulary: Vocabulary | None = None,
                low: tuple[str, str] | None = None) -> tuple[Match, ...]:
        """Every term found, counted once at its best place (title before body). `low`: title and
        body lowered(), which the terms are searched in (the matches' text is the item's).

        Words a term matched are used up, so a weak term inside a strong phrase
        ("smuggling" in "migrant smuggling") does not count a second time.
        """
        low_title, low_body = low or (lowered(title), lowered(body))
        vocabulary = vocabulary or Vocabulary(low_title + "\n" + low_body, self.needed)
        if self._veto and any(map(vocabulary.may_match, self._veto_words)):
            title, low_title = _cut_out(self._veto, title, low_title)
            body, low_body = _cut_out(self._veto, body, low_body)
        found, present = [], vocabulary.words
        for term, weight, source, needed in self._terms:  # strong terms first
            if not needed <= present:
                continue
            pattern = _compiled(source)
            in_title = [m.span() for m in pattern.finditer(low_title)]
            in_body = [m.span() for m in pattern.finditer(low_body)]
            # the first is kept, the title's first; all are used up, in the title and the body
            if in_title:
                found.append(Match(term, title[slice(*in_title[0])], "title", weight * TITLE_FACTOR))
                title, low_title = _cut(title, in_title), _cut(low_title, in_title)
            elif in_body:
                found.append(Match(term, body[slice(*in_body[0])], "body", weight))
            if in_body:
                body, low_body = _cut(body, in_body), _cut(low_body, in_body)
        return tuple(found)

    def holds(self, found: tuple[Match, ...]) -> bool:
        """Whether the terms found put an item in this theme by themselves (no learned weights)."""
        return sum(m.score for m in found) >= self.threshold


STRONG_FLOOR = 0.02  # below this learned probability, a strong term in the body does not decide (bench/themes_cv.py)
SHOWN, SHOWN_AGAINST = 8, 2  # features an explanation names, for and against; the rest is one sum
ADDS_UP = ("term", "learned", "rest", "bias")  # the kinds of evidence whose scores make the learned score


def learned_probability(evidence: tuple[Match, ...]) -> float | None:
    """The learned score's probability that this evidence adds up to (None: decided by terms or
    an editor alone)."""
    if not any(m.kind == "bias" for m in evidence):
        return None
    return probability(sum(m.score for m in evidence if m.kind in ADDS_UP))


def summary(evidence: tuple[Match, ...], shown: int = 6) -> str:
    """One line of what decided a theme: the editor, a strong term, or the heaviest features."""
    p = learned_probability(evidence)
    reasons = [m for m in evidence if m.kind in ("editor", "strong")]
    weighed = [m for m in evidence if m.kind in ("term", "learned") and m.score > 0][:shown]
    if p is None:
        return ", ".join(map(str, reasons + [m for m in evidence if m.kind == "term"]))
    return "; ".join([*map(str, reasons), f"learned p={p:.2f}: " + ", ".join(map(str, weighed))])


SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
TERM_LISTS = ("strong", "weak", "veto")


def theme_problems(slug: str, table) -> list[str]:
    """What is wrong with one [themes.<slug>] table: a typo must not silently empty a feed."""
    if not isinstance(table, dict):
        return ["is not a table"]
    problems = []
    if not SLUG.fullmatch(slug):
        problems.append("the slug is part of URLs: use lower-case letters, digits and hyphens")
    unknown = set(table) - {"title", "description", "threshold", "yields_to", *TERM_LISTS}
    problems += [f"unknown key {key!r}" for key in sorted(unknown)]
    for key in ("title", "description"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            problems.append(f"needs a {key}")
    for key in (*TERM_LISTS, "yields_to"):
        terms = table.get(key, [])
        if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
            problems.append(f"{key} must be a list of phrases")
    if not table.get("strong") and not table.get("weak"):
        problems.append("has no strong or weak terms, so no item could ever join it")
    if not isinstance(table.get("threshold", 1), (int, float)) or table.get("threshold", 1) <= 0:
        problems.append("threshold must be a positive number")
    return problems


@dataclass(frozen=True)
class Taxonomy:
    themes: tuple[Theme, ...]
    # the weights, or what reads them (the shipped ones: read on first use, so a publish whose
    # entries were all read before, feeds/factcache.py, never parses their 5,000 rows); None:
    # every theme decided by its terms
    learned: Learned | Callable[[], Learned] | None = None

    @classmethod
    def load(cls, text: str | None = None, path: str = "taxonomy.toml", learned: Learned | None = None) -> "Taxonomy":
        """The bundled taxonomy with the bundled learned weights, or one given as TOML text (with
        the weights given, if any); a malformed one raises DigestError."""
        if text is None:
            shipped = resources.files(__package__).joinpath(LEARNED)
            learned = learned or (Learned.load if shipped.is_file() else None)
            text = resources.files(__package__).joinpath("taxonomy.toml").read_text("utf-8")
        data = parse_toml(text, path, prefix="")
        themes = data.get("themes")
        if not isinstance(themes, dict) or not themes or set(data) != {"themes"}:
            raise DigestError([Problem(path, 0, "expected only [themes.<slug>] tables")])
        problems = [Problem(path, 0, f"[themes.{slug}]: {message}")
                    for slug, table in themes.items() for message in theme_problems(slug, table)]
        problems += [Problem(path, 0, f"[themes.{slug}]: yields_to names no theme {other!r}")
                     for slug, table in themes.items() for other in table.get("yields_to", [])
                     if other not in themes or other == slug]
        if problems:
            raise DigestError(problems)
        return cls(tuple(
            Theme(slug=slug, title=t["title"], description=t["description"],
                  strong=tuple(t.get("strong", ())), weak=tuple(t.get("weak", ())),
                  veto=tuple(t.get("veto", ())), threshold=float(t.get("threshold", DEFAULT_THRESHOLD)),
                  yields_to=tuple(t.get("yields_to", ())))
            for slug, t in themes.items()), learned)

    @staticmethod
    @cache
    def shipped() -> "Taxonomy":
        """The package's taxonomy and weights, read once per process: a server
        rebuilds on every change to the seeds, and they never change while it runs."""
        return Taxonomy.load()

    @cached_property
    def weights(self) -> Learned | None:
        return self.learned() if callable(self.learned) else self.learned

    @cached_property
    def labels(self) -> dict[str, str]:
        """Theme slug → its title, as feeds label their categories."""
        return {theme.slug: theme.title for theme in self.themes}

    @cached_property
    def needed(self) -> Needed:
        return Needed(theme.needed.words for theme in self.themes)

    def __getitem__(self, slug: str) -> Theme:
        for theme in self.themes:
            if theme.slug == slug:
                return theme
        raise KeyError(slug)

    @cached_property
    def vetoes(self) -> tuple[re.Pattern | None, list[frozenset[str]]]:
        """Every theme's veto phrases as one pattern, and their words (to skip it when absent)."""
        phrases = [v for theme in self.themes for v in theme.veto]
        pattern = re.compile("|".join(lower_term_pattern(v) for v in phrases)) if phrases else None
        return pattern, [term_words(v) for v in phrases]

    def features(self, title: str, body: str) -> tuple[set[str], dict[str, tuple[Match, ...]]]:
        """What the learned weights see of an item (its words and the terms it matches), and the
        terms each theme matched. The words of veto phrases are not seen: "drug trafficking" is
        not a word towards trafficking in persons, whichever theme vetoed it."""
        low = lowered(title), lowered(body)  # once for all themes
        vocabulary = Vocabulary("\n".join(low), self.needed)
        matched = {theme.slug: theme.matches(title, body, vocabulary, low) for theme in self.themes}
        veto, veto_words = self.vetoes
        if veto is not None and any(map(vocabulary.may_match, veto_words)):
            title, body = _cut_out(veto, title, low[0])[0], _cut_out(veto, body, low[1])[0]
        seen = words(title + "\n" + body)
        seen.update(term_feature(slug, m.term) for slug, found in matched.items() for m in found)
        return seen, matched

    def classify(self, title: str, body: str) -> dict[str, tuple[Match, ...]]:
        """Theme slug → evidence, for every theme the item belongs to, in taxonomy order."""
        return self._decide(title, *self.features(title, body))

    def _decide(self, title: str, seen: set[str], matched: dict[str, tuple[Match, ...]]) -> dict[str, tuple[Match, ...]]:
        by_terms, learned = {}, {}
        weighed = self.weights.weighed(seen) if self.weights else []
        logits = self.weights.logits(weighed) if self.weights else {}
        for theme in self.themes:
            logit = logits.get(theme.slug)
            if logit is not None:
                # a strong term decides where it is the title's, or where the weights do not rule
                # the theme out (p >= STRONG_FLOOR): "trafficking in persons" in a conference's
                # agenda, "Salvadorans abroad" in a consul's title, are not the story
                strong = sorted((m for m in matched[theme.slug] if m.weight >= STRONG), key=lambda m: m.where != "title")
                if strong and strong[0].where != "title" and probability(logit) < STRONG_FLOOR:
                    strong = []
                if probability(logit) >= self.weights.threshold:
                    learned[theme.slug] = self.explain(theme.slug, logit, weighed, matched, title)
                elif strong:  # held by a term: it yields below, as a theme decided by terms does
                    by_terms[theme.slug] = (replace(strong[0], kind="strong"),
                                            *self.explain(theme.slug, logit, weighed, matched, title))
            elif theme.holds(matched[theme.slug]):
                by_terms[theme.slug] = matched[theme.slug]
        # a theme held by its terms alone steps aside for one it yields to, unless a strong term
        # of its own is in the title (as the taxonomy alone decides: taxonomy.toml's `yields_to`)
        claimed = set(by_terms) | set(learned)
        by_terms = {slug: evidence for slug, evidence in by_terms.items()
                    if not (set(self[slug].yields_to) & claimed
                            and not any(m.weight >= STRONG and m.where == "title" for m in matched[slug]))}
        return {theme.slug: learned.get(theme.slug) or by_terms[theme.slug] for theme in self.themes
                if theme.slug in learned or theme.slug in by_terms}

    def why(self, title: str, body: str, theme: str) -> tuple[Match, ...]:
        """What weighs for and against one theme on an item, whether it joined or not (for a
        labelled set's misses)."""
        seen, matched = self.features(title, body)
        assigned = self._decide(title, seen, matched).get(theme)
        if assigned:
            return assigned
        if not self.weights or theme not in self.weights.slugs:
            return matched[theme]
        weighed = self.weights.weighed(seen)
        return self.explain(theme, self.weights.logits(weighed)[theme], weighed, matched, title)

    def explain(self, theme: str, logit: float, weighed: list, matched: dict[str, tuple[Match, ...]],
                title: str) -> tuple[Match, ...]:
        """What decided the theme's score: the features that weigh most for it (up to SHOWN), the
        most against it (up to SHOWN_AGAINST), the rest of the item's words as one sum, then the
        bias. Their scores add up to the item's score. A term is shown as matched (another
        theme's term with that theme's name); a word, where it first is."""
        in_title = words(title)
        evidence = []
        top, bottom, count = self.weights.contributions(theme, weighed, SHOWN, SHOWN_AGAINST)
        shown = top + bottom
        bias = self.weights.bias[self.weights.slugs.index(theme)]
        rest = logit - bias - sum(w for _, w in shown)
        for feature, weight in shown:
            if feature.startswith("term:"):
                _, slug, term = feature.split(":", 2)
                found = next(m for m in matched[slug] if m.term == term)
                evidence.append(Match(term if slug == theme else f"{slug}: {term}", found.text, found.where, weight))
            else:
                evidence.append(Match(feature, feature, "title" if feature in in_title else "body", weight, "learned"))
        if len(shown) < count:
            evidence.append(Match("(other words)", f"{count - len(shown)} more", "", round(rest, 3), "rest"))
        evidence.append(Match("(bias)", "", "", bias, "bias"))
        return tuple(evidence)
