"""in_language(english, urdu): the Urdu name on Urdu pages when there is one, English otherwise."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale

from portal.bilingual import InLanguage, in_language, isolate, lang_attributes, lang_marked

OPD, OPD_UR = "General OPD", "جنرل او پی ڈی"


def test_urdu_when_the_language_is_urdu_and_there_is_urdu_text(app):
    with app.test_request_context(), force_locale("ur"):
        assert in_language(OPD, OPD_UR) == OPD_UR


def test_english_when_the_urdu_text_is_missing_or_empty(app):
    with app.test_request_context(), force_locale("ur"):
        assert in_language(OPD, None) == OPD
        assert in_language(OPD, "") == OPD
        assert in_language(OPD, "  ") == OPD
        assert in_language(None, None) == ""


def test_english_pages_show_english(app):
    with app.test_request_context(), force_locale("en"):
        assert in_language(OPD, OPD_UR) == OPD
    with app.app_context():  # a command, outside any request: English
        assert in_language(OPD, OPD_UR) == OPD


def test_the_lazy_form_decides_when_it_is_written_out(app):
    with app.test_request_context():
        with force_locale("en"):
            name = InLanguage(OPD, OPD_UR)
        with force_locale("ur"):
            assert str(name) == OPD_UR
        with force_locale("en"):
            assert str(name) == OPD


def test_templates_have_it(app):
    template = "{{ in_language(name, name_ur) }}"
    with app.test_request_context(), force_locale("ur"):
        assert render_template_string(template, name=OPD, name_ur=OPD_UR) == OPD_UR
        assert render_template_string(template, name=OPD, name_ur=None) == OPD
    with app.test_request_context(), force_locale("en"):
        assert render_template_string(template, name=OPD, name_ur=OPD_UR) == OPD


def test_records_show_their_own_texts_in_the_current_language(app):
    from portal.education.models import Course
    from portal.health.models import Clinic, Service

    service = Service(name=OPD, name_ur=OPD_UR)
    clinic = Clinic(name="Mayo Hospital OPD", name_ur=None)
    course = Course(title="Spoken English", title_ur="بول چال کی انگریزی", description="Talk.", description_ur="")
    with app.test_request_context(), force_locale("ur"):
        assert (service.shown_name, clinic.shown_name) == (OPD_UR, "Mayo Hospital OPD")
        assert (course.shown_title, course.shown_description) == ("بول چال کی انگریزی", "Talk.")
    with app.test_request_context(), force_locale("en"):
        assert (service.shown_name, course.shown_title) == (OPD, "Spoken English")


def test_isolate_makes_urdu_right_to_left_even_when_it_starts_with_latin_letters():
    # <bdi> alone guesses from the first letter: "DHA فیز 5" would be laid out left to right.
    assert isolate("DHA فیز 5، لاہور") == '<bdi dir="rtl">DHA فیز 5، لاہور</bdi>'
    assert isolate("12 مال روڈ") == '<bdi dir="rtl">12 مال روڈ</bdi>'
    assert isolate("12 Mall Road, Lahore") == "<bdi>12 Mall Road, Lahore</bdi>"
    assert isolate("<script>") == "<bdi>&lt;script&gt;</bdi>"  # escaped, as any text on a page
    assert isolate(None) == "" and isolate("") == ""


def test_text_in_another_language_than_the_pages_says_which(app):
    """``lang_marked``: a name or title as it is in the page's language; in the other one, a <bdi>
    with its language (and Urdu's direction), which a screen reader needs to pick its voice."""
    with app.test_request_context(), force_locale("ur"):
        assert lang_marked("Spoken English") == '<bdi lang="en">Spoken English</bdi>'
        assert lang_marked("بول چال کی انگریزی") == "بول چال کی انگریزی"
        assert lang_marked("DHA فیز 5") == "DHA فیز 5"  # Urdu, starting with a Latin word
        assert lang_marked("35202-1234567-1") == "35202-1234567-1"  # no letters: no language to say
        assert lang_marked("<b>Mayo</b>") == '<bdi lang="en">&lt;b&gt;Mayo&lt;/b&gt;</bdi>'
        assert lang_marked(None) == "" and lang_marked("") == ""
        assert lang_attributes("TB screening") == ' lang="en"' and lang_attributes(OPD_UR) == ""
        assert isolate("Dr. Khalid Javed", "name") == '<bdi class="name" lang="en">Dr. Khalid Javed</bdi>'
        assert isolate(OPD_UR) == f'<bdi dir="rtl">{OPD_UR}</bdi>'
    with app.test_request_context(), force_locale("en"):
        assert lang_marked("Spoken English") == "Spoken English"
        assert lang_marked(OPD_UR) == f'<bdi lang="ur" dir="rtl">{OPD_UR}</bdi>'
        assert isolate(OPD_UR) == f'<bdi lang="ur" dir="rtl">{OPD_UR}</bdi>'
        assert isolate("Dr. Khalid Javed", "name") == '<bdi class="name">Dr. Khalid Javed</bdi>'


def test_outside_the_app_no_language_is_said():
    assert lang_marked("Spoken English") == "Spoken English" and lang_marked(OPD_UR) == OPD_UR
