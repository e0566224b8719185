"""Peak memory of an export at two sizes: flat memory means the second is not ten times the first.

    .venv/bin/python bench/export_memory.py                      # SQLite in a temporary folder
    .venv/bin/python bench/export_memory.py postgresql+psycopg://user@host/emptydb

Each size is loaded, then exported (ndjson with history, and csv) to /dev/null by a fresh
process that reports its peak RSS, so loading never counts towards it.
"""

import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from app import migrate
from app.db import make_engine
from app.models import Actor, Document, Recommendation, StatusChange, recommendation_actors
from app.services import export
from app.services.querying import RecommendationFilter

SIZES = (10_000, 100_000)
PER_DOCUMENT = 1_000


def load(url: str, rows: int) -> None:
    """Replace everything with `rows` recommendations, each with one actor and one change."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        for model in (StatusChange, recommendation_actors, Recommendation, Document, Actor):
            session.execute(delete(model))
        session.execute(insert(Actor), [{"id": 1, "name": "UN", "name_key": "un", "kind": "other"}])
        docs = [
            {
                "id": d + 1,
                "slug": f"doc-{d}",
                "title": f"Document {d}",
                "publisher": "Bench",
                "doc_type": "briefing",
                "published_on": date(2014, 1, 1),
                "text": "x" * 50_000,
            }
            for d in range(rows // PER_DOCUMENT)
        ]
        session.execute(insert(Document), docs)
        for start in range(0, rows, 10_000):
            ids = range(start + 1, min(start + 10_000, rows) + 1)
            session.execute(
                insert(Recommendation),
                [
                    {
                        "id": i,
                        "document_id": (i - 1) // PER_DOCUMENT + 1,
                        "position": i,
                        "kind": "list",
                        "text": f'Recommendation {i}, with a comma and "quotes" ' * 5,
                        "status": "in_progress",
                        "status_as_of": date(2015, 1, 1),
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )
            session.execute(
                insert(recommendation_actors),
                [{"recommendation_id": i, "actor_id": 1} for i in ids],
            )
            session.execute(
                insert(StatusChange),
                [
                    {
                        "recommendation_id": i,
                        "previous_status": "unassessed",
                        "status": "in_progress",
                        "as_of": date(2015, 1, 1),
                        "recorded_by": "bench",
                        "recorded_at": now,
                    }
                    for i in ids
                ],
            )
        session.commit()
    engine.dispose()


def measure(url: str, fmt: str) -> None:
    """Run in a child process: export everything to /dev/null, print rows, seconds and peak RSS."""
    engine = make_engine(url)
    started = time.perf_counter()
    written = 0
    with Session(engine) as session, open("/dev/null", "w", encoding="utf-8") as sink:
        chunks = export.lines(
            session, RecommendationFilter(), export.Format(fmt), with_history=fmt == "ndjson"
        )
        for chunk in chunks:
            written += len(chunk)
            sink.write(chunk)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{fmt:7} {written / 2**20:8.1f} MiB out {time.perf_counter() - started:6.1f} s "
        f"peak RSS {peak_mib:6.1f} MiB"
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        measure(sys.argv[2], sys.argv[3])
        return
    url = sys.argv[1] if len(sys.argv) > 1 else None
    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    migrate.upgrade(url)
    for rows in SIZES:
        load(url, rows)
        print(f"{rows} recommendations:", flush=True)
        for fmt in ("csv", "ndjson"):
            subprocess.run([sys.executable, __file__, "--measure", url, fmt], check=True)


if __name__ == "__main__":
    main()
