"""Callbacks from the carrier: Vonage-format delivery receipts."""
from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
