"""Officials' read-only dashboard (issue 5): overview, health, education, districts, CSV, presentation."""

from __future__ import annotations

import csv
import functools
import io
import re

from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.decorators import role_required, wants_json
from portal.auth.errors import NotFound
from portal.auth.models import ROLE_OFFICIAL, ROLE_SUPERADMIN
from portal.auth.services import audit, official_scope
from portal.bilingual import in_language, shown_sorted
from portal.dashboard import bp, services
from portal.dashboard.figures import EDUCATION_FIGURES, FIGURES, HEALTH_FIGURES, SLIDES
from portal.dashboard.forms import DemoResetForm
from portal.database import read_only
from portal.districts import district_label, in_district_order
from portal.education.models import CATEGORIES
from portal.extensions import cache, db
from portal.spreadsheets import spreadsheet_safe
from portal.validation import name_key


def _context(with_problems: bool = False):
    scope = official_scope(current_user)
    if scope is None:  # pragma: no cover - role_required already refused
        abort(403)
    try:
        filters, problems = services.read_filters(request.args, scope)
    except NotFound:
        abort(404)
    return (scope, filters, problems) if with_problems else (scope, filters)


def _date_problem(field: str, problem: str) -> str:
    """What is wrong with a date typed in the filters, in the page's language."""
    if problem == services.DATE_INVALID:
        return _("Enter a real date, for example %(example)s.", example="2026-03-01")
    if problem == services.DATE_OUT_OF_RANGE:
        return _(
            "Enter a date from %(earliest)s to %(latest)s.",
            earliest=format_date(services.EARLIEST, "medium"),
            latest=format_date(services.LATEST, "medium"),
        )
    if problem == services.END_IN_FUTURE:
        return _(
            "This date is in the future and the “From” date could not be used, so the last %(days)s days "
            "up to today are shown.",
            days=services.DEFAULT_PAST_DAYS,
        )
    if problem == services.DATE_REVERSED:
        return _("This date is before the “From” date.") if field == "end" else _("This date is after the “To” date.")
    return _("The period can be at most %(days)s days.", days=services.MAX_RANGE_DAYS)


def _date_fields(filters, problems: dict) -> dict:
    """The From and To fields of the filter form: the value to show (when a date was wrong, what was
    typed in both, so that it can be put right) and the error to show next to it, which says what is
    shown instead."""
    instead = _(
        "Showing %(start)s to %(end)s instead.",
        start=format_date(filters.start, "medium"),
        end=format_date(filters.end, "medium"),
    )
    fields = {}
    for name, used in (("start", filters.start), ("end", filters.end)):
        problem, typed = problems.get(name), request.args.get(name, "").strip()[:40]
        fields[name] = {
            "value": typed if problems and typed else used.isoformat(),
            "error": f"{_date_problem(name, problem)} {instead}" if problem else None,
        }
    return fields


def _sort_args() -> dict:
    """The column the person sorted by. With none (or one that is not a column) each table keeps its
    own default order, the one its header shows (the clinics: most places taken first)."""
    return {"sort": request.args.get("sort", ""), "descending": request.args.get("dir", "") == "desc"}


class Deferred:
    """A value the page may not need, computed when the template first uses it: a dashboard page
    whose body comes from the cache then skips the figures' lookups altogether."""

    def __init__(self, compute, *args, **kwargs):
        self._compute = functools.partial(compute, *args, **kwargs)
        self._done, self._value = False, None

    def get(self):
        if not self._done:
            self._value, self._done = self._compute(), True
        return self._value

    def __getattr__(self, name):
        return getattr(self.get(), name)

    def __getitem__(self, key):
        return self.get()[key]

    def __iter__(self):
        return iter(self.get())

    def __len__(self):
        return len(self.get())

    def __bool__(self):
        return bool(self.get())


def _page_key(scope) -> str:
    """Officials who see the same districts, in the same language, with the same filters, see the
    same page body: it is rendered once and shared for DASHBOARD_PAGE_SECONDS (the header, with the
    official's own name, is rendered for each)."""
    seen = "province" if scope.province else ",".join(sorted(scope.districts))
    return f"dashboard-page:{get_locale()}:{seen}:{request.full_path}"


