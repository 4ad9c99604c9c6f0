"""Staff roles: role_required, scope helpers, and the superadmin page to grant and revoke."""

import pytest
from flask import jsonify
from sqlalchemy import select

from portal.auth import services
from portal.auth.decorators import role_required
from portal.auth.errors import DomainError
from portal.auth.models import AuditEvent, RoleAssignment
from portal.extensions import db
from tests.auth.conftest import post_form, text_of
from tests.conftest import csrf_token


def staff_endpoints(app):
    """(endpoint, url, method) for every view guarded by role_required."""
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "required_roles", None):
            continue
        values = {arg: 1 for arg in rule.arguments}
        url = rule.build(values)[1]
        method = "GET" if "GET" in rule.methods else "POST"
        found.append((rule.endpoint, url, method, view.required_roles))
    return found


def test_there_are_staff_pages_to_check(app):
    endpoints = {e for e, *_ in staff_endpoints(app)}
    assert {"auth.staff", "auth.grant_role", "auth.revoke_role"} <= endpoints


def _request(client, url, method):
    if method == "GET":
        return client.get(url)
    # A signed-in page's header carries the language form and its token; a visitor's, only /login.
    with client.session_transaction() as session:
        signed_in = "_user_id" in session
    return client.post(url, data={"csrf_token": csrf_token(client, "/" if signed_in else "/login")})


def test_every_staff_page_sends_anonymous_visitors_to_sign_in(app, client):
    for endpoint, url, method, _roles in staff_endpoints(app):
        response = _request(client, url, method)
        assert response.status_code == 302, endpoint
        assert response.headers["Location"].startswith("/login?next="), endpoint


def test_every_staff_page_refuses_a_citizen(app, client, auth, citizen):
    auth.login(citizen)
    for endpoint, url, method, _roles in staff_endpoints(app):
        response = _request(client, url, method)
        assert response.status_code == 403, endpoint
        assert "You do not have access to this page" in text_of(response)


@pytest.mark.parametrize("role", [("clinic_admin", 1), ("school_admin", 1), "official"])
def test_every_staff_page_refuses_staff_of_another_role(app, client, auth, make_user, role):
    auth.login(make_user(roles=[role]))
    role_name = role if isinstance(role, str) else role[0]
    for endpoint, url, method, roles in staff_endpoints(app):
        if role_name in roles:
            continue
        assert _request(client, url, method).status_code == 403, endpoint


@pytest.fixture
def guarded(app):
    @app.route("/test-only/clinic")
    @role_required("clinic_admin")
    def clinic_only():
        return "clinic page"

    @app.route("/api/test-only/clinic")
    @role_required("clinic_admin")
    def clinic_api():
        return jsonify(ok=True)

    @app.route("/test-only/either")
    @role_required("clinic_admin", "school_admin")
    def either():
        return "either page"

    return app


def test_role_required_lets_the_role_in_and_refuses_other_roles(guarded, client, auth, make_user):
    auth.login(make_user(roles=[("clinic_admin", 7)]))
    assert client.get("/test-only/clinic").get_data(as_text=True) == "clinic page"
    assert client.get("/test-only/either").status_code == 200
    auth.logout()
    auth.login(make_user(roles=[("school_admin", 7)]))
    assert client.get("/test-only/clinic").status_code == 403
    assert client.get("/test-only/either").status_code == 200
    auth.logout()
    auth.login(make_user(roles=["superadmin"]))
    assert client.get("/test-only/clinic").status_code == 403  # superadmin does not imply the others


def test_role_required_answers_json_to_api_clients(guarded, client, auth, make_user):
    auth.login(make_user(roles=[("school_admin", 7)]))
    response = client.get("/api/test-only/clinic")
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"


