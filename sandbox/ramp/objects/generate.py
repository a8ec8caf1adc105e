"""Realistic, deterministic reimbursements, bills, transfers, cashbacks and the statements they sit on.

`generate(kind, n, seed)` gives the same objects for the same seed and day. The mix follows what a
finance team sees, with the people, GL accounts and entities of `sandbox.ramp.generate`:
- reimbursements: out-of-pocket expenses (some abroad in EUR or JPY, converted to the entity's
  currency), mileage at a per-mile rate, and repayments (`USER_TO_BUSINESS`, PAYBACK_*);
- bills: vendors in USD, EUR (billing the German entity) and JPY (billing the US entity, with an FX
  rate), net-15/30/45 due dates, approval and payment status, coded line items, a few inventory lines;
- transfers: card statement payments per entity, each paying the previous month's statement;
- cashbacks: monthly statement credits of about 1.5 % of spend.
About two thirds of each are ready to sync; the rest are not yet ready or already synced.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.ramp.generate import (
    CARD_HOLDERS,
    ENTITY_CURRENCY,
    ENTITY_DE,
    ENTITY_US,
    USD_PER_UNIT,
    department_selection,
    gl_selection,
    iso,
    minor_units,
    selection,
    stable_id,
    subsidiary_selection,
)

Obj = dict[str, Any]
# Mileage rates per mile: the IRS 2025 business rate, the German 0.30 EUR/km as EUR per mile, and
# HMRC's approved mileage allowance for the British entity.
MILEAGE_RATE = {"USD": 0.70, "EUR": 0.48, "GBP": 0.45}  # GBP: HMRC's approved 45p a mile
# merchant, GL key, currency abroad (None: the entity's own), usual amount in USD
EXPENSES = [
    ("Blue Bottle Coffee", "meals", None, (6, 40)), ("Lyft", "ground", None, (12, 70)),
    ("Best Buy", "office", None, (25, 400)), ("Hotel Adlon", "lodging", "EUR", (180, 900)),
    ("Sushi Saito", "meals", "JPY", (60, 450)), ("JR East", "ground", "JPY", (10, 160)),
    ("Apple Store", "software", None, (15, 200)), ("Lufthansa", "airfare", "EUR", (200, 1400)),
]  # fmt: skip
TRIPS = [
    ("HQ, 100 Market St, San Francisco", "Client office, 1 Infinite Loop, Cupertino", ["Palo Alto"]),
    ("HQ, 5 Hudson Yards, New York", "JFK Airport", []),
    ("Büro, Friedrichstraße 68, Berlin", "Messe Leipzig", ["Halle (Saale)"]),
]
BILL_GL = {
    "rent": ("6700", "Rent & Facilities"),
    "services": ("6800", "Professional Services"),
    "software": ("6200", "Software & Subscriptions"),
    "office": ("6300", "Office Supplies"),
    "shipping": ("6500", "Shipping & Postage"),
}
# vendor, currency, GL key, amount range in the vendor's major units, payment terms in days
VENDORS = [
    ("WeWork", "USD", "rent", (4_000, 18_000), 30),
    ("Deloitte LLP", "USD", "services", (8_000, 60_000), 45),
    ("Salesforce", "USD", "software", (1_200, 24_000), 30),
    ("Office Depot", "USD", "office", (80, 2_400), 15),
    ("SAP SE", "EUR", "software", (2_000, 30_000), 30),
    ("Siemens AG", "EUR", "services", (1_500, 20_000), 45),
    ("Kokuyo Co., Ltd.", "JPY", "office", (20_000, 600_000), 30),
    ("Yamato Transport", "JPY", "shipping", (5_000, 300_000), 15),
]  # fmt: skip
PAYMENT_METHODS = ("ACH", "ACH", "CHECK", "DOMESTIC_WIRE", "CARD")


def today() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _uuid(rng: random.Random) -> str:
    return stable_id("object", str(rng.getrandbits(64)))


def money(major: float, currency: str) -> dict[str, Any]:
    return {"amount": round(major * minor_units(currency)), "currency_code": currency}


def convert(major: float, source: str, target: str) -> float:
    return major * USD_PER_UNIT[source] / USD_PER_UNIT[target]


def _status(rng: random.Random) -> str:
    roll = rng.random()
    return "SYNC_READY" if roll < 0.65 else "NOT_SYNC_READY" if roll < 0.85 else "SYNCED"


def _person(rng: random.Random) -> tuple[str, str, str, str, str]:
    return rng.choice(CARD_HOLDERS)


def reimbursement(rng: random.Random, now: datetime) -> Obj:
    first, last, department, _location, entity_id = _person(rng)
    currency = ENTITY_CURRENCY[entity_id]
    when = now - timedelta(days=rng.randint(1, 45), hours=rng.randint(0, 23))
    status = _status(rng)
    kind = rng.choices(("OUT_OF_POCKET", "MILEAGE", "PAYBACK"), weights=(7, 2, 1))[0]
    start = end = None
    waypoints: list[str] = []
    distance = None
    merchant = None
    if kind == "MILEAGE":
        start, end, waypoints = rng.choice(TRIPS)
        distance = round(rng.uniform(8, 240), 1)
        original = money(distance * MILEAGE_RATE[currency], currency)
        codings = [gl_selection("ground"), department_selection(department)]
        memo = f"Mileage: {start.split(',')[0]} to {end.split(',')[0]}"
    elif kind == "PAYBACK":
        original = money(round(rng.uniform(20, 600), 2), currency)
        codings = [selection("gl_account", "1300", "Employee Advances", "GL_ACCOUNT", "GL Account")]
        memo = "Repayment of personal charges on the company card"
    else:
        merchant, gl_key, abroad, (low, high) = rng.choice(EXPENSES)
        spent = abroad or currency
        original = money(convert(rng.uniform(low, high), "USD", spent), spent)
        codings = [gl_selection(gl_key), department_selection(department)]
        memo = f"{merchant} ({gl_key})"
    spent_major = original["amount"] / minor_units(original["currency_code"])
    paid = convert(spent_major, original["currency_code"], currency)
    payee = money(round(paid, 2), currency)
    state = "REIMBURSED" if status != "NOT_SYNC_READY" else rng.choice(("PENDING", "APPROVED"))
    approver = stable_id("user", *CARD_HOLDERS[2][:2])  # Priya in Finance approves
    user_id = stable_id("user", first, last)
    optional: Obj = {"merchant": merchant} if merchant else {}
    if state != "PENDING":
        optional["approved_at"] = iso(when + timedelta(days=1))
    return optional | {
        "id": _uuid(rng),
        "type": rng.choice(("PAYBACK_FULL", "PAYBACK_PARTIAL")) if kind == "PAYBACK" else kind,
        "direction": "USER_TO_BUSINESS" if kind == "PAYBACK" else "BUSINESS_TO_USER",
        "amount": payee["amount"] / minor_units(currency),
        "currency": currency,
        "original_reimbursement_amount": original,
        "payee_amount": payee,
        "line_items": [{"amount": payee, "memo": memo, "accounting_field_selections": codings}],
        "accounting_field_selections": [subsidiary_selection(entity_id)],
        "accounting_date": iso(when),
        "created_at": iso(when),
        "updated_at": iso(when + timedelta(hours=2)),
        "submitted_at": iso(when + timedelta(hours=1)),
        "transaction_date": when.date().isoformat(),
        "state": state,
        "sync_status": status,
        "synced_at": iso(min(now, when + timedelta(days=3))) if status == "SYNCED" else None,
        "entity_id": entity_id,
        "user_id": user_id,
        "user_full_name": f"{first} {last}",
        "user_email": f"{first.lower()}.{last.lower()}@acme.example".replace("í", "i"),
        "employee_id": f"E{1000 + CARD_HOLDERS.index((first, last, department, _location, entity_id))}",
        "merchant_id": stable_id("merchant", merchant) if merchant else None,
        "memo": memo,
        "distance": distance,
        "start_location": start,
        "end_location": end,
        "waypoints": waypoints,
        "payment_id": f"RPAY-{rng.randint(100000, 999999)}" if state == "REIMBURSED" else None,
        "spend_limit_id": None,
        "receipts": [_uuid(rng)] if kind == "OUT_OF_POCKET" else [],
        "attendees": [],
        "_awaiting_approval_by": approver if state == "PENDING" else None,
    }


def _bill_line(rng: random.Random, total: int, currency: str, gl_key: str, department: str) -> Obj:
    code, name = BILL_GL[gl_key]
    return {
        "amount": {"amount": total, "currency_code": currency},
        "memo": name,
        "accounting_field_selections": [
            selection("gl_account", code, name, "GL_ACCOUNT", "GL Account"),
            department_selection(department),
        ],
    }


def bill(rng: random.Random, now: datetime) -> Obj:
    name, currency, gl_key, (low, high), terms = rng.choice(VENDORS)
    entity_id = ENTITY_DE if currency == "EUR" else ENTITY_US
    payer = ENTITY_CURRENCY[entity_id]
    owner = rng.choice([p for p in CARD_HOLDERS if p[4] == entity_id])
    issued = now - timedelta(days=rng.randint(2, 70))
    total = money(round(rng.uniform(low, high), 0 if currency == "JPY" else 2), currency)["amount"]
    parts = [total] if rng.random() < 0.6 or total < 300 else _halves(rng, total)
    departments = rng.sample(sorted({p[2] for p in CARD_HOLDERS}), len(parts))
    lines = [
        _bill_line(rng, part, currency, gl_key, dept) for part, dept in zip(parts, departments, strict=True)
    ]
    roll = rng.random()
    approval = (
        "APPROVED" if roll < 0.7 else "PENDING" if roll < 0.85 else rng.choice(("INITIALIZED", "REJECTED"))
    )
    paid = approval == "APPROVED" and rng.random() < 0.45
    sync_status = "NOT_SYNCED"
    if approval == "APPROVED" and rng.random() < 0.2:
        sync_status = "BILL_AND_PAYMENT_SYNCED" if paid and rng.random() < 0.5 else "BILL_SYNCED"
    rate = USD_PER_UNIT[currency] / USD_PER_UNIT[payer]
    vendor_id = stable_id("bill-vendor", name)
    archived = iso(issued + timedelta(days=3)) if approval == "REJECTED" and rng.random() < 0.5 else None
    owner_id = stable_id("user", owner[0], owner[1])
    item: Obj = {
        "id": _uuid(rng),
        "amount": {"amount": total, "currency_code": currency},
        "fx_conversion_rate": f"{rate:.6f}",
        "line_items": lines,
        "inventory_line_items": [],
        "accounting_field_selections": [subsidiary_selection(entity_id)],
        "accounting_date": iso(issued),
        "approval_status": approval,
        "archived_at": archived,
        "bill_owner": {"id": owner_id, "first_name": owner[0], "last_name": owner[1]},
        "created_at": iso(issued + timedelta(days=rng.randint(0, 2))),
        "issued_at": iso(issued),
        "due_at": iso(issued + timedelta(days=terms)),
        "entity_id": entity_id,
        "invoice_number": f"INV-{rng.randint(10000, 99999)}",
        "invoice_urls": [],
        "memo": f"{name}: {BILL_GL[gl_key][1]}",
        "status": "PAID" if paid else "OPEN",
        "sync_status": sync_status,
        "payment": planned_payment(currency, entity_id, total),
        "vendor": {"id": vendor_id, "name": name, "type": "BUSINESS", "remote_id": f"V-{vendor_id[:6]}",
                   "remote_name": name, "remote_code": f"V-{vendor_id[:6]}"},
        "vendor_contact_id": None,
    }  # fmt: skip
    if gl_key == "office" and rng.random() < 0.5:
        quantity = rng.randint(2, 20)
        unit = max(1, total // quantity // 4)
        item["inventory_line_items"] = [
            {"amount": {"amount": unit * quantity, "currency_code": currency},
             "unit_price": {"amount": unit, "currency_code": currency}, "unit_quantity": quantity,
             "memo": "Desk chairs", "accounting_field_selections": [gl_selection("office")]}
        ]  # fmt: skip
    if paid:
        pay_bill(item, rng.choice(PAYMENT_METHODS), min(now, issued + timedelta(days=terms - 2)), rng)
    if sync_status != "NOT_SYNCED":
        item["remote_id"] = f"BILL-{rng.randint(1000, 9999)}"
        item["posting_date"] = item["accounting_date"]
        item["deep_link_url"] = f"https://erp.example/bills/{item['remote_id']}"
    return item


def planned_payment(currency: str, entity_id: str, total: int) -> Obj:
    """The payment of an unpaid bill. The spec puts `nullable` beside `allOf` on `Bill.payment` and
    `trace_id`, which OpenAPI 3.0.3 says has no effect there, so they are objects, never null."""
    return {
        "amount": {"amount": total, "currency_code": currency},
        "payment_method": "UNSPECIFIED",
        "payment_date": None,
        "effective_date": None,
        "trace_id": {},
        "details": {
            "schema_type": "VendorPaymentDetailsSchema",
            "approval_status": "INITIALIZED",
            "source_bank_account_id": stable_id("bank", entity_id),
            "vendor_account_id": None,
        },
    }


def pay_bill(item: Obj, method: str, when: datetime, rng: random.Random) -> None:
    """A bill paid in full: `status` PAID, `paid_at`, and the `payment` in the payer's currency."""
    rate = float(item["fx_conversion_rate"])
    payer = ENTITY_CURRENCY.get(item["entity_id"], item["amount"]["currency_code"])
    major = item["amount"]["amount"] / minor_units(item["amount"]["currency_code"]) * rate
    if method == "CARD":
        details: Obj = {"schema_type": "CardPaymentDetailsSchema", "transaction_ids": [_uuid(rng)]}
    else:
        details = {"schema_type": "VendorPaymentDetailsSchema", "approval_status": "APPROVED",
                   "source_bank_account_id": stable_id("bank", item["entity_id"]),
                   "vendor_account_id": stable_id("vendor-account", item["vendor"]["id"])}  # fmt: skip
    trace = {"trace_id": f"{rng.randint(10**14, 10**15 - 1)}", "descriptor": "ACME CORP BILL PAY"}
    item.update(
        status="PAID",
        paid_at=iso(when),
        payment={
            "amount": money(round(major, 2), payer),
            "payment_method": method,
            "payment_date": iso(when),
            "effective_date": iso(when),
            "trace_id": trace if method != "CARD" else {},
            "details": details,
        },
    )


