"""The ERPs Ramp has no integration for, and the ERPs' dimension lists as custom field options:
each export read as the right kind and format, classified by its own type vocabulary, its
inactive, heading and non-posting rows skipped with their reasons (issue 14 §2-3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.importers import (
    FIELD_OPTIONS,
    GL_ACCOUNTS,
    SUBSIDIARIES,
    VENDORS,
    ImportFileError,
    ParsedFile,
    RowError,
    describe_formats,
    detect_kind,
    parse_category_file,
)

ERP = Path(__file__).parent / "fixtures" / "erp"
_ONE_INACTIVE = {"inactive": 1}

# file (#kind) → (kind, format, {name: classification or custom field}, {skip reason: count}),
# written from each product's documentation, not from the parser's output.
SHAPES: dict[str, tuple[str, str, dict[str, str], dict[str, int]]] = {
    "quickbooks_desktop_lists.iif": (
        GL_ACCOUNTS,
        "QuickBooks Desktop IIF accounts",
        {
            "Checking": "ASSET",
            "Company Visa": "CREDCARD",
            "Interest Income": "REVENUE",
            "Penalties": "EXPENSE",
        },
        {"non_posting": 1, "inactive": 1},
    ),
    "quickbooks_desktop_lists.iif#vendors": (VENDORS, "QuickBooks Desktop IIF vendors", {}, {"inactive": 1}),
    "quickbooks_desktop_lists.iif#field_options": (
        FIELD_OPTIONS,
        "QuickBooks Desktop IIF classes",
        {"West:Retail": "Class"},
        {"inactive": 1},
    ),
    "odoo_chart_of_accounts.csv": (
        GL_ACCOUNTS,
        "Odoo chart of accounts",
        {"Bank": "ASSET", "Undistributed Profits/Losses": "EQUITY", "Cost of Goods Sold": "EXPENSE"},
        {"inactive": 1, "off_balance": 1},
    ),
    "zoho_books_chart_of_accounts.csv": (
        GL_ACCOUNTS,
        "Zoho Books chart of accounts",
        {"Inventory Asset": "ASSET", "Input Tax Credits": "ASSET", "Corporate Card": "CREDCARD"},
        {"inactive": 1},
    ),
    "myob_accounts.txt": (
        GL_ACCOUNTS,
        "MYOB AccountRight accounts",
        {"Owner's Capital": "EQUITY", "Purchases": "EXPENSE", "Interest Income": "REVENUE"},
        {"layout": 2, "inactive": 1},
    ),
    "myob_supplier_cards.txt": (VENDORS, "MYOB AccountRight supplier cards", {}, {"inactive": 1}),
    "sage50_chart_of_accounts.csv": (
        GL_ACCOUNTS,
        "Sage 50 chart of accounts",
        {"Accum. Depreciation - Furniture": "ASSET", "Retained Earnings": "EQUITY", "Sales": "REVENUE"},
        {"inactive": 1},
    ),
    "sage50_vendors_cp1252.csv": (VENDORS, "Sage 50 vendors", {}, {"inactive": 1}),
    "dynamics_gp_vendors_pm00200.csv": (VENDORS, "Dynamics GP vendors", {}, {"inactive": 1}),
    "sage100_gl_accounts.csv": (
        GL_ACCOUNTS,
        "Sage 100 chart of accounts",
        {"Prepaid Insurance": "ASSET", "Retained Earnings": "EQUITY", "Income Tax Expense": "EXPENSE"},
        {"statistical": 1, "inactive": 2},
    ),
    "dynamics_gp_accounts_gl00100.csv": (
        GL_ACCOUNTS,
        "Dynamics GP chart of accounts",
        {"Cash - Operating Account": "ASSET", "Sales": "REVENUE", "Rent Allocation": "EXPENSE"},
        {"statistical": 2, "inactive": 1},
    ),
    "sage300_accounts_glamf.csv": (
        GL_ACCOUNTS,
        "Sage 300 chart of accounts",
        {"Petty Cash": "ASSET", "Retained Earnings": "EQUITY", "Sales": "REVENUE"},
        {"inactive": 1},
    ),
    "netsuite_departments.csv": (
        FIELD_OPTIONS,
        "NetSuite departments",
        {"Engineering : Platform": "Department"},
        {"inactive": 1},
    ),
    "netsuite_classes.csv": (
        FIELD_OPTIONS,
        "NetSuite classes",
        {"Hardware : Sensors": "Class"},
        _ONE_INACTIVE,
    ),
    "netsuite_locations.csv": (
        FIELD_OPTIONS,
        "NetSuite locations",
        {"London Office": "Location"},
        _ONE_INACTIVE,
    ),
    "intacct_departments.csv": (
        FIELD_OPTIONS,
        "Sage Intacct departments",
        {"Platform": "Department"},
        _ONE_INACTIVE,
    ),
    "intacct_classes.csv": (FIELD_OPTIONS, "Sage Intacct classes", {"Public Sector": "Class"}, _ONE_INACTIVE),
    "intacct_projects.csv": (
        FIELD_OPTIONS,
        "Sage Intacct projects",
        {"ERP migration": "Project"},
        _ONE_INACTIVE,
    ),
    "intacct_locations.csv": (
        FIELD_OPTIONS,
        "Sage Intacct locations",
        {"Brooklyn Studio": "Location"},
        _ONE_INACTIVE,
    ),
    "business_central_dimension_values.csv": (
        FIELD_OPTIONS,
        "Business Central dimension values",
        {"Assembly": "DEPARTMENT"},
        {"layout_value": 2, "blocked": 1},
    ),
}


def _parse(key: str, field_name: str | None = None) -> ParsedFile:
    name, _, kind = key.partition("#")
    return parse_category_file((ERP / name).read_bytes(), name, kind=kind or None, field_name=field_name)


@pytest.mark.parametrize("key", sorted(SHAPES))
def test_each_export_is_read_as_its_kind_and_format_with_its_skips(key: str) -> None:
    kind, format_name, by_name, skips = SHAPES[key]
    name, _, chosen_kind = key.partition("#")
    parsed = parse_category_file((ERP / name).read_bytes(), name, kind=chosen_kind or None)

    assert (parsed.kind, parsed.format_name) == (kind, format_name)
    assert parsed.skip_counts == skips
    assert parsed.errors == [] and parsed.warnings == []
    records = {record.name: record for record in parsed.records}
    for record_name, expected in by_name.items():
        record = records[record_name]
        assert (record.field if kind == FIELD_OPTIONS else record.classification) == expected
    if kind == GL_ACCOUNTS:
        assert all(record.classification not in (None, "UNKNOWN") for record in parsed.records)


def test_the_erp_formats_are_all_sampled_and_described_with_where_they_come_from() -> None:
    described = {d.name: d for d in describe_formats()}

    for kind, format_name, _, _ in SHAPES.values():
        assert described[format_name].kind == kind
        assert "→" in described[format_name].about  # the menu path in the ERP


def test_an_iif_file_is_read_one_list_at_a_time_keeping_its_row_numbers() -> None:
    data = (ERP / "quickbooks_desktop_lists.iif").read_bytes()

    vendors = parse_category_file(data, "lists.iif", kind=VENDORS)
    by_format = parse_category_file(data, "lists.iif", format_name="QuickBooks Desktop IIF classes")

    assert vendors.header_row == 21 and list(vendors.record_rows) == [22, 23, 24]
    assert [r.name for r in vendors.records] == ["Acme Office Supply", "City Power & Light", "Nguyen, Linh"]
    assert by_format.kind == FIELD_OPTIONS and by_format.header_row == 26
    assert detect_kind(data, "lists.iif") == GL_ACCOUNTS


def test_an_iif_file_without_the_list_asked_for_says_which_lists_it_has() -> None:
    data = b"!CUST\tNAME\tREFNUM\r\nCUST\tGlobex\t1\r\n!VEND\tNAME\tREFNUM\r\nVEND\tAcme\t2\r\n"

    with pytest.raises(ImportFileError, match=r"no !ACCNT list \(GL accounts\); its lists are: !CUST, !VEND"):
        parse_category_file(data, "lists.iif", kind=GL_ACCOUNTS)
    with pytest.raises(ImportFileError, match="An IIF file holds no subsidiaries"):
        parse_category_file(data, "lists.iif", kind=SUBSIDIARIES)
    with pytest.raises(ImportFileError, match=r"none of the lists the bot reads .*its lists are: !CUST"):
        parse_category_file(b"!CUST\tNAME\r\nCUST\tGlobex\r\n", "customers.iif")


def test_an_unknown_code_is_a_warning_uploaded_as_unknown_and_blocks_no_other_row() -> None:
    data = (
        b"Account ID,Account Description,Inactive,Account Type\n10000,Petty Cash,FALSE,0\n30000,Odd,FALSE,7\n"
    )
    parsed = parse_category_file(data, "CHART.CSV")

    assert [(r.id, r.classification) for r in parsed.records] == [("10000", "ASSET"), ("30000", "UNKNOWN")]
    assert parsed.errors == []
    assert parsed.warnings == [
        RowError(3, "D (Account Type)", "Unknown account type “7”: uploaded as UNKNOWN.")
    ]


def test_sage_100_types_read_without_their_leading_zero_and_an_undecided_type_is_a_warning() -> None:
    rows = [
        "AccountKey,Account,AccountDesc,Status,AccountType",
        "000000001,101-00-00,Cash - Checking,A,1",
        "000000002,420-00-00,Other Income and Expense,A,16",
        "000000003,615-00-00,Postage,I,13",
    ]
    parsed = parse_category_file("\r\n".join(rows).encode(), "GL_Account.csv")

    assert [(r.code, r.classification) for r in parsed.records] == [
        ("101-00-00", "ASSET"),
        ("420-00-00", "UNKNOWN"),
    ]
    assert [(w.row, w.column) for w in parsed.warnings] == [(3, "E (AccountType)")]
    assert [(s.name, s.reason, s.value) for s in parsed.skipped] == [("Postage", "inactive", "I")]


def test_dynamics_gp_vendors_keep_their_ids_without_gp_padding_and_keep_vendors_on_hold() -> None:
    parsed = _parse("dynamics_gp_vendors_pm00200.csv")

    assert ("BEACHSID0001", "Beachside Printing") in [(r.id, r.name) for r in parsed.records]  # HOLD 1
    assert ("ONETIMEV0001", "One-time Caterer") in [(r.id, r.name) for r in parsed.records]  # temporary
    assert [(s.name, s.value) for s in parsed.skipped] == [("Old Supplies Inc.", "2")]


def test_odoo_technical_type_keys_classify_like_their_labels() -> None:
    rows = [
        "Code,Account Name,Type",
        "101401,Bank,asset_cash",
        "999999,Profit,equity_unaffected",
        "9,Memo,off_balance",
    ]
    data = "\r\n".join(rows).encode()
    parsed = parse_category_file(data, "account.account.csv")

    assert [(r.id, r.classification) for r in parsed.records] == [("101401", "ASSET"), ("999999", "EQUITY")]
    assert parsed.skip_counts == {"off_balance": 1}


def test_a_dimension_export_proposes_its_field_and_the_choice_replaces_it() -> None:
    proposed = _parse("netsuite_departments.csv")
    chosen = _parse("netsuite_departments.csv", field_name="Cost Center")

    assert {r.field for r in proposed.records} == {"Department"}
    assert any("custom field “Department”" in note for note in proposed.notes)
    assert {r.field for r in chosen.records} == {"Cost Center"}
    assert any("“Cost Center”, as chosen" in note for note in chosen.notes)


def test_dimension_values_without_a_dimension_code_take_the_file_name_or_say_so() -> None:
    data = b"Code,Name,Dimension Value Type,Blocked\nP100,Website,Standard,No\nP900,Total,Total,No\n"

    named = parse_category_file(data, "PROJECT dimension values.csv")
    unnamed = parse_category_file(data, "Dimension Values.csv")

    assert [(r.id, r.field, r.code) for r in named.records] == [("P100", "Project", "P100")]
    assert named.skip_counts == {"layout_value": 1}
    assert [r.field for r in unnamed.records] == ["Dimension"]
    assert any("does not say which dimension" in note for note in unnamed.notes)


def test_a_netsuite_list_without_a_parent_column_is_told_apart_by_its_file_name() -> None:
    data = b"Internal ID,Name,Inactive\n1,Engineering,No\n2,Sales,No\n"

    assert parse_category_file(data, "DepartmentList.csv").format_name == "NetSuite departments"
    assert parse_category_file(data, "ClassList.csv").format_name == "NetSuite classes"
    assert parse_category_file(data, "VendorList.csv").format_name == "NetSuite vendors"
    assert parse_category_file(data, "export.csv").kind == VENDORS  # nothing says it is a dimension


def test_intacct_locations_are_a_field_only_when_the_file_is_named_for_them() -> None:
    data = b"LOCATIONID,NAME,PARENTID,STATUS\nNYC,New York,,active\n"
    entities = b"LOCATIONID,NAME,PARENTID,CURRENCY\n100,US Operations,,USD\n"

    assert parse_category_file(data, "Locations.csv").kind == FIELD_OPTIONS
    assert parse_category_file(data, "export.csv").kind == SUBSIDIARIES
    assert parse_category_file(entities, "Locations.csv").format_name == "Sage Intacct entities"


def test_myob_cards_without_an_id_are_named_and_tab_separated_text_is_read() -> None:
    parsed = parse_category_file((ERP / "myob_supplier_cards.txt").read_bytes(), "SUPPLIER.TXT")

    assert [(r.id, r.name) for r in parsed.records][-1] == ("Jameson", "Jameson")  # Card ID "*None"
    assert parsed.header_row == 2  # below MYOB's "{}" line


def test_a_windows_1252_vendor_list_keeps_its_accents() -> None:
    parsed = _parse("sage50_vendors_cp1252.csv")

    assert "Café Rouge Catering" in parsed.samples
