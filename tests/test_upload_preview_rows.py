"""What the preview says about the file itself, rendered from real sample exports: skipped rows with
their reasons (the first few, then a count), warnings, contra accounts to check, the kind as a guess,
names as read and the encoding select; and all of it inert when the names are hostile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.importers import EncodingGuess, RowError, SkippedRow, parse_category_file
from bot.render import render_message
from bot.services.upload_plan import UploadPlan, file_plan
from bot.services.uploads import UploadPreview
from tests.driver import mrkdwn_texts

FILES = Path(__file__).parent / "fixtures" / "files"
KINDS = {"gl_accounts": "GL accounts", "vendors": "vendors", "subsidiaries": "subsidiaries"}
LIVE_MARKUP = ("<!", "<@", "<#", "<http")


def preview_of(plan: UploadPlan, name: str = "file.csv") -> dict[str, Any]:
    return render_message(
        "upload_preview.json.j2",
        preview=UploadPreview("u1", name, plan),
        kind_label=KINDS.get(plan.kind, plan.kind),
        subsidiary_field="Subsidiary",
        kinds=KINDS,
        formats=[plan.format_name],
    )


def plan_of(name: str, filename: str | None = None, **choices: str) -> UploadPlan:
    return file_plan(parse_category_file((FILES / name).read_bytes(), filename or name, **choices))


def shown(message: dict[str, Any]) -> str:
    return "\n".join(mrkdwn_texts(message["blocks"]))


def elements(message: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for block in message["blocks"]:
        if block["type"] == "actions":
            found |= {
                element["action_id"]: {**element, "block_id": block["block_id"]}
                for element in block["elements"]
            }
    return found


def test_skipped_rows_are_listed_with_their_reasons_and_counted_by_reason() -> None:
    text = shown(preview_of(plan_of("business_central_chart_of_accounts.csv")))

    assert "*5 row(s) skipped*, not uploaded: 1 blocked in the ERP · 4 headings or totals" in text
    assert "• Row 6, Total Assets: a heading or total, not an account (End-Total)" in text
    assert "• Row 5, Petty Cash: blocked in the ERP (Yes)" in text


def test_only_the_first_skipped_rows_are_listed_then_a_count() -> None:
    plan = UploadPlan("gl_accounts", "NetSuite chart of accounts", [], 12)
    plan.skipped_rows = [
        SkippedRow(row, f"Orders {row}", "non_posting", "Non Posting") for row in range(2, 14)
    ]
    plan.skip_counts = {"non_posting": 12}
    text = shown(preview_of(plan))

    assert "• Row 6, Orders 6: a Non Posting account" in text
    assert "Orders 7" not in text and "…and 7 more" in text


def test_deleted_quickbooks_records_are_listed_as_skipped() -> None:
    text = shown(preview_of(plan_of("qbo_vendor_list.csv")))

    assert "• Row 10, Globex Couriers: deleted in QuickBooks" in text


def test_an_unknown_type_is_a_warning_and_the_file_can_still_be_uploaded() -> None:
    data = b"Internal ID,Name,Type\n1,Cash,Bank\n2,Odd,Banana\n"
    plan = file_plan(parse_category_file(data, "coa.csv"))
    text = shown(preview_of(plan))

    assert plan.errors == [] and len(plan.warnings) == 1
    assert ":warning: *1 row(s) to look at*, uploaded anyway:" in text
    assert "Unknown account type “Banana”: uploaded as UNKNOWN." in text


def test_intacct_contra_accounts_are_listed_to_check() -> None:
    text = shown(preview_of(plan_of("intacct_chart_of_accounts.csv")))

    assert ":mag: *Check these 2*" in text and "“Sales Discounts” looks like revenue" in text


def test_a_guessed_kind_says_so_and_why() -> None:
    text = shown(preview_of(plan_of("ramp_vendors_cp1250_semicolon.csv", "export.csv")))

    assert "*Kind:* vendors (a guess: check it)" in text
    assert "read as vendors because every row looks like a vendor's" in text


def test_names_are_shown_as_read_and_a_certain_guess_offers_no_encoding_select() -> None:
    message = preview_of(plan_of("ramp_vendors_cp1250_semicolon.csv"))

    assert "*Read as Windows-1250 (Central European):* Łódź Print sp. z o.o. · " in shown(message)
    assert "upload_encoding" not in elements(message)


def test_an_encoding_chosen_or_unsure_is_offered_in_the_choice_block() -> None:
    message = preview_of(plan_of("ramp_vendors_cp1250_semicolon.csv", encoding="cp1252"))
    select = elements(message)["upload_encoding"]

    assert "£ódŸ Print" in shown(message) and "choose another encoding" in shown(message)
    assert select["block_id"] == "upload_choice:u1"
    assert select["initial_option"]["value"] == "cp1252"
    assert [option["value"] for option in select["options"]] == ["utf-8", "cp1252", "cp1250", "cp1251"]


def test_the_encoding_select_is_shown_even_without_the_kind_and_format_selects() -> None:
    plan = UploadPlan("field_options", "Ramp subsidiaries as “Subsidiary” options", [])
    plan.encoding = EncodingGuess(
        "cp1252", "Windows-1252 (Western European)", False, ("cp1252", "cp1250", "cp1251")
    )
    plan.samples = ["Gyõri Nyomda"]
    select = elements(preview_of(plan))["upload_encoding"]

    assert select["block_id"] == "upload_choice:u1" and len(select["options"]) == 3


def test_a_workbook_shows_no_encoding() -> None:
    plan = UploadPlan("vendors", "QuickBooks Online vendor list", [], samples=["Café Central"])
    assert "Read as" not in shown(preview_of(plan))


@pytest.mark.parametrize("hostile", ["<!channel>", "a & b <@U1>", "<https://evil.example|x>", '"}]}'])
def test_every_new_part_of_the_preview_keeps_hostile_names_inert(hostile: str) -> None:
    plan = UploadPlan("gl_accounts", hostile, [], 1, [], [hostile], kind_guess=hostile)
    plan.skipped_rows = [SkippedRow(2, hostile, "layout", hostile, hostile)]
    plan.skip_counts = {"layout": 1}
    plan.warnings = [RowError(3, hostile, hostile)]
    plan.checks = [RowError(4, hostile, hostile)]
    plan.encoding = EncodingGuess("cp1250", "Windows-1250 (Central European)", False, ("cp1250", "cp1252"))
    plan.samples = [hostile, hostile]
    message = preview_of(plan, name=hostile)

    assert not any(markup in message["text"] for markup in LIVE_MARKUP)
    for text in mrkdwn_texts(message["blocks"]):
        assert not any(markup in text for markup in LIVE_MARKUP), text
