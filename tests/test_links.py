"""Absolute links to the portal (portal/links.py), inside a request and outside one (a CLI command)."""

from __future__ import annotations

import logging

from portal import links


def test_outside_a_request_the_public_address_is_used(app):
    app.config["PUBLIC_BASE_URL"] = "https://portal.punjab.gov.pk/"
    with app.app_context():
        assert links.public_url("education.verify", code="ABC") == "https://portal.punjab.gov.pk/verify/ABC"


def test_outside_a_request_without_a_public_address_the_development_address_is_used_and_logged(
    app, caplog, monkeypatch
):
    app.config["PUBLIC_BASE_URL"] = None
    monkeypatch.setattr(links, "_warned", False)
    with app.app_context(), caplog.at_level(logging.WARNING, logger="portal.links"):
        assert links.public_url("education.verify", code="ABC") == "http://127.0.0.1:5000/verify/ABC"
        links.public_url("education.verify", code="DEF")
    assert [r.getMessage() for r in caplog.records].count(
        "PUBLIC_BASE_URL is not set: links written outside a request point to http://127.0.0.1:5000"
    ) == 1


def test_in_a_request_without_a_public_address_the_request_address_is_used(app):
    app.config["PUBLIC_BASE_URL"] = None
    with app.test_request_context("/", base_url="https://portal.example:8443/portal"):
        assert links.public_url("education.verify", code="ABC") == "https://portal.example:8443/portal/verify/ABC"
