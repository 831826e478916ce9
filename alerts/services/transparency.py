"""Public aggregates with small-cell suppression (primary and complementary).

Any published count below settings.SMALL_CELL_THRESHOLD is suppressed (primary). A suppressed
cell must also not be recoverable from what is published next to it: row totals, column totals
and the grand total. We treat the published table as a system of linear equations whose
unknowns are the suppressed cells (inner cells and totals) and keep suppressing the smallest
published neighbour (complementary suppression) until no unknown is determined by the system.
The check is exact linear algebra (a cell is recoverable iff its unit vector lies in the row
space of the constraint matrix), so it also catches chains across several rows and columns,
not only the "one suppressed cell in a row" case.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

Key = tuple[str, str]


@dataclass
class Cell:
    value: int | None  # None when suppressed
    suppressed: bool
    primary: bool = False  # suppressed because it is small (not as a complement)


@dataclass
class SuppressedTable:
    """A published table: every value is either a count or None (suppressed)."""

    title: str
    row_label: str
    rows: list[str]
    columns: list[str]
    column_labels: dict[str, str]
    cells: dict[Key, Cell]
    row_totals: dict[str, Cell]
    column_totals: dict[str, Cell]
    grand_total: Cell
    show_row_totals: bool = True
    notes: list[str] = field(default_factory=list)

    def as_rows(self) -> list[dict[str, Any]]:
        """Rows ready for a template: label, cells in column order, total."""
        return [{"label": r, "cells": [self.cells[(r, c)] for c in self.columns],
                 "total": self.row_totals[r]} for r in self.rows]

    @property
    def suppressed_count(self) -> int:
        return sum(1 for c in self.cells.values() if c.suppressed)


# --- the rule --------------------------------------------------------------------------------
def _unknowns(sup_cells: set[Key], sup_rows: set[str], sup_cols: set[str], sup_grand: bool,
              ) -> list[tuple[str, Any]]:
    return ([("cell", k) for k in sorted(sup_cells)] + [("row", r) for r in sorted(sup_rows)]
            + [("col", c) for c in sorted(sup_cols)] + ([("grand", None)] if sup_grand else []))


def _constraint_matrix(rows: list[str], columns: list[str], unknowns: list[tuple[str, Any]],
                       with_row_totals: bool) -> np.ndarray:
    """One equation per row, per column and for the grand total, over the unknowns only.

    Known (published) values only move to the right-hand side, which does not matter for
    whether an unknown is determined, so only the coefficients are built.
    """
    index = {u: i for i, u in enumerate(unknowns)}
    equations: list[np.ndarray] = []

    def eq(terms: list[tuple[tuple[str, Any], float]]) -> None:
        vec = np.zeros(len(unknowns))
        for u, coef in terms:
            if u in index:
                vec[index[u]] += coef
        if vec.any():
            equations.append(vec)

    if with_row_totals:
        for r in rows:  # sum of the row's cells - row total = 0
            eq([(("cell", (r, c)), 1.0) for c in columns] + [(("row", r), -1.0)])
        eq([(("row", r), 1.0) for r in rows] + [(("grand", None), -1.0)])
    for c in columns:
        eq([(("cell", (r, c)), 1.0) for r in rows] + [(("col", c), -1.0)])
    eq([(("col", c), 1.0) for c in columns] + [(("grand", None), -1.0)])
    if not equations:
        return np.zeros((0, len(unknowns)))
    return np.vstack(equations)


def recoverable_unknowns(rows: list[str], columns: list[str], unknowns: list[tuple[str, Any]],
                         with_row_totals: bool = True) -> list[tuple[str, Any]]:
    """The suppressed values an attacker could compute exactly from the published ones."""
    if not unknowns:
        return []
    a = _constraint_matrix(rows, columns, unknowns, with_row_totals)
    if a.shape[0] == 0:
        return []
    # x_i is fixed by A x = b exactly when every solution of A x = 0 has x_i = 0, i.e. when
    # row i of a null-space basis is zero. One SVD per check, whatever the table size.
    _, sing, vt = np.linalg.svd(a)
    tol = max(a.shape) * np.finfo(float).eps * (sing[0] if sing.size else 1.0)
    rank = int((sing > tol).sum())
    null = vt[rank:].T  # columns span the null space
    if null.shape[1] == 0:
        return list(unknowns)
    return [u for i, u in enumerate(unknowns) if np.abs(null[i]).max() < 1e-9]


def suppress_table(counts: dict[Key, int], *, rows: list[str], columns: list[str],
                   threshold: int | None = None, title: str = "", row_label: str = "",
                   column_labels: dict[str, str] | None = None,
                   show_row_totals: bool = True) -> SuppressedTable:
    """Apply primary and complementary suppression to a rows x columns table of counts.

    A count below the threshold (zero included: a published zero next to a total narrows the
    others) is suppressed, and so is every total below it. Then, while any suppressed value can
    be solved from the published ones, the smallest published value that shares a row or
    column with it (or, for a total, the smallest published total beside it) is suppressed.
    """
    k = settings.SMALL_CELL_THRESHOLD if threshold is None else threshold
    value = {(r, c): int(counts.get((r, c), 0)) for r in rows for c in columns}
    row_tot = {r: sum(value[(r, c)] for c in columns) for r in rows}
    col_tot = {c: sum(value[(r, c)] for r in rows) for c in columns}
    grand = sum(row_tot.values())

    sup_cells = {key for key, v in value.items() if v < k}
    primary = set(sup_cells)
    sup_rows = {r for r, v in row_tot.items() if v < k} if show_row_totals else set()
    sup_cols = {c for c, v in col_tot.items() if v < k}
    sup_grand = grand < k

    for _ in range(len(value) + len(rows) + len(columns) + 2):
        unknowns = _unknowns(sup_cells, sup_rows, sup_cols, sup_grand)
        exposed = recoverable_unknowns(rows, columns, unknowns, show_row_totals)
        if not exposed:
            break
        kind, key = exposed[0]
        if kind == "cell":
            r, c = key
            choices = [(value[(r, c2)], (r, c2)) for c2 in columns if (r, c2) not in sup_cells]
            choices += [(value[(r2, c)], (r2, c)) for r2 in rows if (r2, c) not in sup_cells]
            if choices:
                sup_cells.add(min(choices)[1])
                continue
            # Every neighbour is already suppressed: hide the totals that pin it down.
            if show_row_totals and r not in sup_rows:
                sup_rows.add(r)
            elif c not in sup_cols:
                sup_cols.add(c)
            else:
                sup_grand = True
        elif kind == "row":
            others = [(row_tot[r2], r2) for r2 in rows if r2 not in sup_rows]
            if others:
                sup_rows.add(min(others)[1])
            else:
                sup_grand = True
        elif kind == "col":
            others = [(col_tot[c2], c2) for c2 in columns if c2 not in sup_cols]
            if others:
                sup_cols.add(min(others)[1])
            else:
                sup_grand = True
        else:
            sup_grand = True
    else:  # pragma: no cover - the loop always converges (suppressing everything is safe)
        sup_cells = set(value)

    def cell(v: int, hidden: bool, is_primary: bool = False) -> Cell:
        return Cell(value=None if hidden else v, suppressed=hidden, primary=is_primary)

    return SuppressedTable(
        title=title, row_label=row_label, rows=rows, columns=columns,
        column_labels=column_labels or {c: c for c in columns},
        cells={key: cell(v, key in sup_cells, key in primary) for key, v in value.items()},
        row_totals={r: cell(row_tot[r], (r in sup_rows) or not show_row_totals) for r in rows},
        column_totals={c: cell(col_tot[c], c in sup_cols) for c in columns},
        grand_total=cell(grand, sup_grand),
        show_row_totals=show_row_totals,
    )


# --- the public page's figures ----------------------------------------------------------------
def _zip5(value: str) -> str:
    return (value or "")[:5] or "unknown"


def transparency_sources(*, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Outside sources, their purpose and the agreements they come under (active or not)."""
    from dhs.models import DataSharingAgreement
    from risk.models import SOURCES

    today = today or timezone.localdate()
    labels = dict(SOURCES)
    out = []
    agreements = DataSharingAgreement.objects.select_related("partner").order_by(
        "partner__name", "reference")
    for agreement in agreements:
        if agreement.status in (DataSharingAgreement.DRAFT,):
            continue
        out.append({
            "partner": agreement.partner.name,
            "kind": agreement.partner.get_kind_display(),
            "reference": agreement.reference,
            "sources": [labels.get(s, s) for s in agreement.sources or []],
            "purpose": agreement.purpose,
            "legal_basis": agreement.legal_basis,
            "effective_date": agreement.effective_date,
            "expiry_date": agreement.expiry_date,
            "retention_days": agreement.retention_days,
            "receives_referrals": agreement.receives_referrals,
            "active": agreement.is_active(today),
            "status": agreement.get_status_display(),
        })
    return out


