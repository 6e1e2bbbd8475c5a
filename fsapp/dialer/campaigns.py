"""Campaigns in the database: lists, claiming contacts to dial, recording attempts, reconciling after a restart.

Restart safety: contacts are claimed in batches (:meth:`CampaignStore.claim_batch`): each is marked
``in_progress`` with an attempt row (``claimed``, with the call's UUID) in one transaction *before* any
originate is sent; the attempt becomes ``dialing`` when it is dialed, and ``answered_at`` is committed the moment
the call is answered, before anything is played (:mod:`fsapp.dialer.journal` groups these writes). When a
campaign starts, :meth:`CampaignStore.reconcile` settles what a stopped controller left: answered attempts count
the contact as ``reached`` (it is never called again); ``claimed`` ones were not dialed (or the mark was lost
with the crash) and their contact is pending again without counting an attempt; unanswered ``dialing`` ones are
``lost`` and the contact is retried under the ``failed`` rule.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import peewee as pw

from fsapp.dialer.errors import CampaignExists, CampaignNotFound, CampaignStateError
from fsapp.dialer.listimport import ListedContact, ListReport, read_contact_list, read_number_list
from fsapp.dialer.models import Campaign, CampaignAttempt, CampaignContact, DoNotCall
from fsapp.dialer.rules import RetryRules, Verdict
from fsapp.dialer.settings import CampaignSettings
from fsapp.store.importer import RowProblem
from fsapp.store.lanes import bound, bulk
from fsapp.store.phones import DEFAULT_REGION, normalize_phone
from fsapp.store.workflow import Clock, system_clock

log = logging.getLogger(__name__)

STATUSES = ("ready", "running", "paused", "finished")
BATCH = 500
ANSWER_LENGTH = 60          # CampaignAttempt.answer
SAME_CALL_ATTEMPT = 0       # attempt number of a survey asked on the person's own call, not dialed


@dataclass(frozen=True)
class CampaignInfo:
    """A campaign as stored."""

    id: int
    name: str
    mode: str
    status: str
    settings: CampaignSettings
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class ClaimedAttempt:
    """A contact claimed for one attempt: everything the call needs."""

    attempt_id: int
    contact_id: int
    attempt_no: int
    call_uuid: str
    number: str
    name: str
    language: str
    data: dict[str, str]


class CampaignStore:
    """The dialer's persistence on the case store's database."""

    def __init__(self, db: pw.Database, clock: Clock = system_clock, region: str = DEFAULT_REGION) -> None:
        self.db = db
        self.clock = clock
        self.region = region

    @classmethod
    def of(cls, store: Any) -> CampaignStore:
        """The campaign store sharing a :class:`~fsapp.store.Store`'s database, clock and region."""
        return cls(store.db, store.clock, store.region)

    # -- campaigns -----------------------------------------------------------------------------------

    @bound
    def create(self, name: str, settings: CampaignSettings) -> CampaignInfo:
        """A new campaign in status ``ready``."""
        settings.check()
        now = self.clock()
        try:
            with self.db.atomic():
                Campaign.create(name=name, mode=settings.mode, settings=settings.to_dict(), created_at=now,
                                updated_at=now)
        except pw.IntegrityError:
            raise CampaignExists(f"a campaign named {name!r} already exists") from None
        return self.get(name)

    @bound
    def get(self, name: str) -> CampaignInfo:
        row = Campaign.get_or_none(Campaign.name == name)
        if row is None:
            raise CampaignNotFound(f"no campaign named {name!r}")
        return _info(row)

    @bound
    def list(self) -> list[CampaignInfo]:
        return [_info(row) for row in Campaign.select().order_by(Campaign.id)]

    @bound
    def update_settings(self, name: str, settings: CampaignSettings) -> None:
        settings.check()
        Campaign.update(settings=settings.to_dict(), mode=settings.mode, updated_at=self.clock()).where(
            Campaign.id == self.get(name).id).execute()

    @bound
    def set_status(self, name: str, status: str, *, allowed_from: Iterable[str] | None = None) -> CampaignInfo:
        """Move a campaign to ``status`` (refused unless it is currently in ``allowed_from``)."""
        info = self.get(name)
        if allowed_from is not None and info.status not in allowed_from:
            raise CampaignStateError(f"campaign {name!r} is {info.status}; cannot make it {status}")
        now = self.clock()
        changes: dict[str, Any] = {"status": status, "updated_at": now}
        if status == "running" and info.started_at is None:
            changes["started_at"] = now
        if status == "finished":
            changes["finished_at"] = now
        Campaign.update(**changes).where(Campaign.id == info.id).execute()
        return self.get(name)

    @bound
    def status_of(self, campaign_id: int) -> str:
        return Campaign.select(Campaign.status).where(Campaign.id == campaign_id).scalar() or "finished"

    # -- lists -----------------------------------------------------------------------------------------

    @bulk
    def import_list(self, name: str, path: str | Path) -> ListReport:
        """Add the contacts of a CSV/.xlsx file; numbers already in the campaign are merged, not duplicated.

        Written in transactions of :data:`BATCH` contacts, so the calls' writes wait a moment at most
        (importing the same file again merges what an interrupted import left)."""
        info = self.get(name)
        contacts, report = read_contact_list(path, self.region, self.do_not_call_numbers())
        now = self.clock()
        existing = {c.number: c for c in CampaignContact.select().where(CampaignContact.campaign == info.id)}
        merges = [(existing[c.number], c) for c in contacts if c.number in existing]
        new_rows = [_contact_row(info.id, c, now) for c in contacts if c.number not in existing]
        for start in range(0, len(merges), BATCH):
            with self.db.atomic():
                for row, contact in merges[start:start + BATCH]:
                    self._merge_existing(row, contact, now)
        for start in range(0, len(new_rows), BATCH):
            with self.db.atomic():
                CampaignContact.insert_many(new_rows[start:start + BATCH]).execute()
        report.merged += len(merges)
        report.added = len(new_rows)
        return report

    @staticmethod
    def _merge_existing(row: CampaignContact, contact: ListedContact, now: datetime) -> None:
        merged = ListedContact(row.row_number, row.number, row.name, row.language, dict(row.data or {}))
        merged.merge(contact)
        CampaignContact.update(name=merged.name, language=merged.language, data=merged.data,
                               updated_at=now).where(CampaignContact.id == row.id).execute()

    @bound
    def add_contact(self, name: str, number: str, *, contact_name: str = "", language: str = "",
                    data: dict[str, str] | None = None) -> str:
        """Add one number to campaign ``name`` while it runs (e.g. a survey after a case was closed).

        Returns what was done: ``added``; ``renewed`` (the number's contact was done: it is dialed again, with
        the new data); ``updated`` (still waiting to be dialed: it keeps its place, with the new data);
        ``in_progress`` (being called now: left as it is); ``do_not_call`` or ``invalid`` (not added).
        """
        info = self.get(name)
        normalized = normalize_phone(number, self.region)
        if not normalized:
            return "invalid"
        now = self.clock()
        values = {"name": contact_name[:200], "language": language, "data": dict(data or {}), "updated_at": now}
        with self.db.atomic():
            if DoNotCall.get_or_none(DoNotCall.number == normalized) is not None:
                return "do_not_call"
            row = CampaignContact.get_or_none(CampaignContact.campaign == info.id,
                                              CampaignContact.number == normalized)
            if row is None:
                CampaignContact.create(campaign=info.id, number=normalized, **values)
                return "added"
            if row.status == "in_progress":
                return "in_progress"
            if row.status == "done":
                values.update(status="pending", result="", attempts=0, next_attempt_at=None, last_cause="")
            CampaignContact.update(**values).where(CampaignContact.id == row.id).execute()
        return "renewed" if row.status == "done" else "updated"

    # -- do not call -----------------------------------------------------------------------------------

    @bound
    def add_do_not_call(self, numbers: Iterable[str], reason: str = "") -> int:
        """Put numbers on the do-not-call list; pending contacts with them are closed as ``do_not_call``."""
        now = self.clock()
        normalized = {n for n in (normalize_phone(x, self.region) for x in numbers) if n}
        with self.db.atomic():
            for number in normalized:
                DoNotCall.insert(number=number, reason=reason, added_at=now).on_conflict_ignore().execute()
            CampaignContact.update(status="done", result="do_not_call", updated_at=now).where(
                CampaignContact.number.in_(list(normalized)), CampaignContact.status == "pending").execute()
        return len(normalized)

    def import_do_not_call(self, path: str | Path, reason: str = "") -> tuple[int, list[RowProblem]]:
        numbers, problems = read_number_list(path, self.region)
        return self.add_do_not_call(numbers, reason), problems

    @bound
    def do_not_call_numbers(self) -> set[str]:
        return {row.number for row in DoNotCall.select(DoNotCall.number)}

    # -- dialing ---------------------------------------------------------------------------------------

    @bound
    def next_due_at(self, campaign_id: int) -> datetime | None:
        """When the earliest pending contact becomes due (None: nothing pending)."""
        row = (CampaignContact.select(CampaignContact.next_attempt_at)
               .where(CampaignContact.campaign == campaign_id, CampaignContact.status == "pending")
               .order_by(CampaignContact.next_attempt_at.asc(nulls="first")).first())
        if row is None:
            return None
        return row.next_attempt_at or self.clock()

    @bound
    def claim_batch(self, campaign_id: int, now: datetime, limit: int,
                    new_uuid: Callable[[], str]) -> list[ClaimedAttempt]:
        """Claim up to ``limit`` due contacts at once: each in progress with a ``claimed`` attempt row.

        One transaction of a few plain statements for the whole batch. Attempts not dialed in the end go
        back with :meth:`release`; after a crash, :meth:`reconcile` gives them back.
        """
        p, contacts, attempts = self.db.param, CampaignContact._meta.table_name, CampaignAttempt._meta.table_name
        lock = " FOR UPDATE SKIP LOCKED" if isinstance(self.db, pw.PostgresqlDatabase) else ""
        when = db_time(now)
        with self.db.atomic():
            rows = self.db.execute_sql(
                f"SELECT id, number, name, language, data, attempts FROM {contacts} "
                f"WHERE campaign_id = {p} AND status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= {p}) "
                f"ORDER BY CASE WHEN next_attempt_at IS NULL THEN 0 ELSE 1 END, next_attempt_at, id LIMIT {p}{lock}",
                (campaign_id, when, limit)).fetchall()
            if not rows:
                return []
            barred = self._barred([row[1] for row in rows])
            ids = [row[0] for row in rows if row[1] not in barred]
            marks = _marks(p, len(rows))
            if barred:
                self.db.execute_sql(f"UPDATE {contacts} SET status = 'done', result = 'do_not_call', updated_at = {p} "
                                    f"WHERE id IN ({marks}) AND number IN ({_marks(p, len(barred))})",
                                    (when, *[row[0] for row in rows], *barred))
            if not ids:
                return []
            self.db.execute_sql(f"UPDATE {contacts} SET status = 'in_progress', attempts = attempts + 1, "
                                f"updated_at = {p} WHERE id IN ({_marks(p, len(ids))})", (when, *ids))
            claimed = [(row, row[5] + 1, new_uuid()) for row in rows if row[1] not in barred]
            self.db.cursor().executemany(
                f"INSERT INTO {attempts} (campaign_id, contact_id, attempt_no, call_uuid, number, state, outcome, "
                f"hangup_cause, started_at, answer) VALUES ({p}, {p}, {p}, {p}, {p}, 'claimed', '', '', {p}, '')",
                [(campaign_id, row[0], attempt_no, uuid, row[1], when) for row, attempt_no, uuid in claimed])
            attempt_ids = dict(self.db.execute_sql(
                f"SELECT call_uuid, id FROM {attempts} WHERE call_uuid IN ({_marks(p, len(claimed))})",
                [uuid for _, _, uuid in claimed]).fetchall())
        return [ClaimedAttempt(attempt_ids[uuid], row[0], attempt_no, uuid, row[1], row[2], row[3],
                               dict(_json_value(row[4]) or {})) for row, attempt_no, uuid in claimed]

    def _barred(self, numbers: list[str]) -> set[str]:
        p = self.db.param
        found = self.db.execute_sql(f"SELECT number FROM {DoNotCall._meta.table_name} "
                                    f"WHERE number IN ({_marks(p, len(numbers))})", numbers).fetchall()
        return {row[0] for row in found}

    @bound
    def release(self, claimed: Iterable[ClaimedAttempt]) -> int:
        """Give back claimed attempts that were never dialed: the rows go, the contacts are pending again."""
        items = list(claimed)
        if not items:
            return 0
        with self.db.atomic():
            CampaignAttempt.delete().where(CampaignAttempt.id.in_([c.attempt_id for c in items]),
                                           CampaignAttempt.state == "claimed").execute()
            CampaignContact.update(status="pending", attempts=CampaignContact.attempts - 1).where(
                CampaignContact.id.in_([c.contact_id for c in items]),
                CampaignContact.status == "in_progress").execute()
        return len(items)

    @bound
    def finish(self, claimed: ClaimedAttempt, outcome: str, cause: str, rules: RetryRules, now: datetime,
               answer: Any = None) -> Verdict:
        """Close the attempt and decide the contact's future by the retry rules."""
        verdict = rules.verdict(outcome, claimed.attempt_no, now)
        with self.db.atomic():
            CampaignAttempt.update(state="done", outcome=outcome, hangup_cause=cause, ended_at=now,
                                   answer=stored_answer(answer)).where(
                CampaignAttempt.id == claimed.attempt_id).execute()
            changes: dict[str, Any] = {"last_cause": cause, "updated_at": now}
            if answer is not None:
                changes["answer"] = answer
            if verdict.done:
                changes.update(status="done", result=verdict.result, next_attempt_at=None)
            else:
                changes.update(status="pending", next_attempt_at=verdict.retry_at)
            CampaignContact.update(**changes).where(CampaignContact.id == claimed.contact_id).execute()
        return verdict

    @bound
    def record_call_survey(self, name: str, number: str, call_uuid: str, outcome: str,
                           answers: dict[str, str | None], started_at: datetime) -> int:
        """Keep a survey asked at the end of the person's own call (they opted in) with the campaign's attempts.

        It is written as attempt number :data:`SAME_CALL_ATTEMPT` (nothing was dialed) of the number's contact,
        which is created ``done`` when the number is new to the campaign, so it is never dialed for it.
        Returns the attempt's id.
        """
        info = self.get(name)
        number = normalize_phone(number, self.region) or number or "anonymous"
        now = self.clock()
        with self.db.atomic():
            contact = CampaignContact.get_or_none(CampaignContact.campaign == info.id,
                                                  CampaignContact.number == number)
            if contact is None:
                contact = CampaignContact.create(campaign=info.id, number=number, status="done", result=outcome,
                                                 answer=answers, updated_at=now)
            attempt = CampaignAttempt.create(campaign=info.id, contact=contact.id, attempt_no=SAME_CALL_ATTEMPT,
                                             call_uuid=call_uuid, number=number, state="done", outcome=outcome,
                                             hangup_cause="", started_at=started_at, answered_at=started_at,
                                             ended_at=now, answer=stored_answer(answers))
        return attempt.id

    @bound
    def reconcile(self, campaign_id: int, rules: RetryRules) -> dict[str, int]:
        """Settle attempts left ``dialing`` by a controller that stopped; returns counts by what was done."""
        now = self.clock()
        counts = {"reached": 0, "lost": 0, "released": 0}
        with self.db.atomic():
            undialed = list(CampaignAttempt.select().where(CampaignAttempt.campaign == campaign_id,
                                                           CampaignAttempt.state == "claimed",
                                                           CampaignAttempt.answered_at.is_null()))
            counts["released"] = self.release(
                ClaimedAttempt(a.id, a.contact_id, a.attempt_no, a.call_uuid, a.number, "", "", {}) for a in undialed)
            stale = list(CampaignAttempt.select().where(CampaignAttempt.campaign == campaign_id,
                                                        CampaignAttempt.state.in_(("dialing", "claimed"))))
            for attempt in stale:
                answered = attempt.answered_at is not None
                outcome = "reached" if answered else "lost"
                claimed = ClaimedAttempt(attempt.id, attempt.contact_id, attempt.attempt_no, attempt.call_uuid,
                                         attempt.number, "", "", {})
                self.finish(claimed, outcome, "CONTROLLER_RESTART", rules, now)
                CampaignAttempt.update(state="lost" if not answered else "done").where(
                    CampaignAttempt.id == attempt.id).execute()
                counts[outcome] += 1
            # A contact marked in progress whose attempt row never got written cannot exist (same
            # transaction), but a contact left in progress by an older schema is put back to pending.
            CampaignContact.update(status="pending").where(
                CampaignContact.campaign == campaign_id, CampaignContact.status == "in_progress",
                CampaignContact.id.not_in(CampaignAttempt.select(CampaignAttempt.contact).where(
                    CampaignAttempt.campaign == campaign_id, CampaignAttempt.state == "dialing"))).execute()
        if stale or undialed:
            log.info("campaign %d: reconciled %d unfinished attempt(s): %s", campaign_id, len(stale) + len(undialed),
                     counts)
        return counts

    # -- reading -----------------------------------------------------------------------------------------

    @bound
    def counts(self, campaign_id: int) -> dict[str, int]:
        """Contacts by status and by result (``pending``, ``in_progress``, ``done:reached``...)."""
        result: dict[str, int] = {"total": 0, "pending": 0, "in_progress": 0, "done": 0}
        query = (CampaignContact.select(CampaignContact.status, CampaignContact.result,
                                        pw.fn.COUNT(CampaignContact.id).alias("n"))
                 .where(CampaignContact.campaign == campaign_id)
                 .group_by(CampaignContact.status, CampaignContact.result))
        for row in query.dicts():
            result["total"] += row["n"]
            result[row["status"]] = result.get(row["status"], 0) + row["n"]
            if row["status"] == "done":
                result[f"done:{row['result']}"] = row["n"]
        return result

    @bound
    def attempt_rows(self, campaign_id: int) -> list[dict[str, Any]]:
        """Every attempt, oldest first (for reports and checks)."""
        query = (CampaignAttempt.select().where(CampaignAttempt.campaign == campaign_id)
                 .order_by(CampaignAttempt.started_at, CampaignAttempt.id))
        return [{"contact_id": a.contact_id, "number": a.number, "attempt_no": a.attempt_no,
                 "call_uuid": a.call_uuid, "state": a.state, "outcome": a.outcome, "hangup_cause": a.hangup_cause,
                 "started_at": a.started_at, "answered_at": a.answered_at, "ended_at": a.ended_at,
                 "answer": a.answer} for a in query]

    @bound
    def contact_rows(self, campaign_id: int) -> list[dict[str, Any]]:
        query = CampaignContact.select().where(CampaignContact.campaign == campaign_id).order_by(CampaignContact.id)
        return [{"id": c.id, "row": c.row_number, "number": c.number, "name": c.name, "language": c.language,
                 "status": c.status, "result": c.result, "attempts": c.attempts, "last_cause": c.last_cause,
                 "next_attempt_at": c.next_attempt_at, "answer": c.answer, "data": dict(c.data or {})} for c in query]


