"""Files to download: one response for every export, chart, QR code and report, and
CSV text that no spreadsheet will run."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

# Every kind of file the service hands out, by its extension.
MIMETYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "svg": "image/svg+xml",
    "png": "image/png",
    "pdf": "application/pdf",
}


def download(body: str | bytes, fmt: str, filename: str) -> Response:
    """A file to save, named `filename` (letters, digits, dots and hyphens only)."""
    response = Response(body, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def defuse_formula(value):
    """A CSV cell that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_text(header: list[str], rows: Iterable[list]) -> str:
    """A CSV file of these rows, every cell defused (defuse_formula)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([defuse_formula(value) for value in row])
    return buffer.getvalue()
