"""Privacy rules in code: redaction, time coarsened to the ISO week, headers."""

from __future__ import annotations

import re
import unicodedata

from analysis import periods

REMOVED = "[removed]"

_URL = re.compile(
    r"""(?ix)
    \b(?:https?://|www\.)\S+                       # anything that starts like a link
    | \b[a-z0-9-]+(?:\.[a-z0-9-]+)*                # or a bare domain, known ending
      \.(?:com|net|org|uk|io|me|info|ly|tv|app|co|ie|eu|biz)\b(?:/\S*)?
    """
)
_EMAIL = re.compile(r"[\w.%+'-]+\s?(?:@|\(at\)|\[at\])\s?[\w-]+(?:\.[\w-]+)+", re.I)
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,29}[A-Za-z0-9_])?")
# National Insurance numbers: two letters, six digits, an optional suffix letter.
# Any two letters, not only the prefixes HMRC issues: people copy the QQ example too.
_NI_NUMBER = re.compile(
    r"\b[A-Z]{2}[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}(?:[ -]?[A-D])?\b", re.I
)
# Full postcodes in every shape Royal Mail issues, and GIR 0AA.
_POSTCODE = re.compile(
    r"\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d[A-HJKPSTUW\d]?|[A-HK-Y]\d[ABEHMNPRVWXY\d]?)"
    r" ?\d[ABD-HJLNP-UW-Z]{2})\b",
    re.I,
)
# Phone numbers, NHS numbers and any other long number: a run of at least nine digits,
# allowing the spaces, dashes, dots and brackets people write them with, and a +44.
_LONG_NUMBER = re.compile(r"(?<!\w)[+(]?(?:\(?\d\)?[ .\-]{0,3}){8,}\(?\d\)?(?!\d)")


def strip_format_characters(text: str) -> str:
    """Free text without Unicode format characters (category Cf).

    Right-to-left overrides and isolates (U+202A-U+202E, U+2066-U+2069) can make a
    comment read differently on a staff page than what was typed, and zero-width
    characters can hide an e-mail address or a phone number from redaction. No
    letter is Cf, so text in Arabic, Hebrew or any other script is kept as typed.
    """
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def redact(text: str) -> str:
    """Replace contact details and identifying numbers in free text with [removed].

    Format characters go first: "someone\u200b@example.com" is an address too.
    """
    text = strip_format_characters(text)
    for pattern in (_EMAIL, _URL, _HANDLE, _NI_NUMBER, _POSTCODE, _LONG_NUMBER):
        text = pattern.sub(REMOVED, text)
    return text


def is_iso_week(period: str) -> bool:
    """Whether `period` is a real ISO week written as `YYYY-Www`."""
    # The ISO week (periods.week_of) is the finest time the survey keeps.
    if not re.fullmatch(r"\d{4}-W\d{2}", period):
        return False
    try:
        periods.week_thursday(period)
    except ValueError:
        return False
    return True


CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(headers, *, https: bool) -> None:
    """Set the headers every response carries, error pages included."""
    headers.update(SECURITY_HEADERS)
    if https:
        headers["Strict-Transport-Security"] = HSTS


def defuse_formula(value):
    """A CSV cell that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
