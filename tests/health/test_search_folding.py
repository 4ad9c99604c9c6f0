"""Clinic search finds a name however it is spelt, as long as people could not see the difference
(portal.folding): Urdu letters typed on an Arabic keyboard, invisible joiners and direction marks,
letters composed or not, capitals beyond ASCII (which SQLite's lower() does not know); the service
filter takes each service name once, whatever its case or spaces."""

from __future__ import annotations

import re
import unicodedata

import pytest
from sqlalchemy import insert, select

from portal.extensions import db
from portal.health import admin
from portal.health import services as health
from portal.health.errors import DomainError
from portal.health.models import Clinic, Service
from portal.name_keys import kept_apart
from tests.test_name_keys import clinic_row

MAYO_UR = "میو ہسپتال او پی ڈی"


def found(**filters) -> list[str]:
    return [clinic.name for clinic in health.find_clinics(**filters).items]


@pytest.mark.parametrize(
    "typed",
    [
        "ميو",  # Arabic yeh
        "میو هسپتال",  # Arabic heh
        "ميو هسپتال",
        "می\u200cو",  # a zero-width non-joiner inside the word
        "\u200fمیو",  # a right-to-left mark before it
        "میو\u00a0ہسپتال",  # a no-break space
    ],
)
def test_clinic_search_finds_the_urdu_name_typed_with_other_letters_or_invisible_marks(make_clinic, typed):
    make_clinic(name="Mayo Hospital OPD", name_ur=MAYO_UR)
    make_clinic(name="Holy Family Hospital", name_ur="ہولی فیملی ہسپتال")
    assert found(q=typed) == ["Mayo Hospital OPD"]


@pytest.mark.parametrize("typed", ["آئی", "ا\u0653ئی", "آیٔی"])
def test_clinic_search_finds_a_letter_typed_as_a_letter_and_its_mark(make_clinic, typed):
    make_clinic(name="IT Clinic", name_ur="آئی ٹی کلینک")
    assert found(q=typed) == ["IT Clinic"]


def test_clinic_search_finds_an_urdu_name_saved_with_arabic_letters(make_clinic):
    make_clinic(name="Mayo Hospital OPD", name_ur="ميو هسپتال")
    assert found(q="میو ہسپتال") == ["Mayo Hospital OPD"]


def test_clinic_search_ignores_the_case_of_accented_letters_and_how_they_are_typed(make_clinic):
    make_clinic(name="CAFÉ Clinic")
    make_clinic(name="Cafe Clinic")
    assert found(q="café") == ["CAFÉ Clinic"]
    assert found(q=unicodedata.normalize("NFD", "Café")) == ["CAFÉ Clinic"]


@pytest.mark.parametrize("typed", ["%", "_", "\\", "/", "100%", "a_b"])
def test_a_wildcard_in_a_clinic_search_is_a_character_like_any_other(make_clinic, typed):
    make_clinic(name="Mayo Hospital OPD")
    assert found(q=typed) == []
    make_clinic(name="Clinic 100% / A_B \\ x")
    assert found(q=typed) == ["Clinic 100% / A_B \\ x"]


def test_the_search_copy_follows_the_names_on_every_path_that_writes_them(make_user, make_clinic):
    clinic = make_clinic(name="Mayo Hospital OPD", name_ur=None)
    assert clinic.search_text == "mayo hospital opd"
    actor = make_user(roles=["superadmin"])
    data = {"name": "MAYO  Hospital", "name_ur": "ميو ہسپتال", "type": "teaching_opd", "district": "Lahore",
            "address": "Hospital Road", "address_ur": None, "phone": "042 99211100"}  # fmt: skip
    admin.save_clinic(actor, clinic, data)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Clinic, clinic.id).search_text == "mayo hospital\nمیو ہسپتال"
    clinic = db.session.get(Clinic, clinic.id)
    clinic.name_ur = None  # one name changed alone, on an object loaded afresh
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Clinic, clinic.id).search_text == "mayo hospital"
    # A row inserted in bulk without it (the demo generator) gets it from its own names.
    db.session.execute(insert(Clinic.__table__), [clinic_row("BHU  Kot Lakhpat", name_ur="بی ایچ یو کوٹ لکھپت")])
    db.session.commit()
    assert db.session.scalar(select(Clinic.search_text).where(Clinic.name == "BHU  Kot Lakhpat")) == (
        "bhu kot lakhpat\nبی ایچ یو کوٹ لکھپت"
    )
    assert found(q="كوٹ") == ["BHU  Kot Lakhpat"]


