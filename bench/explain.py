"""EXPLAIN every query that the hot pages run, on the benchmark's PostgreSQL database.

Captures the SQL each page emits (through the real views, signed in where needed), runs
EXPLAIN on it, and reports for each page whether any plan scans a large table sequentially.
Usage: python -m bench.explain [database_url]   (default: the bench database of BENCH_SIZE)
Writes bench/explain-<size>.md.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BIG_TABLES = ("health_appointments", "health_slots", "edu_enrolments", "users", "messages")


def capture(app, client, path: str) -> list[tuple[str, object]]:
    from portal.extensions import db

    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        response = client.get(path)
        assert response.status_code == 200, f"{path} → {response.status_code}"
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    return statements


def main() -> int:
    from bench.run import PG_ADMIN, SIZE
    from portal import create_app
    from portal.demo.personas import PERSONAS_BY_KEY
    from portal.extensions import db

    url = sys.argv[1] if len(sys.argv) > 1 else PG_ADMIN.rsplit("/", 1)[0] + f"/portal_bench_{SIZE}"
    url = re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "FIXED_NOW": None, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    )
    lines = [f"# EXPLAIN of the hot pages on the `{SIZE}` dataset (PostgreSQL)", ""]
    problems = 0
    from bench.scenarios import explain_pages

    with app.app_context():
        pages = explain_pages()
    for label, persona, path in pages:
        # A fresh app context per page: Flask-Login keeps the signed-in user in ``g``.
        with app.app_context():
            client = app.test_client()
            if persona:
                client.post(
                    "/login", data={"identifier": PERSONAS_BY_KEY[persona].cnic, "password": "Punjab-demo-2026"}
                )
            queries = capture(app, client, path)
            lines += [f"## {label} — `GET {path}`", "", f"{len(queries)} queries.", ""]
            for statement, parameters in queries:
                explain = "EXPLAIN (ANALYZE, BUFFERS) " + statement  # SELECTs only: running them changes nothing
                explained = db.session.connection().exec_driver_sql(explain, parameters)
                plan = [row[0] for row in explained]
                seq = [ln for ln in plan if "Seq Scan" in ln and any(t in ln for t in BIG_TABLES)]
                problems += bool(seq)
                lines += [
                    "```sql",
                    " ".join(statement.split())[:600],
                    "```",
                    "```",
                    *plan,
                    "```",
                    f"**Sequential scan of a large table: {'YES' if seq else 'no'}**",
                    "",
                ]
            db.session.rollback()
    out = ROOT / "bench" / f"explain-{SIZE}.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}; plans with a sequential scan of a large table: {problems}")
    return 1 if problems and os.environ.get("EXPLAIN_STRICT") else 0


if __name__ == "__main__":
    sys.exit(main())
