"""The `feeds` command: check, items, build and serve the digest's feeds."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from . import urls
from .catalog import Catalog, load_catalog
from .config import Config
from .export import ExportError, export
from .problems import DigestError
from .site import build_site

seeds_option = click.option("--seeds", type=click.Path(path_type=Path), default=None,
                            help="Folder of digest .txt files [env FEEDS_SEEDS; default: seeds/]")
base_url_option = click.option("--base-url", default=None,
                               help="Public URL the site is served from [env FEEDS_BASE_URL]")


def fail(lines) -> None:
    for line in lines:
        click.echo(str(line), err=True)
    sys.exit(1)


def read(config: Config) -> Catalog:
    """The catalog, or every problem as path:line: message on stderr and exit status 1."""
    try:
        catalog = load_catalog(config.seeds, config.tag_authority)
    except DigestError as e:
        fail(e.problems)
    for warning in catalog.warnings:
        click.echo(f"{warning.path}:{warning.line}: warning: {warning.message}", err=True)
    return catalog


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Publish the IOM news digest as Atom, RSS and JSON feeds, per theme."""


@main.command()
@seeds_option
def check(seeds):
    """Read every digest file; report each problem as path:line: message (exit 1 if any)."""
    config = Config.from_env(seeds=seeds)
    catalog = read(config)
    click.echo(f"{config.seeds}: {len(catalog.items)} items read, no problems")


@main.command()
@seeds_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def items(seeds, as_json):
    """List the items newest first, with their themes and the evidence for each."""
    config = Config.from_env(seeds=seeds)
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
            "evidence": {slug: [{"term": m.term, "matched": m.text, "where": m.where, "score": m.score}
                                for m in matches] for slug, matches in item.evidence.items()},
            "source": item.source.name,
        } for item in catalog.items], ensure_ascii=False, indent=2))
        return
    for item in catalog.items:
        click.echo(f"{item.date}  {item.title}")
        for slug, matches in item.evidence.items():
            click.echo(f"            {slug}: {', '.join(map(str, matches))}")


@main.command()
@seeds_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("public"), show_default=True,
              help="Folder to publish the static site into (replaced atomically).")
@base_url_option
def build(seeds, out, base_url):
    """Write the static site: every feed and page, as the server would answer them."""
    config = Config.from_env(seeds=seeds, base_url=base_url)
    site = build_site(read(config), config)
    try:
        changes = export(site, out)
    except (ExportError, OSError) as e:
        fail([f"cannot write the export: {e}"])
    click.echo(f"{out}: {len(site)} documents for {config.base_url} "
               f"({len(changes.added)} added, {len(changes.changed)} changed, "
               f"{len(changes.removed)} removed, {changes.unchanged} unchanged)")


@main.command()
@seeds_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@base_url_option
def serve(seeds, host, port, base_url):
    """Serve the feeds over HTTP (python server.py does the same)."""
    from .app import create_app, load_site

    # with no public URL configured, links point at where this server listens
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    listening = f"http://{shown}:{port}/"
    config = Config.from_env(seeds=seeds, base_url=base_url or os.environ.get("FEEDS_BASE_URL") or listening)
    try:
        site = load_site(config)
    except DigestError as e:
        fail(e.problems)
    click.echo(f"serving {len(site.catalog.items)} items at {config.base_url}feed.atom", err=True)
    create_app(config, site).run(host=host, port=port)
