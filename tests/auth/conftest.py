"""Helpers for the auth tests: post real forms with their CSRF tokens, registration data."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.auth.models import AuditEvent
from portal.extensions import db
from tests.conftest import PASSWORD, csrf_token, post_form  # noqa: F401 - post_form: imported from here by the auth tests


def register_data(**overrides) -> dict:
    data = {
        "full_name": "Ayesha Siddiqui",
        "cnic": "35202-1234567-1",
        "mobile": "0300 1234567",
        "email": "",
        "date_of_birth": "1990-04-12",
        "gender": "female",
        "district": "Lahore",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "accept_privacy": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def text_of(response) -> str:
    """The page text with tags removed and whitespace collapsed (for message checks)."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def audit_actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def citizen(make_user):
    return make_user(full_name="Bilal Ahmed", email="bilal@example.pk", mobile="+923001234567")
