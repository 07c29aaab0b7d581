"""One build shared by the server's workers: a builder publishes into the state folder, the workers
serve that export (feeds/builder.py, feeds/exported.py), over real HTTP and real exports."""
import json
import os
import shutil
import subprocess
import sys
import time

import feedparser
import pytest

from feeds.builder import export_of
from feeds.config import Config
from feeds.export import manifest_of, publish_build, publishing
from feeds.exported import Export, Stale
from feeds.catalog import load_catalog
from feeds.searchindex import NAME, index_parts
from feeds.site import Build

from .conftest import SEEDS, free_port, start_server, stop, wait_for
from .test_server import fetch

DIGEST = "{day} June, 2021\n\nSeasonal workers item {day}\n\nBody of item {day}.\n"


def publish(seeds, out, config, now=None):
    """As the server's builder publishes: with the search index in the same tree; the catalog."""
    catalog = load_catalog(seeds, config.tag_authority, now=now)
    build = Build(catalog, config)
    with publishing(out):
        publish_build(build, out, extras={NAME: lambda: index_parts(catalog, build.channels, build.since)})
    return catalog


def test_a_worker_follows_publishes_and_never_serves_a_changed_file_for_an_old_manifest(seeds, tmp_path):
    config = Config(seeds=seeds.folder, base_url="https://feeds.example.net/")
    out = tmp_path / "public"
    seeds("a.txt", DIGEST.format(day=1))
    publish(seeds.folder, out, config)
    export = Export(out)
    first = export.current()
    feed = first.documents["/feed.atom"]
    assert feed.content(False) == (out / "feed.atom").read_bytes()
    assert feed.content(True) == (out / "feed.atom.gz").read_bytes()

    seeds("b.txt", DIGEST.format(day=2))
    publish(seeds.folder, out, config)  # swapped in; the first tree is now the standby, untouched
    assert first.documents["/feed.atom"].content(False) == feed.content(False)  # still one whole generation
    second = export.current()
    assert second is not first and export.loaded == 2
    assert second.documents["/feed.atom"].content(False) == (out / "feed.atom").read_bytes()
    assert second.documents["/feed.atom"].etag == manifest_of(out)["feed.atom"].etag != feed.etag

    seeds("c.txt", DIGEST.format(day=3))
    publish(seeds.folder, out, config)  # brings the standby (the first tree) up to date in place
    first.cache.entries.clear()
    with pytest.raises(Stale):
        first.documents["/feed.atom"].content(False)  # its file changed: never served for the old validators
    assert export.current().documents["/feed.atom"].content(False) == (out / "feed.atom").read_bytes()


def test_a_worker_asked_nothing_for_two_publishes_serves_the_newest(seeds, tmp_path):
    """The export and the standby take turns at the export's path: after two publishes the same
    folder is back there, with other files."""
    import gc
    import weakref

    from feeds.searches import Searches
    from feeds.filters import Filter

    config = Config(seeds=seeds.folder, base_url="https://feeds.example.net/")
    out = tmp_path / "public"
    seeds("a.txt", DIGEST.format(day=1))
    publish(seeds.folder, out, config)
    export, searches = Export(out), Searches(config)
    searched = searches.render(export.current(), "/feed.atom", Filter(("seasonal",)))
    first = weakref.ref(export.current())
    for day in (2, 3):
        seeds(f"{day}.txt", DIGEST.format(day=day))
        publish(seeds.folder, out, config)
    gc.disable()  # freed when replaced, not when a collection happens to run
    try:
        current = export.current()
        assert first() is None
    finally:
        gc.enable()
    feed = current.documents["/feed.atom"]
    assert feed.content(False) == (out / "feed.atom").read_bytes() and b"item 3" in feed.content(False)
    assert "/items/" in current.documents and feed.etag == manifest_of(out)["feed.atom"].etag
    assert searched.body.count(b"<entry>") == 1
    assert searches.render(current, "/feed.atom", Filter(("seasonal",))).body.count(b"<entry>") == 3


