"""fsapp's configuration: defaults < conf/fsapp.yaml < FSAPP_* environment < command-line flags.

Every value is checked on load; a bad one stops the controller with an error naming where it came from
(``conf/fsapp.yaml:12: switch.port: must be an integer between 1 and 65535``, or the variable's name).
Environment variables are ``FSAPP_<SECTION>_<KEY>`` (``FSAPP_SWITCH_PASSWORD``) or ``FSAPP_<KEY>`` for
top-level keys (``FSAPP_TIMEZONE``).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fsapp.errors import ConfigError
from fsapp.yamlsource import KeyPath, YamlSource, load_yaml

DEFAULT_PATH = Path("conf/fsapp.yaml")


@dataclass
class SwitchConfig:
    host: str = "127.0.0.1"
    port: int = 8021
    password: str = "ClueCon"
    connect_timeout: float = 5.0
    command_timeout: float = 10.0
    event_queue: int = 1000
    command_connections: int = 0
    calls_per_second: int = 30
    overload_after: float = 1.0
    overload_wait: float = 5.0


@dataclass
class SwitchNodeConfig:
    """One FreeSWITCH node of several (``switches:``); port and password default to ``switch.*``."""

    name: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    password: str = ""


def node_switch(switch: SwitchConfig, node: SwitchNodeConfig) -> SwitchConfig:
    """``switch`` with ``node``'s host, and its port and password where the node sets them."""
    return dataclasses.replace(switch, host=node.host, port=node.port or switch.port,
                               password=node.password or switch.password)


@dataclass
class HaConfig:
    """A standby controller waits on a PostgreSQL advisory lock named ``lock_name`` (needs database.url)."""

    enabled: bool = False
    lock_name: str = "fsapp-controller"
    poll_interval: float = 1.0       # seconds between a standby's attempts to take the lock
    check_interval: float = 5.0      # seconds between the leader's checks that it still holds the lock


@dataclass
class BalancerConfig:
    """The Kamailio SIP load balancer in front of the nodes (``fsapp conf render --only kamailio``)."""

    listen: str = "udp:0.0.0.0:5060"   # PROTO:ADDRESS:PORT Kamailio listens on (trunks and softphones)
    probe_interval: int = 10          # seconds between OPTIONS probes of each node
    failover_timeout: float = 3.0     # seconds without any reply from a node before a call tries the next
    conf_dir: str = ""                # where kamailio.cfg's files are on the balancer; empty: where rendered


@dataclass
class DatabaseConfig:
    url: str = "sqlite:///var/fsapp.db"


@dataclass
class ApiConfig:
    listen: str = "127.0.0.1"
    port: int = 8088
    # token -> role, or {role: operator, agent: NAME} for an operator token that may act on that agent only
    tokens: dict[str, str | dict[str, str]] = field(default_factory=dict)
    max_body: int = 65536         # bytes a request body may have (413 above)
    read_timeout: float = 10.0    # seconds a client has to send a request's headers, and then its body (408)
    idle_timeout: float = 60.0    # seconds a kept-alive connection may wait for its next request


@dataclass
class Open311Config:
    """Caps on what one Open311 request may ask for (README: Security)."""

    page_size: int = 50           # service requests per page when the client does not say
    max_page_size: int = 200      # the most a client may ask for with page_size
    max_service_codes: int = 10   # service_code=a,b,c...
    max_request_ids: int = 50     # service_request_id=a,b,c...
    max_days: int = 90            # the widest start_date..end_date a search may span


@dataclass
class IvrConfig:
    flows_dir: str = "ivr_scripts"
    entries: dict[str, str] = field(default_factory=lambda: {"main": "main_menu"})
    default_language: str = "nb"


@dataclass
class SpeechConfig:
    tts_cache: str = "sounds/tts"
    asr_engine: str = "pocketsphinx"
    vosk_models: dict[str, str] = field(default_factory=dict)
    texts: str = "conf/texts.yaml"


@dataclass
class AcdConfig:
    file: str = "conf/acd.yaml"
    recording_notice: bool = True   # "calls are recorded" (texts: queue.recording_notice) before a recorded queue


@dataclass
class RegisterConfig:
    file: str = "conf/register.yaml"   # departments, categories, custom fields and the Q&A guide


