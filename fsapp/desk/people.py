"""Signing in and out of the desk."""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

from fsapp.api.errors import TooManyRequests
from fsapp.desk.passwords import check_password
from fsapp.desk.sessions import COOKIE, LOGIN_COOKIE
from fsapp.desk.texts import Texts
from fsapp.desk.web import DeskRequest, Reply, cookie_header, page, redirect
from fsapp.store.errors import NotFound

if TYPE_CHECKING:
    from fsapp.desk.app import DeskApp

log = logging.getLogger(__name__)
SIGN_INS_PER_NAME = 10       # a minute: guessing one person's password is slow
SIGN_INS_PER_ADDRESS = 120   # a minute: a whole service center behind one address signs in at the start of a shift


def sign_in_page(desk: DeskApp, request: DeskRequest, error: str = "", status: int = 200) -> Reply:
    token = secrets.token_urlsafe(24)
    texts = Texts(request.query.get("lang") or desk.config.desk.language)
    reply = page("login.html", code=status, t=texts, csrf=token, error=error, prefix="/desk",
                 name=request.form.get("name", ""))
    reply.headers.append(cookie_header(LOGIN_COOKIE, token, max_age=3600, secure=desk.config.desk.secure_cookie))
    return reply


def sign_in(desk: DeskApp, request: DeskRequest) -> Reply:
    name = request.form.get("name", "").strip()[:100]
    password = request.form.get("password", "")
    address = request.environ.get("REMOTE_ADDR", "")
    for key, per_minute in ((("name", name.lower()), SIGN_INS_PER_NAME), (("address", address), SIGN_INS_PER_ADDRESS)):
        wait = desk.sign_ins.take(key, per_minute)
        if wait:
            raise TooManyRequests(f"too many sign-ins: try again in {wait} s", wait)
    store = desk.ctx.controller.store
    try:
        user = store.desk_user(name) if name else None
    except NotFound:
        user = None
    if not check_password(user["password_hash"] if user else None, password) or user is None or user["disabled"]:
        log.info("desk sign-in refused for %r from %s", name, address)
        return sign_in_page(desk, request, error=Texts(desk.config.desk.language)("sign_in_failed"), status=401)
    session_id, session = desk.sessions.open(user["name"], user["role"], user["agent"], user["language"])
    desk.ctx.audit(session.name, "sign-in", "user", session.name, role=session.role, agent=session.agent)
    reply = redirect("/desk")
    reply.headers.append(cookie_header(COOKIE, session_id, max_age=int(desk.sessions.lifetime),
                                       secure=desk.config.desk.secure_cookie))
    reply.headers.append(cookie_header(LOGIN_COOKIE, "", max_age=0, secure=desk.config.desk.secure_cookie))
    return reply


def sign_out(desk: DeskApp, request: DeskRequest) -> Reply:
    desk.sessions.close(request.session_id)
    desk.ctx.audit(request.me.name, "sign-out", "user", request.me.name)
    reply = redirect("/desk/login")
    reply.headers.append(cookie_header(COOKIE, "", max_age=0, secure=desk.config.desk.secure_cookie))
    return reply
