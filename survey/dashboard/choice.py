"""What a dashboard page, chart or export is of: the period type, the filters and
the release, as its address gives them."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from flask import abort, request

from survey.dashboard import figures, tables

PERIOD_TYPES = {"month": "Month", "quarter": "Quarter", "year": "Financial year"}


@dataclass(frozen=True)
class Choice:
    """A period type (`period`, as the address names it), an offence type and a
    channel to filter by ("" for all), and a released period to see the figures as
    they were when it was the latest ("" for the latest)."""

    period: str = "quarter"
    offence: str = ""
    channel: str = ""
    release: str = ""

    @classmethod
    def from_args(cls, period: str | None = None) -> Choice:
        """The choice in the address, checked; a bad one is a 400.

        A released period of another type (left in the address when the period type
        is changed) means the latest. `period` fixes the period type whatever the
        address says (the quarterly report's).
        """
        chosen = cls(
            period=period or request.args.get("period", "quarter"),
            offence=request.args.get("offence", ""),
            channel=request.args.get("channel", ""),
            release=request.args.get("release", ""),
        )
        if chosen.period not in PERIOD_TYPES:
            abort(400, "Choose a month, quarter or financial year.")
        if chosen.release not in ("", *figures.released_periods(chosen.period)):
            others = [figures.released_periods(kind) for kind in PERIOD_TYPES]
            if not any(chosen.release in periods for periods in others):
                abort(400, "Choose one of the released periods offered.")
            chosen = cls(chosen.period, chosen.offence, chosen.channel, "")
        if chosen.offence and chosen.offence not in tables.OFFENCES:
            abort(400, "Choose one of the offence types offered.")
        if chosen.channel and chosen.channel not in figures.channels(chosen.period):
            abort(400, "Choose one of the channels offered.")
        return chosen

    @property
    def query(self) -> dict[str, str]:
        """The choice as the address carries it: only what is chosen."""
        return {key: value for key, value in asdict(self).items() if value}

    def report(self) -> dict:
        """The report for this choice, from the releases (survey/reports.py)."""
        return figures.build_report(
            self.period, self.offence, self.channel, self.release or None
        )

    def describe(self) -> str:
        """The choice in a few words, for the audit log."""
        return (
            f"{self.period} {self.offence or 'all'} {self.channel or 'all'}"
            f" {self.release or 'latest'}"
        )

    def filter_text(self) -> str:
        """The filters in words, for a chart's title and an export's `filters`.

        An export or a chart is read away from the page that made it, so it says
        itself which responses it counts.
        """
        parts = []
        if self.offence:
            parts.append(f"offence type: {tables.OFFENCES[self.offence]}")
        if self.channel:
            parts.append(f"channel: {self.channel}")
        return "; ".join(parts) or "all responses"

    def filter_line(self) -> str:
        """The filters as a chart's second line."""
        if not (self.offence or self.channel):
            return "All responses"
        return f"Only responses with {self.filter_text()}"

    def file_stem(self, name: str, built: dict) -> str:
        """A download's file name without its extension: what it holds, the period
        type, each filter and the latest period, so two downloads never share one."""
        parts = [name, self.period]
        for key in ("offence", "channel"):
            if getattr(self, key):
                parts += [key, getattr(self, key)]
        parts.append(built.get("latest_complete_period") or "none")
        return re.sub(r"[^A-Za-z0-9_.]+", "-", "-".join(parts)).strip("-.")