def _halves(rng: random.Random, total: int) -> list[int]:
    cut = rng.randint(total // 4, total - total // 4)
    return [cut, total - cut]


def statement_month(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def statement(month: datetime) -> Obj:
    """The card statement for the month starting at `month`; lines are added as objects link to it."""
    end = (month + timedelta(days=32)).replace(day=1) - timedelta(seconds=1)
    previous = (month - timedelta(days=1)).replace(day=1)
    zero = {"amount": 0, "currency_code": "USD"}
    sections = [
        {"id": stable_id("statement-section", month.isoformat(), entity), "entity_id": entity,
         **{k: {"amount": 0, "currency_code": currency} for k in
            ("opening_balance", "charges", "credits", "payments", "ending_balance")}}
        for entity, currency in ENTITY_CURRENCY.items()
    ]  # fmt: skip
    return {
        "id": stable_id("statement", month.isoformat()),
        "start_date": iso(month),
        "end_date": iso(end),
        "preceding_statement_id": stable_id("statement", previous.isoformat()),
        "statement_url": f"https://statements.ramp.example/{month:%Y-%m}.pdf",
        "balance_sections": sections,
        "statement_lines": [],
        **{k: dict(zero) for k in ("opening_balance", "charges", "credits", "payments", "ending_balance")},
    }


def transfer(rng: random.Random, now: datetime) -> Obj:
    entity_id = rng.choice(list(ENTITY_CURRENCY))
    currency = ENTITY_CURRENCY[entity_id]
    when = now - timedelta(days=rng.randint(1, 85))
    status = _status(rng)
    state = "COMPLETED" if status != "NOT_SYNC_READY" else rng.choice(("INITIATED", "PROCESSING_BY_ODFI"))
    paid_month = statement_month(statement_month(when) - timedelta(days=1))  # pays last month's statement
    return {
        "id": _uuid(rng),
        "amount": money(round(rng.uniform(5_000, 120_000), 2), currency),
        "created_at": iso(when),
        "entity_id": entity_id,
        "payment_id": f"TRF-{rng.randint(10**7, 10**8 - 1)}",
        "status": state,
        "sync_status": status,
        "_statement_month": paid_month.isoformat(),
    }


def cashback(rng: random.Random, now: datetime) -> Obj:
    entity_id = rng.choice(list(ENTITY_CURRENCY))
    currency = ENTITY_CURRENCY[entity_id]
    when = now - timedelta(days=rng.randint(1, 85))
    status = "SYNC_READY" if rng.random() < 0.75 else "SYNCED"  # Ramp: ready automatically
    return {
        "id": _uuid(rng),
        "amount": money(round(rng.uniform(40_000, 400_000) * 0.015, 2), currency),
        "created_at": iso(when),
        "entity_id": entity_id,
        "sync_status": status,
        "_statement_month": statement_month(when).isoformat(),
    }


GENERATORS: dict[str, Callable[[random.Random, datetime], Obj]] = {
    "reimbursements": reimbursement,
    "bills": bill,
    "transfers": transfer,
    "cashbacks": cashback,
}


def generate(kind: str, n: int, seed: int = 0, now: datetime | None = None) -> list[Obj]:
    """`n` objects of `kind`, the same for the same seed and `now` (default: today, midnight UTC)."""
    rng = random.Random(f"{kind}/{seed}")
    return [GENERATORS[kind](rng, now or today()) for _ in range(n)]
