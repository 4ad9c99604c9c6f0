"""gunicorn settings for `make serve` and production. Every value can be overridden by environment."""

import multiprocessing
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# A worker is replaced after this many requests (a guard against slow leaks). At 5,000 a busy worker
# (1,000+ requests a second on shared pages) was re-importing the app every few seconds: 4 % of its time.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# The request id comes from the X-Request-ID header the app sets on every response.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'

# Secrets a request's address can carry: the token of a password-reset link (in the path) and whatever
# a query string holds (a CNIC searched for by staff). The app's own JSON log names only the route.
_SECRET_PATHS = re.compile(r"^(/password-reset/)[^/]+")


class PortalAccessLogger(Logger):
    """gunicorn's logger whose access lines give the path without its query string and without the
    secret part of a password-reset link ("No CNIC, password or token in logs")."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = _SECRET_PATHS.sub(r"\1[token]", environ.get("PATH_INFO") or "")
        if environ.get("QUERY_STRING"):
            path += "?[query]"
        atoms.update(r=f"{atoms['m']} {path} {atoms['H']}", U=path, q="-")
        return atoms


logger_class = PortalAccessLogger
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
