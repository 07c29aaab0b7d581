"""A publish that carries over what did not change equals a build from nothing, byte for byte and
time for time, through every kind of change a publisher makes; and renders only what changed."""
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from feeds.catalog import load_catalog
from feeds.config import Config
from feeds.export import facts_file, publish_build, publishing
from feeds.factcache import FactCache
from feeds.ledger import write_ledger
from feeds.site import Build

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402

START = 1_700_000_000
BASE = "https://feeds.example.org/"


def build(seeds: Path, out: Path, when: int, processes: int = 2, base_url: str = BASE, **settings):
    """What `feeds build` does: read under the ledger (classifying only the text the last build
    into `out` did not read), publish, write the ledger back."""
    config = Config(seeds=seeds, base_url=base_url, tag_authority="feeds.example.org", feed_size=20, page_size=30,
                    **settings)
    facts = FactCache(facts_file(out))
    catalog = load_catalog(seeds, config.tag_authority, now=dt.datetime.fromtimestamp(when, dt.timezone.utc),
                           facts=facts, processes=processes)
    with publishing(out):
        facts.save()
        changes = publish_build(Build(catalog, config), out, processes)
    write_ledger(seeds, catalog.ledger)
    return changes


def published(start: Path, tmp_path: Path, builds: int = 1) -> tuple[Path, Path]:
    """A copy of the corpus in `tmp_path`, built into its public/ `builds` times: (seeds, out)."""
    seeds, out = tmp_path / "seeds", tmp_path / "public"
    shutil.copytree(start, seeds)
    for _ in range(builds):
        build(seeds, out, START)
    return seeds, out


def tree(root: Path) -> dict:
    """Every file's bytes and time, every folder's time and mode."""
    found = {}
    for folder, _, files in os.walk(root):
        here = Path(folder)
        found[here.relative_to(root).as_posix() + "/"] = (here.stat().st_mtime, here.stat().st_mode)
        for name in files:
            path = here / name
            found[path.relative_to(root).as_posix()] = (path.read_bytes(), path.stat().st_mtime, path.stat().st_mode)
    return found


def replace_in(seeds: Path, old: str, new: str) -> None:
    for path in sorted(seeds.glob("*.txt")):
        text = path.read_text()
        if old in text:
            path.write_text(text.replace(old, new, 1))
            return
    raise AssertionError(f"{old!r} is in no digest file")


def entry_of(seeds: Path, n: int) -> str:
    """The n-th entry (date line, title, body) of the first digest file, as text."""
    text = sorted(seeds.glob("*.txt"))[0].read_text()
    blocks = text.split("\n\n")
    # entries are date, title, body paragraphs; find the n-th date line and the next one
    dates = [i for i, block in enumerate(blocks) if corpus_date(block)]
    return "\n\n".join(blocks[dates[n]:dates[n + 1]]) + "\n\n"


def corpus_date(block: str) -> bool:
    try:
        dt.datetime.strptime(block.strip(), "%d %B, %Y")
        return True
    except ValueError:
        return False


def add_file(seeds):
    (seeds / "zz-2026-11.txt").write_text(
        "21 November, 2026\n\nSeasonal workers from Guatemala prepare for farm jobs in Canada\n\n"
        "Migrant workers attended pre-departure sessions on contracts and fair recruitment.\n\n"
        "20 November, 2026\n\nPanama and Costa Rica agree on border management\n\n"
        "The two governments signed a migration policy agreement on data sharing at the border.\n")


def retitle(seeds):
    title = entry_of(seeds, 3).split("\n\n")[1]
    replace_in(seeds, title, title + " (updated)")


def correct_body(seeds):
    body = entry_of(seeds, 7).split("\n\n")[2]
    replace_in(seeds, body, body.replace(" the ", " a ", 1))


def fix_date(seeds):
    date = entry_of(seeds, 11).split("\n\n")[0]
    day = dt.datetime.strptime(date.strip(), "%d %B, %Y") - dt.timedelta(days=40)
    replace_in(seeds, entry_of(seeds, 11), entry_of(seeds, 11).replace(date, f"{day:%-d %B, %Y}", 1))


def withdraw(seeds):
    replace_in(seeds, entry_of(seeds, 5), "")


def restore(seeds):
    path = sorted(seeds.glob("*.txt"))[0]
    path.write_text(path.read_text() + "\n\n" + WITHDRAWN[0])


def backfill(seeds):
    (seeds / "aa-old.txt").write_text("3 March, 2015\n\nAn old release found in the archive\n\n"
                                      "Border officials and migration policy in Belize.\n")


