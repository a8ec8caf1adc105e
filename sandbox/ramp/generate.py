"""Realistic, deterministic card transactions and the three seeded entities (US, German, British).

`generate_transactions(n, seed)` gives the same list for the same seed and day. The mix follows what a
finance team sees: mostly USD, some EUR and GBP (a German and a British entity, each settling in its own
currency) and purchases abroad in EUR or JPY (JPY has
no minor unit, so its `original_transaction_amount.amount` is yen); about 70 % coded and SYNC_READY
(GL account + vendor + a Department custom field, some with a SUBSIDIARY coding), a share of them split
into 2-3 line items with their own codings, some uncoded or partly coded, a few pending, synced or
declined; times spread over the last 60 days.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

_NS = uuid.UUID("5f0c8d3e-2a8b-4f4e-9a51-7d1f3b6a9c20")

# USD value of one major unit; used to convert purchases abroad and the USD amount filters.
USD_PER_UNIT = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "JPY": 0.0067, "CAD": 0.73}
ZERO_DECIMAL = {"JPY", "KRW", "CLP", "VND", "ISK", "HUF"}


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


ENTITY_US = stable_id("entity", "us")
ENTITY_DE = stable_id("entity", "de")
ENTITY_UK = stable_id("entity", "uk")
ENTITY_CURRENCY = {ENTITY_US: "USD", ENTITY_DE: "EUR", ENTITY_UK: "GBP"}  # what each entity settles in


def entities() -> list[dict[str, Any]]:
    def account(entity: str, number: str, name: str) -> dict[str, Any]:
        return {
            "internal_id": stable_id("entity-account", entity, number),
            "external_id": number,
            "external_name": name,
            "classification": "ASSET",
            "usage_type": "CASH_ACCOUNT",
            "created_at": "2024-01-02T09:00:00+00:00",
            "bank_account_id": None,
        }

    return [
        {
            "id": ENTITY_US,
            "entity_name": "Acme Corp",
            "currency": "USD",
            "is_primary": True,
            "location_ids": [stable_id("location", "New York"), stable_id("location", "San Francisco")],
            "accounts": [account("us", "1000", "Operating Cash (Chase)")],
        },
        {
            "id": ENTITY_DE,
            "entity_name": "Acme GmbH",
            "currency": "EUR",
            "is_primary": False,
            "location_ids": [stable_id("location", "Berlin")],
            "accounts": [account("de", "1200", "Geschäftskonto (Deutsche Bank)")],
        },
        {
            "id": ENTITY_UK,
            "entity_name": "Acme Ltd",
            "currency": "GBP",
            "is_primary": False,
            "location_ids": [stable_id("location", "London")],
            "accounts": [account("uk", "1300", "Current Account (Barclays)")],
        },
    ]


GL_ACCOUNTS = {
    "airfare": ("6010", "Travel: Airfare"),
    "lodging": ("6020", "Travel: Lodging"),
    "ground": ("6030", "Travel: Ground Transportation"),
    "meals": ("6100", "Meals & Entertainment"),
    "software": ("6200", "Software & Subscriptions"),
    "hosting": ("6210", "Cloud Hosting"),
    "office": ("6300", "Office Supplies"),
    "marketing": ("6400", "Advertising & Marketing"),
    "shipping": ("6500", "Shipping & Postage"),
    "events": ("6600", "Conferences & Events"),
}
DEPARTMENTS = {
    "Engineering": "D100",
    "Sales": "D200",
    "Marketing": "D300",
    "Finance": "D400",
    "Operations": "D500",
}
SUBSIDIARIES = {
    ENTITY_US: ("SUB-US", "Acme Corp (US)"),
    ENTITY_DE: ("SUB-DE", "Acme GmbH (DE)"),
    ENTITY_UK: ("SUB-UK", "Acme Ltd (UK)"),
}

# name, MCC, MCC description, Ramp category id and name, city, state, country, postal code,
# usual amount range in USD, GL account key, card-present probability
MERCHANTS: list[tuple[str, str, str, int, str, str, str | None, str, str, float, float, str, float]] = [
    ("Delta Air Lines", "3058", "Delta", 2, "Airlines", "Atlanta", "GA", "US", "30320",
     180, 1400, "airfare", 0.0),
    ("United Airlines", "3000", "United", 2, "Airlines", "Chicago", "IL", "US", "60666",
     150, 1200, "airfare", 0.0),
    ("Lufthansa", "3008", "Lufthansa", 2, "Airlines", "Frankfurt", None, "DE", "60549",
     220, 1600, "airfare", 0.0),
    ("Marriott", "3509", "Marriott", 22, "Lodging", "New York", "NY", "US", "10036",
     220, 1800, "lodging", 0.6),
    ("Hilton Tokyo", "3504", "Hilton", 22, "Lodging", "Tokyo", None, "JP", "160-0023",
     250, 1500, "lodging", 0.7),
    ("Uber", "4121", "Taxicabs/Limousines", 28, "Taxi & Rideshare", "San Francisco", "CA", "US", "94103",
     9, 85, "ground", 0.0),
    ("Hertz", "3357", "Hertz", 4, "Car Rental", "Denver", "CO", "US", "80249", 120, 700, "ground", 0.9),
    ("Sweetgreen", "5814", "Fast Food Restaurants", 18, "Restaurants", "New York", "NY", "US", "10011",
     12, 260, "meals", 0.9),
    ("Nobu", "5812", "Eating Places, Restaurants", 18, "Restaurants", "Malibu", "CA", "US", "90265",
     150, 1900, "meals", 1.0),
    ("Amazon Web Services", "4816", "Computer Network Services", 25, "Software", "Seattle", "WA", "US",
     "98109", 300, 24000, "hosting", 0.0),
    ("GitHub", "5734", "Computer Software Stores", 25, "Software", "San Francisco", "CA", "US", "94107",
     21, 2100, "software", 0.0),
    ("Slack Technologies", "5734", "Computer Software Stores", 25, "Software", "San Francisco", "CA", "US",
     "94105", 90, 4200, "software", 0.0),
    ("Figma", "5734", "Computer Software Stores", 25, "Software", "San Francisco", "CA", "US", "94107",
     45, 900, "software", 0.0),
    ("Staples", "5111", "Stationery, Office Supplies", 19, "Office Supplies", "Boston", "MA", "US", "02116",
     8, 450, "office", 0.8),
    ("Google Ads", "7311", "Advertising Services", 1, "Advertising", "Mountain View", "CA", "US", "94043",
     250, 15000, "marketing", 0.0),
    ("LinkedIn Ads", "7311", "Advertising Services", 1, "Advertising", "Sunnyvale", "CA", "US", "94085",
     200, 8000, "marketing", 0.0),
    ("FedEx", "4215", "Courier Services", 30, "Shipping", "Memphis", "TN", "US", "38118",
     15, 600, "shipping", 0.3),
    ("Eventbrite", "7922", "Theatrical Producers, Ticket Agencies", 9, "Events", "San Francisco", "CA", "US",
     "94103", 50, 2500, "events", 0.0),
    ("Deutsche Bahn", "4112", "Passenger Railways", 28, "Train", "Berlin", None, "DE", "10557",
     25, 320, "ground", 0.4),
]  # fmt: skip

# first, last, department, location, entity
CARD_HOLDERS = [
    ("Maya", "Chen", "Engineering", "San Francisco", ENTITY_US),
    ("Jordan", "Okafor", "Sales", "New York", ENTITY_US),
    ("Priya", "Raman", "Finance", "New York", ENTITY_US),
    ("Lucas", "Moreau", "Marketing", "London", ENTITY_UK),
    ("Sofia", "García", "Sales", "San Francisco", ENTITY_US),
    ("Ethan", "Brooks", "Operations", "San Francisco", ENTITY_US),
    ("Aisha", "Bello", "Engineering", "New York", ENTITY_US),
    ("Noah", "Kim", "Marketing", "San Francisco", ENTITY_US),
    ("Lena", "Schmidt", "Sales", "Berlin", ENTITY_DE),
    ("Jonas", "Weber", "Engineering", "Berlin", ENTITY_DE),
]
DECLINE_REASONS = (
    "INSUFFICIENT_FUNDS",
    "AUTHORIZER_CARD_LIMIT",
    "AUTHORIZER_CARD_MCC_BLACKLIST",
    "WRONG_CVV",
)
MEMOS = {
    "airfare": "Flight to customer onsite",
    "lodging": "Hotel for QBR",
    "ground": "Ride to client office",
    "meals": "Team dinner",
    "software": "Monthly subscription",
    "hosting": "Production infrastructure",
    "office": "Desk supplies",
    "marketing": "Q3 campaign",
    "shipping": "Contract courier",
    "events": "Conference tickets",
}


def selection(kind: str, external_id: str, name: str, type_: str, category: str) -> dict[str, Any]:
    """One accounting field selection, shaped like Ramp's `ApiTransactionAccountingFieldSelection`."""
    return {
        "id": stable_id("option", kind, external_id),
        "external_id": external_id,
        "external_code": external_id,
        "name": name,
        "type": type_,
        "category_info": {
            "id": stable_id("category", kind),
            "external_id": kind,
            "name": category,
            "type": type_,
        },
        "source": {"type": "USER"},
    }