def test_role_required_answers_401_json_to_anonymous_api_clients(guarded, client):
    response = client.get("/api/test-only/clinic", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"] == 401


def test_scope_helpers(app, make_user, citizen):
    staff = make_user(
        roles=[
            ("clinic_admin", 3),
            ("clinic_admin", 5),
            ("school_admin", 9),
            ("official", "Multan"),
            ("official", "Kasur"),
        ]
    )
    assert services.clinic_ids_for(staff) == {3, 5}
    assert services.institution_ids_for(staff) == {9}
    scope = services.official_scope(staff)
    assert not scope.province and scope.districts == {"Multan", "Kasur"}
    assert scope.allows("Multan") and not scope.allows("Lahore") and not scope.allows(None)
    province = services.official_scope(make_user(roles=["official"]))
    assert province.province and province.allows("Lahore")
    assert services.clinic_ids_for(citizen) == set() and services.official_scope(citizen) is None
    assert services.has_role(staff, "clinic_admin") and not services.has_role(staff, "superadmin")


# --- superadmin page ---------------------------------------------------------------------------


@pytest.fixture
def superadmin(make_user):
    return make_user(full_name="Super Admin", roles=["superadmin"])


def test_superadmin_finds_a_user_by_cnic(client, auth, superadmin, citizen):
    auth.login(superadmin)
    page = text_of(client.get("/admin/staff", query_string={"cnic": citizen.cnic_display}))
    assert "Bilal Ahmed" in page and "This person has no staff role." in page
    page = text_of(client.get("/admin/staff", query_string={"cnic": "35202-9999999-9"}))
    assert "No account has this CNIC." in page
    response = client.get("/admin/staff", query_string={"cnic": "123"})
    assert "Enter the person's 13-digit CNIC" in text_of(response)
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'href="#cnic"' in html  # and in the summary at the top


def grant(client, user, **data):
    return post_form(client, f"/admin/staff/{user.id}/roles", data, token_from=f"/admin/staff?cnic={user.cnic}")


@pytest.fixture
def any_scope_exists(monkeypatch):
    """Clinics and institutions are the health and education packages' business: here every id names one."""
    monkeypatch.setitem(services.SCOPE_RESOLVERS, "clinic_admin", lambda id: f"Clinic {id}")
    monkeypatch.setitem(services.SCOPE_RESOLVERS, "school_admin", lambda id: f"Institution {id}")


def test_superadmin_grants_and_revokes_roles_with_audit(client, auth, superadmin, citizen, any_scope_exists):
    auth.login(superadmin)
    response = grant(client, citizen, role="clinic_admin", scope_id="12")
    assert response.status_code == 302
    assert "The role has been granted." in text_of(client.get(response.headers["Location"]))
    assert grant(client, citizen, role="official", district="Multan").status_code == 302
    # The whole province includes Multan: it replaces the district role rather than sit beside it.
    assert grant(client, citizen, role="official", district="").status_code == 302
    db.session.expire_all()
    rows = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == citizen.id)).all()
    assert {(r.role, r.scope_id, r.district, r.granted_by_id) for r in rows} == {
        ("clinic_admin", 12, None, superadmin.id),
        ("official", None, None, superadmin.id),
    }
    page = text_of(client.get("/admin/staff", query_string={"cnic": citizen.cnic}))
    assert "Clinic admin" in page and "Whole province" in page and "Clinic 12 ( 12 )" in page
    # And a district role beside the whole province is refused, saying why.
    response = grant(client, citizen, role="official", district="Lahore")
    assert response.status_code == 400 and "already an official for the whole province" in text_of(response)

    # Remove asks first, naming the person, the role and its scope; nothing changes until its button.
    clinic_role = next(r for r in rows if r.role == "clinic_admin")
    revoke = f"/admin/staff/roles/{clinic_role.id}/revoke"
    assert f'href="{revoke}"' in client.get(f"/admin/staff?cnic={citizen.cnic}").get_data(as_text=True)
    confirm = text_of(client.get(revoke))
    assert citizen.full_name in confirm and "Clinic admin" in confirm and "Clinic 12" in confirm
    assert "Yes, remove this role" in confirm
    db.session.expire_all()
    assert db.session.get(RoleAssignment, clinic_role.id) is not None
    response = client.post(revoke, data={"csrf_token": csrf_token(client, revoke)})
    assert response.status_code == 302
    assert "The role has been removed." in text_of(client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(RoleAssignment, clinic_role.id) is None

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("role.%")).order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["role.granted"] * 2 + ["role.revoked", "role.granted", "role.revoked"]
    assert all(e.actor_id == superadmin.id and e.target_id == str(citizen.id) and e.ip == "127.0.0.1" for e in events)
    assert events[0].details["role"] == "clinic_admin" and events[0].details["scope_id"] == 12
    assert events[2].details == {
        "role": "official",
        "scope_id": None,
        "district": "Multan",
        "replaced_by": "whole province",
    }
    assert events[-1].details["role"] == "clinic_admin"


