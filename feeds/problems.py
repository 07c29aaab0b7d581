"""Problems found in the digest, always tied to the place a person can fix them."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        # line 0 means the problem is the file or folder itself
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


def quote(text: str, limit: int = 60) -> str:
    """Text for a message: quoted, and cut on a word with an ellipsis when long."""
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return repr(text)


def parse_toml(text: str, path: str, prefix: str = "not TOML: ") -> dict:
    """tomllib.loads, with a syntax error raised as a DigestError at its line (Python 3.11's
    tomllib puts the position in the message only: "... (at line 3, column 15)")."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        where = re.search(r" \(at line (\d+), column \d+\)$", str(e))
        message = str(e)[:where.start()] if where else str(e)
        raise DigestError([Problem(path, int(where[1]) if where else 0, prefix + message)]) from None


class DigestError(Exception):
    """The digest cannot be published as it stands; every problem names its file and line."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        self.problems = sorted(problems)
        self.warnings = sorted(warnings or [])  # found on the way: worth telling too
        super().__init__("\n".join(map(str, self.problems)))
