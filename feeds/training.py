"""Training the learned weights (feeds/learned.toml) from labelled sets: `feeds themes --train`.

Needs scikit-learn (`pip install -e '.[train]'`); builds never do. One logistic regression per
theme over binary features (feeds/learned.py: words and taxonomy terms), L2-regularised, solved
by L-BFGS, so the same sets give the same file. Only features seen in at least MIN_ITEMS
labelled items count. C and the threshold were chosen by leaving each labelled set out in turn
(bench/themes_cv.py).
"""
from __future__ import annotations

import json
from collections import Counter

from .evaluation import Labelled
from .learned import Learned, THRESHOLD
from .themes import Taxonomy

MIN_ITEMS = 2
C = 8.0  # inverse regularisation strength
DIGITS = 3  # weights are rounded: the file is read by people, and 0.001 never decides


def fit(taxonomy: Taxonomy, entries: list[Labelled], c: float = C) -> Learned:
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    seen = [taxonomy.features(e.title, e.body)[0] for e in entries]
    counts = Counter(feature for features in seen for feature in features)
    vocabulary = sorted(feature for feature, n in counts.items() if n >= MIN_ITEMS)
    index = {feature: i for i, feature in enumerate(vocabulary)}
    rows, cols = [], []
    for row, features in enumerate(seen):
        for feature in features:
            if feature in index:
                rows.append(row)
                cols.append(index[feature])
    matrix = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(entries), len(vocabulary)))
    columns, bias = [], []
    for theme in taxonomy.themes:
        labels = np.array([theme.slug in e.themes for e in entries])
        if labels.all() or not labels.any():
            raise ValueError(f"theme {theme.slug!r} is {'on every' if labels.all() else 'on no'} labelled item: "
                             "nothing to learn from")
        model = LogisticRegression(C=c, max_iter=10000, tol=1e-8).fit(matrix, labels)
        columns.append([round(float(w), DIGITS) + 0.0 for w in model.coef_[0]])  # + 0.0: never "-0.0"
        bias.append(round(float(model.intercept_[0]), DIGITS))
    rows = {feature: row for feature, *row in zip(vocabulary, *columns) if any(row)}
    return Learned(tuple(theme.slug for theme in taxonomy.themes), tuple(bias), {f: tuple(r) for f, r in rows.items()},
                   THRESHOLD)


def dump(learned: Learned, sources: list[str]) -> str:
    """feeds/learned.toml: a column per theme, a row per feature (in name order, so a retraining
    reads as a diff)."""
    slugs = learned.slugs
    lines = ["# Learned weights of the themes, written by `feeds themes --train`: do not edit by hand.",
             f"# Trained on {', '.join(sources)}.",
             "# An item's score for a theme is the theme's bias plus the weights, in its column, of the",
             "# words it contains and of the taxonomy terms it matches (term:<theme>:<term>); it joins",
             "# the theme when the score's probability reaches the threshold (feeds/learned.py).", "",
             f"themes = {json.dumps(list(slugs))}", f"threshold = {learned.threshold}",
             f"bias = [{', '.join(map(str, learned.bias))}]", "", "[weights]"]
    for feature in sorted(learned.rows):
        lines.append(f"{json.dumps(feature, ensure_ascii=False)} = [{', '.join(map(str, learned.rows[feature]))}]")
    return "\n".join(lines) + "\n"
