"""Serving as readers, proxies and CDNs expect, over real HTTP against `feeds serve` (granian).

The server here reads a seeds folder of its own, so tests can change the seeds under it.
"""
import gzip
import hashlib
import http.client
import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse

import feedparser
import pytest

from .conftest import BROWSERS, READERS, SEEDS, feeds_serve, free_port, start_server, stop, wait_for
from .test_server import fetch

NEW_ENTRY = "3 November, 2021\n\nNew seasonal workers programme announced in Belize\n\nBelmopan - Employers met.\n"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """`feeds serve` with 2 granian workers on a copy of the shipped seeds, watching it every 0.2 s."""
    seeds = tmp_path_factory.mktemp("live") / "seeds"
    shutil.copytree(SEEDS, seeds)
    with feeds_serve(seeds, "--workers", 2, "--reload-interval", 0.2, "--max-age", 120) as base:
        yield base, seeds


def settle(base, check, timeout=15):
    """Wait until `check(feed)` holds for 12 responses in a row (both workers have reloaded)."""
    deadline, streak = time.monotonic() + timeout, 0
    while time.monotonic() < deadline and streak < 12:
        streak = streak + 1 if check(feedparser.parse(fetch(base + "feed.atom")[2])) else 0
        time.sleep(0.05 if streak else 0.2)
    return streak >= 12


