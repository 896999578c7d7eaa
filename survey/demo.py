"""Synthetic responses for demonstrations and benchmarks: realistic and reproducible."""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import accumulate

from analysis import periods
from analysis.perturbation import KEY_RANGE
from survey import questionnaire, storage

# Support services that hand out links, with their share of responses and how much
# more (or less) confident their clients tend to be, on the logit scale.
CHANNELS = {
    "idva-service": (0.30, 0.25),
    "helpline": (0.20, -0.05),
    "outreach-north": (0.14, 0.0),
    "outreach-south": (0.10, -0.20),
    "stalking-advocacy": (0.16, -0.45),
    "paper-forms": (0.10, 0.10),
}
OFFENCES = (
    ("da", 0.60),
    ("stalking", 0.18),
    ("harassment", 0.14),
    ("other", 0.05),
    ("pns", 0.03),
)
OFFENCE_EFFECT = {
    "da": 0.0,
    "stalking": -0.35,
    "harassment": -0.1,
    "other": 0.1,
    "pns": 0.0,
}
# The language each response is given in: most in English, a few in each other one
# the survey offers (survey/languages.py), Easy Read among them.
LANGUAGE_SHARES = (
    ("en", 0.91),
    ("cy", 0.03),
    ("pl", 0.02),
    ("ur", 0.02),
    ("easy", 0.02),
)
CONTACT = (
    ("lt3m", 0.42),
    ("3to12m", 0.25),
    ("gt12m", 0.14),
    ("none", 0.14),
    ("pns", 0.05),
)
# How often each reason is given by people who declined, as research reports them.
REASON_RATES = {
    "fear_found_out": 0.42,
    "not_safe_to_talk": 0.28,
    "no_prosecution": 0.22,
    "childrens_services": 0.20,
    "immigration": 0.04,
    "not_believed": 0.25,
    "past_experience": 0.18,
    "officer_manner": 0.10,
    "too_personal": 0.16,
    "not_explained": 0.14,
    "too_soon": 0.24,
    "language": 0.04,
    "phone": 0.09,
    "no_difference": 0.21,
    "not_serious": 0.08,
    "shame": 0.11,
    "dependence": 0.07,
    "blamed": 0.06,
    "other": 0.05,
}
HELP_RATES = {
    "later": 0.30,
    "support_worker": 0.38,
    "officer_gender": 0.12,
    "interpreter": 0.04,
    "private_place": 0.27,
    "face_to_face": 0.10,
    "know_what_happens": 0.33,
}
OTHER_REASONS = (
    "I was too tired to go through it all.",
    "My children were in the room.",
    "I had already told another officer the same things.",
)
COMMENTS = (
    "The officer who came was kind and listened to me.",
    "Nobody called me back after the first visit.",
    "I felt judged when I explained what had happened.",
    "It took a long time for anyone to come out.",
    "My support worker helped me more than the police did.",
    "I wish they had told me what would happen next.",
)


def demo_weeks(today: date) -> list[str]:
    """ISO weeks from the start of the financial year two years back to last week."""
    # The year of the week under way, as every period is counted (analysis/periods.py):
    # on 31 March 2027 that is 2027/28, whose first week has begun.
    this_week = periods.week_of(today)
    year = periods.shift(periods.period_of_week(this_week, "year"), "year", -2)
    # A week belongs to the year that holds its Thursday: start at the first one.
    thursday = periods.week_thursday(periods.first_week(year, "year"))
    weeks = []
    while (week := periods.week_of(thursday)) != this_week:
        weeks.append(week)
        thursday += timedelta(days=7)
    return weeks


CHUNK = 20_000


def generate(count: int, seed: int, today: date) -> Iterator[dict]:
    """`count` stored rows of synthetic responses: the same seed gives the same rows."""
    for chunk in chunks(count, seed, today):
        yield from generate_chunk(chunk)


def chunk_values(chunk: tuple) -> list[list]:
    """One chunk's rows as storage.add_row_values takes them, sorted by id.

    Made in a worker process, so the process that stores them only inserts; in id
    order, because inserting keys in order into the B-tree is quicker.
    """
    rows = sorted(generate_chunk(chunk), key=lambda row: row["id"])
    return [storage.row_values(row) for row in rows]


def chunks(count: int, seed: int, today: date) -> list[tuple]:
    """The work of `generate` cut into independent chunks, to spread over processes."""
    weeks = demo_weeks(today)
    rng = random.Random(seed)
    # Volume grows as services hand out more cards; some weeks are quieter.
    volume = [1.0 + i / len(weeks) + 0.3 * rng.random() for i in range(len(weeks))]
    return [
        (f"{seed}:{start}", min(CHUNK, count - start), weeks, volume)
        for start in range(0, count, CHUNK)
    ]


