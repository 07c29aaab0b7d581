"""Reading digest text: the shapes real digests take, and the faults people make typing them."""
import datetime as dt

import pytest

from feeds.digest import read_folder, read_text
from feeds.problems import DigestError

ENTRY = "26 October, 2021\n\nA title\n\nA body paragraph.\n"


def read(text):
    return read_text(text, "d.txt").entries


def problems(text):
    with pytest.raises(DigestError) as e:
        read_text(text, "d.txt")
    return [str(p) for p in e.value.problems]


def test_entry_has_date_title_body_and_line():
    [entry] = read(ENTRY)
    assert entry.date == dt.date(2021, 10, 26)
    assert entry.title == "A title"
    assert entry.paragraphs == ("A body paragraph.",)
    assert str(entry.source) == "d.txt:1"


@pytest.mark.parametrize("gap", ["\n", "\n\n", "\n\n\n", "\n  \n\t\n"])
def test_one_to_three_blank_lines_between_parts(gap):
    text = f"26 October, 2021{gap}Title one{gap}Body one.{gap}14 October, 2021{gap}Title two{gap}Body two."
    entries = read(text)
    assert [(e.title, e.paragraphs) for e in entries] == [("Title one", ("Body one.",)), ("Title two", ("Body two.",))]


def test_crlf_bom_trailing_spaces_and_no_break_spaces():
    text = "\ufeff26 October, 2021  \r\n\r\nA\u00a0title \r\n\r\nOn\u00a0September 16th,\u00a0IOM\u00a0 spoke. \u00a0\r\n"
    [entry] = read(text)
    assert entry.date == dt.date(2021, 10, 26)
    assert entry.title == "A title"
    assert entry.paragraphs == ("On September 16th, IOM spoke.",)


def test_curly_quotes_and_accents_are_kept():
    [entry] = read("1 October, 2021\n\nCuraçao’s “new” plan\n\nSão José – Panamá.\n")
    assert entry.title == "Curaçao’s “new” plan"
    assert entry.paragraphs == ("São José – Panamá.",)


def test_dateline_inside_body_is_body_text():
    text = ("24 September, 2021\n\nNew Study\n\nGeorgetown, Guyana, 24 September2021\n\n"
            "Between 2013-2018 travellers arrived.\n\n20 September, 2021\n\nNext\n\nBody.\n")
    entries = read(text)
    assert len(entries) == 2
    assert entries[0].paragraphs == ("Georgetown, Guyana, 24 September2021", "Between 2013-2018 travellers arrived.")


def test_titles_and_bodies_may_begin_with_numbers():
    text = "2 May, 2022\n\n10 years of free movement in the Caribbean\n\n164 million people work abroad.\n\n2021 was a year.\n"
    [entry] = read(text)
    assert entry.title == "10 years of free movement in the Caribbean"
    assert entry.paragraphs == ("164 million people work abroad.", "2021 was a year.")


def test_source_lines_point_at_each_date_line():
    text = "\n\n26 October, 2021\n\nA\n\nBody\n\n\n14 October, 2021\nB\nBody two\n"
    assert [e.source.line for e in read(text)] == [3, 10]


def test_lines_wrapped_inside_a_paragraph_are_joined():
    [entry] = read("1 June, 2021\nTitle\nfirst half\nsecond half\n\nnext paragraph\n")
    assert entry.paragraphs == ("first half second half", "next paragraph")


def test_forbidden_xml_characters_are_removed_and_reported():
    reading = read_text("1 June, 2021\n\nTi\x07tle\n\nBo\x00dy\ufffe\n", "d.txt")
    [entry] = reading.entries
    assert (entry.title, entry.paragraphs) == ("Title", ("Body",))
    assert [str(w) for w in reading.warnings] == [
        "d.txt:3: removed characters that feeds cannot carry: U+0007",
        "d.txt:5: removed characters that feeds cannot carry: U+0000, U+FFFE",
    ]


