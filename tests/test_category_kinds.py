"""The table of category kinds: every row complete, every command word resolving to one kind, and
every Ramp operation a row names present on the client."""

from __future__ import annotations

from dataclasses import fields
from typing import get_args, get_type_hints

import pytest

from bot import category_kinds
from bot.category_kinds import KINDS, CategoryKind, for_list_word, for_upload_word, kind
from bot.ramp import RampClient


@pytest.mark.parametrize("row", KINDS, ids=lambda row: row.key)
def test_every_kind_has_lower_case_labels_and_a_capitalised_title(row: CategoryKind):
    assert row.singular and row.plural and row.plural != row.singular
    assert row.plural[0] == row.plural[0].lower() or row.plural.startswith("GL")
    assert row.title[0].isupper() and row.title[1:] == row.plural[1:]
    assert kind(row.key) is row


def test_labels_read_as_the_bot_shows_them():
    assert [(row.key, row.title) for row in KINDS] == [
        ("gl_accounts", "GL accounts"),
        ("vendors", "Vendors"),
        ("subsidiaries", "Subsidiaries"),
        ("fields", "Custom fields"),
        ("field_options", "Custom field options"),
    ]


def test_an_unknown_key_is_a_bug_and_raises():
    with pytest.raises(KeyError):
        kind("planets")


def test_upload_words_name_what_a_file_holds_and_fields_means_options():
    assert {word: for_upload_word(word).key for word in category_kinds.UPLOAD_WORDS} == {  # type: ignore[union-attr]
        "accounts": "gl_accounts",
        "gl": "gl_accounts",
        "vendors": "vendors",
        "subsidiaries": "subsidiaries",
        "custom-fields": "fields",
        "custom_fields": "fields",
        "field": "field_options",
        "fields": "field_options",
    }
    assert for_upload_word(" Vendors ") is kind("vendors")
    assert for_upload_word("options") is None


def test_list_words_name_what_ramp_holds_and_fields_means_custom_fields():
    assert {word: for_list_word(word).key for word in category_kinds.LIST_WORDS} == {  # type: ignore[union-attr]
        "accounts": "gl_accounts",
        "vendors": "vendors",
        "fields": "fields",
        "options": "field_options",
    }
    assert for_list_word("gl") is None and for_list_word("subsidiaries") is None


@pytest.mark.parametrize("words", ["upload_words", "list_words"])
def test_no_word_is_claimed_by_two_kinds_of_the_same_command(words: str):
    claimed = [word for row in KINDS for word in getattr(row, words)]
    assert len(claimed) == len(set(claimed))
    assert all(word == word.strip().lower() for word in claimed)


def test_what_a_file_can_hold_is_what_upload_takes_words_for():
    held = ("gl_accounts", "vendors", "subsidiaries", "fields", "field_options")
    assert category_kinds.UPLOAD_KINDS == held


@pytest.mark.parametrize("row", KINDS, ids=lambda row: row.key)
def test_each_kinds_ramp_operations_exist_on_the_client(row: CategoryKind):
    for method in (row.iter_method, row.create_method, row.update_method, row.delete_method):
        assert method == "" or callable(getattr(RampClient, method, None)), method
    assert row.iter_method and row.create_method  # every kind is listed and created


@pytest.mark.parametrize("row", KINDS, ids=lambda row: row.key)
def test_listed_kinds_are_exported_with_one_attribute_per_column(row: CategoryKind):
    if row.list_words:
        assert row.columns and row.file_stem
    in_field = 2 * (row.in_field and bool(row.columns))  # the `field` and `field_id` columns
    assert len(row.columns) == len(row.attributes) + in_field
    assert len(set(row.columns)) == len(row.columns)


@pytest.mark.parametrize("row", KINDS, ids=lambda row: row.key)
def test_the_attributes_a_kind_reads_are_on_the_items_ramp_lists(row: CategoryKind):
    listed = get_type_hints(getattr(RampClient, row.iter_method))["return"]  # Iterator[Item]
    (item_type,) = get_args(listed)
    attributes = {f.name for f in fields(item_type)}
    assert {*row.attributes, row.name_attribute, "id", "ramp_id", "is_active"} <= attributes
    assert not row.classified or "classification" in attributes
