"""JSON schemas of the control API's bodies (the ``components/schemas`` of the OpenAPI document)."""

from __future__ import annotations

from typing import Any

NUM = {"type": ["number", "null"]}
STR = {"type": ["string", "null"]}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def array(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None, extra: bool = False) -> dict[str, Any]:
    return {"type": "object", "required": sorted(required), "properties": {**required, **(optional or {})},
            "additionalProperties": extra}


SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": obj({"error": {"type": "string"}}),
    "Queue": obj({"name": {"type": "string"}, "waiting": {"type": "integer"}, "longest_wait": NUM,
                  "service_level": NUM, "service_level_today": NUM, "service_level_target": {"type": "number"},
                  "agents": {"type": "object", "additionalProperties": {"type": "integer"}},
                  "available": {"type": "integer"}}),
    "Agent": obj({"id": {"type": "string"}, "name": {"type": "string"},
                  "state": {"enum": ["logged-out", "available", "break", "reserved", "ringing", "on-call",
                                     "wrap-up"]},
                  "reason": STR, "since": {"type": "number"}, "time_in_state": {"type": "number"},
                  "call_uuid": STR, "queue": STR, "caller": STR, "calls_handled": {"type": "integer"}}),
    "Call": obj({"uuid": {"type": "string"}, "caller": {"type": "string"}, "destination": {"type": "string"},
                 "state": {"enum": ["ivr", "waiting", "talking"]}, "queue": STR,
                 "path": array({"type": "string"}), "position": {"type": ["integer", "null"]},
                 "priority": {"type": ["integer", "null"]}, "waited": NUM, "agent": STR, "duration": NUM}),
    "Supervision": obj({"id": {"type": "string"}, "agent": {"type": "string"}, "call_uuid": {"type": "string"},
                        "agent_leg": {"type": "string"}, "extension": {"type": "string"},
                        "actor": {"type": "string"}, "mode": {"enum": ["listen", "caller", "whisper", "barge"]},
                        "started_at": {"type": "number"}, "ended_at": NUM,
                        "history": array(obj({"at": {"type": "number"}, "mode": {"type": "string"},
                                              "by": {"enum": ["api", "dtmf"]}}))}),
    "State": obj({"at": {"type": "number"}, "queues": array(ref("Queue")), "agents": array(ref("Agent")),
                  "calls": array(ref("Call")), "supervision": array(ref("Supervision"))}),
    "AgentState": obj({"agent": {"type": "string"}, "state": {"type": "string"}}),
    "Moved": obj({"uuid": {"type": "string"}, "queue": STR, "agent": STR}),
    "Priority": obj({"uuid": {"type": "string"}, "priority": {"type": "integer"},
                     "position": {"type": ["integer", "null"]}}),
    "CallRef": obj({"uuid": {"type": "string"}}, {"path": {"type": "string"}, "conference": {"type": "string"}}),
    "Transferred": obj({"uuid": {"type": "string"}}, {"queue": STR, "agent": STR, "extension": STR, "number": STR}),
    "Consulting": obj({"uuid": {"type": "string"}, "consult_leg": {"type": "string"}},
                      {"agent": STR, "number": STR, "dial": STR}),
    "Recording": obj({"call_uuid": {"type": "string"}, "date": {"type": "string"}, "path": {"type": "string"},
                      "size": {"type": "integer"}, "agent": STR, "queue": STR, "caller": STR,
                      "started_at": STR, "kind": {"enum": ["call", "voicemail"]}, "file": {"type": "string"}},
                     {"id": {"type": "integer"}, "citizen_id": {"type": ["integer", "null"]}, "case": STR,
                      "subject": {"type": "string"}, "ended_at": STR, "duration": {"type": "number"},
                      "deleted": {"type": "boolean"}, "done_at": STR, "done_by": {"type": "string"}}),
    "Report": obj({"report": {"enum": ["daily", "queues", "agents", "categories", "channels"]},
                   "columns": array({"type": "string"}), "rows": array({"type": "object"}),
                   "from": {"type": "string"}, "to": {"type": "string"}},
                  {"calls_per_hour": {"type": "object", "additionalProperties": {"type": "integer"}}}),
    "Alerts": obj({"overdue_cases": array(obj({"reference": {"type": "string"}, "category": {"type": "string"},
                                                "status": {"type": "string"}, "deadline": STR,
                                                "assignee": STR})),
                   "queues_below_service_level": array(obj({"queue": {"type": "string"},
                                                            "service_level": {"type": "number"},
                                                            "target": {"type": "number"},
                                                            "waiting": {"type": "integer"},
                                                            "longest_wait": NUM})),
                   "agents_stuck": array(obj({"agent": {"type": "string"}, "state": {"type": "string"},
                                              "time_in_state": {"type": "number"},
                                              "limit": {"type": "number"}}))}),
    "AuditEntry": obj({"at": {"type": "string"}, "actor": {"type": "string"}, "action": {"type": "string"},
                       "entity": {"type": "string"}, "entity_id": {"type": "string"},
                       "detail": {"type": "string"}}),
    # request bodies
    "AgentActionBody": obj({}, {"reason": {"type": "string"}}),
    "MoveBody": obj({}, {"queue": {"type": "string"}, "agent": {"type": "string"}}),
    "TransferBody": obj({}, {"queue": {"type": "string"}, "agent": {"type": "string"},
                             "extension": {"type": "string"}, "number": {"type": "string"}}),
    "ConsultBody": obj({}, {"agent": {"type": "string"}, "number": {"type": "string"}, "dial": {"type": "string"}}),
    "PriorityBody": obj({"priority": {"type": "integer"}}),
    "DoneBody": obj({}, {"done": {"type": "boolean"}}),
    "RecordBody": obj({"record": {"type": "boolean"}}),
    "QueueRecording": obj({"queue": {"type": "string"}, "record": {"type": "boolean"}}),
    "SuperviseBody": obj({"agent": {"type": "string"}, "extension": {"type": "string"}},
                         {"mode": {"enum": ["listen", "caller", "whisper", "barge"]}}),
    "ModeBody": obj({"mode": {"enum": ["listen", "caller", "whisper", "barge"]}}),
}

