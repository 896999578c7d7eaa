"""The languages a response can be given in: each code, its own name, and staff's.

One place for the codes: the stored response's `language` column, the CSV layout
and the dashboard's breakdown by language all read them from here. "easy" is Easy
Read: the same questions in plainer English, counted as a language of its own.
"""

from __future__ import annotations

# (code, the language's name in itself, as a respondent chooses it; the name staff
# read on the dashboard). English first: every response before languages were
# recorded, and every paper form without a language column, is English.
LANGUAGES: tuple[tuple[str, str, str], ...] = (
    ("en", "English", "English"),
    ("cy", "Cymraeg", "Welsh"),
    ("pl", "Polski", "Polish"),
    ("ur", "اردو", "Urdu"),
    ("easy", "Easy Read", "Easy Read (English)"),
)
LANGUAGE_CODES = tuple(code for code, _, _ in LANGUAGES)
DEFAULT = "en"
# Each code's own name (the start page's list) and staff's name for it (dashboard).
OWN_NAMES = {code: own for code, own, _ in LANGUAGES}
STAFF_NAMES = {code: staff for code, _, staff in LANGUAGES}


def is_language(code: object) -> bool:
    """Whether `code` is one of the language codes a response may be stored with."""
    return isinstance(code, str) and code in LANGUAGE_CODES
