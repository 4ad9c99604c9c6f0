"""Service-layer rules of booking, cancelling and rescheduling."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from portal.bilingual import search_words
from portal.extensions import db
from portal.health import schedule, services
from portal.health.errors import (
    AlreadyBooked,
    BeyondHorizon,
    ClosedDay,
    InPast,
    NotCancellable,
    OutsideHours,
    PastCutoff,
    SlotFull,
    TooSoon,
)
from portal.health.models import Appointment, Closure, Slot
from portal.notifications.models import Message
from tests.health.conftest import MONDAY, TUESDAY, karachi

pytestmark = pytest.mark.usefixtures("request_ctx")


def test_day_starts_follow_hours_and_break(make_service):
    service = make_service()
    starts = schedule.day_starts(service, TUESDAY)
    local = [s.astimezone(schedule.KARACHI).strftime("%H:%M") for s in starts]
    assert local == ["09:00", "09:30", "10:00", "10:30", "11:30", "12:00", "12:30"]


def test_break_not_on_grid_restarts_after_break(make_service):
    service = make_service(hours=[(1, time(9), time(11), time(9, 45), time(10, 0))], slot_minutes=20)
    local = [s.astimezone(schedule.KARACHI).strftime("%H:%M") for s in schedule.day_starts(service, TUESDAY)]
    assert local == ["09:00", "09:20", "10:00", "10:20", "10:40"]


def test_book_for_self_takes_a_place_and_queues_confirmation(make_service, citizen):
    service = make_service()
    at = karachi(TUESDAY, 9, 30)
    appointment = services.book_slot(citizen, service.id, at, submission_token="t1")
    db.session.commit()
    assert appointment.reference.startswith("H-") and len(appointment.reference) == 11
    assert len(appointment.arrival_code) == 4
    assert appointment.visit_date == TUESDAY
    assert db.session.scalar(select(Slot.booked).where(Slot.id == appointment.slot_id)) == 1
    bodies = db.session.scalars(select(Message.body).where(Message.user_id == citizen.id)).all()
    assert len(bodies) == 2 and appointment.reference in bodies[0] and appointment.arrival_code in bodies[0]


def test_same_token_twice_gives_the_same_booking(make_service, citizen):
    service = make_service()
    at = karachi(TUESDAY, 9, 30)
    first = services.book_slot(citizen, service.id, at, submission_token="same")
    db.session.commit()
    second = services.book_slot(citizen, service.id, at, submission_token="same")
    db.session.commit()
    assert first.id == second.id
    assert db.session.scalar(select(Slot.booked)) == 1


@pytest.mark.parametrize(
    ("when", "error"),
    [
        (lambda: karachi(MONDAY, 8, 0), InPast),
        (lambda: karachi(MONDAY, 10, 30), TooSoon),  # 1h30 ahead, notice is 2 hours
        (lambda: karachi(MONDAY + timedelta(days=15), 9, 0), BeyondHorizon),
        (lambda: karachi(TUESDAY, 9, 15), OutsideHours),  # not on the grid
        (lambda: karachi(TUESDAY, 11, 0), OutsideHours),  # the break
        (lambda: karachi(TUESDAY, 13, 0), OutsideHours),  # closing time
    ],
)
def test_rules_refuse_bad_times(make_service, citizen, when, error):
    service = make_service()
    with pytest.raises(error) as info:
        services.book_slot(citizen, service.id, when())
    assert str(info.value)  # a readable message
    db.session.rollback()
    assert db.session.scalar(select(Appointment.id)) is None


def test_notice_boundary_is_allowed(make_service, citizen):
    service = make_service()
    services.book_slot(citizen, service.id, karachi(MONDAY, 11, 30))  # exactly 2h30 ahead
    with pytest.raises(TooSoon):
        services.check_bookable(service, karachi(MONDAY, 10, 30))


def test_last_day_of_horizon_is_bookable(make_service, citizen):
    service = make_service()
    services.book_slot(citizen, service.id, karachi(MONDAY + timedelta(days=14), 12, 30))


def test_closed_day_is_refused_and_shown_closed_with_its_reason(make_service, citizen):
    service = make_service(hours=[(weekday, time(9), time(13)) for weekday in range(6)])  # not on Sundays
    db.session.add(Closure(clinic_id=service.clinic_id, start_date=TUESDAY, end_date=TUESDAY, reason="Public holiday"))
    db.session.commit()
    with pytest.raises(ClosedDay) as refused:
        services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 30))
    assert str(refused.value) == "The clinic is closed on this day (Public holiday). Please choose another date."
    days = {d.day: d for d in schedule.availability(service)}
    assert days[TUESDAY].status == schedule.DAY_CLOSED and days[TUESDAY].closure.reason == "Public holiday"
    # A day the service does not run on is closed with no closure to explain it.
    assert days[TUESDAY + timedelta(days=5)].status == schedule.DAY_CLOSED
    assert days[TUESDAY + timedelta(days=5)].closure is None


def test_a_day_two_closures_cover_gives_the_first_ones_reason(make_service):
    service = make_service()
    db.session.add_all(
        [
            Closure(clinic_id=service.clinic_id, start_date=TUESDAY, end_date=TUESDAY, reason="Public holiday"),
            Closure(
                clinic_id=service.clinic_id,
                service_id=service.id,
                start_date=MONDAY,
                end_date=TUESDAY + timedelta(days=1),
                reason="Staff training",
            ),
        ]
    )
    db.session.commit()
    days = {d.day: d for d in schedule.availability(service)}
    assert days[TUESDAY].closure.reason == "Public holiday"
    assert days[TUESDAY + timedelta(days=1)].closure.reason == "Staff training"
    # Beyond the horizon a closed day is still closed for its reason.
    far = TUESDAY + timedelta(days=28)
    db.session.add(Closure(clinic_id=service.clinic_id, start_date=far, end_date=far, reason="Eid holidays"))
    db.session.commit()
    assert schedule.day_availability(service, far).closure.reason == "Eid holidays"


def test_service_closure_only_closes_that_service(make_service, citizen):
    service = make_service()
    other = make_service(clinic=service.clinic, name="Dental")
    db.session.add(
        Closure(clinic_id=service.clinic_id, service_id=other.id, start_date=TUESDAY, end_date=TUESDAY, reason="Off")
    )
    db.session.commit()
    services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 30))
    with pytest.raises(ClosedDay):
        services.book_slot(citizen, other.id, karachi(TUESDAY, 9, 30))


def test_day_without_hours_is_closed(make_service):
    service = make_service(hours=[(1, time(9), time(10))])  # Tuesdays only
    days = {d.day: d.status for d in schedule.availability(service)}
    assert days[TUESDAY] == schedule.DAY_OPEN
    assert days[TUESDAY + timedelta(days=1)] == schedule.DAY_CLOSED


def test_full_day_and_free_counts(make_service, citizen, make_user):
    service = make_service(hours=[(1, time(9), time(10))], places_per_slot=1)  # two slots on Tuesday
    services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    day = schedule.day_availability(service, TUESDAY)
    assert day.status == schedule.DAY_OPEN and day.free == 1
    services.book_slot(make_user(), service.id, karachi(TUESDAY, 9, 30))
    db.session.commit()
    assert schedule.day_availability(service, TUESDAY).status == schedule.DAY_FULL
    with pytest.raises(SlotFull):
        services.book_slot(make_user(), service.id, karachi(TUESDAY, 9, 30))


def test_a_full_slot_refuses_without_moving_its_counter(make_service, citizen, make_user):
    service = make_service(places_per_slot=2)
    at = karachi(TUESDAY, 9, 0)
    first = services.book_slot(citizen, service.id, at)  # creates the slot with this place taken
    services.book_slot(make_user(), service.id, at)
    db.session.commit()
    with pytest.raises(SlotFull):
        services.book_slot(make_user(), service.id, at)
    db.session.rollback()
    slot = db.session.get(Slot, first.slot_id)
    db.session.refresh(slot)
    assert (slot.booked, slot.capacity) == (2, 2)
    assert db.session.scalar(select(func.count()).select_from(Slot)) == 1


def test_a_reference_already_taken_is_drawn_again(make_service, citizen, make_user, monkeypatch):
    from portal import refs

    service = make_service()
    taken = services.book_slot(make_user(), service.id, karachi(TUESDAY, 9, 0))
    db.session.commit()
    drawn = iter([taken.reference, "H-FRESH-REF1"])
    monkeypatch.setattr(refs, "new_reference", lambda prefix: next(drawn))
    appointment = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0), submission_token="t-ref")
    db.session.commit()
    assert appointment.reference == "H-FRESH-REF1"
    assert db.session.scalar(select(Slot.booked).where(Slot.id == taken.slot_id)) == 2
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 2


def test_next_free_dates_skip_full_slots_closures_and_inactive_services(make_service, citizen, make_user):
    # Tuesdays and Wednesdays 09:00–09:30, one place: booking Tuesday's only place moves the answer on.
    tuesday_only = make_service(hours=[(1, time(9), time(9, 30)), (2, time(9), time(9, 30))], places_per_slot=1)
    closed_wednesday = make_service(clinic=tuesday_only.clinic, name="Dental", hours=[(2, time(9), time(10))])
    retired = make_service(clinic=tuesday_only.clinic, name="Eye", active=False)
    services.book_slot(citizen, tuesday_only.id, karachi(TUESDAY, 9, 0))
    db.session.add(
        Closure(
            clinic_id=tuesday_only.clinic_id,
            service_id=closed_wednesday.id,
            start_date=TUESDAY + timedelta(days=1),
            end_date=TUESDAY + timedelta(days=1),
            reason="Dentist on leave",
        )
    )
    db.session.commit()
    found = schedule.next_free_dates([tuesday_only, closed_wednesday, retired])
    assert found == {
        tuesday_only.id: TUESDAY + timedelta(days=1),
        closed_wednesday.id: TUESDAY + timedelta(days=8),
        retired.id: None,
    }
    # The batched answer agrees with the day-by-day availability the dates page shows.
    for service in (tuesday_only, closed_wednesday):
        first_open = next(d.day for d in schedule.availability(service) if d.status == schedule.DAY_OPEN)
        assert schedule.next_free_date(service) == first_open


def test_one_active_appointment_per_person_per_service(make_service, citizen):
    service = make_service()
    services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    with pytest.raises(AlreadyBooked) as info:
        services.book_slot(citizen, service.id, karachi(TUESDAY, 10, 0))
    assert "Ayesha Khan" in str(info.value)
    # A family member counts separately, and a different service is fine.
    services.book_slot(citizen, service.id, karachi(TUESDAY, 10, 0), dependant_id=citizen.dependants[0].id)
    with pytest.raises(AlreadyBooked):
        services.book_slot(citizen, service.id, karachi(TUESDAY, 12, 0), dependant_id=citizen.dependants[0].id)
    other = make_service(clinic=service.clinic, name="Eye")
    services.book_slot(citizen, other.id, karachi(TUESDAY, 9, 0))


def test_cancelled_or_past_booking_frees_the_rule(app, make_service, citizen):
    service = make_service()
    first = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    db.session.commit()
    services.cancel(citizen, first.reference)
    db.session.commit()
    second = services.book_slot(citizen, service.id, karachi(TUESDAY, 10, 0))
    db.session.commit()
    # Once its time has passed, a booking no longer blocks a new one.
    app.config["FIXED_NOW"] = karachi(TUESDAY, 10, 30).isoformat()
    services.book_slot(citizen, service.id, karachi(TUESDAY, 12, 30))
    db.session.commit()
    assert second.status == "booked"


def test_upcoming_for_service_is_what_a_new_booking_would_be_refused_for(app, make_service, citizen):
    """Each person's one upcoming appointment for the service, keyed 0 for the account holder: not a
    cancelled one, not another service's, not one whose time has passed."""
    service, other = make_service(), make_service(name="Dental")
    hamza = citizen.dependants[0]
    mine = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    cancelled = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 30), dependant_id=hamza.id)
    services.book_slot(citizen, other.id, karachi(TUESDAY, 9, 0), dependant_id=hamza.id)
    db.session.commit()
    services.cancel(citizen, cancelled.reference)
    db.session.commit()
    assert services.upcoming_for_service(citizen, service.id) == {0: mine}
    hamzas = services.book_slot(citizen, service.id, karachi(TUESDAY, 12, 30), dependant_id=hamza.id)
    db.session.commit()
    assert services.upcoming_for_service(citizen, service.id) == {0: mine, hamza.id: hamzas}
    app.config["FIXED_NOW"] = karachi(TUESDAY, 10, 0).isoformat()  # her time has passed, his has not
    assert services.upcoming_for_service(citizen, service.id) == {hamza.id: hamzas}


