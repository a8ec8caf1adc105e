"""The Ramp sandbox's objects beyond card transactions, and its webhooks, over real HTTP on loopback.

Every call to the API goes through the contract (tests/contract.py): each request and answer is
checked against shared/ramp-api/openapi-all-objects.json.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from sandbox.ramp import RampSandbox
from sandbox.ramp.objects import KINDS, generate
from tests.contract import API, Contract, same_endpoints

OBJECT_SCOPES = "reimbursements:read bills:read transfers:read cashbacks:read statements:read"
ALL_SCOPES = f"accounting:write transactions:read {OBJECT_SCOPES}"
LISTS = ("reimbursements", "bills", "transfers", "cashbacks", "statements")


@pytest.fixture(scope="module")
def module_contract() -> Contract:
    return Contract()  # reading the spec takes a quarter of a second: once per module


@pytest.fixture
def contract(module_contract: Contract) -> Iterator[Contract]:
    """The contract, with this test's calls only; the test fails if one breaks the spec."""
    module_contract.violations.clear()
    module_contract.covered.clear()
    yield module_contract
    assert module_contract.violations == []


def client(sandbox: RampSandbox, contract: Contract, scope: str = ALL_SCOPES) -> httpx.Client:
    answer = httpx.post(
        f"{sandbox.url}{API}/token",
        auth=("id", "secret"),
        data={"grant_type": "client_credentials", "scope": scope},
    )
    answer.raise_for_status()
    headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    return httpx.Client(
        base_url=f"{sandbox.url}{API}", headers=headers, transport=contract.transport(), timeout=10
    )


@pytest.fixture
def api(ramp: RampSandbox, contract: Contract) -> Iterator[httpx.Client]:
    with client(ramp, contract) as session:
        yield session


def seed(sandbox: RampSandbox, kind: str, n: int = 40, seed_: int = 7) -> list[str]:
    answer = httpx.post(f"{sandbox.url}/_sandbox/objects", json={"kind": kind, "generate": n, "seed": seed_})
    assert answer.status_code == 201, answer.text
    ids: list[str] = answer.json()["ids"]
    return ids


