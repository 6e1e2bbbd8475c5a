"""Checks that need no switch: the database, the queues/agents file, the IVR flows, the published numbers, the
trunks' ACL."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from fsapp.acd.loader import load_acd_config
from fsapp.config import Config
from fsapp.doctor.result import CheckResult, fail, ok, warn
from fsapp.errors import FsappError
from fsapp.render.model import FEATURE_ENTRY


def database_check(config: Config) -> CheckResult:
    """The database answers and its schema is the one this program needs."""
    import peewee

    from fsapp.store import open_store
    from fsapp.store.migrations import LATEST

    where = _redacted(config.database.url)
    sqlite_file = _sqlite_file(config.database.url)
    if sqlite_file is not None and not sqlite_file.exists():
        return fail("database", f"{sqlite_file} does not exist", "run `fsapp db migrate` to create it")
    try:
        store = open_store(config.database.url, region=config.region, migrate=False)
    except FsappError as exc:
        return fail("database", f"{where}: {exc}", "fix database.url")
    try:
        version = store.schema_version()
    except (peewee.PeeweeException, FsappError) as exc:
        return fail("database", f"{where} is unreachable: {str(exc).strip().splitlines()[0]}",
                    "start the database or fix database.url")
    finally:
        store.close()
    if version < LATEST:
        return fail("database", f"{where} is at schema {version}, this program needs {LATEST}",
                    "run `fsapp db migrate`")
    if version > LATEST:
        return fail("database", f"{where} is at schema {version}, newer than this program ({LATEST})",
                    "upgrade fsapp")
    return ok("database", f"{where} reachable, schema {version}")


def _sqlite_file(url: str) -> Path | None:
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        return Path(url[len("sqlite:///"):])
    return None


def _redacted(url: str) -> str:
    """The URL without its password (``postgresql://fsapp:***@host/db``)."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return url
    return f"{scheme}{sep}{credentials.split(':', 1)[0]}:***@{host}"


def acd_check(config: Config) -> CheckResult:
    try:
        acd = load_acd_config(config.acd.file)
    except FsappError as exc:
        return fail("queues and agents", str(exc), f"fix {config.acd.file}")
    return ok("queues and agents", f"{config.acd.file}: {len(acd.queues)} queue(s), {len(acd.agents)} agent(s)")


def ivr_checks(config: Config) -> list[CheckResult]:
    """Every flow file validates, and every entry names a flow that exists (skipped without fsapp.ivr)."""
    if importlib.util.find_spec("fsapp.ivr") is None:
        return []
    from fsapp.ivr.validate import validate_file

    flows_dir = Path(config.ivr.flows_dir)
    files = sorted(flows_dir.glob("*.yaml"))
    if not files:
        return [fail("ivr flows", f"no flow files in {flows_dir}", "set ivr.flows_dir or add flows")]
    names, problems, languages = set(), [], set()
    for path in files:
        flow, errors = validate_file(path, flows_dir)
        problems += errors
        if flow is not None:
            names.add(flow.name)
            languages.update(flow.languages)
    results = [fail("ivr flows", f"{len(problems)} problem(s); first: {problems[0].located()}",
                    "run `fsapp ivr validate` on the files and fix them")] if problems else [
        ok("ivr flows", f"{len(files)} flow file(s) in {flows_dir} valid")]
    results.append(speech_check(config, languages))
    unknown = {entry: flow for entry, flow in config.ivr.entries.items() if flow not in names}
    for entry, flow in sorted(unknown.items()):
        results.append(fail(f"ivr entry {entry}", f"names flow {flow!r}, which is not in {flows_dir}",
                            "fix ivr.entries or add the flow"))
    return results


def speech_check(config: Config, languages: set[str]) -> CheckResult:
    """Which of the menus' languages callers can speak in, and which are served by keys alone."""
    from fsapp.speech.asr import Recognizers

    recognizers = Recognizers(config.speech.vosk_models, config.speech.asr_engine)
    spoken = sorted(language for language in languages if recognizers.supports(language))
    keys_only = sorted(set(languages) - set(spoken))
    missing = sorted(language for language, model in config.speech.vosk_models.items() if not Path(model).is_dir())
    if missing:
        return fail("speech input", f"no vosk model directory for {', '.join(missing)}",
                    "fix speech.vosk_models (a directory per language)")
    hint = " (speech.vosk_models: {LANG: MODEL_DIR} adds speech)" if keys_only else ""
    return ok("speech input", f"speech in {', '.join(spoken) or 'no language'}; "
                              f"keys only in {', '.join(keys_only) or 'none'}{hint}")


def numbers_check(config: Config) -> CheckResult:
    """Every published number's fsapp_entry is served by an IVR entry."""
    served = set(config.ivr.entries) | {FEATURE_ENTRY}
    unserved = {number: entry for number, entry in config.numbers.items() if entry not in served}
    if not config.numbers:
        return warn("published numbers", "none (numbers: in fsapp.yaml)", "list the numbers citizens call")
    if unserved:
        listed = ", ".join(f"{number} -> {entry}" for number, entry in sorted(unserved.items()))
        return fail("published numbers", f"no ivr.entries for {listed}", "add the entries under ivr.entries")
    return ok("published numbers", f"{len(config.numbers)} number(s), each with an IVR entry")


def trunk_acl_check(config: Config) -> CheckResult:
    """Who reaches the published numbers through the trunks' profile, which challenges everyone else."""
    admitted = config.freeswitch.trunk_acl
    if not admitted:
        return warn("trunk ACL", "freeswitch.trunk_acl is empty: the trunks' profile (fsapp_trunks, auth-calls) "
                                 "answers every call with a 407 challenge, and providers do not authenticate, so no "
                                 "citizen's call reaches a published number",
                    "list each provider's (or the load balancer's) addresses under freeswitch.trunk_acl, e.g. "
                    "{telco: 192.0.2.0/24}, then `fsapp conf render --only sip` and `reloadacl` on the switch")
    listed = ", ".join(f"{name} {cidr}" for name, cidr in sorted(admitted.items()))
    return ok("trunk ACL", f"calls from {listed} are admitted without a challenge")


def fax_cover_checks(config: Config) -> list[CheckResult]:
    """With the fax number on: Tesseract, which reads a received fax's cover page for a case reference."""
    from fsapp.fax.cover import TESSERACT

    if not config.fax.enabled:
        return []
    program = shutil.which(TESSERACT)
    if program is None:
        return [warn("fax cover pages", f"{TESSERACT} is not installed: a case reference on a received fax's "
                                        "cover page is not read (the sender's station id still threads it)",
                     "install the Debian package tesseract-ocr (scripts/install-system-deps)")]
    return [ok("fax cover pages", f"read for a case reference with {program}")]


def local_checks(config: Config) -> list[CheckResult]:
    return [database_check(config), acd_check(config), *ivr_checks(config), numbers_check(config),
            trunk_acl_check(config), *fax_cover_checks(config)]
