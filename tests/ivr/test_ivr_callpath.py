"""A call's path as the data written with the call: every field, a step's empty details left out."""

from __future__ import annotations

from dataclasses import asdict, fields

from fsapp.ivr.callpath import CallPath


def test_the_written_path_holds_every_field_and_only_what_happened_at_a_step() -> None:
    path = CallPath("main", "uuid-1", "nb")
    path.visit("welcome", "menu").keys = "2"
    path.visit("ask", "speech").confidence = 0.8
    path.errors.append("no such sound")
    path.finish("queue", "operator")
    data = path.to_dict()
    assert set(data) == {f.name for f in fields(CallPath)}
    assert data["steps"] == [{"node": "welcome", "kind": "menu", "keys": "2"},
                             {"node": "ask", "kind": "speech", "confidence": 0.8}]
    expected = asdict(path)
    expected["steps"] = [{k: v for k, v in step.items() if v is not None} for step in expected["steps"]]
    assert data == expected
    data["errors"].append("changed")
    assert path.errors == ["no such sound"]   # the data is a copy