def all_pages(api: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    answer = api.get(path, params=params)
    while True:
        assert answer.status_code == 200, answer.text
        items.extend(answer.json()["data"])
        if answer.json()["page"]["next"] is None:
            return items
        answer = api.get(answer.json()["page"]["next"])


def ready(sandbox: RampSandbox, kind: str, ids: list[str]) -> dict[str, Any]:
    answer = httpx.post(f"{sandbox.url}/_sandbox/ready", json={"kind": kind, "ids": ids})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def sync(api: httpx.Client, sync_type: str, ids: list[str], key: str | None = None) -> httpx.Response:
    body = {
        "idempotency_key": key or f"{sync_type}-{'-'.join(i[:4] for i in ids)}",
        "sync_type": sync_type,
        "successful_syncs": [{"id": i, "reference_id": f"ERP-{n}"} for n, i in enumerate(ids)],
    }
    return api.post("/accounting/syncs", json=body)


# -- lists, filters, pages, scopes ----------------------------------------------------------------


def test_every_list_and_get_of_the_new_kinds_answers_the_specs_shapes(
    ramp: RampSandbox, api: httpx.Client, contract: Contract
) -> None:
    for kind in ("reimbursements", "bills", "transfers", "cashbacks"):
        seed(ramp, kind)
    for path in LISTS:
        items = all_pages(api, f"/{path}", page_size=100)
        assert items, path
        assert api.get(f"/{path}/{items[0]['id']}").json() == items[0]
    served = {(m, p) for m, p in same_endpoints(contract.covered) if not p.endswith(("/token", "syncs"))}
    assert served == {("GET", f"{API}/{p}") for p in LISTS} | {("GET", f"{API}/{p}/{{}}") for p in LISTS}


def test_unknown_id_is_404_with_error_v2(api: httpx.Client) -> None:
    answer = api.get("/bills/00000000-0000-4000-8000-000000000000")
    assert answer.status_code == 404
    assert answer.json()["error_v2"]["message"].startswith("Bill")


@pytest.mark.parametrize("kind", LISTS)
def test_each_kind_needs_its_own_read_scope(ramp: RampSandbox, contract: Contract, kind: str) -> None:
    others = " ".join(f"{k}:read" for k in LISTS if k != kind)
    with client(ramp, contract, scope=others) as session:
        answer = session.get(f"/{kind}")
    assert answer.status_code == 403
    assert f"{kind}:read" in answer.json()["error_v2"]["message"]
    assert KINDS[kind].scope == f"{kind}:read"


def test_generated_objects_are_deterministic_and_realistic() -> None:
    assert generate("bills", 30, 4) == generate("bills", 30, 4)
    assert generate("bills", 30, 4) != generate("bills", 30, 5)
    reimbursements = generate("reimbursements", 200, 1)
    bills = generate("bills", 200, 1)
    assert {r["type"] for r in reimbursements} >= {
        "OUT_OF_POCKET",
        "MILEAGE",
        "PAYBACK_FULL",
        "PAYBACK_PARTIAL",
    }
    assert {r["direction"] for r in reimbursements if r["type"].startswith("PAYBACK")} == {"USER_TO_BUSINESS"}
    assert all(r["distance"] and r["start_location"] for r in reimbursements if r["type"] == "MILEAGE")
    spent = {r["original_reimbursement_amount"]["currency_code"] for r in reimbursements}
    assert spent == {"USD", "EUR", "GBP", "JPY"}  # GBP: the British entity's people
    assert {b["amount"]["currency_code"] for b in bills} == {"USD", "EUR", "JPY"}
    assert len({b["entity_id"] for b in bills}) == 2
    assert {b["approval_status"] for b in bills} >= {"APPROVED", "PENDING"}
    assert {b["status"] for b in bills} == {"OPEN", "PAID"}
    assert all(b["due_at"] > b["issued_at"] and b["line_items"] and b["vendor"]["name"] for b in bills)
    assert all(sum(li["amount"]["amount"] for li in b["line_items"]) == b["amount"]["amount"] for b in bills)


def test_sync_status_supersedes_sync_ready_and_has_no_sync_commits(
    ramp: RampSandbox, api: httpx.Client
) -> None:
    seed(ramp, "reimbursements", 60)
    ready_ones = all_pages(api, "/reimbursements", sync_status="SYNC_READY")
    assert ready_ones and {r["sync_status"] for r in ready_ones} == {"SYNC_READY"}
    overridden = all_pages(api, "/reimbursements", sync_status="SYNC_READY", sync_ready="false")
    assert overridden == ready_ones
    assert all_pages(api, "/reimbursements", sync_ready="true", has_no_sync_commits="true") == ready_ones
    synced = all_pages(api, "/reimbursements", has_no_sync_commits="false")
    assert synced and {r["sync_status"] for r in synced} == {"SYNCED"}


def test_reimbursements_list_business_to_user_unless_repayments_are_asked_for(
    ramp: RampSandbox, api: httpx.Client
) -> None:
    seed(ramp, "reimbursements", 80)
    default = all_pages(api, "/reimbursements", page_size=100)
    repayments = all_pages(api, "/reimbursements", direction="USER_TO_BUSINESS")
    assert {r["direction"] for r in default} == {"BUSINESS_TO_USER"}
    assert repayments and {r["type"] for r in repayments} <= {"PAYBACK_FULL", "PAYBACK_PARTIAL"}
    entity = default[0]["entity_id"]
    assert {r["entity_id"] for r in all_pages(api, "/reimbursements", entity_id=entity)} == {entity}
    week = default[0]["created_at"]
    assert all(r["created_at"] >= week for r in all_pages(api, "/reimbursements", from_date=week))


def test_bill_filters_and_keyset_pages(ramp: RampSandbox, api: httpx.Client) -> None:
    seed(ramp, "bills", 80)
    everything = all_pages(api, "/bills", page_size=100)
    paid = all_pages(api, "/bills", payment_status="PAID")
    assert paid and {b["status"] for b in paid} == {"PAID"}
    ready_ones = all_pages(api, "/bills", sync_ready="true", page_size=2)
    assert len({b["id"] for b in ready_ones}) == len(ready_ones) > 2
    assert {(b["approval_status"], b["sync_status"], b["archived_at"]) for b in ready_ones} == {
        ("APPROVED", "NOT_SYNCED", None)
    }
    first = api.get("/bills", params={"sync_ready": "true", "page_size": 2}).json()
    assert "sync_ready=true" in first["page"]["next"] and "start=" in first["page"]["next"]
    assert {b["archived_at"] for b in everything} == {None}  # is_archived defaults to false
    archived = all_pages(api, "/bills", is_archived="true")
    assert archived and all(b["archived_at"] for b in archived)
    big = all_pages(api, "/bills", min_amount="10000")  # major units of the bill's currency
    assert big and all(
        b["amount"]["amount"] >= 1_000_000 for b in big if b["amount"]["currency_code"] != "JPY"
    )
    assert api.get("/bills", params={"page_size": 101}).status_code == 422


def test_transfers_and_cashbacks_sit_on_statements(ramp: RampSandbox, api: httpx.Client) -> None:
    transfers = seed(ramp, "transfers", 20)
    seed(ramp, "cashbacks", 10)
    statements = all_pages(api, "/statements")
    assert statements
    lines = {line["id"]: line["type"] for s in statements for line in s["statement_lines"]}
    assert {lines[t] for t in transfers} == {"TRANSFER_PAYMENT"}
    assert "CASHBACK" in lines.values()
    statement = next(
        s for s in statements if any(li["type"] == "TRANSFER_PAYMENT" for li in s["statement_lines"])
    )
    on_it = {t["id"] for t in all_pages(api, "/transfers", statement_id=statement["id"])}
    assert on_it == {li["id"] for li in statement["statement_lines"] if li["type"] == "TRANSFER_PAYMENT"}


def test_objects_posted_by_hand_keep_their_fields_and_get_the_rest(
    ramp: RampSandbox, api: httpx.Client
) -> None:
    answer = httpx.post(
        f"{ramp.url}/_sandbox/objects",
        json={"kind": "cashbacks", "objects": [{"amount": {"amount": 5000, "currency_code": "JPY"}}]},
    )
    assert answer.status_code == 201, answer.text
    (cashback_id,) = answer.json()["ids"]
    assert api.get(f"/cashbacks/{cashback_id}").json()["amount"] == {"amount": 5000, "currency_code": "JPY"}
    refused = httpx.post(f"{ramp.url}/_sandbox/objects", json={"kind": "invoices", "generate": 1})
    assert refused.status_code == 400


# -- syncs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "sync_type", "filters"),
    [
        ("reimbursements", "REIMBURSEMENT_SYNC", {"sync_status": "SYNC_READY"}),
        ("bills", "BILL_SYNC", {"sync_ready": "true"}),
        ("transfers", "TRANSFER_SYNC", {"sync_status": "SYNC_READY"}),
        ("cashbacks", "STATEMENT_CREDIT_SYNC", {"sync_status": "SYNC_READY"}),
    ],
)
def test_a_sync_takes_objects_out_of_the_ready_list_and_state_names_its_type(
    ramp: RampSandbox, api: httpx.Client, kind: str, sync_type: str, filters: dict[str, str]
) -> None:
    seed(ramp, kind)
    before = [o["id"] for o in all_pages(api, f"/{kind}", **filters)]
    assert len(before) >= 3
    answer = sync(api, sync_type, before[:2])
    assert answer.status_code == 201, answer.text
    assert sync(api, sync_type, before[:2]).json() == answer.json()  # a retry replays
    assert [o["id"] for o in all_pages(api, f"/{kind}", **filters)] == before[2:]
    (recorded,) = httpx.get(f"{ramp.url}/_sandbox/state").json()["syncs"]
    assert recorded["sync_type"] == sync_type and recorded["sync_id"] == answer.json()["sync_id"]


