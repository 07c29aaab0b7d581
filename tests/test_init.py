"""`feeds init`, then `feeds build`, then nginx with the block init wrote: a working site from an
empty folder, with no edit but nginx's `listen` (a free port here)."""
import os

import feedparser
import pytest

from .conftest import BROWSERS, NGINX, Nginx, run_feeds
from .test_server import fetch

if NGINX is None and os.environ.get("FEEDS_REQUIRE_NGINX"):
    pytest.fail("nginx is required (apt-get install nginx)", pytrace=False)


def test_init_writes_a_publication_that_checks_clean(tmp_path):
    folder = tmp_path / "digest"
    result = run_feeds("init", folder, "--base-url", "https://news.iom.example/", "--title", "Regional digest")
    assert result.returncode == 0, result.stderr
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) == [
        ".gitignore", "feeds.toml", "nginx.conf", "seeds", "seeds/example.txt"]
    assert "cd " + str(folder) in result.stdout and "feeds build" in result.stdout
    check = run_feeds("check", "--strict", cwd=folder)
    assert check.returncode == 0 and "2 items read, no problems, 0 warnings" in check.stdout, check.stderr
    settings = (folder / "feeds.toml").read_text()
    assert 'base_url = "https://news.iom.example/"' in settings and 'tag_authority = "news.iom.example"' in settings
    nginx = (folder / "nginx.conf").read_text()
    assert f"root {folder / 'public'};" in nginx and "server_name news.iom.example;" in nginx
    assert "/srv/feeds" not in nginx


def test_init_refuses_a_folder_in_use_and_a_bad_address(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = run_feeds("init", tmp_path)
    assert result.returncode == 1 and "not empty" in result.stderr and "nothing was written" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    result = run_feeds("init", tmp_path / "new", "--base-url", "feeds.example.org")
    assert result.returncode == 2 and "is not an absolute http:// or https:// address" in result.stderr
    assert not (tmp_path / "new").exists()


def test_without_a_base_url_init_says_what_to_set_and_build_warns(tmp_path):
    folder = tmp_path / "site"
    result = run_feeds("init", folder)
    assert result.returncode == 0 and "set base_url in feeds.toml" in result.stdout
    build = run_feeds("build", cwd=folder)
    assert build.returncode == 0 and "warning: every link in public leads to http://127.0.0.1:8000/" in build.stderr


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")
def test_init_build_and_nginx_make_a_working_site_from_an_empty_folder(tmp_path):
    folder = tmp_path / "new-site"
    nginx = Nginx(tmp_path, folder / "public", server=folder / "nginx.conf", edits=("listen",))
    assert run_feeds("init", folder, "--base-url", nginx.base).returncode == 0
    build = run_feeds("build", cwd=folder)
    assert build.returncode == 0 and "(62 added, 0 changed, 0 removed, 0 unchanged; 62 rendered" in build.stdout, build.stderr
    nginx.start()
    try:
        d = feedparser.parse(nginx.base + "feed.atom")
        assert d.status == 200 and not d.bozo and len(d.entries) == 2
        for entry in d.entries:  # every entry leads to its page
            status, headers, body = fetch(entry.link)
            assert status == 200 and entry.title.encode() in body
        labour = feedparser.parse(nginx.base + "themes/labour-migration/feed.rss")
        assert [e.title for e in labour.entries] == [d.entries[0].title]
        status, headers, body = fetch(nginx.base + "feed.atom", headers={"Accept": BROWSERS["Firefox"]})
        assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8") and b"This is a feed." in body
        assert fetch(nginx.base + "")[0] == 200 and fetch(nginx.base + "no-such-page")[0] == 404
    finally:
        nginx.stop()


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")
def test_two_publications_sit_side_by_side_in_one_nginx_whatever_their_folder_names(tmp_path):
    from .conftest import free_port
    folders = [tmp_path / "Digest one", tmp_path / "digest-two"]
    ports = [None, free_port()]
    nginx = Nginx(tmp_path, folders[0] / "public", server=tmp_path / "both.conf", edits=())
    ports[0] = nginx.port
    blocks = []
    for n, (folder, port) in enumerate(zip(folders, ports)):
        base = f"http://127.0.0.1:{port}/"
        result = run_feeds("init", folder, "--base-url", base, "--title", f"Publication {n}")
        assert result.returncode == 0, result.stderr
        assert run_feeds("build", cwd=folder).returncode == 0
        blocks.append((folder / "nginx.conf").read_text().replace("    listen 80;", f"    listen 127.0.0.1:{port};"))
    (tmp_path / "both.conf").write_text("\n".join(blocks))
    nginx.start()
    try:
        for n, port in enumerate(ports):
            d = feedparser.parse(f"http://127.0.0.1:{port}/feed.atom")
            assert d.status == 200 and d.feed.title == f"Publication {n}" and len(d.entries) == 2
    finally:
        nginx.stop()


@pytest.mark.parametrize("title", ["Noticias 📰 Panamá", 'A "quoted" title\\ with a backslash'])
def test_init_writes_settings_it_can_read_whatever_the_title(tmp_path, title):
    folder = tmp_path / "site"
    assert run_feeds("init", folder, "--title", title, "--base-url", "https://noticias.panamá.org/").returncode == 0
    assert f'title = "{title}"'.encode() in (folder / "feeds.toml").read_bytes() or '"' in title
    result = run_feeds("check", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert 'tag_authority = "noticias.xn--panam-1qa.org"' in (folder / "feeds.toml").read_text()
