"""Blacklists per app key: numbers and whole countries (seed module 黑名单)."""
from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
