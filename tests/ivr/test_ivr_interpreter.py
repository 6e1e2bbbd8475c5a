from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.easter import easter

from fsapp.ivr.actions import Collect, Digits, Listen, Queue, Say, Speech
from fsapp.ivr.interpreter import Interpreter

from ivr_helpers import REPO, SATURDAY, TUESDAY_MORNING, load_valid, walk
from tests import timeline

MENU = """
default_language: en
start: menu
nodes:
  menu:
    kind: menu
    prompt: {en: Press 1 for water or say water.}
    tries: 2
    timeout_prompt: {en: I heard nothing.}
    invalid_prompt: {en: Not a choice.}
    max_tries_prompt: {en: To the operator.}
    on_max_tries: operator
    min_confidence: 0.6
    options:
      - {key: "1", say: {en: [water, waste and water]}, next: water}
      - {key: "0", next: operator}
  water: {kind: queue, queue: water, priority: 2, skills: [water]}
  operator: {kind: queue, queue: operator}
"""


def _start(flow, **kwargs):
    interpreter = Interpreter(flow, clock=lambda: TUESDAY_MORNING, call_uuid="u-1", **kwargs)
    walk_ = interpreter.run()
    return interpreter, walk_, next(walk_)


def test_menu_by_key_queues_with_priority_and_skills(write_flow) -> None:
    path, lines = walk(load_valid(write_flow(MENU)), keys=["1"])
    assert (path.outcome, path.detail) == ("queue", "water")
    assert path.steps[0].keys == "1"
    assert lines[-1] == "=> queue water (priority 2, skills water)"


def test_menu_listens_first_then_falls_back_to_keys(write_flow) -> None:
    flow = load_valid(write_flow(MENU))
    interpreter, gen, action = _start(flow)
    assert isinstance(action, Listen)
    assert action.phrases == ("water", "waste and water")
    assert gen.send(Speech("water", 0.3)) == Say("Not a choice.", "en")  # low confidence counts as invalid
    action = next(gen)
    assert isinstance(action, Collect) and action.max_digits == 1
    final = gen.send(Digits("1"))
    assert final == Queue("water", 2, ("water",), "en")
    assert interpreter.path.steps[0].note == "speech fell back to keys"


def test_menu_speech_with_confidence_chooses(write_flow) -> None:
    interpreter, gen, _ = _start(load_valid(write_flow(MENU)))
    assert gen.send(Speech("waste and water", 0.9)) == Queue("water", 2, ("water",), "en")
    assert interpreter.path.steps[0].phrase == "waste and water"


def test_menu_timeout_and_invalid_prompts_then_max_tries_destination(write_flow) -> None:
    path, lines = walk(load_valid(write_flow(MENU)), keys=["", "7"])
    assert "[say en] I heard nothing." in lines
    assert "[say en] Not a choice." in lines
    assert "[say en] To the operator." in lines
    assert (path.outcome, path.detail) == ("queue", "operator")
    assert path.nodes == ["menu", "operator"]


def test_collect_validates_pattern_and_length(write_flow) -> None:
    flow = load_valid(write_flow("""
        default_language: en
        start: ask
        nodes:
          ask:
            kind: collect
            prompt: {en: Your number}
            var: ref
            min: 4
            max: 6
            pattern: "9[0-9]+"
            tries: 2
            invalid_prompt: {en: Wrong.}
            next: thanks
            on_fail: bye
          thanks: {kind: transfer, destination: "ext-{ref}"}
          bye: {kind: hangup}
    """))
    path, lines = walk(flow, keys=["1234#", "9876#"])
    assert "[say en] Wrong." in lines
    assert (path.outcome, path.detail) == ("transfer", "ext-9876")
    path, _ = walk(flow, keys=["12", "123"])
    assert path.outcome == "hangup"


NEW_YORK = ZoneInfo("America/New_York")
NY_TUESDAY = timeline.next_weekday(timeline.TUESDAY, 9, tz=NEW_YORK)
NY_CLOSED = NY_TUESDAY + timedelta(days=7)
SCHEDULE = f"""
default_language: en
start: hours
nodes:
  hours:
    kind: schedule
    timezone: America/New_York
    hours: {{tue: "09:00-17:00"}}
    closed_dates: [{NY_CLOSED:%Y-%m-%d}]
    open: opened
    closed: closed
  opened: {{kind: queue, queue: open}}
  closed: {{kind: hangup}}
"""


@pytest.mark.parametrize(("moment", "outcome"), [
    (NY_TUESDAY, "queue"),                                          # Tuesday 09:00 in New York
    (NY_TUESDAY - timedelta(minutes=1), "hangup"),                  # 08:59
    (NY_TUESDAY.replace(hour=17), "hangup"),                        # 17:00: closing time
    (NY_CLOSED.replace(hour=10), "hangup"),                         # a closed date
    (NY_TUESDAY.replace(hour=10) + timedelta(days=1), "hangup"),    # Wednesday: no hours
    (NY_TUESDAY.astimezone(timezone.utc), "queue"),                 # the same moment, told in UTC
])
def test_schedule_uses_its_time_zone_and_closed_dates(write_flow, moment, outcome) -> None:
    path, _ = walk(load_valid(write_flow(SCHEDULE)), at=moment)
    assert path.outcome == outcome


EVERY_DAY = """
default_language: en
start: hours
nodes:
  hours:
    kind: schedule
    timezone: Europe/Oslo
    hours: {mon: "08:00-16:00", tue: "08:00-16:00", wed: "08:00-16:00", thu: "08:00-16:00",
            fri: "08:00-16:00", sat: "08:00-16:00", sun: "08:00-16:00"}
    holidays: "NO"
    closed_dates: [12-24, 06-30]
    open: opened
    closed: closed
  opened: {kind: queue, queue: open}
  closed: {kind: hangup}
"""


