"""Settings that change what is published: the site's file (feeds.toml), FEEDS_* variables, flags.

Each layer overrides the one before: defaults, then the file, then the environment, then flags.
"""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .problems import DigestError, Problem, parse_toml

DEFAULT_BASE_URL = "http://127.0.0.1:8000/"
FILE = "feeds.toml"  # the site's settings, beside its seeds folder; read from the current folder
PLACEHOLDER_AUTHORITY = "iom-digest.example.org"


@dataclass(frozen=True)
class Config:
    seeds: Path = Path("seeds")
    out: Path = Path("public")  # where `feeds build` publishes the static site
    base_url: str = DEFAULT_BASE_URL
    # Item ids are tag URIs (RFC 4151) minted by this authority. They must never change once
    # published, so they do not depend on the base URL: moving the site keeps every id.
    tag_authority: str = PLACEHOLDER_AUTHORITY
    tag_year: str = "2021"  # the year the authority started minting ids (for the feeds' own ids)
    feed_size: int = 50
    page_size: int = 100  # items per page of an HTML list (/items/, a theme's, a country's)
    title: str = "IOM regional news digest"
    description: str = ("News from the International Organization for Migration's regional office "
                        "for Central America, North America and the Caribbean.")
    author: str = "International Organization for Migration, regional office"
    language: str = "en"
    # serving
    cache_max_age: int = 300  # seconds readers and proxies may reuse a document
    max_limit: int = 200  # the largest ?limit= a feed URL accepts
    reload_interval: float = 2.0  # seconds between looks at the seeds folder; 0 turns reloading off
    state: str = ""  # where `feeds serve` keeps its export between runs; "" for a folder in the user's cache
    websub_hub: str = ""  # a WebSub hub every feed advertises, and `feeds build` pings
    config_file: str = field(default="", compare=False)  # the settings file read, "" for none

    def __post_init__(self):
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"base URL {self.base_url!r} is not an absolute http:// or https:// address "
                             "such as https://feeds.example.org/")
        # one canonical form: exactly one trailing slash, so urljoin behaves
        object.__setattr__(self, "base_url", self.base_url.rstrip("/") + "/")
        object.__setattr__(self, "seeds", Path(self.seeds))
        object.__setattr__(self, "out", Path(self.out))
        object.__setattr__(self, "tag_year", str(self.tag_year))
        if self.websub_hub and urlsplit(self.websub_hub).scheme not in ("http", "https"):
            raise ValueError(f"WebSub hub {self.websub_hub!r} is not an http:// or https:// address")
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", self.tag_authority):
            raise ValueError(f"tag authority {self.tag_authority!r} is not a domain name such as feeds.example.org")
        if not re.fullmatch(r"(19|20)\d\d", self.tag_year):
            raise ValueError(f"tag year {self.tag_year!r} is not a year such as 2021")
        for name, low in (("cache_max_age", 0), ("max_limit", 1), ("reload_interval", 0), ("feed_size", 1),
                          ("page_size", 1)):
            if getattr(self, name) < low:
                raise ValueError(f"{name.replace('_', ' ')} must be at least {low}")

    @classmethod
    def from_env(cls, environ=os.environ, file: Path | None = None, default_base_url: str | None = None,
                 **overrides) -> "Config":
        """Defaults, then the settings file, then FEEDS_* variables, then explicit overrides (flags)
        that are not None. The file is `file`, else $FEEDS_CONFIG, else ./feeds.toml if there is one;
        it raises DigestError with `file:line: problem` for a file that cannot be read.
        `default_base_url` is the base URL when no layer gives one (a server's own address)."""
        path = settings_file(file, environ)
        settings = read_file(path)
        for name, convert in SETTINGS.items():
            var = "FEEDS_" + name.upper()
            if environ.get(var):
                try:
                    settings[name] = convert(environ[var])
                except ValueError:
                    raise ValueError(f"{var}={environ[var]!r} is not {KINDS[convert]}") from None
        settings.update({k: v for k, v in overrides.items() if v is not None})
        if default_base_url and "base_url" not in settings:
            settings["base_url"] = default_base_url
        return cls(**settings, config_file=str(path or ""))

    def environment(self) -> dict[str, str]:
        """The FEEDS_* variables that reproduce this configuration in another process (server
        workers): every setting, and the file it was read from (FEEDS_CONFIG="": none), so that a
        worker reads the same file under them, never another one it happens to find."""
        return {**{"FEEDS_" + name.upper(): str(getattr(self, name)) for name in SETTINGS},
                "FEEDS_CONFIG": self.config_file}

    @property
    def loopback(self) -> bool:
        """Whether the links lead to this machine only (http://127.0.0.1:8000/, localhost, ::1)."""
        host = urlsplit(self.base_url).hostname or ""
        try:
            return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_unspecified
        except ValueError:
            return host == "localhost" or host.endswith(".localhost")

    @property
    def placeholder_authority(self) -> bool:
        """Whether ids are minted under a name nobody owns."""
        return placeholder(self.tag_authority)


