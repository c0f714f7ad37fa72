"""What makes two athletes' names the same person.

Contract: ``display_name(text)`` is the name as people see it: Unicode NFC (so "José" typed with a
combining accent and with the composed letter look and compare the same), runs of white space folded to one
space, at most ``MAX_NAME`` characters, no control or format characters but the joiners names use
(``NAME_JOINERS``); ``StoreError`` says what is wrong otherwise.
``name_key(text)`` is the name as the database compares it: NFKC and Unicode case folding, so "Élodie",
"élodie" and "ÉLODIE" are one person on every backend (SQLite's ``lower()`` folds ASCII only, so the key is
computed here and stored, never left to the database).
"""

from __future__ import annotations

import unicodedata

from vision.store.database import StoreError

MAX_NAME = 120
# Invisible characters that belong in names: the zero-width non-joiner and joiner (Persian and Indic names,
# emoji sequences) and the emoji/text presentation selectors. Other format characters (the bidi overrides that
# make a name read backwards, zero-width spaces) are refused with the control characters.
NAME_JOINERS = {"\u200c", "\u200d", "\ufe0e", "\ufe0f"}


def display_name(text: str) -> str:
    name = unicodedata.normalize("NFC", " ".join((text or "").split()))
    if not name:
        raise StoreError("an athlete needs a name")
    if len(name) > MAX_NAME:
        raise StoreError(f"an athlete's name may have at most {MAX_NAME} characters")
    if any(not ch.isprintable() and ch not in NAME_JOINERS for ch in name):
        raise StoreError("an athlete's name may not contain control characters")
    return name


def name_key(text: str) -> str:
    return unicodedata.normalize("NFKC", display_name(text)).casefold()
