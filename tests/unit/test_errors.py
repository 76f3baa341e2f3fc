"""The error hierarchy: every error states its HTTP meaning and its Vonage one, is rendered
in one shape, and the layers below the API know nothing of the web framework."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import app  # noqa: F401 - imports every module, so every error class is defined
from chalicelib.api.errors import render
from chalicelib.api.sms import VONAGE_STATUS, vonage_status
from chalicelib.errors import (
    AuthFailed,
    Blacklisted,
    ControlCharacter,
    CursorError,
    FieldError,
    InvalidRequest,
    JmcError,
    LoneSurrogate,
    RateLimited,
    TextTooLong,
)

ROOT = Path(__file__).resolve().parents[2]


def _all_errors() -> list[type[JmcError]]:
    found, todo = [], [JmcError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def _defines(cls: type, name: str) -> bool:
    """Whether ``cls`` or an ancestor below the root states ``name`` itself."""
    return any(name in vars(c) for c in cls.__mro__ if c is not JmcError and issubclass(c, JmcError))


@pytest.mark.parametrize("cls", _all_errors(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_error_states_its_status_code_and_vonage_status(cls):
    assert _defines(cls, "status") and _defines(cls, "code"), f"{cls} inherits the root's 500"
    assert 400 <= cls.status < 600 and cls.code.isidentifier()
    owner = next(c for c in cls.__mro__ if c in VONAGE_STATUS)
    assert owner is not JmcError, f"{cls} has no Vonage status of its own"


def test_the_hierarchy_covers_what_the_services_raise():
    names = {cls.__name__ for cls in _all_errors()}
    assert {"TaskNotFound", "UploadNotFound", "EntryNotFound", "AppNotFound", "TaskStateError",
            "InvalidCredentials", "WrongPassword", "InsufficientBalance", "AccountInactive"} <= names


def test_an_error_renders_as_status_shape_and_headers():
    response = render(RateLimited(7))
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert response.body == {"error": {"code": "rate_limited", "message": "Too many attempts; try again later"}}
    response = render(FieldError("owner.email", "must be an email address"))
    assert response.status_code == 422
    assert response.body["error"] == {"code": "invalid_value", "field": "owner.email",
                                      "message": "owner.email must be an email address"}
    assert render(CursorError()).body["error"]["field"] == "cursor"
    assert render(AuthFailed()).headers["WWW-Authenticate"].startswith("Bearer")
    json.dumps(render(InvalidRequest("limit", "must be an integer")).body)


@pytest.mark.parametrize("error, status", [
    (Blacklisted("msg_1", "number"), "7"), (TextTooLong("text", "is 11 segments long"), "12"),
    (FieldError("text", "is empty"), "6"), (FieldError("from", "is not registered"), "15"),
    (FieldError("callback", "must use https"), "23"), (FieldError("to", "is too short"), "3"),
    (InvalidRequest("Idempotency-Key", "must be 1-255 characters"), "3"), (AuthFailed(), "4"),
    # a string the reader refuses: an invalid message in text, an invalid parameter anywhere else
    (LoneSurrogate("text", 2), "6"), (ControlCharacter("text", "\x00", 1), "6"),
    (LoneSurrogate("to", 1), "3"), (ControlCharacter("from", "\x00", 1), "3"),
    (ControlCharacter("callback", "\x7f", 9), "3"),
])
def test_vonage_statuses_follow_the_class_and_the_parameter(error, status):
    assert vonage_status(error)[0] == status


def test_below_the_api_nothing_imports_chalice():
    layers = [str(ROOT / "chalicelib" / layer) for layer in ("services", "store", "domain", "files")]
    found = subprocess.run(["grep", "-rln", "chalice", "--include=*.py", *layers], capture_output=True, text=True)
    assert found.stdout == "", found.stdout
