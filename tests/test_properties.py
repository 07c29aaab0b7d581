"""Properties that hold for any input, checked with hypothesis."""
import datetime as dt
import json
import re

import feedparser
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.catalog import Catalog
from feeds.config import Config
from feeds.digest import Entry, Source, read_text
from feeds.items import make_items
from feeds.problems import DigestError
from feeds.site import build_site
from feeds.themes import Taxonomy

TAXONOMY = Taxonomy.load()
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
DIGESTY = st.sampled_from(["26 October, 2021", "31 February, 2021", "1 Juin, 2021", "", " ", "\r", "\t",
                           "Title", "10 years of", "Body text & <b>", "]]>", "\x00", "\ufeff", "October 14, 2021"])
LINES = st.lists(st.one_of(DIGESTY, st.text(max_size=80)), max_size=40).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(LINES)
def test_any_text_reads_or_raises_only_digest_errors_with_a_line(text):
    try:
        reading = read_text(text, "d.txt")
    except DigestError as e:
        assert e.problems and all(p.path == "d.txt" and p.line >= 1 for p in e.problems)
        return
    for entry in reading.entries:
        assert entry.title and entry.paragraphs and entry.source.line >= 1
        assert not XML_FORBIDDEN.search(entry.title + "".join(entry.paragraphs))


# text the digest reader can hand on: no forbidden characters, no line breaks, stripped, not empty
WORDS = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufffe\uffff"),
                min_size=1, max_size=60).map(lambda s: " ".join(s.split())).filter(bool)


@st.composite
def entries(draw):
    count = draw(st.integers(1, 8))
    result = []
    for number in range(count):
        date = draw(st.dates(dt.date(1990, 1, 1), dt.date(2026, 1, 1)))
        title = draw(WORDS) + f" #{number}"  # distinct, like the digest's titles of one day
        paragraphs = tuple(draw(st.lists(WORDS, min_size=1, max_size=3)))
        result.append(Entry(date, title, paragraphs, Source("d.txt", number + 1)))
    return result


def as_feedparser_reads(text):
    """feedparser repairs text that looks like UTF-8 mis-read as Latin-1 ("Â¡" becomes "¡"; feedparser/mixin.py,
    `pop`), so a title that happens to look like that reaches its users repaired. The exact text is checked with lxml."""
    try:
        return text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries())
@example([Entry(dt.date(2000, 1, 1), "Â¡ #0", ("0",), Source("d.txt", 1))])  # found by CI: feedparser's repair
def test_any_items_build_a_site_whose_feeds_read_back_the_same(items_in):
    items = make_items(items_in, TAXONOMY, "example.org")
    config = Config(base_url="https://feeds.example.org/")
    site = build_site(Catalog(tuple(items), TAXONOMY), config)
    for path, resource in [*site.items(), *site.previews.items()]:
        text = resource.body.decode("utf-8")
        assert not XML_FORBIDDEN.search(text), path
        if path.endswith((".atom", ".rss", ".opml")) and resource.media_type != "text/html; charset=utf-8":
            etree.fromstring(resource.body)  # well-formed
    newest = items[:config.feed_size]
    want = [(i.id, i.title, i.published) for i in newest]
    # the exact characters published, read by an XML parser
    atom = etree.fromstring(site["/feed.atom"].body)
    assert atom.xpath("a:entry/a:title/text()", namespaces={"a": "http://www.w3.org/2005/Atom"}) == [i.title for i in newest]
    assert etree.fromstring(site["/feed.rss"].body).xpath("channel/item/title/text()") == [i.title for i in newest]
    # what a feed reader built on feedparser shows
    seen = [(i.id, as_feedparser_reads(i.title), i.published) for i in newest]
    for fmt in ("atom", "rss"):
        d = feedparser.parse(site[f"/feed.{fmt}"].body)
        assert not d.bozo, d.bozo_exception
        got = [(e.id, e.title, dt.datetime(*e.published_parsed[:6], tzinfo=dt.timezone.utc)) for e in d.entries]
        assert got == seen
    doc = json.loads(site["/feed.json"].body)
    assert [(i["id"], i["title"], dt.datetime.fromisoformat(i["date_published"])) for i in doc["items"]] == want


NAMES = st.lists(st.text("abDdinoc Ré", min_size=1, max_size=8).map(str.strip).filter(bool), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(NAMES, st.text("abDdinoc Ré-s,", max_size=60))
def test_the_trie_shaped_name_pattern_finds_what_an_alternation_longest_first_finds(names, text):
    from feeds.patterns import trie_pattern
    import re as re_
    alternation = "|".join(map(re_.escape, sorted(set(names), key=len, reverse=True)))
    slow = re_.compile(rf"(?<![\w-])({alternation})s?(?![\w-])")
    fast = re_.compile(rf"(?<![\w-])({trie_pattern(set(names))})s?(?![\w-])")
    assert [m.span(1) for m in fast.finditer(text)] == [m.span(1) for m in slow.finditer(text)]


class EveryWord:
    """A vocabulary that rules nothing out: the classifier as it would be with no prefilter."""
    words = type("All", (), {"__ge__": lambda self, other: True})()

    def may_match(self, words):
        return True


# text made of the taxonomy's own words (with endings where a term takes any), punctuation and case
TERM_WORDS = sorted(word.rstrip("*") for word in TAXONOMY.needed.words)
TERMS_TEXT = st.lists(st.one_of(
    st.tuples(st.sampled_from(TERM_WORDS), st.sampled_from(["", "s", "ment", "-led"]), st.booleans()).map(
        lambda t: (t[0] + t[1]).title() if t[2] else t[0] + t[1]),
    st.sampled_from([",", ".", "-", "\n\n", "the", "of"])), max_size=40).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(TERMS_TEXT, TERMS_TEXT)
def test_ruling_terms_out_by_their_words_never_changes_a_result(title, body):
    for theme in TAXONOMY.themes:
        assert theme.matches(title, body) == theme.matches(title, body, EveryWord()), theme.slug
