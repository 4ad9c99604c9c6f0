"""A portal worker for ``test_database_partition``, run inside a network namespace whose only way to
PostgreSQL is a link the test can cut. It reads commands from stdin, one per line, and answers each
with one JSON line:

- ``get <path>``: the portal serves ``path`` (its test client): the status, the seconds it took and
  whether the page says the portal is busy;
- ``sleep <seconds>``: the same for a page whose one statement takes that long on the server
  (``pg_sleep``), a route added here for the test.
"""

from __future__ import annotations

import json
import sys
import time

from sqlalchemy import text

from portal import create_app
from portal.extensions import db


def main(url: str, network_timeout: float) -> None:
    answers, sys.stdout = sys.stdout, sys.stderr  # the portal's own log lines go to stderr
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "DATABASE_NETWORK_TIMEOUT_SECONDS": network_timeout,
            "DATABASE_CONNECT_TIMEOUT_SECONDS": 2,
            "DATABASE_STATEMENT_TIMEOUT_SECONDS": 0,  # only the network may end a statement here
            "TESTING": False,  # errors are answered as in production, not raised into the test
        }
    )

    @app.route("/partition-test/sleep/<int:seconds>")
    def sleep(seconds: int):
        db.session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
        return "slept"

    client = app.test_client()
    print(json.dumps({"ready": True}), file=answers, flush=True)
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        started = time.monotonic()
        if command in {"get", "sleep"}:
            try:
                response = client.get(argument if command == "get" else f"/partition-test/sleep/{argument}")
                answer = {
                    "status": response.status_code,
                    "busy": "The portal is busy right now" in response.get_data(as_text=True),
                }
            except Exception as error:  # noqa: BLE001 - what gunicorn would answer with a 500
                answer = {"status": 500, "busy": False, "error": f"{type(error).__name__}: {error}"[:300]}
        else:
            break
        answer["seconds"] = round(time.monotonic() - started, 2)
        print(json.dumps(answer), file=answers, flush=True)
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
