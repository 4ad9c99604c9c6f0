"""Each figure of the dashboard: a table (always) and a chart (most), built from the services' aggregates.

The same figure feeds the page, its CSV download and its slide in presentation mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import clock
from portal.auth.services import OfficialScope
from portal.bilingual import in_language, in_urdu
from portal.collation import urdu_key
from portal.dashboard import charts, services
from portal.dashboard.services import Filters
from portal.districts import district_label, in_district_order
from portal.education.models import CATEGORIES


@dataclass
class Table:
    id: str
    caption: object
    columns: list[tuple[str, object, str]]  # (key, heading, kind: text|int|pct|days|date|district|category)
    rows: list[dict]
    sortable: bool = False
    sort: str | None = None
    descending: bool = False
    link_district: bool = False


@dataclass
class Figure:
    key: str
    title: object
    table: Table
    chart: charts.Chart | None = None
    notes: list = field(default_factory=list)
    page: str = "health"
    day: date | None = None  # a figure of one day, whatever the dates chosen (what was done today)


HEALTH_SERIES = (
    ("booked", _l("Booked")),
    ("seen", _l("Seen")),
    ("no_show", _l("No-show")),
    ("cancelled", _l("Cancelled")),
)
EDUCATION_SERIES = (
    ("enrolled", _l("Got a seat")),
    ("waitlisted", _l("On the waitlist")),
    ("pending", _l("Waiting for approval")),
    ("other", _l("Dropped or refused")),
)


# What people did, in the order of the table; the first four are appointments (counted for the service
# chosen), the others enrolments (for the category chosen). Counted when it was done: services.activity.
ACTIVITY_ROWS = (
    ("booked", _l("Appointments booked")),
    ("cancelled", _l("Appointments cancelled")),
    ("checked_in", _l("People checked in at a clinic")),
    ("seen", _l("People seen at a clinic")),
    ("enrolments", _l("Enrolments made")),
    ("requests", _l("Requests made today, waiting for approval")),
    ("waitlisted", _l("People put on a waitlist")),
    ("dropped", _l("People who left a course or a waitlist")),
    ("removed", _l("People removed from a course by the school")),
    ("refused", _l("Refused for capacity")),
)


def today(f: Filters, scope: OfficialScope, **_kw) -> Figure:
    """What people did on the portal today (Karachi), in the place, service and category of the
    filters, whatever their dates: a booking made a moment ago counts today, whatever its visit day."""
    day = clock.today()
    counts = services.activity(replace(f, start=day, end=day))
    table = Table(
        "today",
        _l("What people did on the portal today"),
        [("what", _l("What was done"), "text"), ("count", _l("Today"), "int")],
        [{"what": label, "count": counts[key]} for key, label in ACTIVITY_ROWS],
    )
    notes = [
        _l(
            "Counted at the moment each thing was done, since midnight (Pakistan time), whatever the dates "
            "chosen: an appointment booked today counts here whatever the day of the visit."
        ),
        _l(
            "Enrolments made are seats given today: to a person who enrolled, whose request was approved or "
            "who moved up from a waitlist. A request waiting for approval is not an enrolment: it is counted "
            "apart until it is approved or declined."
        ),
        _l(
            "A seat the school takes back later stays an enrolment of the day it was given; the removal "
            "is counted on the day it is made. People checked in and seen are counted on the day the "
            "clinic marked them."
        ),
        _l("What is done on the portal now shows here within about a minute."),
    ]
    return Figure("today", _l("Today on the portal"), table, None, notes=notes, page="overview", day=day)


def health_daily(f: Filters, scope: OfficialScope, **_kw) -> Figure:
    rows = services.appointments_per_day(f)
    title = _l("Appointments per day")
    chart = charts.stacked_columns(
        "chart-health-daily", title, _l("Day"), _l("Appointments"), rows, list(HEALTH_SERIES)
    )
    table = Table(
        "health_daily",
        _l("Appointments per day, by status"),
        [("day", _l("Day"), "date")] + [(k, label, "int") for k, label in HEALTH_SERIES],
        rows,
    )
    return Figure("health_daily", title, table, chart)


def health_services(f: Filters, scope: OfficialScope, **_kw) -> Figure:
    # Named in the page's language; the cached figures hold both names (.get: figures cached before them).
    rows = [{**r, "service": in_language(r["service"], r.get("service_ur"))} for r in services.busiest_services(f)]
    title = _l("Busiest services")
    chart = charts.horizontal_bars(
        "chart-health-services",
        title,
        _l("Places taken"),
        _l("Service"),
        [(r["service"], r["appointments"]) for r in rows],
    )
    table = Table(
        "health_services",
        _l("Busiest services: places taken and utilisation"),
        [
            ("service", _l("Service"), "text"),
            ("appointments", _l("Places taken"), "int"),
            ("clinics", _l("Clinics"), "int"),
            ("utilisation", _l("Utilisation"), "pct"),
        ],
        rows,
    )
    return Figure("health_services", title, table, chart)


def _names_in_readers_order(rows: list[dict], sort: str, descending: bool) -> list[dict]:
    """Rows of a table sorted by the clinic's or the district's name (``sort``), in the order of the
    names the reader sees. The services sort by the English names (their figures are shared by both
    languages); in Urdu the shown names are sorted here, in Urdu alphabetical order, before any limit."""
    if sort not in ("clinic", "district") or not in_urdu():
        return rows

    def key(row):
        district = urdu_key(district_label(row.get("district", "")))
        clinic = urdu_key(row.get("clinic", ""))
        return (clinic, district) if sort == "clinic" else (district, clinic)

    return sorted(rows, key=key, reverse=descending)


def _leaders(rows: list[dict], rank, n: int, title_first_n, title_all) -> tuple[list[dict], object]:
    """The first ``n`` of ``rows`` ranked by ``rank`` (a sort key), for a chart, and its title: the one
    that says "the first n" when some were left out, the other when all are drawn."""
    ranked = sorted(rows, key=rank)
    return ranked[:n], title_first_n if len(ranked) > n else title_all


def _clinic_shown(row: dict) -> str:
    """A clinic of the league in the reader's language, marked when it has been closed down since (it
    is listed for the period it worked in)."""
    name = in_language(row["clinic"], row.get("clinic_ur"))
    return _("%(clinic)s (closed down)", clinic=name) if row.get("closed") else name


def clinics(f: Filters, scope: OfficialScope, sort: str = "appointments", descending: bool = True, **_kw) -> Figure:
    """The league table, by default the busiest clinic first (the order its header shows: "Places taken ▼"),
    and a chart of the clinics with the highest utilisation, in that order, whatever the table's sort."""
    if sort not in services.LEAGUE_COLUMNS:
        sort, descending = "appointments", True
    rows = [{**r, "clinic": _clinic_shown(r)} for r in services.clinic_league(f, sort, descending)]
    rows = _names_in_readers_order(rows, sort, descending)
    title = _l("League table of clinics")
    table = Table(
        "clinics",
        _l("Clinics: places taken, utilisation, no-show rate and days to the next free place"),
        [
            ("clinic", _l("Clinic"), "text"),
            ("district", _l("District"), "district"),
            ("appointments", _l("Places taken"), "int"),
            ("utilisation", _l("Utilisation"), "pct"),
            ("no_show_rate", _l("No-show rate"), "pct"),
            ("days_to_free", _l("Median days to next free place"), "days"),
        ],
        rows,
        sortable=True,
        sort=sort,
        descending=descending,
    )
    # Ranked by what the chart draws; among equals the busier clinic first.
    ranked, chart_title = _leaders(
        [r for r in rows if r["utilisation"] is not None],
        lambda r: (-r["utilisation"], -r["appointments"], r["clinic"]),
        10,
        _l("The ten clinics with the highest utilisation"),
        _l("Clinics by utilisation, highest first"),
    )
    chart = None
    if ranked:
        chart = charts.horizontal_bars(
            "chart-clinics",
            chart_title,
            _l("Utilisation"),
            _l("Clinic"),
            [(r["clinic"], r["utilisation"]) for r in ranked],
            percent=True,
        )
    notes = [
        _l(
            "A clinic closed down since is still listed for a period in which it took or offered places, "
            "marked “closed down”, so that the clinics add up to the places taken."
        )
    ]
    return Figure("clinics", title, table, chart, notes=notes)