@dataclass
class DeskConfig:
    """The operator's desk under /desk (README: Operator's desk)."""

    session_hours: float = 10.0   # a sign-in lasts this long (a shift), then the desk asks again
    secure_cookie: bool = False   # mark the session cookie Secure (set it when TLS is in front)
    language: str = "nb"          # the desk's language before a person has one (nb, en, or a file in texts/)
    screen_pop_url: str = ""      # sent to the operator's phone in Call-Info with each offer; {uuid}: the call
    break_reasons: list[str] = field(default_factory=lambda: ["lunch", "meeting", "training", "back office"])
    wrapup_codes: list[str] = field(default_factory=lambda: ["answered", "case opened", "transferred",
                                                             "wrong number", "callback promised"])


@dataclass
class RetentionConfig:
    """Days each data class is kept by ``fsapp db retention`` (0: for ever)."""

    recordings_days: int = 0
    transcripts_days: int = 0
    interactions_days: int = 0
    closed_cases_days: int = 0


@dataclass
class PathsConfig:
    sounds: str = "sounds"
    recordings: str = "recordings"
    state: str = "var"
    faxes: str = "var/fax"           # received and sent fax files (TIFF as on the line, PDF as kept)


@dataclass
class FreeswitchConfig:
    """What ``fsapp conf render`` writes into the switch's configuration."""

    domain: str = "fsapp.local"
    sip_ip: str = "$${local_ip_v4}"
    operators_port: int = 5060
    trunks_port: int = 5080
    context: str = "public"
    operators_context: str = "fsapp_operators"
    event_socket_listen: str = "127.0.0.1"
    esl_acl: dict[str, str] = field(default_factory=lambda: {"controller": "127.0.0.1/32"})
    trunk_acl: dict[str, str] = field(default_factory=dict)
    gateways: dict[str, str] = field(default_factory=dict)
    feature_codes: dict[str, str] = field(default_factory=lambda: {
        "*21": "login", "*22": "logout", "*23": "break", "*24": "resume"})
    moh_dir: str = "sounds/moh"
    secrets_file: str = "var/softphone-secrets.yaml"
    # the dialplan's safety net for callers no controller serves (README: "Nobody is stranded")
    last_resort_after: int = 30      # seconds a parked call waits for a controller, then: apology, number or hang-up
    last_resort_number: str = ""     # E.164 the last resort dials through outbound.gateway; empty: apology, hang-up
    park_timeout: int = 7200         # seconds FreeSWITCH lets a call's first park last (it then hangs up); 0: no limit


@dataclass
class OutboundConfig:
    """How fsapp dials citizens: campaigns (unless a campaign names its own), callbacks, outside transfers and
    consultations go out through one trunk gateway, showing the city's caller ID."""

    gateway: str = "pstn"          # a gateway of freeswitch.gateways (or of the switch's own profiles)
    caller_id_number: str = ""     # e.g. the published number; empty: the switch's default
    caller_id_name: str = ""       # empty: the switch's default
    # the hours a campaign created without windows dials (fsapp campaign import); {} would be 24/7
    calling_windows: dict[str, str] = field(default_factory=lambda: {"mon-fri": "09:00-20:00", "sat": "10:00-16:00"})
    holidays: str = "NO"           # campaigns' windows are closed on this calendar's public holidays; "": none
    opt_out_key: str = "9"         # a key a message campaign offers for "no more calls" (do-not-call); "": none

    def dial_template(self) -> str:
        """The dial string of an outside number, ``{number}`` standing for it."""
        return f"sofia/gateway/{self.gateway}/{{number}}"

    def caller_id(self) -> dict[str, str]:
        """The originate variables that show the configured caller ID (none when unset)."""
        shown = {"origination_caller_id_number": self.caller_id_number,
                 "origination_caller_id_name": self.caller_id_name}
        return {name: value for name, value in shown.items() if value}


@dataclass
class SurveyAfterCaseConfig:
    """A survey call after a case is closed: the citizen's phone joins survey ``campaign``."""

    campaign: str = ""                                    # empty: no survey after closure
    categories: list[str] = field(default_factory=list)   # category codes; empty: every case


