"""The local Slack console in a real browser (Debian's Chromium driven by Playwright): what a newcomer
does after `make run`, through the page, the Slack stand-in, the bot and the Ramp sandbox.

Skipped when /usr/bin/chromium is absent, unless RAMP_BOT_REQUIRE_BROWSER=1 (as .ci/run sets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from openpyxl import Workbook

from handlers.commands import COMMANDS
from sandbox.slack import LOCAL_USER
from tests.browser.stack import LocalStack
from tests.driver import BOT_TOKEN, active_connections, books, ramp_state

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips, or fails under RAMP_BOT_REQUIRE_BROWSER=1
    expect = None

FILES = Path(__file__).parent.parent / "fixtures" / "files"
CHART = FILES / "netsuite_chart_of_accounts.csv"  # 13 postable accounts (4 rows skipped)


# -- what a user does --------------------------------------------------------------------------------


def say(page: Any, text: str) -> None:
    box = page.locator("#composer-input")
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")  # cleared once the bot acked


def message(page: Any, text: str) -> Any:
    return page.locator(".msg", has_text=text).last


def connect(page: Any, erp: str = "NetSuite") -> None:
    say(page, f"/ramp connect {erp}")
    expect(message(page, f"connected Ramp to {erp}")).to_be_visible()


def drop_file(page: Any, path: Path) -> None:
    """Drag a file from the desktop onto the channel."""
    transfer = page.evaluate_handle(
        """([name, text]) => {
             const transfer = new DataTransfer();
             transfer.items.add(new File([text], name, {type: "text/csv"}));
             return transfer;
           }""",
        [path.name, path.read_text()],
    )
    page.dispatch_event("#main", "drop", {"dataTransfer": transfer})


def post_as_bot(stack: LocalStack, **message: Any) -> None:
    """A message straight from the Web API, for what the bot does not send (yet)."""
    response = httpx.post(
        f"{stack.slack.url}chat.postMessage",
        json={"channel": "C0LOCAL", **message},
        headers={"Authorization": f"Bearer {BOT_TOKEN}"},
    )
    assert response.json()["ok"], response.json()


# -- the composer ----------------------------------------------------------------------------------


def test_the_composer_suggests_every_subcommand_and_completes_the_one_typed(page: Any):
    box = page.locator("#composer-input")
    box.fill("/ramp ")
    names = page.locator("#suggestions li").evaluate_all("items => items.map(i => i.dataset.name)")
    assert names == [spec.name for spec in COMMANDS]

    box.fill("/ramp transa")  # "/ramp trans" fits transfers too
    expect(page.locator("#suggestions li")).to_have_count(1)
    box.press("Tab")
    expect(box).to_have_value("/ramp transactions ")
    expect(page.locator("#composer-hint")).to_contain_text("since:DATE")


def test_connect_from_the_page_registers_the_connection_in_ramp(page: Any, stack: LocalStack):
    connect(page, "NetSuite")
    assert [c["remote_provider_name"] for c in active_connections(stack.ramp)] == ["NetSuite"]
    expect(message(page, "connected Ramp to NetSuite").locator("b")).to_have_text("NetSuite")


def test_a_reply_only_for_the_asker_is_hidden_from_everyone_else(page: Any):
    say(page, "/ramp help")
    help_reply = message(page, "/ramp transactions")
    expect(help_reply).to_contain_text("Only visible to you")

    page.select_option("#user", LOCAL_USER)
    expect(page.locator(".msg")).to_have_count(0)
    page.select_option("#user", "U0LOCALADMIN")
    expect(message(page, "/ramp transactions")).to_be_visible()


# -- files -------------------------------------------------------------------------------------------


def test_a_dropped_file_is_previewed_in_a_thread_and_uploaded_only_after_the_confirm_dialog(
    page: Any, stack: LocalStack
):
    connect(page)
    drop_file(page, CHART)
    preview = page.locator(".thread .msg", has_text="Upload preview: netsuite_chart_of_accounts.csv")
    expect(preview).to_contain_text("13 new")
    ts = preview.get_attribute("data-ts")

    preview.get_by_role("button", name="Upload").click()
    dialog = page.locator("#confirm")
    expect(dialog).to_contain_text("Upload to Ramp?")
    dialog.get_by_role("button", name="Not yet").click()
    expect(dialog).to_have_count(0)
    assert books(stack.ramp)["gl_accounts"] == []  # denied: nothing was sent

    preview.get_by_role("button", name="Upload").click()
    page.locator("#confirm").get_by_role("button", name="Upload").click()
    report = page.locator(f".msg[data-ts='{ts}']")  # the same message, updated in place
    expect(report).to_contain_text("Upload of netsuite_chart_of_accounts.csv finished")
    expect(report).to_contain_text("(edited)")
    assert len(books(stack.ramp)["gl_accounts"]) == 13


def upload_from_preview(page: Any, preview: Any) -> Any:
    """Upload, confirm, and return the same message once it reports the upload."""
    ts = preview.get_attribute("data-ts")
    preview.get_by_role("button", name="Upload").click()
    page.locator("#confirm").get_by_role("button", name="Upload").click()
    report = page.locator(f".msg[data-ts='{ts}']")
    expect(report).to_contain_text("finished")
    return report


def test_a_ticked_checkbox_travels_with_the_upload_click(page: Any, stack: LocalStack, tmp_path: Path):
    connect(page)
    drop_file(page, CHART)
    upload_from_preview(page, page.locator(".thread .msg", has_text="Upload preview").last)
    trimmed = tmp_path / "accounts_trimmed.csv"
    trimmed.write_text("\n".join(CHART.read_text().splitlines()[:9]) + "\n")  # 8 of the 13 accounts

    drop_file(page, trimmed)
    preview = page.locator(".thread .msg", has_text="Upload preview: accounts_trimmed.csv")
    expect(preview).to_contain_text("5 in Ramp but missing from the file")
    preview.get_by_label("Also deactivate the 5 item(s) missing from the file").check()
    report = upload_from_preview(page, preview)

    expect(report).to_contain_text("5 deactivated")
    accounts = books(stack.ramp)["gl_accounts"]
    assert sum(a["is_active"] for a in accounts) == 8


def test_a_static_select_pick_reaches_the_bot_which_re_reads_the_file(page: Any):
    connect(page)
    drop_file(page, CHART)
    preview = page.locator(".thread .msg", has_text="Upload preview")
    kind = preview.locator("select[data-action-id=upload_kind]")
    expect(kind).to_have_value("gl_accounts")  # the initial_option
    kind.select_option("vendors")
    answer = message(page, "cannot be read that way")
    expect(answer).to_contain_text("netsuite_chart_of_accounts.csv")
    expect(answer).to_contain_text("Only visible to you")


def test_a_picked_xlsx_file_is_shared_and_previewed(page: Any, stack: LocalStack, tmp_path: Path):
    connect(page)
    workbook = Workbook()
    sheet = workbook.active
    for line in CHART.read_text().splitlines():
        sheet.append(line.split(","))
    path = tmp_path / "accounts.xlsx"
    workbook.save(path)

    page.set_input_files("#file-input", str(path))

    expect(page.locator(".msg.from-user .file")).to_contain_text("accounts.xlsx")
    expect(page.locator(".thread .msg", has_text="Upload preview: accounts.xlsx")).to_contain_text("13 new")


# -- transactions ----------------------------------------------------------------------------------


def test_transactions_are_listed_and_one_is_marked_synced_through_its_menu_and_modal(
    page: Any, stack: LocalStack
):
    say(page, "/ramp transactions")
    listing = message(page, "Sync-ready")
    first_row = listing.locator("[data-action-id=transaction_row]").first
    first_row.locator(".bk-overflow-toggle").click()
    item = first_row.locator(".bk-menu-item", has_text="Mark synced")
    transaction_id = item.get_attribute("data-value").split("|", 1)[1]
    item.click()

    modal = page.locator("#modal")
    expect(modal).to_contain_text("ERP reference id")
    modal.locator("input").fill("   ")
    modal.get_by_role("button", name="Mark synced").click()
    # the bot's response_action "errors", under the input
    expect(modal.locator(".bk-error")).to_have_text("The ERP reference id is empty.")
    assert ramp_state(stack.ramp)["syncs"] == []

    modal.locator("input").fill("JE-1001")
    modal.get_by_role("button", name="Mark synced").click()
    expect(modal).to_have_count(0)
    expect(message(page, "Marked synced")).to_be_visible()
    syncs = ramp_state(stack.ramp)["syncs"]
    assert [s["successful_syncs"] for s in syncs] == [[{"id": transaction_id, "reference_id": "JE-1001"}]]


def test_the_exported_csv_is_a_file_in_the_thread_that_downloads(page: Any):
    say(page, "/ramp transactions")
    message(page, "Sync-ready").get_by_role("button", name="Export CSV").click()
    link = page.locator(".thread a.file").first
    expect(link).to_contain_text(".csv")
    with page.expect_download() as download:
        link.click()
    header = Path(download.value.path()).read_text().splitlines()[0]
    assert "merchant" in header.lower()


def test_the_summary_is_shown_on_demand(page: Any):
    say(page, "/ramp summary now")
    expect(message(page, "Ramp daily summary")).to_be_visible()


# -- the Home tab ------------------------------------------------------------------------------------


def test_the_home_tab_shows_the_connection_refreshes_and_its_buttons_answer_in_the_dm(
    page: Any, stack: LocalStack
):
    page.locator("#app-tabs li", has_text="Home").click()
    home = page.locator("#home .home-view")
    expect(home).to_contain_text("No active accounting connection")
    expect(page.locator("#composer")).to_be_hidden()

    stack.slack.slash_command("/ramp", "connect NetSuite")  # an admin elsewhere; the tab is not redrawn
    stack.slack.wait_for(lambda: active_connections(stack.ramp))
    expect(home).to_contain_text("No active accounting connection")
    home.get_by_role("button", name="Refresh").click()
    expect(home).to_contain_text("Connected to NetSuite")

    home.get_by_role("button", name="Sync-ready transactions").click()
    page.locator("#channels li", has_text="Ramp bot").click()  # the DM, listed once the bot has one
    expect(page.locator("#channel-name")).to_have_text("Ramp bot")
    expect(message(page, "Sync-ready")).to_be_visible()
    expect(page.locator("#composer")).to_be_visible()


# -- rendering -------------------------------------------------------------------------------------


def test_mrkdwn_is_formatted_and_text_from_outside_is_never_markup(page: Any, stack: LocalStack):
    text = (
        "*bold* _italic_ `code` <https://example.com/x|a link> <@U0LOCALUSER>\n"
        "&lt;img src=x onerror=alert(1)&gt; costs &amp; more"
    )
    section = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    post_as_bot(stack, text="fallback", blocks=[section])
    shown = message(page, "costs & more")
    expect(shown.locator("b")).to_have_text("bold")
    expect(shown.locator("i")).to_have_text("italic")
    expect(shown.locator("code")).to_have_text("code")
    expect(shown.locator("a[href='https://example.com/x']")).to_have_text("a link")
    expect(shown.locator(".mention")).to_have_text("@Local User")
    expect(shown).to_contain_text("<img src=x onerror=alert(1)> costs & more")
    expect(shown.locator("img")).to_have_count(0)
    expect(shown.locator(".bk-section-text br")).to_have_count(1)


def test_a_block_the_page_cannot_draw_is_shown_as_its_json(page: Any, stack: LocalStack):
    line = {"type": "rich_text_section", "elements": [{"type": "text", "text": "hi"}]}
    odd = {"type": "rich_text", "elements": [line]}
    post_as_bot(stack, text="odd", blocks=[{"type": "divider"}, odd])
    shown = page.locator(".bk-unknown")
    expect(shown).to_contain_text('"type": "rich_text_section"')
    expect(page.locator(".bk-divider")).to_have_count(1)


def test_a_channel_mention_shows_the_channels_name_and_emoji_are_drawn(page: Any, stack: LocalStack):
    text = "Summary for <#C0LOCAL>, or <#C0LOCAL|labelled>; :no_bell: :double_vertical_bar: :not_an_emoji:"
    post_as_bot(
        stack, text="fallback", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    )
    shown = message(page, "Summary for")
    expect(shown.locator(".mention")).to_have_text(["#finance-local", "#labelled"])
    expect(shown).to_contain_text("🔕 ⏸️ :not_an_emoji:")
    expect(shown).not_to_contain_text("C0LOCAL")


def test_the_bots_own_summary_reply_names_the_channel(page: Any):
    say(page, "/ramp summary on 09:00 Europe/London")
    shown = message(page, "Daily summary on")
    expect(shown).to_contain_text("#finance-local")
    expect(shown).not_to_contain_text("#C0LOCAL")
