"""What `feeds init DIR` writes: a new publication that builds and serves as it stands.

A settings file, a seeds folder with an example digest, and the nginx block with `root` and
`server_name` already set for this site, the way `hugo new site` starts one.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from .config import FILE, PLACEHOLDER_AUTHORITY, Config

NGINX = "nginx.conf"
EXAMPLE = "example.txt"


def toml_string(text: str) -> str:
    """A TOML basic string, readable as typed: accents and other scripts as they are, only what
    TOML cannot hold escaped."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def public_host(base_url: str | None) -> str | None:
    """The host of a public base URL in its ASCII (IDNA) form: the natural authority of the ids and
    nginx's server_name. None for no address, or one on this machine, which is nobody's."""
    if not base_url or Config(base_url=base_url).loopback:
        return None
    return urlsplit(base_url).hostname.encode("idna").decode("ascii")


def settings(base_url: str | None, title: str, today: dt.date) -> str:
    host = public_host(base_url)
    address = (f"base_url = {toml_string(base_url)}" if base_url else
               '# base_url = "https://feeds.example.org/"   # REQUIRED before a public build: every link starts with it')
    return f"""\
# Settings of this publication, read by `feeds build` and `feeds serve` in this folder.
# FEEDS_<NAME> environment variables override them (FEEDS_BASE_URL, …), and flags override both.

{address}

# Every item gets a permanent id, tag:<authority>,<date>:<slug>, minted once and kept forever
# through corrections and moves. Use a domain the publisher owned in tag_year, before the first
# public build: changing it later changes only the ids of items not yet published.
tag_authority = {toml_string(host or PLACEHOLDER_AUTHORITY)}
tag_year = {today.year}

title = {toml_string(title)}
description = "News from our digest, as feeds: one for everything and one per theme."
author = {toml_string(title)}   # each entry's author, as feed readers show it
language = "en"

seeds = "seeds"        # the digest files (*.txt, read in name order) and the ledger
out = "public"         # where `feeds build` publishes the static site
feed_size = 50         # items per feed; older ones are in the archive pages (changing it re-cuts them)

# websub_hub = "https://pubsubhubbub.appspot.com/"   # advertised in every feed and pinged by `feeds build`
# cache_max_age = 300                                # seconds readers and proxies may reuse a document
"""


def example_digest(today: dt.date) -> str:
    # yesterday and the day before: an item of today would be published at noon, maybe still ahead
    latest, earlier = today - dt.timedelta(days=1), today - dt.timedelta(days=2)
    day = f"{latest.day} {latest:%B, %Y}"
    return f"""\
{day}

Seasonal workers programme opens recruitment with fair hiring rules

A new seasonal workers programme opened today with ethical recruitment rules: employers pay the recruitment fees, and migrant workers sign contracts in their own language before they travel. (This is an example entry: replace this file with your first digest.)


{earlier.day} {earlier:%B, %Y}

Border officials train on identifying victims of trafficking in persons

Border officials completed a course on identifying victims of trafficking in persons and referring them to protection services, as part of a national migration governance plan. (An example too: a date line, a title, a body, then a blank line before the next date.)
"""


def nginx_block(root: Path, base_url: str | None, name: str) -> str:
    """The shipped block with its documented edits made (`root`, `server_name`), and its map of
    moved items named for this site, so that blocks of two publications can sit in one nginx."""
    text = resources.files(__package__).joinpath("deploy", NGINX).read_text(encoding="utf-8")
    folder = str(root)
    if re.search(r'[$"\\;{}\s]', folder.replace(" ", "")):
        raise ValueError(f"{folder}: nginx cannot name a folder with $, quotes, backslashes, ; or braces; "
                         "choose another folder")
    quoted = f'"{folder}"' if " " in folder else folder
    text, roots = re.subn(r"^    root \S+;$", lambda _: f"    root {quoted};", text, flags=re.MULTILINE)
    text, names = re.subn(r"^    server_name \S+;$", lambda _: f"    server_name {public_host(base_url) or 'localhost'};",
                          text, flags=re.MULTILINE)
    assert roots == names == 1, "the nginx block has one root and one server_name"
    text = text.replace("$feeds_moved_to", f"$feeds_moved_to_{re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_')}")
    redirects = f"{folder}/_redirects.map"
    return text.replace("/srv/feeds/public/_redirects.map", f'"{redirects}"' if " " in redirects else redirects)


def create(folder: Path, base_url: str | None, title: str, today: dt.date) -> list[Path]:
    """Write a new publication into `folder` (absent or empty); the files written."""
    written = {
        folder / FILE: settings(base_url, title, today),
        folder / "seeds" / EXAMPLE: example_digest(today),
        folder / NGINX: nginx_block((folder / "public").resolve(), base_url, folder.resolve().name),
        # the export, and what `feeds build` keeps beside it: its lock, the standby, the facts it read
        folder / ".gitignore": "/public/\n/.*.lock\n/.*.standby/\n/.*.facts\nseeds/.ledger.lock\n",
    }
    tomllib.loads(written[folder / FILE])  # what it wrote, it can read
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(written)
