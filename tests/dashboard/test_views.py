"""Pages, scope, CSV downloads, presentation mode and the demo reset action."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.conftest import csrf_token
from tests.dashboard.conftest import EDU_RANGE, HEALTH_RANGE

PAGES = ("/dashboard/", "/dashboard/health", "/dashboard/education", "/dashboard/districts", "/dashboard/present/1")


@pytest.mark.parametrize("path", PAGES)
def test_pages_render_for_provincial_official(client, auth, dataset, provincial, path):
    auth.login(provincial)
    response = client.get(path, query_string=HEALTH_RANGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1
    assert 'style="' not in html
    # Valid HTML: an <svg> takes SVG's direction attribute, not HTML's dir (the W3C validator refuses it).
    charts = re.findall(r"<svg\b[^>]*>", html)
    assert not [tag for tag in charts if re.search(r"\sdir=", tag)]
    assert all('direction="ltr"' in tag for tag in charts if 'class="chart ' in tag)


@pytest.mark.parametrize("path", PAGES[:4])
def test_pages_say_how_fresh_their_figures_are(client, auth, dataset, provincial, path):
    """An official who has just watched a booking made live is told why it may not show yet."""
    auth.login(provincial)
    html = client.get(path, query_string=HEALTH_RANGE).get_data(as_text=True)
    assert "The figures are brought up to date about once a minute." in html
    with client.session_transaction() as session:
        session["lang"] = "ur"
    assert "اعداد و شمار تقریباً ہر منٹ بعد تازہ کیے جاتے ہیں۔" in client.get(path, query_string=HEALTH_RANGE).get_data(
        as_text=True
    )


def test_health_page_shows_figures_chart_and_table(client, auth, dataset, provincial):
    auth.login(provincial)
    html = client.get("/dashboard/health", query_string=HEALTH_RANGE).get_data(as_text=True)
    assert '<svg class="chart chart-columns chart-wide"' in html and 'role="img"' in html
    assert '<title id="chart-health-daily-title">Appointments per day</title>' in html
    assert "Clinic A" in html and "Clinic B" in html
    assert "63.6%" in html  # utilisation 7 of 11 places
    assert "28.6%" in html  # no-show rate 2 of 7
    assert "/dashboard/export/clinics.csv" in html


def test_a_charts_table_is_folded_under_it_and_open_once_sorted(client, auth, dataset, provincial):
    """On a phone every table is a column of cards: under a chart (the same figures) it is folded."""
    auth.login(provincial)
    html = client.get("/dashboard/health", query_string=HEALTH_RANGE).get_data(as_text=True)
    assert html.count('<details class="figure-table">') >= 3
    assert '<details class="figure-table" open>' not in html
    assert "<summary>The figures as a table</summary>" in html
    assert 'id="table-clinics"' in html  # still on the page, for screen readers and the CSV link
    sorted_page = client.get("/dashboard/health", query_string={**HEALTH_RANGE, "sort": "clinic", "dir": "asc"})
    assert sorted_page.get_data(as_text=True).count('<details class="figure-table" open>') == 1


def test_filters_round_trip_in_links(client, auth, dataset, provincial):
    auth.login(provincial)
    html = client.get(
        "/dashboard/health", query_string={**HEALTH_RANGE, "district": "Multan", "service": "Dental OPD"}
    ).get_data(as_text=True)
    assert "Clinic B" in html and "Clinic A" not in html
    assert "district=Multan" in html and "service=Dental+OPD" in html and "start=2026-02-23" in html


def _selected(html: str, name: str) -> str | None:
    """The value of the option shown selected in the filter form's visible select ``name``."""
    select = re.search(rf'<select id="f-{name}" name="{name}">(.*?)</select>', html, re.S)
    if select is None:
        return None
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(1))
    return chosen.group(1) if chosen else ""


