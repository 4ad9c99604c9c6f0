"""The links in the header, by role. A link appears once its endpoint exists."""

from __future__ import annotations

from flask import current_app, has_request_context, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

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
ROLE_AUDIENCES = tuple(dict.fromkeys(audience for _endpoint, _label, audience in NAV if audience not in (None, "user")))


def nav_links() -> tuple[dict, ...]:
    """The header's links for this person, in the current language. Every page shows them, and they
    depend only on the language, the address the portal is served under and which roles the person
    has: they are built once per such combination and process (the labels translated, the addresses
    built), not on every page."""
    from portal.auth.services import has_role  # here: the auth package imports this module

    signed_in = current_user.is_authenticated
    roles = tuple(signed_in and has_role(current_user, role) for role in ROLE_AUDIENCES)
    key = (str(get_locale() or "en"), request.script_root, signed_in, roles)
    built = current_app.extensions.setdefault("portal.nav_links", {})
    links = built.get(key)
    if links is None:
        allowed = {None, *(("user",) if signed_in else ())}
        allowed.update(role for role, has in zip(ROLE_AUDIENCES, roles, strict=True) if has)
        links = built[key] = tuple(
            {"url": url_for(endpoint), "label": str(label), "endpoint": endpoint}
            for endpoint, label, audience in NAV
            if endpoint in current_app.view_functions and audience in allowed
        )
    return links


def home_links() -> dict[str, str]:
    def first(*endpoints):
        for endpoint in endpoints:
            if endpoint in current_app.view_functions:
                return url_for(endpoint)
        return "#"

    built = current_app.extensions.setdefault("portal.home_links", {})
    links = built.get(request.script_root)
    if links is None:
        links = built[request.script_root] = {
            "health": first("health.find_clinics"),
            "education": first("education.find_courses"),
        }
    return links


def remembered_url_for(endpoint: str, **values) -> str:
    """Flask's ``url_for`` for templates, remembering the addresses every page repeats: a page that
    takes no parameters and a static file (its version included), once per address the portal is
    served under and process. Anything else (parameters, a relative endpoint, an external address)
    is built each time."""
    if (
        not has_request_context()
        or endpoint.startswith(".")
        or (values and (endpoint != "static" or values.keys() != {"filename"}))
    ):
        return url_for(endpoint, **values)
    key = (request.script_root, endpoint, values.get("filename"))
    built = current_app.extensions.setdefault("portal.urls", {})
    url = built.get(key)
    if url is None:
        url = built[key] = url_for(endpoint, **values)
    return url


def requested_page(most: int = 10_000) -> int:
    """The ``page`` of a listing's query string: 1 when it is missing or not a number, and never past
    ``most`` (a huge number would only make the database skip rows it does not have, or fail)."""
    page = request.args.get("page", 1, type=int) or 1
    return max(1, min(page, most))


def past_the_last_page(results, endpoint: str, **values):
    """A redirect to the last page when the ``page`` asked for is past it (an old link, a typed
    number, the list grew shorter), keeping the other arguments; None when the page exists. A list
    that says "23 found" over no rows, or "no messages yet" to someone who has some, misleads."""
    last = max(results.pages, 1)
    if results.page <= last:
        return None
    return redirect(url_for(endpoint, **values, **{**request.args.to_dict(), "page": last}))
