"""/api/docs/ in a real headless Chromium: Swagger UI renders every operation under the site's
CSP (script-src 'self', no inline scripts or styles), with no CSP violation and no CDN."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("DHS_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing")]


@pytest.fixture
def _async_unsafe_while_browsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright runs an event loop in this thread; allow the ORM only during this test."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_swagger_ui_renders_under_csp(live_server, _async_unsafe_while_browsing) -> None:  # noqa: ANN001
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on("request", lambda r: None if r.url.startswith(live_server.url)
                    or r.url.startswith("data:") else outside.append(r.url))
            page.goto(f"{live_server.url}/api/docs/")
            page.wait_for_selector(".opblock", timeout=20000)
            operations = page.locator(".opblock").count()
        finally:
            browser.close()
    assert operations >= 9, operations
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], \
        problems
    assert not outside, outside
