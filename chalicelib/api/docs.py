"""The OpenAPI description of this API, served as written in ``chalicelib/openapi.json``
(a test keeps it in step with the routes)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .blueprint import Blueprint

bp = Blueprint(__name__)

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi.json"


@lru_cache(maxsize=1)
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@bp.route("/openapi.json", methods=["GET"])
def openapi():
    return spec()