def test_a_sync_with_an_id_of_another_kind_or_not_ready_rejects_the_whole_call(
    ramp: RampSandbox, api: httpx.Client
) -> None:
    seed(ramp, "bills", 60)
    reimbursement = seed(ramp, "reimbursements", 1)[0]
    bills = all_pages(api, "/bills", page_size=100)
    good = next(
        b["id"] for b in bills if b["approval_status"] == "APPROVED" and b["sync_status"] == "NOT_SYNCED"
    )
    pending = next(b["id"] for b in bills if b["approval_status"] == "PENDING")
    other = sync(api, "BILL_SYNC", [good, reimbursement])
    assert other.status_code == 400 and reimbursement in other.json()["error_v2"]["message"]
    unapproved = sync(api, "BILL_SYNC", [good, pending])
    assert unapproved.status_code == 400 and "not approved" in unapproved.json()["error_v2"]["message"]
    assert api.get(f"/bills/{good}").json()["sync_status"] == "NOT_SYNCED"
    assert httpx.get(f"{ramp.url}/_sandbox/state").json()["syncs"] == []


def test_a_bill_payment_syncs_once_the_bill_is_synced_and_paid(ramp: RampSandbox, api: httpx.Client) -> None:
    answer = httpx.post(
        f"{ramp.url}/_sandbox/objects",
        json={
            "kind": "bills",
            "objects": [{"approval_status": "PENDING", "status": "OPEN", "sync_status": "NOT_SYNCED"}],
        },
    )
    (bill_id,) = answer.json()["ids"]
    assert sync(api, "BILL_SYNC", [bill_id]).status_code == 400  # not approved
    ready(ramp, "bills", [bill_id])
    assert sync(api, "BILL_PAYMENT_SYNC", [bill_id]).status_code == 400  # the bill is neither synced nor paid
    assert sync(api, "BILL_SYNC", [bill_id]).status_code == 201
    unpaid = sync(api, "BILL_PAYMENT_SYNC", [bill_id], key="pay-1")
    assert unpaid.status_code == 400 and "not paid" in unpaid.json()["error_v2"]["message"]
    ready(ramp, "bill_payments", [bill_id])
    paid = api.get(f"/bills/{bill_id}").json()
    assert paid["status"] == "PAID" and paid["paid_at"] and paid["payment"]["payment_method"] == "ACH"
    assert sync(api, "BILL_PAYMENT_SYNC", [bill_id], key="pay-2").status_code == 201
    final = api.get(f"/bills/{bill_id}").json()
    assert final["sync_status"] == "BILL_AND_PAYMENT_SYNCED" and final["remote_id"] == "ERP-0"
    types = [s["sync_type"] for s in httpx.get(f"{ramp.url}/_sandbox/state").json()["syncs"]]
    assert types == ["BILL_SYNC", "BILL_PAYMENT_SYNC"]