@dataclass
class SurveysConfig:
    after_case_closed: SurveyAfterCaseConfig = field(default_factory=SurveyAfterCaseConfig)


@dataclass
class EmailConfig:
    """Inbound mail through an SMTP listener in ``fsapp run``, and notices sent through an SMTP server."""

    listen: str = ""                 # address of the inbound listener (e.g. 127.0.0.1); empty: no listener
    port: int = 8025
    domains: list[str] = field(default_factory=list)     # recipient domains accepted; empty: any
    allowed_relays: list[str] = field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])   # who may hand us mail
    max_size: int = 1048576          # bytes one message may have (SMTP SIZE; larger ones are refused)
    max_attachments: int = 20        # files one message may carry (kept with the contact); more: refused (552)
    queue: str = ""                  # ACD queue inbound mail waits in as a work item; empty: kept, not queued
    smtp_host: str = ""              # server notices go out through; empty: no mail is sent
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_username: str = ""
    smtp_password_env: str = "FSAPP_SMTP_PASSWORD"   # the environment variable holding the SMTP password
    sender: str = ""                 # From: of notices and replies


@dataclass
class SmsConfig:
    """Inbound SMS through a webhook the gateway calls, and outgoing SMS through an HTTP gateway."""

    webhook_token: str = ""          # POST /hooks/sms needs it; empty: no webhook (set FSAPP_SMS_WEBHOOK_TOKEN)
    gateway_url: str = ""            # outgoing gateway (fsapp.notify.sms protocol); empty: no SMS is sent
    gateway_token: str = ""          # bearer token for the gateway (set FSAPP_SMS_GATEWAY_TOKEN)
    sender: str = ""                 # the sender name or number the gateway shows
    queue: str = ""                  # ACD queue inbound SMS wait in as work items; empty: kept, not queued
    max_body: int = 16384            # bytes one webhook request may have


@dataclass
class ChatConfig:
    """The citizens' web chat: a widget served by fsapp, chats waiting in the ACD's queues."""

    enabled: bool = False
    queue: str = ""                  # the queue chats wait in (empty: the ACD's first queue)
    queues: list[str] = field(default_factory=list)   # other queues a page may ask for (data-queue)
    languages: list[str] = field(default_factory=list)   # languages offered; lang-<code> skills route them
    max_per_operator: int = 3        # chats one operator may hold at once (beside a call)
    allowed_origins: list[str] = field(default_factory=list)   # sites that may embed the widget (CORS)
    max_message: int = 2000          # characters in one message
    rate_per_minute: int = 60        # requests one browser address may make
    max_open: int = 200              # chats open at once (more are told to try later)
    idle_timeout: float = 900.0      # seconds a chat may be silent before it is closed
    schedule_entry: str = "main"     # ivr.entries key whose opening hours the chat keeps; empty: always open


@dataclass
class SocialConfig:
    """Messages from social media accounts, posted by an adapter to ``/hooks/social/<source>``."""

    tokens: dict[str, str] = field(default_factory=dict)   # source name -> its own token (16+ characters)
    queue: str = ""                  # ACD queue they wait in as work items; empty: kept, not queued
    max_body: int = 16384


@dataclass
class FaxConfig:
    """The published fax number (received with mod_spandsp's rxfax, kept as PDF contacts) and fax out from cases."""

    enabled: bool = False
    number: str = ""                 # the published fax number the dialplan hands to fsapp (e.g. +4721000099)
    station_id: str = ""             # our T.30 station identifier (digits, spaces, +; at most 20); empty: number
    header: str = ""                 # the header line printed on pages sent; empty: none
    max_pages: int = 50              # pages kept of one fax (and sent at most); the contact says when more came
    max_bytes: int = 20971520        # bytes a received TIFF or a file to send may have
    receive_timeout: int = 900       # seconds one fax call may last
    dial_template: str = ""          # where fax out is dialled, {number} standing for it; empty: outbound.gateway
    ecm: bool = True                 # ask for error correction (fax_use_ecm)


@dataclass
class NoticesConfig:
    """Closing the loop: citizens told of their case's progress on their preferred channel."""

    enabled: bool = False
    statuses: list[str] = field(default_factory=lambda: ["closed"])   # statuses that send a notice
    templates: str = ""              # directory of <language>/<name>.txt; empty: the built-in texts


