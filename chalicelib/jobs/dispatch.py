"""Dispatch worker: submits queued messages to the carrier, exactly once."""
from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