def test_someone_elses_dependant_is_refused(make_service, citizen, make_user):
    from portal.auth.errors import NotFound

    service = make_service()
    with pytest.raises(NotFound):
        services.book_slot(make_user(), service.id, karachi(TUESDAY, 9, 0), dependant_id=citizen.dependants[0].id)


def test_slot_at_half_past_midnight_karachi(app, make_service, citizen):
    """00:30 on Wednesday in Karachi is 19:30 UTC on Tuesday: the Karachi date decides everything."""
    service = make_service(hours=[(2, time(0, 0), time(2, 0))], min_notice_hours=0)  # Wednesdays
    wednesday = TUESDAY + timedelta(days=1)
    at = karachi(wednesday, 0, 30)
    assert (at.hour, at.minute, at.date()) == (19, 30, TUESDAY)
    assert at in schedule.day_starts(service, wednesday)
    assert schedule.day_starts(service, TUESDAY) == []
    appointment = services.book_slot(citizen, service.id, at)
    db.session.commit()
    assert appointment.visit_date == wednesday
    # A closure of Wednesday closes it; a closure of Tuesday (the UTC date) does not.
    db.session.add(Closure(clinic_id=service.clinic_id, start_date=TUESDAY, end_date=TUESDAY, reason="x"))
    db.session.commit()
    assert at in schedule.day_starts(service, wednesday)
    # The reminder goes out on Tuesday (the day before in Karachi), in the daytime: not late in the evening.
    assert services.queue_reminders(karachi(TUESDAY, 23, 50)) == 0
    assert services.queue_reminders(karachi(TUESDAY, 18)) == 1


