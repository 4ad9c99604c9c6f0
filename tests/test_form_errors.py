"""What a form says about bad input, in words a person understands and in the page's language: the
messages WTForms writes itself (an empty select of numbers, a value not among the options) included."""

from __future__ import annotations

import ast
import re
from html import unescape
from pathlib import Path

import wtforms
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.extensions import db
from portal.forms import _PortalTranslations
from portal.health.models import Appointment, WeeklyHours
from tests.conftest import csrf_token
from tests.health.conftest import MONDAY, karachi

# Errors for the programmer, never shown on a page (raised as TypeError, or only for a misnamed field).
NOT_FOR_PEOPLE = {"Choices cannot be None.", "Invalid field name '%s'."}
URDU_LETTER = re.compile(r"[\u0600-\u06FF]")


def wtforms_messages() -> list[tuple[str, str | None]]:
    """Every message in WTForms' own code, as (singular, plural or None), read from its source: a
        newer WTForms that adds one makes the test below ask for its Urdu. (A form posted with an expired or
    missing CSRF token never gets this far: CSRFProtect answers with the "This form expired" page, or
    with the "send again" page of portal.resend when the token only expired.)"""
    found = []
    for path in Path(wtforms.__file__).parent.rglob("*.py"):
        if path.parent.name == "csrf":  # WTForms' session CSRF, which Flask-WTF's CSRFProtect replaces
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.attr == "gettext" and len(args) == 1:
                found.append((args[0], None))
            elif node.func.attr == "ngettext" and len(args) == 2:
                found.append((args[0], args[1]))
    return sorted({m for m in found if m[0] not in NOT_FOR_PEOPLE})


def test_every_message_wtforms_writes_itself_reads_in_urdu(app):
    messages = wtforms_messages()
    assert ("This field is required.", None) in messages and len(messages) > 25
    translations = _PortalTranslations()
    untranslated = []
    with app.test_request_context(), force_locale("ur"):
        for singular, plural in messages:
            for n in (1, 2):
                text = translations.gettext(singular) if plural is None else translations.ngettext(singular, plural, n)
                # The placeholders (%(min)s) stay as they are; every word around them is Urdu.
                words = re.sub(r"%\(\w+\)[sd]", "", text)
                if not URDU_LETTER.search(words) or re.search(r"[A-Za-z]", words):
                    untranslated.append(text)
    assert untranslated == []


def test_the_technical_messages_are_said_in_plain_words_in_english_too(app):
    translations = _PortalTranslations()
    with app.test_request_context(), force_locale("en"):
        assert translations.gettext("Invalid Choice: could not coerce.") == "Choose only from the options listed."
        refused = translations.ngettext(
            "'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.", 2
        )
        # WTForms then %-formats it with what was sent, which is not repeated back.
        assert refused % {"value": "<b>x</b>"} == "Choose only from the options listed."


def _field_block(html: str, field_id: str) -> str:
    return re.search(rf'<div class="field[^"]*">\s*<label for="{field_id}".*?</div>', html, re.S).group(0)


def test_an_unchosen_weekday_or_service_is_told_in_urdu_at_its_field_and_nothing_is_saved(
    client, auth, make_service, make_user
):
    service = make_service()
    admin = make_user(roles=[("clinic_admin", service.clinic_id)], preferred_language="ur")
    auth.login(admin)
    hours_before = db.session.scalar(select(func.count(WeeklyHours.id)))
    pages = {
        f"/clinic-admin/services/{service.id}/hours": ({"weekday": "", "start": "14:00", "end": "17:00"}, "weekday"),
        f"/clinic-admin/clinics/{service.clinic_id}/walk-in": (
            {"service_id": "", "cnic": "35202-1111111-1", "full_name": "Ali", "mode": "queue"},
            "service_id",
        ),
        f"/clinic-admin/clinics/{service.clinic_id}/closures": (
            {"service_id": "abc", "start_date": "2026-03-10", "end_date": "2026-03-10", "reason": "Strike"},
            "service_id",
        ),
    }
    for path, (data, field_id) in pages.items():
        response = client.post(path, data={**data, "csrf_token": csrf_token(client, path)})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        block = _field_block(html, field_id)
        # A walk-in's service is left unchosen at first (nothing is chosen for the officer): it asks for one.
        told = "سروس منتخب کریں۔" if path.endswith("/walk-in") else "صرف دیے گئے اختیارات میں سے منتخب کریں۔"
        assert told in block, path
        assert 'aria-invalid="true"' in block
        assert f'href="#{field_id}"' in html  # and in the summary at the top
        assert "coerce" not in html and "Invalid Choice" not in html
        # What was typed stays in the form.
        assert 'value="17:00"' in html or 'value="35202-1111111-1"' in html or "Strike" in html
    assert db.session.scalar(select(func.count(WeeklyHours.id))) == hours_before
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


