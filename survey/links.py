"""Blueprint "links": distribution links, their response counts and hand-out cards.

Admins see every link; a partner sees only its own organisation's, and any other link
is a 404 to them, as if it did not exist. A link's organisation is its channel's, and a
partner makes links only on its own organisation's channels.
"""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    InputRequired,
    Length,
    Optional,
    Regexp,
)

from analysis import disclosure, perturbation
from survey import accounts, cards, clock, i18n, link_store, releases, sharing
from survey.auth import audit, form_page, requires
from survey.db import get_db
from survey.downloads import download

bp = Blueprint("links", __name__, url_prefix="/staff/links")

CHANNEL_TAKEN = "This channel code is taken: choose another one"


def get_link_or_404(code: str) -> dict:
    """The link, if this member of staff may see it; otherwise a 404."""
    link = link_store.get_link(get_db(), code)
    if link is None:
        abort(404)
    if (
        g.staff["role"] == "partner"
        and link["organisation_id"] != g.staff["organisation_id"]
    ):
        abort(404)
    return link


class LinkForm(FlaskForm):
    """A new link: its label, channel, organisation and optional expiry date."""

    label = StringField(
        "Label",
        widget=GovTextInput(),
        description="Who hands it out, for example: Outreach team, north.",
        validators=[InputRequired("Enter a label"), Length(max=80)],
    )
    channel = StringField(
        "Channel code",
        widget=GovTextInput(),
        description="Lower-case letters, digits and hyphens, like outreach-north.",
        validators=[
            InputRequired("Enter a channel code"),
            # \Z, not $: $ also matches before a final newline, which would make
            # "outreach-north\n" a second channel beside outreach-north.
            Regexp(
                link_store.CHANNEL_PATTERN.pattern + r"\Z",
                message="Use 1 to 40 lower-case letters, "
                "digits or hyphens, starting with a letter or digit",
            ),
        ],
    )
    organisation = SelectField("Organisation", widget=GovSelect())
    expires = DateField(
        "Last day the link works (optional)",
        widget=GovTextInput(),
        description="For example, 2027-03-31. Leave empty for no end date.",
        validators=[Optional()],
        format="%Y-%m-%d",
    )
    submit = SubmitField("Create link", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """Closing or reopening a link: just the CSRF token."""


@bp.get("")
@requires("admin", "partner")
def index():
    """The links this member of staff may see."""
    organisation = g.staff["organisation_id"] if g.staff["role"] == "partner" else None
    return render_template(
        "links/index.html", links=link_store.list_links(get_db(), organisation)
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("admin", "partner")
def new_link():
    """Create a link for a channel (partners: for their own organisation's channels)."""
    form = LinkForm()
    partner = g.staff["role"] == "partner"
    if partner:
        form.organisation.choices = [
            SelectChoice(str(g.staff["organisation_id"]), g.staff["organisation"])
        ]
        form.organisation.description = (
            "A new channel code becomes your organisation's channel."
        )
    else:
        form.organisation.choices = [
            SelectChoice("", "No organisation (admins only)"),
            *(
                SelectChoice(str(o["id"]), o["name"])
                for o in accounts.list_organisations(get_db())
            ),
        ]
        form.organisation.description = (
            "A new channel code becomes this organisation's channel; "
            "an existing channel keeps its own."
        )
    if form.validate_on_submit():
        chosen = form.organisation.data
        organisation_id = int(chosen) if chosen else None
        if partner:
            organisation_id = g.staff["organisation_id"]
        link = link_store.add_link(
            get_db(),
            label=form.label.data.strip(),
            channel=form.channel.data,
            today=clock.today(),
            organisation_id=organisation_id,
            expires=form.expires.data,
        )
        if link is not None:
            audit("created a link", f"{link['code']} ({link['channel']})")
            return redirect(url_for("links.show", code=link["code"]), 303)
        _refuse_channel(form, partner)
    return form_page("links/new.html", form)


def _refuse_channel(form: LinkForm, partner: bool) -> None:
    # A channel belongs to one organisation: a link on it shows its counts, so a link
    # on another organisation's channel would show theirs (docs/privacy.md §4).
    channel = link_store.get_channel(get_db(), form.channel.data)
    assert channel is not None  # refused because it exists and is another's
    if partner:
        # Codes are shared by every organisation, so a refusal cannot help saying
        # that the code exists. It says no more: not whose it is, nor anything else.
        form.channel.errors.append(CHANNEL_TAKEN)
        audit("was refused a channel", channel["code"])
    else:
        form.organisation.errors.append(
            f"The channel {channel['code']} belongs to "
            f"{channel['organisation'] or 'no organisation'}: choose that, "
            "or another channel code"
        )


@bp.get("/<code>")
@requires("admin", "partner")
def show(code):
    """One link: its state and responses per month, under the disclosure rules."""
    link = get_link_or_404(code)
    audit("read a link's counts", link["code"])
    k = current_app.config["SUPPRESSION_THRESHOLD"]
    today = clock.today()
    # Released months only, made when each month ends (docs/disclosure.md, releases):
    # a count for the month under way could single out one response as it arrives,
    # and a late paper form does not move a month once it is released.
    db = get_db()
    ptable = perturbation.ptable_for(k)
    rows = [
        {
            "month": month,
            "count": disclosure.shown_count(
                perturbation.perturbed(total, "responses", ptable), k
            ),
            "withheld": total.get("withheld", False),
        }
        for month, total in releases.channel_totals(db, link["channel"], "month", k)
    ]
    # Made by `flask release`, never by a page: a month not released yet is named.
    unreleased = [
        period for kind, period in releases.due_releases(db, today) if kind == "month"
    ]
    url = _survey_url(link)
    return render_template(
        "links/show.html",
        link=link,
        rows=rows,
        unreleased=unreleased,
        threshold=k,
        open_now=link_store.get_open_link(get_db(), link["code"], today) is not None,
        url=url,
        sms_text=sharing.sms_text(url),
        sms_href=sharing.sms_href(url),
        mailto_href=sharing.mailto_href(url),
        email_subject=sharing.EMAIL_SUBJECT,
        email_body=sharing.email_body(url),
        # Responses record their channel, not their link: the other links on the
        # channel are named, as the figures count their responses too.
        others=[
            other
            for other in link_store.list_channel_links(db, link["channel"])
            if other["code"] != link["code"]
        ],
    )


@bp.get("/<code>/close")
@requires("admin", "partner")
def confirm_close(code):
    """Ask before closing a link: cards already handed out stop working."""
    return _confirm(code, False)


@bp.get("/<code>/reopen")
@requires("admin", "partner")
def confirm_reopen(code):
    """Ask before reopening a link: anyone with its address can answer again."""
    return _confirm(code, True)


def _confirm(code: str, is_open: bool):
    """The page asking to close (or reopen) a link, with its form to post."""
    link = get_link_or_404(code)
    if bool(link["is_open"]) == is_open:
        # Already so (another tab, or a colleague): nothing to confirm.
        return redirect(url_for("links.show", code=link["code"]), 303)
    return render_template(
        "links/confirm.html",
        link=link,
        reopen=is_open,
        url=_survey_url(link),
        today=clock.today().isoformat(),
        form=ActionForm(),
    )


@bp.post("/<code>/close")
@requires("admin", "partner")
def close(code):
    """Close a link: it then gives the same 404 as an unknown one."""
    return _set_open(code, False)


@bp.post("/<code>/reopen")
@requires("admin", "partner")
def reopen(code):
    """Open a closed link again."""
    return _set_open(code, True)


def _set_open(code: str, is_open: bool):
    link = get_link_or_404(code)
    if not ActionForm().validate_on_submit():
        abort(400, "The form had expired. Please try again.")
    link_store.set_link_open(get_db(), link["code"], is_open)
    audit("reopened a link" if is_open else "closed a link", link["code"])
    return redirect(url_for("links.show", code=link["code"]), 303)


@bp.app_template_filter("day_name")
def day_name(day: str) -> str:
    """A stored date as people read it: `2027-03-31` becomes `31 March 2027`."""
    when = date.fromisoformat(day)
    return f"{when.day} {when:%B %Y}"


def _survey_url(link: dict, language: str = i18n.DEFAULT) -> str:
    """The link's public address, opening the survey in `language` if it is offered."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return i18n.survey_address(base, link["code"], language)


@bp.get("/<code>/card")
@requires("admin", "partner")
def card(code):
    """Printable hand-out cards, one to a page or sheets of them, with a QR code."""
    link = get_link_or_404(code)
    # No query string: the first visit, with the form's defaults.
    form = cards.CardForm(formdata=request.args or None)
    # The languages the survey offers now (LANGUAGES), each in its own name.
    form.language.choices = [
        SelectChoice(option, i18n.NAMES[option]) for option in i18n.offered()
    ]
    if request.args and not form.validate() and form.line.errors:
        # Shown again as typed, less what HTML cannot carry faithfully (a browser
        # drops line breaks and NUL from a field) and could not be seen anyway.
        form.line.data = cards.without_hidden(form.line.data or "")
    language = i18n.DEFAULT if form.language.errors else form.language.data
    translations = i18n.translations_for(language)
    url = _survey_url(link, language)
    sheet = None if form.errors else cards.SHEETS[form.size.data]
    return form_page(
        "links/card.html",
        form,
        link=link,
        url=url,
        display_url=url.split("://", 1)[-1],
        wordings=cards.CARD_WORDINGS,
        heading=translations.gettext(cards.CARD_WORDINGS.get(form.wording.data, "")),
        note=translations.gettext(cards.CARD_NOTE),
        card_lang=i18n.DEFAULT if language == i18n.EASY_READ else language,
        card_dir="rtl" if language in i18n.RIGHT_TO_LEFT else "ltr",
        qr_args={} if language == i18n.DEFAULT else {"language": language},
        # What was typed stays in the form; the card prints it without the spaces.
        line=(form.line.data or "").strip(),
        sheet=sheet,
        marks=cards.crop_marks(sheet) if sheet else [],
    )


@bp.get("/<code>/qr.svg")
@requires("admin", "partner")
def qr(code):
    """The link's QR code as SVG, for the link's page and its cards.

    `?language=cy` makes it open the survey in that language, if it is offered.
    """
    link = get_link_or_404(code)
    language = request.args.get("language", i18n.DEFAULT)
    return Response(
        sharing.qr_svg(_survey_url(link, language)), mimetype="image/svg+xml"
    )


@bp.get("/<code>/qr-code.<fmt>")
@requires("admin", "partner")
def qr_download(code, fmt):
    """The link's QR code to download as PNG or SVG, for a poster or a newsletter."""
    link = get_link_or_404(code)
    if fmt not in sharing.QR_FORMATS:
        abort(404)
    body = sharing.qr_image(_survey_url(link), fmt)
    return download(body, fmt, sharing.qr_filename(link, fmt))