def test_date_with_no_title():
    assert problems("26 October, 2021\n\n\n14 October, 2021\n\nT\n\nB\n") == [
        "d.txt:1: date line '26 October, 2021' has no title after it"]


def test_title_with_no_body():
    assert problems("26 October, 2021\n\nOnly a title\n\n14 October, 2021\n\nT\n\nB\n") == [
        "d.txt:3: entry 'Only a title' has a title but no body"]


def test_impossible_date():
    assert problems("31 February, 2021\n\nT\n\nB\n") == [
        "d.txt:1: impossible date '31 February, 2021': February 2021 has no day 31"]


def test_unknown_month_is_reported_not_swallowed_into_the_body():
    assert problems(ENTRY + "\n14 Octobre, 2021\n\nT\n\nB\n") == [
        "d.txt:7: unknown month 'Octobre' in date line '14 Octobre, 2021': did you mean 'October'? "
        "(write it like '26 October, 2021')"]


def test_text_before_the_first_date():
    assert problems("IOM news digest\n\n" + ENTRY) == ["d.txt:1: text before the first date line: 'IOM news digest'"]


def test_every_problem_of_a_file_is_reported_at_once():
    found = problems("31 February, 2021\n\nT\n\nB\n\n1 March, 2021\n\n\n2 March, 2021\n\nT\n\nB\n")
    assert found == ["d.txt:1: impossible date '31 February, 2021': February 2021 has no day 31",
                     "d.txt:7: date line '1 March, 2021' has no title after it"]


@pytest.mark.parametrize("text, message", [
    ("", "d.txt:1: empty file: expected entries starting with a date line"),
    ("\n\n  \n", "d.txt:1: empty file: expected entries starting with a date line"),
])
def test_empty_file(text, message):
    assert problems(text) == [message]


def test_undecodable_bytes_name_their_line(seeds):
    seeds("a.txt", ENTRY.encode() + b"\n1 June, 2021\n\nCura\xe7ao\n\nBody\n")
    with pytest.raises(DigestError) as e:
        read_folder(seeds.folder)
    assert [str(p) for p in e.value.problems] == [f"{seeds.folder}/a.txt:9: byte 0xe7 is not UTF-8 text"]


def test_utf16_file_gets_a_hint(seeds):
    seeds("a.txt", ENTRY.encode("utf-16"))
    with pytest.raises(DigestError) as e:
        read_folder(seeds.folder)
    assert "looks like UTF-16; save it as UTF-8" in str(e.value)


def test_folder_reads_txt_files_in_name_order(seeds):
    seeds("b.txt", "1 June, 2021\n\nFrom b\n\nBody\n")
    seeds("a.txt", "2 June, 2021\n\nFrom a\n\nBody\n")
    seeds("notes.md", "not a digest")
    assert [e.title for e in read_folder(seeds.folder).entries] == ["From a", "From b"]


@pytest.mark.parametrize("setup, message", [
    (lambda f: f.rmdir(), "the seeds folder does not exist"),
    (lambda f: None, "the seeds folder holds no .txt digest files"),
])
def test_missing_or_empty_seeds_folder(seeds, setup, message):
    setup(seeds.folder)
    with pytest.raises(DigestError) as e:
        read_folder(seeds.folder)
    assert str(e.value) == f"{seeds.folder}: {message}"


def test_problems_from_several_files_are_all_reported(seeds):
    seeds("a.txt", "31 February, 2021\n\nT\n\nB\n")
    seeds("b.txt", "preamble\n" + ENTRY)
    (seeds.folder / "c.txt").symlink_to(seeds.folder / "missing")
    with pytest.raises(DigestError) as e:
        read_folder(seeds.folder)
    assert [str(p) for p in e.value.problems] == [
        f"{seeds.folder}/a.txt:1: impossible date '31 February, 2021': February 2021 has no day 31",
        f"{seeds.folder}/b.txt:1: text before the first date line: 'preamble'",
        f"{seeds.folder}/c.txt: not a regular file (a folder or a broken link?)",
    ]


