"""Every feed the Site builds, read back the way feed readers read it (feedparser)."""
import dataclasses
import datetime as dt
import json
import xml.etree.ElementTree as ET

import feedparser
import pytest

from feeds.catalog import load_catalog
from feeds.config import Config
from feeds.site import build_site

from .conftest import BASE_URL, SEEDS
from .test_themes import EXPECTED

FEEDS = ["/feed", "/themes/labour-migration/feed", "/themes/smuggling/feed", "/themes/governance/feed"]
FORMATS = ["atom", "rss", "json"]


def parse(site, path):
    return feedparser.parse(site[path].body)


def entries(site, path):
    """(id, title, link, published) of each entry, in document order, for any of the three formats."""
    if path.endswith(".json"):
        doc = json.loads(site[path].body)
        return [(i["id"], i["title"], i["url"], dt.datetime.fromisoformat(i["date_published"])) for i in doc["items"]]
    d = parse(site, path)
    assert not d.bozo, d.bozo_exception
    return [(e.id, e.title, e.link, dt.datetime(*e.published_parsed[:6], tzinfo=dt.timezone.utc)) for e in d.entries]


@pytest.mark.parametrize("fmt", FORMATS)
def test_all_items_feed_holds_the_ten_seed_items_newest_first(site, catalog, fmt):
    got = entries(site, f"/feed.{fmt}")
    assert len(got) == 10
    assert [e[0] for e in got] == [item.id for item in catalog.items]
    dates = [e[3] for e in got]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) == 10  # no DuplicateUpdated


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("theme", ["labour-migration", "smuggling", "governance"])
def test_theme_feeds_hold_exactly_the_expected_items(site, theme, fmt):
    want = [title for title, themes in EXPECTED.items() if theme in themes]  # EXPECTED is newest first
    got = [e[1] for e in entries(site, f"/themes/{theme}/feed.{fmt}")]
    assert got == want and got


