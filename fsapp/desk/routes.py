"""The desk's pages and form posts: method, path, handler, who may use it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fsapp.api.routes import match_in
from fsapp.desk import calls, cases, pages, people, supervise, work

DESK_PREFIX = "/desk"
SUPERVISORS = frozenset({"supervisor", "admin"})


@dataclass(frozen=True)
class DeskRoute:
    method: str
    path: str
    handler: Callable[..., Any]
    roles: frozenset[str] = frozenset()   # empty: anyone signed in
    public: bool = False                  # no session needed (the sign-in page and static files)
    stream: bool = False
    pattern: re.Pattern[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[A-Za-z0-9._-]{1,100})", self.path)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))


P = DESK_PREFIX
DESK_ROUTES: list[DeskRoute] = [
    DeskRoute("GET", f"{P}/login", people.sign_in_page, public=True),
    DeskRoute("POST", f"{P}/login", people.sign_in, public=True),
    DeskRoute("POST", f"{P}/logout", people.sign_out),
    DeskRoute("GET", f"{P}/static/{{name}}", pages.static_file, public=True),
    DeskRoute("GET", P, pages.desk_page),
    DeskRoute("GET", f"{P}/", pages.desk_page),
    DeskRoute("GET", f"{P}/events", pages.events, stream=True),
    DeskRoute("GET", f"{P}/lists", pages.lists),
    DeskRoute("POST", f"{P}/state", pages.agent_state),
    DeskRoute("POST", f"{P}/pick", calls.pick),
    DeskRoute("GET", f"{P}/call/{{uuid}}", calls.call_panel),
    DeskRoute("POST", f"{P}/call/{{uuid}}/case", cases.case_from_call),
    DeskRoute("POST", f"{P}/call/{{uuid}}/callback", cases.callback_later),
    DeskRoute("POST", f"{P}/call/{{uuid}}/{{action}}", calls.call_action),
    DeskRoute("GET", f"{P}/citizens", cases.find_citizens),
    DeskRoute("POST", f"{P}/citizens", cases.new_citizen),
    DeskRoute("GET", f"{P}/work", work.work_list),
    DeskRoute("GET", f"{P}/work/{{id}}", work.item_panel),
    DeskRoute("POST", f"{P}/work/{{id}}/accept", work.accept),
    DeskRoute("GET", f"{P}/work/{{id}}/messages", work.messages),
    DeskRoute("POST", f"{P}/work/{{id}}/messages", work.send),
    DeskRoute("POST", f"{P}/work/{{id}}/close", work.close),
    DeskRoute("GET", f"{P}/files/{{id}}", work.contact_file),
    DeskRoute("GET", f"{P}/wallboard", supervise.wallboard, roles=SUPERVISORS),
    DeskRoute("POST", f"{P}/supervise", supervise.supervise, roles=SUPERVISORS),
]


def find_route(method: str, path: str) -> tuple[DeskRoute | None, dict[str, str], bool]:
    """The route for ``method path`` and its parameters; the flag says whether the path exists at all."""
    return match_in(DESK_ROUTES, method, path)
