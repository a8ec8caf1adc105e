"""Charts of accounts whose classification comes from two columns, balance sheet or income
statement and debit or credit: Dynamics GP's GL00100 and Sage 300's GLAMF, read through the same
pair rule as Sage Intacct's. Expectations are written from each product's documentation (GP's
eConnect account node, Sage's GLAMF object model), not from the parser's output."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.importers import GL_ACCOUNTS, ParsedFile, RowError, detect_kind, parse_category_file
from bot.importers.classifications import (
    DYNAMICS_GP_ACCOUNTS,
    INTACCT_ACCOUNTS,
    SAGE_300_ACCOUNTS,
    PairRule,
)

ERP = Path(__file__).parent / "fixtures" / "erp"
GP_FILE = "dynamics_gp_accounts_gl00100.csv"
SAGE_300_FILE = "sage300_accounts_glamf.csv"
CONTRA_ASSET = "looks like an asset with a credit balance (a contra asset); the rule made it LIABILITY"
CONTRA_REVENUE = (
    "looks like revenue with a debit balance (a contra revenue account); the rule made it EXPENSE"
)
EQUITY = "looks like equity (capital, stock, retained earnings); the rule made it LIABILITY"

# PSTNGTYP 0 = balance sheet, 1 = profit and loss; TPCLBLNC 0 = debit, 1 = credit.
GP_ACCOUNTS = {
    "000-1100-00": "ASSET",  # 0, 0
    "000-1200-00": "ASSET",
    "000-1300-00": "ASSET",
    "000-1500-00": "ASSET",
    "000-1510-00": "LIABILITY",  # 0, 1: accumulated depreciation, by the rule (checked)
    "000-2100-00": "LIABILITY",
    "000-2300-00": "LIABILITY",
    "000-3000-00": "LIABILITY",  # common stock: GP marks no equity (checked)
    "000-3900-00": "LIABILITY",  # retained earnings, likewise
    "100-4100-00": "REVENUE",  # 1, 1
    "100-4150-00": "EXPENSE",  # 1, 0: sales returns, by the rule (checked)
    "100-5100-00": "EXPENSE",
    "200-6200-00": "EXPENSE",
    "000-6900-00": "EXPENSE",  # ACCTTYPE 3, a posting allocation account: kept
}
# ACCTTYPE B = balance sheet, I = income statement, R = retained earnings; ACCTBAL 1 = debit, 2 = credit.
SAGE_300_ACCOUNTS_EXPECTED = {
    "1000-100": "ASSET",  # B, 1
    "1020-100": "ASSET",
    "1100-100": "ASSET",
    "1300-100": "ASSET",
    "1600-100": "ASSET",
    "1650-100": "LIABILITY",  # B, 2: accumulated depreciation, by the rule (checked)
    "2000-100": "LIABILITY",
    "2100-100": "LIABILITY",
    "3000-100": "LIABILITY",  # share capital: only retained earnings has its own type (checked)
    "3100-100": "EQUITY",  # R
    "4000-100": "REVENUE",  # I, 2
    "4100-100": "EXPENSE",  # I, 1: sales discounts, by the rule (checked)
    "5000-100": "EXPENSE",
    "6000-100": "EXPENSE",
}


def _parse(name: str) -> ParsedFile:
    return parse_category_file((ERP / name).read_bytes(), name)


def _data_rows(name: str) -> int:
    return len((ERP / name).read_text(encoding="utf-8").splitlines()) - 1  # below the header


def _csv(*rows: str) -> bytes:
    return "\r\n".join(rows).encode()


def test_each_gp_account_is_classified_by_posting_type_and_typical_balance() -> None:
    parsed = _parse(GP_FILE)

    assert (parsed.kind, parsed.format_name) == (GL_ACCOUNTS, "Dynamics GP chart of accounts")
    assert {r.id: r.classification for r in parsed.records} == GP_ACCOUNTS
    assert all(r.code == r.id for r in parsed.records)  # ACTNUMST, without GP's padding
    assert parsed.errors == [] and parsed.warnings == []
    assert any("PSTNGTYP and TPCLBLNC" in note for note in parsed.notes)


def test_gp_unit_accounts_and_inactive_accounts_are_skipped_with_their_reasons() -> None:
    parsed = _parse(GP_FILE)

    assert [(s.id, s.reason, s.value) for s in parsed.skipped] == [
        ("300-6300-00", "inactive", "0"),  # ACTIVE 0
        ("000-9000-00", "statistical", "2"),  # unit account
        ("000-9010-00", "statistical", "4"),  # unit allocation
    ]
    assert parsed.skip_counts == {"inactive": 1, "statistical": 2}
    assert len(parsed.records) + sum(parsed.skip_counts.values()) == parsed.total_rows == _data_rows(GP_FILE)


def test_gp_contra_and_equity_accounts_keep_the_rule_and_are_listed_to_check() -> None:
    parsed = _parse(GP_FILE)

    assert [(c.row, c.column, c.message) for c in parsed.checks] == [
        (6, "I (TPCLBLNC)", f"“Accumulated Depreciation - Furniture” {CONTRA_ASSET}."),
        (9, "I (TPCLBLNC)", f"“Common Stock” {EQUITY}."),
        (10, "I (TPCLBLNC)", f"“Retained Earnings” {EQUITY}."),
        (12, "I (TPCLBLNC)", f"“Sales Returns and Discounts” {CONTRA_REVENUE}."),
    ]


def test_each_sage_300_account_is_classified_by_account_type_and_normal_balance() -> None:
    parsed = _parse(SAGE_300_FILE)

    assert (parsed.kind, parsed.format_name) == (GL_ACCOUNTS, "Sage 300 chart of accounts")
    assert {r.id: r.classification for r in parsed.records} == SAGE_300_ACCOUNTS_EXPECTED
    assert all(r.code == r.id for r in parsed.records)  # the formatted number, ACCTFMTTD
    assert parsed.errors == [] and parsed.warnings == []
    assert [(s.id, s.reason, s.value) for s in parsed.skipped] == [("6500-100", "inactive", "0")]
    assert len(parsed.records) + sum(parsed.skip_counts.values()) == parsed.total_rows
    assert parsed.total_rows == _data_rows(SAGE_300_FILE)
    assert [(c.row, c.message) for c in parsed.checks] == [
        (7, f"“Accumulated Depreciation - Office Equipment” {CONTRA_ASSET}."),
        (10, f"“Share Capital” {EQUITY}."),
        (13, f"“Sales Discounts” {CONTRA_REVENUE}."),
    ]


def test_a_bare_gl00100_header_is_recognised_and_falls_back_to_the_account_index() -> None:
    data = _csv(
        "ACTINDX,ACTNUMBR_1,ACTNUMBR_2,ACTDESCR,ACCTTYPE,PSTNGTYP,TPCLBLNC,ACTIVE",
        "7,1100,00,Cash,1,0,0,1",
        "8,4100,00,Sales,1,1,1,1",
    )
    parsed = parse_category_file(data, "GL00100.csv")

    assert detect_kind(data, "export.csv") == GL_ACCOUNTS
    assert parsed.format_name == "Dynamics GP chart of accounts"
    assert [(r.id, r.code, r.classification) for r in parsed.records] == [
        ("7", None, "ASSET"),  # no ACTNUMST: the index is the id, and there is no code to show
        ("8", None, "REVENUE"),
    ]


def test_gp_labels_are_read_like_its_numbers_and_unknown_values_are_warnings_on_their_column() -> None:
    data = _csv(
        "ACTNUMST,ACTDESCR,PSTNGTYP,TPCLBLNC",
        "1000,Cash,Balance Sheet,Debit",
        "4000,Sales,Profit and Loss,Credit",
        "5000,Odd,7,0",
        "6000,Odder,1,2",
    )
    parsed = parse_category_file(data, "accounts.csv")

    assert [(r.id, r.classification) for r in parsed.records] == [
        ("1000", "ASSET"),
        ("4000", "REVENUE"),
        ("5000", "UNKNOWN"),
        ("6000", "UNKNOWN"),
    ]
    assert parsed.errors == []  # an ERP export: one odd value does not block the other rows
    assert parsed.warnings == [
        RowError(4, "C (PSTNGTYP)", "Unknown PSTNGTYP “7”: expected 0 or 1; uploaded as UNKNOWN."),
        RowError(5, "D (TPCLBLNC)", "Unknown TPCLBLNC “2”: expected 0 or 1; uploaded as UNKNOWN."),
    ]


def test_sage_300_reads_text_values_and_falls_back_to_acctid_without_a_formatted_number() -> None:
    data = _csv(
        "ACCTID,ACCTDESC,ACCTTYPE,ACCTBAL,ACTIVESW",
        "1000,Cash,Balance Sheet,Debit,Active",
        "3100,Retained Earnings,Retained Earnings,Credit,Active",
        "6500,Old Freight,I,1,Inactive",
        "7000,Odd,X,1,Active",
    )
    parsed = parse_category_file(data, "GLAMF.csv")

    assert parsed.format_name == "Sage 300 chart of accounts"
    assert [(r.id, r.code, r.classification) for r in parsed.records] == [
        ("1000", "1000", "ASSET"),
        ("3100", "3100", "EQUITY"),
        ("7000", "7000", "UNKNOWN"),
    ]
    assert parsed.skip_counts == {"inactive": 1}
    assert parsed.warnings == [
        RowError(5, "C (ACCTTYPE)", "Unknown ACCTTYPE “X”: expected B, I or R; uploaded as UNKNOWN.")
    ]


@pytest.mark.parametrize(
    ("rule", "first", "second"),
    [
        (INTACCT_ACCOUNTS, ("balancesheet", "incomestatement"), ("debit", "credit")),
        (DYNAMICS_GP_ACCOUNTS, ("0", "1"), ("0", "1")),
        (SAGE_300_ACCOUNTS, ("B", "I", "R"), ("1", "2")),
    ],
)
def test_each_pair_rule_classifies_every_documented_pair_once(
    rule: PairRule, first: tuple[str, ...], second: tuple[str, ...]
) -> None:
    pairs = [(a, b) for a, b, _ in rule.table]

    assert sorted(pairs) == sorted((a, b) for a in first for b in second)
