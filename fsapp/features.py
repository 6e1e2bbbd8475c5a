"""Agents' feature codes by phone: log in, log out, take a break, resume (``*21``..``*24`` by default).

The dialplan parks these calls with ``fsapp_entry=feature``; the softphone's directory entry names the agent
(``fsapp_agent``), and the feature is ``fsapp_feature`` or, failing that, the number dialled. The call is hung
up (``uuid_kill``) after the confirmation, also when the confirmation cannot be played or does not end within
``confirm_timeout`` seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from fsapp.acd.config import AcdConfig
from fsapp.errors import FsappError
from fsapp.esl.errors import ESLError
from fsapp.switch.call import Call

log = logging.getLogger(__name__)

CONFIRMATIONS: dict[str, dict[str, str]] = {
    "login": {"nb": "Du er logget inn.", "en": "You are logged in."},
    "logout": {"nb": "Du er logget ut.", "en": "You are logged out."},
    "break": {"nb": "Du har pause.", "en": "You are on a break."},
    "resume": {"nb": "Du er klar for nye samtaler.", "en": "You are ready for calls."},
    "unknown_agent": {"nb": "Denne telefonen hører ikke til en saksbehandler.",
                      "en": "This phone does not belong to an agent."},
    "failed": {"nb": "Det gikk ikke. Prøv igjen.", "en": "That did not work. Please try again."},
}


def agent_for_call(call: Call, acd_config: AcdConfig) -> str | None:
    """The agent a softphone call comes from: ``fsapp_agent``, else the agent whose contact is the caller."""
    named = call.variables.get("fsapp_agent")
    if named in acd_config.agents:
        return named
    for agent_id, agent in acd_config.agents.items():
        if agent.contact.rsplit("/", 1)[-1].split("@", 1)[0] == call.caller_number:
            return agent_id
    return None


class FeatureCodes:
    """Carries out an agent's feature code and tells them, by voice, what happened."""

    def __init__(self, acd_config: AcdConfig, actions: Mapping[str, Callable[[str], str]],
                 codes: Mapping[str, str], render_prompt: Callable[[str, str], str], language: str, *,
                 confirm_timeout: float = 15.0) -> None:
        self.acd_config = acd_config
        self.confirm_timeout = confirm_timeout
        self.actions = actions
        self.codes = codes
        self.render_prompt = render_prompt
        self.language = language if language in ("nb", "en") else "en"

    def serve(self, call: Call) -> None:
        try:
            if not call.channel.answered:
                call.answer()
            feature = call.variables.get("fsapp_feature") or self.codes.get(call.channel.destination, "")
            outcome = self._perform(call.uuid, feature, agent_for_call(call, self.acd_config))
            self._confirm(call, outcome)
        finally:
            self._hang_up(call)

    def _confirm(self, call: Call, outcome: str) -> None:
        try:
            call.playback(self.render_prompt(CONFIRMATIONS[outcome][self.language], self.language),
                          timeout=self.confirm_timeout)
        except (ESLError, FsappError) as exc:   # no prompt, or one that never ends: hang up all the same
            log.warning("call %s: feature confirmation not played: %s", call.uuid, exc)

    def _hang_up(self, call: Call) -> None:
        if call.gone:
            return
        try:
            call.kill()
        except ESLError as exc:
            log.info("call %s: feature call not hung up: %s", call.uuid, exc)

    def _perform(self, call_uuid: str, feature: str, agent_id: str | None) -> str:
        if agent_id is None:
            log.warning("call %s: feature %s from a phone that is no agent's", call_uuid, feature or "?")
            return "unknown_agent"
        action = self.actions.get(feature)
        if action is None:
            log.warning("call %s: unknown feature %r from agent %s", call_uuid, feature, agent_id)
            return "failed"
        try:
            state = action(agent_id)
        except FsappError as exc:
            log.warning("call %s: agent %s: %s failed: %s", call_uuid, agent_id, feature, exc)
            return "failed"
        log.info("call %s: agent %s: %s -> %s", call_uuid, agent_id, feature, state)
        return feature