def test_granting_a_role_held_already_changes_nothing_and_says_so(client, auth, superadmin, citizen, any_scope_exists):
    auth.login(superadmin)
    assert grant(client, citizen, role="school_admin", scope_id="4").status_code == 302
    response = grant(client, citizen, role="school_admin", scope_id="4")
    assert response.status_code == 400
    assert "This person already has this role: nothing was changed." in text_of(response)
    assert "The role has been granted." not in text_of(response)
    assert len(db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == citizen.id)).all()) == 1


def test_grant_needs_a_scope_for_clinic_and_school_admins(client, auth, superadmin, citizen):
    auth.login(superadmin)
    response = grant(client, citizen, role="clinic_admin", scope_id="")
    assert response.status_code == 400
    assert "Enter the number of the clinic or institution, or a part of its name." in text_of(response)
    response = grant(client, citizen, role="school_admin", scope_id="abc")
    assert response.status_code == 400
    assert "No clinic or institution has this in its name." in text_of(response)
    assert grant(client, citizen, role="janitor").status_code == 400
    # What belongs to another role is not dropped in silence.
    response = grant(client, citizen, role="official", scope_id="5")
    assert response.status_code == 400
    assert "Only clinic and school admins have a clinic or institution: leave this empty." in text_of(response)
    response = grant(client, citizen, role="superadmin", district="Multan")
    assert response.status_code == 400 and "Only officials have a district: leave this empty." in text_of(response)
    assert db.session.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == citizen.id)) is None


def test_grant_refuses_a_clinic_that_does_not_exist(client, auth, superadmin, citizen, monkeypatch):
    monkeypatch.setitem(services.SCOPE_RESOLVERS, "clinic_admin", lambda id: "Mayo Hospital OPD" if id == 1 else None)
    auth.login(superadmin)
    response = grant(client, citizen, role="clinic_admin", scope_id="2")
    assert response.status_code == 400
    assert "There is no clinic or institution with this number." in text_of(response)
    assert grant(client, citizen, role="clinic_admin", scope_id="1").status_code == 302
    assert "Mayo Hospital OPD" in text_of(client.get("/admin/staff", query_string={"cnic": citizen.cnic}))


@pytest.mark.parametrize("typed", ["99999999999999999999999", "²", "٣", "1" * 10])
def test_grant_answers_an_impossible_number_next_to_the_field(client, auth, superadmin, citizen, typed):
    auth.login(superadmin)
    response = grant(client, citizen, role="clinic_admin", scope_id=typed)
    assert response.status_code == 400
    page = text_of(response)
    assert "There is no clinic or institution with this number." in page or "No clinic or institution has" in page
    assert db.session.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == citizen.id)) is None


def test_grant_finds_a_clinic_by_part_of_its_name(client, auth, superadmin, citizen, make_clinic):
    mayo = make_clinic(name="Mayo Hospital OPD")
    make_clinic(name="Services Hospital OPD")
    auth.login(superadmin)
    response = grant(client, citizen, role="clinic_admin", scope_id="hospital opd")
    assert response.status_code == 400
    page = text_of(response)
    assert "Several match: Mayo Hospital OPD" in page and f"Mayo Hospital OPD ({mayo.id})" in page
    assert "Enter the number of the one you mean." in page
    assert grant(client, citizen, role="clinic_admin", scope_id="mayo").status_code == 302
    db.session.expire_all()
    assert [(r.role, r.scope_id) for r in citizen.roles] == [("clinic_admin", mayo.id)]


def test_granted_role_opens_the_page_and_revoking_closes_it(client, auth, superadmin, citizen):
    services.grant_role(superadmin, citizen, "superadmin")
    db.session.commit()
    auth.login(citizen)
    assert client.get("/admin/staff").status_code == 200
    assignment = citizen.roles[0]
    services.revoke_role(superadmin, assignment.id)
    db.session.commit()
    assert client.get("/admin/staff").status_code == 403