@pytest.mark.parametrize("fmt", FORMATS)
def test_seed_dates_read_back_as_the_digest_dates_at_noon_utc(site, fmt):
    got = {e[1]: e[3] for e in entries(site, f"/feed.{fmt}")}
    assert got["IOM and IIN start specialized virtual course about migrant children in the Americas"] == \
        dt.datetime(2021, 10, 26, 12, tzinfo=dt.timezone.utc)
    assert got["Border personnel in Panama exchanged experiences concerning migration management in emergency "
               "contexts"] == dt.datetime(2021, 10, 14, 11, 59, 58, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("path", [f + "." + fmt for f in FEEDS for fmt in FORMATS])
def test_every_link_is_absolute_and_every_item_link_is_a_page_of_the_site(site, path):
    for _, _, link, _ in entries(site, path):
        assert link.startswith(BASE_URL)
        assert "/" + link[len(BASE_URL):] in site, link


def test_every_link_in_every_document_points_at_a_document_of_the_site(site):
    import re
    links = re.compile(rb'(?:href|scheme|domain|xmlUrl|htmlUrl)="([^"]+)"|<link>([^<]+)</link>'
                       rb'|"(?:url|home_page_url|feed_url)": "([^"]+)"')
    checked = 0
    for path, resource in [*site.items(), *site.previews.items()]:
        for match in links.finditer(resource.body):
            url = next(g for g in match.groups() if g).decode()
            if url in ("http://www.rssboard.org/rss-specification", "http://opml.org/spec2.opml"):
                continue
            assert url.startswith(BASE_URL), (path, url)
            assert "/" + url[len(BASE_URL):] in site, (path, url)
            checked += 1
    assert checked > 250  # the pattern did find the links


@pytest.mark.parametrize("path", [f + "." + fmt for f in FEEDS for fmt in ("atom", "rss")])
def test_self_link_is_the_feeds_public_url(site, path):
    d = parse(site, path)
    [self_link] = [link.href for link in d.feed.links if link.rel == "self"]
    assert self_link == BASE_URL + path.lstrip("/")
    assert d.feed.updated_parsed if path.endswith("atom") else d.feed.get("updated_parsed")


@pytest.mark.parametrize("path", [f + ".json" for f in FEEDS])
def test_json_feed_follows_version_1_1(site, path):
    doc = json.loads(site[path].body)
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["feed_url"] == BASE_URL + path.lstrip("/")
    assert doc["home_page_url"].startswith(BASE_URL) and doc["title"] and doc["authors"][0]["name"]
    for item in doc["items"]:
        assert {"id", "url", "title", "content_html", "content_text", "date_published"} <= set(item)
        assert dt.datetime.fromisoformat(item["date_published"]).utcoffset() == dt.timedelta(0)


def test_themes_are_categories_with_scheme_and_label(site):
    smuggling = "Costa Rica, Panama, and the Dominican Republic Strengthened their Tools to Combat Migrant Smuggling"
    [atom] = [e for e in parse(site, "/feed.atom").entries if e.title == smuggling]
    assert [(t.term, t.scheme, t.label) for t in atom.tags] == [
        ("smuggling", BASE_URL + "themes/", "Migrant smuggling and trafficking in persons"),
        ("CR", BASE_URL + "countries/", "Costa Rica"),
        ("PA", BASE_URL + "countries/", "Panama"),
        ("DO", BASE_URL + "countries/", "Dominican Republic")]
    [rss] = [e for e in parse(site, "/feed.rss").entries if e.title == smuggling]
    assert [(t.term, t.scheme) for t in rss.tags] == [
        ("Migrant smuggling and trafficking in persons", BASE_URL + "themes/"),
        ("Costa Rica", BASE_URL + "countries/"), ("Panama", BASE_URL + "countries/"),
        ("Dominican Republic", BASE_URL + "countries/")]
    [item] = [i for i in json.loads(site["/feed.json"].body)["items"] if i["title"] == smuggling]
    assert item["tags"] == ["Migrant smuggling and trafficking in persons", "Costa Rica", "Panama",
                            "Dominican Republic"]
    assert item["_digest"] == {"themes": ["smuggling"], "countries": ["CR", "PA", "DO"], "place": None}


def test_feed_updated_is_when_the_ledger_says_it_changed_not_the_build_time(site, catalog):
    # the shipped ledger: every item first published by one build, dated 2021-10-26 12:00 UTC
    assert {record.added for record in catalog.ledger.records} == {dt.datetime(2021, 10, 26, 12, tzinfo=dt.timezone.utc)}
    assert parse(site, "/feed.atom").feed.updated == "2021-10-26T12:00:00+00:00"
    assert parse(site, "/themes/smuggling/feed.atom").feed.updated == "2021-10-26T12:00:00+00:00"
    assert parse(site, "/feed.rss").feed.updated == "Tue, 26 Oct 2021 12:00:00 +0000"
    # an entry's updated is its own time until its text changes
    assert parse(site, "/themes/smuggling/feed.atom").entries[0].updated == "2021-09-28T12:00:00+00:00"


def test_two_builds_are_byte_identical_and_ids_survive_a_new_base_url(site, catalog, config):
    again = build_site(load_catalog(SEEDS, config.tag_authority), config)
    assert {p: r.body for p, r in again.items()} == {p: r.body for p, r in site.items()}
    moved = build_site(catalog, Config(seeds=SEEDS, base_url="http://localhost:9/"))
    for path in (f + "." + fmt for f in FEEDS for fmt in FORMATS):
        assert [e[0] for e in entries(moved, path)] == [e[0] for e in entries(site, path)]
        assert all(e[2].startswith("http://localhost:9/") for e in entries(moved, path))


def test_feeds_hold_the_newest_n_items(seeds):
    text = "".join(f"{day} March, 2021\n\nNews {day}\n\nBody {day}.\n\n" for day in range(1, 31))
    seeds("a.txt", text)
    config = Config(seeds=seeds.folder, base_url=BASE_URL, feed_size=7)
    small = build_site(load_catalog(seeds.folder, config.tag_authority), config)
    for fmt in FORMATS:
        assert [e[1] for e in entries(small, f"/feed.{fmt}")] == [f"News {d}" for d in range(30, 23, -1)]
    assert len([p for p in small if p.startswith("/items/2021-")]) == 30  # older items keep their pages
    archive = small["/items/"].body.decode()
    assert all(f"News {day}</a>" in archive for day in range(1, 31))  # and stay linked


def test_text_is_escaped_never_taken_as_markup(seeds):
    seeds("a.txt", "1 June, 2021\n\nA <script>alert(1)</script> & ]]> title\n\n"
                   "Body with <b>tags</b> & ampersands ]]> here.\n")
    config = Config(seeds=seeds.folder, base_url=BASE_URL)
    hostile = build_site(load_catalog(seeds.folder, config.tag_authority), config)
    title = "A <script>alert(1)</script> & ]]> title"
    for fmt in ("atom", "rss"):
        d = parse(hostile, f"/feed.{fmt}")
        assert not d.bozo and d.entries[0].title == title
        ET.fromstring(hostile[f"/feed.{fmt}"].body)  # well-formed
    html_content = parse(hostile, "/feed.atom").entries[0].content[0].value
    assert "&lt;b&gt;tags&lt;/b&gt;" in html_content and "<b>" not in html_content
    assert json.loads(hostile["/feed.json"].body)["items"][0]["title"] == title
    for path, resource in [*hostile.items(), *hostile.previews.items()]:
        if resource.media_type.startswith("text/html"):
            assert b"<script>alert" not in resource.body, path


def test_every_page_parses_as_html5_without_a_single_error(site):
    import html5lib
    pages = {path: resource for path, resource in [*site.items(), *site.previews.items()]
             if resource.media_type.startswith("text/html")}
    assert len(pages) > 20 and all(path in pages for path in site.previews)
    for path, resource in pages.items():
        html5lib.HTMLParser(strict=True).parse(resource.body)  # raises on any parse error
        assert resource.body.startswith(b"<!doctype html>\n<html lang=\"en\">"), path


def reference_entry(feeds, item, fmt):
    """An item as a feedgen entry, set up for one format only."""
    from feedgen.entry import FeedEntry
    from feeds import urls
    from feeds.syndication import body_html
    fe = FeedEntry()
    fe.id(item.id)
    fe.title(item.title)
    fe.link(href=feeds.absolute(urls.item_page(item.slug)), rel="alternate", type="text/html")
    fe.published(item.published)
    fe.updated(item.published)
    fe.category(feeds.categories(item))
    fe.author({"name": feeds.config.author})
    if fmt == "rss":
        fe.load_extension("dc", atom=False, rss=True)
        fe.dc.dc_creator(feeds.config.author)
    if fmt == "atom":
        fe.summary(item.summary)
        fe.content(body_html(item), type="html")
    else:
        fe.content(body_html(item))
    return fe


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_documents_spliced_from_item_elements_are_the_bytes_feedgen_writes_whole(catalog, config, fmt):
    """Each item's element is serialized once (both formats from one entry) and spliced into every
    document it is in; the result must be what feedgen writes when entries set up for that format
    alone are added to the feed, for feeds and archive pages."""
    from feeds.channels import channels
    from feeds.syndication import Feeds

    small = dataclasses.replace(config, feed_size=3)  # the seed's 10 items make archive pages too
    spliced = Feeds(small, catalog.taxonomy.labels, cache={})
    documents = [doc for ch in channels(catalog, small) for doc in (ch, *ch.archives(small.feed_size))]
    assert any(doc.is_archive for doc in documents) and any(len(doc.items) > 1 for doc in documents)
    for doc in documents:
        whole = spliced._generator(doc, fmt)
        for item in doc.items:
            whole.add_entry(reference_entry(spliced, item, fmt), order="append")
        expected = whole.atom_str(pretty=True) if fmt == "atom" else whole.rss_str(pretty=True)
        assert spliced.render(doc, fmt) == expected, doc.path(fmt)


def test_the_build_knows_how_many_documents_it_makes(catalog, config, site):
    from feeds.site import Build
    assert Build(catalog, config).size() == len(site) + len(site.previews) == len(list(Build(catalog, config).documents()))


def test_feed_shares_for_workers_hold_every_feed_document_once_with_the_same_bytes(catalog, config):
    from feeds.site import Build
    small = dataclasses.replace(config, feed_size=2)  # archive pages, some empty, from the seed's 10 items
    build = Build(catalog, small)
    whole = dict(build.feeds())
    assert any(path.endswith("archive/1.atom") for path in whole)
    for parts in (2, 3, 7, 40):
        shares = [list(build.feeds(part, parts)) for part in range(parts)]
        paths = [path for share in shares for path, _ in share]
        assert sorted(paths) == sorted(whole) and len(paths) == len(set(paths)), parts
        assert {path: r.body for share in shares for path, r in share} == {path: r.body for path, r in whole.items()}
        if parts <= 3:
            assert all(shares), parts  # every share has work


@pytest.mark.parametrize("year", [1999, 2021])
def test_every_feed_and_archive_page_is_rendered_whatever_the_dates(year):
    """Counted from the channels, independently of how the build orders and shares its documents
    (empty documents, such as a theme with no item or a fresh archive page, once went missing
    when every item predated 2000)."""
    from feeds.catalog import Catalog
    from feeds.channels import channels
    from feeds.digest import Entry, Source
    from feeds.items import make_items
    from feeds.site import Build
    from feeds.themes import Taxonomy

    taxonomy = Taxonomy.load()
    entries = [Entry(dt.date(year, 1, 1) + dt.timedelta(days=n), f"Migrant workers meet, part {n}",
                     ("Seasonal workers and employers met.",), Source("d.txt", n + 1)) for n in range(30)]
    catalog = Catalog(tuple(make_items(entries, taxonomy, "example.org")), taxonomy)
    small = Config(base_url=BASE_URL, feed_size=5)
    expected = {doc.path(fmt) for ch in channels(catalog, small) for doc in (ch, *ch.archives(small.feed_size))
                for fmt in ("atom", "rss", "json")}
    assert any(path.endswith("archive/6.atom") for path in expected)  # 25 older items: 5 full pages, then an empty one
    assert any(path.startswith("/themes/smuggling/") for path in expected)  # a theme with no item
    build = Build(catalog, small)
    assert set(dict(build.feeds())) == expected
    for parts in (2, 3, 4):
        assert sorted(path for part in range(parts) for path, _ in build.feeds(part, parts)) == sorted(expected)
    assert build.size() == len(list(build.documents()))


@pytest.mark.parametrize("path", [f + "." + fmt for f in FEEDS for fmt in FORMATS])
def test_every_entry_names_its_author(site, config, path):
    """Readers show an entry's own author; the feed's alone is not carried over to entries."""
    if path.endswith(".json"):
        authors = [[a["name"] for a in item["authors"]] for item in json.loads(site[path].body)["items"]]
    else:
        d = parse(site, path)
        authors = [[entry.author] for entry in d.entries]
    assert authors and authors == [[config.author]] * len(authors)
    if path.endswith(".rss"):  # dc: declared once, on the root, as feedgen writes it whole
        assert site[path].body.count(b'xmlns:dc="http://purl.org/dc/elements/1.1/"') == 1
