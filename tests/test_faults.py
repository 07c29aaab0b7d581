"""The input-fault catalogue: every way a digest goes wrong is published correctly or reported as
`path:line: message` with exit 1: never a traceback, never a dropped entry, never a half export.

Each case runs `feeds build` as a publisher would, over an earlier good export.
"""
import os
import shutil
import re

import pytest

from .conftest import run_feeds

GOOD = "1 June, 2021\n\nA good entry\n\nIts body.\n"
PROBLEM = re.compile(r"^(?P<path>[^\n:]+)(?::(?P<line>\d+))?: (?P<message>.+)$")


def entry(title="A title", body="A body.", date="2 June, 2021"):
    return f"{date}\n\n{title}\n\n{body}\n"


# name: (files of the seeds folder, expected) — expected is ("published", titles) or ("error", fragments)
CASES = {
    "empty file": ({"a.txt": ""}, ("error", ["a.txt:1: empty file"])),
    "only blank lines": ({"a.txt": "\n \n\t\n"}, ("error", ["a.txt:1: empty file"])),
    "no date at all": ({"a.txt": "Title\n\nBody\n"}, ("error", ["a.txt:1: text before the first date line"])),
    "text before the first date": ({"a.txt": "Digest of June\n\n" + GOOD},
                                   ("error", ["a.txt:1: text before the first date line: 'Digest of June'"])),
    "date with no title": ({"a.txt": "2 June, 2021\n\n\n" + GOOD}, ("error", ["a.txt:1: date line '2 June, 2021' has no title"])),
    "title with no body": ({"a.txt": "2 June, 2021\n\nLonely title\n\n" + GOOD},
                           ("error", ["a.txt:3: entry 'Lonely title' has a title but no body"])),
    "impossible date": ({"a.txt": entry(date="31 February, 2021")},
                        ("error", ["a.txt:1: impossible date '31 February, 2021': February 2021 has no day 31"])),
    "unknown month": ({"a.txt": entry(date="2 Juin, 2021")}, ("error", ["a.txt:1: unknown month 'Juin'"])),
    "numeric date": ({"a.txt": entry(date="02/06/2021")}, ("error", ["a.txt:1: date line '02/06/2021' gives the month as a number"])),
    "date far in the future": ({"a.txt": entry(date="2 June, 2091")}, ("error", ["a.txt:1: date line '2 June, 2091' has the year 2091"])),
    "year typo": ({"a.txt": entry(date="2 June, 1021")}, ("error", ["a.txt:1: date line '2 June, 1021' has the year 1021"])),
    "non-UTF-8 bytes": ({"a.txt": GOOD.encode() + b"\n2 June, 2021\n\nCura\xe7ao\n\nBody\n"},
                        ("error", ["a.txt:9: byte 0xe7 is not UTF-8 text"])),
    "UTF-16 file": ({"a.txt": GOOD.encode("utf-16")}, ("error", ["a.txt:1: byte 0xff is not UTF-8 text (the file looks like UTF-16"])),
    "a 10 MB single line": ({"a.txt": GOOD + "\n2 June, 2021\n\nT\n\n" + "x" * 10_000_000 + "\n"},
                            ("error", ["a.txt:11: line is 10,000,000 characters long (at most 20,000)"])),
    "a title of 2,000 characters": ({"a.txt": entry(title="T" * 2000)},
                                    ("error", ["a.txt:3: title is 2,000 characters long (at most 300)"])),
    "the same entry twice with different bodies": ({"a.txt": GOOD, "b.txt": GOOD.replace("Its body", "Other body")},
                                                   ("error", ["b.txt:1: 'A good entry' of 01 June 2021 is also at", "a.txt:1"])),
    # nearly date lines between two entries: reported, never swallowed into the body above
    "a year cut short": ({"a.txt": GOOD + "\n" + entry(date="9 November, 202")},
                         ("error", ["a.txt:7: date line '9 November, 202' has the year 202; is it a typo?"])),
    "a year typed long": ({"a.txt": GOOD + "\n" + entry(date="9 November, 20211")},
                          ("error", ["a.txt:7: date line '9 November, 20211' has the year 20211"])),
    "no day": ({"a.txt": GOOD + "\n" + entry(date="November, 2021")}, ("error", ["a.txt:7: date line 'November, 2021' has no day"])),
    "no year": ({"a.txt": GOOD + "\n" + entry(date="9 November")}, ("error", ["a.txt:7: date line '9 November' has no year"])),
    "a misspelt month": ({"a.txt": GOOD + "\n" + entry(date="9 Novmber, 2021")},
                         ("error", ["a.txt:7: unknown month 'Novmber' in date line '9 Novmber, 2021': did you mean 'November'?"])),
    "a letter O for a zero": ({"a.txt": GOOD + "\n" + entry(date="9 November, 2O21")},
                              ("error", ["a.txt:7: date line '9 November, 2O21' has '2O21', with letters for digits"])),
    "a note after the date": ({"a.txt": GOOD + "\n" + entry(date="9 November, 2021 (corrected)")},
                              ("error", ["a.txt:7: date line '9 November, 2021 (corrected)' has 'corrected' beside the date"])),
    # published correctly
    "a Spanish date line": ({"a.txt": entry(date="9 de noviembre de 2021") + "\n" + GOOD}, ("published", ["A title", "A good entry"])),
    "a weekday and an abbreviation": ({"a.txt": entry(date="Tue., 9 Nov. 2021") + "\n" + GOOD},
                                      ("published", ["A title", "A good entry"])),
    "NUL and other characters XML forbids": ({"a.txt": entry(title="Bell\x07 and NUL\x00 title", body="Form\x0cfeed.")},
                                             ("published", ["Bell and NUL title"])),
    "U+FFFE and U+FFFF": ({"a.txt": entry(title="Odd\ufffe \uffffchars")}, ("published", ["Odd chars"])),
    "HTML and script in title and body": ({"a.txt": entry(title="<script>alert(1)</script> <b>x</b>", body="<img src=x onerror=alert(1)>")},
                                          ("published", ["<script>alert(1)</script> <b>x</b>"])),
    "]]> and & in text": ({"a.txt": entry(title="Q&A ]]> on R&D", body="A & B ]]> C")}, ("published", ["Q&A ]]> on R&D"])),
    "the same entry twice with the same body": ({"a.txt": GOOD, "b.txt": GOOD}, ("published", ["A good entry"])),
    "CRLF line endings and a BOM": ({"a.txt": "\ufeff" + GOOD.replace("\n", "\r\n")}, ("published", ["A good entry"])),
    "CR-only line endings": ({"a.txt": GOOD.replace("\n", "\r")}, ("published", ["A good entry"])),
    "tabs, trailing and no-break spaces": ({"a.txt": "1 June, 2021 \t\n\n\u00a0A\u00a0good entry \n\nIts\tbody.\u00a0\n"},
                                           ("published", ["A good entry"])),
    "a date spelt differently": ({"a.txt": entry(date="June 2, 2021") + "\n" + GOOD}, ("published", ["A title", "A good entry"])),
    "a title that begins with a number": ({"a.txt": entry(title="10 years of free movement")}, ("published", ["10 years of free movement"])),
    "emoji and other scripts": ({"a.txt": entry(title="Caribe 🌊 — Кариб — カリブ")}, ("published", ["Caribe 🌊 — Кариб — カリブ"])),
}