@pytest.mark.parametrize("path", ["/dashboard/", "/dashboard/districts"])
def test_the_overview_and_districts_show_the_service_and_category_they_count(client, auth, dataset, provincial, path):
    """The subnav carries the detail pages' filters to the overview and the districts table, whose
    figures then count only that service and that category: the form must show them, where they can
    be set back to "All"."""
    auth.login(provincial)
    query = {**HEALTH_RANGE, "service": "Dental OPD", "category": "ai_data"}
    html = client.get(path, query_string=query).get_data(as_text=True)
    assert _selected(html, "service") == "Dental OPD"
    assert _selected(html, "category") == "ai_data"
    assert 'type="hidden" name="service"' not in html and 'type="hidden" name="category"' not in html
    plain = client.get(path, query_string=HEALTH_RANGE).get_data(as_text=True)
    assert _selected(plain, "service") == "" and _selected(plain, "category") == ""


def test_a_service_the_district_does_not_offer_stays_shown_as_chosen(client, auth, dataset, provincial):
    """Dental OPD chosen, then the district changed to Lahore (which has none): the figures are of
    Dental OPD in Lahore, and the form must say so rather than show "All services"."""
    auth.login(provincial)
    html = client.get(
        "/dashboard/health", query_string={**HEALTH_RANGE, "district": "Lahore", "service": "Dental OPD"}
    ).get_data(as_text=True)
    assert _selected(html, "service") == "Dental OPD"
    assert '<option value="General OPD">General OPD</option>' in html


def test_a_service_chosen_by_another_spelling_is_listed_once_and_shown_as_chosen(client, auth, dataset, provincial):
    """A link (an older one, or typed) with "general  opd": the figures are General OPD's, and the form
    lists the service once, chosen, not "All services" beside a second General OPD."""
    auth.login(provincial)
    html = client.get("/dashboard/health", query_string={**HEALTH_RANGE, "service": "general  opd"}).get_data(
        as_text=True
    )
    assert _selected(html, "service") == "general  opd"
    assert len(re.findall(r'<option value="general\s+opd"', html, re.IGNORECASE)) == 1


def test_district_official_sees_only_their_district(client, auth, dataset, lahore_official):
    auth.login(lahore_official)
    html = client.get("/dashboard/health", query_string=HEALTH_RANGE).get_data(as_text=True)
    assert "Clinic A" in html and "Clinic B" not in html
    districts = client.get("/dashboard/districts", query_string=HEALTH_RANGE).get_data(as_text=True)
    assert "Multan" not in districts
    for path in ("/dashboard/health", "/dashboard/education", "/dashboard/", "/dashboard/export/clinics.csv"):
        assert client.get(path, query_string={"district": "Multan"}).status_code == 404
    assert client.get("/dashboard/health", query_string={"district": "Lahore"}).status_code == 200


def test_citizen_gets_403_and_visitor_signs_in(client, auth, dataset, make_user):
    assert client.get("/dashboard/").status_code == 302
    auth.login(make_user())
    for path in PAGES + ("/dashboard/export/districts.csv",):
        assert client.get(path).status_code == 403


def test_unknown_district_and_bad_dates(client, auth, dataset, provincial):
    auth.login(provincial)
    assert client.get("/dashboard/health?district=Atlantis").status_code == 404
    assert client.get("/dashboard/health?start=yesterday&end=2026-13-40").status_code == 200
    assert client.get("/dashboard/education?category=<script>").status_code == 200
    assert client.get("/dashboard/districts?sort=nonsense&dir=sideways").status_code == 200
    assert client.get("/dashboard/present/99").status_code == 404
    assert client.get("/dashboard/export/nothing.csv").status_code == 404


