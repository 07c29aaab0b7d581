"""Editors' overrides (seeds/themes-overrides.toml): a call fixed today, by item, with a reason."""
import json
import shutil
import time

import feedparser
import pytest

from .conftest import SEEDS, feeds_serve, run_feeds
from .test_server import fetch

BORDER = "Border personnel in Panama exchanged experiences concerning migration management in emergency contexts"
SMUGGLING = "Costa Rica, Panama, and the Dominican Republic Strengthened their Tools to Combat Migrant Smuggling"


@pytest.fixture
def folder(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    return tmp_path / "seeds"


def items(folder):
    result = run_feeds("items", "--seeds", folder, "--json")
    assert result.returncode == 0, result.stderr
    return {item["title"]: item for item in json.loads(result.stdout)}


def override(folder, text):
    (folder / "themes-overrides.toml").write_text(text)


def test_an_override_adds_and_removes_themes_by_id_or_slug_with_its_reason(folder):
    before = items(folder)
    border, smuggling = before[BORDER], before[SMUGGLING]
    assert border["themes"] == ["governance"]
    override(folder, f'''
[[item]]
item = "{border['slug']}"
add = ["emergencies"]
remove = ["governance"]
reason = "An emergency-response exchange"

[[item]]
item = "{smuggling['id']}"
add = ["smuggling"]
reason = "Smuggling, whatever the weights say"
''')
    after = items(folder)
    assert after[BORDER]["themes"] == ["emergencies"]
    assert after[BORDER]["evidence"]["emergencies"][-1] == {
        "kind": "editor", "term": f"editor: {folder / 'themes-overrides.toml'}:2", "matched": "An emergency-response exchange",
        "where": "editor", "score": 0.0}
    assert after[BORDER]["override"]["classifier_agrees"] is False
    assert after[SMUGGLING]["themes"] == ["smuggling"] and after[SMUGGLING]["override"]["classifier_agrees"] is True
    themes = run_feeds("themes", "--seeds", folder).stdout
    assert "editors' overrides: 2" in themes and "(the classifier says governance)" in themes
    assert "(the classifier now agrees: the override could go)" in themes
    check = run_feeds("check", "--seeds", folder)
    assert check.returncode == 0 and f"themes changed: {BORDER[:40]}" in check.stdout.replace("'", "")


def test_an_overridden_item_moves_between_theme_feeds_and_the_ledger_keeps_it(folder, tmp_path):
    out = tmp_path / "public"
    assert run_feeds("build", "--seeds", folder, "--out", out).returncode == 0
    slug = items(folder)[BORDER]["slug"]
    override(folder, f'[[item]]\nitem = "{slug}"\nadd = ["emergencies"]\nremove = ["governance"]\nreason = "x"\n')
    build = run_feeds("build", "--seeds", folder, "--out", out, env={"SOURCE_DATE_EPOCH": str(int(time.time()) + 5)})
    assert build.returncode == 0 and "themes changed" in build.stdout, build.stdout
    titles = lambda path: [e.title for e in feedparser.parse((out / path).read_bytes()).entries]  # noqa: E731
    assert BORDER in titles("themes/emergencies/feed.atom") and BORDER not in titles("themes/governance/feed.atom")
    ledger = [json.loads(line) for line in (folder / "ledger.jsonl").read_text().splitlines()[1:]]
    assert next(r for r in ledger if r["slug"] == slug)["themes"] == ["emergencies"]


@pytest.mark.parametrize("text, message", [
    ('[[item]]\nitem = "x"\nadd = ["security"]\nreason = "r"\n', ":1: no theme 'security' (themes: labour-migration,"),
    ('\n[[item]]\nitem = "x"\nadd = ["smuggling"]\n', ":2: needs a `reason`"),
    ('[[item]]\nitem = "x"\nadd = ["smuggling"]\nremove = ["smuggling"]\nreason = "r"\n', ":1: theme 'smuggling' is both added and removed"),
    ('[[item]]\nitem = "x"\nadd = ["smuggling"]\nreason = "r"\n\n[[item]]\nitem = "x"\nremove = ["governance"]\nreason = "r"\n',
     ":6: 'x' is overridden already at line 1"),
    ('[[item]]\nitem = "x"\nreason = "r"\n', ":1: adds and removes nothing"),
    ('[[item]]\nitem = "x"\nadd = "smuggling"\nreason = "r"\n', ":1: `add` and `remove` are lists of theme slugs"),
    ('[[item]]\nitem = "x"\nadd = ["smuggling"]\nreason = "r"\nwhy = "no"\n', ":1: unknown key 'why'"),
    ('[[item]\n', ":1: not TOML"),
])
def test_a_mistake_is_its_line_and_nothing_is_published(folder, tmp_path, text, message):
    override(folder, text)
    for command in (["check"], ["build", "--out", tmp_path / "public"]):
        result = run_feeds(*command, "--seeds", folder)
        assert result.returncode == 1 and f"{folder / 'themes-overrides.toml'}{message}" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "public").exists()


