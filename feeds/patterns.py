"""Regexes for many words at once, shared by the theme classifier and the gazetteer."""
from __future__ import annotations

import re


def trie_pattern(names) -> str:
    """One regex for many names, shaped as a trie: ten times faster than an alternation of the
    names (a few hundred), which re tries one by one at every position. A name's longer
    continuations come first (greedy `?`), so the longest name that fits wins: "Dominican
    Republic" before "Dominica"."""
    trie: dict = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}  # a name ends here

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        inner = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{inner})?" if "" in node else inner

    return pattern(trie)
