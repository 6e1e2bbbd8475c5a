"""Social media messages through the generic webhook: one JSON shape, a token per source."""

from __future__ import annotations

from collections.abc import Callable

from fsapp.controller import Controller
from fsapp.store import display_reference
from tests.channels.conftest import api_as, off_hub
from tests.channels.test_channels_sms import _post

FACEBOOK, INSTAGRAM = "facebook-token-0123456789", "instagram-token-0123456789"


def test_social_messages_need_their_sources_token_and_wait_in_a_queue(
        make_controller: Callable[..., Controller]) -> None:
    controller = make_controller(**{"social.tokens": {"facebook": FACEBOOK, "instagram": INSTAGRAM},
                                    "social.queue": "roads"})
    base = f"{controller.api_server.url}/hooks/social"   # type: ignore[union-attr]
    message = {"from": {"handle": "kari.n", "name": "Kari"}, "text": "Streetlight out on Storgata",
               "url": "https://facebook.example/posts/1"}
    assert off_hub(_post, f"{base}/facebook", message, INSTAGRAM)[0] == 403   # another source's token
    assert off_hub(_post, f"{base}/twitter", message, FACEBOOK)[0] == 404     # no such source
    assert off_hub(_post, f"{base}/facebook", {"text": "no sender"}, FACEBOOK)[0] == 400
    status, answer = off_hub(_post, f"{base}/facebook", message, FACEBOOK)
    assert status == 200
    contact = controller.store.interaction(answer["interaction"])
    assert (contact["channel"], contact["address"], contact["subject"]) == ("social", "facebook/kari.n",
                                                                            "facebook: Kari")
    assert "https://facebook.example/posts/1" in contact["body"]
    ingrid = api_as(controller, "tok-ingrid")
    ingrid.post("/api/v1/agents/ingrid/login")
    assert [item["kind"] for item in ingrid.get("/api/v1/work")["offered"]] == ["social"]


def test_a_social_message_quoting_a_case_is_left_for_an_operator(make_controller: Callable[..., Controller]) -> None:
    controller = make_controller(**{"social.tokens": {"facebook": FACEBOOK}})
    store = controller.store
    store.add_category("roads", "Roads and streets")
    kari = store.add_citizen("Kari", ["+4791234567"], email="kari@example.no")
    case = store.new_case("roads", "Pothole", "ingrid", citizen_id=kari.id)
    message = {"from": {"handle": "kari@example.no"}, "text": f"About {display_reference(case.reference)}"}
    url = f"{controller.api_server.url}/hooks/social/facebook"   # type: ignore[union-attr]
    status, _ = off_hub(_post, url, message, FACEBOOK)
    assert status == 200
    assert store.interactions(case_reference=case.reference) == []
    [flagged] = store.unverified_contacts()
    assert flagged["case"] == case.reference