def override(seeds):
    records = [json.loads(line) for line in (seeds / "ledger.jsonl").read_text().splitlines() if line.startswith("{")]
    slug = next(r["slug"] for r in records if "slug" in r and "withdrawn" not in r and "diaspora" not in r["themes"])
    (seeds / "themes-overrides.toml").write_text(
        f'[[item]]\nitem = "{slug}"\nadd = ["diaspora"]\nreason = "A story about a hometown association."\n')


def nothing(seeds):
    pass


WITHDRAWN: list[str] = []
CHANGES = [nothing, add_file, retitle, correct_body, fix_date, withdraw, restore, backfill, override, nothing]


@pytest.fixture(scope="module")
def start(tmp_path_factory):
    seeds = tmp_path_factory.mktemp("corpus") / "seeds"
    corpus.write(420, seeds, per_file=150)
    WITHDRAWN.append(entry_of(seeds, 5))
    return seeds


@pytest.mark.parametrize("workers", ["when most is to render", "always"])
def test_every_kind_of_change_publishes_what_a_build_from_nothing_does(start, tmp_path, monkeypatch, workers):
    import feeds.export
    if workers == "always":  # the forked workers carry documents over too
        monkeypatch.setattr(feeds.export, "MOSTLY_CARRIED", -1)
    seeds, out = published(start, tmp_path)
    documents = None
    for step, change in enumerate(CHANGES, 1):
        change(seeds)
        cold_seeds = tmp_path / f"cold-{step}" / "seeds"
        shutil.copytree(seeds, cold_seeds)  # the same digests and the same ledger
        when = START + step * 86400
        changes = build(seeds, out, when)
        build(cold_seeds, tmp_path / f"cold-{step}" / "public", when, processes=1)
        assert tree(out) == tree(tmp_path / f"cold-{step}" / "public"), change.__name__
        assert (seeds / "ledger.jsonl").read_bytes() == (cold_seeds / "ledger.jsonl").read_bytes()
        documents = changes.unchanged + len(changes.added) + len(changes.changed)
        rendered = documents - changes.carried
        if change in (nothing, add_file, retitle, correct_body, override):
            # what changed, and the lists and feeds that show it: a small part of the whole
            assert rendered < documents // 5, (change.__name__, rendered, documents)
        if change is nothing:
            assert rendered == 4  # the index, the OPML list and the lists of themes and countries
        shutil.rmtree(tmp_path / f"cold-{step}")


def test_a_change_of_settings_renders_everything_again_dated_from_that_build(start, tmp_path):
    seeds, out = published(start, tmp_path)
    before = tree(out)
    later = START + 86400
    changes = build(seeds, out, later, title="Another title")
    assert changes.carried == 0
    # every document's bytes changed at that build: a reader asking "modified since?" hears so
    after = tree(out)
    assert {name: when for name, (*_, when, _) in after.items()} == {name: later for name in after}
    assert all(before[name][1] < later for name in before if not name.endswith("/"))
    changes = build(seeds, out, later + 86400, title="Another title")
    assert changes.carried == changes.unchanged - 4
    assert tree(out) == after  # the settings are the same: so are the times
    # the ledger keeps when: a build from nothing, with the same seeds and ledger, dates alike
    shutil.copytree(seeds, tmp_path / "cold-seeds")
    build(tmp_path / "cold-seeds", tmp_path / "cold", later + 86400, title="Another title")
    assert tree(tmp_path / "cold") == after
    # and settings back as they were are a change too
    build(seeds, out, later + 2 * 86400)
    assert {when for *_, when, _ in tree(out).values()} == {later + 2 * 86400}


def test_two_sites_of_one_ledger_keep_their_own_settings_and_times(start, tmp_path):
    """A `feeds build` for the public and one for a staging site (or a `feeds serve` with its own
    base URL) share the seeds and their ledger: neither takes the other's settings for a change."""
    seeds, out = published(start, tmp_path)
    local, here = tmp_path / "staging", "https://staging.example.org/"
    build(seeds, local, START + 86400, base_url=here)
    public, served = tree(out), tree(local)
    for day in (2, 3):
        for folder, base in ((out, BASE), (local, here)):
            changes = build(seeds, folder, START + day * 86400, base_url=base)
            assert changes.carried >= changes.unchanged - 4, (day, base)
    assert tree(out) == public and tree(local) == served