def _easter_monday(year: int) -> date:
    return easter(year) + timedelta(days=1)


@pytest.mark.parametrize(("moment", "outcome"), [
    (timeline.next_date(12, 25, 10), "hangup"),                    # Christmas Day: a public holiday
    (timeline.next_date(12, 28, 10), "queue"),                     # an ordinary day between the holidays
    (timeline.next_date(5, 17, 10), "hangup"),                     # Constitution Day
    (timeline.next_date(12, 24, 10), "hangup"),                    # the city's own day, every year
    (timeline.next_date(6, 30, 10), "hangup"),
    (timeline.next_date(12, 24, 10).replace(year=timeline.RUN_START.year + 3), "hangup"),
    (datetime.combine(_easter_monday(timeline.RUN_START.year + 1), time(10), timeline.OSLO), "hangup"),
    (datetime.combine(_easter_monday(timeline.RUN_START.year + 1) + timedelta(days=1), time(10), timeline.OSLO),
     "queue"),
])
def test_schedule_closes_on_public_holidays_of_any_year_and_the_citys_own_days(write_flow, moment,
                                                                                 outcome) -> None:
    path, _ = walk(load_valid(write_flow(EVERY_DAY)), at=moment)
    assert path.outcome == outcome


HOOKS = """
default_language: en
start: check
on_error: apology
nodes:
  check: {kind: hook, call: helpers.classify, var: kind, next: route}
  route:
    kind: branch
    var: kind
    cases: {vip: vip, normal: normal}
    default: normal
  vip: {kind: queue, queue: vip}
  normal: {kind: queue, queue: normal}
  apology: {kind: transfer, destination: "1000"}
"""


def test_hook_result_drives_a_branch(write_flow, tmp_path) -> None:
    (tmp_path / "helpers.py").write_text(
        "def classify(ctx):\n    return 'vip' if ctx.caller_number.endswith('7') else 'normal'\n")
    flow = load_valid(write_flow(HOOKS))
    assert walk(flow, caller="+4790000007")[0].detail == "vip"
    assert walk(flow, caller="+4790000001")[0].detail == "normal"


def test_hook_goto_jumps(write_flow, tmp_path) -> None:
    (tmp_path / "helpers.py").write_text(
        "from fsapp.ivr.hooks import Goto\n\ndef classify(ctx):\n    return Goto('vip')\n")
    assert walk(load_valid(write_flow(HOOKS)))[0].detail == "vip"


def test_failing_hook_is_logged_with_call_uuid_and_goes_to_on_error(write_flow, tmp_path, caplog) -> None:
    (tmp_path / "helpers.py").write_text("def classify(ctx):\n    raise RuntimeError('database down')\n")
    with caplog.at_level(logging.ERROR, logger="fsapp.ivr.interpreter"):
        path, _ = walk(load_valid(write_flow(HOOKS)))
    assert (path.outcome, path.detail) == ("transfer", "1000")
    assert "call test-uuid: hook helpers.classify in node check failed" in caplog.text
    assert "database down" in path.errors[0]


def test_failing_hook_without_on_error_goes_to_operator_queue(write_flow, tmp_path) -> None:
    (tmp_path / "helpers.py").write_text("def classify(ctx):\n    return 1 / 0\n")
    flow = load_valid(write_flow(HOOKS.replace("on_error: apology\n", "operator_queue: switchboard\n")
                                 .replace("  apology: {kind: transfer, destination: \"1000\"}\n", "")))
    path, _ = walk(flow)
    assert (path.outcome, path.detail) == ("queue", "switchboard")


def test_language_choice_changes_prompts(write_flow) -> None:
    flow = load_valid(write_flow("""
        default_language: nb
        languages: [nb, en]
        start: choose
        nodes:
          choose:
            kind: menu
            prompt: {nb: For English press 9, en: For English press 9}
            options: [{key: "9", language: en, next: hello}]
          hello: {kind: say, prompt: {nb: Hei, en: Hello}}
    """))
    path, lines = walk(flow, keys=["9"])
    assert "[say en] Hello" in lines
    assert path.language == "en"


def test_set_renders_variables(write_flow) -> None:
    flow = load_valid(write_flow("""
        default_language: en
        start: remember
        nodes:
          remember: {kind: set, values: {target: "q-{caller_number}"}, next: say}
          say: {kind: say, prompt: {en: "Sending {caller_digits} to {target}"}}
    """))
    _, lines = walk(flow, caller="+4712")
    assert "[say en] Sending 4 7 1 2 to q-+4712" in lines


def test_callback_with_another_number(write_flow) -> None:
    flow = load_valid(REPO / "ivr_scripts" / "main_menu.yaml")
    path, lines = walk(flow, keys=["2", "2", "4722334455#", "1"], at=SATURDAY)
    assert (path.outcome, path.detail) == ("callback", "+4722334455")
    assert any("4 7 2 2 3 3 4 4 5 5" in line for line in lines)


def test_voicemail_out_of_hours(write_flow) -> None:
    flow = load_valid(REPO / "ivr_scripts" / "main_menu.yaml")
    path, lines = walk(flow, keys=["9", "1"], at=SATURDAY)
    assert path.outcome == "voicemail"
    assert path.language == "en"
    assert "[say en] Leave your message after the tone, and hang up when you are done." in lines
