"""Staff accounts, organisations, passwords and second factors.

Their sessions are in survey/session_store.py, what they do in survey/audit_log.py.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import secrets
from functools import cache
from pathlib import Path

import pyotp
from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from survey import session_store
from survey.storage import get_row, immediate, list_rows

ROLES = ("admin", "analyst", "partner")
MAX_FAILED_LOGINS = 10
LOCK_SECONDS = 15 * 60
PASSWORD_MIN, PASSWORD_MAX = 12, 128
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"
# Checked against when the e-mail address is unknown, so that a wrong address takes as
# long as a wrong password and timing says nothing about which accounts exist.
_DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")


# Organisations ---------------------------------------------------------------------


def add_organisation(db: Database, name: str) -> dict:
    """Create an organisation (a support service) and return it."""
    with db.atomic():
        db.execute("INSERT INTO organisations (name) VALUES (?)", [name])
    added = get_organisation_by_name(db, name)
    assert added is not None  # inserted just now
    return added


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
    added = get_staff_by_email(db, email.strip())
    assert added is not None  # inserted just now
    return added


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
        "SELECT staff.id, email, role, disabled, organisations.name AS organisation, "
        "totp_secret IS NOT NULL AS two_factor "
        "FROM staff LEFT JOIN organisations "
        "ON organisations.id = staff.organisation_id "
        "ORDER BY email",
    )


def check_login(db: Database, email: str, password: str, now: float) -> dict | None:
    """The account if the password is right and the account usable, else None.

    Failures are counted in the database: after MAX_FAILED_LOGINS the account is
    locked for LOCK_SECONDS, whatever the password, in every worker process.
    """
    with immediate(db):  # read the count, then write it: no lost updates
        staff = get_row(db, "SELECT * FROM staff WHERE email = ?", [email.strip()])
        if staff is None:
            check_password_hash(_DUMMY_HASH, password)
            return None
        locked = staff["locked_until"] > now
        right = check_password_hash(staff["password_hash"], password)
        if right and not locked and not staff["disabled"]:
            # The count is not reset here but after the second step: otherwise typing
            # the password again would buy a fresh run of guesses at the code.
            return get_staff(db, staff["id"])
        if not locked:
            _count_failure(db, staff, now)
        return None


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
            session_store.end_staff_sessions(db, staff_id)


def set_password(db: Database, staff_id: int, password: str) -> None:
    """Set a new password, unlock the account and end its sessions."""
    password_hash = _password_hash(password)
    with db.atomic():
        db.execute(
            "UPDATE staff SET password_hash = ?, failed_logins = 0, locked_until = 0 "
            "WHERE id = ?",
            [password_hash, staff_id],
        )
        session_store.end_staff_sessions(db, staff_id)


# The second factor ----------------------------------------------------------------

TOTP_STEP = 30  # seconds: what every authenticator app uses
TOTP_DRIFT = 1  # steps either side accepted, for a phone's clock a little out
RECOVERY_CODES = 10
# 16 characters from Crockford's 32 (80 bits): too many to guess, even against their
# hashes. It leaves out i, l, o and u; a typed i or l is read as 1 and o as 0.
RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
RECOVERY_GROUPS, RECOVERY_GROUP = 4, 4


def new_totp_secret() -> str:
    """A random TOTP secret (160 bits, base32), for enrolment."""
    return pyotp.random_base32(32)


def totp_uri(secret: str, email: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def _matching_step(secret: str, code: str, now: float, after: int) -> int | None:
    """The time step, later than `after`, within the drift of now that the code is for.

    A step at or before `after` was used already: the same code is refused, so one
    seen over a shoulder or in a phishing proxy cannot be used again.
    """
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // TOTP_STEP)
    for step in range(current - TOTP_DRIFT, current + TOTP_DRIFT + 1):
        if step > after and hmac.compare_digest(totp.at(step * TOTP_STEP), code):
            return step
    return None


def _code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def normalise_code(code: str) -> str:
    """A typed code without spaces, hyphens or capitals, as it is checked."""
    typed = "".join(c for c in (code or "") if c not in " -\t").lower()
    return typed.translate(str.maketrans("ilo", "110"))


def _new_recovery_code() -> str:
    chars = "".join(
        secrets.choice(RECOVERY_ALPHABET)
        for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP)
    )
    return "-".join(
        chars[i : i + RECOVERY_GROUP] for i in range(0, len(chars), RECOVERY_GROUP)
    )


def _replace_recovery_codes(db: Database, staff_id: int) -> list[str]:
    """New recovery codes for an account, in place of any it had (inside a write)."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    db.execute("DELETE FROM recovery_codes WHERE staff_id = ?", [staff_id])
    for code in codes:
        db.execute(
            "INSERT INTO recovery_codes (code_hash, staff_id) VALUES (?, ?)",
            [_code_hash(code), staff_id],
        )
    return codes


