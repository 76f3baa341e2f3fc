"""The blueprint every API module registers its routes on.

Chalice answers any exception a view raises with its own 500 before middleware can see it
(only its ``ChaliceUnhandledError`` gets through), and our errors are plain classes that
know nothing of Chalice. So each view is wrapped here: a ``JmcError`` it raises, from
whatever layer, is rendered by ``api.errors.render``; anything else stays Chalice's 500,
which the middleware reshapes.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import chalice

from ..errors import JmcError
from .errors import render


class Blueprint(chalice.Blueprint):
    def route(self, path: str, **kwargs: Any) -> Callable[[Callable], Callable]:
        register = super().route(path, **kwargs)
        return lambda view: register(rendering_errors(view))


def rendering_errors(view: Callable) -> Callable:
    """``view`` answering its JmcErrors in our error shape (name kept: it is the operationId)."""
    @functools.wraps(view)
    def rendered(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except JmcError as exc:
            return render(exc)
    return rendered
