"""Process logging: one line format on stderr at LOG_LEVEL, set up once however the process was started."""

from __future__ import annotations

import logging

LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    """Log at `level` and above to stderr. A process whose root logger has a handler already (a test
    runner's, or a command that configured it) keeps it; gunicorn configures only its own loggers, so
    without this the app's INFO lines are lost."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level.upper(), format=LINE_FORMAT)
