"""Training the learned weights (feeds/learned.toml) from labelled sets: `feeds themes --train`.

Needs scikit-learn (`pip install -e '.[train]'`); builds never do. One logistic regression per
theme over binary n-gram features (feeds/learned.py), L2-regularised, solved by L-BFGS: the same
sets give the same file, byte for byte. Only n-grams seen in at least MIN_ITEMS labelled items
are features, and each theme keeps its KEEP heaviest weights, so the file stays small enough to
read and review.
"""
from __future__ import annotations

from collections import Counter

from .evaluation import Labelled
from .learned import Learned, LearnedTheme, features

MIN_ITEMS = 2
KEEP = 400
C = 1.0  # inverse regularisation strength, chosen by bench/themes_cv.py
DIGITS = 3


def fit(entries: list[Labelled], slugs: list[str], c: float = C, keep: int = KEEP,
        extra: dict[str, list[float]] | None = None) -> Learned:
    """One model per theme. `extra`: per theme, one more numeric feature per entry (the
    taxonomy's score, when the two are fused), learned under the name "(taxonomy)"."""
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    seen = [features(e.title, e.body) for e in entries]
    counts = Counter(gram for grams in seen for gram in grams)
    vocabulary = sorted(gram for gram, n in counts.items() if n >= MIN_ITEMS)
    index = {gram: i for i, gram in enumerate(vocabulary)}
    rows, cols = [], []
    for row, grams in enumerate(seen):
        for gram in grams:
            if gram in index:
                rows.append(row)
                cols.append(index[gram])
    matrix = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(entries), len(vocabulary)))
    themes = {}
    for slug in slugs:
        labels = np.array([slug in e.themes for e in entries])
        X, names = matrix, vocabulary
        if extra is not None:
            X = hstack([matrix, csr_matrix(np.array(extra[slug], dtype=float).reshape(-1, 1))]).tocsr()
            names = [*vocabulary, "(taxonomy)"]
        if labels.all() or not labels.any():
            themes[slug] = LearnedTheme(10.0 if labels.all() else -10.0, {})
            continue
        model = LogisticRegression(C=c, solver="lbfgs", max_iter=5000, tol=1e-8)
        model.fit(X, labels)
        weights = {name: round(float(w), DIGITS) for name, w in zip(names, model.coef_[0])}
        kept = sorted(weights.items(), key=lambda gw: (-abs(gw[1]), gw[0]))[:keep]
        themes[slug] = LearnedTheme(round(float(model.intercept_[0]), DIGITS), {g: w for g, w in kept if w})
    return Learned(themes)


def dump(learned: Learned, sources: list[str]) -> str:
    """The TOML of feeds/learned.toml: per theme its bias and weights, heaviest first."""
    import json
    lines = ["# Learned weights for the themes, written by `feeds themes --train`; do not edit by hand.",
             "# Trained on: " + ", ".join(sources), "# An item's learned score for a theme is its bias plus the",
             "# weights of the words and word pairs it contains (feeds/learned.py).", ""]
    for slug, theme in learned.themes.items():
        lines += [f"[themes.{slug}]", f"bias = {theme.bias}", "", f"[themes.{slug}.weights]"]
        lines += [f"{json.dumps(gram)} = {weight}" for gram, weight in theme.weights.items()]
        lines.append("")
    return "\n".join(lines)