def stored_answer(answer: Any) -> str:
    """An attempt's answer as kept on its row: a key as it is, survey answers as compact JSON."""
    if isinstance(answer, dict):
        return json.dumps(answer, separators=(",", ":"), sort_keys=True)[:ANSWER_LENGTH]
    return answer[:ANSWER_LENGTH] if isinstance(answer, str) else ""


def survey_answers(stored: str) -> dict[str, str | None] | None:
    """The survey answers kept by :func:`stored_answer` (None: the attempt has none)."""
    if not stored.startswith("{"):
        return None
    try:
        value = json.loads(stored)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _info(row: Campaign) -> CampaignInfo:
    return CampaignInfo(row.id, row.name, row.mode, row.status, CampaignSettings.from_dict(row.settings),
                        row.created_at, row.started_at, row.finished_at)


def _contact_row(campaign_id: int, contact: ListedContact, now: datetime) -> dict[str, Any]:
    return {"campaign": campaign_id, "row_number": contact.row_number, "number": contact.number,
            "name": contact.name[:200], "language": contact.language, "data": contact.data,
            "updated_at": now}


def db_time(moment: datetime) -> Any:
    """``moment`` as the database keeps attempt and contact times (for plain SQL parameters)."""
    return CampaignAttempt.started_at.db_value(moment)


def _marks(param: str, count: int) -> str:
    """``count`` SQL parameter placeholders for an ``IN (...)`` list."""
    return ", ".join([param] * count)


def _json_value(raw: Any) -> Any:
    return CampaignContact.data.python_value(raw) if isinstance(raw, str) else raw
