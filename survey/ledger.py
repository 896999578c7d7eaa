"""Release ledgers: the populations each release publishes, checked against all others.

No two published populations may differ by 1 to k − 1 responses
(analysis/populations.py; docs/disclosure.md, populations). When a release or
revision is made, its ledger is made in the same transaction: the counts of its
months' responses by channel, offence type and About-you bands (its atoms: never
published), every population a report may publish from it with its size, and the
check of each against every other population of the release and of every earlier
release whose months it meets. A population that fails is withheld: every report
reads the ledgers of the releases it is built from, and publishes nothing of a
withheld population (survey/reports.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations

from sqlite_utils import Database

from analysis import periods, populations
from analysis.estimates import Options
from analysis.populations import Atoms, Population, Snapshot
from survey import questionnaire
from survey.storage import list_rows

QUESTIONS = tuple(code for code, _, _ in questionnaire.BANDED)
# The responses' columns for the questions above ("language" is one of them).
_GROUPS_SQL = (
    "SELECT period, channel, coalesce(A1_offence, ''), "
    + ", ".join(f"coalesce(\"{q}\", '')" for q in QUESTIONS)
    + ", count(*) FROM responses INDEXED BY responses_groups "
    "WHERE period >= ? AND period < ? GROUP BY period, channel, A1_offence, "
    + ", ".join(f'"{q}"' for q in QUESTIONS)
)


def read_atoms(db: Database, weeks: tuple[str, str]) -> dict[str, Atoms]:
    """The counts a ledger keeps, by month, for the weeks of one period (as stored
    now, in the caller's transaction)."""
    co: dict = defaultdict(lambda: defaultdict(int))
    cob: dict = defaultdict(lambda: defaultdict(int))
    bb: dict = defaultdict(lambda: defaultdict(int))
    month_of: dict[str, str] = {}
    pairs = list(combinations(range(len(QUESTIONS)), 2))
    for week, channel, offence, *bands, n in db.execute(_GROUPS_SQL, weeks):
        month = month_of.get(week)
        if month is None:
            month = month_of[week] = periods.period_of_week(week, "month")
        co[month][channel, offence] += n
        for question, band in zip(QUESTIONS, bands, strict=True):
            cob[month][channel, offence, question, band] += n
        for i, j in pairs:
            bb[month][QUESTIONS[i], bands[i], QUESTIONS[j], bands[j]] += n
    return {
        month: Atoms(dict(co[month]), dict(cob[month]), dict(bb[month]))
        for month in sorted(co)
    }


@dataclass
class Ledger:
    """One release's ledger as stored."""

    label: str
    snapshot: Snapshot
    sizes: dict[str, int]
    withheld: dict[str, str]
    pairs: int = 0
    against: list[str] = field(default_factory=list)

    @property
    def published(self) -> list[Population]:
        """The populations the release publishes, narrowest first."""
        return [
            Population.from_key(key)
            for key in sorted(self.sizes, key=lambda k: (self.sizes[k], k))
            if key not in self.withheld
        ]

    def to_json(self) -> str:
        return json.dumps(
            {
                "months": {
                    m: atoms.to_json() for m, atoms in self.snapshot.months.items()
                },
                "populations": self.sizes,
                "withheld": self.withheld,
                "pairs_checked": self.pairs,
                "checked_against": self.against,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_row(cls, row: dict) -> Ledger:
        data = json.loads(row["ledger"])
        return cls(
            label(row["period_type"], row["period"], row["revision"]),
            Snapshot({m: Atoms.from_json(a) for m, a in data["months"].items()}),
            data["populations"],
            data["withheld"],
            data["pairs_checked"],
            data["checked_against"],
        )


def label(period_type: str, period: str, revision: int) -> str:
    return f"{period} ({period_type}, revision {revision})"


def make_ledger(
    db: Database,
    period_type: str,
    period: str,
    revision: int,
    weeks: tuple[str, str],
    rows: dict,
    threshold: int,
    today: date,
) -> Ledger:
    """Check a release being made and store its ledger (in the caller's transaction).

    `rows` are what the release freezes (survey.releases); the atoms are read now,
    from the same responses.
    """
    snapshot = Snapshot(read_atoms(db, weeks))
    options = Options(today=today, threshold=threshold)
    found = populations.published_views(
        rows["measures"], rows["about"], questionnaire.REPORT, options
    )
    earlier = [
        (ledger.label, ledger.published, ledger.snapshot)
        for ledger in ledgers_meeting(db, weeks)
    ]
    withheld, pairs = populations.decide(found, snapshot, earlier, threshold)
    ledger = Ledger(
        label(period_type, period, revision),
        snapshot,
        {p.key: snapshot.size(p) for p in found if snapshot.size(p) >= threshold},
        {p.key: reason for p, reason in withheld.items()},
        pairs,
        [name for name, _, _ in earlier],
    )
    db.execute(
        "INSERT INTO release_ledgers (period_type, period, revision, first_week, "
        "end_week, ledger) VALUES (?, ?, ?, ?, ?, ?)",
        [period_type, period, revision, *weeks, ledger.to_json()],
    )
    return ledger


def ledgers_meeting(db: Database, weeks: tuple[str, str]) -> list[Ledger]:
    """Every stored ledger of a period that shares a week with these."""
    return [
        Ledger.from_row(row)
        for row in list_rows(
            db,
            "SELECT * FROM release_ledgers WHERE first_week < ? AND end_week > ? "
            "ORDER BY first_week, period_type, revision",
            [weeks[1], weeks[0]],
        )
    ]


def published_keys(
    db: Database, period_type: str, signature: Sequence
) -> dict[str, frozenset[str]]:
    """For each release of a report ([period, revision] each), the keys of the
    populations it publishes. A release with no ledger publishes none."""
    found: dict[str, frozenset[str]] = {}
    for period, revision in signature:
        row = db.execute(
            "SELECT json_extract(ledger, '$.populations'), "
            "json_extract(ledger, '$.withheld') FROM release_ledgers "
            "WHERE period_type = ? AND period = ? AND revision = ?",
            [period_type, period, revision],
        ).fetchone()
        if row is not None:
            sizes, withheld = json.loads(row[0]), json.loads(row[1])
            found[period] = frozenset(sizes) - frozenset(withheld)
    return found


def withheld_reasons(db: Database, period_type: str, period: str) -> dict[str, str]:
    """Why each withheld population of a period's latest revision is withheld."""
    row = db.execute(
        "SELECT json_extract(ledger, '$.withheld') FROM release_ledgers "
        "WHERE period_type = ? AND period = ? ORDER BY revision DESC LIMIT 1",
        [period_type, period],
    ).fetchone()
    return {} if row is None else json.loads(row[0])


def audit(db: Database, threshold: int) -> tuple[int, list[str], list[str]]:
    """Check every pair of published populations of every stored release again.

    Returns how many pairs were checked, a line for each pair that breaks the rule,
    and the releases that have no ledger (whose figures no report publishes).
    """
    rows = list_rows(db, "SELECT * FROM release_ledgers ORDER BY first_week")
    ledgers = [Ledger.from_row(row) for row in rows]
    missing = [
        label(row["period_type"], row["period"], row["revision"])
        for row in list_rows(
            db,
            "SELECT period_type, period, revision FROM releases AS r WHERE NOT EXISTS "
            "(SELECT 1 FROM release_ledgers AS l WHERE l.period_type = r.period_type "
            "AND l.period = r.period AND l.revision = r.revision)",
        )
    ]
    pairs, broken = populations.broken_pairs(
        [(ledger.label, ledger.published, ledger.snapshot) for ledger in ledgers],
        threshold,
    )
    return pairs, broken, missing


def backfill(db: Database, threshold: int, today: date) -> int:
    """Make the ledger of each release made before releases had them; how many.

    In the order they were made. Only a release whose weeks hold exactly what it
    froze can be checked (its atoms are read now, and the same responses are
    there); one whose period has had late responses since, or lost some, is given
    a ledger that withholds every population: no report publishes any of it.
    """
    from survey import releases  # here: survey.releases imports this module

    order = {name: rank for rank, name in enumerate(releases.PERIOD_TYPES)}
    missing = sorted(
        list_rows(
            db,
            "SELECT period_type, period, revision, made_week FROM releases AS r "
            "WHERE NOT EXISTS (SELECT 1 FROM release_ledgers AS l WHERE "
            "l.period_type = r.period_type AND l.period = r.period AND "
            "l.revision = r.revision)",
        ),
        key=lambda r: (r["made_week"], order[r["period_type"]], r["revision"]),
    )
    for row in missing:
        release = releases.get_release(
            db, row["period_type"], row["period"], row["revision"]
        )
        assert release is not None
        weeks = releases.period_weeks(row["period"], row["period_type"])
        now = dict(
            db.execute(
                "SELECT period, count(*) FROM responses WHERE period >= ? AND "
                "period < ? GROUP BY period",
                weeks,
            ).fetchall()
        )
        with db.atomic():
            made = make_ledger(
                db,
                row["period_type"],
                row["period"],
                row["revision"],
                weeks,
                release["rows"],
                threshold,
                today,
            )
            if now != release["rows"]["weeks"]:
                withheld = {
                    key: "made before ledgers, and its period's responses changed since"
                    for key in made.sizes
                }
                made.withheld = withheld
                db.execute(
                    "UPDATE release_ledgers SET ledger = ? WHERE period_type = ? AND "
                    "period = ? AND revision = ?",
                    [
                        made.to_json(),
                        row["period_type"],
                        row["period"],
                        row["revision"],
                    ],
                )
    return len(missing)
