"""The `feeds` command: check, items, build and serve the digest's feeds."""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import shlex
import signal
import socket
import sys
import time
from collections import Counter
from pathlib import Path

import click

from . import urls
from .catalog import Catalog, load_catalog
from .config import FILE as SETTINGS_FILE, Config, placeholder
from .export import MARKER, ExportError, facts_file, publish_build, publishing, target
from .factcache import FactCache
from .ledger import NAME as LEDGER, build_time, locked as ledger_lock, write_ledger
from .problems import DigestError
from .recipes import Recipes
from .serving import DEFAULT_SERVER, SERVERS
from .themes import learned_probability, summary
from .site import Build
from .workers import WorkerDied, build_processes, without_cycle_collection

LISTED_CHANGES = 20  # per kind; beyond that `build` prints a count
PREVIEWS = urls.PREVIEWS.lstrip("/") + "/"

seeds_option = click.option("--seeds", type=click.Path(path_type=Path), default=None,
                            help="Folder of digest .txt files [env FEEDS_SEEDS; default: seeds/]")
config_option = click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
                             help=f"Settings file [env FEEDS_CONFIG; default: ./{SETTINGS_FILE} if there is one]")
base_url_option = click.option("--base-url", default=None,
                               help="Public URL the site is served from [env FEEDS_BASE_URL]")


def fail(lines) -> None:
    for line in lines:
        click.echo(str(line), err=True)
    sys.exit(1)


def configure(config_file: Path | None = None, **flags) -> Config:
    """Defaults, the settings file, FEEDS_* variables and the flags given, in that order; a problem
    in the file is `file:line: problem` and exit 1."""
    try:
        return Config.from_env(file=config_file, **flags)
    except DigestError as e:
        fail(e.problems)
    except ValueError as e:
        raise click.UsageError(str(e)) from None


def read(config: Config, processes: int = 1, facts: FactCache | None = None) -> Catalog:
    """The catalog as published now, or every problem as path:line: message on stderr and exit
    status 1."""
    try:
        now = build_time()
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    try:
        catalog = load_catalog(config.seeds, config.tag_authority, processes=processes, now=now, facts=facts)
    except DigestError as e:
        fail([*e.problems, *(f"{w.path}:{w.line}: warning: {w.message}" for w in e.warnings)])
    for warning in catalog.warnings:
        click.echo(f"{warning.path}:{warning.line}: warning: {warning.message}", err=True)
    return catalog


class Progress:
    """A progress bar on a terminal, shown only once a stage has taken more than a second."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.bar = label, total, 0, None
        self.start = time.monotonic()
        self.shown = sys.stderr.isatty()

    def __call__(self, n: int) -> None:
        self.done += n
        if self.bar is None and self.shown and time.monotonic() - self.start > 1:
            self.bar = click.progressbar(length=max(self.total, self.done), label=self.label, file=sys.stderr)
            self.bar.__enter__()
            self.bar.update(self.done)
        elif self.bar is not None:
            self.bar.update(n)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.update(max(0, self.bar.length - self.bar.pos))
            self.bar.__exit__(*exc)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Publish the IOM news digest as Atom, RSS and JSON feeds, per theme."""


def span(first: dt.date, last: dt.date) -> str:
    """"24 Sep–26 Oct 2021", "30 Dec 2021–2 Jan 2022", "26 Oct 2021"."""
    if first == last:
        return f"{last:%-d %b %Y}"
    return f"{first:%-d %b}–{last:%-d %b %Y}" if first.year == last.year else f"{first:%-d %b %Y}–{last:%-d %b %Y}"