def write(folder, files):
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


@pytest.fixture
def published(tmp_path):
    """An earlier good export, which a failed build must leave exactly as it is."""
    good = tmp_path / "good"
    write(good, {"a.txt": GOOD})
    out = tmp_path / "public"
    assert run_feeds("build", "--seeds", good, "--out", out).returncode == 0
    return out, {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_the_catalogue_has_at_least_25_kinds():
    assert len(CASES) + len(FOLDER_CASES) >= 25


@pytest.mark.parametrize("name", CASES)
def test_fault(tmp_path, published, name):
    import feedparser
    files, (outcome, expected) = CASES[name]
    seeds = tmp_path / "seeds"
    write(seeds, files)
    shutil.copy(tmp_path / "good" / "ledger.jsonl", seeds)  # the same publication, its next digests
    out, before = published
    result = run_feeds("build", "--seeds", seeds, "--out", out)
    assert "Traceback" not in result.stderr
    if outcome == "error":
        assert result.returncode == 1, result.stdout
        lines = result.stderr.splitlines()
        assert lines and all(PROBLEM.match(line) for line in lines), lines
        for fragment in expected:
            assert fragment in result.stderr, result.stderr
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # nothing half-written
        # no half-written folder (the standby is the export an earlier publish replaced)
        assert sorted(set(os.listdir(tmp_path)) - {".public.standby", ".public.facts"}) == [
            ".public.lock", "good", "public", "seeds"]
    else:
        assert result.returncode == 0, result.stderr
        titles = [e.title for e in feedparser.parse((out / "feed.atom").read_bytes()).entries]
        assert titles == expected


def broken_symlink(folder):
    (folder / "gone.txt").symlink_to(folder / "nowhere.txt")


def directory_named_txt(folder):
    (folder / "sub.txt").mkdir()


def unreadable_file(folder):
    path = folder / "secret.txt"
    path.write_text(GOOD)
    path.chmod(0)


FOLDER_CASES = {
    "seeds folder missing": (lambda folder: folder.rmdir(), "seeds: the seeds folder does not exist"),
    "seeds folder empty": (lambda folder: None, "seeds: the seeds folder holds no .txt digest files"),
    "seeds folder is a file": (lambda folder: (folder.rmdir(), folder.write_text(GOOD)), "seeds: the seeds folder is a file"),
    "a directory named like a digest": (directory_named_txt, "sub.txt: not a regular file"),
    "a broken symlink": (broken_symlink, "gone.txt: not a regular file"),
    "an unreadable file": (unreadable_file, "secret.txt: cannot read: Permission denied"),
}


@pytest.mark.parametrize("name", FOLDER_CASES)
def test_folder_fault(tmp_path, published, name):
    setup, message = FOLDER_CASES[name]
    if name == "an unreadable file" and os.geteuid() == 0:
        pytest.skip("root reads every file")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    setup(seeds)
    out, before = published
    result = run_feeds("build", "--seeds", seeds, "--out", out)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert message in result.stderr, result.stderr
    assert all(PROBLEM.match(line) for line in result.stderr.splitlines())
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
