"""A WSGI app served on 127.0.0.1 at a port the OS picks, in a background thread (for tests and fakes)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import make_server

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


class LoopbackServer:
    """Serves `app` on a loopback port (port 0: parallel runs never collide) until `stop()`."""

    def __init__(self, app: WsgiApp, name: str) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        # A short poll interval makes shutdown quick, so fixtures do not slow every test down.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name=name, daemon=True
        )

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> LoopbackServer:
        """Serve in the background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.shutdown()
        self._thread.join(timeout=10)