@pytest.mark.parametrize(
    "alike",
    [unicodedata.normalize("NFD", "Café Clinic"), "Café\u200b Clinic", "Café\u00ad Clinic", "\u200eCafé Clinic"],
)
def test_a_clinic_named_like_another_but_for_what_nobody_sees_is_refused(make_user, alike):
    actor = make_user(roles=["superadmin"])
    data = {"name": "Café Clinic", "name_ur": None, "type": "teaching_opd", "district": "Lahore",
            "address": "Hospital Road", "address_ur": None, "phone": "042 99211100"}  # fmt: skip
    admin.save_clinic(actor, None, data)
    db.session.commit()
    with pytest.raises(DomainError, match="already a clinic"):
        admin.save_clinic(actor, None, {**data, "name": alike})


# --- the service filter ------------------------------------------------------------------------------


def test_the_service_filter_lists_a_service_once_whatever_its_case_or_spaces(client, make_clinic, make_service):
    mayo, services_hospital, jinnah = (make_clinic(name=n) for n in ("Mayo", "Services Hospital", "Jinnah"))
    make_service(clinic=mayo, name="General OPD", name_ur="جنرل او پی ڈی")
    make_service(clinic=services_hospital, name="General opd", name_ur="جنرل او پی ڈی")
    make_service(clinic=jinnah, name="General  OPD", name_ur=None)
    make_service(clinic=jinnah, name="Dental")
    assert health.service_names() == [("Dental", None), ("General OPD", "جنرل او پی ڈی")]
    for spelling in ("General OPD", "general  opd", "General opd"):
        assert found(service_name=spelling) == ["Jinnah", "Mayo", "Services Hospital"], spelling
    assert found(service_name="Dental") == ["Jinnah"]
    html = client.get("/clinics").get_data(as_text=True)
    assert re.findall(r'<option value="General[^"]*"', html) == ['<option value="General OPD"']
    # An older link with another spelling finds them all, and shows the service chosen.
    html = client.get("/clinics", query_string={"service": "General  opd"}).get_data(as_text=True)
    assert '<option selected value="General OPD">' in html or '<option value="General OPD" selected>' in html
    assert all(name in html for name in ("Jinnah", "Mayo", "Services Hospital"))
    assert "not on the list" not in html


def test_a_service_kept_apart_by_migration_0019_is_found_under_its_name(make_clinic, make_service):
    """A clinic that had "General OPD" twice before names were keyed keeps the later one under a key of
    its own: the filter still finds that clinic by it, and lists the name once."""
    jinnah = make_clinic(name="Jinnah")
    first = make_service(clinic=jinnah, name="General OPD", active=False)
    later = make_service(clinic=jinnah, name="X-ray")
    db.session.execute(
        Service.__table__.update()
        .where(Service.__table__.c.id == later.id)
        .values(name="General  OPD", name_key=kept_apart("general opd", later.id))
    )
    db.session.commit()
    assert first.id != later.id
    assert health.service_names() == [("General OPD", None)]
    assert found(service_name="General OPD") == ["Jinnah"]


@pytest.mark.parametrize("typed", ["BHU 12", "BHU ۱۲", "bhu ١٢", "بی ایچ یو 12", "بی ایچ یو ۱۲"])
def test_clinic_search_reads_a_number_in_any_scripts_digits_as_the_same_number(make_clinic, typed):
    """A number typed on an Urdu keyboard finds the clinic whose name holds it in ASCII digits, and the
    other way round: "BHU 12" in English, "بی ایچ یو ۱۲" in Urdu, are one clinic's names."""
    make_clinic(name="BHU 12", name_ur="بی ایچ یو ۱۲")
    make_clinic(name="BHU 13", name_ur="بی ایچ یو ۱۳")
    assert found(q=typed) == ["BHU 12"]
