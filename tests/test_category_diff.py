"""bot/services/category_diff.py: a file's category records against what Ramp holds, item by item.

Pure code, plain inputs: records as the importers make them, `Held` items as Ramp lists them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.importers import CategoryRecord
from bot.services.category_diff import Change, Diff, Held, diff_records


def gl(ident: str, name: str, code: str | None = None, classification: str | None = None) -> CategoryRecord:
    return CategoryRecord("gl_accounts", ident, name, code, classification)


def held(
    ident: str, name: str, code: str | None = None, active: bool = True, classification: str | None = None
) -> Held:
    return Held(f"ramp-{ident}", ident, name, code, active, classification)


def test_items_are_matched_on_the_erp_id_not_the_name():
    diff = diff_records([gl("6000", "Travel"), gl("6100", "Travel")], [held("6000", "Travel")])
    assert [r.id for r in diff.new] == ["6100"]  # same name, another id: a new item
    assert diff.unchanged == 1 and diff.changed == [] and diff.missing == []


def test_a_record_ramp_lacks_is_new_in_file_order():
    records = [gl("3", "C"), gl("1", "A"), gl("2", "B")]
    assert [r.id for r in diff_records(records, []).new] == ["3", "1", "2"]


def test_a_new_name_or_code_is_patched_on_ramps_own_item():
    diff = diff_records(
        [gl("6000", "Travel & Lodging"), gl("6100", "Meals", "61"), gl("6200", "Fuel", "62b")],
        [held("6000", "Travel"), held("6100", "Meals", "60"), held("6200", "Gas", "62")],
    )
    assert diff.changed == [
        Change(gl("6000", "Travel & Lodging"), "ramp-6000", {"name": "Travel & Lodging"}),
        Change(gl("6100", "Meals", "61"), "ramp-6100", {"code": "61"}),
        Change(gl("6200", "Fuel", "62b"), "ramp-6200", {"name": "Fuel", "code": "62b"}),
    ]
    assert diff.unchanged == 0 and diff.new == []


def test_a_blank_code_in_the_file_leaves_ramps_code_alone():
    diff = diff_records(
        [gl("6000", "Travel", None), gl("6100", "Meals", "")],
        [
            held("6000", "Travel", "60"),
            held("6100", "Meals", "61"),
        ],
    )
    assert diff.changed == [] and diff.unchanged == 2


def test_an_inactive_item_in_the_file_is_reactivated_never_created_again():
    diff = diff_records(
        [gl("6000", "Travel"), gl("6100", "Dining")],
        [held("6000", "Travel", active=False), held("6100", "Meals", active=False)],
    )
    assert diff.new == []
    assert diff.changed == [
        Change(gl("6000", "Travel"), "ramp-6000", {}, reactivate=True),  # nothing else to patch
        Change(gl("6100", "Dining"), "ramp-6100", {"name": "Dining"}, reactivate=True),
    ]


def test_missing_items_are_the_active_ones_ramp_holds_that_the_file_lacks():
    diff = diff_records(
        [gl("1", "A")],
        [held("1", "A"), held("2", "B"), held("3", "C", active=False), held("4", "D")],
    )
    assert [item.id for item in diff.missing] == ["2", "4"]  # an inactive one is not missing again


def test_a_different_classification_is_counted_not_patched():
    diff = diff_records(
        [gl("6000", "Travel", classification="EXPENSE"), gl("1000", "Cash", classification="ASSET")],
        [
            held("6000", "Travel", classification="ASSET"),
            held("1000", "Cash", classification="ASSET"),
        ],
    )
    assert diff.classification_differs == 1
    assert diff.changed == [] and diff.unchanged == 2  # Ramp cannot change it after creation


def test_a_missing_classification_on_either_side_is_no_difference():
    diff = diff_records(
        [gl("6000", "Travel"), gl("6100", "Meals", classification="EXPENSE")],
        [held("6000", "Travel", classification="EXPENSE"), held("6100", "Meals")],
    )
    assert diff.classification_differs == 0


def test_the_same_file_against_an_empty_ramp_and_against_itself():
    records = [gl("1", "A", "10"), gl("2", "B")]
    first = diff_records(records, [])
    assert [r.id for r in first.new] == ["1", "2"] and first.unchanged == 0
    again = diff_records(records, [held("1", "A", "10"), held("2", "B")])
    assert (again.new, again.changed, again.unchanged, again.missing) == ([], [], 2, [])


def test_what_ramp_holds_may_come_as_any_iterable():
    diff = diff_records([gl("1", "A")], (h for h in [held("1", "A"), held("2", "B")]))
    assert diff.unchanged == 1 and [item.id for item in diff.missing] == ["2"]


# -- as a property ------------------------------------------------------------------------------------

IDS = st.text(alphabet="ABC123", min_size=1, max_size=3)
NAMES = st.text(alphabet="xyz ", min_size=1, max_size=4)
CODES = st.none() | st.text(alphabet="0123", min_size=1, max_size=2)


@st.composite
def ramp_and_file(draw: st.DrawFn) -> tuple[list[Held], list[CategoryRecord]]:
    held_ids = draw(st.lists(IDS, unique=True, max_size=12))
    items = [Held(f"r-{i}", i, draw(NAMES), draw(CODES), draw(st.booleans())) for i in held_ids]
    file_ids = draw(st.lists(IDS, unique=True, max_size=12))
    records = [CategoryRecord("vendors", i, draw(NAMES), draw(CODES)) for i in file_ids]
    return items, records


@given(ramp_and_file())
def test_every_record_is_new_changed_or_unchanged_and_each_change_is_what_differs(
    case: tuple[list[Held], list[CategoryRecord]],
):
    items, records = case
    by_id = {item.id: item for item in items}
    diff = diff_records(records, items)

    assert [r.id for r in diff.new] == [r.id for r in records if r.id not in by_id]
    assert diff.unchanged + len(diff.changed) + len(diff.new) == len(records)
    for change in diff.changed:
        record, before = change.record, by_id[change.record.id]
        assert change.ramp_id == before.ramp_id
        assert change.reactivate == (not before.is_active)
        expected = {"name": record.name} if record.name != before.name else {}
        if record.code and record.code != before.code:
            expected["code"] = record.code
        assert change.fields == expected
        assert change.fields or change.reactivate  # a change always does something
    in_file = {r.id for r in records}
    assert {item.id for item in diff.missing} == {i.id for i in items if i.is_active and i.id not in in_file}


def apply_diff(held: list[Held], diff: Diff, deactivate_missing: bool) -> dict[str, Held]:
    """Ramp's items after the diff is carried out, as the upload runner does it, in memory."""
    after = {item.id: item for item in held}
    for record in diff.new:
        after[record.id] = Held(f"new:{record.id}", record.id, record.name, record.code or None)
    for change in diff.changed:
        old = after[change.record.id]
        name, code = change.fields.get("name", old.name), change.fields.get("code", old.code)
        after[old.id] = Held(old.ramp_id, old.id, name, code, True, old.classification)
    for item in diff.missing if deactivate_missing else ():
        old = after[item.id]
        after[old.id] = Held(old.ramp_id, old.id, old.name, old.code, False, old.classification)
    return after


@settings(max_examples=300, deadline=None)
@given(ramp_and_file(), st.booleans())
def test_the_diff_applied_to_ramp_gives_the_file(
    case: tuple[list[Held], list[CategoryRecord]], deactivate: bool
):
    ramp_items, records = case
    diff = diff_records(records, ramp_items)
    after = apply_diff(ramp_items, diff, deactivate_missing=deactivate)
    before = {h.id: h for h in ramp_items}
    for record in records:
        item = after[record.id]
        assert item.is_active and item.name == record.name
        assert item.code == (record.code or (before[record.id].code if record.id in before else None))
    in_file = {r.id for r in records}
    for item_id, item in after.items():
        if item_id not in in_file:
            assert item.is_active == (before[item_id].is_active and not deactivate)
    again = diff_records(records, after.values())
    assert not again.new and not again.changed
    # What is left missing: nothing once deactivated; else exactly what was active and not in the file.
    left_active = {h.id for h in ramp_items if h.is_active and h.id not in in_file}
    assert {h.id for h in again.missing} == (set() if deactivate else left_active)
    assert diff.unchanged + len(diff.changed) + len(diff.new) == len(records)
