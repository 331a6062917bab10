"""The documentation site in a real headless Chromium: pages render, scripts run without errors, search finds rules."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import SEED
from tests.docs.conftest import serve
from tests.docs.test_plugin import build, hostile_rule

try:
    from playwright.sync_api import (
        Browser,
        ConsoleMessage,
        Dialog,
        Locator,
        Page,
        Playwright,
        Response,
        expect,
        sync_playwright,
    )
except ImportError as exc:  # a dev dependency: plain installs run the rest of the suite without it
    pytest.skip(f"playwright is not importable: {exc}", allow_module_level=True)

# Chromium must not reach out: this machine's network is closed (and CI's may be), and unrequested
# background traffic shows up as refused connections; never let Playwright download its own browser either.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
SEARCH_TIMEOUT_MS = 15_000  # material's search builds its index in a web worker on first use

SEED_SLUG = "execution_first_time_python_spawned_a_shell_on_host"
SEED_PATH = f"/rules/macos/{SEED_SLUG}/"
SEED_TITLE = "First Time Python Spawned a Shell on Host"
T1059_006 = "https://attack.mitre.org/techniques/T1059/006/"


@pytest.fixture(scope="module")
def pw() -> Iterator[Playwright]:
    """One Playwright driver per module."""
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(pw: Playwright, chromium: str) -> Iterator[Browser]:
    """One browser per module: launching Chromium costs about a second, a fresh context per test is cheap."""
    browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class Tab:
    """A page plus everything that went wrong on it: console errors, uncaught exceptions, failed requests."""

    page: Page
    base: str
    problems: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        """Navigate and insist on a 2xx: a missing page is a 404 document, which goto does not raise for."""
        url = self.base + path
        response = self.page.goto(url, wait_until="load")
        assert response is not None, f"no response for {url}"
        assert response.ok, f"{url}: HTTP {response.status}" + "".join(f"\n{p}" for p in self.problems)

    def assert_clean(self) -> None:
        """Every error the browser saw, in one message; each is a broken page for a reader."""
        problems, self.problems[:] = list(self.problems), []
        assert not problems, "browser errors:\n" + "\n".join(problems)


@pytest.fixture
def tab(browser: Browser, site_server: str) -> Iterator[Tab]:
    """A fresh context (no cache, no localStorage carried over) that records errors from the first request on."""
    with _tab(browser, site_server) as result:
        yield result


@contextlib.contextmanager
def _tab(browser: Browser, base: str) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    result = Tab(page, base)

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            where = msg.location
            result.problems.append(f"console: {msg.text} ({where.get('url')}:{where.get('lineNumber')})")

    def on_response(response: Response) -> None:
        if response.status >= 400:  # Chromium also logs these to the console, but without saying which URL
            result.problems.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: result.problems.append(f"page error: {error}"))
    page.on(
        "requestfailed", lambda request: result.problems.append(f"request failed: {request.url}: {request.failure}")
    )
    page.on("response", on_response)

    def on_dialog(dialog: Dialog) -> None:  # nothing on the site opens one; a rule's script would
        result.problems.append(f"dialog opened: {dialog.type} {dialog.message!r}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        yield result
    finally:
        context.close()


def test_home_page_renders(tab: Tab, artifacts: Path) -> None:
    """The landing page loads material's header and scripts without errors."""
    tab.open("/")
    expect(tab.page).to_have_title(re.compile(r"rule-kit"))
    expect(tab.page.locator("header.md-header")).to_be_visible()
    expect(tab.page.locator("article.md-content__inner")).to_be_visible()
    tab.page.screenshot(path=artifacts / "home.png")
    tab.assert_clean()


def test_seed_rule_page_renders(tab: Tab, artifacts: Path) -> None:
    """A generated rule page shows the rule's title, its guide, its query and its ATT&CK links."""
    tab.open(SEED_PATH)
    article = tab.page.locator("article.md-content__inner")
    expect(article.locator("h1")).to_contain_text(SEED_TITLE)
    expect(article).to_contain_text("Possible investigation steps")
    expect(article).to_contain_text("process.parent.name")
    expect(article.locator(f'a[href="{T1059_006}"]').first).to_be_attached()
    tab.page.screenshot(path=artifacts / "seed-rule.png", full_page=True)
    tab.assert_clean()