def _service_choices(filters) -> list[tuple[str, str | None]]:
    """The services to filter by, in the reader's order. The service chosen is always one of them,
    shown selected: chosen in one district and kept when the official moves to a district that has
    none of it, it would otherwise be a filter the page applies (every figure nil) but does not show,
    with "All services" on display. A service is listed once for all the names people could not tell
    apart (portal.validation.name_key); one chosen by another of them ("General  opd", from an older
    link) is listed by that one."""
    choices = list(services.service_choices(filters))
    if filters.service:
        chosen = name_key(filters.service)
        kept = [(name, name_ur) for name, name_ur in choices if name_key(name) != chosen]
        name_ur = next((name_ur for name, name_ur in choices if name_key(name) == chosen), None)
        choices = [*kept, (filters.service, name_ur)]
    return shown_sorted(choices, lambda s: in_language(*s))


def _render(template: str, scope, filters, problems=None, **extra):
    return render_template(
        template,
        scope=scope,
        filters=filters,
        date_fields=_date_fields(filters, problems or {}),
        districts=in_district_order(services.visible_districts(scope)),
        categories=CATEGORIES,
        # Figures are shared by both languages: the names are put in the reader's order here.
        service_choices=Deferred(_service_choices, filters),
        page_key=_page_key(scope),
        page_seconds=current_app.config["DASHBOARD_PAGE_SECONDS"],
        **extra,
    )


@bp.get("/")
@read_only
@role_required(ROLE_OFFICIAL)
def index():
    scope, filters, problems = _context(with_problems=True)
    return _render(
        "dashboard/index.html",
        scope,
        filters,
        problems,
        today=Deferred(FIGURES["today"], filters, scope),
        health=Deferred(services.health_summary, filters),
        education=Deferred(services.education_summary, filters),
    )


@bp.get("/health")
@read_only
@role_required(ROLE_OFFICIAL)
def health():
    scope, filters, problems = _context(with_problems=True)
    sort = _sort_args()

    def figures():
        return [
            FIGURES[key](filters, scope, **(sort if key == "clinics" else {}))
            for key in HEALTH_FIGURES
            if not (key == "health_districts" and filters.district)
        ]

    return _render(
        "dashboard/health.html",
        scope,
        filters,
        problems,
        summary=Deferred(services.health_summary, filters),
        figures=Deferred(figures),
        league_limit=25,
    )


@bp.get("/education")
@read_only
@role_required(ROLE_OFFICIAL)
def education():
    scope, filters, problems = _context(with_problems=True)

    def figures():
        return [
            FIGURES[key](filters, scope)
            for key in EDUCATION_FIGURES
            if not (key == "unmet_district" and filters.district)
        ]

    return _render(
        "dashboard/education.html",
        scope,
        filters,
        problems,
        summary=Deferred(services.education_summary, filters),
        figures=Deferred(figures),
    )


@bp.get("/districts")
@read_only
@role_required(ROLE_OFFICIAL)
def districts():
    scope, filters, problems = _context(with_problems=True)
    figure = Deferred(FIGURES["districts"], filters, scope, **_sort_args())
    return _render("dashboard/districts.html", scope, filters, problems, figure=figure)


@bp.get("/present/<int:number>")
@read_only
@role_required(ROLE_OFFICIAL)
def present(number: int):
    scope, filters, problems = _context(with_problems=True)
    keys = [k for k in SLIDES if not (filters.district and k in ("health_districts", "unmet_district"))]
    if not 1 <= number <= len(keys):
        abort(404)
    figure = FIGURES[keys[number - 1]](filters, scope)
    # A slide has no form: the service or the category its figure counts is said beside the place
    # (what was done today counts both: appointments of the service, enrolments of the category).
    counted_for = []
    if filters.service and figure.key not in EDUCATION_FIGURES:
        counted_for.append(next(in_language(*s) for s in _service_choices(filters) if s[0] == filters.service))
    if filters.category and figure.key not in HEALTH_FIGURES:
        counted_for.append(str(CATEGORIES[filters.category]))
    return _render(
        "dashboard/present.html",
        scope,
        filters,
        problems,
        figure=figure,
        number=number,
        total=len(keys),
        counted_for=counted_for,
    )