def test_deep_link_url_is_for_bills_only(ramp: RampSandbox, api: httpx.Client) -> None:
    seed(ramp, "transfers", 10)
    transfer = all_pages(api, "/transfers", sync_status="SYNC_READY")[0]["id"]
    body = {
        "idempotency_key": "link",
        "sync_type": "TRANSFER_SYNC",
        "successful_syncs": [
            {"id": transfer, "reference_id": "JE-1", "deep_link_url": "https://erp.example/1"}
        ],
    }
    assert api.post("/accounting/syncs", json=body).status_code == 400


# -- webhooks -------------------------------------------------------------------------------------


SLOW = 0  # a planned answer that comes after 0.5 s


class Receiver:
    """An endpoint on loopback that records each delivery and answers the planned statuses."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.plan: list[int] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver.plan.pop(0) if receiver.plan else 200
                if status == SLOW:
                    time.sleep(0.5)
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{port}/ramp/webhooks"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def events(self, count: int, kind: str | None = None) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with self.lock:
                found = [json.loads(body) for _, body in self.received]
            found = [e for e in found if kind is None or e["type"] == kind]
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"expected {count} deliveries, got {found}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def subscribe(api: httpx.Client, receiver: Receiver, events: list[str]) -> dict[str, Any]:
    """A verified subscription: create it, read the challenge Ramp sent, hand it back."""
    answer = api.post("/webhooks", json={"endpoint_url": receiver.url, "event_types": events})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    assert created["status"] == "pending_verification" and created["secret"].startswith("ramp_sec_")
    (challenge,) = receiver.events(1, "webhooks.verification")
    verified = api.post(f"/webhooks/{created['id']}/verify", json={"challenge": challenge["challenge"]})
    assert verified.json() == {"success": True}
    return created


def test_a_subscription_is_verified_with_the_challenge_and_lists_without_its_secret(
    ramp: RampSandbox, api: httpx.Client, receiver: Receiver, contract: Contract
) -> None:
    answer = api.post("/webhooks", json={"endpoint_url": receiver.url, "event_types": ["bills.paid"]})
    created = answer.json()
    assert api.post(f"/webhooks/{created['id']}/verify", json={"challenge": "wrong"}).json() == {
        "success": False
    }
    (challenge,) = receiver.events(1)
    assert challenge["type"] == "webhooks.verification" and challenge["object"] == {"id": created["id"]}
    assert api.post(
        f"/webhooks/{created['id']}/verify", json={"challenge": challenge["challenge"]}
    ).json() == {"success": True}
    (listed,) = api.get("/webhooks").json()
    assert listed["status"] == "active" and "secret" not in listed
    assert api.get(f"/webhooks/{created['id']}").json() == listed
    assert api.delete(f"/webhooks/{created['id']}").status_code == 204
    assert api.get(f"/webhooks/{created['id']}").status_code == 404
    webhook_ops = {(m, p) for m, p in same_endpoints(contract.covered) if "/webhooks" in p}
    assert len(webhook_ops) == 5


def test_subscribing_needs_the_events_resource_scope(
    ramp: RampSandbox, contract: Contract, receiver: Receiver
) -> None:
    with client(ramp, contract, scope="transactions:read") as session:
        refused = session.post(
            "/webhooks", json={"endpoint_url": receiver.url, "event_types": ["bills.paid"]}
        )
        allowed = session.post(
            "/webhooks", json={"endpoint_url": receiver.url, "event_types": ["transactions.ready_to_sync"]}
        )
    assert refused.status_code == 403 and "bills:read" in refused.json()["error_v2"]["message"]
    assert allowed.status_code == 201


def test_ready_objects_fire_signed_events_that_carry_only_the_id(
    ramp: RampSandbox, api: httpx.Client, receiver: Receiver
) -> None:
    events = ["reimbursements.ready_to_sync", "bills.approved", "bills.paid", "transactions.ready_to_sync"]
    secret = subscribe(api, receiver, events)["secret"]
    reimbursement = seed(ramp, "reimbursements", 1)[0]
    bill = seed(ramp, "bills", 1)[0]
    transaction = httpx.post(f"{ramp.url}/_sandbox/transactions", json={"generate": 1, "seed": 1}).json()[
        "ids"
    ][0]
    assert ready(ramp, "reimbursements", [reimbursement])["events"] == ["reimbursements.ready_to_sync"]
    ready(ramp, "bills", [bill])
    ready(ramp, "bill_payments", [bill])
    ready(ramp, "transactions", [transaction])
    delivered = receiver.events(5)[1:]
    assert [(e["type"], e["object"]) for e in delivered] == [
        ("reimbursements.ready_to_sync", {"id": reimbursement}),
        ("bills.approved", {"id": bill}),
        ("bills.paid", {"id": bill}),
        ("transactions.ready_to_sync", {"id": transaction}),
    ]
    for headers, body in receiver.received:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-ramp-webhook-signature"], expected)


def test_a_5xx_answer_is_retried_with_the_same_event_id_and_a_4xx_is_final(
    ramp: RampSandbox, api: httpx.Client, receiver: Receiver
) -> None:
    subscribe(api, receiver, ["reimbursements.ready_to_sync"])
    first, second = seed(ramp, "reimbursements", 2)
    receiver.plan = [500, 503]
    ready(ramp, "reimbursements", [first])
    retried = receiver.events(3, "reimbursements.ready_to_sync")
    assert len({e["id"] for e in retried}) == 1
    receiver.plan = [410]
    ready(ramp, "reimbursements", [second])
    receiver.events(4, "reimbursements.ready_to_sync")
    time.sleep(0.3)  # a retry would come after ~0.05 s; none may
    attempts = httpx.get(f"{ramp.url}/_sandbox/webhooks").json()["attempts"]
    assert [a["status"] for a in attempts if a["type"] != "webhooks.verification"] == [
        "500",
        "503",
        "200",
        "410",
    ]


def test_an_answer_slower_than_the_timeout_is_retried(
    ramp: RampSandbox, api: httpx.Client, receiver: Receiver
) -> None:
    httpx.post(f"{ramp.url}/_sandbox/options", json={"webhooks": {"timeout_s": 0.2}}).raise_for_status()
    subscribe(api, receiver, ["bills.approved"])
    bill = seed(ramp, "bills", 1)[0]
    receiver.plan = [SLOW]
    ready(ramp, "bills", [bill])
    first, again = receiver.events(2, "bills.approved")
    assert first["id"] == again["id"]
    attempts = httpx.get(f"{ramp.url}/_sandbox/webhooks").json()["attempts"]
    assert [a["status"] for a in attempts if a["type"] == "bills.approved"] == ["timeout", "200"]


def test_duplicates_and_reordering_are_off_by_default_and_switchable(
    ramp: RampSandbox, api: httpx.Client, receiver: Receiver
) -> None:
    subscribe(api, receiver, ["reimbursements.ready_to_sync"])
    ids = seed(ramp, "reimbursements", 6)
    ready(ramp, "reimbursements", ids)
    in_order = receiver.events(6, "reimbursements.ready_to_sync")
    assert [e["object"]["id"] for e in in_order] == ids
    options = {"webhooks": {"duplicate_rate": 1.0, "reorder": True, "seed": 3}}
    assert httpx.post(f"{ramp.url}/_sandbox/options", json=options).status_code == 200
    ready(ramp, "reimbursements", ids)
    again = receiver.events(18, "reimbursements.ready_to_sync")[6:]
    assert len(again) == 12 and len({e["id"] for e in again}) == 6  # each event twice, same id