def test_an_override_that_names_no_published_item_is_a_warning(folder):
    override(folder, '[[item]]\nitem = "no-such-item"\nremove = ["governance"]\nreason = "r"\n')
    result = run_feeds("check", "--seeds", folder)
    assert result.returncode == 0
    assert f"{folder / 'themes-overrides.toml'}:1: warning: 'no-such-item' is no published item" in result.stderr
    assert run_feeds("check", "--strict", "--seeds", folder).returncode == 1


def test_the_server_takes_an_override_without_a_restart(folder):
    with feeds_serve(folder, "--reload-interval", "0.2") as base:
        governance = lambda: [e.title for e in feedparser.parse(fetch(base + "themes/governance/feed.atom")[2]).entries]  # noqa: E731
        assert BORDER in governance()
        slug = items(folder)[BORDER]["slug"]
        override(folder, f'[[item]]\nitem = "{slug}"\nremove = ["governance"]\nreason = "not governance"\n')
        deadline, streak = time.monotonic() + 20, 0
        while streak < 12 and time.monotonic() < deadline:  # both workers have reloaded
            streak = streak + 1 if BORDER not in governance() else 0
            time.sleep(0.05)
        assert streak >= 12


def test_two_overrides_of_one_item_by_id_and_by_slug_are_a_mistake(folder):
    item = items(folder)[BORDER]
    item_id, slug = item["id"], item["slug"]
    override(folder, f'[[item]]\nitem = "{item_id}"\nadd = ["emergencies"]\nreason = "r"\n\n'
                     f'[[item]]\nitem = " {slug}"\nremove = ["governance"]\nreason = "r"\n')
    result = run_feeds("check", "--seeds", folder)
    assert result.returncode == 1
    assert f"{folder / 'themes-overrides.toml'}:6: names the same item as line 1" in result.stderr, result.stderr


@pytest.mark.parametrize("text", ['[item]\nitem = "x"\nadd = ["smuggling"]\nreason = "r"\n', 'item = "x"\n'])
def test_an_override_not_written_as_an_item_table_is_a_mistake_not_ignored(folder, text):
    override(folder, text)
    result = run_feeds("check", "--seeds", folder)
    assert result.returncode == 1 and "each override is an [[item]] table (two brackets)" in result.stderr


def test_an_override_follows_its_item_and_never_passes_to_another_that_takes_its_old_title(folder, tmp_path):
    """The ledger and the feeds find an override by the same keys: id, current slug, former slugs."""
    digest = next(folder.glob("*.txt"))
    out = tmp_path / "public"
    citrus = "IOM presents key findings to improve recruitment in the Belizean citrus industry"
    guatemala = "Guatemala prepares to improve its labour market information, with support from IOM"
    override(folder, f'[[item]]\nitem = "{items(folder)[citrus]["slug"]}"\nadd = ["governance"]\nreason = "r"\n')
    epoch = int(time.time())
    for n, (old, new) in enumerate([(None, None), (citrus, "IOM presents findings on recruitment in Belize's citrus industry"),
                                    (guatemala, citrus)]):
        if old:
            digest.write_text(digest.read_text().replace(old, new))
        result = run_feeds("build", "--seeds", folder, "--out", out, env={"SOURCE_DATE_EPOCH": str(epoch + n)})
        assert result.returncode == 0, result.stderr
    listed = items(folder)
    ledger = {json.loads(line)["title"]: json.loads(line) for line in (folder / "ledger.jsonl").read_text().splitlines()[1:]}
    retitled = "IOM presents findings on recruitment in Belize's citrus industry"
    assert "governance" in listed[retitled]["themes"] and "governance" in ledger[retitled]["themes"]
    assert "override" not in listed[citrus]  # Guatemala's item, now under the old title
    assert listed[citrus]["themes"] == ledger[citrus]["themes"]
