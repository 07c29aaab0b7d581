"""The publication remembers: ids, times and addresses survive edits; withdrawals leave tombstones.

Each test publishes the shipped digest, edits it as a publisher would, and publishes again.
"""
import datetime as dt
import json
import shutil
import xml.etree.ElementTree as ET

import feedparser
import pytest

from feeds.catalog import load_catalog
from feeds.config import Config
from feeds.ledger import NAME, read_ledger, write_ledger
from feeds.problems import DigestError, quote
from feeds.site import build_site

from .conftest import ROOT, SEEDS, run_feeds

AUTHORITY = "iom-digest.example.org"
BASE = "https://feeds.example.org/"
DIGEST = next(SEEDS.glob("*.txt")).name
FIRST = dt.datetime(2021, 10, 26, 12, tzinfo=dt.timezone.utc)
LATER = dt.datetime(2021, 11, 2, 9, 30, tzinfo=dt.timezone.utc)
TOMBSTONES = "{http://purl.org/atompub/tombstones/1.0}"
ATOM = "{http://www.w3.org/2005/Atom}"

CITRUS = "IOM presents key findings to improve recruitment in the Belizean citrus industry"
SURINAME = "IOM and Suriname Government launch innovative report on national migration governance"
SMUGGLING = "Costa Rica, Panama, and the Dominican Republic Strengthened their Tools to Combat Migrant Smuggling"
CELIEM = "IOM and CELIEM strengthen management skills of social enterprises"


@pytest.fixture
def folder(tmp_path):
    """A copy of the shipped seeds (digest and ledger)."""
    copy = tmp_path / "seeds"
    shutil.copytree(SEEDS, copy, ignore=shutil.ignore_patterns(".*"))
    return copy


def edit(folder, old, new):
    path = folder / DIGEST
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")


def publish(folder, when=LATER):
    catalog = load_catalog(folder, AUTHORITY, now=when)
    write_ledger(folder, catalog.ledger)
    return catalog


def by_title(catalog, title):
    return next(item for item in catalog.items if item.title == title)


def test_the_shipped_ledger_is_current():
    """Building the shipped seeds changes nothing: a fresh clone publishes the committed ids and times."""
    catalog = load_catalog(SEEDS, AUTHORITY, now=LATER)
    assert catalog.changes == (), "seeds/ledger.jsonl is behind the digests: `feeds check` lists what " \
                                  "changed, `feeds build` records it (commit the ledger)"
    assert catalog.ledger.text() == (SEEDS / NAME).read_text("utf-8")


def test_a_retitled_item_keeps_its_id_and_its_old_address_leads_to_the_new(folder):
    before = by_title(publish(folder, FIRST), CITRUS)
    edit(folder, CITRUS, "IOM presents findings to improve ethical recruitment in Belize's citrus industry")
    catalog = publish(folder)
    after = by_title(catalog, "IOM presents findings to improve ethical recruitment in Belize's citrus industry")
    assert after.id == before.id and after.published == before.published
    assert after.slug != before.slug and catalog.redirects == {before.slug: after.slug}
    assert after.updated == LATER
    assert [c.what for c in catalog.changes] == ["title edited"]
    site = build_site(catalog, Config(seeds=folder, base_url=BASE))
    old = site[f"/items/{before.slug}/"]
    assert old.redirect == f"/items/{after.slug}/"
    assert f'<link rel="canonical" href="{BASE}items/{after.slug}/">'.encode() in old.body
    assert b'http-equiv="refresh"' in old.body


def test_a_corrected_body_is_an_update_under_the_same_id(folder):
    publish(folder, FIRST)
    edit(folder, "18.7 percent", "17.8 percent")
    catalog = publish(folder)
    item = by_title(catalog, CITRUS)
    assert item.id.endswith(":iom-presents-key-findings-to-improve-recruitment-in-the-belizean-citrus-industry")
    assert item.updated == LATER and item.published.date() == dt.date(2021, 10, 14)
    assert [str(c) for c in catalog.changes] == [f"{folder / DIGEST}:8: body corrected: {quote(CITRUS)}, keeps id {item.id}"]
    site = build_site(catalog, Config(seeds=folder, base_url=BASE))
    entry = next(e for e in feedparser.parse(site["/feed.atom"].body).entries if e.id == item.id)
    assert entry.updated == "2021-11-02T09:30:00+00:00" and entry.published == "2021-10-14T12:00:00+00:00"
    assert "17.8 percent" in entry.content[0].value
    feed = json.loads(site["/feed.json"].body)
    modified = next(i for i in feed["items"] if i["id"] == item.id)
    assert modified["date_modified"] == "2021-11-02T09:30:00+00:00"
    assert modified["date_published"] == "2021-10-14T12:00:00+00:00"


