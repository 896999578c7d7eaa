"""Blueprint "pages": the privacy notice and the accessibility statement."""

from flask import Blueprint, render_template

from survey import questionnaire

bp = Blueprint("pages", __name__)


@bp.get("/privacy")
def privacy_notice():
    """Exactly what the survey collects and what it does not."""
    return render_template(
        "pages/privacy.html",
        free_text=[q.text for q in questionnaire.QUESTIONS if q.kind == "text"],
    )


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement UK public-sector websites must publish."""
    return render_template("pages/accessibility.html")
