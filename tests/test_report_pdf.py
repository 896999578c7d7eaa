"""The quarterly report as a PDF: laid out on A4 by WeasyPrint with no cell or chart
cut, no table leaving one row alone on a page, numbered pages, system fonts, and
nothing fetched from the network.

The PDF is made once for the whole run (the `printed` fixture), through the route, and
checked both as WeasyPrint laid it out and as pictures of its pages (pdftoppm).
"""

import re
import struct
import subprocess
from pathlib import Path

import pytest
from helpers import SECRET, copy_database, log_in

from survey import audit_log, create_app, storage
from survey.dashboard import pdf

# WeasyPrint lays pages out in CSS pixels (96 to the inch); a millimetre is 96 / 25.4.
MM = 96 / 25.4
SLACK = 0.5  # half a pixel of rounding


class Printed:
    """The report's PDF as the route sent it, its layout, and its pages as pictures."""

    def __init__(self, response, document, pictures, text, audit):
        self.response = response
        self.document = document
        self.pictures = pictures
        self.text = text
        self.audit = audit


@pytest.fixture(scope="session")
def printed(tmp_path_factory, demo_database, compiled_templates):
    """The report's PDF, made once: the route's response and the Document it laid out.

    The Document is caught on its way through pdf.render, so the layout checked is the
    one the route wrote, not a second rendering.
    """
    folder = tmp_path_factory.mktemp("pdf")
    path = folder / "survey.db"
    copy_database(demo_database, path)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET,
            "DATABASE": str(path),
            "SESSION_COOKIE_SECURE": False,
        }
    )
    app.jinja_env.bytecode_cache = compiled_templates
    client = app.test_client()
    assert log_in(client, "analyst@example.org").status_code == 303
    made = []
    original = pdf.render

    def keep(*args):
        made.append(original(*args))
        return made[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf, "render", keep)
        response = client.get("/dashboard/report.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    (folder / "report.pdf").write_bytes(response.data)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "report.pdf", "page"], cwd=folder, check=True
    )
    text = subprocess.run(
        ["pdftotext", "-layout", "report.pdf", "-"],
        cwd=folder,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    db = storage.connect(str(path))
    audit = [(e["action"], e["detail"]) for e in audit_log.list_entries(db)]
    db.close()
    return Printed(
        response, made[0], sorted(folder.glob("page-*.png")), text.split("\f"), audit
    )


def boxes(box):
    """A box and every box inside it, depth first."""
    yield box
    for child in getattr(box, "children", []):
        yield from boxes(child)


def content_area(page) -> tuple[float, float, float, float]:
    """Left, top, right and bottom of a page's content area (inside its margins)."""
    box = page._page_box
    left, top = box.content_box_x(), box.content_box_y()
    return left, top, left + box.width, top + box.height


def outside(box, area) -> bool:
    """Whether any part of a box's border box lies outside the area."""
    left, top, right, bottom = area
    return (
        box.position_x + box.margin_left < left - SLACK
        or box.position_x + box.margin_width() - box.margin_right > right + SLACK
        or box.position_y + box.margin_top < top - SLACK
    )


def test_the_pdf_is_a_download_audited_like_the_page(printed):
    response = printed.response
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="quarterly-report-[\w.-]+\.pdf"', disposition
    )
    assert ("exported the report as a PDF", "quarter all all latest") in printed.audit


def test_every_table_cell_lies_within_the_page(printed):
    # The clipped headline table (issue 13) printed 0.38 as "0.3": a cell past the
    # page's right margin is cut when printed.
    from weasyprint.formatting_structure.boxes import TableCellBox, TextBox

    cells = 0
    for number, page in enumerate(printed.document.pages, 1):
        area = content_area(page)
        for box in boxes(page._page_box):
            if isinstance(box, TableCellBox):
                cells += 1
                assert not outside(box, area), (number, "".join(box.element.itertext()))
                for inner in boxes(box):
                    if isinstance(inner, TextBox):
                        assert not outside(inner, area), (number, inner.text)
    assert cells > 500


def test_every_chart_lies_within_the_page(printed):
    from weasyprint.formatting_structure.boxes import ReplacedBox

    charts = []
    for page in printed.document.pages:
        area = content_area(page)
        for box in boxes(page._page_box):
            if isinstance(box, ReplacedBox):
                charts.append(box)
                assert not outside(box, area)
                assert box.position_y + box.margin_height() <= area[3] + SLACK
    assert len(charts) == 7
    assert all(box.width > 100 * MM for box in charts)


