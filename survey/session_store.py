"""Staff sessions as rows: each is found by a hash of its id, which only the cookie
holds (survey/sessions.py keeps Flask's session in them)."""

from __future__ import annotations

import hashlib
import json
import secrets

from sqlite_utils import Database

from survey.storage import get_row


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


def end_staff_sessions(db: Database, staff_id: int) -> None:
    """Delete an account's sessions, those half way through signing in as well
    (inside the caller's write)."""
    # A pending session (survey/sessions.py) names its account in its data only.
    db.execute(
        "DELETE FROM sessions WHERE staff_id = ? "
        "OR (staff_id IS NULL AND json_extract(data, '$.pending') = ?)",
        [staff_id, staff_id],
    )
