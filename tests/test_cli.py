"""The `feeds` command as a publisher uses it: clear messages, exit status, nothing half-written."""
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

import urllib.request

from .conftest import ROOT, free_port, run_feeds, start_server, stop, wait_for

BAD = "IOM digest, autumn\n\n26 October, 2021\n\nTitle\n\nBody\n\n31 February, 2021\n\nT\n\nB\n\n1 March, 2021\n\n"


def test_check_passes_on_the_shipped_seeds():
    result = run_feeds("check")
    assert result.returncode == 0 and "10 items read" in result.stdout and result.stderr == ""


@pytest.mark.parametrize("command", [["check"], ["build", "--out", "{out}"], ["items", "--json"], ["serve"]])
def test_bad_digest_gives_every_problem_as_path_line_message_and_exit_1(seeds, tmp_path, command):
    path = seeds("digest.txt", BAD)
    args = [a.format(out=tmp_path / "public") for a in command]
    result = run_feeds(*args, "--seeds", seeds.folder)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{path}:1: text before the first date line: 'IOM digest, autumn'",
        f"{path}:9: impossible date '31 February, 2021': February 2021 has no day 31",
        f"{path}:15: date line '1 March, 2021' has no title after it",
    ]
    assert not (tmp_path / "public").exists()


def test_failed_build_leaves_the_earlier_export_untouched(seeds, tmp_path):
    seeds("digest.txt", "1 June, 2021\n\nGood news\n\nBody.\n")
    out = tmp_path / "public"
    assert run_feeds("build", "--seeds", seeds.folder, "--out", out).returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    seeds("later.txt", "2 June, 2021\n\nBroken\n")
    result = run_feeds("build", "--seeds", seeds.folder, "--out", out)
    assert result.returncode == 1 and "later.txt:3: entry 'Broken' has a title but no body" in result.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    # beside the export: its lock and what the last build read (no half-written folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.facts", ".public.lock", "public", "seeds"]


def test_a_refused_build_writes_nothing_and_a_first_one_into_a_new_folder_keeps_its_facts(seeds, tmp_path):
    seeds("digest.txt", "1 June, 2021\n\nGood news\n\nBody.\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("not an export")
    refused = run_feeds("build", "--seeds", seeds.folder, "--out", docs)
    assert refused.returncode == 1 and "refusing to replace" in refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "seeds"]  # no facts, no lock
    nested = tmp_path / "site" / "public"  # its folder is made by the build
    assert run_feeds("build", "--seeds", seeds.folder, "--out", nested).returncode == 0
    assert (tmp_path / "site" / ".public.facts").is_file()  # the next build reads only new text


def test_check_writes_nothing_beside_the_export(seeds, tmp_path):
    seeds("digest.txt", "1 June, 2021\n\nGood news\n\nBody.\n")
    assert run_feeds("build", "--seeds", seeds.folder, "--out", tmp_path / "public", cwd=tmp_path).returncode == 0
    facts = tmp_path / ".public.facts"
    kept = (facts.read_bytes(), facts.stat().st_mtime_ns)
    seeds("more.txt", "2 June, 2021\n\nMore news\n\nBody.\n")
    checked = run_feeds("check", "--seeds", seeds.folder, cwd=tmp_path)  # out: ./public, as the build's
    assert checked.returncode == 0 and "new: 'More news'" in checked.stdout
    assert (facts.read_bytes(), facts.stat().st_mtime_ns) == kept


def test_build_reports_what_changed(seeds, tmp_path):
    seeds("digest.txt", "1 June, 2021\n\nGood news\n\nBody.\n")
    out = tmp_path / "public"
    first = run_feeds("build", "--seeds", seeds.folder, "--out", out)
    documents = int(re.search(r": (\d+) documents", first.stdout)[1])
    assert f"({documents} added, 0 changed, 0 removed, 0 unchanged; {documents} rendered, 0 carried over" in first.stdout
    seeds("more.txt", "2 June, 2021\n\nMore news\n\nBody.\n")
    second = run_feeds("build", "--seeds", seeds.folder, "--out", out)
    # rendered: what changed, and the lists of feeds, themes and countries, which every build renders
    assert (f"(1 added, 8 changed, 0 removed, {documents - 8} unchanged; 12 rendered, {documents + 1 - 12} carried over"
            in second.stdout), second.stdout
    assert second.stdout.splitlines()[1:] == [
        "  + items/2021-06-02-more-news/index.html",
        "  ~ feed.atom", "  ~ feed.json", "  ~ feed.rss", "  ~ index.html", "  ~ items/index.html",
        "  ~ 3 feed previews for browsers (_preview/)",
        f"{seeds.folder / 'more.txt'}:1: new: 'More news' (tag:iom-digest.example.org,2021-06-02:more-news)"]


def test_warnings_are_printed_but_the_build_succeeds(seeds, tmp_path):
    path = seeds("digest.txt", "1 June, 2021\n\nBell\x07 title\n\nBody.\n")
    result = run_feeds("build", "--seeds", seeds.folder, "--out", tmp_path / "public",
                       "--base-url", "https://feeds.iom.example/", env={"FEEDS_TAG_AUTHORITY": "iom.int"})
    assert result.returncode == 0
    assert result.stderr == f"{path}:3: warning: removed characters that feeds cannot carry: U+0007\n"
    assert "1 item read, no problems, 1 warning" in run_feeds("check", "--seeds", seeds.folder).stdout


