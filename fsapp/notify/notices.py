"""Notices to citizens by their preferred channel, and closing the loop when a case is closed."""

from __future__ import annotations

import logging
from typing import Any

from fsapp.notify.email import SmtpMailer
from fsapp.notify.sms import SmsGateway
from fsapp.notify.templates import NoticeTemplates
from fsapp.store import CaseDetail, CitizenRecord, Store, display_reference

log = logging.getLogger(__name__)


def choose_channel(citizen: CitizenRecord) -> str | None:
    """``sms``, ``email`` or ``phone`` for this citizen: their preference when they consented to it,
    else any channel they consented to, else a phone call back if they have a number."""
    usable = {"sms": citizen.consent_sms and bool(citizen.phones),
              "email": citizen.consent_email and bool(citizen.email), "phone": bool(citizen.phones)}
    if usable.get(citizen.preferred_channel):
        return citizen.preferred_channel
    for channel in ("sms", "email", "phone"):
        if usable[channel]:
            return channel
    return None


class Notifier:
    """Renders a notice in the citizen's language, sends it and records it as an outgoing contact."""

    def __init__(self, store: Store, templates: NoticeTemplates, mailer: SmtpMailer | None = None,
                 sms: SmsGateway | None = None) -> None:
        self.store, self.templates, self.mailer, self.sms = store, templates, mailer, sms

    def notify(self, citizen: CitizenRecord, template: str, context: dict[str, Any],
               case_reference: str | None = None, *, allow_phone: bool = True) -> str | None:
        """Send ``template`` to ``citizen``; returns the channel used (``phone``: a callback was queued;
        without ``allow_phone`` a citizen who can only be phoned is not told)."""
        channel = choose_channel(citizen)
        if channel == "sms" and self.sms is None or channel == "email" and self.mailer is None:
            channel = "phone" if citizen.phones else None
        if channel == "phone" and not allow_phone:
            channel = None
        if channel is None:
            log.info("citizen %s: no channel to send %s on", citizen.id, template)
            return None
        if channel == "phone":
            self.store.add_callback_request(citizen.phones[0], citizen_id=citizen.id, case_reference=case_reference,
                                            reason=template)
            return channel
        notice = self.templates.render(template, citizen.language, {"name": citizen.name, **context})
        if channel == "sms":
            address = citizen.phones[0]
            self.sms.send(address, notice.body)  # type: ignore[union-attr]
        else:
            address = citizen.email or ""
            self.mailer.send(address, notice.subject, notice.body)  # type: ignore[union-attr]
        self.store.record_interaction(channel, "out", citizen_id=citizen.id, case_reference=case_reference,
                                      address=address, subject=notice.subject, body=notice.body)
        return channel

    def status_changed(self, case: CaseDetail, old: str, new: str) -> str | None:
        """Tell the citizen their case moved to ``new`` (a listener for :meth:`Store.on_case_status`): a closed
        case gets ``case_closed`` (a callback when they can only be phoned), other statuses ``case_status``."""
        if new == "closed":
            return self.close_the_loop(case)
        citizen = self._citizen_of(case)
        if citizen is None:
            return None
        return self.notify(citizen, "case_status", {"reference": display_reference(case.summary.reference),
                                                    "category": case.summary.category, "status": new, "old": old},
                           case_reference=case.summary.reference, allow_phone=False)

    def _citizen_of(self, case: CaseDetail) -> CitizenRecord | None:
        if case.summary.citizen_id is None:
            return None
        citizen = self.store.get_citizen(case.summary.citizen_id)
        return None if citizen.erased else citizen

    def close_the_loop(self, case: CaseDetail) -> str | None:
        """Tell the citizen their case is closed (a listener for :meth:`Store.on_case_closed`)."""
        if case.summary.citizen_id is None:
            return None
        citizen = self.store.get_citizen(case.summary.citizen_id)
        if citizen.erased:
            return None
        return self.notify(citizen, "case_closed", {"reference": display_reference(case.summary.reference),
                                                    "category": case.summary.category},
                           case_reference=case.summary.reference)
