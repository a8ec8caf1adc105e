"""The accounting category kinds, one row each: what the bot calls them, the words commands take for
them, their CSV columns, and the `RampClient` methods that read and write them.

Code that differs by kind reads its row instead of comparing the kind's key; adding a kind is adding
a row. The shape follows the Ramp sandbox's `Kind` table (sandbox/ramp/categories.py).

    vendors = kind("vendors")
    vendors.plural, vendors.title                  # "vendors", "Vendors"
    for_upload_word("gl").key                      # "gl_accounts"
    getattr(ramp, vendors.iter_method)(remote_id="V1")   # how any kind finds an item by ERP id

`/ramp upload fields` means custom field *options* (files hold options; `/ramp upload custom-fields`
the fields themselves, with their settings), while `/ramp categories fields` lists the custom fields:
each command has its own words (`upload_words`, `list_words`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar

T = TypeVar("T")

GL_ACCOUNTS: Final = "gl_accounts"
VENDORS: Final = "vendors"
SUBSIDIARIES: Final = "subsidiaries"
FIELDS: Final = "fields"
FIELD_OPTIONS: Final = "field_options"


@dataclass(frozen=True)
class CategoryKind:
    """What differs between category kinds.

    The `*_method` fields name `RampClient` methods ("" where Ramp has none); finding an item by
    its ERP id is `iter_method` with `remote_id=`. For a kind `in_field` (custom field options),
    listing and creating take the custom field's ramp_id first. `create_method` takes a batch of
    up to 500 items, except `create_field`, which takes one field.
    """

    key: str
    singular: str  # lower-case nouns, as they read inside a sentence
    plural: str
    upload_words: tuple[str, ...]  # `/ramp upload <word>`; () = never uploaded from a file
    list_words: tuple[str, ...]  # `/ramp categories <word>`; () = not listed
    counted: bool  # among the counts of `/ramp status`, `/ramp categories` and the Home tab
    file_stem: str  # of the CSV a list or a backup posts
    columns: tuple[str, ...]  # that CSV's header; () = not exported
    attributes: tuple[str, ...]  # the Ramp item's attribute per column (in_field: after the field)
    iter_method: str
    create_method: str
    update_method: str
    delete_method: str
    name_attribute: str = "name"  # what Ramp calls the name: an option's is its `value`
    in_field: bool = False  # items belong to one custom field
    classified: bool = False  # items carry a classification, which Ramp sets on create only
    # Ramp takes a vendor's code only by PATCH, after the upload created the vendor.
    code_sent: Literal["on create", "by patch", "never"] = "on create"
    create_returns_ids: bool = False  # Ramp answers a batch with the new ramp ids, not the items
    unavailable: str = ""  # what the user is told when Ramp answers its list with 404
    file_words: tuple[str, ...] = ()  # in a file name, hint at the kind when a header fits several
    sheet_names: tuple[str, ...] = ()  # of the workbook sheet that holds the kind, lower-case
    # When a header fits several kinds ("id,name"), the values hint too: an id made of one of
    # `id_prefixes` and a number ("V-1", "VEND0042"), an id of digits only (`numeric_ids`: account
    # numbers), or a name with one of `name_words` ("Acme Ltd", "Travel Expense"). assumption: these
    # are the usual conventions, not any ERP's rule; they only break a tie the header leaves.
    id_prefixes: tuple[str, ...] = ()
    numeric_ids: bool = False
    name_words: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The plural as a heading: "Vendors", while "GL accounts" stays as it is."""
        return self.plural[:1].upper() + self.plural[1:]


# A custom field's backup columns: every setting its create body takes (openapi
# ApiAccountingCustomFieldCreateRequestBody), so that sharing the backup creates it again.
_FIELD_COLUMNS: Final = tuple(
    "id name display_name input_type is_splittable is_required_for is_active ramp_id".split()
)

