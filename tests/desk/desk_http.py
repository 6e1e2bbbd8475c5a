"""A browser-less client of the desk for the tests: gevent sockets (the hub serves the desk meanwhile), cookies
kept, the CSRF token read from the page."""

from __future__ import annotations

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from gevent import socket as gsocket


class _Connection(http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = gsocket.create_connection((self.host, self.port), self.timeout)


class Reply:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def header(self, name: str) -> str:
        return next((value for key, value in self.headers if key.lower() == name.lower()), "")

    def cookies(self) -> list[str]:
        return [value for key, value in self.headers if key.lower() == "set-cookie"]


class DeskClient:
    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.jar: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        connection = _Connection(self.host, self.port, timeout=15)
        sent = dict(headers or {})
        if self.jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            reply = Reply(answer.status, answer.getheaders(), answer.read())
        finally:
            connection.close()
        for line in reply.cookies():
            for name, morsel in SimpleCookie(line).items():
                if morsel.value:
                    self.jar[name] = morsel.value
                else:
                    self.jar.pop(name, None)
        found = re.search(r'name="csrf" (?:content|value)="([^"]+)"', reply.text) if reply.body else None
        if found:
            self.csrf = found.group(1)
        return reply

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, form: dict[str, str], csrf: bool = True, json: bool = True) -> Reply:
        fields = {**form, "csrf": self.csrf} if csrf else form
        return self.request("POST", path, fields, {"Accept": "application/json"} if json else {})

    def sign_in(self, name: str, password: str) -> Reply:
        self.get("/desk/login")
        reply = self.post("/desk/login", {"name": name, "password": password}, json=False)
        if reply.status == 303:
            self.get("/desk")   # the desk page carries the session's CSRF token
        return reply
