"""Absolute addresses of the portal's pages, for links that leave it: printed on a certificate, in its
QR code, in an SMS or an email.

The base is PUBLIC_BASE_URL when it is set (production should set it: the address people reach the
portal at, e.g. ``https://portal.punjab.gov.pk``). Without it, a page uses the address its visitor
used (behind a proxy, with PROXY_COUNT set, the one the proxy forwards), so that a QR code never
points at a host nobody can reach. Outside a request (a message written by a command) there is no
such address: the development server's is used, and the log says so once."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request

# The address of `make run`: where links written outside a request point when PUBLIC_BASE_URL is unset.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"

log = logging.getLogger(__name__)
_warned = False


def public_base_url() -> str:
    """The scheme, host and path prefix links start with, without a trailing slash."""
    global _warned
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").strip()
    if not base and has_request_context():
        base = request.url_root  # the host the visitor used, with the prefix the portal is mounted under
    if not base:
        if not _warned:
            log.warning("PUBLIC_BASE_URL is not set: links written outside a request point to %s", DEVELOPMENT_BASE_URL)
            _warned = True
        base = DEVELOPMENT_BASE_URL
    return base.rstrip("/")


def public_url(endpoint: str, **values) -> str:
    """The absolute address of ``endpoint`` on the public base (see public_base_url); works with or
    without a request."""
    base = urlsplit(public_base_url())
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
