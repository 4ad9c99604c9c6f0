"""The officials' dashboard in Urdu: district and clinic tables sorted by name, and the lists of
districts and services to filter by, are in Urdu alphabetical order of the names shown. Figures are
shared by both languages; English keeps the English order."""

from __future__ import annotations

import re

from portal.collation import urdu_key
from portal.extensions import db
from tests.dashboard.conftest import HEALTH_RANGE


def district_column(html: str) -> list[str]:
    body = html.split('id="table-districts"')[1].split("</table>")[0]
    return re.findall(r'<th scope="row"[^>]*>\s*<a [^>]*>([^<]+)</a>', body)


def test_dashboard_tables_and_filters_in_urdu_are_in_urdu_order(client, auth, dataset, provincial):
    dataset["clinic_a"].name_ur = "میو ہسپتال"  # Clinic A, before Clinic B in English, after it in Urdu
    dataset["clinic_b"].name_ur = "الائیڈ ہسپتال"
    for service in dataset["clinic_a"].services + dataset["clinic_b"].services:
        service.name_ur = {"General OPD": "جنرل او پی ڈی", "Dental OPD": "دانتوں کی او پی ڈی"}[service.name]
    db.session.commit()
    auth.login(provincial)
    client.get("/language/ur?next=/")

    districts = client.get("/dashboard/districts", query_string=HEALTH_RANGE).get_data(as_text=True)
    shown = district_column(districts)
    assert len(shown) == 36 and shown == sorted(shown, key=urdu_key) and shown[0] == "اٹک" and shown[-1] == "وہاڑی"
    filter_labels = re.findall(r'<option value="[A-Z][^"]*"[^>]*>([^<]+)</option>', districts)[:36]
    assert filter_labels == shown

    health = client.get("/dashboard/health", query_string={**HEALTH_RANGE, "sort": "clinic"}).get_data(as_text=True)
    league = health.split('id="table-clinics"')[1].split("</table>")[0]
    assert league.index("الائیڈ ہسپتال") < league.index("میو ہسپتال")
    assert health.index('<option value="General OPD">جنرل او پی ڈی') < health.index(
        '<option value="Dental OPD">دانتوں کی او پی ڈی'
    )

    client.get("/language/en?next=/")
    districts = client.get("/dashboard/districts", query_string=HEALTH_RANGE).get_data(as_text=True)
    assert district_column(districts)[:3] == ["Attock", "Bahawalnagar", "Bahawalpur"]
    health = client.get("/dashboard/health", query_string={**HEALTH_RANGE, "sort": "clinic"}).get_data(as_text=True)
    league = health.split('id="table-clinics"')[1].split("</table>")[0]
    assert league.index("Clinic A") < league.index("Clinic B")
    assert health.index('<option value="Dental OPD">') < health.index('<option value="General OPD">')