def test_previews_flags_and_redirects_come_from_the_manifest(tmp_path, seeds):
    config = Config(seeds=seeds.folder, base_url="https://feeds.example.net/")
    out = tmp_path / "public"
    seeds("a.txt", DIGEST.format(day=1))
    publish(seeds.folder, out, config)
    generation = Export(out).current()
    assert set(generation.previews) == {f"/feed.{fmt}" for fmt in ("atom", "rss", "json")} | {
        path for path in generation.previews if path.startswith(("/themes/", "/countries/"))}
    assert "/_preview/feed.atom.html" not in generation.documents
    page = generation.documents["/"]
    assert page.http_date and not page.gone and page.redirect is None and page.media_type.startswith("text/html")


def serve(seeds, state, port, *options):
    return start_server([sys.executable, "-m", "feeds", "serve", "--seeds", str(seeds), "--port", str(port),
                         "--state", str(state), *map(str, options)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def served(tmp_path, *options):
    """`feeds serve` on a copy of the shipped seeds with a state folder of its own, answering:
    (seeds, state, port, base URL, process)."""
    seeds, state = tmp_path / "seeds", tmp_path / "state"
    shutil.copytree(SEEDS, seeds)
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    process = serve(seeds, state, port, *options)
    try:
        wait_for(base, process)
    except BaseException:
        stop(process)
        raise
    return seeds, state, port, base, process


def test_a_restart_on_unchanged_sources_serves_the_last_export_without_building(tmp_path):
    seeds, state, port, base, process = served(tmp_path, "--workers", 2)
    try:
        first = fetch(base + "feed.atom")
        status = json.loads((state / "status.json").read_text())
    finally:
        stop(process)
    inode = os.stat(export_of(state)).st_ino
    process = serve(seeds, state, port, "--workers", 2)
    try:
        started = time.monotonic()
        wait_for(base, process)
        assert time.monotonic() - started < 3
        again = fetch(base + "feed.atom")
        assert (again[1]["ETag"], again[2]) == (first[1]["ETag"], first[2])
        time.sleep(1)  # the supervisor has looked at the seeds by now
        assert json.loads((state / "status.json").read_text()) == status  # no build
        assert os.stat(export_of(state)).st_ino == inode
    finally:
        stop(process)
    assert "published generation" not in process.stderr.read()


def test_a_change_is_one_build_whatever_the_number_of_workers(tmp_path):
    seeds, state, port, base, process = served(tmp_path, "--workers", 3, "--reload-interval", 0.2)
    try:
        (seeds / "zz-new.txt").write_text("3 November, 2021\n\nNew item for every worker\n\nBody.\n")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            titles = {feedparser.parse(fetch(base + "feed.atom")[2]).entries[0].title for _ in range(12)}
            if titles == {"New item for every worker"}:
                break
            time.sleep(0.2)
        assert titles == {"New item for every worker"}
        health = [json.loads(fetch(base + "healthz")[2]) for _ in range(20)]
        assert {h["generation"] for h in health} == {2} and len({h["worker"] for h in health}) > 1
    finally:
        stop(process)
    log = process.stderr.read()
    assert log.count("published generation") == 2, log  # the first run, then one build for the change


def test_the_first_run_with_broken_seeds_fails_with_every_problem_and_serves_nothing(tmp_path, seeds):
    seeds("digest.txt", "31 February, 2021\n\nTitle\n\nBody\n")
    port = free_port()
    done = subprocess.run([sys.executable, "-m", "feeds", "serve", "--seeds", str(seeds.folder), "--port", str(port),
                           "--state", str(tmp_path / "state")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == f"{seeds.folder}/digest.txt:1: impossible date '31 February, 2021': February 2021 has no day 31\n"
    assert not export_of(tmp_path / "state").exists()


@pytest.mark.parametrize("query", ["migra", "panama workers", "trafficking", "nothing-matches-this", "a"])
@pytest.mark.parametrize("limit", [None, 2])
def test_the_search_index_finds_what_a_search_of_every_item_finds(catalog, config, tmp_path, query, limit):
    from feeds.channels import channels
    from feeds.filters import Filter
    from feeds.items import search_text, tokens
    from feeds.searchindex import SearchIndex

    made = channels(catalog, config)
    (tmp_path / "index").write_bytes(b"".join(index_parts(catalog, made)))
    with open(tmp_path / "index", "rb") as file:
        index = SearchIndex(file.fileno())
    wanted = Filter(tuple(sorted(set(tokens(query)))), limit)
    for channel in made:
        for fmt in ("atom", "json"):
            view, got_fmt = index.narrow(channel.path(fmt), wanted, config.feed_size)
            expected = [item for item in channel.all_items
                        if all(" " + word in search_text(item) for word in wanted.words)][:limit or config.feed_size]
            assert got_fmt == fmt and [item.id for item in view.items] == [item.id for item in expected]
            assert [item.title for item in view.items] == [item.title for item in expected]
            assert view.query == wanted.query and view.prev_archive is None


def test_a_deleted_export_is_published_again_and_one_state_folder_has_one_server(tmp_path):
    seeds, state, port, base, process = served(tmp_path, "--reload-interval", 0.2)
    try:
        feed = fetch(base + "feed.atom")[2]
        second = subprocess.run([sys.executable, "-m", "feeds", "serve", "--seeds", str(seeds), "--port",
                                 str(free_port()), "--state", str(state)], capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert second.stderr == f"{state}: another feeds serve keeps its state there; give this one --state DIR\n"
        shutil.rmtree(export_of(state))
        (state / "status.json").unlink()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (state / "status.json").is_file():
            time.sleep(0.2)
        assert (export_of(state) / "feed.atom").read_bytes() == feed
        time.sleep(0.5)
        assert [fetch(base + "feed.atom")[2] for _ in range(6)] == [feed] * 6
        assert json.loads(fetch(base + "healthz")[2])["status"] == "ok"
    finally:
        stop(process)


def test_a_line_of_the_manifest_no_build_writes_is_no_document_and_no_other(seeds, tmp_path):
    from feeds.export import MARKER

    config = Config(seeds=seeds.folder, base_url="https://feeds.example.net/")
    out = tmp_path / "public"
    seeds("a.txt", DIGEST.format(day=1))
    publish(seeds.folder, out, config)
    lines = (out / MARKER).read_text().splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines) if line.endswith(" feed.atom\n"))
    rss = next(n for n, line in enumerate(lines) if line.endswith(" feed.rss\n"))
    fields = lines[rss].split(" ")
    lines[rss] = " ".join([*fields[:2], "x", *fields[3:]])  # a size that is no number
    lines.insert(at, "garbage\n")  # a line without a name
    (out / MARKER).write_text("".join(lines))
    generation = Export(out).current()
    assert generation.documents["/feed.atom"].content(False) == (out / "feed.atom").read_bytes()
    assert "/feed.rss" not in generation.documents and generation.documents.get("/feed.rss") is None
    assert "/feed.json" in generation.documents


def test_the_newest_filtered_feed_is_kept_however_large(tmp_path):
    from feeds.exported import BoundedCache

    bodies = BoundedCache(100)
    assert bodies.put("a", b"x" * 30) and bodies.get("a") is None  # over a quarter: never kept
    feeds = BoundedCache(100, largest=100)
    feeds.put("a", b"x" * 60)
    feeds.put("b", b"x" * 90)  # over the bound with "a": "a" goes, the newest stays
    assert feeds.get("a") is None and feeds.get("b") == b"x" * 90


def test_filtered_feeds_are_dated_like_the_export_after_new_settings(seeds, tmp_path):
    """A new title changes every document, the feeds a server filters included: they are dated
    from that build too (docs/publishing.md, the ledger's `rendering`)."""
    import datetime as dt

    from werkzeug.http import http_date

    from feeds.filters import Filter
    from feeds.ledger import write_ledger
    from feeds.searches import Searches

    out, later = tmp_path / "public", dt.datetime(2021, 7, 1, tzinfo=dt.timezone.utc)
    seeds("a.txt", DIGEST.format(day=1))
    for title, now in (("Digest", dt.datetime(2021, 6, 2, tzinfo=dt.timezone.utc)), ("Migration news", later)):
        config = Config(seeds=seeds.folder, base_url="https://feeds.example.net/", title=title)
        write_ledger(seeds.folder, publish(seeds.folder, out, config, now).ledger)
    current = Export(out).current()
    assert current.documents["/feed.atom"].http_date == http_date(later)
    for wanted in (Filter(("seasonal",)), Filter(limit=1)):
        filtered = Searches(config).render(current, "/feed.atom", wanted)
        assert b"Migration news" in filtered.body and filtered.http_date == http_date(later), wanted
