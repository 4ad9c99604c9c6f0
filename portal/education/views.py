"""Citizen and school-admin pages for education (issue 4). Thin: parse → service → render."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from portal.auth import services as auth_services
from portal.auth.decorators import role_required
from portal.auth.errors import DomainError, NotFound
from portal.auth.models import ROLE_SCHOOL_ADMIN, ROLE_SUPERADMIN
from portal.bilingual import in_urdu, lang_marked
from portal.database import read_only
from portal.districts import district_label
from portal.education import bp, bulk, catalogue, exports, services
from portal.education.eligibility import Person, describe_reserved, describe_rule, person_of, reserved_group
from portal.education.forms import (
    BulkForm,
    ConfirmForm,
    CourseForm,
    CourseSearchForm,
    EnrolForm,
    InstitutionForm,
    RejectForm,
    RuleForm,
    SectionForm,
)
from portal.education.models import (
    CATEGORIES,
    INSTITUTION_TYPES,
    LANGUAGES,
    LEVELS,
    MODES,
    STATUSES,
    WEEKDAYS,
    Course,
    Section,
)
from portal.extensions import db
from portal.forms import offer_choices
from portal.links import public_url
from portal.navigation import past_the_last_page, requested_page
from portal.pagecache import public_page

admin_required = role_required(ROLE_SCHOOL_ADMIN)


def client_ip() -> str | None:
    return request.remote_addr


def me():
    """The signed-in User itself (services keep real objects, never the request-bound proxy)."""
    return current_user._get_current_object()


def found(fn, *args, **kwargs):
    """Call a scope-checked lookup; NotFound (someone else's record, or none) answers 404."""
    try:
        return fn(*args, **kwargs)
    except NotFound:
        abort(404)


@bp.app_context_processor
def education_labels():
    return {
        "EDU": {
            "categories": CATEGORIES,
            "modes": MODES,
            "levels": LEVELS,
            "languages": LANGUAGES,
            "types": INSTITUTION_TYPES,
            "statuses": STATUSES,
            "weekdays": WEEKDAYS,
        },
        "describe_rule": describe_rule,
        "describe_reserved": describe_reserved,
        "reserved_group": reserved_group,
        "weekday_names": weekday_names,
    }


def weekday_names(days: list[str]) -> list:
    """The names of the weekdays (``mon``, ``wed``…) in the page's language, for format_list."""
    return [WEEKDAYS[day] for day in days]


# --- citizens ----------------------------------------------------------------------------------


@bp.route("/courses")
@public_page
def find_courses():
    form = CourseSearchForm(request.args)
    filters = catalogue.CourseFilters(**form.valid_filters())
    results = catalogue.search_courses(filters, page=requested_page())
    if (last := past_the_last_page(results, "education.find_courses")) is not None:
        return last  # an old link, a typed number: the last page, not "59 found" over none
    sections = {c.id: catalogue.open_sections(c) for c in results.items}
    waiting = services.waitlist_lengths(s.id for group in sections.values() for s in group)
    # Whether each cohort takes enrolments now, as its course page will say (no query: counters and dates).
    previews = {s.id: services.enrol_preview(s, waiting.get(s.id, 0)) for group in sections.values() for s in group}
    return render_template(
        "education/find_courses.html",
        form=form,
        results=results,
        sections=sections,
        waiting=waiting,
        previews=previews,
    )


@bp.route("/courses/<int:course_id>")
@public_page
def course(course_id: int):
    course = db.get_or_404(Course, course_id)
    if not services.course_listed(course):
        abort(404)
    sections = catalogue.open_sections(course)
    waiting = services.waitlist_lengths(s.id for s in sections)
    previews = {s.id: services.enrol_preview(s, waiting.get(s.id, 0)) for s in sections}
    standings, labels = {}, {}
    if current_user.is_authenticated:
        user = me()
        people = [Person(user)] + [Person(user, d) for d in user.dependants]
        labels = auth_services.people_labels(user)
        current = {person.key: services.active_enrolment(person, course.id) for person in people}  # per course
        for section in sections:
            standings[section.id] = [
                services.standing(person, section, current[person.key], previews[section.id]) for person in people
            ]
    actions = {
        section_id: services.enrol_action(previews[section_id], group) for section_id, group in standings.items()
    }
    return render_template(
        "education/course.html",
        course=course,
        sections=sections,
        waiting=waiting,
        previews=previews,
        standings=standings,
        actions=actions,
        labels=labels,
    )


@bp.route("/courses/sections/<int:section_id>/enrol", methods=["GET", "POST"])
@read_only
@login_required
def enrol(section_id: int):
    form = EnrolForm()
    form.person.choices = [
        ("self" if dependant_id is None else str(dependant_id), label)
        for dependant_id, label in auth_services.people_labels(current_user, kin=True).items()
    ]
    error = None
    if form.validate_on_submit():
        # The service reads the section (locked, with its course): a missing one is a 404 from there,
        # an inactive course or institution a refusal that becomes a 404 below.
        dependant_id = None if form.person.data == "self" else int(form.person.data)
        try:
            result = services.enrol(
                me(), section_id, dependant_id=dependant_id, submission_token=form.submission_token.data
            )
        except NotFound:
            db.session.rollback()
            abort(404)
        except (services.SectionFull, services.WaitlistFull) as exc:
            db.session.rollback()
            error = str(exc)
            services.record_capacity_refusal(me(), section_id, dependant_id=dependant_id)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            reference = result.enrolment.reference
            moved = None
            if result.left is not None:
                moved = _(
                    "%(name)s has a seat in %(cohort)s and is no longer waiting for %(old)s (%(old_ref)s).",
                    name=result.enrolment.person_name,
                    cohort=result.enrolment.section.label,
                    old=result.left.section.label,
                    old_ref=result.left.reference,
                )
            db.session.commit()  # expires what it wrote: the message is made before, with no reload after
            if moved:
                flash(moved, "success")
            return redirect(url_for("education.enrolment", reference=reference))
    section = db.get_or_404(Section, section_id)
    if not services.course_listed(section.course):
        # As the course's own page: a course of a deactivated institution is not shown either.
        abort(404)
    form.ensure_token()
    user = me()
    people = [Person(user)] + [Person(user, d) for d in user.dependants]
    preview = services.enrol_preview(section)
    standings = [
        services.standing(p, section, services.active_enrolment(p, section.course_id), preview) for p in people
    ]
    # Who cannot join this cohort (services.Standing.selectable) is shown with why, not offered.
    labels = dict(form.person.choices)
    refused = {}
    for s in standings:
        value = "self" if s.person.dependant is None else str(s.person.dependant.id)
        if not s.selectable and value in labels:
            refused[value] = NOT_OFFERED[s.kind] % {"name": labels[value]}
    offered = offer_choices(form.person, refused, first_look=request.method == "GET")
    return render_template(
        "education/enrol.html",
        form=form,
        section=section,
        course=section.course,
        error=error,
        standings=standings,
        labels=auth_services.people_labels(user),
        preview=preview,
        offered=offered,
        action=services.enrol_action(preview, standings),  # what the button says
    )


# Why a person is shown but cannot be chosen in the enrol form (their standing tells more above it),
# for each kind of standing that is not services.Standing.selectable.
NOT_OFFERED = {
    services.STANDING_HERE: _l("%(name)s (already in this cohort)"),
    services.STANDING_ELSEWHERE: _l("%(name)s (has a place in another cohort)"),
    services.STANDING_NOT_ELIGIBLE: _l("%(name)s (cannot join)"),
    services.STANDING_KEPT: _l("%(name)s (the seats left are kept for others)"),
}


@bp.route("/my-courses")
@read_only
@login_required
def my_courses():
    enrolments = services.my_enrolments(me())
    positions = {e.id: services.waitlist_position(e) for e in enrolments}
    current, past = services.current_and_past(enrolments)
    return render_template(
        "education/my_courses.html",
        enrolments=enrolments,
        current=current,
        past=past,
        positions=positions,
        can_drop=services.can_drop,
        calendar=any(e.status == "enrolled" and exports.has_calendar(e.section) for e in enrolments),
    )


@bp.route("/my-courses/<reference>")
@read_only
@login_required
def enrolment(reference: str):
    enrolment = found(services.enrolment_for_user, me(), reference)
    return render_template(
        "education/enrolment.html",
        enrolment=enrolment,
        position=services.waitlist_position(enrolment),
        waiting=services.waitlist_length(enrolment.section_id),
        can_drop=services.can_drop(enrolment),
        calendar=enrolment.status == "enrolled" and exports.has_calendar(enrolment.section),
        # Waiting although seats are free: they are kept for a group this person is not in.
        kept_from_them=services.only_kept_seats_for(person_of(enrolment), enrolment.section),
    )


@bp.route("/my-courses/<reference>/calendar.ics")
@read_only
@login_required
def enrolment_ics(reference: str):
    """The weekly classes of one enrolment, or of every current one (a seat) with reference ``all``.
    A dropped or rejected enrolment's file answers with its classes cancelled (an old link, a calendar
    app asking again); a request or a waitlist place, which has no classes, answers 404."""
    if reference == "all":
        enrolments = [e for e in services.my_enrolments(me()) if e.status == "enrolled"]
        filename = "my-courses.ics"
    else:
        enrolment = found(services.enrolment_for_user, me(), reference)
        if not exports.in_calendar(enrolment):
            abort(404)
        enrolments, filename = [enrolment], f"{enrolment.reference}.ics"
    response = Response(
        exports.sessions_ics(enrolments, request.host.split(":")[0]),
        mimetype="text/calendar",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
    response.cache_control.no_store = True  # a person's own courses, like every private page
    return response


@bp.route("/my-courses/<reference>/drop", methods=["GET", "POST"])
@read_only
@login_required
def drop(reference: str):
    """GET asks the person to confirm what leaving will do; POST leaves (a second POST changes nothing
    and says why)."""
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            enrolment, _promoted = services.drop(me(), reference)
        except NotFound:
            db.session.rollback()
            abort(404)
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            message = _(
                "%(name)s has left %(course)s.",
                name=enrolment.person_name,
                course=enrolment.course.shown_title,
            )
            db.session.commit()  # expires what it wrote: the message is made before, with no reload after
            flash(message, "success")
            return redirect(url_for("education.my_courses"))
    enrolment = found(services.enrolment_for_user, me(), reference)
    if error is None:
        try:
            services.check_can_drop(enrolment)
        except DomainError as exc:
            error = str(exc)
    return render_template(
        "education/drop.html",
        enrolment=enrolment,
        form=form,
        error=error,
        position=services.waitlist_position(enrolment),
        waiting=services.waitlist_length(enrolment.section_id),
    )


@bp.route("/certificates/<code>")
@read_only
@login_required
def certificate(code: str):
    certificate = found(services.certificate_for_viewer, me(), code)
    link = verify_link(certificate.code)
    return render_template("education/certificate.html", certificate=certificate, link=link, qr=qr_svg(link))


def verify_link(code: str) -> str:
    """The address printed on the certificate and in its QR code (portal.links: PUBLIC_BASE_URL, or
    the address this page was asked at)."""
    return public_url("education.verify", code=code)


def qr_svg(text: str) -> str:
    import segno

    svg = segno.make(text, error="m").svg_inline(scale=4, title=_("Verification link"), dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 - segno output, built only from our own link


@bp.route("/verify")
@read_only
def verify_form():
    code = (request.args.get("code") or "").strip()
    if code:
        return redirect(url_for("education.verify", code=services.normalise_code(code) or "-"))
    return render_template("education/verify.html", certificate=None, code=None)


@bp.route("/verify/<code>")
@read_only
def verify(code: str):
    certificate = services.verify_certificate(code)
    printed = printed_versions(certificate) if certificate else []
    return render_template("education/verify.html", certificate=certificate, code=code[:40], printed=printed), (
        200 if certificate else 404
    )


def printed_versions(certificate) -> list[dict]:
    """The certificate's details as they are printed in each language, the page's first: a certificate
    prints in its holder's language (course, institution, district and month names), and whoever checks
    it may read the portal in the other one, where a genuine printout would seem altered."""
    page = "ur" if in_urdu() else "en"
    versions = []
    for lang in (page, "en" if page == "ur" else "ur"):
        heading = _("As printed in English") if lang == "en" else _("As printed in Urdu")
        with force_locale(lang):
            # The translated pattern is ours; the name is marked up (an English name in Urdu text): kept
            # as markup, and anything else escaped, by Markup's %.
            institution = Markup(_("%(institution)s, %(district)s")) % {  # noqa: S704
                "institution": lang_marked(certificate.shown_institution_name),
                "district": district_label(certificate.institution_district),
            }
            start, end = (format_date(day, "d MMMM yyyy") for day in (certificate.start_date, certificate.end_date))
            rows = [
                (_("Name"), lang_marked(certificate.holder_name)),
                (_("Course"), lang_marked(certificate.shown_course_title)),
                (_("Institution"), institution),
                (_("Dates"), f"{start} – {end}"),
                (_("Issued on"), format_date(certificate.issued_at, "d MMMM yyyy")),
            ]
        versions.append({"lang": lang, "dir": "rtl" if lang == "ur" else "ltr", "heading": heading, "rows": rows})
    return versions


# --- school admins --------------------------------------------------------------------------------


@bp.route("/school-admin")
@admin_required
def admin_home():
    institutions = services.managed_institutions(me())
    return render_template(
        "education/admin/home.html",
        institutions=institutions,
        courses={inst.id: services.institution_courses(inst) for inst in institutions},
        pending=len(services.approvals_queue(me())),
    )


@bp.route("/school-admin/institutions")
@role_required(ROLE_SUPERADMIN)
def institutions():
    return render_template("education/admin/institutions.html", institutions=catalogue.all_institutions())


@bp.route("/school-admin/institutions/new", methods=["GET", "POST"])
@role_required(ROLE_SUPERADMIN)
def institution_new():
    form = InstitutionForm()
    if request.method == "GET":
        form.active.data = True
    if form.validate_on_submit():
        try:
            institution = catalogue.create_institution(
                me(), form.data_dict(), ip=client_ip(), submission_token=form.submission_token.data
            )
        except catalogue.InstitutionRefused as exc:
            db.session.rollback()
            _show_beside_fields(form, exc.problems)
        else:
            db.session.commit()
            flash(
                _(
                    "Institution created with number %(id)s. Give a school admin this institution on the staff page.",
                    id=institution.id,
                ),
                "success",
            )
            return redirect(url_for("education.institutions"))
    form.ensure_token()
    return render_template("education/admin/institution_form.html", form=form, institution=None)


@bp.route("/school-admin/institutions/<int:institution_id>/edit", methods=["GET", "POST"])
@admin_required
def institution_edit(institution_id: int):
    institution = found(services.institution_for_admin, me(), institution_id)
    form = InstitutionForm(obj=institution)
    if form.validate_on_submit():
        try:
            catalogue.update_institution(me(), institution.id, form.data_dict(), ip=client_ip())
        except catalogue.InstitutionRefused as exc:
            db.session.rollback()
            _show_beside_fields(form, exc.problems)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("education.admin_home"))
    return render_template("education/admin/institution_form.html", form=form, institution=institution)


@bp.route("/school-admin/institutions/<int:institution_id>/courses/new", methods=["GET", "POST"])
@admin_required
def course_new(institution_id: int):
    institution = found(services.institution_for_admin, me(), institution_id)
    form = CourseForm()
    if request.method == "GET":
        form.fee.data, form.certificate.data, form.active.data = 0, True, True
    if form.validate_on_submit():
        try:
            course = catalogue.save_course(
                me(),
                form.data_dict(),
                institution_id=institution.id,
                ip=client_ip(),
                submission_token=form.submission_token.data,
            )
        except catalogue.CourseRefused as exc:
            db.session.rollback()
            _show_beside_fields(form, exc.problems)
        else:
            db.session.commit()
            flash(_("Course created. Now add a section with its dates and seats."), "success")
            return redirect(url_for("education.admin_course", course_id=course.id))
    form.ensure_token()
    return render_template("education/admin/course_form.html", form=form, institution=institution, course=None)


@bp.route("/school-admin/courses/<int:course_id>")
@admin_required
def admin_course(course_id: int):
    course = found(services.course_for_admin, me(), course_id)
    waiting = services.waitlist_lengths(s.id for s in course.sections)
    return render_template("education/admin/course.html", course=course, waiting=waiting)


@bp.route("/school-admin/courses/<int:course_id>/edit", methods=["GET", "POST"])
@admin_required
def course_edit(course_id: int):
    course = found(services.course_for_admin, me(), course_id)
    form = CourseForm(obj=course)
    if request.method == "GET":
        form.fee.data = course.fee_paisa / 100
    if form.validate_on_submit():
        try:
            catalogue.save_course(me(), form.data_dict(), course_id=course.id, ip=client_ip())
        except catalogue.CourseRefused as exc:
            db.session.rollback()
            _show_beside_fields(form, exc.problems)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("education.admin_course", course_id=course.id))
    return render_template("education/admin/course_form.html", form=form, institution=course.institution, course=course)


def _section_form(section: Section | None) -> SectionForm:
    form = SectionForm(obj=section)
    if request.method == "GET":
        if section is None:
            form.waitlist_enabled.data = True
            form.reserved_seats.data = 0
        else:
            form.meeting_days.data = section.days_list
            form.reserved_district.data = section.reserved_value if section.reserved_kind == "district" else ""
    return form


def _show_beside_fields(form, problems: dict) -> None:
    """A service's refusals, each beside the field it is about (and so in the summary at the top)."""
    for name, message in problems.items():
        form[name].errors.append(str(message))


@bp.route("/school-admin/courses/<int:course_id>/sections/new", methods=["GET", "POST"])
@admin_required
def section_new(course_id: int):
    course = found(services.course_for_admin, me(), course_id)
    form = _section_form(None)
    error = None
    if form.validate_on_submit():
        try:
            catalogue.save_section(
                me(), form.data_dict(), course_id=course.id, ip=client_ip(), submission_token=form.submission_token.data
            )
        except catalogue.SectionRefused as exc:
            db.session.rollback()
            _show_beside_fields(form, exc.problems)
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Section created."), "success")
            return redirect(url_for("education.admin_course", course_id=course.id))
    form.ensure_token()
    return render_template(
        "education/admin/section_form.html",
        form=form,
        course=course,
        section=None,
        error=error,
        first_days=catalogue.first_day_range(),
    )


@bp.route("/school-admin/sections/<int:section_id>/edit", methods=["GET", "POST"])
@admin_required
def section_edit(section_id: int):
    section = found(services.section_for_admin, me(), section_id)
    course = section.course
    form = _section_form(section)
    error = None
    if form.validate_on_submit():
        try:
            saved = catalogue.save_section(me(), form.data_dict(), section_id=section.id, ip=client_ip())
        except catalogue.SectionRefused as exc:
            db.session.rollback()
            _show_beside_fields(form, exc.problems)
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            promoted, told = len(saved.promoted), saved.told
            db.session.commit()
            flash(_("Saved."), "success")
            if promoted:
                flash(_moved_up(promoted), "success")
            if told:
                flash(
                    ngettext(
                        "%(num)s person with a place in this section has been told of the new schedule.",
                        "%(num)s people with a place in this section have been told of the new schedule.",
                        told,
                    ),
                    "success",
                )
            return redirect(url_for("education.admin_course", course_id=course.id))
    return render_template("education/admin/section_form.html", form=form, course=course, section=section, error=error)


@bp.route("/school-admin/courses/<int:course_id>/rules/new", methods=["GET", "POST"])
@admin_required
def rule_new(course_id: int):
    course = found(services.course_for_admin, me(), course_id)
    form = RuleForm()
    form.applies_to.choices = [("course", _("Every section of this course"))] + [
        (str(s.id), _("Section %(id)s only (starts %(date)s)", id=s.id, date=s.start_date.isoformat()))
        for s in course.sections
    ]
    form.prerequisite.choices = [("", _("Choose a course"))] + [
        (str(c.id), f"{c.shown_title} — {c.institution.shown_name}")
        for c in services.prerequisite_options(me(), course)
    ]
    if request.method == "GET" and request.args.get("section"):
        form.applies_to.data = request.args.get("section")
    error = None
    if form.validate_on_submit():
        section_id = None if form.applies_to.data == "course" else int(form.applies_to.data)
        try:
            catalogue.add_rule(
                me(),
                form.data_dict(),
                course_id=course.id,
                section_id=section_id,
                ip=client_ip(),
                submission_token=form.submission_token.data,
            )
        except NotFound:
            db.session.rollback()
            abort(404)
        except catalogue.RuleRefused as exc:
            db.session.rollback()
            _show_beside_fields(form, exc.problems)
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("Rule added."), "success")
            return redirect(url_for("education.admin_course", course_id=course.id))
    form.ensure_token()
    return render_template("education/admin/rule_form.html", form=form, course=course, error=error)