def _csv(client, path, **args):
    response = client.get(path, query_string=args)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_a_csv_files_name_says_the_place_service_or_category_and_dates_it_counts(client, auth, dataset, provincial):
    """A file passed on must not pass for every service's: its name carries the filter its figure used
    (a health figure its service, an education figure its category), never one it ignored."""
    auth.login(provincial)

    def filename(name, **args):
        response = client.get(f"/dashboard/export/{name}.csv", query_string=args)
        return response.headers["Content-Disposition"].split('filename="')[1].rstrip('"')

    both = {"service": "Dental OPD", "category": "ai_data", "district": "Dera Ghazi Khan"}
    assert filename("clinics", **HEALTH_RANGE) == "clinics-punjab-2026-02-23-2026-03-01.csv"
    assert filename("clinics", **HEALTH_RANGE, **both) == "clinics-dera-ghazi-khan-dental-opd-2026-02-23-2026-03-01.csv"
    assert filename("education_fill", **EDU_RANGE, **both) == (
        "education-fill-dera-ghazi-khan-ai-data-2026-02-01-2026-03-31.csv"
    )


def test_csv_exports(app, client, auth, dataset, provincial):
    app.config["FIXED_NOW"] = "2026-03-02T02:00:00+00:00"  # Monday 07:00 in Karachi: B's times are still to come
    auth.login(provincial)
    league = _csv(client, "/dashboard/export/clinics.csv", **HEALTH_RANGE)
    assert league[0][0] == "Clinic" and league[0][3] == "Utilisation (%)"
    assert league[1] == ["Clinic A", "Lahore", "5", "62.5", "20.0", "7"]
    assert league[2] == ["Clinic B", "Multan", "2", "66.7", "50.0", "0"]
    daily = _csv(client, "/dashboard/export/health_daily.csv", **HEALTH_RANGE)
    assert len(daily) == 1 + 7
    unmet = _csv(client, "/dashboard/export/unmet_category.csv", **EDU_RANGE)
    assert ["Vocational trades", "2", "1"] in unmet
    districts = _csv(client, "/dashboard/export/districts.csv", sort="refused", dir="desc", **HEALTH_RANGE)
    assert len(districts) == 37 and districts[1][0] == "Multan"
    for name in ("health_services", "health_districts", "education_daily", "education_fill", "unmet_district"):
        assert len(_csv(client, f"/dashboard/export/{name}.csv", **EDU_RANGE)) > 1


def test_csv_cells_cannot_run_as_formulas():
    from portal.dashboard.views import _csv_cell

    assert _csv_cell("=HYPERLINK(1)", "text") == "'=HYPERLINK(1)"
    assert _csv_cell("\t=1+1", "text") == "'\t=1+1" and _csv_cell("Lahore", "text") == "Lahore"
    assert _csv_cell(0.625, "pct") == "62.5"
    assert _csv_cell(None, "int") == ""


def test_district_table_is_sortable_and_links_to_district_view(client, auth, dataset, provincial):
    auth.login(provincial)
    html = client.get(
        "/dashboard/districts", query_string={**HEALTH_RANGE, "sort": "appointments", "dir": "desc"}
    ).get_data(as_text=True)
    table = html[html.index('id="table-districts"') :]
    assert table.index(">Lahore<") < table.index(">Multan<") < table.index(">Attock<")
    assert 'aria-sort="descending"' in html
    assert "/dashboard/health?district=Multan" in html


def test_presentation_mode_links_work_without_js(client, auth, dataset, provincial):
    auth.login(provincial)
    first = client.get("/dashboard/present/1", query_string=HEALTH_RANGE).get_data(as_text=True)
    assert 'id="slide-next"' in first and 'id="slide-prev"' not in first
    assert "/dashboard/present/2?" in first and "js/dashboard.js" in first
    last = client.get("/dashboard/present/9", query_string=HEALTH_RANGE).get_data(as_text=True)
    assert 'id="slide-prev"' in last and 'id="slide-next"' not in last
    # A district view leaves out the by-district slides.
    assert client.get("/dashboard/present/8", query_string={"district": "Lahore"}).status_code == 404