def test_offset_is_five_hours_all_year(make_service):
    """Pakistan keeps no daylight saving: 09:00 is 04:00 UTC in January and in July."""
    from datetime import date

    for day in (date(2026, 1, 15), date(2026, 7, 15)):
        assert schedule.karachi_datetime(day, time(9)).hour == 4


def test_cancel_frees_place_at_once(make_service, citizen, make_user):
    service = make_service(places_per_slot=1)
    at = karachi(TUESDAY, 9, 0)
    appointment = services.book_slot(citizen, service.id, at)
    db.session.commit()
    services.cancel(citizen, appointment.reference)
    db.session.commit()
    assert appointment.status == "cancelled" and appointment.active_key is None
    services.book_slot(make_user(), service.id, at)  # the place is free again
    db.session.commit()
    with pytest.raises(NotCancellable):
        services.cancel(citizen, appointment.reference)


def test_cancel_after_cutoff_is_refused(app, make_service, citizen):
    service = make_service(cancel_cutoff_hours=24)
    appointment = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    db.session.commit()
    app.config["FIXED_NOW"] = karachi(MONDAY, 10, 0).isoformat()  # 23 hours before
    with pytest.raises(PastCutoff) as info:
        services.cancel(citizen, appointment.reference)
    assert "24" in str(info.value)
    assert not services.can_change(appointment)