def test_superadmin_cannot_remove_their_own_superadmin_role(client, auth, superadmin):
    auth.login(superadmin)
    own = superadmin.roles[0]
    token = csrf_token(client, f"/admin/staff?cnic={superadmin.cnic}")
    response = client.post(f"/admin/staff/roles/{own.id}/revoke", data={"csrf_token": token})
    assert "You cannot remove your own superadmin role." in text_of(client.get(response.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(RoleAssignment, own.id) is not None
    with pytest.raises(DomainError):
        services.revoke_role(superadmin, own.id)


def test_revoke_and_grant_of_unknown_records_are_404(client, auth, superadmin):
    auth.login(superadmin)
    token = csrf_token(client, "/admin/staff")
    assert client.post("/admin/staff/roles/999999/revoke", data={"csrf_token": token}).status_code == 404
    assert client.post("/admin/staff/999999/roles", data={"csrf_token": token, "role": "official"}).status_code == 404


def test_staff_actions_need_csrf(client, auth, superadmin, citizen):
    auth.login(superadmin)
    assert client.post(f"/admin/staff/{citizen.id}/roles", data={"role": "official"}).status_code == 400
    assert db.session.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == citizen.id)) is None


def test_grant_refuses_a_scope_number_for_officials_rather_than_drop_it(client, auth, superadmin, citizen):
    auth.login(superadmin)
    response = grant(client, citizen, role="official", scope_id="abc", district="Kasur")
    assert response.status_code == 400
    assert db.session.scalar(select(RoleAssignment.id).where(RoleAssignment.user_id == citizen.id)) is None
    assert grant(client, citizen, role="official", scope_id="", district="Kasur").status_code == 302
    row = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == citizen.id)).one()
    assert (row.role, row.scope_id, row.district) == ("official", None, "Kasur")


def test_the_empty_district_of_a_grant_says_it_means_the_whole_province(client, auth, superadmin, citizen):
    """Left on its first choice, the district makes an official for every district (and replaces the
    district roles they had): that choice must not read "Choose a district", as if nothing were chosen."""
    import re

    auth.login(superadmin)
    html = client.get("/admin/staff", query_string={"cnic": citizen.cnic}).get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="district"[^>]*>(.*?)</select>', html, re.S).group(1)
    first = re.search(r'<option[^>]*value=""[^>]*>([^<]*)</option>', select_html).group(1)
    assert first == "The whole province (every district)"
    client.get("/language/ur")
    html = client.get("/admin/staff", query_string={"cnic": citizen.cnic}).get_data(as_text=True)
    assert "پورا صوبہ (تمام اضلاع)" in html
    assert grant(client, citizen, role="official", scope_id="", district="").status_code == 302
    row = db.session.scalars(select(RoleAssignment).where(RoleAssignment.user_id == citizen.id)).one()
    assert (row.role, row.district) == ("official", None)


# --- the audit log ------------------------------------------------------------------------------


def test_audit_log_lists_events_newest_first_in_words_and_filters_by_person_and_kind(
    app, client, auth, superadmin, citizen, make_user, any_scope_exists
):
    other = make_user(full_name="Nadia Other")
    app.config["FIXED_NOW"] = "2026-03-02T03:00:00+00:00"
    auth.login(superadmin)  # an event of its own, before the three below
    for minute, (action, actor, target) in enumerate(
        [("auth.login", citizen, citizen), ("auth.login_failed", other, other), ("role.granted", superadmin, citizen)]
    ):
        app.config["FIXED_NOW"] = f"2026-03-02T04:{minute:02d}:00+00:00"
        services.audit(action, actor=actor, target=target, ip="10.0.0.7", role="official")
    db.session.commit()
    assert 'href="/admin/audit"' in client.get("/admin/staff").get_data(as_text=True)

    page = text_of(client.get("/admin/audit"))
    page = page[page.index("Record IP address Details") :]  # the table (the header says "Signed in as …")
    assert page.index("Staff role granted") < page.index("Sign-in failed") < page.index("Signed in")
    assert "Bilal Ahmed" in page and "Nadia Other" in page and "10.0.0.7" in page and "Role: Official" in page

    mine = text_of(client.get("/admin/audit", query_string={"cnic": citizen.cnic}))
    mine = mine[mine.index("Record IP address Details") :]
    assert "Signed in" in mine and "Staff role granted" in mine  # done by them, and done to their account
    assert "Sign-in failed" not in mine and "Nadia Other" not in mine
    roles = text_of(client.get("/admin/audit", query_string={"kind": "roles"}))
    roles = roles[roles.index("Record IP address Details") :]
    assert "Staff role granted" in roles and "Signed in" not in roles

    assert "No account has this CNIC." in text_of(client.get("/admin/audit", query_string={"cnic": "35202-0000000-9"}))
    response = client.get("/admin/audit", query_string={"cnic": "12", "kind": "nonsense"})
    assert response.status_code == 200 and "Enter the person's 13-digit CNIC" in text_of(response)