def test_gzip_is_served_to_clients_that_accept_it_with_its_own_validator(live):
    base, _ = live
    _, plain_headers, plain = fetch(base + "feed.atom")
    status, headers, body = fetch(base + "feed.atom", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == plain
    assert headers["Vary"] == plain_headers["Vary"] == "Accept-Encoding, Accept"  # browsers get a preview
    assert headers["ETag"] != plain_headers["ETag"] and len(body) < len(plain) / 3
    assert fetch(base + "feed.atom", headers={"Accept-Encoding": "gzip", "If-None-Match": headers["ETag"]})[0] == 304
    # the identity validator does not validate the gzip representation
    assert fetch(base + "feed.atom", headers={"Accept-Encoding": "gzip",
                                              "If-None-Match": plain_headers["ETag"]})[0] == 200
    assert "Content-Encoding" not in fetch(base + "feed.atom", headers={"Accept-Encoding": "gzip;q=0"})[1]


@pytest.mark.parametrize("path", ["", "feed.atom", "themes/smuggling/feed.json", "countries/pa/", "feeds.opml",
                                  "feed.rss?q=panama&limit=1", "healthz"])
def test_head_on_every_route_has_the_get_headers_and_no_body(live, path):
    base, _ = live
    _, get_headers, body = fetch(base + path)
    status, headers, nothing = fetch(base + path, method="HEAD")
    assert status == 200 and nothing == b""
    assert int(headers["Content-Length"]) == len(body)
    assert headers.get("ETag") == get_headers.get("ETag")


def test_cache_control_and_cors(live):
    base, _ = live
    _, feed, _ = fetch(base + "themes/governance/feed.rss")
    assert feed["Cache-Control"] == "public, max-age=120" and feed["Access-Control-Allow-Origin"] == "*"
    _, page, _ = fetch(base + "themes/governance/")
    assert page["Cache-Control"] == "public, max-age=120" and "Access-Control-Allow-Origin" not in page
    _, health, _ = fetch(base + "healthz")
    assert health["Cache-Control"] == "no-store"


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_filters_give_valid_feeds_with_their_own_self_link(live, fmt):
    base, _ = live
    url = base + f"feed.{fmt}?q=PANAMÁ".replace("Á", "%C3%81")
    status, headers, body = fetch(url)
    assert status == 200
    if fmt == "json":
        doc = json.loads(body)
        titles, self_link = [i["title"] for i in doc["items"]], doc["feed_url"]
    else:
        d = feedparser.parse(body)
        assert not d.bozo
        titles = [e.title for e in d.entries]
        self_link = next(link.href for link in d.feed.links if link.rel == "self")
    assert self_link == base + f"feed.{fmt}?q=panama"  # canonical: lower case, without accents
    assert len(titles) == 3 and all("Panama" in t for t in titles)
    limited = fetch(base + f"themes/labour-migration/feed.{fmt}?limit=1")[2]
    count = len(json.loads(limited)["items"]) if fmt == "json" else len(feedparser.parse(limited).entries)
    assert count == 1


def test_search_covers_title_and_body_and_every_word_must_match(live):
    base, _ = live
    titles = lambda q: [e.title for e in feedparser.parse(fetch(base + "feed.atom?q=" + q)[2]).entries]
    assert titles("citrus") == ["IOM presents key findings to improve recruitment in the Belizean citrus industry"]
    assert titles("CELIEM+diaspora") == ["IOM and CELIEM strengthen management skills of social enterprises"]
    assert titles("celiem+smuggling") == []


@pytest.mark.parametrize("query, reason", [
    ("limit=0", "limit must be one whole number from 1 to 200"),
    ("limit=abc", "limit must be one whole number from 1 to 200"),
    ("limit=201", "limit must be one whole number from 1 to 200"),
    ("limit=1&limit=2", "limit must be one whole number from 1 to 200"),
    ("q=", "q must hold 1 to 10 words"),
    ("q=" + "+".join(f"w{n}" for n in range(11)), "q must hold 1 to 10 words"),
    ("q=" + "x" * 201, "q must be one search of at most 200 characters"),
])
def test_bad_filter_values_get_400_with_a_one_line_reason(live, query, reason):
    base, _ = live
    status, headers, body = fetch(base + "feed.atom?" + query)
    assert (status, body) == (400, f"400 Bad Request: {reason}\n".encode())
    assert headers["Content-Type"] == "text/plain; charset=utf-8"


def test_unknown_parameters_are_ignored_like_a_static_host_does(live):
    base, _ = live
    assert fetch(base + "feed.atom?utm_source=newsletter")[2] == fetch(base + "feed.atom")[2]


def test_errors_are_plain_and_never_a_traceback(live):
    base, _ = live
    assert fetch(base + "no/such/page")[:3:2] == (404, b"404 Not Found\n")
    status, headers, body = fetch(base + "feed.atom", method="DELETE")
    assert status == 405 and b"Traceback" not in body and "GET" in headers["Allow"]


def test_reload_picks_up_a_new_file_and_survives_a_broken_one(live):
    base, seeds = live
    before = json.loads(fetch(base + "healthz")[2])
    (seeds / "zz-new.txt").write_text(NEW_ENTRY)
    assert settle(base, lambda d: d.entries and d.entries[0].title.startswith("New seasonal workers"))
    after = json.loads(fetch(base + "healthz")[2])
    assert after["items"] == before["items"] + 1 and after["generation"] > before["generation"]

    (seeds / "zz-broken.txt").write_text("31 February, 2021\n\nBroken\n\nBody\n")
    deadline, streak = time.monotonic() + 20, 0
    while time.monotonic() < deadline and streak < 12:  # both workers have seen it
        streak = streak + 1 if json.loads(fetch(base + "healthz")[2])["last_error"] else 0
        time.sleep(0.05 if streak else 0.2)
    health = json.loads(fetch(base + "healthz")[2])
    assert health["last_error"] == [f"{seeds}/zz-broken.txt:1: impossible date '31 February, 2021': "
                                    "February 2021 has no day 31"]
    assert health["items"] == after["items"]  # still the last good Site
    assert settle(base, lambda d: d.entries[0].title.startswith("New seasonal workers"))

    (seeds / "zz-broken.txt").unlink()
    (seeds / "zz-new.txt").unlink()
    assert settle(base, lambda d: len(d.entries) == 10 and not d.entries[0].title.startswith("New seasonal"))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and json.loads(fetch(base + "healthz")[2])["last_error"]:
        time.sleep(0.2)
    assert json.loads(fetch(base + "healthz")[2])["status"] == "ok"


def test_under_load_with_seeds_changing_every_response_is_whole(live):
    """16 clients for 6 s while a new digest file lands every 0.4 s: no errors, and every ETag is
    the hash of the body it came with, so no response mixes two generations."""
    base, seeds = live
    url = urllib.parse.urlsplit(base)
    stop, results, problems = threading.Event(), [], []

    def client():
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        while not stop.is_set():
            try:
                connection.request("GET", "/feed.atom")
                response = connection.getresponse()
                body = response.read()
                etag = response.getheader("ETag").strip('"')
                results.append(response.status)
                if response.status != 200 or etag != hashlib.sha256(body).hexdigest()[:32]:
                    problems.append((response.status, etag))
            except Exception as e:  # a dropped connection is an error too
                problems.append(repr(e))
                connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)

    threads = [threading.Thread(target=client) for _ in range(16)]
    for thread in threads:
        thread.start()
    etags_seen = set()
    for day in range(1, 16):
        (seeds / f"load-{day:02d}.txt").write_text(f"{day} November, 2021\n\nLoad test item {day}\n\nBody {day}.\n")
        time.sleep(0.4)
        etags_seen.add(fetch(base + "feed.atom")[1]["ETag"])
    stop.set()
    for thread in threads:
        thread.join()
    for path in seeds.glob("load-*.txt"):
        path.unlink()
    # 15 withdrawals to record and both workers to rebuild, on two cores just freed from the load
    assert settle(base, lambda d: len(d.entries) == 10, timeout=30)
    assert problems == [] and len(results) > 500
    assert len(etags_seen) > 3  # the Site really was replaced during the run