@bp.route("/school-admin/rules/<int:rule_id>/delete", methods=["GET", "POST"])
@admin_required
def rule_delete(rule_id: int):
    """GET, or a POST without the confirmation (an older page's one-press Remove), shows what removing
    the rule changes and asks; the POST of "Remove this rule" removes it. A rule already removed (a
    second press, the Back button) sends its admin back to the course, saying so."""
    try:
        rule = services.rule_for_admin(me(), rule_id)
    except NotFound:
        return _rule_gone(rule_id)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if request.form.get("confirm") == "remove":
            try:
                removed = catalogue.remove_rule(me(), rule.id, ip=client_ip())
            except NotFound:  # removed by another press in the meantime
                db.session.rollback()
                return _rule_gone(rule_id)
            db.session.commit()
            flash(_("Rule removed."), "success")
            if removed.promoted:
                flash(_moved_up(len(removed.promoted)), "success")
            return redirect(url_for("education.admin_course", course_id=removed.course_id))
    return render_template("education/admin/rule_delete.html", removal=catalogue.rule_removal(me(), rule.id), form=form)


def _moved_up(promoted: int) -> str:
    return ngettext(
        "%(num)s person moved up from the waitlist into a seat and has been told.",
        "%(num)s people moved up from the waitlist into seats and have been told.",
        promoted,
    )


