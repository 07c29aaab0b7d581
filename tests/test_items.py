"""Entries become items: ids that never change, one timestamp per item, duplicates merged."""
import datetime as dt

import pytest

from feeds.catalog import load_catalog
from feeds.digest import read_text
from feeds.items import make_items, title_slug
from feeds.problems import DigestError
from feeds.themes import Taxonomy

TAXONOMY = Taxonomy.load()


def items_of(text, authority="example.org"):
    return make_items(read_text(text, "d.txt").entries, TAXONOMY, authority)


def test_id_is_a_tag_uri_of_authority_date_and_title():
    [item] = items_of("26 October, 2021\n\nIOM and IIN start a course\n\nBody.\n")
    assert item.id == "tag:example.org,2021-10-26:iom-and-iin-start-a-course"
    assert item.slug == "2021-10-26-iom-and-iin-start-a-course"


def test_published_is_noon_utc_and_items_of_one_day_step_back_a_second_in_digest_order():
    items = items_of("14 October, 2021\n\nFirst\n\nB\n\n14 October, 2021\n\nSecond\n\nB\n\n"
                     "14 October, 2021\n\nThird\n\nB\n\n7 October, 2021\n\nOlder\n\nB\n")
    noon = dt.datetime(2021, 10, 14, 12, tzinfo=dt.timezone.utc)
    assert [(i.title, i.published) for i in items] == [
        ("First", noon), ("Second", noon - dt.timedelta(seconds=1)), ("Third", noon - dt.timedelta(seconds=2)),
        ("Older", dt.datetime(2021, 10, 7, 12, tzinfo=dt.timezone.utc))]


def test_items_are_newest_first_whatever_the_digest_order():
    items = items_of("1 June, 2021\n\nJune\n\nB\n\n3 July, 2021\n\nJuly\n\nB\n\n2 May, 2021\n\nMay\n\nB\n")
    assert [i.title for i in items] == ["July", "June", "May"]


def test_same_entry_in_two_files_is_one_item(seeds):
    entry = "26 October, 2021\n\nIOM and IIN start a course\n\nBody.\n"
    seeds("a.txt", entry)
    seeds("b.txt", "27 October, 2021\n\nLater news\n\nMore.\n\n" + entry)
    catalog = load_catalog(seeds.folder, "example.org")
    assert [i.title for i in catalog.items] == ["Later news", "IOM and IIN start a course"]
    assert str(catalog.items[1].source).endswith("a.txt:1")


def test_same_entry_with_different_bodies_names_both_places(seeds):
    seeds("a.txt", "26 October, 2021\n\nA course\n\nBody one.\n")
    seeds("b.txt", "\n26 October, 2021\n\nA course\n\nBody two.\n")
    with pytest.raises(DigestError) as e:
        load_catalog(seeds.folder, "example.org")
    assert str(e.value) == (f"{seeds.folder}/b.txt:2: 'A course' of 26 October 2021 is also at "
                            f"{seeds.folder}/a.txt:1 with a different body; keep one version")


def test_long_titles_get_a_bounded_slug_that_stays_unique():
    a = title_slug("word " * 400 + "one")
    b = title_slug("word " * 400 + "two")
    assert a != b and len(a) <= 90 and a.startswith("word-word-")


def test_long_titles_differing_only_in_case_or_punctuation_are_one_item():
    title = "Costa Rica, Panama, and the Dominican Republic Strengthened their Tools to Combat Migrant Smuggling"
    assert title_slug(title) == title_slug(title.upper().replace(",", ""))
    assert len(items_of(f"1 June, 2021\n\n{title}\n\nB\n\n1 June, 2021\n\n{title.lower()}\n\nB\n")) == 1


def test_title_without_latin_letters_still_gets_a_stable_slug():
    assert title_slug("¡¿…!?") == title_slug("¡¿…!?") != ""


def test_summary_is_the_first_paragraph_shortened_on_a_word():
    [item] = items_of("1 June, 2021\n\nT\n\n" + "long words " * 60 + "\n\nSecond.\n")
    assert item.summary.endswith("…") and len(item.summary) <= 281
    assert item.summary[:-1].strip() == item.summary[:-1]


def test_worker_processes_find_the_same_themes_places_and_countries(monkeypatch, tmp_path):
    import sys
    import feeds.items
    from feeds.digest import read_folder
    from feeds.themes import Taxonomy
    from .conftest import ROOT
    sys.path.insert(0, str(ROOT / "bench"))
    import corpus
    folder = tmp_path / "seeds"
    corpus.write(300, folder)
    entries = read_folder(folder).entries
    monkeypatch.setattr(feeds.items, "PARALLEL_FROM", 1)
    monkeypatch.setattr(feeds.items, "CHUNK", 7)
    taxonomy = Taxonomy.load()
    one, two = (make_items(entries, taxonomy, "example.org", processes) for processes in (1, 2))
    assert one == two and len(one) == 300 and any(item.evidence for item in one) and any(item.place for item in one)


@pytest.mark.parametrize("title", [
    "IOM and partners hold a regional workshop on labour migration, fair recruitment and the protection of migrant workers in Central America",
    "Ünïcödé — «quotes», 日本語 and a very long title that goes on past the length of a slug " * 2,
    "-- leading separators and trailing --",
    "short title",
])
def test_a_long_slug_is_cut_as_slugify_cuts_it(title):
    from slugify import slugify
    from feeds.items import SLUG_LENGTH, title_slug
    cut = slugify(title, max_length=SLUG_LENGTH, word_boundary=True)
    assert title_slug(title) == cut or title_slug(title).rsplit("-", 1)[0] == cut
