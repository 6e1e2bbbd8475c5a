"""The control API's routes for chats and work items from the other channels (appended to the route table).

An operator's page lists what its agent may take (``GET /work``), accepts one, reads and answers it (a chat
message, or a reply by e-mail or SMS) and closes it, optionally naming a case. An operator token bound to an
agent acts as that agent; other tokens name the agent in ``agent``.
"""

from __future__ import annotations

from fsapp.api import channel_handlers as c
from fsapp.api.routes import PREFIX, Route
from fsapp.api.schemas import array, ref

CHANNEL_ROUTES: list[Route] = [
    Route("GET", f"{PREFIX}/work", "agents", c.list_work,
          "Chats, e-mails, SMS and social messages an agent may take now, and those it holds",
          {200: ref("Work")}, query=("agent",)),
    Route("GET", f"{PREFIX}/work/waiting", "read", c.list_waiting, "Every work item nobody has taken, oldest first",
          {200: array(ref("WorkItem"))}, query=("queue",)),
    Route("POST", f"{PREFIX}/work/{{id}}/accept", "agents", c.accept_work,
          "Take a work item (refused when taken, or beyond the agent's limit of chats)", {200: ref("WorkItem")},
          body="WorkAgentBody"),
    Route("GET", f"{PREFIX}/work/{{id}}/messages", "agents", c.work_messages,
          "A held item's messages after number `after`", {200: array(ref("ChatMessage"))}, query=("agent", "after")),
    Route("POST", f"{PREFIX}/work/{{id}}/messages", "agents", c.send_message,
          "Answer a held item: a chat message, or a reply by e-mail or SMS", {200: ref("Sent")},
          body="WorkTextBody"),
    Route("POST", f"{PREFIX}/work/{{id}}/close", "agents", c.close_work,
          "Done with a held item; a chat's transcript becomes a contact, on the case when one is named",
          {200: ref("WorkClosed")}, body="WorkCloseBody"),
]
