"""What the report is asked about: the shape of a headline measure, and of the whole.

The questionnaire (survey/questionnaire.py) holds the measures themselves; storage
counts them, the report analyses them and the wording speaks of them from that one
definition. This module imports no statistics, so the questionnaire can use it cheaply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    """A headline measure: the share of a base whose answer to a question counts."""

    # The code: a key in the report, a column prefix in storage's counts, a URL part.
    name: str
    # What the counted respondents did, as a person would say it. It completes both
    # "the share who …" and "62% of respondents …", so it starts with a verb in the
    # past or with "would", in lower case.
    title: str
    # The question, and its answers that count (success) and that make the base.
    column: str
    success: frozenset[str]
    base: frozenset[str]
    # Who the base is, completing "62% of …".
    population: str = "respondents"
    # On the 1–5 confidence scale (B1–B6): its whole distribution is tested as well.
    scale: bool = False
    # What "62% of …" says, where population and title side by side would repeat
    # themselves ("those offered the safety questions declined some or all of them");
    # empty for population and title.
    statement: str = ""

    @property
    def counted(self) -> str:
        """Who was counted and what they did, completing "62% of …"."""
        return self.statement or f"{self.population} {self.title}"

    @property
    def heading(self) -> str:
        """The title as a heading or a table's row label."""
        return self.title[:1].upper() + self.title[1:]


@dataclass(frozen=True)
class ReportSpec:
    """The measures, reasons and help options to report, with their wording."""

    measures: Sequence[Measure]
    reasons: Sequence[tuple[str, str]]
    helps: Sequence[tuple[str, str]]
    # The About-you questions to break measures down by: (code, title, bands), each
    # band a (value, label) pair. Their rows come separately (see report.build).
    about_you: Sequence[tuple[str, str, Sequence[tuple[str, str]]]] = ()
