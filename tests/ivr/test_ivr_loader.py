from __future__ import annotations

from datetime import date

import pytest

from fsapp.ivr.errors import FlowErrors
from fsapp.ivr.loader import load_flow
from fsapp.ivr.schema import MenuNode, ScheduleNode


def test_loads_nodes_with_types(write_flow) -> None:
    path = write_flow("""
        default_language: en
        start: hours
        nodes:
          hours:
            kind: schedule
            timezone: Europe/Oslo
            hours: {mon: "08:00-11:00", tue: ["08:00-11:00", "12:00-15:00"], sat: closed}
            closed_dates: [2027-05-18, 12-24]  # any-date-ok: a one-off date and a yearly one, only parsed
            holidays: "NO-03"
            open: menu
            closed: bye
          menu:
            kind: menu
            prompt: {en: Press 1.}
            timeout: 4
            options:
              - {key: "1", say: {en: [Building Permit]}, next: bye}
          bye:
            kind: hangup
    """)
    flow = load_flow(path)
    hours = flow.nodes["hours"]
    assert isinstance(hours, ScheduleNode)
    assert len(hours.hours[1]) == 2 and hours.hours[5] == ()
    assert hours.closed_dates == {date(2027, 5, 18), (12, 24)} and hours.holidays == "NO-03"  # any-date-ok
    menu = flow.nodes["menu"]
    assert isinstance(menu, MenuNode)
    assert menu.timeout_s == 4.0
    assert menu.options[0].phrases == {"en": ("building permit",)}
    assert flow.languages == ("en",)


def test_schema_errors_name_file_and_line(write_flow) -> None:
    path = write_flow("""
        default_language: en
        start: menu
        nodes:
          menu:
            kind: menu
            prompt: {en: Hello}
            timeout: soon
            options:
              - {key: "12", next: bye}
          bye:
            kind: teleport
    """)
    with pytest.raises(FlowErrors) as caught:
        load_flow(path)
    lines = caught.value.located().splitlines()
    assert f"{path}:7: nodes.menu.timeout: must be a positive number of seconds" in lines
    assert f"{path}:9: nodes.menu.options.0.key: must be one key: 0-9, * or #" in lines
    assert any(line.startswith(f"{path}:11: nodes.bye.kind: unknown kind 'teleport'") for line in lines)


def test_holiday_calendar_and_closed_dates_are_checked(write_flow) -> None:
    path = write_flow("""
        default_language: en
        start: hours
        nodes:
          hours:
            kind: schedule
            hours: {mon: "08:00-11:00"}
            holidays: NO
            closed_dates: [12-32, christmas]
            open: bye
            closed: bye
          other:
            kind: schedule
            hours: {mon: "08:00-11:00"}
            holidays: XX
            open: bye
            closed: bye
          bye:
            kind: hangup
    """)
    with pytest.raises(FlowErrors) as caught:
        load_flow(path)
    lines = caught.value.located().splitlines()
    assert f'{path}:7: nodes.hours.holidays: must be a country code in quotes (YAML reads a bare NO as false): ' \
           f'holidays: "NO"' in lines
    assert f"{path}:8: nodes.hours.closed_dates.0: '12-32' is not a date (YYYY-MM-DD, or MM-DD for every year)" in lines
    assert f"{path}:8: nodes.hours.closed_dates.1: 'christmas' is not a date (YYYY-MM-DD, or MM-DD for every year)" \
        in lines
    assert any(line.startswith(f"{path}:14: nodes.other.holidays: no public holidays are known for country 'XX'")
               for line in lines)


def test_missing_required_field_and_unknown_field(write_flow) -> None:
    path = write_flow("""
        default_language: en
        start: a
        nodes:
          a:
            kind: queue
            priorty: 3
    """)
    with pytest.raises(FlowErrors) as caught:
        load_flow(path)
    text = caught.value.located()
    assert f"{path}:6: nodes.a.priorty: unknown field" in text
    assert f"{path}:4: nodes.a: missing required field 'queue'" in text


def test_yaml_syntax_error_is_located(write_flow) -> None:
    from fsapp.ivr.validate import validate_file

    path = write_flow("start: a\nnodes:\n  a: [unclosed\n")
    flow, errors = validate_file(path)
    assert flow is None
    assert errors[0].located().startswith(f"{path}:")
    assert errors[0].line is not None


def test_bad_opening_hours_and_time_zone(write_flow) -> None:
    path = write_flow("""
        default_language: en
        start: s
        nodes:
          s:
            kind: schedule
            timezone: Mars/Olympus
            hours: {mon: "15:00-08:00", funday: "08:00-09:00"}
            open: s
            closed: s
    """)
    with pytest.raises(FlowErrors) as caught:
        load_flow(path)
    text = caught.value.located()
    assert "unknown time zone 'Mars/Olympus'" in text
    assert "ends before it starts" in text
    assert "unknown weekday 'funday'" in text
