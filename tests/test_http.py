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

from .conftest import ROOT, SEEDS, free_port, wait_for
from .test_server import fetch

NEW_ENTRY = "3 November, 2021\n\nNew seasonal workers programme announced in Belize\n\nBelmopan - Employers met.\n"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """`feeds serve` with 2 granian workers on a copy of the shipped seeds, watching it every 0.2 s."""
    seeds = tmp_path_factory.mktemp("live") / "seeds"
    shutil.copytree(SEEDS, seeds)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "feeds", "serve", "--seeds", str(seeds), "--port", str(port), "--workers", "2",
         "--reload-interval", "0.2", "--max-age", "120"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for(base, process)
        yield base, seeds
    finally:
        process.terminate()
        process.wait(15)


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
    assert headers["Vary"] == plain_headers["Vary"] == "Accept-Encoding"
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
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not json.loads(fetch(base + "healthz")[2])["last_error"]:
        time.sleep(0.2)
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
    assert problems == [] and len(results) > 500
    assert len(etags_seen) > 3  # the Site really was replaced during the run
