"""Staff accounts, organisations, server-side sessions and the audit log."""

from __future__ import annotations

import gzip
import hashlib
import json
import secrets
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from survey.storage import get_row, list_rows

ROLES = ("admin", "analyst", "partner")
MAX_FAILED_LOGINS = 10
LOCK_SECONDS = 15 * 60
PASSWORD_MIN, PASSWORD_MAX = 12, 128
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"
AUDIT_EMAIL_MAX = 100  # characters of a failed login's address kept in the audit log
# Checked against when the e-mail address is unknown, so that a wrong address takes as
# long as a wrong password and timing says nothing about which accounts exist.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


# Organisations ---------------------------------------------------------------------


def add_organisation(db: Database, name: str) -> dict:
    """Create an organisation (a support service) and return it."""
    with db.atomic():
        db.execute("INSERT INTO organisations (name) VALUES (?)", [name])
    return get_organisation_by_name(db, name)


def get_organisation_by_name(db: Database, name: str) -> dict | None:
    """The organisation with this name, or None."""
    return get_row(db, "SELECT * FROM organisations WHERE name = ?", [name])


def list_organisations(db: Database) -> list[dict]:
    """Every organisation, by name."""
    return list_rows(db, "SELECT * FROM organisations ORDER BY name")


# Staff -----------------------------------------------------------------------------


@cache
def common_passwords() -> frozenset[str]:
    """The 10,000 most common passwords, lowercased (survey/data/README.md)."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def _is_common(password: str) -> bool:
    """Whether the password is a common one, alone or with digits put after it.

    Guessing tools try every listed password with digits added ("password1234"), so
    those are as weak as the listed word itself.
    """
    lowered = password.strip().lower()
    listed = common_passwords()
    return lowered in listed or lowered.rstrip("0123456789") in listed


def password_problem(password: str) -> str | None:
    """What is wrong with a new password, in plain words, or None.

    Length first, then the guesses an attacker tries first (docs/privacy.md §4).
    """
    if len(password) < PASSWORD_MIN:
        return f"Use at least {PASSWORD_MIN} characters"
    if len(password) > PASSWORD_MAX:
        return f"Use no more than {PASSWORD_MAX} characters"
    if not password.strip():
        return "Use letters, numbers or symbols, not only spaces"
    if len(set(password)) == 1:
        return "Use different characters, not one character repeated"
    if _is_common(password):
        return "This password is too common and easy to guess. Choose another"
    return None


def _password_hash(password: str) -> str:
    """The scrypt hash of an acceptable new password; ValueError for any other."""
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    return generate_password_hash(password, method="scrypt")


def add_staff(
    db: Database, email: str, password: str, role: str, organisation_id: int | None
) -> dict:
    """Create a staff account (the password stored as an scrypt hash) and return it."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if (role == "partner") != (organisation_id is not None):
        raise ValueError("partners, and only partners, belong to an organisation")
    password_hash = _password_hash(password)
    with db.atomic():
        db.execute(
            "INSERT INTO staff (email, password_hash, role, organisation_id) "
            "VALUES (?, ?, ?, ?)",
            [email.strip(), password_hash, role, organisation_id],
        )
    return get_staff_by_email(db, email.strip())


def get_staff(db: Database, staff_id: int) -> dict | None:
    """The staff account with this id, with its organisation's name, or None."""
    return get_row(
        db,
        "SELECT staff.*, organisations.name AS organisation FROM staff "
        "LEFT JOIN organisations ON organisations.id = staff.organisation_id "
        "WHERE staff.id = ?",
        [staff_id],
    )


def get_staff_by_email(db: Database, email: str) -> dict | None:
    """The staff account with this e-mail address (any case), or None."""
    found = get_row(db, "SELECT id FROM staff WHERE email = ?", [email.strip()])
    return get_staff(db, found["id"]) if found else None


def list_staff(db: Database) -> list[dict]:
    """Every staff account, by e-mail address."""
    return list_rows(
        db,
        "SELECT staff.id, email, role, disabled, organisations.name AS organisation "
        "FROM staff LEFT JOIN organisations "
        "ON organisations.id = staff.organisation_id "
        "ORDER BY email",
    )


