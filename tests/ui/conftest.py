"""Headless Chromium (Debian's package) driven by Playwright: no browser download, no network.

Screenshots go to the test's tmp dir; with STATUS_PAGE_SCREENSHOTS=<dir> (`make screenshots`)
they are also written there (docs/status-page/ keeps one per state).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# The machine's network is closed: nothing in the background may try it.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 960, "height": 900}


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One browser for the session, with a fresh profile (user-data dir) of its own."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make setup` installs Debian's chromium package", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport=DESKTOP,
            device_scale_factor=1,
            locale="en-GB",
            timezone_id="UTC",
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def screenshot_dirs(tmp_path: Path) -> list[Path]:
    extra = os.environ.get("STATUS_PAGE_SCREENSHOTS")
    return [tmp_path, *([Path(extra)] if extra else [])]
