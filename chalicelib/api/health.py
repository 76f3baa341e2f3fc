"""Liveness."""
from .blueprint import Blueprint

bp = Blueprint(__name__)


@bp.route("/health", methods=["GET"])
def health():
    return {"status": "ok"}