def _rule_gone(rule_id: int):
    """A rule that is not there: back to its course if this admin removed it or may see it removed, else 404."""
    if (course_id := catalogue.removed_rule_course(me(), rule_id)) is None:
        abort(404)
    flash(_("This rule has already been removed."), "success")
    return redirect(url_for("education.admin_course", course_id=course_id))


@bp.route("/school-admin/approvals")
@admin_required
def approvals():
    queue = services.approvals_queue(me())
    # Requests for cohorts that have ended can only be declined: they are listed apart, after the rest.
    ended = [e for e in queue if services.has_ended(e.section)]
    queue = [e for e in queue if e not in ended]
    # Approving takes one of the seats this person could take, or puts them on the waitlist.
    seats = {e.id: services.seats_left_for(person_of(e), e.section) for e in queue}
    return render_template("education/admin/approvals.html", queue=queue, ended=ended, seats=seats, form=ConfirmForm())


@bp.route("/school-admin/enrolments/<int:enrolment_id>/approve", methods=["POST"])
@admin_required
def approve(enrolment_id: int):
    enrolment = found(services.enrolment_for_admin, me(), enrolment_id)
    roster = url_for("education.roster", section_id=enrolment.section_id)
    from_roster = request.form.get("back") == "roster"
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        enrolment = services.approve(me(), enrolment_id, ip=client_ip())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        if enrolment.status == "enrolled":
            message, category = _("%(name)s is enrolled.", name=enrolment.person_name), "success"
        else:
            message = _(
                "No seat was left: %(name)s is on the waitlist (number %(position)s) and has been told.",
                name=enrolment.person_name,
                position=services.waitlist_position(enrolment),
            )
            category = "warning"
        if not from_roster:  # the approved row leaves the queue, and its link with it
            message = Markup('{} <a href="{}">{}</a>').format(message, roster, _("Open the roster"))
        flash(message, category)
    return redirect(roster if from_roster else url_for("education.approvals"))


