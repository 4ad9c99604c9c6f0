"""The 36 districts of Punjab (as of 2022), with their names in Urdu."""

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

DISTRICTS = (
    ("Attock", _l("Attock")),
    ("Bahawalnagar", _l("Bahawalnagar")),
    ("Bahawalpur", _l("Bahawalpur")),
    ("Bhakkar", _l("Bhakkar")),
    ("Chakwal", _l("Chakwal")),
    ("Chiniot", _l("Chiniot")),
    ("Dera Ghazi Khan", _l("Dera Ghazi Khan")),
    ("Faisalabad", _l("Faisalabad")),
    ("Gujranwala", _l("Gujranwala")),
    ("Gujrat", _l("Gujrat")),
    ("Hafizabad", _l("Hafizabad")),
    ("Jhang", _l("Jhang")),
    ("Jhelum", _l("Jhelum")),
    ("Kasur", _l("Kasur")),
    ("Khanewal", _l("Khanewal")),
    ("Khushab", _l("Khushab")),
    ("Lahore", _l("Lahore")),
    ("Layyah", _l("Layyah")),
    ("Lodhran", _l("Lodhran")),
    ("Mandi Bahauddin", _l("Mandi Bahauddin")),
    ("Mianwali", _l("Mianwali")),
    ("Multan", _l("Multan")),
    ("Muzaffargarh", _l("Muzaffargarh")),
    ("Nankana Sahib", _l("Nankana Sahib")),
    ("Narowal", _l("Narowal")),
    ("Okara", _l("Okara")),
    ("Pakpattan", _l("Pakpattan")),
    ("Rahim Yar Khan", _l("Rahim Yar Khan")),
    ("Rajanpur", _l("Rajanpur")),
    ("Rawalpindi", _l("Rawalpindi")),
    ("Sahiwal", _l("Sahiwal")),
    ("Sargodha", _l("Sargodha")),
    ("Sheikhupura", _l("Sheikhupura")),
    ("Sialkot", _l("Sialkot")),
    ("Toba Tek Singh", _l("Toba Tek Singh")),
    ("Vehari", _l("Vehari")),
)
DISTRICT_NAMES = tuple(name for name, _label in DISTRICTS)
DISTRICT_LABELS = dict(DISTRICTS)


_labels_by_locale: dict[str, dict[str, str]] = {}


def district_label(name: str | None) -> str:
    """The district's name in the current language. Translated once per language and process: the
    dashboard's tables name every district, and a lazy string is translated anew on each use."""
    if not has_request_context():
        return str(DISTRICT_LABELS.get(name, name or ""))
    locale = str(get_locale() or "en")
    labels = _labels_by_locale.get(locale)
    if labels is None:
        labels = _labels_by_locale[locale] = {key: str(label) for key, label in DISTRICTS}
    return labels.get(name, name or "")
