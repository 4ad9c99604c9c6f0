"""Citizen pages for health (issue 3): find a clinic, choose a date and time, book, see, cancel, move.

Thin: parse, call a service, render. The clinic-admin pages are in admin_views.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.database import read_only
from portal.extensions import db
from portal.forms import offer_choices
from portal.health import bp, schedule, services
from portal.health.errors import (
    AlreadyBooked,
    DomainError,
    DuplicateSubmission,
    NotFound,
    SlotFull,
    on_page,
)
from portal.health.forms import (
    CLINIC_TYPE_LABELS,
    STATUS_LABELS,
    WEEKDAY_LABELS,
    BookForm,
    ClinicSearchForm,
    ConfirmForm,
)
from portal.navigation import past_the_last_page, requested_page
from portal.pagecache import public_page
from portal.validation import typed_number


@bp.app_context_processor
def health_labels():
    return {"clinic_type_labels": CLINIC_TYPE_LABELS, "weekday_labels": WEEKDAY_LABELS, "status_labels": STATUS_LABELS}


def client_ip() -> str | None:
    return request.remote_addr


def found(fn, *args, **kwargs):
    """Call a lookup service; NotFound (missing or out of scope) becomes a 404."""
    try:
        return fn(*args, **kwargs)
    except NotFound:
        abort(404)


def parse_day(text: str | None, default: date | None = None) -> date | None:
    """A date from the address (YYYY-MM-DD), or None when it is not one we could ever show."""
    try:
        day = date.fromisoformat(typed_number(text)) if text else default
    except ValueError:
        return None
    if day is not None and not (2000 <= day.year <= 2100):
        return None
    return day


def instant(at: int) -> datetime:
    try:
        return datetime.fromtimestamp(at, UTC)
    except (OverflowError, OSError, ValueError):
        abort(404)


# --- citizen journey ---------------------------------------------------------------------------


@bp.route("/clinics")
@public_page
def find_clinics():
    form = ClinicSearchForm(request.args)
    data = form.valid_data()
    district, service_name = data["district"] or None, data["service"] or None
    results = services.find_clinics(district, service_name, (data["q"] or "").strip() or None, page=requested_page())
    if (last := past_the_last_page(results, "health.find_clinics")) is not None:
        return last  # an old link, a typed number: the last page, not "59 found" over none
    next_dates = services.next_free_dates(results.items, service_name)
    return render_template(
        "health/find_clinics.html",
        results=results,
        next_dates=next_dates,
        form=form,
    )


@bp.route("/clinics/<int:clinic_id>")
@public_page
def clinic(clinic_id: int):
    clinic = found(services.get_clinic, clinic_id)
    offered = services.active_services(clinic)
    next_dates = schedule.next_free_dates(offered)
    return render_template("health/clinic.html", clinic=clinic, offered=offered, next_dates=next_dates)


@bp.route("/clinics/services/<int:service_id>")
@public_page
def service_dates(service_id: int):
    service = found(services.get_service, service_id)
    return render_template("health/dates.html", service=service, days=schedule.availability(service))


@bp.route("/clinics/services/<int:service_id>/<day>")
@public_page
def service_times(service_id: int, day: str):
    service = found(services.get_service, service_id)
    chosen = parse_day(day)
    if chosen is None:
        abort(404)
    available = schedule.day_availability(service, chosen)
    return render_template("health/times.html", service=service, day=chosen, available=available)


@bp.route("/appointments/book/<int:service_id>/<int:at>", methods=["GET", "POST"])
@read_only
@login_required
def book(service_id: int, at: int):
    starts_at = instant(at)
    form = BookForm()
    form.person.choices = services.booking_people(current_user)
    # A booking reads the service itself, under its lock (services.hold_service): read here first, it
    # would be read twice. Every other answer reads it here.
    posted = request.method == "POST" and form.validate_on_submit()
    service = None if posted else found(services.get_service, service_id)
    error = None
    if request.method == "GET":
        form.ensure_token()
        try:
            services.check_bookable(service, starts_at)  # say so now, not after the click
            services.check_free(service, starts_at)
        except SlotFull as exc:
            return _full(service, starts_at, exc)
        except DomainError as exc:
            error = on_page(exc)
    elif posted:
        try:
            appointment = services.book_slot(
                current_user,
                service_id,
                starts_at,
                dependant_id=form.person.data or None,
                submission_token=form.submission_token.data,
            )
        except DuplicateSubmission as exc:
            db.session.rollback()
            appointment = services.find_by_token(current_user, exc.token)
            if appointment is None:
                abort(409)
        except SlotFull as exc:
            db.session.rollback()
            return _full(found(services.get_service, service_id), starts_at, exc)
        except AlreadyBooked as exc:
            db.session.rollback()
            error = on_page(exc)
        except NotFound:
            db.session.rollback()
            abort(404)
        except DomainError as exc:
            db.session.rollback()
            error = on_page(exc)
        else:
            appointment_reference = appointment.reference  # read before commit expires it: no reload
            db.session.commit()
            return redirect(url_for("health.appointment", reference=appointment_reference, new=1))
        if error is None:
            return redirect(url_for("health.appointment", reference=appointment.reference, new=1))
        service = found(services.get_service, service_id)
    # Who already holds their one upcoming appointment for this service is shown, not offered; on
    # first look the account holder, or the first person who can be booked for, is chosen.
    booked = services.upcoming_for_service(current_user, service.id)
    labels = dict(form.person.choices)
    refused = {
        value: _("%(name)s (already booked for %(date)s)", name=labels[value], date=format_date(mine.visit_date))
        for value, mine in booked.items()
        if value in labels
    }
    offered = offer_choices(form.person, refused, first_look=request.method == "GET", choose_first=True)
    return render_template(
        "health/book.html", service=service, starts_at=starts_at, form=form, error=error, offered=offered
    )


def _full(service, starts_at: datetime, exc: SlotFull):
    """A full time; when the person's own booking is what fills it (they booked the last place and came
    back to the form), it says so and links to it rather than blaming someone else."""
    mine = services.own_bookings_at(current_user, service.id, starts_at)
    # Back to that day's times, the other times of the day the person chose first.
    again = url_for("health.service_times", service_id=service.id, day=schedule.karachi_date(starts_at).isoformat())
    page = render_template("health/full.html", service=service, message=str(exc), mine=mine, again=again)
    return page, 200 if mine else 409


@bp.route("/appointments")
@read_only
@login_required
def my_appointments():
    upcoming, past, older = services.my_appointments(current_user)
    return render_template(
        "health/my_appointments.html",
        upcoming=upcoming,
        past=past,
        older=older,
        shown=services.PAST_SHOWN,
        can_change=services.can_change,
    )


@bp.route("/appointments/<reference>")
@read_only
@login_required
def appointment(reference: str):
    appointment = found(services.get_own_appointment, current_user, reference)
    return render_template(
        "health/appointment.html",
        appointment=appointment,
        new=request.args.get("new") == "1",
        upcoming=services.is_upcoming(appointment),
        can_change=services.can_change(appointment),
    )


@bp.route("/appointments/<reference>/calendar.ics")
@read_only
@login_required
def appointment_ics(reference: str):
    from portal.health.calendar import appointment_ics as build_ics

    appointment = found(services.get_own_appointment, current_user, reference)
    if appointment.starts_at is None:
        abort(404)
    response = Response(
        build_ics(appointment),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{appointment.reference}.ics"'},
    )
    response.cache_control.no_store = True  # the patient's name and arrival code, like every private page
    return response


@bp.route("/appointments/<reference>/cancel", methods=["GET", "POST"])
@read_only
@login_required
def cancel(reference: str):
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            appointment = found(services.cancel, current_user, reference)  # someone else's: 404
        except DomainError as exc:
            db.session.rollback()
            error = on_page(exc)
        else:
            cancelled = appointment.reference  # read before the commit expires it: no reload
            db.session.commit()
            flash(_("Your appointment %(ref)s is cancelled.", ref=cancelled), "success")
            return redirect(url_for("health.my_appointments"))
    appointment = found(services.get_own_appointment, current_user, reference)
    refusal = services.why_unchangeable(appointment)
    return render_template(
        "health/cancel.html",
        appointment=appointment,
        form=form,
        error=error,
        refusal=on_page(refusal) if refusal is not None and error is None else None,
        can_change=refusal is None,
    )


@bp.route("/appointments/<reference>/reschedule")
@bp.route("/appointments/<reference>/reschedule/<int:at>", methods=["GET", "POST"])
@read_only
@login_required
def reschedule(reference: str, at: int | None = None):
    """Without ``at``: the dates (or, with ?day=, the times) to move to; with ``at``: confirm the move."""
    if at is not None:
        return _reschedule_confirm(reference, instant(at))
    appointment = found(services.get_own_appointment, current_user, reference)
    refusal = services.why_unchangeable(appointment)
    chosen = parse_day(request.args.get("day")) if refusal is None else None
    available = schedule.day_availability(appointment.service, chosen) if chosen else None
    days = schedule.availability(appointment.service) if chosen is None and refusal is None else None
    return render_template(
        "health/reschedule.html",
        appointment=appointment,
        days=days,
        day=chosen,
        available=schedule.with_current(available, appointment.starts_at),
        refusal=on_page(refusal) if refusal is not None else None,
    )


def _full_for_move(appointment, starts_at: datetime, exc: SlotFull):
    day = schedule.karachi_date(starts_at).isoformat()  # back to that day's times
    again = url_for("health.reschedule", reference=appointment.reference, day=day)
    return render_template("health/full.html", service=appointment.service, message=str(exc), again=again), 409


def _reschedule_confirm(reference: str, new_starts_at: datetime):
    form = ConfirmForm()
    error = None
    if request.method == "POST" and form.validate_on_submit():
        # The move reads the appointment itself, under its locks (services.reschedule): not read here first.
        try:
            moved = services.reschedule(current_user, reference, new_starts_at)
        except NotFound:
            db.session.rollback()
            abort(404)
        except SlotFull as exc:
            db.session.rollback()
            return _full_for_move(found(services.get_own_appointment, current_user, reference), new_starts_at, exc)
        except DomainError as exc:
            db.session.rollback()
            error = on_page(exc)
        else:
            moved_reference = moved.reference  # read before commit expires it: no reload
            db.session.commit()
            flash(_("Your appointment has moved. The reference and arrival code stay the same."), "success")
            return redirect(url_for("health.appointment", reference=moved_reference))
    appointment = found(services.get_own_appointment, current_user, reference)
    if request.method == "GET":
        try:  # like booking: say now what is wrong with this time, not after the click
            services.check_movable(appointment, new_starts_at)
            services.check_free(appointment.service, new_starts_at)
        except SlotFull as exc:
            return _full_for_move(appointment, new_starts_at, exc)
        except DomainError as exc:
            error = on_page(exc)
    return render_template(
        "health/reschedule_confirm.html",
        appointment=appointment,
        new_starts_at=new_starts_at,
        form=form,
        error=error,
        can_change=services.can_change(appointment),
    )
