"""Publishing benchmark against Hugo: a cold build, a weekly digest published into it, and a build
with nothing changed, each timed as a publisher runs it (`feeds build`, in its own process).

    python bench/publish.py [N]             # default: 10000 items

After the cold build, a build with nothing changed makes the standby folder (feeds/export.py), as
any second publish does; the weekly digest is then published into it, as every later week is.
The same corpus (bench/corpus.py) is given to Hugo from Debian (`apt-get install hugo`), as a
page per item with the same themes and countries as taxonomies (read from the ledger of the cold
build), paginated lists and an RSS feed per theme and country, and Hugo's full build is timed in
the same run: it is the yardstick of the targets (cold ≤ 1.0 × Hugo; a new 10-item digest
≤ 0.5 × Hugo). Also printed: the largest HTML page of the export. Each figure is the median of
`--runs` runs (default 3); the export goes to the default temporary folder, as Hugo's does.

The runs' folders are all removed at the end, not after each run: on a file system mounted with
`discard` (this machine's), creating files for half a minute after removing 100,000 of them costs
several times its usual kernel time, which fell on whichever build came next (a cold build of
10,000 items took 14.2 s just after such a removal, 7.6 s on a settled disk, same code). Each
timed step also starts after `sync`, so it does not pay for writing back what the last one wrote.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

EPOCH = 1_793_000_000  # SOURCE_DATE_EPOCH of the cold build (November 2026); later builds add a day each
WEEKLY = "".join(f"{day} November, 2026\n\nWeekly item {n}: migrant workers and border officials meet in Panama\n\n"
                 f"Seasonal workers, employers and the migration authority discussed work permits ({n}).\n\n"
                 for n, day in enumerate([28, 28, 27, 27, 26, 26, 25, 25, 24, 24]))

HUGO_CONFIG = """baseURL = "https://feeds.example.org/"
title = "Digest"
disableKinds = ["sitemap", "robotsTXT", "404"]
paginate = 100
[taxonomies]
theme = "themes"
country = "countries"
"""
LAYOUTS = {
    "_default/baseof.html": "<!doctype html><html><head><title>{{ .Title }}</title></head><body>{{ block \"main\" . }}{{ end }}</body></html>\n",
    "_default/single.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1><time>{{ .Date.Format \"2 January 2006\" }}</time>"
                            "{{ .Content }}<p>{{ range .Params.themes }}<a href=\"/themes/{{ . | urlize }}/\">{{ . }}</a> {{ end }}</p>{{ end }}\n",
    "_default/list.html": "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}<li><a href=\"{{ .Permalink }}\">"
                          "{{ .Title }}</a> {{ .Date.Format \"2 January 2006\" }}</li>{{ end }}</ul>"
                          "{{ with .Paginator.Prev }}<a href=\"{{ .URL }}\">newer</a>{{ end }}"
                          "{{ with .Paginator.Next }}<a href=\"{{ .URL }}\">older</a>{{ end }}{{ end }}\n",
    "_default/terms.html": "{{ define \"main\" }}<ul>{{ range .Data.Terms.Alphabetical }}<li><a href=\"{{ .Page.Permalink }}\">"
                           "{{ .Page.Title }}</a> {{ .Count }}</li>{{ end }}</ul>{{ end }}\n",
}


def hugo_site(work: Path, seeds: Path) -> Path:
    """A Hugo site of the same items, themes and countries (from the ledger of the cold build)."""
    site = work / "hugo"
    (site / "content" / "items").mkdir(parents=True)
    (site / "config.toml").write_text(HUGO_CONFIG)
    for name, text in LAYOUTS.items():
        (site / "layouts" / name).parent.mkdir(parents=True, exist_ok=True)
        (site / "layouts" / name).write_text(text)
    from feeds.digest import read_folder
    records = {}
    for line in (seeds / "ledger.jsonl").read_text().splitlines()[1:]:
        record = json.loads(line)
        records[record["title"]] = record
    for entry in read_folder(seeds).entries:
        record = records[entry.title]
        front = {"title": entry.title, "date": record["published"], "themes": record["themes"],
                 "countries": record["countries"], "slug": record["slug"]}
        (site / "content" / "items" / f"{record['slug']}.md").write_text(
            json.dumps(front, ensure_ascii=False) + "\n\n" + "\n\n".join(entry.paragraphs) + "\n")
    return site


def timed(command: list[str], env: dict | None = None, cwd: Path | None = None) -> float:
    os.sync()
    start = time.perf_counter()
    done = subprocess.run(command, env={**os.environ, **(env or {})}, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def feeds_build(seeds: Path, out: Path, epoch: int) -> float:
    return timed([sys.executable, "-m", "feeds", "build", "--seeds", str(seeds), "--out", str(out),
                  "--base-url", "https://feeds.example.org/"],
                 {"SOURCE_DATE_EPOCH": str(epoch), "FEEDS_CONFIG": "", "FEEDS_TAG_AUTHORITY": "feeds.example.org"})


def largest_html(out: Path) -> tuple[int, str]:
    sizes = [(path.stat().st_size, path.relative_to(out).as_posix()) for path in out.rglob("*.html")]
    return max(sizes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    hugo = shutil.which("hugo")
    rows: dict[str, list[float]] = {"hugo": [], "cold": [], "first": [], "weekly": [], "unchanged": []}
    with tempfile.TemporaryDirectory(prefix="feeds-publish-") as scratch:
        for run in range(args.runs):
            work = Path(scratch) / f"run-{run + 1}"
            seeds = work / "seeds"
            corpus.write(args.n, seeds)
            rows["cold"].append(feeds_build(seeds, work / "public", EPOCH))
            if hugo:
                site = hugo_site(work, seeds)
                rows["hugo"].append(timed([hugo, "--quiet", "-s", str(site), "-d", str(work / "hugo-public")]))
            size, page = largest_html(work / "public")
            rows["first"].append(feeds_build(seeds, work / "public", EPOCH))
            (seeds / "zz-weekly.txt").write_text(WEEKLY)
            rows["weekly"].append(feeds_build(seeds, work / "public", EPOCH + 86400))
            rows["unchanged"].append(feeds_build(seeds, work / "public", EPOCH + 2 * 86400))
            print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in rows.items() if v), file=sys.stderr)
    median = {k: statistics.median(v) for k, v in rows.items() if v}
    print(f"| {args.n:,} items | median of {args.runs} | × Hugo |")
    print("|---|---|---|")
    names = {"hugo": "Hugo 0.111, full build", "cold": "feeds build, cold (no earlier export)",
             "first": "feeds build again, nothing changed (makes the standby)",
             "weekly": "feeds build, a new 10-item digest file", "unchanged": "feeds build, nothing changed"}
    for key, seconds in median.items():
        ratio = f"{seconds / median['hugo']:.2f}" if "hugo" in median else "–"
        print(f"| {names[key]} | {seconds:.2f} s | {ratio} |")
    print(f"\nlargest HTML page: {page}, {size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