@pytest.mark.parametrize("base_url", ["feeds.example.org", "ftp://feeds.example.org/", "/relative/", "http://"])
def test_base_url_must_be_an_absolute_http_address(tmp_path, base_url):
    result = run_feeds("build", "--out", tmp_path / "public", "--base-url", base_url)
    assert result.returncode == 2 and "is not an absolute http:// or https:// address" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "public").exists()
    from_env = run_feeds("build", "--out", tmp_path / "public", env={"FEEDS_BASE_URL": base_url})
    assert from_env.returncode == 2 and "is not an absolute" in from_env.stderr


def test_serve_on_a_busy_port_says_so():
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_feeds("serve", "--port", port)
    assert result.returncode == 1
    assert result.stderr == f"cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_items_json_carries_ids_links_themes_and_evidence():
    result = run_feeds("items", "--json", env={"FEEDS_BASE_URL": "https://news.example.org/"})
    items = json.loads(result.stdout)
    assert len(items) == 10
    first = items[0]
    assert set(first) >= {"id", "slug", "title", "published", "summary", "link", "themes", "evidence", "source"}
    assert first["published"] == "2021-10-26T12:00:00Z"
    assert first["link"] == f"https://news.example.org/items/{first['slug']}/"
    assert first["source"] == "iom-news-2021-09-17-to-10-26.txt:1"
    smuggling = next(i for i in items if "smuggling" in i["themes"])
    assert {"kind": "term", "term": "migrant smuggling", "matched": "Migrant Smuggling", "where": "title"} in \
        [{k: v for k, v in m.items() if k != "score"} for m in smuggling["evidence"]["smuggling"]]
    logit = sum(m["score"] for m in smuggling["evidence"]["smuggling"] if m["kind"] in ("term", "learned", "rest", "bias"))
    assert smuggling["probability"]["smuggling"] == round(1 / (1 + math.exp(-logit)), 4) >= 0.25
    assert [i["published"] for i in items] == sorted((i["published"] for i in items), reverse=True)
    guyana = next(i for i in items if i["title"].startswith("New Study Finds"))
    assert (guyana["countries"], guyana["place"]) == (["GY", "VE", "US"], "Georgetown, Guyana")
    assert {"matched": "Georgetown", "where": "dateline"} in guyana["country_evidence"]["GY"]


def test_items_table_explains_the_themes():
    out = run_feeds("items").stdout
    assert re.search(r"smuggling: learned p=0\.\d\d: .*term 'Migrant Smuggling' in title \+\d", out)


def test_environment_sets_seeds_and_base_url(seeds, tmp_path):
    seeds("digest.txt", "1 June, 2021\n\nGood news\n\nBody.\n")
    out = tmp_path / "public"
    result = run_feeds("build", "--out", out, env={"FEEDS_SEEDS": str(seeds.folder),
                                                   "FEEDS_BASE_URL": "https://news.example.org/digest"})
    assert result.returncode == 0, result.stderr
    assert b'href="https://news.example.org/digest/feed.atom" rel="self"' in (out / "feed.atom").read_bytes()


def test_console_script_and_module_are_the_same_command():
    script = Path(sys.executable).parent / "feeds"  # installed beside the interpreter by pip
    a = subprocess.run([str(script), "--help"], capture_output=True, text=True, cwd=ROOT)
    b = run_feeds("--help")
    assert a.returncode == b.returncode == 0 and "build" in a.stdout and a.stdout == b.stdout


def test_serve_without_base_url_links_to_where_it_listens(seeds):
    seeds("digest.txt", "1 June, 2021\n\nGood news\n\nBody.\n")
    port = free_port()
    process = start_server([sys.executable, "-m", "feeds", "serve", "--seeds", str(seeds.folder),
                            "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/", process)
        body = urllib.request.urlopen(f"http://127.0.0.1:{port}/feed.atom").read()
        assert f'href="http://127.0.0.1:{port}/feed.atom" rel="self"'.encode() in body
    finally:
        stop(process)


def test_items_command_explains_every_item():
    out = run_feeds("items").stdout
    assert re.search(r"smuggling: learned p=0\.\d\d: .*term 'human trafficking' in body \+\d", out)
    assert "countries: GY, VE, US (dateline: Georgetown, Guyana)" in out


def test_themes_eval_prints_precision_recall_f1_per_theme(tmp_path):
    labelled = tmp_path / "set.toml"
    labelled.write_text('[[entry]]\ntitle = "Migrant smuggling network dismantled"\nbody = "Police acted."\n'
                        'themes = ["smuggling"]\n\n[[entry]]\ntitle = "Drug smuggling boat seized"\n'
                        'body = "Customs found contraband."\nthemes = []\n\n[[entry]]\n'
                        'title = "Coyotes sentenced"\nbody = "Court ruling."\nthemes = ["smuggling", "governance"]\n')
    result = run_feeds("themes", "--eval", labelled)
    assert result.returncode == 0
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:8]}
    assert rows["smuggling"] == ["1.000", "1.000", "1.000", "2", "0", "0"]
    assert rows["governance"] == ["1.000", "0.000", "0.000", "0", "0", "1"]
    assert "false negative: governance: Coyotes sentenced" in result.stdout
    as_json = json.loads(run_feeds("themes", "--eval", labelled, "--json").stdout)
    assert as_json["governance"]["recall"] == 0.0 and as_json["smuggling"]["tp"] == 2


def test_themes_eval_names_a_bad_labelled_set(tmp_path):
    labelled = tmp_path / "set.toml"
    labelled.write_text('[[entry]]\ntitle = "T"\nbody = "B"\nthemes = ["no-such-theme"]\n')
    result = run_feeds("themes", "--eval", labelled)
    assert result.returncode == 1
    assert result.stderr == (f"{labelled}: entry 1: needs a title, a body and known theme slugs "
                             "(unknown: ['no-such-theme'])\n")
