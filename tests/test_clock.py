"""The portal's clock: a fixed "now" for tests and demo rehearsals (PORTAL_FIXED_NOW)."""

import re
from datetime import UTC, datetime

import pytest

from portal import clock, create_app


@pytest.mark.parametrize(
    ("fixed", "karachi_hour"),
    [
        ("2026-03-02T10:00", 10),  # no offset: the presenter in Lahore means 10:00 there
        ("2026-03-02T10:00:00", 10),
        ("2026-03-02T10:00:00+05:00", 10),
        ("2026-03-02T05:00:00+00:00", 10),
        ("2026-03-02T05:00:00Z", 10),
    ],
)
def test_a_fixed_now_without_an_offset_is_karachi_time(fixed, karachi_hour):
    app = create_app({"FIXED_NOW": fixed})
    with app.app_context():
        assert clock.now_karachi().hour == karachi_hour
        assert clock.now() == datetime(2026, 3, 2, 5, tzinfo=UTC)
        assert clock.now().tzinfo is UTC


def test_a_naive_fixed_now_near_midnight_keeps_the_karachi_date():
    """01:00 on Tuesday in Lahore is still Monday in UTC: today() is the date the presenter typed."""
    app = create_app({"FIXED_NOW": "2026-03-03T01:00"})
    with app.app_context():
        assert clock.today().isoformat() == "2026-03-03"
        assert clock.now() == datetime(2026, 3, 2, 20, tzinfo=UTC)


def test_a_naive_fixed_now_given_as_a_datetime_is_karachi_time_too():
    app = create_app({"FIXED_NOW": datetime(2026, 3, 2, 10)})
    with app.app_context():
        assert clock.now() == datetime(2026, 3, 2, 5, tzinfo=UTC)


def test_a_rehearsal_clock_without_an_offset_shows_the_times_a_presenter_in_lahore_expects(app, client, make_service):
    """PORTAL_FIXED_NOW=2026-03-02T09:00 (as README says): 9:00 in Lahore, so with 2 hours' notice
    today's first free time is 11:00, not "too late" as at 14:00 (the same value read as UTC)."""
    app.config["FIXED_NOW"] = "2026-03-02T09:00"
    service = make_service(min_notice_hours=2)  # 9:00-13:00, break 11:00-11:30
    html = client.get(f"/clinics/services/{service.id}/2026-03-02").get_data(as_text=True)
    times = re.findall(r'<bdi dir="ltr">([^<]+)</bdi>', html.split('<ul class="times">', 1)[1])
    assert times[0].replace("\u202f", " ") == "11:30 AM"
    assert "Too late to book" not in client.get(f"/clinics/services/{service.id}").get_data(as_text=True)