def transparency_tables(*, since: dt.datetime | None = None,
                        threshold: int | None = None) -> list[SuppressedTable]:
    """Neighbourhood (ZIP code) aggregates of the last year, suppressed for publication."""
    from alerts.models import Flag, Intervention, WorkItemAction
    from cases.models import Household

    since = since or timezone.now() - dt.timedelta(days=365)

    served: dict[Key, int] = {}
    for zip_code, n in (Household.objects.filter(work_items__created_at__gte=since)
                        .values_list("zip").annotate(n=Count("id", distinct=True))):
        key = (_zip5(zip_code), "households")
        served[key] = served.get(key, 0) + n

    flags: dict[Key, int] = {}
    flag_names: dict[str, str] = {}
    for zip_code, code, name, n in (Flag.objects.filter(opened_at__gte=since)
                                    .values_list("household__zip", "rule__code", "rule__name")
                                    .annotate(n=Count("id"))):
        key = (_zip5(zip_code), code)
        flags[key] = flags.get(key, 0) + n
        flag_names[code] = name

    offers: dict[Key, int] = {}
    intervention_names = dict(Intervention.objects.values_list("code", "name"))
    for zip_code, code, n in (WorkItemAction.objects
                              .filter(at__gte=since, intervention__isnull=False,
                                      action__in=["intervention_offered", "referred"])
                              .values_list("item__household__zip", "intervention__code")
                              .annotate(n=Count("id"))):
        key = (_zip5(zip_code), code)
        offers[key] = offers.get(key, 0) + n

    zips = sorted({z for z, _ in served} | {z for z, _ in flags} | {z for z, _ in offers})
    tables = [
        suppress_table(served, rows=zips, columns=["households"], threshold=threshold,
                       title="Households worked with, by ZIP code", row_label="ZIP code",
                       column_labels={"households": "Households"}, show_row_totals=False),
        suppress_table(flags, rows=zips, columns=sorted(flag_names), threshold=threshold,
                       title="Early-warning flags raised, by type and ZIP code",
                       row_label="ZIP code", column_labels=flag_names),
        suppress_table(offers, rows=zips, columns=sorted({c for _, c in offers}),
                       threshold=threshold,
                       title="Help offered (interventions and referrals), by ZIP code",
                       row_label="ZIP code",
                       column_labels={c: intervention_names.get(c, c) for _, c in offers}),
    ]
    return tables
