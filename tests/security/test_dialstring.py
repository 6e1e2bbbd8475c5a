"""The seam every outside value crosses into a switch command (fsapp.switch.dialstring), against FreeSWITCH's
own reading of commands (ported in fsapp.sim.fsparse and recorded from a real 1.10.12 in data/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fsapp.acd.dialing import self_bridge_variables
from fsapp.sim.fsparse import parse_dial, separate
from fsapp.sim.originate import OriginateRefused, parse_originate
from fsapp.switch import dialstring as ds
from fsapp.switch.errors import NotDialable, UnsafeValue

RECORDED = json.loads((Path(__file__).parent / "data" / "freeswitch_escaping.json").read_text())
SPECIALS = list(",'\"\\ {}[]<>|=^:_$%&()/+@;#*~!?") + ["\n", "\r", "\t", "\x00", "\x7f", "\\,", "^^:", ":_:", "${"]
hostile_text = st.lists(st.sampled_from(SPECIALS) | st.characters(codec="utf-8"), max_size=30).map("".join)
UNSAFE = re.compile(r"[\x00-\x1f\x7f{}]|:_:")
CALLER_ID = "+4790000302,sofia/gateway/default/+4799999999"


def switch_reads(command: str):
    """What the switch makes of an ``originate`` command line: its words and the dial string."""
    assert command.startswith("originate ")
    words = separate(command[len("originate "):], " ", 10)
    return words, parse_dial(words[0])


# -- variable values ------------------------------------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(hostile_text)
@example("tail\\")
@example("x,fsapp_role=evil")
@example("x}user/9999 &echo(")
@example(" spaced ")
@example("origination_nested_vars=true")
def test_a_value_reaches_the_switch_exactly_or_is_refused(value: str) -> None:
    variables = {"origination_uuid": "u-1", "fsapp_probe": value, "fsapp_role": "agent"}
    if UNSAFE.search(value):
        with pytest.raises(UnsafeValue):
            ds.originate_command("user/1001", variables)
        return
    command = ds.originate_command("user/1001", variables)
    words, dial = switch_reads(command)
    assert words[1] == "&park()" and len(words) == 2
    expected = {k: v for k, v in variables.items() if v != ""}   # the switch sets no empty variable
    assert dial.variables == expected
    assert [(leg.endpoint, leg.variables) for leg in dial.legs] == [("user/1001", {})]
    assert "origination_nested_vars=true" not in words[0]   # that text anywhere would turn off its ${} check


@settings(max_examples=300, deadline=None)
@given(hostile_text, st.integers(min_value=1, max_value=80))
def test_shown_text_is_always_safe_to_send(value: str, limit: int) -> None:
    for cleaned in (ds.clean_text(value, limit), ds.caller_name(value, limit), ds.caller_number(value, limit)):
        assert len(cleaned) <= max(limit, len("anonymous"))
        assert not UNSAFE.search(cleaned) and cleaned == cleaned.strip()
        ds.channel_value(cleaned)   # never refused
    assert not set(ds.caller_name(value)) & set('"\\%<>')
    assert re.fullmatch(r"[A-Za-z0-9+*#._-]+", ds.caller_number(value))


def test_names_that_broke_every_offer_are_cleaned() -> None:
    assert ds.caller_name("Kari\nNordmann\\") == "Kari Nordmann"
    assert ds.caller_name('Ola "The Boss" <ola@x> 100%') == "Ola The Boss ola@x 100"
    assert ds.clean_text("District\r\n4 {north}:_:x\\", 120) == "District 4 (north):-:x\\"
    assert ds.caller_number(CALLER_ID) == "+4790000302sofiagatewaydefault+4"   # 32 characters
    assert ds.caller_number("") == ds.caller_number(None) == "anonymous"


def test_variable_names_are_checked() -> None:
    assert ds.variables_block({"sip_h_X-Fsapp-Data-district": "4"}) == "{sip_h_X-Fsapp-Data-district=4}"
    for name in ("a=b", "a,b", "", "x y", "{x", "1abc"):
        with pytest.raises(UnsafeValue):
            ds.variables_block({name: "v"})


@pytest.mark.parametrize("row", RECORDED["escaped"], ids=lambda row: repr(row["value"]))
def test_escaping_matches_what_a_real_freeswitch_set(row: dict) -> None:
    assert ds.channel_value(row["value"]) == row["sent"]
    command = ds.originate_command(RECORDED["endpoint"], {"origination_uuid": "u", "fsapp_probe": row["value"],
                                                          "fsapp_after": "z"})
    _, dial = switch_reads(command)
    assert (dial.variables.get("fsapp_probe"), dial.variables["fsapp_after"]) == (row["set"], row["after"])


@pytest.mark.parametrize("row", RECORDED["raw"], ids=lambda row: row["block"])
def test_the_simulated_switch_reads_raw_blocks_as_the_real_one(row: dict) -> None:
    command = f"originate {{origination_uuid=u,{row['block']}}}{RECORDED['endpoint']} &park()"
    try:
        request = parse_originate(command[len("originate "):])
    except OriginateRefused as refused:
        assert str(refused).startswith(row["reply"])
        return
    assert row["reply"] == "+OK"
    variables = dict(request.variables)
    assert {name: variables.get(name) for name in row["set"]} == row["set"]


def test_a_comma_in_a_dial_string_rings_two_endpoints_on_both_switches() -> None:
    parallel = RECORDED["parallel"]
    names = [leg.endpoint for leg in parse_dial(parallel["dial"]).legs]
    assert len(names) == len(parallel["a_legs"]) == 2


# -- destinations ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dial", ["user/1001", "sofia/internal/1010@pbx.kommune.local", "loopback/9664/default",
                                  "sofia/gateway/pstn/+4790000302", "sofia/internal/1001@127.0.0.1:5070;transport=tcp"])
def test_endpoints_fsapp_dials(dial: str) -> None:
    _, parsed = switch_reads(ds.originate_command(dial, {}))
    assert [leg.endpoint for leg in parsed.legs] == [dial] and parsed.variables == {}


@pytest.mark.parametrize("dial", [
    "user/1001,user/1002", "user/1001|user/1002", "{a=b}user/1", "[a=b]user/1", "<a=b>user/1", "user/1 &echo()",
    "sofia/gw/+47:_:user/2", "user/'x'", "loopback/${system(id)}", "user/1\n", "1001", "", "user/",
    "bridge:user/1,system:reboot", "sofia/gateway/default/" + CALLER_ID])
def test_anything_but_one_endpoint_is_refused(dial: str) -> None:
    with pytest.raises(UnsafeValue):
        ds.endpoint(dial)
    with pytest.raises(UnsafeValue):
        ds.originate_command(dial, {})


@settings(max_examples=300, deadline=None)
@given(hostile_text)
def test_an_accepted_endpoint_is_exactly_one_endpoint(text: str) -> None:
    dial = "sofia/gateway/pstn/" + text
    try:
        ds.endpoint(dial)
    except UnsafeValue:
        return
    _, parsed = switch_reads(ds.originate_command(dial, {}))
    assert [(leg.endpoint, leg.variables) for leg in parsed.legs] == [(dial, {})] and parsed.variables == {}


@pytest.mark.parametrize("text", ["-both", "-bleg", "'system:touch /tmp/x' inline", "bridge:user/1,system:reboot",
                                  "6000 XML public", "", "a" * 41, "${x}", "6000\n"])
def test_extensions_are_plain_words(text: str) -> None:
    with pytest.raises(UnsafeValue):
        ds.extension(text)


def test_extensions_and_phones() -> None:
    assert ds.extension("6000") == "6000" and ds.extension("*21") == "*21"
    assert ds.extension_endpoint("2001") == "user/2001"
    assert ds.extension_endpoint("sofia/internal/2002@pbx") == "sofia/internal/2002@pbx"
    with pytest.raises(UnsafeValue):
        ds.extension_endpoint("user/2001,sofia/gateway/pstn/+4799999999")


def test_inline_runs_one_application_with_a_plain_argument() -> None:
    assert ds.inline_destination([("bridge", "user/1001")]) == "bridge:user/1001"
    assert ds.inline_destination([("park", "")]) == "park"
    for app, arg in [("bridge", "user/1,system:reboot"), ("bridge", "user/1 x"), ("system", "x'"),
                     ("Bridge!", "x"), ("bridge", "${x}")]:
        with pytest.raises(UnsafeValue):
            ds.inline_destination([(app, arg)])


# -- numbers --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    ("+4790000302", "+4790000302"), ("90000302", "+4790000302"), ("+47 900 00 302", "+4790000302"),
    ("0047 900 00 302", "+4790000302"), ("(+47) 22-33-44-55", "+4722334455"), ("+46 8 123 456 78", "+46812345678")])
def test_numbers_a_callback_may_dial(raw: str, expected: str) -> None:
    assert ds.dialable_number(raw, "NO") == expected


@pytest.mark.parametrize("raw", [CALLER_ID, "anonymous", "", "1001", "12345", "+4712345", "82012345",
                                 "sip:+4790000302@evil", "+4790000302;x=1", "+47900003020000000000", "90000302\n",
                                 "+4790000302|sofia/x", "*21"])
def test_numbers_a_callback_refuses(raw: str) -> None:
    with pytest.raises(NotDialable):
        ds.dialable_number(raw, "NO")
    assert ds.dialable_or_none(raw, "NO") is None


@settings(max_examples=300, deadline=None)
@given(hostile_text | st.from_regex(r"\+?[0-9 ()-]{3,20}", fullmatch=True))
def test_a_dialable_number_is_one_e164_endpoint(raw: str) -> None:
    number = ds.dialable_or_none(raw, "NO")
    if number is None:
        return
    dial = ds.number_endpoint("sofia/gateway/pstn/{number}", number)
    _, parsed = switch_reads(ds.originate_command(dial, {}))
    assert [leg.endpoint for leg in parsed.legs] == [f"sofia/gateway/pstn/{number}"]
    assert re.fullmatch(r"\+[1-9][0-9]{6,14}", number)


def test_dial_templates_hold_the_number_once() -> None:
    assert ds.number_endpoint("sofia/gateway/pstn/{number}", "+4790000302") == "sofia/gateway/pstn/+4790000302"
    for template, number in [("sofia/gateway/pstn/{number}", CALLER_ID), ("{number},user/1", "+4790000302"),
                             ("sofia/gateway/pstn/", "+4790000302"), ("sofia/gateway/pstn/{number}", "90000302")]:
        with pytest.raises(UnsafeValue):
            ds.number_endpoint(template, number)


# -- other command words --------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(hostile_text)
def test_a_uuid_setvar_value_is_the_whole_value(value: str) -> None:
    if re.search(r"\$\\*\{|[\x00-\x1f\x7f]|:_:", value):
        with pytest.raises(UnsafeValue):
            ds.setvar_value(value)
        return
    words = separate(f"uuid-1 fsapp_x {ds.setvar_value(value)}", " ", 3)
    assert words[:2] == ["uuid-1", "fsapp_x"]
    assert (words[2] if len(words) > 2 else "") == value


@pytest.mark.parametrize("arg", ["${system(touch /tmp/x)}", "$\\{x}", "%[a=b]file.wav", "%,[a=b]x", "a\x00b",
                                 "/sounds/x.wav\r"])
def test_application_arguments_cannot_expand_or_set_variables(arg: str) -> None:
    with pytest.raises(UnsafeValue):
        ds.application_argument(arg)


@pytest.mark.parametrize("path", ["system::touch /tmp/x", "${x}.wav", " ", "/tmp/a::b"])
def test_broadcast_paths_cannot_name_an_application(path: str) -> None:
    with pytest.raises(UnsafeValue):
        ds.media_path(path)


def test_media_paths_keep_their_spaces() -> None:
    words = separate(f"uuid-1 start {ds.media_path('/var/rec/a b/c.wav')} 60", " ", 5)
    assert words == ["uuid-1", "start", "/var/rec/a b/c.wav", "60"]
    assert ds.media_path("tone_stream://%(150,250,660);loops=3") == "tone_stream://%(150,250,660);loops=3"


@pytest.mark.parametrize("setting", [{"dial_template": "sofia/gateway/pstn/{number},user/1001"},
                                     {"dial_template": "sofia/gateway/pstn/{number} &echo()"},
                                     {"originate_variables": {"a,b": "1"}},
                                     {"originate_variables": {"x": "a}user/1001"}}])
def test_campaign_settings_name_one_endpoint_and_plain_variables(setting: dict) -> None:
    from fsapp.dialer.errors import SettingsError
    from fsapp.dialer.settings import CampaignSettings

    with pytest.raises(SettingsError):
        CampaignSettings.from_dict({"mode": "message", "message": "Water is off tomorrow", **setting})


@given(hostile_text)
@example("x)&bridge(user/1002)")
@example("a b")
@example("${uuid}")
@example("a:_:b")
@example("tail\\")
def test_an_originated_legs_application_takes_one_plain_word_or_nothing(arg: str) -> None:
    """``&intercept(<caller's uuid>)``: the switch reads the application and its argument from the last word;
    an argument that could end it, start another or split the word is refused."""
    try:
        command = ds.originate_command("user/1001", {"origination_uuid": "u-1"}, "intercept", arg)
    except UnsafeValue:
        return
    words, _ = switch_reads(command)
    assert words[1] == f"&intercept({arg})" and len(words) == 2
    assert re.fullmatch(r"[A-Za-z0-9+*#_.@:;=~/-]*", arg) and ":_:" not in arg


def test_the_queue_mark_an_operators_leg_sets_on_answer_names_one_plain_uuid() -> None:
    """``api_on_answer`` is an API command the switch runs: its only outside part, the caller's uuid, is one
    plain word, and the switch reads the command back whole from the dial string."""
    caller = "3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f"
    command = ds.originate_command(RECORDED["endpoint"], {"origination_uuid": "u", **self_bridge_variables(caller)})
    _, dial = switch_reads(command)
    assert dial.variables["api_on_answer"] == f"uuid_setvar {caller} fsapp_waiting_in answered"
    for hostile in (f"{caller} fsapp_role agent", "${system(id)}", "x'y", "a\nb", "", f"{caller}\\"):
        with pytest.raises(UnsafeValue):
            self_bridge_variables(hostile)
