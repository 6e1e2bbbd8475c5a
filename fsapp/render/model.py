"""What the templates are filled with, computed from fsapp.yaml and the queues/agents file (no I/O)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fsapp.acd.config import AcdConfig, AgentConfig
from fsapp.config import Config
from fsapp.render.gateways import Gateway, parse_gateways

ESL_ACL = "fsapp_esl"
TRUNK_ACL = "fsapp_trunks"
FEATURE_ENTRY = "feature"
_USER_CONTACT = re.compile(r"^user/(?P<user>[^@/]+)")
_SOFIA_CONTACT = re.compile(r"^sofia/[^/]+/(?:sip:)?(?P<user>[^@/]+)@")


@dataclass(frozen=True)
class Softphone:
    """An agent's SIP account on the operators' profile."""

    agent_id: str
    user: str
    name: str
    a1_hash: str

    def __repr__(self) -> str:
        return f"Softphone(agent_id={self.agent_id!r}, user={self.user!r})"


@dataclass(frozen=True)
class PublishedNumber:
    number: str
    entry: str
    pattern: str
    slug: str


@dataclass(frozen=True)
class FeatureCode:
    code: str
    feature: str
    pattern: str


def softphone_user(agent: AgentConfig) -> str:
    """The SIP user an agent's phone registers as: from ``user/1001`` or ``sofia/x/1001@host``, else the id."""
    for pattern in (_USER_CONTACT, _SOFIA_CONTACT):
        match = pattern.match(agent.contact)
        if match:
            return match["user"]
    return agent.id


def a1_hash(user: str, domain: str, password: str) -> str:
    """The digest ``A1`` FreeSWITCH accepts in place of a clear password (``md5(user:domain:password)``)."""
    return hashlib.md5(f"{user}:{domain}:{password}".encode()).hexdigest()  # noqa: S324 - SIP digest needs MD5


def exact_pattern(number: str) -> str:
    """A PCRE matching exactly ``number`` (``+`` and ``*`` escaped)."""
    return "^" + re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\1", number) + "$"


def softphones(acd: AcdConfig, domain: str, passwords: dict[str, str]) -> list[Softphone]:
    return [Softphone(agent.id, softphone_user(agent), agent.name or agent.id,
                      a1_hash(softphone_user(agent), domain, passwords[agent.id]))
            for agent in sorted(acd.agents.values(), key=lambda a: a.id)]


def published_numbers(numbers: dict[str, str]) -> list[PublishedNumber]:
    return [PublishedNumber(number, entry, exact_pattern(number), re.sub(r"[^A-Za-z0-9]", "", number))
            for number, entry in sorted(numbers.items())]


def feature_codes(codes: dict[str, str]) -> list[FeatureCode]:
    return [FeatureCode(code, feature, exact_pattern(code)) for code, feature in sorted(codes.items())]


def moh_path(moh_dir: str, base: Path) -> str:
    """Hold music directory as the switch will see it: relative paths are taken from ``base``."""
    path = Path(moh_dir)
    return str(path if path.is_absolute() else (base / path).resolve())


def template_context(config: Config, acd: AcdConfig, passwords: dict[str, str], base: Path) -> dict[str, Any]:
    """Everything any template may use."""
    fs = config.freeswitch
    gateways: list[Gateway] = parse_gateways(fs.gateways)
    return {
        "switch": config.switch, "fs": fs, "esl_acl_name": ESL_ACL, "trunk_acl_name": TRUNK_ACL,
        "esl_acl": sorted(fs.esl_acl.items()), "trunk_acl": sorted(fs.trunk_acl.items()),
        "gateways": gateways, "softphones": softphones(acd, fs.domain, passwords),
        "numbers": published_numbers(config.numbers), "features": feature_codes(fs.feature_codes),
        "feature_entry": FEATURE_ENTRY, "moh_path": moh_path(fs.moh_dir, base),
    }
