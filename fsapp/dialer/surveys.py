"""Surveys: a call from a survey campaign after a case is closed, or questions at the end of the caller's own call.

After a case is closed: :func:`survey_on_case_closure` is a :meth:`Store.on_case_closed
<fsapp.store.Store.on_case_closed>` listener that adds the citizen's phone (unless it is on the do-not-call list)
to the survey campaign, with the case's reference in the contact's data (``case``). The controller's
:class:`~fsapp.dialer.outbound.OutboundService` dials it while the campaign runs (``keep_open: true`` in the
campaign's settings has it wait for the next closures instead of finishing). The answers are kept on the
attempt and, through :meth:`Surveys.dialed_answers`, noted in the case's history.

On the same call: a queue node with ``survey: <campaign>`` (reached when the caller opted in, e.g. with "press 1
to rate our service after the call") keeps the caller on the line when the operator hangs up first, and
:meth:`Surveys.ask_on_call` asks the campaign's questions with the same script a dialed survey uses. The
answers are kept with the campaign's attempts as attempt number 0 of the caller's number, under the call's
UUID (so ``fsapp campaign report`` counts both kinds together), and noted in the caller's open case when there
is exactly one.

    surveys = Surveys(store, CampaignStore.of(store), render)
    store.on_case_closed(survey_on_case_closure(surveys.campaigns, store, "satisfaction", categories=("water",)))
    answers = surveys.ask_on_call(call, "satisfaction", language="nb", case_reference="2026-000123")
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import peewee as pw

from fsapp.dialer.campaigns import CampaignStore, ClaimedAttempt
from fsapp.dialer.errors import DialerError
from fsapp.dialer.scripts import PromptRenderer, SpeechListener, ask_survey
from fsapp.dialer.settings import CampaignSettings
from fsapp.esl.errors import ChannelGone, ESLError
from fsapp.errors import FsappError, SourceError
from fsapp.ivr.schema import Flow, QueueNode
from fsapp.store.records import CaseDetail
from fsapp.switch import Call
from fsapp.yamlsource import load_yaml

log = logging.getLogger(__name__)

Answers = dict[str, str | None]
SURVEY_AUTHOR = "survey"


def survey_on_case_closure(campaigns: CampaignStore, store: Any, campaign: str,
                           categories: Sequence[str] = ()) -> Callable[[CaseDetail], None]:
    """A ``Store.on_case_closed`` listener adding the citizen's phone to survey ``campaign``.

    ``categories`` (codes or names) limits it to cases of those categories; empty: every case.
    """
    wanted = {category.lower() for category in categories}

    def listener(detail: CaseDetail) -> None:
        summary = detail.summary
        if wanted and not wanted & {summary.category_code.lower(), summary.category.lower()}:
            return
        if summary.citizen_id is None:
            return
        citizen = store.get_citizen(summary.citizen_id)
        if not citizen.phones or citizen.erased:
            return
        done = campaigns.add_contact(campaign, citizen.phones[0], contact_name=citizen.name,
                                     language=citizen.language,
                                     data={"case": summary.reference, "source": "case_closed"})
        log.info("case %s: survey %s for %s: %s", summary.reference, campaign, citizen.phones[0], done)

    return listener


def attach_case_surveys(store: Any, campaigns: CampaignStore, after_case_closed: Any) -> bool:
    """Install :func:`survey_on_case_closure` on ``store`` as ``surveys.after_case_closed`` of the
    configuration says (``.campaign``, ``.categories``); False when no campaign is configured."""
    if not after_case_closed.campaign:
        return False
    store.on_case_closed(survey_on_case_closure(campaigns, store, after_case_closed.campaign,
                                                tuple(after_case_closed.categories)))
    return True


def unknown_surveys(flows: Iterable[Flow], campaigns: CampaignStore) -> list[SourceError]:
    """Queue nodes whose ``survey`` is not a survey campaign in the store, located in their file."""
    known = {info.name for info in campaigns.list() if info.mode == "survey"}
    problems: list[SourceError] = []
    for flow in flows:
        for node in flow.nodes.values():
            if isinstance(node, QueueNode) and node.survey and node.survey not in known:
                source = flow.source or load_yaml(flow.path)   # the loader keeps the parsed file
                problems.append(source.error(node.where + ("survey",), f"no survey campaign {node.survey!r}"))
    return problems


class Surveys:
    """Asks survey questions on a caller's own call and keeps every survey's answers with the case."""

    def __init__(self, store: Any, campaigns: CampaignStore, render: PromptRenderer,
                 listener: SpeechListener | None = None) -> None:
        self.store = store
        self.campaigns = campaigns
        self.render = render
        self.listener = listener   # hears spoken answers (the IVR's runner); None: keys only

    def dialed_answers(self, campaign: str, claimed: ClaimedAttempt, answers: Answers) -> None:
        """A dialed survey was answered: note it in the case its contact is about (``data["case"]``)."""
        reference = claimed.data.get("case")
        if reference:
            self.note_in_case(reference, campaign, answers, "by phone")

    def ask_on_call(self, call: Call, campaign: str, *, language: str = "",
                    case_reference: str | None = None) -> Answers | None:
        """Ask ``campaign``'s questions on ``call``, hang up, keep the answers; None when not asked (hung up too)."""
        settings = self._survey_settings(campaign, call.uuid)
        if settings is None:
            _hang_up(call)
            return None
        started = self.campaigns.clock()
        try:
            result = ask_survey(call, settings, self.render, language or settings.default_language,
                                self.listener)
            outcome, answers = result.outcome, dict(result.answer or {})
        except ChannelGone:
            outcome, answers = "reached", {}
        except ESLError as exc:
            log.warning("call %s: survey %s: %s", call.uuid, campaign, exc)
            outcome, answers = "reached", {}
        log.info("call %s: survey %s: %s %s", call.uuid, campaign, outcome, answers)
        _hang_up(call)
        try:
            self.campaigns.record_call_survey(campaign, call.caller_number, call.uuid, outcome, answers, started)
        except (FsappError, pw.PeeweeException) as exc:
            log.error("call %s: survey %s answers %s not kept: %s", call.uuid, campaign, answers, exc)
        if case_reference and answers:
            self.note_in_case(case_reference, campaign, answers, "at the end of the call")
        return answers

    def note_in_case(self, reference: str, campaign: str, answers: Answers, how: str) -> None:
        """Add the answers to the case's notes and history (a failure is logged, never raised)."""
        try:
            settings = self.campaigns.get(campaign).settings
            self.store.add_note(reference, answers_text(campaign, settings, answers, how), SURVEY_AUTHOR)
        except (FsappError, pw.PeeweeException) as exc:
            log.error("case %s: survey %s answers not noted: %s", reference, campaign, exc)

    def _survey_settings(self, campaign: str, call_uuid: str) -> CampaignSettings | None:
        try:
            info = self.campaigns.get(campaign)
        except DialerError as exc:
            log.warning("call %s: no survey: %s", call_uuid, exc)
            return None
        if info.settings.mode != "survey":
            log.warning("call %s: campaign %s is not a survey (mode %s)", call_uuid, campaign, info.settings.mode)
            return None
        return info.settings


def answers_text(campaign: str, settings: CampaignSettings, answers: Answers, how: str) -> str:
    """One line for the case's history: each question (in the campaign's language) and its key."""
    parts = []
    for index, question in enumerate(settings.questions, start=1):
        text = settings.text_for(question.text, settings.default_language).strip()
        parts.append(f"{text} {answers.get(f'q{index}') or '(no answer)'}")
    return f"Survey {campaign} ({how}): " + "; ".join(parts)


def _hang_up(call: Call) -> None:
    if call.gone:
        return
    try:
        call.hangup()
    except ESLError as exc:
        log.info("call %s: hangup after the survey: %s", call.uuid, exc)
