"""Real subscribers across a publisher's corrections: the `reader` library (entries stored by id in
SQLite) and newsboat, subscribed to the export behind nginx and to `feeds serve`.

The publisher retitles one item, corrects a figure in another's body, fixes a date line and
withdraws a fourth; after a rebuild (or the server's reload) and a refresh, nobody holds a
duplicate, the corrections show, the old address leads to the new one, the withdrawn item is gone.
"""
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from reader import make_reader

from .conftest import NGINX, SEEDS, Nginx, copy_seeds, feeds_serve, run_feeds
from .test_server import NoRedirect, fetch

DIGEST = next(SEEDS.glob("*.txt")).name
CITRUS = "IOM presents key findings to improve recruitment in the Belizean citrus industry"
RETITLED = "IOM presents findings to improve ethical recruitment in Belize's citrus industry"
SMUGGLING = "Costa Rica, Panama, and the Dominican Republic Strengthened their Tools to Combat Migrant Smuggling"
SURINAME = "IOM and Suriname Government launch innovative report on national migration governance"
NEWSBOAT = shutil.which("newsboat")
if os.environ.get("FEEDS_REQUIRE_NGINX") and not NEWSBOAT:
    pytest.fail("newsboat is required (apt-get install newsboat)", pytrace=False)


def correct(folder):
    """The four corrections, in the digest file, as a publisher makes them."""
    path = folder / DIGEST
    text = path.read_text("utf-8")
    text = text.replace(CITRUS, RETITLED)
    text = text.replace("1,047 migrants", "1,074 migrants")
    text = text.replace("20 September, 2021\n\nIOM and Suriname", "21 September, 2021\n\nIOM and Suriname")
    start = text.index("28 September, 2021")
    text = text[:start] + text[text.index("24 September, 2021"):]
    path.write_text(text, "utf-8")


class Subscribers:
    """A `reader` database and a newsboat cache, both subscribed to one feed."""

    def __init__(self, tmp_path, url):
        self.url, self.home = url, tmp_path / "home"
        self.home.mkdir()
        self.reader = make_reader(str(tmp_path / "reader.sqlite"))
        self.reader.add_feed(url)
        (self.home / "urls").write_text(url + "\n")
        (self.home / "config").write_text("")

    def refresh(self):
        self.reader.update_feeds(scheduled=False)  # now, not at its schedule (an hour by default)
        if NEWSBOAT:
            subprocess.run([NEWSBOAT, "-u", self.home / "urls", "-c", self.home / "cache.db", "-C", self.home / "config",
                            "-x", "reload"], env={**os.environ, "HOME": str(self.home)}, check=True,
                           capture_output=True, timeout=60)

    def reader_entries(self):
        return {entry.id: entry for entry in self.reader.get_entries()}

    def newsboat_items(self):
        with sqlite3.connect(self.home / "cache.db") as db:
            return db.execute("SELECT guid, title, content, pubDate FROM rss_item WHERE feedurl = ?", (self.url,)).fetchall()


def check_subscribers(subscribers, before):
    """After the corrections: the same ten entries, three of them updated, none twice."""
    after = subscribers.reader_entries()
    assert set(after) == set(before)  # no duplicate: the withdrawn one stays as readers keep it
    titles = {entry.title for entry in after.values()}
    assert RETITLED in titles and CITRUS not in titles
    corrected = next(e for e in after.values() if "1,074 migrants" in e.content[0].value)
    assert corrected.id == next(e.id for e in before.values() if "1,047 migrants" in e.content[0].value)
    assert corrected.updated > before[corrected.id].updated
    redated = next(e for e in after.values() if e.title == SURINAME)
    assert redated.published == dt.datetime(2021, 9, 21, 12, tzinfo=dt.timezone.utc)
    assert redated.updated > before[redated.id].updated
    if NEWSBOAT:
        rows = subscribers.newsboat_items()
        assert len(rows) == len({guid for guid, *_ in rows}) == 10, rows
        assert RETITLED in {title for _, title, *_ in rows} and CITRUS not in {title for _, title, *_ in rows}
        assert any("1,074 migrants" in content for _, _, content, _ in rows)