@bp.route("/school-admin/enrolments/<int:enrolment_id>/reject", methods=["GET", "POST"])
@admin_required
def reject(enrolment_id: int):
    enrolment = found(services.enrolment_for_admin, me(), enrolment_id)
    form = RejectForm()
    error = None
    try:
        services.check_can_reject(enrolment)
    except DomainError as exc:  # an old link: explained, with no form to send
        return render_template("education/admin/reject.html", form=None, enrolment=enrolment, error=str(exc))
    if form.validate_on_submit():
        try:
            services.reject(me(), enrolment.id, form.reason.data, ip=client_ip())
        except DomainError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("%(name)s has been told the reason.", name=enrolment.person_name), "success")
            return redirect(url_for("education.roster", section_id=enrolment.section_id))
    return render_template("education/admin/reject.html", form=form, enrolment=enrolment, error=error)


@bp.route("/school-admin/sections/<int:section_id>/roster")
@admin_required
def roster(section_id: int):
    section = found(services.section_for_admin, me(), section_id)
    return render_template(
        "education/admin/roster.html",
        roster=exports.roster(section),
        section=section,
        form=ConfirmForm(),
        can_complete=services.can_record_completion(section),
        completion_opens=services.completion_opens(section),
        ended=services.has_ended(section),
    )


