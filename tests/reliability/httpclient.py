"""A tiny cookie-keeping HTTP client for tests against a real server (no redirects followed)."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect())

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers), error.read().decode()

    def get(self, path: str):
        return self.request(path)

    def post(self, path: str, data: dict):
        return self.request(path, data)

    @staticmethod
    def hidden(html: str, name: str) -> str | None:
        match = re.search(rf'name="{name}" (?:type="hidden" )?value="([^"]*)"', html) or re.search(
            rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', html
        )
        return match.group(1) if match else None

    def sign_in(self, cnic: str, password: str) -> None:
        _, _, html = self.get("/login")
        status, headers, _ = self.post(
            "/login", {"identifier": cnic, "password": password, "csrf_token": self.hidden(html, "csrf_token")}
        )
        assert status == 302, f"sign-in failed for {cnic}: {status}"

    def open_form(self, path: str) -> dict:
        """GET a form page and return its hidden fields (CSRF and submission tokens)."""
        status, _, html = self.get(path)
        assert status == 200, f"GET {path} → {status}"
        fields = {"csrf_token": self.hidden(html, "csrf_token")}
        token = self.hidden(html, "submission_token")
        if token:
            fields["submission_token"] = token
        return fields
