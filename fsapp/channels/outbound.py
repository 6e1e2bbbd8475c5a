"""The configured SMTP server and SMS gateway, each send run off the hub (the ``network`` lane)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from fsapp.config import EmailConfig, SmsConfig
from fsapp.notify.email import SmtpMailer
from fsapp.notify.sms import HttpSmsGateway, SmsGateway
from fsapp.offhub import NETWORK

log = logging.getLogger(__name__)

SEND_TIMEOUT = 20.0   # seconds a greenlet waits for one message to be handed over


class LaneMailer:
    """An :class:`SmtpMailer` whose sends run on the network lane (the calling greenlet waits)."""

    def __init__(self, mailer: SmtpMailer) -> None:
        self.mailer = mailer

    def send(self, to: str, subject: str, body: str) -> str:
        return NETWORK.run_timed(SEND_TIMEOUT, self.mailer.send, to, subject, body)


class LaneSms:
    """An SMS gateway whose sends run on the network lane."""

    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway

    def send(self, to: str, text: str) -> str:
        return NETWORK.run_timed(SEND_TIMEOUT, self.gateway.send, to, text)


def build_mailer(config: EmailConfig, env: Mapping[str, str] | None = None) -> LaneMailer | None:
    """The SMTP client of ``email.smtp_*`` (its password from the environment variable named by
    ``email.smtp_password_env``), or None when no server is configured."""
    if not config.smtp_host:
        return None
    password = (os.environ if env is None else env).get(config.smtp_password_env) or None
    if config.smtp_username and password is None:
        log.warning("email.smtp_username is set but %s is not: logging in with an empty password",
                    config.smtp_password_env)
    return LaneMailer(SmtpMailer(config.smtp_host, config.smtp_port, config.sender or f"noreply@{config.smtp_host}",
                                 username=config.smtp_username or None, password=password,
                                 starttls=config.smtp_starttls, timeout=SEND_TIMEOUT / 2))


def build_sms(config: SmsConfig) -> LaneSms | None:
    """The HTTP gateway client of ``sms.gateway_*``, or None when none is configured."""
    if not config.gateway_url:
        return None
    return LaneSms(HttpSmsGateway(config.gateway_url, config.gateway_token, config.sender, timeout=SEND_TIMEOUT / 2))
