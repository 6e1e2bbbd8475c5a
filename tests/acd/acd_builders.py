"""Builders for ACD tests: configurations in code and decision filters."""

from __future__ import annotations

from typing import Any, TypeVar

from fsapp.acd import AcdConfig, AgentConfig, Decision, OfferOverdue, QueueConfig, Router

SKILLS = {"lang-nb": "Norwegian", "lang-en": "English", "building": "Building", "care": "Care",
          "switchboard": "Switchboard"}

D = TypeVar("D", bound=Decision)


def build_config(queues: dict[str, dict[str, Any]], agents: dict[str, dict[str, Any]]) -> AcdConfig:
    """Queues and agents from keyword dicts; agents get contact ``user/<id>`` unless given."""
    return AcdConfig(
        skills=dict(SKILLS),
        queues={name: QueueConfig(name=name, **settings) for name, settings in queues.items()},
        agents={agent_id: AgentConfig(id=agent_id, **{"contact": f"user/{agent_id}", **settings})
                for agent_id, settings in agents.items()})


def of_type(decisions: list[Decision], kind: type[D]) -> list[D]:
    return [d for d in decisions if isinstance(d, kind)]


def offered_agents(decisions: list[Decision]) -> list[str]:
    from fsapp.acd import Offer
    return [target.agent_id for offer in of_type(decisions, Offer) for target in offer.agents]


def unanswered(router: Router, decisions: list[Decision]) -> list[Decision]:
    """``decisions`` and what follows when the switch says no phone of an overdue offer among them answered
    (the service's report for each OfferOverdue)."""
    follow: list[Decision] = []
    for overdue in of_type(decisions, OfferOverdue):
        follow += router.offer_failed(overdue.call_uuid, overdue.agent_id, overdue.reason)
    return decisions + follow
