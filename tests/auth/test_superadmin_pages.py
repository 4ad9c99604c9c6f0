"""The superadmin's staff page offers only what the superadmin can do: the demo reset (in DEMO_MODE)
opens for them, and their own superadmin role has no Remove (its address refuses at once)."""

import pytest

from portal.auth.models import RoleAssignment
from portal.extensions import db
from tests.auth.conftest import text_of
from tests.conftest import csrf_token


@pytest.fixture
def superadmin(make_user):
    return make_user(full_name="Super Admin", roles=["superadmin"])


def test_the_demo_reset_link_on_the_staff_page_opens_for_the_superadmin(app, client, auth, superadmin):
    auth.login(superadmin)
    assert 'href="/dashboard/demo-reset"' not in client.get("/admin/staff").text  # not in DEMO_MODE
    app.config["DEMO_MODE"] = True
    assert 'href="/dashboard/demo-reset"' in client.get("/admin/staff").text
    response = client.get("/dashboard/demo-reset")
    assert response.status_code == 200
    assert 'action="/dashboard/demo-reset"' in response.text


@pytest.mark.parametrize("role", [None, "official", "clinic_admin", "school_admin"])
def test_the_demo_reset_is_refused_to_everyone_else(app, client, auth, make_user, role):
    app.config["DEMO_MODE"] = True
    auth.login(make_user(roles=[role] if role else []))
    assert client.get("/admin/staff").status_code == 403
    assert client.get("/dashboard/demo-reset").status_code == 403


def test_the_superadmin_is_offered_no_remove_for_their_own_superadmin_role(client, auth, superadmin, make_user):
    other = make_user(full_name="Other Admin", roles=["superadmin"])
    auth.login(superadmin)
    own = superadmin.roles[0]
    page = client.get(f"/admin/staff?cnic={superadmin.cnic}")
    assert f"/admin/staff/roles/{own.id}/revoke" not in page.text
    assert "Your own role: only another superadmin can remove it." in text_of(page)
    # Another superadmin's role can be removed (by this one), and theirs is offered.
    theirs = other.roles[0]
    assert f'href="/admin/staff/roles/{theirs.id}/revoke"' in client.get(f"/admin/staff?cnic={other.cnic}").text


def test_opening_the_remove_address_of_ones_own_superadmin_role_refuses_at_once(client, auth, superadmin):
    auth.login(superadmin)
    own = superadmin.roles[0]
    response = client.get(f"/admin/staff/roles/{own.id}/revoke")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/staff?cnic={superadmin.cnic}"
    page = text_of(client.get(response.headers["Location"]))
    assert "You cannot remove your own superadmin role." in page
    assert "Remove a staff role" not in page
    token = csrf_token(client, "/admin/staff")
    response = client.post(f"/admin/staff/roles/{own.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RoleAssignment, own.id) is not None


def test_the_refusal_is_said_in_urdu(client, auth, make_user):
    admin = make_user(roles=["superadmin"], preferred_language="ur")
    auth.login(admin)
    response = client.get(f"/admin/staff/roles/{admin.roles[0].id}/revoke", follow_redirects=True)
    assert response.request.path == "/admin/staff"
    page = text_of(response)
    assert "آپ اپنی سپر ایڈمن کی ذمہ داری خود واپس نہیں لے سکتے۔" in page
    assert "یہ آپ کی اپنی ذمہ داری ہے: اسے صرف کوئی دوسرا سپر ایڈمن ہٹا سکتا ہے۔" in page


@pytest.mark.parametrize("role", [None, "official", "clinic_admin"])
def test_the_remove_address_is_refused_to_anyone_but_a_superadmin(client, auth, superadmin, make_user, role):
    auth.login(make_user(roles=[role] if role else []))
    assert client.get(f"/admin/staff/roles/{superadmin.roles[0].id}/revoke").status_code == 403
