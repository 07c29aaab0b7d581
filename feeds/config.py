"""Settings that change what is published, from flags or FEEDS_* environment variables."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_BASE_URL = "http://127.0.0.1:8000/"


@dataclass(frozen=True)
class Config:
    seeds: Path = Path("seeds")
    base_url: str = DEFAULT_BASE_URL
    # Item ids are tag URIs (RFC 4151) minted by this authority. They must never change once
    # published, so they do not depend on the base URL: moving the site keeps every id.
    tag_authority: str = "iom-digest.example.org"
    tag_year: str = "2021"  # the year the authority started minting ids (for the feeds' own ids)
    feed_size: int = 50
    title: str = "IOM regional news digest"
    description: str = ("News from the International Organization for Migration's regional office "
                        "for Central America, North America and the Caribbean.")
    author: str = "International Organization for Migration (IOM), regional office"
    language: str = "en"
    # serving
    cache_max_age: int = 300  # seconds readers and proxies may reuse a document
    max_limit: int = 200  # the largest ?limit= a feed URL accepts
    reload_interval: float = 2.0  # seconds between looks at the seeds folder; 0 turns reloading off
    last_good: str = ""  # folder where server workers share a copy of the last seeds that read
    websub_hub: str = ""  # a WebSub hub every feed advertises, and `feeds build` pings

    def __post_init__(self):
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"base URL {self.base_url!r} is not an absolute http:// or https:// address "
                             "such as https://feeds.example.org/")
        # one canonical form: exactly one trailing slash, so urljoin behaves
        object.__setattr__(self, "base_url", self.base_url.rstrip("/") + "/")
        object.__setattr__(self, "seeds", Path(self.seeds))
        if self.websub_hub and urlsplit(self.websub_hub).scheme not in ("http", "https"):
            raise ValueError(f"WebSub hub {self.websub_hub!r} is not an http:// or https:// address")
        for name, low in (("cache_max_age", 0), ("max_limit", 1), ("reload_interval", 0)):
            if getattr(self, name) < low:
                raise ValueError(f"{name.replace('_', ' ')} must be at least {low}")

    @classmethod
    def from_env(cls, environ=os.environ, **overrides) -> "Config":
        """Defaults, then FEEDS_* variables, then explicit overrides (flags) that are not None."""
        settings = {}
        for name, convert in ENVIRONMENT.items():
            var = "FEEDS_" + name.upper()
            if environ.get(var):
                try:
                    settings[name] = convert(environ[var])
                except ValueError:
                    raise ValueError(f"{var}={environ[var]!r} is not a {convert.__name__}") from None
        settings.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**settings)

    def environment(self) -> dict[str, str]:
        """The FEEDS_* variables that reproduce this configuration in another process (server workers)."""
        return {"FEEDS_" + name.upper(): str(getattr(self, name)) for name in ENVIRONMENT}


# settings a FEEDS_<NAME> variable may give, and how to read them
ENVIRONMENT = {"seeds": str, "base_url": str, "tag_authority": str,
               "cache_max_age": int, "max_limit": int, "reload_interval": float, "last_good": str,
               "websub_hub": str}
