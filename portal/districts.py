"""The 36 districts of Punjab (as of 2022), with their names in Urdu."""

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from portal.collation import urdu_key

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
_order_by_locale: dict[str, list[tuple[str, str]]] = {}


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


def districts_in_order() -> list[tuple[str, str]]:
    """(name, label) of every district in the alphabetical order of the labels the reader sees: in
    English the order of ``DISTRICTS``, in Urdu the Urdu alphabet's (اٹک، بہاولپور … وہاڑی). Sorted once
    per language and process."""
    locale = str(get_locale() or "en") if has_request_context() else "en"
    ordered = _order_by_locale.get(locale)
    if ordered is None:
        pairs = [(name, district_label(name)) for name in DISTRICT_NAMES]
        if locale.startswith("ur"):
            pairs.sort(key=lambda pair: urdu_key(pair[1]))
        ordered = _order_by_locale[locale] = pairs
    return list(ordered)


def in_district_order(names) -> list[str]:
    """District names in the order ``districts_in_order`` gives them."""
    rank = {name: n for n, (name, _label) in enumerate(districts_in_order())}
    return sorted(names, key=lambda name: rank.get(name, len(rank)))
