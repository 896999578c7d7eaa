"""Hand-out cards: what to print (CardForm), the worker's own line on them, and sheets
of them with crop marks.

A card may be found by the person who hurts someone, so nothing printed on it may say
what the survey is about (docs/privacy.md). Sheets are A4 pages of cards set edge to
edge, cut with a guillotine along the lines the crop marks show.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Regexp, ValidationError

from survey import i18n
from survey.i18n import N_

# The worker's own line: room for it on a business card (85 x 55 mm) beside the QR
# code, in the widest letters, is checked in tests/browser/test_card_sheets.py.
LINE_MAX = 60

# Words that would say what the survey is about. A worker is trusted staff, so this
# catches a slip ("about the police response"), not someone set on getting round it:
# the form asks for none of it, and says why. Stems cover "abusive", "violent", ...;
# "\b" keeps "policy", "grape" and "beanstalk" allowed.
REFUSED_WORDS = re.compile(
    r"\b(abus\w*|police\w*|policing|violen\w*|victim\w*|crimes?|criminal\w*"
    r"|domestic\w*|stalk\w*|harass\w*|assault\w*|rape[ds]?|raping|rapists?)\b",
    re.IGNORECASE,
)

# Characters that print nothing or break the line: controls (tabs, line breaks),
# format characters (right-to-left overrides, zero-width spaces and joiners), line and
# paragraph separators, private-use, surrogate and unassigned code points.
HIDDEN_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"}


def without_hidden(text: str) -> str:
    """The text without its hidden characters."""
    return "".join(c for c in text if unicodedata.category(c) not in HIDDEN_CATEGORIES)


def check_line(form, field) -> None:
    """Refuse an own line that is too long, holds hidden characters or names abuse."""
    text = (field.data or "").strip()
    if len(text) > LINE_MAX:
        raise ValidationError(f"Your own line must be {LINE_MAX} characters or less")
    if any(unicodedata.category(c) in HIDDEN_CATEGORIES for c in text):
        raise ValidationError(
            "Your own line must not include line breaks, tabs or other hidden "
            "characters"
        )
    # NFKC folds look-alike forms (full-width letters, ligatures) into plain ones.
    found = REFUSED_WORDS.search(unicodedata.normalize("NFKC", text))
    if found:
        raise ValidationError(
            f"Remove ‘{found.group(0)}’: a card must not mention abuse, violence, "
            "the police or crime, in case the person who hurts someone finds it"
        )


# How many A4 pages one print may have: enough for a drop-in's stock, few enough that
# a page of them stays quick to draw (the print dialog makes more copies).
PAGES_MAX = 20

# A4, in millimetres.
PAGE_WIDTH, PAGE_HEIGHT = 210, 297

# Crop marks: thin lines along each cut, outside the cards where the sheet leaves a
# margin, kept clear of the cards by MARK_GAP.
MARK_LENGTH = 5
MARK_GAP = 2


@dataclass(frozen=True)
class Sheet:
    """The cards of one size on an A4 page: a grid from the page's top left corner.

    The figures are the print styles' (assets/survey.scss, .survey-sheet), in mm.
    """

    columns: int
    rows: int
    width: float
    height: float
    left: float
    top: float

    @property
    def per_page(self) -> int:
        """How many cards one page holds."""
        return self.columns * self.rows


SHEETS = {
    # Four A6 fill A4 (2 x 105 by 2 x 148 mm), leaving 1 mm at the foot: no margin
    # for marks outside, so they run along the cuts, into the cards' 8 mm padding,
    # where a printer that cannot print to the edge of the paper loses nothing.
    "a6": Sheet(columns=2, rows=2, width=105, height=148, left=0, top=0),
    # Ten business cards (2 x 85 by 5 x 55 mm), centred: 20 mm and 11 mm margins.
    "business": Sheet(columns=2, rows=5, width=85, height=55, left=20, top=11),
}


def crop_marks(sheet: Sheet) -> list[tuple[float, float, float, float]]:
    """The crop marks of a sheet, as lines (x1, y1, x2, y2) in mm from the top left.

    Each cut runs across the whole page, so each gets a mark at both of its ends. A cut
    on the paper's own edge needs none.
    """
    right = sheet.left + sheet.columns * sheet.width
    bottom = sheet.top + sheet.rows * sheet.height
    marks = []
    for i in range(sheet.columns + 1):
        x = sheet.left + i * sheet.width
        if 0 < x < PAGE_WIDTH:
            marks += [
                (x, y1, x, y2)
                for y1, y2 in _ends(sheet.top, PAGE_HEIGHT - bottom, PAGE_HEIGHT)
            ]
    for j in range(sheet.rows + 1):
        y = sheet.top + j * sheet.height
        if 0 < y < PAGE_HEIGHT:
            marks += [
                (x1, y, x2, y)
                for x1, x2 in _ends(sheet.left, PAGE_WIDTH - right, PAGE_WIDTH)
            ]
    return marks


def _ends(before: float, after: float, length: float) -> list[tuple[float, float]]:
    # A mark in the margin where there is room for it and its gap; otherwise one from
    # the paper's edge along the cut itself.
    room = MARK_LENGTH + MARK_GAP
    start = before - room if before >= room else 0
    end = length - after + MARK_GAP if after >= room else length - MARK_LENGTH
    return [(start, start + MARK_LENGTH), (end, end + MARK_LENGTH)]


# Wording for hand-out cards. A card may be found by the person who hurts someone: the
# default says nothing about abuse, the police or crime.
# Printed on cards in the language chosen for them, so in the catalogues (babel.cfg);
# N_ marks them for extraction and leaves them English here.
CARD_WORDINGS = {
    "views": N_("Have your say about local services"),
    "feedback": N_("We would like your feedback"),
    "survey": N_("A short survey, about 5 minutes"),
}
CARD_NOTE = N_("Anonymous. About 5 minutes.")
CARD_SIZES = {
    "a6": "A6 (105 × 148 mm, postcard size)",
    "business": "Business card (85 × 55 mm)",
}


class CardForm(FlaskForm):
    """What to print: the cards' size, how many to a page, pages, and the wording.

    Sent with GET, so that a chosen print can be bookmarked: it changes nothing.
    """

    class Meta:
        csrf = False

    size = RadioField(
        "Size",
        widget=GovRadioInput(),
        choices=[SelectChoice(key, text) for key, text in CARD_SIZES.items()],
        default="a6",
        invalid_choice_message="Choose a card size",
    )
    layout = RadioField(
        "Cards on each A4 page",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("single", "One card"),
            SelectChoice(
                "sheet",
                "A sheet of cards with crop marks: 4 A6 cards or 10 business cards",
            ),
        ],
        default="single",
        invalid_choice_message="Choose how many cards go on each page",
    )
    pages = StringField(
        "Number of pages",
        widget=GovTextInput(),
        default="1",
        description=f"From 1 to {PAGES_MAX}.",
        validators=[
            # Data, not input, required: an address from before this field (or with
            # only some choices in it) means one page.
            DataRequired("Enter the number of pages"),
            # ASCII digits only: int() would also take "٣" or " 3".
            Regexp(
                r"[0-9]+\Z", message="Enter the number of pages as a number, like 2"
            ),
        ],
    )
    wording = RadioField(
        "Wording",
        widget=GovRadioInput(),
        choices=[SelectChoice(key, text) for key, text in CARD_WORDINGS.items()],
        default="views",
        invalid_choice_message="Choose the wording",
    )
    language = RadioField(
        "Language of the cards",
        widget=GovRadioInput(),
        description="The wording is printed in this language, and the QR code and "
        "address open the survey in it. Your own line is printed as you type it.",
        default=i18n.DEFAULT,
        invalid_choice_message="Choose one of the languages offered",
    )
    line = StringField(
        "Your own line (optional)",
        widget=GovTextInput(),
        default="",
        description=f"Up to {LINE_MAX} characters, printed under the wording, "
        "for example: Ask us for a paper copy. Do not mention abuse, violence, the "
        "police or crime: the person who hurts someone may find the card.",
        validators=[check_line],
    )

    def validate_pages(self, field) -> None:
        """A number of pages from 1 to PAGES_MAX."""
        if field.errors:
            return  # not a number: said already
        # Length first: int() refuses more than 4,300 digits with an error of its own.
        if len(field.data) > 3 or not 1 <= int(field.data) <= PAGES_MAX:
            raise ValidationError(f"Number of pages must be between 1 and {PAGES_MAX}")
