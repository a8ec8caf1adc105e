"""Single-byte code pages: a Central European file is not read as Western, the guess says when it is
unsure, the user's choice wins, and sample names show what was read."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from bot.importers import ENCODINGS, ImportFileError, parse_category_file, read_rows
from bot.importers.charsets import SINGLE_BYTE, guess

FILES = Path(__file__).parent / "fixtures" / "files"
CORPUS = {
    language: entry
    for language, entry in json.loads(
        (Path(__file__).parent / "fixtures" / "encodings" / "vendor_names.json").read_text("utf-8")
    ).items()
    if not language.startswith("_")
}
POLISH = FILES / "ramp_vendors_cp1250_semicolon.csv"


def vendor_file(names: list[str], codepage: str) -> bytes:
    rows = "".join(f"V-{number};{name}\r\n" for number, name in enumerate(names, 1))
    return f"id;name\r\n{rows}".encode(codepage)


def test_a_polish_vendor_file_reaches_ramp_with_its_polish_names() -> None:
    parsed = parse_category_file(POLISH.read_bytes(), "vendors.csv")

    assert parsed.records[0].name == "Łódź Print sp. z o.o."  # not "£ódŸ Print sp. z o.o."
    assert parsed.encoding is not None and parsed.encoding.codec == "cp1250" and parsed.encoding.certain
    with read_rows(POLISH.read_bytes(), "vendors.csv") as rows:
        assert rows.description == "CSV, Windows-1250, semicolon-separated"


@pytest.mark.parametrize("language", sorted(CORPUS))
def test_a_whole_vendor_list_in_each_language_is_decoded_as_written_and_certain(language: str) -> None:
    names, codepage = CORPUS[language]["names"], CORPUS[language]["codepage"]
    parsed = parse_category_file(vendor_file(names, codepage), "vendors.csv")

    assert [record.name for record in parsed.records] == names
    assert parsed.encoding is not None and parsed.encoding.certain


@pytest.mark.parametrize("language", sorted(CORPUS))
def test_a_short_file_is_never_decoded_wrongly_while_the_guess_claims_certainty(language: str) -> None:
    names, codepage = CORPUS[language]["names"], CORPUS[language]["codepage"]
    for size in (1, 3):
        for start in range(len(names) - size + 1):
            data = vendor_file(names[start : start + size], codepage)
            found = guess(data)
            if data.decode(found.codec) != data.decode(codepage):
                assert not found.certain, names[start : start + size]
                assert codepage in found.choices


def test_an_unsure_guess_offers_the_code_pages_best_first() -> None:
    found = guess(vendor_file(["Győri Nyomda Kft."], "cp1250"))  # ő in 1250 is õ in 1252

    assert not found.certain
    assert set(found.choices) == set(SINGLE_BYTE) and found.choices[-1] == "cp1251"


def test_the_users_encoding_replaces_the_guess_and_keeps_the_choice_open() -> None:
    parsed = parse_category_file(POLISH.read_bytes(), "vendors.csv", encoding="cp1252")

    assert parsed.records[0].name == "£ódŸ Print sp. z o.o."
    assert parsed.encoding is not None and parsed.encoding.chosen
    assert parsed.encoding.choices == tuple(ENCODINGS)


def test_a_bom_wins_over_a_chosen_encoding() -> None:
    data = codecs.BOM_UTF8 + "id;name\r\nV-1;Łódź Print\r\n".encode()
    parsed = parse_category_file(data, "vendors.csv", encoding="cp1250")

    assert parsed.records[0].name == "Łódź Print"


def test_an_encoding_the_bot_does_not_offer_is_refused() -> None:
    with pytest.raises(ImportFileError, match="Unknown encoding “latin-9”"):
        parse_category_file(POLISH.read_bytes(), "vendors.csv", encoding="latin-9")


def test_sample_names_put_the_names_with_accents_first() -> None:
    data = vendor_file(["Acme", "Globex", "Łódź Print", "Initech", "Żabka", "Umbrella", "Hooli"], "cp1250")
    parsed = parse_category_file(data, "vendors.csv")

    assert parsed.samples == ["Łódź Print", "Żabka", "Acme", "Globex", "Initech"]


def test_utf8_is_certain_and_offers_no_choice() -> None:
    parsed = parse_category_file("id;name\r\nV-1;Łódź Print\r\n".encode(), "vendors.csv")

    assert parsed.encoding is not None and parsed.encoding.certain and parsed.encoding.choices == ()