def test_reschedule_moves_and_releases(make_service, citizen):
    service = make_service(places_per_slot=1)
    appointment = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    db.session.commit()
    old_slot, reference, code = appointment.slot_id, appointment.reference, appointment.arrival_code
    services.reschedule(citizen, reference, karachi(TUESDAY, 12, 0))
    db.session.commit()
    assert appointment.reference == reference and appointment.arrival_code == code
    assert db.session.get(Slot, old_slot).booked == 0
    assert db.session.get(Slot, appointment.slot_id).booked == 1
    subjects = db.session.scalars(select(Message.subject)).all()
    assert "Appointment moved" in subjects


def test_messages_about_a_family_members_booking_say_whose_it_is(make_service, citizen, make_user):
    """A mother who booked for two children can tell from the SMS alone which visit moved or ended:
    the messages of a move, a cancellation and a clinic's cancellation name the person."""
    from portal.health import admin

    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    hamza = citizen.dependants[0]
    moved = services.book_slot(citizen, service.id, karachi(TUESDAY, 9), dependant_id=hamza.id)
    db.session.commit()
    services.reschedule(citizen, moved.reference, karachi(TUESDAY, 12))
    services.cancel(citizen, moved.reference)
    again = services.book_slot(citizen, service.id, karachi(TUESDAY, 10), dependant_id=hamza.id)
    admin.admin_cancel(staff, again.id, "Doctor on leave")
    db.session.commit()
    bodies = dict(
        db.session.execute(
            select(Message.subject, Message.body).where(Message.user_id == citizen.id, Message.channel == "sms")
        ).all()
    )
    assert f"Your appointment {moved.reference} for Hamza Khan (General OPD at" in bodies["Appointment moved"]
    assert f"Your appointment {moved.reference} for Hamza Khan (General OPD at" in bodies["Appointment cancelled"]
    by_clinic = bodies["Appointment cancelled by the clinic"]
    assert f"appointment {again.reference} for Hamza Khan (General OPD," in by_clinic


