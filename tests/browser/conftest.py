"""Fixtures for the browser tests: one Chromium per worker, a fresh local product and page per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.ramp import RampSandbox
from tests.browser.stack import LocalStack, launch, local_stack, require_browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def stack(tmp_path: Path, ramp: RampSandbox) -> Iterator[LocalStack]:
    with local_stack(tmp_path, ramp) as running:
        yield running


@pytest.fixture
def page(browser: Any, stack: LocalStack) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(stack.url)
    page.wait_for_selector("body[data-ready='1']")
    yield page
    context.close()