@main.command()
@seeds_option
@config_option
@base_url_option
@click.option("--hub", default=None, help="As for feeds build: the settings a build would use [env FEEDS_WEBSUB_HUB]")
@click.option("--strict", is_flag=True, help="Treat warnings as problems: exit 1 if there is any (for a publisher's CI).")
def check(seeds, config_file, base_url, hub, strict):
    """Read every digest file; report each problem as path:line: message (exit 1 if any), each
    file's entries and dates, and what a build would publish differently: new, edited, withdrawn
    and restored items."""
    config = configure(config_file, seeds=seeds, base_url=base_url, websub_hub=hub)
    # what the last build read is reused (only new text is classified), and not written: check writes nothing
    catalog = read(config, build_processes(), FactCache(facts_file(config.out)))
    for path, count, first, last in catalog.files:
        click.echo(f"{Path(path).name}: {plural(count, 'entry').replace('entrys', 'entries')}, {span(first, last)}")
    for change in catalog.changes:
        click.echo(str(change))
    last = catalog.ledger.rendering.get(config.base_url)
    if last is not None and last.settings != Recipes(config).settings:
        click.echo(f"settings (feeds.toml, FEEDS_*, flags) differ from the last build's for {config.base_url}: "
                   "a build with them changes every document, dated from that build")
    if strict and catalog.warnings:
        fail([f"{len(catalog.warnings)} warning{'s' if len(catalog.warnings) > 1 else ''}, "
              "and --strict treats warnings as problems"])
    click.echo(f"{config.seeds}: {plural(len(catalog.items), 'item')} read, "
               f"no problems, {plural(len(catalog.warnings), 'warning')}; "
               + (f"{plural(len(catalog.changes), 'change')} to publish (feeds build records "
                  f"{'it' if len(catalog.changes) == 1 else 'them'} in {config.seeds / LEDGER})"
                  if catalog.changes else f"nothing changed since the last build ({LEDGER})"))


@main.command()
@seeds_option
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def items(seeds, config_file, as_json):
    """List the items newest first, with their themes and the evidence for each."""
    config = configure(config_file, seeds=seeds)
    catalog = read(config)
    absolute = urls.Absolute(config.base_url)
    if as_json:
        click.echo(json.dumps([{
            "id": item.id,
            "slug": item.slug,
            "title": item.title,
            "published": item.published.isoformat().replace("+00:00", "Z"),
            "summary": item.summary,
            "link": absolute(urls.item_page(item.slug)),
            "themes": list(item.themes),
            "evidence": {slug: [{"kind": m.kind, "term": m.term, "matched": m.text, "where": m.where, "score": m.score}
                                for m in matches] for slug, matches in item.evidence.items()},
            "probability": {slug: round(p, 4) for slug, matches in item.evidence.items()
                            if (p := learned_probability(matches)) is not None},
            **({"override": {"add": list(item.override.add), "remove": list(item.override.remove),
                             "reason": item.override.reason, "at": item.override.where,
                             "classifier_agrees": item.override.agrees(item.classified)}} if item.override else {}),
            "countries": list(item.countries),
            "country_evidence": {code: [{"matched": m.text, "where": m.where} for m in mentions]
                                 for code, mentions in item.country_evidence.items()},
            "place": item.place,
            "source": item.source.name,
        } for item in catalog.items], ensure_ascii=False, indent=2))
        return
    for item in catalog.items:
        click.echo(f"{item.date}  {item.title}")
        for slug, matches in item.evidence.items():
            click.echo(f"            {slug}: {summary(matches)}")
        if not item.themes:
            click.echo("            (no theme)")
        if item.countries:
            click.echo(f"            countries: {', '.join(item.countries)}"
                       + (f" (dateline: {item.place})" if item.place else ""))


@main.command()
@seeds_option
@config_option
@click.option("--eval", "labelled", type=click.Path(path_type=Path, dir_okay=False),
              help="A labelled set (TOML, see tests/data/): print precision, recall and F1 per theme.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--train", "train_from", type=click.Path(path_type=Path, dir_okay=False), multiple=True,
              help="Learn the themes' weights from these labelled sets (repeat it; needs the [train] "
                   "extra) and write them to feeds/learned.toml.")