def test_files_changed_or_added_by_hand_do_not_outlive_the_next_publishes(start, tmp_path):
    seeds, out = published(start, tmp_path, builds=2)  # the first export is now the standby
    cold = tree(out)
    standby = tmp_path / ".public.standby"
    # in the live export: not carried over
    (out / "feed.atom").write_bytes(b"edited by hand")
    (out / "feed.json.gz").unlink()
    (out / "themes" / "governance" / "feed.rss.gz").write_bytes(b"edited by hand")
    # in the standby: removed, or written again
    (standby / "stray.html").write_text("added by hand")
    (standby / "stray").symlink_to("/etc")
    (standby / "feed.rss").write_bytes(b"edited by hand")
    (standby / "feed.atom.gz").unlink()
    (standby / "themes").chmod(0o700)
    # deep down, where a publish does not read folders its manifest accounts for
    page = next(folder for folder in (standby / "items").iterdir())
    (page / "notes.txt").write_text("added by hand")
    (standby / "themes" / "governance" / "drafts" / "old").mkdir(parents=True)
    (standby / "themes" / "governance" / "drafts" / "old" / "feed.atom").write_text("added by hand")
    (out / "countries" / next(os.scandir(out / "countries")).name / "robots.txt").write_text("added by hand")
    build(seeds, out, START)
    assert tree(out) == cold
    build(seeds, out, START)  # the hand-edited live export is the standby now
    assert tree(out) == cold


@pytest.mark.parametrize("replace", ["link", "file", "removed"])
def test_a_standby_folder_replaced_by_hand_is_not_written_or_read_through(start, tmp_path, replace):
    """A folder of the standby's documents that is now a symbolic link (or a file, or gone) makes
    the standby untrusted: nothing is written or removed through it, and the export is whole."""
    seeds, out = published(start, tmp_path, builds=2)
    cold = tree(out)
    page = sorted((tmp_path / ".public.standby" / "items").iterdir())[0]
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("kept")
    shutil.rmtree(page)
    if replace == "link":
        page.symlink_to(victim)
    elif replace == "file":
        page.write_text("a file by hand")
    build(seeds, out, START)
    assert tree(out) == cold and sorted(os.listdir(victim)) == ["precious.txt"]


def test_a_file_added_with_its_folders_time_put_back_does_not_outlive_the_next_publishes(start, tmp_path):
    """`rsync -a`, `cp -a` and `tar x` set a folder's time back; its ctime still moves."""
    seeds, out = published(start, tmp_path, builds=2)
    cold = tree(out)
    page = sorted((out / "items").iterdir())[0]
    when = page.stat().st_mtime
    (page / "draft.html").write_text("added by hand")
    os.utime(page, (when, when))
    for _ in range(3):
        build(seeds, out, START)
        assert tree(out) == cold


def test_a_publish_killed_while_updating_the_standby_is_mended_by_the_next(start, tmp_path, monkeypatch):
    import feeds.export
    seeds, out = published(start, tmp_path, builds=2)
    cold = tree(out)
    writes = iter(range(50))

    def dies_midway(self, path, resource, original=feeds.export.Writer.write):
        if next(writes, None) is None:
            raise KeyboardInterrupt
        original(self, path, resource)

    monkeypatch.setattr(feeds.export.Writer, "write", dies_midway)
    with pytest.raises(KeyboardInterrupt):
        build(seeds, out, START, processes=1)
    monkeypatch.undo()
    assert tree(out) == cold  # the live export untouched
    build(seeds, out, START)
    assert tree(out) == cold


def test_only_files_and_text_not_read_before_are_parsed_and_classified(start, tmp_path, monkeypatch):
    import feeds.digest
    import feeds.items
    seeds, out = published(start, tmp_path)
    classified, parsed = [], []
    read_all, read_file = feeds.items._read_all, feeds.digest.read_file
    monkeypatch.setattr(feeds.items, "_read_all", lambda entries, *rest: classified.extend(entries) or read_all(entries, *rest))
    monkeypatch.setattr(feeds.digest, "read_file", lambda path: parsed.append(path.name) or read_file(path))
    add_file(seeds)
    build(seeds, out, START + 86400, processes=1)
    assert parsed == ["zz-2026-11.txt"]
    assert sorted(entry.title for entry in classified) == [
        "Panama and Costa Rica agree on border management",
        "Seasonal workers from Guatemala prepare for farm jobs in Canada"]
    (tmp_path / ".public.facts").write_bytes(b"not marshal")  # unreadable: everything is read again
    classified.clear(), parsed.clear()
    build(seeds, out, START + 2 * 86400, processes=1)
    assert len(classified) == 422 and len(parsed) == 4
