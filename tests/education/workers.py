"""Code run in separate OS processes by the concurrency tests (spawned, so importable by name)."""

from __future__ import annotations


def _app(url):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url})


def enrol_worker(url, user_id, section_id, barrier, results):
    """Wait for every racer, then enrol; report (user_id, outcome) — never raise."""
    app = _app(url)
    outcome = "not run"
    with app.app_context(), app.test_request_context():
        from portal.auth.errors import DomainError
        from portal.auth.models import User
        from portal.education import services
        from portal.extensions import db

        user = db.session.get(User, user_id)
        db.session.rollback()
        try:
            barrier.wait(timeout=60)
            result = services.enrol(user, section_id, submission_token=f"race-{user_id}")
            outcome = result.enrolment.status
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            outcome = f"refused: {exc}"
        except Exception as exc:  # noqa: BLE001 - the test reports anything that escaped
            db.session.rollback()
            outcome = f"error: {exc.__class__.__name__}: {exc}"
        finally:
            db.session.remove()
            db.engine.dispose()
    results.put((user_id, outcome))


def drop_worker(url, user_id, reference, barrier, results):
    app = _app(url)
    outcome = "not run"
    with app.app_context(), app.test_request_context():
        from portal.auth.errors import DomainError
        from portal.auth.models import User
        from portal.education import services
        from portal.extensions import db

        user = db.session.get(User, user_id)
        db.session.rollback()
        try:
            barrier.wait(timeout=60)
            _enrolment, promoted = services.drop(user, reference)
            outcome = f"dropped, promoted {len(promoted)}"
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            outcome = f"refused: {exc}"
        except Exception as exc:  # noqa: BLE001
            db.session.rollback()
            outcome = f"error: {exc.__class__.__name__}: {exc}"
        finally:
            db.session.remove()
            db.engine.dispose()
    results.put((user_id, outcome))
