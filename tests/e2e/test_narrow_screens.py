"""No page scrolls sideways on a small phone (360 px, the narrowest common Android width), in English
and in Urdu: long email addresses break, tables become cards and rows of actions wrap."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from portal.demo.personas import PERSONAS_BY_KEY
from portal.extensions import db
from tests.e2e.conftest import screenshot, sign_in, switch_language

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 740}
# The texts of left-to-right islands (references, CNICs, codes, times; links to a reference, not to
# another site's address) laid out on more than one line; not those meant to wrap (.ltr-wraps: an
# email address as a contact).
BROKEN_IDENTIFIERS = """[...document.querySelectorAll(
    'main bdi[dir=ltr]:not(.ltr-wraps), main span[dir=ltr], main strong[dir=ltr],'
    + ' main a[dir=ltr]:not([href^=http])')]
  .filter(e => new Set([...e.getClientRects()].map(r => Math.round(r.top))).size > 1)
  .map(e => e.textContent.trim())"""


@contextmanager
def phone_page(browser, live_server, role: str | None, lang: str):
    """A page of a new browser at small-phone width, signed in as ``role``'s demo persona (a visitor
    for None), in ``lang`` through the header's switch."""
    context = browser.new_context(viewport=SMALL_PHONE, base_url=live_server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        if role:
            persona = PERSONAS_BY_KEY[role]
            sign_in(page, persona.cnic, persona.password)
        page.goto("/")
        switch_language(page, lang)  # a persona may open in its saved language (Ayesha: Urdu)
        yield page
    finally:
        context.close()


def _pages(role: str | None) -> list[str]:
    from portal.auth.models import RoleAssignment, User
    from portal.education.models import Course, Section

    if role is None:
        # One course of each institution, one of them with a long email address that cannot wrap.
        courses = sorted(
            db.session.scalars(select(func.min(Course.id)).where(Course.active).group_by(Course.institution_id))
        )
        db.session.get(Course, courses[0]).institution.contact = "admissions.office@university.punjab.gov.pk"
        db.session.commit()
        return ["/courses", *(f"/courses/{course_id}" for course_id in courses)]
    if role == "citizen":
        # Her enrol and course pages name her place ("waitlisted E-CZ9J-4XYG") beside the cohort's class times.
        from portal.education.models import Enrolment

        persona = PERSONAS_BY_KEY[role]
        places = db.session.execute(
            select(Enrolment.section_id, Enrolment.course_id)
            .join(User, Enrolment.user_id == User.id)
            .where(User.cnic == persona.cnic, Enrolment.status.in_(("enrolled", "waitlisted")))
            .order_by(Enrolment.section_id)
        ).all()
        assert places, "the citizen persona holds a place or a waitlist place in the demo data"
        enrol = [f"/courses/sections/{section_id}/enrol" for section_id, _ in places]
        courses = sorted({f"/courses/{course_id}" for _, course_id in places})  # her place named in each cohort
        # Her certificate: its verification link may break after a slash, never inside the code.
        from portal.education.models import Certificate

        certificates = db.session.scalars(
            select(Certificate.code)
            .join(Enrolment)
            .join(User, Enrolment.user_id == User.id)
            .where(User.cnic == persona.cnic)
        ).all()
        assert certificates, "the citizen persona holds a certificate in the demo data"
        return ["/account/family", "/my-courses", "/appointments", *enrol, *courses, f"/certificates/{certificates[0]}"]
    persona = PERSONAS_BY_KEY[role]
    institutions = (
        select(RoleAssignment.scope_id).join(User, RoleAssignment.user_id == User.id).where(User.cnic == persona.cnic)
    )
    course_id = db.session.scalar(
        select(Course.id).join(Section).where(Course.institution_id.in_(institutions)).order_by(Course.id).limit(1)
    )
    return ["/school-admin", f"/school-admin/courses/{course_id}", "/school-admin/approvals"]


@pytest.mark.parametrize("lang", ["en", "ur"])
@pytest.mark.parametrize("role", [None, "citizen", "school_admin"], ids=lambda r: r or "anonymous")
def test_pages_fit_a_small_phone(app, browser, live_server, role, lang):
    from portal.demo.seed import seed

    seed(size="small", seed_value=11)
    db.session.commit()
    paths = _pages(role)
    with phone_page(browser, live_server, role, lang) as page:
        too_wide, broken = {}, {}
        for path in paths:
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == lang, path
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > SMALL_PHONE["width"]:
                too_wide[path] = width
                screenshot(page, f"too-wide-{lang}-{path.strip('/').replace('/', '-')}")
            # A reference, CNIC or code split over two lines ("E-TPYU-" / "KMY7") is misread.
            split = page.evaluate(BROKEN_IDENTIFIERS)
            if split:
                broken[path] = split
        assert not too_wide, f"wider than {SMALL_PHONE['width']} px in {lang}: {too_wide}"
        assert not broken, f"identifiers split over two lines in {lang}: {broken}"


# Touch targets of at least 44 × 44 px: the links in a row of My appointments, the buttons of an
# appointment's action row (each row of which starts at the same edge when it wraps).
SMALL_TARGETS = """[...document.querySelectorAll('main td.actions > a, main ul.actions a')]
  .map(e => e.getBoundingClientRect())
  .filter(r => r.height < 44 || r.width < 44)
  .map(r => `${Math.round(r.width)}×${Math.round(r.height)}`)"""
ROW_STARTS = """(() => {
  const rtl = document.documentElement.dir === 'rtl';
  const rows = new Map();
  for (const li of document.querySelectorAll('main ul.actions > li')) {
    const r = li.getBoundingClientRect(), top = Math.round(r.top);
    const start = Math.round(rtl ? r.right : r.left);
    if (!rows.has(top)) rows.set(top, start);
    else rows.set(top, rtl ? Math.max(rows.get(top), start) : Math.min(rows.get(top), start));
  }
  return [...new Set(rows.values())];
})()"""
# A list item showing a bullet (the service cards of a clinic).
BULLETED_CARDS = """[...document.querySelectorAll('main li.card')]
  .filter(e => getComputedStyle(e).listStyleType !== 'none').length"""


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_health_pages_keep_references_whole_and_targets_large_on_a_small_phone(app, browser, live_server, lang):
    """Her appointment's pages, the "already has an upcoming appointment (H-…)" error and a clinic's
    services at 360 px: no reference split over two lines, no small or misaligned action, no bullet."""
    from portal.auth.models import User
    from portal.demo.seed import seed
    from portal.health import schedule
    from portal.health.models import Appointment

    seed(size="small", seed_value=11)
    db.session.commit()
    persona = PERSONAS_BY_KEY["citizen"]
    user = db.session.scalar(select(User).where(User.cnic == persona.cnic))
    mine = db.session.scalar(
        select(Appointment)
        .where(Appointment.user_id == user.id, Appointment.dependant_id.is_(None), Appointment.status == "booked")
        .order_by(Appointment.starts_at)
        .limit(1)
    )
    ref, service = mine.reference, mine.service
    free = next(
        t.starts_at
        for day in schedule.availability(service)
        if day.status == schedule.DAY_OPEN
        for t in day.times
        if t.starts_at != mine.starts_at
    )
    at = int(free.timestamp())
    with phone_page(browser, live_server, "citizen", lang) as page:
        problems = {}
        for path in (
            "/appointments",
            f"/appointments/{ref}",
            f"/appointments/{ref}/cancel",
            f"/appointments/{ref}/reschedule/{at}",
            f"/clinics/{service.clinic_id}",
            f"/appointments/book/{service.id}/{at}",
        ):
            page.goto(path)
            isolated = True
            if path.startswith("/appointments/book/"):
                # Booking the same service twice, as a form opened before her booking would: the form
                # now greys her out, so the test gives her choice back to the page first.
                page.evaluate("""() => { const me = document.querySelector('main input[name=person][value="0"]');
                                   me.disabled = false; me.checked = true; }""")
                page.locator("main form button[type=submit]").click()
                page.wait_for_load_state()
                isolated = page.locator(f'main .error-summary bdi[dir=ltr]:text-is("{ref}")').count() == 1
            found = {
                "reference in the error not an island": not isolated,
                "wider than the screen": page.evaluate("document.documentElement.scrollWidth") > SMALL_PHONE["width"],
                "split": page.evaluate(BROKEN_IDENTIFIERS),
                "small targets": page.evaluate(SMALL_TARGETS),
                "rows starting at different edges": len(page.evaluate(ROW_STARTS)) > 1,
                "bulleted cards": page.evaluate(BULLETED_CARDS),
            }
            found = {what: value for what, value in found.items() if value}
            if found:
                problems[path] = found
                screenshot(page, f"health-small-{lang}-{path.strip('/').replace('/', '-')}")
        assert not problems, f"at {SMALL_PHONE['width']} px in {lang}: {problems}"


@pytest.mark.parametrize("lang", ["en", "ur"])
def test_a_name_typed_as_one_long_word_breaks_instead_of_widening_the_page(app, browser, live_server, lang):
    """A family member's name typed without spaces (60 letters) in the family list, the choices of who a
    booking or an enrolment is for and My appointments: the word breaks inside its card or choice; the
    table or the choice was as wide as the word and the whole page scrolled sideways at 360 px."""
    from datetime import date

    from portal.auth.models import Dependant, User
    from portal.demo.seed import seed
    from portal.education.models import Section
    from portal.health import schedule
    from portal.health import services as health_services
    from portal.health.models import Appointment

    seed(size="small", seed_value=11)
    db.session.commit()
    persona = PERSONAS_BY_KEY["citizen"]
    user = db.session.scalar(select(User).where(User.cnic == persona.cnic))
    user.dependants.append(
        Dependant(
            full_name="Abdulrahman" * 5 + "Qureshi",
            relationship_="child",
            date_of_birth=date(2012, 1, 1),
            gender="male",
        )
    )
    db.session.commit()
    service = db.session.scalar(select(Appointment).where(Appointment.user_id == user.id).limit(1)).service
    free = [t.starts_at for day in schedule.availability(service) if day.status == schedule.DAY_OPEN for t in day.times]
    with app.test_request_context():
        health_services.book_slot(user, service.id, free[0], dependant_id=user.dependants[-1].id)
    db.session.commit()
    section_id = db.session.scalar(select(Section.id).order_by(Section.id).limit(1))
    with phone_page(browser, live_server, "citizen", lang) as page:
        too_wide = {}
        for path in (
            "/account/family",
            "/appointments",
            f"/appointments/book/{service.id}/{int(free[-1].timestamp())}",
            f"/courses/sections/{section_id}/enrol",
        ):
            page.goto(path)
            assert "Abdulrahman" * 5 in page.locator("main").inner_text(), path
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > SMALL_PHONE["width"]:
                too_wide[path] = width
                screenshot(page, f"long-name-{lang}-{path.strip('/').replace('/', '-')}")
        assert not too_wide, f"wider than {SMALL_PHONE['width']} px in {lang}: {too_wide}"


def test_tables_as_cards_keep_their_column_headers_for_screen_readers(app, browser, live_server):
    """On a phone a table's rows are cards, each cell labelled with its column's name. The header row is
    out of sight but still the table's column headers (with display: none a screen reader had no column
    header to announce for a cell), and each cell still says its column's name on screen."""
    from portal.demo.seed import seed

    seed(size="small", seed_value=11)
    db.session.commit()
    with phone_page(browser, live_server, "citizen", "ur") as page:
        for path, header in (("/appointments", "حوالہ نمبر"), ("/my-courses", "حوالہ نمبر")):
            page.goto(path)
            column = page.locator("main table").first.get_by_role("columnheader", name=header, exact=True)
            assert column.count() == 1, path
            box = page.locator("main table thead").first.bounding_box()
            assert box["width"] <= 1 and box["height"] <= 1, path  # out of sight, clipped to a pixel
            label = page.evaluate(
                """() => getComputedStyle(document.querySelector('main td[data-label]'), '::before').content"""
            )
            assert label not in ("none", "normal", ""), path
