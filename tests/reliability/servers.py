"""Start the portal under a real multi-worker gunicorn for tests that need true HTTP and processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from tests.conftest import redis_test_url

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(
        self,
        database_url: str,
        workers: int = 3,
        env: dict | None = None,
        config: str = "testing",
        app_module: str = "wsgi:app",
    ):
        self.app_module = app_module
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        prefix = f"test-{self.port}-{os.getpid()}-{time.monotonic_ns()}:"
        self.env = {
            **os.environ,
            "PORTAL_ENV": config,
            "TEST_DATABASE_URL_ACTIVE": database_url,
            "DATABASE_URL": database_url,
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "PYTHONWARNINGS": "ignore",
            # Servers of different tests may share one Redis: their cached pages and rate-limit counters
            # must not meet (so no test empties the Redis that others are using).
            "CACHE_KEY_PREFIX": prefix,
            "RATELIMIT_KEY_PREFIX": prefix,
            # Production refuses to start without the address its links start with.
            **({"PUBLIC_BASE_URL": self.url} if config == "production" else {}),
            **(env or {}),
        }
        if config == "production" and "RATELIMIT_STORAGE_URI" not in (env or {}):
            # ... and with its rate-limit counters anywhere but in a shared Redis.
            self.env["RATELIMIT_STORAGE_URI"] = redis_test_url()
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__

    def __enter__(self) -> Gunicorn:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.process = subprocess.Popen(
            [gunicorn, "-c", "gunicorn.conf.py", self.app_module],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90  # generous: CI machines can be busy
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited: " + self.errors()[-2000:])
            try:
                probe = "/healthz" if self.app_module == "wsgi:app" else "/"
                with urllib.request.urlopen(self.url + probe, timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not answer in 90 s: " + self.errors()[-2000:])

    def errors(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class SilentServer:
    """A TCP server that accepts connections and never answers: a hung Redis or PostgreSQL, or a network
    that drops every packet after the handshake. ``url`` is its address as a Redis URL, ``port`` its
    port; ``accepted`` the connections it took."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(50)
        self.port = self.server.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.accepted: list[socket.socket] = []

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def __enter__(self) -> SilentServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.close()
        for conn in self.accepted:
            conn.close()
