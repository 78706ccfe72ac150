"""A limit applies before rows are built: the same table, only the rows shown are made."""

from __future__ import annotations

import pytest

from citynet.files import shipped_path
from citynet.output import refine
from citynet.store import load
from citynet.views import city_list


@pytest.mark.parametrize("limit", [0, 1, 5, 27, 100])
def test_cities_built_up_to_the_limit_are_the_cities_cut_at_it(limit: int) -> None:
    dataset = load(shipped_path())
    early = city_list(dataset, dataset.cities, limit)
    late = refine(city_list(dataset, dataset.cities), limit=limit)
    assert (early.rows, early.payload, early.title, early.footer) == (
        late.rows,
        late.payload,
        late.title,
        late.footer,
    )
