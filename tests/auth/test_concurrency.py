"""Several processes register the same CNIC at the same moment: exactly one account results,
every other process gets the duplicate message, and no error escapes."""

from __future__ import annotations

import multiprocessing
from datetime import date

from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db

PROCESSES = 4


def _register_in_process(url: str, index: int, barrier) -> str:
    from portal import create_app
    from portal.auth import services
    from portal.auth.errors import DuplicateCNIC, DuplicateEmail
    from portal.extensions import db as process_db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        data = services.Registration(
            full_name=f"Racer {index}",
            cnic="3520212345671",
            mobile="+923001234567",
            email="racer@example.pk",
            date_of_birth=date(1990, 1, 1),
            gender="male",
            district="Lahore",
            password="Green-valley-2026",
        )
        barrier.wait(timeout=60)
        try:
            services.register(data)
            process_db.session.commit()
            outcome = "registered"
        except (DuplicateCNIC, DuplicateEmail) as exc:
            process_db.session.rollback()
            outcome = type(exc).__name__
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            process_db.session.rollback()
            outcome = f"error: {exc!r}"
        process_db.session.remove()
        process_db.engine.dispose()
    return outcome


def test_simultaneous_registrations_with_one_cnic(app, database_url):
    db.session.remove()
    db.engine.dispose()
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(PROCESSES)
        with context.Pool(PROCESSES) as pool:
            results = [pool.apply_async(_register_in_process, (database_url, i, barrier)) for i in range(PROCESSES)]
            outcomes = sorted(r.get(timeout=120) for r in results)
    assert outcomes.count("registered") == 1, outcomes
    assert all(o in ("registered", "DuplicateCNIC") for o in outcomes), outcomes
    assert db.session.scalar(select(func.count(User.id))) == 1
