"""Outbound on the real switch: message campaigns whose citizens' phones are busy, do not answer or cannot be
reached, dialled by the controller through the configured gateway (outbound:) or a campaign's own dial string."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from fsapp.controller import Controller
from fsapp.dialer import CampaignStore
from tests.api.api_waits import CHANGES, wait_until
from tests.live import scenarios
from tests.live.conftest import LiveSetup
from tests.live.livekit import CITIZENS_PORT, Sipp, Watcher

pytestmark = pytest.mark.freeswitch
NOBODY_PORT = 5291     # nothing listens: the switch gets ICMP port unreachable
NO_ANSWER_PORT = 5293


def start_campaign(live: LiveSetup, name: str, number: str, **settings: object) -> None:
    contacts = live.work / f"{name}.csv"
    contacts.write_text(f"phone,name,language\n{number},Citizen {name},en\n")
    values = {"mode": "message", "message": {"en": "tone_stream://%(500,0,440)"}, "ring_timeout": 5,
              "calls_per_second": 1, "max_concurrent": 1,
              "retry": {outcome: {"delay": 1, "max": 2} for outcome in ("busy", "no_answer", "failed")}, **settings}
    (live.work / f"{name}.yaml").write_text(yaml.safe_dump(values))   # read by `fsapp campaign import`
    settings_file = live.work / f"{name}.yaml"
    for command in (("campaign", "import", str(contacts), "--name", name, "--settings", str(settings_file)),
                    ("campaign", "start", name)):
        status, output = live.cli(*command)
        assert status == 0, output


@pytest.mark.parametrize("name, behaviour, dial_template, outcome, cause", [
    ("busy", "busy", None, "busy", "USER_BUSY"),
    ("noanswer", "never_answer", f"sofia/fsapp_trunks/{{number}}@127.0.0.1:{NO_ANSWER_PORT}", "no_answer",
     "NO_ANSWER"),
    ("unreachable", None, f"sofia/fsapp_trunks/{{number}}@127.0.0.1:{NOBODY_PORT}", "failed",
     "NORMAL_TEMPORARY_FAILURE"),
])
def test_campaign_outcomes_by_cause(live: LiveSetup, controller: Controller, sipp_run: Sipp,
                                    watcher: Callable[..., Watcher], name: str, behaviour: str | None,
                                    dial_template: str | None, outcome: str, cause: str) -> None:
    events = watcher("CHANNEL_CREATE", "CHANNEL_HANGUP_COMPLETE")
    if behaviour is not None:
        port = CITIZENS_PORT if dial_template is None else NO_ANSWER_PORT
        sipp_run.run(f"citizen_{name}", scenarios.phone_answers(**{behaviour: True}), port=port, calls=6)
    number = "+4790000071"
    controller.outbound.on_attempt = CHANGES.poke   # the runners started from now on tell of each attempt
    start_campaign(live, f"live-{name}", number, **({"dial_template": dial_template} if dial_template else {}))
    campaigns = CampaignStore.of(controller.store)
    info = campaigns.get(f"live-{name}")
    run = wait_until(lambda: controller.outbound.summaries.get(info.name), 30, f"campaign {name} dialling")
    assert run.get(timeout=60).stopped_because == "finished"
    attempts = campaigns.attempt_rows(info.id)
    assert [(a["outcome"], a["hangup_cause"]) for a in attempts] == [(outcome, cause)] * 2   # one retry each
    created = events.wait(lambda e: e.name == "CHANNEL_CREATE" and e.get("variable_fsapp_campaign") == str(info.id),
                          5, "the campaign's leg")
    if dial_template is None:   # through outbound.gateway, showing outbound.caller_id_*
        assert created["Channel-Name"] == f"sofia/fsapp_trunks/{number}"
        assert created["Caller-Caller-ID-Number"] == "4721000000"
        assert created["Caller-Caller-ID-Name"] == "Servicetorget"