def health_districts(f: Filters, scope: OfficialScope, **_kw) -> Figure:
    by = services.health_by_district(f)
    districts = in_district_order(services.visible_districts(scope)) if not f.district else [f.district]
    rows = [{"district": d, **by[d]} for d in districts]
    title = _l("Utilisation by district")
    chart = charts.horizontal_bars(
        "chart-health-districts",
        title,
        _l("Utilisation"),
        _l("District"),
        [(district_label(r["district"]), r["utilisation"]) for r in rows],
        percent=True,
    )
    table = Table(
        "health_districts",
        _l("Health by district"),
        [
            ("district", _l("District"), "district"),
            ("appointments", _l("Places taken"), "int"),
            ("utilisation", _l("Utilisation"), "pct"),
            ("no_show_rate", _l("No-show rate"), "pct"),
        ],
        rows,
        link_district=True,
    )
    return Figure("health_districts", title, table, chart)


def education_daily(f: Filters, scope: OfficialScope, **_kw) -> Figure:
    rows = services.enrolments_per_day(f)
    # Every application, whatever became of it (a seat, the waitlist, a request waiting for approval):
    # not only the enrolments, which are the seats given.
    title = _l("Applications over time")
    chart = charts.stacked_columns(
        "chart-education-daily", title, _l("Day of application"), _l("Applications"), rows, list(EDUCATION_SERIES)
    )
    table = Table(
        "education_daily",
        _l("Applications per day, by what they are now"),
        [("day", _l("Day"), "date")] + [(k, label, "int") for k, label in EDUCATION_SERIES],
        rows,
    )
    return Figure("education_daily", title, table, chart, page="education")