@dataclass
class Config:
    """The whole configuration; ``source`` says which file (if any) it was read from."""

    timezone: str = "Europe/Oslo"
    region: str = "NO"
    switch: SwitchConfig = field(default_factory=SwitchConfig)
    switches: list[SwitchNodeConfig] = field(default_factory=list)
    ha: HaConfig = field(default_factory=HaConfig)
    balancer: BalancerConfig = field(default_factory=BalancerConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    api: ApiConfig = field(default_factory=ApiConfig)
    open311: Open311Config = field(default_factory=Open311Config)
    ivr: IvrConfig = field(default_factory=IvrConfig)
    speech: SpeechConfig = field(default_factory=SpeechConfig)
    acd: AcdConfig = field(default_factory=AcdConfig)
    register: RegisterConfig = field(default_factory=RegisterConfig)
    desk: DeskConfig = field(default_factory=DeskConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    numbers: dict[str, str] = field(default_factory=lambda: {"6000": "main"})
    freeswitch: FreeswitchConfig = field(default_factory=FreeswitchConfig)
    outbound: OutboundConfig = field(default_factory=OutboundConfig)
    surveys: SurveysConfig = field(default_factory=SurveysConfig)
    email: EmailConfig = field(default_factory=EmailConfig)
    sms: SmsConfig = field(default_factory=SmsConfig)
    chat: ChatConfig = field(default_factory=ChatConfig)
    social: SocialConfig = field(default_factory=SocialConfig)
    notices: NoticesConfig = field(default_factory=NoticesConfig)
    fax: FaxConfig = field(default_factory=FaxConfig)
    source: str | None = None


_CHECKS: dict[str, typing.Callable[[Any], str | None]] = {
    "switch.port": lambda v: None if 1 <= v <= 65535 else "must be between 1 and 65535",
    "api.port": lambda v: None if 1 <= v <= 65535 else "must be between 1 and 65535",
    "api.max_body": lambda v: None if 1024 <= v <= 64 * 1024 * 1024 else "must be between 1024 and 67108864 (bytes)",
    "api.read_timeout": lambda v: None if 0 < v <= 600 else "must be between 0 and 600 (seconds)",
    "api.idle_timeout": lambda v: None if 0 < v <= 3600 else "must be between 0 and 3600 (seconds)",
    "desk.session_hours": lambda v: None if 0 < v <= 168 else "must be between 0 and 168 (hours)",
    "open311.page_size": lambda v: None if v >= 1 else "must be at least 1",
    "open311.max_page_size": lambda v: None if 1 <= v <= 1000 else "must be between 1 and 1000",
    "open311.max_service_codes": lambda v: None if 1 <= v <= 100 else "must be between 1 and 100",
    "open311.max_request_ids": lambda v: None if 1 <= v <= 500 else "must be between 1 and 500",
    "open311.max_days": lambda v: None if 1 <= v <= 366 else "must be between 1 and 366 (days)",
    "switch.connect_timeout": lambda v: None if v > 0 else "must be positive",
    "switch.command_timeout": lambda v: None if v > 0 else "must be positive",
    "switch.event_queue": lambda v: None if v >= 10 else "must be at least 10",
    "switch.command_connections": lambda v: None if 0 <= v <= 8 else "must be between 0 and 8",
    "switch.calls_per_second": lambda v: None if v > 0 else "must be positive",
    "switch.overload_after": lambda v: None if v >= 0 else "must be 0 (off) or more",
    "switch.overload_wait": lambda v: None if 0 <= v <= 60 else "must be 0 (refused at once) to 60 seconds",
    "switches.port": lambda v: None if 0 <= v <= 65535 else "must be between 1 and 65535 (0: switch.port)",
    "ha.poll_interval": lambda v: None if v > 0 else "must be positive",
    "ha.check_interval": lambda v: None if v > 0 else "must be positive",
    "balancer.listen": lambda v: _check_listen(v),
    "balancer.probe_interval": lambda v: None if v >= 1 else "must be at least 1 (seconds)",
    "balancer.failover_timeout": lambda v: None if 0.1 <= v <= 60 else "must be between 0.1 and 60 (seconds)",
    "speech.asr_engine": lambda v: None if v in ("pocketsphinx", "vosk") else "must be pocketsphinx or vosk",
    "database.url": lambda v: None if v.split(":", 1)[0] in ("sqlite", "postgresql", "postgres")
    else "must start with sqlite:// or postgresql://",
    "timezone": lambda v: _check_timezone(v),
    "retention.closed_cases_days": lambda v: None if v >= 0 else "must be 0 (keep for ever) or a number of days",
    "retention.interactions_days": lambda v: None if v >= 0 else "must be 0 (keep for ever) or a number of days",
    "retention.transcripts_days": lambda v: None if v >= 0 else "must be 0 (keep for ever) or a number of days",
    "retention.recordings_days": lambda v: None if v >= 0 else "must be 0 (keep for ever) or a number of days",
    "freeswitch.operators_port": lambda v: None if 1 <= v <= 65535 else "must be between 1 and 65535",
    "freeswitch.trunks_port": lambda v: None if 1 <= v <= 65535 else "must be between 1 and 65535",
    "freeswitch.last_resort_after": lambda v: None if v == 0 or 5 <= v <= 3600
    else "must be 0 (no last resort) or between 5 and 3600 (seconds)",
    "freeswitch.last_resort_number": lambda v: None if re.fullmatch(r"(\+[1-9][0-9]{5,14})?", v)
    else "must be an E.164 number (+4721000000) or empty",
    "freeswitch.park_timeout": lambda v: None if v == 0 or v >= 600
    else "must be 0 (no limit) or at least 600 (seconds)",
    "outbound.holidays": lambda v: None if re.fullmatch(r"([A-Za-z]{2,3}(-[A-Za-z0-9]{1,6})?)?", v)
    else "must be a country code, optionally with a subdivision (NO, NO-03), or empty",
    "outbound.opt_out_key": lambda v: None if re.fullmatch(r"[0-9*#]?", v)
    else "must be one key (0-9, * or #) or empty",
    "outbound.gateway": lambda v: None if re.fullmatch(r"[A-Za-z0-9_.\-]+", v)
    else "must be a gateway name (letters, digits, '.', '_', '-')",
    "outbound.caller_id_number": lambda v: None if re.fullmatch(r"\+?[0-9]{0,20}", v)
    else "must be a phone number (digits, optionally after +)",
    "outbound.caller_id_name": lambda v: None if re.fullmatch(r"[\w.\-]{0,40}", v)
    else "must be at most 40 letters, digits, '.', '_' or '-' (no spaces)",
    "email.port": lambda v: None if 1 <= v <= 65535 else "must be between 1 and 65535",
    "email.smtp_port": lambda v: None if 1 <= v <= 65535 else "must be between 1 and 65535",
    "email.max_size": lambda v: None if 1024 <= v <= 64 * 1024 * 1024 else "must be between 1024 and 67108864 (bytes)",
    "email.allowed_relays": lambda v: _check_networks(v),
    "email.max_attachments": lambda v: None if 0 <= v <= 200 else "must be between 0 and 200",
    "sms.webhook_token": lambda v: _check_token(v),
    "sms.max_body": lambda v: None if 256 <= v <= 1024 * 1024 else "must be between 256 and 1048576 (bytes)",
    "social.tokens": lambda v: next((f"{name}: {problem}" for name, token in v.items()
                                     for problem in [_check_token(token) or _check_source(name)] if problem), None),
    "social.max_body": lambda v: None if 256 <= v <= 1024 * 1024 else "must be between 256 and 1048576 (bytes)",
    "chat.max_per_operator": lambda v: None if 1 <= v <= 20 else "must be between 1 and 20",
    "chat.max_message": lambda v: None if 1 <= v <= 20000 else "must be between 1 and 20000 (characters)",
    "chat.rate_per_minute": lambda v: None if 1 <= v <= 6000 else "must be between 1 and 6000",
    "chat.max_open": lambda v: None if 1 <= v <= 100000 else "must be between 1 and 100000",
    "chat.idle_timeout": lambda v: None if 10 <= v <= 86400 else "must be between 10 and 86400 (seconds)",
    "chat.allowed_origins": lambda v: next((f"{o!r} must be scheme://host[:port]" for o in v
                                            if not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:\d{1,5})?", o)), None),
    "fax.number": lambda v: None if re.fullmatch(r"(\+?[0-9]{2,15})?", v)
    else "must be a number (digits, optionally after +) or empty",
    "fax.station_id": lambda v: None if re.fullmatch(r"[0-9+ ]{0,20}", v)
    else "must be at most 20 digits, spaces or '+' (T.30 allows no more)",
    "fax.header": lambda v: None if re.fullmatch(r"[\w .,:/()+-]{0,50}", v)
    else "must be at most 50 letters, digits, spaces or . , : / ( ) + -",
    "fax.max_pages": lambda v: None if 1 <= v <= 500 else "must be between 1 and 500",
    "fax.max_bytes": lambda v: None if 65536 <= v <= 512 * 1024 * 1024
    else "must be between 65536 and 536870912 (bytes)",
    "fax.receive_timeout": lambda v: None if 60 <= v <= 7200 else "must be between 60 and 7200 (seconds)",
    "fax.dial_template": lambda v: _check_dial_template(v),
    "notices.statuses": lambda v: next((f"unknown status {s!r}" for s in v if s not in _CASE_STATUSES), None),
}

MIN_TOKEN = 16   # characters a webhook token must have
_CASE_STATUSES = ("received", "accepted", "assigned", "in_progress", "resolved", "closed", "reopened")  # CaseStatus


def _check_dial_template(template: str) -> str | None:
    """Empty, or one endpoint (as fsapp.switch.dialstring.endpoint reads one) holding ``{number}`` once."""
    endpoint = re.fullmatch(r"[a-z][a-z0-9_.]{0,19}/[A-Za-z0-9+*#_.@:;=~/-]{0,200}", template.replace("{number}", "1"))
    if not template or (template.count("{number}") == 1 and endpoint):
        return None
    return "must be one endpoint holding {number} once (sofia/gateway/pstn/{number}) or empty"


def _check_token(token: str) -> str | None:
    """A webhook token is empty (the webhook is off) or long enough not to be guessed."""
    if token and len(token) < MIN_TOKEN:
        return f"must be at least {MIN_TOKEN} characters (or empty: the webhook is off)"
    return None


def _check_source(name: str) -> str | None:
    return None if re.fullmatch(r"[a-z0-9][a-z0-9_\-]{0,39}", name) else "source names are a-z, 0-9, '_' and '-'"


def _check_networks(networks: list[str]) -> str | None:
    import ipaddress

    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            return f"{network!r} is not an address or network (e.g. 10.0.0.0/8)"
    return None


def _check_listen(value: str) -> str | None:
    match = re.fullmatch(r"(udp|tcp):([^\s:]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})", value)
    if not match or not 1 <= int(match[3]) <= 65535:
        return f"must be udp|tcp:ADDRESS:PORT (e.g. udp:0.0.0.0:5060), not {value!r}"
    return None


def _check_timezone(name: str) -> str | None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {name!r}"
    return None


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None,
                overrides: Mapping[str, Any] | None = None) -> Config:
    """Build the configuration from its layers. ``overrides`` are dotted keys (``switch.host``)."""
    config = Config()
    file_path = Path(path) if path else (DEFAULT_PATH if DEFAULT_PATH.exists() else None)
    if file_path is not None:
        if not file_path.exists():
            raise ConfigError("configuration file not found", str(file_path))
        source = load_yaml(file_path, ConfigError)
        _apply_mapping(config, source.data, source, ())
        config.source = str(file_path)
    _apply_environment(config, os.environ if env is None else env)
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _set(config, tuple(dotted.split(".")), value, origin=f"--{dotted.replace('.', '-').replace('_', '-')}")
    return config


def _apply_mapping(target: Any, data: Any, source: YamlSource, key_path: KeyPath) -> None:
    if not isinstance(data, dict):
        raise source.error(key_path, "must be a mapping of keys to values", ConfigError)
    names = {f.name: f for f in dataclasses.fields(target) if f.name != "source"}
    hints = typing.get_type_hints(type(target))
    for key, value in data.items():
        here = key_path + (str(key),)
        if key not in names:
            raise source.error(here, _unknown_key_message(str(key), list(names)), ConfigError)
        if dataclasses.is_dataclass(hints[key]):
            _apply_mapping(getattr(target, key), value, source, here)
            continue
        item_type = _list_item_dataclass(hints[key])
        if item_type is not None:
            setattr(target, key, _dataclass_list(item_type, value, source, here))
            continue
        try:
            _assign(target, key, hints[key], value, ".".join(str(part) for part in here if not isinstance(part, int)))
        except ValueError as exc:
            raise source.error(here, str(exc), ConfigError) from exc


def _list_item_dataclass(hint: Any) -> type | None:
    """``X`` for a ``list[X]`` hint whose items are sections (``switches:``), else None."""
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        if dataclasses.is_dataclass(item):
            return item
    return None


def _dataclass_list(item_type: type, data: Any, source: YamlSource, key_path: KeyPath) -> list[Any]:
    if not isinstance(data, list):
        raise source.error(key_path, "must be a list of mappings", ConfigError)
    items = []
    for index, value in enumerate(data):
        item = item_type()
        _apply_mapping(item, value, source, key_path + (index,))
        items.append(item)
    return items


def _unknown_key_message(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(known))})"
    return f"unknown key {key!r}{hint}"


