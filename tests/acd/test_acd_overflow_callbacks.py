"""Max wait and what follows it, exit-key callbacks, and callbacks keeping the caller's place."""

from __future__ import annotations

from acd_builders import of_type, unanswered

from fsapp.acd import (AgentState, AskCallbackNumber, Bridge, CallbackQueued, CallerInfo, MaxWaitAction,
                       MaxWaitPolicy, Offer, Overflow, PlayMessage, QueueExit, SendToVoicemail)

NO_ANNOUNCE = {"every": 0}


def queues_with(policy: MaxWaitPolicy, **extra) -> dict[str, dict]:
    from fsapp.acd import AnnouncePolicy
    return {"roads": {"on_max_wait": policy, "announce": AnnouncePolicy(**NO_ANNOUNCE), **extra},
            "operator": {"hold_music": "local_stream://operator",
                         "announce": AnnouncePolicy(**NO_ANNOUNCE)}}


def test_overflow_moves_the_caller_keeping_their_arrival_time(make_router, clock) -> None:
    agents = {"op": {"queues": {"operator": 1}}, "roadie": {"queues": {"roads": 1}}}
    router = make_router(queues_with(MaxWaitPolicy(300, MaxWaitAction.OVERFLOW, "operator")), agents)
    router.agent_break("op", "lunch")
    router.agent_break("roadie", "lunch")
    router.call_arrived("early", "roads")
    clock.advance(60)
    router.call_arrived("op-caller", "operator")
    clock.advance(240)
    decisions = router.tick()
    assert decisions == [Overflow("early", "roads", "operator", "local_stream://operator")]
    assert router.waiting("operator") == ["early", "op-caller"]   # arrived first, stays first
    assert router.waiting("roads") == []
    assert [o.call_uuid for o in of_type(router.agent_ready("op"), Offer)] == ["early"]
    assert [e["event"] for e in router.trace("early")][-3:] == ["max-wait", "no-agent", "offer"]


def test_max_wait_waits_for_a_ringing_offer_to_finish(make_router, clock) -> None:
    agents = {"roadie": {"queues": {"roads": 1}}}
    router = make_router(queues_with(MaxWaitPolicy(30, MaxWaitAction.OVERFLOW, "operator"),
                                     offer_timeout=40, reoffer_delay=100), agents)
    router.call_arrived("c1", "roads")
    router.offer_ringing("c1", "roadie")
    clock.advance(30)
    assert router.tick() == []                       # still ringing: no overflow mid-offer
    clock.advance(10)
    decisions = unanswered(router, router.tick())     # no answer -> max wait applies now
    assert of_type(decisions, Overflow) == [Overflow("c1", "roads", "operator", "local_stream://operator")]


def test_voicemail_and_message_end_the_wait(make_router, clock) -> None:
    router = make_router(queues_with(MaxWaitPolicy(10, MaxWaitAction.VOICEMAIL, "roads-box")), {})
    router.call_arrived("c1", "roads")
    clock.advance(10)
    decisions = router.tick()
    assert decisions[0] == SendToVoicemail("c1", "roads", "roads-box")
    assert decisions[1].outcome == "voicemail" and "c1" not in router.members

    router2 = make_router(queues_with(MaxWaitPolicy(10, MaxWaitAction.MESSAGE, "closed.wav")), {})
    router2.call_arrived("c2", "roads")
    clock.advance(10)
    decisions = router2.tick()
    assert decisions[0] == PlayMessage("c2", "roads", "closed.wav")
    assert of_type(decisions, QueueExit)[0].outcome == "message"


def test_exit_key_turns_the_caller_into_a_callback_that_keeps_the_place(make_router, clock) -> None:
    router = make_router({"q": {"exit_key": "1"}}, {"anna": {"queues": {"q": 1}}})
    router.agent_break("anna", "meeting")
    router.call_arrived("first", "q")
    clock.advance(1)
    router.call_arrived("second", "q", caller=CallerInfo(number="+4791234567"))
    clock.advance(1)
    router.call_arrived("third", "q")
    assert router.key_pressed("second", "2") == []
    assert router.key_pressed("second", "1") == [CallbackQueued("second", "q", "+4791234567", 2)]
    assert router.call_ended("second") == []           # the caller hangs up; the request stays
    assert router.waiting("q") == ["first", "second", "third"]
    clock.advance(300)
    announced = [d.call_uuid for d in router.tick()]
    assert announced == ["first", "third"]              # no announcements to a callback
    decisions = router.agent_ready("anna")
    assert of_type(decisions, Offer)[0].call_uuid == "first"
    router.offer_answered("first", "anna")
    router.call_ended("first")
    clock.advance(20)
    [offer] = of_type(router.agent_ready("anna") if router.agent("anna").state is not AgentState.AVAILABLE
                      else router.tick(), Offer)
    assert offer.call_uuid == "second" and offer.callback_number == "+4791234567"
    decisions = router.offer_answered("second", "anna")
    assert of_type(decisions, Bridge)[0].callback_number == "+4791234567"


def test_callback_without_a_known_number_asks_for_one(make_router, clock) -> None:
    router = make_router({"q": {"exit_key": "#"}}, {})
    router.call_arrived("c1", "q")
    assert router.key_pressed("c1", "#") == [AskCallbackNumber("c1", "q")]
    assert not router.member("c1").is_callback
    assert of_type(router.request_callback("c1", "+4740000000"), CallbackQueued)[0].number == "+4740000000"


def test_max_wait_callback_policy(make_router, clock) -> None:
    router = make_router(queues_with(MaxWaitPolicy(120, MaxWaitAction.CALLBACK)), {})
    router.call_arrived("c1", "roads", caller=CallerInfo(number="+4792345678"))
    clock.advance(120)
    assert router.tick() == [CallbackQueued("c1", "roads", "+4792345678", 1)]
    clock.advance(1000)
    assert router.tick() == []
    assert router.member("c1").is_callback


def test_callback_request_from_outside_waits_in_arrival_order(make_router, clock) -> None:
    router = make_router({"q": {}}, {"anna": {"queues": {"q": 1}}})
    router.agent_break("anna", "x")
    router.call_arrived("live", "q")
    router.add_callback("web-1", "q", "+4711111111", arrived_at=clock() - 100)
    assert router.waiting("q") == ["web-1", "live"]
    assert of_type(router.agent_ready("anna"), Offer)[0].callback_number == "+4711111111"