def test_a_fixed_date_line_moves_the_item_and_keeps_its_id(folder):
    before = by_title(publish(folder, FIRST), SURINAME)
    edit(folder, "20 September, 2021\n\nIOM and Suriname", "21 September, 2021\n\nIOM and Suriname")
    catalog = publish(folder)
    after = by_title(catalog, SURINAME)
    assert after.id == before.id
    assert after.published == dt.datetime(2021, 9, 21, 12, tzinfo=dt.timezone.utc)
    assert catalog.redirects == {before.slug: after.slug} and after.slug.startswith("2021-09-21-")
    assert [c.what for c in catalog.changes] == ["date fixed"]


def test_a_small_edit_of_both_title_and_body_keeps_the_id(folder):
    before = by_title(publish(folder, FIRST), CELIEM)
    edit(folder, CELIEM, "IOM and CELIEM strengthen the management skills of diaspora social enterprises")
    edit(folder, "strengthened the competencies and managerial capacities",
         "reinforced the competencies and management capacities")
    catalog = publish(folder)
    after = by_title(catalog, "IOM and CELIEM strengthen the management skills of diaspora social enterprises")
    assert after.id == before.id
    assert [c.what for c in catalog.changes] == ["title edited, body corrected"]


def test_a_withdrawn_item_leaves_a_tombstone_and_comes_back_with_its_id(folder):
    before = by_title(publish(folder, FIRST), SMUGGLING)
    path = folder / DIGEST
    text = path.read_text("utf-8")
    start = text.index("28 September, 2021")
    end = text.index("24 September, 2021")
    path.write_text(text[:start] + text[end:], "utf-8")
    catalog = publish(folder)
    assert [(c.what, c.id) for c in catalog.changes] == [("withdrawn", before.id)]
    assert [r.id for r in catalog.withdrawn] == [before.id] and catalog.withdrawn[0].withdrawn == LATER
    site = build_site(catalog, Config(seeds=folder, base_url=BASE))
    for feed in ("/feed.atom", "/themes/smuggling/feed.atom", "/countries/cr/feed.atom"):
        root = ET.fromstring(site[feed].body)
        stones = root.findall(TOMBSTONES + "deleted-entry")
        assert [(s.get("ref"), s.get("when")) for s in stones] == [(before.id, "2021-11-02T09:30:00+00:00")], feed
        assert stones[0].find(ATOM + "link").get("href") == f"{BASE}items/{before.slug}/"
        assert before.id not in [e.findtext(ATOM + "id") for e in root.findall(ATOM + "entry")]
        assert site[feed].last_modified == LATER
    for feed in ("/feed.rss", "/feed.json", "/themes/smuggling/feed.json"):
        assert before.id.encode() not in site[feed].body
    assert TOMBSTONES[1:-1].encode() not in site["/themes/labour-migration/feed.atom"].body
    gone = site[f"/items/{before.slug}/"]
    assert gone.gone and b"withdrawn" in gone.body and before.title.encode() not in gone.body

    path.write_text(text, "utf-8")  # the publisher puts it back
    restored = publish(folder, LATER + dt.timedelta(days=1))
    assert by_title(restored, SMUGGLING).id == before.id and restored.withdrawn == ()
    assert [c.what for c in restored.changes] == ["restored"]


def test_two_entries_that_could_continue_one_item_are_a_problem_to_settle(folder):
    publish(folder, FIRST)
    # the citrus item is retitled, and a second entry with its exact body is added the same day
    text = (folder / DIGEST).read_text("utf-8")
    start = text.index("14 October, 2021")
    block = text[start:text.index("14 October, 2021", start + 1)]
    (folder / DIGEST).write_text(text.replace(block, block.replace(CITRUS, "Retitled A") + block.replace(CITRUS, "Retitled B")))
    with pytest.raises(DigestError) as raised:
        load_catalog(folder, AUTHORITY, now=LATER)
    message = str(raised.value)
    assert f"{folder / DIGEST}:8: 'Retitled A' and 'Retitled B' at {DIGEST}:" in message
    assert "could each continue the published item tag:iom-digest.example.org,2021-10-14:iom-presents" in message
    assert f'set that item\'s "title" in {NAME}' in message
    # settled as the message says: the ledger names the title of the entry that continues it
    ledger = (folder / NAME).read_text("utf-8")
    (folder / NAME).write_text(ledger.replace(json.dumps(CITRUS), json.dumps("Retitled B")))
    catalog = publish(folder)
    assert by_title(catalog, "Retitled B").id.endswith("iom-presents-key-findings-to-improve-recruitment-in-the-belizean-citrus-industry")
    # subscribers saw the old title: the continuing item is an update, at a new address
    assert sorted(c.what for c in catalog.changes) == ["new", "title edited"]
    assert by_title(catalog, "Retitled B").updated == LATER


