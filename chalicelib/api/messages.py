"""The message log: one message by id, and the filtered, newest-first list."""
from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
