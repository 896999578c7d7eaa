"""The survey's two database files: responses in one, everything staff do in another.

A response is written between staff actions, and SQLite writes pages in the order
transactions commit. Were the audit log, sessions or links in the same file as the
responses, that file (and above all its write-ahead log) would place each response
between two staff rows stamped to the second, which is when the person answered
(docs/privacy.md §2). So the responses file holds the responses and nothing any
staff member's action writes; the staff file, beside it, holds everything else, and
every connection opens both (storage.connect attaches the staff file).

Standard library only: the report command reads stored reports through this without
importing sqlite-utils (docs/performance.md).
"""

from __future__ import annotations

import os

# The staff file's schema name on every connection. Unqualified table names resolve
# to it, so queries need not name it; a new table must be created in it by name.
STAFF_SCHEMA = "staffdb"
# Only these tables may be in the responses file (tests/test_files.py).
RESPONSES_FILE_TABLES = ("responses", "_sqlite_migrations")


def staff_path(database: str) -> str:
    """The staff file that goes with the responses file `database`.

    survey.db -> survey-staff.db, in the same folder, so a backup or a move of the
    folder keeps the two together.
    """
    stem, extension = os.path.splitext(database)
    return f"{stem}-staff{extension or '.db'}"
