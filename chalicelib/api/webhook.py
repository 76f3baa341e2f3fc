"""The account's webhook URL for delivery reports, its signing secret, and delivery attempts."""
from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
