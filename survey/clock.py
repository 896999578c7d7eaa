"""The one clock: every date and time the service works from is read here.

The date decides which periods are complete and released, when a link has ended, the
ISO week a response is stored in and what a purge deletes. It is the server's local
date (set the server's time zone to the deployment's, Europe/London in England). A
command whose result depends on the date takes `--today` (today_option, below), and
tests pin this clock with time-machine rather than lean on the day they run.

Nothing here is stored about a respondent finer than the ISO week: the hour goes into
form tokens and the flood counter only, which are never written down.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import click


def today() -> date:
    """Today's date on the server's clock."""
    return date.today()


def now() -> float:
    """Seconds since the epoch: staff sessions, sign-in lock-outs and codes."""
    return time.time()


def hour() -> int:
    """The hour under way, counted from the epoch (form tokens, the flood counter)."""
    return int(now()) // 3600


def stamp() -> str:
    """A staff action's time, to the second in UTC, as the audit log keeps it."""
    return datetime.fromtimestamp(now(), UTC).isoformat(timespec="seconds")


class Day(click.ParamType):
    """A date written YYYY-MM-DD, no later than the clock's today."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        """The date, or a usage error saying what was wrong with it."""
        if isinstance(value, date):
            return value
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date written YYYY-MM-DD", param, ctx)
        # A period that has not ended cannot be released, nor responses purged
        # before their time, by saying it is later than it is.
        if day > today():
            self.fail(
                f"{day.isoformat()} is after today ({today().isoformat()}): "
                "a command can be run as of an earlier date, never a later one",
                param,
                ctx,
            )
        return day


def today_option(command):
    """`--today`, for a command whose result depends on the date."""
    return click.option(
        "--today",
        type=Day(),
        default=None,
        help="Run as of this earlier date, YYYY-MM-DD (default: today).",
    )(command)
