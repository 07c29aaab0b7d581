"""The export behind a real nginx, configured with deploy/nginx.conf as documented.

Needs nginx (Debian package `nginx`; .ci/run installs it). Without it these tests are skipped,
unless FEEDS_REQUIRE_NGINX is set, as CI sets it, when they fail.
"""
import gzip
import json
import os
import sys
import urllib.error
import urllib.request

import feedparser
import pytest

from .conftest import BROWSERS, NGINX, READERS, ROOT, Nginx, run_feeds
from .test_server import NoRedirect, fetch

sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402

if NGINX is None and os.environ.get("FEEDS_REQUIRE_NGINX"):
    pytest.fail("nginx is required (apt-get install nginx)", pytrace=False)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    """nginx on a free loopback port serving a fresh export of a 520-item corpus."""
    work = tmp_path_factory.mktemp("nginx")
    corpus.write(520, work / "seeds")
    nginx = Nginx(work, work / "public")
    result = run_feeds("build", "--seeds", work / "seeds", "--out", work / "public", "--base-url", nginx.base)
    assert result.returncode == 0, result.stderr
    nginx.start()
    yield nginx.base, work / "public"
    nginx.stop()


@pytest.mark.parametrize("path, media_type", [
    ("", "text/html; charset=utf-8"),
    ("feed.atom", "application/atom+xml; charset=utf-8"),
    ("feed.rss", "application/rss+xml; charset=utf-8"),
    ("feed.json", "application/feed+json"),
    ("feeds.opml", "text/x-opml"),
    ("themes/labour-migration/feed.rss", "application/rss+xml; charset=utf-8"),
    ("countries/mx/", "text/html; charset=utf-8"),
    ("archive/1.atom", "application/atom+xml; charset=utf-8"),
    ("archive/1.json", "application/feed+json"),
])
def test_every_kind_of_document_has_the_servers_content_type(nginx, path, media_type):
    base, public = nginx
    status, headers, body = fetch(base + path)
    assert (status, headers["Content-Type"]) == (200, media_type)
    name = path + "index.html" if path.endswith("/") or path == "" else path
    assert body == (public / name).read_bytes()


