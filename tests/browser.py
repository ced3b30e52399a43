"""Headless Chromium for the UI tests: Debian's ``chromium`` driven by Playwright (no
``playwright install``), with every request that would leave the machine aborted and
recorded, and every console error and page error collected.

``CAKUPAN_SCREENSHOTS=<folder>`` makes the UI tests save their screenshots there (the
README's are taken this way: ``CAKUPAN_SCREENSHOTS=docs make test``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL = ("file:", "data:", "blob:", "http://127.0.0.1", "ws://127.0.0.1", "about:")


def chromium_path() -> str:
    found = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not found:
        raise RuntimeError(
            "no chromium: the UI tests need Debian's chromium (.ci/run installs it: "
            "apt-get update && apt-get install -y chromium)"
        )
    return found


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Tab:
    """A page whose console errors and attempted network requests are recorded."""

    page: Page
    errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


def open_tab(browser: Browser, width: int = 1100, height: int = 900) -> Tab:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    tab = Tab(page)

    def block(route: Any) -> None:
        tab.external.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(LOCAL), block)
    page.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))
    page.on("pageerror", lambda e: tab.errors.append(str(e)))
    return tab


def screenshot(page: Page, name: str, full_page: bool = True) -> None:
    """Save a screenshot when ``CAKUPAN_SCREENSHOTS`` names a folder."""
    folder = os.environ.get("CAKUPAN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=full_page)


def map_shape_sizes(page: Page, chart: str = "#chart-peta") -> dict[str, Any]:
    """The map's svg size and each drawn shape's size (none may fill the map: a shape
    wound the wrong way is drawn as the whole globe minus itself)."""
    return page.evaluate(
        f"""(() => {{ const svg = document.querySelector('{chart} svg').getBoundingClientRect();
             const paths = Array.from(document.querySelectorAll('{chart} g.mark-shape path'))
               .map(p => p.getBoundingClientRect());
             return {{svg: [svg.width, svg.height], paths: paths.map(b => [b.width, b.height])}}; }})()"""
    )
