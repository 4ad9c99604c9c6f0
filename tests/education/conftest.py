"""Factories for education tests: institutions, courses, sections, rules, admins."""

from __future__ import annotations

import itertools
from datetime import date, time

import pytest

from portal.education.models import Course, EligibilityRule, Institution, Section
from portal.extensions import db

TODAY = date(2026, 3, 2)  # the fixed clock of TestingConfig (Monday, Karachi)
_names = itertools.count(1)


@pytest.fixture
def make_institution(app):
    def factory(**fields):
        values = {
            "name": f"Institute {next(_names)}",
            "type": "it_centre",
            "district": "Lahore",
            "address": "Ferozepur Road",
            "contact": "042-111",
            "active": True,
        }
        values.update(fields)
        institution = Institution(**values)
        db.session.add(institution)
        db.session.commit()
        return institution

    return factory


@pytest.fixture
def make_course(app, make_institution):
    def factory(institution=None, **fields):
        values = {
            "title": f"Course {next(_names)}",
            "category": "ai_data",
            "description": "Learn things.",
            "level": "beginner",
            "language": "ur",
            "mode": "on_site",
            "duration": "8 weeks",
            "fee_paisa": 0,
            "certificate": True,
            "active": True,
        }
        values.update(fields)
        course = Course(institution=institution or make_institution(), **values)
        db.session.add(course)
        db.session.commit()
        return course

    return factory


@pytest.fixture
def make_section(app, make_course):
    def factory(course=None, **fields):
        values = {
            "name": "",
            "start_date": date(2026, 3, 16),
            "end_date": date(2026, 5, 16),
            "meeting_days": "mon,wed",
            "start_time": time(9, 0),
            "end_time": time(11, 0),
            "venue": "Room 1",
            "capacity": 3,
            "enrolled_count": 0,
            "reserved_seats": 0,
            "reserved_taken": 0,
            "enrol_opens": date(2026, 2, 20),
            "enrol_closes": date(2026, 3, 10),
            "needs_approval": False,
            "drop_deadline": date(2026, 3, 20),
            "waitlist_enabled": True,
            "waitlist_cap": None,
            "closed": False,
        }
        values.update(fields)
        section = Section(course=course or make_course(), **values)
        db.session.add(section)
        db.session.commit()
        return section

    return factory


@pytest.fixture
def add_rule(app):
    def factory(course=None, section=None, **fields):
        rule = EligibilityRule(
            course_id=course.id if course else None, section_id=section.id if section else None, **fields
        )
        db.session.add(rule)
        db.session.commit()
        db.session.expire_all()
        return rule

    return factory


@pytest.fixture
def school_admin(make_user):
    def factory(*institutions, **fields):
        return make_user(roles=[("school_admin", i.id) for i in institutions], full_name="School Admin", **fields)

    return factory


@pytest.fixture(autouse=True)
def request_context(app):
    """Messages are rendered in the reader's language, which needs a request (English here)."""
    with app.test_request_context():
        yield
