"""Redaction on a written corpus (docs/privacy.md §2): recall and false positives.

`tests/data/redaction_corpus.json` holds sentences with UK personal details, each with
the exact pieces that must go, and ordinary sentences that must come back unchanged.
Print the figures with `.venv/bin/python -m tests.test_redaction_corpus`.
"""

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from survey.redaction import REMOVED, normalise, redact

CORPUS = json.loads(
    (Path(__file__).parent / "data" / "redaction_corpus.json").read_text("utf-8")
)
PERSONAL = CORPUS["personal"]
ORDINARY = CORPUS["ordinary"]


def expected(entry: dict) -> str:
    """The sentence as redaction should leave it: each piece replaced by the marker."""
    text = normalise(entry["text"])
    for piece in entry["remove"]:
        text = text.replace(normalise(piece), REMOVED)
    return text


def measure() -> dict:
    """Recall per kind, the share redacted exactly, and the false-positive rate."""
    found = defaultdict(lambda: [0, 0])
    exact = 0
    for entry in PERSONAL:
        result = redact(entry["text"])
        exact += result == expected(entry)
        for piece in entry["remove"]:
            found[entry["kind"]][0] += normalise(piece) not in result
            found[entry["kind"]][1] += 1
    changed = [sentence for sentence in ORDINARY if redact(sentence) != sentence]
    return {
        "recall": {kind: (removed, total) for kind, (removed, total) in found.items()},
        "exact": (exact, len(PERSONAL)),
        "false_positives": (len(changed), len(ORDINARY)),
        "changed": changed,
    }


def test_the_corpus_is_large_enough_and_covers_every_kind():
    assert len(PERSONAL) >= 120
    assert len(ORDINARY) >= 60
    kinds = {entry["kind"] for entry in PERSONAL}
    assert kinds >= {
        "phone number",
        "email address",
        "spelled-out email address",
        "postcode",
        "outward postcode",
        "street address",
        "flat number",
        "name after a cue",
        "date of birth",
        "full date",
        "vehicle registration",
        "police reference",
    }
    for entry in PERSONAL:
        for piece in entry["remove"]:
            assert piece in entry["text"], entry
    # Fictional details only: phone numbers from Ofcom's ranges for drama.
    drama = ("77009", "16329", "11349", "20794", "16149", "11749")
    for entry in PERSONAL:
        if entry["kind"] == "phone number":
            digits = re.sub(r"\D", "", normalise(entry["remove"][0]))
            assert re.sub(r"^(?:0044|44)?0?", "", digits).startswith(drama), entry


def test_every_kind_the_start_page_names_is_removed_every_time():
    figures = measure()
    missed = {
        kind: f"{removed}/{total}"
        for kind, (removed, total) in figures["recall"].items()
        if removed < total
    }
    assert missed == {}


def test_no_ordinary_sentence_is_changed():
    assert measure()["changed"] == []


@pytest.mark.parametrize(
    "entry", PERSONAL, ids=[entry["text"][:40] for entry in PERSONAL]
)
def test_each_personal_detail_is_removed_and_nothing_else(entry):
    assert redact(entry["text"]) == expected(entry)


@pytest.mark.parametrize("sentence", ORDINARY)
def test_each_ordinary_sentence_is_kept(sentence):
    assert redact(sentence) == sentence


def report(figures: dict) -> str:
    """The figures as docs/privacy.md gives them."""
    lines = ["| kind | removed | recall |", "|---|---|---|"]
    for kind, (removed, total) in sorted(figures["recall"].items()):
        lines.append(f"| {kind} | {removed} of {total} | {removed / total:.0%} |")
    exact, total = figures["exact"]
    changed, ordinary = figures["false_positives"]
    lines += [
        "",
        f"Sentences redacted exactly (the pieces and nothing else): {exact} of {total}",
        f"Ordinary sentences changed (false positives): {changed} of {ordinary}"
        f" ({changed / ordinary:.0%})",
    ]
    lines += [f"  changed: {sentence!r}" for sentence in figures["changed"]]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(measure()))