def test_a_slide_says_which_service_or_category_it_counts(client, auth, dataset, provincial):
    """Presentation mode carries the service and category chosen, and has no form to show them: each
    slide says the one its figure counts, beside the place."""
    auth.login(provincial)
    query = {**HEALTH_RANGE, "service": "Dental OPD", "category": "vocational"}
    health = client.get("/dashboard/present/2", query_string=query).text  # appointments per day
    assert '<p class="slide-place">All of Punjab · Dental OPD · Feb 23, 2026 – Mar 1, 2026</p>' in health
    education = client.get("/dashboard/present/6", query_string=query).text  # enrolments over time
    assert '<p class="slide-place">All of Punjab · Vocational trades · Feb 23, 2026 – Mar 1, 2026</p>' in education
    plain = client.get("/dashboard/present/2", query_string=HEALTH_RANGE).text
    assert '<p class="slide-place">All of Punjab · Feb 23, 2026 – Mar 1, 2026</p>' in plain


def test_demo_reset_only_for_superadmin_in_demo_mode(app, client, auth, make_user):
    admin = make_user(roles=["superadmin"])
    auth.login(admin)
    assert client.get("/dashboard/demo-reset").status_code == 404
    app.config["DEMO_MODE"] = True
    token = csrf_token(client, "/dashboard/demo-reset")
    response = client.post("/dashboard/demo-reset", data={"csrf_token": token, "size": "small"})
    assert response.status_code == 302
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.health.models import Appointment

    assert db.session.scalar(select(func.count(Appointment.id))) > 1000
    assert client.post("/dashboard/demo-reset", data={"size": "small"}).status_code == 400  # no CSRF token


