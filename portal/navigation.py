"""The links in the header, by role. A link appears once its endpoint exists."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.auth.services import has_role

# (endpoint, label, who sees it: None = everyone, "user" = signed in, or a role)
NAV = (
    ("health.find_clinics", _l("Clinics"), None),
    ("education.find_courses", _l("Courses"), None),
    ("health.my_appointments", _l("My appointments"), "user"),
    ("education.my_courses", _l("My courses"), "user"),
    ("notifications.inbox", _l("Messages"), "user"),
    ("health.admin_home", _l("Clinic admin"), "clinic_admin"),
    ("education.admin_home", _l("School admin"), "school_admin"),
    ("dashboard.index", _l("Dashboard"), "official"),
    ("auth.staff", _l("Staff roles"), "superadmin"),
)


def nav_links() -> list[dict]:
    links = []
    signed_in = current_user.is_authenticated
    for endpoint, label, audience in NAV:
        if endpoint not in current_app.view_functions:
            continue
        if audience == "user" and not signed_in:
            continue
        if audience not in (None, "user") and not (signed_in and has_role(current_user, audience)):
            continue
        links.append({"url": url_for(endpoint), "label": label, "endpoint": endpoint})
    return links


def home_links() -> dict[str, str]:
    def first(*endpoints):
        for endpoint in endpoints:
            if endpoint in current_app.view_functions:
                return url_for(endpoint)
        return "#"

    return {"health": first("health.find_clinics"), "education": first("education.find_courses")}
