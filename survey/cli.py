"""Flask commands: set-up, links, demo data, backup, retention and releases.

Importing and exporting responses as CSV are in survey/transfer.py.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from analysis import periods, populations
from survey import (
    accounts,
    audit_log,
    clock,
    comments,
    demo,
    ledger,
    link_store,
    questionnaire,
    releases,
    storage,
    stored,
    transfer,
)
from survey.db import get_db
from survey.files import staff_path

DEMO_WORKERS = 2
MOST_MONTHS = 1200  # a hundred years: more is a slip, and no date so early exists


def init_app(app) -> None:
    """Register the commands with the app."""
    for command in (
        init_db,
        create_link,
        assign_channel,
        demo_data,
        transfer.import_responses,
        transfer.export_responses,
        backup,
        purge,
        release,
        audit_releases,
        create_user,
        reset_second_factor,
    ):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db():
    """Create or upgrade the database schema (safe to run again)."""
    path = current_app.config["DATABASE"]
    make_private(path)
    make_private(staff_path(path))
    storage.migrate(get_db())
    click.echo(f"Database ready: {path} (responses) and {staff_path(path)} (staff).")


def make_private(path: str) -> None:
    """Create `path` (and its folder) readable by its owner only, or tighten it.

    The database holds every answer, and umask 022 would leave a new one readable by
    every account on the machine (docs/deploy.md). SQLite gives its -wal and -shm
    files the database file's own permissions, so they follow. An older database made
    readable by all is tightened the next time init-db runs.
    """
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        os.makedirs(folder, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for name in (path, path + "-wal", path + "-shm"):
        if os.path.exists(name):
            os.chmod(name, 0o600)


@click.command("create-link")
@click.argument("label")
@click.option("--channel", required=True, help="The channel code, e.g. outreach-north.")
@click.option(
    "--organisation",
    help="The organisation a new channel belongs to (default: none, admins only).",
)
@with_appcontext
def create_link(label, channel, organisation):
    """Create an open distribution link for a channel and print its path.

    A channel that does not exist yet is created, for --organisation if given.
    """
    if not link_store.CHANNEL_PATTERN.fullmatch(channel):
        raise click.BadParameter(
            "use 1 to 40 lower-case letters, digits or hyphens, e.g. outreach-north",
            param_hint="--channel",
        )
    if not label.strip():
        raise click.BadParameter("give the link a label, e.g. 'Outreach team, north'")
    db = get_db()
    existing = link_store.get_channel(db, channel)
    organisation_id = existing["organisation_id"] if existing else None
    if organisation:
        organisation_id = _organisation_id(db, organisation)
    link = link_store.add_link(
        db,
        label=label.strip(),
        channel=channel,
        today=clock.today(),
        organisation_id=organisation_id,
    )
    if link is None:
        owner = link_store.get_channel(db, channel)["organisation"] or "no organisation"
        raise click.ClickException(
            f"The channel {channel} belongs to {owner}: nothing was created."
        )
    if existing is None:
        click.echo(
            f"Created the channel {channel} for {organisation or 'no organisation'}.",
            err=True,
        )
    audit_log.record(
        db, None, "created a link (command line)", f"{link['code']} ({channel})"
    )
    click.echo(f"/s/{link['code']}")


@click.command("assign-channel")
@click.argument("channel")
@click.option(
    "--organisation",
    help="The organisation it now belongs to (default: none, admins only).",
)
@with_appcontext
def assign_channel(channel, organisation):
    """Give a channel, its links and all its counts to an organisation, or to none."""
    db = get_db()
    organisation_id = _organisation_id(db, organisation) if organisation else None
    if not link_store.set_channel_organisation(db, channel, organisation_id):
        raise click.BadParameter(f"there is no channel {channel!r}")
    owner = organisation or "no organisation"
    detail = f"{channel}: {owner}"
    audit_log.record(db, None, "assigned a channel (command line)", detail)
    click.echo(f"The channel {channel} now belongs to {owner}.")


def _organisation_id(db, name: str) -> int:
    # A name typed wrong is refused, not made into a new organisation.
    found = accounts.get_organisation_by_name(db, name)
    if found is None:
        raise click.BadParameter(
            f"there is no organisation named {name!r}", param_hint="--organisation"
        )
    return found["id"]


@click.command("demo-data")
@click.option(
    "--responses", "count", default=20_000, show_default=True, type=click.IntRange(1)
)
@click.option("--seed", default=1, show_default=True, type=int)
@clock.today_option
@with_appcontext
def demo_data(count, seed, today):
    """Add realistic synthetic responses over the last three financial years."""
    db = get_db()
    # The demo's channels exist, for no organisation, as a real response's channel
    # does: a partner typing one of their codes gets no counts with it.
    for channel in demo.CHANNELS:
        link_store.claim_channel(db, channel, None)
    # A big page cache keeps inserts of random keys fast; it lasts for this connection.
    db.execute("PRAGMA cache_size=-1000000")
    work = demo.chunks(count, seed, today or clock.today())
    label = "Adding demo responses"
    with (
        click.progressbar(length=count, label=label, file=sys.stderr) as bar,
        # Worker processes make the rows while this one stores them; each chunk has
        # its own seed, so the result does not depend on which process made it.
        multiprocessing.get_context("spawn").Pool(DEMO_WORKERS) as pool,
        # One transaction for the whole load: committing each chunk of random keys
        # would rewrite most of the table's pages into the WAL every time.
        db.atomic(),
    ):
        for values in pool.imap(demo.chunk_values, work):
            bar.update(storage.add_row_values(db, values))
    click.echo(
        f"Added {count:,} demo responses (seed {seed}); "
        f"{storage.count_responses(db):,} in all."
    )


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False))
@with_appcontext
def backup(destination):
    """Copy both database files with SQLite's online backup, and check the copies."""
    targets = [destination, staff_path(destination)]
    for target in targets:
        if os.path.exists(target):
            raise click.ClickException(f"{target} exists already: choose a new name.")
    partial = destination + ".partial"
    partials = [partial, staff_path(partial)]
    for name in partials:
        make_private(name)  # a copy of every answer, as private as the original
    result = storage.backup(get_db(), partial)
    if result != "ok":
        for name in partials:
            os.remove(name)
        raise click.ClickException(f"The copy failed its integrity check: {result}")
    for name, target in zip(partials, targets, strict=True):
        os.replace(name, target)
    click.echo(
        f"Backed up to {destination} (responses) and {targets[1]} (staff) "
        "(integrity check: ok)."
    )


