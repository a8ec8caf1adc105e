"""Category files → records: every sample export, header and footer detection, kinds and
formats, row errors located as Excel shows them."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from bot.importers import (
    FIELD_OPTIONS,
    GL_ACCOUNTS,
    SKIP_REASONS,
    SUBSIDIARIES,
    SYNC_RESULTS,
    VENDORS,
    CategoryRecord,
    ImportFileError,
    ParsedFile,
    RowError,
    describe_formats,
    detect_kind,
    parse_category_file,
)

FILES = Path(__file__).parent / "fixtures" / "files"
EXPECTED = json.loads((FILES / "expected.json").read_text(encoding="utf-8"))
# The other ERPs' exports and the dimension lists (issue 14 §2-3), one file per format; a key
# "file#kind" reads the file as that kind (an IIF file holds several lists).
ERP_FILES = Path(__file__).parent / "fixtures" / "erp"
ERP_EXPECTED = json.loads((ERP_FILES / "expected.json").read_text(encoding="utf-8"))


def _make_xlsx() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_xlsx", FILES / "make_xlsx.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    written: dict[str, Path] = _make_xlsx().write_workbooks(tmp_path_factory.mktemp("xlsx"))
    return written


def _summary(parsed: ParsedFile) -> dict[str, object]:
    return {
        "format_name": parsed.format_name,
        "kind": parsed.kind,
        "header_row": parsed.header_row,
        "total_rows": parsed.total_rows,
        "skipped": [[s.row, s.name, s.reason, s.value] for s in parsed.skipped],
        "records": [[r.id, r.name, r.code, r.classification, r.field] for r in parsed.records],
        "errors": [[e.row, e.column, e.message] for e in parsed.errors],
        "warnings": [[w.row, w.column, w.message] for w in parsed.warnings],
        "checks": [[c.row, c.column, c.message] for c in parsed.checks],
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample_export_parses_to_the_expected_records_and_counts(name: str) -> None:
    parsed = parse_category_file((FILES / name).read_bytes(), name)

    assert _summary(parsed) == EXPECTED[name]


@pytest.mark.parametrize("key", sorted(ERP_EXPECTED))
def test_every_erp_export_parses_to_the_expected_records_and_counts(key: str) -> None:
    name, _, kind = key.partition("#")
    parsed = parse_category_file((ERP_FILES / name).read_bytes(), name, kind=kind or None)

    assert _summary(parsed) == ERP_EXPECTED[key]


def test_every_sample_file_has_an_expectation_or_is_a_deliberate_failure() -> None:
    samples = {p.name for p in FILES.iterdir() if p.suffix in (".csv", ".txt")}
    assert samples - set(EXPECTED) == {"sync_results.csv", "unknown_header.csv"}
    erp_samples = {p.name for p in ERP_FILES.iterdir() if p.suffix != ".json"}
    assert erp_samples == {key.partition("#")[0] for key in ERP_EXPECTED}


def test_a_file_can_be_read_from_a_path_as_well_as_from_bytes() -> None:
    name = "netsuite_chart_of_accounts.csv"
    assert _summary(parse_category_file(FILES / name, name)) == EXPECTED[name]


def test_every_erp_format_has_a_sample_file() -> None:
    sampled = {entry["format_name"] for entry in [*EXPECTED.values(), *ERP_EXPECTED.values()]}
    known = {description.name for description in describe_formats()}
    assert known == sampled


def test_quickbooks_header_is_found_below_the_report_title_and_the_footer_is_ignored() -> None:
    parsed = parse_category_file((FILES / "qbo_chart_of_accounts.csv").read_bytes(), "Account List.csv")

    assert parsed.header_row == 5
    assert "TOTAL" not in {record.name for record in parsed.records}
    assert parsed.records[-1].name == "Penalties"
    assert parsed.errors == []


def test_a_footer_split_at_its_commas_is_still_a_footer() -> None:
    data = (
        b"Acme\r\nVendor Contact List\r\n\r\nVendor,Company,Phone\r\nAcme Supplies,,\r\n\r\n"
        b"Monday, January 6, 2025 10:14 AM GMT-08:00\r\n\r\n\r\n"
    )
    parsed = parse_category_file(data, "vendors.csv")

    assert [record.name for record in parsed.records] == ["Acme Supplies"]
    assert parsed.total_rows == 1


def test_an_account_named_total_is_not_taken_for_the_total_line() -> None:
    data = b"Account Name,Type\nTotal Rewards,Expenses\nTOTAL,\n"
    parsed = parse_category_file(data, "accounts.csv")

    assert [record.name for record in parsed.records] == ["Total Rewards"]


def test_rows_after_a_quoted_newline_keep_the_row_numbers_excel_shows() -> None:
    data = b'id,name,code,classification\n1,"Two\nline name",1,ASSET\n2,Ok,2,Expnse\n'
    parsed = parse_category_file(data, "accounts.csv")

    assert parsed.records[0].name == "Two\nline name"
    assert parsed.errors == [
        RowError(3, "D (classification)", "Unknown account type “Expnse”. Did you mean “Expense”?")
    ]


def test_workbook_rows_keep_excel_row_numbers_and_column_letters(workbooks: dict[str, Path]) -> None:
    parsed = parse_category_file(workbooks["netsuite_offset.xlsx"], "netsuite_offset.xlsx")

    assert parsed.header_row == 3
    assert parsed.records == [
        CategoryRecord(GL_ACCOUNTS, "1", "Checking", "1000", "ASSET"),
        CategoryRecord(GL_ACCOUNTS, "2", "Expenses : Meals", "6000", "UNKNOWN"),
    ]
    assert parsed.errors == []
    assert parsed.warnings == [
        RowError(5, "F (Type)", "Unknown account type “Expnse”: uploaded as UNKNOWN. Did you mean “Expense”?")
    ]
    assert [(s.row, s.reason, s.value) for s in parsed.skipped] == [(6, "inactive", "Yes")]


def test_workbook_numbers_come_out_as_excel_shows_them_and_the_footer_is_ignored(
    workbooks: dict[str, Path],
) -> None:
    parsed = parse_category_file(workbooks["qbo_account_list.xlsx"], "qbo_account_list.xlsx")

    assert parsed.format_name == "QuickBooks Online chart of accounts"
    assert parsed.records == [
        CategoryRecord(GL_ACCOUNTS, "1000", "Checking", "1000", "ASSET"),
        CategoryRecord(GL_ACCOUNTS, "4000", "Sales", "4000", "REVENUE"),
        CategoryRecord(GL_ACCOUNTS, "6010", "Travel:Airfare", "6010", "EXPENSE"),
        CategoryRecord(GL_ACCOUNTS, "Uncategorized Expense", "Uncategorized Expense", None, "EXPENSE"),
    ]
    assert (parsed.header_row, parsed.total_rows) == (5, 4)


def test_a_sheet_named_for_the_kind_is_read_instead_of_the_first(workbooks: dict[str, Path]) -> None:
    parsed = parse_category_file(workbooks["qbo_account_list.xlsx"], "export.xlsx", kind=VENDORS)

    assert parsed.format_name == "QuickBooks Online vendor list"
    assert [record.id for record in parsed.records] == ["Acme Supplies", "Café Central"]


def test_kinds_are_detected_from_the_header(workbooks: dict[str, Path]) -> None:
    assert detect_kind((FILES / "sync_results.csv").read_bytes(), "results.csv") == SYNC_RESULTS
    assert detect_kind((FILES / "field_options.csv").read_bytes(), "options.csv") == FIELD_OPTIONS
    assert detect_kind((FILES / "netsuite_subsidiaries.csv").read_bytes(), "x.csv") == SUBSIDIARIES
    assert detect_kind(workbooks["qbo_account_list.xlsx"], "x.xlsx") == GL_ACCOUNTS
    assert detect_kind((FILES / "unknown_header.csv").read_bytes(), "bank.csv") is None


def test_a_sync_results_file_is_not_imported_as_categories() -> None:
    with pytest.raises(ImportFileError, match="sync results"):
        parse_category_file((FILES / "sync_results.csv").read_bytes(), "results.csv")


def test_an_unrecognised_header_lists_the_formats_and_the_columns_they_need() -> None:
    with pytest.raises(ImportFileError) as raised:
        parse_category_file((FILES / "unknown_header.csv").read_bytes(), "bank.csv")

    message = str(raised.value)
    assert "Date, Amount, Memo" in message
    assert "NetSuite chart of accounts (GL accounts): Internal ID, Name, Type" in message
    assert "Sage Intacct vendors (vendors): VENDORID, NAME" in message


def test_choosing_the_wrong_kind_says_what_the_file_holds() -> None:
    data = (FILES / "netsuite_vendors_unicode.txt").read_bytes()
    with pytest.raises(ImportFileError, match="looks like a NetSuite vendors, which holds vendors, not GL"):
        parse_category_file(data, "vendors.txt", kind=GL_ACCOUNTS)


def test_choosing_a_format_whose_columns_are_missing_names_them() -> None:
    data = b"id,name\n1,Cash\n"
    with pytest.raises(ImportFileError, match="needs the columns field, option_id, option_value"):
        parse_category_file(
            data, "x.csv", format_name="Ramp custom field options (field, option_id, option_value)"
        )


def test_kind_and_format_choices_override_detection() -> None:
    data = b"id,name\n1,Cash\n"

    assert parse_category_file(data, "x.csv").kind == GL_ACCOUNTS
    assert parse_category_file(data, "x.csv", kind=VENDORS).kind == VENDORS
    as_subsidiaries = parse_category_file(data, "x.csv", format_name="ramp subsidiaries (id, name)")
    assert as_subsidiaries.records == [CategoryRecord(SUBSIDIARIES, "1", "Cash")]
    with pytest.raises(ImportFileError, match="Unknown format"):
        parse_category_file(data, "x.csv", format_name="Lotus 1-2-3")
    with pytest.raises(ImportFileError, match="Unknown kind"):
        parse_category_file(data, "x.csv", kind="invoices")


def test_an_ambiguous_header_is_read_by_the_file_name_and_the_guess_is_noted() -> None:
    data = b"id,name\n1,Acme\n"
    parsed = parse_category_file(data, "Vendor export.csv")

    assert parsed.kind == VENDORS
    assert "the file name “Vendor export.csv” suggests it" in parsed.kind_guess
    assert any("Change the kind" in note for note in parsed.notes)


def test_an_ambiguous_header_is_read_by_its_values_when_the_file_name_says_nothing() -> None:
    data = (FILES / "ramp_vendors_cp1250_semicolon.csv").read_bytes()
    parsed = parse_category_file(data, "export.csv")

    assert parsed.kind == VENDORS
    assert "every row looks like a vendor's (“V-101”, “V-102”)" in parsed.kind_guess
    accounts = parse_category_file(b"id,name\n6000,Travel\n6100,Meals & Entertainment\n", "export.csv")
    assert accounts.kind == GL_ACCOUNTS and "75% of the rows look like a GL account's" in accounts.kind_guess


def test_values_that_all_look_like_one_kind_outweigh_the_file_name() -> None:
    parsed = parse_category_file(b"id,name\nV-1,Acme Ltd\nV-2,Globex Inc\n", "accounts.csv")

    assert parsed.kind == VENDORS


def test_a_header_that_fits_one_kind_is_no_guess() -> None:
    parsed = parse_category_file((FILES / "netsuite_chart_of_accounts.csv").read_bytes(), "x.csv")

    assert parsed.kind_guess == ""
    assert parse_category_file(b"id,name\nV-1,Acme\n", "x.csv", kind=VENDORS).kind_guess == ""


def test_headers_match_whatever_the_case_spacing_order_and_extra_columns() -> None:
    data = b"  extra ,TYPE,internal id, NAME ,Memo\nx,Expense,7,Meals,\n"
    parsed = parse_category_file(data, "export.csv")

    assert parsed.format_name == "NetSuite chart of accounts"
    assert parsed.records == [CategoryRecord(GL_ACCOUNTS, "7", "Meals", None, "EXPENSE")]


def test_duplicate_option_ids_are_allowed_in_different_fields_but_not_in_one() -> None:
    data = b"field,option_id,option_value\nDept,1,Eng\nProject,1,Web\nDept,1,Sales\n"
    parsed = parse_category_file(data, "options.csv")

    assert [record.field for record in parsed.records] == ["Dept", "Project"]
    assert parsed.errors == [RowError(4, "B (option_id)", "The id “1” is already used on row 2.")]


def test_a_missing_field_name_is_a_row_error() -> None:
    parsed = parse_category_file(b"field,option_id,option_value\n,1,Eng\n", "options.csv")

    assert parsed.errors == [RowError(2, "A (field)", "The custom field name is missing.")]


def test_intacct_equity_and_contra_accounts_follow_the_rule_and_contras_are_listed_to_check() -> None:
    parsed = parse_category_file((FILES / "intacct_chart_of_accounts.csv").read_bytes(), "coa.csv")
    by_id = {record.id: record.classification for record in parsed.records}

    assert (by_id["3000"], by_id["3900"], by_id["2000"]) == ("EQUITY", "EQUITY", "LIABILITY")
    assert (by_id["1590"], by_id["4900"]) == ("LIABILITY", "EXPENSE")  # by the rule, and checked:
    assert [(check.row, check.column) for check in parsed.checks] == [
        (3, "C (NORMALBALANCE)"),
        (8, "C (NORMALBALANCE)"),
    ]


def test_intacct_rows_with_unknown_type_or_balance_are_warnings_on_the_right_column() -> None:
    data = b"ACCOUNTNO,TITLE,ACCOUNTTYPE,NORMALBALANCE\n1,a,balancesheet,sideways\n2,b,cashflow,debit\n"
    parsed = parse_category_file(data, "intacct.csv")

    assert parsed.errors == []  # an ERP export: an odd value never blocks the other rows (issue 14)
    assert [(w.row, w.column) for w in parsed.warnings] == [(2, "D (NORMALBALANCE)"), (3, "C (ACCOUNTTYPE)")]
    assert [r.classification for r in parsed.records] == ["UNKNOWN", "UNKNOWN"]
    assert "LIABILITY" in parsed.notes[0]


def test_an_unknown_erp_account_type_is_a_warning_and_never_blocks_the_other_rows() -> None:
    data = b"*Code,*Name,*Type,*Tax Code\n200,Sales,Revenue,GST\n880,Drawings,Drawings,BAS Excluded\n"
    parsed = parse_category_file(data, "coa.csv")

    assert parsed.errors == []
    assert [(r.id, r.classification) for r in parsed.records] == [("200", "REVENUE"), ("880", "UNKNOWN")]
    assert parsed.warnings == [
        RowError(3, "C (*Type)", "Unknown account type “Drawings”: uploaded as UNKNOWN.")
    ]


def test_a_warned_row_that_also_has_an_error_is_counted_once_as_an_error() -> None:
    data = b"Internal ID,Name,Type\n1,Cash,Bank\n1,Again,Banana\n"
    parsed = parse_category_file(data, "coa.csv")

    assert parsed.warnings == [] and [e.row for e in parsed.errors] == [3]


def test_quickbooks_deleted_records_are_skipped_with_that_reason_and_their_ids_kept() -> None:
    accounts = parse_category_file((FILES / "qbo_chart_of_accounts.csv").read_bytes(), "Account List.csv")
    vendors = parse_category_file((FILES / "qbo_vendor_list.csv").read_bytes(), "Vendor Contact List.csv")

    assert [(s.name, s.reason, s.reason_text) for s in accounts.skipped] == [
        ("Old Savings", "deleted", "deleted in QuickBooks")
    ]
    assert accounts.deleted_ids == {"Old Savings"} and vendors.deleted_ids == {"Globex Couriers"}
    assert "Globex Couriers" not in {record.id for record in vendors.records}


def test_netsuite_non_posting_and_statistical_accounts_are_skipped_with_their_reasons() -> None:
    parsed = parse_category_file((FILES / "netsuite_chart_of_accounts.csv").read_bytes(), "coa.csv")

    assert parsed.skip_counts == {"inactive": 1, "statistical": 1, "non_posting": 2}


def test_xero_tracking_and_uncoded_bank_accounts_are_skipped_and_system_types_classified() -> None:
    parsed = parse_category_file((FILES / "xero_chart_of_accounts.csv").read_bytes(), "coa.csv")
    by_name = {record.name: record.classification for record in parsed.records}

    assert [(s.name, s.reason) for s in parsed.skipped] == [
        ("Savings Account", "no_code"),
        ("Tracking Transfers", "tracking"),
    ]
    assert by_name["Historical Adjustment"] == "EQUITY" and by_name["Wages Payable - Payroll"] == "LIABILITY"
    assert parsed.warnings == [] and parsed.errors == []


def test_business_central_layout_rows_and_blocked_accounts_are_skipped_each_with_its_reason() -> None:
    parsed = parse_category_file((FILES / "business_central_chart_of_accounts.csv").read_bytes(), "coa.csv")

    assert parsed.skip_counts == {"layout": 4, "blocked": 1}
    assert [(s.row, s.value) for s in parsed.skipped if s.reason == "layout"] == [
        (2, "Heading"),
        (3, "Begin-Total"),
        (6, "End-Total"),
        (13, "Total"),
    ]


def _every_sample() -> list[tuple[str, str]]:
    """(file name, source) of every sample file and workbook: the sample exports, the other ERPs'
    exports and dimension lists ("file#kind" for a list of a multi-list file), and the XLSX."""
    samples = [(name, "files") for name in sorted(EXPECTED)] + [(key, "erp") for key in sorted(ERP_EXPECTED)]
    return samples + [(name, "xlsx") for name in ("qbo_account_list.xlsx", "netsuite_offset.xlsx")]


@pytest.mark.parametrize(("name", "source"), _every_sample())
def test_every_data_row_is_uploaded_skipped_with_a_reason_or_an_error(
    name: str, source: str, workbooks: dict[str, Path]
) -> None:
    """The invariant, for every format: uploaded + skipped (by reason) + rows with errors = data rows."""
    name, _, kind = name.partition("#")
    path = {"files": FILES / name, "erp": ERP_FILES / name}.get(source) or workbooks[name]
    parsed = parse_category_file(path.read_bytes(), name, kind=kind or None)

    assert parsed.total_rows > 0
    assert len(parsed.records) + sum(parsed.skip_counts.values()) + parsed.error_rows == parsed.total_rows
    assert len(parsed.skipped) == sum(parsed.skip_counts.values())  # samples are small: all listed


def test_the_invariant_holds_for_a_file_with_errors_warnings_and_skips_at_once() -> None:
    data = (
        b"Internal ID,Name,Type,Inactive\n1,Cash,Bank,No\n1,Dup,Bank,No\n2,,Expense,No\n3,Odd,Banana,No\n"
        b"4,Old,Expense,Yes\n5,Heads,Statistical,No\n6,Orders,Non Posting,No\n"
    )
    parsed = parse_category_file(data, "coa.csv")

    assert (len(parsed.records), parsed.skipped_count, parsed.error_rows, parsed.total_rows) == (2, 3, 2, 7)


def test_the_format_table_has_a_sample_for_every_skip_reason() -> None:
    reasons = {row[2] for entry in [*EXPECTED.values(), *ERP_EXPECTED.values()] for row in entry["skipped"]}
    assert reasons == set(SKIP_REASONS)


def test_a_required_account_type_left_blank_is_an_error() -> None:
    parsed = parse_category_file(b"Internal ID,Name,Type\n1,Cash,\n", "coa.csv")

    assert parsed.errors == [RowError(2, "C (Type)", "The account type is missing.")]


def test_describe_formats_gives_each_format_its_required_columns() -> None:
    by_name = {description.name: description for description in describe_formats()}

    assert by_name["Xero chart of accounts"].required_columns == ("*Code", "*Name", "*Type")
    assert by_name["Business Central vendors"].kind == VENDORS
    assert all(description.kind != SYNC_RESULTS for description in by_name.values())
    assert all(description.about for description in by_name.values())
