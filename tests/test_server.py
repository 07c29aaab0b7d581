"""The running server (`python server.py`) over real HTTP: same bytes as the export, HTTP semantics."""
import urllib.error
import urllib.request

import feedparser
import pytest

from feeds.export import HOST_FILES, file_for

from .conftest import BROWSERS, run_feeds

TYPES = {
    "/": "text/html; charset=utf-8",
    "/feed.atom": "application/atom+xml; charset=utf-8",
    "/feed.rss": "application/rss+xml; charset=utf-8",
    "/feed.json": "application/feed+json",
    "/feeds.opml": "text/x-opml",
    "/themes/smuggling/": "text/html; charset=utf-8",
    "/themes/smuggling/feed.atom": "application/atom+xml; charset=utf-8",
}


def fetch(url, method="GET", headers=None, data=None):
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def test_export_files_are_byte_identical_to_server_responses(server, tmp_path, site):
    out = tmp_path / "public"
    result = run_feeds("build", "--out", out, "--base-url", server)
    assert result.returncode == 0, result.stderr
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    documents = [name for name in files if not name.endswith(".gz") and name not in HOST_FILES]
    previews = [name for name in documents if name.startswith("_preview/")]
    assert len(documents) == len(site) + len(previews) and len(files) == 2 * len(documents) + len(HOST_FILES)  # + gzip twins
    assert len(previews) == len(site.previews) == len(site.feeds) // 3 * 3 > 0 and set(site.previews) <= set(site.feeds)
    for name in documents:
        path = "/" + (name[:-len("index.html")] if name.endswith("index.html") else name)
        wanted = {}
        if name in previews:  # what the feed's address gives a browser
            path, wanted = path.removeprefix("/_preview").removesuffix(".html"), {"Accept": BROWSERS["Chromium"]}
        else:
            assert file_for(path) == name
        status, _, body = fetch(server + path.lstrip("/"), headers=wanted)
        assert status == 200 and body == (out / name).read_bytes(), path
        status, headers, body = fetch(server + path.lstrip("/"), headers={"Accept-Encoding": "gzip", **wanted})
        assert headers["Content-Encoding"] == "gzip" and body == (out / (name + ".gz")).read_bytes(), path


def test_a_reader_subscribes_to_the_feed_over_http(server):
    d = feedparser.parse(server + "feed.atom")
    assert d.status == 200 and not d.bozo and len(d.entries) == 10
    assert d.feed.links[0].href == server + "feed.atom"
    for entry in d.entries:
        status, headers, _ = fetch(entry.link)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("path, media_type", TYPES.items())
def test_content_types(server, path, media_type):
    status, headers, _ = fetch(server + path.lstrip("/"))
    assert (status, headers["Content-Type"]) == (200, media_type)


def test_conditional_get_answers_304_without_a_body(server):
    _, headers, body = fetch(server + "feed.atom")
    assert headers["ETag"].startswith('"') and headers["Last-Modified"] == "Tue, 26 Oct 2021 12:00:00 GMT"
    assert "max-age=" in headers["Cache-Control"]
    status, _, again = fetch(server + "feed.atom", headers={"If-None-Match": headers["ETag"]})
    assert (status, again) == (304, b"")
    status, _, again = fetch(server + "feed.atom", headers={"If-Modified-Since": headers["Last-Modified"]})
    assert (status, again) == (304, b"")
    status, _, again = fetch(server + "feed.atom", headers={"If-None-Match": '"something-else"'})
    assert (status, again) == (200, body)


def test_one_date_header_from_the_server(server):
    _, headers, _ = fetch(server + "feed.atom")
    assert len(headers.get_all("Date")) == 1


def test_category_schemes_are_pages_listing_every_theme_and_country(server):
    d = feedparser.parse(server + "feed.atom")
    tags = [tag for entry in d.entries for tag in entry.get("tags", [])]
    assert {tag.scheme for tag in tags} == {server + "themes/", server + "countries/"}
    for tag in tags:
        status, _, body = fetch(tag.scheme)
        kind = tag.scheme.rstrip("/").rsplit("/", 1)[1]
        assert status == 200 and f'href="{server}{kind}/{tag.term.lower()}/"'.encode() in body


def test_head_gives_headers_and_no_body(server):
    status, headers, body = fetch(server + "feed.rss", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000


def test_unknown_path_is_404_and_wrong_method_405_in_plain_text(server):
    status, headers, body = fetch(server + "themes/nope/feed.atom")
    assert (status, body) == (404, b"404 Not Found\n")
    status, headers, body = fetch(server + "feed.atom", method="POST")
    assert status == 405 and "GET" in headers["Allow"] and b"Traceback" not in body


@pytest.mark.parametrize("path", ["themes/governance", "themes/governance/index.html"])
def test_folder_urls_redirect_like_a_static_host(server, path):
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as e:
        opener.open(server + path, timeout=10)
    assert e.value.code == 301 and e.value.headers["Location"] == server + "themes/governance/"


def test_host_header_is_never_written_into_a_document(server):
    _, _, body = fetch(server + "feed.atom", headers={"Host": "evil.example"})
    assert b"evil.example" not in body and server.encode() in body


def test_upper_case_country_codes_redirect_to_the_lower_case_url(server):
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as e:
        opener.open(server + "countries/PA/feed.atom", timeout=10)
    assert e.value.code == 301 and e.value.headers["Location"] == server + "countries/pa/feed.atom"