@click.command("purge")
@click.option(
    "--months",
    type=click.IntRange(1, MOST_MONTHS),
    help="Keep this many months (default: RETENTION_MONTHS, 36).",
)
@clock.today_option
@with_appcontext
def purge(months, today):
    """Delete responses older than the retention period and compact the file."""
    months = months or int(current_app.config["RETENTION_MONTHS"])
    cutoff = periods.retention_cutoff(today or clock.today(), months)
    db = get_db()
    # Before the responses, whose purge compacts the file: nothing of them lingers.
    gone = releases.delete_releases_before(db, cutoff)
    # Reports built from the releases gone would outlive them (survey/stored.py).
    stored.delete_reports(db.conn)
    batches = comments.delete_batches_before(db, cutoff)
    deleted = storage.purge_responses(db, cutoff)
    click.echo(
        f"Deleted {deleted:,} responses from before {cutoff}, the releases of "
        f"{gone:,} periods that ended before it, and {batches:,} batches of comments "
        "that began before it."
    )


@click.command("release")
@click.option(
    "--revise",
    "period",
    metavar="PERIOD",
    help="Make a revised release of this period (e.g. '2025/26 Q3'), if enough "
    "late responses have come in for it.",
)
@click.option(
    "--period-type",
    type=click.Choice(releases.PERIOD_TYPES),
    default="quarter",
    show_default=True,
    help="The type of the period to revise.",
)
@clock.today_option
@with_appcontext
def release(period, period_type, today):
    """Release every complete period that has no release yet (safe to run again).

    With --revise, make the next revision of one release instead: only when at
    least SUPPRESSION_THRESHOLD late responses have come in for its period.
    """
    db, today = get_db(), today or clock.today()
    threshold = int(current_app.config["SUPPRESSION_THRESHOLD"])
    if period is None:
        before = _comment_batches(db)
        made = releases.make_due_releases(db, today, threshold)
        releases.record_made(db, made, "command line")
        for one in made:
            click.echo(
                f"Released {one['period_type']} {one['period']}.{_held(db, one)}"
            )
        if not made:
            click.echo("No release is due: every complete period has one.")
        _tell_batches(db, before)
        return
    try:
        revised = releases.revise_release(db, period_type, period, today, threshold)
    except releases.Refused as refused:
        raise click.ClickException(str(refused)) from refused
    detail = f"{period_type} {period}, revision {revised['revision']}"
    audit_log.record(db, None, "revised a release (command line)", detail)
    click.echo(f"Revised {detail}. {revised['note']}{_held(db, revised)}")