def education_fill(f: Filters, scope: OfficialScope, **_kw) -> Figure:
    rows = services.fill_by_category(f)
    title = _l("Seat fill rate by category")
    chart = charts.horizontal_bars(
        "chart-education-fill",
        title,
        _l("Seats taken"),
        _l("Category"),
        [(str(CATEGORIES[r["category"]]), r["fill_rate"]) for r in rows],
        percent=True,
    )
    table = Table(
        "education_fill",
        _l("Seats taken of seats offered, by category"),
        [
            ("category", _l("Category"), "category"),
            ("sections", _l("Sections"), "int"),
            ("seats", _l("Seats"), "int"),
            ("seats_taken", _l("Seats taken"), "int"),
            ("fill_rate", _l("Fill rate"), "pct"),
        ],
        rows,
    )
    return Figure("education_fill", title, table, chart, page="education")


def unmet_category(f: Filters, scope: OfficialScope, **_kw) -> Figure:
    rows = services.unmet_by_category(f)
    title = _l("Unmet demand by category")
    chart = charts.horizontal_bars(
        "chart-unmet-category",
        _l("People on waitlists, by category"),
        _l("People waiting"),
        _l("Category"),
        [(str(CATEGORIES[r["category"]]), r["waitlist"]) for r in rows],
        key="waitlist",
    )
    table = Table(
        "unmet_category",
        _l("Unmet demand by category: waitlist now and refusals for lack of capacity"),
        [
            ("category", _l("Category"), "category"),
            ("waitlist", _l("On the waitlist"), "int"),
            ("refused", _l("Refused for capacity"), "int"),
        ],
        rows,
    )
    return Figure("unmet_category", title, table, chart, page="education")


def unmet_district(f: Filters, scope: OfficialScope, **_kw) -> Figure:
    rows = _names_in_readers_order(
        [r for r in services.unmet_by_district(f) if scope.allows(r["district"])], "district", False
    )
    title = _l("Unmet demand by district")
    table = Table(
        "unmet_district",
        _l("Unmet demand by district: waitlist now and refusals for lack of capacity"),
        [
            ("district", _l("District"), "district"),
            ("waitlist", _l("On the waitlist"), "int"),
            ("refused", _l("Refused for capacity"), "int"),
        ],
        rows,
        link_district=True,
    )
    # The districts where most people are left without a seat, ranked by the whole bar that is drawn:
    # the waitlist and the refusals stacked. Districts with neither are in the table, not the chart.
    ranked, chart_title = _leaders(
        [r for r in rows if r["waitlist"] + r["refused"] > 0],
        lambda r: (-(r["waitlist"] + r["refused"]), -r["waitlist"], r["district"]),
        12,
        _l("The twelve districts with the most unmet demand"),
        _l("Districts with unmet demand, most first"),
    )
    chart = None
    if ranked:
        chart = charts.stacked_bars(
            "chart-unmet-district",
            chart_title,
            _l("People waiting or refused"),
            _l("District"),
            [(district_label(r["district"]), r) for r in ranked],
            [("waitlist", _l("On the waitlist")), ("refused", _l("Refused for capacity"))],
        )
    return Figure("unmet_district", title, table, chart, page="education")


def districts(f: Filters, scope: OfficialScope, sort: str = "district", descending: bool = False, **_kw) -> Figure:
    if sort not in services.DISTRICT_COLUMNS:
        sort, descending = "district", False
    rows = _names_in_readers_order(services.district_table(f, scope, sort, descending), sort, descending)
    title = _l("All districts side by side")
    table = Table(
        "districts",
        _l("Key figures of every district"),
        [
            ("district", _l("District"), "district"),
            ("appointments", _l("Places taken"), "int"),
            ("utilisation", _l("Utilisation"), "pct"),
            ("no_show_rate", _l("No-show rate"), "pct"),
            ("enrolments", _l("Enrolments"), "int"),
            ("waitlist", _l("On the waitlist"), "int"),
            ("refused", _l("Refused for capacity"), "int"),
        ],
        rows,
        sortable=True,
        sort=sort,
        descending=descending,
        link_district=True,
    )
    return Figure("districts", title, table, None, page="districts")


FIGURES = {
    "today": today,
    "health_daily": health_daily,
    "health_services": health_services,
    "clinics": clinics,
    "health_districts": health_districts,
    "education_daily": education_daily,
    "education_fill": education_fill,
    "unmet_category": unmet_category,
    "unmet_district": unmet_district,
    "districts": districts,
}
HEALTH_FIGURES = ("health_daily", "health_services", "clinics", "health_districts")
EDUCATION_FIGURES = ("education_daily", "education_fill", "unmet_category", "unmet_district")
# In a demo session the first slide is what the people in the room have just done on their phones.
SLIDES = (
    "today",
    "health_daily",
    "health_services",
    "clinics",
    "health_districts",
    "education_daily",
    "education_fill",
    "unmet_category",
    "unmet_district",
)
