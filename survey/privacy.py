"""Privacy rules in code: time coarsened to the ISO week, and the security headers.

Redaction of free text is survey/redaction.py.
"""

from __future__ import annotations

import re

from analysis import periods


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