def test_demo_reset_with_a_size_not_offered_deletes_nothing_and_says_so_at_the_field(app, client, auth, make_user):
    from sqlalchemy import func, select

    from portal.auth.models import User
    from portal.extensions import db

    admin = make_user(roles=["superadmin"])
    citizen = make_user(full_name="Kept Citizen")
    auth.login(admin)
    app.config["DEMO_MODE"] = True
    users = db.session.scalar(select(func.count(User.id)))
    for size in ("", "huge<script>"):
        response = client.post(
            "/dashboard/demo-reset", data={"csrf_token": csrf_token(client, "/dashboard/demo-reset"), "size": size}
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert 'id="size-error"' in html and 'href="#size"' in html and "huge<script>" not in html
    assert db.session.scalar(select(func.count(User.id))) == users and db.session.get(User, citizen.id)


def test_demo_reset_refused_to_officials(app, client, auth, provincial):
    app.config["DEMO_MODE"] = True
    auth.login(provincial)
    assert client.get("/dashboard/demo-reset").status_code == 403


def test_dashboard_in_urdu(client, auth, dataset, provincial):
    auth.login(provincial)
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get("/dashboard/health", query_string=HEALTH_RANGE).get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert "صحت" in html
    assert "Appointments per day" not in html
    assert "روزانہ اپائنٹمنٹس" in html and "استعمال کی شرح" in html
    for path in ("/dashboard/", "/dashboard/education", "/dashboard/districts", "/dashboard/present/1"):
        assert client.get(path, query_string=HEALTH_RANGE).status_code == 200


def test_figures_are_shared_for_a_minute_per_set_of_filters(app, client, auth, dataset, provincial):
    from sqlalchemy import event

    from portal.extensions import cache, db

    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    queries = []

    def remember(conn, cursor, statement, *args):
        queries.append(statement)

    def aggregates() -> list[str]:
        found = [q for q in queries if "GROUP BY" in q or "count(" in q]
        queries.clear()
        return found

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        auth.login(provincial)
        first = client.get("/dashboard/health", query_string=HEALTH_RANGE).get_data(as_text=True)
        assert len(aggregates()) >= 5
        again = client.get("/dashboard/health", query_string=HEALTH_RANGE).get_data(as_text=True)
        assert aggregates() == []  # the figures came from the cache
        assert "63.6%" in again and again.count("<svg") == first.count("<svg")
        client.get("/dashboard/health", query_string={"start": "2026-02-24", "end": "2026-03-01"})
        assert aggregates()  # another date range is another set of figures
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
        cache.clear()


def test_a_page_body_is_shared_by_officials_who_see_the_same_districts(
    app, client, auth, dataset, provincial, lahore_official, make_user, monkeypatch
):
    from portal.dashboard import services
    from portal.extensions import cache
    from tests.conftest import AuthActions

    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    looked_up = []
    summary = services.health_summary
    monkeypatch.setattr(services, "health_summary", lambda f: looked_up.append(f.district) or summary(f))

    def body(response) -> str:
        html = response.get_data(as_text=True)
        return html[html.index("<h1>") : html.index("</main>")]

    def as_(user, lang="en"):
        other = app.test_client()
        AuthActions(other).login(user)
        with other.session_transaction() as session:
            session["lang"] = lang
        return other.get("/dashboard/", query_string=HEALTH_RANGE)

    try:
        auth.login(provincial)
        first = client.get("/dashboard/", query_string=HEALTH_RANGE)
        assert looked_up == [None]
        colleague = as_(make_user(full_name="Second Provincial", roles=["official"]))
        assert looked_up == [None]  # the body came from the cache: no figures were looked up
        assert body(colleague) == body(first)
        assert "Second Provincial" in colleague.text and "Provincial Official" not in colleague.text
        lahore = as_(lahore_official)  # another set of districts is another page
        assert len(looked_up) == 2 and body(lahore) != body(first)
        urdu = as_(provincial, "ur")  # and so is another language
        assert 'dir="rtl"' in urdu.text and body(urdu) != body(first)
    finally:
        cache.clear()


def test_stale_figures_are_served_while_one_request_recomputes_them(app, dataset, provincial, monkeypatch):
    import time

    from sqlalchemy import event

    from portal.auth.services import official_scope
    from portal.dashboard import services
    from portal.extensions import cache, db

    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    now = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    queries = []

    def remember(conn, cursor, statement, *args):
        queries.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        filters = services.parse_filters(HEALTH_RANGE, official_scope(provincial))
        first = services.health_summary(filters)
        now[0] += services.FIGURES_FRESH_SECONDS + 1  # the figures are now stale
        key_lock = services.figures_key(services.health_summary.__wrapped__, (filters,), {}) + ":computing"
        assert cache.add(key_lock, 1)  # another request is recomputing them
        queries.clear()
        assert services.health_summary(filters) == first and queries == []  # served the stale figures
        cache.delete(key_lock)
        assert services.health_summary(filters) == first and queries  # this request recomputes them
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
        cache.clear()


def test_the_dashboard_still_shows_its_figures_when_the_shared_cache_is_down(
    client, auth, dataset, provincial, monkeypatch
):
    """Redis down must cost officials speed, not the dashboard: the figures are computed for the request."""
    from portal.extensions import cache

    def unreachable(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    auth.login(provincial)
    for method in ("get", "set", "add", "delete"):
        monkeypatch.setattr(cache, method, unreachable)
    html = client.get("/dashboard/health", query_string=HEALTH_RANGE).get_data(as_text=True)
    assert "63.6%" in html and "Clinic A" in html  # the same figures as with the cache


def _add_idle_clinic(name: str = "AAA Clinic") -> None:
    """A Lahore clinic open on Mondays with nobody booked: first in the alphabet, last by places taken."""
    from datetime import date, time

    from portal.extensions import db
    from portal.health.models import Clinic, Service, WeeklyHours
    from portal.health.offered import record_offers

    clinic = Clinic(name=name, type="bhu", district="Lahore", address="Lahore")
    db.session.add(clinic)
    db.session.flush()
    service = Service(clinic_id=clinic.id, name="General OPD", slot_minutes=60, places_per_slot=1, horizon_days=14)
    db.session.add(service)
    db.session.flush()
    db.session.add(WeeklyHours(service_id=service.id, weekday=0, start=time(8), end=time(10)))
    db.session.flush()
    record_offers([service.id], day=date(2026, 1, 1))
    db.session.commit()


@pytest.mark.parametrize("sort", [None, "nonsense"])
def test_the_league_table_is_ranked_by_places_taken_as_its_header_says(client, auth, dataset, provincial, sort):
    _add_idle_clinic()
    auth.login(provincial)
    args = {**HEALTH_RANGE, **({"sort": sort} if sort else {})}
    html = client.get("/dashboard/health", query_string=args).get_data(as_text=True)
    table = html[html.index('id="table-clinics"') :]
    rows = re.findall(r'<th scope="row" data-label="Clinic">\s*([^<]+?)\s*</th>', table)
    assert rows == ["Clinic A", "Clinic B", "AAA Clinic"]
    header = table[: table.index("</thead>")]
    assert 'aria-sort="descending"' in header and 'Places taken <span aria-hidden="true">▼</span>' in header
    league = _csv(client, "/dashboard/export/clinics.csv", **args)
    assert [row[0] for row in league[1:]] == ["Clinic A", "Clinic B", "AAA Clinic"]


def test_the_clinic_chart_shows_the_highest_utilisation_in_order_and_says_so(client, auth, dataset, provincial):
    _add_idle_clinic()
    auth.login(provincial)
    # Whatever the table's order, the chart ranks by what it draws: B 66.7 %, A 62.5 %, AAA 0 %.
    html = client.get("/dashboard/health", query_string={**HEALTH_RANGE, "sort": "clinic", "dir": "asc"}).text
    chart = html[html.index('id="chart-clinics"') : html.index("</svg>", html.index('id="chart-clinics"'))]
    labels = [part.split("<")[0] for part in chart.split('class="bar-label"')[1:]]
    assert [label.split(">", 1)[1] for label in labels] == ["Clinic B", "Clinic A", "AAA Clinic"]
    assert '<p class="chart-title">Clinics by utilisation, highest first</p>' in html


def test_unmet_demand_by_district_draws_the_waitlist_and_refusals_it_ranks_by(app, dataset, provincial, monkeypatch):
    from portal.auth.services import official_scope
    from portal.dashboard import services
    from portal.dashboard.figures import FIGURES

    found = {"Lahore": (16, 1), "Faisalabad": (0, 2), "Multan": (0, 0), "Attock": (2, 0)}
    monkeypatch.setattr(
        services,
        "unmet_by_district",
        lambda f: [{"district": d, "waitlist": w, "refused": r} for d, (w, r) in found.items()],
    )
    scope = official_scope(provincial)
    with app.test_request_context():
        figure = FIGURES["unmet_district"](services.parse_filters(EDU_RANGE, scope), scope)
    bars = figure.chart.bars
    # Ranked by the whole bar drawn (waitlist + refused), districts with neither left to the table.
    assert [(b["label"], b["value"]) for b in bars] == [("Lahore", 17), ("Attock", 2), ("Faisalabad", 2)]
    assert [[s["key"] for s in b["segments"]] for b in bars] == [["waitlist", "refused"], ["waitlist"], ["refused"]]
    assert figure.chart.title == "Districts with unmet demand, most first"
    assert [t["value"] for t in figure.chart.x_ticks] == [0, 5, 10, 15, 20]
    assert len(figure.table.rows) == 4


def test_each_chart_comes_with_a_phone_layout(client, auth, dataset, provincial):
    auth.login(provincial)
    html = client.get("/dashboard/health", query_string=HEALTH_RANGE).text
    assert html.count('class="chart chart-columns chart-wide"') == 1
    assert html.count("chart-narrow") == html.count("chart-wide") >= 4
    assert 'id="chart-health-daily-narrow" viewBox="0 0 360 320"' in html
    css = client.get("/static/css/dashboard.css").text
    assert "@media (max-width: 40rem)" in css and ".chart-narrow { display: none; }" in css


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (
            {"start": "2026-03-01", "end": "2026-02-01"},
            "end",
            "This date is before the “From” date. Showing Feb 1, 2026 to Mar 1, 2026 instead.",
        ),
        (
            {"start": "2026-02-30", "end": "2026-03-01"},
            "start",
            "Enter a real date, for example 2026-03-01. Showing Jan 31, 2026 to Mar 1, 2026 instead.",
        ),
        (
            {"start": "garbage"},
            "start",
            "Enter a real date, for example 2026-03-01. Showing Feb 1, 2026 to Mar 2, 2026 instead.",
        ),
        (
            {"start": "2020-01-01", "end": "2026-03-01"},
            "start",
            "The period can be at most 366 days. Showing Mar 1, 2025 to Mar 1, 2026 instead.",
        ),
        (
            {"end": "9999-12-31"},
            "end",
            "Enter a date from Jan 1, 2000 to Dec 31, 2100. Showing Feb 1, 2026 to Mar 2, 2026 instead.",
        ),
        ({"start": "2026-04-01"}, "start", "This date is after the “To” date. Showing Mar 2, 2026 to Apr 1, 2026"),
    ],
)
def test_dates_that_cannot_be_used_are_said_next_to_their_field(
    client, auth, dataset, provincial, args, field, message
):
    auth.login(provincial)
    for path in ("/dashboard/", "/dashboard/health", "/dashboard/education", "/dashboard/districts"):
        html = client.get(path, query_string=args).text
        assert f'<p class="error-message" id="f-{field}-error">{message}' in html, path
        assert f'aria-describedby="f-{field}-error"' in html and 'href="#f-' + field + '"' in html
        # What was typed stays in the field, to be put right; the links carry the dates shown.
        assert f'name="{field}" type="date" value="{args[field]}"' in html
    other = "end" if field == "start" else "start"
    assert f'id="f-{other}-error"' not in html


