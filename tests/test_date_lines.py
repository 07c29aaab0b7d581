"""No entry swallowed, no date silently wrong: lines that are nearly date lines, and the warnings
a careful editor wants."""
import datetime as dt
import json
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.digest import read_text
from feeds.problems import DigestError

from .conftest import ROOT, run_feeds

GOOD_ABOVE = "16 November, 2021\n\nFirst story\n\nIts body names Panama.\n\n"
GOOD_BELOW = "\n\n2 November, 2021\n\nLast story\n\nIts body names Belize.\n"


def between(line, title="Middle story", body="Its body names Mexico."):
    """A digest of three entries whose middle date line is `line`."""
    return f"{GOOD_ABOVE}{line}\n\n{title}\n\n{body}{GOOD_BELOW}"


def outcome(text):
    """("entries", n) or ("problems", [messages])."""
    try:
        return "entries", len(read_text(text, "d.txt").entries)
    except DigestError as e:
        return "problems", [str(p) for p in e.problems]


@pytest.mark.parametrize("line, message", [
    ("9 November, 202", "d.txt:7: date line '9 November, 202' has the year 202; is it a typo?"),
    ("9 November, 20211", "d.txt:7: date line '9 November, 20211' has the year 20211; is it a typo?"),
    ("November, 2021", "d.txt:7: date line 'November, 2021' has no day; write it like '26 October, 2021'"),
    ("9 November", "d.txt:7: date line '9 November' has no year"),
    ("9 Novmber, 2021", "d.txt:7: unknown month 'Novmber' in date line '9 Novmber, 2021': did you mean 'November'?"),
    ("9 Ocotber, 2021", "did you mean 'October'?"),
    ("9 November, 2O21", "date line '9 November, 2O21' has '2O21', with letters for digits: did you mean '2021'?"),
    ("l9 November, 2021", "has 'l9', with letters for digits: did you mean '19'?"),
    ("9 November, 2021 (corrected)", "has 'corrected' beside the date; a date line holds only the date"),
    ("Tuseday, 9 November 2021", "unknown weekday 'Tuseday' in date line 'Tuseday, 9 November 2021': did you mean 'Tuesday'?"),
    ("9/11/2021", "gives the month as a number"),
    ("31 November, 2021", "impossible date '31 November, 2021': November 2021 has no day 31"),
])
def test_a_line_that_nearly_is_a_date_line_is_reported_never_swallowed(line, message):
    kind, found = outcome(between(line))
    assert kind == "problems" and any(message in problem for problem in found), found


@pytest.mark.parametrize("line", ["9 November, 2021", "November 9, 2021", "Nov. 9, 2021", "9 Nov 2021",
                                  "Tuesday, 9 November 2021", "9th November 2021", "the 9th of November, 2021",
                                  "9 de noviembre de 2021", "martes 9 de noviembre de 2021", "9 Noviembre 2021",
                                  "NOVEMBER 9, 2021"])
def test_other_orders_abbreviations_and_spanish_are_read_as_the_date(line):
    entries = read_text(between(line), "d.txt").entries
    assert [e.date for e in entries] == [dt.date(2021, 11, 16), dt.date(2021, 11, 9), dt.date(2021, 11, 2)]


@pytest.mark.parametrize("title", ["October 2021 in review", "2021 Annual Report", "10 years of free movement",
                                   "May 2021 newsletter"])
def test_a_title_may_start_like_a_date(title):
    entries = read_text(f"{GOOD_ABOVE}9 November, 2021\n\n{title}\n\nBody.{GOOD_BELOW}", "d.txt").entries
    assert [e.title for e in entries][1] == title


def warnings_of(text):
    return [str(w) for w in read_text(text, "d.txt").warnings]


def test_an_entry_out_of_order_in_a_newest_first_file_is_a_warning():
    text = between("19 November, 2021")
    assert warnings_of(text) == [
        "d.txt:7: 19 November 2021 is newer than the entry above it (16 November 2021, line 1) in a file that "
        "runs newest first: is the date right?"]


def test_a_year_far_from_its_neighbours_is_a_warning():
    text = GOOD_ABOVE + "12 November, 2021\n\nA\n\nB.\n\n" + "9 November, 2012\n\nC\n\nD." + GOOD_BELOW
    assert warnings_of(text) == ["d.txt:13: 9 November 2012 is more than a year from the entries around it "
                                 "(the nearest: 2 November 2021): is the year a typo?"]


def test_a_title_running_on_into_the_next_line_is_a_warning():
    text = "9 November, 2021\n\nA title wrapped\nonto two lines\n\nThe body.\n"
    [entry] = read_text(text, "d.txt").entries
    assert entry.title == "A title wrapped"
    assert warnings_of(text) == ["d.txt:4: the title 'A title wrapped' runs on into this line: if the title is "
                                 "wrapped, join it into one line; if not, leave a blank line after the title"]


