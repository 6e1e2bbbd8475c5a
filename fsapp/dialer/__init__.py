"""Outbound calling: campaigns (message, survey, agent), list import, pacing, retries and callbacks.

::

    from fsapp.dialer import CampaignSettings, CampaignStore, CampaignRunner, CallbackBook
    campaigns = CampaignStore.of(store)                      # tables from store migration 4
    campaigns.create("water-d4", CampaignSettings(message={"nb": "Vannet stenges ..."}, calls_per_second=10))
    report = campaigns.import_list("water-d4", "district4.xlsx")   # ListReport: added, merged, problems
    CampaignRunner(campaigns, switch, "water-d4", prompt_renderer=tts.render).run()

    book = CallbackBook(store)
    book.request("+4790000001", source="ivr", queue="building", queued_since=joined_at)
    book.scheduled(due_only=True)

In the controller, :class:`fsapp.dialer.outbound.OutboundService` runs the campaigns marked running and the
due callbacks, reaching operators through the ACD with :class:`fsapp.dialer.desk.AcdDesk`; surveys after a case
is closed or at the end of the caller's own call are :class:`Surveys` (``surveys:`` in fsapp.yaml).

Pure parts (no I/O, time passed in): :mod:`~fsapp.dialer.pacing`, :mod:`~fsapp.dialer.windows`,
:mod:`~fsapp.dialer.rules`.
"""

from fsapp.dialer.callbacks import CallbackBook, CallbackDialer, ScheduledCallback, callback_on_case_closure
from fsapp.dialer.campaigns import CampaignInfo, CampaignStore, ClaimedAttempt
from fsapp.dialer.errors import CampaignExists, CampaignNotFound, CampaignStateError, DialerError, SettingsError
from fsapp.dialer.listimport import ListReport, read_contact_list
from fsapp.dialer.pacing import Pace, Pacer, ProgressiveRatio
from fsapp.dialer.rules import RetryRule, RetryRules, outcome_of_cause
from fsapp.dialer.runner import CampaignRunner, RunSummary
from fsapp.dialer.scripts import AgentDesk, PromptRenderer, default_prompt
from fsapp.dialer.settings import CampaignSettings, Question
from fsapp.dialer.surveys import Surveys, attach_case_surveys
from fsapp.dialer.windows import CallingWindows

__all__ = [
    "AgentDesk", "CallbackBook", "CallbackDialer", "CallingWindows", "CampaignExists", "CampaignInfo",
    "CampaignNotFound", "CampaignRunner", "CampaignSettings", "CampaignStateError", "CampaignStore",
    "ClaimedAttempt", "DialerError", "ListReport", "Pace", "Pacer", "ProgressiveRatio", "PromptRenderer",
    "Question", "RetryRule", "RetryRules", "RunSummary", "ScheduledCallback", "SettingsError", "Surveys",
    "attach_case_surveys", "callback_on_case_closure", "default_prompt", "outcome_of_cause", "read_contact_list",
]