def themes(seeds, config_file, labelled, as_json, train_from):
    """Each theme: its items, its feed, and the terms that put items in it most often; or, with
    --eval, how well the themes match a labelled set; or, with --train, learn the weights.
    (`feeds items` shows the evidence per item.)"""
    if train_from:
        return train_themes(list(train_from))
    if labelled is not None:
        return evaluate_themes(labelled, as_json)
    config = configure(config_file, seeds=seeds)
    catalog = read(config)
    absolute = urls.Absolute(config.base_url)
    summary = {}
    for theme in catalog.taxonomy.themes:
        members = catalog.in_theme(theme.slug)
        terms = Counter(term for item in members for term in deciding(item.evidence.get(theme.slug, ())))
        summary[theme.slug] = {"title": theme.title, "items": len(members),
                               "feed": absolute(urls.theme_page(theme.slug) + "feed.atom"),
                               "terms": dict(terms.most_common())}
    unthemed = [item for item in catalog.items if not item.themes]
    overridden = [item for item in catalog.items if item.override]
    if as_json:
        click.echo(json.dumps({"themes": summary, "no_theme": [item.id for item in unthemed],
                               "overrides": [{"id": item.id, "title": item.title, "at": item.override.where,
                                              "add": list(item.override.add), "remove": list(item.override.remove),
                                              "reason": item.override.reason,
                                              "classifier_agrees": item.override.agrees(item.classified)}
                                             for item in overridden]}, ensure_ascii=False, indent=2))
        return
    for slug, theme in summary.items():
        click.echo(f"{slug:<18} {plural(theme['items'], 'item'):>9}  {theme['title']}  {theme['feed']}")
        shown = list(theme["terms"].items())[:TERMS_SHOWN]
        if shown:
            more = len(theme["terms"]) - len(shown)
            click.echo("    decided by: " + ", ".join(f"{term} ({n})" for term, n in shown)
                       + (f", and {more} more" if more > 0 else ""))
    click.echo(f"{'(no theme)':<18} {plural(len(unthemed), 'item'):>9}"
               + "".join(f"\n    {item.date}  {item.title}" for item in unthemed))
    if overridden:
        click.echo(f"editors' overrides: {len(overridden)}")
    for item in overridden:
        o = item.override
        calls = " ".join([*(f"+{slug}" for slug in o.add), *(f"-{slug}" for slug in o.remove)])
        verdict = ("the classifier now agrees: the override could go" if o.agrees(item.classified)
                   else f"the classifier says {', '.join(item.classified) or 'no theme'}")
        click.echo(f"    {o.where}  {item.title}\n        {calls}: {o.reason}\n        ({verdict})")


TERMS_SHOWN = 8


def deciding(evidence) -> set[str]:
    """The terms and words that spoke for a theme on one item, each once (a strong term is also
    among the weighed terms)."""
    return {m.term for m in evidence if (m.kind in ("term", "learned") and m.score > 0) or m.kind == "strong"}


def train_themes(sets: list[Path]) -> None:
    from . import training
    from .evaluation import load_labelled
    from .learned import FILE
    from .themes import Taxonomy

    try:
        import sklearn  # noqa: F401
    except ImportError:
        fail(["feeds themes --train needs scikit-learn: pip install -e '.[train]'"])
    taxonomy = dataclasses.replace(Taxonomy.load(), learned=None)  # the terms alone make the features
    try:
        entries = [entry for path in sets for entry in load_labelled(path, taxonomy)]
        learned = training.fit(taxonomy, entries)
    except DigestError as e:
        fail(e.problems)
    except ValueError as e:
        fail([str(e)])
    out = Path(__file__).parent / FILE
    out.write_text(training.dump(learned, [path.name for path in sets]), encoding="utf-8")
    click.echo(f"{out}: {len(learned.slugs)} themes, {len(learned.rows)} features, "
               f"from {plural(len(entries), 'labelled item')}")


