"""Full history (RFC 5005 archives, JSON Feed next_url), reproducible exports, OPML and WebSub."""
import http.server
import json
import threading
import urllib.parse
import xml.etree.ElementTree as ET

import feedparser
import pytest

from feeds.catalog import load_catalog
from feeds.config import Config
from feeds.site import build_site
from feeds.export import export
from feeds.ledger import write_ledger

from .conftest import BASE_URL, ROOT, run_feeds

import sys
sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402

BASE = "https://feeds.example.org/"


def site_of(folder, **settings):
    """Published as `feeds build` does: the ledger beside the digests remembers it."""
    config = Config(seeds=folder, base_url=BASE, **settings)
    catalog = load_catalog(folder, config.tag_authority)
    write_ledger(folder, catalog.ledger)
    return build_site(catalog, config)


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus") / "seeds"
    corpus.write(520, folder)
    return folder, site_of(folder)


def local(url):
    return "/" + url[len(BASE):]


def walk_atom(site, start):
    """Every entry id met walking prev-archive links from a feed, and the documents visited."""
    seen, visited, path = [], [], start
    while path:
        visited.append(path)
        d = feedparser.parse(site[path].body)
        assert not d.bozo, (path, d.bozo_exception)
        seen += [e.id for e in d.entries]
        prev = [link.href for link in d.feed.links if link.rel == "prev-archive"]
        path = local(prev[0]) if prev else None
    return seen, visited


@pytest.mark.parametrize("feed", ["/feed.atom", "/feed.rss", "/themes/labour-migration/feed.atom",
                                  "/countries/mx/feed.rss"])
def test_walking_the_archive_chain_meets_every_item_exactly_once(big, feed):
    folder, site = big
    seen, visited = walk_atom(site, feed)
    channel = site.feeds[feed][0]
    assert len(seen) == len(set(seen)) == len(channel.all_items)
    assert set(seen) == {item.id for item in channel.all_items}
    if feed == "/feed.atom":
        assert len(seen) == 520 and visited[:3] == ["/feed.atom", "/archive/10.atom", "/archive/9.atom"]


def test_json_feed_pages_follow_next_url_to_the_oldest(big):
    folder, site = big
    seen, path = [], "/feed.json"
    while path:
        doc = json.loads(site[path].body)
        seen += [item["id"] for item in doc["items"]]
        path = local(doc["next_url"]) if "next_url" in doc else None
    assert len(seen) == len(set(seen)) == 520


def test_archive_pages_link_current_prev_next_and_are_marked(big):
    folder, site = big
    page = ET.fromstring(site["/archive/3.atom"].body)
    atom, fh = "{http://www.w3.org/2005/Atom}", "{http://purl.org/syndication/history/1.0}"
    links = {link.get("rel"): link.get("href") for link in page.findall(atom + "link")}
    assert links["current"] == BASE + "feed.atom"
    assert links["prev-archive"] == BASE + "archive/2.atom" and links["next-archive"] == BASE + "archive/4.atom"
    assert page.find(fh + "archive") is not None and len(page.findall(atom + "entry")) == 50
    rss = ET.fromstring(site["/archive/3.rss"].body).find("channel")
    assert {l.get("rel") for l in rss.findall(atom + "link")} == {"self", "current", "prev-archive", "next-archive"}
    assert rss.find(fh + "archive") is not None
    assert ET.fromstring(site["/feed.atom"].body).find(fh + "archive") is None  # the current feed is not an archive


def test_full_archive_pages_never_change_when_news_arrives(tmp_path):
    folder = tmp_path / "seeds"
    corpus.write(300, folder)
    before = site_of(folder)
    (folder / "zz-today.txt").write_text("1 November, 2026\n\nBreaking news\n\nBody.\n")
    after = site_of(folder)
    full = [path for path, resource in before.items() if resource.immutable]
    assert len(full) >= 12  # 4 full pages × 3 formats for the all-items feed alone
    for path in full:
        assert after[path].body == before[path].body, path
    assert after["/feed.atom"].body != before["/feed.atom"].body


def test_export_is_reproducible_byte_for_byte_and_time_for_time(tmp_path):
    trees = []
    for name in ("one", "two"):
        out = tmp_path / name
        assert run_feeds("build", "--out", out).returncode == 0
        trees.append({p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime)
                      for p in out.rglob("*") if p.is_file()})
    assert trees[0] == trees[1]
    assert trees[0]["feed.atom"][1] == trees[0]["feed.atom.gz"][1] == 1635249600.0  # 26 Oct 2021 12:00 UTC


