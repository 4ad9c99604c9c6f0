"""Crash safety: gunicorn workers are killed with SIGKILL in the middle of a booking load. Afterwards
no half-written booking exists (every slot's counter equals its active appointments), and every
booking whose confirmation page was served is in the database."""

from __future__ import annotations

import http.client
import os
import re
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from datetime import time as clock_time

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from tests.conftest import PASSWORD
from tests.reliability.httpclient import Browser
from tests.reliability.servers import Gunicorn
from tests.reliability.test_race_http import SERVER_ENV, _citizens

pytestmark = pytest.mark.slow

CLIENTS = 80


def test_killing_workers_mid_load_loses_nothing_and_half_writes_nothing(app, database_url, make_user):
    from portal.health.models import Appointment, Clinic, Service, Slot, WeeklyHours

    clinic = Clinic(name="Crash Clinic", type="vaccination", district="Multan", address="Bosan Road", active=True)
    service = Service(
        clinic=clinic,
        name="Polio drops",
        slot_minutes=30,
        places_per_slot=30,
        min_notice_hours=1,
        horizon_days=14,
        cancel_cutoff_hours=1,
        active=True,
    )
    service.hours = [WeeklyHours(weekday=d, start=clock_time(9), end=clock_time(13)) for d in range(7)]
    db.session.add(clinic)
    db.session.commit()
    service_id = service.id
    cnics = _citizens(make_user, CLIENTS)
    # Tuesday 3 March 2026, 10:00 to 12:30 Karachi: 6 slots of 30 places, so places never run out.
    starts = [int(datetime(2026, 3, 3, 5, 0, tzinfo=UTC).timestamp()) + 1800 * k for k in range(6)]

    confirmed: list[str] = []
    failures = {"connection": 0, "5xx": 0}
    lock = threading.Lock()

    with Gunicorn(database_url, workers=4, env=SERVER_ENV) as server:
        browsers = [Browser(server.url) for _ in cnics]
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda pair: pair[0].sign_in(pair[1], PASSWORD), zip(browsers, cnics, strict=True)))

        def book(index: int) -> None:
            browser = browsers[index]
            path = f"/appointments/book/{service_id}/{starts[index % len(starts)]}"
            for _attempt in range(3):
                try:
                    fields = browser.open_form(path)
                    status, headers, _ = browser.post(path, {**fields, "person": "0"})
                    if status >= 500:
                        with lock:
                            failures["5xx"] += 1
                        continue
                    with lock:
                        failures[status] = failures.get(status, 0) + 1
                    if status == 302:
                        location = re.sub(r"^https?://[^/]+", "", headers["Location"])
                        page_status, _, html = browser.get(location)
                        if page_status == 200:
                            reference = re.search(r"H-[2-9A-Z]{4}-[2-9A-Z]{4}", html).group(0)
                            with lock:
                                confirmed.append(reference)
                    return
                except (OSError, http.client.HTTPException, AssertionError):
                    # A killed worker drops the connection: refused, reset, or cut mid-body.
                    with lock:
                        failures["connection"] += 1

        def killer() -> None:
            for _ in range(3):
                time.sleep(0.3)
                pids = server.worker_pids()
                if pids:
                    os.kill(pids[0], signal.SIGKILL)

        assassin = threading.Thread(target=killer)
        assassin.start()
        with ThreadPoolExecutor(max_workers=24) as pool:
            list(pool.map(book, range(CLIENTS)))
        assassin.join()

    db.session.rollback()
    stored = set(db.session.scalars(select(Appointment.reference).where(Appointment.service_id == service_id)))
    assert set(confirmed) <= stored, "a confirmation page was served for a booking that is not stored"
    # Only a request cut by a killed worker may end without a confirmation page.
    assert len(confirmed) >= CLIENTS - failures["connection"], (len(confirmed), failures)
    for slot in db.session.scalars(select(Slot).where(Slot.service_id == service_id)):
        active = db.session.scalar(
            select(func.count(Appointment.id)).where(Appointment.slot_id == slot.id, Appointment.status == "booked")
        )
        assert slot.booked == active, f"slot {slot.starts_at}: counter {slot.booked} but {active} bookings"
        assert slot.booked <= slot.capacity
    per_person = db.session.execute(
        select(Appointment.user_id, func.count())
        .where(Appointment.service_id == service_id, Appointment.status == "booked")
        .group_by(Appointment.user_id)
    ).all()
    assert all(count == 1 for _, count in per_person), "someone holds two bookings for one service"
    print(f"confirmed {len(confirmed)} bookings; outcomes {failures}")