def _apply_environment(config: Config, env: Mapping[str, str]) -> None:
    for section_name, section_hint in typing.get_type_hints(Config).items():
        if section_name == "source":
            continue
        if dataclasses.is_dataclass(section_hint):
            for item in dataclasses.fields(section_hint):
                variable = f"FSAPP_{section_name}_{item.name}".upper()
                if variable in env:
                    _set(config, (section_name, item.name), env[variable], origin=variable)
        else:
            variable = f"FSAPP_{section_name}".upper()
            if variable in env:
                _set(config, (section_name,), env[variable], origin=variable)


def _set(config: Config, key_path: tuple[str, ...], value: Any, origin: str) -> None:
    target: Any = config
    for part in key_path[:-1]:
        if not hasattr(target, part):
            raise ConfigError(f"unknown setting {'.'.join(key_path)}", origin)
        target = getattr(target, part)
    name = key_path[-1]
    hints = typing.get_type_hints(type(target))
    if name not in hints or dataclasses.is_dataclass(hints[name]):
        raise ConfigError(f"unknown setting {'.'.join(key_path)}", origin)
    try:
        _assign(target, name, hints[name], value, ".".join(key_path))
    except ValueError as exc:
        raise ConfigError(str(exc), origin, key=".".join(key_path)) from exc


