"""The questionnaire's measures as the analysis package asks for them."""

from analysis import report
from survey import questionnaire


def report_spec() -> report.ReportSpec:
    """The measures, decline reasons and help options, with their wording."""
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
    )