def generate_chunk(chunk: tuple) -> list[dict]:
    """The rows of one chunk; its own seed makes it the same wherever it runs."""
    chunk_seed, size, weeks, volume_weights = chunk
    rng = random.Random(chunk_seed)
    # Record keys from a stream of their own: the same seed still gives the same rows
    # (record keys too), and the answers are those the seed gave before there were keys.
    keys = random.Random(f"{chunk_seed}:record keys")
    # Languages likewise: a stream of their own leaves every answer as it was.
    spoken = random.Random(f"{chunk_seed}:languages")
    languages = Weighted(LANGUAGE_SHARES)
    volume = Weighted(list(enumerate(volume_weights)))
    channels = Weighted([(name, share) for name, (share, _) in CHANNELS.items()])
    rows = []
    for _ in range(size):
        week_index = volume.draw(rng)
        channel = channels.draw(rng)
        answers = _answers(rng, week_index / len(weeks), CHANNELS[channel][1])
        rows.append(
            storage.response_row(
                answers,
                period=weeks[week_index],
                channel=channel,
                submission_id=f"{rng.getrandbits(128):032x}",
                response_id=f"{rng.getrandbits(128):032x}",
                record_key=keys.randrange(KEY_RANGE),
                language=languages.draw(spoken),
            )
        )
    return rows


class Weighted:
    """Values with weights, quick to draw from: the cumulative weights are made once."""

    def __init__(self, options):
        self.values = [value for value, _ in options]
        self.cumulative = list(accumulate(weight for _, weight in options))

    def draw(self, rng: random.Random):
        """One value, with chances in proportion to the weights."""
        return self.values[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


_WEIGHTED: dict[tuple, Weighted] = {}


def _pick(rng: random.Random, options: tuple) -> str:
    if options not in _WEIGHTED:
        _WEIGHTED[options] = Weighted(options)
    return _WEIGHTED[options].draw(rng)


def _likert(rng: random.Random, centre: float, top: int = 5) -> str:
    if rng.random() < 0.04:
        return "dk"
    return str(min(top, max(1, round(centre + rng.gauss(0, 0.8)))))


def _answers(rng: random.Random, time: float, channel_effect: float) -> dict:
    """One respondent's answers, following the questionnaire's routing."""
    offence = _pick(rng, OFFENCES)
    # Confidence drifts down over the first two years and partly recovers in the third.
    drift = -0.9 * time + 0.9 * max(0.0, time - 0.67)
    logit = 0.15 + drift + channel_effect + OFFENCE_EFFECT[offence]
    confident = rng.random() < 1 / (1 + math.exp(-logit))
    centre = 4.3 if confident else 2.2
    answers: dict = {"A1_offence": offence}
    contact = _pick(rng, CONTACT)
    if rng.random() > 0.03:
        answers["A2_contact"] = contact
    answers["B1_confidence"] = (
        "dk"
        if rng.random() < 0.04
        else rng.choice(("5", "4", "4") if confident else ("3", "2", "2", "1"))
    )
    for code in ("B2_relied_on", "B3_respect", "B4_fair", "B5_understand", "B6_trust"):
        if rng.random() > 0.05:
            answers[code] = _likert(rng, centre)
    answers["B7_report_again"] = _likert(rng, centre - 0.6, top=4)
    if answers.get("A2_contact") in questionnaire.CONTACT:
        _contact_answers(rng, answers, centre, time)
    for code, options in (
        (
            "E1_age",
            (
                ("u25", 0.17),
                ("25to44", 0.5),
                ("45to64", 0.22),
                ("65plus", 0.04),
                ("pns", 0.07),
            ),
        ),
        ("E2_gender", (("woman", 0.8), ("man", 0.12), ("other", 0.02), ("pns", 0.06))),
        ("E3_disability", (("yes", 0.3), ("no", 0.6), ("pns", 0.1))),
    ):
        if rng.random() > 0.08:
            answers[code] = _pick(rng, options)
    if rng.random() < 0.08:
        answers["F1_comments"] = rng.choice(COMMENTS)
    return answers


def _contact_answers(
    rng: random.Random, answers: dict, centre: float, time: float
) -> None:
    answers["C1_satisfied"] = _likert(rng, centre + 0.2)
    answers["C2_informed"] = _likert(rng, centre - 0.4)
    answers["C3_respected"] = _pick(rng, (("yes", 0.7), ("no", 0.2), ("dk", 0.1)))
    answers["C4_orders"] = _pick(rng, (("yes", 0.28), ("no", 0.6), ("dk", 0.12)))
    answers["C5_referred"] = _pick(rng, (("yes", 0.6), ("no", 0.3), ("dk", 0.1)))
    offered = _pick(rng, (("yes", 0.66), ("no", 0.24), ("dk", 0.10)))
    answers["D1_offered"] = offered
    if offered != "yes":
        return
    # About 38% decline, a little more as confidence falls.
    decline = 0.34 + 0.08 * time
    draw = rng.random()
    if draw < 0.04:
        answered = "dk"
    elif draw < 0.04 + decline * 0.6:
        answered = "some"
    elif draw < 0.04 + decline:
        answered = "none"
    else:
        answered = "all"
    answers["D2_answered"] = answered
    answers["D4_explained"] = _pick(rng, (("yes", 0.6), ("no", 0.3), ("dk", 0.1)))
    answers["D5_private"] = _pick(rng, (("yes", 0.55), ("no", 0.35), ("dk", 0.1)))
    if answered not in questionnaire.DECLINED:
        return
    if rng.random() < 0.05:
        answers["D3_reasons"] = ["pns"]
    else:
        reasons = [code for code, rate in REASON_RATES.items() if rng.random() < rate]
        if reasons:
            answers["D3_reasons"] = reasons
            if "other" in reasons:
                answers["D3_other_text"] = rng.choice(OTHER_REASONS)
    helps = [code for code, rate in HELP_RATES.items() if rng.random() < rate]
    answers["D6_would_help"] = helps or [rng.choice(("nothing", "nothing", "pns"))]