def _held(db, release: dict) -> str:
    """What the release's ledger withholds, as a sentence (or nothing)."""
    withheld = ledger.withheld_reasons(db, release["period_type"], release["period"])
    if not withheld:
        return ""
    return (
        f" {len(withheld)} view(s) withheld: each would differ from another "
        "published one by fewer than SUPPRESSION_THRESHOLD responses "
        "(flask audit-releases lists them)."
    )


@click.command("audit-releases")
@click.option("--list", "listing", is_flag=True, help="List every withheld view too.")
@with_appcontext
def audit_releases(listing):
    """Check every pair of published populations of every stored release again.

    Two published views may differ by no response or by SUPPRESSION_THRESHOLD or
    more, never by 1 to one fewer (docs/disclosure.md, populations). Prints how many
    pairs were checked and how many break the rule; exits 1 if any does.
    """
    db = get_db()
    threshold = int(current_app.config["SUPPRESSION_THRESHOLD"])
    pairs, broken, missing = ledger.audit(db, threshold)
    if listing:
        for row in db.execute(
            "SELECT period_type, period, revision, "
            "json_extract(ledger, '$.withheld') FROM release_ledgers "
            "ORDER BY first_week, period_type, revision"
        ):
            for key, reason in sorted(json.loads(row[3]).items()):
                what = populations.Population.from_key(key).describe()
                click.echo(f"Withheld {ledger.label(*row[:3])}: {what}: {reason}.")
    for line in broken:
        click.echo(f"Broken: {line}.")
    for name in missing:
        click.echo(f"No ledger: {name} (none of its figures is published).")
    click.echo(
        f"Checked {pairs} pairs of published populations: {len(broken)} broke the rule."
    )
    if broken:
        raise click.exceptions.Exit(1)


def _tell_batches(db, before: set[tuple]) -> None:
    """Print and audit each batch of comments fixed since `before` was read."""
    for code, number, first, last in sorted(_comment_batches(db) - before):
        detail = f"{code} batch {number}, {first} to {last}"
        audit_log.record(db, None, "fixed a batch of comments (command line)", detail)
        click.echo(f"Fixed comments {detail}.")


def _comment_batches(db) -> set[tuple]:
    """Every fixed batch of comments by question, number and quarters: no texts."""
    return {
        (code, batch["number"], batch["first"], batch["last"])
        for code in questionnaire.FREE_TEXT_CODES
        for batch in comments.list_batches(db, code)
    }


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@click.option("--organisation", help="The support service a partner belongs to.")
@click.password_option(
    "--password", prompt="Password (12 to 128 characters)", confirmation_prompt=True
)
@with_appcontext
def create_user(email, role, organisation, password):
    """Create a staff account; the password is asked for twice and never shown."""
    if (role == "partner") != bool(organisation):
        raise click.UsageError(
            "give --organisation for a partner, and only for a partner"
        )
    problem = accounts.password_problem(password)
    if problem:
        raise click.ClickException(f"{problem}; nothing was created.")
    db = get_db()
    organisation_id = None
    if organisation:
        found = accounts.get_organisation_by_name(db, organisation)
        if found is None:
            found = accounts.add_organisation(db, organisation)
            click.echo(f"Created the organisation {organisation}.")
        organisation_id = found["id"]
    try:
        accounts.add_staff(db, email, password, role, organisation_id)
    except sqlite3.IntegrityError as error:
        raise click.ClickException(
            f"There is already an account for {email}."
        ) from error
    audit_log.record(db, None, "created an account (command line)", f"{email} ({role})")
    click.echo(f"Created the {role} account {email}.")
    click.echo(
        "At its first sign-in it will be asked to set up its second factor: an "
        "authenticator app on a phone (docs/deploy.md)."
    )


@click.command("reset-second-factor")
@click.argument("email")
@with_appcontext
def reset_second_factor(email):
    """Forget an account's second factor: it sets one up again at its next sign-in.

    For an admin who has lost both phone and recovery codes, from the server itself;
    an admin resets a colleague's from their account page. Audited.
    """
    db = get_db()
    staff = accounts.get_staff_by_email(db, email)
    if staff is None:
        raise click.ClickException(f"There is no account for {email}.")
    accounts.reset_second_factor(db, staff["id"])
    audit_log.record(db, None, "reset a second factor (command line)", staff["email"])
    click.echo(
        f"The second factor of {staff['email']} is reset and its sessions ended: it "
        "sets up a new one at its next sign-in. Sign in as it straight away."
    )
