"""Inbound messages quoting a case whose sender could not be verified as that case's citizen.

Anyone can write a case number into an e-mail or an SMS, and a ``From:`` address is easy to forge. Such a
message is kept as a contact but not linked to the case: it is marked with the case it quotes, for an operator
to confirm (``fsapp contacts confirm``) or dismiss.
"""

from __future__ import annotations

from typing import Any

from fsapp.store.base import StoreBase, bound
from fsapp.store.errors import NotFound
from fsapp.store.models import Case, Interaction
from fsapp.store.reference import parse_reference


class ContactClaims(StoreBase):
    """Marking, listing, confirming and dismissing unverified case references of contacts."""

    @bound
    def mark_unverified(self, interaction_id: int, case_reference: str) -> None:
        """Keep the case the contact quotes without linking it."""
        if not Interaction.update(unverified_case=parse_reference(case_reference)).where(
                Interaction.id == interaction_id).execute():
            raise NotFound(f"no interaction {interaction_id}")

    @bound
    def unverified_contacts(self, limit: int = 100) -> list[dict[str, Any]]:
        """Contacts waiting for an operator to confirm the case they quote, oldest first."""
        query = (Interaction.select().where(Interaction.unverified_case.is_null(False))
                 .order_by(Interaction.at, Interaction.id).limit(limit))
        return [{"id": i.id, "at": i.at, "channel": i.channel, "address": i.address, "citizen_id": i.citizen_id,
                 "case": i.unverified_case, "subject": i.subject, "body": i.body} for i in query]

    @bound
    def confirm_contact(self, interaction_id: int, actor: str) -> str:
        """Link the contact to the case it quotes (an operator checked it); returns the case reference."""
        found = self._claim(interaction_id)
        case = Case.select(Case.id).where(Case.reference == found.unverified_case).first()
        if case is None:
            raise NotFound(f"no case {found.unverified_case}")
        Interaction.update(case=case.id, unverified_case=None).where(Interaction.id == interaction_id).execute()
        self.audit(actor, "update", "interaction", interaction_id, f"confirmed as about case {found.unverified_case}")
        return str(found.unverified_case)

    @bound
    def dismiss_contact_claim(self, interaction_id: int, actor: str) -> None:
        """Leave the contact unlinked and stop asking."""
        found = self._claim(interaction_id)
        Interaction.update(unverified_case=None).where(Interaction.id == interaction_id).execute()
        self.audit(actor, "update", "interaction", interaction_id, f"not about case {found.unverified_case}")

    @staticmethod
    def _claim(interaction_id: int) -> Interaction:
        found = Interaction.get_or_none(Interaction.id == interaction_id)
        if found is None or found.unverified_case is None:
            raise NotFound(f"no unverified contact {interaction_id}")
        return found