def test_a_booking_for_nobody_or_for_someone_not_offered_marks_each_choice_invalid(
    client, auth, make_service, make_user
):
    service = make_service()
    citizen = make_user(preferred_language="ur")
    auth.login(citizen)
    path = f"/appointments/book/{service.id}/{int(karachi(MONDAY, 12).timestamp())}"
    assert client.get(path).status_code == 200
    for person in (None, "<script>x</script>"):
        data = {"csrf_token": csrf_token(client, path)} | ({"person": person} if person else {})
        html = client.post(path, data=data).get_data(as_text=True)
        group = re.search(r'<fieldset class="field field-error.*?</fieldset>', html, re.S).group(0)
        radios = re.findall(r'<input[^>]*type="radio"[^>]*>', group)
        assert radios and all('aria-invalid="true"' in radio for radio in radios)
        assert "person-error" in re.search(r"<fieldset[^>]*>", group).group(0)  # the message is read with the group
        assert 'href="#person-0"' in html
        assert "Invalid Choice" not in html and "<script>x" not in html
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


def test_staff_typing_someone_elses_cnic_are_asked_for_the_persons_not_their_own(client, auth, make_service, make_user):
    service = make_service()
    admin = make_user(roles=[("clinic_admin", service.clinic_id)])
    auth.login(admin)
    path = f"/clinic-admin/clinics/{service.clinic_id}/walk-in"
    data = {"service_id": service.id, "cnic": "35202-123", "full_name": "Ali Raza", "mode": "queue"}
    html = client.post(path, data={**data, "csrf_token": csrf_token(client, path)}).get_data(as_text=True)
    assert "Enter the person's 13-digit CNIC, for example 35202-1234567-1." in unescape(_field_block(html, "cnic"))
    assert "Enter your 13-digit CNIC" not in html
    assert 'value="Ali Raza"' in html  # what was typed is kept
    with client.session_transaction() as session:
        session["lang"] = "ur"
    html = client.post(path, data={**data, "csrf_token": csrf_token(client, path)}).get_data(as_text=True)
    assert "فرد کا 13 ہندسوں کا شناختی کارڈ نمبر درج کریں" in _field_block(html, "cnic")
    assert db.session.scalar(select(func.count(Appointment.id))) == 0


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S).group(1)


def test_the_title_of_a_page_sent_back_with_a_problem_starts_with_error(client, make_user):
    assert _title(client.get("/register")) == "Create an account · Digital Punjab"
    response = client.post("/register", data={"csrf_token": csrf_token(client, "/register")})
    assert _title(response) == "Error: Create an account · Digital Punjab"
    user = make_user()
    # A problem found beyond the fields (a wrong password), shown in a box of its own.
    data = {"identifier": user.cnic, "password": "wrong-password-1", "csrf_token": csrf_token(client, "/login")}
    assert _title(client.post("/login", data=data)).startswith("Error: Sign in")
    client.get("/language/ur")
    response = client.post("/register", data={"csrf_token": csrf_token(client, "/register")})
    assert _title(response).startswith("خرابی: ")
    assert not _title(client.get("/register")).startswith("خرابی")


