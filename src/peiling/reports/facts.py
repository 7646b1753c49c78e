"""Facts for the methods chapter that come from the data itself (no database). Pure.

For a report of a data file, the definition says where the data came from (``fieldwork``
dates, a ``sources`` column) and whether to weight (``weight``: a numeric column). This module
turns that into ``MethodsFacts`` and a weighted dataset, with the weighting's efficiency
(Kish) in words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np

from peiling.analysis import Dataset, effective_n
from peiling.reports.definition import ReportDefinition
from peiling.reports.model import MethodsFacts, SourceCount
from peiling.reports.text import decimal, number, percent, quoted

__all__ = ["data_facts", "weighted"]


def data_facts(dataset: Dataset, definition: ReportDefinition) -> tuple[Dataset, MethodsFacts]:
    """Return the dataset (weighted when the definition says so) and its facts.

    Raises ``ValueError`` for a source or weight column the data does not have, or weights
    that are missing or negative.
    """
    sources: tuple[SourceCount, ...] = ()
    if definition.source_variable:
        sources = _sources(dataset, definition)
    facts = MethodsFacts(
        n=dataset.n,
        start=definition.start,
        end=definition.end,
        sources=sources,
        organisation=definition.author,
    )
    return weighted(dataset, definition, facts)


def _sources(dataset: Dataset, definition: ReportDefinition) -> tuple[SourceCount, ...]:
    name = definition.source_variable or ""
    variable = dataset.variable(name)
    if variable.kind == "single":
        codes = dataset.codes(name)
        counts = Counter(variable.categories[c].name for c in codes.tolist() if c >= 0)
    elif variable.kind == "text":
        counts = Counter(
            str(dataset.answer(name, i))
            for i in range(dataset.n)
            if dataset.answer(name, i) is not None
        )
    else:
        raise ValueError(
            f"sources.variable {name!r} is {variable.kind}; expected a column of "
            "source names such as 'panel' and 'nieuwsbrief'"
        )
    labels = dict(definition.source_labels)
    return tuple(
        SourceCount(key, labels.get(key, quoted(key)), count)
        for key, count in sorted(counts.items())
    )


def weighted(
    dataset: Dataset, definition: ReportDefinition, facts: MethodsFacts
) -> tuple[Dataset, MethodsFacts]:
    """Apply the definition's weight column; describe it in ``facts.weighting``."""
    if not definition.weight:
        return dataset, facts
    name = definition.weight
    variable = dataset.variable(name)
    if variable.kind != "numeric":
        raise ValueError(f"weight {name!r} is {variable.kind}; a weight must be a number")
    weights = dataset.numbers(name)
    bad = np.flatnonzero(np.isnan(weights) | (weights < 0))
    if bad.size:
        raise ValueError(
            f"weight {name!r}: {bad.size} respondents have no valid weight "
            f"(empty or negative; e.g. respondent {bad[0] + 1})"
        )
    n_eff = float(effective_n(weights))
    efficiency = 100.0 * n_eff / dataset.n if dataset.n else 0.0
    lines = (
        f"De resultaten zijn gewogen met de gewichten in {quoted(name)} (van "
        f"{decimal(float(weights.min()), 2)} tot {decimal(float(weights.max()), 2)}).",
        f"De efficiëntie van de weging is {percent(efficiency)}: de gewogen uitkomsten zijn "
        f"zo nauwkeurig als die van een onderzoek onder {number(n_eff)} respondenten "
        "(effectieve steekproefomvang, Kish).",
    )
    return dataset.with_weights(weights), replace(facts, weighting=lines)