def test_check_counts_each_file_and_strict_fails_on_warnings(seeds):
    seeds("a.txt", between("19 November, 2021"))
    seeds("b.txt", "24 September, 2021\n\nX\n\nY.\n")
    result = run_feeds("check", "--seeds", seeds.folder)
    assert result.returncode == 0
    assert "a.txt: 3 entries, 2 Nov–19 Nov 2021" in result.stdout and "b.txt: 1 entry, 24 Sep 2021" in result.stdout
    assert "a.txt:7: warning: 19 November 2021 is newer than the entry above it" in result.stderr
    strict = run_feeds("check", "--strict", "--seeds", seeds.folder)
    assert strict.returncode == 1 and "--strict treats warnings as problems" in strict.stderr


def test_no_warnings_on_the_shipped_seed_and_the_labelled_sets(tmp_path):
    result = run_feeds("check", "--seeds", ROOT / "seeds")
    assert result.returncode == 0 and ", 0 warnings" in result.stdout and "warning" not in result.stderr
    for path in sorted((ROOT / "tests" / "data").glob("*.toml")):
        entries = tomllib.loads(path.read_text("utf-8"))["entry"]
        day = dt.date(2021, 10, 26)
        text = "".join(f"{day - dt.timedelta(days=i // 3):%-d %B, %Y}\n\n{e['title']}\n\n{e['body']}\n\n"
                       for i, e in enumerate(entries))
        reading = read_text(text, path.name)
        assert len(reading.entries) == len(entries) and reading.warnings == [], path.name


# Variants of one date line typed by hand: before feeds/dates.py, 17 of these 40 swallowed the entry
HAND_MADE = ["9 November, 202", "9 November, 20211", "November, 2021", "9 November", "9 Novmber, 2021", "9 Nobember, 2021",
     "9 Ocotber, 2021", "9 November, 2O21", "l9 November, 2021", "9 November, 2021 (corrected)", "9 November, 2021 - updated",
     "9 de noviembre de 2021", "9 noviembre 2021", "martes 9 de noviembre de 2021", "Nov. 9, 2021", "9 Nov 2021",
     "November 9th, 2021", "the 9th of November, 2021", "Tuesday 9 November 2021", "Tuseday, 9 November 2021",
     "9 NOVEMBER 2021", "9 november 2021", "9 Nov", "Nov 2021", "9/11/2021", "2021-11-09", "9 November, 2021.",
     "9 Novemebr 2021", "19 Novmeber, 2021", "9 Noveber 2021", "9 Sept 2021", "Sept. 9 2021", "9 Septiembre 2021",
     "9 de Noviembre del 2021", "9 November 2021 (Panama)", "9 Novembre 2021", "Nov 9 2021", "9th Nov 2021",
     "9 Nov. 2021", "9 November 2021 UPDATED"]


@pytest.mark.parametrize("line", HAND_MADE)
def test_no_hand_made_variant_of_a_date_line_swallows_an_entry(line):
    kind, found = outcome(between(line))
    assert found == 3 if kind == "entries" else all(problem.startswith("d.txt:7: ") for problem in found), found


# Mutations of real date lines, as typing makes them
REAL = ["26 October, 2021", "14 October, 2021", "7 October, 2021", "30 September, 2021", "28 September, 2021",
        "24 September, 2021", "20 September, 2021", "17 September, 2021", "9 November, 2021", "1 March, 2022"]
LOOKALIKES = {"0": "O", "1": "l", "O": "0", "l": "1", "o": "0"}
ABBREVIATED = {"January": "Jan", "February": "Feb.", "March": "Mar", "September": "Sept.", "October": "Oct",
               "November": "Nov.", "December": "Dec"}
SPANISH = {"October": "octubre", "September": "septiembre", "November": "noviembre", "March": "marzo"}


@st.composite
def mutated(draw):
    line = draw(st.sampled_from(REAL))
    kind = draw(st.sampled_from(["drop", "double", "swap", "lookalike", "abbreviate", "cut year", "extend year",
                                 "month first", "no year", "no day", "note", "spanish", "weekday", "case", "ordinal"]))
    day, month, year = line.replace(",", "").split()
    if kind in ("drop", "double", "swap", "lookalike"):
        i = draw(st.integers(0, len(line) - 2))
        if kind == "drop":
            return line[:i] + line[i + 1:]
        if kind == "double":
            return line[:i] + line[i] + line[i:]
        if kind == "swap":
            return line[:i] + line[i + 1] + line[i] + line[i + 2:]
        if line[i] in LOOKALIKES:
            return line[:i] + LOOKALIKES[line[i]] + line[i + 1:]
        return line
    return {
        "abbreviate": f"{day} {ABBREVIATED.get(month, month[:3])} {year}",
        "cut year": f"{day} {month}, {year[:draw(st.integers(1, 3))]}",
        "extend year": f"{day} {month}, {year}{draw(st.integers(0, 9))}",
        "month first": f"{month} {day}, {year}",
        "no year": f"{day} {month}",
        "no day": f"{month}, {year}",
        "note": f"{line} {draw(st.sampled_from(['(corrected)', '- updated', 'UPDATED', '*']))}",
        "spanish": f"{day} de {SPANISH.get(month, month)} de {year}",
        "weekday": f"{draw(st.sampled_from(['Monday', 'Tue', 'jueves']))}, {line}",
        "case": line.upper() if draw(st.booleans()) else line.lower(),
        "ordinal": f"{day}th {month} {year}",
    }[kind]


