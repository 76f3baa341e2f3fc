"""Fixes for moto as our local AWS, applied wherever moto runs (the local stack's server
and the in-process service tests).

moto's DynamoDB backend is not thread-safe: ``transact_write_items`` deep-copies the tables
(to roll back) while other request threads change them, and fails with "dictionary changed
size during iteration" under concurrent sends. DynamoDB itself has no such limit, so the
emulator serialises its DynamoDB requests; moto's speed is no AWS proxy anyway.
"""
from __future__ import annotations

import threading

_installed = False


def serialise_dynamodb() -> None:
    """Run one moto DynamoDB request at a time (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.dynamodb.responses import DynamoHandler
    lock = threading.RLock()
    original = DynamoHandler.call_action

    def call_action(self):
        with lock:
            return original(self)
    DynamoHandler.call_action = call_action
    _installed = True
