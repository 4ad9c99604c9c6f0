"""Request tests for the citizen pages at their edges: an appointment that is no longer upcoming, a time
that is full, a day that is closed or past, a page past the last, and Urdu lines holding English
names and references."""

from __future__ import annotations


def test_a_page_past_the_last_goes_to_the_last_page(client, make_clinic):
    for i in range(12):
        make_clinic(name=f"BHU {i:02d}")
    response = client.get("/clinics?q=BHU&page=999")
    assert response.status_code == 302 and response.headers["Location"] == "/clinics?q=BHU&page=2"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "12 clinics found" in html and "No clinic matches" not in html
    response = client.get("/clinics?q=nothing&page=3")
    assert response.status_code == 302 and response.headers["Location"] == "/clinics?q=nothing&page=1"
