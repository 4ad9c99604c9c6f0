"""Demo data for education: a university with AI courses, an IT training centre and a college;
sections with capacities, a reserved-seat section, a waitlist; the school_admin persona runs the
IT centre; the citizen persona has an enrolment and a certificate. Idempotent and deterministic."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from sqlalchemy import select

from portal import clock
from portal.auth.models import ROLE_SCHOOL_ADMIN, RoleAssignment, User
from portal.demo.data import SECTION_NAMES_UR
from portal.demo.generate import place_ur, urdu_district_names
from portal.education.eligibility import Person
from portal.education.models import (
    COMPLETED,
    ENROLLED,
    RULE_AGE,
    RULE_DISTRICT,
    RULE_GENDER,
    SEAT_GENERAL,
    WAITLISTED,
    Course,
    EligibilityRule,
    Enrolment,
    Institution,
    Section,
)
from portal.extensions import db

INSTITUTIONS = (
    ("University of the Punjab — Department of Computer Science", "university", "Lahore",
     "Quaid-i-Azam Campus, Canal Road, Lahore", "042-99231102"),
    ("Rawalpindi IT Skills Centre", "it_centre", "Rawalpindi",
     "Murree Road, Satellite Town, Rawalpindi", "051-4415566"),
    ("Government College for Women, Multan", "college", "Multan", "Kutchery Road, Multan", "061-9200345"),
)  # fmt: skip

COURSES = (
    # institution index, title, category, mode, fee (PKR), duration, description
    (0, "Introduction to Artificial Intelligence", "ai_data", "blended", 0, "12 weeks",
     "What AI is and is not, search, probability and simple machine learning with Python notebooks."),
    (0, "Machine Learning with Python", "ai_data", "on_site", 15000, "16 weeks",
     "Regression, classification, model evaluation and a final project on open Punjab data."),
    (0, "Data Analysis for Public Services", "ai_data", "online", 0, "8 weeks",
     "Spreadsheets, SQL and charts for people who work with government data."),
    (1, "Web Development Bootcamp", "digital", "on_site", 8000, "12 weeks",
     "HTML, CSS, JavaScript and a first Flask website, with a portfolio at the end."),
    (1, "Digital Skills for Freelancers", "digital", "blended", 0, "6 weeks",
     "Finding work online, writing proposals, getting paid safely and managing clients."),
    (1, "Computer Basics for Beginners", "digital", "on_site", 0, "4 weeks",
     "Using a computer, email, documents and staying safe online. Taught in Urdu."),
    (2, "First Aid and Community Health", "health", "on_site", 0, "3 weeks",
     "CPR, wounds, burns and when to go to hospital. Certificate from the Rescue 1122 trainers."),
    (2, "Spoken English", "languages", "on_site", 5000, "10 weeks",
     "Everyday conversation, interviews and presentations, in small groups."),
)  # fmt: skip

# The institutions' names, and the courses' titles and descriptions, in Urdu (by the English name/title).
INSTITUTIONS_UR = {
    "University of the Punjab — Department of Computer Science": "جامعہ پنجاب — شعبۂ کمپیوٹر سائنس",
    "Rawalpindi IT Skills Centre": "راولپنڈی آئی ٹی اسکلز سینٹر",
    "Government College for Women, Multan": "گورنمنٹ کالج برائے خواتین، ملتان",
}
COURSES_UR = {
    "Introduction to Artificial Intelligence": (
        "مصنوعی ذہانت کا تعارف",
        "مصنوعی ذہانت کیا ہے اور کیا نہیں، سرچ، احتمال اور پائتھن نوٹ بُکس کے ساتھ سادہ مشین لرننگ۔",
    ),
    "Machine Learning with Python": (
        "پائتھن کے ساتھ مشین لرننگ",
        "ریگریشن، کلاسیفکیشن، ماڈل کی جانچ، اور آخر میں پنجاب کے اوپن ڈیٹا پر ایک پراجیکٹ۔",
    ),
    "Data Analysis for Public Services": (
        "سرکاری خدمات کے لیے ڈیٹا کا تجزیہ",
        "سرکاری ڈیٹا کے ساتھ کام کرنے والوں کے لیے اسپریڈشیٹ، ایس کیو ایل اور چارٹ۔",
    ),
    "Web Development Bootcamp": (
        "ویب ڈویلپمنٹ بوٹ کیمپ",
        "ایچ ٹی ایم ایل، سی ایس ایس، جاوا اسکرپٹ اور فلاسک میں پہلی ویب سائٹ، اور آخر میں اپنا پورٹ فولیو۔",
    ),
    "Digital Skills for Freelancers": (
        "فری لانسرز کے لیے ڈیجیٹل مہارتیں",
        "آن لائن کام ڈھونڈنا، پروپوزل لکھنا، محفوظ طریقے سے ادائیگی وصول کرنا اور کلائنٹس سے معاملات۔",
    ),
    "Computer Basics for Beginners": (
        "نئے سیکھنے والوں کے لیے کمپیوٹر کی بنیادی باتیں",
        "کمپیوٹر کا استعمال، ای میل، دستاویزات اور آن لائن محفوظ رہنا۔ اردو میں پڑھایا جاتا ہے۔",
    ),
    "First Aid and Community Health": (
        "ابتدائی طبی امداد اور کمیونٹی کی صحت",
        "سی پی آر، زخم، جلنے پر امداد اور ہسپتال کب جانا ہے۔ ریسکیو 1122 کے تربیت کاروں کی طرف سے سرٹیفکیٹ۔",
    ),
    "Spoken English": (
        "بول چال کی انگریزی",
        "روزمرہ گفتگو، انٹرویو اور پریزنٹیشن، چھوٹے گروپوں میں۔",
    ),
}


def _get_or_create(model, lookup: dict, values: dict):
    obj = db.session.scalar(select(model).filter_by(**lookup))
    if obj is None:
        obj = model(**lookup, **values)
        db.session.add(obj)
        db.session.flush()
    return obj


def _in_urdu(section: Section, districts_ur: dict[str, str]) -> Section:
    """Gives a demo section its name and venue in Urdu (also one seeded before there were Urdu names or
    venues), unless an admin has given them; a name an admin changed is not one of the demo's, and
    stays without. Dictionary look-ups only."""
    if section.venue and not section.venue_ur:
        section.venue_ur = place_ur(section.venue, districts_ur)
    section.name_ur = section.name_ur or SECTION_NAMES_UR.get(section.name)
    return section


def seed_education(users: dict[str, User], size: str = "small", seed_value: int = 2026) -> dict[str, int]:
    rng = random.Random(seed_value)
    today = clock.today()
    districts_ur = urdu_district_names()
    institutions = []
    for name, kind, district, address, contact in INSTITUTIONS:
        institution = _get_or_create(
            Institution,
            {"name": name},
            {"type": kind, "district": district, "address": address, "contact": contact, "active": True},
        )
        # Also for one seeded before the Urdu names existed, unless an admin has given another.
        institution.name_ur = institution.name_ur or INSTITUTIONS_UR[name]
        if institution.address == address:  # its Urdu address, unless an admin has changed it or given another
            institution.address_ur = institution.address_ur or place_ur(address, districts_ur)
        institutions.append(institution)
    courses = []
    for index, title, category, mode, fee, duration, description in COURSES:
        title_ur, description_ur = COURSES_UR[title]
        courses.append(
            _get_or_create(
                Course,
                {"institution_id": institutions[index].id, "title": title},
                {
                    "category": category,
                    "mode": mode,
                    "fee_paisa": fee * 100,
                    "duration": duration,
                    "description": description,
                    "level": "beginner",
                    "language": "ur_en",
                    "certificate": True,
                    "active": True,
                },
            )
        )
        courses[-1].title_ur = courses[-1].title_ur or title_ur
        courses[-1].description_ur = courses[-1].description_ur or description_ur
    sections = {}
    for course in courses:
        start = today + timedelta(days=rng.choice((10, 17, 24, 31)))
        weeks = rng.choice((4, 6, 8, 12))
        capacity = rng.choice((20, 25, 30))
        sections[course.title] = section = _get_or_create(
            Section,
            {"course_id": course.id, "name": "Morning cohort"},
            {
                "start_date": start,
                "end_date": start + timedelta(weeks=weeks),
                "meeting_days": "mon,wed",
                "start_time": time(9, 30),
                "end_time": time(12, 0),
                "venue": course.institution.address,
                "capacity": capacity,
                "enrol_opens": today - timedelta(days=7),
                "enrol_closes": start - timedelta(days=2),
                "drop_deadline": start + timedelta(days=7),
                "waitlist_enabled": True,
            },
        )
        _in_urdu(section, districts_ur)
    # A women-reserved section of the freelancing course, and a tiny full section with a waitlist.
    freelancing = courses[4]
    evening = _get_or_create(
        Section,
        {"course_id": freelancing.id, "name": "Evening cohort (10 seats kept for women)"},
        {
            "start_date": today + timedelta(days=21),
            "end_date": today + timedelta(days=63),
            "meeting_days": "tue,thu",
            "start_time": time(17, 0),
            "end_time": time(19, 0),
            "venue": "Room 4, Rawalpindi IT Skills Centre",
            "capacity": 30,
            "reserved_kind": "gender",
            "reserved_value": "female",
            "reserved_seats": 10,
            "enrol_opens": today - timedelta(days=3),
            "enrol_closes": today + timedelta(days=18),
            "needs_approval": True,
            "drop_deadline": today + timedelta(days=28),
            "waitlist_enabled": True,
        },
    )
    _in_urdu(evening, districts_ur)
    ai_intro = courses[0]
    small = _get_or_create(
        Section,
        {"course_id": ai_intro.id, "name": "Weekend cohort"},
        {
            "start_date": today + timedelta(days=12),
            "end_date": today + timedelta(days=96),
            "meeting_days": "sat",
            "start_time": time(10, 0),
            "end_time": time(13, 0),
            "venue": "Lab 2, Department of Computer Science",
            "capacity": 2,
            "enrol_opens": today - timedelta(days=10),
            "enrol_closes": today + timedelta(days=10),
            "drop_deadline": today + timedelta(days=20),
            "waitlist_enabled": True,
            "waitlist_cap": 10,
        },
    )
    _in_urdu(small, districts_ur)
    _get_or_create(EligibilityRule, {"course_id": ai_intro.id, "kind": RULE_AGE}, {"min_age": 16, "max_age": 45})
    _get_or_create(
        EligibilityRule, {"course_id": courses[6].id, "kind": RULE_DISTRICT}, {"districts": "Multan,Khanewal,Lodhran"}
    )
    _get_or_create(EligibilityRule, {"course_id": courses[7].id, "kind": RULE_GENDER}, {"gender": "female"})

    # The school admin persona runs the IT centre.
    admin = users.get("school_admin")
    if admin is not None:
        exists = db.session.scalar(
            select(RoleAssignment.id).where(
                RoleAssignment.user_id == admin.id,
                RoleAssignment.role == ROLE_SCHOOL_ADMIN,
                RoleAssignment.scope_id == institutions[1].id,
            )
        )
        if not exists:
            db.session.add(RoleAssignment(user_id=admin.id, role=ROLE_SCHOOL_ADMIN, scope_id=institutions[1].id))

    citizen = users.get("citizen")
    counts = {"institutions": len(institutions), "courses": len(courses), "sections": len(sections) + 2}
    if citizen is None:
        return counts
    # The weekend AI section is full (two other personas) with the citizen first on its waitlist. Each
    # fixture is dated within its cohort's enrolment window and before today, so that a fresh seed shows
    # nothing in "Today on the portal" that nobody did today.
    for key, status, days_ago, hour in (
        ("clinic_admin", ENROLLED, 9, 10),
        ("district_official", ENROLLED, 8, 12),
        ("citizen", WAITLISTED, 6, 19),
    ):
        person = users.get(key)
        if person is not None:
            when = clock.karachi_to_utc(today - timedelta(days=days_ago), hour)
            _demo_enrolment(Person(person), small, status, f"demo-ai-{key}", when)
    # A finished course with a certificate for the citizen.
    past = _get_or_create(
        Section,
        {"course_id": courses[5].id, "name": "Last term"},
        {
            "start_date": today - timedelta(days=70),
            "end_date": today - timedelta(days=42),
            "meeting_days": "mon,tue,wed",
            "start_time": time(15, 0),
            "end_time": time(17, 0),
            "venue": "Room 1, Rawalpindi IT Skills Centre",
            "capacity": 20,
            "enrol_opens": today - timedelta(days=100),
            "enrol_closes": today - timedelta(days=72),
            "waitlist_enabled": False,
            "closed": True,
        },
    )
    _in_urdu(past, districts_ur)
    # Enrolled during its enrolment window; completed, and the certificate issued, on its last day (at
    # 16:00 Karachi, as portal.demo.generate dates them).
    finished = clock.karachi_to_utc(past.end_date, 16)
    applied = clock.karachi_to_utc(past.enrol_opens + timedelta(days=5), 18)
    done = _demo_enrolment(Person(citizen), past, COMPLETED, "demo-basics-citizen", applied, finished)
    if done.certificate is None:
        from portal.education.services import issue_certificate

        issue_certificate(admin, done).issued_at = finished
    # And a current enrolment in the web bootcamp, made a few days ago.
    bootcamp = sections[courses[3].title]
    applied = clock.karachi_to_utc(max(bootcamp.enrol_opens, today - timedelta(days=5)), 20)
    _demo_enrolment(Person(citizen), bootcamp, ENROLLED, "demo-web-citizen", applied)
    counts["enrolments"] = db.session.scalar(select(db.func.count(Enrolment.id))) or 0
    return counts


def _demo_enrolment(
    person: Person, section: Section, status: str, token: str, when: datetime, updated: datetime | None = None
) -> Enrolment:
    """The fixture enrolment ``token`` (once): applied for at ``when``, a seat given then (a waitlist
    place taken then: no decision yet, as education.services.enrol leaves it), last changed at
    ``updated`` (a completion on the cohort's last day) or at ``when``."""
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.submission_token == token))
    if enrolment is not None:
        return enrolment
    from portal.education.services import _unique_reference

    holds_seat = status in (ENROLLED, COMPLETED)
    enrolment = Enrolment(
        reference=_unique_reference(),
        user_id=person.user.id,
        person_key=person.key,
        section_id=section.id,
        course_id=section.course_id,
        status=status,
        seat_kind=SEAT_GENERAL if holds_seat else None,
        submission_token=token,
        source="demo",
        created_at=when,
        updated_at=updated or when,
        waitlisted_at=when if status == WAITLISTED else None,
        decided_at=when if holds_seat else None,
    )
    db.session.add(enrolment)
    if holds_seat:
        section.enrolled_count = (section.enrolled_count or 0) + 1
    db.session.flush()
    return enrolment
