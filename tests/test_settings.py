"""The site's settings file (feeds.toml): read by build and serve, overridden by FEEDS_* and flags,
every mistake a `file:line:` message; and the warnings of a build unfit for the public."""
import json
import re

import feedparser
import pytest

from .conftest import SEEDS, feeds_serve, run_feeds
from .test_server import fetch


@pytest.fixture
def site(tmp_path):
    """A publication folder: the shipped seeds and a settings file to write."""
    import shutil
    shutil.copytree(SEEDS, tmp_path / "seeds")

    def settings(text):
        (tmp_path / "feeds.toml").write_text(text)
        return tmp_path
    return settings


def test_build_takes_its_settings_from_the_file_in_the_current_folder(site):
    folder = site('base_url = "https://news.example.org/iom/"\ntag_authority = "iom.int"\ntitle = "Digest X"\n'
                  'author = "Office Y"\nfeed_size = 4\nout = "site"\n')
    (folder / "seeds" / "ledger.jsonl").unlink()  # a first publication: every id minted under iom.int
    result = run_feeds("build", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # a public base URL and a real authority: nothing to warn about
    d = feedparser.parse((folder / "site" / "feed.atom").read_bytes())
    assert d.feed.title == "Digest X" and len(d.entries) == 4
    assert {e.author for e in d.entries} == {"Office Y"}
    assert d.feed.links[0].href == "https://news.example.org/iom/feed.atom"
    assert (folder / "site" / "archive" / "1.atom").is_file()


def test_flags_override_variables_which_override_the_file(site):
    folder = site('base_url = "https://file.example.org/"\ntitle = "From the file"\n')
    env = {"FEEDS_BASE_URL": "https://env.example.org/", "FEEDS_TITLE": "From the environment"}
    run_feeds("build", "--base-url", "https://flag.example.org/", cwd=folder, env=env)
    d = feedparser.parse((folder / "public" / "feed.atom").read_bytes())
    assert (d.feed.title, d.feed.links[0].href) == ("From the environment", "https://flag.example.org/feed.atom")
    run_feeds("build", cwd=folder, env={"FEEDS_TITLE": ""})
    d = feedparser.parse((folder / "public" / "feed.atom").read_bytes())
    assert (d.feed.title, d.feed.links[0].href) == ("From the file", "https://file.example.org/feed.atom")


def test_a_file_named_elsewhere_resolves_its_folders_beside_itself(site, tmp_path_factory):
    folder = site('seeds = "seeds"\nout = "public"\nbase_url = "https://a.example.org/"\n')
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    for how in (["--config", folder / "feeds.toml"], []):
        result = run_feeds("check", *how, cwd=elsewhere, env={"FEEDS_CONFIG": str(folder / "feeds.toml")})
        assert result.returncode == 0 and "10 items read" in result.stdout, result.stderr
    assert run_feeds("build", "--config", folder / "feeds.toml", cwd=elsewhere).returncode == 0
    assert (folder / "public" / "feed.atom").is_file() and not (elsewhere / "public").exists()


@pytest.mark.parametrize("text, message", [
    ('title = "A"\nfeed_size = "fifty"\n', "feeds.toml:2: feed_size must be a whole number, not 'fifty'"),
    ('\n\nbase_url = "ftp://x/"\n', "feeds.toml:3: base URL 'ftp://x/' is not an absolute http:// or https:// address"),
    ('title = "A"\ntheme = "b"\n', "feeds.toml:2: unknown setting 'theme' (known: seeds, out, base_url,"),
    ('title = "A\n', "feeds.toml:1: not TOML: "),
    ('tag_authority = "IOM Office"\n', "feeds.toml:1: tag authority 'IOM Office' is not a domain name"),
    ('last_good = "/tmp"\n', "feeds.toml:1: unknown setting 'last_good'"),
    ('feed_size = 0\n', "feeds.toml:1: feed size must be at least 1"),
])
@pytest.mark.parametrize("command", ["check", "build", "serve"])
def test_a_mistake_in_the_file_is_its_line_and_nothing_runs(site, text, message, command):
    folder = site(text)
    result = run_feeds(command, cwd=folder)
    assert result.returncode == 1 and result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr and not (folder / "public").exists()


def test_serve_reads_the_file_and_without_a_base_url_links_to_itself(site):
    folder = site('title = "Served title"\nbase_url = "https://public.example.org/"\n')
    with feeds_serve(folder / "seeds", "--config", folder / "feeds.toml") as base:
        d = feedparser.parse(fetch(base + "feed.atom")[2])
        assert d.feed.title == "Served title" and d.feed.links[0].href == "https://public.example.org/feed.atom"
    site('title = "Served title"\n')
    with feeds_serve(folder / "seeds", "--config", folder / "feeds.toml") as base:
        assert feedparser.parse(fetch(base + "feed.atom")[2]).feed.links[0].href == base + "feed.atom"


@pytest.mark.parametrize("settings, ledger, warned", [
    ('tag_authority = "iom.int"', False, "leads to http://127.0.0.1:8000/, this machine"),
    ('tag_authority = "iom.int"\nbase_url = "http://localhost:8080/"', False, "leads to http://localhost:8080/, this machine"),
    ('base_url = "https://feeds.iom.int/"', True, "minted under 'iom-digest.example.org', a placeholder nobody owns"),
    ('base_url = "https://feeds.iom.int/"\ntag_authority = "feeds.example.com"', False, "minted under 'feeds.example.com'"),
    # the shipped ledger's ids were minted under the placeholder: set the authority, and they still are
    ('base_url = "https://feeds.iom.int/"\ntag_authority = "iom.int"', True,
     "10 items in the ledger keep ids minted under the placeholder 'iom-digest.example.org'. If they were never "
     "published, remove"),
    ('base_url = "https://feeds.iom.int/"\ntag_authority = "iom.int"', False, None),
])
def test_a_build_unfit_for_the_public_says_so(site, settings, ledger, warned):
    folder = site(settings)
    if not ledger:
        (folder / "seeds" / "ledger.jsonl").unlink()
    result = run_feeds("build", cwd=folder)
    assert result.returncode == 0
    if warned:
        assert result.stderr.startswith("warning: ") and warned in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1
    else:
        assert result.stderr == ""
    ids = [e.id for e in feedparser.parse((folder / "public" / "feed.atom").read_bytes()).entries]
    assert all(i.startswith("tag:iom.int,") for i in ids) == ('"iom.int"' in settings and not ledger)


def test_loopback_links_and_a_placeholder_authority_are_both_told(site):
    result = run_feeds("build", cwd=site(""))
    assert result.stderr.count("warning: ") == 2 and "this machine" in result.stderr and "nobody owns" in result.stderr


def test_themes_summarises_each_theme_where_items_lists_each_item(site):
    folder = site("")
    themes, items = run_feeds("themes", cwd=folder), run_feeds("items", cwd=folder)
    assert themes.returncode == items.returncode == 0 and themes.stdout != items.stdout
    summary = json.loads(run_feeds("themes", "--json", cwd=folder).stdout)
    listed = json.loads(run_feeds("items", "--json", cwd=folder).stdout)
    for slug, theme in summary["themes"].items():
        members = [item for item in listed if slug in item["themes"]]
        assert theme["items"] == len(members), slug
        assert sum(theme["terms"].values()) == sum(len(
            {m["term"] for m in item["evidence"][slug]
             if (m["kind"] in ("term", "learned") and m["score"] > 0) or m["kind"] == "strong"}) for item in members), slug
        assert re.search(rf"^{slug} +{theme['items']} items? ", themes.stdout, re.MULTILINE), slug
    assert summary["no_theme"] == [item["id"] for item in listed if not item["themes"]]


def test_the_shipped_settings_are_the_defaults_the_tests_build_with():
    """feeds.toml states the IOM publication's settings; Config's defaults, which the tests use
    without a file, must be the same publication."""
    from feeds.config import Config
    from .conftest import ROOT
    assert Config.from_env({}, file=ROOT / "feeds.toml") == Config(seeds=ROOT / "seeds", out=ROOT / "public")


def test_servers_workers_read_the_file_the_server_was_given_not_one_they_find(site, tmp_path_factory):
    """`feeds serve --config elsewhere/feeds.toml` run in a folder with a feeds.toml of its own:
    the workers (granian processes) serve what the given file says, never the local one."""
    folder = site('title = "The given file"\n')  # no seeds or out: they are beside the file
    here = tmp_path_factory.mktemp("here")
    (here / "feeds.toml").write_text('title = 3\nwebsub_hub = "https://wrong-hub.example.org/"\n')
    from .conftest import serving
    with serving("-m", "feeds", "serve", "--config", folder / "feeds.toml", "--workers", "2", cwd=here) as base:
        for _ in range(6):  # either worker
            body = fetch(base + "feed.atom")[2]
            d = feedparser.parse(body)
            assert d.feed.title == "The given file" and len(d.entries) == 10
            assert b"wrong-hub" not in body


def test_check_says_when_new_settings_will_change_every_document(tmp_path):
    import shutil
    seeds, out = tmp_path / "seeds", tmp_path / "public"
    shutil.copytree(SEEDS, seeds)
    base = ["--seeds", seeds]
    assert run_feeds("build", *base, "--out", out, "--base-url", "https://feeds.example.org/").returncode == 0
    same = run_feeds("check", *base, env={"FEEDS_BASE_URL": "https://feeds.example.org/"})
    retitled = run_feeds("check", *base, env={"FEEDS_BASE_URL": "https://feeds.example.org/", "FEEDS_TITLE": "News"})
    assert same.returncode == retitled.returncode == 0
    assert "differ from the last build's" not in same.stdout
    assert "settings (feeds.toml, FEEDS_*, flags) differ from the last build's for https://feeds.example.org/: " \
           "a build with them changes every document" in retitled.stdout
    # a build given flags: check given the same ones agrees
    hub = ["--base-url", "https://feeds.example.org/", "--hub", "https://hub.example.org/"]
    assert run_feeds("build", *base, "--out", out, *hub).returncode == 0
    assert "differ from the last build's" not in run_feeds("check", *base, *hub).stdout
