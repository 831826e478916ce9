"""Small-cell suppression: primary, complementary, and attempts to recover hidden cells."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.services.transparency import Cell, SuppressedTable, suppress_table


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached figures (transparency, office traffic) are keyed by ids a rollback reuses."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()

def _table(grid: list[list[int]], threshold: int = 11, row_totals: bool = True):
    rows = [f"r{i}" for i in range(len(grid))]
    cols = [f"c{j}" for j in range(len(grid[0]))]
    counts = {(r, c): grid[i][j] for i, r in enumerate(rows) for j, c in enumerate(cols)}
    return suppress_table(counts, rows=rows, columns=cols, threshold=threshold,
                          show_row_totals=row_totals), rows, cols


def _published_system(table: SuppressedTable, rows: list[str], cols: list[str]):
    """What an attacker knows: equations over the hidden values (cells and totals)."""
    unknowns = [("cell", k) for k, c in table.cells.items() if c.suppressed]
    unknowns += [("row", r) for r in rows if table.row_totals[r].suppressed
                 and table.show_row_totals]
    unknowns += [("col", c) for c in cols if table.column_totals[c].suppressed]
    unknowns += [("grand", None)] if table.grand_total.suppressed else []
    index = {u: i for i, u in enumerate(unknowns)}

    def value(kind, key):
        if kind == "cell":
            cell = table.cells[key]
        elif kind == "row":
            cell = table.row_totals[key]
        elif kind == "col":
            cell = table.column_totals[key]
        else:
            cell = table.grand_total
        return cell

    equations = []

    def add(terms):  # sum(coef * x) = 0 with x known or unknown
        a, b = np.zeros(len(unknowns)), 0.0
        for (kind, key), coef in terms:
            cell = value(kind, key)
            if cell.suppressed:
                a[index[(kind, key)]] += coef
            else:
                b -= coef * cell.value
        equations.append((a, b))

    if table.show_row_totals:
        for r in rows:
            add([(("cell", (r, c)), 1) for c in cols] + [(("row", r), -1)])
        add([(("row", r), 1) for r in rows] + [(("grand", None), -1)])
    for c in cols:
        add([(("cell", (r, c)), 1) for r in rows] + [(("col", c), -1)])
    add([(("col", c), 1) for c in cols] + [(("grand", None), -1)])
    return unknowns, equations


def _recoverable(table, rows, cols) -> list:
    unknowns, equations = _published_system(table, rows, cols)
    if not unknowns:
        return []
    a = np.array([e[0] for e in equations])
    rank = np.linalg.matrix_rank(a)
    found = []
    for i, u in enumerate(unknowns):
        unit = np.zeros(len(unknowns))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            found.append(u)
    return found


def test_small_cells_are_suppressed():
    table, rows, cols = _table([[50, 3, 40], [60, 45, 30], [70, 80, 90]])
    assert table.cells[("r0", "c1")].suppressed and table.cells[("r0", "c1")].primary
    assert table.cells[("r0", "c1")].value is None
    assert not table.cells[("r2", "c2")].suppressed


def test_a_lone_suppressed_cell_gets_a_complement_in_its_row_and_column():
    table, rows, cols = _table([[50, 3, 40], [60, 45, 30], [70, 80, 90]])
    row0 = [table.cells[("r0", c)].suppressed for c in cols]
    col1 = [table.cells[(r, "c1")].suppressed for r in rows]
    assert sum(row0) >= 2 and sum(col1) >= 2
    # the complement is the next smallest in the row: 40 (not 50)
    assert table.cells[("r0", "c2")].suppressed


def test_suppressed_cell_cannot_be_recovered_from_row_and_column_totals():
    grid = [[50, 3, 40], [60, 45, 30], [70, 80, 90]]
    table, rows, cols = _table(grid)
    # The naive attack: row total minus the published cells of the row.
    total = table.row_totals["r0"].value
    published = sum(table.cells[("r0", c)].value or 0 for c in cols
                    if not table.cells[("r0", c)].suppressed)
    remaining = total - published
    assert remaining != 3  # the hidden 3 is mixed with another hidden cell
    # The same through the column.
    total = table.column_totals["c1"].value
    published = sum(table.cells[(r, "c1")].value or 0 for r in rows
                    if not table.cells[(r, "c1")].suppressed)
    assert total - published != 3
    # The full attack: solve every published equation at once.
    assert _recoverable(table, rows, cols) == []


def test_without_complementary_suppression_the_cell_would_be_recoverable():
    """The attack works on a table where only the small cell is hidden (sanity of the test)."""
    grid = [[50, 3, 40], [60, 45, 30], [70, 80, 90]]
    table, rows, cols = _table(grid)
    naive = SuppressedTable(
        title="", row_label="", rows=rows, columns=cols, column_labels={},
        cells={k: Cell(None, True) if k == ("r0", "c1") else Cell(v.value or grid[int(k[0][1])][
            int(k[1][1])], False) for k, v in table.cells.items()},
        row_totals={r: Cell(sum(grid[i]), False) for i, r in enumerate(rows)},
        column_totals={c: Cell(sum(g[j] for g in grid), False) for j, c in enumerate(cols)},
        grand_total=Cell(sum(map(sum, grid)), False))
    assert _recoverable(naive, rows, cols) == [("cell", ("r0", "c1"))]


def test_small_totals_are_suppressed_and_safe():
    table, rows, cols = _table([[2, 3], [40, 50]])
    assert table.row_totals["r0"].suppressed  # 5 < 11
    assert _recoverable(table, rows, cols) == []


def test_single_column_table_protects_the_lone_small_row():
    table, rows, cols = _table([[120], [4], [35], [60]], row_totals=False)
    hidden = [r for r in rows if table.cells[(r, "c0")].suppressed]
    assert hidden == ["r1", "r2"]  # 4 is small; 35 is the next smallest, hidden with it
    assert table.column_totals["c0"].value == 219
    assert _recoverable(table, rows, cols) == []


def test_threshold_comes_from_settings(settings):
    settings.SMALL_CELL_THRESHOLD = 5
    table = suppress_table({("a", "x"): 6, ("a", "y"): 7, ("b", "x"): 8, ("b", "y"): 9},
                           rows=["a", "b"], columns=["x", "y"])
    assert not any(c.suppressed for c in table.cells.values())


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: st.lists(
    st.lists(st.integers(0, 60), min_size=n, max_size=n), min_size=1, max_size=5)))
def test_no_suppressed_value_is_ever_recoverable(grid):
    table, rows, cols = _table(grid)
    for key, cell in table.cells.items():
        value = grid[int(key[0][1:])][int(key[1][1:])]
        if value < 11:
            assert cell.suppressed
        if not cell.suppressed:
            assert cell.value == value
    assert _recoverable(table, rows, cols) == []


def test_every_published_number_is_true_or_hidden():
    grid = [[12, 0, 25], [7, 33, 18]]
    table, rows, cols = _table(grid)
    for (i, r), (j, c) in itertools.product(enumerate(rows), enumerate(cols)):
        cell = table.cells[(r, c)]
        assert cell.suppressed or cell.value == grid[i][j]


@pytest.mark.django_db
def test_public_page_shows_agreements_and_suppresses(client, office_a):
    from tests.browser.world import build_portal_world

    build_portal_world(office=office_a, households=3)
    page = client.get("/transparency/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "County District Court" in text and "DSA-COURT-1" in text
    assert "Eviction filings" in text
    assert 'data-suppressed="1"' in text  # three households: every count is small
    assert "Signed in as" not in text