@settings(max_examples=3000, deadline=None)
@given(mutated())
def test_a_mutated_date_line_never_loses_an_entry(line):
    kind, found = outcome(between(line))
    if kind == "entries":
        assert found == 3, line  # read as a date line: the middle entry is its own
    else:
        assert found and all(problem.startswith("d.txt:") for problem in found), found


WORDS = st.sampled_from(["the", "IOM", "workshop", "migrants", "between", "and", "on", "met", "in", "report",
                         "officials", "from", "Panama", "said", "that", "after", "a", "since", "until"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(WORDS, min_size=2, max_size=12), st.lists(WORDS, min_size=0, max_size=12), st.sampled_from(REAL),
       st.sampled_from(["", ",", ":", "."]))
def test_a_date_inside_a_sentence_raises_nothing(before, after, date, mark):
    sentence = " ".join([*before, date + mark, *after]).strip()
    reading = read_text(f"{GOOD_ABOVE}9 November, 2021\n\nTitle\n\n{sentence}\n\nMore.{GOOD_BELOW}", "d.txt")
    assert len(reading.entries) == 3 and reading.warnings == []
    assert reading.entries[1].paragraphs == (sentence, "More.")


def test_healthz_lists_the_warnings(seeds):
    import urllib.request

    from .conftest import feeds_serve
    seeds("a.txt", between("19 November, 2021"))
    with feeds_serve(seeds.folder) as base:
        health = json.loads(urllib.request.urlopen(base + "healthz", timeout=10).read())
    assert health["warnings"] == [f"{seeds.folder / 'a.txt'}:7: 19 November 2021 is newer than the entry above it "
                                  "(16 November 2021, line 1) in a file that runs newest first: is the date right?"]


@pytest.mark.parametrize("line", ["9:00 – 10:30", "+507 305 3350", "978-92-9268-123-4", "2019 2020 2021",
                                  "November 2021 – March 2022", "1,047 migrants arrived on 14 October 2021",
                                  "300 families in 12 communities, November 2021", "Mayor of Tapachula, 2021",
                                  "Juan, 12, at the shelter in 2021", "15 November: Opening", "Junio 2021: informe",
                                  "Panama City, 9 November 2021", "5 of 12 in 2021", "The 14 participants of 2021"])
def test_lines_that_stand_alone_but_are_no_date_lines_are_body_text(line):
    [entry] = read(f"1 June, 2021\n\nTitle\n\n{line}\n\nMore.\n")
    assert entry.paragraphs == (line, "More.")


@pytest.mark.parametrize("line, expected", [
    ("9 Nbr 2021", "has 'Nbr', which is no month or weekday"), ("9 Novem. 2021", "has 'Novem', which is no month"),
    ("Mo 8 Nov 2021", "has 'Mo', which is no month or weekday"), ("9Nov2021", dt.date(2021, 11, 9)),
    ("9 Novem\u00adber 2021", dt.date(2021, 11, 9)), ("9 November, ZO21", "has 'ZO21', with letters for digits"),
    ("Tuesday 9, 2021", "has no month"), ("9 November, 2021:", dt.date(2021, 11, 9)),
])
def test_more_near_misses_are_read_or_reported(line, expected):
    kind, found = outcome(between(line))
    if isinstance(expected, dt.date):
        assert kind == "entries" and found == 3
    else:
        assert kind == "problems" and any(expected in problem for problem in found), found


def test_a_body_wrapped_by_hand_never_starts_an_entry_or_raises():
    import textwrap
    for path in sorted((ROOT / "tests" / "data").glob("*.toml")):
        entries = tomllib.loads(path.read_text("utf-8"))["entry"]
        for width in (30, 45, 64):
            text = "".join(f"26 October, 2021\n\n{e['title']}\n\n{textwrap.fill(e['body'], width)}\n\n" for e in entries)
            assert len(read_text(text, path.name).entries) == len(entries), (path.name, width)
    # a line ending in a dash inside a paragraph is no date line
    [entry] = read("1 June, 2021\n\nTitle\n\n16 November 2021 –\nIOM opened a new office in Tapachula.\n")
    assert entry.paragraphs == ("16 November 2021 – IOM opened a new office in Tapachula.",)


def read(text):
    return read_text(text, "d.txt").entries


def test_warnings_are_told_beside_the_problems(seeds):
    seeds("a.txt", "9 November, 2021\n\nA wrapped\ntitle\n\nB.\n\n31 February, 2021\n\nX\n\nY.\n")
    result = run_feeds("check", "--seeds", seeds.folder)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{seeds.folder / 'a.txt'}:8: impossible date '31 February, 2021': February 2021 has no day 31",
        f"{seeds.folder / 'a.txt'}:4: warning: the title 'A wrapped' runs on into this line: if the title is wrapped, "
        "join it into one line; if not, leave a blank line after the title"]