def evaluate_themes(labelled: Path, as_json: bool) -> None:
    from .evaluation import evaluate, load_labelled
    from .themes import Taxonomy

    try:
        taxonomy = Taxonomy.load()
        scores, misses = evaluate(taxonomy, load_labelled(labelled, taxonomy))
    except DigestError as e:
        fail(e.problems)
    if as_json:
        click.echo(json.dumps({slug: {"precision": s.precision, "recall": s.recall, "f1": s.f1,
                                      "tp": s.tp, "fp": s.fp, "fn": s.fn} for slug, s in scores.items()}, indent=2))
        return
    click.echo(f"{'theme':<18} {'precision':>9} {'recall':>7} {'F1':>6}   tp  fp  fn")
    for slug, s in scores.items():
        click.echo(f"{slug:<18} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>6.3f} {s.tp:>4} {s.fp:>3} {s.fn:>3}")
    for miss in misses:
        why = summary(taxonomy.why(miss.entry.title, miss.entry.body, miss.theme)) or "no term matched"
        click.echo(f"{miss.kind}: {miss.theme}: {miss.entry.title}\n    {why}")


@main.command()
@seeds_option
@config_option
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Folder to publish the static site into, replaced atomically [env FEEDS_OUT; default: public/]")
@base_url_option
@click.option("--hub", default=None, help="WebSub hub to advertise and ping for changed feeds [env FEEDS_WEBSUB_HUB]")
@click.option("--new-ledger", is_flag=True,
              help="Start a new ledger although --out holds an earlier export (every item gets a new id).")
def build(seeds, config_file, out, base_url, hub, new_ledger):
    """Write the static site: every feed and page, as the server would answer them."""
    config = configure(config_file, seeds=seeds, out=out, base_url=base_url, websub_hub=hub)
    out = config.out
    # SIGTERM (systemd, CI timeouts) unwinds like Ctrl-C, so workers stop and the half-written
    # folder is removed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    processes = build_processes()
    if config.seeds.is_dir() and not os.access(config.seeds, os.W_OK):
        fail([f"{config.seeds}: cannot write the ledger ({LEDGER}) there: the folder is read-only; "
              "nothing was published"])
    try:
        # the ledger is read, published and written back under one lock: a server on the same
        # seeds does not date the same change a second time
        with ledger_lock(config.seeds):
            with without_cycle_collection():  # from the facts on, which are 10,000s of objects too
                facts = FactCache(facts_file(out))  # what the last build into `out` read: only new text is classified
                catalog = read(config, processes, facts)
            if (config.seeds.is_dir() and not (config.seeds / LEDGER).exists() and not new_ledger
                    and (target(out) / MARKER).is_file()):
                fail([f"{config.seeds / LEDGER}: no ledger, but {out} holds an earlier export: without the ledger "
                      "every item would be published again under a new id, and readers would show duplicates. "
                      f"Restore the ledger (it is committed with the digests: git checkout {config.seeds / LEDGER}), "
                      "or pass --new-ledger to start anew; nothing was published"])
            with publishing(out), without_cycle_collection():  # held from the start: a second build fails at once
                # kept once the export is known to be ours (and its folder made), before rendering,
                # which needs the memory; facts are true whatever the publish then does
                facts.save()
                site = Build(catalog, config)
                with Progress("building", site.size()) as progress:
                    # streamed: each document is written as it is rendered, never all held at once
                    changes = publish_build(site, out, processes, progress)
            try:
                write_ledger(config.seeds, catalog.ledger)
            except OSError as e:
                fail([f"{config.seeds / LEDGER}: cannot write the ledger: {e.strerror}; the export is "
                      "published, but the next build will date its changes again"])
    except WorkerDied as e:
        fail([f"{e}; nothing was published"])
    except (ExportError, OSError) as e:
        fail([f"cannot write the export: {e}"])
    count = changes.unchanged + len(changes.added) + len(changes.changed)
    for name in changes.changed:
        if name in changes.immutable:
            click.echo(f"warning: archive page {name} changed (an older item was added or edited); "
                       "a CDN that cached it as immutable needs it purged", err=True)
    click.echo(f"{out}: {count} documents for {config.base_url} "
               f"({len(changes.added)} added, {len(changes.changed)} changed, "
               f"{len(changes.removed)} removed, {changes.unchanged} unchanged; "
               f"{count - changes.carried} rendered, {changes.carried} carried over from the previous export)")
    for mark, names in (("+", changes.added), ("~", changes.changed), ("-", changes.removed)):
        listed = [name for name in names if not name.startswith(PREVIEWS)]  # they follow their feeds
        for name in listed[:LISTED_CHANGES]:
            click.echo(f"  {mark} {name}")
        if len(listed) > LISTED_CHANGES:
            click.echo(f"  {mark} … and {len(listed) - LISTED_CHANGES} more")
        if len(names) > len(listed):
            click.echo(f"  {mark} {plural(len(names) - len(listed), 'feed preview')} for browsers ({PREVIEWS})")
    for change in catalog.changes:  # the same in the publisher's words
        click.echo(str(change))
    for warning in public_warnings(config, catalog):  # last, where they are seen
        click.echo(warning, err=True)
    if config.websub_hub:  # after the swap: the hub fetches the new documents at once
        feeds = {channel.path(fmt) for channel in site.channels for fmt in urls.FORMATS}
        changed = [urls.Absolute(config.base_url)("/" + name) for name in changes.added + changes.changed
                   if "/" + name in feeds]
        from . import websub  # its HTTP client only when there is a hub to ping

        failures = websub.ping(config.websub_hub, changed)
        for failure in failures:
            click.echo(f"warning: {failure}", err=True)
        click.echo(f"WebSub: pinged {config.websub_hub} for {len(changed) - len(failures)} of "
                   f"{plural(len(changed), 'changed feed')}")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--base-url", default=None, help="Public address the site will be served from; its host also "
              "becomes the authority of the items' ids.")
