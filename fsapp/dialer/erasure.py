"""A citizen's erasure reaches the dialer's lists: campaign contacts and attempts lose the number and name.

:func:`attach_erasure` registers :func:`erase_campaign_contacts` with the store (``Store.on_erase``), so
``fsapp citizens erase`` and any other erasure run it in the same transaction. The do-not-call list keeps
the number: erasing it would have the city phone them again.
"""

from __future__ import annotations

from typing import Any

from fsapp.dialer.models import CampaignAttempt, CampaignContact


def erase_campaign_contacts(citizen_id: int, addresses: list[str]) -> dict[str, int]:
    """Campaign contacts and attempts to any of ``addresses``: number, name, data and answers go; a contact
    not called yet is never called. Runs inside the erasure's transaction (models bound by the store)."""
    del citizen_id   # the dialer's lists know numbers, not citizens
    if not addresses:
        return {"campaign contacts": 0, "campaign attempts": 0}
    contacts = [row.id for row in CampaignContact.select(CampaignContact.id).where(
        CampaignContact.number.in_(addresses))]
    for contact_id in contacts:   # (campaign, number) is unique: each keeps a placeholder of its own
        CampaignContact.update(number=f"erased-{contact_id}", name="", data={}, answer=None).where(
            CampaignContact.id == contact_id).execute()
    if contacts:
        CampaignContact.update(status="done", result="erased").where(
            CampaignContact.id.in_(contacts), CampaignContact.status == "pending").execute()
    attempts = CampaignAttempt.update(number="").where(
        (CampaignAttempt.number.in_(addresses)) | (CampaignAttempt.contact.in_(contacts or [0]))).execute()
    return {"campaign contacts": len(contacts), "campaign attempts": attempts}


def attach_erasure(store: Any) -> None:
    """Have every erasure of a citizen in ``store`` erase them from the campaign lists too."""
    store.on_erase(erase_campaign_contacts)
