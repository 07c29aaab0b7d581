"""Clients that revalidate see every kind of change: one that sends If-Modified-Since alone, and
one that sends nginx's own ETag (made of the file's mtime and size) back to nginx.

After each change (a title edited, a body corrected with a figure of the same length, a date line
fixed, an item withdrawn, an older item backfilled) every feed that shows it answers 200 with the
new bytes; asked again, or when nothing changed, 304.
"""
import shutil
import time

import pytest

from .conftest import NGINX, SEEDS, Nginx, feeds_serve, run_feeds
from .test_server import fetch

DIGEST = next(SEEDS.glob("*.txt")).name
CITRUS = "IOM presents key findings to improve recruitment in the Belizean citrus industry"
BACKFILL = "12 September, 2021\n\nAn older story, published late\n\nIts body, about labour migration and work permits.\n\n"
CHANGES = [
    ("title edited", lambda text: text.replace(CITRUS, CITRUS.replace("key findings", "findings"))),
    ("body corrected, same length", lambda text: text.replace("18.7 percent", "17.8 percent")),
    ("date fixed", lambda text: text.replace("20 September, 2021\n\nIOM and Suriname", "21 September, 2021\n\nIOM and Suriname")),
    ("withdrawn", lambda text: text[:text.index("28 September, 2021")] + text[text.index("24 September, 2021"):]),
    ("backfilled", lambda text: text + "\n" + BACKFILL),
]
DOCUMENTS = ["feed.atom", "feed.rss", "feed.json", "themes/labour-migration/feed.atom", "items/"]


def touched(what):
    """The documents of DOCUMENTS whose bytes a change changes."""
    documents = {"feed.atom", "feed.rss", "feed.json"}
    if what != "body corrected, same length":
        documents.add("items/")  # it lists titles and dates
    if what in ("title edited", "body corrected, same length", "backfilled"):
        documents.add("themes/labour-migration/feed.atom")  # those items are about labour migration
    return documents


def copy_seeds(tmp_path):
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder, ignore=shutil.ignore_patterns(".*"))
    return folder


def apply(folder, change):
    path = folder / DIGEST
    before = path.read_text("utf-8")
    after = change(before)
    assert after != before
    path.write_text(after, "utf-8")


def validators(base):
    """Each document's Last-Modified and ETag, as a client keeps them."""
    result = {}
    for path in DOCUMENTS:
        status, headers, body = fetch(base + path)
        assert status == 200
        result[path] = (headers["Last-Modified"], headers["ETag"], body)
    return result


def assert_revalidation(base, held, changed):
    """`held`: what the client has; `changed`: the documents whose bytes the change changed. Those
    must come again to both clients. A feed that did not change must not; an HTML page that lists
    every item may come again with the same bytes (its Last-Modified is the newest change to any
    item: docs/publishing.md, "Last-Modified")."""
    for path, (modified, etag, body) in held.items():
        fresh = fetch(base + path)[2]
        assert (fresh != body) == (path in changed), path
        since = fetch(base + path, headers={"If-Modified-Since": modified})
        match = fetch(base + path, headers={"If-None-Match": etag})
        if path in changed:
            assert since[0] == 200 and since[2] == fresh, (path, "If-Modified-Since")
            assert match[0] == 200 and match[2] == fresh, (path, "If-None-Match")
        elif not path.endswith("/"):
            assert since[0] == 304 and match[0] == 304, path


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")
def test_every_change_reaches_clients_revalidating_with_nginx(tmp_path):
    folder = copy_seeds(tmp_path)
    nginx = Nginx(tmp_path, tmp_path / "public")
    epoch = 1_700_000_000

    def build():
        result = run_feeds("build", "--seeds", folder, "--out", nginx.public, "--base-url", nginx.base,
                           env={"SOURCE_DATE_EPOCH": str(epoch)})
        assert result.returncode == 0, result.stderr

    build()
    nginx.start()
    try:
        for what, change in CHANGES:
            held = validators(nginx.base)
            epoch += 3600
            build()  # nothing changed: nothing to fetch again
            assert_revalidation(nginx.base, held, changed=set())
            apply(folder, change)
            epoch += 3600
            build()
            assert_revalidation(nginx.base, held, changed=touched(what))
    finally:
        nginx.stop()


def test_every_change_reaches_clients_revalidating_with_the_server(tmp_path):
    folder = copy_seeds(tmp_path)
    with feeds_serve(folder, "--reload-interval", "0.2") as base:
        for what, change in CHANGES:
            held = validators(base)
            apply(folder, change)
            deadline = time.monotonic() + 30
            while sum(fetch(base + "feed.json")[2] != held["feed.json"][2] for _ in range(8)) < 8:
                assert time.monotonic() < deadline, "the server did not reload"
                time.sleep(0.2)
            assert_revalidation(base, held, changed=touched(what))