@pytest.mark.parametrize("line, date", [
    ("October 14, 2021", dt.date(2021, 10, 14)),
    ("7th October, 2021", dt.date(2021, 10, 7)),
    ("Thursday, 7 October, 2021", dt.date(2021, 10, 7)),
    ("26 October, 2021.", dt.date(2021, 10, 26)),
    ("26 October , 2021", dt.date(2021, 10, 26)),
    ("26 Oct 2021", dt.date(2021, 10, 26)),
])
def test_other_spellings_of_a_date_line_start_an_entry_and_are_never_swallowed(line, date):
    entries = read(f"{ENTRY}\n{line}\n\nSecond title\n\nSecond body.\n")
    assert [(e.date, e.title, e.paragraphs) for e in entries][1] == (date, "Second title", ("Second body.",))
    assert entries[0].paragraphs == ("A body paragraph.",)


@pytest.mark.parametrize("line, message", [
    ("07/10/2021", "date line '07/10/2021' gives the month as a number; write it like '26 October, 2021'"),
    ("26 October, 0021", "date line '26 October, 0021' has the year 0021; is it a typo?"),
    ("26 October, 2201", "date line '26 October, 2201' has the year 2201; is it a typo?"),
    ("30 February, 2020", "impossible date '30 February, 2020': February 2020 has no day 30"),
])
def test_malformed_date_lines_are_reported(line, message):
    assert problems(f"{ENTRY}\n{line}\n\nT\n\nB\n") == [f"d.txt:7: {message}"]


def test_a_date_in_the_future_is_reported():
    from feeds.digest import parse_date_line
    assert parse_date_line("2 January, 2030", today=dt.date(2029, 12, 31)) == \
        "date line '2 January, 2030' is in the future"
    assert parse_date_line("1 January, 2030", today=dt.date(2029, 12, 31)) == dt.date(2030, 1, 1)


@pytest.mark.parametrize("line", ["2021", "In 2021", "Georgetown, Guyana, 24 September2021",
                                  "Puebla, Puebla, 3 May, 2022", "1,047 migrants in 2021", "Mayor of Tapachula",
                                  "12 October: workshop for consular staff at the border",
                                  "On 12 October, 2021 the committee met", "Between 26 October and 2 November 2021, …"])
def test_lines_that_only_mention_a_date_are_body_text(line):
    [entry] = read(f"1 June, 2021\n\nTitle\n\n{line}\n\nMore.\n")
    assert entry.paragraphs == (line, "More.")


def test_bom_and_cr_only_line_endings_keep_line_numbers_of_bad_bytes(seeds):
    seeds("bom.txt", b"\xef\xbb\xbf" + ENTRY.encode() + b"\n1 June, 2021\n\nCura\xe7ao\n\nBody\n")
    seeds("cr.txt", ENTRY.replace("\n", "\r").encode() + b"\r1 June, 2021\r\rCura\xe7ao\r\rBody\r")
    with pytest.raises(DigestError) as e:
        read_folder(seeds.folder)
    assert [str(p) for p in e.value.problems] == [f"{seeds.folder}/bom.txt:9: byte 0xe7 is not UTF-8 text",
                                                 f"{seeds.folder}/cr.txt:9: byte 0xe7 is not UTF-8 text"]


def test_bom_is_removed_when_reading_bytes(seeds):
    seeds("a.txt", b"\xef\xbb\xbf" + ENTRY.encode())
    [entry] = read_folder(seeds.folder).entries
    assert entry.date == dt.date(2021, 10, 26)


def test_upper_case_suffix_is_read_and_editor_lock_files_are_skipped(seeds):
    seeds("NEWS-2021.TXT", ENTRY)
    (seeds.folder / ".#NEWS-2021.TXT").symlink_to("user@host.1234")
    assert [e.title for e in read_folder(seeds.folder).entries] == ["A title"]