@click.option("--title", default="News digest", show_default=True, help="The publication's title.")
def init(folder, base_url, title):
    """Start a new publication in FOLDER: settings (feeds.toml), a seeds folder with an example
    digest, and the nginx block for its export."""
    from . import starter

    if folder.exists() and any(folder.iterdir()):
        fail([f"{folder}: not empty; feeds init starts a publication in a new or empty folder, nothing was written"])
    if base_url is not None:
        try:
            Config(base_url=base_url)
        except ValueError as e:
            raise click.UsageError(str(e)) from None
    try:
        today = build_time().date()
        written = starter.create(folder, base_url, title, today)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    except OSError as e:
        fail([f"{folder}: cannot write: {e.strerror}"])
    for path in written:
        click.echo(f"  + {path}")
    click.echo(f"""
A new publication in {folder}. Next:

  cd {shlex.quote(str(folder))}
  feeds check    # reads seeds/: problems as file:line, and what a build would publish
  feeds serve    # serves it at http://127.0.0.1:8000/ and picks up edits to seeds/
  feeds build    # writes the static site into public/, for {starter.NGINX} (nginx) or a CDN

Then replace seeds/{starter.EXAMPLE} with your first digest. If you built the example, remove
seeds/{LEDGER} and public/ as well: else its two items are published as withdrawn.""")
    if base_url is None:
        click.echo(f"Before publishing, set base_url in {SETTINGS_FILE} to the site's public address.")