def test_headers_file_gives_every_feed_its_type_and_lifetime(big, tmp_path):
    folder, site = big
    export(site, tmp_path / "public")
    text = (tmp_path / "public" / "_headers").read_text()
    blocks = {block.splitlines()[0]: block.splitlines()[1:] for block in text.split("\n\n") if block.startswith("/")}
    assert blocks["/feed.json"] == ["  Content-Type: application/feed+json", "  Cache-Control: public, max-age=300",
                                    "  Access-Control-Allow-Origin: *"]
    assert "  Cache-Control: public, max-age=31536000, immutable" in blocks["/archive/1.atom"]
    assert "  Cache-Control: public, max-age=300" in blocks["/archive/10.atom"]  # still filling
    assert blocks["/feeds.opml"][0] == "  Content-Type: text/x-opml"
    assert blocks["/items/:slug/"] == ["  Cache-Control: public, max-age=300"]
    assert len(blocks) == len(set(blocks))  # one rule per path: hosts merge overlapping rules


def test_opml_is_opml_2_with_every_feed(site):
    root = ET.fromstring(site["/feeds.opml"].body)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.find("head/title").text
    feeds = [o for o in root.iter("outline") if o.get("xmlUrl")]
    assert all(o.get("text") and o.get("type") == "rss" and o.get("htmlUrl") for o in feeds)
    current = {path for path, (channel, fmt) in site.feeds.items() if fmt == "atom" and not channel.is_archive}
    assert {local_url(o.get("xmlUrl")) for o in feeds} == current


def local_url(url):
    return "/" + url[len(BASE_URL):]


class Hub(http.server.BaseHTTPRequestHandler):
    received: list = []
    status = 204

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        Hub.received.append(urllib.parse.parse_qs(body))
        self.send_response(Hub.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hub():
    Hub.received, Hub.status = [], 204
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hub"
    server.shutdown()


def test_build_pings_the_hub_for_the_feeds_that_changed(seeds, tmp_path, hub):
    seeds("a.txt", "1 June, 2021\n\nRecruitment of migrant workers\n\nBody.\n")
    out = tmp_path / "public"
    first = run_feeds("build", "--seeds", seeds.folder, "--out", out, "--base-url", BASE, "--hub", hub)
    assert first.returncode == 0, first.stderr
    pinged = sorted(r["hub.url"][0] for r in Hub.received)
    assert all(r["hub.mode"] == ["publish"] for r in Hub.received)
    assert BASE + "feed.atom" in pinged and BASE + "themes/labour-migration/feed.json" in pinged
    feed = feedparser.parse((out / "feed.atom").read_bytes())
    assert {"rel": "hub", "href": hub} in [{"rel": l.rel, "href": l.href} for l in feed.feed.links]
    assert json.loads((out / "feed.json").read_bytes())["hubs"] == [{"type": "WebSub", "url": hub}]

    Hub.received = []
    seeds("b.txt", "2 June, 2021\n\nA story with no theme\n\nBody.\n")
    run_feeds("build", "--seeds", seeds.folder, "--out", out, "--base-url", BASE, "--hub", hub)
    assert sorted(r["hub.url"][0] for r in Hub.received) == [BASE + "feed.atom", BASE + "feed.json",
                                                             BASE + "feed.rss"]


def test_a_failed_ping_is_reported_and_does_not_fail_the_build(seeds, tmp_path, hub):
    Hub.status = 500
    seeds("a.txt", "1 June, 2021\n\nNews\n\nBody.\n")
    result = run_feeds("build", "--seeds", seeds.folder, "--out", tmp_path / "public", "--hub", hub)
    assert result.returncode == 0 and (tmp_path / "public" / "feed.atom").exists()
    assert f"warning: WebSub hub {hub} answered 500" in result.stderr
    nobody = run_feeds("build", "--seeds", seeds.folder, "--out", tmp_path / "p2", "--hub", "http://127.0.0.1:9/")
    assert nobody.returncode == 0 and "could not be reached" in nobody.stderr


def test_a_dead_hub_is_given_up_on_after_the_first_failure(seeds, tmp_path):
    seeds("a.txt", "1 June, 2021\n\nRecruitment of migrant workers\n\nBody.\n")
    result = run_feeds("build", "--seeds", seeds.folder, "--out", tmp_path / "p", "--hub", "http://127.0.0.1:9/")
    assert result.returncode == 0
    assert result.stderr.count("could not be reached") == 1 and "not pinged for" in result.stderr
