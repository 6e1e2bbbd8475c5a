"""The control API served by the controller with gevent's WSGI server, within deadlines (fsapp.api.httpserver)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fsapp.api.app import make_control_app
from fsapp.api.context import ControlContext
from fsapp.api.httpserver import GuardedServer

if TYPE_CHECKING:
    from fsapp.controller import Controller

log = logging.getLogger(__name__)


class ApiServer:
    """``ApiServer(controller, "127.0.0.1", 8088).start()``; ``port`` is the bound port (``0`` picks one)."""

    def __init__(self, controller: Controller, listen: str, port: int, *, feed_interval: float = 1.0) -> None:
        self.context = ControlContext(controller, feed_interval=feed_interval)
        self.app = make_control_app(self.context)
        api = controller.config.api
        self._server = GuardedServer((listen, port), self.app, read_timeout=api.read_timeout,
                                     idle_timeout=api.idle_timeout, max_body=api.max_body, log=None, error_log=log)
        self.listen = listen

    @property
    def port(self) -> int:
        return self._server.server_port

    @property
    def url(self) -> str:
        return f"http://{self.listen}:{self.port}"

    def start(self) -> ApiServer:
        self._server.start()
        self.context.feed.start()
        log.info("control API on %s", self.url)
        return self

    def stop(self) -> None:
        self.context.feed.stop()
        self._server.stop(timeout=2.0)