def test_gzip_clients_get_the_precompressed_file(nginx):
    base, public = nginx
    status, headers, body = fetch(base + "feed.atom", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert body == (public / "feed.atom.gz").read_bytes()
    assert gzip.decompress(body) == (public / "feed.atom").read_bytes()
    assert "Accept-Encoding" in headers["Vary"]
    assert "Content-Encoding" not in fetch(base + "feed.atom")[1]


def test_directory_urls_and_redirects(nginx):
    base, public = nginx
    slug = next((public / "items").iterdir()).name
    status, headers, body = fetch(base + f"items/{slug}/")
    assert status == 200 and body == (public / "items" / slug / "index.html").read_bytes()
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.build_opener(NoRedirect).open(base + f"items/{slug}", timeout=10)
    assert e.value.code == 301 and e.value.headers["Location"] == f"/items/{slug}/"


@pytest.mark.parametrize("path", ["no/such/page/", "feed.atom.gz", "_headers", ".feeds-export", "archive/",
                                  "items/../../etc/passwd"])
def test_missing_and_private_paths_are_404(nginx, path):
    base, _ = nginx
    assert fetch(base + path)[0] in (404, 400), path
    assert fetch(base + "no/such/page/")[0] == 404


def test_caching_headers_and_conditional_get(nginx):
    base, _ = nginx
    _, feed, _ = fetch(base + "feed.atom")
    assert feed["Cache-Control"] == "public, max-age=300" and feed["Access-Control-Allow-Origin"] == "*"
    assert fetch(base + "archive/1.rss")[1]["Cache-Control"] == "public, max-age=300"  # docs/serving.md says why
    assert fetch(base + "countries/")[1]["Cache-Control"] == "public, max-age=300"
    assert fetch(base + "feed.atom", headers={"If-None-Match": feed["ETag"]})[0] == 304
    assert fetch(base + "feed.atom", headers={"If-Modified-Since": feed["Last-Modified"]})[0] == 304


def test_a_reader_walking_the_archive_chain_over_http_sees_every_item_once(nginx):
    base, _ = nginx
    seen, url, documents = [], base + "feed.atom", 0
    while url:
        d = feedparser.parse(url)
        assert d.status == 200 and not d.bozo
        seen += [e.id for e in d.entries]
        documents += 1
        url = next((link.href for link in d.feed.links if link.rel == "prev-archive"), None)
    assert len(seen) == len(set(seen)) == 520 and documents == 11
    pages, url = [], base + "feed.json"
    while url:
        doc = json.loads(fetch(url)[2])
        pages += [item["id"] for item in doc["items"]]
        url = doc.get("next_url")
    assert sorted(pages) == sorted(seen)


@pytest.mark.parametrize("browser", BROWSERS)
@pytest.mark.parametrize("path", ["feed.atom", "feed.rss", "themes/governance/feed.rss", "countries/mx/feed.json"])
def test_a_browser_gets_the_feeds_preview_page_and_readers_the_feed(nginx, path, browser):
    base, public = nginx
    status, headers, body = fetch(base + path, headers={"Accept": BROWSERS[browser]})
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert body == (public / "_preview" / (path + ".html")).read_bytes()
    assert b"This is a feed." in body and (base + path).encode() in body
    assert vary(headers) >= {"accept", "accept-encoding"}
    for reader, accept in READERS.items():
        status, headers, body = fetch(base + path, headers={"Accept": accept} if accept else {})
        assert (status, body) == (200, (public / path).read_bytes()), reader
        assert vary(headers) >= {"accept", "accept-encoding"}, reader


def vary(headers) -> set[str]:
    return {v.strip().lower() for field in headers.get_all("Vary") or () for v in field.split(",")}


def test_archive_pages_have_no_preview_and_do_not_vary_with_accept(nginx):
    base, public = nginx
    status, headers, body = fetch(base + "archive/2.atom", headers={"Accept": BROWSERS["Chromium"]})
    assert (status, body) == (200, (public / "archive/2.atom").read_bytes())
    assert "accept" not in vary(headers)


def test_the_rule_is_the_servers_rule(nginx):
    """deploy/nginx.conf's map holds feeds/negotiation.py's two patterns, in that order."""
    from feeds import negotiation
    conf = Nginx.SHIPPED.read_text()
    reader, browser = conf.index(f'"~*{negotiation.READER}" 0;'), conf.index(f'"~*{negotiation.BROWSER}" 1;')
    assert reader < browser


def test_previews_are_not_addresses_of_their_own(nginx):
    base, _ = nginx
    assert fetch(base + "_preview/feed.atom.html")[0] == 404
    assert fetch(base + "_preview/feed.atom.html", headers={"Accept": BROWSERS["Firefox"]})[0] == 404


@pytest.mark.parametrize("path", ["feed.atom", "themes/labour-migration/feed.json", "archive/1.rss", "feeds.opml"])
def test_a_cors_preflight_is_answered_as_the_server_answers_it(nginx, path):
    base, _ = nginx
    status, headers, body = fetch(base + path, method="OPTIONS", headers={
        "Origin": "https://reader.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert (status, body) == (204, b"")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Access-Control-Allow-Methods"] == "GET, HEAD"
    assert headers["Access-Control-Allow-Headers"] == "If-None-Match, If-Modified-Since"
    assert headers["Access-Control-Max-Age"] == "86400"


def test_errors_are_one_plain_line_as_from_the_server(nginx):
    base, _ = nginx
    status, headers, body = fetch(base + "no/such/page/")
    assert (status, headers["Content-Type"], body) == (404, "text/plain; charset=utf-8", b"404 Not Found\n")
    assert fetch(base + "archive/")[2] == b"404 Not Found\n"  # a folder without index.html
    status, headers, body = fetch(base + "feed.atom", method="POST", data=b"x")
    assert (status, body, headers["Allow"]) == (405, b"405 Method Not Allowed\n", "GET, HEAD")
    for path in ("nope.json", "themes/zz/feed.rss", "_preview/feed.atom.html", "archive/999.atom"):
        status, headers, body = fetch(base + path, headers={"Accept": BROWSERS["Chromium"]})
        assert (status, headers["Content-Type"], body) == (404, "text/plain; charset=utf-8", b"404 Not Found\n"), path
    status, headers, body = fetch(base, method="POST", data=b"x")
    assert (status, headers["Content-Type"]) == (405, "text/plain; charset=utf-8")
    # a preflight for a feed that is not there is a plain 404, not an invitation
    assert fetch(base + "nope.atom", method="OPTIONS", headers={"Origin": "https://reader.example"})[0] == 404
    assert fetch(base, method="OPTIONS")[0] == 405


def test_nginx_answers_like_the_server_for_index_html_and_ranges(nginx):
    base, _ = nginx
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.build_opener(NoRedirect).open(base + "themes/index.html", timeout=10)
    assert e.value.code == 301 and e.value.headers["Location"] == "/themes/"
    status, _, body = fetch(base + "feed.atom", headers={"Range": "bytes=0-9"})
    assert status == 200 and len(body) > 10


def test_new_settings_reach_a_reader_that_revalidates_by_time_alone(tmp_path):
    """nginx answers "not modified" when a file's time is the one asked about: a new title changes
    every document's bytes, so their times move too, though no item changed."""
    corpus.write(60, tmp_path / "seeds")
    nginx = Nginx(tmp_path, tmp_path / "public")

    def build(day: int, *settings: str):  # as published for the public (a site on this machine is not dated so)
        result = run_feeds("build", "--seeds", tmp_path / "seeds", "--out", tmp_path / "public",
                           "--base-url", "https://feeds.example.org/",
                           env={"SOURCE_DATE_EPOCH": str(1_793_000_000 + day * 86400),
                                **{f"FEEDS_{name.upper()}": value for name, value in (s.split("=") for s in settings)}})
        assert result.returncode == 0, result.stderr

    build(0)
    nginx.start()
    try:
        _, first, _ = fetch(nginx.base + "feed.atom")
        build(1, "title=Migration news")
        status, headers, body = fetch(nginx.base + "feed.atom", headers={"If-Modified-Since": first["Last-Modified"]})
        assert status == 200 and feedparser.parse(body).feed.title == "Migration news"
        build(2, "title=Migration news")  # the same settings again: the same times
        assert fetch(nginx.base + "feed.atom", headers={"If-Modified-Since": headers["Last-Modified"]})[0] == 304
        assert fetch(nginx.base + "items/", headers={"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    finally:
        nginx.stop()
