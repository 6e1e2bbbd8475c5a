"""The control API served by the controller with gevent's WSGI server."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from gevent.pywsgi import WSGIServer

from fsapp.api.app import make_control_app
from fsapp.api.auth import check_tokens
from fsapp.api.context import ControlContext

if TYPE_CHECKING:
    from fsapp.controller import Controller

log = logging.getLogger(__name__)


class ApiServer:
    """``ApiServer(controller, "127.0.0.1", 8088).start()``; ``port`` is the bound port (``0`` picks one)."""

    def __init__(self, controller: Controller, listen: str, port: int, *, feed_interval: float = 1.0) -> None:
        check_tokens(controller.config.api.tokens)
        self.context = ControlContext(controller, feed_interval=feed_interval)
        # Open311 POSTs are accepted with any configured token whose role may write.
        keys = [token for token, role in controller.config.api.tokens.items() if role in ("admin", "integration")]
        self.app = make_control_app(self.context, keys)
        self._server = WSGIServer((listen, port), self.app, log=None, error_log=log)
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
