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

from .conftest import NGINX, ROOT, Nginx, run_feeds
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
    assert fetch(base + "archive/1.rss")[1]["Cache-Control"] == "public, max-age=300"
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


def test_a_browser_gets_feeds_as_xml_so_the_stylesheet_applies(nginx):
    base, public = nginx
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for path in ("feed.atom", "themes/governance/feed.rss", "archive/2.atom"):
        status, headers, body = fetch(base + path, headers=browser)
        assert (status, headers["Content-Type"]) == (200, "application/xml; charset=utf-8"), path
        assert body == (public / path).read_bytes()
    assert fetch(base + "feed.json", headers=browser)[1]["Content-Type"] == "application/feed+json"
    assert fetch(base + "feed.xsl")[1]["Content-Type"] == "text/xsl; charset=utf-8"


def test_nginx_answers_like_the_server_for_index_html_and_ranges(nginx):
    base, _ = nginx
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.build_opener(NoRedirect).open(base + "themes/index.html", timeout=10)
    assert e.value.code == 301 and e.value.headers["Location"] == "/themes/"
    status, _, body = fetch(base + "feed.atom", headers={"Range": "bytes=0-9"})
    assert status == 200 and len(body) > 10
