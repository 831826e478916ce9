"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against live_server.

No downloaded browser: `playwright install` is never run. axe-core comes from node_modules
(npm install); each page is screenshotted under test-artifacts/screenshots/ and must have no
serious or critical accessibility violations.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("DHS_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VENDOR = ROOT / "static" / "vendor" / "uswds" / "css" / "uswds.min.css"
SHOTS = ROOT / "test-artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]



def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = None
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
    elif not AXE.exists() or not VENDOR.exists():
        reason = "front-end packages missing: run `npm install && node scripts/copy_vendor.mjs`"
    for item in items:
        if "browser" in item.keywords and reason and str(item.fspath).startswith(
                str(Path(__file__).parent)):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def browser():
    """One Chromium per module, closed before the rest of the suite runs.

    Playwright's sync API runs an event loop in this thread, so Django would refuse the test's
    own (synchronous, safe) ORM calls; async-unsafe calls are allowed only while it runs, and
    the variable is removed afterwards so it never reaches later tests or subprocesses.
    """
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                          args=ARGS)
            yield chromium
            chromium.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


class Portal:
    """One signed-in (or anonymous) browser tab plus the checks every page gets."""

    def __init__(self, context, base_url: str) -> None:
        self.context = context
        self.page = context.new_page()
        self.base_url = base_url
        self.csp_errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("response", self._response)
        self.page.on("pageerror", lambda exc: self.csp_errors.append(f"page error: {exc}"))
        self.page.add_init_script(
            "document.addEventListener('securitypolicyviolation', (e) => {"
            " const t = e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 160) : '';"
            " console.error('Refused to: ' + e.violatedDirective + ' ' + e.sourceFile + ':'"
            " + e.lineNumber + ' ' + t); });")

    def _console(self, msg) -> None:  # noqa: ANN001
        text = msg.text
        if msg.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            self.csp_errors.append(text)

    def _response(self, response) -> None:  # noqa: ANN001
        # A page may answer 404 or 429 on purpose; its CSS, JS, fonts and images may not fail.
        if response.request.resource_type != "document" and response.status >= 400:
            self.csp_errors.append(f"{response.status} {response.url}")

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("networkidle")

    def login(self, username: str, password: str) -> None:
        self.goto("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("input[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def check(self, name: str) -> list[dict]:
        """Screenshot, then axe-core; fails on serious/critical violations or CSP errors."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_load_state("networkidle")
        assert self.page.evaluate("() => !!document.styleSheets.length && "
                                  "getComputedStyle(document.body).fontFamily.length > 0")
        assert self.page.evaluate("() => typeof window.htmx !== 'undefined'"), "htmx not loaded"
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            # evaluate() goes through the DevTools protocol, so the page's CSP still holds
            # for the page's own scripts while axe is injected.
            self.page.evaluate(AXE.read_text())
        result = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
        report = SHOTS / f"{name}.axe.json"
        report.write_text(json.dumps(result["violations"], indent=1))
        assert not bad, f"{name}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} -> "
            f"{[n['target'] for n in v['nodes']][:3]}" for v in bad)
        assert not self.csp_errors, f"{name}: {self.csp_errors}"
        return result["violations"]


@pytest.fixture
def portal_factory(browser, live_server):
    # Accepting a link rescores in-process (eager Celery); pay scikit-learn's import once here,
    # not inside a request the browser is timing.
    from django.core.cache import cache

    import risk.services.scoring  # noqa: F401

    cache.clear()  # cached figures are keyed by ids that a flushed database reuses
    contexts = []

    def make() -> Portal:
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      locale="en-US", timezone_id="America/Chicago")
        context.set_default_timeout(20000)
        contexts.append(context)
        return Portal(context, live_server.url)

    yield make
    for context in contexts:
        context.close()
