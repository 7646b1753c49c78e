"""Correlated subqueries that count or aggregate the rows of a related table per row.

An annotation such as ``Count("responses")`` joins the related table and groups the outer
rows; with 100,000 responses behind a handful of studies PostgreSQL then reads every joined
row (and, where a subquery lands in the ``GROUP BY``, runs it once per joined row). A
subquery per outer row reads only its own rows, from an index where one fits: ``COUNT(*)``
needs no column, so ``(fieldwork, status)`` answers it without touching the table.

Django has no ready expression for "aggregate of this queryset, per outer row" without a
``GROUP BY`` (``Count`` inside ``Subquery`` groups by the selected columns), hence these two
small functions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Expression, Func, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


class _CountAll(Func):
    """``COUNT(*)`` as a plain function, so that Django adds no ``GROUP BY``."""

    template = "COUNT(*)"
    output_field = IntegerField()


def count_of(queryset: QuerySet) -> Expression:
    """The number of rows of ``queryset`` (which refers to the outer row with ``OuterRef``),
    0 when there are none."""
    counted = queryset.order_by().annotate(_n=_CountAll()).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def aggregate_of(queryset: QuerySet, function: str, field: str,
                 output_field: Any) -> Expression:
    """``function(field)`` (``MIN``, ``MAX``, ...) over the rows of ``queryset``; NULL when
    there are none."""
    aggregated = queryset.order_by().annotate(
        _value=Func(field, function=function, output_field=output_field)).values("_value")
    return Subquery(aggregated, output_field=output_field)