def test_if_match_that_fails_gets_412(live):
    base, _ = live
    _, headers, _ = fetch(base + "feed.atom")
    assert fetch(base + "feed.atom", headers={"If-Match": '"nope"'})[0] == 412
    assert fetch(base + "feed.atom", headers={"If-Match": headers["ETag"]})[0] == 200


@pytest.mark.parametrize("shift, status", [
    (0, 304),  # exactly Last-Modified
    (86400, 200),  # newer than Last-Modified: that copy is not this document (an item was removed)
    (-86400, 200),
    (None, 200),  # not a date
])
def test_if_modified_since_must_match_last_modified_exactly(live, shift, status):
    from email.utils import format_datetime, parsedate_to_datetime
    import datetime as dt
    base, _ = live
    last_modified = fetch(base + "feed.atom")[1]["Last-Modified"]
    since = "not a date" if shift is None else format_datetime(
        parsedate_to_datetime(last_modified) + dt.timedelta(seconds=shift), usegmt=True)
    assert fetch(base + "feed.atom", headers={"If-Modified-Since": since})[0] == status


@pytest.mark.parametrize("path", ["feed.atom", "feed.rss", "themes/governance/feed.json", "countries/pa/feed.atom"])
def test_a_browser_gets_a_feeds_preview_page_and_every_reader_the_feed(live, path):
    base, _ = live
    feed = fetch(base + path, headers={"Accept": "*/*"})[2]
    for browser, accept in BROWSERS.items():
        status, headers, body = fetch(base + path, headers={"Accept": accept})
        assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8"), browser
        assert headers["Vary"] == "Accept-Encoding, Accept" and "Access-Control-Allow-Origin" not in headers
        assert b"This is a feed." in body and f'value="{base}{path}"'.encode() in body
        assert b"<script" not in body and b"xml-stylesheet" not in feed
        # a browser's conditional GET is answered for the preview it holds
        assert fetch(base + path, headers={"Accept": accept, "If-None-Match": headers["ETag"]})[0] == 304
    for reader, accept in READERS.items():
        status, headers, body = fetch(base + path, headers={"Accept": accept} if accept else {})
        assert (status, body, headers["Vary"]) == (200, feed, "Accept-Encoding, Accept"), reader


def test_archive_pages_filters_and_previews_themselves_are_not_negotiated(live):
    base, _ = live
    chromium = {"Accept": BROWSERS["Chromium"]}
    status, headers, _ = fetch(base + "feed.atom?limit=2", headers=chromium)
    assert (status, headers["Content-Type"]) == (200, "application/atom+xml; charset=utf-8")
    assert fetch(base + "_preview/feed.atom.html", headers=chromium)[0] == 404