def _assign(target: Any, name: str, hint: Any, value: Any, dotted: str) -> None:
    converted = _convert(hint, value)
    check = _CHECKS.get(dotted)
    problem = check(converted) if check else None
    if problem:
        raise ValueError(problem)
    setattr(target, name, converted)


def _string_or_mapping(value: Any) -> str | dict[str, str]:
    """A value that is a plain string or a mapping of strings (``api.tokens``: a role, or role and agent)."""
    if isinstance(value, dict):
        if any(isinstance(v, (dict, list)) for v in value.values()):
            raise ValueError("a value's mapping must hold single values")
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):
        raise ValueError("values must be strings or mappings")
    return str(value)


def _convert(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin is list and typing.get_args(hint) == (str,):
        items = value.split(",") if isinstance(value, str) else value   # a list, or "a, b" from the environment
        if not isinstance(items, list):
            raise ValueError("must be a list")
        return [str(item).strip() for item in items if str(item).strip()]
    if origin is list:
        raise ValueError("is a list: set it in the configuration file")
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError("must be a mapping")
        if typing.get_args(hint)[1] is str:
            return {str(k): str(v) for k, v in value.items()}
        return {str(k): _string_or_mapping(v) for k, v in value.items()}
    if hint is bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"must be true or false, not {value!r}")
    if hint is int:
        if isinstance(value, bool):
            raise ValueError(f"must be an integer, not {value!r}")
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError(f"must be an integer, not {value!r}") from None
    if hint is float:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"must be a number, not {value!r}") from None
    if isinstance(value, (dict, list)):
        raise ValueError("must be a single value")
    return str(value)
