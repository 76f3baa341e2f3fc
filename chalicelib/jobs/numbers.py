"""Number rent (号码管理): every hour, charge each number whose paid month has ended, suspend
what the balance cannot pay and release what stayed suspended past its grace period
(``services.number_renewals``; a rerun, or two runs at once, charge nothing twice)."""
from __future__ import annotations

import logging

from chalice import Blueprint, Rate

from ..services import number_renewals

log = logging.getLogger(__name__)

bp = Blueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.HOURS))
def renew_numbers(event):
    outcome = number_renewals.renew_due().as_dict()
    log.info("number renewals: %(renewed)d renewed, %(suspended)d suspended, %(released)d released, "
             "%(skipped)d charged already", outcome)
    return outcome