def test_options_outside_the_feeds_is_a_wrong_method_as_from_nginx(live):
    base, _ = live
    for path in ("", "nope.atom", "items/"):
        status, headers, body = fetch(base + path, method="OPTIONS", headers={"Origin": "https://reader.example"})
        assert status in (404, 405) and headers["Content-Type"] == "text/plain; charset=utf-8", path
    assert fetch(base, method="OPTIONS")[0] == 405


def test_cors_preflight_for_a_conditional_get(live):
    base, _ = live
    status, headers, body = fetch(base + "feed.atom", method="OPTIONS",
                                  headers={"Origin": "https://reader.example", "Access-Control-Request-Method": "GET",
                                           "Access-Control-Request-Headers": "if-none-match"})
    assert (status, body) == (204, b"")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in headers["Access-Control-Allow-Headers"]
    assert "ETag" in fetch(base + "feed.atom")[1]["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("query", ["q=%00", "q=%EF%BF%BF", "limit=%C2%B2", "limit=%EF%BC%95", "q=!!!"])
def test_odd_filter_values_are_400_never_500(live, query):
    base, _ = live
    assert fetch(base + "feed.atom?" + query)[0] == 400


def test_search_words_match_word_starts_in_any_order(live):
    base, _ = live
    one = feedparser.parse(fetch(base + "feed.atom?q=costa+panam")[2])
    other = feedparser.parse(fetch(base + "feed.atom?q=Panam%C3%A1,+COSTA")[2])
    assert [e.title for e in one.entries] == [e.title for e in other.entries] == [
        "Costa Rica, Panama, and the Dominican Republic Strengthened their Tools to Combat Migrant Smuggling"]
    assert next(l.href for l in other.feed.links if l.rel == "self") == base + "feed.atom?q=costa+panama"
    assert feedparser.parse(fetch(base + "feed.atom?q=anama")[2]).entries == []  # not inside a word


def test_upper_case_country_without_slash_redirects(live):
    base, _ = live
    import urllib.error
    import urllib.request

    from .test_server import NoRedirect
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.build_opener(NoRedirect).open(base + "countries/PA", timeout=10)
    assert e.value.headers["Location"] == base + "countries/pa/"


def generations(base):
    """Worker PID → generation it serves, from enough /healthz requests to meet both workers."""
    seen = {}
    for _ in range(40):
        health = json.loads(fetch(base + "healthz")[2])
        seen[health["worker"]] = health["generation"]
    return seen


def test_files_the_digest_ignores_do_not_trigger_a_rebuild(live):
    base, seeds = live
    time.sleep(1)  # earlier tests' last reloads have landed
    before = generations(base)
    (seeds / ".digest.txt.swp").write_text("editor state")
    (seeds / "README.md").write_text("notes")
    time.sleep(1.5)
    assert generations(base) == before
    (seeds / ".digest.txt.swp").unlink()
    (seeds / "README.md").unlink()


def test_a_worker_restarted_while_the_seeds_are_broken_serves_the_last_good_site(tmp_path):
    import os
    import signal

    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    port = free_port()
    process = start_server([sys.executable, "-m", "feeds", "serve", "--seeds", str(seeds), "--port", str(port),
                            "--workers", "1", "--reload-interval", "0.2"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for(base, process)
        good = fetch(base + "feed.atom")[2]
        (seeds / "zz-bad.txt").write_text("31 February, 2021\n\nT\n\nB\n")
        time.sleep(1.5)
        workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        assert workers
        for pid in workers:
            os.kill(int(pid), signal.SIGKILL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if fetch(base + "healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        health = json.loads(fetch(base + "healthz")[2])
        assert health["generation"] == 1 and health["last_error"] and "zz-bad.txt:1" in health["last_error"][0]
        assert fetch(base + "feed.atom")[2] == good
    finally:
        stop(process)
