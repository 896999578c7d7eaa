"""The audit log: what staff did and when (a staff action's time, to the second)."""

from __future__ import annotations

from sqlite_utils import Database

from survey import clock
from survey.storage import list_rows

EMAIL_MAX = 100  # characters of a failed login's address kept in the log


def record(
    db: Database, staff_email: str | None, action: str, detail: str = ""
) -> None:
    """Write one staff action to the audit log, with the time it happened."""
    at = clock.stamp()  # a staff action's time
    with db.atomic():
        db.execute(
            "INSERT INTO audit (at, staff_email, action, detail) VALUES (?, ?, ?, ?)",
            [at, staff_email, action, detail],
        )


def tried_email(typed: str) -> str:
    """The address typed at a failed login, made safe to keep in the audit log.

    Whoever reads the log can see which account was tried (docs/privacy.md §4): the
    text is cut short and stripped of control characters, so a long or crafted
    entry cannot fill the log or fake a line of it. Whether the account exists is
    never recorded beside it, nor shown to the person logging in.
    """
    printable = "".join(c if c.isprintable() else "?" for c in (typed or "").strip())
    if len(printable) > EMAIL_MAX:
        return printable[:EMAIL_MAX] + "…"
    return printable


def list_entries(db: Database, limit: int = 500) -> list[dict]:
    """The latest entries of the audit log, newest first."""
    return list_rows(db, "SELECT * FROM audit ORDER BY id DESC LIMIT ?", [limit])