def test_reschedule_to_full_slot_keeps_old(make_service, citizen, make_user):
    service = make_service(places_per_slot=1)
    appointment = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    services.book_slot(make_user(), service.id, karachi(TUESDAY, 12, 0))
    db.session.commit()
    with pytest.raises(SlotFull):
        services.reschedule(citizen, appointment.reference, karachi(TUESDAY, 12, 0))
    db.session.rollback()
    appointment = db.session.get(Appointment, appointment.id)
    assert appointment.starts_at == karachi(TUESDAY, 9, 0) and appointment.status == "booked"
    assert db.session.get(Slot, appointment.slot_id).booked == 1


def test_reschedule_refuses_bad_time(make_service, citizen):
    service = make_service()
    appointment = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    db.session.commit()
    with pytest.raises(OutsideHours):
        services.reschedule(citizen, appointment.reference, karachi(TUESDAY, 11, 0))


def test_reminders_queue_once(make_service, citizen):
    service = make_service()
    services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    services.book_slot(citizen, service.id, karachi(TUESDAY, 10, 0), dependant_id=citizen.dependants[0].id)
    db.session.commit()
    assert services.queue_reminders(karachi(MONDAY, 9)) == 2
    db.session.commit()
    assert services.queue_reminders(karachi(MONDAY, 9, 5)) == 0
    reminders = db.session.scalars(select(Message).where(Message.subject == "Appointment tomorrow")).all()
    assert len(reminders) == 4  # SMS and in-app, for each of the two appointments


