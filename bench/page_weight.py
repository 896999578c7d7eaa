"""Page weight of the survey's start page: HTML and every asset it loads, raw and gzip.

Run by hand (CI times nothing):

    .venv/bin/python bench/page_weight.py

It serves the app in-process with a fresh database and one link, fetches the start
page and each stylesheet, script, icon and font the page references, and adds up the
bytes as sent and as gzip (level 6, as a typical reverse proxy compresses) would send
them. No fonts are downloaded: the styles use the device's own fonts.
"""

import gzip
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from submissions import CONTACTS  # noqa: E402

from survey import clock, create_app, link_store, storage  # noqa: E402


def main():
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "survey.db")
        db = storage.connect(path)
        storage.migrate(db)
        code = link_store.add_link(db, label="x", channel="x", today=clock.today())[
            "code"
        ]
        db.close()
        config = {"SECRET_KEY": "bench", "DATABASE": path, **CONTACTS}
        client = create_app(config).test_client()
        page = client.get(f"/s/{code}").get_data()
        assets = re.findall(rb'(?:src|href)="(/static/[^"]+)"', page)
        # Assets the stylesheet itself loads (fonts, images), if any.
        files = [("start page (HTML)", page)]
        for asset in dict.fromkeys(assets):
            body = client.get(asset.decode()).get_data()
            files.append((asset.decode(), body))
            # Images the stylesheet names (GOV.UK's crest for its copyright footer)
            # load only if a page uses their classes; ours uses none, and none is
            # served. Only what exists would ever be fetched.
            for inner in dict.fromkeys(re.findall(rb"url\(([^)]+)\)", body)):
                inner_path = inner.strip(b"\"'").decode()
                found = client.get(inner_path)
                if inner_path.startswith("/static/") and found.status_code == 200:
                    files.append((inner_path, found.get_data()))
        # The JavaScript module imports GOV.UK Frontend's bundle.
        for module in re.findall(
            rb"from '\./([^']+)'", dict(files).get("/static/survey.js", b"")
        ):
            name = f"/static/{module.decode()}"
            files.append((name, client.get(name).get_data()))
    raw = compressed = 0
    print(f"{'file':<36} {'bytes':>9} {'gzip':>9}")
    for name, body in files:
        packed = len(gzip.compress(body, compresslevel=6))
        raw += len(body)
        compressed += packed
        print(f"{name:<36} {len(body):>9,} {packed:>9,}")
    print(f"{'total':<36} {raw:>9,} {compressed:>9,}")


if __name__ == "__main__":
    main()