def check_login(db: Database, email: str, password: str, now: float) -> dict | None:
    """The account if the password is right and the account usable, else None.

    Failures are counted in the database: after MAX_FAILED_LOGINS the account is
    locked for LOCK_SECONDS, whatever the password, in every worker process.
    """
    db.execute("BEGIN IMMEDIATE")  # read the count, then write it: no lost updates
    try:
        staff = get_row(db, "SELECT * FROM staff WHERE email = ?", [email.strip()])
        if staff is None:
            check_password_hash(_DUMMY_HASH, password)
            db.conn.commit()
            return None
        locked = staff["locked_until"] > now
        right = check_password_hash(staff["password_hash"], password)
        if right and not locked and not staff["disabled"]:
            db.execute("UPDATE staff SET failed_logins = 0 WHERE id = ?", [staff["id"]])
            db.conn.commit()
            return get_staff(db, staff["id"])
        if not locked:
            failures = staff["failed_logins"] + 1
            locked_until = now + LOCK_SECONDS if failures >= MAX_FAILED_LOGINS else 0
            db.execute(
                "UPDATE staff SET failed_logins = ?, locked_until = ? WHERE id = ?",
                [0 if locked_until else failures, locked_until, staff["id"]],
            )
        db.conn.commit()
        return None
    except BaseException:
        db.conn.rollback()
        raise


def set_role(
    db: Database, staff_id: int, role: str, organisation_id: int | None
) -> None:
    """Change an account's role (and organisation, which only partners have)."""
    with db.atomic():
        db.execute(
            "UPDATE staff SET role = ?, organisation_id = ? WHERE id = ?",
            [role, organisation_id, staff_id],
        )


def set_disabled(db: Database, staff_id: int, disabled: bool) -> None:
    """Disable an account (ending its sessions) or enable it again."""
    with db.atomic():
        db.execute(
            "UPDATE staff SET disabled = ? WHERE id = ?", [int(disabled), staff_id]
        )
        if disabled:
            db.execute("DELETE FROM sessions WHERE staff_id = ?", [staff_id])


def set_password(db: Database, staff_id: int, password: str) -> None:
    """Set a new password, unlock the account and end its sessions."""
    password_hash = _password_hash(password)
    with db.atomic():
        db.execute(
            "UPDATE staff SET password_hash = ?, failed_logins = 0, locked_until = 0 "
            "WHERE id = ?",
            [password_hash, staff_id],
        )
        db.execute("DELETE FROM sessions WHERE staff_id = ?", [staff_id])


# Sessions --------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(db: Database, staff_id: int | None, data: dict, now: float) -> str:
    """Start a session and return its id (only a hash of it is stored)."""
    token = secrets.token_urlsafe(32)
    with db.atomic():
        db.execute(
            "INSERT INTO sessions (id_hash, staff_id, data, created, last_seen) "
            "VALUES (?, ?, ?, ?, ?)",
            [_hash(token), staff_id, json.dumps(data), now, now],
        )
    return token


def get_session(
    db: Database, token: str, now: float, idle_seconds: float, absolute_seconds: float
) -> dict | None:
    """The live session with this id, or None if unknown, idle too long or too old."""
    found = get_row(db, "SELECT * FROM sessions WHERE id_hash = ?", [_hash(token)])
    if found is None:
        return None
    if (
        now - found["last_seen"] > idle_seconds
        or now - found["created"] > absolute_seconds
    ):
        delete_session(db, token)
        return None
    found["data"] = json.loads(found["data"])
    return found


def save_session(db: Database, token: str, data: dict, now: float) -> None:
    """Store a session's data and note that it was used now."""
    with db.atomic():
        db.execute(
            "UPDATE sessions SET data = ?, last_seen = ? WHERE id_hash = ?",
            [json.dumps(data), now, _hash(token)],
        )


def delete_session(db: Database, token: str) -> None:
    """End a session: its id is refused from now on."""
    with db.atomic():
        db.execute("DELETE FROM sessions WHERE id_hash = ?", [_hash(token)])


def delete_stale_sessions(
    db: Database, now: float, idle_seconds: float, absolute_seconds: float
) -> None:
    """Remove sessions that have timed out."""
    with db.atomic():
        db.execute(
            "DELETE FROM sessions WHERE last_seen < ? OR created < ?",
            [now - idle_seconds, now - absolute_seconds],
        )


# Audit -----------------------------------------------------------------------------


def record(
    db: Database, staff_email: str | None, action: str, detail: str = ""
) -> None:
    """Write one staff action to the audit log, with the time it happened."""
    at = datetime.now(UTC).isoformat(timespec="seconds")  # a staff action's time
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
    if len(printable) > AUDIT_EMAIL_MAX:
        return printable[:AUDIT_EMAIL_MAX] + "…"
    return printable


def list_audit(db: Database, limit: int = 500) -> list[dict]:
    """The latest entries of the audit log, newest first."""
    return list_rows(db, "SELECT * FROM audit ORDER BY id DESC LIMIT ?", [limit])