def test_a_moved_appointment_is_reminded_again_for_its_new_time(make_service, citizen):
    service = make_service()
    thursday = TUESDAY + timedelta(days=2)
    appointment = services.book_slot(citizen, service.id, karachi(TUESDAY, 12))
    db.session.commit()
    assert services.queue_reminders(karachi(MONDAY, 18)) == 1
    db.session.commit()
    services.reschedule(citizen, appointment.reference, karachi(thursday, 10))
    db.session.commit()
    assert services.queue_reminders(karachi(thursday - timedelta(days=1), 18)) == 1
    db.session.commit()
    assert services.queue_reminders(karachi(thursday - timedelta(days=1), 18, 5)) == 0
    services.reschedule(citizen, appointment.reference, karachi(thursday, 12))  # same day, later
    db.session.commit()
    assert services.queue_reminders(karachi(thursday - timedelta(days=1), 18, 10)) == 1
    reminders = db.session.scalars(select(Message.body).where(Message.subject == "Appointment tomorrow")).all()
    assert len(reminders) == 6  # SMS and in-app for each of the three times
    assert any("10:00" in body for body in reminders) and any("12:00" in body for body in reminders)


def test_reminder_without_mobile_is_recorded_and_others_continue(make_service, citizen, make_user):
    service = make_service()
    no_phone = make_user(mobile=None)
    services.book_slot(no_phone, service.id, karachi(TUESDAY, 9, 0))
    services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    db.session.commit()
    assert services.queue_reminders(karachi(MONDAY, 9)) == 2
    failed = db.session.scalar(
        select(Message).where(
            Message.user_id == no_phone.id, Message.channel == "sms", Message.subject.like("%tomorrow")
        )
    )
    assert failed.status == "failed"


def test_reminder_cli_hook_runs(runner, make_service, citizen):
    service = make_service()
    appointment = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    db.session.commit()
    result = runner.invoke(args=["notifications", "deliver"])
    assert result.exit_code == 0, result.output
    reminders = db.session.scalars(
        select(Message).where(Message.subject == "Appointment tomorrow", Message.user_id == citizen.id)
    ).all()
    assert {m.channel for m in reminders} == {"sms", "in_app"}
    assert all(m.dedupe_key.startswith(f"health-reminder-{appointment.id}") for m in reminders)


def test_find_clinics_filters(make_clinic, make_service):
    a = make_clinic(name="Services Hospital", district="Lahore")
    b = make_clinic(name="Holy Family Hospital", district="Rawalpindi")
    make_service(clinic=a, name="Dental")
    make_service(clinic=b, name="Eye")
    assert [c.name for c in services.find_clinics(district="Rawalpindi").items] == ["Holy Family Hospital"]
    assert [c.name for c in services.find_clinics(service_name="Dental").items] == ["Services Hospital"]
    assert [c.name for c in services.find_clinics(q="holy").items] == ["Holy Family Hospital"]
    assert services.find_clinics(q="%").total == 0
    assert services.next_free_dates([a, b]) == {a.id: MONDAY, b.id: MONDAY}  # 11:30 today is still bookable


def test_next_free_date_of_a_search_for_one_service_is_that_services(make_clinic, make_service):
    """A search for dental care shows when dental care is free, not tomorrow's general OPD."""
    clinic = make_clinic(name="Mayo Hospital OPD")
    make_service(clinic=clinic, name="General OPD")  # free today
    make_service(clinic=clinic, name="Dental", hours=[(3, time(9), time(12))])  # Thursdays only
    assert services.next_free_dates([clinic]) == {clinic.id: MONDAY}
    assert services.next_free_dates([clinic], "Dental") == {clinic.id: date(2026, 3, 5)}
    assert services.next_free_dates([clinic], "Eye OPD") == {clinic.id: None}


