"""Sending API: POST /v1/sms (native) and POST /sms/json (Vonage-compatible)."""
from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
