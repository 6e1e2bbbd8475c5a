"""The desk under ``/desk``, served by the control API's WSGI application (fsapp.api.app hands the path over).

Every request passes the same seams as the API's: bodies through :mod:`fsapp.httpbody` within ``api.max_body``
and ``api.read_timeout``, the role checks of :mod:`fsapp.api.auth` (a signed-in person is a
:class:`~fsapp.api.auth.Principal` named by the person), the API's own handlers for what a call can do. On top:
the session cookie, a CSRF token on every form post, and the person's language.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from fsapp.api.auth import Principal
from fsapp.api.errors import ApiError, NotFoundError
from fsapp.api.ratelimit import RateLimiter
from fsapp.api.request import parse_query
from fsapp.desk.forms import read_form
from fsapp.desk.routes import DESK_PREFIX, DeskRoute, find_route
from fsapp.desk.sessions import COOKIE, LOGIN_COOKIE, DeskSession, SessionBook
from fsapp.desk.web import DeskRequest, Reply, StreamReply, json_reply, page, redirect
from fsapp.errors import FsappError
from fsapp.httpbody import BodyError, abandon_body
from fsapp.store.errors import NotFound, StoreError

if TYPE_CHECKING:
    from fsapp.api.context import ControlContext

log = logging.getLogger(__name__)
StartResponse = Callable[..., Any]
CATALOG_MAX_AGE = 30.0   # seconds the categories and guides are reused before the store is asked again


class DeskApp:
    """The desk's state: sessions, the sign-in rate limit, a short cache of the register."""

    def __init__(self, ctx: ControlContext, clock: Callable[[], float] = time.monotonic) -> None:
        self.ctx = ctx
        self.config = ctx.controller.config
        self.sessions = SessionBook(clock, self.config.desk.session_hours * 3600)
        self.sign_ins = RateLimiter(clock)
        self.sends = RateLimiter(clock)   # what a person's page sends about work items (chat.rate_per_minute)
        self.clock = clock
        self._catalog: tuple[float, dict[str, Any]] | None = None

    def principal(self, session: DeskSession) -> Principal:
        return Principal(session.role, "desk", session.agent, person=session.name)

    def catalog(self, language: str) -> dict[str, Any]:
        """Categories (with custom fields) and each one's guide in ``language`` (falling back to nb)."""
        now = self.clock()
        if self._catalog is None or now - self._catalog[0] > CATALOG_MAX_AGE:
            store = self.ctx.controller.store
            categories = store.categories()
            guides = {(c["code"], lang): store.guide(c["code"], lang) for c in categories
                      for lang in {language, "nb"}}
            self._catalog = (now, {"categories": categories, "guides": guides})
        found = self._catalog[1]
        return {"categories": found["categories"],
                "guides": {c["code"]: found["guides"].get((c["code"], language)) or
                           found["guides"].get((c["code"], "nb"), []) for c in found["categories"]}}

    # -- WSGI ------------------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO") or DESK_PREFIX
        request = DeskRequest(environ, method, path, parse_query(environ.get("QUERY_STRING", "")))
        try:
            reply = self._serve(request)
        except (ApiError, BodyError) as exc:
            reply = self._error(request, exc.status, str(exc))
        except (NotFound, StoreError) as exc:
            reply = self._error(request, 404 if isinstance(exc, NotFound) else 400, str(exc))
        except FsappError as exc:
            reply = self._error(request, 400, str(exc))
        except Exception:
            log.exception("%s %s failed", method, path)
            reply = self._error(request, 500, "internal error (see the controller's log)")
        if isinstance(reply, StreamReply):
            start_response("200 OK", reply.headers)
            return reply.chunks
        start_response(reply.status_line(), [*reply.headers, ("Content-Length", str(len(reply.body)))])
        return [reply.body]

    def _serve(self, request: DeskRequest) -> Reply | StreamReply:
        route, params, exists = find_route(request.method, request.path)
        if route is None:
            raise NotFoundError(f"no {request.method} {request.path}" if exists else f"no page {request.path}")
        request.params = params
        if not route.public:
            request.session_id = request.cookie(COOKIE)
            request.session = self._live_session(request.session_id)
            if request.session is None:
                abandon_body(request.environ)
                if request.method == "GET" and not request.wants_json and not route.stream:
                    return redirect(f"{DESK_PREFIX}/login")
                return self._error(request, 401, "sign in first")
            if route.roles and request.session.role not in route.roles:
                abandon_body(request.environ)
                return self._error(request, 403, f"role {request.session.role} may not use this page")
        if request.method == "POST":
            api = self.config.api
            request.form = read_form(request.environ, api.max_body, api.read_timeout)
            if not self._csrf_ok(request):
                return self._error(request, 403, "the form is stale: reload the page")
        return route.handler(self, request)

    def _live_session(self, session_id: str | None) -> DeskSession | None:
        session = self.sessions.get(session_id)
        if session is None:
            return None
        try:
            user = self.ctx.controller.store.desk_user(session.name)
        except NotFound:
            user = None
        if user is None or user["disabled"]:
            self.sessions.close_person(session.name)
            return None
        return session

    @staticmethod
    def _csrf_ok(request: DeskRequest) -> bool:
        token = request.form.get("csrf") or request.environ.get("HTTP_X_CSRF_TOKEN")
        if request.session is not None:
            return request.session.csrf_ok(token)
        expected = request.cookie(LOGIN_COOKIE)   # the sign-in form: the token in its cookie and in the form
        return bool(expected) and bool(token) and DeskSession("", "", None, "", 0, expected).csrf_ok(token)

    def _error(self, request: DeskRequest, status: int, message: str) -> Reply:
        if request.wants_json or request.method == "POST" and request.environ.get("HTTP_X_CSRF_TOKEN"):
            return json_reply({"error": message}, status)
        return page("error.html", code=status, message=message, status=status, prefix=DESK_PREFIX)


__all__ = ["DeskApp", "DeskRoute"]
