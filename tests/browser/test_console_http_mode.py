"""The browser console, unchanged, with the bot behind its HTTP front door as `python -m bot serve`
runs it (the other browser tests drive the Socket Mode bot `make run` ships): a command, a dropped
file, a button behind a confirm dialog and a modal with errors, through the page.

Skipped when /usr/bin/chromium is absent, unless RAMP_BOT_REQUIRE_BROWSER=1 (as .ci/run sets)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from sandbox.ramp import RampSandbox
from sandbox.slack import LOCAL_ADMIN, SlackStandIn
from tests.conftest import bot_settings, start_http_bot
from tests.driver import FILES, books, load_mix, ramp_state

CHART = FILES / "netsuite_chart_of_accounts.csv"


@pytest.fixture
def http_page(browser: Any, tmp_path: Path, ramp: RampSandbox, slack: SlackStandIn) -> Iterator[Any]:
    """The console of `slack`, which POSTs signed requests to the bot behind its HTTP front door."""
    load_mix(ramp)
    with contextmanager(start_http_bot)(bot_settings(tmp_path, ramp, slack, admins=(LOCAL_ADMIN,)), slack):
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(slack.url)
        page.wait_for_selector("body[data-ready='1']")
        yield page
        context.close()


def test_the_console_drives_the_http_bot_as_it_drives_the_socket_mode_one(
    http_page: Any, ramp: RampSandbox, slack: SlackStandIn
):
    from playwright.sync_api import expect

    page = http_page
    box = page.locator("#composer-input")
    box.fill("/ramp connect NetSuite")
    box.press("Enter")
    expect(page.locator(".msg", has_text="connected Ramp to NetSuite").last).to_be_visible()

    transfer = page.evaluate_handle(
        """([name, text]) => {
             const transfer = new DataTransfer();
             transfer.items.add(new File([text], name, {type: "text/csv"}));
             return transfer;
           }""",
        [CHART.name, CHART.read_text()],
    )
    page.dispatch_event("#main", "drop", {"dataTransfer": transfer})
    preview = page.locator(".thread .msg", has_text=f"Upload preview: {CHART.name}")
    expect(preview).to_contain_text(" new")
    ts = preview.get_attribute("data-ts")
    preview.get_by_role("button", name="Upload").click()
    page.locator("#confirm").get_by_role("button", name="Upload").click()
    expect(page.locator(f".msg[data-ts='{ts}']")).to_contain_text("finished")
    assert books(ramp)["gl_accounts"]

    box.fill("/ramp transactions")
    box.press("Enter")
    row = page.locator(".msg", has_text="Sync-ready").last.locator("[data-action-id=transaction_row]").first
    row.locator(".bk-overflow-toggle").click()
    row.locator(".bk-menu-item", has_text="Mark synced").click()
    modal = page.locator("#modal")
    modal.locator("input").fill("   ")
    modal.get_by_role("button", name="Mark synced").click()
    expect(modal.locator(".bk-error")).to_have_text("The ERP reference id is empty.")  # the ack's errors
    modal.locator("input").fill("JE-1001")
    modal.get_by_role("button", name="Mark synced").click()
    expect(modal).to_have_count(0)
    expect(page.locator(".msg", has_text="Marked synced").last).to_be_visible()
    assert len(ramp_state(ramp)["syncs"]) == 1
    assert slack.socket_mode.envelopes == []  # every request went by signed HTTP
