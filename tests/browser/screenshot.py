"""The README's picture of the local Slack console: `python -m tests.browser.screenshot [docs/console.png]`.

Starts what `make run` starts (on free ports), plays a short session in Chromium (connect, share the
chart of accounts, upload it, list transactions, start typing a command) and saves the page.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from sandbox.ramp import RampSandbox
from tests.browser.stack import launch, local_stack, missing_browser

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "tests" / "fixtures" / "files" / "netsuite_chart_of_accounts.csv"


def take(out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with (
        RampSandbox(port=0) as ramp,
        tempfile.TemporaryDirectory() as tmp,
        local_stack(Path(tmp), ramp) as stack,
        sync_playwright() as playwright,
    ):
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
        page.goto(stack.url)
        page.wait_for_selector("body[data-ready='1']")
        box = page.locator("#composer-input")

        def say(text: str) -> None:
            box.fill(text)
            box.press("Enter")
            expect(box).to_have_value("")

        say("/ramp connect NetSuite")
        expect(page.locator(".msg", has_text="connected Ramp to")).to_be_visible()
        page.set_input_files("#file-input", str(CHART))
        preview = page.locator(".thread .msg", has_text="Upload preview")
        preview.get_by_role("button", name="Upload").click()
        page.locator("#confirm").get_by_role("button", name="Upload").click()
        expect(page.locator(".msg", has_text="finished")).to_be_visible()
        say("/ramp transactions")
        expect(page.locator(".msg", has_text="Sync-ready")).to_be_visible()
        # the upload report above, the start of the list below
        page.locator(".msg", has_text="Sync-ready").evaluate(
            """(listing) => {
                 const list = document.querySelector("#messages");
                 const top = listing.getBoundingClientRect().top - list.getBoundingClientRect().top;
                 list.scrollTop += top - 330;
               }"""
        )
        box.fill("/ramp s")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()


def main(argv: list[str]) -> int:
    reason = missing_browser()
    if reason:
        print(f"Cannot take the screenshot: {reason}", file=sys.stderr)
        return 2
    out = Path(argv[0]) if argv else ROOT / "docs" / "console.png"
    take(out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
