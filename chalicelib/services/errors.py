"""The services' exception base.

It derives from Chalice's ``ChaliceUnhandledError`` for one reason: Chalice turns any
other exception raised in a view into a 500 *before* HTTP middleware sees it, and our
middleware (``api.errors``) is where a service failure becomes a 4xx with a JSON body.
"""
from chalice import ChaliceUnhandledError


class ServiceError(ChaliceUnhandledError):
    """A failure the caller can act on (bad field, conflict, throttled, unauthenticated)."""
