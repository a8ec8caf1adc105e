"""Which single-byte code page a text file that is not UTF-8 was written in, and how sure that is.

Excel's "CSV" (not "CSV UTF-8") writes the Windows ANSI code page of the machine's locale: 1252 in
Western Europe and the Americas, 1250 in Central Europe, 1251 for Cyrillic. The same byte is a
different letter in each (0xA3 is `£` in 1252, `Ł` in 1250, `Ј` in 1251), so reading a Polish file
as 1252 turns `Łódź Print` into `£ódŸ Print` without any decoding error.

`guess` decodes the sample with each candidate and scores how much the non-ASCII characters look
like words: a letter scores, a symbol between two letters (`£ód`), a capital after a small letter
(`dŸ`), Latin and Cyrillic letters in one word, a Latin word made only of accented letters
(Cyrillic read as 1252) or a byte the code page leaves undefined cost; a word whose accented
letters all belong to one language's alphabet (`Dvořák`: Czech) scores again, which is what tells
1250 from 1252 where both give letters (`Dvoøák` fits no language). The guess is certain when the
best code page leads the next by `CERTAIN_MARGIN` points; otherwise the preview offers the choice.

Measured against charset-normalizer 3.4.7 (`from_bytes(data).best()`, alone and with
`cp_isolation` to these three code pages) on tests/fixtures/encodings/vendor_names.json: 145
made-up vendor names in 19 languages, written in each language's code page as semicolon-separated
`id;name` files of one name, of three (a sliding window) and of a language's whole list. Right
means the names decode as written; `tests/fixtures/encodings/measure.py` prints the table:

    detector                              1 name    3 names   whole list   wrong but certain
    Windows-1252 always (before)          51 %      41 %      47 %         144 of 271
    charset-normalizer, any code page     55 %      62 %      57 %         112 of 271
    charset-normalizer, these three       75 %      71 %      57 %          74 of 271
    this module                           91 %      97 %     100 %           0 of 271

charset-normalizer is built for longer prose; on a handful of names it mostly answers 1250 for
Western files. It is therefore not a dependency. This module is wrong only where it says it is
unsure (a lone Hungarian `ő` reads as Portuguese `õ` in 1252), and then the preview offers the
choice: for 32 of the 145 one-name files, 5 of the 107 three-name files, none of the whole lists.
A code page that reads the sample exactly like the best one is no rival (`Müller` is the same in
1250 and 1252), so plain German or French files are certain.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

# Python codec → what the preview calls it. The single-byte candidates, most common first
# (ties go to the first).
SINGLE_BYTE: Final = {
    "cp1252": "Windows-1252 (Western European)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1251": "Windows-1251 (Cyrillic)",
}
# Every encoding a user may choose in the preview.
ENCODINGS: Final = {"utf-8": "UTF-8", **SINGLE_BYTE}
CERTAIN_MARGIN: Final = 4.0

# The accented letters of the languages written in each code page (lower case). A word whose
# accented letters all come from one of these alphabets is coherent.
_ALPHABETS: Final[dict[str, tuple[str, ...]]] = {
    "cp1252": (
        "àâæçéèêëîïôœùûüÿ",  # French
        "äöüß",  # German
        "áéíñóúü",  # Spanish
        "áâãàçéêíóôõúü",  # Portuguese
        "àèéìíîòóùú",  # Italian
        "åäöé",  # Swedish, Finnish
        "æøåé",  # Danish, Norwegian
        "áðéíóúýþæö",  # Icelandic
        "éëïóöüè",  # Dutch
        "àçèéíïòóúü",  # Catalan
    ),
    "cp1250": (
        "ąćęłńóśźż",  # Polish
        "áčďéěíňóřšťúůýž",  # Czech
        "áäčďéíĺľňóôŕšťúýž",  # Slovak
        "áéíóöőúüű",  # Hungarian
        "čćđšž",  # Croatian, Bosnian, Serbian (Latin)
        "čšž",  # Slovenian
        "ăâîşţ",  # Romanian (1250 has the cedilla forms)
        "äöüß",  # German, written in Central European offices too
    ),
    "cp1251": (),  # Cyrillic words need no accent check: every letter is non-ASCII
}
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class EncodingGuess:
    """How a text file was decoded: `codec` is what `encoding=` takes ("cp1250"); `choices` are
    the codecs worth offering, best first, when the guess is not `certain`."""

    codec: str
    label: str
    certain: bool
    choices: tuple[str, ...] = ()
    chosen: bool = False  # the user picked it in the preview

    @classmethod
    def known(cls, codec: str, label: str, *, chosen: bool = False) -> EncodingGuess:
        return cls(codec, label, True, tuple(ENCODINGS) if chosen else (), chosen)


def guess(sample: bytes) -> EncodingGuess:
    """The most likely single-byte code page of `sample` (bytes that are not UTF-8)."""
    scores = {codec: score(sample, codec) for codec in SINGLE_BYTE}
    ranked = sorted(scores, key=lambda codec: -scores[codec])  # stable: ties keep SINGLE_BYTE order
    best = ranked[0]
    # A code page that reads the sample exactly as the best one does is no rival ("Müller" is the
    # same in 1250 and 1252).
    text = sample.decode(best, errors="replace")
    rivals = [codec for codec in ranked[1:] if sample.decode(codec, errors="replace") != text]
    certain = not rivals or scores[best] - scores[rivals[0]] >= CERTAIN_MARGIN
    return EncodingGuess(best, SINGLE_BYTE[best], certain, () if certain else tuple(ranked))


def score(sample: bytes, codec: str) -> float:
    """How much `sample` decoded as `codec` reads like names (higher is better)."""
    text = sample.decode(codec, errors="replace")  # single-byte: one character per byte
    total = 0.0
    for index, byte in enumerate(sample):
        if byte >= 0x80:
            total += _char_score(text, index)
    alphabets = _ALPHABETS[codec]
    letters: set[str] = set()
    for word in _WORD.findall(text):
        accented = [c for c in word.lower() if ord(c) >= 0x80]
        if not accented:
            continue
        letters.update(accented)
        cyrillic = sum(_is_cyrillic(c) for c in accented)
        if cyrillic and (cyrillic < len(accented) or len(accented) < len(word)):
            total -= 2 * len(accented)  # "Јуdџ": Cyrillic and Latin letters in one word
        elif cyrillic:
            continue
        elif len(word) >= 3 and len(accented) == len(word):
            total -= 2 * len(accented)  # "Ðîìàøêà": Cyrillic read as accented Latin
        elif any(set(accented) <= set(alphabet) for alphabet in alphabets):
            total += 1.5 * len(set(accented))
    if letters and any(letters <= set(alphabet) for alphabet in alphabets):
        total += 2 * len(letters)  # the whole file in one language: "Przedsiębiorstwo … Gdańsk"
    return total


def _char_score(text: str, index: int) -> float:
    char = text[index]
    before = text[index - 1] if index else " "
    after = text[index + 1] if index + 1 < len(text) else " "
    if char == "\ufffd" or unicodedata.category(char) == "Cc":
        return -5.0  # a byte this code page leaves undefined, or a C1 control
    if char.isalpha():
        if char.isupper() and before.isalpha() and before.islower():
            return -2.0  # "dŸ": a capital inside a lower-case word
        return 1.0
    if before.isalpha() and after.isalpha():
        return -3.0  # "£ód", "Ks¹¿ka": a symbol inside a word
    return 0.0


def _is_cyrillic(char: str) -> bool:
    return "CYRILLIC" in unicodedata.name(char, "")