def _csv_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "pct":
        return f"{value * 100:.1f}"
    if kind == "days":
        return f"{value:g}"
    text = str(value)
    if kind == "category":
        text = str(CATEGORIES.get(value, value))
    elif kind == "district":
        text = district_label(value)
    return spreadsheet_safe(text)


@bp.get("/export/<name>.csv")
@read_only
@role_required(ROLE_OFFICIAL)
def export(name: str):
    if name not in FIGURES:
        abort(404)
    scope, filters, problems = _context(with_problems=True)
    if problems:
        # A download is not a page that can say "showing … instead": a spreadsheet or a script asking
        # for dates that are not right is told so, rather than given the figures of other dates.
        wrong = {name: _date_problem(name, problem) for name, problem in problems.items()}
        title = _("The dates of this download are not right")
        if wants_json():
            return jsonify(error=400, message=title, fields=wrong), 400
        labels = {"start": _("From"), "end": _("To")}
        detail = " ".join(f"{labels[name]}: {message}" for name, message in wrong.items())
        return render_template("errors/error.html", code=400, title=title, detail=detail), 400
    figure = FIGURES[name](filters, scope, **(_sort_args() if name in ("clinics", "districts") else {}))
    table = figure.table
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(heading) + (" (%)" if kind == "pct" else "") for _key, heading, kind in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(row.get(key), kind) for key, _heading, kind in table.columns])
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM so that spreadsheet programs read Urdu text as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_export_filename(name, filters, figure.day)}"'},
    )


def _export_filename(name: str, filters, day=None) -> str:
    """The download's file name, e.g. clinics-lahore-dental-opd-2026-02-01-2026-03-02.csv: the figure,
    the place, the service (of a health figure) or category (of an education figure) it was filtered
    by, and the dates (the one ``day`` of a figure of one day), so that a file passed on does not pass
    for every service's."""
    parts = [name, filters.district or "punjab"]
    if filters.service and name not in EDUCATION_FIGURES:
        parts.append(filters.service)
    if filters.category and name not in HEALTH_FIGURES:
        parts.append(filters.category)
    slug = "-".join(re.sub(r"[^a-z0-9]+", "-", part.lower()).strip("-") for part in parts)
    return f"{slug}-{day}.csv" if day else f"{slug}-{filters.start}-{filters.end}.csv"


@bp.app_template_filter("dashboard_cell")
def dashboard_cell(value, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return format_percent(value, "#,##0.0%")
    if kind == "pct0":
        return format_percent(value, "#,##0%")
    if kind == "int":
        return format_decimal(value)
    if kind == "days":
        return format_decimal(value, "#,##0.#")
    if kind == "category":
        return str(CATEGORIES.get(value, value))
    if kind == "district":
        return district_label(value)
    if kind == "date":
        return format_date(value, "medium")
    return str(value)


# --- demo reset (superadmin, DEMO_MODE only) ----------------------------------------------------


@bp.route("/demo-reset", methods=["GET", "POST"])
@role_required(ROLE_SUPERADMIN)
def demo_reset():
    if not current_app.config.get("DEMO_MODE"):
        abort(404)
    from portal.database import no_statement_timeout_in_this_transaction
    from portal.demo.seed import reset_demo_data, seed, seed_punjab

    form = DemoResetForm()
    if form.validate_on_submit():
        size = form.size.data
        no_statement_timeout_in_this_transaction()  # a whole dataset deleted and seeded
        reset_demo_data(keep_user_ids=(current_user.id,))
        seed(size=size)
        seed_punjab(size=size)
        audit("demo.reset", actor=current_user, ip=request.remote_addr, size=size)
        db.session.commit()
        cache.clear()  # figures and shared pages of the old data
        flash(_("The demo data has been reset."), "success")
        return redirect(url_for("dashboard.demo_reset"))
    return render_template("dashboard/demo_reset.html", form=form), 400 if form.errors else 200
