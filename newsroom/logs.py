"""Logging filters (LOGGING in newsroom/settings/base.py)."""

import logging


class OneLineWarning(logging.Filter):
    """
    A request for a host this site does not serve (a scanner, a stale DNS
    record) is answered 400 and logged as one WARNING line: it is not an
    error of ours, and its traceback would only say where Django noticed.
    """

    def filter(self, record):
        record.exc_info = None
        record.exc_text = None
        record.levelno = logging.WARNING
        record.levelname = logging.getLevelName(logging.WARNING)
        return True