SCHEMAS["QueueDetail"] = {**SCHEMAS["Queue"], "required": SCHEMAS["Queue"]["required"] + ["calls", "members"],
                          "properties": {**SCHEMAS["Queue"]["properties"], "calls": array(ref("Call")),
                                         "members": array(ref("Agent"))}}

# chats and work items from the other channels (fsapp.api.channel_routes)
SCHEMAS.update({
    "WorkItem": obj({"id": {"type": "string"}, "kind": {"enum": ["chat", "email", "sms", "social"]},
                     "queue": {"type": "string"}, "arrived_at": {"type": "number"}, "summary": {"type": "string"},
                     "address": {"type": "string"}, "interaction_id": {"type": ["integer", "null"]},
                     "skills": {"type": "object"}, "language": {"type": "string"}, "agent": STR,
                     "accepted_at": NUM},
                    {"position": {"type": ["integer", "null"]}, "name": {"type": "string"},
                     "messages": {"type": "integer"}}),
    "Work": obj({"agent": {"type": "string"}, "limit": {"type": "integer"}, "offered": array(ref("WorkItem")),
                 "held": array(ref("WorkItem"))}),
    "ChatMessage": obj({"seq": {"type": "integer"}, "at": {"type": "number"},
                        "author": {"enum": ["citizen", "operator", "system"]}, "text": {"type": "string"}}),
    "Sent": obj({"id": {"type": "string"}}, {"seq": {"type": "integer"}, "interaction": {"type": "integer"}}),
    "WorkClosed": obj({"id": {"type": "string"}, "interaction": {"type": ["integer", "null"]}}),
    "WorkAgentBody": obj({}, {"agent": {"type": "string"}}),
    "WorkTextBody": obj({"text": {"type": "string"}}, {"agent": {"type": "string"}}),
    "WorkCloseBody": obj({}, {"agent": {"type": "string"}, "case": {"type": "string"}}),
})
