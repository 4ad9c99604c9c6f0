"""Clinic lists in Urdu are in Urdu alphabetical order, by the name the reader sees; in English, by the
English name in English alphabetical order (tests/test_english_order.py). The same order on SQLite and
PostgreSQL, page after page."""

from __future__ import annotations

import random
import re

from flask_babel import force_locale

from portal.collation import english_key
from portal.health import admin, services
from tests.conftest import Statements

# (English name, Urdu name or None), in the order an Urdu reader must see them: the Urdu alphabet,
# بھ after every other ب- word, an Arabic-keyboard ك read as ک, then the names that start with a Latin
# word (in Urdu or with no Urdu name) after every Urdu one, as ICU's Urdu collation puts them.
CLINICS_IN_URDU_ORDER = (
    ("Allied Hospital OPD", "الائیڈ ہسپتال او پی ڈی"),
    ("Aabpara Health Centre", "آب پارہ مرکزِ صحت"),
    ("Basic Health Unit Shalimar", "بنیادی مرکزِ صحت شالامار"),
    ("Bahawal Victoria Hospital OPD", "بہاول وکٹوریہ ہسپتال او پی ڈی"),
    ("BHU Bhai Pheru", "بی ایچ یو بھائی پھیرو"),
    ("Benazir Bhutto Hospital OPD", "بے نظیر بھٹو ہسپتال او پی ڈی"),
    ("Bhakkar City Dispensary", "بھکر سٹی ڈسپنسری"),
    ("Pakpattan THQ Hospital", "پاکپتن ٹی ایچ کیو ہسپتال"),
    ("Taxila THQ Hospital", "ٹیکسلا ٹی ایچ کیو ہسپتال"),
    ("Chak Jhumra Rural Health Centre", "چک جھمرہ دیہی مرکزِ صحت"),
    ("DHQ Hospital Attock", "ڈی ایچ کیو ہسپتال اٹک"),
    ("Kot Lakhpat Dispensary", "كوٹ لکھپت ڈسپنسری"),
    ("Kahuta THQ Hospital", "کہوٹہ ٹی ایچ کیو ہسپتال"),
    ("Gulberg Dispensary", "گلبرگ ڈسپنسری"),
    ("Yakki Gate Dispensary", "یکی گیٹ ڈسپنسری"),
    ("DHA Clinic", "DHA کلینک لاہور"),
    ("Mayo Hospital OPD", None),
)


def shown(clinic_names):
    return [urdu or english for english, urdu in clinic_names]


def add_clinics(make_clinic):
    """The clinics above, added in a shuffled order (so the ids do not give the order away)."""
    rows = list(CLINICS_IN_URDU_ORDER)
    random.Random(5).shuffle(rows)
    for english, urdu in rows:
        make_clinic(name=english, name_ur=urdu)


def found_names(pages):
    return [clinic.shown_name for page in pages for clinic in page.items]


def test_clinic_search_in_urdu_is_in_urdu_alphabetical_order_page_after_page(app, make_clinic):
    add_clinics(make_clinic)
    with app.test_request_context(), force_locale("ur"):
        first, second = services.find_clinics(page=1), services.find_clinics(page=2)
        assert (first.total, len(first.items), len(second.items)) == (17, 10, 7)
        # The second page goes on where the first stopped: every clinic once, in order.
        assert found_names([first, second]) == shown(CLINICS_IN_URDU_ORDER)


def test_clinic_search_in_english_is_in_english_alphabetical_order(app, make_clinic):
    add_clinics(make_clinic)
    with app.test_request_context(), force_locale("en"):
        pages = [services.find_clinics(page=1), services.find_clinics(page=2)]
    # "Bahawal …" before "BHU …": letters compared alphabetically, not by character code.
    assert found_names(pages) == sorted((english for english, _urdu in CLINICS_IN_URDU_ORDER), key=english_key)
    assert found_names(pages).index("Bahawal Victoria Hospital OPD") < found_names(pages).index("BHU Bhai Pheru")


def test_clinic_search_in_urdu_sorts_in_the_database_with_no_extra_query(app, make_clinic):
    add_clinics(make_clinic)
    counts = {}
    for language in ("en", "ur"):
        with app.test_request_context(), force_locale(language), Statements() as sent:
            services.find_clinics(page=2)
        counts[language] = len(sent.sent)
        if language == "ur":
            assert any("COLLATE" in statement for statement in sent.sent)
    assert counts["ur"] == counts["en"]


def test_a_clinics_services_and_the_admins_clinics_are_in_the_order_of_the_names_shown(
    app, make_clinic, make_service, make_user
):
    clinic = make_clinic(name="Mayo Hospital OPD", name_ur="میو ہسپتال او پی ڈی")
    for name, name_ur in (
        ("Child immunisation (EPI)", "بچوں کی حفاظتی ٹیکہ جات (ای پی آئی)"),
        ("Dental OPD", "دانتوں کی او پی ڈی"),
        ("Antenatal check-up", "زچگی سے پہلے کا معائنہ"),
        ("Eye OPD", "آنکھوں کی او پی ڈی"),
        ("TB screening", None),
    ):
        make_service(clinic=clinic, name=name, name_ur=name_ur)
    other = make_clinic(name="Allied Hospital OPD", name_ur="الائیڈ ہسپتال او پی ڈی")
    runner = make_user(roles=[("clinic_admin", clinic.id), ("clinic_admin", other.id)])
    with app.test_request_context(), force_locale("ur"):
        assert [s.shown_name for s in services.active_services(clinic)] == [
            "آنکھوں کی او پی ڈی",
            "بچوں کی حفاظتی ٹیکہ جات (ای پی آئی)",
            "دانتوں کی او پی ڈی",
            "زچگی سے پہلے کا معائنہ",
            "TB screening",
        ]
        assert [c.shown_name for c in admin.admin_clinics(runner)] == ["الائیڈ ہسپتال او پی ڈی", "میو ہسپتال او پی ڈی"]
    with app.test_request_context(), force_locale("en"):
        names = [s.name for s in services.active_services(clinic)]
        assert names == ["Antenatal check-up", "Child immunisation (EPI)", "Dental OPD", "Eye OPD", "TB screening"]
        assert [c.name for c in admin.admin_clinics(runner)] == ["Allied Hospital OPD", "Mayo Hospital OPD"]


def clinic_names_on(html: str) -> list[str]:
    """The names in the order shown (without the <bdi lang="en"> of a name that has no Urdu)."""
    names = re.findall(r'<h2[^>]*>\s*<a href="/clinics/\d+"[^>]*>(.*?)</a>', html)
    return [re.sub(r"</?bdi[^>]*>", "", name) for name in names]


def test_clinic_search_page_in_urdu_lists_clinics_and_districts_in_urdu_order(client, make_clinic):
    add_clinics(make_clinic)
    client.get("/language/ur?next=/")
    first = client.get("/clinics").get_data(as_text=True)
    second = client.get("/clinics?page=2").get_data(as_text=True)
    assert clinic_names_on(first) + clinic_names_on(second) == shown(CLINICS_IN_URDU_ORDER)
    # The district filter too: اٹک first, then بہاولنگر … and وہاڑی last.
    labels = re.findall(r'<option value="[A-Z][^"]*"[^>]*>([^<]*)</option>', first.split('name="district"')[1])[:36]
    assert labels[0] == "اٹک" and labels[-1] == "وہاڑی", labels
    client.get("/language/en?next=/")
    english = client.get("/clinics").get_data(as_text=True)
    assert clinic_names_on(english)[:2] == ["Aabpara Health Centre", "Allied Hospital OPD"]