KINDS: Final[tuple[CategoryKind, ...]] = (
    CategoryKind(
        key=GL_ACCOUNTS,
        singular="GL account",
        plural="GL accounts",
        upload_words=("accounts", "gl"),
        list_words=("accounts",),
        counted=True,
        file_stem="gl-accounts",
        columns=("id", "name", "code", "classification", "is_active", "ramp_id"),
        attributes=("id", "name", "code", "classification", "is_active", "ramp_id"),
        iter_method="iter_gl_accounts",
        create_method="create_gl_accounts",
        update_method="update_gl_account",
        delete_method="delete_gl_account",
        classified=True,
        file_words=("account", "chart", "coa", "ledger", "gl"),
        sheet_names=("gl accounts", "accounts", "chart of accounts", "account list", "coa"),
        id_prefixes=("GL", "ACC", "ACCT"),
        numeric_ids=True,
        name_words=tuple(
            (
                "expense expenses revenue income cash payable receivable equity depreciation sales bank "
                "asset assets liability liabilities tax travel rent salaries wages insurance fees "
                "utilities interest inventory prepaid accrued cost payroll"
            ).split()
        ),
    ),
    CategoryKind(
        key=VENDORS,
        singular="vendor",
        plural="vendors",
        upload_words=("vendors",),
        list_words=("vendors",),
        counted=True,
        file_stem="vendors",
        columns=("id", "name", "code", "is_active", "ramp_id"),
        attributes=("id", "name", "code", "is_active", "ramp_id"),
        iter_method="iter_vendors",
        create_method="create_vendors",
        update_method="update_vendor",
        delete_method="delete_vendor",
        code_sent="by patch",
        file_words=("vendor", "supplier", "contact", "payee"),
        sheet_names=("vendors", "vendor list", "suppliers", "contacts"),
        id_prefixes=("V", "VEN", "VEND", "VND", "VENDOR", "SUP", "SUPP", "SUPPLIER"),
        name_words=tuple(
            (
                "inc llc ltd limited gmbh corp corporation co company plc pty sa s.a sarl srl s.r.o kft "
                "ab bv oy ag lda spa sp o.o"
            ).split()
        ),
    ),
    CategoryKind(
        key=SUBSIDIARIES,
        singular="subsidiary",
        plural="subsidiaries",
        upload_words=("subsidiaries",),
        list_words=(),
        counted=False,
        file_stem="subsidiaries",
        columns=(),
        attributes=(),
        # Ramp's May 2023 spec; today's API has no subsidiaries and answers 404 (bot/ramp/client.py).
        iter_method="iter_subsidiaries",
        create_method="create_subsidiaries",
        update_method="",
        delete_method="",
        code_sent="never",
        create_returns_ids=True,
        unavailable=(
            "Ramp no longer has an API for subsidiaries: legal entities are set up in Ramp itself now, "
            "and the bot cannot upload them."
        ),
        file_words=("subsidiar", "entit", "location"),
        sheet_names=("subsidiaries", "entities", "locations"),
        id_prefixes=("SUB", "ENT", "LOC", "LE"),
        name_words=("subsidiary", "holding", "holdings", "entity", "branch", "division"),
    ),
    CategoryKind(
        key=FIELDS,
        singular="custom field",
        plural="custom fields",
        upload_words=("custom-fields", "custom_fields"),
        list_words=("fields",),
        counted=True,
        file_stem="custom-fields",
        columns=_FIELD_COLUMNS,
        attributes=_FIELD_COLUMNS,
        iter_method="iter_fields",
        create_method="create_field",
        update_method="update_field",
        delete_method="delete_field",
        code_sent="never",
    ),
    CategoryKind(
        key=FIELD_OPTIONS,
        singular="custom field option",
        plural="custom field options",
        upload_words=("field", "fields"),
        list_words=("options",),
        counted=False,
        file_stem="custom-field-options",
        # `field` and `field_id`: the custom field's name and ERP id, before the option's own columns
        columns=("field", "field_id", "option_id", "option_value", "code", "is_active", "ramp_id"),
        attributes=("id", "value", "code", "is_active", "ramp_id"),
        iter_method="iter_field_options",
        create_method="create_field_options",
        update_method="update_field_option",
        delete_method="delete_field_option",
        name_attribute="value",
        in_field=True,
        file_words=("option", "field"),
        sheet_names=("field options", "options", "custom fields"),
    ),
)

_BY_KEY: Final = {row.key: row for row in KINDS}
_BY_UPLOAD_WORD: Final = {word: row for row in KINDS for word in row.upload_words}
_BY_LIST_WORD: Final = {word: row for row in KINDS for word in row.list_words}

KEYS: Final = tuple(_BY_KEY)
UPLOAD_KINDS: Final = tuple(row.key for row in KINDS if row.upload_words)  # what a category file holds
UPLOAD_WORDS: Final = tuple(_BY_UPLOAD_WORD)
LIST_WORDS: Final = tuple(_BY_LIST_WORD)


def kind(key: str) -> CategoryKind:
    """The row of a kind's key ("gl_accounts"); a key that is none is a bug, so it raises KeyError."""
    return _BY_KEY[key]


def for_upload_word(word: str) -> CategoryKind | None:
    """The kind `/ramp upload <word>` names, whatever its case; None for a word it does not take."""
    return _BY_UPLOAD_WORD.get(word.strip().lower())


def for_list_word(word: str) -> CategoryKind | None:
    """The kind `/ramp categories <word>` names, whatever its case; None for a word it does not take."""
    return _BY_LIST_WORD.get(word.strip().lower())


def every_item(list_items: Callable[..., Iterable[T]], *args: Any, **filters: Any) -> Iterator[T]:
    """Every item a Ramp list holds, active and inactive, read with `is_active` set both ways: Ramp's
    spec does not say whether a list without `is_active` includes inactive items. The inactive list
    is read beside the active one, not after it: a round trip less before an upload's first batch.

        every_item(ramp.iter_vendors, remote_id="V1")
        every_item(ramp.iter_field_options, field_ramp_id)
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ramp-inactive") as pool:
        inactive = pool.submit(lambda: list(list_items(*args, is_active=False, **filters)))
        yield from list_items(*args, is_active=True, **filters)
        yield from inactive.result()
