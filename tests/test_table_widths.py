"""A terminal table's column widths: shrunk level by level, as one step at a time would."""

from __future__ import annotations

import random

from citynet.output import Column, Listing, _fit, _longest_word


def fit_one_step_at_a_time(listing: Listing, columns: list[Column], width: int) -> list[int]:
    """The widths as `_fit` made them before, one character per step (a reference)."""
    cells = [[str(row.get(c.key, "")) for row in listing.rows] for c in columns]
    natural = [max([len(c.header), *map(len, t)]) for c, t in zip(columns, cells, strict=True)]
    least = [
        max([_longest_word(c.header), *map(_longest_word, t)])
        for c, t in zip(columns, cells, strict=True)
    ]
    available = width - 3 * len(columns) - 1
    widths = natural[:]
    while sum(widths) > available:
        slack = [w - m for w, m in zip(widths, least, strict=True)]
        if max(slack) > 0:
            widths[slack.index(max(slack))] -= 1
            continue
        breakable = [i for i, c in enumerate(columns) if not c.no_wrap and widths[i] > 6]
        if not breakable:
            break
        widths[max(breakable, key=lambda i: widths[i])] -= 1
    return widths


def random_text(rng: random.Random) -> str:
    words = [
        "x" * rng.choice([1, 2, 3, 5, 8, 13, 40]) for _ in range(rng.choice([0, 1, 2, 5, 30, 400]))
    ]
    return " ".join(words)


def test_widths_are_those_of_shrinking_one_character_at_a_time() -> None:
    rng = random.Random(18)
    for case in range(400):
        columns = [
            Column(key=f"c{i}", header=f"Spalte {i}", no_wrap=rng.random() < 0.3)
            for i in range(rng.randint(1, 6))
        ]
        rows = [{c.key: random_text(rng) for c in columns} for _ in range(rng.randint(0, 4))]
        listing = Listing(columns=columns, rows=rows, payload=None)
        width = rng.choice([20, 40, 80, 100, 160, 400])
        widths, _whole_words = _fit(listing, columns, width)
        assert widths == fit_one_step_at_a_time(listing, columns, width), case