def test_a_queue_token_is_upcoming_while_waiting_and_past_once_seen_or_missed(make_service, make_user, citizen):
    from portal.health import admin

    service = make_service()
    staff = make_user(roles=[("clinic_admin", service.clinic_id)])
    waiting = admin.register_walk_in(staff, service.clinic, service.id, citizen.cnic, None, None, "queue")
    seen = admin.register_walk_in(
        staff, service.clinic, make_service(clinic=service.clinic, name="Dental").id, citizen.cnic, None, None, "queue"
    )
    db.session.commit()
    admin.set_status(staff, seen.id, "seen")
    db.session.commit()
    upcoming, past, _ = services.my_appointments(citizen)
    assert [a.id for a in upcoming] == [waiting.id]
    assert [a.id for a in past] == [seen.id]


def test_clinic_search_matches_every_word_in_any_order_in_either_name(make_clinic):
    make_clinic(name="DHQ Hospital Attock", name_ur="ڈی ایچ کیو ہسپتال اٹک", district="Attock")
    make_clinic(name="THQ Hospital Fateh Jang", name_ur="ٹی ایچ کیو ہسپتال فتح جنگ", district="Attock")

    def found(q):
        return [c.name for c in services.find_clinics(q=q).items]

    assert found("DHQ Attock") == ["DHQ Hospital Attock"]
    assert found("attock  dhq") == ["DHQ Hospital Attock"]  # any order, any case, extra spaces
    assert found("ڈی ایچ کیو اٹک") == ["DHQ Hospital Attock"]
    assert found("DHQ اٹک") == ["DHQ Hospital Attock"]  # each word in the English or the Urdu name
    assert found("hospital") == ["DHQ Hospital Attock", "THQ Hospital Fateh Jang"]
    assert found("DHQ Jang") == []  # every word must match the same clinic
    assert found("DHQ %") == []  # a wildcard is a character like any other
    assert search_words("a b a " + " ".join("cdefghijk")) == list("abcdefgh")  # each once, the first eight


def test_why_an_appointment_can_no_longer_be_changed(app, make_service, citizen):
    from portal.health.errors import AppointmentCancelled, AppointmentOver

    service = make_service(cancel_cutoff_hours=24)
    appointment = services.book_slot(citizen, service.id, karachi(TUESDAY, 12, 0))
    db.session.commit()
    assert services.why_unchangeable(appointment) is None and services.is_upcoming(appointment)
    app.config["FIXED_NOW"] = karachi(MONDAY, 12, 30).isoformat()  # 23 hours before
    assert isinstance(services.why_unchangeable(appointment), PastCutoff) and services.is_upcoming(appointment)
    app.config["FIXED_NOW"] = karachi(TUESDAY, 12, 0).isoformat()  # its time has come
    assert isinstance(services.why_unchangeable(appointment), AppointmentOver)
    assert not services.is_upcoming(appointment)
    app.config["FIXED_NOW"] = karachi(MONDAY, 9, 0).isoformat()
    services.cancel(citizen, appointment.reference)
    db.session.commit()
    refusal = services.why_unchangeable(appointment)
    assert isinstance(refusal, AppointmentCancelled) and "was cancelled" in str(refusal)
    assert not services.is_upcoming(appointment) and not services.can_change(appointment)
    with pytest.raises(AppointmentCancelled):
        services.reschedule(citizen, appointment.reference, karachi(TUESDAY, 12, 30))


def test_check_free_says_whether_a_place_is_left_without_taking_it(make_service, citizen, make_user):
    service = make_service(places_per_slot=1)
    at = karachi(TUESDAY, 9, 0)
    services.check_free(service, at)  # no slot row yet: every place is free
    services.book_slot(citizen, service.id, at)
    db.session.commit()
    with pytest.raises(SlotFull):
        services.check_free(service, at)
    assert db.session.scalar(select(Slot.booked)) == 1
    services.check_free(service, karachi(TUESDAY, 9, 30))
    service.places_per_slot = 0
    with pytest.raises(SlotFull):
        services.check_free(service, karachi(TUESDAY, 9, 30))


