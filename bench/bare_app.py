"""The baseline for bench/submissions.py: a bare Flask endpoint doing one insert.

It opens the same database with the same pragmas (storage.connect) and inserts one
response row per POST, with none of the survey's checking, rendering or headers.
"""

import os
import secrets

from flask import Flask, request

from survey import storage

app = Flask(__name__)
DATABASE = os.environ["BENCH_DATABASE"]


@app.post("/insert")
def insert():
    """Store one fixed response and say so."""
    db = storage.connect(DATABASE)
    try:
        row = storage.response_row(
            {"A1_offence": request.form.get("A1_offence", "da")},
            period="2026-W14",
            channel="bare",
            submission_id=secrets.token_hex(16),
        )
        storage.add_rows(db, [row])
    finally:
        db.close()
    return "stored", 200