def test_a_daily_list_or_dashboard_date_not_used_is_an_error_in_the_title(client, auth, make_service, make_user):
    service = make_service()
    admin = make_user(roles=[("clinic_admin", service.clinic_id), ("official", None)])
    auth.login(admin)
    day = f"/clinic-admin/clinics/{service.clinic_id}/day"
    assert not _title(client.get(day)).startswith("Error:")
    assert _title(client.get(day, query_string={"date": "31/12/2026"})).startswith("Error:")
    assert _title(client.get("/dashboard/", query_string={"start": "2026-13-45"})).startswith("Error:")
    assert not _title(client.get("/dashboard/")).startswith("Error:")


def test_select_choices_computed_per_request_are_not_kept_from_an_earlier_one(app):
    """A select's translated choices are kept per form and language only when they are all fixed texts;
    a list computed each time (the services offered today) shows what is true now, in either language."""
    from flask_babel import lazy_gettext as _l
    from flask_babel.speaklater import LazyString
    from wtforms import SelectField

    from portal.forms import FlaskForm

    offered = ["Dental"]

    class Search(FlaskForm):
        class Meta:
            csrf = False

        service = SelectField(choices=lambda: [("", _l("All services"))] + [(n, n) for n in offered])
        fee = SelectField(choices=[("", _l("Free or paid")), ("free", _l("Free"))])

    for locale, everything in (("en", "All services"), ("ur", "تمام سروسز")):
        with app.test_request_context(), force_locale(locale):
            offered[:] = []
            assert Search().service.choices == [("", everything)]  # none offered yet: only lazy texts
            offered[:] = ["Dental"]
            assert Search().service.choices == [("", everything), ("Dental", "Dental")]
            offered[:] = ["Dental", "Eye"]
            form = Search()
            assert form.service.choices == [("", everything), ("Dental", "Dental"), ("Eye", "Eye")]
            fee_labels = [label for _, label in form.fee.choices]
            assert fee_labels == [str(_l("Free or paid")), str(_l("Free"))]
            assert bool(URDU_LETTER.search(fee_labels[0])) == (locale == "ur")
            assert not any(isinstance(label, LazyString) for _, label in form.fee.choices)


def _form_classes():
    """Every form class of the portal (each package's forms module imported)."""
    import importlib
    import pkgutil

    import portal
    from portal.forms import FlaskForm

    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, waiting = [], [FlaskForm]
    while waiting:
        for cls in waiting.pop().__subclasses__():
            found.append(cls)
            waiting.append(cls)
    return found


def test_every_decimal_field_of_the_portal_refuses_numbers_that_are_not_finite(app):
    """Python's Decimal reads "NaN", "sNaN" and "Infinity" as numbers; WTForms' DecimalField keeps them and
    its NumberRange then fails on "sNaN" with an exception (the course fee answered 500). Every amount is
    taken with portal.forms.FiniteDecimalField, which refuses them at the field like any other text."""
    from werkzeug.datastructures import MultiDict
    from wtforms.fields.core import UnboundField
    from wtforms.fields.numeric import DecimalField
    from wtforms.validators import NumberRange

    from portal.forms import FiniteDecimalField, FlaskForm

    plain = []
    for cls in _form_classes():
        for name in dir(cls):
            unbound = getattr(cls, name, None)
            if not isinstance(unbound, UnboundField) or not issubclass(unbound.field_class, DecimalField):
                continue
            if not issubclass(unbound.field_class, FiniteDecimalField):
                plain.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert plain == []

    class Amount(FlaskForm):
        class Meta:
            csrf = False

        amount = FiniteDecimalField(validators=[NumberRange(min=0, max=100)])

    for locale, refused in (("en", "Not a valid decimal value."), ("ur", "یہ عدد درست نہیں۔")):
        with app.test_request_context(), force_locale(locale):
            for typed in ("sNaN", "-sNaN", "NaN", "nan", "Infinity", "-inf"):
                form = Amount(formdata=MultiDict({"amount": typed}))
                assert not form.validate() and form.amount.errors == [refused], typed
                assert form.amount.data is None and form.amount._value() == typed  # left in the box to correct
            form = Amount(formdata=MultiDict({"amount": "12.50"}))
            assert form.validate() and str(form.amount.data) == "12.50"