def test_check_movable_refuses_the_same_time_and_a_bad_one(make_service, citizen):
    service = make_service()
    appointment = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    db.session.commit()
    with pytest.raises(OutsideHours) as info:
        services.check_movable(appointment, karachi(TUESDAY, 9, 0))
    assert "already the time of your appointment" in str(info.value)
    from datetime import UTC, datetime

    with pytest.raises(InPast):
        services.check_movable(appointment, datetime.fromtimestamp(0, UTC))
    services.check_movable(appointment, karachi(TUESDAY, 12, 0))


def test_day_availability_says_why_a_day_has_no_times(make_service):
    service = make_service(hours=[(1, time(9), time(10))])  # Tuesdays only
    assert schedule.day_availability(service, MONDAY - timedelta(days=1)).status == schedule.DAY_PAST
    assert schedule.day_availability(service, TUESDAY).status == schedule.DAY_OPEN
    assert schedule.day_availability(service, TUESDAY + timedelta(days=1)).status == schedule.DAY_CLOSED
    later = TUESDAY + timedelta(days=21)  # a Tuesday after the 14-day horizon
    assert schedule.day_availability(service, later).status == schedule.DAY_NOT_YET
    assert schedule.day_availability(service, later + timedelta(days=1)).status == schedule.DAY_NOT_YET  # a Wednesday


def test_with_current_shows_the_appointments_own_time_even_when_it_is_full(make_service, citizen):
    service = make_service(hours=[(1, time(9), time(10))], places_per_slot=1)
    appointment = services.book_slot(citizen, service.id, karachi(TUESDAY, 9, 0))
    db.session.commit()
    available = schedule.with_current(schedule.day_availability(service, TUESDAY), appointment.starts_at)
    assert [(t.starts_at, t.current) for t in available.times] == [
        (karachi(TUESDAY, 9, 0), True),
        (karachi(TUESDAY, 9, 30), False),
    ]
    other_day = schedule.day_availability(service, TUESDAY + timedelta(days=7))
    assert schedule.with_current(other_day, appointment.starts_at) == other_day


def test_an_error_on_a_page_isolates_names_and_references(make_service, citizen):
    from portal.health.errors import on_page

    error = AlreadyBooked(name="Ayesha <Khan>", ref="H-E9PE-DYDG")
    html = str(on_page(error))
    assert '<bdi class="name">Ayesha &lt;Khan&gt;</bdi>' in html
    assert '(<bdi dir="ltr">H-E9PE-DYDG</bdi>)' in html
    assert str(on_page(PastCutoff(hours=24))) == str(PastCutoff(hours=24))


def test_one_hour_and_one_day_are_said_as_one(app, make_service):
    """A service may ask for 1 hour's notice, be booked 1 day ahead, be changed up to 1 hour before: its
    refusals say "1 hour", "1 day" (they said "1 hours", "1 days"), and pick Urdu's singular too."""
    from flask_babel import force_locale

    service = make_service(min_notice_hours=1, horizon_days=1)
    with pytest.raises(TooSoon) as soon:
        services.check_bookable(service, karachi(MONDAY, 9, 30))
    with pytest.raises(BeyondHorizon) as beyond:
        services.check_bookable(service, karachi(MONDAY + timedelta(days=3), 9, 0))
    assert str(soon.value) == "This service needs at least 1 hour's notice. Please choose a later time."
    assert str(beyond.value) == "This service can be booked at most 1 day ahead. Please choose an earlier date."
    assert "up to 1 hour before." in str(PastCutoff(hours=1)) and "up to 2 hours before." in str(PastCutoff(hours=2))
    assert "at least 2 hours' notice" in str(TooSoon(hours=2)) and "at most 2 days ahead" in str(BeyondHorizon(days=2))
    with app.test_request_context(), force_locale("ur"):
        assert "کم از کم 1 گھنٹہ پہلے" in str(TooSoon(hours=1)) and "کم از کم 2 گھنٹے پہلے" in str(TooSoon(hours=2))
        assert "صرف 1 گھنٹہ پہلے" in str(PastCutoff(hours=1))
