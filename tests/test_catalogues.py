"""The translation catalogues: for translators, `pytest tests/test_catalogues.py`.

A catalogue is checked for missing and fuzzy entries once its header says
"# Translation complete: yes", or once the default LANGUAGES offers it; until then
the check is skipped, and says how far the catalogue has got. Every catalogue, done
or not, must be a draft for review by a qualified translator, have every entry of
translations/messages.pot, and keep the placeholders of each entry it translates.
"""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from survey import app as survey_app

ROOT = Path(__file__).resolve().parent.parent / "translations"
POT = ROOT / "messages.pot"
CATALOGUES = {
    "cy": ROOT / "cy" / "LC_MESSAGES" / "messages.po",
    "pl": ROOT / "pl" / "LC_MESSAGES" / "messages.po",
    "ur": ROOT / "ur" / "LC_MESSAGES" / "messages.po",
    # Easy Read: English's "easy" domain (survey/i18n.py).
    "easy": ROOT / "en" / "LC_MESSAGES" / "easy.po",
}
DRAFT = "DRAFT FOR REVIEW BY A QUALIFIED TRANSLATOR"
# What a reviewer writes in place of the draft notice (docs/languages.md).
REVIEWED = "# Reviewed and signed off by "
COMPLETE = "# Translation complete: yes"


def _read(path: Path):
    with path.open("rb") as source:
        return read_po(source)


def _template_ids() -> set[str]:
    return {message.id for message in _read(POT) if message.id}


def problems(path: Path) -> dict[str, list[str]]:
    """A catalogue's missing and fuzzy entries, by the English they translate."""
    catalogue = _read(path)
    missing, fuzzy = [], []
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            fuzzy.append(message.id)
        elif not message.string:
            missing.append(message.id)
    return {"missing": missing, "fuzzy": fuzzy}


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_catalogue_is_a_draft_for_review_and_up_to_date(lang):
    path = CATALOGUES[lang]
    header = path.read_text(encoding="utf-8").split('msgid ""', 1)[0]
    assert DRAFT in header or REVIEWED in header
    ids = {message.id for message in _read(path) if message.id}
    assert _template_ids() <= ids, "run `make messages-update`"


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_catalogue_keeps_the_placeholders_it_translates(lang):
    errors = [
        (message.id, [str(error) for error in found])
        for message, found in _read(CATALOGUES[lang]).check()
    ]
    assert errors == []


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_catalogue_complete(lang):
    """No missing or fuzzy entry in a language marked complete or offered by default."""
    path = CATALOGUES[lang]
    header = path.read_text(encoding="utf-8").split('msgid ""', 1)[0]
    offered = lang in survey_app.DEFAULTS["LANGUAGES"]
    found = problems(path)
    if COMPLETE not in header and not offered:
        total = len(_template_ids())
        done = total - len(found["missing"]) - len(found["fuzzy"])
        pytest.skip(f"{lang}: not marked complete ({done} of {total} translated)")
    assert found == {"missing": [], "fuzzy": []}


def test_problems_finds_missing_and_fuzzy_entries(tmp_path):
    path = tmp_path / "messages.po"
    path.write_text(
        'msgid ""\nmsgstr ""\n"Language: cy\\n"\n\n'
        'msgid "Yes"\nmsgstr "Ie"\n\n'
        'msgid "No"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Back"\nmsgstr "Nôl"\n',
        encoding="utf-8",
    )
    assert problems(path) == {"missing": ["No"], "fuzzy": ["Back"]}
