"""The pages in a real browser: headless Chromium (Debian's), driven by Playwright, against `feeds serve`.

Needs Debian's chromium (.ci/run installs it); skipped without it unless FEEDS_REQUIRE_BROWSER is set.
Screenshots land in test-artifacts/.
"""
import os
import shutil

import pytest

from feeds.catalog import load_catalog
from feeds.chart import build_chart

from .conftest import NGINX, ROOT, SEEDS, Nginx, feeds_serve, run_feeds

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and os.environ.get("FEEDS_REQUIRE_BROWSER"):
    pytest.fail("Chromium is required (apt-get install chromium)", pytrace=False)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)")
ARTIFACTS = ROOT / "test-artifacts"
HOSTILE_TITLE = "Migrant workers <script>window.hacked = 1; alert(1)</script> & <b>bold</b> claims"


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    seeds = tmp_path_factory.mktemp("browser") / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / "zz-hostile.txt").write_text(
        f"27 October, 2021\n\n{HOSTILE_TITLE}\n\n<img src=x onerror=alert(2)> Recruitment of migrant workers.\n")
    with feeds_serve(seeds) as base:
        yield base, seeds


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        # flags as for any headless Chromium on a machine with no network beyond loopback
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_index_shows_every_theme_with_its_count(site_url, page):
    base, seeds = site_url
    catalog = load_catalog(seeds, "x")
    page.goto(base)
    shot(page, "index")
    for theme in catalog.taxonomy.themes:
        count = len(catalog.in_theme(theme.slug))
        heading = page.locator(f"#theme-{theme.slug}")
        assert heading.inner_text() == f"{theme.title} ({count} item{'' if count == 1 else 's'})"
    assert page.locator("link[rel=alternate][type='application/atom+xml']").count() == 1 + len(catalog.taxonomy.themes)
    assert page.dialogs == []


def test_chart_has_one_mark_per_theme_month_with_items(site_url, page):
    base, seeds = site_url
    chart = build_chart(load_catalog(seeds, "x"))
    expected = {(s.slug, m) for s in chart.series for m, c in zip(chart.months, s.counts) if c}
    page.goto(base)
    marks = page.locator("svg circle.mark")
    found = {(marks.nth(i).get_attribute("data-theme"), marks.nth(i).get_attribute("data-month"))
             for i in range(marks.count())}
    assert marks.count() == len(expected) and found == expected
    assert page.locator("svg desc").text_content().startswith("Items per month and theme, September 2021 to October 2021.")
    assert page.locator("figure.chart svg").bounding_box()["width"] > 300


def test_following_an_item_link_reaches_its_page(site_url, page):
    base, _ = site_url
    page.goto(base)
    link = page.locator("a", has_text="New Study Finds Connection Between Emerging Petroleum Sector").first
    title = link.inner_text()
    link.click()
    page.wait_for_load_state()
    assert page.url.startswith(base + "items/2021-09-24-")
    assert page.locator("h1").inner_text() == title
    assert page.locator(".place").inner_text() == "Georgetown, Guyana"
    assert page.locator("a", has_text="Labour migration").count() >= 1
    shot(page, "item")


def test_theme_page_lists_its_items_and_feeds(site_url, page):
    base, _ = site_url
    page.goto(base + "themes/smuggling/")
    shot(page, "theme")
    assert page.locator("h1").inner_text() == "Migrant smuggling and trafficking in persons"
    assert page.locator("ul.items li").count() == 1
    assert page.locator("input[readonly]").first.input_value() == base + "themes/smuggling/feed.atom"


@pytest.fixture(scope="module")
def nginx_url(site_url, tmp_path_factory):
    """The same seeds exported and served by nginx with deploy/nginx.conf."""
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install nginx)")
    _, seeds = site_url
    work = tmp_path_factory.mktemp("browser-nginx")
    shutil.copytree(seeds, work / "seeds")
    nginx = Nginx(work, work / "public")
    result = run_feeds("build", "--seeds", work / "seeds", "--out", nginx.public, "--base-url", nginx.base)
    assert result.returncode == 0, result.stderr
    nginx.start()
    yield nginx.base
    nginx.stop()


@pytest.mark.parametrize("host", ["feeds serve", "nginx"])
@pytest.mark.parametrize("feed", ["feed.atom", "feed.rss", "themes/labour-migration/feed.json"])
def test_a_feed_opened_in_the_browser_is_its_preview_page_without_xslt(request, page, host, feed):
    import json
    import urllib.request

    import feedparser
    base = request.getfixturevalue("site_url")[0] if host == "feeds serve" else request.getfixturevalue("nginx_url")
    if feed.endswith(".json"):  # as a reader gets it, from the same address
        with urllib.request.urlopen(base + feed) as response:
            titles, links = zip(*((i["title"], i["url"]) for i in json.load(response)["items"]))
    else:
        d = feedparser.parse(base + feed)
        assert not d.bozo
        titles, links = zip(*((e.title, e.link) for e in d.entries))
    response = page.goto(base + feed)
    shot(page, f"preview-{host.replace(' ', '-')}-{feed.replace('/', '-').replace('.', '-')}")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    entries = page.locator("a.entry")
    assert entries.all_inner_texts() == list(titles)
    assert [entries.nth(i).get_attribute("href") for i in range(entries.count())] == list(links)
    assert "This is a feed." in page.locator(".about").inner_text()
    assert page.locator(".about input[readonly]").input_value() == base + feed
    assert page.locator("xslt-warning-banner, #xslt-warning-banner, .xslt-warning-banner").count() == 0
    assert "XSLT" not in page.locator("html").inner_text()
    assert page.locator("script").count() == 0 and page.dialogs == []
    entries.first.click()  # the first item's link leads to its page
    page.wait_for_load_state()
    assert page.url == links[0] and page.locator("h1").inner_text() == titles[0]


@pytest.mark.parametrize("path", ["", "feed.atom", "themes/labour-migration/"])
def test_a_title_with_script_shows_as_text_and_runs_nothing(site_url, page, path):
    base, _ = site_url
    page.goto(base + path)
    assert HOSTILE_TITLE in page.locator("body").inner_text()
    assert page.evaluate("window.hacked") is None and page.dialogs == []
    assert page.locator("b", has_text="bold").count() == 0


def test_item_page_with_markup_in_the_body_runs_nothing(site_url, page):
    base, _ = site_url
    page.goto(base)
    page.locator("a", has_text="claims").first.click()
    page.wait_for_load_state()
    assert "<img src=x onerror=alert(2)>" in page.locator("article").inner_text()
    assert page.locator("article img").count() == 0 and page.dialogs == []
