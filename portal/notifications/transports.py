"""How messages leave the portal. Development logs them; production uses SMTP and an SMS gateway."""

from __future__ import annotations

import importlib
import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app

log = logging.getLogger("portal.notifications")


class DeliveryError(Exception):
    """The transport could not deliver this message; it will be retried with back-off."""


class Transport:
    """Interface: send one message or raise DeliveryError."""

    def send(self, *, recipient: str, subject: str, body: str) -> None:  # pragma: no cover
        raise NotImplementedError


def _mask(recipient: str) -> str:
    return recipient[:4] + "…" + recipient[-2:] if len(recipient) > 6 else "…"


class LogTransport(Transport):
    """Writes a line per message to the log (never the body: it may hold a reset link)."""

    def __init__(self, channel: str):
        self.channel = channel

    def send(self, *, recipient: str, subject: str, body: str) -> None:
        log.info("%s to %s: %s (%d characters)", self.channel, _mask(recipient), subject, len(body))


class SMTPTransport(Transport):
    def send(self, *, recipient: str, subject: str, body: str) -> None:
        cfg = current_app.config
        msg = EmailMessage()
        msg["From"] = cfg["MAIL_FROM"]
        msg["To"] = recipient
        msg["Subject"] = subject
        # Without these, spam filters mark a message down and some servers refuse it (RFC 5322 asks for Date).
        msg["Date"] = formatdate(usegmt=True)
        domain = parseaddr(cfg["MAIL_FROM"])[1].rpartition("@")[2] or None
        msg["Message-ID"] = make_msgid(domain=domain)
        msg.set_content(body)
        try:
            with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=10) as smtp:
                if cfg["MAIL_USE_TLS"]:
                    smtp.starttls()
                if cfg.get("MAIL_USERNAME"):
                    smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP: {exc.__class__.__name__}") from exc


class SMSGateway(Transport):
    """Base for an SMS gateway: subclass, implement send(), name it in SMS_TRANSPORT."""


def _load(spec: str, channel: str) -> Transport:
    if spec == "log":
        return LogTransport(channel)
    if spec == "smtp":
        return SMTPTransport()
    module_name, _, class_name = spec.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls()


def transport_for(channel: str) -> Transport:
    """The configured transport for a channel (cached on the app)."""
    cache = current_app.extensions.setdefault("notification_transports", {})
    if channel not in cache:
        spec = current_app.config["MAIL_TRANSPORT"] if channel == "email" else current_app.config["SMS_TRANSPORT"]
        cache[channel] = _load(spec, channel)
    return cache[channel]
