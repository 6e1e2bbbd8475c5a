"""What the real switch and the simulated one must agree on about a received fax (recorded from the real one by
tests/live/test_live_fax.py into :data:`TRANSCRIPT`)."""

from __future__ import annotations

from pathlib import Path

from fsapp.esl.events import Event

TRANSCRIPT = Path(__file__).resolve().parents[1] / "data" / "transcripts" / "fsapp-live" / "fax_receive.json"


def fax_story(complete: Event, result: Event) -> dict[str, object]:
    """What fsapp and the simulator must agree on about a received fax: the variables on rxfax's completion, its
    response, and the headers of spandsp::rxfaxresult (the channel's data, then the fax-* values)."""
    return {"rxfax_complete_fax_variables": sorted(complete.variables("fax_")),
            "rxfax_application_response": complete.get("Application-Response"),
            "rxfaxresult_fax_headers": [name for name in result.headers if name.startswith("fax-")],
            "rxfaxresult_channel_data": "Unique-ID" in result.headers and "variable_fax_success" in result.headers,
            "rxfaxresult_uuid_header": "uuid" in result.headers}