def test_no_page_holds_one_leftover_row_and_headings_repeat(printed):
    from weasyprint.formatting_structure.boxes import TableBox, TableRowGroupBox

    fragments = {}  # each table's rows page by page, and whether its head came too
    for number, page in enumerate(printed.document.pages, 1):
        for box in boxes(page._page_box):
            if isinstance(box, TableBox):
                groups = [g for g in box.children if isinstance(g, TableRowGroupBox)]
                rows = sum(len(g.children) for g in groups if not g.is_header)
                head = any(g.is_header for g in groups)
                fragments.setdefault(box.element, []).append((number, rows, head))
    assert len(fragments) >= 30
    for table, parts in fragments.items():
        caption = table.find(".//caption").text
        assert all(head for _, _, head in parts), caption
        if len(parts) > 1:
            assert all(rows >= 2 for _, rows, _ in parts), (caption, parts)


def png_size(path: Path) -> tuple[int, int]:
    """A PNG's width and height, from its header."""
    return struct.unpack(">II", path.read_bytes()[16:24])


def test_every_page_renders_as_an_a4_picture_with_nothing_in_the_side_margins(
    printed,
):
    from PIL import Image

    assert len(printed.pictures) == len(printed.document.pages) >= 15
    for picture in printed.pictures:
        # A4 at 50 dots to the inch: 210 x 297 mm.
        assert png_size(picture) == (414, 585), picture.name
        # The 15 mm side margins are white down to the page number: anything drawn
        # there is a table or chart running off the page, cut when printed.
        image = Image.open(picture).convert("L")
        width, height = image.size
        margin = round(15 / 25.4 * 50) - 2
        for left in (0, width - margin):
            strip = image.crop((left, 0, left + margin, height - 2 * margin))
            assert strip.getextrema()[0] > 240, picture.name


def test_pages_are_numbered_and_the_contents_give_each_sections_page(printed):
    pages = printed.text
    total = len(printed.document.pages)
    for number, text in enumerate(pages[:total], 1):
        assert f"Page {number} of {total}" in text
    # The contents give the page each section starts on, as laid out.
    starts = {}
    for number, page in enumerate(printed.document.pages, 1):
        for anchor in page.anchors:
            starts.setdefault(anchor, number)
    contents = pages[0]
    for anchor, title in (
        ("summary", "Summary"),
        ("measure-confidence", "Had confidence in the police"),
        ("confidence-index", "Confidence index"),
        ("definitions", "What the measures mean"),
        ("methods", "Methods"),
    ):
        assert re.search(rf"{title} \.+ {starts[anchor]}\n", contents), title
    assert starts["methods"] > starts["summary"] > starts["key-findings"]


def test_the_pdf_uses_system_fonts_only(printed, tmp_path, app):
    # GOV.UK Frontend's own font is not in the stylesheet (assets/survey.scss).
    css = (Path(app.static_folder) / "survey.css").read_text()
    assert "GDS Transport" not in css and "@font-face" not in css
    path = tmp_path / "report.pdf"
    path.write_bytes(printed.response.data)
    fonts = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names and not [n for n in names if "GDS" in n or "Transport" in n]
    assert all(" yes " in line for line in fonts.splitlines()[2:])  # embedded


def test_the_pdf_fetches_only_the_apps_own_files(app):
    fetcher = pdf.local_fetcher("http://localhost/", app.static_folder)
    css = fetcher("http://localhost/static/survey.css")
    assert css.content_type == "text/css" and b"govuk" in css.read()
    assert fetcher("data:text/plain;base64,aGk=").read() == b"hi"
    for url in (
        "http://example.org/survey.css",
        "https://localhost/static/survey.css",
        "http://localhost/static/../__init__.py",
        "http://localhost/dashboard/measures/confidence/chart.svg",
        "file:///etc/passwd",
    ):
        with pytest.raises(pdf.RefusedURL):
            fetcher(url)


def test_a_report_that_needs_an_outside_address_is_refused(app):
    from weasyprint.urls import FatalURLFetchingError

    html = '<img src="http://example.org/tracker.png"><p>Report</p>'
    with pytest.raises(FatalURLFetchingError):
        pdf.render(html, "http://localhost/", app.static_folder)


def test_the_pdf_keeps_the_pages_filters_and_access(personas, demo_rows):
    assert personas["partner_a"].get("/dashboard/report.pdf").status_code == 403
    assert personas["anonymous"].get("/dashboard/report.pdf").status_code in (302, 303)
    bad = personas["analyst"].get("/dashboard/report.pdf?channel=nowhere")
    assert bad.status_code == 400


def test_a_report_with_no_complete_quarter_still_prints(personas):
    response = personas["analyst"].get("/dashboard/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert (
        'filename="quarterly-report-quarter-none.pdf"'
        in response.headers["Content-Disposition"]
    )
