"""Every cell of the access matrix, through HTTP with real objects; no URL without a row."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security.access_matrix import (
    FORBIDDEN,
    HIDDEN,
    LOGIN,
    OK,
    PERSONAS,
    ROWS,
    UNAUTH,
    Row,
    row_id,
)
from tests.security.world import build_world, client_for, fill, make_personas


def url_patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Every concrete pattern of the project, includes joined (admin's too)."""
    resolver = resolver or get_resolver()
    out: list[str] = []
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            out += url_patterns(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append(prefix + str(p.pattern))
    return out


def covered(pattern: str) -> bool:
    return any(r.pattern == pattern or (r.prefix and pattern.startswith(r.pattern))
               for r in ROWS)


def test_every_url_has_a_row():
    """A new URL fails here until someone decides who may use it (access_matrix.py)."""
    missing = sorted({p for p in url_patterns() if not covered(p)})
    assert not missing, f"URL patterns without an access-matrix row: {missing}"


def test_every_row_names_a_real_url():
    patterns = set(url_patterns())
    stale = [r.pattern for r in ROWS
             if r.pattern not in patterns and not (r.prefix and r.pattern == "static/")]
    assert not stale, f"rows for URL patterns that no longer exist: {stale}"
    assert len({(r.method, r.path) for r in ROWS}) == len(ROWS)


def classify(response) -> str:  # noqa: ANN001
    """The matrix result of one response."""
    status = response.status_code
    if 300 <= status < 400:
        location = urlsplit(response["Location"])
        if location.path.endswith("/login/") and "next=" in location.query:
            return LOGIN
        return OK
    if 200 <= status < 300:
        return OK
    return {401: UNAUTH, 403: FORBIDDEN, 404: HIDDEN}.get(status, str(status))


CELLS = [pytest.param(row, persona, id=f"{row_id(row)}|{persona}")
         for row in ROWS for persona in PERSONAS]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the ~300 cells inside an outer transaction; each cell runs in a savepoint
    (the `db` fixture) that is rolled back, and the outer one is rolled back at the end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_world(**make_personas())
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def request_cell(row: Row, persona: str, world, settings):  # noqa: ANN001, ANN201
    if row.pattern == "sms/inbound/":
        settings.SMS_WEBHOOK_SECRET = "matrix-webhook-secret"  # noqa: S105 - test value
    client = client_for(persona, world)
    path = fill(row.path, world.values)
    data = fill(row.data, world.values)
    call = getattr(client, row.method.lower())
    if row.method == "GET":
        return call(path)
    if row.json:
        return call(path, data=json.dumps(data), content_type="application/json")
    return call(path, data=data)


@pytest.mark.parametrize(("row", "persona"), CELLS)
def test_access_cell(row: Row, persona: str, db, world, settings):
    response = request_cell(row, persona, world, settings)
    expected = row.expect[persona]
    got = classify(response)
    body = b"" if got == OK else response.content[:300]
    assert got == expected, (f"{row.method} {row.path} as {persona}: expected {expected}, got "
                             f"{got} ({response.status_code} "
                             f"{response.get('Location', '')}) {body!r}")
    if got == OK and row.method != "GET" and 200 <= response.status_code < 300:
        assert response.status_code in (200, 201, 204)


def test_docs_carry_the_current_matrix():
    """docs/security.md shows the table generated from ROWS (regenerate with
    `python -m tests.security.access_matrix --markdown`)."""
    from tests.conftest import ROOT
    from tests.security.access_matrix import markdown

    doc = (ROOT / "docs" / "security.md").read_text()
    start, end = "<!-- access-matrix:start -->", "<!-- access-matrix:end -->"
    section = doc[doc.index(start) + len(start):doc.index(end)].strip()
    assert section == markdown().strip(), "regenerate the access matrix in docs/security.md"