def public_warnings(config: Config, catalog: Catalog) -> list[str]:
    """What makes an export unfit for the public, said loudly: links that lead to this machine,
    and ids minted under a name nobody owns (they are kept forever)."""
    warnings = []
    if config.loopback:
        warnings.append(f"warning: every link in {config.out} leads to {config.base_url}, this machine: readers "
                        f"elsewhere cannot follow them. Before publishing, set base_url in {SETTINGS_FILE} (or "
                        "--base-url, FEEDS_BASE_URL) to the site's public address.")
    if config.placeholder_authority:
        warnings.append(f"warning: item ids are minted under {config.tag_authority!r}, a placeholder nobody owns "
                        f"(tag:{config.tag_authority},…), and ids are kept forever. Before the first public build, "
                        f"set tag_authority in {SETTINGS_FILE} (or FEEDS_TAG_AUTHORITY) to a domain the publisher owns.")
    placeholders = Counter(authority for authority in map(tag_authority, (item.id for item in catalog.items))
                           if authority != config.tag_authority and placeholder(authority))
    for authority, count in placeholders.items() if not config.placeholder_authority else ():
        warnings.append(f"warning: {plural(count, 'item')} in the ledger keep ids minted under the placeholder "
                        f"{authority!r}. If they were never published, remove {config.seeds / LEDGER} and build "
                        "again (with --new-ledger over an earlier export) to mint them under "
                        f"{config.tag_authority!r}.")
    return warnings


def tag_authority(tag_uri: str) -> str:
    """tag:example.org,2021-10-26:slug → example.org"""
    return tag_uri.removeprefix("tag:").split(",", 1)[0]


@main.command()
@seeds_option
@config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@base_url_option
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Worker processes [default: 2; 1 with werkzeug]")
@click.option("--server", "server_name", type=click.Choice(SERVERS), default=DEFAULT_SERVER, show_default=True,
              help="HTTP server: granian was fastest in bench/load.py; werkzeug is for development.")
@click.option("--max-age", type=click.IntRange(0), default=None,
              help="Cache-Control max-age in seconds [env FEEDS_CACHE_MAX_AGE; default: 300]")
@click.option("--reload-interval", type=click.FloatRange(0), default=None,
              help="Seconds between looks at the seeds folder, 0 for never [env FEEDS_RELOAD_INTERVAL; default: 2]")
@click.option("--state", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder the server keeps its export, status and (for read-only seeds) ledger in between runs "
                   "[env FEEDS_STATE; default: ~/.cache/feeds/serve-<key>, one per seeds folder and address]")
def serve(seeds, config_file, host, port, base_url, workers, server_name, max_age, reload_interval, state):
    """Serve the feeds over HTTP (python server.py does the same)."""
    from .builder import (StateBusy, Supervisor, exported, log_to_stderr, read_status, run_builder, serving_from,
                          state_of)
    from .serving import run

    # with no public URL configured, links point at this server (loopback when it listens on all)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else f"[{host}]" if ":" in host else host
    config = configure(config_file, seeds=seeds, base_url=base_url, cache_max_age=max_age,
                       reload_interval=reload_interval, state=state, default_base_url=f"http://{shown}:{port}/")
    if server_name == "werkzeug" and (workers or 1) > 1:
        raise click.UsageError("the werkzeug development server runs one process; drop --workers")
    try:  # a busy port is reported before anything claims to serve
        with socket.create_server((host, port)):
            pass
    except OSError as e:
        fail([f"cannot listen on {host}:{port}: {os.strerror(e.errno) if e.errno else e}"])
    state = state_of(config)
    config = dataclasses.replace(config, state=str(state))  # the builder and every worker use this one
    try:
        state.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        fail([f"{state}: cannot keep the server's state there: {e.strerror}"])
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(serving_from(state))
        except StateBusy as e:
            fail([str(e)])
        if not exported(state):  # the first run: publish before serving, and fail with every problem
            first = run_builder(config, state)
            if first.returncode:
                fail(first.stdout.splitlines())
        status = read_status(state)
        for warning in status.get("warnings", []):
            click.echo(f"warning: {warning}", err=True)
        workers = workers or (1 if server_name == "werkzeug" else 2)
        click.echo(f"serving {plural(status.get('items', 0), 'item')} on http://{shown}:{port}/ with "
                   f"{server_name} ({plural(workers, 'worker')}) from {state}; subscribe to {config.base_url}feed.atom",
                   err=True)
        log_to_stderr()
        # a restart serves the last export at once; the supervisor builds again only if the seeds,
        # code or settings changed since, then after each change
        Supervisor(config, state, config.reload_interval).start()
        run(config, host, port, workers, server_name)
