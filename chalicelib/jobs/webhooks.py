"""Customer webhook delivery: signed POSTs, retried with backoff for 24 h, then dead-lettered."""
from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
