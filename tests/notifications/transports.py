"""Test transports, named in SMS_TRANSPORT / MAIL_TRANSPORT as dotted paths like production ones."""

from __future__ import annotations

import os
import time

from flask import current_app

from portal.notifications.transports import DeliveryError, SMSGateway

SENT: list[tuple[str, str, str]] = []  # (recipient, subject, body) in this process


class RecordingGateway(SMSGateway):
    """Records every message; refuses recipients listed in app.config["FAILING_RECIPIENTS"]."""

    def send(self, *, recipient: str, subject: str, body: str) -> None:
        if recipient in current_app.config.get("FAILING_RECIPIENTS", ()):
            raise DeliveryError(f"gateway refused {recipient}")
        SENT.append((recipient, subject, body))


class FileGateway(SMSGateway):
    """For runs in several processes: appends one line per message to SENT_LOG, slowly."""

    def send(self, *, recipient: str, subject: str, body: str) -> None:
        time.sleep(current_app.config.get("SEND_DELAY", 0.01))
        with open(current_app.config["SENT_LOG"], "a") as log:
            log.write(f"{os.getpid()} {subject}\n")