def test_a_new_item_on_a_day_never_shifts_the_times_of_the_items_already_published(folder):
    first = publish(folder, FIRST)
    edit(folder, "14 October, 2021\n\nIOM presents", "14 October, 2021\n\nA new first story\n\nIts body.\n\n"
                                                     "14 October, 2021\n\nIOM presents")
    catalog = publish(folder)
    times = {item.id: item.published for item in first.items}
    assert all(item.published == times[item.id] for item in catalog.items if item.id in times)
    new = by_title(catalog, "A new first story")
    assert new.published == dt.datetime(2021, 10, 14, 11, 59, 57, tzinfo=dt.timezone.utc)  # after the day's three
    assert len({item.published for item in catalog.items}) == len(catalog.items)


def test_a_title_taken_back_takes_its_old_address_back(folder):
    before = by_title(publish(folder, FIRST), CITRUS)
    edit(folder, CITRUS, "Interim title")
    publish(folder)
    edit(folder, "Interim title", CITRUS)
    catalog = publish(folder, LATER + dt.timedelta(hours=1))
    after = by_title(catalog, CITRUS)
    assert after.slug == before.slug and after.id == before.id
    assert catalog.redirects == {"2021-10-14-interim-title": before.slug}


@pytest.mark.parametrize("line, message", [
    ("not json", "ledger.jsonl:2: not a JSON object"),
    ('{"id": "x"}', "ledger.jsonl:2: missing slug, published, title, body, sketch, themes, countries, added"),
    ('{"id": "x", "slug": "s", "published": "yesterday", "title": "t", "body": "0123456789abcdef", "sketch": "01234567",'
     ' "themes": [], "countries": [], "added": "2021-10-26T12:00:00Z"}', "published 'yesterday' is not a UTC time"),
])
def test_a_ledger_edited_wrongly_by_hand_is_reported_with_its_line(folder, line, message):
    lines = (folder / NAME).read_text("utf-8").splitlines()
    (folder / NAME).write_text("\n".join([lines[0], line, *lines[1:]]) + "\n")
    result = run_feeds("check", "--seeds", folder)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("rendering, message", [
    ({"https://example.org/": {"settings": "not hex"}},
     'ledger.jsonl:1: https://example.org/: rendering must be {"<base URL>": {"settings": 16 hex digits'),
    ({"https://example.org/": {"settings": "0123456789abcdef", "since": "today"}},
     "ledger.jsonl:1: https://example.org/: rendering since 'today' is not a UTC time"),
    (["0123456789abcdef"], 'ledger.jsonl:1: rendering must be {"<base URL>"'),
])
def test_a_ledger_header_edited_wrongly_is_reported_with_its_line(folder, rendering, message):
    import json
    lines = (folder / NAME).read_text("utf-8").splitlines()
    header = {**json.loads(lines[0]), "rendering": rendering}
    (folder / NAME).write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
    result = run_feeds("check", "--seeds", folder)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_check_says_what_a_build_would_change_and_writes_nothing(folder):
    edit(folder, "18.7 percent", "17.8 percent")
    ledger = (folder / NAME).read_bytes()
    result = run_feeds("check", "--seeds", folder)
    assert result.returncode == 0, result.stderr
    assert f"{folder / DIGEST}:8: body corrected: 'IOM presents key findings to improve recruitment in the…', " \
           "keeps id tag:iom-digest.example.org,2021-10-14:iom-presents" in result.stdout
    assert "1 change to publish" in result.stdout
    assert (folder / NAME).read_bytes() == ledger


def test_a_copy_of_the_seeds_builds_the_same_bytes_and_two_builds_are_identical_trees(folder, tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    edit(folder, "18.7 percent", "17.8 percent")
    trees = []
    for name in ("one", "two"):
        copy = tmp_path / f"seeds-{name}"
        shutil.copytree(folder, copy)
        out = tmp_path / f"public-{name}"
        result = run_feeds("build", "--seeds", copy, "--out", out, "--base-url", BASE, env=env)
        assert result.returncode == 0, result.stderr
        trees.append({p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime) for p in out.rglob("*")
                      if p.is_file()})
        assert (copy / NAME).read_text() == (tmp_path / "seeds-one" / NAME).read_text()
    assert trees[0] == trees[1]
    # the shipped seeds, built anywhere, give the shipped ledger's times
    out = tmp_path / "shipped"
    copy = tmp_path / "shipped-seeds"
    shutil.copytree(SEEDS, copy, ignore=shutil.ignore_patterns(".*"))
    assert run_feeds("build", "--seeds", copy, "--out", out, env=env).returncode == 0
    assert (copy / NAME).read_bytes() == (SEEDS / NAME).read_bytes()
    assert (out / "feed.atom").stat().st_mtime == FIRST.timestamp()


