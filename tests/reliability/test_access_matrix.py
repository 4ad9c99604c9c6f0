"""Every route × every role answers as designed. Generated from the app's URL map: a new route that
is neither role-protected (role_required) nor listed below fails this test until someone decides."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

from portal import create_app

# Routes anyone may open.
PUBLIC = {
    "main.home",
    "main.privacy",
    "main.healthz",
    "main.set_language",
    "main.switch_language",
    "auth.login",
    "auth.register",
    "auth.request_reset",
    "auth.reset_password",
    "auth.logout",
    "auth.demo_sign_in",  # a persona's one-click sign-in: 404 unless DEMO_MODE (tests/demo/test_persona_sign_in.py)
    "static",
}
# Routes for any signed-in person (a citizen's own records; other people's answer 404).
SIGNED_IN = {
    "auth.profile",
    "auth.change_password",
    "auth.sign_out_everywhere",
    "auth.sign_out_device",
    "auth.family",
    "auth.dependant_form",
    "auth.remove_dependant",
    "notifications.inbox",
}
# Public routes of the domain packages are named here as they are added.
PUBLIC |= {
    "health.find_clinics",
    "health.clinic",
    "health.clinic_dates",
    "health.service_dates",
    "health.service_times",
    "education.find_courses",
    "education.course",
    "education.verify",
    "education.verify_form",
}
SIGNED_IN |= {
    "health.my_appointments",
    "health.confirm",
    "health.book",
    "health.appointment",
    "health.appointment_ics",
    "health.cancel",
    "health.reschedule",
    "education.my_courses",
    "education.enrol",
    "education.enrolment",
    "education.drop",
    "education.enrolment_ics",
    "education.certificate",
}

ROLES = ("clinic_admin", "school_admin", "official", "superadmin")


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def _url(rule) -> str:
    """The rule with every variable filled by a value that names no real record."""
    url = rule.rule
    for name in rule.arguments:
        conv = rule._converters.get(name)
        value = "999999" if isinstance(conv, IntegerConverter) else "ZZZZ-0000"
        url = re.sub(r"<(?:[^:>]+:)?" + name + r">", value, url)
    return url


def _required_roles(app, endpoint):
    return getattr(app.view_functions[endpoint], "required_roles", None)


def test_every_route_has_an_access_rule():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    unclassified = [
        rule.endpoint
        for rule in _rules(app)
        if rule.endpoint not in PUBLIC | SIGNED_IN and not _required_roles(app, rule.endpoint)
    ]
    assert not unclassified, f"routes without an access rule: {sorted(set(unclassified))}"


@pytest.fixture
def open_app(app):
    """CSRF off for this test only, so that the access decision is what answers a POST."""
    app.config["WTF_CSRF_ENABLED"] = False
    app.config["RATELIMIT_ENABLED"] = False
    return app


def _methods(rule):
    return sorted(m for m in rule.methods if m in ("GET", "POST"))


def test_anonymous_visitors_are_sent_to_sign_in_for_every_protected_route(open_app, client):
    for rule in _rules(open_app):
        if rule.endpoint in PUBLIC:
            continue
        for method in _methods(rule):
            response = client.open(_url(rule), method=method)
            assert response.status_code in (302, 401), (rule.rule, method, response.status_code)
            if response.status_code == 302:
                assert "/login" in response.headers["Location"], (rule.rule, method)


def test_public_routes_never_fail_for_anonymous_visitors(open_app, client):
    for rule in _rules(open_app):
        if rule.endpoint not in PUBLIC:
            continue
        for method in _methods(rule):
            response = client.open(_url(rule), method=method)
            assert response.status_code < 500, (rule.rule, method, response.status_code)


@pytest.mark.parametrize("role", [None, *ROLES])
def test_each_role_is_refused_staff_routes_of_other_roles(open_app, client, auth, make_user, role):
    roles = [] if role is None else [(role, None) if role in ("official", "superadmin") else (role, 424242)]
    user = make_user(roles=roles)
    auth.login(user)
    for rule in _rules(open_app):
        required = _required_roles(open_app, rule.endpoint)
        for method in _methods(rule):
            response = client.open(_url(rule), method=method)
            assert response.status_code < 500, (role, rule.rule, method, response.status_code)
            if required and role not in required:
                assert response.status_code == 403, (role, rule.rule, method, response.status_code)
            elif required:
                # Right role, but the record (id 999999) is in nobody's scope: never shown.
                assert response.status_code in (200, 302, 303, 400, 403, 404), (role, rule.rule, method)
        if rule.endpoint == "auth.logout":
            auth.login(user)
