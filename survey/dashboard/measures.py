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


def since_week(today: date, period_type: str = "year", calendar: bool = False) -> str:
    """The first week the About-you breakdowns need for the latest complete period."""
    # They cover the latest complete period only. The latest complete month or
    # quarter starts no earlier than the latest complete year, so the default serves
    # every period type (of financial or of calendar periods, as asked).
    this_period = periods.label(today, period_type, calendar)
    latest = periods.shift(this_period, period_type, -1, calendar)
    return periods.week_of(periods.first_day(latest, period_type, calendar))