def test_coverage_matrix_renders(tab: Tab, artifacts: Path) -> None:
    """The ATT&CK matrix is on the page and shows the technique the seed rule covers."""
    tab.open("/rules/coverage/")
    matrix = tab.page.locator(".rk-matrix")
    expect(matrix).to_be_visible()
    expect(matrix.get_by_text(re.compile(r"\bT1059\b")).first).to_be_visible()
    tab.page.screenshot(path=artifacts / "coverage.png", full_page=True)
    tab.assert_clean()


def test_search_finds_rule_by_guide_text(tab: Tab, artifacts: Path) -> None:
    """Material's search indexes the generated rule pages: a word only in the seed rule's guide finds it."""
    tab.open("/")
    page = tab.page
    results = search_for(page, "pickle")
    hrefs = [href or "" for href in results.locator("a").evaluate_all("links => links.map(a => a.href)")]
    assert any(SEED_SLUG in href for href in hrefs), f"no search result links to the seed rule: {hrefs}"
    page.screenshot(path=artifacts / "search.png")
    tab.assert_clean()


def search_for(page: Page, words: str) -> Locator:
    """Type into material's search once its web worker has built the index (until then the box shows
    "Initializing search" and may drop what is typed), and wait for the first result."""
    toggle = page.locator('label.md-header__button[for="__search"]')
    if toggle.is_visible():  # narrow viewports hide the search box behind the header button
        toggle.click()
    search = page.locator("input.md-search__input")
    search.click()
    meta = page.locator(".md-search-result__meta")
    expect(meta).not_to_contain_text("Initializing", timeout=SEARCH_TIMEOUT_MS)
    search.press_sequentially(words)  # real key events: material searches on keyboard input
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible(timeout=SEARCH_TIMEOUT_MS)
    return results


def _row_texts(page: Page) -> list[str]:
    """Visible rows of the all-rules table, top to bottom."""
    return page.locator("article table tbody tr:visible").all_inner_texts()


def test_rules_table_filters_and_sorts(tab: Tab, artifacts: Path) -> None:
    """The all-rules table's script: typing in the filter hides non-matching rows, a header click sorts."""
    tab.open("/rules/")
    page = tab.page
    rows = page.locator("article table tbody tr")
    seed_row = rows.filter(has_text=SEED_TITLE)
    expect(seed_row).to_be_visible()
    box = page.locator("input.rk-filter")
    expect(box).to_be_visible()

    box.press_sequentially("python")  # real key events: the script may listen to input or keyup
    expect(seed_row).to_be_visible()
    box.fill("")
    box.press_sequentially("zzzz-no-such-rule")
    expect(page.locator("article table tbody tr:visible")).to_have_count(0)
    box.fill("")
    box.press("Backspace")  # fill("") only fires `input`; make sure a keyup-driven filter resets too
    expect(seed_row).to_be_visible()

    header = page.locator("article table thead th").first
    before, sort_before = _row_texts(page), header.get_attribute("aria-sort")
    header.click()
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        sort = header.get_attribute("aria-sort")
        after = _row_texts(page)
        if (sort in ("ascending", "descending") and sort != sort_before) or after != before:
            break
        assert time.monotonic() < deadline, f"clicking {header.inner_text()!r} neither set aria-sort nor reordered rows"
        page.wait_for_timeout(100)
    page.screenshot(path=artifacts / "rules-table.png", full_page=True)
    tab.assert_clean()


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A site built (by `rule-kit docs build`) from a rule whose name, guide and references carry script."""
    root = tmp_path_factory.mktemp("hostile")
    rules = root / "rules" / "macos"
    rules.mkdir(parents=True)
    (rules / "evil.toml").write_text(hostile_rule(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    result = build(root, "rules", "--strict", "-d", "out")
    assert result.returncode == 0, result.stderr
    with serve(root / "out") as url:
        yield url


def test_a_hostile_rule_runs_no_script_in_the_browser(browser: Browser, hostile_site: str, artifacts: Path) -> None:
    """Loading the page, clicking its links' neighbours and searching the payload's words opens no dialog."""
    with _tab(browser, hostile_site) as tab:
        tab.open("/rules/macos/evil/")
        page = tab.page
        expect(page.locator("article h1")).to_contain_text("Evil <img src=x onerror=alert(5)> rule")
        assert page.evaluate("document.querySelectorAll('article script, article img[onerror]').length") == 0
        for text in ("the runbook", "this"):  # the javascript: links are text, so there is nothing to follow
            assert page.locator("article a", has_text=text).count() == 0
        tab.open("/")
        search_for(page, "runbook")
        page.wait_for_timeout(300)
        page.screenshot(path=artifacts / "hostile-search.png")
        tab.assert_clean()