def gl_selection(key: str) -> dict[str, Any]:
    code, name = GL_ACCOUNTS[key]
    return selection("gl_account", code, name, "GL_ACCOUNT", "GL Account")


def vendor_selection(merchant: str) -> dict[str, Any]:
    index = [m[0] for m in MERCHANTS].index(merchant)
    return selection("vendor", f"V-{1001 + index}", merchant, "MERCHANT", "Vendor")


def department_selection(department: str) -> dict[str, Any]:
    return selection("department", DEPARTMENTS[department], department, "OTHER", "Department")


def subsidiary_selection(entity_id: str) -> dict[str, Any]:
    external_id, name = SUBSIDIARIES[entity_id]
    return selection("subsidiary", external_id, name, "SUBSIDIARY", "Subsidiary")


def minor_units(currency: str) -> int:
    return 1 if currency in ZERO_DECIMAL else 100


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def generate_transactions(n: int, seed: int = 0, now: datetime | None = None) -> list[dict[str, Any]]:
    """`n` transactions, the same for the same seed and `now` (default: today, midnight UTC)."""
    if now is None:
        now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rng = random.Random(seed)
    return [_transaction(rng, now) for _ in range(n)]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    if total < parts:
        return [total]
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _transaction(rng: random.Random, now: datetime) -> dict[str, Any]:
    merchant = rng.choice(MERCHANTS)
    name, mcc, mcc_text, sk_id, sk_name, city, region, country, postal, low, high, gl_key, present = merchant
    first, last, department, location, entity_id = rng.choice(CARD_HOLDERS)
    settle = ENTITY_CURRENCY[entity_id]
    if settle != "USD":  # the German and British entities buy in their own currency
        original = settle
    elif country == "JP":
        original = "JPY"
    elif country == "DE":
        original = "EUR"
    else:
        original = "USD"
    usd = round(rng.uniform(low, high) * rng.choice((1, 1, 1, 0.5)), 2)
    original_minor = round(usd / USD_PER_UNIT[original] * minor_units(original))
    settled_minor = round(
        original_minor / minor_units(original) * USD_PER_UNIT[original] / USD_PER_UNIT[settle] * 100
    )
    when = now - timedelta(seconds=rng.randint(3600, 60 * 86400))

    roll = rng.random()
    status, state = "SYNC_READY", "CLEARED"
    if roll >= 0.70:
        status = "NOT_SYNC_READY"
        state = rng.choice(("CLEARED", "CLEARED", "PENDING")) if roll < 0.90 else "CLEARED"
        if roll >= 0.90:
            status = "SYNCED"
        if roll >= 0.98:
            status, state = "NOT_SYNC_READY", "DECLINED"
    cleared = state == "CLEARED"
    settlement = when + timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 12)) if cleared else None

    coded = status in ("SYNC_READY", "SYNCED") or (state == "PENDING" and rng.random() < 0.5)
    top, amounts, line_selections = _codings(
        rng, coded, state, name, gl_key, department, entity_id, settled_minor
    )

    line_items = [
        {
            "amount": {"amount": part, "currency_code": settle},
            "converted_amount": {"amount": part, "currency_code": settle},
            "memo": MEMOS[gl_key] if len(amounts) > 1 else "",
            "accounting_field_selections": selections,
        }
        for part, selections in zip(amounts, line_selections, strict=True)
    ]
    city_upper = city.upper()[:13]
    transaction: dict[str, Any] = {
        "id": _uuid(rng),
        "amount": settled_minor / 100,
        "currency_code": settle,
        "original_transaction_amount": {"amount": original_minor, "currency_code": original},
        "line_items": line_items,
        "accounting_field_selections": top,
        "accounting_categories": [],
        "sync_status": status,
        "synced_at": iso(min(now, settlement + timedelta(days=1)))
        if status == "SYNCED" and settlement
        else None,
        "accounting_date": iso(settlement) if settlement else None,
        "user_transaction_time": iso(when),
        "state": state,
        "entity_id": entity_id,
        "merchant_id": stable_id("merchant", name),
        "merchant_name": name,
        "merchant_descriptor": f"{name.upper()[:22]} {city_upper} {region or country}",
        "merchant_category_code": mcc,
        "merchant_category_code_description": mcc_text,
        "merchant_location": {"city": city, "state": region, "country": country, "postal_code": postal},
        "card_holder": {
            "user_id": stable_id("user", first, last),
            "first_name": first,
            "last_name": last,
            "department_id": stable_id("department", department),
            "department_name": department,
            "location_id": stable_id("location", location),
            "location_name": location,
            "employee_id": f"E{1000 + CARD_HOLDERS.index((first, last, department, location, entity_id))}",
        },
        "card_id": stable_id("card", first, last),
        "limit_id": stable_id("limit", first, last),
        "card_present": rng.random() < present,
        "memo": MEMOS[gl_key] if rng.random() < 0.7 else None,
        "sk_category_id": sk_id,
        "sk_category_name": sk_name,
        "receipts": [_uuid(rng)] if status != "NOT_SYNC_READY" or rng.random() < 0.3 else [],
        "attendees": [{"name": f"{first} {last}", "user_id": stable_id("user", first, last)}]
        if gl_key == "meals"
        else [],
        "policy_violations": [],
        "disputes": [],
    }
    if settlement:
        transaction["settlement_date"] = iso(settlement)
    if state == "DECLINED":
        transaction["decline_details"] = {"amount": usd, "reason": rng.choice(DECLINE_REASONS)}
    if gl_key in ("airfare", "lodging") and rng.random() < 0.5:
        transaction["trip_id"] = stable_id("trip", first, when.strftime("%Y-%m"))
        transaction["trip_name"] = f"{city} trip {when.strftime('%b %Y')}"
    return transaction