@pytest.mark.parametrize(
    ("args", "start", "end", "problems"),
    [
        # Everything up to a day in the past: the longest period that ends there.
        ({"start": "1900-01-01", "end": "2020-06-30"}, "2019-07-01", "2020-06-30", {"start": "out_of_range"}),
        ({"start": "1900-01-01"}, "2025-03-02", "2026-03-02", {"start": "out_of_range"}),
        ({"start": "1999-12-31", "end": "2000-03-01"}, "2000-01-01", "2000-03-01", {"start": "out_of_range"}),
        # Too long or out of bounds and ending in the future: the default period, the 30 days up to today.
        (
            {"start": "1900-01-01", "end": "2100-01-01"},
            "2026-02-01",
            "2026-03-02",
            {"start": "out_of_range", "end": "end_in_future"},
        ),
        (
            {"start": "2026-01-01", "end": "2100-01-01"},
            "2026-02-01",
            "2026-03-02",
            {"start": "too_long", "end": "end_in_future"},
        ),
        (
            {"start": "2200-01-01", "end": "2027-01-01"},
            "2026-02-01",
            "2026-03-02",
            {"start": "out_of_range", "end": "end_in_future"},
        ),
        # A short period in the future, asked for in full, is shown as asked.
        ({"start": "2026-03-10", "end": "2026-03-20"}, "2026-03-10", "2026-03-20", {}),
    ],
)
def test_a_period_too_long_or_out_of_bounds_falls_back_to_one_with_figures(app, args, start, end, problems):
    from datetime import date

    from portal.auth.services import OfficialScope
    from portal.dashboard.services import read_filters

    with app.app_context():
        filters, found = read_filters(args, OfficialScope(province=True, districts=frozenset()))
    assert (filters.start, filters.end) == (date.fromisoformat(start), date.fromisoformat(end))
    assert found == problems