def permalink(subscribers, title):
    return next(e.link for e in subscribers.reader_entries().values() if e.title == title)


def redirect_of(url):
    try:
        response = urllib.request.build_opener(NoRedirect).open(url, timeout=10)
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location"), e.read()
    return response.status, None, response.read()


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")
def test_subscribers_of_the_export_behind_nginx_see_each_correction_once(tmp_path):
    folder = copy_seeds(tmp_path)
    nginx = Nginx(tmp_path, tmp_path / "public", moved_map=True)

    def build(epoch):
        result = run_feeds("build", "--seeds", folder, "--out", nginx.public, "--base-url", nginx.base,
                           env={"SOURCE_DATE_EPOCH": str(epoch)})
        assert result.returncode == 0, result.stderr
        return result.stdout

    build(1_700_000_000)
    nginx.start()
    try:
        subscribers = Subscribers(tmp_path, nginx.base + "feed.atom")
        subscribers.refresh()
        before = subscribers.reader_entries()
        assert len(before) == 10
        old_link = permalink(subscribers, CITRUS)
        withdrawn_link = permalink(subscribers, SMUGGLING)
        correct(folder)
        report = build(1_700_003_600)
        assert "title edited" in report and "withdrawn" in report
        subscribers.refresh()
        check_subscribers(subscribers, before)
        new_link = permalink(subscribers, RETITLED)
        # before nginx reloads its map, the old address is a page that leads to the new one
        status, _, body = redirect_of(old_link)
        assert status == 200 and f'<link rel="canonical" href="{new_link}">'.encode() in body
        nginx.reload()
        assert redirect_of(old_link)[:2] == (301, new_link.removeprefix(nginx.base.rstrip("/")))
        status, _, body = redirect_of(withdrawn_link)
        assert status == 200 and b"withdrawn by the publisher" in body
        assert b"<at:deleted-entry" in fetch(nginx.base + "feed.atom")[2]
    finally:
        nginx.stop()


def test_subscribers_of_feeds_serve_see_each_correction_once(tmp_path):
    folder = copy_seeds(tmp_path)
    with feeds_serve(folder, "--reload-interval", "0.2") as base:
        subscribers = Subscribers(tmp_path, base + "feed.atom")
        subscribers.refresh()
        before = subscribers.reader_entries()
        old_link = permalink(subscribers, CITRUS)
        withdrawn_link = permalink(subscribers, SMUGGLING)
        correct(folder)
        # both workers reload: every answer holds the new title
        deadline = time.monotonic() + 30
        while sum(RETITLED.encode() in fetch(base + "feed.atom")[2] for _ in range(8)) < 8:
            assert time.monotonic() < deadline, "the server did not reload"
            time.sleep(0.2)
        subscribers.refresh()
        check_subscribers(subscribers, before)
        assert redirect_of(old_link)[:2] == (301, permalink(subscribers, RETITLED))
        status, _, body = redirect_of(withdrawn_link)
        assert status == 410 and b"withdrawn by the publisher" in body
        assert b"<at:deleted-entry" in fetch(base + "feed.atom")[2]
    ledger = (folder / "ledger.jsonl").read_text("utf-8")  # the server recorded what it published
    assert json.dumps(RETITLED) in ledger and ledger.count('"withdrawn": "') == 1


@pytest.mark.parametrize("feed", ["feed.atom", "feed.rss"])
def test_subscribers_see_each_entrys_author(tmp_path, feed):
    from feeds.config import Config
    with feeds_serve(copy_seeds(tmp_path), "--reload-interval", "0") as base:
        subscribers = Subscribers(tmp_path, base + feed)
        subscribers.refresh()
    authors = {entry.authors_str for entry in subscribers.reader_entries().values()}
    assert authors == {Config().author}
    if NEWSBOAT:
        with sqlite3.connect(subscribers.home / "cache.db") as db:
            rows = db.execute("SELECT author FROM rss_item WHERE feedurl = ?", (subscribers.url,)).fetchall()
        assert len(rows) == 10 and {author for author, in rows} == {Config().author}