def _count_failure(db: Database, staff: dict, now: float) -> None:
    """One more failed attempt, locking the account at MAX_FAILED_LOGINS."""
    failures = staff["failed_logins"] + 1
    locked_until = now + LOCK_SECONDS if failures >= MAX_FAILED_LOGINS else 0
    db.execute(
        "UPDATE staff SET failed_logins = ?, locked_until = ? WHERE id = ?",
        [0 if locked_until else failures, locked_until, staff["id"]],
    )


def is_locked(db: Database, staff_id: int, now: float) -> bool:
    """Whether the account is locked out (or gone, or disabled) just now."""
    staff = get_row(db, "SELECT * FROM staff WHERE id = ?", [staff_id])
    return staff is None or bool(staff["disabled"]) or staff["locked_until"] > now


def check_second_factor(
    db: Database, staff_id: int, code: str, now: float
) -> str | None:
    """How the second step was passed ("code" or "recovery code"), or None.

    A six-digit code is checked against the authenticator's secret, within
    TOTP_DRIFT steps of now and never twice; anything else against the unused
    recovery codes, each of which works once. A wrong code counts towards the
    lock-out as a wrong password does, and a locked account passes with nothing.
    """
    typed = normalise_code(code)
    with immediate(db):  # read the count and last step, then write them
        staff = get_row(db, "SELECT * FROM staff WHERE id = ?", [staff_id])
        if staff is None or not staff["totp_secret"]:
            return None
        usable = staff["locked_until"] <= now and not staff["disabled"]
        passed = None
        if len(typed) == 6 and typed.isascii() and typed.isdigit():
            step = _matching_step(
                staff["totp_secret"], typed, now, staff["totp_last_step"]
            )
            if step is not None and usable:
                db.execute(
                    "UPDATE staff SET totp_last_step = ? WHERE id = ?", [step, staff_id]
                )
                passed = "code"
        elif typed and usable:
            deleted = db.execute(
                "DELETE FROM recovery_codes WHERE code_hash = ? AND staff_id = ?",
                [_code_hash(typed), staff_id],
            )
            if deleted.rowcount == 1:
                passed = "recovery code"
        if passed:
            db.execute("UPDATE staff SET failed_logins = 0 WHERE id = ?", [staff_id])
        elif usable:
            _count_failure(db, staff, now)
        return passed


def enrol_second_factor(
    db: Database, staff_id: int, secret: str, code: str, now: float
) -> list[str] | None:
    """Keep a new TOTP secret once a code from it is right; its recovery codes.

    The codes are returned once, to be shown once: only their hashes are stored. A
    wrong code counts towards the lock-out, as at the second step. An account that
    has a second factor already keeps it (None).
    """
    typed = normalise_code(code)
    with immediate(db):
        staff = get_row(db, "SELECT * FROM staff WHERE id = ?", [staff_id])
        if staff is None or staff["totp_secret"]:
            return None
        usable = staff["locked_until"] <= now and not staff["disabled"]
        step = _matching_step(secret, typed, now, 0)
        if step is None or not usable:
            if usable:
                _count_failure(db, staff, now)
            return None
        db.execute(
            "UPDATE staff SET totp_secret = ?, totp_last_step = ?, failed_logins = 0 "
            "WHERE id = ?",
            [secret, step, staff_id],
        )
        return _replace_recovery_codes(db, staff_id)


def regenerate_recovery_codes(db: Database, staff_id: int) -> list[str]:
    """New recovery codes for an account; the old ones stop working."""
    with db.atomic():
        return _replace_recovery_codes(db, staff_id)


def count_recovery_codes(db: Database, staff_id: int) -> int:
    """How many unused recovery codes an account has left."""
    return db.execute(
        "SELECT COUNT(*) FROM recovery_codes WHERE staff_id = ?", [staff_id]
    ).fetchone()[0]


def reset_second_factor(db: Database, staff_id: int) -> None:
    """Forget an account's second factor and end its sessions: it enrols again."""
    with db.atomic():
        db.execute(
            "UPDATE staff SET totp_secret = NULL, totp_last_step = 0 WHERE id = ?",
            [staff_id],
        )
        db.execute("DELETE FROM recovery_codes WHERE staff_id = ?", [staff_id])
        session_store.end_staff_sessions(db, staff_id)