def test_a_silly_period_shows_the_last_30_days_and_says_so_at_both_dates(client, auth, dataset, provincial):
    auth.login(provincial)
    args = {"start": "1900-01-01", "end": "2100-01-01"}
    html = client.get("/dashboard/", query_string=args).text
    instead = "Showing Feb 1, 2026 to Mar 2, 2026 instead."
    assert (
        f'<p class="error-message" id="f-start-error">Enter a date from Jan 1, 2000 to Dec 31, 2100. {instead}'
    ) in html
    assert (
        '<p class="error-message" id="f-end-error">This date is in the future and the “From” date could not be '
        f"used, so the last 30 days up to today are shown. {instead}"
    ) in html
    assert "Dec 3, 2099" not in html
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get("/dashboard/", query_string=args).text
    error = html[html.index('id="f-end-error">') :].split("</p>")[0]
    assert "آج تک کے پچھلے 30 دن دکھائے جا رہے ہیں" in error
    assert "اس کے بجائے 1 فروری، 2026 سے 2 مارچ، 2026 تک کے اعداد و شمار دکھائے جا رہے ہیں۔" in error
    # A download is refused with the reasons, as for any date it cannot use.
    api = client.get("/dashboard/export/clinics.csv", query_string=args, headers={"Accept": "application/json"})
    assert api.status_code == 400 and set(api.json["fields"]) == {"start", "end"}


