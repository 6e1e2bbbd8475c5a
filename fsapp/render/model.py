"""What the templates are filled with, computed from fsapp.yaml and the queues/agents file (no I/O)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fsapp.acd.config import AcdConfig, AgentConfig
from fsapp.config import Config
from fsapp.render.errors import RenderError
from fsapp.render.gateways import Gateway, parse_gateways
from fsapp.speech.tts import TtsCache
from fsapp.switch.dialstring import number_endpoint
from fsapp.texts import load_texts

ESL_ACL = "fsapp_esl"
TRUNK_ACL = "fsapp_trunks"
FEATURE_ENTRY = "feature"
TRUNK_SET = 1       # the load balancer's dispatcher set of the nodes' trunk profiles
OPERATOR_SET = 2    # ... and of their operators' profiles
DIRECT_ENTRY = "direct"   # staff's direct numbers: the relay service picks the person by the number dialled
FAX_ENTRY = "fax"         # the published fax number: fsapp.fax.inbox receives it
_USER_CONTACT = re.compile(r"^user/(?P<user>[^@/]+)")
_SOFIA_CONTACT = re.compile(r"^sofia/[^/]+/(?:sip:)?(?P<user>[^@/]+)@")


@dataclass(frozen=True)
class Softphone:
    """An agent's SIP account on the operators' profile."""

    agent_id: str
    user: str
    name: str
    a1_hash: str
    a1b_hash: str = ""   # md5(user@domain:domain:password), for phones that send the domain in the user name

    def __repr__(self) -> str:
        return f"Softphone(agent_id={self.agent_id!r}, user={self.user!r})"


@dataclass(frozen=True)
class BalancerNode:
    """A FreeSWITCH node as the load balancer sees it: its name and the host its SIP profiles listen on."""

    name: str
    host: str


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
    """One account per agent; ``passwords`` are keyed by SIP user (:func:`softphone_user`)."""
    phones = []
    for agent in sorted(acd.agents.values(), key=lambda a: a.id):
        user = softphone_user(agent)
        phones.append(Softphone(agent.id, user, agent.name or agent.id, a1_hash(user, domain, passwords[user]),
                                a1_hash(f"{user}@{domain}", domain, passwords[user])))
    return phones


def balancer_nodes(config: Config) -> list[BalancerNode]:
    """The nodes of ``switches:`` (named by ``name`` or host), or the single ``switch:``."""
    if not config.switches:
        return [BalancerNode(config.switch.host, config.switch.host)]
    return [BalancerNode(node.name or node.host, node.host) for node in config.switches]


def dbtext_value(value: str) -> str:
    """A value for a Kamailio db_text row: ``:``, ``\\`` and line breaks escaped."""
    return (value.replace("\\", "\\\\").replace(":", "\\:")
            .replace("\n", "\\n").replace("\r", "\\r"))


def subscribers(phones: list[Softphone], domain: str) -> list[dict[str, str]]:
    """The load balancer's ``subscriber`` rows: the softphones' digests, no clear password."""
    return [{"user": dbtext_value(phone.user), "domain": dbtext_value(domain), "ha1": phone.a1_hash,
             "ha1b": phone.a1b_hash} for phone in phones]


def published_numbers(numbers: dict[str, str]) -> list[PublishedNumber]:
    return [PublishedNumber(number, entry, exact_pattern(number), re.sub(r"[^A-Za-z0-9]", "", number))
            for number, entry in sorted(numbers.items())]


def direct_numbers(acd: AcdConfig) -> dict[str, str]:
    """Every agent's direct number -> the relay service's entry."""
    return {agent.direct_number: DIRECT_ENTRY for agent in acd.agents.values() if agent.direct_number}


def fax_numbers(config: Config) -> dict[str, str]:
    """The published fax number -> the fax entry, when fax is enabled; refused when ``numbers`` also has it."""
    fax = config.fax
    if not fax.enabled or not fax.number:
        return {}
    if fax.number in config.numbers:
        raise RenderError(f"fax.number {fax.number} is also in numbers: a number reaches one service")
    return {fax.number: FAX_ENTRY}


def feature_codes(codes: dict[str, str]) -> list[FeatureCode]:
    return [FeatureCode(code, feature, exact_pattern(code)) for code, feature in sorted(codes.items())]


def moh_path(moh_dir: str, base: Path) -> str:
    """Hold music directory as the switch will see it: relative paths are taken from ``base``."""
    path = Path(moh_dir)
    return str(path if path.is_absolute() else (base / path).resolve())


def kamailio_dir(config: Config, out_dir: Path) -> str:
    """Where the balancer reads dispatcher.list and db/ from: ``balancer.conf_dir``, else where they are written."""
    return config.balancer.conf_dir or str((out_dir / "kamailio").resolve())


@dataclass(frozen=True)
class LastResort:
    """The dialplan's safety net (dialplans/macros.xml): the last resort after ``after`` seconds unless a
    controller cancels it, the apology it plays, the dial string it bridges to (empty: hang up), and the first
    park's ``park_timeout``."""

    after: int
    park_timeout: int
    apology: str
    dial: str


def last_resort(config: Config, base: Path) -> LastResort:
    """The safety net of ``freeswitch.last_resort_*`` and ``park_timeout``; the apology is ``queue.apology`` in
    the menus' default language, from the controller's TTS cache (:func:`ensure_apology` renders it)."""
    fs = config.freeswitch
    dial = number_endpoint(config.outbound.dial_template(), fs.last_resort_number) if fs.last_resort_number else ""
    return LastResort(fs.last_resort_after, fs.park_timeout, str(apology_path(config, base)), dial)


def apology_path(config: Config, base: Path, render: bool = False) -> Path:
    """The last resort's apology (``queue.apology`` in ``ivr.default_language``) in the TTS cache; ``render``:
    make the file if it is not there yet (``fsapp conf render`` of the dialplan)."""
    language = config.ivr.default_language
    text = load_texts(base / config.speech.texts).say("queue.apology", language)
    cache = TtsCache(base / config.speech.tts_cache)
    return (cache.render(text, language) if render else cache.path_for(text, language)).resolve()


def template_context(config: Config, acd: AcdConfig, passwords: dict[str, str], base: Path,
                     out_dir: Path | None = None) -> dict[str, Any]:
    """Everything any template may use; ``out_dir`` is where the files go (default: ``base``)."""
    fs = config.freeswitch
    gateways: list[Gateway] = parse_gateways(fs.gateways)
    phones = softphones(acd, fs.domain, passwords)
    return {
        "switch": config.switch, "fs": fs, "esl_acl_name": ESL_ACL, "trunk_acl_name": TRUNK_ACL,
        "esl_acl": sorted(fs.esl_acl.items()), "trunk_acl": sorted(fs.trunk_acl.items()),
        "gateways": gateways, "softphones": phones,
        "numbers": published_numbers({**direct_numbers(acd), **config.numbers, **fax_numbers(config)}),
        "features": feature_codes(fs.feature_codes),
        "feature_entry": FEATURE_ENTRY, "moh_path": moh_path(fs.moh_dir, base),
        "balancer": config.balancer, "balancer_nodes": balancer_nodes(config),
        "trunk_set": TRUNK_SET, "operator_set": OPERATOR_SET,
        "failover_ms": round(config.balancer.failover_timeout * 1000),
        "subscribers": subscribers(phones, fs.domain), "kamailio_dir": kamailio_dir(config, out_dir or base),
        "last_resort": last_resort(config, base),
    }