Codings = tuple[list[dict[str, Any]], list[int], list[list[dict[str, Any]]]]


def _codings(
    rng: random.Random,
    coded: bool,
    state: str,
    merchant: str,
    gl_key: str,
    department: str,
    entity_id: str,
    settled_minor: int,
) -> Codings:
    """Top-level selections, line-item amounts and each line item's selections."""
    top: list[dict[str, Any]] = []
    line_selections: list[list[dict[str, Any]]] = [[]]
    amounts = [settled_minor]
    if coded:
        top = [vendor_selection(merchant)]
        if rng.random() < 0.3:
            top.append(subsidiary_selection(entity_id))
        if rng.random() < 0.2 and settled_minor >= 300:  # split: GL account and department per line
            amounts = _split(rng, settled_minor, rng.choice((2, 3)))
            keys = [gl_key, *rng.sample(sorted(GL_ACCOUNTS), len(amounts) - 1)]
            depts = [department, *rng.choices(sorted(DEPARTMENTS), k=len(amounts) - 1)]
            line_selections = [
                [gl_selection(k), department_selection(d)] for k, d in zip(keys, depts, strict=True)
            ]
        else:
            top = [gl_selection(gl_key), *top, department_selection(department)]
    elif state == "CLEARED" and rng.random() < 0.5:  # partly coded: a vendor or a GL account, not both
        top = [rng.choice((gl_selection(gl_key), vendor_selection(merchant)))]
    return top, amounts, line_selections
