"""Citizen and clinic-admin pages for health (issue 3). Thin: parse, call a service, render."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal import clock
from portal.auth.decorators import role_required
from portal.extensions import db
from portal.health import admin, bp, schedule, services
from portal.health.errors import (
    AlreadyBooked,
    DomainError,
    DuplicateSubmission,
    NotFound,
    ScheduleConflict,
    SlotFull,
)
from portal.health.forms import (
    CLINIC_TYPE_LABELS,
    STATUS_LABELS,
    WEEKDAY_LABELS,
    BookForm,
    CancelForm,
    ClinicForm,
    ClosureForm,
    ConfirmForm,
    ExportForm,
    HoursForm,
    ServiceForm,
    StatusForm,
    WalkInForm,
)
from portal.health.models import STATUSES


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
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return None


def instant(at: int) -> datetime:
    try:
        return datetime.fromtimestamp(at, UTC)
    except (OverflowError, OSError, ValueError):
        abort(404)


# --- citizen journey ---------------------------------------------------------------------------


@bp.route("/clinics")
def find_clinics():
    district = request.args.get("district") or None
    service_name = request.args.get("service") or None
    q = (request.args.get("q") or "").strip()[:100] or None
    page = request.args.get("page", 1, type=int) or 1
    results = services.find_clinics(district, service_name, q, page=max(page, 1))
    next_dates = {clinic.id: services.next_free_date(clinic) for clinic in results.items}
    return render_template(
        "health/find_clinics.html",
        results=results,
        next_dates=next_dates,
        service_names=services.service_names(),
        district=district,
        service_name=service_name,
        q=q or "",
    )


@bp.route("/clinics/<int:clinic_id>")
def clinic(clinic_id: int):
    clinic = found(services.get_clinic, clinic_id)
    offered = services.active_services(clinic)
    next_dates = {s.id: schedule.next_free_date(s) for s in offered}
    return render_template("health/clinic.html", clinic=clinic, offered=offered, next_dates=next_dates)


@bp.route("/clinics/services/<int:service_id>")
def service_dates(service_id: int):
    service = found(services.get_service, service_id)
    return render_template("health/dates.html", service=service, days=schedule.availability(service))


@bp.route("/clinics/services/<int:service_id>/<day>")
def service_times(service_id: int, day: str):
    service = found(services.get_service, service_id)
    chosen = parse_day(day)
    if chosen is None:
        abort(404)
    available = schedule.day_availability(service, chosen)
    return render_template("health/times.html", service=service, day=chosen, available=available)


@bp.route("/appointments/book/<int:service_id>/<int:at>", methods=["GET", "POST"])
@login_required
def book(service_id: int, at: int):
    service = found(services.get_service, service_id)
    starts_at = instant(at)
    form = BookForm()
    form.person.choices = services.booking_people(current_user)
    error = None
    if request.method == "GET":
        form.ensure_token()
        form.person.data = 0
    elif form.validate_on_submit():
        try:
            appointment = services.book_slot(
                current_user,
                service.id,
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
            return render_template("health/full.html", service=service, message=str(exc)), 409
        except AlreadyBooked as exc:
            db.session.rollback()
            error = str(exc)
        except NotFound:
            db.session.rollback()
            abort(404)
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
        if error is None:
            return redirect(url_for("health.appointment", reference=appointment.reference, new=1))
    return render_template("health/book.html", service=service, starts_at=starts_at, form=form, error=error)


@bp.route("/appointments")
@login_required
def my_appointments():
    upcoming, past = services.my_appointments(current_user)
    return render_template("health/my_appointments.html", upcoming=upcoming, past=past, can_change=services.can_change)


@bp.route("/appointments/<reference>")
@login_required
def appointment(reference: str):
    appointment = found(services.get_own_appointment, current_user, reference)
    return render_template(
        "health/appointment.html",
        appointment=appointment,
        new=request.args.get("new") == "1",
        can_change=services.can_change(appointment),
    )


@bp.route("/appointments/<reference>/calendar.ics")
@login_required
def appointment_ics(reference: str):
    from portal.health.calendar import appointment_ics as build_ics

    appointment = found(services.get_own_appointment, current_user, reference)
    if appointment.starts_at is None:
        abort(404)
    return Response(
        build_ics(appointment),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{appointment.reference}.ics"'},
    )


@bp.route("/appointments/<reference>/cancel", methods=["GET", "POST"])
@login_required
def cancel(reference: str):
    appointment = found(services.get_own_appointment, current_user, reference)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            services.cancel(current_user, reference)
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Your appointment %(ref)s is cancelled.", ref=appointment.reference), "success")
            return redirect(url_for("health.my_appointments"))
    return render_template("health/cancel.html", appointment=appointment, form=form, error=error)


@bp.route("/appointments/<reference>/reschedule")
@login_required
def reschedule(reference: str):
    appointment = found(services.get_own_appointment, current_user, reference)
    chosen = parse_day(request.args.get("day"))
    available = schedule.day_availability(appointment.service, chosen) if chosen else None
    days = schedule.availability(appointment.service) if chosen is None else None
    return render_template(
        "health/reschedule.html",
        appointment=appointment,
        days=days,
        day=chosen,
        available=available,
        can_change=services.can_change(appointment),
    )


@bp.route("/appointments/<reference>/reschedule/<int:at>", methods=["GET", "POST"])
@login_required
def reschedule_confirm(reference: str, at: int):
    appointment = found(services.get_own_appointment, current_user, reference)
    new_starts_at = instant(at)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            services.reschedule(current_user, reference, new_starts_at)
        except SlotFull as exc:
            db.session.rollback()
            return render_template("health/full.html", service=appointment.service, message=str(exc)), 409
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Your appointment has moved. The reference and arrival code stay the same."), "success")
            return redirect(url_for("health.appointment", reference=appointment.reference))
    return render_template(
        "health/reschedule_confirm.html", appointment=appointment, new_starts_at=new_starts_at, form=form, error=error
    )


# --- clinic admin ------------------------------------------------------------------------------


@bp.route("/clinic-admin")
@role_required("clinic_admin")
def admin_home():
    return render_template("health/admin/home.html", clinics=admin.admin_clinics(current_user), today=clock.today())


def _clinic_data(form: ClinicForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "type": form.type.data,
        "district": form.district.data,
        "address": form.address.data.strip(),
        "phone": (form.phone.data or "").strip() or None,
    }


@bp.route("/clinic-admin/clinics/new", methods=["GET", "POST"], endpoint="admin_clinic_new")
@bp.route("/clinic-admin/clinics/<int:clinic_id>/edit", methods=["GET", "POST"])
@role_required("clinic_admin")
def admin_clinic_edit(clinic_id: int | None = None):
    clinic = found(admin.clinic_for_admin, current_user, clinic_id) if clinic_id else None
    form = ClinicForm(obj=clinic)
    affected, error = None, None
    if form.validate_on_submit():
        try:
            saved = admin.save_clinic(
                current_user, clinic, _clinic_data(form), form.active.data, form.confirm.data, ip=client_ip()
            )
        except ScheduleConflict as exc:
            db.session.rollback()
            affected, error = exc.affected, str(exc)
        else:
            db.session.commit()
            flash(_("The clinic has been saved."), "success")
            return redirect(url_for("health.admin_clinic", clinic_id=saved.id))
    return render_template("health/admin/clinic_form.html", clinic=clinic, form=form, affected=affected, error=error)


@bp.route("/clinic-admin/clinics/<int:clinic_id>")
@role_required("clinic_admin")
def admin_clinic(clinic_id: int):
    clinic = found(admin.clinic_for_admin, current_user, clinic_id)
    return render_template("health/admin/clinic.html", clinic=clinic, closures=admin.clinic_closures(clinic))


def _service_data(form: ServiceForm) -> dict:
    return {name: getattr(form, name).data for name in admin.SERVICE_FIELDS} | {
        "name": form.name.data.strip(),
        "practitioner": (form.practitioner.data or "").strip() or None,
    }


@bp.route("/clinic-admin/clinics/<int:clinic_id>/services/new", methods=["GET", "POST"])
@bp.route("/clinic-admin/services/<int:service_id>/edit", methods=["GET", "POST"], endpoint="admin_service_edit")
@role_required("clinic_admin")
def admin_service_new(clinic_id: int | None = None, service_id: int | None = None):
    service = found(admin.service_for_admin, current_user, service_id) if service_id else None
    clinic = service.clinic if service else found(admin.clinic_for_admin, current_user, clinic_id)
    form = ServiceForm(obj=service)
    affected, error = None, None
    if form.validate_on_submit():
        try:
            saved = admin.save_service(
                current_user, clinic, service, _service_data(form), form.active.data, form.confirm.data, ip=client_ip()
            )
        except ScheduleConflict as exc:
            db.session.rollback()
            affected, error = exc.affected, str(exc)
        else:
            db.session.commit()
            flash(_("The service has been saved."), "success")
            return redirect(url_for("health.admin_hours", service_id=saved.id))
    return render_template(
        "health/admin/service_form.html", clinic=clinic, service=service, form=form, affected=affected, error=error
    )


@bp.route("/clinic-admin/services/<int:service_id>/hours", methods=["GET", "POST"])
@bp.route("/clinic-admin/hours/<int:hours_id>/edit", methods=["GET", "POST"], endpoint="admin_hours_edit")
@role_required("clinic_admin")
def admin_hours(service_id: int | None = None, hours_id: int | None = None):
    hours = found(admin.hours_for_admin, current_user, hours_id) if hours_id else None
    service = hours.service if hours else found(admin.service_for_admin, current_user, service_id)
    form = HoursForm(obj=hours)
    affected, error = None, None
    if form.validate_on_submit():
        try:
            admin.save_hours(
                current_user,
                service,
                hours,
                form.weekday.data,
                form.start.data,
                form.end.data,
                form.break_start.data,
                form.break_end.data,
                confirm=form.confirm.data,
                ip=client_ip(),
            )
        except ScheduleConflict as exc:
            db.session.rollback()
            affected, error = exc.affected, str(exc)
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The opening hours have been saved."), "success")
            return redirect(url_for("health.admin_hours", service_id=service.id))
    return render_template(
        "health/admin/hours.html",
        service=service,
        hours=hours,
        form=form,
        delete_form=ConfirmForm(),
        affected=affected,
        error=error,
    )


@bp.route("/clinic-admin/hours/<int:hours_id>/delete", methods=["POST"])
@role_required("clinic_admin")
def admin_hours_delete(hours_id: int):
    hours = found(admin.hours_for_admin, current_user, hours_id)
    service = hours.service
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        admin.delete_hours(current_user, hours, confirm=request.form.get("confirm") == "y", ip=client_ip())
    except ScheduleConflict as exc:
        db.session.rollback()
        return render_template(
            "health/admin/hours.html",
            service=service,
            hours=None,
            form=HoursForm(formdata=None),
            delete_form=form,
            affected=exc.affected,
            error=str(exc),
            deleting=hours_id,
        )
    db.session.commit()
    flash(_("The opening hours have been removed."), "success")
    return redirect(url_for("health.admin_hours", service_id=service.id))


@bp.route("/clinic-admin/clinics/<int:clinic_id>/closures", methods=["GET", "POST"])
@role_required("clinic_admin")
def admin_closures(clinic_id: int):
    clinic = found(admin.clinic_for_admin, current_user, clinic_id)
    form = ClosureForm()
    form.service_id.choices = [(0, _("The whole clinic"))] + [(s.id, s.name) for s in clinic.services]
    affected, error = None, None
    if form.validate_on_submit():
        try:
            admin.add_closure(
                current_user,
                clinic,
                form.service_id.data or None,
                form.start_date.data,
                form.end_date.data,
                form.reason.data,
                confirm=form.confirm.data,
                ip=client_ip(),
            )
        except ScheduleConflict as exc:
            db.session.rollback()
            affected, error = exc.affected, str(exc)
        except NotFound:
            abort(404)
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The closure has been added."), "success")
            return redirect(url_for("health.admin_closures", clinic_id=clinic.id))
    return render_template(
        "health/admin/closures.html",
        clinic=clinic,
        closures=admin.clinic_closures(clinic),
        form=form,
        delete_form=ConfirmForm(),
        affected=affected,
        error=error,
    )


@bp.route("/clinic-admin/closures/<int:closure_id>/delete", methods=["POST"])
@role_required("clinic_admin")
def admin_closure_delete(closure_id: int):
    closure = found(admin.closure_for_admin, current_user, closure_id)
    clinic_id = closure.clinic_id
    if not ConfirmForm().validate_on_submit():
        abort(400)
    admin.delete_closure(current_user, closure, ip=client_ip())
    db.session.commit()
    flash(_("The closure has been removed."), "success")
    return redirect(url_for("health.admin_closures", clinic_id=clinic_id))


@bp.route("/clinic-admin/clinics/<int:clinic_id>/day")
@role_required("clinic_admin")
def admin_day(clinic_id: int):
    clinic = found(admin.clinic_for_admin, current_user, clinic_id)
    day = parse_day(request.args.get("date"), clock.today())
    if day is None:
        abort(404)
    first, last = admin.week_of(day)
    export_form = ExportForm(formdata=None, start=first, end=last)
    return render_template(
        "health/admin/day.html",
        clinic=clinic,
        day=day,
        appointments=admin.daily_list(clinic, day),
        day_counts=admin.counts(clinic, day, day),
        week_counts=admin.counts(clinic, first, last),
        status_form=StatusForm(formdata=None),
        export_form=export_form,
        statuses=STATUSES,
        today=clock.today(),
        prev_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
    )


def _csv_response(rows: list[tuple], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(admin.EXPORT_HEADER)
    for row in rows:
        # Cells that a spreadsheet would run as a formula are quoted with a leading apostrophe.
        writer.writerow(["'" + c if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c for c in row])
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/clinic-admin/clinics/<int:clinic_id>/day.csv")
@role_required("clinic_admin")
def admin_day_csv(clinic_id: int):
    clinic = found(admin.clinic_for_admin, current_user, clinic_id)
    day = parse_day(request.args.get("date"), clock.today())
    if day is None:
        abort(404)
    return _csv_response(admin.export_rows(clinic, day, day), f"clinic-{clinic.id}-{day.isoformat()}.csv")


@bp.route("/clinic-admin/clinics/<int:clinic_id>/export")
@role_required("clinic_admin")
def admin_export(clinic_id: int):
    clinic = found(admin.clinic_for_admin, current_user, clinic_id)
    form = ExportForm(request.args)
    if request.args and form.validate():
        rows = admin.export_rows(clinic, form.start.data, form.end.data)
        return _csv_response(rows, f"clinic-{clinic.id}-{form.start.data}-{form.end.data}.csv")
    return render_template("health/admin/export.html", clinic=clinic, form=form), (400 if request.args else 200)


@bp.route("/clinic-admin/appointments/<int:appointment_id>/status", methods=["POST"])
@role_required("clinic_admin")
def admin_status(appointment_id: int):
    appointment = found(admin.appointment_for_admin, current_user, appointment_id)
    clinic_id, day = appointment.clinic_id, appointment.visit_date
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        updated = admin.set_status(current_user, appointment_id, form.status.data, form.arrival_code.data, client_ip())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(ref)s is now: %(status)s.", ref=updated.reference, status=STATUS_LABELS[updated.status]), "success")
    return redirect(url_for("health.admin_day", clinic_id=clinic_id, date=day.isoformat()) + f"#a{appointment_id}")


@bp.route("/clinic-admin/appointments/<int:appointment_id>/cancel", methods=["GET", "POST"])
@role_required("clinic_admin")
def admin_cancel(appointment_id: int):
    appointment = found(admin.appointment_for_admin, current_user, appointment_id)
    form = CancelForm()
    error = None
    if form.validate_on_submit():
        try:
            admin.admin_cancel(current_user, appointment_id, form.reason.data, ip=client_ip())
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(
                _("Appointment %(ref)s is cancelled and the person has been told.", ref=appointment.reference),
                "success",
            )
            return redirect(
                url_for("health.admin_day", clinic_id=appointment.clinic_id, date=appointment.visit_date.isoformat())
            )
    return render_template("health/admin/cancel.html", appointment=appointment, form=form, error=error)


@bp.route("/clinic-admin/clinics/<int:clinic_id>/walk-in", methods=["GET", "POST"])
@role_required("clinic_admin")
def admin_walk_in(clinic_id: int):
    clinic = found(admin.clinic_for_admin, current_user, clinic_id)
    form = WalkInForm()
    form.service_id.choices = [(s.id, s.name) for s in clinic.services if s.active]
    error = None
    if form.validate_on_submit():
        try:
            appointment = admin.register_walk_in(
                current_user,
                clinic,
                form.service_id.data,
                form.cnic.cnic,
                form.full_name.data,
                getattr(form.mobile, "e164", None),
                form.mode.data,
                ip=client_ip(),
            )
        except NotFound:
            abort(404)
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            if appointment.queue_number:
                message = _(
                    "Queue token %(number)s for %(name)s.",
                    number=appointment.queue_number,
                    name=appointment.patient_name,
                )
            else:
                message = _(
                    "%(name)s is booked in at %(time)s today.",
                    name=appointment.patient_name,
                    time=format_time(appointment.starts_at, "short"),
                )
            flash(message, "success")
            return redirect(url_for("health.admin_day", clinic_id=clinic.id))
    return render_template("health/admin/walk_in.html", clinic=clinic, form=form, error=error)