def placeholder(authority: str) -> bool:
    """Whether a tag authority is a name nobody owns (RFC 2606's example and reserved domains)."""
    return authority.rsplit(".", 2)[-2:] in (["example", "org"], ["example", "com"], ["example", "net"]) \
        or authority.endswith((".example", ".invalid", ".test")) or authority in ("example", "localhost")


# every setting a file or a FEEDS_<NAME> variable may give, and how to read it
SETTINGS = {"seeds": str, "out": str, "base_url": str, "tag_authority": str, "tag_year": str, "title": str,
            "description": str, "author": str, "language": str, "feed_size": int, "page_size": int,
            "websub_hub": str,
            "cache_max_age": int, "max_limit": int, "reload_interval": float, "state": str}
KINDS = {str: "a text", int: "a whole number", float: "a number"}
PATHS = {"seeds", "out", "state"}  # relative to the file's folder


def settings_file(file: Path | None, environ=os.environ) -> Path | None:
    """`file`, else $FEEDS_CONFIG (set but empty: no file), else ./feeds.toml if there is one."""
    if file is not None:
        return Path(file)
    if "FEEDS_CONFIG" in environ:
        return Path(environ["FEEDS_CONFIG"]) if environ["FEEDS_CONFIG"] else None
    return Path(FILE) if Path(FILE).is_file() else None


def read_file(path: Path | None) -> dict:
    """The settings a file gives, with paths made relative to its folder; DigestError naming the
    line of anything wrong."""
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
        raise DigestError([Problem(str(path), 0, f"cannot read the settings file: {reason}")]) from None
    table = parse_toml(text, str(path))

    def line_of(key: str) -> int:  # key = …, "key" = …, key.sub = …, [key]
        name = rf"""(["']?){re.escape(key)}\1"""
        found = (re.search(rf"^[ \t]*{name}[ \t]*[=.]", text, re.MULTILINE)
                 or re.search(rf"^[ \t]*\[+[ \t]*{name}[ \t]*[].]", text, re.MULTILINE))
        return text.count("\n", 0, found.start()) + 1 if found else 0

    problems, settings = [], {}
    for key, value in table.items():
        convert = SETTINGS.get(key)
        if convert is None:
            known = ", ".join(SETTINGS)
            problems.append(Problem(str(path), line_of(key), f"unknown setting {key!r} (known: {known})"))
        elif convert is str and key == "tag_year" and isinstance(value, int) and not isinstance(value, bool):
            settings[key] = str(value)
        elif not isinstance(value, convert if convert is not float else (int, float)) or isinstance(value, bool):
            problems.append(Problem(str(path), line_of(key), f"{key} must be {KINDS[convert]}, not {value!r}"))
        else:
            settings[key] = str(path.parent / value) if key in PATHS and not Path(value).is_absolute() else value
            try:
                Config(**{key: settings[key]})  # a base URL, authority or size checked here, by its line
            except ValueError as e:
                problems.append(Problem(str(path), line_of(key), str(e)))
    if problems:
        raise DigestError(problems)
    for key in PATHS - settings.keys():  # the file sits beside its seeds folder, wherever it is
        if getattr(Config, key):
            settings[key] = str(path.parent / getattr(Config, key))
    return settings