@bp.route("/school-admin/sections/<int:section_id>/roster.csv")
@admin_required
def roster_csv(section_id: int):
    section = found(services.section_for_admin, me(), section_id)
    return Response(
        "\ufeff" + exports.roster_csv(section),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=section-{section.id}-roster.csv"},
    )


@bp.route("/school-admin/sections/<int:section_id>/complete", methods=["POST"])
@admin_required
def complete(section_id: int):
    """Records completion of the ticked people, from the cohort's last day on; before it, says from when."""
    section = found(services.section_for_admin, me(), section_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ids = [i for i in request.form.getlist("enrolment") if i.isascii() and i.isdigit() and len(i) <= 18]
    try:
        done = services.complete(me(), section.id, ids, ip=client_ip())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            ngettext("%(num)s person marked as completed.", "%(num)s people marked as completed.", len(done)), "success"
        )
    return redirect(url_for("education.roster", section_id=section.id))


@bp.route("/school-admin/bulk", methods=["GET", "POST"])
@admin_required
def bulk_enrol():
    form = BulkForm()
    report, error = None, None
    if form.validate_on_submit():
        apply = request.form.get("action") == "apply"
        raw = None
        upload = form.file.data
        if upload and getattr(upload, "filename", ""):
            raw = upload.read(bulk.MAX_BYTES + 1)
        elif apply and form.content.data:
            raw = form.content.data.encode("utf-8")
        if raw is None:
            # At the field, as every form shows a problem: the summary links to it and it is said beside it.
            form.file.errors = [*form.file.errors, _("Choose a CSV file to upload.")]
        else:
            try:
                report = bulk.run(me(), raw, apply=apply, mode=form.mode.data, ip=client_ip())
            except services.InvalidCSV as exc:
                db.session.rollback()
                if upload and getattr(upload, "filename", ""):  # the file just chosen: said at its field
                    form.file.errors = [*form.file.errors, str(exc)]
                else:
                    error = str(exc)
            except DomainError as exc:
                db.session.rollback()
                error = str(exc)
            else:
                if report.applied:
                    db.session.commit()
                else:
                    db.session.rollback()
                if not report.applied:  # checked, or refused whole: enrol from it without uploading again
                    form.content.data = raw.decode("utf-8-sig")
    return render_template(
        "education/admin/bulk.html",
        form=form,
        report=report,
        error=error,
        sections=bulk.current_sections(me()),
        upload_hint=bulk.upload_hint(),
    )


bulk_enrol.upload_limit = bulk.max_size  # what the page refusing a too large request says it takes