def test_good_dates_give_no_error(client, auth, dataset, provincial):
    auth.login(provincial)
    html = client.get("/dashboard/health", query_string=HEALTH_RANGE).text
    assert "error-message" not in html and "There is a problem" not in html


def test_date_errors_in_urdu(client, auth, dataset, provincial):
    auth.login(provincial)
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get("/dashboard/health", query_string={"start": "2026-03-01", "end": "2026-02-01"}).text
    error = html[html.index('id="f-end-error">') :].split("</p>")[0]
    assert error.endswith(
        "یہ تاریخ ”سے“ والی تاریخ سے پہلے ہے۔"
        " اس کے بجائے 1 فروری، 2026 سے 1 مارچ، 2026 تک کے اعداد و شمار دکھائے جا رہے ہیں۔"
    )


def test_a_download_with_dates_that_cannot_be_used_is_refused_with_the_reason(client, auth, dataset, provincial):
    auth.login(provincial)
    args = {"start": "garbage", "end": "2026-03-01"}
    page = client.get("/dashboard/export/clinics.csv", query_string=args)
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "From: Enter a real date, for example 2026-03-01." in page.text
    api = client.get("/dashboard/export/clinics.csv", query_string=args, headers={"Accept": "application/json"})
    assert api.status_code == 400
    assert api.json["fields"] == {"start": "Enter a real date, for example 2026-03-01."}
    assert client.get("/dashboard/export/clinics.csv", query_string=HEALTH_RANGE).status_code == 200


def test_presentation_says_which_dates_in_its_address_it_could_not_use(client, auth, dataset, provincial):
    # A slide has no filter form: a bad date in a shared link is said on the slide, with what is shown.
    auth.login(provincial)
    html = client.get("/dashboard/present/2", query_string={"start": "2026-03-01", "end": "2026-02-01"}).text
    assert 'class="flash flash-warning slide-dates" role="status"' in html
    assert (
        '<span class="error-field">To:</span> This date is before the “From” date. '
        "Showing Feb 1, 2026 to Mar 1, 2026 instead."
    ) in html
    assert "Feb 1, 2026 – Mar 1, 2026" in html  # the period the slide shows
    # The next slide's link carries the dates shown, so the notice does not follow the presenter.
    assert "/dashboard/present/3?start=2026-02-01&amp;end=2026-03-01" in html
    good = client.get("/dashboard/present/2", query_string=HEALTH_RANGE).text
    assert "slide-dates" not in good


def test_each_table_download_link_says_which_table(client, auth, dataset, provincial):
    """ "Download this table (CSV)" under every table: each link names its table for a screen reader."""
    auth.login(provincial)
    html = client.get("/dashboard/health", query_string=HEALTH_RANGE).get_data(as_text=True)
    names = [re.sub(r"<[^>]+>", "", name) for name in re.findall(r'<p class="download"><a [^>]*>(.*?)</a>', html)]
    assert len(names) > 1 and len(set(names)) == len(names), names
    assert all(name.startswith("Download this table (CSV): ") for name in names)
