"""The summary's chart in the local Slack console, in a real browser: the PNG the bot uploaded is
stored by the stand-in byte for byte and shown inline in the summary's thread, as Slack shows it.

Skipped when /usr/bin/chromium is absent, unless RAMP_BOT_REQUIRE_BROWSER=1 (as .ci/run sets)."""

from __future__ import annotations

import re
from typing import Any

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under RAMP_BOT_REQUIRE_BROWSER=1
    expect = None


def test_the_summary_chart_shows_inline_in_the_summarys_thread(page: Any):
    box = page.locator("#composer-input")
    box.fill("/ramp summary now")
    box.press("Enter")
    summary = page.locator(".item", has=page.locator(".msg", has_text="Ramp daily summary")).last
    expect(summary.locator(".msg", has_text="the chart is in the thread")).to_be_visible()
    chart = summary.locator(".thread img.file-image")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute(
        "alt", re.compile(r"^Card transactions ready to sync versus synced by the bot, to \w{3} \d\d \w{3}$")
    )
    # Decoded by the browser: the stand-in served the PNG's bytes as they were uploaded.
    width, height = chart.evaluate("(img) => [img.naturalWidth, img.naturalHeight]")
    assert width >= 560 and height > 0 and height % 220 == 0
