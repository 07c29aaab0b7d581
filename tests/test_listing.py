"""HTML lists in pages: every item once, newest first, links both ways; news leaves full pages alone."""
import re
import shutil
import sys

import pytest

from feeds.catalog import load_catalog
from feeds.config import Config
from feeds.ledger import write_ledger
from feeds.site import build_site

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402

BASE = "https://feeds.example.org/"
SIZE = 20


def site_of(folder, now):
    """Published as `feeds build` at `now` does, the ledger written beside the digests."""
    import datetime as dt
    config = Config(seeds=folder, base_url=BASE, page_size=SIZE)
    catalog = load_catalog(folder, config.tag_authority, now=dt.datetime.fromtimestamp(now, dt.timezone.utc))
    write_ledger(folder, catalog.ledger)
    return build_site(catalog, config), catalog


def walk(site, start, rel):
    """Item links of each page from `start`, following rel="next" (older) or rel="prev" (newer)."""
    path, pages = start, []
    while path:
        html = site[path].body.decode()
        rows = re.search(r'<ul class="items">(.*?)</ul>', html, re.S)
        pages.append((path, re.findall(r'<li><a href="[^"]*/items/([^/"]+)/"', rows.group(1) if rows else "")))
        link = re.search(rf'<a rel="{rel}" href="{re.escape(BASE)}([^"]*)"', html)
        path = "/" + link.group(1) if link else None
    return pages


def digests_of(seeds, tmp_path):
    """The corpus's digest files alone, in a seeds folder of this test's: its ledger starts empty."""
    return shutil.copytree(seeds, tmp_path / "seeds", ignore=lambda _, names: [n for n in names if not n.endswith(".txt")])


@pytest.fixture(scope="module")
def corpus_seeds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("listing") / "seeds"
    corpus.write(250, folder)
    return folder


def test_every_item_is_on_exactly_one_page_newest_first_and_links_go_both_ways(corpus_seeds):
    site, catalog = site_of(corpus_seeds, 1_700_000_000)
    theme = next(t for t in catalog.taxonomy.themes if len(catalog.in_theme(t.slug)) > 2 * SIZE)
    for front, items in (("/items/", catalog.items), (f"/themes/{theme.slug}/", catalog.in_theme(theme.slug))):
        older = walk(site, front, "next")
        assert [slug for _, slugs in older for slug in slugs] == [item.slug for item in items]
        assert len(older) == 1 + -(-(len(items) - SIZE) // SIZE)
        assert all(len(slugs) <= SIZE for _, slugs in older)
        assert older[0][0] == front and older[-1][0] == f"{front}page/1/"  # the first page: the newest
        newer = walk(site, older[-1][0], "prev")  # and back up from the oldest
        assert [path for path, _ in newer] == [path for path, _ in reversed(older)]


def test_news_changes_the_first_and_newest_pages_only(corpus_seeds, tmp_path):
    folder = digests_of(corpus_seeds, tmp_path)
    before, _ = site_of(folder, 1_700_000_000)
    (folder / "zz-new.txt").write_text("1 November, 2026\n\nA new item\n\nMigrant workers in Canada.\n")
    after, catalog = site_of(folder, 1_700_086_400)
    pages = sorted(p for p in after if p.startswith("/items/page/"))
    newest = max(pages, key=lambda p: int(p.split("/")[3]))
    for path in pages:
        changed = after[path].body != before[path].body
        moved = after[path].last_modified != before[path].last_modified
        assert changed == moved == (path == newest), path  # full pages keep their bytes and their time
    assert after["/items/"].body != before["/items/"].body


def test_an_edit_reaches_its_own_page_and_no_older_one(corpus_seeds, tmp_path):
    folder = digests_of(corpus_seeds, tmp_path)
    before, catalog = site_of(folder, 1_700_000_000)
    pages = walk(before, "/items/", "next")
    page, slugs = pages[len(pages) // 2]  # a full page in the middle
    item = next(i for i in catalog.items if i.slug == slugs[0])
    source = folder / item.source.path.rpartition("/")[2]
    text = source.read_text()
    assert text.count(item.title) == 1
    source.write_text(text.replace(item.title, item.title + " (corrected)"))
    after, _ = site_of(folder, 1_700_086_400)
    numbers = {path: int(path.split("/")[3]) for path, _ in pages[1:]}
    for path, number in numbers.items():
        moved = after[path].last_modified != before[path].last_modified
        assert moved == (number >= numbers[page]), path
        if after[path].body != before[path].body:
            assert moved, path