def test_audit_log_times_are_valid_html_datetimes_with_their_offset(app, client, auth, superadmin, citizen):
    from tests.conftest import HTML_DATETIME, time_datetimes

    app.config["FIXED_NOW"] = "2026-03-02T04:05:06.123456+00:00"
    services.audit("auth.login", actor=citizen, target=citizen, ip="10.0.0.7")
    db.session.commit()
    auth.login(superadmin)
    stamps = time_datetimes(client.get("/admin/audit").get_data(as_text=True))
    assert "2026-03-02T04:05:06+00:00" in stamps
    assert stamps and all(HTML_DATETIME.fullmatch(stamp) for stamp in stamps), stamps


def test_audit_log_is_for_the_superadmin_only(client, auth, citizen, make_user):
    assert client.get("/admin/audit").headers["Location"].startswith("/login")
    auth.login(citizen)
    assert client.get("/admin/audit").status_code == 403


def test_every_audited_action_is_named_in_words():
    """A new audit("…") call without a label would show its code to the superadmin: the actions
    written out in the call, those put in a variable first (``action = "education.course.created"``),
    the appointment statuses ``set_status`` audits as ``f"health.appointment.{status}"``, and the
    seed's own mark."""
    import re
    from pathlib import Path

    from portal.auth.views import AUDIT_ACTIONS
    from portal.demo.seed import SEEDED_ACTION
    from portal.health.admin import TRANSITIONS

    source = Path(services.__file__).resolve().parents[1]
    texts = [path.read_text(encoding="utf-8") for path in source.rglob("*.py")]
    used = {action for text in texts for action in re.findall(r"\baudit\(\s*\"([a-z_.]+)\"", text)}
    used |= {action for text in texts for action in re.findall(r"\baction = \"([a-z_]+\.[a-z_.]+)\"", text)}
    assert any('audit(f"health.appointment.{status}"' in text for text in texts)
    used |= {f"health.appointment.{status}" for status in TRANSITIONS}
    used.add(SEEDED_ACTION)
    assert len(used) > 30
    assert used - set(AUDIT_ACTIONS) == set()


def test_a_patient_marked_seen_shows_in_the_audit_log_in_words(client, auth, superadmin, citizen):
    """The clinic's most frequent change, in English and in Urdu, never as its code."""
    from portal.auth.models import AuditEvent

    db.session.add(AuditEvent(action="health.appointment.seen", actor_id=citizen.id, details={"previous": "arrived"}))
    db.session.commit()
    auth.login(superadmin)
    page = text_of(client.get("/admin/audit"))
    assert "Patient marked as seen" in page and "health.appointment.seen" not in page
    client.get("/language/ur")
    page = text_of(client.get("/admin/audit"))
    assert "health.appointment.seen" not in page and "Patient marked as seen" not in page


def test_audit_log_names_its_address_column_apart_from_date_filters(client, auth, superadmin):
    """The column of the address a change came from read "From" like the dashboard's date filters, and
    in Urdu took their "سے" ("from" a date): it is "IP address" in both languages."""
    auth.login(superadmin)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert '<th scope="col">IP address</th>' in html and '<th scope="col">From</th>' not in html
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.get("/admin/audit").get_data(as_text=True)
    assert '<th scope="col">آئی پی ایڈریس</th>' in html and '<th scope="col">سے</th>' not in html
