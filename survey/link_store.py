"""Distribution links and their channels: every read and write of them.

A link is for one channel; a channel belongs to one organisation, or to none (admins
only). Responses record their channel, never their link (docs/privacy.md).
"""

from __future__ import annotations

import re
import secrets
from datetime import date

from sqlite_utils import Database

from survey.storage import get_row, list_rows

# Link codes are typed from paper and scanned from QR cards: lower case only, and none
# of 0 o 1 i l, which are easily mistaken for each other.
LINK_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
LINK_CODE_LENGTH = 8
# A code from an address that is longer than this is not looked up: none is.
LONGEST_CODE = 32
# A channel code, as typed for a new link: lower-case letters, digits and hyphens.
CHANNEL_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def new_link_code() -> str:
    """A short random code for a link, easy to type from a printed card."""
    return "".join(secrets.choice(LINK_ALPHABET) for _ in range(LINK_CODE_LENGTH))


def get_channel(db: Database, code: str) -> dict | None:
    """The channel with this code, with its organisation's id and name, or None."""
    return get_row(
        db,
        "SELECT channels.code, channels.organisation_id, "
        "organisations.name AS organisation FROM channels "
        "LEFT JOIN organisations ON organisations.id = channels.organisation_id "
        "WHERE code = ?",
        [code],
    )


def claim_channel(db: Database, code: str, organisation_id: int | None) -> dict:
    """The channel with this code, created for `organisation_id` if it did not exist.

    A channel that exists keeps its organisation: callers compare it with the one
    they asked for. Of two claims at once on a new code, the first insert wins.
    """
    with db.atomic():
        db.execute(
            "INSERT OR IGNORE INTO channels (code, organisation_id) VALUES (?, ?)",
            [code, organisation_id],
        )
    channel = get_channel(db, code)
    assert channel is not None  # there now, ours or another's
    return channel


def set_channel_organisation(
    db: Database, code: str, organisation_id: int | None
) -> bool:
    """Give a channel, and so its links and counts, to an organisation or to none;
    False if there is no such channel."""
    with db.atomic():
        return (
            db.execute(
                "UPDATE channels SET organisation_id = ? WHERE code = ?",
                [organisation_id, code],
            ).rowcount
            == 1
        )


def add_link(
    db: Database,
    *,
    label: str,
    channel: str,
    today: date,
    organisation_id: int | None = None,
    expires: date | None = None,
) -> dict | None:
    """Create an open link for a channel and return it; None if the channel belongs
    to an organisation other than `organisation_id` (None: to no organisation).

    A channel that does not exist yet is created for `organisation_id`.
    """
    if claim_channel(db, channel, organisation_id)["organisation_id"] != (
        organisation_id
    ):
        return None
    link = {
        "code": new_link_code(),
        "label": label,
        "channel": channel,
        "is_open": 1,
        "created": today.isoformat(),
        "expires": expires.isoformat() if expires else None,
    }
    with db.atomic():
        db.execute(
            "INSERT INTO links (code, label, channel, is_open, created, expires) "
            "VALUES (:code, :label, :channel, :is_open, :created, :expires)",
            link,
        )
    return {**link, "organisation_id": organisation_id}


# A link's organisation is its channel's (survey.schema, m006).
LINK_QUERY = (
    "SELECT links.*, channels.organisation_id, organisations.name AS organisation "
    "FROM links JOIN channels ON channels.code = links.channel "
    "LEFT JOIN organisations ON organisations.id = channels.organisation_id"
)


def get_link(db: Database, code: str) -> dict | None:
    """The link with this code, with its organisation's name, or None."""
    if len(code) > LONGEST_CODE:
        return None
    # Plain SQL: every survey request looks its link up, and rows_where would first
    # read the schema three times.
    return get_row(db, f"{LINK_QUERY} WHERE links.code = ?", [code.lower()])


def get_open_link(db: Database, code: str, today: date) -> dict | None:
    """The link if open and not expired, else None: unknown, closed, expired alike."""
    link = get_link(db, code)
    if link is None or not link["is_open"]:
        return None
    if link["expires"] and link["expires"] < today.isoformat():
        return None
    return link


def set_link_open(db: Database, code: str, is_open: bool) -> None:
    """Open or close a link."""
    with db.atomic():
        db.execute("UPDATE links SET is_open = ? WHERE code = ?", [int(is_open), code])


def list_links(db: Database, organisation_id: int | None = None) -> list[dict]:
    """Every link (or one organisation's), by label."""
    where, params = (
        ("WHERE channels.organisation_id = ?", [organisation_id])
        if (organisation_id is not None)
        else ("", [])
    )
    return list_rows(db, f"{LINK_QUERY} {where} ORDER BY label, code", params)


def list_channel_links(db: Database, channel: str) -> list[dict]:
    """Every link on one channel, by label."""
    return list_rows(
        db, f"{LINK_QUERY} WHERE links.channel = ? ORDER BY label, code", [channel]
    )


def list_channels(db: Database) -> set[str]:
    """Every channel (each was made with a link)."""
    return {row[0] for row in db.execute("SELECT code FROM channels")}