def test_a_build_that_cannot_write_the_ledger_publishes_nothing(folder, tmp_path):
    if __import__("os").geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder.chmod(0o555)
    try:
        result = run_feeds("build", "--seeds", folder, "--out", tmp_path / "public")
    finally:
        folder.chmod(0o755)
    assert result.returncode == 1 and "cannot write the ledger" in result.stderr
    assert not (tmp_path / "public").exists()


def test_a_title_moved_from_one_item_to_another_follows_the_bodies(folder):
    """The body is the stronger evidence: an editor who gives one item's title to another does
    not swap their ids."""
    first = publish(folder, FIRST)
    guatemala = "Guatemala prepares to improve its labour market information, with support from IOM"
    border = "Border personnel in Panama exchanged experiences concerning migration management in emergency contexts"
    ids = {title: by_title(first, title).id for title in (guatemala, border)}
    edit(folder, guatemala, "Guatemala improves its labour market information")
    edit(folder, border, guatemala)  # the border story takes the Guatemala story's old title
    catalog = publish(folder)
    assert by_title(catalog, "Guatemala improves its labour market information").id == ids[guatemala]
    assert by_title(catalog, guatemala).id == ids[border]
    assert len(catalog.changes) == 2 and all(c.what.startswith("title edited") for c in catalog.changes)


@pytest.mark.parametrize("field, value, message", [
    ("slug", "../../escaped", "slug '../../escaped' is not a slug"),
    ("former_slugs", ["old slug; with {braces}"], "former_slugs 'old slug; with {braces}' is not a slug"),
    ("added", "9999-12-31T23:59:59Z", "added '9999-12-31T23:59:59Z' is not a plausible time"),
])
def test_a_ledger_value_that_could_escape_the_export_or_break_nginx_is_refused(folder, field, value, message):
    lines = (folder / NAME).read_text("utf-8").splitlines()
    record = json.loads(lines[1])
    record[field] = value
    (folder / NAME).write_text("\n".join([lines[0], json.dumps(record), *lines[2:]]) + "\n")
    result = run_feeds("build", "--seeds", folder, "--out", folder.parent / "public")
    assert result.returncode == 1 and f"{NAME}:2: {message}" in result.stderr, result.stderr
    assert not (folder.parent / "public").exists() and not (folder.parent / "escaped").exists()


def test_a_build_without_the_ledger_over_an_earlier_export_is_refused(folder, tmp_path):
    out = tmp_path / "public"
    assert run_feeds("build", "--seeds", folder, "--out", out).returncode == 0
    before = (out / "feed.atom").read_bytes()
    (folder / NAME).unlink()
    result = run_feeds("build", "--seeds", folder, "--out", out)
    assert result.returncode == 1 and "no ledger, but" in result.stderr and "--new-ledger" in result.stderr
    assert (out / "feed.atom").read_bytes() == before
    assert run_feeds("build", "--seeds", folder, "--out", out, "--new-ledger").returncode == 0


def test_a_source_date_epoch_in_the_future_is_refused(folder, tmp_path):
    result = run_feeds("build", "--seeds", folder, "--out", tmp_path / "public", env={"SOURCE_DATE_EPOCH": "4102444800"})
    assert result.returncode == 2 and "in the future" in result.stderr and "Traceback" not in result.stderr


def test_a_country_feed_whose_only_item_moved_elsewhere_stays(folder):
    publish(folder, FIRST)
    path = folder / DIGEST
    path.write_text(path.read_text("utf-8").replace("Belizean", "Jamaican").replace("Belize", "Jamaica"), "utf-8")
    catalog = publish(folder)
    assert not catalog.in_country("BZ")
    site = build_site(catalog, Config(seeds=folder, base_url=BASE))
    feed = feedparser.parse(site["/countries/bz/feed.atom"].body)  # still there: subscribers get an empty feed, not 404
    assert not feed.bozo and feed.entries == [] and site["/countries/bz/feed.atom"].last_modified == LATER


def test_a_body_without_a_word_is_recorded_and_read_back(seeds, tmp_path):
    """Its sketch is of the text itself: an empty one would make the ledger unreadable."""
    seeds("digest.txt", "1 June, 2021\n\nA title\n\n— … —\n")
    for _ in range(2):
        result = run_feeds("build", "--seeds", seeds.folder, "--out", tmp_path / "public")
        assert result.returncode == 0, result.stderr
    assert run_feeds("check", "--seeds", seeds.folder).returncode == 0
