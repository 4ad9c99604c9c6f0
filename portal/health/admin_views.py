"""Clinic-admin pages for health (issue 3): catalogue, schedules, the daily list, walk-ins, exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import format_date, format_time, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import escape

from portal import clock
from portal.auth.decorators import role_required
from portal.bilingual import isolate
from portal.extensions import db
from portal.forms import optional_text
from portal.health import admin, bp
from portal.health.errors import DomainError, DuplicateSubmission, NotFound, ScheduleConflict
from portal.health.forms import (
    STATUS_LABELS,
    CancelForm,
    ClinicForm,
    ClosureForm,
    ConfirmForm,
    DayForm,
    ExportForm,
    HoursDeleteForm,
    HoursForm,
    ServiceForm,
    StatusForm,
    WalkInForm,
)
from portal.health.models import STATUSES, Clinic
from portal.health.views import client_ip, found
from portal.spreadsheets import spreadsheet_safe

# The session key of a status just changed on the daily list, said at its row on the next page.
ROW_DONE = "health.row_done"


def _error_at_field(form, exc: DomainError) -> str | None:
    """Show a service's error next to the field it names (the summary lists it too); an error about no
    one field is returned, for the box at the top."""
    name = getattr(exc, "field", None)
    field = form._fields.get(name) if name else None
    if field is None:
        return str(exc)
    field.errors = [*field.errors, str(exc)]
    return None


def _cancelled_message(done: str, count: int) -> str:
    """``done`` ("The closure has been added."), then how many bookings it cancelled, if any."""
    if not count:
        return done
    return " ".join(
        (
            done,
            ngettext(
                "%(num)s booked appointment was cancelled and the person has been told.",
                "%(num)s booked appointments were cancelled and each person has been told.",
                count,
            ),
        )
    )


@bp.route("/clinic-admin")
@role_required("clinic_admin")
def admin_home():
    return render_template("health/admin/home.html", clinics=admin.admin_clinics(current_user), today=clock.today())


def _clinic_data(form: ClinicForm) -> dict:
    return {
        "name": form.name.data.strip(),
        "name_ur": optional_text(form.name_ur),
        "type": form.type.data,
        "district": form.district.data,
        "address": form.address.data.strip(),
        "address_ur": optional_text(form.address_ur),
        "phone": getattr(form.phone, "formatted", None),  # set by the validator when a number was given
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
                current_user,
                clinic,
                _clinic_data(form),
                form.active.data,
                form.confirm.data,
                ip=client_ip(),
                reviewed=form.reviewed_ids(),
                submission_token=form.submission_token.data,
            )
        except ScheduleConflict as exc:
            db.session.rollback()
            affected, error = exc.affected, str(exc)
            form.ask_to_confirm(affected)
        except DomainError as exc:
            db.session.rollback()
            error = _error_at_field(form, exc)
        else:
            db.session.commit()
            flash(_cancelled_message(_("The clinic has been saved."), len(saved.cancelled)), "success")
            return redirect(url_for("health.admin_clinic", clinic_id=saved.record.id))
    form.ensure_token()
    return render_template("health/admin/clinic_form.html", clinic=clinic, form=form, affected=affected, error=error)


@bp.route("/clinic-admin/clinics/<int:clinic_id>")
@role_required("clinic_admin")
def admin_clinic(clinic_id: int):
    clinic = found(admin.clinic_for_admin, current_user, clinic_id)
    return render_template(
        "health/admin/clinic.html",
        clinic=clinic,
        services=admin.clinic_services(clinic),
        closures=admin.clinic_closures(clinic),
    )


def _service_data(form: ServiceForm) -> dict:
    return {name: getattr(form, name).data for name in admin.SERVICE_FIELDS} | {
        "name": form.name.data.strip(),
        "name_ur": optional_text(form.name_ur),
        "practitioner": optional_text(form.practitioner),
        "practitioner_ur": optional_text(form.practitioner_ur),
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
                current_user,
                clinic,
                service,
                _service_data(form),
                form.active.data,
                form.confirm.data,
                ip=client_ip(),
                reviewed=form.reviewed_ids(),
                submission_token=form.submission_token.data,
            )
        except ScheduleConflict as exc:
            db.session.rollback()
            affected, error = exc.affected, str(exc)
            form.ask_to_confirm(affected)
        except DomainError as exc:
            db.session.rollback()
            error = _error_at_field(form, exc)
        else:
            db.session.commit()
            flash(_cancelled_message(_("The service has been saved."), len(saved.cancelled)), "success")
            return redirect(url_for("health.admin_hours", service_id=saved.record.id))
    form.ensure_token()
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
            saved = admin.save_hours(
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
                reviewed=form.reviewed_ids(),
            )
        except ScheduleConflict as exc:
            db.session.rollback()
            affected, error = exc.affected, str(exc)
            form.ask_to_confirm(affected)
        except DomainError as exc:
            db.session.rollback()
            error = _error_at_field(form, exc)
        else:
            db.session.commit()
            flash(_cancelled_message(_("The opening hours have been saved."), len(saved.cancelled)), "success")
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


@bp.route("/clinic-admin/hours/<int:hours_id>/delete", methods=["GET", "POST"])
@role_required("clinic_admin")
def admin_hours_delete(hours_id: int):
    hours = found(admin.hours_for_admin, current_user, hours_id)
    service = hours.service
    if request.method == "GET":
        # A reload of the page asking to confirm: the hours page has the Remove button again.
        return redirect(url_for("health.admin_hours", service_id=service.id))
    form = HoursDeleteForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        cancelled = admin.delete_hours(
            current_user, hours, confirm=form.confirm.data, ip=client_ip(), reviewed=form.reviewed_ids()
        )
    except ScheduleConflict as exc:
        db.session.rollback()
        form.ask_to_confirm(exc.affected)
        hours = found(admin.hours_for_admin, current_user, hours_id)
        return render_template(
            "health/admin/hours_delete.html",
            service=service,
            hours=hours,
            form=form,
            affected=exc.affected,
            error=str(exc) if exc.unseen else None,
        )
    db.session.commit()
    flash(_cancelled_message(_("The opening hours have been removed."), len(cancelled)), "success")
    return redirect(url_for("health.admin_hours", service_id=service.id))


@bp.route("/clinic-admin/clinics/<int:clinic_id>/closures", methods=["GET", "POST"])
@role_required("clinic_admin")
def admin_closures(clinic_id: int):
    clinic = found(admin.clinic_for_admin, current_user, clinic_id)
    form = ClosureForm()
    services = admin.clinic_services(clinic)
    form.service_id.choices = [(0, _("The whole clinic"))] + [(s.id, s.shown_name) for s in services]
    affected, error = None, None
    if _closure_form_valid(form):
        try:
            added = admin.add_closure(
                current_user,
                clinic,
                form.service_id.data or None,
                form.start_date.data,
                form.end_date.data,
                form.reason.data,
                reason_ur=optional_text(form.reason_ur),
                confirm=form.confirm.data,
                ip=client_ip(),
                reviewed=form.reviewed_ids(),
                submission_token=form.submission_token.data,
            )
        except ScheduleConflict as exc:
            db.session.rollback()
            affected, error = exc.affected, str(exc)
            form.ask_to_confirm(affected)
        except NotFound:
            abort(404)
        except DomainError as exc:
            db.session.rollback()
            error = _error_at_field(form, exc)
        else:
            db.session.commit()
            flash(_cancelled_message(_("The closure has been added."), added.number_cancelled), "success")
            return redirect(url_for("health.admin_closures", clinic_id=clinic.id))
    form.ensure_token()
    return render_template(
        "health/admin/closures.html",
        clinic=clinic,
        closures=admin.clinic_closures(clinic),
        form=form,
        delete_form=ConfirmForm(),
        under_way=admin.closure_under_way,
        affected=affected,
        error=error,
    )


def _closure_form_valid(form: ClosureForm) -> bool:
    """The form's own checks and the closure's date rules (admin.closure_date_problems) at once, so
    that a day in the past or too far ahead is said together with a missing reason, not after it."""
    if not form.is_submitted():
        return False
    valid = form.validate()
    for name, problem in admin.closure_date_problems(form.start_date.data, form.end_date.data).items():
        field = form[name]
        if not field.errors:
            field.errors = [*field.errors, problem]
            valid = False
    return valid


@bp.route("/clinic-admin/closures/<int:closure_id>/delete", methods=["POST"])
@role_required("clinic_admin")
def admin_closure_delete(closure_id: int):
    closure = found(admin.closure_for_admin, current_user, closure_id)
    clinic_id = closure.clinic_id
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        ended = admin.delete_closure(current_user, closure, ip=client_ip())
    except NotFound:
        abort(404)
    except DomainError as exc:  # over already (its id posted by hand, or a page left open since)
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("health.admin_closures", clinic_id=clinic_id))
    db.session.commit()
    if ended is None:
        flash(_("The closure has been removed."), "success")
    else:
        flash(
            _(
                "The closure now ends on %(day)s: bookings are open again from today, and the days already "
                "past stay closed in the clinic's records.",
                day=format_date(ended, "long"),
            ),
            "success",
        )
    return redirect(url_for("health.admin_closures", clinic_id=clinic_id))


def _day_page(
    clinic,
    day,
    day_form: DayForm | None = None,
    row_error: dict | None = None,
    row_done: dict | None = None,
    status: int = 200,
):
    """The daily list of ``day``. ``row_error`` ({"id", "message", "code"}) shows a refused status change
    at its row, with the code that was typed, and ``row_done`` ({"id", "message"}) a status just changed;
    ``day_form`` carries an error at the Date field."""
    first, last = admin.week_of(day)
    if day_form is None:
        day_form = DayForm(formdata=None, data={"date": day.isoformat()})
    body = render_template(
        "health/admin/day.html",
        clinic=clinic,
        day=day,
        day_form=day_form,
        appointments=admin.daily_list(clinic, day),
        day_counts=admin.counts(clinic, day, day),
        week_counts=admin.counts(clinic, first, last),
        status_form=StatusForm(formdata=None),
        statuses=STATUSES,
        today=clock.today(),
        no_show_allowed=admin.no_show_allowed,
        clinic_cancel_allowed=admin.clinic_cancel_allowed,
        undo_to=admin.undo_to,
        row_error=row_error or {},
        row_done=row_done or {},
        prev_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1),
    )
    return body, status


def _asked_day(clinic):
    """The day in ?date= (today without one), or the list page for today with an error at the Date field."""
    form = DayForm(request.args)
    if form.validate():
        return form.day or clock.today(), None
    return None, _day_page(clinic, clock.today(), day_form=form, status=400)


@bp.route("/clinic-admin/clinics/<int:clinic_id>/day")
@role_required("clinic_admin")
def admin_day(clinic_id: int):
    clinic = found(admin.clinic_for_admin, current_user, clinic_id)
    day, refused = _asked_day(clinic)
    return refused or _day_page(clinic, day, row_done=session.pop(ROW_DONE, None))


def _csv_response(rows: list[tuple], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(admin.export_header())
    for row in rows:
        writer.writerow([spreadsheet_safe(c) if isinstance(c, str) else c for c in row])
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/clinic-admin/clinics/<int:clinic_id>/day.csv")
@role_required("clinic_admin")
def admin_day_csv(clinic_id: int):
    clinic = found(admin.clinic_for_admin, current_user, clinic_id)
    day, refused = _asked_day(clinic)
    if refused:
        return refused
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
        if not form.arrival_code.errors:
            abort(400)
        # A code too long to be one (the box takes 20 characters; a page sent by hand takes more): said at
        # the row like a code that does not match, not as a bare "bad request" page.
        row_error = {"id": appointment_id, "message": form.arrival_code.errors[0], "code": ""}
        return _day_page(db.session.get(Clinic, clinic_id), day, row_error=row_error, status=400)
    try:
        updated = admin.set_status(current_user, appointment_id, form.status.data, form.arrival_code.data, client_ip())
    except DomainError as exc:
        db.session.rollback()
        # Shown at the row, with the code as typed (the form's address ends in #a<id>, and the code box
        # takes the focus, so a phone opens the page at the row, not at a message at the top).
        row_error = {"id": appointment_id, "message": str(exc), "code": form.arrival_code.data or ""}
        return _day_page(db.session.get(Clinic, clinic_id), day, row_error=row_error, status=400)
    db.session.commit()
    # Said at the row, which the list opens at (#a<id>): on a phone a message at the top is out of view.
    session[ROW_DONE] = {
        "id": appointment_id,
        "message": _("%(ref)s is now: %(status)s.", ref=updated.reference, status=STATUS_LABELS[updated.status]),
    }
    return redirect(url_for("health.admin_day", clinic_id=clinic_id, date=day.isoformat()) + f"#a{appointment_id}")


@bp.route("/clinic-admin/appointments/<int:appointment_id>/undo", methods=["POST"])
@role_required("clinic_admin")
def admin_undo_status(appointment_id: int):
    """The daily list's Undo: a status pressed on the wrong row taken back, that day (admin.undo_status).
    Said at the row, as a status change is; a refusal too."""
    appointment = found(admin.appointment_for_admin, current_user, appointment_id)
    clinic_id, day = appointment.clinic_id, appointment.visit_date
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        updated = admin.undo_status(current_user, appointment_id, client_ip())
    except DomainError as exc:
        db.session.rollback()
        row_error = {"id": appointment_id, "message": str(exc), "code": None}  # no code box to mark
        return _day_page(db.session.get(Clinic, clinic_id), day, row_error=row_error, status=400)
    db.session.commit()
    session[ROW_DONE] = {
        "id": appointment_id,
        "message": _(
            "Undone: %(ref)s is “%(status)s” again.", ref=updated.reference, status=STATUS_LABELS[updated.status]
        ),
    }
    return redirect(url_for("health.admin_day", clinic_id=clinic_id, date=day.isoformat()) + f"#a{appointment_id}")


@bp.route("/clinic-admin/appointments/<int:appointment_id>/cancel", methods=["GET", "POST"])
@role_required("clinic_admin")
def admin_cancel(appointment_id: int):
    appointment = found(admin.appointment_for_admin, current_user, appointment_id)
    form = CancelForm()
    if appointment.walk_in:
        form.reason.label.text = _("Reason (kept in the clinic's records)")
    error = None
    if form.validate_on_submit():
        try:
            admin.admin_cancel(
                current_user, appointment_id, form.reason.data, ip=client_ip(), reason_ur=optional_text(form.reason_ur)
            )
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            if appointment.walk_in:
                message = _("Walk-in %(ref)s is cancelled and its place is free.", ref=appointment.reference)
            else:
                message = _("Appointment %(ref)s is cancelled and the person has been told.", ref=appointment.reference)
            flash(message, "success")
            return redirect(
                url_for("health.admin_day", clinic_id=appointment.clinic_id, date=appointment.visit_date.isoformat())
            )
    refusal = admin.why_clinic_cannot_cancel(appointment)
    return render_template(
        "health/admin/cancel.html",
        appointment=appointment,
        form=form,
        error=error or (str(refusal) if refusal is not None else None),
        refused=refusal is not None,
    )


@bp.route("/clinic-admin/clinics/<int:clinic_id>/walk-in", methods=["GET", "POST"])
@role_required("clinic_admin")
def admin_walk_in(clinic_id: int):
    clinic = found(admin.clinic_for_admin, current_user, clinic_id)
    form = WalkInForm()
    offered = [(s.id, s.shown_name) for s in admin.clinic_services(clinic) if s.active]
    form.service_id.choices = [("", _("Choose a service")), *offered]
    error, appointment = None, None
    if request.method == "GET":
        form.ensure_token()
        if len(offered) == 1:  # the only service is the one meant
            form.service_id.data = offered[0][0]
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
                submission_token=form.submission_token.data,
            )
        except DuplicateSubmission as exc:
            # The same form posted twice at once: the first post's registration, not a second place.
            db.session.rollback()
            appointment = admin.walk_in_by_token(clinic, exc.token)
            if appointment is None:
                abort(409)
        except NotFound:
            abort(404)
        except DomainError as exc:
            db.session.rollback()
            appointment, error = None, _error_at_field(form, exc)
        else:
            db.session.commit()
        if appointment is not None:
            # The name as an island in the sentence (an English name in an Urdu one keeps its words, and
            # a number at its end, in their order: "Walk In 1", not "1 Walk In").
            name = isolate(appointment.patient_name, "name")
            if appointment.queue_number:
                message = escape(_("Queue token %(number)s for %(name)s.")) % {
                    "number": appointment.queue_number,
                    "name": name,
                }
            else:
                message = escape(_("%(name)s is booked in at %(time)s today.")) % {
                    "name": name,
                    "time": isolate(format_time(appointment.starts_at, "short")),
                }
            flash(message, "success")
            typed_mobile = getattr(form.mobile, "e164", None)
            if typed_mobile and appointment.user.mobile != typed_mobile:
                # Never the number itself: the counter learns only that the record kept its own.
                if appointment.user.password_hash is not None:
                    kept = _(
                        "The mobile number was not recorded: this person has an online account and changes it there."
                    )
                else:
                    kept = _(
                        "The mobile number was not recorded: this person's record keeps the number it had, "
                        "because it has visits at clinics you do not run."
                    )
                flash(kept, "info")
            return redirect(url_for("health.admin_day", clinic_id=clinic.id))
    return render_template("health/admin/walk_in.html", clinic=clinic, form=form, error=error)
