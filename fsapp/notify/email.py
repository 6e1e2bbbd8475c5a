"""Sending e-mail notices over SMTP."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from fsapp.notify.errors import DeliveryError


class SmtpMailer:
    """Sends plain-text mail through one SMTP server (STARTTLS and login when configured)."""

    def __init__(self, host: str, port: int, sender: str, *, username: str | None = None,
                 password: str | None = None, starttls: bool = False, timeout: float = 10.0) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls, self.timeout = username, password, starttls, timeout

    def send(self, to: str, subject: str, body: str) -> str:
        """Send one message; returns its Message-ID."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as client:
                if self.starttls:
                    client.starttls()
                if self.username:
                    client.login(self.username, self.password or "")
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"mail to {to} via {self.host}:{self.port} failed: {exc}") from exc
        return str(message["Message-ID"])
