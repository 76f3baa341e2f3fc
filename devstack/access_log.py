"""The local API's access log, through ``logging`` (logger ``devstack.api``) instead of the
raw stderr lines of chalice's request handler, so it has the stack log's format and levels.

One INFO line per request, except the carrier simulator's delivery receipts
(``/webhooks/vonage/dlr``): there is one per segment sent, so a 10,000-number task wrote
10,000 lines that drowned everything else. A receipt taken is DEBUG; a receipt refused is
WARNING, because a refused receipt is a status the platform never learns.
"""
from __future__ import annotations

import logging
from http import HTTPStatus

from chalice.local import ChaliceRequestHandler

log = logging.getLogger("devstack.api")

RECEIPTS_PATH = "/webhooks/vonage/dlr"


def level(path: str, status: int) -> int:
    if path.split("?", 1)[0] == RECEIPTS_PATH:
        return logging.DEBUG if status < 400 else logging.WARNING
    return logging.INFO


class AccessLogHandler(ChaliceRequestHandler):
    """Chalice's local request handler, logging each request at ``level(path, status)``."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = int(code) if isinstance(code, HTTPStatus) or str(code).isdigit() else 0
        # A request refused before its line was read (too long, say) has no path yet.
        path = getattr(self, "path", "")
        log.log(level(path, status), '%s "%s" %s', self.client_address[0], getattr(self, "requestline", ""),
                status or code)

    def log_message(self, format: str, *args: object) -> None:
        # What else the base class reports (a malformed request, a timed-out connection).
        log.warning("%s %s", self.client_address[0], format % args)
