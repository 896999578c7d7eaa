"""The questionnaire's measures as the analysis package asks for them."""

from datetime import date

from analysis import periods, report
from survey import questionnaire


def report_spec() -> report.ReportSpec:
    """The measures, decline reasons, help options and About-you bands, with wording."""
    return report.ReportSpec(
        measures=[
            report.MeasureSpec(
                name=m.name,
                title=m.name.replace("_", " ").capitalize(),
                population=m.population,
                outcome=m.outcome,
                likert="B1_confidence" if m.column == "B1_confidence" else "",
            )
            for m in questionnaire.MEASURES
        ],
        reasons=list(questionnaire.REASONS),
        helps=[(code, label) for code, label in questionnaire.HELPS if code != "pns"],
        about_you=[
            (code, title, questionnaire.BY_CODE[code].options)
            for code, title in questionnaire.ABOUT_YOU
        ],
    )


def since_week(today: date) -> str:
    """The first week the About-you breakdowns need, for any period type."""
    # They cover the latest complete period only, and whatever its type that period
    # starts no earlier than the latest complete (financial or calendar) year.
    first_days = []
    for calendar in (False, True):
        this_year = periods.label(today, "year", calendar)
        last_year = periods.shift(this_year, "year", -1, calendar)
        first_days.append(periods.first_day(last_year, "year", calendar))
    return periods.week_of(min(first_days))
